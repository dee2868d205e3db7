//! A real browser on the login page: headless Chromium, driven through chromedriver's WebDriver API, opens the
//! authorization URL, picks a person, submits, and the redirect reaches a loopback listener in the test.
//! Without Chromium the test says so and passes, unless KRR_REQUIRE_BROWSER=1 (as in CI), where it fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use krr_inspector::krr::ScopeDialect;

use super::support::{Authz, emulator, exchange};

fn find(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .into_iter()
        .chain(candidates.iter().map(PathBuf::from))
        .find(|p| p.exists())
}

/// chromium and chromedriver, or `None` (after failing the test when a browser is required).
pub fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium = find(
        "CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    );
    let driver = find("CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ if std::env::var("KRR_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!(
                "KRR_REQUIRE_BROWSER=1 but chromium and chromedriver are not installed (Debian: chromium chromium-driver)"
            )
        }
        _ => {
            eprintln!(
                "SKIPPED: no chromium/chromedriver installed; install Debian's chromium and chromium-driver to run this test"
            );
            None
        }
    }
}

/// A chromedriver process and one headless Chromium session; both end on drop.
pub struct WebDriver {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl WebDriver {
    pub async fn start(chromium: &std::path::Path, chromedriver: &std::path::Path) -> WebDriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true)
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        // The flags keep Chromium off the network it cannot reach here, and let it run as root without a display.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {r}"))
            .to_owned();
        WebDriver {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let r: Value = self
            .http
            .request(method, url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    pub async fn click(&self, css: &str) {
        let element = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        let id = element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {element}"));
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    /// Ends the session, which closes Chromium (killing chromedriver alone leaves the browser running).
    pub async fn quit(self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
    }

    pub async fn page_text(&self) -> String {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "return document.body.innerText", "args": []}),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Accepts one HTTP request on `listener`, answers a small page, and returns the request's query parameters.
async fn one_callback(
    listener: tokio::net::TcpListener,
) -> std::collections::BTreeMap<String, String> {
    loop {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = stream.read(&mut buf).await.unwrap();
        let request = String::from_utf8_lossy(&buf[..n]).into_owned();
        let target = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let body = "Logged in. You can close this tab.";
        let _ = stream
            .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
            .await;
        if target.starts_with("/callback") {
            let u = url::Url::parse(&format!("http://127.0.0.1{target}")).unwrap();
            return u
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_logs_in_on_the_emulator_page() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let emu = emulator().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirect = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let callback = tokio::spawn(one_callback(listener));

    let authz = Authz::new(
        ScopeDialect::Digdir,
        &redirect,
        "openid krr:user/kontaktinformasjon.read",
    );
    let browser = WebDriver::start(&chromium, &chromedriver).await;
    browser.goto(&authz.url(&emu)).await;
    assert!(
        browser
            .page_text()
            .await
            .contains("Log in (ID-porten emulator)")
    );
    browser.click("#pick-27129324169").await;

    let params = tokio::time::timeout(Duration::from_secs(30), callback)
        .await
        .expect("the redirect reaches the listener")
        .unwrap();
    assert_eq!(params["state"], "state-123");
    assert_eq!(params["iss"], emu.base_url);
    assert!(browser.page_text().await.contains("You can close this tab"));
    let r = exchange(&reqwest::Client::new(), &emu, &authz, &params["code"]).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let id = krr_inspector::jose::jwt::decode_unverified(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(id.claims["pid"], "27129324169");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_drives_fetch_end_to_end() {
    use std::io::{BufRead, BufReader};
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_krr-inspector"))
        .args([
            "fetch",
            "--format",
            "json",
            "--print-url",
            "--timeout",
            "60",
            "--client-id",
            "krr-inspector",
            "--locale",
            "en",
        ])
        .args([
            "--issuer",
            &emu.issuer(ScopeDialect::Digdir),
            "--person-url",
            &emu.person_url(ScopeDialect::Digdir),
        ])
        .args(["--trust-ca", ca.to_str().unwrap()])
        .env("KRR_INSPECTOR_CONFIG", super::data("no-config.toml"))
        .env_remove("KRR_INSPECTOR_BROWSER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("http://"))
            .expect("fetch prints the login URL")
    })
    .await
    .unwrap();
    let browser = WebDriver::start(&chromium, &chromedriver).await;
    browser.goto(&url).await;
    browser.click("#pick-24079412372").await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(output.status.success());
    let j: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(j["jose"]["signature"]["verdict"], "valid");
    assert_eq!(
        j["person"]["digital_post"]["postkasseadresse"],
        "ola.nordmann#6XXB"
    );
    assert!(
        browser.page_text().await.contains("The login is complete"),
        "the tab shows the listener's page"
    );
    browser.quit().await;
}
