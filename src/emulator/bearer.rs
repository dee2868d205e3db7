//! Access-token checks shared by the register and userinfo (RFC 6750): signature by the provider's key, one of
//! this emulator's issuers, an access token (not an id_token), not revoked, not expired; and the 401/403 answer
//! with its `WWW-Authenticate` challenge.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

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
}

/// Verifies a bearer access token; returns its claims.
pub(crate) fn check_access_token(
    state: &State,
    headers: &HeaderMap,
) -> Result<Map<String, Value>, BearerError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(BearerError::Missing)?;
    let value = value.to_str().map_err(|_| BearerError::NotText)?;
    let (scheme, token) = value.split_once(' ').ok_or(BearerError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::NotBearer);
    }
    check_token(state, token)
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

/// The 401 `invalid_token` answer for a refused token.
pub(crate) fn invalid_token(why: &BearerError) -> Response {
    bearer_error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        &why.to_string(),
        None,
    )
}
