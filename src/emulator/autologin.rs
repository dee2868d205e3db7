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
    /// A file that keeps the emulator's SSO cookie between runs, like a browser profile: with it, the second
    /// login of the same "browser" skips the login page.
    pub cookie_jar: Option<std::path::PathBuf>,
}

const SSO_COOKIE: &str = "krr_emulator_sso";

fn location(r: &reqwest::Response) -> Result<String, String> {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("expected a redirect, got HTTP {}", r.status()))
}

/// Runs the script against `authorization_url`; returns the HTTP status the redirect target answered.
pub async fn run(authorization_url: &str, script: &Script) -> Result<u16, String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let base = url::Url::parse(authorization_url).map_err(|e| format!("not a URL: {e}"))?;
    let saved = script
        .cookie_jar
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_owned());
    let mut first = http.get(authorization_url);
    if let Some(sid) = saved.filter(|s| !s.is_empty()) {
        first = first.header("cookie", format!("{SSO_COOKIE}={sid}"));
    }
    let first = first
        .send()
        .await
        .map_err(|e| format!("cannot open the authorization URL: {e}"))?;
    let redirect = if first.status().is_redirection() {
        location(&first)?
    } else {
        let status = first.status();
        let html = first.text().await.map_err(|e| e.to_string())?;
        let marker = "name=\"request\" value=\"";
        let Some(start) = html.find(marker) else {
            return Err(format!(
                "HTTP {status}: not the emulator's login page: {}",
                html.chars().take(200).collect::<String>()
            ));
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
        let login = base.join("/login").map_err(|e| e.to_string())?;
        let r = http
            .post(login)
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("cannot submit the login form: {e}"))?;
        if r.status() == 422 {
            return Err(format!(
                "the login page refused '{}' (not a valid national id)",
                script.pid
            ));
        }
        if let Some(jar) = &script.cookie_jar {
            let sid = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|c| {
                    c.split(';')
                        .next()?
                        .trim()
                        .strip_prefix(&format!("{SSO_COOKIE}="))
                        .map(str::to_owned)
                });
            if let Some(sid) = sid {
                std::fs::write(jar, sid)
                    .map_err(|e| format!("cannot write the cookie jar {}: {e}", jar.display()))?;
            }
        }
        location(&r)?
    };
    let mut target =
        url::Url::parse(&redirect).map_err(|e| format!("the redirect is not a URL: {e}"))?;
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
        .map_err(|e| format!("cannot reach the redirect URI: {e}"))?;
    Ok(r.status().as_u16())
}
