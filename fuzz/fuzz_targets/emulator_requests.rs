//! Every emulator handler (authorize, login form, token, register with bearer tokens, admin) through the real
//! router in-process: no request may panic it or get a 5xx.
#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

use krr_inspector::emulator::{Emulator, EmulatorConfig, Keys};

const PATHS: &[&str] = &[
    "/authorize", "/token", "/login", "/userinfo", "/logout", "/jwks.json", "/rest/v1/person", "/admin/faults",
    "/.well-known/openid-configuration", "/idporten-oidc-provider/authorize", "/idporten-oidc-provider/token",
    "/kontaktinfo-oauth2-server/rest/v1/person", "/", "/ca.pem", "/admin/stats",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
const HEADERS: &[&str] = &["authorization", "cookie", "content-type", "accept"];

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    path: u8,
    query: String,
    headers: Vec<(u8, String)>,
    body: Vec<u8>,
}

fn keys() -> Arc<Keys> {
    static K: OnceLock<Arc<Keys>> = OnceLock::new();
    K.get_or_init(|| Arc::new(Keys::generate(chrono::Utc::now()).unwrap())).clone()
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap())
}

fuzz_target!(|input: Input| {
    let app = Emulator::router(EmulatorConfig::local(keys()), "http://127.0.0.1:7070").unwrap();
    let path = PATHS[input.path as usize % PATHS.len()];
    let uri = if input.query.is_empty() { path.to_owned() } else { format!("{path}?{}", input.query) };
    let mut builder = Request::builder().method(METHODS[input.method as usize % METHODS.len()]).uri(uri);
    for (k, v) in &input.headers {
        builder = builder.header(HEADERS[*k as usize % HEADERS.len()], v.as_str());
    }
    let Ok(request) = builder.body(Body::from(input.body)) else { return };
    let response = runtime().block_on(app.oneshot(request)).unwrap();
    assert!(response.status().as_u16() < 500, "{}", response.status());
});
