//! The OpenID provider side: discovery, authorize (with the login page and an SSO session), token (authorization
//! code with PKCE S256, refresh), JWKS, userinfo and logout; errors as ID-porten gives them (RFC 6749, RFC 9207).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Json;
use axum::extract::{RawForm, RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::html::{self, LoginPage, PersonChoice};
use super::{
    CODE_LIFETIME_SECS, Generation, LOGIN_LIFETIME_SECS, MAX_ENTRIES, REFRESH_LIFETIME_SECS,
    SSO_IDLE_SECS, SSO_MAX_SECS, State, lock, random_token,
};
use crate::jose::jwt;
use crate::krr::scopes::{SCOPES, scope_info};
use crate::krr::{Lang, NationalId};

type S = AxState<Arc<State>>;

const SSO_COOKIE: &str = "krr_emulator_sso";

/// A client the emulator knows.
#[derive(Clone, Debug)]
pub struct Client {
    pub client_id: String,
    pub secret: Option<String>,
    pub methods: Vec<String>,
    pub redirect_uris: Vec<String>,
}

/// The built-in clients plus those of the data file.
pub fn clients(data: &super::EmulatorData) -> Vec<Client> {
    let mut out = vec![
        Client {
            client_id: "krr-inspector".into(),
            secret: None,
            methods: vec!["none".into()],
            redirect_uris: Vec::new(),
        },
        Client {
            client_id: "demo-client".into(),
            secret: Some("demo-secret".into()),
            methods: vec!["client_secret_basic".into(), "client_secret_post".into()],
            redirect_uris: Vec::new(),
        },
    ];
    out.extend(data.clients.iter().map(|c| Client {
        client_id: c.client_id.clone(),
        secret: c.client_secret.clone(),
        methods: c.auth_methods.clone(),
        redirect_uris: c.redirect_uris.clone(),
    }));
    out
}

impl Client {
    /// RFC 8252 §7.3: exactly `http://127.0.0.1:{port}/{any path}` (or `[::1]`), port 1-65535, plus the exact
    /// URIs registered.
    pub fn redirect_allowed(&self, uri: &str) -> Result<(), String> {
        if self.redirect_uris.iter().any(|u| u == uri) {
            return Ok(());
        }
        let parsed =
            url::Url::parse(uri).map_err(|e| format!("redirect_uri '{uri}' is not a URL: {e}"))?;
        if parsed.fragment().is_some() {
            return Err("redirect_uri must not have a fragment (RFC 6749 §3.1.2)".into());
        }
        if is_loopback_redirect(uri, &parsed) {
            return Ok(());
        }
        if parsed.host_str() == Some("localhost") {
            return Err(format!(
                "redirect_uri '{uri}' uses 'localhost'; use the IP literal http://127.0.0.1:PORT/... (RFC 8252 §7.3)"
            ));
        }
        Err(format!(
            "redirect_uri '{uri}' is not registered for client '{}': it allows http://127.0.0.1:{{any port}}/{{any path}}",
            self.client_id
        ))
    }
}

/// The raw string itself must read `http://127.0.0.1:PORT/` or `http://[::1]:PORT/` (the `url` crate would
/// normalise `127.1`, `0x7f.1`, `http:/`, backslashes, tabs and userinfo into something that looks loopback), and
/// its parse must agree: that host, that port, no userinfo.
fn is_loopback_redirect(raw: &str, parsed: &url::Url) -> bool {
    let Some((host, rest)) = ["127.0.0.1", "[::1]"].iter().find_map(|h| {
        Some((
            *h,
            raw.strip_prefix("http://")?
                .strip_prefix(h)?
                .strip_prefix(':')?,
        ))
    }) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (port, path) = rest.split_at(digits);
    let port = match port.parse::<u16>() {
        Ok(p) if p >= 1 && !port.starts_with('0') => p,
        _ => return false,
    };
    let clean = raw.bytes().all(|b| b > b' ' && b != 0x7f && b != b'\\');
    let host_ok = match (host, parsed.host()) {
        ("127.0.0.1", Some(url::Host::Ipv4(ip))) => ip == std::net::Ipv4Addr::LOCALHOST,
        ("[::1]", Some(url::Host::Ipv6(ip))) => ip == std::net::Ipv6Addr::LOCALHOST,
        _ => false,
    };
    clean
        && path.starts_with('/')
        && host_ok
        && parsed.scheme() == "http"
        && parsed.port_or_known_default() == Some(port)
        && parsed.username().is_empty()
        && parsed.password().is_none()
}

/// A validated authorization request waiting for the person to log in.
#[derive(Clone, Debug)]
pub struct AuthRequest {
    pub generation: Generation,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub scopes: Vec<String>,
    pub code_challenge: String,
    pub min_acr: String,
    pub lang: Lang,
    pub locale: String,
    pub created: DateTime<Utc>,
}

/// One login: what its code and refresh grants share (one allocation, not a copy per grant).
#[derive(Debug)]
pub struct Login {
    pub request: AuthRequest,
    pub pid: String,
    pub acr: String,
    pub sid: String,
    pub auth_time: DateTime<Utc>,
}

/// What one redeemed code started: the access tokens issued from it and its refresh tokens, so that a replay of
/// the code can revoke them all (RFC 6749 §4.1.2).
#[derive(Debug, Default)]
pub struct Grant {
    pub revoked: AtomicBool,
    /// `jti` and `exp` of every access token issued from the code, directly or by refresh.
    pub access_tokens: std::sync::Mutex<Vec<(String, i64)>>,
}

#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub login: Arc<Login>,
    pub issued: DateTime<Utc>,
}

/// An SSO session, found by the cookie's SHA-256. Its `sid` (the id_token claim) is a separate random value:
/// the cookie never leaves the browser and the emulator.
#[derive(Clone, Debug)]
pub struct Session {
    pub sid: String,
    pub pid: String,
    pub acr: String,
    pub auth_time: DateTime<Utc>,
    pub last_used: DateTime<Utc>,
}

impl Session {
    /// Idle for more than 30 minutes, or older than 120 (the emulator's choice, see SECURITY.md).
    fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.last_used > Duration::seconds(SSO_IDLE_SECS)
            || now - self.auth_time > Duration::seconds(SSO_MAX_SECS)
    }
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub login: Arc<Login>,
    pub grant: Arc<Grant>,
    pub issued: DateTime<Utc>,
}

/// Logins waiting for the person, oldest first. Bounded by forgetting the oldest: a flood of `/authorize` costs
/// the flooder's own pending logins (and the oldest others), never every new login.
#[derive(Debug, Default)]
pub struct PendingLogins {
    by_id: std::collections::HashMap<String, (u64, AuthRequest)>,
    order: BTreeMap<u64, String>,
    next: u64,
}

impl PendingLogins {
    fn pop_oldest(&mut self) {
        if let Some((_, id)) = self.order.pop_first() {
            self.by_id.remove(&id);
        }
    }

    /// Adds a login; first forgets expired ones, then the oldest while there are `cap` or more.
    pub fn insert(&mut self, id: String, request: AuthRequest, cap: usize, cutoff: DateTime<Utc>) {
        while let Some((_, oldest)) = self.order.first_key_value() {
            if self
                .by_id
                .get(oldest)
                .is_some_and(|(_, r)| r.created > cutoff)
            {
                break;
            }
            self.pop_oldest();
        }
        while self.by_id.len() >= cap.max(1) {
            self.pop_oldest();
        }
        self.next += 1;
        self.order.insert(self.next, id.clone());
        if let Some((old, _)) = self.by_id.insert(id, (self.next, request)) {
            self.order.remove(&old);
        }
    }

    /// Takes a login that has not expired.
    pub fn take(&mut self, id: &str, cutoff: DateTime<Utc>) -> Option<AuthRequest> {
        let (seq, request) = self.by_id.remove(id)?;
        self.order.remove(&seq);
        (request.created > cutoff).then_some(request)
    }
}

/// Codes and refresh tokens are looked up by their SHA-256: the tables never hold the tokens themselves, and an
/// entry costs no allocation for its key.
pub(crate) fn token_key(token: &str) -> [u8; 32] {
    openssl::sha::sha256(token.as_bytes())
}

/// Query or form parameters; a repeated parameter is an error (RFC 6749 §3.1).
fn params(raw: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("the parameter '{k}' is repeated"));
        }
    }
    Ok(out)
}

fn error_page(status: StatusCode, lang: Lang, heading: &str, message: &str) -> Response {
    (status, Html(html::error_page(lang, heading, message))).into_response()
}

/// Sends an authorization error back to the client (state and iss included, RFC 6749 §4.1.2.1, RFC 9207).
fn redirect_error(
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

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
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

/// `idporten-loa-high` satisfies a request for `idporten-loa-substantial`; unknown levels satisfy nothing.
fn acr_satisfies(generation: Generation, have: &str, want: &str) -> bool {
    let levels = generation.acr_levels();
    match (
        levels.iter().position(|l| *l == have),
        levels.iter().position(|l| *l == want),
    ) {
        (Some(h), Some(w)) => h >= w,
        _ => false,
    }
}

/// The SSO session the cookie names, if it has not expired; using it counts as activity.
fn session_from_cookie(state: &State, headers: &HeaderMap) -> Option<([u8; 32], Session)> {
    let cookies = headers.get_all(header::COOKIE);
    let cookie = cookies
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == SSO_COOKIE).then(|| value.to_owned())
        })?;
    let key = token_key(&cookie);
    let now = state.now();
    let mut sessions = lock(&state.sessions);
    let session = sessions.get_mut(&key)?;
    if session.expired(now) {
        sessions.remove(&key);
        return None;
    }
    session.last_used = now;
    Some((key, session.clone()))
}

pub async fn authorize_digdir(s: S, headers: HeaderMap, q: RawQuery) -> Response {
    authorize(s, Generation::Digdir, headers, q).await
}

pub async fn authorize_difi(s: S, headers: HeaderMap, q: RawQuery) -> Response {
    authorize(s, Generation::Difi, headers, q).await
}

async fn authorize(
    AxState(state): S,
    generation: Generation,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let issuer = generation.issuer(&state.base_url);
    let p = match params(q.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, Lang::En, "Invalid request", &e),
    };
    let lang = p
        .get("ui_locales")
        .and_then(|l| l.split_whitespace().find_map(|x| x.parse::<Lang>().ok()))
        .unwrap_or(Lang::Nb);
    let locale = p
        .get("ui_locales")
        .and_then(|l| {
            l.split_whitespace()
                .find(|x| matches!(*x, "nb" | "nn" | "en" | "se"))
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
        return error_page(StatusCode::BAD_REQUEST, lang, "Invalid redirect_uri", &why);
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
        None => generation.default_acr().to_owned(),
        Some(v) => {
            // The lowest acceptable level of those asked for.
            let asked: Vec<&str> = v.split_whitespace().collect();
            match generation.acr_levels().iter().find(|l| asked.contains(l)) {
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
        generation,
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
        .filter(|(_, s)| acr_satisfies(generation, &s.acr, &request.min_acr));
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
    lock(&state.pending).insert(id, request, state.max_pending_logins, cutoff);
    (no_store(), Html(page)).into_response()
}

fn login_page(
    state: &State,
    id: &str,
    r: &AuthRequest,
    typed: &str,
    error: Option<String>,
) -> String {
    let data = state
        .data
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let persons: Vec<(String, String)> = data
        .order
        .iter()
        .map(|pid| {
            let shows = &data.persons[pid].shows;
            (pid.clone(), r.lang.pick(&shows.0, &shows.1).to_owned())
        })
        .collect();
    let levels: Vec<&str> = r
        .generation
        .acr_levels()
        .iter()
        .copied()
        .filter(|l| acr_satisfies(r.generation, l, &r.min_acr))
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

fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
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
    let code = random_token();
    let issuer = request.generation.issuer(&state.base_url);
    let (redirect_uri, st) = (request.redirect_uri.clone(), request.state.clone());
    {
        let mut codes = lock(&state.codes);
        let cutoff = state.now() - Duration::seconds(CODE_LIFETIME_SECS);
        codes.retain(|_, c| c.issued > cutoff);
        if codes.len() >= MAX_ENTRIES {
            return redirect_error(
                &redirect_uri,
                "temporarily_unavailable",
                "too many codes outstanding",
                Some(&st),
                &issuer,
            );
        }
        codes.insert(
            token_key(&code),
            CodeGrant {
                login: Arc::new(Login {
                    request,
                    pid,
                    acr,
                    sid,
                    auth_time,
                }),
                issued: state.now(),
            },
        );
    }
    state
        .stats
        .codes
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut response = redirect_with(
        &redirect_uri,
        &[("code", &code), ("state", &st), ("iss", &issuer)],
    );
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Issues `n` codes as if `pid` had logged in for `client_id` (for load tests of the token endpoint).
pub(crate) fn mint_codes(
    state: &State,
    n: usize,
    mint: &super::admin::MintCodes,
) -> Result<Vec<String>, String> {
    let client = state
        .clients
        .iter()
        .find(|c| c.client_id == mint.client_id)
        .ok_or("unknown client_id")?;
    client.redirect_allowed(&mint.redirect_uri)?;
    NationalId::parse(&mint.pid).map_err(|e| e.to_string())?;
    let now = state.now();
    let request = AuthRequest {
        generation: Generation::Digdir,
        client_id: mint.client_id.clone(),
        redirect_uri: mint.redirect_uri.clone(),
        state: "minted".into(),
        nonce: "minted".into(),
        scopes: mint.scope.split_whitespace().map(str::to_owned).collect(),
        code_challenge: mint.code_challenge.clone(),
        min_acr: Generation::Digdir.default_acr().into(),
        lang: Lang::En,
        locale: "nb".into(),
        created: now,
    };
    let mut codes = lock(&state.codes);
    let cutoff = now - Duration::seconds(CODE_LIFETIME_SECS);
    codes.retain(|_, c| c.issued > cutoff);
    if codes
        .len()
        .checked_add(n)
        .is_none_or(|total| total > MAX_ENTRIES)
    {
        return Err(format!(
            "count {n} is too many: at most {MAX_ENTRIES} codes may be outstanding, and {} are",
            codes.len()
        ));
    }
    let login = Arc::new(Login {
        acr: request.min_acr.clone(),
        request,
        pid: mint.pid.clone(),
        sid: random_token(),
        auth_time: now,
    });
    Ok((0..n)
        .map(|_| {
            let code = random_token();
            let grant = CodeGrant {
                login: login.clone(),
                issued: now,
            };
            codes.insert(token_key(&code), grant);
            code
        })
        .collect())
}

/// The login form's submission: log in as the typed or picked person, or cancel.
pub async fn login(AxState(state): S, RawForm(body): RawForm) -> Response {
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, Lang::En, "Invalid request", &e),
    };
    let id = p.get("request").cloned().unwrap_or_default();
    let cutoff = state.now() - Duration::seconds(LOGIN_LIFETIME_SECS);
    let Some(request) = lock(&state.pending).take(&id, cutoff) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            Lang::En,
            "Login expired",
            "This login has expired or was already used. Start again from the application.",
        );
    };
    let issuer = request.generation.issuer(&state.base_url);
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
        lock(&state.pending).insert(id, request, state.max_pending_logins, cutoff);
        return (StatusCode::UNPROCESSABLE_ENTITY, no_store(), Html(page)).into_response();
    }
    let acr = p
        .get("acr")
        .filter(|a| acr_satisfies(request.generation, a, &request.min_acr))
        .cloned()
        .unwrap_or_else(|| request.min_acr.clone());
    // The cookie is the secret that finds the session; `sid` is what the id_token may show.
    let (cookie, sid) = (random_token(), random_token());
    let now = state.now();
    state
        .stats
        .logins
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    {
        let mut sessions = lock(&state.sessions);
        if sessions.len() >= MAX_ENTRIES {
            sessions.retain(|_, s| !s.expired(now));
        }
        if sessions.len() >= MAX_ENTRIES
            && let Some(key) = sessions
                .iter()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| *k)
        {
            sessions.remove(&key);
        }
        sessions.insert(
            token_key(&cookie),
            Session {
                sid: sid.clone(),
                pid: pid.clone(),
                acr: acr.clone(),
                auth_time: now,
                last_used: now,
            },
        );
    }
    let cookie = format!("{SSO_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax");
    issue_code(&state, request, pid, acr, sid, now, Some(cookie))
}

/// RFC 6749 §5.2 error JSON.
fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        no_store(),
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn invalid_client(description: &str, basic_attempted: bool) -> Response {
    let mut r = token_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    if basic_attempted {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"krr-emulator\""),
        );
    }
    r
}

/// Authenticates the client by the method it used; returns the client or the error response.
#[allow(clippy::result_large_err)] // a handler step's natural error is the response to send
fn authenticate_client<'a>(
    state: &'a State,
    headers: &HeaderMap,
    p: &BTreeMap<String, String>,
) -> Result<&'a Client, Response> {
    let find = |id: &str| state.clients.iter().find(|c| c.client_id == id);
    let secret_ok = |c: &Client, given: &str| {
        c.secret
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), given.as_bytes()))
    };
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let decoded = auth
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
            .and_then(|b| STANDARD.decode(b.trim()).ok())
            .and_then(|b| String::from_utf8(b).ok());
        let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            return Err(invalid_client(
                "the Authorization header is not valid HTTP Basic",
                true,
            ));
        };
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        let id: String = url::form_urlencoded::parse(format!("a={id}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .next()
            .unwrap_or_default();
        let secret: String = url::form_urlencoded::parse(format!("a={secret}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .next()
            .unwrap_or_default();
        return match find(&id) {
            Some(c)
                if c.methods.iter().any(|m| m == "client_secret_basic")
                    && secret_ok(c, &secret) =>
            {
                Ok(c)
            }
            Some(c) if !c.methods.iter().any(|m| m == "client_secret_basic") => {
                Err(invalid_client(
                    &format!("client '{id}' does not use client_secret_basic"),
                    true,
                ))
            }
            _ => Err(invalid_client("unknown client or wrong secret", true)),
        };
    }
    let Some(id) = p.get("client_id") else {
        return Err(invalid_client(
            "no client authentication: send client_id (and a secret if the client has one)",
            false,
        ));
    };
    match (find(id), p.get("client_secret")) {
        (Some(c), Some(secret))
            if c.methods.iter().any(|m| m == "client_secret_post") && secret_ok(c, secret) =>
        {
            Ok(c)
        }
        (Some(c), Some(_)) if !c.methods.iter().any(|m| m == "client_secret_post") => {
            Err(invalid_client(
                &format!("client '{id}' does not use client_secret_post"),
                false,
            ))
        }
        (Some(c), None) if c.methods.iter().any(|m| m == "none") => Ok(c),
        (Some(_), None) => Err(invalid_client(
            &format!("client '{id}' must authenticate"),
            false,
        )),
        _ => Err(invalid_client("unknown client or wrong secret", false)),
    }
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a, b)
}

pub async fn token_digdir(s: S, headers: HeaderMap, form: RawForm) -> Response {
    token(s, Generation::Digdir, headers, form).await
}

pub async fn token_difi(s: S, headers: HeaderMap, form: RawForm) -> Response {
    token(s, Generation::Difi, headers, form).await
}

async fn token(
    AxState(state): S,
    generation: Generation,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => return token_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let client = match authenticate_client(&state, &headers, &p) {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    match p.get("grant_type").map(String::as_str) {
        Some("authorization_code") => code_grant(&state, generation, &client, &p),
        Some("refresh_token") => refresh_grant(&state, generation, &client, &p),
        Some(other) => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type '{other}' is not supported"),
        ),
        None => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is missing",
        ),
    }
}

fn code_grant(
    state: &State,
    generation: Generation,
    client: &Client,
    p: &BTreeMap<String, String>,
) -> Response {
    let bad = |d: &str| token_error(StatusCode::BAD_REQUEST, "invalid_grant", d);
    let Some(code) = p.get("code") else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code is missing",
        );
    };
    // Removed on first use: a code is single-use whatever happens next.
    let key = token_key(code);
    let Some(grant) = lock(&state.codes).remove(&key) else {
        let replayed = lock(&state.used_codes).get(&key).map(|(g, _)| g.clone());
        if let Some(family) = replayed {
            revoke(state, &family);
            return bad(
                "the code was already used: the tokens issued from it are now revoked (RFC 6749 §4.1.2)",
            );
        }
        return bad("the code is unknown, expired or already used");
    };
    let now = state.now();
    if now - grant.issued > Duration::seconds(CODE_LIFETIME_SECS) {
        return bad("the code has expired (codes live 60 seconds)");
    }
    if grant.login.request.client_id != client.client_id {
        return bad("the code was issued to another client");
    }
    if grant.login.request.generation != generation {
        return bad("the code was issued by the other issuer");
    }
    if p.get("redirect_uri") != Some(&grant.login.request.redirect_uri) {
        return bad("redirect_uri does not match the one in the authorization request");
    }
    let Some(verifier) = p.get("code_verifier") else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code_verifier is missing (PKCE is required)",
        );
    };
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code_verifier must be 43-128 unreserved characters",
        );
    }
    let challenge = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()));
    if !constant_time_eq(
        challenge.as_bytes(),
        grant.login.request.code_challenge.as_bytes(),
    ) {
        return bad(
            "PKCE verification failed: the code_verifier does not match the code_challenge",
        );
    }
    let (l, r) = (&grant.login, &grant.login.request);
    let id_claims = json!({
        "sub": pairwise_sub(&l.pid, &r.client_id),
        "aud": r.client_id,
        "pid": l.pid,
        "acr": l.acr,
        "amr": ["TestID"],
        "nonce": r.nonce,
        "locale": r.locale,
        "auth_time": l.auth_time.timestamp(),
        "sid": l.sid,
    });
    let family = Arc::new(Grant::default());
    let refresh = RefreshGrant {
        login: grant.login.clone(),
        grant: family.clone(),
        issued: now,
    };
    let response = token_response(state, generation, refresh, Some(id_claims));
    if response.status().is_success() {
        let mut used = lock(&state.used_codes);
        if used.len() >= MAX_ENTRIES {
            let cutoff = now - Duration::seconds(REFRESH_LIFETIME_SECS);
            used.retain(|_, (_, at)| *at > cutoff);
        }
        if used.len() < MAX_ENTRIES {
            used.insert(key, (family, now));
        }
    }
    response
}

/// A replayed code: its access tokens fail from now on, its refresh tokens are refused.
fn revoke(state: &State, family: &Grant) {
    // Under the list's lock, so that no token issued meanwhile escapes (see `token_response`).
    let tokens = {
        let mut list = lock(&family.access_tokens);
        family.revoked.store(true, Ordering::Relaxed);
        std::mem::take(&mut *list)
    };
    let now = state.now().timestamp();
    let mut revoked = lock(&state.revoked_access);
    if revoked.len() >= MAX_ENTRIES {
        revoked.retain(|_, exp| *exp > now);
    }
    revoked.extend(tokens);
    tracing::info!("a code was used twice: the tokens issued from it are revoked");
}

fn refresh_grant(
    state: &State,
    generation: Generation,
    client: &Client,
    p: &BTreeMap<String, String>,
) -> Response {
    let bad = |d: &str| token_error(StatusCode::BAD_REQUEST, "invalid_grant", d);
    let Some(token) = p.get("refresh_token") else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token is missing",
        );
    };
    // Rotated: each refresh token works once.
    let Some(grant) = lock(&state.refresh).remove(&token_key(token)) else {
        return bad("the refresh token is unknown or already used");
    };
    if state.now() - grant.issued > Duration::seconds(REFRESH_LIFETIME_SECS) {
        return bad("the refresh token has expired (they live 600 seconds)");
    }
    if grant.login.request.client_id != client.client_id
        || grant.login.request.generation != generation
    {
        return bad("the refresh token was issued to another client or by the other issuer");
    }
    if grant.grant.revoked.load(Ordering::Relaxed) {
        return bad("the refresh token was revoked: the code it came from was used twice");
    }
    token_response(
        state,
        generation,
        RefreshGrant {
            issued: state.now(),
            ..grant
        },
        None,
    )
}

fn pairwise_sub(pid: &str, client_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(
        format!("krr-emulator:{client_id}:{pid}").as_bytes(),
    ))
}

fn token_response(
    state: &State,
    generation: Generation,
    refresh: RefreshGrant,
    id_claims: Option<Value>,
) -> Response {
    let faults = state.faults();
    let now = state.now();
    let (iat, exp) = if faults.expired_tokens {
        (now - Duration::seconds(300), now - Duration::seconds(60))
    } else {
        (now, now + state.token_lifetime)
    };
    let issuer = generation.issuer(&state.base_url);
    let kid = if faults.wrong_kid {
        "unknown-kid"
    } else {
        &state.keys.token_kid
    };
    let scope = refresh.login.request.scopes.join(" ");
    let jti = random_token();
    {
        let mut issued = lock(&refresh.grant.access_tokens);
        if refresh.grant.revoked.load(Ordering::Relaxed) {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the grant was revoked: its code was used twice",
            );
        }
        issued.push((jti.clone(), exp.timestamp()));
    }
    let access_claims = json!({
        "iss": issuer,
        "client_id": refresh.login.request.client_id,
        "scope": scope,
        "pid": refresh.login.pid,
        "acr": refresh.login.acr,
        "iat": iat.timestamp(),
        "exp": exp.timestamp(),
        "jti": jti,
    });
    let Ok(access_token) = jwt::sign(&access_claims, &state.keys.token_key, kid) else {
        return token_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "could not sign the access token",
        );
    };
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": (exp - now).num_seconds().max(0),
        "scope": scope,
    });
    if let Some(mut claims) = id_claims
        && let Some(obj) = claims.as_object_mut()
    {
        obj.insert("iss".into(), json!(issuer));
        obj.insert("iat".into(), json!(iat.timestamp()));
        obj.insert("exp".into(), json!(exp.timestamp()));
        obj.insert("jti".into(), json!(random_token()));
        match jwt::sign(&claims, &state.keys.token_key, kid) {
            Ok(t) => body["id_token"] = json!(t),
            Err(_) => {
                return token_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "could not sign the id_token",
                );
            }
        }
    }
    let refresh_token = random_token();
    {
        let mut table = lock(&state.refresh);
        let cutoff = now - Duration::seconds(REFRESH_LIFETIME_SECS);
        table.retain(|_, g| g.issued > cutoff);
        if table.len() < MAX_ENTRIES {
            table.insert(token_key(&refresh_token), refresh);
            body["refresh_token"] = json!(refresh_token);
        }
    }
    (no_store(), Json(body)).into_response()
}

pub async fn jwks(AxState(state): S) -> Response {
    Json(state.keys.token_jwks()).into_response()
}

pub async fn discovery_digdir(s: S) -> Response {
    discovery(s, Generation::Digdir)
}

pub async fn discovery_difi(s: S) -> Response {
    discovery(s, Generation::Difi)
}

fn discovery(AxState(state): S, generation: Generation) -> Response {
    let issuer = generation.issuer(&state.base_url);
    let (authorize, token, jwks, userinfo, logout) = match generation {
        Generation::Digdir => {
            let b = &state.base_url;
            (
                format!("{b}/authorize"),
                format!("{b}/token"),
                format!("{b}/jwks.json"),
                format!("{b}/userinfo"),
                format!("{b}/logout"),
            )
        }
        Generation::Difi => (
            format!("{issuer}authorize"),
            format!("{issuer}token"),
            format!("{issuer}jwk"),
            format!("{issuer}userinfo"),
            format!("{issuer}endsession"),
        ),
    };
    let scopes: Vec<&str> = SCOPES.iter().map(|s| s.name).collect();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": authorize,
        "token_endpoint": token,
        "jwks_uri": jwks,
        "userinfo_endpoint": userinfo,
        "end_session_endpoint": logout,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": scopes,
        "acr_values_supported": generation.acr_levels(),
        "ui_locales_supported": ["nb", "nn", "en", "se"],
        "claims_supported": ["iss", "sub", "aud", "pid", "acr", "amr", "nonce", "locale", "auth_time", "sid", "exp", "iat", "jti"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "frontchannel_logout_supported": false,
    }))
    .into_response()
}

/// Verifies a bearer access token: signature by the provider's key, an issuer of this emulator, not expired.
pub(crate) fn check_access_token(
    state: &State,
    headers: &HeaderMap,
) -> Result<serde_json::Map<String, Value>, String> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or("no access token: send Authorization: Bearer <token>")?;
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not text")?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("the Authorization header is not 'Bearer <token>'")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("the Authorization scheme is not Bearer".into());
    }
    let verified = jwt::verify(token.trim(), &state.token_keys)
        .map_err(|e| format!("the access token is not valid: {e}"))?;
    let claims = verified.claims;
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    if iss != Generation::Digdir.issuer(&state.base_url)
        && iss != Generation::Difi.issuer(&state.base_url)
    {
        return Err(format!(
            "the access token was issued by '{iss}', not by this provider"
        ));
    }
    if !claims.contains_key("scope") || !claims.contains_key("client_id") {
        return Err("this is not an access token (an id_token?)".into());
    }
    if let Some(jti) = claims.get("jti").and_then(Value::as_str)
        && lock(&state.revoked_access).contains_key(jti)
    {
        return Err(
            "the access token was revoked: the authorization code it came from was used twice"
                .into(),
        );
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("the access token has no exp")?;
    if exp <= state.now().timestamp() {
        return Err(format!(
            "the access token expired {} s ago",
            state.now().timestamp() - exp
        ));
    }
    Ok(claims)
}

pub async fn userinfo(AxState(state): S, headers: HeaderMap) -> Response {
    match check_access_token(&state, &headers) {
        Ok(claims) => {
            let pid = claims.get("pid").and_then(Value::as_str).unwrap_or("");
            let client = claims
                .get("client_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            Json(json!({"sub": pairwise_sub(pid, client), "pid": pid, "locale": "nb"}))
                .into_response()
        }
        Err(why) => {
            super::register::bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", &why, None)
        }
    }
}

/// Ends the SSO session; redirects to `post_logout_redirect_uri` when it is one a client may use.
pub async fn logout(AxState(state): S, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let p = params(q.unwrap_or_default().as_bytes()).unwrap_or_default();
    if let Some((key, _)) = session_from_cookie(&state, &headers) {
        lock(&state.sessions).remove(&key);
    }
    let expire = HeaderValue::from_str(&format!(
        "{SSO_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    ))
    .ok();
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
        None => Html(html::page(
            Lang::En,
            "Logged out",
            "<h1>Logged out</h1><p>The single sign-on session has ended.</p>",
        ))
        .into_response(),
    };
    if let Some(v) = expire {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
