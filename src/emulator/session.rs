//! After the login: userinfo (the person behind an access token) and logout (ends the SSO session, then back to
//! the client when its `post_logout_redirect_uri` is one a client may use).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize::{expired_session_cookie, session_from_cookie};
use super::bearer::{Presented, check_access_token, invalid_token};
use super::grants::pairwise_sub;
use super::html;
use super::reply::{params, redirect_with};
use super::state::State;

type S = AxState<Arc<State>>;

pub async fn userinfo(AxState(state): S, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let url = format!("{}{}", state.base_url, uri.path());
    let presented = Presented {
        method: "GET",
        url: &url,
    };
    match check_access_token(&state, &headers, &presented) {
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

/// Ends the SSO session; redirects to `post_logout_redirect_uri` when it is one a client may use.
pub async fn logout(AxState(state): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = params(q.unwrap_or_default().as_bytes()).unwrap_or_default();
    if let Some((key, _)) = session_from_cookie(&state, &headers) {
        state.grants.end_session(&key);
    }
    let expire = HeaderValue::from_str(&expired_session_cookie()).ok();
    let target = p
        .get("post_logout_redirect_uri")
        .filter(|u| state.clients.iter().any(|c| c.redirect_allowed(u).is_ok()));
    let mut response = match target {
        Some(uri) => {
            let pairs: Vec<(&str, &str)> = p
                .get("state")
                .map(|s| vec![("state", s.as_str())])
                .unwrap_or_default();
            redirect_with(uri, &pairs)
        }
        None => Html(html::logged_out_page()).into_response(),
    };
    if let Some(v) = expire {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
