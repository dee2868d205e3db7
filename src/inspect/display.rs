//! The display copy of an inspection: every string from outside with its control characters made visible, for
//! the app to draw (`crate::escape` has the rule). Exports and copies keep using the original.

use std::borrow::Cow;

use serde_json::Value;

use super::lookup::Inspection;
use crate::escape::{display, display_block};

/// A copy of an inspection for drawing: every string in it (values, keys, names, messages) passed through
/// [`display`], bodies through [`display_block`]. Exports and copies use the original; only the eye gets this.
pub fn for_display(i: &Inspection) -> Inspection {
    let mut shown = i.clone();
    let text = |s: &mut String| {
        if let Cow::Owned(o) = display(s) {
            *s = o;
        }
    };
    let block = |s: &mut String| {
        if let Cow::Owned(o) = display_block(s) {
            *s = o;
        }
    };
    text(&mut shown.environment.environment);
    text(&mut shown.environment.issuer);
    text(&mut shown.environment.person_url);
    text(&mut shown.request.client_id);
    shown.request.scopes.iter_mut().for_each(text);
    if let Some(acr) = &mut shown.request.acr {
        text(acr);
    }
    if let Some(t) = &mut shown.token {
        t.scopes_granted.iter_mut().for_each(text);
        t.problems.iter_mut().for_each(text);
        text(&mut t.token_type);
        if let Some(d) = &mut t.dpop {
            text(&mut d.key_jkt);
            if let Some(j) = &mut d.token_jkt {
                text(j);
            }
        }
        for c in &mut t.id_token_checks {
            text(&mut c.check);
            text(&mut c.detail);
        }
        for claims in [&mut t.access_token_claims, &mut t.id_token_claims]
            .into_iter()
            .flatten()
        {
            let mut v = Value::Object(std::mem::take(claims));
            value(&mut v);
            if let Value::Object(m) = v {
                *claims = m;
            }
        }
    }
    if let Some(ct) = &mut shown.http.content_type {
        text(ct);
    }
    for step in &mut shown.session {
        if let Some(e) = &mut step.error {
            text(e);
        }
    }
    for change in &mut shown.language_changes {
        change
            .spraak
            .iter_mut()
            .chain(&mut change.error)
            .for_each(text);
    }
    let session_exchanges = shown
        .session
        .iter_mut()
        .flat_map(|s| s.exchanges.iter_mut());
    let language_exchanges = shown
        .language_changes
        .iter_mut()
        .flat_map(|c| c.exchanges.iter_mut());
    for ex in shown
        .http
        .exchanges
        .iter_mut()
        .chain(session_exchanges)
        .chain(language_exchanges)
    {
        text(&mut ex.step);
        text(&mut ex.method);
        text(&mut ex.url);
        for (k, v) in &mut ex.request_headers {
            text(k);
            text(v);
        }
        for (k, v) in &mut ex.response_headers {
            text(k);
            text(v);
        }
        for body in [&mut ex.request_body, &mut ex.response_body, &mut ex.error]
            .into_iter()
            .flatten()
        {
            block(body);
        }
    }
    if let Some(e) = &mut shown.error {
        text(&mut e.message);
        text(&mut e.hint);
        if let Some(nb) = &mut e.nb {
            nb.message.iter_mut().chain(&mut nb.hint).for_each(text);
        }
    }
    if let Some(b) = &mut shown.body {
        value(&mut b.person);
        b.problems.iter_mut().for_each(text);
        for f in &mut b.fields {
            text(&mut f.path);
            value(&mut f.value);
            text(&mut f.explanation);
            f.notes.iter_mut().for_each(text);
        }
        if let Some(j) = &mut b.jose {
            if let Some(h) = &mut j.header {
                value(h);
            }
            if let Some(a) = &mut j.algorithm {
                text(a);
            }
            j.signature.verdict = j.signature.verdict.map_reason(|r| display(r).into_owned());
            if let Some(chain) = &mut j.signature.chain {
                text(&mut chain.reason);
                chain.path.iter_mut().for_each(text);
            }
            for c in &mut j.certificates {
                text(&mut c.subject);
                text(&mut c.issuer);
                text(&mut c.serial);
                text(&mut c.key_type);
                if let Some(o) = &mut c.organisation_number {
                    text(o);
                }
            }
        }
        if let Some(check) = &mut b.scope_check {
            check.granted.iter_mut().for_each(text);
            check.unknown_scopes.iter_mut().for_each(text);
            for f in check
                .missing
                .iter_mut()
                .chain(&mut check.unexpected)
                .chain(&mut check.absent_allowed)
            {
                text(&mut f.message);
            }
        }
    }
    shown
}

/// Every string and object key in `v`, through [`display`].
fn value(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(o) = display(s) {
                *s = o;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(value),
        Value::Object(map) => {
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            for (k, mut item) in entries {
                value(&mut item);
                map.insert(display(&k).into_owned(), item);
            }
        }
        _ => {}
    }
}
