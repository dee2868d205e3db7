//! The session after the lookup (`fetch --then ACTION`), end to end against the emulator: userinfo, introspection
//! (RFC 7662), revocation (RFC 7009), refresh with rotation, and RP-initiated logout with its `state` checked;
//! each result and exchange under `session` in the report, a failed action a non-zero exit with the reason. A DPoP
//! session refreshes and calls userinfo with its key. The secrets of the session (refresh tokens, the id_token sent as `id_token_hint`) never reach any export.

use serde_json::Value;

use krr_inspector::emulator::EmulatorHandle;
use krr_inspector::inspect::session::{Action, run_lookup_session};
use krr_inspector::inspect::{Accept, LookupRequest, Target, default_scopes, export, render};
use krr_inspector::krr::Lang;
use krr_inspector::krr::scopes::ScopeDialect;

use super::support::{autologin_browser, emulator, run_against};

const PID: &str = "22859197810";

/// `fetch --testid PID --format json` with `--then` for each of `actions`, no browser (it would fail at once).
async fn then(emu: &EmulatorHandle, actions: &[&str], extra: &[&str]) -> super::support::Ran {
    let mut args = vec!["fetch", "--format", "json"];
    args.extend_from_slice(extra);
    if !extra.contains(&"--browser") {
        args.extend(["--testid", PID]);
    }
    for a in actions {
        args.extend(["--then", a]);
    }
    let env: &[(&str, &str)] = if extra.contains(&"--browser") {
        &[]
    } else {
        &[("KRR_INSPECTOR_BROWSER", "false")]
    };
    run_against(emu, &args, env).await
}

fn steps(j: &Value) -> Vec<Value> {
    j["session"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no session in the report: {j}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_then_introspect_says_the_token_is_no_longer_active() {
    let emu = emulator().await;
    let r = then(&emu, &["introspect", "revoke", "introspect"], &[]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let s = steps(&r.json);
    assert_eq!(
        s.iter().map(|s| s["action"].clone()).collect::<Vec<_>>(),
        ["introspect", "revoke", "introspect"],
        "in the order given"
    );
    let before = &s[0]["outcome"];
    assert_eq!(before["active"], true, "{before}");
    assert!(
        before["scope"]
            .as_str()
            .unwrap()
            .contains("krr:user/kontaktinformasjon.read"),
        "{before}"
    );
    assert!(before["exp"].as_i64().is_some(), "{before}");
    assert_eq!(s[1]["ok"], true, "{}", s[1]);
    assert_eq!(s[1]["outcome"]["token"], "refresh_token", "{}", s[1]);
    assert_eq!(
        s[2]["outcome"]["active"], false,
        "after revoking the refresh token its grant's access token is inactive: {}",
        s[2]
    );
    // Each step carries its exchange: RFC 7009 and 7662 forms with the token redacted and its hint shown.
    let revoke = &s[1]["exchanges"][0];
    assert_eq!(revoke["step"], "revoke");
    assert_eq!(revoke["status"], 200);
    assert_eq!(
        revoke["request_body"],
        "token=[redacted]&token_type_hint=refresh_token&client_id=krr-inspector"
    );
    assert_eq!(s[2]["exchanges"][0]["step"], "introspect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_twice_rotates_the_refresh_token_and_shows_its_lifetime() {
    let emu = emulator().await;
    let r = then(&emu, &["refresh", "refresh", "introspect"], &[]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let s = steps(&r.json);
    // The emulator takes each refresh token once: the second refresh succeeds only with the rotated one.
    for step in &s[..2] {
        let o = &step["outcome"];
        assert_eq!(step["ok"], true, "{step}");
        assert_eq!(o["kind"], "refreshed", "{o}");
        assert_eq!(o["rotated"], true, "{o}");
        assert!(o["refresh_token_expires_in"].as_u64().unwrap() > 0, "{o}");
        assert!(o["expires_in"].as_u64().unwrap() > 0, "{o}");
    }
    // The refreshed access token is the one the session holds now.
    assert_eq!(s[2]["outcome"]["active"], true, "{}", s[2]);
    let text = run_against(
        &emu,
        &["fetch", "--testid", PID, "--then", "refresh"],
        &[("KRR_INSPECTOR_BROWSER", "false")],
    )
    .await;
    assert!(
        text.stdout.contains("refresh token rotated: yes")
            && text.stdout.contains("refresh_token_expires_in"),
        "{}",
        text.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_names_the_person_who_logged_in() {
    let emu = emulator().await;
    let r = then(&emu, &["userinfo"], &[]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let s = steps(&r.json);
    assert_eq!(s[0]["outcome"]["claims"]["pid"], PID, "{}", s[0]);
    let ex = &s[0]["exchanges"][0];
    assert_eq!(ex["method"], "GET");
    let auth = ex["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap_or_else(|| panic!("no bearer sent: {ex}"));
    assert_eq!(auth[1], "Bearer [redacted]");
}

/// A DPoP session (`fetch --dpop --then refresh --then userinfo`): the refresh is sent with a proof by the lookup's
/// key, and the refreshed token is presented at userinfo with the DPoP scheme and a proof by that key, which the
/// emulator answers only for a token bound to it (it refuses a bound token as a bearer token, an unbound one under
/// the DPoP scheme, and a proof by a key other than the token's `cnf.jkt`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dpop_session_refreshes_with_its_key_and_presents_the_bound_token_at_userinfo() {
    use super::dpop::{ec_thumbprint, recorded_proof};
    let emu = emulator().await;
    let r = then(&emu, &["refresh", "userinfo"], &["--dpop"]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let token = &r.json["token"];
    assert_eq!(token["dpop"]["binding"], "this_key", "{token}");
    let jkt = token["dpop"]["key_jkt"].as_str().unwrap().to_owned();
    let s = steps(&r.json);
    assert_eq!(
        s.iter()
            .map(|s| (s["action"].clone(), s["ok"].clone()))
            .collect::<Vec<_>>(),
        [
            ("refresh".into(), true.into()),
            ("userinfo".into(), true.into())
        ],
        "{s:?}"
    );
    assert_eq!(s[0]["outcome"]["kind"], "refreshed", "{}", s[0]);
    assert_eq!(s[0]["outcome"]["rotated"], true, "{}", s[0]);

    // The refresh: a proof for the token endpoint by the lookup's key (no ath: no token is presented).
    let refresh = &s[0]["exchanges"][0];
    assert_eq!(refresh["step"], "refresh", "{refresh}");
    assert_eq!(refresh["status"], 200, "{refresh}");
    let (header, claims) = recorded_proof(refresh);
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(
        ec_thumbprint(&header["jwk"]),
        jkt,
        "the refresh's proof is by the lookup's key"
    );
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], format!("{}/token", emu.base_url));
    assert!(claims.get("ath").is_none(), "{claims}");

    // Userinfo: the refreshed token under the DPoP scheme, a proof by the same key with the token's ath.
    let userinfo = &s[1]["exchanges"][0];
    assert_eq!(userinfo["step"], "userinfo", "{userinfo}");
    assert_eq!(userinfo["status"], 200, "{userinfo}");
    let auth = userinfo["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap_or_else(|| panic!("no token sent: {userinfo}"));
    assert!(
        auth[1].as_str().unwrap().starts_with("DPoP [redacted"),
        "{auth}"
    );
    let (header, claims) = recorded_proof(userinfo);
    assert_eq!(
        ec_thumbprint(&header["jwk"]),
        jkt,
        "the userinfo proof is by the same key"
    );
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], format!("{}/userinfo", emu.base_url));
    assert_eq!(claims["ath"].as_str().unwrap().len(), 43, "{claims}");
    // The proof's ath is not the lookup's token's: userinfo was asked with the refreshed one.
    let (_, person_claims) = recorded_proof(super::dpop::exchanges(&r.json, "person")[0]);
    assert_ne!(claims["ath"], person_claims["ath"], "the refreshed token");
    assert_eq!(s[1]["outcome"]["claims"]["pid"], PID, "{}", s[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_action_exits_non_zero_with_its_reason_and_the_report_still_printed() {
    let emu = emulator().await;
    let r = then(&emu, &["revoke", "refresh"], &[]).await;
    assert_ne!(r.code, Some(0));
    assert!(
        r.stderr
            .contains("--then refresh: the token endpoint refused the refresh token")
            && r.stderr.contains("invalid_grant"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json["person"]["personidentifikator"], PID);
    let s = steps(&r.json);
    assert_eq!(
        (s[0]["ok"].clone(), s[1]["ok"].clone()),
        (true.into(), false.into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_logout_comes_back_with_its_state_and_a_new_login_works() {
    let emu = emulator().await;
    let r = then(&emu, &["logout"], &[]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let s = steps(&r.json);
    let o = &s[0]["outcome"];
    assert_eq!(o["kind"], "logged_out", "{o}");
    assert_eq!(o["state_checked"], true);
    assert_eq!(o["via_browser"], false);
    assert!(
        o["post_logout_redirect_uri"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{o}"
    );
    let url = s[0]["exchanges"][0]["url"].as_str().unwrap();
    assert!(
        url.contains("id_token_hint=%5Bredacted%5D") && !url.contains("eyJ"),
        "{url}"
    );
    let again = then(&emu, &[], &[]).await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_logout_ends_the_single_sign_on_session() {
    let emu = emulator().await;
    let jar = tempfile::tempdir().unwrap();
    let jar = jar.path().join("cookies");
    let browser = autologin_browser(&format!(
        "--pid 24079412372 --cookie-jar '{}'",
        jar.display()
    ));
    let fetch = |extra: Vec<&'static str>, actions: &'static [&'static str]| {
        let browser = browser.clone();
        let emu = &emu;
        async move {
            let mut args = vec!["--browser", browser.as_str()];
            args.extend(extra);
            then(emu, actions, &args).await
        }
    };
    let first = fetch(vec![], &[]).await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    // With the session, the browser comes back without a login page.
    let silent = fetch(vec!["--prompt", "none"], &["logout"]).await;
    assert_eq!(silent.code, Some(0), "{}", silent.stderr);
    let o = &steps(&silent.json)[0]["outcome"];
    assert_eq!(
        (o["via_browser"].clone(), o["state_checked"].clone()),
        (true.into(), true.into()),
        "{o}"
    );
    // After the logout the same browser must log in again.
    let after = fetch(vec!["--prompt", "none"], &[]).await;
    assert_ne!(after.code, Some(0));
    assert_eq!(after.json["error"]["kind"], "login", "{}", after.stdout);
    assert!(after.stderr.contains("login_required"), "{}", after.stderr);
}

/// The library's session, driven directly: the refresh tokens and the id_token it holds (which the command's
/// output never shows) appear in no export of the report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_refresh_token_or_id_token_reaches_any_export() {
    let emu = emulator().await;
    let http = krr_inspector::oidc::http::client().unwrap();
    let mut trust = krr_inspector::jose::TrustStore::new();
    trust.add_pem(emu.ca_pem().as_bytes()).unwrap();
    let request = LookupRequest {
        target: Target {
            environment: "local".into(),
            issuer: emu.issuer(ScopeDialect::Digdir),
            person_url: emu.person_url(ScopeDialect::Digdir),
            dialect: ScopeDialect::Digdir,
        },
        client: krr_inspector::config::ClientRegistration::emulator_default(),
        client_secret: None,
        client_key: None,
        scopes: default_scopes(ScopeDialect::Digdir),
        accept: Accept::Jose,
        acr: None,
        ui_locales: "nb".into(),
        prompt: None,
        login_hint: Some(format!("testid:{PID}_idporten-loa-substantial")),
        browser: krr_inspector::oidc::BrowserChoice::PrintUrl,
        callback_timeout: std::time::Duration::from_secs(20),
        trust,
        lang: Lang::En,
        par: false,
        dpop: false,
    };
    let (mut inspection, session) = run_lookup_session(&http, &request, &|_| {}).await;
    let mut session = session.expect("the login is accepted");
    let mut secrets = vec![
        session.refresh_token().unwrap().expose().to_owned(),
        session.id_token().unwrap().expose().to_owned(),
    ];
    for action in [
        Action::Refresh,
        Action::Userinfo,
        Action::Introspect,
        Action::Revoke,
        Action::Logout,
    ] {
        let step = session.run(&http, action, &|_| {}).await;
        assert!(step.ok, "{action:?}: {:?}", step.error);
        inspection.session.push(step);
        secrets.extend(session.refresh_token().map(|t| t.expose().to_owned()));
        secrets.push(session.access_token().expose().to_owned());
    }
    assert!(secrets.iter().all(|s| s.len() > 20), "real tokens");
    let outputs = [
        export::to_json(&inspection),
        export::to_markdown(&inspection, Lang::En),
        export::to_html(&inspection, Lang::En),
        render::render_inspection_text(&inspection, Lang::En),
        format!("{session:?}"),
    ];
    for out in &outputs {
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "a session secret in: {out}");
        }
    }
    // A saved report keeps its session steps: read back, it says the same.
    let back = export::from_json(&outputs[0]).unwrap();
    assert_eq!(back.session, inspection.session);
    assert_eq!(export::to_json(&back), outputs[0]);
}

/// The emulator's RP-initiated logout: the hint's session ends even from another browser, `state` is echoed, and
/// `post_logout_redirect_uri` is trusted only for the client (the hint's `aud` or `client_id`) and only when that
/// client may use it (loopback on any port, or registered).
#[tokio::test]
async fn the_emulator_checks_post_logout_redirect_uri_and_ends_the_hinted_session() {
    use super::support::{Authz, browser, exchange, location_params, log_in};
    let emu = emulator().await;
    let scopes = "openid krr:user/kontaktinformasjon.read";
    let person = browser();
    let authz = Authz::new(ScopeDialect::Digdir, "http://127.0.0.1:9/callback", scopes);
    let cb = log_in(&person, &emu, &authz, &[("pick", "24079412372")]).await;
    let tokens: Value = exchange(&person, &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();
    let silent = || async {
        let r = person
            .get(
                Authz::new(ScopeDialect::Digdir, "http://127.0.0.1:9/callback", scopes)
                    .set("prompt", "none")
                    .url(&emu),
            )
            .send()
            .await
            .unwrap();
        location_params(&r).1
    };
    assert!(silent().await.contains_key("code"), "the SSO session works");

    let other = browser();
    let logout = |query: Vec<(&'static str, String)>| {
        let url = url::Url::parse_with_params(&format!("{}/logout", emu.base_url), query).unwrap();
        let other = other.clone();
        async move { other.get(url).send().await.unwrap() }
    };
    let back = "http://127.0.0.1:4711/after-logout".to_owned();
    // Refused: a hint this provider did not sign; a hint for another client; no client to trust the URI for;
    // a URI that is not loopback.
    let dot = id_token.rfind('.').unwrap() + 1;
    let flipped = if id_token[dot..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    let forged = format!("{}{flipped}{}", &id_token[..dot], &id_token[dot + 1..]);
    let cases = [
        vec![
            ("id_token_hint", forged),
            ("post_logout_redirect_uri", back.clone()),
        ],
        vec![
            ("id_token_hint", id_token.to_owned()),
            ("client_id", "demo-client".to_owned()),
            ("post_logout_redirect_uri", back.clone()),
        ],
        vec![
            ("post_logout_redirect_uri", back.clone()),
            ("state", "s".into()),
        ],
        vec![
            ("client_id", "krr-inspector".to_owned()),
            ("post_logout_redirect_uri", "https://evil.example/cb".into()),
        ],
    ];
    for query in cases {
        let r = logout(query.clone()).await;
        assert_eq!(r.status(), 400, "{query:?}");
        assert!(r.headers().get("location").is_none(), "{query:?}");
    }
    // None of the refused requests ended the person's session.
    assert!(silent().await.contains_key("code"));

    let r = logout(vec![
        ("id_token_hint", id_token.to_owned()),
        ("post_logout_redirect_uri", back.clone()),
        ("state", "st-1".into()),
    ])
    .await;
    let (location, params) = location_params(&r);
    assert!(location.starts_with(&back), "{location}");
    assert_eq!(params["state"], "st-1");
    assert_eq!(
        silent().await.get("error").map(String::as_str),
        Some("login_required"),
        "the person's browser must log in again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_scope_narrows_the_refreshed_token_and_a_wider_one_is_refused() {
    let emu = emulator().await;
    let narrow = ["openid", "krr:user/kontaktinformasjon.read"];
    let r = then(
        &emu,
        &["refresh", "introspect"],
        &["--refresh-scope", narrow[0], "--refresh-scope", narrow[1]],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let s = steps(&r.json);
    assert_eq!(s[0]["outcome"]["scopes_granted"], serde_json::json!(narrow));
    assert_eq!(s[1]["outcome"]["scope"], narrow.join(" "), "{}", s[1]);
    assert!(
        s[0]["exchanges"][0]["request_body"]
            .as_str()
            .unwrap()
            .contains("scope=openid krr:user/kontaktinformasjon.read"),
        "{}",
        s[0]
    );

    let r = then(
        &emu,
        &["refresh"],
        &["--refresh-scope", "krr:user/spraak.write"],
    )
    .await;
    assert_ne!(r.code, Some(0));
    assert!(r.stderr.contains("invalid_scope"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confidential_client_authenticates_at_introspection_and_revocation_as_at_the_token_endpoint()
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
            "--client-id",
            "demo-client",
            "--client-secret-env",
            "SESSION_TEST_SECRET",
            "--then",
            "introspect",
            "--then",
            "revoke",
        ],
        &[
            ("KRR_INSPECTOR_BROWSER", "false"),
            ("SESSION_TEST_SECRET", "demo-secret"),
        ],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let s = steps(&r.json);
    assert_eq!(s[0]["outcome"]["active"], true);
    assert_eq!(s[0]["outcome"]["client_id"], "demo-client");
    for step in &s {
        let ex = &step["exchanges"][0];
        let auth = ex["request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "authorization")
            .unwrap_or_else(|| panic!("client_secret_basic sends Authorization: {ex}"));
        assert_eq!(auth[1], "Basic [redacted]");
        assert!(
            !ex["request_body"].as_str().unwrap().contains("client_id"),
            "one method only (RFC 6749 §2.3): {ex}"
        );
    }
    assert!(!r.stdout.contains("demo-secret"));
}
