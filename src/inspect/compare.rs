//! Comparing two lookups: fields added, removed and changed, and what differs in how they were made (environment,
//! scopes, Accept, verdict, status): two test persons, two scope sets, JSON vs JWS, two environments.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::lookup::Inspection;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub environment: String,
    pub person: Option<String>,
    pub scopes: Vec<String>,
    pub accept: String,
    pub verdict: String,
    pub status: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDiff {
    pub path: String,
    pub left: Option<Value>,
    pub right: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub left: Side,
    pub right: Side,
    /// In the right, not the left.
    pub added: Vec<FieldDiff>,
    /// In the left, not the right.
    pub removed: Vec<FieldDiff>,
    pub changed: Vec<FieldDiff>,
    pub unchanged: usize,
}

fn side(i: &Inspection) -> Side {
    Side {
        environment: i.environment.environment.clone(),
        person: i
            .body
            .as_ref()
            .and_then(|b| b.person.get("personidentifikator"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        scopes: i
            .token
            .as_ref()
            .map_or_else(|| i.request.scopes.clone(), |t| t.scopes_granted.clone()),
        accept: i.request.accept.media_type().to_owned(),
        verdict: i
            .body
            .as_ref()
            .map_or_else(|| "none".to_owned(), |b| b.verdict().label().to_owned()),
        status: i.http.status,
    }
}

fn fields(i: &Inspection) -> Vec<(String, Value)> {
    i.body
        .as_ref()
        .map(|b| {
            b.fields
                .iter()
                .map(|f| (f.path.clone(), f.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn compare(left: &Inspection, right: &Inspection) -> Comparison {
    let (l, r) = (fields(left), fields(right));
    let r_map: BTreeMap<&str, &Value> = r.iter().map(|(p, v)| (p.as_str(), v)).collect();
    let l_map: BTreeMap<&str, &Value> = l.iter().map(|(p, v)| (p.as_str(), v)).collect();
    let mut c = Comparison {
        left: side(left),
        right: side(right),
        added: vec![],
        removed: vec![],
        changed: vec![],
        unchanged: 0,
    };
    for (path, lv) in &l {
        match r_map.get(path.as_str()) {
            None => c.removed.push(FieldDiff {
                path: path.clone(),
                left: Some(lv.clone()),
                right: None,
            }),
            Some(rv) if *rv != lv => c.changed.push(FieldDiff {
                path: path.clone(),
                left: Some(lv.clone()),
                right: Some((*rv).clone()),
            }),
            Some(_) => c.unchanged += 1,
        }
    }
    for (path, rv) in &r {
        if !l_map.contains_key(path.as_str()) {
            c.added.push(FieldDiff {
                path: path.clone(),
                left: None,
                right: Some(rv.clone()),
            });
        }
    }
    c
}

/// The comparison as terminal text: both sides, then `+`/`-`/`~` lines and a count. Values from the files are
/// escaped for the terminal.
pub fn to_text(c: &Comparison, lang: crate::krr::Lang) -> String {
    use crate::escape::terminal;
    use std::fmt::Write;
    let side = |s: &Side| {
        let line = format!(
            "{} · {} · {} · {} · {}",
            s.environment,
            s.person.as_deref().unwrap_or("-"),
            s.verdict,
            s.status
                .map(|x| x.to_string())
                .unwrap_or_else(|| "-".into()),
            s.scopes.join(" ")
        );
        terminal(&line).into_owned()
    };
    let show = |v: &Option<Value>| {
        terminal(
            &v.as_ref()
                .map(super::render::short_value)
                .unwrap_or_default(),
        )
        .into_owned()
    };
    let path = |p: &str| terminal(p).into_owned();
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", lang.pick("Venstre:", "Left: "), side(&c.left));
    let _ = writeln!(out, "{} {}", lang.pick("Høyre: ", "Right:"), side(&c.right));
    for d in &c.added {
        let _ = writeln!(out, "+ {}  {}", path(&d.path), show(&d.right));
    }
    for d in &c.removed {
        let _ = writeln!(out, "- {}  {}", path(&d.path), show(&d.left));
    }
    for d in &c.changed {
        let _ = writeln!(
            out,
            "~ {}  {}  →  {}",
            path(&d.path),
            show(&d.left),
            show(&d.right)
        );
    }
    let _ = writeln!(
        out,
        "{} added, {} removed, {} changed, {} unchanged",
        c.added.len(),
        c.removed.len(),
        c.changed.len(),
        c.unchanged
    );
    out
}
