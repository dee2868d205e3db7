//! The emulator as Digdir's TEST is today, end to end on 127.0.0.1:0: the test persons and their labels, headless
//! TestID login (`login_hint=testid:<pid>_<acr>`), the consent page, and the fidelity of discovery, tokens and
//! answers.

use serde_json::{Value, json};

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
