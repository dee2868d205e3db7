//! What every authorization request is checked for, whether it comes to `/authorize` or is pushed to `/par`
//! (RFC 9126 §2.1: "the same as for an authorization request"): the client and its redirect URI (refused on a
//! page, never redirected to), then `response_type=code`, `state`, `nonce`, PKCE S256, the scopes, `acr_values` and
//! `prompt` (refused on the redirect, or in PAR's JSON).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::grants::AuthRequest;
use super::reply::{error_page, redirect_error, token_error};
use super::state::State;
use super::testid::EMAIL_ACR;
use crate::krr::login::{LOGIN_LOCALE_CODES, acr_levels, default_acr};
use crate::krr::scopes::scope_info;
use crate::krr::{Lang, ScopeDialect};

/// Why an authorization request is refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Shown on an error page: the client or redirect URI cannot be trusted with a redirect.
    Page {
        lang: Lang,
        heading: &'static str,
        message: String,
    },
    /// Sent back to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

fn page(lang: Lang, heading: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Page {
        lang,
        heading,
        message: message.into(),
    }
}

impl Refusal {
    /// The answer at `/authorize`: the error page, or the redirect with `state` and `iss`.
    pub fn at_authorize(self, issuer: &str) -> Response {
        match self {
            Refusal::Page {
                lang,
                heading,
                message,
            } => error_page(StatusCode::BAD_REQUEST, lang, heading, &message),
            Refusal::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => redirect_error(&redirect_uri, error, &description, state.as_deref(), issuer),
        }
    }

    /// The answer at `/par` (RFC 9126 §2.3): 400 with the error as JSON.
    pub fn at_par(self) -> Response {
        match self {
            Refusal::Page {
                heading, message, ..
            } => token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("{heading}: {message}"),
            ),
            Refusal::Redirect {
                error, description, ..
            } => token_error(StatusCode::BAD_REQUEST, error, &description),
        }
    }
}

/// The request's parameters checked, as an [`AuthRequest`] ready for the login.
pub(crate) fn validate(
    state: &State,
    dialect: ScopeDialect,
    p: &BTreeMap<String, String>,
) -> Result<AuthRequest, Refusal> {
    let lang = p
        .get("ui_locales")
        .and_then(|l| l.split_whitespace().find_map(|x| x.parse::<Lang>().ok()))
        .unwrap_or(Lang::Nb);
    let locale = p
        .get("ui_locales")
        .and_then(|l| {
            l.split_whitespace()
                .find(|x| LOGIN_LOCALE_CODES.contains(x))
        })
        .unwrap_or("nb")
        .to_owned();
    // An unknown client or a redirect URI it may not use is never redirected to (RFC 6749 §4.1.2.1).
    let Some(client_id) = p.get("client_id") else {
        return Err(page(lang, "Invalid request", "client_id is missing."));
    };
    let Some(client) = state.clients.iter().find(|c| &c.client_id == client_id) else {
        return Err(page(
            lang,
            "Unknown client",
            format!("No client is called '{client_id}'."),
        ));
    };
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return Err(page(lang, "Invalid request", "redirect_uri is missing."));
    };
    if let Err(why) = client.redirect_allowed(redirect_uri) {
        return Err(page(lang, "Invalid redirect_uri", why.to_string()));
    }
    // An empty state or nonce is no state or nonce.
    let st = p.get("state").map(String::as_str).filter(|s| !s.is_empty());
    let fail = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: st.map(str::to_owned),
        error,
        description: description.to_owned(),
    };

    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let Some(st) = st else {
        return Err(fail("invalid_request", "state is required"));
    };
    let Some(nonce) = p.get("nonce").filter(|n| !n.is_empty()) else {
        return Err(fail("invalid_request", "nonce is required"));
    };
    let Some(challenge) = p.get("code_challenge") else {
        return Err(fail(
            "invalid_request",
            "PKCE is required: code_challenge is missing",
        ));
    };
    if p.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err(fail(
            "invalid_request",
            "code_challenge_method must be S256",
        ));
    }
    if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err() {
        return Err(fail(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
        ));
    }
    let scopes: Vec<String> = p
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(fail("invalid_scope", "the scope must include openid"));
    }
    let unknown: Vec<&str> = scopes
        .iter()
        .filter(|s| scope_info(s).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(fail(
            "invalid_scope",
            &format!("unknown scope: {}", unknown.join(" ")),
        ));
    }
    let (min_acr, email_ok) = match p.get("acr_values") {
        None => (default_acr(dialect).to_owned(), false),
        Some(v) => {
            // The lowest acceptable level of those asked for; an e-mail login (Digdir only) beside them.
            let asked: Vec<&str> = v.split_whitespace().collect();
            let email = dialect == ScopeDialect::Digdir && asked.contains(&EMAIL_ACR);
            match acr_levels(dialect).iter().find(|l| asked.contains(l)) {
                Some(l) => ((*l).to_owned(), email),
                None if email => (EMAIL_ACR.to_owned(), true),
                None => {
                    return Err(fail(
                        "invalid_request",
                        &format!("unsupported acr_values '{v}'"),
                    ));
                }
            }
        }
    };
    let prompt = p.get("prompt").map(String::as_str);
    if !matches!(prompt, None | Some("none" | "login" | "consent")) {
        return Err(fail(
            "invalid_request",
            "prompt must be none, login or consent",
        ));
    }
    Ok(AuthRequest {
        dialect,
        client_id: client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        state: st.to_owned(),
        nonce: nonce.clone(),
        scopes,
        code_challenge: challenge.clone(),
        min_acr,
        email_ok,
        lang,
        locale,
        created: state.now(),
    })
}
