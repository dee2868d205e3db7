//! The app's tokens after the lookup: a refresh in the Tokens tab replaces what the tab shows (the countdown, the
//! "expired" badge) and what the Administration sends; the language change (PATCH /person) is in the HTTP tab and
//! in the exports, its token redacted; a revoked or logged-out session says why it cannot write.

use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};

use krr_inspector::gui::InspectorApp;
use krr_inspector::inspect::export;
use krr_inspector::krr::{Lang, Spraak};
use krr_inspector::oidc::BrowserChoice;

use super::gui::{
    app_harness, looked_up_with_the_write_scope, press_look_up, runtime, session_steps, step_until,
    with_the_write_scope,
};

/// The access token the current result holds (the one the app would send).
fn current_token(h: &Harness<'_, InspectorApp>) -> String {
    let r = h.state().result.clone().unwrap();
    r.token.as_ref().unwrap().access_token.expose().to_owned()
}

/// What a node shows: its label, or a label's text (kept as its value).
fn text_of(n: &egui_kittest::Node<'_>) -> String {
    let n = n.accesskit_node();
    n.label().or(n.value()).unwrap_or_default().to_owned()
}

/// How many nodes of the accessibility tree show `text` (in a label or a value).
fn shown_anywhere(h: &Harness<'_, InspectorApp>, text: &str) -> usize {
    h.query_all(by().predicate(|n| {
        n.value().is_some_and(|v| v.contains(text)) || n.label().is_some_and(|l| l.contains(text))
    }))
    .count()
}

/// Person tab: pick `en` and press Change language; the question comes when the change can be sent.
fn ask_to_change_to_english(h: &mut Harness<'_, InspectorApp>, label: &str) {
    h.get_by_label("Person").click();
    h.run();
    h.state_mut().views.person.spraak = Spraak::En;
    h.get_by_label(label).scroll_to_me();
    h.run();
    h.get_by_label(label).click();
    h.run();
}

/// Changes the language to `en` after the question, and waits for the register's answer.
fn change_to_english(h: &mut Harness<'_, InspectorApp>) {
    ask_to_change_to_english(h, "Change language");
    h.get_by_label("Change the language").click();
    step_until(h, "the PATCH", |a| a.views.person.language_status.is_some());
    h.get_by_label("The language is now 'en'. Look up again to see it.");
}

/// The HTTP tab with the PATCH opened: its title names the person URL; returns the number of PATCH exchanges.
fn open_the_patch(h: &mut Harness<'_, InspectorApp>) -> usize {
    let person_url = h
        .state()
        .result
        .as_ref()
        .unwrap()
        .environment
        .person_url
        .clone();
    h.get_by_label("HTTP").click();
    h.run();
    let title = format!("language  PATCH {person_url}  –  ");
    let patches = h.query_all_by_label_contains(&title).count();
    h.get_by_label_contains(&title).scroll_to_me();
    h.run();
    h.get_by_label_contains(&title).click();
    h.run();
    patches
}

/// Neither token is in the exported JSON, Markdown, HTML or curl command; the JSON keeps the PATCH as it was sent.
fn exports_keep_the_patch_and_no_token(h: &Harness<'_, InspectorApp>, tokens: &[&str]) {
    let i = h.state().result.clone().unwrap();
    let json = export::to_json(&i);
    let saved: serde_json::Value = serde_json::from_str(&json).unwrap();
    let patch = &saved["language_changes"][0]["exchanges"][0];
    assert_eq!(patch["method"], "PATCH", "{json}");
    assert_eq!(patch["url"], i.environment.person_url.as_str());
    assert_eq!(patch["request_body"], r#"{"spraak":"en"}"#);
    assert_eq!(saved["language_changes"][0]["spraak"], "en");
    let markdown = export::to_markdown(&i, Lang::En);
    assert!(markdown.contains("PATCH"), "{markdown}");
    for (what, text) in [
        ("JSON", json.as_str()),
        ("Markdown", markdown.as_str()),
        ("HTML", export::to_html(&i, Lang::En).as_str()),
        ("curl", export::curl_command(&i, None).as_str()),
    ] {
        for t in tokens {
            assert!(
                !text.contains(t),
                "the access token is in the {what} export"
            );
        }
    }
}

#[test]
fn a_refresh_restarts_the_countdown_and_the_language_change_uses_the_new_token() {
    let rt = runtime();
    let mut h = looked_up_with_the_write_scope(&rt);
    let login_token = current_token(&h);
    // The result's token looks expired (as it would after its two minutes): the tab says so.
    let mut aged = (**h.state().result.as_ref().unwrap()).clone();
    aged.token.as_mut().unwrap().expires_at =
        Some(chrono::Utc::now() - chrono::Duration::seconds(14));
    h.state_mut().result = Some(Arc::new(aged));
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label(" expired ");
    assert!(text_of(&h.get_by_label_contains("Access token expires:")).contains(" ago)"));

    h.get_by_label("Refresh").click();
    step_until(&mut h, "the refresh", |a| session_steps(a) == 1);
    assert!(h.state().result.as_ref().unwrap().session[0].ok);
    // The refreshed token's expiry: a countdown again, no badge.
    assert_eq!(h.query_all_by_label(" expired ").count(), 0);
    let expires = text_of(&h.get_by_label_contains("Access token expires:"));
    assert!(expires.contains("(in "), "{expires}");
    let refreshed_token = current_token(&h);
    assert!(
        refreshed_token != login_token,
        "the refresh gave a new token"
    );

    // The write goes out with the refreshed token (the aged one would have been refused before it was sent).
    change_to_english(&mut h);
    assert_eq!(open_the_patch(&mut h), 1);
    assert!(shown_anywhere(&h, r#"{"spraak":"en"}"#) >= 1);
    h.get_by_label("authorization: Bearer [redacted]");
    for t in [&login_token, &refreshed_token] {
        assert_eq!(shown_anywhere(&h, t), 0, "a token is shown in the HTTP tab");
    }
    // After the lookup's and the refresh's exchanges.
    let mut titles: Vec<String> = h
        .query_all(by().predicate(|n| n.label().or(n.value()).is_some_and(|l| l.ends_with(" ms)"))))
        .map(|n| text_of(&n))
        .collect();
    titles.dedup();
    let at = |step: &str| titles.iter().position(|t| t.starts_with(step));
    let (person, refresh, patch) = (
        at("person  GET"),
        at("refresh  POST"),
        at("language  PATCH"),
    );
    assert!(
        person.is_some() && person < refresh && refresh < patch && patch == Some(titles.len() - 1),
        "{titles:#?}"
    );
    h.get_by_label("Tokens").click();
    h.run();
    for t in [&login_token, &refreshed_token] {
        assert_eq!(
            shown_anywhere(&h, t),
            0,
            "a token is shown in the Tokens tab"
        );
    }
    exports_keep_the_patch_and_no_token(&h, &[&login_token, &refreshed_token]);
}

#[test]
fn a_refreshed_dpop_token_changes_the_language_with_a_proof() {
    let rt = runtime();
    let mut h = with_the_write_scope(&rt);
    h.state_mut().settings.dpop = true;
    press_look_up(&mut h);
    let login_token = current_token(&h);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("Refresh").click();
    step_until(&mut h, "the refresh", |a| session_steps(a) == 1);
    h.get_by_label("token_type: DPoP");
    h.get_by_label_contains("DPoP: bound to this session's key (cnf.jkt ");
    let refreshed_token = current_token(&h);
    assert!(
        refreshed_token != login_token,
        "the refresh gave a new token"
    );

    change_to_english(&mut h);
    let patches = open_the_patch(&mut h);
    assert!((1..=2).contains(&patches), "{patches}");
    h.get_by_label("authorization: DPoP [redacted]");
    // The proof is shown as the others are: its header and claims, not its signature.
    assert!(
        h.query_all_by_label_contains(r#""htm":"PATCH""#)
            .any(|n| text_of(&n).ends_with(".[signature not kept]"))
    );
    for t in [&login_token, &refreshed_token] {
        assert_eq!(shown_anywhere(&h, t), 0, "a token is shown in the HTTP tab");
    }
    exports_keep_the_patch_and_no_token(&h, &[&login_token, &refreshed_token]);
}

#[test]
fn a_revoked_or_logged_out_session_says_why_the_language_cannot_change() {
    let rt = runtime();
    // A test person logs in (and out) without a browser.
    let mut h = app_harness(&rt, BrowserChoice::Command("false".into()));
    h.state_mut()
        .settings
        .test_person
        .insert("local".into(), "22859197810".into());
    h.state_mut()
        .settings
        .extra_scopes
        .insert("local".into(), "krr:user/spraak.write".into());
    h.run();
    press_look_up(&mut h);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("Revoke").click();
    step_until(&mut h, "the revocation", |a| session_steps(a) == 1);

    ask_to_change_to_english(&mut h, "Change language");
    // Said at once, without the question, and nothing is sent.
    assert!(h.state().confirm.is_none());
    h.get_by_label("The tokens were revoked: look up again to get new ones.");
    h.get_by_label("Norsk (bokmål)").click();
    h.run();
    ask_to_change_to_english(&mut h, "Endre språk");
    h.get_by_label("Tokenene er tilbakekalt: slå opp på nytt for å få nye.");
    h.get_by_label("English").click();
    h.run();

    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("Log out").scroll_to_me();
    h.run();
    h.get_by_label("Log out").click();
    step_until(&mut h, "the logout", |a| session_steps(a) == 2);
    ask_to_change_to_english(&mut h, "Change language");
    assert!(h.state().confirm.is_none());
    h.get_by_label(
        "The session was logged out, so its token is not used any more: look up again to log in afresh.",
    );
    h.get_by_label("Norsk (bokmål)").click();
    h.run();
    ask_to_change_to_english(&mut h, "Endre språk");
    h.get_by_label(
        "Økten er logget ut, så tokenet brukes ikke mer: slå opp på nytt for å logge inn igjen.",
    );
    assert!(
        h.state()
            .result
            .as_ref()
            .unwrap()
            .language_changes
            .is_empty()
    );
}
