//! `krr-inspector fetch` end to end against the emulator, with `autologin` as the browser command acting as the
//! person: every scope of both dialects, JWS and JSON, confidential clients, and every way it can go wrong.

use serde_json::Value;

use krr_inspector::emulator::{EmulatorHandle, Faults};
use krr_inspector::krr::ScopeDialect;

use super::support::emulator;
use super::{run_with_env, stderr};

/// The browser command: the scripted person, run without a shell.
fn person(pid: &str, extra: &str) -> String {
    format!(
        "'{}' autologin --pid {pid} {extra}",
        env!("CARGO_BIN_EXE_krr-inspector")
    )
}

struct Fetched {
    code: Option<i32>,
    json: Value,
    stderr: String,
}

/// Runs `fetch --format json` against `emu` (by its URLs, trusting its CA).
async fn fetch(
    emu: &EmulatorHandle,
    generation: ScopeDialect,
    args: &[&str],
    env: &[(&str, &str)],
) -> Fetched {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let (issuer, person_url) = (emu.issuer(generation), emu.person_url(generation));
    let mut all: Vec<String> = [
        "fetch",
        "--format",
        "json",
        "--issuer",
        &issuer,
        "--person-url",
        &person_url,
        "--trust-ca",
        ca.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !args.contains(&"--timeout") {
        all.extend(["--timeout".into(), "20".into()]);
    }
    if !args.contains(&"--client-id") {
        all.extend(["--client-id".into(), "krr-inspector".into()]);
    }
    all.extend(args.iter().map(|s| s.to_string()));
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_with_env(&args, None, &env)
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    Fetched {
        code: o.status.code(),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr: stderr(&o),
    }
}

fn top_level_fields(person: &Value) -> Vec<String> {
    let mut keys: Vec<String> = person
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.retain(|k| !["personidentifikator", "reservasjon", "status"].contains(&k.as_str()));
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scope_of_both_dialects_as_jws_and_json() {
    let emu = emulator().await;
    let cases: &[(ScopeDialect, &str, &[&str])] = &[
        (
            ScopeDialect::Digdir,
            "krr:user/kontaktinformasjon.read",
            &["kontaktinformasjon", "varslingsstatus"],
        ),
        (
            ScopeDialect::Digdir,
            "krr:user/digitalpost.read",
            &["digital_post", "sertifikat"],
        ),
        (
            ScopeDialect::Difi,
            "user/kontaktinformasjon.read",
            &["kontaktinformasjon"],
        ),
        (
            ScopeDialect::Difi,
            "user/varslingsstatus.read",
            &["varslingsstatus"],
        ),
        (
            ScopeDialect::Difi,
            "user/sikkerdigitalpost.read",
            &["digital_post"],
        ),
        (ScopeDialect::Difi, "user/sertifikat.read", &["sertifikat"]),
    ];
    for (generation, scope, expected) in cases {
        for accept in ["jose", "json"] {
            let browser = person("24079412372", "");
            let f = fetch(
                &emu,
                *generation,
                &[
                    "--scope",
                    "openid",
                    "--scope",
                    scope,
                    "--accept",
                    accept,
                    "--browser",
                    &browser,
                ],
                &[],
            )
            .await;
            assert_eq!(f.code, Some(0), "{scope} {accept}: {}", f.stderr);
            let j = &f.json;
            assert_eq!(j["environment"]["environment"], "custom");
            assert_eq!(j["request"]["scopes"], serde_json::json!(["openid", scope]));
            assert_eq!(
                j["token"]["scopes_granted"],
                serde_json::json!(["openid", scope])
            );
            assert_eq!(j["http"]["status"], 200);
            assert_eq!(
                top_level_fields(&j["person"]),
                *expected,
                "{scope} {accept}"
            );
            if accept == "jose" {
                assert_eq!(j["http"]["content_type"], "application/jose");
                assert_eq!(j["jose"]["signature"]["verdict"], "valid", "{scope}");
                assert_eq!(j["jose"]["header"]["alg"], "RS256");
            } else {
                assert_eq!(j["jose"], Value::Null);
            }
            assert!(
                j["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["path"] == "personidentifikator" && f["explanation"].is_string())
            );
            assert_eq!(
                j["scope_check"]["missing"],
                serde_json::json!([]),
                "{scope}: {}",
                j["scope_check"]
            );
            assert_eq!(j["scope_check"]["unexpected"], serde_json::json!([]));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_clients_basic_and_post_and_the_id_token_checks() {
    let emu = emulator().await;
    for method in ["client_secret_basic", "client_secret_post"] {
        let browser = person("27129324169", "--acr idporten-loa-high");
        let f = fetch(
            &emu,
            ScopeDialect::Digdir,
            &[
                "--client-id",
                "demo-client",
                "--client-secret-env",
                "DEMO_SECRET",
                "--auth-method",
                method,
                "--browser",
                &browser,
            ],
            &[("DEMO_SECRET", "demo-secret")],
        )
        .await;
        assert_eq!(f.code, Some(0), "{method}: {}", f.stderr);
        assert_eq!(f.json["request"]["auth_method"], method);
        let checks = f.json["token"]["id_token_checks"].as_array().unwrap();
        let names: Vec<&str> = checks
            .iter()
            .map(|c| c["check"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["signature", "iss", "aud", "exp", "iat", "nonce", "acr"]
        );
        assert!(checks.iter().all(|c| c["passed"] == true), "{checks:?}");
        assert_eq!(
            f.json["token"]["id_token_claims"]["acr"],
            "idporten-loa-high"
        );
        assert_eq!(
            f.json["token"]["access_token_claims"]["client_id"],
            "demo-client"
        );
    }
    let f = fetch(
        &emu,
        ScopeDialect::Digdir,
        &[
            "--client-id",
            "demo-client",
            "--client-secret-env",
            "NOT_SET_ANYWHERE",
        ],
        &[],
    )
    .await;
    assert_eq!(f.code, Some(1));
    assert!(
        f.stderr.contains("NOT_SET_ANYWHERE is not set"),
        "{}",
        f.stderr
    );
    let browser = person("27129324169", "");
    let f = fetch(
        &emu,
        ScopeDialect::Digdir,
        &[
            "--client-id",
            "demo-client",
            "--client-secret-env",
            "S",
            "--browser",
            &browser,
        ],
        &[("S", "wrong")],
    )
    .await;
    assert_eq!(f.code, Some(1));
    assert!(f.stderr.contains("invalid_client"), "{}", f.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_state_cancel_and_timeout_fail_with_one_clear_line() {
    let emu = emulator().await;
    let cases = [
        (
            person("27129324169", "--wrong-state"),
            "state does not match",
        ),
        (
            person("27129324169", "--cancel"),
            "the login was cancelled in the browser (access_denied",
        ),
        ("true".to_owned(), "no login arrived within 2 s"),
    ];
    for (browser, message) in cases {
        let f = fetch(
            &emu,
            ScopeDialect::Digdir,
            &["--browser", &browser, "--timeout", "2"],
            &[],
        )
        .await;
        assert_eq!(f.code, Some(1), "{message}");
        assert!(
            f.stderr.starts_with("error: ") && f.stderr.contains(message),
            "{message}: {}",
            f.stderr
        );
        assert_eq!(
            f.stderr.trim_end().lines().count(),
            1,
            "one line: {}",
            f.stderr
        );
        assert_eq!(f.json["error"]["kind"], "login");
        assert!(f.json["token"].is_null());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_faults_show_in_the_verdict_or_fail_clearly() {
    let emu = emulator().await;
    let browser = person("27129324169", "");
    let args = ["--browser", browser.as_str()];
    let with = |faults: Faults| {
        emu.set_faults(faults);
        fetch(&emu, ScopeDialect::Digdir, &args, &[])
    };
    let f = with(Faults {
        tamper_signature: true,
        ..Faults::default()
    })
    .await;
    assert_eq!(
        f.code,
        Some(0),
        "an invalid signature is a completed lookup: {}",
        f.stderr
    );
    assert_eq!(f.json["jose"]["signature"]["verdict"], "invalid");
    let f = with(Faults {
        unknown_ca: true,
        ..Faults::default()
    })
    .await;
    assert_eq!(f.json["jose"]["signature"]["verdict"], "untrusted");
    assert!(
        f.json["jose"]["signature"]["reason"]
            .as_str()
            .unwrap()
            .contains("not a trusted anchor")
    );
    let f = with(Faults {
        expired_certificate: true,
        ..Faults::default()
    })
    .await;
    assert_eq!(f.json["jose"]["signature"]["verdict"], "untrusted");
    let f = with(Faults {
        http_500: true,
        ..Faults::default()
    })
    .await;
    assert_eq!(f.code, Some(1));
    assert_eq!(f.json["http"]["status"], 500);
    assert_eq!(f.json["error"]["kind"], "server_error");
    assert!(
        f.stderr.contains("the register failed (500)"),
        "{}",
        f.stderr
    );
    let f = with(Faults {
        expired_tokens: true,
        ..Faults::default()
    })
    .await;
    // The expired id_token refuses the login: the access token is never sent, so the register is not asked.
    assert_eq!(f.code, Some(1));
    assert_eq!(f.json["error"]["kind"], "id_token");
    assert_eq!(f.json["http"]["status"], Value::Null);
    assert!(
        f.stderr.contains("the id_token fails its checks (exp)"),
        "{}",
        f.stderr
    );
    let exp = f.json["token"]["id_token_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "exp")
        .unwrap()
        .clone();
    assert_eq!(
        exp["passed"], false,
        "the expired id_token is reported too: {exp}"
    );
    let f = with(Faults {
        wrong_kid: true,
        ..Faults::default()
    })
    .await;
    let sig = &f.json["token"]["id_token_checks"][0];
    assert_eq!(
        (sig["check"].as_str(), sig["passed"].as_bool()),
        (Some("signature"), Some(false))
    );
    emu.set_faults(Faults::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_register_is_reported_not_waited_on_forever() {
    let emu = emulator().await;
    // A 3 s delay against a 1 s per-request timeout: the lookup fails with a timeout line.
    emu.set_faults(Faults {
        delay_seconds: 3,
        ..Faults::default()
    });
    let browser = person("27129324169", "");
    let f = fetch(
        &emu,
        ScopeDialect::Digdir,
        &["--browser", &browser, "--http-timeout", "1"],
        &[],
    )
    .await;
    assert_eq!(f.code, Some(1));
    assert!(f.stderr.contains("did not answer in time"), "{}", f.stderr);
    assert_eq!(f.json["error"]["kind"], "network");
}

/// The leak test: every secret of a login and its session, as the tap in front of the emulator saw it on the wire
/// (the client secret, each client assertion and DPoP proof, codes, verifiers, access, refresh and id tokens),
/// and the client's private key, is in no output of any format, no trace log, not in the history file the app
/// keeps of these reports, nor in any file under the data directory. Two logins: a client secret
/// (client_secret_post) with a refresh and an introspection; and private_key_jwt with PAR and DPoP, refreshed
/// (with the DPoP key), userinfo (DPoP scheme and proof) and revoked. The keyring's values: `keyring.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_code_or_secret_in_output_or_logs() {
    use super::tap::{Output, assert_no_secret, tapped_emulator};
    let emu = tapped_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &emu.ca_pem).unwrap();
    let key = super::support::jwt_client_key();
    let browser = person("27129324169", "");
    let (ca, key, person_url) = (
        ca.to_str().unwrap(),
        key.to_str().unwrap(),
        emu.person_url(),
    );
    let with_secret: &[&str] = &[
        "--client-id",
        "demo-client",
        "--client-secret-env",
        "DEMO_SECRET",
        "--auth-method",
        "client_secret_post",
        "--browser",
        &browser,
        "--then",
        "refresh",
        "--then",
        "introspect",
    ];
    let with_key: &[&str] = &[
        "--client-id",
        "krr-inspector-jwt",
        "--private-key",
        key,
        "--key-id",
        super::support::JWT_CLIENT_KID,
        "--par",
        "--dpop",
        "--testid",
        "22859197810",
        "--browser",
        "false",
        "--then",
        "refresh",
        "--then",
        "userinfo",
        "--then",
        "revoke",
    ];
    let mut runs = Vec::new();
    for format in ["json", "text", "markdown", "html", "curl"] {
        for (login, extra) in [
            ("client secret", with_secret),
            ("private_key_jwt", with_key),
        ] {
            let mut args = vec![
                "fetch",
                "--format",
                format,
                "--issuer",
                &emu.base_url,
                "--person-url",
                &person_url,
                "--trust-ca",
                ca,
                "--timeout",
                "20",
            ];
            args.extend_from_slice(extra);
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let data = data_dir.to_str().unwrap().to_owned();
            let o = tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                run_with_env(
                    &args,
                    None,
                    &[
                        ("DEMO_SECRET", "demo-secret"),
                        ("RUST_LOG", "trace"),
                        ("XDG_DATA_HOME", &data),
                    ],
                )
            })
            .await
            .unwrap();
            let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), stderr(&o));
            assert_eq!(o.status.code(), Some(0), "{login}, {format}: {err}");
            assert!(err.len() > 1000, "trace logging is on: {} bytes", err.len());
            if format == "json" {
                let j: Value = serde_json::from_str(&out).unwrap();
                let s = j["session"].as_array().unwrap();
                assert!(
                    s.iter().all(|s| s["ok"] == true),
                    "{login}: every step succeeded: {s:?}"
                );
                assert!(
                    j["token"]["access_token"]
                        .as_str()
                        .unwrap()
                        .starts_with("[redacted")
                );
            }
            runs.push((format!("{login}, {format}"), out, err));
        }
    }

    // Every token the emulator issues starts with this header (alg RS256, typ JWT); codes and verifiers are
    // redacted wherever a form or URL shows them.
    let jwt_header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIs";
    for (what, out, err) in &runs {
        for (name, text) in [("stdout", out), ("stderr", err)] {
            assert!(
                !text.contains(jwt_header),
                "a token leaked to {name} of {what}"
            );
            for (i, _) in text.match_indices("code=") {
                let after = &text[i + 5..];
                assert!(
                    after.starts_with("[redacted]") || after.starts_with("%5Bredacted"),
                    "a code leaked to {name} of {what}: {}",
                    &text[i..(i + 60).min(text.len())]
                );
            }
            assert!(!text.contains("code_verifier=") || text.contains("code_verifier=[redacted]"));
        }
    }

    let mut secrets = emu.secrets();
    // What the tap saw, by kind: each at least once (10 logins, each refreshed).
    let header = |s: &str| -> Value {
        let first = s.split('.').next().unwrap_or_default();
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, first)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    };
    let count = |p: &dyn Fn(&str) -> bool| secrets.iter().filter(|s| p(s)).count();
    assert!(
        secrets.contains(&"demo-secret".to_owned()),
        "the client secret"
    );
    assert!(
        count(&|s| s.starts_with(jwt_header)) >= 10,
        "access and id tokens"
    );
    assert!(
        count(&|s| header(s)["typ"] == "dpop+jwt") >= 15,
        "DPoP proofs: token, PAR?, person, refresh, userinfo"
    );
    assert!(
        count(&|s| header(s)["kid"] == super::support::JWT_CLIENT_KID) >= 5,
        "client assertions"
    );
    assert!(
        count(&|s| s.len() == 43 && !s.contains('.')) >= 20,
        "codes, verifiers and refresh tokens (32 random bytes)"
    );
    secrets.extend(super::key_jwt::pem_lines(&std::fs::read(key).unwrap()));
    let outputs: Vec<Output> = runs
        .iter()
        .map(|(what, out, err)| Output {
            what: what.clone(),
            stdout: out,
            stderr: err,
        })
        .collect();
    assert_no_secret(&secrets, &outputs, &data_dir);
}

#[test]
fn local_environment_needs_nothing_configured() {
    let browser = person("24079412372", "");
    for env in ["local", "local-difi"] {
        let o = super::run(
            &[
                "fetch",
                "--env",
                env,
                "--format",
                "json",
                "--browser",
                &browser,
                "--timeout",
                "20",
            ],
            None,
        );
        assert!(o.status.success(), "{env}: {}", stderr(&o));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["environment"]["environment"], env);
        assert_eq!(
            j["jose"]["signature"]["verdict"], "valid",
            "{env}: the in-process emulator's CA is trusted"
        );
        assert_eq!(j["person"]["personidentifikator"], "24079412372");
    }
    let o = super::run(&["fetch", "--env", "test"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("environment 'test' has no client"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_failures_are_named() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A server that answers HTML to everything, and one that speaks plain HTTP where TLS is expected.
    let html = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let html_port = html.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut s, _)) = html.accept().await else {
                break;
            };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            if request.starts_with("GET /big/") {
                // 2 MiB of JSON: more than any discovery document or answer may be.
                let body = format!("{{\"x\":\"{}\"}}", "a".repeat(2 << 20));
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(body.as_bytes()).await;
                continue;
            }
            let body = "<html>maintenance</html>";
            let _ = s
                .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes())
                .await;
        }
    });
    let cases = [
        (format!("http://127.0.0.1:{closed}"), "connection refused"),
        (
            format!("http://127.0.0.1:{html_port}"),
            "text/html, not JSON",
        ),
        (
            format!("http://127.0.0.1:{html_port}/big"),
            "more than 1048576 bytes",
        ),
        (format!("https://127.0.0.1:{html_port}"), "TLS failed"),
        (
            "https://krr-inspector.invalid".to_owned(),
            "cannot resolve the host",
        ),
        ("http://idp.example.no".to_owned(), "is plain http://"),
    ];
    for (issuer, message) in cases {
        let person_url = format!("{issuer}/rest/v1/person");
        let issuer_arg = issuer.clone();
        let o = tokio::task::spawn_blocking(move || {
            let args = [
                "fetch",
                "--issuer",
                &issuer_arg,
                "--person-url",
                &person_url,
                "--client-id",
                "x",
                "--print-url",
                "--http-timeout",
                "5",
            ];
            super::run(&args, None)
        })
        .await
        .unwrap();
        assert_eq!(o.status.code(), Some(1), "{issuer}");
        let err = stderr(&o);
        assert!(err.contains(message), "{issuer}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
