//! The emulator's admin endpoints (`/admin/faults` GET/PUT/POST, `/admin/codes`, `/admin/stats`, `/`) through the
//! real router in-process, several requests in a row against one emulator so that state carries over (a minted
//! code outstanding, switches set): no request may panic it or get a 5xx, and every error is the emulator's JSON.
#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

use krr_inspector::emulator::{Emulator, EmulatorConfig, Keys};

const BASE: &str = "http://127.0.0.1:7070";
const ORIGINS: &[&str] = &[
    BASE,
    "http://evil.example",
    "null",
    "http://127.0.0.1:7071",
    "",
];
const TYPES: &[&str] = &[
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "",
];
const REDIRECTS: &[&str] = &[
    "http://127.0.0.1:9/cb",
    "http://127.1:9/cb",
    "http://evil@127.0.0.1:9/cb",
    "http://127.0.0.1:0/cb",
    "",
];

#[derive(Arbitrary, Debug)]
enum Call {
    /// `POST /admin/codes` with a well-formed body, so the counting code is reached.
    Mint {
        count: u64,
        huge: bool,
        redirect: u8,
        challenge: String,
        pid: Option<String>,
        scope: Option<String>,
    },
    PutFaults {
        json: String,
    },
    PutSwitches {
        tamper: bool,
        http_500: bool,
        delay: u64,
        expired_tokens: bool,
    },
    PostForm {
        form: String,
    },
    Raw {
        method: u8,
        path: u8,
        body: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
struct Step {
    call: Call,
    origin: u8,
    content_type: u8,
    cross_site: bool,
}

fn keys() -> Arc<Keys> {
    static K: OnceLock<Arc<Keys>> = OnceLock::new();
    K.get_or_init(|| Arc::new(Keys::generate(chrono::Utc::now()).unwrap()))
        .clone()
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A JSON string literal (the fuzz crate has no serde_json of its own).
fn js(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn pick<'a>(list: &[&'a str], i: u8) -> &'a str {
    list[i as usize % list.len()]
}

fuzz_target!(|steps: Vec<Step>| {
    let app = Emulator::router(EmulatorConfig::local(keys()), BASE).unwrap();
    for step in steps.into_iter().take(16) {
        let (method, path, body) = match step.call {
            Call::Mint {
                count,
                huge,
                redirect,
                challenge,
                pid,
                scope,
            } => {
                let count = if huge {
                    u64::MAX - (count % 4)
                } else {
                    count % 64
                };
                let mut body = format!(
                    "{{\"count\":{count},\"client_id\":\"krr-inspector\",\"redirect_uri\":{},\"code_challenge\":{}",
                    js(pick(REDIRECTS, redirect)),
                    js(&challenge)
                );
                if let Some(pid) = pid {
                    body.push_str(&format!(",\"pid\":{}", js(&pid)));
                }
                if let Some(scope) = scope {
                    body.push_str(&format!(",\"scope\":{}", js(&scope)));
                }
                body.push('}');
                ("POST", "/admin/codes", body.into_bytes())
            }
            Call::PutFaults { json } => ("PUT", "/admin/faults", json.into_bytes()),
            Call::PutSwitches {
                tamper,
                http_500,
                delay,
                expired_tokens,
            } => {
                let body = format!(
                    "{{\"tamper_signature\":{tamper},\"http_500\":{http_500},\"delay_seconds\":{},\"expired_tokens\":{expired_tokens}}}",
                    delay % 400
                );
                ("PUT", "/admin/faults", body.into_bytes())
            }
            Call::PostForm { form } => ("POST", "/admin/faults", form.into_bytes()),
            Call::Raw { method, path, body } => (
                pick(&["GET", "POST", "PUT", "DELETE", "PATCH"], method),
                pick(
                    &[
                        "/admin/faults",
                        "/admin/codes",
                        "/admin/stats",
                        "/",
                        "/admin/nothing",
                    ],
                    path,
                ),
                body,
            ),
        };
        let mut builder = Request::builder().method(method).uri(path);
        let origin = pick(ORIGINS, step.origin);
        if !origin.is_empty() {
            builder = builder.header("origin", origin);
        }
        let content_type = pick(TYPES, step.content_type);
        if !content_type.is_empty() {
            builder = builder.header("content-type", content_type);
        }
        if step.cross_site {
            builder = builder.header("sec-fetch-site", "cross-site");
        }
        let Ok(request) = builder.body(Body::from(body)) else {
            continue;
        };
        let response = runtime().block_on(app.clone().oneshot(request)).unwrap();
        let status = response.status();
        assert!(status.as_u16() < 500, "{method} {path}: {status}");
        let is_json = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let bytes = runtime()
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 24))
            .unwrap();
        if status.is_client_error() && is_json {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                text.contains("\"error\":") && text.contains("\"error_description\":"),
                "{text}"
            );
        }
    }
});
