//! The authorize endpoint of each generation (RFC 6749 §4.1 with PKCE S256, `state` and `nonce` required, errors
//! sent back with `iss`), the login page where a test person is typed or picked, and the SSO session cookie that
//! lets a second login skip the page.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{RawForm, RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Duration;
use cookie::{Cookie, SameSite};

use super::auth_request::validate;
use super::grants::{
    AuthRequest, LOGIN_LIFETIME_SECS, Login, Person, SSO_COOKIE, Session, lock, random_token,
};
use super::html::{self, LoginPage, PersonChoice};
use super::issue::{after_login, issue_code};
use super::reply::{RepeatedParameter, error_page, no_store, params, redirect_error};
use super::state::State;
use super::testid::{AMR_EMAIL, EMAIL_ACR, parse_hint};
use super::urls;
use crate::krr::login::{acr_levels, acr_satisfies};
use crate::krr::{Lang, NationalId, ScopeDialect};

type S = AxState<Arc<State>>;

/// A level this generation offers that satisfies `want`: what a login may be at (the emulator never issues a
/// level its generation does not list, such as `eidas-loa-high`).
fn offered_and_satisfies(dialect: ScopeDialect, have: &str, want: &str) -> bool {
    acr_levels(dialect).contains(&have) && acr_satisfies(have, want)
}

/// Whether a login at `acr` answers this request: an offered level at least as high as asked, or an e-mail login
/// when `acr_values` named `selfregistered-email`.
fn acr_acceptable(r: &AuthRequest, acr: &str) -> bool {
    (r.email_ok && acr == EMAIL_ACR) || offered_and_satisfies(r.dialect, acr, &r.min_acr)
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
    // A pushed request (RFC 9126 §4): its stored parameters stand for the query's.
    let pushed = p.contains_key("request_uri");
    let p = match p.get("request_uri") {
        Some(uri) => match super::par::take(&state, dialect, uri, p.get("client_id")) {
            Ok(stored) => stored,
            Err(page) => return page,
        },
        None => p,
    };
    let request = match validate(&state, dialect, &p) {
        Ok(r) => r,
        Err(refusal) => return refusal.at_authorize(&issuer),
    };
    if !pushed && super::par::required(&state, &request.client_id) {
        return error_page(
            StatusCode::BAD_REQUEST,
            request.lang,
            "Pushed authorization request required",
            &format!(
                "Client '{}' must push its authorization request to the PAR endpoint first (RFC 9126 §6).",
                request.client_id
            ),
        );
    }
    let prompt = p.get("prompt").map(String::as_str);

    // ID-porten's test environments log a `testid:` hint's person in at once, with implicit consent; other
    // hints are ignored. It comes before SSO: the hint names who logs in.
    if let Some(rest) = p.get("login_hint").and_then(|h| h.strip_prefix("testid:")) {
        return testid_login(&state, request, rest);
    }

    let session =
        session_from_cookie(&state, &headers).filter(|(_, s)| acr_acceptable(&request, &s.acr));
    match (prompt, session) {
        (Some("login"), _) => {}
        (_, Some((_, session))) => {
            let Session {
                sid,
                person,
                acr,
                auth_time,
                ..
            } = session;
            let login = Login {
                request,
                person,
                acr,
                sid,
                auth_time,
            };
            return after_login(&state, login, None);
        }
        (Some("none"), None) => {
            return redirect_error(
                &request.redirect_uri,
                "login_required",
                "no single sign-on session: the person must log in",
                Some(&request.state),
                &issuer,
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
        .chain(r.email_ok.then_some(EMAIL_ACR))
        .filter(|l| acr_acceptable(r, l))
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
        email_login: r.email_ok,
    })
}

/// The headless TestID login: a valid hint's person is logged in at the hint's level and the code sent back at
/// once (302, no page, implicit consent). A malformed hint, or a level lower than `acr_values` asks for, is
/// `invalid_request` on the redirect (the emulator's reading of ID-porten: the hint cannot be honoured, and there
/// is no person at the screen to ask). A valid id not in the data is a person the register does not know. It
/// starts no SSO session: a headless client keeps no cookies.
fn testid_login(state: &State, request: AuthRequest, rest: &str) -> Response {
    let issuer = urls::issuer(request.dialect, &state.base_url);
    let hint = parse_hint(request.dialect, rest).map_err(|e| e.to_string());
    let hint = hint.and_then(|h| {
        if acr_acceptable(&request, &h.acr) {
            Ok(h)
        } else {
            Err(format!(
                "login_hint: acr '{}' is lower than acr_values asks for ('{}')",
                h.acr, request.min_acr
            ))
        }
    });
    let mut response = match hint {
        Ok(h) => {
            let now = state.now();
            let login = Login {
                request,
                person: Person::testid(&h.pid),
                acr: h.acr,
                sid: random_token(),
                auth_time: now,
            };
            issue_code(state, login, None)
        }
        Err(description) => redirect_error(
            &request.redirect_uri,
            "invalid_request",
            &description,
            Some(&request.state),
            &issuer,
        ),
    };
    // What ID-porten sends: 302 Found, read from `Location` by a client that does not follow it.
    *response.status_mut() = StatusCode::FOUND;
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
    let acr = p
        .get("acr")
        .filter(|a| acr_acceptable(&request, a))
        .cloned()
        .unwrap_or_else(|| request.min_acr.clone());
    // An e-mail login has no national id: what is typed is the address, and the token carries no pid.
    let person = if acr == EMAIL_ACR {
        Person {
            pid: None,
            subject: format!("email:{typed}"),
            amr: AMR_EMAIL,
        }
    } else {
        match NationalId::parse(&pid) {
            Ok(_) => Person::testid(&pid),
            Err(e) => {
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
        }
    };
    // The cookie is the secret that finds the session; `sid` is what the id_token may show.
    let (cookie, sid) = (random_token(), random_token());
    let now = state.now();
    state.stats.logins.fetch_add(1, Ordering::Relaxed);
    state.grants.start_session(
        &cookie,
        Session {
            sid: sid.clone(),
            person: person.clone(),
            acr: acr.clone(),
            auth_time: now,
            last_used: now,
        },
        now,
    );
    let login = Login {
        request,
        person,
        acr,
        sid,
        auth_time: now,
    };
    after_login(&state, login, Some(session_cookie(&cookie)))
}
