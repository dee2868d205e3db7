//! A file the user opens (the app's Open dialog, a file dropped on the window): a saved inspection, a signed
//! /person answer (a compact JWS) or a plain JSON answer, told apart by their content and shown as one
//! `Inspection`. A saved inspection is checked again from its raw answer (`reverify`); a bare answer is inspected
//! with the trust given. Anything else is refused with what the file is not.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::body::inspect_body;
use super::report::{Accept, HttpFacts, Inspection, RequestFacts, Target};
use crate::jose::TrustStore;
use crate::krr::Lang;
use crate::krr::scopes::ScopeDialect;
use crate::oidc::http::HttpExchange;

/// The largest file opened: far above any KRR answer or saved inspection.
pub const MAX_OPEN: u64 = 16 << 20;

/// What an opened file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    Inspection,
    Jws,
    JsonAnswer,
}

/// A file that is none of the things the app opens.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "{name} is {size} bytes: larger than any /person answer or saved inspection (at most {} MiB)",
        MAX_OPEN >> 20
    )]
    TooLarge { name: String, size: u64 },
    #[error(
        "{name} cannot be opened: {why}. The app opens a signed /person answer (JWS), a JSON answer or a saved \
         inspection (what the Raw tab and the export bar save, or `fetch --format json` prints)"
    )]
    NotRecognised { name: String, why: String },
    #[error("{name} looks like a saved inspection but cannot be read back: {source}")]
    BrokenInspection {
        name: String,
        #[source]
        source: super::export::NotAnInspection,
    },
}

/// Tells the file apart by its content and makes the inspection to show; `name` is how the file is called in
/// messages (its path).
pub fn open_bytes(
    bytes: &[u8],
    name: &str,
    trust: &TrustStore,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(Opened, Inspection), OpenError> {
    let not = |why: String| OpenError::NotRecognised {
        name: name.to_owned(),
        why,
    };
    if bytes.len() as u64 > MAX_OPEN {
        return Err(OpenError::TooLarge {
            name: name.to_owned(),
            size: bytes.len() as u64,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| not("it is not text (not UTF-8)".into()))?;
    let trimmed = text.trim();
    if trimmed.starts_with("-----BEGIN") {
        return Err(not(
            "it is a PEM file (a certificate or key); a CA is trusted from the Signature tab or with trust_ca"
                .into(),
        ));
    }
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        if super::export::looks_like_inspection(&v) {
            let mut saved = super::export::from_json(trimmed).map_err(|source| {
                OpenError::BrokenInspection {
                    name: name.to_owned(),
                    source,
                }
            })?;
            super::reverify::reverify(&mut saved, trust, lang, now);
            return Ok((Opened::Inspection, saved));
        }
        if !looks_like_person(&v) {
            return Err(not(
                "it is JSON, but has no personidentifikator (nor a \"personer\" list) and is not an inspection"
                    .into(),
            ));
        }
        let i =
            bare_answer(trimmed, Accept::Json, trust, lang, now).map_err(|e| not(e.to_string()))?;
        return Ok((Opened::JsonAnswer, i));
    }
    let i = bare_answer(trimmed, Accept::Jose, trust, lang, now).map_err(|e| not(e.to_string()))?;
    let payload = i.body.as_ref().map(|b| &b.person);
    if !payload.is_some_and(looks_like_person) {
        return Err(not(
            "it is a JWS, but its payload has no personidentifikator: not a /person answer".into(),
        ));
    }
    Ok((Opened::Jws, i))
}

/// A /person answer has the person's id (or, in the batch shape, a list of persons).
fn looks_like_person(v: &Value) -> bool {
    v.get("personidentifikator").is_some() || v.get("personer").is_some_and(Value::is_array)
}

/// An inspection of an answer read from a file: no login, no token; the answer as the Raw tab's body.
fn bare_answer(
    text: &str,
    accept: Accept,
    trust: &TrustStore,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Inspection, crate::jose::JoseError> {
    let content_type = accept.media_type();
    let body = inspect_body(text.as_bytes(), Some(content_type), trust, None, lang, now)?;
    // A bare answer says nothing of the scopes it was asked with; the current names are assumed.
    let dialect = ScopeDialect::Digdir;
    let mut i = Inspection::begun(
        Target {
            environment: "file".into(),
            issuer: String::new(),
            person_url: String::new(),
            dialect,
        },
        RequestFacts {
            client_id: String::new(),
            auth_method: crate::config::AuthMethod::None,
            scopes: Vec::new(),
            accept,
            acr: None,
            locale: lang.code().into(),
            par: false,
            dpop: false,
        },
        now,
    );
    i.http = HttpFacts {
        status: Some(200),
        content_type: Some(content_type.into()),
        exchanges: vec![HttpExchange {
            step: "person".into(),
            method: "FILE".into(),
            url: String::new(),
            request_headers: Vec::new(),
            request_body: None,
            status: Some(200),
            response_headers: vec![("content-type".into(), content_type.into())],
            response_body: Some(text.to_owned()),
            duration_ms: 0,
            error: None,
        }],
    };
    i.body = Some(body);
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &str) -> Result<(Opened, Inspection), OpenError> {
        open_bytes(
            text.as_bytes(),
            "f",
            &TrustStore::new(),
            Lang::En,
            Utc::now(),
        )
    }

    #[test]
    fn each_kind_is_told_apart_and_anything_else_says_what_it_is_not() {
        let (kind, i) =
            open(r#"{"personidentifikator":"24079412372","reservasjon":"NEI"}"#).unwrap();
        assert_eq!(kind, Opened::JsonAnswer);
        assert_eq!(i.body.unwrap().person["personidentifikator"], "24079412372");
        let jws = std::fs::read_to_string("tests/data/person-24079412372.jws").unwrap();
        let (kind, i) = open(&jws).unwrap();
        assert_eq!(kind, Opened::Jws);
        assert!(i.http.exchanges[0].response_body.as_deref() == Some(jws.trim()));
        let (kind, _) = open(&super::super::export::to_json(&i)).unwrap();
        assert_eq!(kind, Opened::Inspection);
        for (text, says) in [
            ("hello", "neither JSON nor a compact JWS"),
            (r#"{"a":1}"#, "has no personidentifikator"),
            ("-----BEGIN CERTIFICATE-----\nMII\n", "PEM file"),
        ] {
            let e = open(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
        let e = open_bytes(
            &[0xff, 0xfe],
            "x.bin",
            &TrustStore::new(),
            Lang::En,
            Utc::now(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.bin") && e.contains("not text"), "{e}");
    }
}
