//! A saved inspection read back (`explain FILE`) is not taken at its word: a file can be edited. When it holds
//! the register's raw answer, the answer is inspected again (signature, chain, fields) and the verdict stored in
//! the file is compared with the fresh one; when it does not, the report says the verdict is as recorded.

use chrono::{DateTime, Utc};

use super::body::inspect_body;
use super::report::Inspection;
pub use super::report::Reverification;
use crate::jose::TrustStore;
use crate::krr::Lang;

/// Inspects the saved raw answer again with `trust` at `now`, replacing the stored body inspection with the fresh
/// one, and records the comparison in `saved.reverified`.
pub fn reverify(saved: &mut Inspection, trust: &TrustStore, lang: Lang, now: DateTime<Utc>) {
    let stored = saved.body.as_ref().map(|b| b.verdict().label().to_owned());
    let raw = saved
        .http
        .exchanges
        .iter()
        .rev()
        .find(|e| e.step == "person" && e.status == Some(200))
        .and_then(|e| e.response_body.clone());
    let granted = saved.token.as_ref().map(|t| t.scopes_granted.clone());
    let fresh = raw.and_then(|raw| {
        inspect_body(
            raw.as_bytes(),
            saved.http.content_type.as_deref(),
            trust,
            granted.as_deref(),
            lang,
            now,
        )
        .ok()
    });
    saved.reverified = Some(match fresh {
        Some(body) => {
            let fresh = body.verdict().label().to_owned();
            saved.body = Some(body);
            Reverification::Reverified {
                agrees: stored.as_deref() == Some(fresh.as_str()),
                stored,
                fresh,
            }
        }
        None => Reverification::AsRecorded { stored },
    });
}

/// The inspection with its explanations in `lang`: the saved raw answer is explained again (fields, the scope
/// check, the answer's problems, at the time of the lookup), the verdict kept as it was judged (its reason is
/// rendered in the viewer's language from its structure). Without a raw answer the texts stay as they are.
pub fn in_language(saved: &Inspection, lang: Lang) -> Inspection {
    let mut shown = saved.clone();
    let raw = saved
        .http
        .exchanges
        .iter()
        .rev()
        .find(|e| e.step == "person" && e.status == Some(200))
        .and_then(|e| e.response_body.as_deref());
    let (Some(raw), Some(body)) = (raw, &saved.body) else {
        return shown;
    };
    let granted = saved.token.as_ref().map(|t| t.scopes_granted.clone());
    let content_type = saved.http.content_type.as_deref();
    let Ok(mut fresh) = inspect_body(
        raw.as_bytes(),
        content_type,
        &TrustStore::default(),
        granted.as_deref(),
        lang,
        saved.started_at,
    ) else {
        return shown;
    };
    fresh.jose = body.jose.clone();
    fresh.problems.extend(super::answer::answer_problems(
        &fresh,
        saved.request.accept,
        content_type,
        lang,
    ));
    shown.body = Some(fresh);
    shown
}
