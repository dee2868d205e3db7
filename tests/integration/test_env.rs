//! The emulator as Digdir's TEST is today, end to end on 127.0.0.1:0: the test persons and their labels, headless
//! TestID login (`login_hint=testid:<pid>_<acr>`), the consent page, and the fidelity of discovery, tokens and
//! answers.

use serde_json::{Value, json};

use krr_inspector::jose::jwk::KeySet;
use krr_inspector::jose::jwt;
use krr_inspector::krr::ScopeDialect;

use super::support::*;

const CB: &str = "http://127.0.0.1:9/callback";
const SCOPES: &str = "openid krr:user/kontaktinformasjon.read krr:user/digitalpost.read";

#[tokio::test]
async fn the_persons_list_has_test_2023_24_the_classic_set_and_the_generated_ones() {
    let emu = emulator().await;
    let list: Vec<Value> = get_json(format!("{}/admin/persons", emu.base_url)).await;
    assert_eq!(list.len(), 33);
    let find = |pid: &str| {
        list.iter()
            .find(|p| p["pid"] == pid)
            .unwrap_or_else(|| panic!("{pid} is listed"))
    };
    for (pid, en) in [
        ("11887197158", "contact info older than 18 months"),
        ("30850649509", "contact info older than 18 months"),
        ("17894199350", "deleted"),
        ("04846697271", "reserved"),
        ("22859197810", "Digipost mailbox"),
        ("26826499361", "e-Boks mailbox"),
        ("18886799280", "language nn"),
        ("16867096934", "language nb"),
        ("01814797763", "language en"),
    ] {
        let p = find(pid);
        assert!(p["label_en"].as_str().unwrap().ends_with(en), "{p}");
        assert!(
            p["label_nb"].as_str().unwrap().starts_with("TEST 2023–24"),
            "{p}"
        );
        assert_eq!(p["synthetic"], true, "{p}");
        assert_eq!(p["generated"], false, "{p}");
    }
    assert_eq!(find("11887197158")["varslingsstatus"], "KAN_IKKE_VARSLES");
    assert_eq!(find("17894199350")["status"], "SLETTET");
    assert_eq!(find("04846697271")["reservasjon"], "JA");
    // The classic set is kept, with the seed's example person.
    let example = find("23079421936");
    assert_eq!(example["synthetic"], false);
    assert!(example["label_nb"].as_str().unwrap().contains("eksempel"));
    assert_eq!(list.iter().filter(|p| p["generated"] == true).count(), 4);

    let index = reqwest::get(&emu.base_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(index.contains("TEST 2023–24: e-Boks mailbox"));
    assert!(index.contains("TEST 2023–24: e-Boks-postkasse"));
    assert!(index.contains("/admin/persons"));
}

#[tokio::test]
async fn a_test_2023_24_person_answers_with_its_documented_outcome() {
    let emu = emulator().await;
    let t = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, "26826499361").await;
    let p: Value = reqwest::Client::new()
        .get(emu.person_url(ScopeDialect::Digdir))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        p["digital_post"],
        json!({"postkasseadresse": "0000499361", "postkasseleverandoeradresse": "922020175"})
    );
    assert_eq!(p["varslingsstatus"], "KAN_VARSLES");
}

/// The authorization request of a headless TestID login, sent without following the redirect.
async fn headless(
    emu: &krr_inspector::emulator::EmulatorHandle,
    authz: &Authz,
) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(authz.url(emu))
        .send()
        .await
        .unwrap()
}

/// The register's answer for a person logged in headless (a TestID hint, Digdir's scopes).
async fn headless_person(emu: &krr_inspector::emulator::EmulatorHandle, pid: &str) -> Value {
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES).set(
        "login_hint",
        &format!("testid:{pid}_idporten-loa-substantial"),
    );
    let cb = location_params(&headless(emu, &authz).await).1;
    let t: Value = exchange(&browser(), emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    person_json(
        emu,
        ScopeDialect::Digdir,
        t["access_token"].as_str().unwrap(),
    )
    .await
}

async fn token_keys(emu: &krr_inspector::emulator::EmulatorHandle) -> KeySet {
    let jwks = reqwest::get(format!("{}/jwks.json", emu.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    KeySet::parse(&jwks).unwrap()
}

#[tokio::test]
async fn a_testid_hint_logs_in_with_no_page_and_the_tokens_say_testid() {
    let emu = emulator().await;
    for generation in [ScopeDialect::Digdir, ScopeDialect::Difi] {
        let (scope, acr) = match generation {
            ScopeDialect::Digdir => (SCOPES, "idporten-loa-high"),
            ScopeDialect::Difi => ("openid user/kontaktinformasjon.read", "Level4"),
        };
        let authz = Authz::new(generation, CB, scope)
            .set("login_hint", &format!("testid:22859197810_{acr}"));
        let r = headless(&emu, &authz).await;
        assert_eq!(r.status(), 302, "{generation:?}: a redirect, no form");
        let (location, cb) = location_params(&r);
        assert!(location.starts_with(CB), "{location}");
        assert_eq!(cb["state"], "state-123");
        assert_eq!(cb["iss"], emu.issuer(generation));
        let t: Value = exchange(&browser(), &emu, &authz, &cb["code"])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(t["scope"], scope, "implicit consent to every scope");
        let keys = token_keys(&emu).await;
        let id = jwt::verify(t["id_token"].as_str().unwrap(), &keys).unwrap();
        assert_eq!(id.claims["amr"], json!(["TestID"]));
        assert_eq!(id.claims["acr"], acr);
        assert_eq!(id.claims["pid"], "22859197810");
        let access = jwt::verify(t["access_token"].as_str().unwrap(), &keys).unwrap();
        assert_eq!(access.claims["acr"], acr);
        assert_eq!(access.claims["pid"], "22859197810");
    }
    let stats = emu.stats();
    assert_eq!(stats["logins"], 0, "no login form was submitted");
    assert_eq!(stats["codes"], 2);

    // The person's answer: the Digipost mailbox of TEST 2023-24's user.
    let p = headless_person(&emu, "22859197810").await;
    assert_eq!(
        p["digital_post"]["postkasseleverandoeradresse"],
        "984661185"
    );
}

#[tokio::test]
async fn a_malformed_testid_hint_is_invalid_request_on_the_redirect() {
    let emu = emulator().await;
    for (hint, names) in [
        ("testid:22859197810", "testid:<pid>_<acr>"),
        ("testid:2285919781_idporten-loa-high", "11-digit"),
        (
            "testid:16903349845_idporten-loa-high",
            "not a valid national id",
        ),
        ("testid:22859197810_idporten-loa-max", "not an acr level"),
        ("testid:22859197810_selfregistered-email", "no national id"),
    ] {
        let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES).set("login_hint", hint);
        let r = headless(&emu, &authz).await;
        assert_eq!(r.status(), 302, "{hint}");
        let cb = location_params(&r).1;
        assert_eq!(cb["error"], "invalid_request", "{hint}");
        assert!(cb["error_description"].contains(names), "{hint}: {cb:?}");
        assert_eq!(cb["state"], "state-123");
        assert_eq!(cb["iss"], emu.base_url);
        assert!(!cb.contains_key("code"));
    }
    // A level lower than acr_values asks for cannot be honoured.
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES)
        .set("acr_values", "idporten-loa-high")
        .set("login_hint", "testid:22859197810_idporten-loa-substantial");
    let cb = location_params(&headless(&emu, &authz).await).1;
    assert_eq!(cb["error"], "invalid_request");
    assert!(
        cb["error_description"].contains("lower than acr_values"),
        "{cb:?}"
    );
}

#[tokio::test]
async fn a_valid_hint_not_in_the_data_is_not_registered_and_other_hints_show_the_page() {
    let emu = emulator().await;
    let p = headless_person(&emu, "21879498012").await;
    assert_eq!(p["status"], "IKKE_REGISTRERT");
    assert_eq!(p["personidentifikator"], "21879498012");

    for hint in [
        "22859197810",
        "user@example.no",
        "TESTID:22859197810_idporten-loa-high",
    ] {
        let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES).set("login_hint", hint);
        let r = headless(&emu, &authz).await;
        assert_eq!(r.status(), 200, "{hint}: the ordinary login page");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Log in (ID-porten emulator)")
        );
    }
}

/// An emulator with the shipped data plus `clients` (data-file client records), its clock at `at`.
async fn emulator_with(
    clients: Value,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> krr_inspector::emulator::EmulatorHandle {
    use krr_inspector::emulator::{
        Clock, Emulator, EmulatorConfig, EmulatorData, data::DEFAULT_DATA,
    };
    let mut data: Value = serde_json::from_str(DEFAULT_DATA).unwrap();
    data["clients"]
        .as_array_mut()
        .unwrap()
        .extend(clients.as_array().unwrap().iter().cloned());
    let mut config = EmulatorConfig::local(keys());
    config.data = EmulatorData::parse(&data.to_string()).unwrap();
    if let Some(at) = at {
        config.clock = Clock::starting_at(at);
    }
    Emulator::start(config).await.unwrap()
}

#[tokio::test]
async fn discovery_has_test_s_members_for_what_the_emulator_does_and_none_it_lacks() {
    let emu = emulator().await;
    let d: Value = get_json(format!("{}/.well-known/openid-configuration", emu.base_url)).await;
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        d["acr_values_supported"],
        json!([
            "idporten-loa-low",
            "idporten-loa-substantial",
            "idporten-loa-high",
            "selfregistered-email"
        ])
    );
    assert_eq!(d["ui_locales_supported"], json!(["nb", "nn", "en", "se"]));
    assert_eq!(
        d["prompt_values_supported"],
        json!(["none", "login", "consent"])
    );
    assert_eq!(d["subject_types_supported"], json!(["pairwise"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!([
            "none",
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt"
        ])
    );
    assert_eq!(d["request_parameter_supported"], false);
    assert_eq!(
        d["scopes_supported"],
        json!(["openid", "profile"]),
        "as TEST's: API scopes are never listed"
    );
    assert_eq!(d["frontchannel_logout_supported"], false);
    assert_eq!(
        d["end_session_endpoint"],
        format!("{}/logout", emu.base_url)
    );
    // Revocation and introspection where TEST has them.
    assert_eq!(
        d["revocation_endpoint"],
        format!("{}/token/revoke", emu.base_url)
    );
    assert_eq!(
        d["introspection_endpoint"],
        format!("{}/token/introspect", emu.base_url)
    );
    // private_key_jwt: the algorithms an assertion may be signed with.
    assert_eq!(
        d["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    // PAR (RFC 9126) where TEST has it; not required unless configured so.
    assert_eq!(
        d["pushed_authorization_request_endpoint"],
        format!("{}/par", emu.base_url)
    );
    assert_eq!(d["require_pushed_authorization_requests"], false);
    // DPoP (RFC 9449) as Digdir's: ES256 and RS256 proofs.
    assert_eq!(
        d["dpop_signing_alg_values_supported"],
        json!(["ES256", "RS256"])
    );
    // A feature the emulator lacks is not announced.
    assert!(
        d.get("authorization_signing_alg_values_supported")
            .is_none(),
        "JAR is not supported"
    );
    // Every endpoint announced answers (not the fallback's 404).
    for member in [
        "jwks_uri",
        "end_session_endpoint",
        "pushed_authorization_request_endpoint",
    ] {
        let r = reqwest::get(d[member].as_str().unwrap()).await.unwrap();
        assert_ne!(r.status(), 404, "{member}");
    }
    let difi: Value = get_json(format!(
        "{}.well-known/openid-configuration",
        emu.issuer(ScopeDialect::Difi)
    ))
    .await;
    assert_eq!(difi["acr_values_supported"], json!(["Level3", "Level4"]));
    assert!(
        difi.get("pushed_authorization_request_endpoint").is_none(),
        "PAR is the Digdir generation's only"
    );
}

#[tokio::test]
async fn access_tokens_carry_sub_aud_client_amr_token_type_consumer_and_supplier() {
    let emu = emulator_with(
        json!([{"client_id": "acme", "client_secret": "acme-secret",
                "auth_methods": ["client_secret_post"], "orgno": "910000001", "supplier_orgno": "920000002"}]),
        None,
    )
    .await;
    let keys = token_keys(&emu).await;
    // The public client: the default organisation, no client authentication.
    let t = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, "27129324169").await;
    let access = jwt::verify(t["access_token"].as_str().unwrap(), &keys).unwrap();
    let id = jwt::verify(t["id_token"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(
        access.claims["sub"], id.claims["sub"],
        "the same pairwise sub"
    );
    assert_eq!(access.claims["aud"], "unspecified");
    assert_eq!(access.claims["client_amr"], "none");
    assert_eq!(access.claims["token_type"], "Bearer");
    assert_eq!(
        access.claims["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"})
    );
    assert_eq!(access.claims["supplier"], access.claims["consumer"]);
    assert_eq!(
        id.claims["amr"],
        json!(["TestID"]),
        "the login page is TestID"
    );

    // A data-file client with its organisations, authenticating with client_secret_post.
    let http = browser();
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES).set("client_id", "acme");
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", cb["code"].as_str()),
        ("redirect_uri", CB),
        ("code_verifier", authz.pkce.verifier.as_str()),
        ("client_id", "acme"),
        ("client_secret", "acme-secret"),
    ];
    let t: Value = http
        .post(token_endpoint(&emu, ScopeDialect::Digdir))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = jwt::verify(t["access_token"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(access.claims["client_amr"], "client_secret_post");
    assert_eq!(access.claims["consumer"]["ID"], "0192:910000001");
    assert_eq!(access.claims["supplier"]["ID"], "0192:920000002");
}

#[tokio::test]
async fn an_e_mail_login_has_no_pid_and_the_register_answers_403() {
    let emu = emulator().await;
    let http = browser();
    let authz =
        Authz::new(ScopeDialect::Digdir, CB, SCOPES).set("acr_values", "selfregistered-email");
    let page = page_text(&http, &authz.url(&emu)).await;
    assert!(
        page.contains("value=\"selfregistered-email\""),
        "the level is offered"
    );
    assert!(page.contains("type an e-mail address"));
    let cb = log_in(
        &http,
        &emu,
        &authz,
        &[("pid", "kari@example.no"), ("acr", "selfregistered-email")],
    )
    .await;
    let t: Value = exchange(&http, &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    let keys = token_keys(&emu).await;
    let id = jwt::verify(t["id_token"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(id.claims["acr"], "selfregistered-email");
    assert!(id.claims.get("pid").is_none(), "{:?}", id.claims);
    assert!(id.claims["sub"].is_string());
    let token = t["access_token"].as_str().unwrap();
    let access = jwt::verify(token, &keys).unwrap();
    assert!(access.claims.get("pid").is_none());
    let r = reqwest::Client::new()
        .get(emu.person_url(ScopeDialect::Digdir))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "no_national_id");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("no national id")
    );
    let info: Value = reqwest::Client::new()
        .get(format!("{}/userinfo", emu.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        info.get("pid").is_none() && info["sub"] == id.claims["sub"],
        "{info}"
    );
}

#[tokio::test]
async fn one_person_s_answers_are_identical_from_call_to_call_and_run_to_run() {
    use chrono::TimeZone;
    let at = chrono::Utc
        .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .unwrap();
    let mut bodies = Vec::new();
    for _run in 0..2 {
        let emu = emulator_with(json!([]), Some(at)).await;
        let t = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, "27129324169").await;
        for accept in [
            "application/json",
            "application/json",
            "application/jose",
            "application/jose",
        ] {
            let body = reqwest::Client::new()
                .get(emu.person_url(ScopeDialect::Digdir))
                .bearer_auth(t["access_token"].as_str().unwrap())
                .header("accept", accept)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            bodies.push(body);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    assert_eq!(bodies[0], bodies[1], "two JSON calls");
    assert_eq!(bodies[2], bodies[3], "two JWS calls");
    assert_eq!(bodies[0], bodies[4], "JSON of two runs");
    assert_eq!(bodies[2], bodies[6], "JWS of two runs (same keys)");
    let p: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(
        p["kontaktinformasjon"]["epostadresse_oppdatert"],
        "2026-10-25T00:00:00.000Z"
    );
}

/// The hidden `request` field of the consent page.
fn consent_id(html: &str) -> String {
    login_request_id(html)
}

#[tokio::test]
async fn a_consent_client_shows_the_page_and_the_token_carries_only_what_was_ticked() {
    let emu = emulator().await;
    let http = browser();
    let asked = "openid profile krr:user/kontaktinformasjon.read krr:user/digitalpost.read";
    let authz =
        Authz::new(ScopeDialect::Digdir, CB, asked).set("client_id", "krr-inspector-consent");
    let page = page_text(&http, &authz.url(&emu)).await;
    let id = login_request_id(&page);
    let r = submit_login(
        &http,
        &emu,
        &[
            ("request", id.as_str()),
            ("action", "login"),
            ("pick", "27129324169"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "the consent page, not the redirect");
    assert!(
        r.headers().get("set-cookie").is_some(),
        "the SSO session starts"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("Consent (ID-porten emulator)"));
    for (i, scope) in [
        "krr:user/kontaktinformasjon.read",
        "krr:user/digitalpost.read",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            html.contains(&format!(
                "<input type=\"checkbox\" id=\"scope-{i}\" name=\"scope\" value=\"{scope}\" checked>"
            )),
            "{scope} ticked: {html}"
        );
        assert!(
            html.contains(&format!("<label for=\"scope-{i}\">")),
            "labelled"
        );
    }
    assert!(
        !html.contains("value=\"openid\""),
        "openid is not the person's to untick"
    );
    // Untick the digital mailbox.
    let r = http
        .post(format!("{}/consent", emu.base_url))
        .form(&[
            ("request", consent_id(&html).as_str()),
            ("scope", "krr:user/kontaktinformasjon.read"),
            ("action", "accept"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cb = location_params(&r).1;
    assert_eq!(cb["state"], "state-123");
    assert_eq!(cb["iss"], emu.base_url);
    let t: Value = exchange(&http, &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        t["scope"],
        "openid profile krr:user/kontaktinformasjon.read"
    );
    let p = person_json(
        &emu,
        ScopeDialect::Digdir,
        t["access_token"].as_str().unwrap(),
    )
    .await;
    assert!(
        p.get("digital_post").is_none() && p.get("kontaktinformasjon").is_some(),
        "{p}"
    );

    // SSO: the page again, now Cancel → access_denied. A used consent page cannot be answered twice.
    let authz =
        Authz::new(ScopeDialect::Digdir, CB, asked).set("client_id", "krr-inspector-consent");
    let r = http.get(authz.url(&emu)).send().await.unwrap();
    assert_eq!(r.status(), 200, "consent after SSO too");
    let html = r.text().await.unwrap();
    let id = consent_id(&html);
    let r = http
        .post(format!("{}/consent", emu.base_url))
        .form(&[("request", id.as_str()), ("action", "cancel")])
        .send()
        .await
        .unwrap();
    let cb = location_params(&r).1;
    assert_eq!(cb["error"], "access_denied");
    assert_eq!(cb["state"], "state-123");
    let r = http
        .post(format!("{}/consent", emu.base_url))
        .form(&[("request", id.as_str()), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // TestID consents implicitly.
    let authz = Authz::new(ScopeDialect::Digdir, CB, asked)
        .set("client_id", "krr-inspector-consent")
        .set("login_hint", "testid:27129324169_idporten-loa-substantial");
    let r = headless(&emu, &authz).await;
    assert_eq!(r.status(), 302);
    let cb = location_params(&r).1;
    let t: Value = exchange(&http, &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["scope"], asked);
}

#[tokio::test]
async fn a_consent_client_asking_only_for_openid_gets_no_page_and_others_never_do() {
    let emu = emulator().await;
    let http = browser();
    let authz = Authz::new(ScopeDialect::Digdir, CB, "openid profile")
        .set("client_id", "krr-inspector-consent");
    let cb = log_in(&http, &emu, &authz, &[("pick", "27129324169")]).await;
    assert!(cb.contains_key("code"), "{cb:?}");
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES);
    let cb = log_in(&browser(), &emu, &authz, &[("pick", "27129324169")]).await;
    assert!(
        cb.contains_key("code"),
        "krr-inspector is not a consent client"
    );
}

#[tokio::test]
async fn autologin_accepts_the_consent_page_as_shown() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let emu = emulator().await;
    // The client's loopback redirect URI: answers 200 and hands back the request line.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cb = format!("http://{}/callback", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).into_owned();
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let _ = tx.send(head.lines().next().unwrap_or_default().to_owned());
    });
    let authz =
        Authz::new(ScopeDialect::Digdir, &cb, SCOPES).set("client_id", "krr-inspector-consent");
    let script = krr_inspector::emulator::autologin::Script {
        pid: "22859197810".into(),
        ..Default::default()
    };
    let status = krr_inspector::emulator::autologin::run(&authz.url(&emu), &script)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let line = rx.await.unwrap();
    let target = url::Url::parse(&format!(
        "http://x{}",
        line.split_whitespace().nth(1).unwrap()
    ))
    .unwrap();
    let code = target
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code on the redirect");
    let t: Value = exchange(&browser(), &emu, &authz, &code)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["scope"], SCOPES, "every scope was left ticked");
}

/// A form POST as the public client `krr-inspector` (it authenticates by its client_id).
async fn post_form(url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let mut all = form.to_vec();
    all.push(("client_id", "krr-inspector"));
    browser().post(url).form(&all).send().await.unwrap()
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scope_never_widen_it_and_the_next_refresh_may_narrow_differently()
{
    let emu = emulator().await;
    let token_url = token_endpoint(&emu, ScopeDialect::Digdir);
    let t = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, "24079412372").await;
    assert_eq!(t["refresh_token_expires_in"], 600);
    let refresh = |token: String, scope: Option<&'static str>| {
        let url = token_url.clone();
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", token.as_str()),
            ];
            if let Some(s) = scope {
                form.push(("scope", s));
            }
            post_form(&url, &form).await
        }
    };
    let narrow = "openid krr:user/digitalpost.read";
    let r = refresh(
        t["refresh_token"].as_str().unwrap().to_owned(),
        Some(narrow),
    )
    .await;
    assert_eq!(r.status(), 200);
    let n: Value = r.json().await.unwrap();
    assert_eq!(n["scope"], narrow);
    // The rotated refresh token keeps the scope first granted: a different narrowing next.
    let other = "openid krr:user/kontaktinformasjon.read";
    let r = refresh(n["refresh_token"].as_str().unwrap().to_owned(), Some(other)).await;
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["scope"], other, "{o}");
    // Never wider than granted.
    let r = refresh(
        o["refresh_token"].as_str().unwrap().to_owned(),
        Some("openid krr:user/spraak.write"),
    )
    .await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"], "invalid_scope");
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("never widen"),
        "{e}"
    );
}

#[tokio::test]
async fn introspection_says_what_a_token_is_and_revocation_ends_it() {
    let emu = emulator().await;
    let d: Value = get_json(format!("{}/.well-known/openid-configuration", emu.base_url)).await;
    let (introspect, revoke) = (
        d["introspection_endpoint"].as_str().unwrap().to_owned(),
        d["revocation_endpoint"].as_str().unwrap().to_owned(),
    );
    let t = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, "24079412372").await;
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();

    let i: Value = post_form(&introspect, &[("token", access)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(i["active"], true, "{i}");
    assert_eq!(i["pid"], "24079412372");
    assert_eq!(i["client_id"], "krr-inspector");
    assert_eq!(i["scope"], SCOPES);
    let i: Value = post_form(&introspect, &[("token", refresh)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(i["active"], true);
    assert_eq!(i["token_type"], "refresh_token");
    let i: Value = post_form(&introspect, &[("token", "nonsense")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(i, json!({"active": false}));

    // Revoking the refresh token ends the grant: the refresh token, and the access token from it (RFC 7009 §2.1).
    let r = post_form(&revoke, &[("token", refresh)]).await;
    assert_eq!(r.status(), 200);
    let i: Value = post_form(&introspect, &[("token", access)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        i["active"], false,
        "the grant's access token is revoked too"
    );
    let person = browser()
        .get(emu.person_url(ScopeDialect::Digdir))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(person.status(), 401);
    let r = post_form(
        &token_endpoint(&emu, ScopeDialect::Digdir),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(r.status(), 400);
    // An unknown token is not an error (RFC 7009 §2.2); a client must authenticate.
    assert_eq!(
        post_form(&revoke, &[("token", "nonsense")]).await.status(),
        200
    );
    let r = browser()
        .post(&revoke)
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
