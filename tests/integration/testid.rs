//! Digdir's TEST as it is today, from the client's side, end to end against the emulator: headless TestID login
//! (`fetch` and `matrix` with `--testid` need no browser: the browser command is set to `false`, which would end
//! any login that used it; refused for production environments before anything is sent), scopes declined on the
//! consent page, and an e-mail login that has no national id.

use serde_json::Value;

use krr_inspector::emulator::EmulatorHandle;

use super::support::{autologin_browser, emulator, run_against};
use super::{run_with_env, stderr};

/// Runs the binary with `args` against the emulator, with a browser that fails at once.
async fn against(emu: &EmulatorHandle, args: &[&str]) -> (Option<i32>, String, String) {
    let r = run_against(emu, args, &[("KRR_INSPECTOR_BROWSER", "false")]).await;
    (r.code, r.stdout, r.stderr)
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_with_testid_needs_no_browser_and_shows_the_digipost_mailbox() {
    let emu = emulator().await;
    let (code, out, err) = against(
        &emu,
        &["fetch", "--format", "json", "--testid", "22859197810"],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    let j = json(&out);
    assert_eq!(j["person"]["personidentifikator"], "22859197810", "{out}");
    let provider = &j["person"]["digital_post"]["postkasseleverandoeradresse"];
    assert_eq!(
        provider, "984661185",
        "Digipost's organisation number: {out}"
    );
    // The id_token says how the person logged in.
    let amr = j["token"]["id_token_claims"]["amr"].clone();
    assert_eq!(amr, serde_json::json!(["TestID"]), "{out}");
    // The authorization request went out from the tool itself, with the hint, and its answer is recorded
    // without the code.
    let exchanges = j["http"]["exchanges"].as_array().unwrap();
    let authorize = exchanges
        .iter()
        .find(|e| e["step"] == "authorize")
        .unwrap_or_else(|| panic!("no authorize exchange: {out}"));
    assert!(
        authorize["url"]
            .as_str()
            .unwrap()
            .contains("login_hint=testid%3A22859197810_idporten-loa-substantial"),
        "{authorize}"
    );
    let recorded = authorize.to_string();
    assert!(
        recorded.contains("code=%5Bredacted%5D") && !recorded.contains("code=&"),
        "the redirect's code is recorded redacted: {recorded}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fetches_of_one_person_give_identical_person_members() {
    let emu = emulator().await;
    let mut people = Vec::new();
    for accept in ["json", "jose"] {
        for _ in 0..2 {
            let (code, out, err) = against(
                &emu,
                &[
                    "fetch",
                    "--format",
                    "json",
                    "--accept",
                    accept,
                    "--testid",
                    "11887197158",
                ],
            )
            .await;
            assert_eq!(code, Some(0), "{err}");
            people.push(json(&out)["person"].clone());
        }
    }
    assert!(people[0].is_object(), "{:?}", people[0]);
    for p in &people[1..] {
        assert_eq!(
            p, &people[0],
            "the same person's answers differ between calls"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_matrix_with_testid_fills_every_row_without_a_browser() {
    let emu = emulator().await;
    let (code, out, err) = against(
        &emu,
        &["matrix", "--format", "json", "--testid", "24079412372"],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    let rows = json(&out)["rows"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() >= 4, "{out}");
    for r in &rows {
        // Every set was looked up (no row failed at the login); only the set without a read scope is refused.
        let read = r["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("krr:user/"));
        let expected = if read { 200 } else { 403 };
        assert_eq!(r["status"], expected, "{}", r["scopes"]);
    }
}

#[test]
fn testid_is_refused_for_production_before_anything_is_sent() {
    for env in ["prod", "difi-prod"] {
        let o = run_with_env(
            &["fetch", "--env", env, "--testid", "22859197810"],
            None,
            &[("KRR_INSPECTOR_BROWSER", "false")],
        );
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("a TestID login is refused for '{env}'")),
            "{err}"
        );
    }
    // A provider given by URL is production when it is on a production host (nothing is contacted: the plan
    // refuses first).
    let o = run_with_env(
        &[
            "fetch",
            "--issuer",
            "https://idporten.no",
            "--person-url",
            "https://kontaktregisteret.no/rest/v1/person",
            "--client-id",
            "x",
            "--testid",
            "22859197810",
        ],
        None,
        &[],
    );
    assert!(
        stderr(&o).contains("a TestID login is refused"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_testid_that_is_not_a_national_id_is_said_before_anything_is_sent() {
    let o = run_with_env(&["fetch", "--testid", "12345678901"], None, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--testid 12345678901: not a national id"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_hint_comes_back_as_the_providers_invalid_request() {
    let emu = emulator().await;
    let (code, out, err) = against(
        &emu,
        &[
            "fetch",
            "--format",
            "json",
            "--login-hint",
            "testid:22859197810",
        ],
    )
    .await;
    assert_eq!(code, Some(1), "{out}");
    let j = json(&out);
    assert_eq!(j["error"]["kind"], "login", "{out}");
    let message = j["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("invalid_request"), "{message} / {err}");
}

/// `fetch --format json` with the scripted person as the browser (`autologin ARGS`).
async fn fetch_as(emu: &EmulatorHandle, autologin: &str, args: &[&str]) -> Value {
    let browser = autologin_browser(autologin);
    let mut all = vec!["fetch", "--format", "json", "--browser", &browser];
    all.extend_from_slice(args);
    let r = run_against(emu, &all, &[]).await;
    assert!(r.json.is_object(), "not JSON: {} {}", r.stdout, r.stderr);
    r.json
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_declined_on_the_consent_page_is_named_in_the_report() {
    let emu = emulator().await;
    let j = fetch_as(
        &emu,
        "--pid 24079412372 --decline krr:user/digitalpost.read",
        &["--client-id", "krr-inspector-consent"],
    )
    .await;
    let granted = j["token"]["scopes_granted"].to_string();
    assert!(!granted.contains("digitalpost"), "{granted}");
    let problems = j["token"]["problems"].to_string();
    assert!(
        problems.contains(
            "krr:user/digitalpost.read was asked for but is not in the token: declined on the consent page, or not allowed for this client"
        ),
        "{problems}"
    );
    // The register then answers without the mailbox, as the scopes say.
    assert!(j["person"].get("digital_post").is_none(), "{}", j["person"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_e_mail_login_says_it_has_no_national_id() {
    let emu = emulator().await;
    let j = fetch_as(
        &emu,
        "--pid ola.nordmann@example.no --acr selfregistered-email",
        &[
            "--client-id",
            "krr-inspector",
            "--acr",
            "selfregistered-email",
        ],
    )
    .await;
    assert_eq!(j["error"]["kind"], "no_national_id", "{}", j["error"]);
    let message = j["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("this login has no national id, so the register has no answer"),
        "{message}"
    );
    assert!(
        j["token"]["problems"]
            .to_string()
            .contains("no national id (pid)")
    );
}
