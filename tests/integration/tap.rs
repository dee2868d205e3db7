//! For the leak tests: the emulator behind a tap that keeps every secret that crosses the wire (client secrets,
//! client assertions, DPoP proofs, codes, code verifiers, access, refresh and id tokens, as sent and as issued),
//! and one check that none of them, nor any other secret a test names, is in the outputs of the binary, in the
//! history file the app's writer makes of its reports, or in any file under its data directory.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use serde_json::Value;

use krr_inspector::emulator::{Emulator, EmulatorConfig};
use krr_inspector::inspect::export;
use krr_inspector::inspect::history::History;
use krr_inspector::inspect::history_writer::HistoryWriter;

use super::support::keys;

type Seen = Arc<Mutex<Vec<String>>>;

/// Form fields whose values are secrets (the token endpoint's, PAR's, introspection's and revocation's).
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "client_assertion",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "id_token_hint",
];
/// Members of a token response that are secrets.
const SECRET_MEMBERS: &[&str] = &["access_token", "refresh_token", "id_token"];

/// An emulator (Digdir URLs at its root) served behind the tap.
pub struct Tapped {
    pub base_url: String,
    pub ca_pem: String,
    seen: Seen,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Tapped {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Tapped {
    pub fn person_url(&self) -> String {
        format!("{}/rest/v1/person", self.base_url)
    }

    /// Every secret seen so far; each JWT's signature also on its own (what a summary that kept it would show).
    pub fn secrets(&self) -> Vec<String> {
        let mut all: Vec<String> = self.seen.lock().unwrap().clone();
        let signatures: Vec<String> = all
            .iter()
            .filter_map(|s| {
                let parts: Vec<&str> = s.split('.').collect();
                (parts.len() == 3 && parts[2].len() >= 40).then(|| parts[2].to_owned())
            })
            .collect();
        all.extend(signatures);
        all.sort();
        all.dedup();
        all
    }
}

/// Binds 127.0.0.1:0 and serves the emulator's router behind the tap.
pub async fn tapped_emulator() -> Tapped {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let app = Emulator::router(EmulatorConfig::local(keys()), &base_url)
        .unwrap()
        .layer(axum::middleware::from_fn_with_state(seen.clone(), tap));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Tapped {
        base_url,
        ca_pem: keys().ca_pem(),
        seen,
        task,
    }
}

async fn tap(State(seen): State<Seen>, request: Request, next: Next) -> Response {
    let mut found = Vec::new();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    for (name, value) in &parts.headers {
        let value = value.to_str().unwrap_or_default();
        match name.as_str() {
            "authorization" => {
                let (scheme, credentials) = value.split_once(' ').unwrap_or(("", value));
                found.push(credentials.to_owned());
                if scheme.eq_ignore_ascii_case("basic") {
                    // client_secret_basic: `client_id:client_secret`, each form-encoded (RFC 6749 §2.3.1).
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(credentials)
                        .unwrap_or_default();
                    let pair = String::from_utf8_lossy(&decoded).into_owned();
                    if let Some((_, secret)) = pair.split_once(':') {
                        found.extend(
                            url::form_urlencoded::parse(format!("s={secret}").as_bytes())
                                .map(|(_, v)| v.into_owned()),
                        );
                    }
                }
            }
            "dpop" => found.push(value.to_owned()),
            _ => {}
        }
    }
    found.extend(
        url::form_urlencoded::parse(&body)
            .filter(|(k, _)| SECRET_FIELDS.contains(&k.as_ref()))
            .map(|(_, v)| v.into_owned()),
    );
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    // The authorization code, in the redirect back to the client.
    if let Some(location) = parts.headers.get("location").and_then(|l| l.to_str().ok())
        && let Ok(url) = url::Url::parse(location)
    {
        found.extend(
            url.query_pairs()
                .filter(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned()),
        );
    }
    if let Ok(json) = serde_json::from_slice::<Value>(&body) {
        found.extend(
            SECRET_MEMBERS
                .iter()
                .filter_map(|m| json.get(*m).and_then(Value::as_str))
                .map(str::to_owned),
        );
    }
    // Short values (an empty field, a test's "x") would match anywhere; every real secret here is long.
    seen.lock()
        .unwrap()
        .extend(found.into_iter().filter(|s| s.len() >= 8));
    Response::from_parts(parts, Body::from(body))
}

/// One command's outputs, named for the failure message.
pub struct Output<'a> {
    pub what: String,
    pub stdout: &'a str,
    pub stderr: &'a str,
}

/// Asserts that no secret is in any output, in the history file the app's writer makes of the JSON reports among
/// them (written under `data_dir`, as the app keeps it), or in any file under `data_dir`.
pub fn assert_no_secret(secrets: &[String], outputs: &[Output], data_dir: &Path) {
    assert!(!secrets.is_empty(), "no secrets to look for");
    let check = |where_: &str, text: &str| {
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "a secret ({}…, {} chars) in {where_}",
                &s[..6.min(s.len())],
                s.len()
            );
        }
    };
    let mut history = History::default();
    for o in outputs {
        check(&format!("the standard output of {}", o.what), o.stdout);
        check(&format!("the standard error of {}", o.what), o.stderr);
        if let Ok(inspection) = export::from_json(o.stdout) {
            history.push(Arc::new(inspection));
        }
    }
    assert!(!history.entries.is_empty(), "no JSON report to keep");
    let path = data_dir.join("krr-inspector").join("history.json");
    let mut writer = HistoryWriter::new(path.clone());
    writer.save(&history);
    writer.flush();
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("personidentifikator"),
        "the history holds the lookups"
    );
    let mut files = 0;
    let mut dirs = vec![data_dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files += 1;
                let bytes = std::fs::read(&path).unwrap();
                check(
                    &format!("the file {}", path.display()),
                    &String::from_utf8_lossy(&bytes),
                );
            }
        }
    }
    assert!(files >= 1, "the history file at least");
}
