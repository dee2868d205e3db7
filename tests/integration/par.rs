//! Pushed authorization requests (RFC 9126) end to end: `fetch --par` (headless TestID and the scripted browser)
//! pushes the request to the emulator's `/par` with the client's authentication, the browser gets only `client_id`
//! and `request_uri`, and a provider whose discovery requires PAR gets it without asking. The emulator's
//! `request_uri` is single use and lives 120 s.

use std::collections::BTreeSet;

use serde_json::Value;

use krr_inspector::emulator::{Emulator, EmulatorConfig, EmulatorData, EmulatorHandle};
use krr_inspector::krr::ScopeDialect;

use super::support::{Authz, browser, emulator, keys, run_against};
use super::{run_with_env, stderr};

const PID: &str = "22859197810";

fn exchange<'a>(j: &'a Value, step: &str) -> &'a Value {
    j["http"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == step)
        .unwrap_or_else(|| panic!("no {step} exchange: {j}"))
}

fn query_keys(url: &str) -> BTreeSet<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_par_pushes_everything_and_the_authorize_request_holds_only_client_id_and_request_uri()
 {
    let emu = emulator().await;
    let r = run_against(
        &emu,
        &[
            "fetch",
            "--format",
            "json",
            "--testid",
            PID,
            "--par",
            "--locale",
            "en",
            "--acr",
            "idporten-loa-high",
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let j = &r.json;
    assert_eq!(j["request"]["par"], true, "the report says PAR was used");
    assert_eq!(j["person"]["personidentifikator"], PID);
    let par = exchange(j, "par");
    assert_eq!(par["method"], "POST");
    assert_eq!(par["url"], format!("{}/par", emu.base_url));
    assert_eq!(par["status"], 201);
    let body = par["request_body"].as_str().unwrap();
    for member in [
        "response_type=code",
        "client_id=krr-inspector",
        "redirect_uri=http://127.0.0.1:",
        "scope=openid",
        "state=",
        "nonce=",
        "code_challenge=",
        "code_challenge_method=S256",
        "ui_locales=en",
        "acr_values=idporten-loa-high",
        "login_hint=testid:",
    ] {
        assert!(body.contains(member), "{member} pushed: {body}");
    }
    assert_eq!(
        body.matches("client_id=").count(),
        1,
        "client_id once: {body}"
    );
    let answer: Value = serde_json::from_str(par["response_body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["expires_in"], 120);
    let request_uri = answer["request_uri"].as_str().unwrap();
    // ID-porten's form of a pushed request's reference.
    assert!(request_uri.starts_with("urn:idporten:"), "{request_uri}");
    // The authorization request itself: the request_uri the PAR endpoint gave, and client_id; nothing else.
    let authorize = exchange(j, "authorize")["url"].as_str().unwrap();
    assert_eq!(
        query_keys(authorize),
        BTreeSet::from(["client_id".to_owned(), "request_uri".to_owned()]),
        "{authorize}"
    );
    assert!(
        url::Url::parse(authorize)
            .unwrap()
            .query_pairs()
            .any(|(k, v)| k == "request_uri" && v == request_uri)
    );
    let r = run_against(&emu, &["fetch", "--testid", PID, "--par"], &[]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("(none, PAR)"),
        "the text report says PAR: {}",
        r.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_gets_only_client_id_and_request_uri() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("url");
    // The scripted person, after noting the URL it was given.
    let browser = format!(
        "sh -c 'echo \"$1\" > \"{}\"; exec \"$0\" autologin --pid {PID} \"$1\"' '{}'",
        seen.display(),
        env!("CARGO_BIN_EXE_krr-inspector")
    );
    for client in [
        vec!["--client-id", "krr-inspector"],
        // A confidential client: PAR authenticates as the token endpoint does (HTTP Basic here).
        vec![
            "--client-id",
            "demo-client",
            "--client-secret-env",
            "DEMO_SECRET",
        ],
    ] {
        let mut args = vec!["fetch", "--format", "json", "--par", "--browser", &browser];
        args.extend(client.iter().copied());
        let r = run_against(&emu, &args, &[("DEMO_SECRET", "demo-secret")]).await;
        assert_eq!(r.code, Some(0), "{client:?}: {}", r.stderr);
        assert_eq!(r.json["request"]["par"], true);
        let url = std::fs::read_to_string(&seen).unwrap();
        assert_eq!(
            query_keys(url.trim()),
            BTreeSet::from(["client_id".to_owned(), "request_uri".to_owned()]),
            "{url}"
        );
        assert!(
            url.starts_with(&format!("{}/authorize?", emu.base_url)),
            "{url}"
        );
        let par = exchange(&r.json, "par");
        assert_eq!(par["status"], 201, "{client:?}: {par}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_key_jwt_client_pushes_with_its_assertion() {
    let emu = emulator().await;
    let key = super::support::jwt_client_key();
    let r = run_against(
        &emu,
        &[
            "fetch",
            "--format",
            "json",
            "--testid",
            PID,
            "--par",
            "--client-id",
            super::support::JWT_CLIENT,
            "--private-key",
            key.to_str().unwrap(),
            "--key-id",
            super::support::JWT_CLIENT_KID,
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let body = exchange(&r.json, "par")["request_body"].as_str().unwrap();
    assert!(body.contains("client_assertion=[redacted"), "{body}");
    assert_eq!(body.matches("client_id=").count(), 1, "{body}");
}

/// Pushes `authz` as the public client; the answer's status and JSON.
async fn push(emu: &EmulatorHandle, authz: &Authz) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/par", emu.base_url))
        .form(&authz.params)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn authorize_url(emu: &EmulatorHandle, client_id: &str, request_uri: &str) -> String {
    let mut u = url::Url::parse(&format!("{}/authorize", emu.base_url)).unwrap();
    u.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri);
    u.to_string()
}

#[tokio::test]
async fn a_request_uri_is_single_use_expires_and_belongs_to_its_client() {
    let emu = emulator().await;
    let http = browser();
    let authz = Authz::new(
        ScopeDialect::Digdir,
        "http://127.0.0.1:9/callback",
        "openid",
    );
    let (status, answer) = push(&emu, &authz).await;
    assert_eq!(status, 201, "{answer}");
    let uri = answer["request_uri"].as_str().unwrap();
    let first = http
        .get(authorize_url(&emu, "krr-inspector", uri))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200, "the login page opens");
    let again = http
        .get(authorize_url(&emu, "krr-inspector", uri))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("already used"));

    let (_, answer) = push(&emu, &authz).await;
    let uri = answer["request_uri"].as_str().unwrap().to_owned();
    let other = http
        .get(authorize_url(&emu, "demo-client", &uri))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 400);
    assert!(
        other
            .text()
            .await
            .unwrap()
            .contains("not the client that pushed")
    );

    let (_, answer) = push(&emu, &authz).await;
    let uri = answer["request_uri"].as_str().unwrap().to_owned();
    emu.advance_clock(chrono::Duration::seconds(121));
    let late = http
        .get(authorize_url(&emu, "krr-inspector", &uri))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 400);
    assert!(late.text().await.unwrap().contains("expired"));

    // The authorize endpoint's own checks, answered as PAR's JSON.
    let (status, answer) = push(
        &emu,
        &Authz::new(ScopeDialect::Digdir, "http://127.0.0.1:9/cb", "openid").without("nonce"),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(answer["error_description"], "nonce is required");
    let (status, answer) = push(&emu, &authz.set("client_id", "nobody")).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_client")),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn par_errors_and_a_provider_without_par_are_said_before_the_browser_opens() {
    let emu = emulator().await;
    // The provider refuses the pushed request: its error, as a login error.
    let r = run_against(
        &emu,
        &["fetch", "--testid", PID, "--par", "--acr", "no-such-level"],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("the PAR endpoint refused the authorization request: invalid_request")
            && r.stderr.contains("no-such-level"),
        "{}",
        r.stderr
    );
    // The Difi generation has no PAR endpoint: --par is refused before any browser is started.
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("browser-ran");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let browser = format!("touch '{}'", marker.display());
    let (issuer, person_url) = (
        emu.issuer(ScopeDialect::Difi),
        emu.person_url(ScopeDialect::Difi),
    );
    let args = [
        "fetch",
        "--issuer",
        &issuer,
        "--person-url",
        &person_url,
        "--trust-ca",
        ca.to_str().unwrap(),
        "--client-id",
        "krr-inspector",
        "--par",
        "--browser",
        &browser,
        "--timeout",
        "20",
    ];
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_with_env(&args, None, &[])
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no pushed_authorization_request_endpoint"),
        "{}",
        stderr(&o)
    );
    assert!(!marker.exists(), "no browser was opened");
}

async fn emulator_requiring_par(data: Option<Value>) -> EmulatorHandle {
    let mut config = EmulatorConfig::local(keys());
    match data {
        Some(d) => config.data = EmulatorData::parse(&d.to_string()).unwrap(),
        None => config.require_pushed_authorization_requests = true,
    }
    Emulator::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_requires_par_gets_it_without_asking() {
    let emu = emulator_requiring_par(None).await;
    let d: Value = reqwest::get(format!("{}/.well-known/openid-configuration", emu.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["require_pushed_authorization_requests"], true);
    // A plain authorization request is refused.
    let authz = Authz::new(
        ScopeDialect::Digdir,
        "http://127.0.0.1:9/callback",
        "openid",
    );
    let plain = browser().get(authz.url(&emu)).send().await.unwrap();
    assert_eq!(plain.status(), 400);
    assert!(
        plain
            .text()
            .await
            .unwrap()
            .contains("must push its authorization request")
    );
    // fetch without --par pushes anyway.
    let r = run_against(&emu, &["fetch", "--format", "json", "--testid", PID], &[]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.json["request"]["par"], true);
    assert_eq!(exchange(&r.json, "par")["status"], 201);

    // One client of the data file may require it too (ID-porten's per-client setting); others are unaffected.
    let mut data: Value =
        serde_json::from_str(krr_inspector::emulator::data::DEFAULT_DATA).unwrap();
    data["clients"].as_array_mut().unwrap().push(serde_json::json!({
        "client_id": "par-only", "auth_methods": ["none"], "require_pushed_authorization_requests": true
    }));
    let emu = emulator_requiring_par(Some(data)).await;
    let only = authz.set("client_id", "par-only");
    assert_eq!(
        browser().get(only.url(&emu)).send().await.unwrap().status(),
        400
    );
    let (status, answer) = push(&emu, &only).await;
    assert_eq!(status, 201, "{answer}");
    let page = browser()
        .get(authorize_url(
            &emu,
            "par-only",
            answer["request_uri"].as_str().unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let plain = Authz::new(
        ScopeDialect::Digdir,
        "http://127.0.0.1:9/callback",
        "openid",
    );
    assert_eq!(
        browser()
            .get(plain.url(&emu))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
