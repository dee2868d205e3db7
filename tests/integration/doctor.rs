//! `doctor` end to end: against the local emulator every check holds; a missing secret, a wrong issuer and a
//! provider that is not there are each one failed check with its fix, and the exit status says so.

use serde_json::Value;

use krr_inspector::krr::ScopeDialect;

use super::support::emulator;
use super::{run_with_env, stderr};

fn checks(out: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)));
    v["checks"].as_array().cloned().unwrap_or_default()
}

fn named<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:?}"))
}

#[test]
fn every_check_holds_against_the_local_emulator_and_it_says_what_to_register() {
    let o = run_with_env(&["doctor", "--format", "json"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let all = checks(&o.stdout);
    for name in [
        "discovery",
        "issuer and endpoints",
        "PKCE S256",
        "auth method",
        "OpenID scopes",
        "clock",
    ] {
        assert_eq!(named(&all, name)["ok"], true, "{name}: {all:?}");
    }
    let reg = &v["registration"];
    assert_eq!(reg["application_type"], "native");
    assert_eq!(reg["token_endpoint_auth_method"], "none");
    assert_eq!(reg["redirect_uris"][0], "http://127.0.0.1:0/callback");
    assert!(reg["grant_types"].to_string().contains("refresh_token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_secret_and_a_wrong_issuer_are_failed_checks_with_their_fixes() {
    let emu = emulator().await;
    let issuer = emu.issuer(ScopeDialect::Digdir);
    let person = emu.person_url(ScopeDialect::Digdir);
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_with_env(&args, None, &[])
        })
    };
    let base = |issuer: &str| {
        [
            "doctor",
            "--format",
            "json",
            "--issuer",
            issuer,
            "--person-url",
            &person,
            "--client-id",
            "krr-inspector",
        ]
        .map(String::from)
        .to_vec()
    };
    // A confidential method without its secret: that check fails, the others still run.
    let mut args = base(&issuer);
    args.extend(
        [
            "--auth-method",
            "client_secret_basic",
            "--client-secret-env",
            "KRR_DOCTOR_UNSET",
        ]
        .map(String::from),
    );
    let o = run(args).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    let all = checks(&o.stdout);
    let secret = named(&all, "client secret");
    assert_eq!(secret["ok"], false);
    assert!(
        secret["detail"]
            .as_str()
            .unwrap()
            .contains("KRR_DOCTOR_UNSET is not set"),
        "{secret}"
    );
    assert!(
        secret["fix"]
            .as_str()
            .unwrap()
            .contains("set the environment variable"),
        "{secret}"
    );
    assert_eq!(named(&all, "discovery")["ok"], true, "{all:?}");
    assert!(
        stderr(&o).contains("1 check(s) failed: client secret"),
        "{}",
        stderr(&o)
    );

    // The issuer with a trailing slash is not the document's issuer.
    let o = run(base(&format!("{issuer}/"))).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    let all = checks(&o.stdout);
    let iss = named(&all, "issuer and endpoints");
    assert_eq!(iss["ok"], false, "{iss}");
    assert!(
        iss["detail"]
            .as_str()
            .unwrap()
            .contains("must be identical"),
        "{iss}"
    );

    // A provider that is not there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = run(base(&format!("http://127.0.0.1:{closed}")))
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let all = checks(&o.stdout);
    let d = named(&all, "discovery");
    assert_eq!(d["ok"], false);
    assert!(
        d["detail"].as_str().unwrap().contains("connection refused"),
        "{d}"
    );
    assert!(d["fix"].as_str().unwrap().contains("network"), "{d}");
}
