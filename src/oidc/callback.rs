//! The loopback redirect listener (RFC 8252 §7.3): bound on 127.0.0.1:0 before the browser opens, it answers
//! exactly one valid callback with a small page in the user's language, ignores other paths (favicon), refuses a
//! wrong `state` visibly, reports `error=...` responses, checks `iss`, and stops on callback, cancel or timeout.
//! Request parsing and judging are pure functions so they can be fuzzed.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::LoginError;
use super::secret::Secret;
use crate::krr::Lang;

/// Largest request head read from the browser.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long one connection may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What the callback must carry.
#[derive(Clone, Debug)]
pub struct Expected {
    pub path: String,
    pub state: Secret,
    /// The issuer `iss` must equal when present (RFC 9207).
    pub issuer: String,
    /// The provider promised `iss`: its absence is an error.
    pub iss_required: bool,
    pub lang: Lang,
}

/// What one request to the listener amounts to.
#[derive(Debug, PartialEq)]
pub enum Judgement {
    /// Not the callback (favicon, other paths, other methods): answer 404 and keep waiting.
    Ignore,
    Code {
        code: Secret,
    },
    /// Answered the browser with an error page, and the login fails with this error.
    Fail(LoginError),
}

/// Parses `GET /path?query HTTP/1.1` from a request head. `None` for anything that is not a request line.
pub fn parse_request_line(head: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(head).ok()?;
    let line = text.split("\r\n").next()?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return None;
    }
    Some((method.to_owned(), target.to_owned()))
}

/// Decides what a request means for the login.
pub fn judge(method: &str, target: &str, expected: &Expected) -> Judgement {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != expected.path {
        return Judgement::Ignore;
    }
    let mut params = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if params.insert(k.to_string(), v.to_string()).is_some() {
            return Judgement::Fail(LoginError::Callback(format!(
                "the callback repeats the parameter '{k}'"
            )));
        }
    }
    let state_ok = params.get("state").is_some_and(|s| {
        s.len() == expected.state.expose().len()
            && openssl::memcmp::eq(s.as_bytes(), expected.state.expose().as_bytes())
    });
    if !state_ok {
        return Judgement::Fail(LoginError::StateMismatch);
    }
    match params.get("iss") {
        Some(iss) if iss != &expected.issuer => {
            return Judgement::Fail(LoginError::IssuerMismatch {
                expected: expected.issuer.clone(),
                got: iss.clone(),
            });
        }
        None if expected.iss_required => {
            return Judgement::Fail(LoginError::Callback(
                "the provider promises `iss` on the authorization response (RFC 9207), but the callback has none".into(),
            ));
        }
        _ => {}
    }
    if let Some(error) = params.get("error") {
        return Judgement::Fail(LoginError::Provider {
            error: error.clone(),
            description: params.get("error_description").cloned().unwrap_or_default(),
        });
    }
    match params.get("code") {
        Some(code) if !code.is_empty() => Judgement::Code {
            code: Secret::new(code.clone()),
        },
        _ => Judgement::Fail(LoginError::Callback(
            "the callback carries neither code nor error".into(),
        )),
    }
}

/// The listener, bound and ready before the browser is opened.
pub struct CallbackListener {
    listener: TcpListener,
    redirect_uri: String,
}

impl CallbackListener {
    /// Binds 127.0.0.1 on a free port (never 0.0.0.0).
    pub async fn bind(path: &str) -> Result<CallbackListener, LoginError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| LoginError::Listener(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| LoginError::Listener(e.to_string()))?
            .port();
        Ok(CallbackListener {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{path}"),
        })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the one valid callback. Cancellation is by dropping the future (the listener closes with it).
    pub async fn wait(self, expected: Expected, timeout: Duration) -> Result<Secret, LoginError> {
        let serve = async {
            loop {
                let Ok((stream, _)) = self.listener.accept().await else {
                    continue;
                };
                if let Some(outcome) = handle(stream, &expected).await {
                    return outcome;
                }
            }
        };
        match tokio::time::timeout(timeout, serve).await {
            Ok(outcome) => outcome,
            Err(_) => Err(LoginError::Timeout(timeout.as_secs())),
        }
    }
}

/// Serves one connection; `Some` when it ended the login one way or the other.
async fn handle(mut stream: TcpStream, expected: &Expected) -> Option<Result<Secret, LoginError>> {
    let mut head = Vec::with_capacity(1024);
    let read = tokio::time::timeout(READ_TIMEOUT, async {
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return None;
    }
    let Some((method, target)) = parse_request_line(&head) else {
        respond(&mut stream, 400, "Bad Request", "bad request").await;
        return None;
    };
    let lang = expected.lang;
    match judge(&method, &target, expected) {
        Judgement::Ignore => {
            respond(&mut stream, 404, "Not Found", "").await;
            None
        }
        Judgement::Code { code } => {
            let body = page(
                lang,
                lang.pick("Innlogget", "Logged in"),
                lang.pick(
                    "Innloggingen er fullført. Du kan lukke denne fanen og gå tilbake til KRR Inspector.",
                    "The login is complete. You can close this tab and go back to KRR Inspector.",
                ),
                false,
            );
            respond(&mut stream, 200, "OK", &body).await;
            Some(Ok(code))
        }
        Judgement::Fail(e) => {
            let body = page(
                lang,
                lang.pick("Innloggingen mislyktes", "The login failed"),
                &e.to_string(),
                true,
            );
            respond(&mut stream, 400, "Bad Request", &body).await;
            Some(Err(e))
        }
    }
}

fn page(lang: Lang, title: &str, message: &str, error: bool) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let colour = if error { "#c81e1e" } else { "#1a7f37" };
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto\">\
         <h1 style=\"color:{colour}\">{}</h1><p role=\"{}\">{}</p></body></html>",
        lang.code(),
        esc(title),
        esc(title),
        if error { "alert" } else { "status" },
        esc(message)
    )
}

async fn respond(stream: &mut TcpStream, status: u16, reason: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected() -> Expected {
        Expected {
            path: "/callback".into(),
            state: Secret::new("s1"),
            issuer: "http://127.0.0.1:7070".into(),
            iss_required: true,
            lang: Lang::En,
        }
    }

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_request_line(b"GET /callback?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            Some(("GET".into(), "/callback?x=1".into()))
        );
        assert_eq!(
            parse_request_line(b"GET http://evil/ HTTP/1.1\r\n\r\n"),
            None
        );
        assert_eq!(parse_request_line(b"\xff\xfe"), None);
        assert_eq!(parse_request_line(b"GET / HTTP/1.1 extra\r\n"), None);
    }

    #[tokio::test]
    async fn the_listener_is_loopback_only_and_closes_after_the_timeout() {
        let listener = CallbackListener::bind("/callback").await.unwrap();
        let uri = listener.redirect_uri().to_owned();
        assert!(
            uri.starts_with("http://127.0.0.1:") && uri.ends_with("/callback"),
            "{uri}"
        );
        let port: u16 = uri["http://127.0.0.1:".len()..]
            .trim_end_matches("/callback")
            .parse()
            .unwrap();
        // Bound on 127.0.0.1 only: another local address of the machine does not reach it.
        assert_eq!(
            listener.listener.local_addr().unwrap().ip(),
            std::net::Ipv4Addr::LOCALHOST
        );
        let e = listener
            .wait(expected(), Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(e, LoginError::Timeout(0));
        assert!(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err(),
            "the port is closed after the wait"
        );
    }

    #[tokio::test]
    async fn one_valid_callback_ends_it_and_favicon_is_ignored() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = CallbackListener::bind("/callback").await.unwrap();
        let port: u16 = listener.redirect_uri()["http://127.0.0.1:".len()..]
            .trim_end_matches("/callback")
            .parse()
            .unwrap();
        let waiting = tokio::spawn(listener.wait(expected(), Duration::from_secs(10)));
        let get = |path: &'static str| async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        };
        assert!(get("/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = get("/callback?code=c1&state=s1&iss=http%3A%2F%2F127.0.0.1%3A7070").await;
        assert!(
            page.starts_with("HTTP/1.1 200") && page.contains("You can close this tab"),
            "{page}"
        );
        assert_eq!(waiting.await.unwrap().unwrap(), Secret::new("c1"));
    }

    #[test]
    fn judgements() {
        let e = expected();
        assert_eq!(judge("GET", "/favicon.ico", &e), Judgement::Ignore);
        assert_eq!(
            judge("POST", "/callback?code=a&state=s1", &e),
            Judgement::Ignore
        );
        assert_eq!(
            judge(
                "GET",
                "/callback?code=abc&state=s1&iss=http%3A%2F%2F127.0.0.1%3A7070",
                &e
            ),
            Judgement::Code {
                code: Secret::new("abc")
            }
        );
        assert_eq!(
            judge("GET", "/callback?code=abc&state=s2&iss=x", &e),
            Judgement::Fail(LoginError::StateMismatch)
        );
        assert_eq!(
            judge("GET", "/callback?code=abc&iss=x", &e),
            Judgement::Fail(LoginError::StateMismatch)
        );
        assert!(matches!(
            judge("GET", "/callback?code=abc&state=s1&iss=http://evil", &e),
            Judgement::Fail(LoginError::IssuerMismatch { .. })
        ));
        assert!(matches!(
            judge("GET", "/callback?code=abc&state=s1", &e),
            Judgement::Fail(LoginError::Callback(_))
        ));
        assert_eq!(
            judge(
                "GET",
                "/callback?error=access_denied&error_description=cancelled&state=s1&iss=http://127.0.0.1:7070",
                &e
            ),
            Judgement::Fail(LoginError::Provider {
                error: "access_denied".into(),
                description: "cancelled".into()
            })
        );
        assert!(matches!(
            judge("GET", "/callback?state=s1&state=s1&code=a", &e),
            Judgement::Fail(LoginError::Callback(_))
        ));
    }
}
