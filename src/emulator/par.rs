//! Pushed authorization requests (RFC 9126), at `/par` of the Digdir generation as TEST has them: the client
//! authenticates as at the token endpoint, the parameters get the authorize endpoint's checks (one `validate`), and
//! the answer is 201 with a `request_uri` (`urn:idporten:…`, ID-porten's form; RFC 9126 leaves it to the provider)
//! valid for 120 s and usable once.
//! `/authorize?client_id=…&request_uri=…` then takes the stored parameters.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawForm, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde_json::json;

use super::auth_request::validate;
use super::clients;
use super::grants::{MAX_ENTRIES, lock, random_token, token_key};
use super::reply::{error_page, no_store, params, token_error};
use super::state::State;
use super::token::invalid_client;
use crate::krr::{Lang, ScopeDialect};

type S = AxState<Arc<State>>;

/// How long a `request_uri` may be used (RFC 9126 §2.2 suggests 5-600 s; the emulator's choice, as TEST's).
pub const PAR_LIFETIME_SECS: i64 = 120;
/// The form of a `request_uri` (RFC 9126 §2.2 leaves it to the provider): ID-porten's.
pub const REQUEST_URI_PREFIX: &str = "urn:idporten:";

/// The client authentication members: checked, never stored.
const AUTH_MEMBERS: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

/// `POST /par`.
pub async fn par(AxState(state): S, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => return token_error(StatusCode::BAD_REQUEST, "invalid_request", &e.to_string()),
    };
    let cx = state.assertion_context(ScopeDialect::Digdir);
    let client = match clients::authenticate(&state.clients, &headers, &p, &cx) {
        Ok(c) => c.clone(),
        Err(why) => return invalid_client(&why),
    };
    if p.contains_key("request_uri") {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request_uri must not be pushed (RFC 9126 §2.1)",
        );
    }
    let mut stored: BTreeMap<String, String> = p
        .into_iter()
        .filter(|(k, _)| !AUTH_MEMBERS.contains(&k.as_str()))
        .collect();
    match stored.get("client_id") {
        Some(id) if *id != client.client_id => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "client_id '{id}' is not the authenticated client '{}'",
                    client.client_id
                ),
            );
        }
        Some(_) => {}
        None => {
            stored.insert("client_id".into(), client.client_id.clone());
        }
    }
    if let Err(refusal) = validate(&state, ScopeDialect::Digdir, &stored) {
        return refusal.at_par();
    }
    let id = random_token();
    let now = state.now();
    {
        let mut table = lock(&state.grants.pushed);
        if table.len() >= MAX_ENTRIES {
            table.retain(|_, (_, expires)| *expires > now);
        }
        if table.len() >= MAX_ENTRIES {
            return token_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "too many pushed requests waiting: try again in two minutes",
            );
        }
        table.insert(
            token_key(&id),
            (stored, now + Duration::seconds(PAR_LIFETIME_SECS)),
        );
    }
    (
        StatusCode::CREATED,
        no_store(),
        Json(json!({
            "request_uri": format!("{REQUEST_URI_PREFIX}{id}"),
            "expires_in": PAR_LIFETIME_SECS,
        })),
    )
        .into_response()
}

/// The parameters pushed as `request_uri` (used up by this call), or the error page: unknown, used, expired, the
/// wrong generation, or another client's.
#[allow(clippy::result_large_err)] // the error is the answer itself, made once per request
pub(crate) fn take(
    state: &State,
    dialect: ScopeDialect,
    request_uri: &str,
    client_id: Option<&String>,
) -> Result<BTreeMap<String, String>, Response> {
    let page = |heading: &str, message: &str| {
        Err(error_page(
            StatusCode::BAD_REQUEST,
            Lang::En,
            heading,
            message,
        ))
    };
    if dialect != ScopeDialect::Digdir {
        return page(
            "Invalid request",
            "This generation has no pushed authorization requests: request_uri is not supported here.",
        );
    }
    let found = request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .and_then(|id| lock(&state.grants.pushed).remove(&token_key(id)));
    let Some((stored, expires)) = found else {
        return page(
            "Unknown request_uri",
            "This request_uri is unknown or was already used (each is single use). Start again from the application.",
        );
    };
    if expires <= state.now() {
        return page(
            "Expired request_uri",
            "This request_uri has expired (it is valid for 120 seconds). Start again from the application.",
        );
    }
    if client_id != stored.get("client_id") {
        return page(
            "Invalid request",
            "client_id is missing or is not the client that pushed this request_uri.",
        );
    }
    Ok(stored)
}

/// Whether a plain (not pushed) authorization request from this client is refused.
pub(crate) fn required(state: &State, client_id: &str) -> bool {
    state.require_par
        || state
            .clients
            .iter()
            .any(|c| c.client_id == client_id && c.require_par)
}
