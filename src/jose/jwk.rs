//! JSON Web Keys (RFC 7517): reading a key set into OpenSSL public keys, and writing a public key as a JWK.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Public};
use openssl::rsa::Rsa;
use serde_json::{Value, json};

/// One usable key from a JWKS.
#[derive(Clone)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The `alg` the set declares for the key, if any.
    pub alg: Option<String>,
    pub key: PKey<Public>,
}

impl std::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the key set is not JSON: {0}")]
    NotJson(String),
    #[error("the key set has no \"keys\" array (RFC 7517 §5); got {0}")]
    NoKeys(&'static str),
}

/// A key set as read: the keys that could be used, and a line for each that could not.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    pub keys: Vec<Jwk>,
    pub skipped: Vec<String>,
}

impl KeySet {
    pub fn parse(text: &str) -> Result<KeySet, JwksError> {
        let v: Value = serde_json::from_str(text).map_err(|e| JwksError::NotJson(e.to_string()))?;
        // A single JWK is accepted too, as people often save one key.
        let keys = match v.get("keys") {
            Some(Value::Array(keys)) => keys.clone(),
            _ if v.get("kty").is_some() => vec![v],
            _ => {
                return Err(JwksError::NoKeys(crate::lang::json_type_name(
                    &v,
                    crate::lang::Lang::En,
                )));
            }
        };
        let mut set = KeySet::default();
        for (i, k) in keys.iter().enumerate() {
            match jwk_to_key(k) {
                Ok(key) => set.keys.push(Jwk {
                    kid: k.get("kid").and_then(Value::as_str).map(str::to_owned),
                    alg: k.get("alg").and_then(Value::as_str).map(str::to_owned),
                    key,
                }),
                Err(why) => set.skipped.push(format!("key {i}: {why}")),
            }
        }
        Ok(set)
    }
}

/// Why one key of a set cannot be used (the set skips it and says why).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkError {
    #[error("no \"{0}\"")]
    Missing(&'static str),
    #[error("\"{member}\" is not base64url")]
    NotBase64 { member: &'static str },
    #[error("unsupported curve {0}")]
    Curve(String),
    #[error("the point is not on the curve")]
    NotOnCurve,
    #[error("unsupported key type \"{0}\"")]
    KeyType(String),
    #[error("no \"kty\"")]
    NoKty,
    #[error("OpenSSL: {0}")]
    Crypto(String),
}

impl From<openssl::error::ErrorStack> for JwkError {
    fn from(e: openssl::error::ErrorStack) -> JwkError {
        JwkError::Crypto(super::cert::first_openssl_reason(&e))
    }
}

fn b64_bn(k: &Value, member: &'static str) -> Result<BigNum, JwkError> {
    let s = k
        .get(member)
        .and_then(Value::as_str)
        .ok_or(JwkError::Missing(member))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| JwkError::NotBase64 { member })?;
    Ok(BigNum::from_slice(&bytes)?)
}

fn jwk_to_key(k: &Value) -> Result<PKey<Public>, JwkError> {
    match k.get("kty").and_then(Value::as_str) {
        Some("RSA") => {
            let rsa = Rsa::from_public_components(b64_bn(k, "n")?, b64_bn(k, "e")?)?;
            Ok(PKey::from_rsa(rsa)?)
        }
        Some("EC") => {
            let nid = match k.get("crv").and_then(Value::as_str) {
                Some("P-256") => Nid::X9_62_PRIME256V1,
                Some("P-384") => Nid::SECP384R1,
                Some("P-521") => Nid::SECP521R1,
                other => return Err(JwkError::Curve(format!("{other:?}"))),
            };
            let group = EcGroup::from_curve_name(nid)?;
            let (x, y) = (b64_bn(k, "x")?, b64_bn(k, "y")?);
            let ec = EcKey::from_public_key_affine_coordinates(&group, &x, &y)
                .map_err(|_| JwkError::NotOnCurve)?;
            Ok(PKey::from_ec_key(ec)?)
        }
        Some(other) => Err(JwkError::KeyType(other.to_owned())),
        None => Err(JwkError::NoKty),
    }
}

/// The RFC 7638 thumbprint of a public JWK: base64url(SHA-256) of its required members (`crv`, `kty`, `x`, `y` for
/// EC; `e`, `kty`, `n` for RSA) in that order, without whitespace. The `cnf.jkt` of a DPoP-bound token (RFC 9449).
pub fn thumbprint(jwk: &Value) -> Result<String, JwkError> {
    let member = |name: &'static str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or(JwkError::Missing(name))
    };
    // serde_json escapes strings as RFC 7638 §3.3 asks; the members are written in lexicographic order by hand.
    let text = |v: &str| serde_json::to_string(v).unwrap_or_default();
    let canonical = match jwk.get("kty").and_then(Value::as_str) {
        Some("EC") => format!(
            "{{\"crv\":{},\"kty\":\"EC\",\"x\":{},\"y\":{}}}",
            text(member("crv")?),
            text(member("x")?),
            text(member("y")?)
        ),
        Some("RSA") => format!(
            "{{\"e\":{},\"kty\":\"RSA\",\"n\":{}}}",
            text(member("e")?),
            text(member("n")?)
        ),
        Some(other) => return Err(JwkError::KeyType(other.to_owned())),
        None => return Err(JwkError::NoKty),
    };
    Ok(URL_SAFE_NO_PAD.encode(openssl::sha::sha256(canonical.as_bytes())))
}

/// The public key a single JWK describes (as a DPoP proof's `jwk` header carries it).
pub fn public_key(jwk: &Value) -> Result<PKey<Public>, JwkError> {
    jwk_to_key(jwk)
}

/// The public JWK of an RSA or EC key, with `kid`, `use: sig` and `alg`.
pub fn public_jwk(key: &PKeyRef<impl openssl::pkey::HasPublic>, kid: &str, alg: &str) -> Value {
    let b64 = |bn: &openssl::bn::BigNumRef| URL_SAFE_NO_PAD.encode(bn.to_vec());
    match key.id() {
        Id::RSA => {
            let rsa = key.rsa().expect("an RSA key has RSA parameters");
            json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": alg, "n": b64(rsa.n()), "e": b64(rsa.e())})
        }
        _ => {
            let ec = key.ec_key().expect("a non-RSA key here is EC");
            let mut ctx = BigNumContext::new().expect("OpenSSL can allocate a context");
            let (mut x, mut y) = (
                BigNum::new().expect("bignum"),
                BigNum::new().expect("bignum"),
            );
            ec.public_key()
                .affine_coordinates(ec.group(), &mut x, &mut y, &mut ctx)
                .expect("EC point has coordinates");
            let width = (ec.group().degree() as usize).div_ceil(8) as i32;
            let pad = |bn: &BigNum| {
                URL_SAFE_NO_PAD.encode(bn.to_vec_padded(width).expect("fits the curve"))
            };
            json!({"kty": "EC", "kid": kid, "use": "sig", "alg": alg, "crv": "P-256", "x": pad(&x), "y": pad(&y)})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 §3.1: the example RSA key and its thumbprint.
    #[test]
    fn thumbprint_of_rfc_7638_example() {
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        // Members other than the required ones do not change it; a missing one is named.
        let mut bare = jwk.clone();
        bare.as_object_mut()
            .unwrap()
            .retain(|k, _| ["kty", "n", "e"].contains(&k.as_str()));
        assert_eq!(thumbprint(&bare).unwrap(), thumbprint(&jwk).unwrap());
        assert_eq!(
            thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "AA"})),
            Err(JwkError::Missing("y"))
        );
        assert_eq!(
            thumbprint(&json!({"kty": "oct", "k": "AA"})),
            Err(JwkError::KeyType("oct".into()))
        );
    }
}
