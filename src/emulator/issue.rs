//! The end of every login: the authorization code sent back to the client (`code`, `state`, `iss`), after the
//! consent page when the client is registered with `requires_user_consent` and asks for API scopes. Shared by the
//! login page, SSO, the headless TestID hint (which consents implicitly) and the consent page.

use std::sync::atomic::Ordering;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::fault_effects;
use super::grants::Login;
use super::html::{self, ConsentPage, ConsentScope};
use super::reply::{no_store, redirect_error, redirect_with};
use super::state::State;
use super::urls;
use crate::krr::scopes::scope_info;

/// The scopes that are the person's to consent to: the register's API scopes, not `openid` or `profile`.
pub fn needs_consent(scope: &str) -> bool {
    scope_info(scope).is_some_and(|i| i.dialect.is_some())
}

/// After a login on the page or by SSO: the consent page if the client requires it and asks for API scopes,
/// else the code at once. `set_cookie` starts the SSO session (sent with the page or the redirect).
pub fn after_login(state: &State, login: Login, set_cookie: Option<String>) -> Response {
    let client = state
        .clients
        .iter()
        .find(|c| c.client_id == login.request.client_id);
    let asks = login.request.scopes.iter().any(|s| needs_consent(s));
    if !(asks && client.is_some_and(|c| c.requires_user_consent)) {
        return issue_code(state, login, set_cookie);
    }
    let (lang, client_id, scopes) = (
        login.request.lang,
        login.request.client_id.clone(),
        login.request.scopes.clone(),
    );
    let id = state.grants.await_consent(login, state.now());
    let page = html::consent_page(&ConsentPage {
        lang,
        request_id: &id,
        client_id: &client_id,
        scopes: scopes
            .iter()
            .filter(|s| needs_consent(s))
            .filter_map(|s| scope_info(s))
            .map(|i| ConsentScope {
                name: i.name,
                description: i.description(lang),
            })
            .collect(),
    });
    let mut response = (no_store(), Html(page)).into_response();
    with_cookie(&mut response, set_cookie);
    response
}

fn with_cookie(response: &mut Response, set_cookie: Option<String>) {
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
}

/// Stores a code for the login and redirects to the client with `code`, `state` and `iss`.
pub fn issue_code(state: &State, login: Login, set_cookie: Option<String>) -> Response {
    let issuer = urls::issuer(login.request.dialect, &state.base_url);
    let (redirect_uri, st) = (
        login.request.redirect_uri.clone(),
        login.request.state.clone(),
    );
    let code = match state.grants.store_code(login, state.now()) {
        Ok(code) => code,
        Err(full) => {
            return redirect_error(
                &redirect_uri,
                "temporarily_unavailable",
                &full.to_string(),
                Some(&st),
                &issuer,
            );
        }
    };
    state.stats.codes.fetch_add(1, Ordering::Relaxed);
    let pairs = fault_effects::callback_params(&state.faults(), &code, &st, &issuer);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut response = redirect_with(&redirect_uri, &pairs);
    with_cookie(&mut response, set_cookie);
    response
}
