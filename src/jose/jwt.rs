//! JSON Web Tokens (RFC 7519) signed with RS256: making them (the emulator's id_tokens and access tokens) and
//! checking their signature against a key set by `kid`. Claim checks (exp, aud, nonce, ...) are the caller's, since
//! each side reports them differently.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::pkey::{HasPrivate, PKeyRef};
use serde_json::{Map, Value, json};

use super::alg::{Alg, AlgClass};
use super::jwk::KeySet;

/// Signs `claims` as a compact RS256 JWT with `typ: JWT` and `kid`.
pub fn sign<T: HasPrivate>(
    claims: &Value,
    key: &PKeyRef<T>,
    kid: &str,
) -> Result<String, openssl::error::ErrorStack> {
    super::sign_compact(
        &json!({"typ": "JWT", "kid": kid}),
        &serde_json::to_vec(claims).unwrap_or_default(),
        key,
        Alg::Rs256,
    )
}

/// A token whose signature verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT: expected 3 parts separated by '.'")]
    NotCompact,
    #[error("the JWT {0} is not base64url-encoded JSON")]
    Encoding(&'static str),
    #[error(
        "alg \"{0}\" is refused: only asymmetric algorithms (RS256, PS256, ES256, ...) are accepted"
    )]
    AlgRefused(String),
    #[error("the header has no \"alg\"")]
    NoAlg,
    #[error("no key with kid \"{0}\" in the key set")]
    UnknownKid(String),
    #[error("the header has no \"kid\" and the key set has {0} keys")]
    NoKid(usize),
    #[error(transparent)]
    KeyMismatch(#[from] super::alg::KeyError),
    #[error("the signature does not verify")]
    BadSignature,
}

/// Decodes a JWT without verifying it: for showing claims of tokens the tool cannot check (opaque to it).
pub fn decode_unverified(token: &str) -> Result<Verified, JwtError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::NotCompact);
    }
    let part = |i: usize, name: &'static str| -> Result<Map<String, Value>, JwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(parts[i].as_bytes())
            .map_err(|_| JwtError::Encoding(name))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(JwtError::Encoding(name)),
        }
    };
    Ok(Verified {
        header: part(0, "header")?,
        claims: part(1, "payload")?,
    })
}

/// Verifies a JWT's signature with the key of `keys` named by its `kid` (or the only key, when it has none).
pub fn verify(token: &str, keys: &KeySet) -> Result<Verified, JwtError> {
    let decoded = decode_unverified(token)?;
    let alg_name = decoded
        .header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwtError::NoAlg)?;
    let AlgClass::Supported(alg) = Alg::classify(alg_name) else {
        return Err(JwtError::AlgRefused(alg_name.to_owned()));
    };
    let key = match decoded.header.get("kid").and_then(Value::as_str) {
        Some(kid) => keys
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid))
            .ok_or_else(|| JwtError::UnknownKid(kid.to_owned()))?,
        None if keys.keys.len() == 1 => &keys.keys[0],
        None => return Err(JwtError::NoKid(keys.keys.len())),
    };
    let token = token.trim();
    let dot = token.rfind('.').ok_or(JwtError::NotCompact)?;
    let signature = URL_SAFE_NO_PAD
        .decode(&token.as_bytes()[dot + 1..])
        .map_err(|_| JwtError::Encoding("signature"))?;
    match alg.verify(&key.key, &token.as_bytes()[..dot], &signature) {
        Ok(true) => Ok(decoded),
        Ok(false) => Err(JwtError::BadSignature),
        Err(why) => Err(JwtError::KeyMismatch(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::jwk::public_jwk;
    use crate::jose::pki::rsa_key;

    #[test]
    fn round_trip_and_refusals() {
        let key = rsa_key(2048).unwrap();
        let set =
            KeySet::parse(&json!({"keys": [public_jwk(&key, "k1", "RS256")]}).to_string()).unwrap();
        let token = sign(&json!({"sub": "x", "n": 1}), &key, "k1").unwrap();
        let v = verify(&token, &set).unwrap();
        assert_eq!(v.claims["sub"], "x");
        assert_eq!(v.header["kid"], "k1");

        let other = sign(&json!({"sub": "x"}), &rsa_key(2048).unwrap(), "k1").unwrap();
        assert_eq!(verify(&other, &set), Err(JwtError::BadSignature));
        let unknown = sign(&json!({}), &key, "k2").unwrap();
        assert_eq!(
            verify(&unknown, &set),
            Err(JwtError::UnknownKid("k2".into()))
        );

        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert_eq!(
            verify(&none, &set),
            Err(JwtError::AlgRefused("none".into()))
        );
        let hs = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"k1"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert_eq!(verify(&hs, &set), Err(JwtError::AlgRefused("HS256".into())));
        assert_eq!(verify("abc", &set), Err(JwtError::NotCompact));
    }
}
