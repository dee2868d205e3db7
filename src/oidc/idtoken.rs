//! The id_token checks a client must make (OpenID Connect Core §3.1.3.7), each reported as its own row.

use crate::krr::login::{acr_known, acr_satisfies};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::jose::jwk::KeySet;
use crate::jose::jwt;

/// Clock skew allowed on `exp` and `iat`.
pub const LEEWAY_SECS: i64 = 60;

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct TokenCheck {
    /// `signature`, `iss`, `aud`, `exp`, `iat`, `nonce`, `acr`.
    pub check: String,
    pub passed: bool,
    pub detail: String,
}

pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// The acr asked for; the token's must be it or higher.
    pub acr: Option<&'a str>,
}

/// Checks an id_token; returns every row, and the claims when the token could be decoded.
pub fn check(
    token: &str,
    jwks: &KeySet,
    e: &Expectations,
    now: DateTime<Utc>,
) -> (Vec<TokenCheck>, Option<Map<String, Value>>) {
    let mut rows = Vec::new();
    let row = |check: &str, passed, detail: String| TokenCheck {
        check: check.to_owned(),
        passed,
        detail,
    };
    let claims = match jwt::verify(token, jwks) {
        Ok(v) => {
            let kid = v
                .header
                .get("kid")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_owned();
            rows.push(row(
                "signature",
                true,
                format!("verifies with the provider's JWKS key kid={kid}"),
            ));
            v.claims
        }
        Err(why) => {
            rows.push(row("signature", false, why.to_string()));
            match jwt::decode_unverified(token) {
                Ok(v) => v.claims,
                Err(_) => return (rows, None),
            }
        }
    };
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    let iss = s("iss").unwrap_or("(none)");
    rows.push(row(
        "iss",
        iss == e.issuer,
        format!(
            "\"{iss}\"{}",
            if iss == e.issuer {
                ""
            } else {
                " is not the issuer"
            }
        ),
    ));

    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == e.client_id,
        Some(Value::Array(list)) => {
            list.iter().any(|a| a == e.client_id)
                && (list.len() == 1 || s("azp") == Some(e.client_id))
        }
        _ => false,
    };
    rows.push(row(
        "aud",
        aud_ok,
        format!(
            "{} (client_id {})",
            claims
                .get("aud")
                .map(Value::to_string)
                .unwrap_or("(none)".into()),
            e.client_id
        ),
    ));

    let t = |k: &str| claims.get(k).and_then(Value::as_i64);
    let now_s = now.timestamp();
    match t("exp") {
        Some(exp) => rows.push(row(
            "exp",
            // Saturating: a claim from outside (i64::MAX, i64::MIN) never overflows.
            exp.saturating_add(LEEWAY_SECS) > now_s,
            if exp > now_s {
                format!("expires in {} s", exp.saturating_sub(now_s))
            } else {
                format!("expired {} s ago", now_s.saturating_sub(exp))
            },
        )),
        None => rows.push(row("exp", false, "no exp claim".into())),
    }
    match t("iat") {
        Some(iat) => rows.push(row(
            "iat",
            iat.saturating_sub(LEEWAY_SECS) <= now_s,
            if iat <= now_s {
                format!("issued {} s ago", now_s.saturating_sub(iat))
            } else {
                format!("issued {} s in the future", iat.saturating_sub(now_s))
            },
        )),
        None => rows.push(row("iat", false, "no iat claim".into())),
    }
    let nonce = s("nonce");
    let nonce_ok = nonce.is_some_and(|n| {
        n.len() == e.nonce.len() && openssl::memcmp::eq(n.as_bytes(), e.nonce.as_bytes())
    });
    rows.push(row(
        "nonce",
        nonce_ok,
        if nonce_ok {
            "matches the request".into()
        } else {
            "does not match the request (replay?)".into()
        },
    ));

    let acr = s("acr");
    let acr_ok = match (acr, e.acr) {
        (Some(have), Some(want)) => acr_satisfies(have, want),
        (Some(have), None) => acr_known(have),
        (None, _) => false,
    };
    rows.push(row(
        "acr",
        acr_ok,
        match (acr, e.acr) {
            (Some(have), Some(want)) if acr_ok => format!("{have} (asked for {want} or higher)"),
            (Some(have), Some(want)) => format!("{have} is below the {want} asked for"),
            (Some(have), None) => have.to_owned(),
            (None, _) => "no acr claim".into(),
        },
    ));
    (rows, Some(claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::jwk::public_jwk;
    use crate::jose::pki::rsa_key;
    use serde_json::json;

    #[test]
    fn each_check_is_its_own_row() {
        let key = rsa_key(2048).unwrap();
        let jwks =
            KeySet::parse(&json!({"keys": [public_jwk(&key, "k", "RS256")]}).to_string()).unwrap();
        let now = Utc::now();
        let claims = json!({"iss": "https://idp", "aud": "me", "exp": now.timestamp() + 100, "iat": now.timestamp(),
            "nonce": "n1", "acr": "idporten-loa-high", "pid": "27129324169"});
        let token = jwt::sign(&claims, &key, "k").unwrap();
        let e = Expectations {
            issuer: "https://idp",
            client_id: "me",
            nonce: "n1",
            acr: Some("idporten-loa-substantial"),
        };
        let (rows, c) = check(&token, &jwks, &e, now);
        assert!(rows.iter().all(|r| r.passed), "{rows:?}");
        assert_eq!(c.unwrap()["pid"], "27129324169");

        let e = Expectations {
            issuer: "https://other",
            client_id: "you",
            nonce: "n2",
            acr: Some("Level4"),
        };
        let (rows, _) = check(&token, &jwks, &e, now + chrono::Duration::seconds(500));
        let failed: Vec<&str> = rows
            .iter()
            .filter(|r| !r.passed)
            .map(|r| r.check.as_str())
            .collect();
        assert_eq!(failed, ["iss", "aud", "exp", "nonce", "acr"]);
        let other = KeySet::parse(
            &json!({"keys": [public_jwk(&rsa_key(2048).unwrap(), "k", "RS256")]}).to_string(),
        )
        .unwrap();
        assert!(!check(&token, &other, &e, now).0[0].passed);
    }

    #[test]
    fn absurd_times_are_failed_rows_not_panics() {
        let key = rsa_key(2048).unwrap();
        let jwks =
            KeySet::parse(&json!({"keys": [public_jwk(&key, "k", "RS256")]}).to_string()).unwrap();
        let e = Expectations {
            issuer: "https://idp",
            client_id: "me",
            nonce: "n1",
            acr: None,
        };
        for (exp, iat, pass) in [(i64::MAX, i64::MIN, true), (i64::MIN, i64::MAX, false)] {
            let claims =
                json!({"iss": "https://idp", "aud": "me", "exp": exp, "iat": iat, "nonce": "n1"});
            let token = jwt::sign(&claims, &key, "k").unwrap();
            let (rows, _) = check(&token, &jwks, &e, Utc::now());
            let row = |name: &str| rows.iter().find(|r| r.check == name).unwrap().clone();
            assert_eq!(
                (row("exp").passed, row("iat").passed),
                (pass, pass),
                "{rows:?}"
            );
        }
    }
}
