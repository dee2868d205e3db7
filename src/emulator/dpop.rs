//! DPoP (RFC 9449) on the provider's and the register's side: checking a proof (`typ`, `alg`, a public `jwk`, the
//! signature by it, `htm` and `htu` of this request, `iat` within 60 s, a `jti` not seen before, `ath` of the
//! access token at a resource, and the server's nonce when the `dpop_nonce` fault demands one), and the token
//! endpoint's answers that refuse one.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::fault_effects;
use super::grants::{MAX_ENTRIES, lock, token_key};
use super::reply::token_error;
use super::state::State;
use crate::jose::jwt::{JwtError, decode_unverified};
use crate::jose::{Alg, AlgClass};

/// The proof algorithms discovery names (`dpop_signing_alg_values_supported`), as Digdir's does.
pub(crate) const ALGS: [&str; 2] = ["ES256", "RS256"];
/// How far a proof's `iat` may be from the emulator's clock.
pub(crate) const IAT_WINDOW_SECS: i64 = 60;
/// JWK members that only a private key has (RFC 7517, RFC 7518 §6).
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Why a proof is refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProofError {
    #[error("more than one DPoP header (RFC 9449 §4.3)")]
    Several,
    #[error("the DPoP header is not text")]
    NotText,
    #[error("the DPoP proof is not a JWT: {0}")]
    NotJwt(#[source] JwtError),
    #[error("the DPoP proof's typ is not dpop+jwt")]
    Typ,
    #[error("the DPoP proof's alg \"{0}\" is not one of ES256, RS256")]
    Alg(String),
    #[error("the DPoP proof's header has no usable public jwk: {0}")]
    Jwk(String),
    #[error("the DPoP proof's jwk holds a private key: send the public key only")]
    PrivateJwk,
    #[error("the DPoP proof's signature does not verify with its jwk")]
    Signature,
    #[error("the DPoP proof's htm is \"{got}\", not {want}")]
    Htm { got: String, want: String },
    #[error("the DPoP proof's htu is \"{got}\", not {want}")]
    Htu { got: String, want: String },
    #[error("the DPoP proof has no iat")]
    NoIat,
    #[error("the DPoP proof's iat is {0} s from the server's clock (at most 60 s)")]
    Iat(i64),
    #[error("the DPoP proof has no jti")]
    NoJti,
    #[error("the DPoP proof's jti was used before: each proof is single use")]
    Replayed,
    #[error("the DPoP proof has no ath (the hash of the access token it presents)")]
    NoAth,
    #[error("the DPoP proof's ath is not the hash of this access token")]
    Ath,
    #[error(
        "the server demands a DPoP nonce: send a new proof with the one in the DPoP-Nonce header"
    )]
    UseNonce(String),
    #[error("too many DPoP proofs at once: try again shortly")]
    Busy,
}

/// A proof that passed: the RFC 7638 thumbprint of its key.
#[derive(Debug)]
pub(crate) struct Proof {
    pub jkt: String,
}

/// The request a proof must be for.
pub(crate) struct ProofFor<'a> {
    pub method: &'a str,
    /// The URL of this request without query (the emulator's base URL and the path).
    pub url: &'a str,
    /// The access token presented with it (at a resource), whose hash `ath` must be.
    pub access_token: Option<&'a str>,
}

/// Checks the request's `DPoP` header; `Ok(None)` when there is none.
pub(crate) fn check_proof(
    state: &State,
    headers: &HeaderMap,
    want: &ProofFor<'_>,
) -> Result<Option<Proof>, ProofError> {
    let mut values = headers.get_all("dpop").iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ProofError::Several);
    }
    let proof = value.to_str().map_err(|_| ProofError::NotText)?.trim();
    let decoded = decode_unverified(proof).map_err(ProofError::NotJwt)?;
    let (header, claims) = (&decoded.header, &decoded.claims);
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(ProofError::Typ);
    }
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let alg = match Alg::classify(alg_name) {
        AlgClass::Supported(alg) if ALGS.contains(&alg.name()) => alg,
        _ => return Err(ProofError::Alg(alg_name.to_owned())),
    };
    let jwk = header
        .get("jwk")
        .filter(|j| j.is_object())
        .ok_or_else(|| ProofError::Jwk("no jwk member".into()))?;
    if PRIVATE_MEMBERS.iter().any(|m| jwk.get(m).is_some()) {
        return Err(ProofError::PrivateJwk);
    }
    let key = crate::jose::jwk::public_key(jwk).map_err(|e| ProofError::Jwk(e.to_string()))?;
    let jkt = crate::jose::jwk::thumbprint(jwk).map_err(|e| ProofError::Jwk(e.to_string()))?;
    let dot = proof.rfind('.').unwrap_or(0);
    let signature = URL_SAFE_NO_PAD
        .decode(&proof.as_bytes()[dot + 1..])
        .map_err(|_| ProofError::Signature)?;
    if !alg
        .verify(&key, &proof.as_bytes()[..dot], &signature)
        .unwrap_or(false)
    {
        return Err(ProofError::Signature);
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let htm = text("htm").unwrap_or("");
    if htm != want.method {
        return Err(ProofError::Htm {
            got: htm.to_owned(),
            want: want.method.to_owned(),
        });
    }
    let htu = text("htu").unwrap_or("");
    if !same_url(htu, want.url) {
        return Err(ProofError::Htu {
            got: htu.to_owned(),
            want: want.url.to_owned(),
        });
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(ProofError::NoIat)?;
    let now = state.now().timestamp();
    if (iat - now).abs() > IAT_WINDOW_SECS {
        return Err(ProofError::Iat(iat - now));
    }
    let jti = text("jti")
        .filter(|j| !j.is_empty())
        .ok_or(ProofError::NoJti)?;
    if let Some(token) = want.access_token {
        let ath = text("ath").ok_or(ProofError::NoAth)?;
        let expected = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(token.as_bytes()));
        if ath != expected {
            return Err(ProofError::Ath);
        }
    }
    if let Some(nonce) = fault_effects::dpop_nonce(&state.faults(), &state.dpop_nonce)
        && text("nonce") != Some(nonce)
    {
        return Err(ProofError::UseNonce(nonce.to_owned()));
    }
    // Last: a proof refused for another reason does not use its jti up.
    let mut seen = lock(&state.dpop_jtis);
    if seen.len() >= MAX_ENTRIES {
        seen.retain(|_, at| *at >= now - 2 * IAT_WINDOW_SECS);
        if seen.len() >= MAX_ENTRIES {
            return Err(ProofError::Busy);
        }
    }
    if seen
        .insert(token_key(&format!("{jkt}.{jti}")), iat)
        .is_some()
    {
        return Err(ProofError::Replayed);
    }
    Ok(Some(Proof { jkt }))
}

/// `htu` names this request's URL: compared without query and fragment, scheme and host case-insensitively
/// (RFC 9449 §4.3, RFC 3986 §6.2.2).
fn same_url(htu: &str, want: &str) -> bool {
    let strip = |s: &str| {
        url::Url::parse(s).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        })
    };
    matches!((strip(htu), strip(want)), (Some(a), Some(b)) if a == b)
}

/// The token endpoint's refusal of a proof: 400 `invalid_dpop_proof`, or `use_dpop_nonce` with the nonce to use
/// in the `DPoP-Nonce` header (RFC 9449 §8).
pub(crate) fn token_endpoint_refusal(why: &ProofError) -> Response {
    match why {
        ProofError::UseNonce(nonce) => {
            let mut r = token_error(StatusCode::BAD_REQUEST, "use_dpop_nonce", &why.to_string());
            if let Ok(v) = HeaderValue::from_str(nonce) {
                r.headers_mut().insert("dpop-nonce", v);
            }
            r
        }
        _ => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            &why.to_string(),
        ),
    }
}
