//! The fault catalogue end to end: each fault turned on through the admin API, the real `fetch --format json`
//! run against the emulator with the scripted person as its browser, and what a tester must see in the report.

use serde_json::{Value, json};

use krr_inspector::emulator::EmulatorHandle;

use super::support::{autologin_browser, emulator, get_json, run_against};

/// What one `fetch` gave: its exit code, its JSON report and its standard error.
struct Fetched {
    code: Option<i32>,
    json: Value,
    stderr: String,
}

/// Sets the faults through `PUT /admin/faults`, as a service provider's test would.
async fn set_faults(emu: &EmulatorHandle, faults: Value) {
    let r = reqwest::Client::new()
        .put(format!("{}/admin/faults", emu.base_url))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the faults {faults} are accepted");
}

/// Turns `faults` on, runs `fetch --format json` (Digdir, the documentation's example person) with `extra`
/// arguments, and turns them off again.
async fn fetch_with(emu: &EmulatorHandle, faults: Value, extra: &[&str]) -> Fetched {
    set_faults(emu, faults).await;
    let browser = autologin_browser("--pid 27129324169");
    let mut args = vec!["fetch", "--format", "json", "--browser", &browser];
    args.extend_from_slice(extra);
    let r = run_against(emu, &args, &[]).await;
    set_faults(emu, json!({})).await;
    Fetched {
        code: r.code,
        json: r.json,
        stderr: r.stderr,
    }
}

/// The id_token check named `check`.
fn id_check<'a>(f: &'a Fetched, check: &str) -> &'a Value {
    f.json["token"]["id_token_checks"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["check"] == check))
        .unwrap_or_else(|| panic!("no id_token check {check}: {}", f.json["token"]))
}

/// The id_token checks that failed, by name.
fn failed_checks(f: &Fetched) -> Vec<String> {
    f.json["token"]["id_token_checks"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["passed"] == false)
                .map(|r| r["check"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The flags on the field at `path`.
fn flags(f: &Fetched, path: &str) -> Vec<String> {
    f.json["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|x| x["path"] == path))
        .map(|x| {
            x["flags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// The error's hint.
fn hint(f: &Fetched) -> &str {
    f.json["error"]["hint"].as_str().unwrap_or("")
}

/// Whether the access token went to the register (a `person` exchange was made).
fn asked_the_register(f: &Fetched) -> bool {
    f.json["http"]["exchanges"]
        .as_array()
        .is_some_and(|x| x.iter().any(|e| e["step"] == "person"))
}

/// A login refused because its id_token fails `checks`: the failed rows are kept, the register is never asked.
fn refused_id_token(f: &Fetched, fault: &str, checks: &[&str]) {
    failed(f, fault, "id_token", "the id_token fails its checks (");
    let message = f.json["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("the access token is not sent to the register"),
        "{fault}: {message}"
    );
    for check in checks {
        assert!(
            message.contains(check),
            "{fault}: {check} not named in {message}"
        );
    }
    assert_eq!(failed_checks(f), checks, "{fault}");
    assert!(
        !asked_the_register(f),
        "{fault}: the access token never reaches the register: {}",
        f.json["http"]["exchanges"]
    );
    assert!(f.json["person"].is_null(), "{fault}: {}", f.json["person"]);
}

fn verdict(f: &Fetched) -> (&str, &str) {
    let s = &f.json["jose"]["signature"];
    (
        s["verdict"].as_str().unwrap_or("(none)"),
        s["reason"].as_str().unwrap_or(""),
    )
}

/// A lookup that completed (exit 0) with a person in the report.
fn completed(f: &Fetched, fault: &str) {
    assert_eq!(
        f.code,
        Some(0),
        "{fault}: the lookup completes, the fault is in the report: {}",
        f.stderr
    );
    assert!(
        f.json["person"].is_object() || f.json["person"].is_string(),
        "{fault}: {}",
        f.json
    );
}

/// A lookup that failed (exit 1) with `kind` and a message containing `needle`, on standard error too.
fn failed(f: &Fetched, fault: &str, kind: &str, needle: &str) {
    assert_eq!(f.code, Some(1), "{fault}: {}", f.stderr);
    assert_eq!(
        f.json["error"]["kind"], kind,
        "{fault}: {}",
        f.json["error"]
    );
    let message = f.json["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(needle),
        "{fault}: '{needle}' not in '{message}'"
    );
    assert!(f.stderr.contains(needle), "{fault}: {}", f.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_lists_every_fault_with_what_a_good_client_does() {
    let emu = emulator().await;
    let c: Value = get_json(format!("{}/admin/faults/catalogue", emu.base_url)).await;
    let entries = c["catalogue"].as_array().unwrap();
    assert!(entries.len() >= 30, "{} faults", entries.len());
    let this_file = include_str!("faults.rs");
    for e in entries {
        let name = e["name"].as_str().unwrap();
        assert!(
            ["switch", "seconds"].contains(&e["kind"].as_str().unwrap()),
            "{e}"
        );
        for member in ["label", "description", "good_client"] {
            assert!(!e[member].as_str().unwrap().is_empty(), "{name}.{member}");
        }
        // Each fault is turned on by a test below (by its name in quotes).
        assert!(
            this_file.contains(&format!("\"{name}\"")),
            "{name} has no end-to-end test in faults.rs"
        );
        assert!(
            c["faults"].get(name).is_some(),
            "{name} in the current values"
        );
    }
    // GET /admin/faults keeps its shape: the values only, as PUT takes them.
    let values: Value = get_json(format!("{}/admin/faults", emu.base_url)).await;
    assert_eq!(values, c["faults"]);
    // A number out of its bounds is refused with the bounds named; the index page offers every fault.
    let r = reqwest::Client::new()
        .put(format!("{}/admin/faults", emu.base_url))
        .json(&json!({"clock_skew_seconds": 100000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["error_description"],
        "clock_skew_seconds must be between -86400 and 86400, not 100000"
    );
    let page = reqwest::get(format!("{}/", emu.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for e in entries {
        assert!(
            page.contains(&format!("name=\"{}\"", e["name"].as_str().unwrap())),
            "{e}"
        );
    }
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/admin/faults", emu.base_url))
        .form(&[("clock_skew_seconds", "-30"), ("key_rotation", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let values: Value = get_json(format!("{}/admin/faults", emu.base_url)).await;
    assert_eq!(
        (&values["clock_skew_seconds"], &values["key_rotation"]),
        (&json!(-30), &json!(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_faults_show_in_the_id_token_checks() {
    let emu = emulator().await;
    // A skew within a minute is tolerated; ten minutes is not, and the report names the claim.
    let f = fetch_with(&emu, json!({"clock_skew_seconds": 30}), &[]).await;
    completed(&f, "clock_skew_seconds 30");
    assert!(failed_checks(&f).is_empty(), "{:?}", failed_checks(&f));
    let f = fetch_with(&emu, json!({"clock_skew_seconds": 600}), &[]).await;
    refused_id_token(&f, "clock_skew_seconds 600", &["iat"]);
    assert_eq!(id_check(&f, "iat")["detail"], "issued 600 s in the future");

    // After a rotation the token's new kid is in the JWKS fetched now: it verifies.
    let f = fetch_with(&emu, json!({"key_rotation": true}), &[]).await;
    completed(&f, "key_rotation");
    assert!(failed_checks(&f).is_empty(), "{:?}", failed_checks(&f));
    let sig = id_check(&f, "signature")["detail"].as_str().unwrap();
    assert!(sig.contains("kid=rotated-"), "{sig}");

    for (fault, check, detail) in [
        (
            "id_token_wrong_aud",
            "aud",
            "\"another-client\" (client_id krr-inspector)",
        ),
        (
            "id_token_wrong_iss",
            "iss",
            "\"https://idporten.example/\" is not the issuer",
        ),
        (
            "id_token_wrong_nonce",
            "nonce",
            "does not match the request (replay?)",
        ),
        (
            "id_token_alg_none",
            "signature",
            "alg \"none\" is refused: only asymmetric algorithms (RS256, PS256, ES256, ...) are accepted",
        ),
    ] {
        let f = fetch_with(&emu, json!({fault: true}), &[]).await;
        refused_id_token(&f, fault, &[check]);
        assert_eq!(id_check(&f, check)["detail"], detail, "{fault}");
        assert!(
            f.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains(detail),
            "{fault}: the failed check's detail is in the message"
        );
    }

    // Consent declined for a scope: the token and the report show the scope missing.
    let f = fetch_with(&emu, json!({"consent_declined": true}), &[]).await;
    completed(&f, "consent_declined");
    let asked = f.json["token"]["scopes_requested"]
        .as_array()
        .unwrap()
        .clone();
    let granted = f.json["token"]["scopes_granted"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        asked.contains(&json!("krr:user/digitalpost.read")),
        "{asked:?}"
    );
    assert!(
        !granted.contains(&json!("krr:user/digitalpost.read")),
        "{granted:?}"
    );
    assert_eq!(
        f.json["scope_check"]["granted"].as_array().unwrap(),
        &granted,
        "the scope check is made against what was granted"
    );
    assert_eq!(
        f.json["token"]["problems"],
        json!([
            "krr:user/digitalpost.read was asked for but is not in the token: declined on the consent page, or not allowed for this client"
        ])
    );

    // The tokens expired on arrival: the id_token's exp fails, so the login is refused before the register is
    // asked (it used to send the token and report the register's 401).
    let f = fetch_with(&emu, json!({"expired_tokens": true}), &[]).await;
    refused_id_token(&f, "expired_tokens", &["exp"]);
    let f = fetch_with(&emu, json!({"wrong_kid": true}), &[]).await;
    refused_id_token(&f, "wrong_kid", &["signature"]);
    assert!(
        f.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no key with kid \"unknown-kid\" in the key set"),
        "{}",
        f.json["error"]
    );

    // No pid: the register has nobody to answer for.
    let f = fetch_with(&emu, json!({"token_without_pid": true}), &[]).await;
    failed(
        &f,
        "token_without_pid",
        "no_national_id",
        "this login has no national id, so the register has no answer (403)",
    );
    assert!(
        f.json["token"]["problems"]
            .to_string()
            .contains("this login has no national id (pid)"),
        "{}",
        f.json["token"]["problems"]
    );
    assert!(f.json["token"]["id_token_claims"].get("pid").is_none());
    assert!(f.json["token"]["access_token_claims"].get("pid").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_outages_fail_the_login_naming_the_endpoint() {
    let emu = emulator().await;
    let f = fetch_with(&emu, json!({"jwks_unavailable": true}), &[]).await;
    failed(
        &f,
        "jwks_unavailable",
        "login",
        "/jwks.json answered 503 with text/html",
    );
    assert!(f.json["token"].is_null(), "no token is taken as checked");
    assert_eq!(
        hint(&f),
        "The provider's key set is unavailable: try again later."
    );
    let one_second = ["--http-timeout", "1"];
    let f = fetch_with(&emu, json!({"jwks_delay_seconds": 3}), &one_second).await;
    failed(
        &f,
        "jwks_delay_seconds",
        "login",
        "/jwks.json did not answer in time",
    );
    let f = fetch_with(&emu, json!({"token_delay_seconds": 3}), &one_second).await;
    failed(
        &f,
        "token_delay_seconds",
        "login",
        "/token did not answer in time",
    );
    let f = fetch_with(&emu, json!({"token_unavailable": true}), &[]).await;
    failed(
        &f,
        "token_unavailable",
        "login",
        "the token endpoint refused the code: temporarily_unavailable",
    );
    assert_eq!(hint(&f), "The provider has a problem: try again later.");
    let codes_before = emu.stats()["codes"].clone();
    let f = fetch_with(&emu, json!({"discovery_wrong_issuer": true}), &[]).await;
    failed(
        &f,
        "discovery_wrong_issuer",
        "login",
        "they must be identical (mix-up defence)",
    );
    // Refused before the login: no request went to the authorization endpoint.
    assert_eq!(emu.stats()["codes"], codes_before, "no code was issued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_response_faults_are_refused_before_the_code_is_used() {
    let emu = emulator().await;
    let f = fetch_with(
        &emu,
        json!({"callback_wrong_state": true}),
        &["--timeout", "3"],
    )
    .await;
    failed(
        &f,
        "callback_wrong_state",
        "login",
        "a callback was refused: the callback's state does not match this login",
    );
    let f = fetch_with(&emu, json!({"callback_without_iss": true}), &[]).await;
    failed(
        &f,
        "callback_without_iss",
        "login",
        "the provider promises `iss` on the authorization response (RFC 9207), but the callback has none",
    );
    assert!(
        hint(&f).starts_with("Start a new login from this tool") && hint(&f).contains("mix-up"),
        "{}",
        hint(&f)
    );
    let f = fetch_with(&emu, json!({"callback_wrong_iss": true}), &[]).await;
    failed(
        &f,
        "callback_wrong_iss",
        "login",
        "the callback's iss is \"https://idporten.example/\"",
    );
    let exchanges = f.json["http"]["exchanges"].as_array().unwrap();
    assert!(
        exchanges.iter().all(|e| e["step"] != "token"),
        "the code is never exchanged: {exchanges:?}"
    );
}

/// A headless TestID login reads the code from the redirect itself: it is judged as a browser's callback is, so a
/// CI job that uses `--testid` learns the same (at once, without waiting for a timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_testid_login_refuses_the_same_authorization_responses() {
    let emu = emulator().await;
    let headless = ["--testid", "27129324169"];
    let f = fetch_with(&emu, json!({"callback_wrong_state": true}), &headless).await;
    failed(
        &f,
        "callback_wrong_state (testid)",
        "login",
        "state does not match this login",
    );
    let f = fetch_with(&emu, json!({"callback_without_iss": true}), &headless).await;
    failed(
        &f,
        "callback_without_iss (testid)",
        "login",
        "but the callback has none",
    );
    assert!(hint(&f).contains("mix-up"), "{}", hint(&f));
    let f = fetch_with(&emu, json!({"callback_wrong_iss": true}), &headless).await;
    failed(
        &f,
        "callback_wrong_iss (testid)",
        "login",
        "(mix-up attack?)",
    );
    // And the token faults reach it too.
    let f = fetch_with(&emu, json!({"id_token_wrong_nonce": true}), &headless).await;
    refused_id_token(&f, "id_token_wrong_nonce (testid)", &["nonce"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_refusals_are_reported_with_their_status() {
    let emu = emulator().await;
    let f = fetch_with(&emu, json!({"rate_limited": true}), &[]).await;
    failed(&f, "rate_limited", "rate_limited", "rate limited: ");
    assert!(
        f.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("retry in 30 s (Retry-After)"),
        "{}",
        f.json["error"]
    );
    assert_eq!(hint(&f), "Wait and try again.");
    assert_eq!(f.json["http"]["status"], 429);
    let person = f.json["http"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == "person")
        .unwrap()
        .clone();
    assert!(
        person["response_headers"]
            .to_string()
            .contains("retry-after"),
        "Retry-After is in the HTTP record: {person}"
    );
    let f = fetch_with(&emu, json!({"maintenance_page": true}), &[]).await;
    failed(
        &f,
        "maintenance_page",
        "server_error",
        "the register answered 503 with an HTML page (text/html), not its JSON: it is probably down for maintenance",
    );
    let message = f.json["error"]["message"].as_str().unwrap();
    assert!(!message.contains('<'), "no raw HTML: {message}");
    assert_eq!(f.json["http"]["content_type"], "text/html; charset=utf-8");
    let f = fetch_with(&emu, json!({"http_500": true}), &[]).await;
    failed(&f, "http_500", "server_error", "the register failed (500)");
    let f = fetch_with(&emu, json!({"delay_seconds": 3}), &["--http-timeout", "1"]).await;
    failed(
        &f,
        "delay_seconds",
        "network",
        "/rest/v1/person did not answer in time",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_faults_show_in_the_verdict() {
    let emu = emulator().await;
    for (fault, want, reason) in [
        (
            "tamper_signature",
            "invalid",
            "the answer was changed after signing",
        ),
        ("expired_certificate", "untrusted", "expired on"),
        ("unknown_ca", "untrusted", "which is not a trusted anchor"),
        ("jws_alg_none", "invalid", "the answer is not signed at all"),
        (
            "x5c_wrong_order",
            "invalid",
            "does not verify with the key of x5c[0] (krr-inspector Emulator Root CA): x5c[0] is a CA certificate \
             (basicConstraints CA:TRUE) but x5c[1] is not, so the chain is in the wrong order (RFC 7515 §4.1.6: the \
             first certificate must be the signer's)",
        ),
        ("x5c_leaf_only", "valid", "chains to the trusted anchor"),
        (
            "x5c_expired_intermediate",
            "untrusted",
            "krr-inspector Emulator Intermediate CA' expired on",
        ),
    ] {
        let f = fetch_with(&emu, json!({fault: true}), &[]).await;
        completed(&f, fault);
        let (verdict, why) = verdict(&f);
        assert_eq!(verdict, want, "{fault}: {why}");
        assert!(why.contains(reason), "{fault}: {why}");
    }
    let f = fetch_with(&emu, json!({"truncated_jws": true}), &[]).await;
    completed(&f, "truncated_jws");
    let (v, why) = verdict(&f);
    assert_eq!(v, "invalid", "truncated_jws: {why}");
    assert!(
        why.contains("signature with this key is 256 bytes, this one is")
            && why.contains("cut short or padded on the way"),
        "{why}"
    );

    // Asked for a signed answer, got plain JSON: nothing is signed, and the report says unsigned.
    let f = fetch_with(&emu, json!({"json_despite_jose": true}), &[]).await;
    completed(&f, "json_despite_jose");
    assert_eq!(f.json["request"]["accept"], "jose");
    assert!(f.json["jose"].is_null(), "unsigned: {}", f.json["jose"]);
    assert_eq!(
        f.json["http"]["content_type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(
        f.json["problems"],
        json!([
            "asked for a signed answer (application/jose), got an unsigned one (application/json): nothing proves it came from the register"
        ])
    );

    // A JWS labelled JSON is still verified; JSON labelled JOSE is never taken as signed.
    let f = fetch_with(&emu, json!({"wrong_content_type": true}), &[]).await;
    completed(&f, "wrong_content_type (jose)");
    assert_eq!(
        f.json["http"]["content_type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(verdict(&f).0, "valid");
    assert_eq!(
        f.json["problems"],
        json!([
            "the Content-Type says application/json, but the body is a JWS (application/jose): the answer is mislabelled"
        ])
    );
    let f = fetch_with(
        &emu,
        json!({"wrong_content_type": true}),
        &["--accept", "json"],
    )
    .await;
    completed(&f, "wrong_content_type (json)");
    assert_eq!(f.json["http"]["content_type"], "application/jose");
    assert_eq!(
        verdict(&f),
        (
            "invalid",
            "the Content-Type says application/jose, but the body is plain JSON: nothing was signed"
        )
    );
    assert_eq!(
        f.json["problems"],
        json!([
            "the Content-Type says application/jose, but the body is plain JSON (application/json): the answer is mislabelled"
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_faults_show_on_the_fields_or_as_problems() {
    let emu = emulator().await;
    for (fault, path, value) in [
        ("unknown_status", "status", "SPERRET"),
        ("unknown_reservasjon", "reservasjon", "DELVIS"),
        (
            "unknown_varslingsstatus",
            "varslingsstatus",
            "MIDLERTIDIG_SPERRET",
        ),
    ] {
        let f = fetch_with(&emu, json!({fault: true}), &[]).await;
        completed(&f, fault);
        assert_eq!(f.json["person"][path], value, "{fault}");
        assert_eq!(flags(&f, path), ["unknown_code"], "{fault}");
        assert_eq!(verdict(&f).0, "valid", "{fault}: the signature is fine");
    }
    let f = fetch_with(&emu, json!({"unknown_field": true}), &[]).await;
    completed(&f, "unknown_field");
    assert_eq!(flags(&f, "sist_kontrollert"), ["unknown_field"]);

    let f = fetch_with(&emu, json!({"trailing_comma": true}), &[]).await;
    completed(&f, "trailing_comma");
    let problems = f.json["problems"].to_string();
    assert!(
        problems.contains("the payload is not JSON: trailing comma"),
        "{problems}"
    );
    assert!(f.json["fields"].as_array().unwrap().is_empty());
    let f = fetch_with(&emu, json!({"trailing_comma": true}), &["--accept", "json"]).await;
    completed(&f, "trailing_comma (json)");
    assert!(f.json["problems"].to_string().contains("trailing comma"));

    let f = fetch_with(&emu, json!({"duplicate_member": true}), &[]).await;
    completed(&f, "duplicate_member");
    assert_eq!(
        f.json["problems"],
        json!([
            "the member /reservasjon appears more than once in the answer: readers disagree on which value counts (the last one is shown here)"
        ])
    );
    assert_eq!(f.json["person"]["reservasjon"], "JA");

    let f = fetch_with(&emu, json!({"missing_status": true}), &[]).await;
    completed(&f, "missing_status");
    assert!(f.json["person"].get("status").is_none());
    assert_eq!(
        f.json["problems"],
        json!([
            "the required field status is missing from the answer: the register always sends it"
        ])
    );
    // The gap has a row of its own, flagged, with no value made up.
    let rows: Vec<&Value> = f.json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["path"] == "status")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["value"], Value::Null);
    assert_eq!(flags(&f, "status"), ["missing"]);

    let f = fetch_with(&emu, json!({"answer_for_other_person": true}), &[]).await;
    failed(
        &f,
        "answer_for_other_person",
        "other_person",
        "the answer is for 01048800153, but the logged-in person is 27129324169",
    );
    // The answer is kept for the tester to see, signature and all.
    assert_eq!(verdict(&f).0, "valid");
    assert_eq!(f.json["person"]["personidentifikator"], "01048800153");
    assert_eq!(f.json["token"]["id_token_claims"]["pid"], "27129324169");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_gives_the_matrix_nothing_to_refresh_with() {
    let emu = emulator().await;
    set_faults(&emu, json!({"id_token_wrong_nonce": true})).await;
    let r = run_against(
        &emu,
        &["matrix", "--format", "json", "--testid", "24079412372"],
        &[],
    )
    .await;
    set_faults(&emu, json!({})).await;
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let rows = r.json["rows"].as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty(), "{}", r.stdout);
    for row in &rows {
        assert_eq!(row["obtained"], "login", "{}", row["scopes"]);
        assert!(
            row["error"]
                .as_str()
                .unwrap_or_default()
                .contains("the id_token fails its checks"),
            "{}",
            row["error"]
        );
        let steps: Vec<&str> = row["inspection"]["http"]["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["step"].as_str())
            .collect();
        assert!(
            !steps.contains(&"refresh") && !steps.contains(&"person"),
            "the refused tokens are used for nothing: {steps:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_does_not_narrow_gets_a_prompt_none_login_per_set() {
    let emu = emulator().await;
    set_faults(&emu, json!({"refresh_scope_refused": true})).await;
    let jar = tempfile::tempdir().unwrap();
    let browser = super::support::autologin_browser(&format!(
        "--pid 24079412372 --cookie-jar '{}'",
        jar.path().join("cookies").display()
    ));
    let r = run_against(
        &emu,
        &["matrix", "--format", "json", "--browser", &browser],
        &[],
    )
    .await;
    set_faults(&emu, json!({})).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rows = r.json["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 4, "Digdir's four sets: {}", r.stdout);
    for row in &rows {
        assert_eq!(row["obtained"], "prompt_none", "{}", row["scopes"]);
        assert_eq!(
            row["inspection"]["token"]["scopes_granted"], row["scopes"],
            "the row's own login gave exactly its scopes"
        );
        let has_read = row["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().ends_with(".read"));
        assert_eq!(row["status"], if has_read { 200 } else { 403 }, "{row}");
    }
    assert_eq!(
        emu.stats(),
        json!({"logins": 1, "codes": 5}),
        "the person logged in once; each set's code came from the SSO session (prompt=none)"
    );
}
