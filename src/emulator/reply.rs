//! Answers the endpoints share: strict parameter parsing, the error page for requests that must not be
//! redirected, authorization errors sent back to the client (RFC 6749 §4.1.2.1, RFC 9207), the token endpoint's
//! error JSON (RFC 6749 §5.2) and the no-store headers.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use super::html;
use crate::krr::Lang;

/// A parameter given twice (RFC 6749 §3.1: a request with a repeated parameter is invalid).
#[derive(Debug, thiserror::Error)]
#[error("the parameter '{0}' is repeated")]
pub struct RepeatedParameter(pub String);

/// Query or form parameters; a repeated parameter is an error (RFC 6749 §3.1).
pub fn params(raw: &[u8]) -> Result<BTreeMap<String, String>, RepeatedParameter> {
    let mut out = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(RepeatedParameter(k.into_owned()));
        }
    }
    Ok(out)
}

pub fn error_page(status: StatusCode, lang: Lang, heading: &str, message: &str) -> Response {
    (status, Html(html::error_page(lang, heading, message))).into_response()
}

/// Sends an authorization error back to the client (state and iss included, RFC 6749 §4.1.2.1, RFC 9207).
pub fn redirect_error(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    iss: &str,
) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", iss));
    redirect_with(redirect_uri, &pairs)
}

pub fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match url::Url::parse(redirect_uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(pairs);
            // 303 so that a POSTed login form becomes a GET on the client's redirect URI.
            Redirect::to(u.as_str()).into_response()
        }
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            Lang::En,
            "Bad redirect_uri",
            "The redirect_uri is not a URL.",
        ),
    }
}

pub fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// RFC 6749 §5.2 error JSON.
pub fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        no_store(),
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}
