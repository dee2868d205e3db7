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
    let list: Vec<Value> = reqwest::get(format!("{}/admin/persons", emu.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES)
        .set("login_hint", "testid:22859197810_idporten-loa-substantial");
    let cb = location_params(&headless(&emu, &authz).await).1;
    let t: Value = exchange(&browser(), &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    let p: Value = reqwest::Client::new()
        .get(emu.person_url(ScopeDialect::Digdir))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES)
        .set("login_hint", "testid:21879498012_idporten-loa-substantial");
    let cb = location_params(&headless(&emu, &authz).await).1;
    let t: Value = exchange(&browser(), &emu, &authz, &cb["code"])
        .await
        .json()
        .await
        .unwrap();
    let p: Value = reqwest::Client::new()
        .get(emu.person_url(ScopeDialect::Digdir))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
