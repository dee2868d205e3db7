//! The emulator over real HTTP on 127.0.0.1:0: discovery, the login page, codes, tokens, the register, every error
//! path, faults, and the command line.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use krr_inspector::emulator::{Faults, Keys};
use krr_inspector::inspect::inspect_body;
use krr_inspector::jose::jwk::KeySet;
use krr_inspector::jose::{TrustStore, jwt};
use krr_inspector::krr::Lang;
use krr_inspector::krr::ScopeDialect;

use super::support::*;

const DIGDIR_SCOPES: &str = "openid krr:user/kontaktinformasjon.read krr:user/digitalpost.read";
const DIFI_SCOPES: &str = "openid user/kontaktinformasjon.read user/varslingsstatus.read user/sikkerdigitalpost.read user/sertifikat.read";
const CB: &str = "http://127.0.0.1:9/callback";

async fn get_person(url: &str, token: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

fn trust(emu: &krr_inspector::emulator::EmulatorHandle) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_pem(emu.ca_pem().as_bytes()).unwrap();
    t
}

#[tokio::test]
async fn discovery_documents_of_both_generations() {
    let emu = emulator().await;
    let d: Value = get_json(format!("{}/.well-known/openid-configuration", emu.base_url)).await;
    assert_eq!(
        d["issuer"], emu.base_url,
        "Digdir issuer has no trailing slash"
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!([
            "none",
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt"
        ])
    );
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(d["jwks_uri"], format!("{}/jwks.json", emu.base_url));
    let difi_issuer = format!("{}/idporten-oidc-provider/", emu.base_url);
    let d: Value = get_json(format!("{difi_issuer}.well-known/openid-configuration")).await;
    assert_eq!(d["issuer"], difi_issuer);
    assert_eq!(d["jwks_uri"], format!("{difi_issuer}jwk"));
    assert_eq!(
        d["end_session_endpoint"],
        format!("{difi_issuer}endsession")
    );
    assert_eq!(d["acr_values_supported"], json!(["Level3", "Level4"]));
}

#[tokio::test]
async fn digdir_login_tokens_and_signed_answer() {
    let emu = emulator().await;
    let http = browser();
    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let page = http.get(authz.url(&emu)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Log in (ID-porten emulator)")
            && html.contains("24079412372")
            && html.contains("Digipost mailbox, certificate")
    );

    let cb = log_in(&http, &emu, &authz, &[("pick", "24079412372")]).await;
    assert_eq!(cb["state"], "state-123");
    assert_eq!(cb["iss"], emu.base_url);
    let r = exchange(&http, &emu, &authz, &cb["code"]).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 120);
    assert_eq!(t["scope"], DIGDIR_SCOPES);

    let jwks = reqwest::get(format!("{}/jwks.json", emu.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let keys = KeySet::parse(&jwks).unwrap();
    let id = jwt::verify(t["id_token"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(id.claims["pid"], "24079412372");
    assert_eq!(id.claims["nonce"], "nonce-456");
    assert_eq!(id.claims["aud"], "krr-inspector");
    assert_eq!(id.claims["acr"], "idporten-loa-substantial");
    assert_eq!(id.claims["amr"], json!(["TestID"]));
    assert_eq!(id.claims["iss"], emu.base_url);
    assert!(id.header.contains_key("kid"));
    let access = jwt::verify(t["access_token"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(access.claims["client_id"], "krr-inspector");
    assert_eq!(access.claims["scope"], DIGDIR_SCOPES);

    let r = get_person(
        &emu.person_url(ScopeDialect::Digdir),
        t["access_token"].as_str().unwrap(),
        "application/jose",
    )
    .await;
    assert_eq!(r.headers()["content-type"], "application/jose");
    let body = r.bytes().await.unwrap();
    let report = inspect_body(
        &body,
        Some("application/jose"),
        &trust(&emu),
        None,
        Lang::En,
        Utc::now(),
    )
    .unwrap();
    assert!(report.verdict().is_valid(), "{:?}", report.verdict());
    let jose = report.jose.as_ref().unwrap();
    assert_eq!(jose.certificates.len(), 2);
    assert_eq!(
        jose.certificates[0].organisation_number.as_deref(),
        Some("991825827")
    );
    assert_eq!(
        report.person["digital_post"]["postkasseadresse"],
        "ola.nordmann#6XXB"
    );
    assert_eq!(report.person["varslingsstatus"], "KAN_VARSLES");
    let cert = report
        .fields
        .iter()
        .find(|f| f.path == "sertifikat")
        .unwrap();
    assert!(
        cert.explanation.contains("Test person 24079412372"),
        "{}",
        cert.explanation
    );
}

#[tokio::test]
async fn difi_generation_and_both_register_paths() {
    let emu = emulator().await;
    let t = tokens_for(&emu, ScopeDialect::Difi, DIFI_SCOPES, "27129324169").await;
    let token = t["access_token"].as_str().unwrap();
    let id = jwt::decode_unverified(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(
        id.claims["iss"],
        format!("{}/idporten-oidc-provider/", emu.base_url)
    );
    assert_eq!(id.claims["acr"], "Level3");
    for url in [
        emu.person_url(ScopeDialect::Difi),
        emu.person_url(ScopeDialect::Digdir),
    ] {
        let r = get_person(&url, token, "application/json").await;
        assert_eq!(r.status(), 200, "{url}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["varslingsstatus"], "KAN_VARSLES");
        assert_eq!(p["kontaktinformasjon"]["mobiltelefonnummer"], "+4799004169");
    }
    // A Digdir token at the Difi path, too.
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "27129324169").await;
    let r = get_person(
        &emu.person_url(ScopeDialect::Difi),
        t["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn each_scope_gives_its_fields() {
    let emu = emulator().await;
    let cases: &[(&str, &[&str])] = &[
        (
            "openid user/kontaktinformasjon.read",
            &["kontaktinformasjon"],
        ),
        ("openid user/varslingsstatus.read", &["varslingsstatus"]),
        ("openid user/sikkerdigitalpost.read", &["digital_post"]),
        ("openid user/sertifikat.read", &["sertifikat"]),
        (
            "openid krr:user/kontaktinformasjon.read",
            &["kontaktinformasjon", "varslingsstatus"],
        ),
        (
            "openid user/kontaktinformasjon.read user/sertifikat.read",
            &["kontaktinformasjon", "sertifikat"],
        ),
        (
            "openid krr:user/digitalpost.read",
            &["digital_post", "sertifikat"],
        ),
    ];
    for (scope, expected) in cases {
        let t = tokens_for(&emu, ScopeDialect::Digdir, scope, "24079412372").await;
        let r = get_person(
            &emu.person_url(ScopeDialect::Digdir),
            t["access_token"].as_str().unwrap(),
            "application/json",
        )
        .await;
        let p: Value = r.json().await.unwrap();
        let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        keys.retain(|k| !["personidentifikator", "reservasjon", "status"].contains(k));
        keys.sort_unstable();
        assert_eq!(keys, *expected, "{scope}");
    }
}

#[tokio::test]
async fn stale_contact_info_is_filtered_and_unknown_people_are_not_registered() {
    let emu = emulator().await;
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "01048800153").await;
    let r = get_person(
        &emu.person_url(ScopeDialect::Digdir),
        t["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await;
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["varslingsstatus"], "KAN_IKKE_VARSLES");
    assert!(p.get("kontaktinformasjon").is_none(), "{p}");
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "21879498012").await;
    let r = get_person(
        &emu.person_url(ScopeDialect::Digdir),
        t["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await;
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], "IKKE_REGISTRERT");
    assert_eq!(p["personidentifikator"], "21879498012");
}

#[tokio::test]
async fn confidential_client_basic_and_post() {
    let emu = emulator().await;
    for method in ["basic", "post"] {
        let http = browser();
        let authz =
            Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES).set("client_id", "demo-client");
        let cb = log_in(&http, &emu, &authz, &[("pick", "27129323375")]).await;
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", cb["code"].clone()),
            ("redirect_uri", CB.to_owned()),
            ("code_verifier", authz.pkce.verifier.clone()),
        ];
        let req = http.post(token_endpoint(&emu, ScopeDialect::Digdir));
        let req = if method == "basic" {
            req.basic_auth("demo-client", Some("demo-secret"))
        } else {
            form.push(("client_id", "demo-client".into()));
            form.push(("client_secret", "demo-secret".into()));
            req
        };
        let r = req.form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200, "{method}");
    }
    // Wrong secret: 401 invalid_client, with a Basic challenge when Basic was tried.
    let r = browser()
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .basic_auth("demo-client", Some("wrong"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    // The confidential client may not skip authentication.
    let r = browser()
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "demo-client"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn bad_client_or_redirect_gets_a_page_never_a_redirect() {
    let emu = emulator().await;
    let http = browser();
    let cases = [
        (
            Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES).set("client_id", "nobody"),
            "No client is called",
        ),
        (
            Authz::new(ScopeDialect::Digdir, "http://localhost:9/cb", DIGDIR_SCOPES),
            "use the IP literal",
        ),
        (
            Authz::new(
                ScopeDialect::Digdir,
                "https://evil.example/cb",
                DIGDIR_SCOPES,
            ),
            "is not registered",
        ),
        (
            Authz::new(
                ScopeDialect::Digdir,
                "http://127.0.0.1:9/cb#frag",
                DIGDIR_SCOPES,
            ),
            "fragment",
        ),
        (
            Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES).without("redirect_uri"),
            "redirect_uri is missing",
        ),
    ];
    for (authz, message) in cases {
        let r = http.get(authz.url(&emu)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{message}");
        assert!(r.headers().get("location").is_none());
        assert!(r.text().await.unwrap().contains(message), "{message}");
    }
}

#[tokio::test]
async fn authorization_errors_go_back_with_state_and_iss() {
    let emu = emulator().await;
    let http = browser();
    let base = || Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cases = [
        (
            base().set("response_type", "token"),
            "unsupported_response_type",
            true,
        ),
        (base().without("nonce"), "invalid_request", true),
        (base().without("code_challenge"), "invalid_request", true),
        (
            base().set("code_challenge_method", "plain"),
            "invalid_request",
            true,
        ),
        (
            base().set("scope", "openid krr:user/ukjent.read"),
            "invalid_scope",
            true,
        ),
        (
            base().set("scope", "krr:user/kontaktinformasjon.read"),
            "invalid_scope",
            true,
        ),
        (base().set("acr_values", "Level4"), "invalid_request", true),
        (base().set("prompt", "maybe"), "invalid_request", true),
        (base().set("prompt", "none"), "login_required", true),
        (base().without("state"), "invalid_request", false),
    ];
    for (authz, error, has_state) in cases {
        let r = http.get(authz.url(&emu)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{error}");
        let (location, p) = location_params(&r);
        assert!(location.starts_with(CB));
        assert_eq!(p["error"], error, "{location}");
        assert_eq!(p["iss"], emu.base_url);
        assert_eq!(p.contains_key("state"), has_state, "{location}");
        assert!(!p["error_description"].is_empty());
    }
}

#[tokio::test]
async fn login_page_validates_and_cancels() {
    let emu = emulator().await;
    let http = browser();
    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES).set("ui_locales", "nb");
    let html = http
        .get(authz.url(&emu))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Logg inn (ID-porten-emulator)") && html.contains("mobil og e-post"));
    let id = login_request_id(&html);
    let r = submit_login(
        &http,
        &emu,
        &[
            ("request", id.as_str()),
            ("pid", "16903349845"),
            ("action", "login"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("«16903349845» er ikke et gyldig fødselsnummer"),
        "{html}"
    );
    // The same login goes on: cancel it.
    let r = submit_login(
        &http,
        &emu,
        &[("request", id.as_str()), ("action", "cancel")],
    )
    .await;
    let (_, p) = location_params(&r);
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["state"], "state-123");
    // A used login request is gone.
    let r = submit_login(
        &http,
        &emu,
        &[("request", id.as_str()), ("pick", "27129324169")],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );
}

#[tokio::test]
async fn single_sign_on_and_prompt() {
    let emu = emulator().await;
    let http = browser();
    let first = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cb = log_in(
        &http,
        &emu,
        &first,
        &[("pick", "27129324169"), ("acr", "idporten-loa-high")],
    )
    .await;
    assert!(cb.contains_key("code"));
    // Same browser, new request: straight back with a code, no form.
    let second =
        Authz::new(ScopeDialect::Digdir, CB, "openid krr:user/digitalpost.read").set("state", "s2");
    let r = http.get(second.url(&emu)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, p) = location_params(&r);
    assert_eq!(p["state"], "s2");
    let t: Value = exchange(&http, &emu, &second, &p["code"])
        .await
        .json()
        .await
        .unwrap();
    let id = jwt::decode_unverified(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(id.claims["pid"], "27129324169");
    assert_eq!(
        id.claims["acr"], "idporten-loa-high",
        "the session's level carries over"
    );
    // prompt=none with the session works; prompt=login shows the form again.
    let r = http
        .get(
            Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES)
                .set("prompt", "none")
                .url(&emu),
        )
        .send()
        .await
        .unwrap();
    assert!(location_params(&r).1.contains_key("code"));
    let r = http
        .get(
            Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES)
                .set("prompt", "login")
                .url(&emu),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Logout ends the session.
    let r = http
        .get(format!("{}/logout", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(
            Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES)
                .set("prompt", "none")
                .url(&emu),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(location_params(&r).1["error"], "login_required");
}

#[tokio::test]
async fn codes_are_single_use_bound_and_expire() {
    let emu = emulator().await;
    let http = browser();
    let token_error = |r: reqwest::Response| async move {
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap()["error"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };

    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    assert_eq!(
        exchange(&http, &emu, &authz, &cb["code"]).await.status(),
        200
    );
    assert_eq!(
        token_error(exchange(&http, &emu, &authz, &cb["code"]).await).await,
        (400, "invalid_grant".into())
    );

    // Wrong redirect_uri, wrong verifier, other issuer's token endpoint.
    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    let mut other = Authz::new(
        ScopeDialect::Digdir,
        "http://127.0.0.1:9/other",
        DIGDIR_SCOPES,
    );
    other.pkce = Pkce {
        verifier: authz.pkce.verifier.clone(),
        challenge: String::new(),
    };
    assert_eq!(
        token_error(exchange(&http, &emu, &other, &cb["code"]).await).await,
        (400, "invalid_grant".into())
    );
    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    let mut wrong_verifier = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    wrong_verifier.pkce = Pkce::new();
    assert_eq!(
        token_error(exchange(&http, &emu, &wrong_verifier, &cb["code"]).await).await,
        (400, "invalid_grant".into())
    );
    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    let mut difi = Authz::new(ScopeDialect::Difi, CB, DIGDIR_SCOPES);
    difi.pkce = Pkce {
        verifier: authz.pkce.verifier.clone(),
        challenge: String::new(),
    };
    assert_eq!(
        token_error(exchange(&http, &emu, &difi, &cb["code"]).await).await,
        (400, "invalid_grant".into())
    );

    // Expiry: 60 seconds on the emulator's clock.
    let authz = Authz::new(ScopeDialect::Digdir, CB, DIGDIR_SCOPES);
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    emu.advance_clock(Duration::seconds(61));
    let (status, _) = token_error(exchange(&http, &emu, &authz, &cb["code"]).await).await;
    assert_eq!(status, 400);

    let r = http
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .form(&[("grant_type", "password"), ("client_id", "krr-inspector")])
        .send()
        .await
        .unwrap();
    assert_eq!(token_error(r).await, (400, "unsupported_grant_type".into()));
    let r = http
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .body("client_id=krr-inspector&client_id=x")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(token_error(r).await, (400, "invalid_request".into()));
}

#[tokio::test]
async fn refresh_tokens_rotate() {
    let emu = emulator().await;
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "27129324169").await;
    let refresh = t["refresh_token"].as_str().unwrap();
    let http = browser();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", "krr-inspector"),
    ];
    let r = http
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t2: Value = r.json().await.unwrap();
    assert_ne!(t2["refresh_token"], t["refresh_token"]);
    assert!(t2.get("id_token").is_none());
    let r = http
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a refresh token works once");
}

#[tokio::test]
async fn register_errors() {
    let emu = emulator().await;
    let url = emu.person_url(ScopeDialect::Digdir);
    let http = reqwest::Client::new();
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    let r = http
        .get(&url)
        .header("authorization", "Bearer not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(&url)
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "27129324169").await;
    let token = t["access_token"].as_str().unwrap();
    // Tampered token.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1].insert(5, 'A');
    let r = get_person(&url, &parts.join("."), "application/json").await;
    assert_eq!(r.status(), 401);
    // The id_token is not an access token.
    let r = get_person(&url, t["id_token"].as_str().unwrap(), "application/json").await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("not an access token"));
    // Unsupported Accept.
    assert_eq!(get_person(&url, token, "text/html").await.status(), 406);
    // No read scope.
    let t2 = tokens_for(&emu, ScopeDialect::Digdir, "openid profile", "27129324169").await;
    let r = get_person(
        &url,
        t2["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    // Expired: 120 s on the emulator's clock.
    emu.advance_clock(Duration::seconds(121));
    let r = get_person(&url, token, "application/json").await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn patch_changes_the_language() {
    let emu = emulator().await;
    let url = emu.person_url(ScopeDialect::Digdir);
    let read = tokens_for(
        &emu,
        ScopeDialect::Digdir,
        "openid krr:user/kontaktinformasjon.read",
        "29129319060",
    )
    .await;
    let r = reqwest::Client::new()
        .patch(&url)
        .bearer_auth(read["access_token"].as_str().unwrap())
        .json(&json!({"spraak": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "PATCH needs the write scope");
    let t = tokens_for(
        &emu,
        ScopeDialect::Digdir,
        "openid krr:user/kontaktinformasjon.read krr:user/spraak.write",
        "29129319060",
    )
    .await;
    let token = t["access_token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let r = http
        .patch(&url)
        .bearer_auth(token)
        .json(&json!({"spraak": "xx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .patch(&url)
        .bearer_auth(token)
        .json(&json!({"spraak": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "as Digdir's Postman collection: no body");
    assert!(r.bytes().await.unwrap().is_empty());
    let r = http
        .patch(&url)
        .bearer_auth(token)
        .header("prefer", "return=representation")
        .header("accept", "application/json")
        .json(&json!({"spraak": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the record when asked for (RFC 7240)");
    assert_eq!(r.json::<Value>().await.unwrap()["spraak"], "en");
    let p: Value = get_person(
        &url,
        read["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(p["spraak"], "en");
    assert!(p["spraak_oppdatert"].is_string());
}

/// The certificate faults and the person certificates cost RSA key generation: it is done once, off the async
/// threads, so concurrent first requests all get the one certificate (and the server keeps answering meanwhile).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_share_one_generated_certificate() {
    use base64::Engine;
    let emu = emulator().await;
    let url = emu.person_url(ScopeDialect::Digdir);
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "24079412372").await;
    let token = t["access_token"].as_str().unwrap().to_owned();
    emu.set_faults(Faults {
        expired_certificate: true,
        ..Faults::default()
    });
    let signer = |jws: String| {
        let header = jws.split('.').next().unwrap().to_owned();
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(header)
                .unwrap(),
        )
        .unwrap();
        header["x5c"][0].as_str().unwrap().to_owned()
    };
    let requests: Vec<_> = (0..6)
        .map(|i| {
            let (url, token) = (url.clone(), token.clone());
            let accept = if i % 2 == 0 {
                "application/jose"
            } else {
                "application/json"
            };
            tokio::spawn(async move {
                let r = get_person(&url, &token, accept).await;
                assert_eq!(r.status(), 200);
                (accept, r.text().await.unwrap())
            })
        })
        .collect();
    let (mut signers, mut certificates) = (Vec::new(), Vec::new());
    for r in requests {
        let (accept, body) = r.await.unwrap();
        if accept == "application/jose" {
            signers.push(signer(body));
        } else {
            let person: Value = serde_json::from_str(&body).unwrap();
            certificates.push(person["sertifikat"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        signers.windows(2).all(|w| w[0] == w[1]),
        "one expired certificate"
    );
    assert!(
        certificates.windows(2).all(|w| w[0] == w[1]),
        "one person certificate"
    );
}

#[tokio::test]
async fn faults_change_the_next_answers() {
    let emu = emulator().await;
    let url = emu.person_url(ScopeDialect::Digdir);
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "27129324169").await;
    let token = t["access_token"].as_str().unwrap().to_owned();
    let verdict = |faults: Faults| {
        let (emu, url, token) = (&emu, url.clone(), token.clone());
        async move {
            emu.set_faults(faults);
            let body = get_person(&url, &token, "application/jose")
                .await
                .bytes()
                .await
                .unwrap();
            let r = inspect_body(
                &body,
                Some("application/jose"),
                &trust(emu),
                None,
                Lang::En,
                Utc::now(),
            )
            .unwrap();
            (r.verdict().label(), r.verdict().reason().to_owned())
        }
    };
    assert_eq!(verdict(Faults::default()).await.0, "valid");
    assert_eq!(
        verdict(Faults {
            tamper_signature: true,
            ..Faults::default()
        })
        .await
        .0,
        "invalid"
    );
    let (label, reason) = verdict(Faults {
        expired_certificate: true,
        ..Faults::default()
    })
    .await;
    assert_eq!(label, "untrusted");
    assert!(reason.contains("expired on"), "{reason}");
    let (label, reason) = verdict(Faults {
        unknown_ca: true,
        ..Faults::default()
    })
    .await;
    assert_eq!(label, "untrusted");
    assert!(reason.contains("Unknown Test CA"), "{reason}");

    emu.set_faults(Faults {
        http_500: true,
        ..Faults::default()
    });
    assert_eq!(
        get_person(&url, &token, "application/json").await.status(),
        500
    );
    // A slow register: a client with a 1 s timeout gives up on a 3 s delay.
    emu.set_faults(Faults {
        delay_seconds: 3,
        ..Faults::default()
    });
    let r = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await;
    assert!(r.unwrap_err().is_timeout());

    emu.set_faults(Faults {
        wrong_kid: true,
        ..Faults::default()
    });
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "27129324169").await;
    let jwks = KeySet::parse(
        &reqwest::get(format!("{}/jwks.json", emu.base_url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        jwt::verify(t["id_token"].as_str().unwrap(), &jwks),
        Err(jwt::JwtError::UnknownKid("unknown-kid".into()))
    );

    emu.set_faults(Faults {
        expired_tokens: true,
        ..Faults::default()
    });
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "27129324169").await;
    assert_eq!(t["expires_in"], 0);
    assert_eq!(
        get_person(
            &url,
            t["access_token"].as_str().unwrap(),
            "application/json"
        )
        .await
        .status(),
        401
    );
}

#[tokio::test]
async fn index_page_and_admin_api() {
    let emu = emulator().await;
    let html = reqwest::get(format!("{}/", emu.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("BEGIN CERTIFICATE")
            && html.contains("01048800153")
            && html.contains("demo-client")
    );
    let http = browser();
    let r = http
        .post(format!("{}/admin/faults", emu.base_url))
        .form(&[("http_500", "on"), ("delay_seconds", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let f: Value = http
        .get(format!("{}/admin/faults", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (f["http_500"].as_bool(), f["delay_seconds"].as_u64()),
        (Some(true), Some(2))
    );
    let r = http
        .put(format!("{}/admin/faults", emu.base_url))
        .json(&json!({"tamper_signature": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let f: Value = http
        .get(format!("{}/admin/faults", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (f["http_500"].as_bool(), f["tamper_signature"].as_bool()),
        (Some(false), Some(true))
    );
    let r = http
        .put(format!("{}/admin/faults", emu.base_url))
        .json(&json!({"explode": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .get(format!("{}/nowhere", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .post(format!("{}/token", emu.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let ca = reqwest::get(format!("{}/ca.pem", emu.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(ca, emu.ca_pem());
}

#[tokio::test]
async fn the_documented_example_on_a_clock_in_2011() {
    let mut config = krr_inspector::emulator::EmulatorConfig::local(keys());
    config.clock =
        krr_inspector::emulator::Clock::starting_at("2011-03-01T12:00:00Z".parse().unwrap());
    let emu = krr_inspector::emulator::Emulator::start(config)
        .await
        .unwrap();
    let t = tokens_for(&emu, ScopeDialect::Digdir, DIGDIR_SCOPES, "23079421936").await;
    let p: Value = get_person(
        &emu.person_url(ScopeDialect::Digdir),
        t["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(p["varslingsstatus"], "KAN_VARSLES");
    assert_eq!(
        p["kontaktinformasjon"]["epostadresse_oppdatert"],
        "2010-12-16T13:32:05.000+01:00"
    );
    let emu_today = emulator().await;
    let t = tokens_for(
        &emu_today,
        ScopeDialect::Digdir,
        DIGDIR_SCOPES,
        "23079421936",
    )
    .await;
    let p: Value = get_person(
        &emu_today.person_url(ScopeDialect::Digdir),
        t["access_token"].as_str().unwrap(),
        "application/json",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(p["varslingsstatus"], "KAN_IKKE_VARSLES");
}

#[test]
fn keys_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let a = Keys::load_or_create(dir.path(), Utc::now()).unwrap();
    let b = Keys::load_or_create(dir.path(), Utc::now()).unwrap();
    assert_eq!(a.ca_pem(), b.ca_pem());
    assert_eq!(a.token_kid, b.token_kid);
    assert_eq!(a.krr.cert.to_pem().unwrap(), b.krr.cert.to_pem().unwrap());
    // Two years on, the signing certificate is re-issued under the same CA.
    let later = Keys::load_or_create(dir.path(), Utc::now() + Duration::days(800)).unwrap();
    assert_eq!(later.ca_pem(), a.ca_pem());
    assert_ne!(
        later.krr.cert.to_pem().unwrap(),
        a.krr.cert.to_pem().unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("token-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "private keys are readable by the owner only"
        );
    }
}

#[tokio::test]
async fn clients_from_the_data_file() {
    let mut data: Value =
        serde_json::from_str(krr_inspector::emulator::data::DEFAULT_DATA).unwrap();
    data["clients"] = json!([{
        "client_id": "nav-test",
        "client_secret": "s3cret",
        "auth_methods": ["client_secret_post"],
        "redirect_uris": ["https://app.example.no/cb"]
    }]);
    let mut config = krr_inspector::emulator::EmulatorConfig::local(keys());
    config.data = krr_inspector::emulator::EmulatorData::parse(&data.to_string()).unwrap();
    let emu = krr_inspector::emulator::Emulator::start(config)
        .await
        .unwrap();
    let http = browser();
    let authz = Authz::new(
        ScopeDialect::Digdir,
        "https://app.example.no/cb",
        DIGDIR_SCOPES,
    )
    .set("client_id", "nav-test");
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", cb["code"].as_str()),
        ("redirect_uri", "https://app.example.no/cb"),
        ("code_verifier", authz.pkce.verifier.as_str()),
        ("client_id", "nav-test"),
        ("client_secret", "s3cret"),
    ];
    let r = http
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let other = Authz::new(
        ScopeDialect::Digdir,
        "https://app.example.no/other",
        DIGDIR_SCOPES,
    )
    .set("client_id", "nav-test");
    assert_eq!(
        http.get(other.url(&emu)).send().await.unwrap().status(),
        400
    );
}
