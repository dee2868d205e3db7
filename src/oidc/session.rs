//! The session after the login, from the client's side: userinfo (OpenID Connect Core §5.3, the access token as a
//! bearer), introspection (RFC 7662) and revocation (RFC 7009) with the client's authentication, and RP-initiated
//! logout (OpenID Connect RP-Initiated Logout 1.0): `id_token_hint`, a `post_logout_redirect_uri` on a loopback
//! listener bound first, a random `state` checked on the return. A headless (TestID) session's logout is sent by
//! the tool itself and its redirect judged as the listener would judge it, as `headless` does for the login.
//! Refresh is [`super::refresh`]. Every call is recorded with its secrets (`token`, `id_token_hint`) redacted.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::backchannel::{FormPost, post_form};
use super::browser::{self, BrowserChoice};
use super::callback::{self, CallbackListener, Expected, Judgement};
use super::client_auth::ClientAuth;
use super::http::{self, HttpError, HttpExchange, redact_headers, redact_json};
use super::resource::{self, ResourceError};
use super::{LoginError, ProviderMetadata, Secret, random_url_safe};
use crate::krr::Lang;

/// Why a call after the login did not give its answer. Each message says what to try.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error(
        "the provider's discovery document has no {0}: this provider does not offer it (nothing was sent)"
    )]
    NoEndpoint(&'static str),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("the {endpoint} refused the request (HTTP {status}): {error}{}", if .description.is_empty() { String::new() } else { format!(" ({description})") })]
    Refused {
        endpoint: &'static str,
        status: u16,
        error: String,
        description: String,
    },
    #[error("the token endpoint refused the refresh token: {error}{}; log in again for a new one", if .description.is_empty() { String::new() } else { format!(" ({description})") })]
    RefreshRefused { error: String, description: String },
    #[error("the {endpoint}'s answer is not what {spec} says: {detail}")]
    Unreadable {
        endpoint: &'static str,
        spec: &'static str,
        detail: String,
    },
    #[error(
        "the provider did not send the browser back to {uri} after the logout (it answered {status}): is this \
         post_logout_redirect_uri registered for the client? The provider's session may still have ended"
    )]
    NoLogoutRedirect { status: u16, uri: String },
}

fn endpoint<'a>(url: &'a Option<String>, name: &'static str) -> Result<&'a str, SessionError> {
    url.as_deref().ok_or(SessionError::NoEndpoint(name))
}

/// RFC 7009 §2.1 / RFC 7662 §2.1 `token_type_hint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenHint {
    AccessToken,
    RefreshToken,
}

impl TokenHint {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenHint::AccessToken => "access_token",
            TokenHint::RefreshToken => "refresh_token",
        }
    }
}

/// GET userinfo with the access token (Bearer, or DPoP with a proof by the session's key); the claims.
pub async fn userinfo(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    access_token: &Secret,
    dpop: Option<&super::DpopKey>,
) -> (Result<Map<String, Value>, SessionError>, HttpExchange) {
    let url = match endpoint(&provider.userinfo_endpoint, "userinfo_endpoint") {
        Ok(u) => u.to_owned(),
        Err(e) => return (Err(e), HttpExchange::default()),
    };
    let started = Instant::now();
    let mut ex = HttpExchange {
        step: "userinfo".into(),
        method: "GET".into(),
        url: url.clone(),
        ..HttpExchange::default()
    };
    let request = http_client.get(&url).header("accept", "application/json");
    let sent = resource::send(http_client, request, access_token, dpop, &mut ex).await;
    let result = (|| {
        let a = sent.map_err(|e| match e {
            ResourceError::Http(e) => SessionError::Http(e),
            ResourceError::Dpop(e) => {
                SessionError::Unavailable(format!("cannot make the DPoP proof: {e}"))
            }
        })?;
        let (status, body) = (a.status, a.body);
        let challenge = a
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        ex.response_body = Some(redact_json(&body));
        if status != 200 {
            return Err(SessionError::Refused {
                endpoint: "userinfo endpoint",
                status,
                error: format!("HTTP {status}"),
                description: challenge,
            });
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(claims)) => Ok(claims),
            _ => Err(SessionError::Unreadable {
                endpoint: "userinfo endpoint",
                spec: "OpenID Connect Core §5.3.2",
                detail: "the body is not a JSON object".into(),
            }),
        }
    })();
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}

/// What RFC 7662 introspection says of a token.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Introspection {
    pub active: bool,
    pub scope: Option<String>,
    pub exp: Option<i64>,
    pub token_type: Option<String>,
    pub client_id: Option<String>,
}

/// POSTs `token` to the introspection endpoint with the client's authentication.
pub async fn introspect(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    auth: &ClientAuth,
    token: &Secret,
    hint: TokenHint,
) -> (Result<Introspection, SessionError>, HttpExchange) {
    let (reply, ex) = token_post(
        http_client,
        &provider.introspection_endpoint,
        ("introspection_endpoint", "introspect"),
        auth,
        token,
        hint,
    )
    .await;
    let result = reply.and_then(|body| {
        let v: Value = serde_json::from_slice(&body).map_err(|e| SessionError::Unreadable {
            endpoint: "introspection endpoint",
            spec: "RFC 7662 §2.2",
            detail: e.to_string(),
        })?;
        let Some(active) = v.get("active").and_then(Value::as_bool) else {
            return Err(SessionError::Unreadable {
                endpoint: "introspection endpoint",
                spec: "RFC 7662 §2.2",
                detail: "there is no boolean \"active\"".into(),
            });
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Ok(Introspection {
            active,
            scope: text("scope"),
            exp: v.get("exp").and_then(Value::as_i64),
            token_type: text("token_type"),
            client_id: text("client_id"),
        })
    });
    (result, ex)
}

/// POSTs `token` to the revocation endpoint; a 200 (with any body, usually empty) is success (RFC 7009 §2.2).
pub async fn revoke(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    auth: &ClientAuth,
    token: &Secret,
    hint: TokenHint,
) -> (Result<(), SessionError>, HttpExchange) {
    let (reply, ex) = token_post(
        http_client,
        &provider.revocation_endpoint,
        ("revocation_endpoint", "revoke"),
        auth,
        token,
        hint,
    )
    .await;
    (reply.map(|_| ()), ex)
}

/// A `token` + `token_type_hint` form to `url`: the 200 answer's body, or the endpoint's refusal.
async fn token_post(
    http_client: &reqwest::Client,
    url: &Option<String>,
    (name, step): (&'static str, &'static str),
    auth: &ClientAuth,
    token: &Secret,
    hint: TokenHint,
) -> (Result<Vec<u8>, SessionError>, HttpExchange) {
    let url = match endpoint(url, name) {
        Ok(u) => u,
        Err(e) => return (Err(e), HttpExchange::default()),
    };
    let post = FormPost {
        step,
        url,
        form: vec![
            ("token".to_owned(), token.expose().to_owned()),
            ("token_type_hint".to_owned(), hint.as_str().to_owned()),
        ],
        auth: Some(auth),
        headers: Vec::new(),
        dpop: None,
    };
    let (reply, mut ex) = post_form(http_client, post).await;
    let result = match reply {
        Ok(r) if r.status == 200 => Ok(r.body),
        Ok(r) => {
            let (error, description) = r.oauth_error();
            Err(SessionError::Refused {
                endpoint: if step == "revoke" {
                    "revocation endpoint"
                } else {
                    "introspection endpoint"
                },
                status: r.status,
                error,
                description,
            })
        }
        Err(e) => Err(SessionError::Login(e)),
    };
    if let Err(e) = &result
        && ex.error.is_none()
    {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}

/// What an RP-initiated logout needs.
pub struct LogoutParams<'a> {
    pub client_id: &'a str,
    pub id_token_hint: Option<&'a Secret>,
    /// The path of the loopback `post_logout_redirect_uri` (the client's redirect path).
    pub redirect_path: &'a str,
    pub ui_locales: &'a str,
    /// `None`: a headless (TestID) session; the tool sends the logout request itself and reads the redirect.
    pub browser: Option<&'a BrowserChoice>,
    pub timeout: Duration,
    pub lang: Lang,
    /// Hears the URL the browser is sent to (to print it when the user opens it).
    pub on_url: &'a (dyn Fn(&str) + Send + Sync),
}

/// A confirmed logout: the provider sent the browser (or the tool) back with this logout's `state`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogoutOutcome {
    pub post_logout_redirect_uri: String,
    pub state_checked: bool,
    pub via_browser: bool,
}

/// RP-initiated logout at the provider's `end_session_endpoint`.
pub async fn logout(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    p: &LogoutParams<'_>,
) -> (Result<LogoutOutcome, SessionError>, HttpExchange) {
    let mut ex = HttpExchange {
        step: "logout".into(),
        method: "GET".into(),
        ..HttpExchange::default()
    };
    let end_session = match endpoint(&provider.end_session_endpoint, "end_session_endpoint") {
        Ok(u) => u,
        Err(e) => return (Err(e), ex),
    };
    let listener = match CallbackListener::bind(p.redirect_path).await {
        Ok(l) => l,
        Err(e) => return (Err(e.into()), ex),
    };
    let redirect_uri = listener.redirect_uri().to_owned();
    let state = Secret::new(random_url_safe());
    let mut url = match url::Url::parse(end_session) {
        Ok(u) => u,
        Err(e) => {
            let e = LoginError::BadEndpoint {
                endpoint: "end_session_endpoint",
                detail: e.to_string(),
            };
            return (Err(e.into()), ex);
        }
    };
    // A URL the user copies by hand (print-URL) carries no token: the client_id names the client instead.
    let printed = matches!(p.browser, Some(BrowserChoice::PrintUrl));
    {
        let mut q = url.query_pairs_mut();
        if let Some(hint) = p.id_token_hint.filter(|_| !printed) {
            q.append_pair("id_token_hint", hint.expose());
        }
        q.append_pair("client_id", p.client_id)
            .append_pair("post_logout_redirect_uri", &redirect_uri)
            .append_pair("state", state.expose())
            .append_pair("ui_locales", p.ui_locales);
    }
    ex.url = http::redact_url(url.as_str());
    let expected = Expected {
        path: p.redirect_path.to_owned(),
        state,
        issuer: provider.issuer.clone(),
        iss_required: false,
        lang: p.lang,
    };
    let started = Instant::now();
    let result = match p.browser {
        Some(choice) => {
            (p.on_url)(url.as_str());
            by_browser(choice, url.as_str(), listener, expected, p.timeout).await
        }
        None => {
            drop(listener);
            headless(http_client, url.as_str(), &redirect_uri, &expected, &mut ex).await
        }
    }
    .map(|()| LogoutOutcome {
        post_logout_redirect_uri: redirect_uri,
        state_checked: true,
        via_browser: p.browser.is_some(),
    });
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}

/// Opens the browser on the logout URL and waits for the return (or the browser command's failure).
async fn by_browser(
    choice: &BrowserChoice,
    url: &str,
    listener: CallbackListener,
    expected: Expected,
    timeout: Duration,
) -> Result<(), SessionError> {
    let mut child = browser::open(choice, url).map_err(LoginError::from)?;
    let waiting = listener.wait_logout(expected, timeout, &|_| {});
    let done = match child.as_mut() {
        Some(c) => tokio::select! {
            done = waiting => done,
            failed = c.failure() => Err(LoginError::Browser(failed)),
        },
        None => waiting.await,
    };
    if let Some(c) = child {
        c.reap_in_background();
    }
    Ok(done?)
}

/// Sends the logout request itself and judges the redirect as the listener would.
async fn headless(
    http_client: &reqwest::Client,
    url: &str,
    redirect_uri: &str,
    expected: &Expected,
    ex: &mut HttpExchange,
) -> Result<(), SessionError> {
    let r = http_client
        .get(url)
        .send()
        .await
        .map_err(|e| http::classify(&e, url))?;
    let status = r.status().as_u16();
    ex.status = Some(status);
    ex.response_headers = redact_headers(r.headers());
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .filter(|_| (300..400).contains(&status))
        .map(str::to_owned);
    let no_redirect = || SessionError::NoLogoutRedirect {
        status,
        uri: redirect_uri.to_owned(),
    };
    let Some(location) = location else {
        return Err(no_redirect());
    };
    let target = location
        .strip_prefix(redirect_uri.trim_end_matches(expected.path.as_str()))
        .filter(|t| t.starts_with('/'))
        .ok_or_else(no_redirect)?;
    match callback::judge_logout("GET", target, expected) {
        Judgement::LoggedOut => Ok(()),
        Judgement::Fail(e) | Judgement::Stray(e) => Err(e.into()),
        _ => Err(no_redirect()),
    }
}
