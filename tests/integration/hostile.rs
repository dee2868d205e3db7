//! What a hostile server, page or file must never get out of the tool, end to end: a token over plain http, a
//! terminal driven by a certificate's name, a panic from a token response, a zombie per browser command. The other
//! party is a small hostile provider on 127.0.0.1:0 (or the emulator), and the binary runs as a user runs it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde_json::{Value, json};

use krr_inspector::config::ClientRegistration;
use krr_inspector::inspect::{Accept, LookupRequest, Target, default_scopes, run_lookup};
use krr_inspector::jose::TrustStore;
use krr_inspector::krr::{Lang, ScopeDialect};
use krr_inspector::oidc::BrowserChoice;

use super::support::emulator;
use super::{run, run_with_env, stderr, stdout};

/// A "browser" that follows the authorization redirect to the loopback callback and nothing else.
const CURL: &str = "curl -fsS -L -o /dev/null --noproxy * --max-time 20";

/// A provider that logs anyone in at once (302 with code, state and iss) and answers the token request with
/// `token_response`; it serves a plain-JSON person. `token_endpoint` overrides the one discovery names.
#[derive(Clone)]
struct Hostile {
    base: String,
    token_response: Value,
    token_endpoint: Option<String>,
    token_requests: Arc<AtomicUsize>,
    person: String,
}

const PLAIN_PERSON: &str =
    r#"{"personidentifikator":"27129324169","reservasjon":"NEI","status":"AKTIV"}"#;

async fn start_hostile(token_response: Value, token_endpoint: Option<String>) -> Hostile {
    start_hostile_serving(token_response, token_endpoint, PLAIN_PERSON).await
}

async fn start_hostile_serving(
    token_response: Value,
    token_endpoint: Option<String>,
    person: &str,
) -> Hostile {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = Hostile {
        base,
        token_response,
        token_endpoint,
        token_requests: Arc::new(AtomicUsize::new(0)),
        person: person.to_owned(),
    };
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(|State(h): State<Hostile>| async move {
                axum::Json(json!({
                    "issuer": h.base,
                    "authorization_endpoint": format!("{}/authorize", h.base),
                    "token_endpoint": h.token_endpoint.clone().unwrap_or(format!("{}/token", h.base)),
                    "jwks_uri": format!("{}/jwks", h.base),
                    "code_challenge_methods_supported": ["S256"],
                    "authorization_response_iss_parameter_supported": true,
                }))
            }),
        )
        .route(
            "/authorize",
            get(
                |State(h): State<Hostile>, Query(q): Query<HashMap<String, String>>| async move {
                    let mut to = url::Url::parse(&q["redirect_uri"]).unwrap();
                    to.query_pairs_mut()
                        .append_pair("code", "c0de")
                        .append_pair("state", &q["state"])
                        .append_pair("iss", &h.base);
                    Redirect::to(to.as_str())
                },
            ),
        )
        .route(
            "/token",
            post(|State(h): State<Hostile>| async move {
                h.token_requests.fetch_add(1, Ordering::SeqCst);
                axum::Json(h.token_response.clone())
            }),
        )
        .route("/jwks", get(|| async { axum::Json(json!({"keys": []})) }))
        .route(
            "/person",
            get(|State(h): State<Hostile>| async move {
                ([("content-type", "application/json")], h.person).into_response()
            }),
        )
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    state
}

/// A loopback listener that counts the connections anyone makes to it.
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stream.is_ok() {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, count)
}

/// `fetch` against a hostile provider, logged in by curl, with `extra` flags.
fn against(hostile: &Hostile, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "fetch",
        "--issuer",
        &hostile.base,
        "--person-url",
        &format!("{}/person", hostile.base),
        "--client-id",
        "x",
        "--browser",
        CURL,
        "--timeout",
        "20",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

async fn fetch_json(args: Vec<String>) -> (Option<i32>, Value, String) {
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, None)
    })
    .await
    .unwrap();
    (
        o.status.code(),
        serde_json::from_slice(&o.stdout).unwrap_or(Value::Null),
        stderr(&o),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_never_sent_over_plain_http() {
    let emu = emulator().await;
    // From a flag: the person URL is http:// to a name. Before the fix the token went there.
    let (port, connections) = counting_listener();
    let autologin = format!(
        "'{}' autologin --pid 27129324169",
        env!("CARGO_BIN_EXE_krr-inspector")
    );
    let (code, json, err) = fetch_json(
        [
            "fetch",
            "--format",
            "json",
            "--issuer",
            &emu.issuer(ScopeDialect::Digdir),
            "--person-url",
            &format!("http://localhost:{port}/rest/v1/person"),
            "--client-id",
            "krr-inspector",
            "--browser",
            &autologin,
            "--timeout",
            "20",
        ]
        .map(str::to_owned)
        .to_vec(),
    )
    .await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with(&format!(
            "error: refused before sending anything: the person URL 'http://localhost:{port}/rest/v1/person' uses \
             http:// with a host name"
        )),
        "{err}"
    );
    assert_eq!(json["error"]["kind"], "insecure");
    assert_eq!(
        json["http"]["exchanges"],
        json!([]),
        "nothing was sent, not even discovery"
    );
    // From discovery: the provider names a plain-http token endpoint. The code never goes there.
    let (port, token_connections) = counting_listener();
    let hostile = start_hostile(
        json!({"access_token": "a", "token_type": "Bearer"}),
        Some(format!("http://localhost:{port}/token")),
    )
    .await;
    let (code, json, err) = fetch_json(against(&hostile, &["--format", "json"])).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("token_endpoint 'http://localhost:")
            && err.contains("uses http:// with a host name"),
        "{err}"
    );
    assert_eq!(
        json["http"]["exchanges"].as_array().unwrap().len(),
        1,
        "discovery only"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    assert_eq!(token_connections.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_token_lifetime_is_a_problem_in_the_report_not_a_panic() {
    for lifetime in [10_000_000_000_000u64, 10_000_000_000_000_000, u64::MAX] {
        let hostile = start_hostile(
            json!({"access_token": "a", "token_type": "Bearer", "expires_in": lifetime}),
            None,
        )
        .await;
        let (code, json, err) =
            fetch_json(against(&hostile, &["--format", "json", "--accept", "json"])).await;
        // The lookup completes: the register answered; the absurd lifetime is reported beside it.
        assert_eq!(code, Some(0), "{lifetime}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(json["token"]["expires_at"], Value::Null);
        let problems = json["token"]["problems"].to_string();
        assert!(
            problems.contains(&format!("expires_in {lifetime} s"))
                && problems.contains("over a year"),
            "{problems}"
        );
        assert_eq!(json["person"]["status"], "AKTIV");
        assert_eq!(hostile.token_requests.load(Ordering::SeqCst), 1);
    }
}

/// A self-signed certificate and a person whose names and values carry terminal control sequences.
fn hostile_jws(dir: &std::path::Path) -> std::path::PathBuf {
    use krr_inspector::jose::alg::Alg;
    use krr_inspector::jose::pki::{self, Subject};
    let now = chrono::Utc::now();
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[32mSignature: VALID";
    let ca = pki::self_signed_ca(
        &Subject {
            common_name: evil,
            organisation: "Evil\u{9b}31m",
            organisation_number: None,
        },
        2048,
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(30),
    )
    .unwrap();
    let payload = json!({
        "personidentifikator": "27129324169",
        "reservasjon": "NEI\u{1b}[8m",
        "status": "AKTIV",
        "\u{1b}]0;title\u{7}unknown": "x\r\nSignature: VALID\u{7f}",
    })
    .to_string();
    let header = json!({"alg": "RS256", "x5c": krr_inspector::jose::x5c_of(&[&ca.cert])});
    let jws = krr_inspector::jose::sign_compact(&header, payload.as_bytes(), &ca.key, Alg::Rs256)
        .unwrap();
    let file = dir.join("hostile.jws");
    std::fs::write(&file, jws).unwrap();
    file
}

#[test]
fn control_characters_from_outside_never_reach_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = hostile_jws(dir.path());
    // `script` gives the program a real pseudo-terminal, so it writes as it would to a user's terminal (colours
    // on): only the sequences it writes itself may be there.
    let command = format!(
        "'{}' explain '{}'",
        env!("CARGO_BIN_EXE_krr-inspector"),
        file.display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("KRR_INSPECTOR_CONFIG", super::data("no-config.toml"))
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("KRR_INSPECTOR_LANG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(screen.contains("Signature:"), "{screen}");
    assert!(
        screen.contains("\u{1b}["),
        "the terminal gets the tool's own colours: {screen:?}"
    );
    for forbidden in [
        "\u{1b}]0;",
        "\u{1b}[2J",
        "\u{1b}[8m",
        "\u{7}",
        "\u{9b}",
        "\u{7f}",
        "\r\nSignature: VALID",
    ] {
        assert!(
            !screen.contains(forbidden),
            "{forbidden:?} reached the terminal: {screen:?}"
        );
    }
    assert!(
        screen.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"),
        "the certificate's name is shown with its escapes visible: {screen:?}"
    );
    // Every text format neutralises them too, also when not on a terminal.
    for format in ["text", "json"] {
        let out = stdout(&run(
            &["explain", file.to_str().unwrap(), "--format", format],
            None,
        ));
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{9b}') && !out.contains('\u{7}'),
            "{format}: {out:?}"
        );
    }
}

#[test]
fn duplicate_members_in_an_answer_are_shown_as_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.json");
    std::fs::write(
        &file,
        r#"{"personidentifikator":"27129324169","reservasjon":"JA","status":"AKTIV","reservasjon":"NEI"}"#,
    )
    .unwrap();
    let o = run(&["explain", file.to_str().unwrap()], None);
    let text = stdout(&o);
    assert!(
        text.contains("Problem: the member /reservasjon appears more than once in the answer"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_browser_command_ends_the_login_at_once_with_its_words() {
    let emu = emulator().await;
    let browser = "sh -c 'echo \"Gtk-WARNING: cannot open display\" >&2; exit 1'";
    let o = tokio::task::spawn_blocking({
        let (issuer, person) = (
            emu.issuer(ScopeDialect::Digdir),
            emu.person_url(ScopeDialect::Digdir),
        );
        move || {
            run_with_env(
                &[
                    "fetch",
                    "--issuer",
                    &issuer,
                    "--person-url",
                    &person,
                    "--client-id",
                    "krr-inspector",
                    "--browser",
                    browser,
                    // Without the watch, this login would wait the whole 120 s and end in a timeout.
                    "--timeout",
                    "120",
                ],
                None,
                &[],
            )
        }
    })
    .await
    .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(
            "error: the browser command 'sh' exited with status 1 (Gtk-WARNING: cannot open display)"
        ),
        "{err}"
    );
}

/// This process's children with `name` (zombies included), from /proc.
fn children_named(name: &str) -> Vec<(u32, char)> {
    let mut found = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return found;
    };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children
            .split_whitespace()
            .filter_map(|p| p.parse::<u32>().ok())
        {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // "PID (comm) STATE ..."
            if let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')'))
                && &stat[open + 1..close] == name
            {
                let state = stat[close + 1..].trim_start().chars().next().unwrap_or('?');
                found.push((pid, state));
            }
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_commands_are_reaped_and_leave_no_zombie() {
    // The way of looking works: a child of ours is seen (else this test could not fail).
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    assert!(
        !children_named("sleep").is_empty(),
        "/proc/self/task/*/children is readable"
    );
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    let emu = emulator().await;
    // The scripted person under a name of its own, so its processes can be told from other tests'.
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("krrzombieprobe");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_krr-inspector"), &probe).unwrap();
    let mut trust = TrustStore::new();
    trust.add_pem(emu.ca_pem().as_bytes()).unwrap();
    let request = LookupRequest {
        target: Target {
            environment: "local".into(),
            issuer: emu.issuer(ScopeDialect::Digdir),
            person_url: emu.person_url(ScopeDialect::Digdir),
            dialect: ScopeDialect::Digdir,
        },
        client: ClientRegistration::emulator_default(),
        client_secret: None,
        client_key: None,
        scopes: default_scopes(ScopeDialect::Digdir),
        accept: Accept::Jose,
        acr: None,
        ui_locales: "nb".into(),
        prompt: None,
        login_hint: None,
        par: false,
        browser: BrowserChoice::Command(format!(
            "'{}' autologin --pid 27129324169",
            probe.display()
        )),
        callback_timeout: Duration::from_secs(20),
        trust,
        lang: Lang::En,
        dpop: false,
    };
    let http = krr_inspector::oidc::http::client().unwrap();
    for _ in 0..3 {
        let i = run_lookup(&http, &request, &|_| {}).await;
        assert!(i.error.is_none(), "{:?}", i.error);
    }
    // Each scripted person exits once it has delivered the redirect; then nothing of it may be left.
    let mut left = children_named("krrzombieprobe");
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = children_named("krrzombieprobe");
    }
    assert!(left.is_empty(), "children left (pid, state): {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_cannot_inject_html_into_the_markdown_report() {
    let phone = "+47`<img src=x onerror=alert(1)>";
    let person = json!({
        "personidentifikator": "27129324169",
        "reservasjon": "NEI",
        "status": "AKTIV",
        "kontaktinformasjon": {"mobiltelefonnummer": phone, "epostadresse": "a|b<script>x</script>@example.com"},
    })
    .to_string();
    let hostile = start_hostile_serving(
        json!({"access_token": "a", "token_type": "Bearer", "scope": "openid krr:user/kontaktinformasjon.read"}),
        None,
        &person,
    )
    .await;
    let args = against(&hostile, &["--format", "markdown", "--accept", "json"]);
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, None)
    })
    .await
    .unwrap();
    let md = stdout(&o);
    assert!(md.contains("``+47`<img src=x onerror=alert(1)>``"), "{md}");
    // What a reader of the bug ticket sees: the Markdown rendered as GitHub renders it (tables on). The values
    // are text in code spans; no tag from the answer exists in the page.
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(&md, options));
    assert!(
        !html.contains("<img") && !html.contains("<script"),
        "{html}"
    );
    assert!(
        html.contains("<code>+47`&lt;img src=x onerror=alert(1)&gt;</code>"),
        "{html}"
    );
    assert!(
        html.contains("a|b&lt;script&gt;"),
        "the | stays in its cell: {html}"
    );
}
