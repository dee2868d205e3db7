//! Token revocation (RFC 7009) and introspection (RFC 7662), as TEST offers them at `{issuer}/token/revoke` and
//! `{issuer}/token/introspect`: the client authenticates as at the token endpoint and may only ask about, or revoke,
//! its own tokens.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawForm, State as AxState};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::bearer::check_token;
use super::clients::{self, Client};
use super::grants::{REFRESH_LIFETIME_SECS, lock, token_key};
use super::reply::{no_store, params, token_error};
use super::state::State;

type S = AxState<Arc<State>>;

/// The authenticated client and the form's `token`, or the error answer.
#[allow(clippy::result_large_err)] // the error is the answer itself, made once per request
fn client_and_token(
    state: &State,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Client, String), Response> {
    let p = params(body)
        .map_err(|e| token_error(StatusCode::BAD_REQUEST, "invalid_request", &e.to_string()))?;
    let cx = state.assertion_context(super::urls::dialect_of(uri.path()));
    let client = clients::authenticate(&state.clients, headers, &p, &cx)
        .map_err(|why| token_error(StatusCode::UNAUTHORIZED, "invalid_client", &why.to_string()))?
        .clone();
    let token = p.get("token").cloned().ok_or_else(|| {
        token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is missing",
        )
    })?;
    Ok((client, token))
}

/// RFC 7009: revokes a refresh token (and the grant's access tokens with it, §2.1) or one access token. Unknown
/// or already revoked tokens are not an error: the answer is 200 either way, so it tells an attacker nothing.
pub async fn revoke(
    AxState(state): S,
    uri: Uri,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (client, token) = match client_and_token(&state, &uri, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = state.now();
    let refresh = {
        let mut table = lock(&state.grants.refresh);
        let key = token_key(&token);
        match table.get(&key) {
            Some(g) if g.login.request.client_id == client.client_id => table.remove(&key),
            _ => None,
        }
    };
    if let Some(grant) = refresh {
        state.grants.revoke(&grant.grant, now);
    } else if let Ok(claims) = check_token(&state, &token)
        && claims.get("client_id").and_then(Value::as_str) == Some(client.client_id.as_str())
        && let (Some(jti), Some(exp)) = (
            claims.get("jti").and_then(Value::as_str),
            claims.get("exp").and_then(Value::as_i64),
        )
    {
        lock(&state.grants.revoked_access).insert(jti.to_owned(), exp);
    }
    (no_store(), StatusCode::OK).into_response()
}

/// RFC 7662: whether a token is active, and what it is for. Another client's token is reported inactive.
pub async fn introspect(
    AxState(state): S,
    uri: Uri,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let (client, token) = match client_and_token(&state, &uri, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let inactive = || (no_store(), Json(json!({"active": false}))).into_response();
    if let Ok(claims) = check_token(&state, &token) {
        if claims.get("client_id").and_then(Value::as_str) != Some(client.client_id.as_str()) {
            return inactive();
        }
        let mut answer = json!({"active": true, "token_type": "Bearer"});
        for member in [
            "scope",
            "client_id",
            "sub",
            "pid",
            "acr",
            "iss",
            "aud",
            "exp",
            "iat",
            "jti",
            "consumer",
        ] {
            if let Some(v) = claims.get(member) {
                answer[member] = v.clone();
            }
        }
        return (no_store(), Json(answer)).into_response();
    }
    let refresh = lock(&state.grants.refresh).get(&token_key(&token)).cloned();
    match refresh {
        Some(g)
            if g.login.request.client_id == client.client_id
                && !g.grant.revoked.load(std::sync::atomic::Ordering::Relaxed) =>
        {
            let exp = g.issued + chrono::Duration::seconds(REFRESH_LIFETIME_SECS);
            if exp <= state.now() {
                return inactive();
            }
            let answer = json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": client.client_id,
                "scope": g.login.request.scopes.join(" "),
                "exp": exp.timestamp(),
                "iat": g.issued.timestamp(),
            });
            (no_store(), Json(answer)).into_response()
        }
        _ => inactive(),
    }
}
