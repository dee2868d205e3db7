//! The authorize endpoint of each generation (RFC 6749 §4.1 with PKCE S256, `state` and `nonce` required, errors
//! sent back with `iss`), the login page where a test person is typed or picked, and the SSO session cookie that
//! lets a second login skip the page.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{RawForm, RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use cookie::{Cookie, SameSite};

use super::fault_effects;
use super::grants::{
    AuthRequest, LOGIN_LIFETIME_SECS, Login, SSO_COOKIE, Session, lock, random_token,
};
use super::html::{self, LoginPage, PersonChoice};
use super::reply::{
    RepeatedParameter, error_page, no_store, params, redirect_error, redirect_with,
};
use super::state::State;
use super::urls;
use crate::krr::login::{LOGIN_LOCALE_CODES, acr_levels, acr_satisfies, default_acr};
use crate::krr::scopes::scope_info;
use crate::krr::{Lang, NationalId, ScopeDialect};

type S = AxState<Arc<State>>;

/// A level this generation offers that satisfies `want`: what a login may be at (the emulator never issues a
/// level its generation does not list, such as `eidas-loa-high`).
fn offered_and_satisfies(dialect: ScopeDialect, have: &str, want: &str) -> bool {
    acr_levels(dialect).contains(&have) && acr_satisfies(have, want)
}

/// The SSO session the cookie names, if it has not expired; using it counts as activity.
pub(crate) fn session_from_cookie(
    state: &State,
    headers: &HeaderMap,
) -> Option<([u8; 32], Session)> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SSO_COOKIE)?
        .value()
        .to_owned();
    state.grants.use_session(&value, state.now())
}

/// The SSO cookie: only for the emulator (HttpOnly, all paths), sent on top-level navigations from the client
/// back to the emulator (SameSite=Lax). A session cookie for the browser; the emulator ends the session itself.
fn sso_cookie(value: &str) -> Cookie<'_> {
    Cookie::build((SSO_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

/// The Set-Cookie value that starts an SSO session.
fn session_cookie(value: &str) -> String {
    sso_cookie(value).to_string()
}

/// The Set-Cookie value that ends the SSO session in the browser.
pub(crate) fn expired_session_cookie() -> String {
    let mut cookie = sso_cookie("");
    cookie.set_max_age(cookie::time::Duration::ZERO);
    cookie.to_string()
}

/// A request whose parameters cannot be read at all.
fn invalid_request_page(why: &RepeatedParameter) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        Lang::En,
        "Invalid request",
        &why.to_string(),
    )
}

/// `/authorize` (Digdir) and `/idporten-oidc-provider/authorize` (Difi).
pub async fn authorize(
    AxState(state): S,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let dialect = urls::dialect_of(uri.path());
    let issuer = urls::issuer(dialect, &state.base_url);
    let p = match params(q.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return invalid_request_page(&e),
    };
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
        return error_page(
            StatusCode::BAD_REQUEST,
            lang,
            "Invalid request",
            "client_id is missing.",
        );
    };
    let Some(client) = state.clients.iter().find(|c| &c.client_id == client_id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            lang,
            "Unknown client",
            &format!("No client is called '{client_id}'."),
        );
    };
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            lang,
            "Invalid request",
            "redirect_uri is missing.",
        );
    };
    if let Err(why) = client.redirect_allowed(redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            lang,
            "Invalid redirect_uri",
            &why.to_string(),
        );
    }
    // An empty state or nonce is no state or nonce.
    let st = p.get("state").map(String::as_str).filter(|s| !s.is_empty());
    let fail = |error: &str, description: &str| {
        redirect_error(redirect_uri, error, description, st, &issuer)
    };

    if p.get("response_type").map(String::as_str) != Some("code") {
        return fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let Some(st) = st else {
        return fail("invalid_request", "state is required");
    };
    let Some(nonce) = p.get("nonce").filter(|n| !n.is_empty()) else {
        return fail("invalid_request", "nonce is required");
    };
    let Some(challenge) = p.get("code_challenge") else {
        return fail(
            "invalid_request",
            "PKCE is required: code_challenge is missing",
        );
    };
    if p.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err() {
        return fail(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
        );
    }
    let scopes: Vec<String> = p
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if !scopes.iter().any(|s| s == "openid") {
        return fail("invalid_scope", "the scope must include openid");
    }
    let unknown: Vec<&str> = scopes
        .iter()
        .filter(|s| scope_info(s).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return fail(
            "invalid_scope",
            &format!("unknown scope: {}", unknown.join(" ")),
        );
    }
    let min_acr = match p.get("acr_values") {
        None => default_acr(dialect).to_owned(),
        Some(v) => {
            // The lowest acceptable level of those asked for.
            let asked: Vec<&str> = v.split_whitespace().collect();
            match acr_levels(dialect).iter().find(|l| asked.contains(l)) {
                Some(l) => (*l).to_owned(),
                None => return fail("invalid_request", &format!("unsupported acr_values '{v}'")),
            }
        }
    };
    let prompt = p.get("prompt").map(String::as_str);
    if !matches!(prompt, None | Some("none" | "login" | "consent")) {
        return fail("invalid_request", "prompt must be none, login or consent");
    }
    let request = AuthRequest {
        dialect,
        client_id: client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        state: st.to_owned(),
        nonce: nonce.clone(),
        scopes,
        code_challenge: challenge.clone(),
        min_acr,
        lang,
        locale,
        created: state.now(),
    };

    let session = session_from_cookie(&state, &headers)
        .filter(|(_, s)| offered_and_satisfies(dialect, &s.acr, &request.min_acr));
    match (prompt, session) {
        (Some("login"), _) => {}
        (_, Some((_, session))) => {
            let Session {
                sid,
                pid,
                acr,
                auth_time,
                ..
            } = session;
            return issue_code(&state, request, pid, acr, sid, auth_time, None);
        }
        (Some("none"), None) => {
            return fail(
                "login_required",
                "no single sign-on session: the person must log in",
            );
        }
        _ => {}
    }
    let id = random_token();
    let page = login_page(&state, &id, &request, "", None);
    let cutoff = state.now() - Duration::seconds(LOGIN_LIFETIME_SECS);
    lock(&state.grants.pending).insert(id, request, state.max_pending_logins, cutoff);
    (no_store(), Html(page)).into_response()
}

fn login_page(
    state: &State,
    id: &str,
    r: &AuthRequest,
    typed: &str,
    error: Option<String>,
) -> String {
    let data = state.data();
    let persons: Vec<(String, String)> = data
        .order
        .iter()
        .map(|pid| {
            let shows = &data.persons[pid].shows;
            (pid.clone(), r.lang.pick(&shows.0, &shows.1).to_owned())
        })
        .collect();
    let levels: Vec<&str> = acr_levels(r.dialect)
        .iter()
        .copied()
        .filter(|l| offered_and_satisfies(r.dialect, l, &r.min_acr))
        .collect();
    html::login_page(&LoginPage {
        lang: r.lang,
        request_id: id,
        client_id: &r.client_id,
        scopes: &r.scopes,
        acr_levels: &levels,
        selected_acr: &r.min_acr,
        persons: persons
            .iter()
            .map(|(pid, shows)| PersonChoice { pid, shows })
            .collect(),
        typed_pid: typed,
        error,
    })
}

/// Stores a code and redirects to the client with `code`, `state` and `iss`.
fn issue_code(
    state: &State,
    request: AuthRequest,
    pid: String,
    acr: String,
    sid: String,
    auth_time: DateTime<Utc>,
    set_cookie: Option<String>,
) -> Response {
    let issuer = urls::issuer(request.dialect, &state.base_url);
    let (redirect_uri, st) = (request.redirect_uri.clone(), request.state.clone());
    let login = Login {
        request,
        pid,
        acr,
        sid,
        auth_time,
    };
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
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The login form's submission: log in as the typed or picked person, or cancel.
pub async fn login(AxState(state): S, RawForm(body): RawForm) -> Response {
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => return invalid_request_page(&e),
    };
    let id = p.get("request").cloned().unwrap_or_default();
    let cutoff = state.now() - Duration::seconds(LOGIN_LIFETIME_SECS);
    let Some(request) = lock(&state.grants.pending).take(&id, cutoff) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            Lang::En,
            "Login expired",
            "This login has expired or was already used. Start again from the application.",
        );
    };
    let issuer = urls::issuer(request.dialect, &state.base_url);
    if p.get("action").map(String::as_str) == Some("cancel") {
        return redirect_error(
            &request.redirect_uri,
            "access_denied",
            "the user cancelled the login",
            Some(&request.state),
            &issuer,
        );
    }
    let typed = p
        .get("pid")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let pid = p
        .get("pick")
        .cloned()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| typed.clone());
    let lang = request.lang;
    if let Err(e) = NationalId::parse(&pid) {
        let message = if pid.is_empty() {
            lang.pick(
                "Skriv inn et fødselsnummer eller velg en testperson.",
                "Type a national id or pick a test person.",
            )
            .to_owned()
        } else {
            match lang {
                Lang::Nb => format!(
                    "«{pid}» er ikke et gyldig fødselsnummer: {}.",
                    e.message(lang)
                ),
                Lang::En => format!("'{pid}' is not a valid national id: {e}."),
            }
        };
        let page = login_page(&state, &id, &request, &typed, Some(message));
        lock(&state.grants.pending).insert(id, request, state.max_pending_logins, cutoff);
        return (StatusCode::UNPROCESSABLE_ENTITY, no_store(), Html(page)).into_response();
    }
    let acr = p
        .get("acr")
        .filter(|a| offered_and_satisfies(request.dialect, a, &request.min_acr))
        .cloned()
        .unwrap_or_else(|| request.min_acr.clone());
    // The cookie is the secret that finds the session; `sid` is what the id_token may show.
    let (cookie, sid) = (random_token(), random_token());
    let now = state.now();
    state.stats.logins.fetch_add(1, Ordering::Relaxed);
    state.grants.start_session(
        &cookie,
        Session {
            sid: sid.clone(),
            pid: pid.clone(),
            acr: acr.clone(),
            auth_time: now,
            last_used: now,
        },
        now,
    );
    issue_code(
        &state,
        request,
        pid,
        acr,
        sid,
        now,
        Some(session_cookie(&cookie)),
    )
}
