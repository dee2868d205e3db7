//! The emulator under attack, over real sockets on 127.0.0.1: idle and slow connections, cross-origin admin writes,
//! lax redirect URIs, empty state/nonce, code replay, login floods, and the SSO cookie in the id_token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::{Value, json};

use krr_inspector::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use krr_inspector::jose::jwt;
use krr_inspector::krr::ScopeDialect;

use super::support::*;

const SCOPES: &str = "openid krr:user/kontaktinformasjon.read";
const CB: &str = "http://127.0.0.1:9/callback";

async fn start(config: impl FnOnce(&mut EmulatorConfig)) -> EmulatorHandle {
    let mut c = EmulatorConfig::local(keys());
    config(&mut c);
    Emulator::start(c).await.unwrap()
}

/// Reads from a raw connection until the server closes it; `None` if it is still open after `bound`.
fn closed_within(stream: &mut TcpStream, bound: StdDuration) -> Option<Vec<u8>> {
    let deadline = std::time::Instant::now() + bound;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return None;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(got),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Kills the child when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// Item 9: the standalone emulator, at a 128-descriptor limit, faced with 300 idle connections (more than it has
// descriptors for), still answers.
#[cfg(unix)]
#[tokio::test]
async fn idle_connections_beyond_the_descriptor_limit_do_not_stop_it() {
    let keys = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 128 && exec \"$0\" emulator --port 0 --keys \"$1\"")
            .arg(env!("CARGO_BIN_EXE_krr-inspector"))
            .arg(keys.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("emulator listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    let addr = base.strip_prefix("http://").unwrap().to_owned();
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let probe = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(8))
        .build()
        .unwrap()
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await;
    drop(child);
    drop(idle);
    let probe = probe.expect("the emulator answers while 300 idle connections are open");
    assert_eq!(probe.status(), 200);
}

// Item 9: an idle or slow connection is closed by the server: no bytes at all, or half a request head, after the
// header-read timeout; a keep-alive connection after the idle timeout.
#[tokio::test]
async fn idle_and_slow_connections_are_closed_by_the_server() {
    let emu = start(|c| {
        c.header_read_timeout = StdDuration::from_secs(1);
        c.idle_timeout = StdDuration::from_secs(30);
    })
    .await;
    let addr = emu.addr;
    let silent = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    let slow = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    assert!(
        silent.await.unwrap().is_some(),
        "a silent connection is closed after the header-read timeout"
    );
    assert!(
        slow.await.unwrap().is_some(),
        "half a request head is closed after the header-read timeout"
    );

    let emu = start(|c| {
        c.header_read_timeout = StdDuration::from_secs(60);
        c.idle_timeout = StdDuration::from_secs(1);
    })
    .await;
    let addr = emu.addr;
    let kept = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 12];
        s.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    assert!(
        kept.await.unwrap().is_some(),
        "an idle keep-alive connection is closed after the idle timeout"
    );
    let body = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type",
        )
        .unwrap();
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    assert!(
        body.await.unwrap().is_some(),
        "a request body that stops coming is given up on after the idle timeout"
    );
}

// Item 9: at the connection cap the emulator closes the longest-idle connection, so it keeps serving.
#[tokio::test]
async fn at_the_connection_cap_idle_connections_make_room() {
    let emu = start(|c| {
        c.max_connections = 16;
        c.header_read_timeout = StdDuration::from_secs(60);
    })
    .await;
    let addr = emu.addr;
    // Off the runtime's thread, so that the emulator accepts meanwhile (its listen backlog is 128).
    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..200)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect()
    })
    .await
    .unwrap();
    let r = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(20))
        .build()
        .unwrap()
        .get(format!("{}/jwks.json", emu.base_url))
        .send()
        .await
        .expect("answered at the cap");
    assert_eq!(r.status(), 200);
    drop(idle);
}

async fn mint(emu: &EmulatorHandle, count: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/admin/codes", emu.base_url))
        .json(&json!({
            "count": count,
            "client_id": "krr-inspector",
            "redirect_uri": CB,
            "code_challenge": Pkce::new().challenge,
        }))
        .send()
        .await
        .unwrap()
}

// Item 10.
#[tokio::test]
async fn minting_a_huge_number_of_codes_is_a_400_not_a_panic() {
    let emu = emulator().await;
    assert_eq!(mint(&emu, json!(1)).await.status(), 200);
    for count in [json!(18446744073709551615u64), json!(50_000)] {
        let r = mint(&emu, count.clone()).await;
        assert_eq!(r.status(), 400, "{count}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], "invalid_request");
        assert!(
            e["error_description"].as_str().unwrap().contains("count"),
            "{e}"
        );
    }
    assert_eq!(mint(&emu, json!(2)).await.status(), 200, "still serving");
}

/// The SSO cookie the login set.
fn sso_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()?
                .strip_prefix("krr_emulator_sso=")
                .map(str::to_owned)
        })
        .expect("the login sets the SSO cookie")
}

/// Logs in through the form; returns the SSO cookie and the code.
async fn form_login(
    http: &reqwest::Client,
    emu: &EmulatorHandle,
    authz: &Authz,
) -> (String, String) {
    let page = http.get(authz.url(emu)).send().await.unwrap();
    let id = login_request_id(&page.text().await.unwrap());
    let r = submit_login(
        http,
        emu,
        &[
            ("request", id.as_str()),
            ("action", "login"),
            ("pick", "27129324169"),
        ],
    )
    .await;
    let cookie = sso_cookie(&r);
    let code = location_params(&r).1["code"].clone();
    (cookie, code)
}

async fn prompt_none_with_cookie(
    emu: &EmulatorHandle,
    cookie: &str,
) -> std::collections::BTreeMap<String, String> {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(
            Authz::new(ScopeDialect::Digdir, CB, SCOPES)
                .set("prompt", "none")
                .url(emu),
        )
        .header("cookie", format!("krr_emulator_sso={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    location_params(&r).1
}

// Item 11.
#[tokio::test]
async fn the_id_token_sid_is_not_the_sso_cookie_and_sessions_expire() {
    let emu = emulator().await;
    let http = browser();
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES);
    let (cookie, code) = form_login(&http, &emu, &authz).await;
    let t: Value = exchange(&http, &emu, &authz, &code)
        .await
        .json()
        .await
        .unwrap();
    let id = jwt::decode_unverified(t["id_token"].as_str().unwrap()).unwrap();
    let sid = id.claims["sid"].as_str().unwrap().to_owned();
    assert!(!sid.is_empty());
    assert_ne!(sid, cookie, "the sid claim is not the SSO cookie");
    assert_eq!(
        prompt_none_with_cookie(&emu, &sid).await["error"],
        "login_required",
        "the sid does not log anyone in"
    );
    // The session keeps its sid across single sign-on.
    let p = prompt_none_with_cookie(&emu, &cookie).await;
    assert!(p.contains_key("code"), "{p:?}");

    // Idle expiry: 30 minutes without use.
    emu.advance_clock(Duration::minutes(29));
    assert!(
        prompt_none_with_cookie(&emu, &cookie)
            .await
            .contains_key("code")
    );
    emu.advance_clock(Duration::minutes(31));
    assert_eq!(
        prompt_none_with_cookie(&emu, &cookie).await["error"],
        "login_required",
        "idle for 31 minutes"
    );

    // Absolute expiry: 120 minutes after the login, however often it is used.
    let http = browser();
    let (cookie, _) = form_login(&http, &emu, &Authz::new(ScopeDialect::Digdir, CB, SCOPES)).await;
    for _ in 0..5 {
        emu.advance_clock(Duration::minutes(20));
        assert!(
            prompt_none_with_cookie(&emu, &cookie)
                .await
                .contains_key("code")
        );
    }
    emu.advance_clock(Duration::minutes(21));
    assert_eq!(
        prompt_none_with_cookie(&emu, &cookie).await["error"],
        "login_required",
        "121 minutes after the login"
    );
}

// Item 12.
#[tokio::test]
async fn admin_writes_from_another_origin_are_refused() {
    let emu = emulator().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let faults = || async {
        http.get(format!("{}/admin/faults", emu.base_url))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let refused = |r: reqwest::Response, status: u16| async move {
        assert_eq!(r.status(), status);
        let e: Value = r.json().await.unwrap();
        assert!(
            e["error"].is_string() && e["error_description"].is_string(),
            "{e}"
        );
    };
    for origin in [
        "http://evil.example",
        "null",
        "http://127.0.0.1:1",
        "http://localhost:7070",
    ] {
        let r = http
            .put(format!("{}/admin/faults", emu.base_url))
            .header("origin", origin)
            .json(&json!({"tamper_signature": true}))
            .send()
            .await
            .unwrap();
        refused(r, 403).await;
        let r = http
            .post(format!("{}/admin/faults", emu.base_url))
            .header("origin", origin)
            .form(&[("http_500", "on")])
            .send()
            .await
            .unwrap();
        refused(r, 403).await;
        let r = http
            .post(format!("{}/admin/codes", emu.base_url))
            .header("origin", origin)
            .json(&json!({"count": 1, "client_id": "krr-inspector", "redirect_uri": CB, "code_challenge": Pkce::new().challenge}))
            .send()
            .await
            .unwrap();
        refused(r, 403).await;
    }
    // A cross-site fetch without Origin is known by Sec-Fetch-Site.
    let r = http
        .post(format!("{}/admin/faults", emu.base_url))
        .header("sec-fetch-site", "cross-site")
        .form(&[("http_500", "on")])
        .send()
        .await
        .unwrap();
    refused(r, 403).await;
    assert_eq!(
        faults().await,
        json!(krr_inspector::emulator::Faults::default())
    );

    // JSON bodies must say so: text/plain (a "simple" cross-origin request) is refused.
    let r = http
        .put(format!("{}/admin/faults", emu.base_url))
        .header("content-type", "text/plain")
        .body(r#"{"http_500": true}"#)
        .send()
        .await
        .unwrap();
    refused(r, 415).await;
    let r = http
        .post(format!("{}/admin/codes", emu.base_url))
        .header("content-type", "text/plain")
        .body(json!({"count": 1, "client_id": "krr-inspector", "redirect_uri": CB, "code_challenge": Pkce::new().challenge}).to_string())
        .send()
        .await
        .unwrap();
    refused(r, 415).await;
    assert_eq!(
        faults().await,
        json!(krr_inspector::emulator::Faults::default())
    );

    // The emulator's own page may, and so may tools that send no Origin.
    let r = http
        .post(format!("{}/admin/faults", emu.base_url))
        .header("origin", &emu.base_url)
        .header("sec-fetch-site", "same-origin")
        .form(&[("http_500", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(faults().await["http_500"], true);
    let r = http
        .put(format!("{}/admin/faults", emu.base_url))
        .header("content-type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(faults().await["http_500"], false);
}

// Item 13.
#[tokio::test]
async fn only_exact_loopback_redirect_uris_are_accepted() {
    let emu = emulator().await;
    let http = browser();
    for bad in [
        "http://127.1:9/cb",
        "http://0x7f.1:9/cb",
        "http://0x7f000001:9/cb",
        "http://2130706433:9/cb",
        "http://0177.0.0.1:9/cb",
        "http://127.0.0.1.:9/cb",
        "http://evil@127.0.0.1:9/cb",
        "http://evil:pw@127.0.0.1:9/cb",
        "http://127.0.0.1:9@evil.example/cb",
        "http://127.0.0.1:9\\@evil.example/cb",
        "http:\\\\127.0.0.1:9/cb",
        "http://127.0.0.1:9\\cb",
        "http:/127.0.0.1:9/cb",
        "HTTP://127.0.0.1:9/cb",
        "http://127.0.0.1:0/cb",
        "http://127.0.0.1:00/cb",
        "http://127.0.0.1:65536/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:9",
        "http://127.0.0.1:9?x=/",
        "http://127.0.0.1:9/c\tb",
        "http://[::1]:0/cb",
        "http://[0:0:0:0:0:0:0:1]:9/cb",
        "http://[::ffff:127.0.0.1]:9/cb",
        "https://127.0.0.1:9/cb",
    ] {
        let r = http
            .get(Authz::new(ScopeDialect::Digdir, bad, SCOPES).url(&emu))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.headers().get("location").is_none(), "{bad}");
    }
    for good in [
        "http://127.0.0.1:9/cb",
        "http://127.0.0.1:65535/",
        "http://127.0.0.1:1/a/b?c=d",
        "http://[::1]:8080/cb",
    ] {
        let r = http
            .get(Authz::new(ScopeDialect::Digdir, good, SCOPES).url(&emu))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{good}");
    }
}

// Item 14.
#[tokio::test]
async fn empty_state_or_nonce_is_refused_like_a_missing_one() {
    let emu = emulator().await;
    let http = browser();
    for (authz, has_state) in [
        (
            Authz::new(ScopeDialect::Digdir, CB, SCOPES).set("state", ""),
            false,
        ),
        (
            Authz::new(ScopeDialect::Digdir, CB, SCOPES).set("nonce", ""),
            true,
        ),
    ] {
        let r = http.get(authz.url(&emu)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (location, p) = location_params(&r);
        assert_eq!(p["error"], "invalid_request", "{location}");
        assert_eq!(p.contains_key("state"), has_state, "{location}");
    }
}

// Item 15.
#[tokio::test]
async fn a_replayed_code_revokes_the_tokens_issued_from_it() {
    let emu = emulator().await;
    let http = browser();
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES);
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    let t: Value = exchange(&http, &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    let refresh = |token: &str| {
        http.post(token_endpoint(&emu, ScopeDialect::Digdir))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
                ("client_id", "krr-inspector"),
            ])
            .send()
    };
    // A refresh before the replay: its tokens belong to the same grant.
    let t2: Value = refresh(t["refresh_token"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get = |url: String, token: String| async move {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
    };
    let person = emu.person_url(ScopeDialect::Digdir);
    let userinfo = format!("{}/userinfo", emu.base_url);
    for access in [&t["access_token"], &t2["access_token"]] {
        let access = access.as_str().unwrap().to_owned();
        assert_eq!(get(person.clone(), access.clone()).await.status(), 200);
        assert_eq!(get(userinfo.clone(), access).await.status(), 200);
    }

    let r = exchange(&http, &emu, &authz, &cb["code"]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");

    for access in [&t["access_token"], &t2["access_token"]] {
        let access = access.as_str().unwrap().to_owned();
        for url in [&person, &userinfo] {
            let r = get(url.clone(), access.clone()).await;
            assert_eq!(r.status(), 401, "{url}");
            assert!(
                r.headers()["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .contains("invalid_token")
            );
            assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
        }
    }
    let r = refresh(t2["refresh_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");

    // Another login's tokens are untouched.
    let other = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, "27129324169").await;
    assert_eq!(
        get(
            person.clone(),
            other["access_token"].as_str().unwrap().to_owned()
        )
        .await
        .status(),
        200
    );
}

// Item 16.
#[tokio::test]
async fn an_authorize_flood_evicts_the_oldest_pending_logins_and_locks_nobody_out() {
    let emu = start(|c| c.max_pending_logins = 50).await;
    let http = browser();
    let first = Authz::new(ScopeDialect::Digdir, CB, SCOPES);
    let first_id = login_request_id(
        &http
            .get(first.url(&emu))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    for _ in 0..200 {
        let r = http
            .get(Authz::new(ScopeDialect::Digdir, CB, SCOPES).url(&emu))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "a login page, never temporarily_unavailable"
        );
    }
    // A login started after the flood goes through.
    let cb = log_in(
        &http,
        &emu,
        &Authz::new(ScopeDialect::Digdir, CB, SCOPES),
        &[("pick", "27129324169")],
    )
    .await;
    assert!(cb.contains_key("code"), "{cb:?}");
    // The oldest pending login was the one evicted.
    let r = submit_login(
        &http,
        &emu,
        &[
            ("request", first_id.as_str()),
            ("action", "login"),
            ("pick", "27129324169"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );
}
