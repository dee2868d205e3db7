//! After the login: userinfo (the person behind an access token) and logout (ends the SSO session, then back to
//! the client when its `post_logout_redirect_uri` is one a client may use).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize::{expired_session_cookie, session_from_cookie};
use super::bearer::{check_access_token, invalid_token};
use super::grants::pairwise_sub;
use super::html;
use super::reply::{error_page, params, redirect_with};
use super::state::State;
use crate::jose::jwt;
use crate::krr::Lang;

type S = AxState<Arc<State>>;

pub async fn userinfo(AxState(state): S, headers: HeaderMap) -> Response {
    match check_access_token(&state, &headers) {
        Ok(claims) => {
            let pid = claims.get("pid").and_then(Value::as_str);
            let client = claims
                .get("client_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let sub = claims
                .get("sub")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| pairwise_sub(pid.unwrap_or(""), client));
            // An e-mail login has no national id, so no `pid`.
            let mut body = json!({"sub": sub, "locale": "nb"});
            if let Some(pid) = pid {
                body["pid"] = json!(pid);
            }
            Json(body).into_response()
        }
        Err(why) => invalid_token(&why),
    }
}

/// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's SSO session (its cookie) and
/// the session the `id_token_hint` names (its `sid`), then redirects to `post_logout_redirect_uri` with `state`
/// when that URI is one the client may use (its registered URIs, or loopback on any port as RFC 8252 §7.3 says
/// for redirect URIs). The client is the hint's `aud` or `client_id`; a hint this provider did not sign, or one
/// for another client than `client_id`, is refused. Without a client the URI is not trusted: no redirect.
pub async fn logout(AxState(state): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let refuse =
        |message: &str| error_page(StatusCode::BAD_REQUEST, Lang::En, "Logout refused", message);
    let p = match params(q.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return refuse(&e.to_string()),
    };
    let hint = match p
        .get("id_token_hint")
        .map(|t| jwt::verify(t.trim(), &state.token_keys))
    {
        Some(Ok(v)) => Some(v.claims),
        Some(Err(e)) => {
            return refuse(&format!(
                "id_token_hint is not an id_token this provider signed: {e}"
            ));
        }
        None => None,
    };
    let audience = hint.as_ref().and_then(|c| match c.get("aud") {
        Some(Value::String(a)) => Some(a.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    });
    let client_id = match (p.get("client_id"), audience) {
        (Some(c), Some(a)) if *c != a => {
            return refuse(&format!(
                "client_id '{c}' is not the id_token_hint's audience '{a}'"
            ));
        }
        (Some(c), _) => Some(c.clone()),
        (None, a) => a,
    };
    if let Some((key, _)) = session_from_cookie(&state, &headers) {
        state.grants.end_session(&key);
    }
    if let Some(sid) = hint
        .as_ref()
        .and_then(|c| c.get("sid"))
        .and_then(Value::as_str)
    {
        state.grants.end_sessions_with_sid(sid);
    }
    let expire = HeaderValue::from_str(&expired_session_cookie()).ok();
    let client = client_id
        .as_deref()
        .and_then(|id| state.clients.iter().find(|c| c.client_id == id));
    let mut response = match (p.get("post_logout_redirect_uri"), client) {
        (Some(uri), Some(client)) => match client.redirect_allowed(uri) {
            Ok(()) => {
                let pairs: Vec<(&str, &str)> = p
                    .get("state")
                    .map(|s| vec![("state", s.as_str())])
                    .unwrap_or_default();
                redirect_with(uri, &pairs)
            }
            Err(why) => refuse(&format!(
                "the session has ended, but post_logout_redirect_uri is not one this client may use: {why}"
            )),
        },
        (Some(_), None) => refuse(
            "the session has ended, but post_logout_redirect_uri needs id_token_hint or a known client_id to be \
             trusted",
        ),
        (None, _) => Html(html::logged_out_page()).into_response(),
    };
    if let Some(v) = expire {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
