//! JWS inspection: decode the protected header, verify the signature with `x5c[0]` or a JWKS key, check the
//! certificate chain, and give a verdict with a reason a tester understands. No network.

pub mod alg;
pub mod cert;
pub mod json;
pub mod jwk;
pub mod jwt;
pub mod pki;
pub mod reason;
pub mod trust;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use openssl::pkey::{HasPrivate, PKeyRef};
use openssl::x509::X509;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::Value;

use reason::X5cProblem;

pub use alg::{Alg, AlgClass};
pub use cert::CertificateFacts;
pub use reason::{ChainWhy, Why};
pub use trust::{ChainReport, TrustError, TrustStore};

/// Largest body `inspect` reads. A KRR answer with a certificate is a few KiB.
pub const MAX_BODY: usize = 1 << 20;

/// What the signature check concluded.
#[derive(Clone, Debug, PartialEq)]
pub enum SignatureVerdict {
    /// The signature verifies and the signer is trusted; the sentence says with which key and anchor.
    Valid(String),
    /// The signature does not verify, or the JWS is one that must never be accepted (`alg: none`, HMAC, ...).
    Invalid(String),
    /// The signature verifies, but the signer's chain is unknown, expired or not yet valid.
    Untrusted(String),
    /// No key to check with: no `x5c`, and no JWKS key that matches.
    Unverifiable(String),
    /// A plain JSON answer: nothing was signed.
    Unsigned,
}

impl SignatureVerdict {
    /// `valid`, `invalid`, `untrusted`, `unverifiable` or `unsigned`.
    pub fn label(&self) -> &'static str {
        match self {
            SignatureVerdict::Valid(_) => "valid",
            SignatureVerdict::Invalid(_) => "invalid",
            SignatureVerdict::Untrusted(_) => "untrusted",
            SignatureVerdict::Unverifiable(_) => "unverifiable",
            SignatureVerdict::Unsigned => "unsigned",
        }
    }

    /// The label in `lang`, for the app's chips and banners.
    pub fn label_in(&self, lang: crate::lang::Lang) -> &'static str {
        match lang {
            crate::lang::Lang::En => self.label(),
            crate::lang::Lang::Nb => match self {
                SignatureVerdict::Valid(_) => "gyldig",
                SignatureVerdict::Invalid(_) => "ugyldig",
                SignatureVerdict::Untrusted(_) => "ikke klarert",
                SignatureVerdict::Unverifiable(_) => "kan ikke kontrolleres",
                SignatureVerdict::Unsigned => "usignert",
            },
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            SignatureVerdict::Valid(r)
            | SignatureVerdict::Invalid(r)
            | SignatureVerdict::Untrusted(r)
            | SignatureVerdict::Unverifiable(r) => r,
            SignatureVerdict::Unsigned => {
                "the answer is plain JSON (Accept: application/json): nothing was signed"
            }
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, SignatureVerdict::Valid(_))
    }

    /// The same verdict with its sentence changed by `f` (for display escaping).
    pub fn map_reason(&self, f: impl FnOnce(&str) -> String) -> SignatureVerdict {
        match self {
            SignatureVerdict::Valid(r) => SignatureVerdict::Valid(f(r)),
            SignatureVerdict::Invalid(r) => SignatureVerdict::Invalid(f(r)),
            SignatureVerdict::Untrusted(r) => SignatureVerdict::Untrusted(f(r)),
            SignatureVerdict::Unverifiable(r) => SignatureVerdict::Unverifiable(f(r)),
            SignatureVerdict::Unsigned => SignatureVerdict::Unsigned,
        }
    }
}

impl Serialize for SignatureVerdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("SignatureVerdict", 2)?;
        s.serialize_field("verdict", self.label())?;
        s.serialize_field("reason", self.reason())?;
        s.end()
    }
}

impl<'de> serde::Deserialize<'de> for SignatureVerdict {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            verdict: String,
            #[serde(default)]
            reason: String,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(match raw.verdict.as_str() {
            "valid" => SignatureVerdict::Valid(raw.reason),
            "invalid" => SignatureVerdict::Invalid(raw.reason),
            "untrusted" => SignatureVerdict::Untrusted(raw.reason),
            "unverifiable" => SignatureVerdict::Unverifiable(raw.reason),
            "unsigned" => SignatureVerdict::Unsigned,
            other => {
                return Err(serde::de::Error::custom(format!(
                    "unknown verdict '{other}'"
                )));
            }
        })
    }
}

/// The signature part of an inspection.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct SignatureReport {
    #[serde(flatten)]
    pub verdict: SignatureVerdict,
    /// Which key was used: `x5c[0]`, `JWKS kid=...`.
    pub key: Option<String>,
    /// The chain check of `x5c`, when there was one.
    pub chain: Option<ChainReport>,
    /// The verdict's reason as a structure, for rendering it in either language (absent in files saved before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
}

impl SignatureReport {
    /// A report whose verdict's sentence is `why` in English.
    fn of(
        kind: fn(String) -> SignatureVerdict,
        why: Why,
        key: Option<String>,
        chain: Option<ChainReport>,
    ) -> Self {
        SignatureReport {
            verdict: kind(why.text(crate::lang::Lang::En)),
            key,
            chain,
            why: Some(why),
        }
    }

    /// The verdict's reason in `lang` (the recorded sentence when the file had no structured reason).
    pub fn reason_in(&self, lang: crate::lang::Lang) -> String {
        match (&self.why, &self.verdict) {
            // Only a reason that is this verdict's own (a hand-edited verdict keeps its own sentence).
            (Some(why), v) if why.text(crate::lang::Lang::En) == v.reason() => why.text(lang),
            (None, SignatureVerdict::Unsigned) => Why::Unsigned.text(lang),
            (_, v) => v.reason().to_owned(),
        }
    }
}

/// Everything a tester needs to know about a signed (or unsigned) answer.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct JoseInspection {
    /// The protected header, all members as sent; `None` for a JSON body.
    pub header: Option<Value>,
    pub algorithm: Option<String>,
    /// The payload bytes as text (lossy when not UTF-8, see `payload_is_utf8`).
    pub payload: String,
    pub payload_is_utf8: bool,
    pub certificates: Vec<CertificateFacts>,
    pub signature: SignatureReport,
}

impl JoseInspection {
    pub fn is_signed(&self) -> bool {
        self.header.is_some()
    }
}

/// Why a body could not be inspected at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JoseError {
    #[error("the body is empty")]
    Empty,
    #[error("the body is {0} bytes, more than the {MAX_BODY} this inspector reads")]
    TooLarge(usize),
    #[error("the body is not text (not UTF-8): neither JSON nor a compact JWS")]
    NotText,
    #[error(
        "this is a JWE (encrypted, 5 parts), not a JWS: it cannot be read without the recipient's private key"
    )]
    Jwe,
    #[error("not a compact JWS: expected 3 parts separated by '.', found {0}")]
    WrongParts(usize),
    #[error("the JWS {part} is not base64url: {why}")]
    Base64 { part: &'static str, why: String },
    #[error("the JWS header is not a JSON object: {0}")]
    Header(String),
    #[error("the body is neither JSON nor a compact JWS (it starts with {0:?})")]
    Unrecognised(String),
}

/// Inspects a /person body. `content_type` is the response's media type, if known (`application/jose` or
/// `application/json`); without it the body's shape decides.
pub fn inspect(
    body: &[u8],
    content_type: Option<&str>,
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> Result<JoseInspection, JoseError> {
    if body.len() > MAX_BODY {
        return Err(JoseError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| JoseError::NotText)?
        .trim();
    if text.is_empty() {
        return Err(JoseError::Empty);
    }
    let declared_jose = content_type.is_some_and(|ct| media_type(ct) == "application/jose");
    if text.starts_with('{') || text.starts_with('[') {
        let signature = if declared_jose {
            SignatureReport::of(SignatureVerdict::Invalid, Why::JoseButJson, None, None)
        } else {
            SignatureReport {
                verdict: SignatureVerdict::Unsigned,
                key: None,
                chain: None,
                why: None,
            }
        };
        return Ok(JoseInspection {
            header: None,
            algorithm: None,
            payload: text.to_owned(),
            payload_is_utf8: true,
            certificates: Vec::new(),
            signature,
        });
    }
    let parts: Vec<&str> = text.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err(JoseError::Jwe),
        1 => return Err(JoseError::Unrecognised(text.chars().take(16).collect())),
        n => return Err(JoseError::WrongParts(n)),
    }
    let decode = |part: &'static str, s: &str| {
        URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('=').as_bytes())
            .map_err(|e| JoseError::Base64 {
                part,
                why: e.to_string(),
            })
    };
    let header_bytes = decode("header", parts[0])?;
    let header: Value =
        serde_json::from_slice(&header_bytes).map_err(|e| JoseError::Header(e.to_string()))?;
    if !header.is_object() {
        return Err(JoseError::Header(format!(
            "it is {}",
            crate::lang::json_type_name(&header, crate::lang::Lang::En)
        )));
    }
    let payload = decode("payload", parts[1])?;
    let signature = decode("signature", parts[2])?;
    let signing_input = &text.as_bytes()[..parts[0].len() + 1 + parts[1].len()];

    let algorithm = header.get("alg").and_then(Value::as_str).map(str::to_owned);
    let (certificates, x5c_result) = read_x5c(&header);
    let duplicates = json::duplicate_members(&header_bytes);
    let signature_report = if duplicates.is_empty() {
        judge(
            &header,
            algorithm.as_deref(),
            x5c_result,
            signing_input,
            &signature,
            trust,
            now,
        )
    } else {
        // Which `alg` or `x5c` counts would depend on the parser: RFC 7515 §4 allows rejecting it, and we do.
        SignatureReport::of(
            SignatureVerdict::Invalid,
            Why::DuplicateHeader {
                members: duplicates,
            },
            None,
            None,
        )
    };
    let (payload_text, payload_is_utf8) = match String::from_utf8(payload) {
        Ok(s) => (s, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    };
    Ok(JoseInspection {
        header: Some(header),
        algorithm,
        payload: payload_text,
        payload_is_utf8,
        certificates,
        signature: signature_report,
    })
}

/// `application/jose; charset=...` → `application/jose`.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The certificates of `x5c`: facts for each that parses, and the parsed chain or the first problem.
fn read_x5c(header: &Value) -> (Vec<CertificateFacts>, Option<Result<Vec<X509>, X5cProblem>>) {
    let Some(x5c) = header.get("x5c") else {
        return (Vec::new(), None);
    };
    let Some(items) = x5c.as_array() else {
        return (Vec::new(), Some(Err(X5cProblem::NotArray)));
    };
    if items.is_empty() {
        return (Vec::new(), Some(Err(X5cProblem::Empty)));
    }
    let mut facts = Vec::new();
    let mut certs = Vec::new();
    let mut problem = None;
    for (i, item) in items.iter().enumerate() {
        // RFC 7515 §4.1.6: standard base64 (not base64url) of DER.
        let parsed = item
            .as_str()
            .ok_or_else(|| "not a string".to_owned())
            .and_then(|s| {
                STANDARD
                    .decode(s.as_bytes())
                    .map_err(|e| format!("not base64: {e}"))
            })
            .and_then(|der| cert::parse_der(&der).map_err(|e| e.to_string()));
        match parsed {
            Ok((c, f)) => {
                facts.push((*f).clone());
                certs.push(c);
            }
            Err(why) if problem.is_none() => problem = Some(X5cProblem::Item { index: i, why }),
            Err(_) => {}
        }
    }
    (facts, Some(problem.map_or(Ok(certs), Err)))
}

fn judge(
    header: &Value,
    alg_name: Option<&str>,
    x5c: Option<Result<Vec<X509>, X5cProblem>>,
    signing_input: &[u8],
    signature: &[u8],
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> SignatureReport {
    let invalid = |why: Why| SignatureReport::of(SignatureVerdict::Invalid, why, None, None);

    let Some(alg_name) = alg_name else {
        return invalid(Why::NoAlg);
    };
    let alg = match Alg::classify(alg_name) {
        AlgClass::Supported(a) => a,
        AlgClass::None => return invalid(Why::AlgNone),
        AlgClass::Hmac => {
            return invalid(Why::Hmac {
                alg: alg_name.to_owned(),
            });
        }
        AlgClass::Unsupported => {
            return SignatureReport::of(
                SignatureVerdict::Unverifiable,
                Why::UnsupportedAlg {
                    alg: alg_name.to_owned(),
                },
                None,
                None,
            );
        }
    };
    if let Some(crit) = header.get("crit") {
        return invalid(Why::Crit {
            crit: crit.to_string(),
        });
    }

    match x5c {
        Some(Err(problem)) => invalid(Why::X5cUnreadable { problem }),
        Some(Ok(certs)) => {
            let leaf = &certs[0];
            let leaf_facts = CertificateFacts::of(leaf);
            let signer = describe_signer(&leaf_facts);
            let Ok(key) = leaf.public_key() else {
                return invalid(Why::LeafKeyUnreadable { signer });
            };
            let at_x5c = Some("x5c[0]".to_owned());
            let alg_s = alg.name().to_owned();
            match alg.verify(&key, signing_input, signature) {
                Err(why) => SignatureReport::of(
                    SignatureVerdict::Invalid,
                    Why::KeyFailed {
                        en: why.to_string(),
                        nb: why.text(crate::lang::Lang::Nb),
                        at: format!("x5c[0], {signer}"),
                    },
                    at_x5c,
                    None,
                ),
                Ok(false) => SignatureReport::of(
                    SignatureVerdict::Invalid,
                    match misordered_chain(&certs) {
                        Some(index) => Why::Misordered {
                            alg: alg_s,
                            signer,
                            index,
                        },
                        None => Why::X5cChanged { alg: alg_s, signer },
                    },
                    at_x5c,
                    None,
                ),
                Ok(true) => {
                    let chain = trust.check_chain(leaf, &certs[1..], now);
                    let trusted = chain.trusted;
                    let why = Why::X5cVerifies {
                        alg: alg_s,
                        signer,
                        trusted,
                        chain: chain.why.clone().unwrap_or_else(|| ChainWhy::Text {
                            text: chain.reason.clone(),
                        }),
                    };
                    let kind = if trusted {
                        SignatureVerdict::Valid
                    } else {
                        SignatureVerdict::Untrusted
                    };
                    SignatureReport::of(kind, why, at_x5c, Some(chain))
                }
            }
        }
        None => verify_with_jwks(header, alg, signing_input, signature, trust),
    }
}

fn describe_signer(c: &CertificateFacts) -> String {
    match &c.organisation_number {
        Some(org) => format!("{}, org. no. {org}", c.common_name()),
        None => c.common_name().to_owned(),
    }
}

fn verify_with_jwks(
    header: &Value,
    alg: Alg,
    signing_input: &[u8],
    signature: &[u8],
    trust: &TrustStore,
) -> SignatureReport {
    let kid = header.get("kid").and_then(Value::as_str);
    let keys = &trust.jwks.keys;
    let unverifiable =
        |why: Why| SignatureReport::of(SignatureVerdict::Unverifiable, why, None, None);
    if keys.is_empty() {
        return unverifiable(Why::NoKeySet);
    }
    let candidates: Vec<_> = match kid {
        Some(kid) => keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .collect(),
        // Without a kid every key of the right type is a candidate (RFC 7515's own examples carry no kid).
        None => keys
            .iter()
            .filter(|k| alg.check_key(&k.key).is_ok())
            .collect(),
    };
    if candidates.is_empty() {
        return unverifiable(match kid {
            Some(kid) => Why::KidNotInSet {
                kid: kid.to_owned(),
                keys: keys.len(),
            },
            None => Why::NoKeyForAlg {
                alg: alg.name().to_owned(),
            },
        });
    }
    let mut last_problem = None;
    for k in &candidates {
        let name = k.kid.as_deref().map_or_else(
            || "JWKS key without kid".to_owned(),
            |kid| format!("JWKS kid={kid}"),
        );
        match alg.verify(&k.key, signing_input, signature) {
            Ok(true) => {
                return SignatureReport::of(
                    SignatureVerdict::Valid,
                    Why::JwksVerifies {
                        alg: alg.name().to_owned(),
                        key: name.clone(),
                    },
                    Some(name),
                    None,
                );
            }
            Ok(false) => last_problem = Some((name, None)),
            Err(why) => last_problem = Some((name, Some(why))),
        }
    }
    let (name, why) = last_problem.unwrap_or_default();
    let why = match why {
        Some(why) => Why::KeyFailed {
            en: why.to_string(),
            nb: why.text(crate::lang::Lang::Nb),
            at: name.clone(),
        },
        None => Why::JwksChanged {
            alg: alg.name().to_owned(),
            key: name.clone(),
        },
    };
    SignatureReport::of(SignatureVerdict::Invalid, why, Some(name), None)
}

/// Whether `cert` says it is a CA (basicConstraints CA:TRUE), as OpenSSL prints it (the crate has no getter).
fn is_ca(cert: &openssl::x509::X509Ref) -> bool {
    cert.to_text()
        .is_ok_and(|t| String::from_utf8_lossy(&t).contains("CA:TRUE"))
}

/// The index of the first end-entity certificate when `x5c[0]` is a CA and a later one is not: the chain was sent
/// in the wrong order.
fn misordered_chain(certs: &[openssl::x509::X509]) -> Option<usize> {
    if !is_ca(certs.first()?) {
        return None;
    }
    certs.iter().skip(1).position(|c| !is_ca(c)).map(|i| i + 1)
}

/// Signs `payload` as a compact JWS with `header` (an object; `alg` is set from `alg`).
pub fn sign_compact<T: HasPrivate>(
    header: &Value,
    payload: &[u8],
    key: &PKeyRef<T>,
    alg: Alg,
) -> Result<String, openssl::error::ErrorStack> {
    // `alg` first, as JOSE libraries write it; then the caller's members in their order.
    let mut members = serde_json::Map::new();
    members.insert("alg".into(), Value::String(alg.name().into()));
    if let Some(obj) = header.as_object() {
        members.extend(
            obj.iter()
                .filter(|(k, _)| *k != "alg")
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    let header = Value::Object(members);
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap_or_default()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let sig = alg.sign(key, signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

/// `x5c` members for a chain: standard base64 DER, leaf first.
pub fn x5c_of(chain: &[&X509]) -> Value {
    Value::Array(
        chain
            .iter()
            .map(|c| Value::String(STANDARD.encode(c.to_der().unwrap_or_default())))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
