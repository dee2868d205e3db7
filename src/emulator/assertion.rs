//! `private_key_jwt` (RFC 7523 §3, ID-porten's rules in docs.digdir.no `oidc_protocol_token`): the checks on a
//! client assertion, in this order: its type, `client_id` sent beside it (ID-porten requires it), `iss` = `sub` =
//! `client_id`, the signature against the client's registered JWKS (by `kid`, the only key, or an `x5c` certificate
//! whose key is registered), `aud` the issuer, `exp` in the future and at most 120 s after `iat`, and `jti` not
//! seen before (kept until the assertion expires). Each refusal names the check.
//!
//! `aud` must be the issuer exactly: ID-porten says so, and accepting the token endpoint URL too would let an
//! assertion made for one endpoint of a provider be replayed at another.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::grants::{MAX_ENTRIES, lock};
use crate::jose::jwk::{Jwk, KeySet};
use crate::jose::jwt;

/// RFC 7523 §2.2.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// ID-porten: `exp` at most 120 s after `iat`.
pub const MAX_LIFETIME_SECS: i64 = 120;
/// How far in the future `iat` may be (clock skew between the client and the emulator).
const IAT_SKEW_SECS: i64 = 30;

/// The `jti`s of assertions already used (by SHA-256 of client and jti), with their `exp`.
#[derive(Debug, Default)]
pub struct SeenJtis(HashMap<[u8; 32], i64>);

/// What an assertion is checked against besides the client: the endpoint's issuer, the time, the used jtis.
pub struct AssertionContext<'a> {
    pub issuer: String,
    pub now: DateTime<Utc>,
    pub seen: &'a Mutex<SeenJtis>,
}

#[derive(Debug, thiserror::Error)]
pub enum AssertionError {
    #[error("client_assertion_type must be {ASSERTION_TYPE}")]
    Type,
    #[error("client_assertion is missing")]
    Missing,
    #[error("not a JWT: {0}")]
    NotJwt(jwt::JwtError),
    #[error("client_id is missing: ID-porten requires it beside the client_assertion")]
    NoClientId,
    #[error("iss and sub must both be the client_id '{client_id}'")]
    IssSub { client_id: String },
    #[error("signature: {0} (checked against the client's registered jwks)")]
    Signature(jwt::JwtError),
    #[error("signature: the x5c certificate cannot be read")]
    BadX5c,
    #[error("signature: the x5c certificate's key is not one of the client's registered keys")]
    X5cNotRegistered,
    #[error("aud must be the issuer '{issuer}' (ID-porten's rule)")]
    Audience { issuer: String },
    #[error("exp: the assertion expired (or has no numeric exp)")]
    Expired,
    #[error("iat is missing, in the future, or more than {MAX_LIFETIME_SECS} s before exp")]
    Lifetime,
    #[error("jti is missing")]
    NoJti,
    #[error("jti was already used: an assertion is single use (replay refused)")]
    Replayed,
    #[error("too many assertions in use: try again in two minutes")]
    Full,
}

/// The client an assertion request names: its `client_id` parameter (which ID-porten requires).
pub fn claimed_client(p: &BTreeMap<String, String>) -> Result<String, AssertionError> {
    if p.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
        return Err(AssertionError::Type);
    }
    if !p.contains_key("client_assertion") {
        return Err(AssertionError::Missing);
    }
    p.get("client_id")
        .filter(|c| !c.is_empty())
        .cloned()
        .ok_or(AssertionError::NoClientId)
}

/// Checks the request's assertion for `client_id`, whose registered keys are `jwks`; on success its `jti` is
/// used up.
pub fn verify(
    client_id: &str,
    jwks: Option<&KeySet>,
    p: &BTreeMap<String, String>,
    cx: &AssertionContext,
) -> Result<(), AssertionError> {
    let token = p.get("client_assertion").ok_or(AssertionError::Missing)?;
    let decoded = jwt::decode_unverified(token).map_err(AssertionError::NotJwt)?;
    let claim = |k: &str| decoded.claims.get(k).and_then(Value::as_str);
    if claim("iss") != Some(client_id) || claim("sub") != Some(client_id) {
        return Err(AssertionError::IssSub {
            client_id: client_id.to_owned(),
        });
    }
    let empty = KeySet::default();
    let jwks = jwks.unwrap_or(&empty);
    match decoded.header.get("x5c").and_then(Value::as_array) {
        Some(chain) => {
            let leaf = chain
                .first()
                .and_then(Value::as_str)
                .and_then(|b| STANDARD.decode(b).ok())
                .and_then(|der| openssl::x509::X509::from_der(&der).ok())
                .and_then(|c| c.public_key().ok())
                .ok_or(AssertionError::BadX5c)?;
            if !jwks.keys.iter().any(|k| k.key.public_eq(&leaf)) {
                return Err(AssertionError::X5cNotRegistered);
            }
            let one = KeySet {
                keys: vec![Jwk {
                    kid: decoded
                        .header
                        .get("kid")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    alg: None,
                    key: leaf,
                }],
                skipped: Vec::new(),
            };
            jwt::verify(token, &one).map_err(AssertionError::Signature)?;
        }
        None => {
            jwt::verify(token, jwks).map_err(AssertionError::Signature)?;
        }
    }
    let aud_ok = match decoded.claims.get("aud") {
        Some(Value::String(a)) => *a == cx.issuer,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(cx.issuer.as_str())),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionError::Audience {
            issuer: cx.issuer.clone(),
        });
    }
    let now = cx.now.timestamp();
    let number = |k: &str| decoded.claims.get(k).and_then(Value::as_i64);
    let exp = number("exp")
        .filter(|e| *e > now)
        .ok_or(AssertionError::Expired)?;
    match number("iat") {
        Some(iat) if iat <= now + IAT_SKEW_SECS && exp - iat <= MAX_LIFETIME_SECS => {}
        _ => return Err(AssertionError::Lifetime),
    }
    let jti = claim("jti")
        .filter(|j| !j.is_empty())
        .ok_or(AssertionError::NoJti)?;
    let key = openssl::sha::sha256(format!("{client_id}\n{jti}").as_bytes());
    let mut seen = lock(cx.seen);
    if seen.0.len() >= MAX_ENTRIES {
        seen.0.retain(|_, e| *e > now);
    }
    if seen.0.contains_key(&key) {
        return Err(AssertionError::Replayed);
    }
    if seen.0.len() >= MAX_ENTRIES {
        return Err(AssertionError::Full);
    }
    seen.0.insert(key, exp);
    Ok(())
}
