//! Shared pieces: one set of emulator keys per test binary, an emulator on 127.0.0.1:0, and a scripted person who
//! drives the authorization request and the login page over real HTTP, the way a browser would without JavaScript.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use krr_inspector::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Keys};
use krr_inspector::krr::ScopeDialect;

/// RSA key generation is slow in debug builds: every test shares one set.
pub fn keys() -> Arc<Keys> {
    static KEYS: OnceLock<Arc<Keys>> = OnceLock::new();
    KEYS.get_or_init(|| Arc::new(Keys::generate(chrono::Utc::now()).unwrap()))
        .clone()
}

pub async fn emulator() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::local(keys()))
        .await
        .unwrap()
}

/// A browser-like HTTP client: keeps cookies (the SSO session), never follows redirects (the test reads them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let mut bytes = [0u8; 32];
        openssl::rand::rand_bytes(&mut bytes).unwrap();
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// An authorization request, with sensible defaults that each test changes as it needs.
pub struct Authz {
    pub generation: ScopeDialect,
    pub params: BTreeMap<&'static str, String>,
    pub pkce: Pkce,
}

impl Authz {
    pub fn new(generation: ScopeDialect, redirect_uri: &str, scope: &str) -> Authz {
        let pkce = Pkce::new();
        let mut params = BTreeMap::new();
        params.insert("client_id", "krr-inspector".to_owned());
        params.insert("redirect_uri", redirect_uri.to_owned());
        params.insert("response_type", "code".to_owned());
        params.insert("scope", scope.to_owned());
        params.insert("state", "state-123".to_owned());
        params.insert("nonce", "nonce-456".to_owned());
        params.insert("code_challenge", pkce.challenge.clone());
        params.insert("code_challenge_method", "S256".to_owned());
        params.insert("ui_locales", "en".to_owned());
        Authz {
            generation,
            params,
            pkce,
        }
    }

    pub fn set(mut self, key: &'static str, value: &str) -> Authz {
        self.params.insert(key, value.to_owned());
        self
    }

    pub fn without(mut self, key: &'static str) -> Authz {
        self.params.remove(key);
        self
    }

    pub fn url(&self, emu: &EmulatorHandle) -> String {
        let endpoint = match self.generation {
            ScopeDialect::Digdir => format!("{}/authorize", emu.base_url),
            ScopeDialect::Difi => format!("{}authorize", emu.issuer(ScopeDialect::Difi)),
        };
        let mut u = url::Url::parse(&endpoint).unwrap();
        u.query_pairs_mut().extend_pairs(self.params.iter());
        u.to_string()
    }
}

/// The hidden `request` field of the login form.
pub fn login_request_id(html: &str) -> String {
    let marker = "name=\"request\" value=\"";
    let start = html
        .find(marker)
        .expect("the login page has the request field")
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The query parameters of a redirect's Location.
pub fn location_params(response: &reqwest::Response) -> (String, BTreeMap<String, String>) {
    let location = response
        .headers()
        .get("location")
        .expect("a redirect has a Location")
        .to_str()
        .unwrap()
        .to_owned();
    let u = url::Url::parse(&location).unwrap();
    let params = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (location, params)
}

/// Opens the authorization URL, then submits the login form with `form` (e.g. `[("pick", pid)]`). Returns the
/// final redirect's query parameters.
pub async fn log_in(
    http: &reqwest::Client,
    emu: &EmulatorHandle,
    authz: &Authz,
    form: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let page = http.get(authz.url(emu)).send().await.unwrap();
    if page.status().is_redirection() {
        return location_params(&page).1;
    }
    assert_eq!(page.status(), 200, "the login page opens");
    let id = login_request_id(&page.text().await.unwrap());
    let mut fields: Vec<(&str, &str)> = vec![("request", &id), ("action", "login")];
    fields.extend_from_slice(form);
    let r = http
        .post(format!("{}/login", emu.base_url))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the login redirects back");
    location_params(&r).1
}

pub fn token_endpoint(emu: &EmulatorHandle, generation: ScopeDialect) -> String {
    match generation {
        ScopeDialect::Digdir => format!("{}/token", emu.base_url),
        ScopeDialect::Difi => format!("{}token", emu.issuer(ScopeDialect::Difi)),
    }
}

/// Exchanges a code as the public client.
pub async fn exchange(
    http: &reqwest::Client,
    emu: &EmulatorHandle,
    authz: &Authz,
    code: &str,
) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &authz.params["redirect_uri"]),
        ("code_verifier", &authz.pkce.verifier),
        ("client_id", &authz.params["client_id"]),
    ];
    http.post(token_endpoint(emu, authz.generation))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Logs `pid` in and returns the token response JSON.
pub async fn tokens_for(
    emu: &EmulatorHandle,
    generation: ScopeDialect,
    scope: &str,
    pid: &str,
) -> serde_json::Value {
    let http = browser();
    let authz = Authz::new(generation, "http://127.0.0.1:9/callback", scope);
    let cb = log_in(&http, emu, &authz, &[("pick", pid)]).await;
    let r = exchange(&http, emu, &authz, &cb["code"]).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// What the binary did, run against an emulator.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    /// Standard output as JSON (`Null` when it is not).
    pub json: serde_json::Value,
    pub stderr: String,
}

/// Runs the binary with `args`, then the emulator's Digdir URLs (its CA trusted), the public client (unless
/// `args` names one) and a 20 s callback timeout, off the async threads.
pub async fn run_against(emu: &EmulatorHandle, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(
        [
            "--issuer",
            &emu.issuer(ScopeDialect::Digdir),
            "--person-url",
            &emu.person_url(ScopeDialect::Digdir),
            "--trust-ca",
            ca.to_str().unwrap(),
        ]
        .map(String::from),
    );
    if !args.contains(&"--client-id") {
        all.extend(["--client-id".into(), "krr-inspector".into()]);
    }
    if !args.contains(&"--timeout") {
        all.extend(["--timeout".into(), "20".into()]);
    }
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        super::run_with_env(&args, None, &env)
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    Ran {
        code: o.status.code(),
        json: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stdout,
        stderr: super::stderr(&o),
    }
}

/// The scripted person as a browser command: `autologin ARGS`.
pub fn autologin_browser(args: &str) -> String {
    format!("'{}' autologin {args}", env!("CARGO_BIN_EXE_krr-inspector"))
}

/// GETs a page's text (the login or consent page).
pub async fn page_text(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

/// The register's answer as JSON for an access token.
pub async fn person_json(
    emu: &EmulatorHandle,
    generation: ScopeDialect,
    access_token: &str,
) -> serde_json::Value {
    reqwest::Client::new()
        .get(emu.person_url(generation))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// GETs a URL and reads its body as JSON.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: impl reqwest::IntoUrl) -> T {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Submits the emulator's login form (`POST /login`) with these fields, as the page's browser would.
pub async fn submit_login(
    http: &reqwest::Client,
    emu: &EmulatorHandle,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{}/login", emu.base_url))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The emulator's private_key_jwt client (`krr-inspector-jwt` in the shipped data) and its key's `kid`.
pub const JWT_CLIENT: &str = "krr-inspector-jwt";
pub const JWT_CLIENT_KID: &str = "krr-inspector-jwt-test-1";

/// The shipped test key of [`JWT_CLIENT`] (test material, named so).
pub fn jwt_client_key() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/test-keys/krr-inspector-jwt.TEST-ONLY-NOT-SECRET.key.pem")
}
