//! The id_token checks a client must make (OpenID Connect Core §3.1.3.7), each reported as its own row.

use crate::krr::login::{acr_known, acr_satisfies};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::jose::jwk::KeySet;
use crate::jose::jwt;
use crate::lang::Lang;

/// Clock skew allowed on `exp` and `iat`.
pub const LEEWAY_SECS: i64 = 60;

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct TokenCheck {
    /// `signature`, `iss`, `aud`, `exp`, `iat`, `nonce`, `acr`.
    pub check: String,
    pub passed: bool,
    /// The English sentence (exports, the terminal).
    pub detail: String,
    /// What the check found, for rendering it in either language (absent in files saved before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<CheckWhy>,
}

impl TokenCheck {
    pub fn new(check: &str, passed: bool, why: CheckWhy) -> TokenCheck {
        TokenCheck {
            check: check.to_owned(),
            passed,
            detail: why.text(Lang::En),
            why: Some(why),
        }
    }

    /// The detail in `lang` (the recorded sentence when the file had no structured one).
    pub fn detail_in(&self, lang: Lang) -> String {
        self.why
            .as_ref()
            .map_or_else(|| self.detail.clone(), |w| w.text(lang))
    }
}

/// What one id_token check found.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum CheckWhy {
    SignatureVerifies {
        kid: String,
    },
    /// The JWT layer's own (English) reason.
    SignatureFails {
        why: String,
    },
    Issuer {
        iss: String,
        ok: bool,
    },
    Audience {
        aud: String,
        client_id: String,
    },
    ExpiresIn {
        secs: i64,
    },
    ExpiredAgo {
        secs: i64,
    },
    IssuedAgo {
        secs: i64,
    },
    IssuedInFuture {
        secs: i64,
    },
    NoClaim {
        claim: String,
    },
    NonceMatches,
    NonceDiffers,
    AcrSatisfies {
        have: String,
        want: String,
    },
    AcrBelow {
        have: String,
        want: String,
    },
    Acr {
        have: String,
    },
    NoIdToken,
}

impl CheckWhy {
    pub fn text(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            CheckWhy::SignatureVerifies { kid } if en => {
                format!("verifies with the provider's JWKS key kid={kid}")
            }
            CheckWhy::SignatureVerifies { kid } => {
                format!("stemmer med leverandørens JWKS-nøkkel kid={kid}")
            }
            CheckWhy::SignatureFails { why } if en => why.clone(),
            CheckWhy::SignatureFails { why } => format!("stemmer ikke ({why})"),
            CheckWhy::Issuer { iss, ok: true } => format!("\"{iss}\""),
            CheckWhy::Issuer { iss, ok: false } if en => format!("\"{iss}\" is not the issuer"),
            CheckWhy::Issuer { iss, ok: false } => format!("«{iss}» er ikke utstederen"),
            CheckWhy::Audience { aud, client_id } => format!("{aud} (client_id {client_id})"),
            CheckWhy::ExpiresIn { secs } if en => format!("expires in {secs} s"),
            CheckWhy::ExpiresIn { secs } => format!("utløper om {secs} s"),
            CheckWhy::ExpiredAgo { secs } if en => format!("expired {secs} s ago"),
            CheckWhy::ExpiredAgo { secs } => format!("utløpt for {secs} s siden"),
            CheckWhy::IssuedAgo { secs } if en => format!("issued {secs} s ago"),
            CheckWhy::IssuedAgo { secs } => format!("utstedt for {secs} s siden"),
            CheckWhy::IssuedInFuture { secs } if en => format!("issued {secs} s in the future"),
            CheckWhy::IssuedInFuture { secs } => format!("utstedt {secs} s fram i tid"),
            CheckWhy::NoClaim { claim } if en => format!("no {claim} claim"),
            CheckWhy::NoClaim { claim } => format!("ingen {claim}-påstand"),
            CheckWhy::NonceMatches if en => "matches the request".into(),
            CheckWhy::NonceMatches => "stemmer med forespørselen".into(),
            CheckWhy::NonceDiffers if en => "does not match the request (replay?)".into(),
            CheckWhy::NonceDiffers => "stemmer ikke med forespørselen (gjenbruk?)".into(),
            CheckWhy::AcrSatisfies { have, want } if en => {
                format!("{have} (asked for {want} or higher)")
            }
            CheckWhy::AcrSatisfies { have, want } => {
                format!("{have} (bedt om {want} eller høyere)")
            }
            CheckWhy::AcrBelow { have, want } if en => {
                format!("{have} is below the {want} asked for")
            }
            CheckWhy::AcrBelow { have, want } => {
                format!("{have} er lavere enn {want} som ble bedt om")
            }
            CheckWhy::Acr { have } => have.clone(),
            CheckWhy::NoIdToken if en => {
                "the token response has no id_token (was openid asked for?)".into()
            }
            CheckWhy::NoIdToken => "tokensvaret har ingen id_token (ble openid bedt om?)".into(),
        }
    }
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
    let row = TokenCheck::new;
    let claims = match jwt::verify(token, jwks) {
        Ok(v) => {
            let kid = v
                .header
                .get("kid")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_owned();
            rows.push(row("signature", true, CheckWhy::SignatureVerifies { kid }));
            v.claims
        }
        Err(why) => {
            rows.push(row(
                "signature",
                false,
                CheckWhy::SignatureFails {
                    why: why.to_string(),
                },
            ));
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
        CheckWhy::Issuer {
            iss: iss.to_owned(),
            ok: iss == e.issuer,
        },
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
        CheckWhy::Audience {
            aud: claims
                .get("aud")
                .map(Value::to_string)
                .unwrap_or("(none)".into()),
            client_id: e.client_id.to_owned(),
        },
    ));

    let t = |k: &str| claims.get(k).and_then(Value::as_i64);
    let now_s = now.timestamp();
    match t("exp") {
        Some(exp) => rows.push(row(
            "exp",
            // Saturating: a claim from outside (i64::MAX, i64::MIN) never overflows.
            exp.saturating_add(LEEWAY_SECS) > now_s,
            if exp > now_s {
                CheckWhy::ExpiresIn {
                    secs: exp.saturating_sub(now_s),
                }
            } else {
                CheckWhy::ExpiredAgo {
                    secs: now_s.saturating_sub(exp),
                }
            },
        )),
        None => rows.push(row(
            "exp",
            false,
            CheckWhy::NoClaim {
                claim: "exp".into(),
            },
        )),
    }
    match t("iat") {
        Some(iat) => rows.push(row(
            "iat",
            iat.saturating_sub(LEEWAY_SECS) <= now_s,
            if iat <= now_s {
                CheckWhy::IssuedAgo {
                    secs: now_s.saturating_sub(iat),
                }
            } else {
                CheckWhy::IssuedInFuture {
                    secs: iat.saturating_sub(now_s),
                }
            },
        )),
        None => rows.push(row(
            "iat",
            false,
            CheckWhy::NoClaim {
                claim: "iat".into(),
            },
        )),
    }
    let nonce = s("nonce");
    let nonce_ok = nonce.is_some_and(|n| {
        n.len() == e.nonce.len() && openssl::memcmp::eq(n.as_bytes(), e.nonce.as_bytes())
    });
    rows.push(row(
        "nonce",
        nonce_ok,
        if nonce_ok {
            CheckWhy::NonceMatches
        } else {
            CheckWhy::NonceDiffers
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
            (Some(have), Some(want)) if acr_ok => CheckWhy::AcrSatisfies {
                have: have.into(),
                want: want.into(),
            },
            (Some(have), Some(want)) => CheckWhy::AcrBelow {
                have: have.into(),
                want: want.into(),
            },
            (Some(have), None) => CheckWhy::Acr { have: have.into() },
            (None, _) => CheckWhy::NoClaim {
                claim: "acr".into(),
            },
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
