//! Headless TestID login (ID-porten's test environments only): the authorization request is sent by the tool
//! itself with `login_hint=testid:<pid>_<acr>`; the provider logs the synthetic person in with implicit consent and
//! answers with a redirect whose `Location` carries the code. The redirect is read, never followed, and judged
//! exactly as a browser's callback would be (path, state, iss, error).

use std::time::Instant;

use super::LoginError;
use super::callback::{self, Expected, Judgement};
use super::http::{self, HttpExchange};
use super::secret::Secret;

/// Whether a login hint asks for a headless TestID login.
pub fn is_testid(hint: &str) -> bool {
    hint.starts_with("testid:")
}

/// Why a headless login did not give a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadlessError {
    #[error(
        "the provider answered {status} to the TestID login instead of redirecting to the client: TestID login \
         hints work only in ID-porten's test environments (and the emulator); {detail}"
    )]
    NoRedirect { status: u16, detail: String },
    #[error(
        "the provider redirected the TestID login to {location}, not to this login's redirect URI {redirect_uri}"
    )]
    ElsewhereRedirect {
        location: String,
        redirect_uri: String,
    },
}

/// Sends the authorization request and reads the code from the redirect, judged as a callback.
pub async fn code(
    http_client: &reqwest::Client,
    authorization_url: &str,
    redirect_uri: &str,
    expected: &Expected,
) -> (Result<Secret, LoginError>, HttpExchange) {
    let started = Instant::now();
    let mut ex = HttpExchange {
        step: "authorize".into(),
        method: "GET".into(),
        // The request carries nothing secret (the PKCE challenge, state and nonce are not secrets once sent).
        url: authorization_url.into(),
        ..HttpExchange::default()
    };
    let result = async {
        let r = http_client
            .get(authorization_url)
            .send()
            .await
            .map_err(|e| LoginError::Http(http::classify(&e, authorization_url)))?;
        let status = r.status().as_u16();
        ex.status = Some(status);
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        ex.response_headers = http::redact_headers(r.headers())
            .into_iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("location") {
                    (k, redact_code(&v))
                } else {
                    (k, v)
                }
            })
            .collect();
        let Some(location) = location.filter(|_| (300..400).contains(&status)) else {
            let body = http::read_limited(r, authorization_url, 16 << 10)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&body);
            let detail = if text.trim().is_empty() {
                "the answer has no body".to_owned()
            } else {
                format!(
                    "it begins: {}",
                    text.chars().take(120).collect::<String>().trim()
                )
            };
            ex.response_body = Some(text.chars().take(2000).collect());
            return Err(LoginError::Headless(HeadlessError::NoRedirect {
                status,
                detail,
            }));
        };
        // Judged as the listener judges a callback: the request-target the browser would have sent.
        let (target, base) = match url::Url::parse(&location) {
            Ok(u) => {
                let target = match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_owned(),
                };
                (target, format!("{}://{}", u.scheme(), u.authority()))
            }
            Err(_) => (location.clone(), String::new()),
        };
        let ours = url::Url::parse(redirect_uri).ok();
        let same_origin = ours
            .as_ref()
            .is_some_and(|o| base == format!("{}://{}", o.scheme(), o.authority()));
        if !same_origin {
            return Err(LoginError::Headless(HeadlessError::ElsewhereRedirect {
                location: redact_code(&location),
                redirect_uri: redirect_uri.to_owned(),
            }));
        }
        match callback::judge("GET", &target, expected) {
            Judgement::Code { code } => Ok(code),
            Judgement::Fail(e) | Judgement::Stray(e) => Err(e),
            Judgement::Ignore | Judgement::LoggedOut => {
                Err(LoginError::Headless(HeadlessError::ElsewhereRedirect {
                    location: redact_code(&location),
                    redirect_uri: redirect_uri.to_owned(),
                }))
            }
        }
    }
    .await;
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}

/// A redirect URL with its `code` replaced: the code is a secret until it is redeemed.
fn redact_code(location: &str) -> String {
    match url::Url::parse(location) {
        Ok(mut u) if u.query().is_some() => {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "code" {
                        "[redacted]".into()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
            u.to_string()
        }
        _ => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_never_stays_in_a_recorded_location() {
        let l =
            redact_code("http://127.0.0.1:5000/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fi");
        assert!(!l.contains("abc123"), "{l}");
        assert!(l.contains("state=xyz"), "{l}");
        assert!(is_testid("testid:21879498012_idporten-loa-high"));
        assert!(!is_testid("21879498012"));
    }
}
