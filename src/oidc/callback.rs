//! The loopback redirect listener (RFC 8252 §7.3): bound on 127.0.0.1:0 before the browser opens, it serves
//! connections concurrently (hyper's HTTP/1 server, a header-read timeout and a small head limit per connection,
//! no keep-alive), so an idle socket (a browser's pre-connect, any local process) delays nobody. It answers the one
//! valid callback with a small page in the user's language and then closes; it ignores other paths (favicon); a
//! callback with a wrong `state` gets a visible error page and is reported, but does not end the login (RFC 8252
//! §8.6 asks only that it be rejected): a later valid callback within the timeout still completes it. A callback
//! with the right `state` is conclusive: a code, or the provider's `error=...`, or an `iss` mix-up.
//! Request judging is a pure function so it can be fuzzed.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::LoginError;
use super::secret::Secret;
use crate::krr::Lang;

/// Largest request head read from the browser (hyper's smallest buffer limit).
pub const MAX_HEAD: usize = 8 * 1024;
/// How long one connection may take to send its request head; it holds up no other connection meanwhile.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed at accept (a browser opens a handful).
const MAX_CONNECTIONS: usize = 64;

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
    /// Carries this login's `state`, so it is conclusive: an error page, and the login fails with this error.
    Fail(LoginError),
    /// On the callback path without this login's `state` (forged, stale, or another login's): an error page,
    /// reported, and the listener keeps waiting for the real one.
    Stray(LoginError),
    /// The provider sent the browser back after an RP-initiated logout, with this logout's `state`.
    LoggedOut,
}

/// Decides what a request means for the login.
pub fn judge(method: &str, target: &str, expected: &Expected) -> Judgement {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != expected.path {
        return Judgement::Ignore;
    }
    let mut params = BTreeMap::new();
    let mut repeated = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if params.contains_key(k.as_ref()) {
            repeated.get_or_insert_with(|| k.to_string());
        } else {
            params.insert(k.to_string(), v.to_string());
        }
    }
    let state_ok = params.get("state").is_some_and(|s| {
        s.len() == expected.state.expose().len()
            && openssl::memcmp::eq(s.as_bytes(), expected.state.expose().as_bytes())
    });
    if !state_ok {
        return Judgement::Stray(LoginError::StateMismatch);
    }
    if let Some(k) = repeated {
        return Judgement::Fail(CallbackError::Repeated(k.to_owned()).into());
    }
    match params.get("iss") {
        Some(iss) if iss != &expected.issuer => {
            return Judgement::Fail(LoginError::IssuerMismatch {
                expected: expected.issuer.clone(),
                got: iss.clone(),
            });
        }
        None if expected.iss_required => {
            return Judgement::Fail(CallbackError::NoIss.into());
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
        _ => Judgement::Fail(CallbackError::NoCode.into()),
    }
}

/// Decides what a request means for an RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §3): the
/// return to `post_logout_redirect_uri` carries the logout's `state` and nothing else this client needs.
pub fn judge_logout(method: &str, target: &str, expected: &Expected) -> Judgement {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != expected.path {
        return Judgement::Ignore;
    }
    let mut states = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    let (first, second) = (states.next(), states.next());
    let state_ok = first.as_ref().is_some_and(|s| {
        s.len() == expected.state.expose().len()
            && openssl::memcmp::eq(s.as_bytes(), expected.state.expose().as_bytes())
    });
    if !state_ok {
        return Judgement::Stray(LoginError::StateMismatch);
    }
    if second.is_some() {
        return Judgement::Fail(CallbackError::Repeated("state".into()).into());
    }
    Judgement::LoggedOut
}

/// How a request to the listener is judged: [`judge`] for a login, [`judge_logout`] for a logout.
type Judge = fn(&str, &str, &Expected) -> Judgement;

/// The listener, bound and ready before the browser is opened.
pub struct CallbackListener {
    listener: TcpListener,
    redirect_uri: String,
}

/// What is wrong with a callback that carries the right state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("the callback repeats the parameter '{0}'")]
    Repeated(String),
    #[error(
        "the provider promises `iss` on the authorization response (RFC 9207), but the callback has none"
    )]
    NoIss,
    #[error("the callback carries neither code nor error")]
    NoCode,
}

fn listener_error(e: std::io::Error) -> LoginError {
    LoginError::Listener {
        kind: e.kind(),
        detail: e.to_string(),
    }
}

impl CallbackListener {
    /// Binds 127.0.0.1 on a free port (never 0.0.0.0).
    pub async fn bind(path: &str) -> Result<CallbackListener, LoginError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(listener_error)?;
        let port = listener.local_addr().map_err(listener_error)?.port();
        Ok(CallbackListener {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{path}"),
        })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the one valid callback. Cancellation is by dropping the future (the listener and every
    /// connection close with it). `on_refused` hears of each stray callback (wrong `state`) as it is refused.
    pub async fn wait(
        self,
        expected: Expected,
        timeout: Duration,
        on_refused: &(dyn Fn(&LoginError) + Send + Sync),
    ) -> Result<Secret, LoginError> {
        match self.wait_for(expected, timeout, on_refused, judge).await? {
            Judgement::Code { code } => Ok(code),
            _ => Err(CallbackError::NoCode.into()),
        }
    }

    /// Waits for the return from an RP-initiated logout with this logout's `state`; as [`Self::wait`] otherwise.
    pub async fn wait_logout(
        self,
        expected: Expected,
        timeout: Duration,
        on_refused: &(dyn Fn(&LoginError) + Send + Sync),
    ) -> Result<(), LoginError> {
        self.wait_for(expected, timeout, on_refused, judge_logout)
            .await
            .map(|_| ())
    }

    /// Serves until a conclusive request: the judgement (`Code` or `LoggedOut`), or the error.
    async fn wait_for(
        self,
        expected: Expected,
        timeout: Duration,
        on_refused: &(dyn Fn(&LoginError) + Send + Sync),
        judge: Judge,
    ) -> Result<Judgement, LoginError> {
        let expected = Arc::new(expected);
        let (tx, mut rx) = mpsc::unbounded_channel::<Judgement>();
        // Dropping the set aborts every connection still open when the wait ends.
        let mut connections = JoinSet::new();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut refused: Option<LoginError> = None;
        loop {
            tokio::select! {
                _ = &mut deadline => {
                    let secs = timeout.as_secs();
                    return Err(match refused {
                        Some(e) => LoginError::TimeoutAfterRefused { secs, refused: Box::new(e) },
                        None => LoginError::Timeout(secs),
                    });
                }
                accepted = self.listener.accept() => {
                    // A full table or a failed accept (EMFILE) drops the socket; the real callback retries.
                    if let Ok((stream, _)) = accepted && connections.len() < MAX_CONNECTIONS {
                        connections.spawn(serve(stream, expected.clone(), tx.clone(), judge));
                    }
                }
                Some(judgement) = rx.recv() => match judgement {
                    done @ (Judgement::Code { .. } | Judgement::LoggedOut) => return Ok(done),
                    Judgement::Fail(e) => return Err(e),
                    Judgement::Stray(e) => {
                        on_refused(&e);
                        refused = Some(e);
                    }
                    Judgement::Ignore => {}
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    }
}

/// Serves one connection (one request, no keep-alive) and, once the answer is written, tells the waiter what the
/// request meant.
async fn serve(
    stream: TcpStream,
    expected: Arc<Expected>,
    tx: mpsc::UnboundedSender<Judgement>,
    judge: Judge,
) {
    let verdict: Arc<Mutex<Option<Judgement>>> = Arc::new(Mutex::new(None));
    let slot = verdict.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let judgement = judge(req.method().as_str(), &target, &expected);
        let response = answer(&judgement, expected.lang);
        if let Ok(mut s) = slot.lock() {
            *s = Some(judgement);
        }
        async move { Ok::<_, Infallible>(response) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    let _ = connection.await;
    let judgement = verdict.lock().ok().and_then(|mut s| s.take());
    if let Some(j) = judgement {
        let _ = tx.send(j);
    }
}

/// The page the browser gets for a request.
fn answer(judgement: &Judgement, lang: Lang) -> hyper::Response<axum::body::Body> {
    let (status, body) = match judgement {
        Judgement::Ignore => (404, String::new()),
        Judgement::Code { .. } => (
            200,
            page(
                lang,
                lang.pick("Innlogget", "Logged in"),
                lang.pick(
                    "Innloggingen er fullført. Du kan lukke denne fanen og gå tilbake til KRR Inspector.",
                    "The login is complete. You can close this tab and go back to KRR Inspector.",
                ),
                false,
            ),
        ),
        Judgement::LoggedOut => (
            200,
            page(
                lang,
                lang.pick("Logget ut", "Logged out"),
                lang.pick(
                    "Du er logget ut. Du kan lukke denne fanen og gå tilbake til KRR Inspector.",
                    "You are logged out. You can close this tab and go back to KRR Inspector.",
                ),
                false,
            ),
        ),
        Judgement::Fail(e) => (
            400,
            page(
                lang,
                lang.pick("Innloggingen mislyktes", "The login failed"),
                &e.to_string(),
                true,
            ),
        ),
        Judgement::Stray(e) => (
            400,
            page(
                lang,
                lang.pick("Avvist", "Refused"),
                &format!(
                    "{} {}",
                    e,
                    lang.pick(
                        "(Innloggingen som venter, fortsetter.)",
                        "(The login that is waiting goes on.)"
                    )
                ),
                true,
            ),
        ),
    };
    hyper::Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .header("connection", "close")
        .body(axum::body::Body::from(body))
        .unwrap_or_default()
}

/// The page the browser shows after the redirect. maud escapes every value it interpolates.
fn page(lang: Lang, title: &str, message: &str, error: bool) -> String {
    let colour = if error { "#c81e1e" } else { "#1a7f37" };
    maud::html! {
        (maud::PreEscaped("<!doctype html>"))
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { (title) } }
            body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto" {
                h1 style={ "color:" (colour) } { (title) }
                p role=(if error { "alert" } else { "status" }) { (message) }
            }
        }
    }
    .into_string()
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
    fn a_percent_encoded_state_is_the_same_state_and_a_near_one_is_not() {
        // RFC 6749 §4.1.2: the parameters are form-encoded; `s%31` is `s1` (found by the callback fuzzer, whose
        // check compared the raw text).
        let q = "/callback?code=abc&state=s%31&iss=http%3A%2F%2F127.0.0.1%3A7070";
        assert!(matches!(
            judge("GET", q, &expected()),
            Judgement::Code { .. }
        ));
        let near = "/callback?code=abc&state=s%32&iss=http%3A%2F%2F127.0.0.1%3A7070";
        assert!(matches!(
            judge("GET", near, &expected()),
            Judgement::Stray(LoginError::StateMismatch)
        ));
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
            .wait(expected(), Duration::from_millis(200), &|_| {})
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
        let listener = CallbackListener::bind("/callback").await.unwrap();
        let port: u16 = listener.redirect_uri()["http://127.0.0.1:".len()..]
            .trim_end_matches("/callback")
            .parse()
            .unwrap();
        let waiting = tokio::spawn(async move {
            listener
                .wait(expected(), Duration::from_secs(10), &|_| {})
                .await
        });
        assert!(get(port, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = get(
            port,
            "/callback?code=c1&state=s1&iss=http%3A%2F%2F127.0.0.1%3A7070",
        )
        .await;
        assert!(
            page.starts_with("HTTP/1.1 200") && page.contains("You can close this tab"),
            "{page}"
        );
        assert_eq!(waiting.await.unwrap().unwrap(), Secret::new("c1"));
    }

    async fn get(port: u16, path: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn idle_sockets_and_a_stray_callback_do_not_stop_the_real_one() {
        let listener = CallbackListener::bind("/callback").await.unwrap();
        let port = listener.listener.local_addr().unwrap().port();
        let refused = Arc::new(Mutex::new(Vec::new()));
        let heard = refused.clone();
        // 3 s to finish. Served one connection at a time with a 5 s read timeout each, the idle sockets below
        // held the listener for 25 s and this login timed out.
        let waiting = tokio::spawn(async move {
            let on_refused = move |e: &LoginError| heard.lock().unwrap().push(e.to_string());
            listener
                .wait(expected(), Duration::from_secs(3), &on_refused)
                .await
        });
        let mut idle = Vec::new();
        for _ in 0..5 {
            idle.push(
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap(),
            );
        }
        let iss = "iss=http%3A%2F%2F127.0.0.1%3A7070";
        let stray = get(port, &format!("/callback?code=forged&state=WRONG&{iss}")).await;
        assert!(
            stray.starts_with("HTTP/1.1 400")
                && stray.contains("The login that is waiting goes on"),
            "{stray}"
        );
        let page = get(port, &format!("/callback?code=c1&state=s1&{iss}")).await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert_eq!(waiting.await.unwrap().unwrap(), Secret::new("c1"));
        let refused = refused.lock().unwrap().clone();
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].contains("state does not match"), "{refused:?}");
        drop(idle);
    }

    #[tokio::test]
    async fn only_stray_callbacks_end_in_a_timeout_that_names_them() {
        let listener = CallbackListener::bind("/callback").await.unwrap();
        let port = listener.listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move {
            listener
                .wait(expected(), Duration::from_millis(800), &|_| {})
                .await
        });
        let stray = get(port, "/callback?code=x&state=old").await;
        assert!(stray.starts_with("HTTP/1.1 400"), "{stray}");
        let e = waiting.await.unwrap().unwrap_err().to_string();
        assert!(
            e.starts_with("no valid login arrived within 0 s, and a callback was refused: the callback's state does not match"),
            "{e}"
        );
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
            Judgement::Stray(LoginError::StateMismatch)
        );
        assert_eq!(
            judge("GET", "/callback?code=abc&iss=x", &e),
            Judgement::Stray(LoginError::StateMismatch)
        );
        assert_eq!(
            judge("GET", "/callback?state=s2&state=s1&code=a", &e),
            Judgement::Stray(LoginError::StateMismatch),
            "a repeated state never counts as this login's"
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

    #[test]
    fn a_logout_return_needs_this_logouts_state_and_nothing_else() {
        let e = expected();
        assert_eq!(
            judge_logout("GET", "/callback?state=s1", &e),
            Judgement::LoggedOut
        );
        assert!(matches!(
            judge_logout("GET", "/callback?state=s2", &e),
            Judgement::Stray(LoginError::StateMismatch)
        ));
        assert!(matches!(
            judge_logout("GET", "/callback", &e),
            Judgement::Stray(_)
        ));
        assert!(matches!(
            judge_logout("GET", "/callback?state=s1&state=s1", &e),
            Judgement::Fail(_)
        ));
        assert_eq!(judge_logout("GET", "/favicon.ico", &e), Judgement::Ignore);
        // A login's callback is not a logout's return, and the other way round.
        assert!(matches!(
            judge("GET", "/callback?state=s1", &e),
            Judgement::Fail(_)
        ));
    }
}
