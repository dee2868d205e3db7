//! Our client against a certified peer: panva's `oidc-provider` (OpenID Certified), started from npm by
//! `tests/peer/peer.mjs`, plays ID-porten. The emulator is ours, so passing against it alone could hide a shared
//! misreading of the standards; here the other party is someone else's code. The user agent is
//! `tests/peer/browser.py` (redirects with cookies, the provider's logout form), the person logs in at once.
//!
//! Needs Node.js and `npm ci --prefix tests/peer` (`.ci/run` does both and sets `KRR_REQUIRE_PEER=1`, so in CI
//! these tests fail rather than skip).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use krr_inspector::config::{AuthMethod, ClientRegistration};
use krr_inspector::krr::Lang;
use krr_inspector::oidc::{
    self, BrowserChoice, ClientAuth, Credential, HttpExchange, LoginOutcome, LoginParams, Secret,
};

pub const PID: &str = "24079412372";

/// The scopes every peer login asks for.
pub const SCOPES: &[&str] = &[
    "openid",
    "krr:user/kontaktinformasjon.read",
    "krr:user/sikkerdigitalpost.read",
    "krr:user/spraak.read",
];

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peer")
}

/// A running `oidc-provider`, stopped on drop.
pub struct Peer {
    pub issuer: String,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

/// Starts the peer with `clients` (oidc-provider client metadata); `None` (and a printed reason) when Node.js or the
/// npm package is missing, unless `KRR_REQUIRE_PEER` is set.
pub async fn start(clients: Value) -> Option<Peer> {
    let dir = peer_dir();
    let missing = if !dir.join("node_modules/oidc-provider").is_dir() {
        Some("oidc-provider is not installed: run `npm ci --prefix tests/peer`")
    } else if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        Some("node is not installed")
    } else {
        None
    };
    if let Some(why) = missing {
        assert!(
            std::env::var_os("KRR_REQUIRE_PEER").is_none(),
            "KRR_REQUIRE_PEER is set but {why}"
        );
        eprintln!("skipped: {why}");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let setup = tmp.path().join("clients.json");
    std::fs::write(
        &setup,
        json!({ "pid": PID, "clients": clients }).to_string(),
    )
    .unwrap();
    let mut child = tokio::process::Command::new("node")
        .arg(dir.join("peer.mjs"))
        .arg(&setup)
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(issuer) = line.strip_prefix("listening ") {
                return issuer.to_owned();
            }
        }
        panic!("the peer exited before listening");
    })
    .await
    .expect("the peer listens within 30 s");
    // Keep reading its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(Peer {
        issuer,
        _child: child,
        _dir: tmp,
    })
}

/// A native (public) client, PKCE only, loopback redirect on any port (RFC 8252 §7.3).
pub fn public_client(id: &str) -> Value {
    json!({
        "client_id": id,
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "post_logout_redirect_uris": ["http://127.0.0.1/logged-out"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    })
}

/// A confidential web client with a secret.
pub fn secret_client(id: &str, method: &str, secret: &str) -> Value {
    let mut c = public_client(id);
    c["token_endpoint_auth_method"] = json!(method);
    c["client_secret"] = json!(secret);
    c
}

pub fn registration(id: &str, method: AuthMethod) -> ClientRegistration {
    ClientRegistration {
        name: id.into(),
        client_id: id.into(),
        auth_method: method,
        secret_env: None,
        redirect_path: "/callback".into(),
    }
}

pub fn user_agent() -> BrowserChoice {
    BrowserChoice::Command(format!(
        "python3 '{}'",
        peer_dir().join("browser.py").display()
    ))
}

pub fn params(peer: &Peer, client: ClientRegistration, secret: Option<&str>) -> LoginParams {
    LoginParams {
        issuer: peer.issuer.clone(),
        client,
        client_secret: secret.map(Secret::new),
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        acr: Some("idporten-loa-substantial".into()),
        ui_locales: "nb".into(),
        prompt: None,
        login_hint: None,
        browser: user_agent(),
        timeout: Duration::from_secs(30),
        lang: Lang::En,
    }
}

/// Logs in; the outcome and every recorded exchange.
pub async fn login(p: &LoginParams) -> (LoginOutcome, Vec<HttpExchange>) {
    let http = oidc::http::client().unwrap();
    let exchanges = Arc::new(Mutex::new(Vec::new()));
    let outcome = oidc::login(&http, p, &|_| {}, &exchanges).await;
    let exchanges = exchanges.lock().unwrap().clone();
    match outcome {
        Ok(o) => (o, exchanges),
        Err(e) => panic!("login against oidc-provider failed: {e}\n{exchanges:#?}"),
    }
}

fn assert_checks_pass(outcome: &LoginOutcome) {
    assert!(
        outcome.id_token_checks.iter().all(|c| c.passed) && !outcome.id_token_checks.is_empty(),
        "{:#?}",
        outcome.id_token_checks
    );
    assert_eq!(
        outcome.id_claims.as_ref().unwrap()["sub"],
        json!(PID),
        "the id_token is the test person's"
    );
}

#[tokio::test]
async fn a_public_client_logs_in_with_pkce_state_nonce_and_iss_at_oidc_provider() {
    let Some(peer) = start(json!([public_client("krr-public")])).await else {
        return;
    };
    let (outcome, exchanges) = login(&params(
        &peer,
        registration("krr-public", AuthMethod::None),
        None,
    ))
    .await;
    assert_checks_pass(&outcome);
    let granted = outcome.scopes_granted.clone().unwrap_or_default();
    for s in SCOPES {
        assert!(granted.iter().any(|g| g == s), "{s} in {granted:?}");
    }
    assert!(outcome.refresh_token.is_some(), "a refresh token");
    // The code exchange as the peer took it, secrets redacted in the record.
    let token = exchanges.iter().find(|e| e.step == "token").unwrap();
    assert_eq!(token.status, Some(200));
    let body = token.request_body.as_deref().unwrap();
    assert!(
        body.contains("code=[redacted]")
            && body.contains("code_verifier=[redacted]")
            && body.contains("client_id=krr-public"),
        "{body}"
    );
    assert!(!format!("{exchanges:?}").contains(outcome.access_token.expose()));
}

#[tokio::test]
async fn confidential_clients_authenticate_with_basic_and_post_at_oidc_provider() {
    let Some(peer) = start(json!([
        secret_client("krr-basic", "client_secret_basic", "s3cret:basic/+%"),
        secret_client("krr-post", "client_secret_post", "s3cret&post"),
    ]))
    .await
    else {
        return;
    };
    for (id, method, secret) in [
        (
            "krr-basic",
            AuthMethod::ClientSecretBasic,
            "s3cret:basic/+%",
        ),
        ("krr-post", AuthMethod::ClientSecretPost, "s3cret&post"),
    ] {
        let (outcome, exchanges) =
            login(&params(&peer, registration(id, method), Some(secret))).await;
        assert_checks_pass(&outcome);
        let shown = format!("{exchanges:?}");
        assert!(!shown.contains(secret), "{id}: the secret is not recorded");
    }
    // A wrong secret is the peer's invalid_client, said as such.
    let http = oidc::http::client().unwrap();
    let exchanges = Arc::new(Mutex::new(Vec::new()));
    let e = oidc::login(
        &http,
        &params(
            &peer,
            registration("krr-basic", AuthMethod::ClientSecretBasic),
            Some("wrong"),
        ),
        &|_| {},
        &exchanges,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("invalid_client"), "{e}");
}

#[tokio::test]
async fn refresh_narrows_the_scope_and_the_peer_never_widens_it() {
    let Some(peer) = start(json!([public_client("krr-public")])).await else {
        return;
    };
    let client = registration("krr-public", AuthMethod::None);
    let (outcome, _) = login(&params(&peer, client.clone(), None)).await;
    let http = oidc::http::client().unwrap();
    let auth = ClientAuth::new(&client, Credential::None, &peer.issuer).unwrap();
    let narrow = vec![
        "openid".to_owned(),
        "krr:user/kontaktinformasjon.read".to_owned(),
    ];
    let (narrowed, ex) = oidc::refresh::refresh(
        &http,
        &outcome.provider,
        &auth,
        outcome.refresh_token.as_ref().unwrap(),
        Some(&narrow),
    )
    .await;
    let narrowed = narrowed.unwrap_or_else(|e| panic!("{e}: {ex:#?}"));
    let mut got = narrowed.scopes_granted.clone().unwrap();
    got.sort();
    let mut want = narrow.clone();
    want.sort();
    assert_eq!(got, want, "the narrowed token has only the asked scopes");
    assert!(
        ex.request_body
            .unwrap()
            .contains("refresh_token=[redacted]")
    );

    // Asking for a scope the grant never had is refused (RFC 6749 §6).
    let next = narrowed
        .refresh_token
        .as_ref()
        .or(outcome.refresh_token.as_ref())
        .unwrap();
    let wider = vec!["openid".to_owned(), "krr:user/spraak.write".to_owned()];
    let (refused, _) =
        oidc::refresh::refresh(&http, &outcome.provider, &auth, next, Some(&wider)).await;
    let e = refused.unwrap_err();
    assert!(e.to_string().contains("invalid_scope"), "{e}");
}
