//! A scripted person for the emulator's login page: `krr-inspector autologin` is a "browser command" that follows
//! the authorization URL, submits the login form as a chosen test person (or cancels), and calls the loopback
//! redirect, with no browser at all. For scripted demos, CI of your own client, and this project's tests.

/// What the scripted person does.
#[derive(Clone, Debug, Default)]
pub struct Script {
    pub pid: String,
    pub acr: Option<String>,
    /// Press Cancel instead of logging in.
    pub cancel: bool,
    /// Deliver the redirect with a changed `state`, to test a client's state check.
    pub wrong_state: bool,
    /// Scopes to untick on a consent page (the person declines them).
    pub decline: Vec<String>,
    /// A file that keeps the emulator's SSO cookie between runs, like a browser profile: with it, the second
    /// login of the same "browser" skips the login page.
    pub cookie_jar: Option<std::path::PathBuf>,
}

use super::grants::SSO_COOKIE;

/// Why the scripted login did not get through.
#[derive(Debug, thiserror::Error)]
pub enum AutologinError {
    #[error("cannot make the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("not a URL: {0}")]
    NotUrl(#[source] url::ParseError),
    #[error("cannot open the authorization URL: {0}")]
    Open(#[source] reqwest::Error),
    #[error("cannot read the login page: {0}")]
    ReadPage(#[source] reqwest::Error),
    #[error("HTTP {status}: not the emulator's login page: {start}")]
    NotLoginPage {
        status: reqwest::StatusCode,
        start: String,
    },
    #[error("cannot submit the login form: {0}")]
    Submit(#[source] reqwest::Error),
    #[error("the login page refused '{0}' (not a valid national id)")]
    Refused(String),
    #[error("cannot write the cookie jar {}: {source}", path.display())]
    CookieJar {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("expected a redirect, got HTTP {0}")]
    NoRedirect(reqwest::StatusCode),
    #[error("the redirect is not a URL: {0}")]
    RedirectNotUrl(#[source] url::ParseError),
    #[error("cannot reach the redirect URI: {0}")]
    Callback(#[source] reqwest::Error),
}

/// The values of every `name="{name}" value="..."` field of a page, in order.
fn field_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let marker = format!("name=\"{name}\" value=\"");
    html.match_indices(&marker)
        .filter_map(|(at, _)| html[at + marker.len()..].split('"').next())
        .collect()
}

/// The scripted person accepts a consent page with every scope ticked as it was shown, less the declined ones.
async fn accept_consent(
    http: &reqwest::Client,
    base: &url::Url,
    html: &str,
    decline: &[String],
) -> Result<reqwest::Response, AutologinError> {
    let id = field_values(html, "request")
        .first()
        .copied()
        .unwrap_or_default();
    let mut form: Vec<(&str, &str)> = vec![("request", id), ("action", "accept")];
    form.extend(
        field_values(html, "scope")
            .into_iter()
            .filter(|s| !decline.iter().any(|d| d == s))
            .map(|s| ("scope", s)),
    );
    let consent = base.join("/consent").map_err(AutologinError::NotUrl)?;
    http.post(consent)
        .form(&form)
        .send()
        .await
        .map_err(AutologinError::Submit)
}

/// The emulator's consent page (`requires_user_consent` clients) rather than its login page.
fn is_consent_page(html: &str) -> bool {
    html.contains("action=\"/consent\"")
}

fn location(r: &reqwest::Response) -> Result<String, AutologinError> {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| AutologinError::NoRedirect(r.status()))
}

/// Runs the script against `authorization_url`; returns the HTTP status the redirect target answered.
pub async fn run(authorization_url: &str, script: &Script) -> Result<u16, AutologinError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(AutologinError::Client)?;
    let base = url::Url::parse(authorization_url).map_err(AutologinError::NotUrl)?;
    let saved = script
        .cookie_jar
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_owned());
    let mut first = http.get(authorization_url);
    if let Some(sid) = saved.filter(|s| !s.is_empty()) {
        first = first.header("cookie", format!("{SSO_COOKIE}={sid}"));
    }
    let first = first.send().await.map_err(AutologinError::Open)?;
    let redirect = if first.status().is_redirection() {
        location(&first)?
    } else {
        let status = first.status();
        let html = first.text().await.map_err(AutologinError::ReadPage)?;
        if is_consent_page(&html) && !script.cancel {
            // An SSO session, then the consent page: accept it as shown.
            let r = accept_consent(&http, &base, &html, &script.decline).await?;
            return deliver(&http, &location(&r)?, script).await;
        }
        let marker = "name=\"request\" value=\"";
        let Some(start) = html.find(marker) else {
            return Err(AutologinError::NotLoginPage {
                status,
                start: html.chars().take(200).collect(),
            });
        };
        let id = html[start + marker.len()..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut form: Vec<(&str, &str)> = vec![("request", &id)];
        if script.cancel {
            form.push(("action", "cancel"));
        } else {
            form.push(("action", "login"));
            form.push(("pick", &script.pid));
            if let Some(acr) = &script.acr {
                form.push(("acr", acr));
            }
        }
        let login = base.join("/login").map_err(AutologinError::NotUrl)?;
        let r = http
            .post(login)
            .form(&form)
            .send()
            .await
            .map_err(AutologinError::Submit)?;
        if r.status() == 422 {
            return Err(AutologinError::Refused(script.pid.clone()));
        }
        let r = if r.status() == reqwest::StatusCode::OK {
            // Not a redirect: the consent page (the SSO cookie comes with it).
            save_cookie(&r, script)?;
            let html = r.text().await.map_err(AutologinError::ReadPage)?;
            if !is_consent_page(&html) {
                return Err(AutologinError::NoRedirect(reqwest::StatusCode::OK));
            }
            accept_consent(&http, &base, &html, &script.decline).await?
        } else {
            r
        };
        save_cookie(&r, script)?;
        location(&r)?
    };
    deliver(&http, &redirect, script).await
}

/// Keeps the SSO cookie of an answer in the script's cookie jar, if it has one and the answer sets the cookie.
fn save_cookie(r: &reqwest::Response, script: &Script) -> Result<(), AutologinError> {
    let Some(jar) = &script.cookie_jar else {
        return Ok(());
    };
    let sid = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| cookie::Cookie::parse(c).ok())
        .find(|c| c.name() == SSO_COOKIE)
        .map(|c| c.value().to_owned());
    match sid {
        Some(sid) => std::fs::write(jar, sid).map_err(|source| AutologinError::CookieJar {
            path: jar.clone(),
            source,
        }),
        None => Ok(()),
    }
}

/// Calls the redirect URI (with a forged `state` if the script says so); returns the status it answered.
async fn deliver(
    http: &reqwest::Client,
    redirect: &str,
    script: &Script,
) -> Result<u16, AutologinError> {
    let mut target = url::Url::parse(redirect).map_err(AutologinError::RedirectNotUrl)?;
    if script.wrong_state {
        let pairs: Vec<(String, String)> = target
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" {
                    format!("{v}-forged")
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        target.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let r = http
        .get(target)
        .send()
        .await
        .map_err(AutologinError::Callback)?;
    Ok(r.status().as_u16())
}
