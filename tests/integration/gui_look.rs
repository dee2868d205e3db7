//! The app's language, texts and layout under egui_kittest, with the real emulator as the other party: in Bokmål no
//! English is left (a result drawn before the switch included), counts have real plurals, no Markdown backticks
//! show, and the main controls are there at 1024×700.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};

use krr_inspector::config::{ClientRegistration, Config, Environment, Group, Location};
use krr_inspector::emulator::Faults;
use krr_inspector::gui::InspectorApp;
use krr_inspector::gui::views::Tab;
use krr_inspector::krr::{Lang, ScopeDialect};

use super::gui::{harness_with as harness, person_browser, runtime, step_until};
use super::support::emulator;

fn look_up(h: &mut Harness<'_, InspectorApp>) {
    h.state_mut().result = None;
    let ctx = h.ctx.clone();
    h.state_mut().start_lookup(&ctx);
    step_until(h, "the result", |a| a.result.is_some() && !a.is_running());
}

/// Words that are English only (whole words, any case). Field names, codes, URLs and proper nouns are not in it.
const ENGLISH: &[&str] = &[
    "the",
    "and",
    "with",
    "which",
    "is",
    "not",
    "signature",
    "verifies",
    "expires",
    "expired",
    "issued",
    "redacted",
    "characters",
    "valid",
    "invalid",
    "matches",
    "request",
    "answer",
    "cancelled",
    "browser",
    "retired",
    "local",
    "offline",
    "field",
    "fields",
    "value",
    "explanation",
    "try",
    "again",
    "login",
    "key",
    "changed",
    "after",
    "signing",
    "trusted",
    "anchor",
    "certificate",
    "scopes",
];

/// Text that is the other party's own words, shown as received (the emulator's `error_description`), and names
/// (a file name, the environment's name).
const OUTSIDE: &[&str] = &["the user cancelled the login", "krr-answer.txt", "· local"];

/// Every label and value in the window that still has an English word, with the word.
fn english_left(h: &Harness<'_, InspectorApp>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for node in h.query_all(by().predicate(|_| true)) {
        let n = node.accesskit_node();
        for text in [n.label(), n.value()].into_iter().flatten() {
            let mut text = text.to_string();
            for o in OUTSIDE {
                text = text.replace(o, "");
            }
            for word in text.split(|c: char| !c.is_alphabetic()) {
                if ENGLISH.iter().any(|e| e.eq_ignore_ascii_case(word)) {
                    found.push((word.to_owned(), text.clone()));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn assert_bokmaal(h: &mut Harness<'_, InspectorApp>, what: &str, tabs: &[Tab]) {
    for tab in tabs {
        h.state_mut().tab = *tab;
        h.run();
        let left = english_left(h);
        assert!(
            left.is_empty(),
            "{what}, {tab:?} tab: English left: {left:#?}"
        );
    }
}

/// A custom environment: an emulator of its own (so its faults can be switched), its CA not trusted.
fn with_own_emulator(url: (String, String)) -> Config {
    let mut config = Config::builtin();
    config.environments.push(Environment {
        name: "own".into(),
        label: "Own emulator".into(),
        group: Group::User,
        location: Location::Remote {
            issuer: url.0,
            person_url: url.1,
        },
        dialect: ScopeDialect::Digdir,
        acr: krr_inspector::krr::login::default_acr(ScopeDialect::Digdir).into(),
        client: Some(ClientRegistration::emulator_default()),
        production: false,
        retired: false,
        trust_ca: Vec::new(),
    });
    config
}

#[test]
fn bokmaal_mode_leaves_no_english_in_a_lookup_a_forged_answer_or_an_error() {
    let rt = runtime();
    let emu = rt.block_on(emulator());
    let config = with_own_emulator((
        emu.issuer(ScopeDialect::Digdir),
        emu.person_url(ScopeDialect::Digdir),
    ));
    let mut h = harness(
        &rt,
        config,
        person_browser("--pid 24079412372"),
        egui::vec2(1200.0, 800.0),
    );
    h.run();
    // Looked up in English, then switched: the result is drawn again in Bokmål.
    look_up(&mut h);
    h.get_by_label_contains("Mailbox at Digipost");
    h.get_by_label("Norsk (bokmål)").click();
    h.run();
    assert_eq!(h.state().settings.ui_lang, Lang::Nb);
    let tabs = [Tab::Person, Tab::Signature, Tab::Tokens];
    assert_bokmaal(&mut h, "a result from before the switch", &tabs);
    h.state_mut().tab = Tab::Signature;
    h.run();
    h.get_by_label_contains("Signatur: gyldig");
    h.get_by_label_contains("kjedes til det klarerte ankeret");

    // A lookup made in Bokmål.
    look_up(&mut h);
    assert_bokmaal(&mut h, "a lookup", &tabs);
    h.state_mut().tab = Tab::Tokens;
    h.run();
    assert_eq!(h.query_all_by_label_contains("[skjult, ").count(), 2);

    // A forged answer from the other emulator (its CA is not trusted, its signature does not verify).
    emu.set_faults(Faults {
        tamper_signature: true,
        ..Faults::default()
    });
    h.state_mut().settings.environment = "own".into();
    look_up(&mut h);
    let error = h.state().result.as_ref().unwrap().error.clone();
    assert!(error.is_none(), "{error:?}");
    h.state_mut().tab = Tab::Person;
    h.run();
    h.get_by_label("Signaturen stemmer ikke: ikke stol på disse verdiene");
    h.get_by_label_contains("svaret er endret etter signeringen");
    assert_bokmaal(&mut h, "a forged answer", &[Tab::Person, Tab::Signature]);

    // An error: the person cancels the login in the browser.
    h.state_mut().settings.environment = "local".into();
    let cancel = person_browser("--cancel");
    h.state_mut().settings.browser = cancel;
    look_up(&mut h);
    h.get_by_label_contains("Innloggingen ble avbrutt i nettleseren");
    h.get_by_label("Logg inn på nytt og fyll ut skjemaet.");
    assert_bokmaal(&mut h, "a cancelled login", &[Tab::Person]);
}

#[test]
fn counts_have_plurals_and_no_markdown_backticks_show() {
    let rt = runtime();
    let mut h = harness(
        &rt,
        Config::builtin(),
        person_browser("--pid 24079412372"),
        egui::vec2(1200.0, 800.0),
    );
    h.run();
    // No varslingsstatus scope: the scope check names what it does not unlock.
    look_up(&mut h);
    let backticks: Vec<String> = h
        .query_all(by().predicate(|_| true))
        .filter_map(|n| n.accesskit_node().label().map(|l| l.to_string()))
        .filter(|l| l.contains('`'))
        .collect();
    assert!(backticks.is_empty(), "{backticks:#?}");
    // The History comparison counts with this helper.
    assert_eq!(
        Lang::En.count(1, ("felt", "felt"), ("field unchanged", "fields unchanged")),
        "1 field unchanged"
    );
    h.get_by_label_contains("Register answer:");
    h.get_by_label_contains("Login:");
    assert_eq!(
        h.query_all_by_label_contains("Try:").count(),
        0,
        "hints are sentences of their own"
    );
}

#[test]
fn at_1024_by_700_the_main_controls_are_in_view_and_the_panel_folds() {
    let rt = runtime();
    let mut h = harness(
        &rt,
        Config::builtin(),
        person_browser("--pid 24079412372"),
        egui::vec2(1024.0, 700.0),
    );
    h.run();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1024.0, 700.0));
    let in_view = |h: &Harness<'_, InspectorApp>, label: &str| {
        let node = h.get_by_label(label);
        let r = node.rect();
        assert!(
            screen.contains_rect(r) && r.width() > 0.0 && r.height() > 0.0,
            "{label} at {r:?} is not inside the window"
        );
    };
    // The primary action is reachable (scrolled into view if need be) and the tab bar is in view.
    h.get_by_label("Log in and look up").scroll_to_me();
    h.run();
    in_view(&h, "Log in and look up");
    look_up(&mut h);
    for tab in ["Person", "Signature", "Tokens", "HTTP", "History"] {
        in_view(&h, tab);
    }
    // The table's columns fit the width (its last header is in view), and a row far down is reached by scrolling.
    in_view(&h, "Explanation");
    h.get_by_label("digital_post.postkasseadresse")
        .scroll_to_me();
    h.run();
    in_view(&h, "digital_post.postkasseadresse");
    // Folding the request panel gives the result the room; the choice is remembered in the settings.
    h.get_by_label("« Hide").click();
    h.run();
    assert!(!h.state().settings.request_panel_open);
    in_view(&h, "» Request");
    in_view(&h, "Look up");
    h.get_by_label("» Request").click();
    h.run();
    assert!(h.state().settings.request_panel_open);
    in_view(&h, "« Hide");
}
