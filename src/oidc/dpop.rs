//! DPoP (RFC 9449): one ES256 (P-256) key per session, made at login and kept in memory only, and the proofs
//! signed with it: at the token endpoint (code exchange and refresh) and at each resource request (with `ath`,
//! the hash of the access token). Server nonces (RFC 9449 §8, §9) are kept per endpoint: a provider and a
//! register may share a host, and each may issue its own.
//!
//! The private key is never serialised, written or shown: `DpopKey` has no `Serialize`, its `Debug` names the
//! public thumbprint only. A proof is not a bearer secret (it is bound to one method, URL and time, and its `jti`
//! is single use), but the HTTP record keeps only its header and claims, without the signature (see
//! [`proof_summary`]), so that nothing saved or shared can be replayed as a proof.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use serde_json::{Value, json};

use super::secret::Secret;
use crate::jose::{Alg, sign_compact};

/// The `typ` of a DPoP proof's header.
pub const PROOF_TYP: &str = "dpop+jwt";

/// Why no proof could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    #[error("cannot make the DPoP key or proof (OpenSSL: {0})")]
    Crypto(String),
    #[error("a DPoP proof needs an absolute http(s) URL, not \"{0}\"")]
    BadUrl(String),
}

impl From<openssl::error::ErrorStack> for DpopError {
    fn from(e: openssl::error::ErrorStack) -> DpopError {
        DpopError::Crypto(crate::jose::cert::first_openssl_reason(&e))
    }
}

struct Inner {
    key: PKey<Private>,
    /// The public key as a JWK: `kty`, `crv`, `x`, `y` only.
    jwk: Value,
    /// Its RFC 7638 thumbprint: what a bound token's `cnf.jkt` must be.
    jkt: String,
    /// The latest `DPoP-Nonce` each endpoint (its URL without query) gave.
    nonces: Mutex<HashMap<String, String>>,
}

/// This session's DPoP key. Cloning shares the key and its nonces.
#[derive(Clone)]
pub struct DpopKey(Arc<Inner>);

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey")
            .field("jkt", &self.0.jkt)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A fresh P-256 key pair.
    pub fn generate() -> Result<DpopKey, DpopError> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let ec = EcKey::generate(&group)?;
        let mut ctx = BigNumContext::new()?;
        let (mut x, mut y) = (BigNum::new()?, BigNum::new()?);
        ec.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)?;
        let b64 = |n: &BigNum| -> Result<String, DpopError> {
            Ok(URL_SAFE_NO_PAD.encode(n.to_vec_padded(32)?))
        };
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64(&x)?, "y": b64(&y)?});
        let jkt =
            crate::jose::jwk::thumbprint(&jwk).map_err(|e| DpopError::Crypto(e.to_string()))?;
        Ok(DpopKey(Arc::new(Inner {
            key: PKey::from_ec_key(ec)?,
            jwk,
            jkt,
            nonces: Mutex::default(),
        })))
    }

    /// The RFC 7638 thumbprint of the public key (base64url SHA-256).
    pub fn thumbprint(&self) -> &str {
        &self.0.jkt
    }

    /// The public key as the proof's `jwk` header carries it.
    pub fn public_jwk(&self) -> &Value {
        &self.0.jwk
    }

    /// A proof for `method` on `url` (RFC 9449 §4.2): `htu` is the URL without query and fragment, `iat` now, a
    /// fresh `jti`; `ath` when an access token is presented, `nonce` when the server gave one.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&Secret>,
        nonce: Option<&str>,
    ) -> Result<String, DpopError> {
        let mut jti = [0u8; 24];
        openssl::rand::rand_bytes(&mut jti)?;
        let mut claims = json!({
            "jti": URL_SAFE_NO_PAD.encode(jti),
            "htm": method.to_ascii_uppercase(),
            "htu": htu(url)?,
            "iat": chrono::Utc::now().timestamp(),
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(ath(token.expose()));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        let header = json!({"typ": PROOF_TYP, "jwk": self.0.jwk});
        Ok(sign_compact(
            &header,
            &serde_json::to_vec(&claims).unwrap_or_default(),
            &self.0.key,
            Alg::Es256,
        )?)
    }

    /// A proof for a request to `url` with the nonce that endpoint gave last, if any.
    pub fn proof_for(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&Secret>,
    ) -> Result<String, DpopError> {
        let nonce = self.nonce(url);
        self.proof(method, url, access_token, nonce.as_deref())
    }

    /// The latest nonce the endpoint at `url` gave.
    pub fn nonce(&self, url: &str) -> Option<String> {
        let endpoint = htu(url).ok()?;
        self.nonces().get(&endpoint).cloned()
    }

    /// Keeps the `DPoP-Nonce` of an answer from `url`: a server may send a fresh one with any answer (RFC 9449
    /// §8.2). Returns whether the answer had one.
    pub fn remember_nonce(&self, url: &str, headers: &reqwest::header::HeaderMap) -> bool {
        let (Ok(endpoint), Some(nonce)) = (htu(url), nonce_header(headers)) else {
            return false;
        };
        self.nonces().insert(endpoint, nonce);
        true
    }

    fn nonces(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.0
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A `DPoP-Nonce` header's value, when it is one (RFC 9449 §8.1: printable ASCII, no spaces).
fn nonce_header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let v = headers.get("dpop-nonce")?.to_str().ok()?.trim();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic())).then(|| v.to_owned())
}

/// The `htu` of a request to `url`: scheme, host, port and path; no query, no fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> Result<String, DpopError> {
    let mut u = url::Url::parse(url).map_err(|_| DpopError::BadUrl(url.to_owned()))?;
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
        return Err(DpopError::BadUrl(url.to_owned()));
    }
    u.set_query(None);
    u.set_fragment(None);
    Ok(u.to_string())
}

/// `ath`: base64url(SHA-256(access token)) (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(access_token.as_bytes()))
}

/// Whether a token endpoint's answer asks for a nonce (RFC 9449 §8): 400 `use_dpop_nonce` with a `DPoP-Nonce`.
pub fn token_endpoint_wants_nonce(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> bool {
    status == 400
        && nonce_header(headers).is_some()
        && serde_json::from_slice::<Value>(body)
            .ok()
            .is_some_and(|v| v["error"] == "use_dpop_nonce")
}

/// Whether a resource server's answer asks for a nonce (RFC 9449 §9): 401 with
/// `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce`.
pub fn resource_wants_nonce(status: u16, headers: &reqwest::header::HeaderMap) -> bool {
    status == 401
        && nonce_header(headers).is_some()
        && headers.get_all("www-authenticate").iter().any(|v| {
            v.to_str().is_ok_and(|s| {
                s.trim_start()
                    .get(..5)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("dpop "))
                    && s.contains("use_dpop_nonce")
            })
        })
}

/// The headers that present `token` at a resource: `Authorization: Bearer <token>`, or with a key
/// `Authorization: DPoP <token>` and `DPoP: <proof with ath>` (RFC 9449 §7.1), with the endpoint's latest nonce.
pub fn resource_headers(
    method: &str,
    url: &str,
    token: &Secret,
    dpop: Option<&DpopKey>,
) -> Result<Vec<(&'static str, String)>, DpopError> {
    Ok(match dpop {
        None => vec![("authorization", format!("Bearer {}", token.expose()))],
        Some(key) => vec![
            ("authorization", format!("DPoP {}", token.expose())),
            ("dpop", key.proof_for(method, url, Some(token))?),
        ],
    })
}

/// What the HTTP record shows of a `DPoP` header: the proof's header and claims as JSON, then
/// `[signature not kept]`. Anything that is not a readable JWS is shown as `[not a JWS: N characters]`.
pub fn proof_summary(value: &str) -> String {
    let parts: Vec<&str> = value.trim().split('.').collect();
    let decoded = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    match parts.as_slice() {
        [h, c, _] => match (decoded(h), decoded(c)) {
            (Some(h), Some(c)) => format!("{h}.{c}.[signature not kept]"),
            _ => format!("[not a JWS: {} characters]", value.len()),
        },
        _ => format!("[not a JWS: {} characters]", value.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::jwk::KeySet;
    use crate::jose::jwt;

    #[test]
    fn a_proof_has_the_claims_and_header_rfc_9449_names() {
        let key = DpopKey::generate().unwrap();
        let token = Secret::new("the-access-token");
        let proof = key
            .proof(
                "get",
                "https://krr.example/rest/v1/person?x=1#f",
                Some(&token),
                Some("n-1"),
            )
            .unwrap();
        // Signed by the key its header carries, as JOSE r||s (64 bytes), not DER.
        let set = KeySet::parse(&key.public_jwk().to_string()).unwrap();
        let v = jwt::verify(&proof, &set).unwrap();
        let signature = URL_SAFE_NO_PAD
            .decode(proof.rsplit('.').next().unwrap())
            .unwrap();
        assert_eq!(signature.len(), 64);
        assert_eq!(v.header["typ"], "dpop+jwt");
        assert_eq!(v.header["alg"], "ES256");
        let jwk = v.header["jwk"].as_object().unwrap();
        let mut members: Vec<&str> = jwk.keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(members, ["crv", "kty", "x", "y"], "public members only");
        assert_eq!(v.claims["htm"], "GET");
        assert_eq!(v.claims["htu"], "https://krr.example/rest/v1/person");
        assert_eq!(v.claims["nonce"], "n-1");
        // SHA-256 of the token, base64url, as computed independently.
        assert_eq!(
            v.claims["ath"],
            URL_SAFE_NO_PAD.encode(openssl::sha::sha256(b"the-access-token"))
        );
        let iat = v.claims["iat"].as_i64().unwrap();
        assert!((iat - chrono::Utc::now().timestamp()).abs() <= 5);
        // The thumbprint is RFC 7638's of the header's key.
        assert_eq!(
            crate::jose::jwk::thumbprint(&v.header["jwk"]).unwrap(),
            key.thumbprint()
        );

        // At the token endpoint: no ath, no nonce until one is given; a new jti each time.
        let at_token = key
            .proof("POST", "https://idp.example/token", None, None)
            .unwrap();
        let c = jwt::decode_unverified(&at_token).unwrap().claims;
        assert!(!c.contains_key("ath") && !c.contains_key("nonce"), "{c:?}");
        assert_ne!(c["jti"], v.claims["jti"]);
        assert_ne!(
            DpopKey::generate().unwrap().thumbprint(),
            key.thumbprint(),
            "one key per session"
        );
        assert!(matches!(
            key.proof("GET", "/relative", None, None),
            Err(DpopError::BadUrl(_))
        ));
    }

    #[test]
    fn nonces_are_kept_per_endpoint_and_the_key_is_never_shown() {
        let key = DpopKey::generate().unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("dpop-nonce", "abc".parse().unwrap());
        assert!(key.remember_nonce("https://idp.example/token?x", &headers));
        assert_eq!(
            key.nonce("https://idp.example/token").as_deref(),
            Some("abc")
        );
        assert_eq!(key.nonce("https://idp.example/rest/v1/person"), None);
        let p = key
            .proof_for("POST", "https://idp.example/token", None)
            .unwrap();
        assert_eq!(jwt::decode_unverified(&p).unwrap().claims["nonce"], "abc");

        let shown = format!("{key:?}");
        assert_eq!(
            shown,
            format!("DpopKey {{ jkt: {:?}, .. }}", key.thumbprint())
        );

        let summary = proof_summary(&p);
        assert!(summary.ends_with(".[signature not kept]"), "{summary}");
        assert!(!summary.contains(p.rsplit('.').next().unwrap()));
        assert!(
            summary.contains("\"htu\":\"https://idp.example/token\""),
            "{summary}"
        );
        assert_eq!(proof_summary("garbage"), "[not a JWS: 7 characters]");
    }

    #[test]
    fn nonce_requests_are_recognised() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("dpop-nonce", "n".parse().unwrap());
        assert!(token_endpoint_wants_nonce(
            400,
            &h,
            br#"{"error":"use_dpop_nonce"}"#
        ));
        assert!(!token_endpoint_wants_nonce(
            400,
            &h,
            br#"{"error":"invalid_grant"}"#
        ));
        assert!(!resource_wants_nonce(401, &h));
        h.insert(
            "www-authenticate",
            "DPoP error=\"use_dpop_nonce\", error_description=\"x\""
                .parse()
                .unwrap(),
        );
        assert!(resource_wants_nonce(401, &h));
        assert!(!resource_wants_nonce(403, &h));
        h.remove("dpop-nonce");
        assert!(!resource_wants_nonce(401, &h));
    }
}
