//! The consent page's answer (`POST /consent`): Accept sends the code with only the API scopes left ticked
//! (`openid` and `profile` always), Cancel sends `access_denied` back to the client.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{RawForm, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;

use super::issue::{issue_code, needs_consent};
use super::reply::{error_page, redirect_error};
use super::state::State;
use super::urls;
use crate::krr::Lang;

type S = AxState<Arc<State>>;

/// `POST /consent`. The form repeats `scope` once per ticked box, so it is read as a list of pairs.
pub async fn consent(AxState(state): S, RawForm(body): RawForm) -> Response {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(mut login) =
        field("request").and_then(|id| state.grants.take_consent(id, state.now()))
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            Lang::En,
            "Consent expired",
            "This consent page has expired or was already answered. Start again from the application.",
        );
    };
    let r = &login.request;
    if field("action") != Some("accept") {
        return redirect_error(
            &r.redirect_uri,
            "access_denied",
            "the person declined consent",
            Some(&r.state),
            &urls::issuer(r.dialect, &state.base_url),
        );
    }
    let ticked: BTreeSet<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.as_str())
        .collect();
    // Only what was asked for can be consented to; what was unticked is simply missing from the token.
    let kept: Vec<String> = r
        .scopes
        .iter()
        .filter(|s| !needs_consent(s) || ticked.contains(s.as_str()))
        .cloned()
        .collect();
    login.request.scopes = kept;
    issue_code(&state, login, None)
}
