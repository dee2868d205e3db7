//! Access-token checks shared by the register and userinfo (RFC 6750): signature by the provider's key, one of
//! this emulator's issuers, an access token (not an id_token), not revoked, not expired; a DPoP-bound token
//! (`cnf.jkt`, RFC 9449 §7) only as `Authorization: DPoP` with a valid proof by its key, a bearer token only as
//! `Bearer`; and the 401/403 answer with its `WWW-Authenticate` challenge (`DPoP` for the DPoP refusals).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::dpop::{self, ProofError, ProofFor};
use super::grants::lock;
use super::state::State;
use super::urls;
use crate::jose::jwt;

/// Why a bearer token was refused (401 `invalid_token`).
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("no access token: send Authorization: Bearer <token>")]
    Missing,
    #[error("the Authorization header is not text")]
    NotText,
    #[error("the Authorization header is not 'Bearer <token>'")]
    Malformed,
    #[error("the Authorization scheme is not Bearer")]
    NotBearer,
    #[error("the access token is not valid: {0}")]
    Invalid(#[source] jwt::JwtError),
    #[error("the access token was issued by '{0}', not by this provider")]
    OtherIssuer(String),
    #[error("this is not an access token (an id_token?)")]
    NotAccessToken,
    #[error(
        "the access token was revoked (by its client, or because the authorization code it came from was used twice)"
    )]
    Revoked,
    #[error("the access token has no exp")]
    NoExpiry,
    #[error("the access token expired {0} s ago")]
    Expired(i64),
    #[error(
        "DPoP-bound token used as a bearer token: send Authorization: DPoP <token> with a DPoP proof"
    )]
    BoundAsBearer,
    #[error("the access token is not DPoP-bound: send it as Authorization: Bearer <token>")]
    BearerAsDpop,
    #[error("a DPoP-bound token needs a DPoP proof header")]
    NoProof,
    #[error("the DPoP proof is signed by another key than the one the token is bound to (cnf.jkt)")]
    OtherKey,
    #[error("{0}")]
    Proof(ProofError),
}

impl BearerError {
    /// The refusals of DPoP's rules, answered with a `DPoP` challenge rather than `Bearer`.
    fn is_dpop(&self) -> bool {
        matches!(
            self,
            BearerError::BoundAsBearer
                | BearerError::BearerAsDpop
                | BearerError::NoProof
                | BearerError::OtherKey
                | BearerError::Proof(_)
        )
    }
}

/// The request a token is presented with: its method and its URL (the emulator's base URL and the path).
pub(crate) struct Presented<'a> {
    pub method: &'a str,
    pub url: &'a str,
}

/// Verifies the access token of a request (`Bearer`, or `DPoP` with its proof); returns its claims.
pub(crate) fn check_access_token(
    state: &State,
    headers: &HeaderMap,
    presented: &Presented<'_>,
) -> Result<Map<String, Value>, BearerError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(BearerError::Missing)?;
    let value = value.to_str().map_err(|_| BearerError::NotText)?;
    let (scheme, token) = value.split_once(' ').ok_or(BearerError::Malformed)?;
    let dpop_scheme = scheme.eq_ignore_ascii_case("dpop");
    if !scheme.eq_ignore_ascii_case("bearer") && !dpop_scheme {
        return Err(BearerError::NotBearer);
    }
    let claims = check_token(state, token)?;
    let bound = claims
        .get("cnf")
        .and_then(|c| c.get("jkt"))
        .and_then(Value::as_str);
    match (bound, dpop_scheme) {
        (Some(_), false) => Err(BearerError::BoundAsBearer),
        (None, true) => Err(BearerError::BearerAsDpop),
        (None, false) => Ok(claims),
        (Some(jkt), true) => {
            let want = ProofFor {
                method: presented.method,
                url: presented.url,
                access_token: Some(token.trim()),
            };
            match dpop::check_proof(state, headers, &want) {
                Ok(Some(proof)) if proof.jkt == jkt => Ok(claims),
                Ok(Some(_)) => Err(BearerError::OtherKey),
                Ok(None) => Err(BearerError::NoProof),
                Err(why) => Err(BearerError::Proof(why)),
            }
        }
    }
}

/// Verifies an access token's value (as the bearer header or the introspection form gives it).
pub(crate) fn check_token(state: &State, token: &str) -> Result<Map<String, Value>, BearerError> {
    let verified = jwt::verify(token.trim(), &state.token_keys).or_else(|e| {
        // During a key rotation (a fault switch) tokens signed with the new key are good too.
        match super::fault_effects::rotated_key_set(&state.faults(), &state.keys) {
            Some(rotated) => jwt::verify(token.trim(), &rotated),
            None => Err(e),
        }
    });
    let claims = verified.map_err(BearerError::Invalid)?.claims;
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    if !urls::is_own_issuer(iss, &state.base_url) {
        return Err(BearerError::OtherIssuer(iss.to_owned()));
    }
    if !claims.contains_key("scope") || !claims.contains_key("client_id") {
        return Err(BearerError::NotAccessToken);
    }
    if let Some(jti) = claims.get("jti").and_then(Value::as_str)
        && lock(&state.grants.revoked_access).contains_key(jti)
    {
        return Err(BearerError::Revoked);
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(BearerError::NoExpiry)?;
    let now = state.now().timestamp();
    if exp <= now {
        return Err(BearerError::Expired(now - exp));
    }
    Ok(claims)
}

/// RFC 6750 §3 error with the `WWW-Authenticate` challenge and the emulator's JSON body.
pub(crate) fn bearer_error(
    status: StatusCode,
    error: &str,
    description: &str,
    scope: Option<&str>,
) -> Response {
    let mut challenge = format!(
        "Bearer realm=\"krr\", error=\"{error}\", error_description=\"{}\"",
        description.replace('"', "'")
    );
    if let Some(s) = scope {
        challenge.push_str(&format!(", scope=\"{s}\""));
    }
    let mut r = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// The 401 `invalid_token` answer for a refused token. DPoP's refusals carry a `DPoP` challenge with the
/// algorithms accepted (RFC 9449 §7.1): `invalid_dpop_proof` for a bad proof, `use_dpop_nonce` with a `DPoP-Nonce`
/// header when the register demands its nonce.
pub(crate) fn invalid_token(why: &BearerError) -> Response {
    if !why.is_dpop() {
        return bearer_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            &why.to_string(),
            None,
        );
    }
    let error = match why {
        BearerError::Proof(ProofError::UseNonce(_)) => "use_dpop_nonce",
        BearerError::Proof(_) => "invalid_dpop_proof",
        _ => "invalid_token",
    };
    let description = why.to_string();
    let challenge = format!(
        "DPoP algs=\"{}\", error=\"{error}\", error_description=\"{}\"",
        dpop::ALGS.join(" "),
        description.replace('"', "'")
    );
    let mut r = (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    if let BearerError::Proof(ProofError::UseNonce(nonce)) = why
        && let Ok(v) = HeaderValue::from_str(nonce)
    {
        r.headers_mut().insert("dpop-nonce", v);
    }
    r
}
