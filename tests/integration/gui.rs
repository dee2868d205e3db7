//! The desktop app under egui_kittest: the real app state, the real emulator, the scripted person as the browser.
//! Assertions are on what the window shows (AccessKit labels), plus CPU-rendered snapshots of stable states.
//! Every `run()` also proves two things: the accessibility check passes (every input has a name), and the window
//! settles (`run()` fails if the app keeps requesting repaints when nothing happens).

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use krr_inspector::config::Config;
use krr_inspector::gui::settings::Settings;
use krr_inspector::gui::{InspectorApp, KeySource, Services};
use krr_inspector::krr::Lang;
use krr_inspector::oidc::BrowserChoice;

use super::support::keys;

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(super) fn person_browser(extra: &str) -> BrowserChoice {
    BrowserChoice::Command(format!(
        "'{}' autologin {extra}",
        env!("CARGO_BIN_EXE_krr-inspector")
    ))
}

pub(super) fn app_harness(
    rt: &tokio::runtime::Runtime,
    browser: BrowserChoice,
) -> Harness<'static, InspectorApp> {
    harness_with(rt, Config::builtin(), browser, egui::vec2(1200.0, 800.0))
}

/// The app on `config` in a window of `size`, its emulator on the tests' keys.
pub(super) fn harness_with(
    rt: &tokio::runtime::Runtime,
    config: Config,
    browser: BrowserChoice,
    size: egui::Vec2,
) -> Harness<'static, InspectorApp> {
    let services = Services::new(rt.handle().clone(), KeySource::Given(keys())).unwrap();
    let settings = Settings {
        browser,
        ..Settings::default()
    };
    Harness::builder()
        .with_size(size)
        .build_eframe(move |_cc| InspectorApp::with_settings(config, services, settings))
}

/// Presses the primary action and waits for the lookup's result.
pub(super) fn press_look_up(h: &mut Harness<'_, InspectorApp>) {
    h.get_by_label("Log in and look up").click();
    step_until(h, "the result", |a| a.result.is_some());
}

/// The app before a lookup of a person whose token may change the language (`krr:user/spraak.write` asked for).
pub(super) fn with_the_write_scope(rt: &tokio::runtime::Runtime) -> Harness<'static, InspectorApp> {
    let mut h = app_harness(rt, person_browser("--pid 29129319060"));
    h.run();
    h.state_mut()
        .settings
        .extra_scopes
        .insert("local".into(), "krr:user/spraak.write".into());
    h
}

/// The app after that lookup.
pub(super) fn looked_up_with_the_write_scope(
    rt: &tokio::runtime::Runtime,
) -> Harness<'static, InspectorApp> {
    let mut h = with_the_write_scope(rt);
    press_look_up(&mut h);
    h
}

/// Steps frames until `done` holds (the background work wakes the UI, which `run()` alone does not wait for).
pub(super) fn step_until(
    h: &mut Harness<'_, InspectorApp>,
    what: &str,
    done: impl Fn(&InspectorApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(h.state()) {
        if Instant::now() >= deadline {
            panic!("timed out waiting for {what}: {:#?}", h.root());
        }
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(3);
}

#[test]
fn a_lookup_fills_every_tab() {
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--pid 24079412372"));
    h.run();
    press_look_up(&mut h);
    assert!(
        h.state().result.as_ref().unwrap().error.is_none(),
        "{:?}",
        h.state().result.as_ref().unwrap().error
    );

    // Person: rows with their explanations, badges, the scope check.
    h.get_by_label("personidentifikator");
    h.get_by_label("digital_post.postkasseadresse");
    h.get_by_label_contains("Mailbox at Digipost (Posten Norge)");
    h.get_by_label_contains("agrees with the 18-month rule");
    h.get_by_label("The answer matches the scopes.");
    h.get_by_label_contains("Signature: valid");

    // Ctrl+C copies the selected row's value.
    h.get_by_label("digital_post.postkasseadresse").click();
    h.run();
    h.event(egui::Event::Copy);
    h.step();
    let copied: Vec<&egui::OutputCommand> = h.output().platform_output.commands.iter().collect();
    assert!(
        copied
            .iter()
            .any(|c| matches!(c, egui::OutputCommand::CopyText(t) if t == "ola.nordmann#6XXB")),
        "{copied:?}"
    );

    h.get_by_label("Signature").click();
    h.run();
    h.get_by_label("VALID");
    h.get_by_label_contains("org. no. 991825827");
    let shows_kid = egui_kittest::kittest::by().predicate(|n| {
        n.value().is_some_and(|v| v.contains("\"kid\""))
            || n.label().is_some_and(|v| v.contains("\"kid\""))
    });
    assert!(
        h.query_all(shows_kid).next().is_some(),
        "the header's kid is shown"
    );
    h.get_by_label_contains("x5c[0]  C=NO, O=DIGITALISERINGSDIREKTORATET");

    h.get_by_label("Tokens").click();
    h.run();
    for check in ["signature", "iss", "aud", "exp", "iat", "nonce", "acr"] {
        assert!(
            h.query_all_by_label(check).next().is_some(),
            "the {check} row"
        );
    }
    h.get_by_label("matches the request");
    assert_eq!(
        h.query_all_by_label("● ok").count(),
        7,
        "every id_token check passed"
    );
    assert_eq!(
        h.query_all_by_label_contains("[redacted,").count(),
        2,
        "both raw tokens are hidden until asked"
    );
    h.get_by_label("Show tokens").scroll_to_me();
    h.run();
    h.get_by_label("Show tokens").click();
    h.run();
    assert_eq!(h.query_all_by_label_contains("[redacted,").count(), 0);

    h.get_by_label("HTTP").click();
    h.run();
    h.get_by_label_contains("token  POST");
    h.get_by_label_contains("person  GET");

    h.get_by_label("Raw").click();
    h.run();
    h.get_by_label("Save as:");
}

#[test]
fn a_cancelled_login_in_the_browser_is_a_clear_error() {
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--cancel"));
    h.run();
    press_look_up(&mut h);
    // The message is a sentence: it starts with a capital letter.
    h.get_by_label_contains("The login was cancelled in the browser (access_denied");
    h.get_by_label_contains("Log in again");
}

#[test]
fn cancel_stops_a_waiting_login_and_escape_does_too() {
    let rt = runtime();
    // A browser command that never logs in: the app waits for the callback.
    let mut h = app_harness(&rt, BrowserChoice::Command("true".into()));
    h.run();
    for how in ["button", "escape"] {
        h.get_by_label("Log in and look up").click();
        step_until(&mut h, "the login URL", |a| {
            a.is_running() && a.views.progress.authorization_url.is_some()
        });
        h.get_by_label_contains("Time left before the listener gives up");
        h.get_by_label("Copy the URL");
        // Waiting does not repaint continuously: `run()` settles (it fails after max steps of repaints), the
        // countdown asking for the next frame in a second, not now.
        h.run();
        let delay = h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
        assert!(delay >= Duration::from_millis(500), "{delay:?}");
        match how {
            "button" => h.get_by_label("Cancel").click(),
            _ => h.key_press(egui::Key::Escape),
        }
        h.run_steps(3);
        assert!(!h.state().is_running(), "{how}");
        h.get_by_label("The login was cancelled.");
    }
}

#[test]
fn ctrl_enter_starts_and_the_language_switches() {
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--pid 27129324592"));
    h.run();
    h.get_by_label("Norsk (bokmål)").click();
    h.run();
    assert_eq!(h.state().settings.ui_lang, Lang::Nb);
    h.get_by_label("Logg inn og slå opp");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    step_until(&mut h, "the result", |a| a.result.is_some());
    // Explanations come in the chosen language; the reserved person is flagged.
    h.get_by_label_contains("Personen har reservert seg");
    h.get_by_label(" reservert ");
    h.get_by_label("English").click();
    h.run();
    h.get_by_label("Log in and look up");
}

#[test]
fn the_write_scope_allows_changing_the_language() {
    let rt = runtime();
    let mut h = looked_up_with_the_write_scope(&rt);
    h.get_by_label("Administration");
    // The picker starts on the person's current language; the user picks another.
    let current = h
        .state()
        .result
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap()
        .person["spraak"]
        .clone();
    assert_ne!(current, "en");
    assert_eq!(
        serde_json::json!(krr_inspector::krr::CodeList::code(
            h.state().views.person.spraak
        )),
        current
    );
    h.state_mut().views.person.spraak = krr_inspector::krr::Spraak::En;
    h.get_by_label("Change language").scroll_to_me();
    h.run();
    h.get_by_label("Change language").click();
    h.run();
    // A write is asked about first.
    h.get_by_label("Change the preferred language of 29129319060 to en?");
    h.get_by_label("The change is stored in the register (PATCH /person).");
    // On production (here: the same answer as if from ID-porten's production issuer) the question says so;
    // Cancel sends nothing.
    let local = h.state().result.clone().unwrap();
    let mut prod = (*local).clone();
    prod.environment.issuer = "https://idporten.no".into();
    h.state_mut().open_inspection(std::sync::Arc::new(prod));
    h.state_mut().views.person.spraak = krr_inspector::krr::Spraak::En;
    h.state_mut().confirm = Some(krr_inspector::gui::commands::Confirm::ChangeLanguage {
        spraak: krr_inspector::krr::Spraak::En,
    });
    h.run();
    h.get_by_label_contains("PRODUCTION: this is a real person");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.state().confirm.is_none() && h.state().views.person.language_status.is_none());
    h.state_mut().open_inspection(local);
    h.state_mut().views.person.spraak = krr_inspector::krr::Spraak::En;
    h.get_by_label("Change language").scroll_to_me();
    h.run();
    h.get_by_label("Change language").click();
    h.run();
    h.get_by_label("Change the language").click();
    step_until(&mut h, "the PATCH", |a| {
        a.views.person.language_status.is_some()
    });
    h.get_by_label("The language is now 'en'. Look up again to see it.");
    h.get_by_label("Look up again").click();
    step_until(&mut h, "the new result", |a| {
        !a.is_running()
            && a.result
                .as_ref()
                .is_some_and(|r| r.body.as_ref().is_some_and(|b| b.person["spraak"] == "en"))
    });
    h.get_by_label_contains("English.");
}

#[test]
fn the_dpop_box_binds_the_tokens_and_the_language_change_sends_a_proof() {
    let rt = runtime();
    let mut h = with_the_write_scope(&rt);
    let dpop = "bind tokens to a session key";
    h.get_by_label(dpop).scroll_to_me();
    h.run();
    h.get_by_label(dpop).click();
    h.run();
    assert!(h.state().settings.dpop);
    press_look_up(&mut h);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("token_type: DPoP");
    h.get_by_label_contains("DPoP: bound to this session's key (cnf.jkt ");
    // The PATCH presents the bound token with a proof: the register takes it.
    h.get_by_label("Person").click();
    h.run();
    h.state_mut().views.person.spraak = krr_inspector::krr::Spraak::En;
    h.get_by_label("Change language").scroll_to_me();
    h.run();
    h.get_by_label("Change language").click();
    h.run();
    h.get_by_label("Change the language").click();
    step_until(&mut h, "the PATCH", |a| {
        a.views.person.language_status.is_some()
    });
    h.get_by_label("The language is now 'en'. Look up again to see it.");
}

#[test]
fn snapshots_of_stable_states() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::Command("true".into()));
    h.run();
    h.snapshot("welcome_en");
    h.get_by_label("Norsk (bokmål)").click();
    h.run();
    h.snapshot("welcome_nb");
}

#[test]
fn the_matrix_tab_runs_every_set_and_opens_a_row() {
    let rt = runtime();
    let jar = tempfile::tempdir().unwrap();
    let browser = person_browser(&format!(
        "--pid 24079412372 --cookie-jar '{}'",
        jar.path().join("c").display()
    ));
    let mut h = app_harness(&rt, browser);
    h.run();
    h.get_by_label("Scope matrix").click();
    h.run();
    h.get_by_label("Run the scope matrix").click();
    step_until(&mut h, "the matrix", |a| a.views.matrix.done.is_some());
    assert_eq!(h.state().views.matrix.rows.len(), 4);
    h.get_by_label("(no read scope)");
    // The failing cell says why; a click shows the whole reason and a hint that fits it.
    h.get_by_label("403 insufficient_scope").click();
    h.run();
    h.get_by_label_contains("the register refused the scopes (403)");
    h.get_by_label_contains("a set without a read scope gets 403 by design");
    assert_eq!(h.query_all_by_label("200").count(), 3);
    // Each row says how its token was obtained: the one login, then refreshes narrowed to each set.
    assert_eq!(h.query_all_by_label("refresh").count(), 4);
    h.get_by_role_and_label(egui::accesskit::Role::Link, "krr:user/digitalpost.read")
        .click();
    h.run();
    assert_eq!(h.state().tab, krr_inspector::gui::views::Tab::Person);
    h.get_by_label("digital_post.postkasseadresse");
    assert!(
        h.query_by_label("kontaktinformasjon.epostadresse")
            .is_none(),
        "that set gives no contact info"
    );
    assert_eq!(
        h.state().history.entries.len(),
        4,
        "every row is in the history"
    );
}

#[test]
fn history_compare_export_and_open() {
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--pid 24079412372"));
    h.run();
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the first result", |a| {
        a.result.is_some() && !a.is_running()
    });
    h.state_mut().settings.browser = person_browser("--pid 27129324169");
    h.state_mut().settings.browser_command = match &h.state().settings.browser {
        BrowserChoice::Command(c) => c.clone(),
        _ => unreachable!(),
    };
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the second result", |a| {
        a.history.entries.len() == 2 && !a.is_running()
    });

    // Export the current one as JSON; it never holds a token.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.json");
    h.state_mut().views.export.save_path = file.display().to_string();
    h.get_by_label("JSON").click();
    step_until(&mut h, "the file", |a| a.views.export.save_status.is_some());
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains("27129324169") && !saved.contains("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIs")
    );
    // The save status is drawn once, above the tabs, also on the Raw tab (which has its own save button).
    h.get_by_label("Raw").click();
    h.run();
    h.get_by_label("Save as:");
    assert_eq!(
        h.query_all_by_label_contains("Saved ").count(),
        1,
        "one save status on the Raw tab"
    );

    h.get_by_label("History").click();
    h.run();
    // The table has a header row naming its columns.
    h.get_by_label("Time (compare)");
    h.get_by_label("Scopes");
    for title in ["Environment", "Person", "Signature", "HTTP"] {
        assert!(
            h.query_all_by_label(title).count() >= 2,
            "{title}: a column header besides the panel's or tab's own"
        );
    }
    // Tick both history rows' checkboxes (labelled with their time, which two quick lookups may share).
    let is_time = |l: &str| l.len() == 8 && l.as_bytes()[2] == b':' && l.as_bytes()[5] == b':';
    for n in 0..2 {
        h.get_all_by_role(egui::accesskit::Role::CheckBox)
            .filter(|c| {
                c.accesskit_node()
                    .label()
                    .is_some_and(|l| is_time(l.as_ref()))
            })
            .nth(n)
            .expect("a checkbox per history entry")
            .click();
        h.run();
    }
    assert_eq!(
        h.state().views.history.compare_pick.len(),
        2,
        "both rows picked by clicking"
    );
    h.get_by_label("Comparison");
    h.get_by_label("personidentifikator");
    for pid in ["24079412372", "27129324169"] {
        assert!(
            h.query_all_by_label(pid).count() >= 2,
            "{pid} in the history and in the comparison"
        );
    }
    h.get_by_label_contains("fields unchanged");

    // Open the saved file: it becomes the current result and joins the history.
    h.get_by_label("or the path:");
    h.state_mut().views.history.open_path = file.display().to_string();
    h.get_by_label("Open file").click();
    step_until(&mut h, "the opened file", |a| a.history.entries.len() == 3);
    assert_eq!(h.state().tab, krr_inspector::gui::views::Tab::Person);
    h.get_by_label_contains("Person: 27129324169");
}

#[test]
fn keeping_the_history_writes_it_privately_and_off_deletes_it() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.json");
    let services = Services::new(rt.handle().clone(), KeySource::Given(keys())).unwrap();
    let settings = Settings {
        browser: person_browser("--pid 24079412372"),
        ..Settings::default()
    };
    let path = file.clone();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |_cc| {
            InspectorApp::with_settings(Config::builtin(), services, settings)
                .with_history_file(path)
        });
    h.run();
    h.get_by_label("History").click();
    h.run();
    let keep = "Keep the history between launches (never tokens)";
    h.get_by_label(keep).click();
    h.run();
    assert!(h.state().settings.keep_history);
    assert!(
        h.state().notice.is_none(),
        "no file yet is an empty history, not an error"
    );
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the result", |a| {
        a.result.is_some() && !a.is_running()
    });

    // The writer works off the UI thread: wait for the file.
    let deadline = Instant::now() + Duration::from_secs(10);
    let kept = loop {
        if let Ok(text) = std::fs::read_to_string(&file)
            && text.contains("24079412372")
        {
            break text;
        }
        assert!(Instant::now() < deadline, "the history file is written");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        !kept.contains("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIs"),
        "never a token in the history"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }

    h.get_by_label(keep).click();
    h.run();
    assert!(!h.state().settings.keep_history);
    let deadline = Instant::now() + Duration::from_secs(10);
    while file.exists() {
        assert!(Instant::now() < deadline, "switching off deletes the file");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_test_person_picked_in_the_app_logs_in_without_a_browser() {
    use egui::accesskit::Role;
    let rt = runtime();
    // A browser command that fails at once: a lookup that used it would end with its error.
    let mut h = app_harness(&rt, BrowserChoice::Command("false".into()));
    h.run();
    h.get_by_role_and_label(Role::ComboBox, "Test person")
        .click();
    h.run();
    // The list is long: scroll to the person, as a user would, then pick it.
    h.get_by_label_contains("22859197810 – ").scroll_to_me();
    h.run();
    h.get_by_label_contains("22859197810 – ").click();
    h.run();
    h.get_by_label_contains("Logs in without a browser");
    press_look_up(&mut h);
    let result = h.state().result.clone().unwrap();
    assert!(result.error.is_none(), "{:?}", result.error);
    assert_eq!(
        result.body.as_ref().unwrap().person["personidentifikator"],
        "22859197810"
    );
    h.get_by_label_contains("Mailbox at Digipost");
}

#[test]
fn log_in_as_another_person_asks_the_provider_again() {
    let rt = runtime();
    // One browser profile (cookie jar) for both logins, as a real browser keeps its ID-porten session.
    let jar = tempfile::tempdir().unwrap();
    let jar = jar.path().join("c");
    let person =
        |pid: &str| person_browser(&format!("--pid {pid} --cookie-jar '{}'", jar.display()));
    let pid_shown = |h: &Harness<'_, InspectorApp>| {
        h.state()
            .result
            .as_ref()
            .unwrap()
            .body
            .as_ref()
            .unwrap()
            .person["personidentifikator"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut h = app_harness(&rt, person("24079412372"));
    h.run();
    assert!(
        h.query_by_label("Log in as another person").is_none(),
        "before any login there is no one to change from"
    );
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the first result", |a| {
        a.result.is_some() && !a.is_running()
    });
    assert_eq!(pid_shown(&h), "24079412372");

    // The next person at the same browser: a plain lookup is answered by the provider's session.
    // (The app keeps the command's text beside the choice, as its Browser field shows it.)
    let next = person("22859197810");
    if let BrowserChoice::Command(c) = &next {
        h.state_mut().settings.browser_command = c.clone();
    }
    h.state_mut().settings.browser = next;
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the second result", |a| {
        a.history.entries.len() == 2 && !a.is_running()
    });
    assert_eq!(
        pid_shown(&h),
        "24079412372",
        "single sign-on: the same person"
    );

    h.get_by_label("Log in as another person").click();
    step_until(&mut h, "the third result", |a| {
        a.history.entries.len() == 3 && !a.is_running()
    });
    assert_eq!(
        pid_shown(&h),
        "22859197810",
        "prompt=login: the login page asked who"
    );
}

#[test]
fn a_browser_that_fails_is_said_at_once_with_the_ways_on() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::Command("false".into()));
    h.run();
    press_look_up(&mut h);
    h.get_by_label_contains("The browser command 'false' exited with status 1");
    // The failed command's login is over (its listener closed): a new one, with the system browser or the URL shown.
    h.get_by_label("Log in with the system browser");
    h.get_by_label("Log in and show the URL (open it in another browser)")
        .click();
    step_until(&mut h, "the login URL", |a| {
        a.is_running() && a.views.progress.authorization_url.is_some()
    });
    assert_eq!(h.state().settings.browser, BrowserChoice::PrintUrl);
    h.get_by_label("Copy the URL");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(!h.state().is_running());
}

#[test]
fn forged_and_untrusted_values_are_marked_on_the_person_tab() {
    use krr_inspector::jose::SignatureVerdict;
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--pid 24079412372"));
    h.run();
    press_look_up(&mut h);
    assert_eq!(
        h.query_all_by_label_contains("do not rely on these values")
            .count(),
        0,
        "a valid answer has no banner"
    );
    let received = (**h.state().result.as_ref().unwrap()).clone();
    let fields = received.body.as_ref().unwrap().fields.len();
    let with_verdict = |v: SignatureVerdict| {
        let mut i = received.clone();
        i.body
            .as_mut()
            .unwrap()
            .jose
            .as_mut()
            .unwrap()
            .signature
            .verdict = v;
        std::sync::Arc::new(i)
    };

    h.state_mut()
        .open_inspection(with_verdict(SignatureVerdict::Invalid(
            "the RS256 signature does not match the payload".into(),
        )));
    h.run();
    h.get_by_label("The signature does not verify: do not rely on these values");
    h.get_by_label("the RS256 signature does not match the payload");
    assert_eq!(
        h.query_all_by_label(" unverified ").count(),
        fields,
        "every row"
    );

    h.state_mut()
        .open_inspection(with_verdict(SignatureVerdict::Untrusted(
            "the certificate chain does not end at a trusted CA".into(),
        )));
    h.run();
    h.get_by_label_contains("these values are unconfirmed");
    assert_eq!(h.query_all_by_label(" unconfirmed ").count(), fields);
    assert_eq!(h.query_all_by_label(" unverified ").count(), 0);
}

#[test]
fn the_token_countdown_is_live_and_an_expired_token_is_said_before_a_write() {
    let rt = runtime();
    let mut h = looked_up_with_the_write_scope(&rt);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label_contains("Access token expires:");
    assert_eq!(h.query_all_by_label(" expired ").count(), 0);
    // While the token is live the tab asks for a frame each second (its "in 1 min 38 s" counts down).
    let delay = h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert!(
        delay <= Duration::from_secs(1) && delay > Duration::ZERO,
        "{delay:?}"
    );

    let mut expired = (**h.state().result.as_ref().unwrap()).clone();
    expired.token.as_mut().unwrap().expires_at =
        Some(chrono::Utc::now() - chrono::Duration::seconds(14));
    h.state_mut().open_inspection(std::sync::Arc::new(expired));
    h.state_mut().tab = krr_inspector::gui::views::Tab::Tokens;
    h.run();
    h.get_by_label(" expired ");
    // 14 s ago when set; a slow machine may take a second or two to draw it.
    assert!(
        ["14 s ago", "15 s ago", "16 s ago"]
            .iter()
            .any(|t| h.query_by_label_contains(t).is_some()),
        "the expiry is said as a time ago"
    );
    h.get_by_label("Person").click();
    h.run();
    h.get_by_label("Change language").scroll_to_me();
    h.run();
    h.get_by_label("Change language").click();
    h.run();
    h.get_by_label("The access token has expired: look up again to get a new one.");
}

#[test]
fn the_status_line_says_what_was_copied_and_a_live_token_is_asked_about() {
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--pid 24079412372"));
    h.run();
    press_look_up(&mut h);
    let copied = |h: &Harness<'_, InspectorApp>| -> Vec<String> {
        h.output()
            .platform_output
            .commands
            .iter()
            .filter_map(|c| match c {
                egui::OutputCommand::CopyText(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    };
    h.get_by_label("Copy as curl").click();
    h.step();
    assert!(
        copied(&h).iter().any(|t| t.contains("$TOKEN")),
        "{:?}",
        copied(&h)
    );
    h.run();
    h.get_by_label("Copied the curl command (with $TOKEN where the token goes).");

    // The real token: a question first (the next action clears the last message); Cancel copies nothing.
    h.get_by_label("Copy as curl with the real token …").click();
    h.run();
    assert_eq!(h.query_all_by_label_contains("Copied the curl").count(), 0);
    h.get_by_label("Copy the curl command with the real access token?");
    h.get_by_label_contains("This copies a live access token");
    h.get_by_label("Cancel").click();
    h.step();
    assert!(copied(&h).is_empty());
    h.run();
    // Esc closes the question too.
    h.get_by_label("Copy as curl with the real token …").click();
    h.run();
    h.get_by_label_contains("This copies a live access token");
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.state().confirm.is_none());
    h.run();
    assert_eq!(
        h.query_all_by_label_contains("This copies a live access token")
            .count(),
        0
    );

    h.get_by_label("Copy as curl with the real token …").click();
    h.run();
    h.get_by_label("Copy with the real token").click();
    h.step();
    let token = h
        .state()
        .result
        .as_ref()
        .unwrap()
        .token
        .as_ref()
        .unwrap()
        .access_token
        .expose()
        .to_owned();
    assert!(
        copied(&h).iter().any(|t| t.contains(&token)),
        "the real token is copied"
    );
    h.run();
    h.get_by_label_contains("Copied the curl command with the real access token");

    // Another environment clears what was said about this one.
    h.state_mut().settings.environment = "local-difi".into();
    h.run();
    assert_eq!(h.query_all_by_label_contains("Copied the curl").count(), 0);
}

#[test]
fn the_lang_flag_opens_the_app_in_bokmaal() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::Command("true".into()));
    // As `krr-inspector --lang nb` (or KRR_INSPECTOR_LANG=nb) hands it to `gui::run`.
    h.state_mut().apply_start(krr_inspector::gui::StartOptions {
        lang: Some(Lang::Nb),
        ..Default::default()
    });
    h.run();
    h.get_by_label("Logg inn og slå opp");
    assert_eq!(h.state().settings.ui_lang, Lang::Nb);
}

#[test]
fn check_setup_runs_doctor_for_the_current_choices_and_says_what_to_register() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::Command("false".into()));
    h.run();
    h.get_by_label("Check setup").click();
    h.run();
    h.get_by_label("Check the setup").click();
    step_until(&mut h, "the setup check", |a| {
        a.views.setup.report.is_some()
    });
    h.get_by_label("Every check holds.");
    for check in [
        "discovery",
        "issuer and endpoints",
        "PKCE S256",
        "auth method",
        "clock",
    ] {
        h.get_by_label(check);
    }
    h.get_by_label("Register at Digdir (a native client)");
    h.get_by_label("http://127.0.0.1:0/callback");
}

/// How many session steps the current result holds.
pub(super) fn session_steps(a: &InspectorApp) -> usize {
    a.result.as_ref().map_or(0, |r| r.session.len())
}

#[test]
fn the_tokens_tab_introspects_revokes_and_says_why_a_button_is_off() {
    let rt = runtime();
    let mut h = app_harness(&rt, person_browser("--pid 24079412372"));
    h.run();
    press_look_up(&mut h);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("Introspect").click();
    step_until(&mut h, "the introspection", |a| session_steps(a) == 1);
    assert!(
        h.query_all_by_label_contains("access_token: active=true")
            .count()
            >= 1
    );
    h.get_by_label("Revoke").click();
    step_until(&mut h, "the revocation", |a| session_steps(a) == 2);
    // Revoked: refresh and userinfo are off, each with its reason; introspection stays on.
    h.get_by_label("Refresh: the tokens are revoked");
    h.get_by_label("Userinfo: the tokens are revoked");
    assert!(h.get_by_label("Refresh").accesskit_node().is_disabled());
    assert!(!h.get_by_label("Introspect").accesskit_node().is_disabled());
    h.get_by_label("Introspect").click();
    step_until(&mut h, "the second introspection", |a| {
        session_steps(a) == 3
    });
    assert!(
        h.query_all_by_label_contains("access_token: active=false")
            .count()
            >= 1
    );
    // Each action's exchange is in the HTTP tab, after the lookup's.
    h.get_by_label("HTTP").click();
    h.run();
    assert_eq!(h.query_all_by_label_contains("introspect  POST").count(), 2);
    h.get_by_label_contains("revoke  POST");
}

#[test]
fn refresh_and_userinfo_in_the_app_then_log_out_ends_the_session() {
    let rt = runtime();
    let jar = tempfile::tempdir().unwrap();
    let browser = person_browser(&format!(
        "--pid 24079412372 --cookie-jar '{}'",
        jar.path().join("c").display()
    ));
    let mut h = app_harness(&rt, browser);
    h.run();
    press_look_up(&mut h);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("Refresh").click();
    step_until(&mut h, "the refresh", |a| session_steps(a) == 1);
    assert!(
        h.query_all_by_label_contains("refresh token rotated: yes")
            .count()
            >= 1
    );
    h.get_by_label("Userinfo").click();
    step_until(&mut h, "userinfo", |a| session_steps(a) == 2);
    assert!(h.query_all_by_label_contains("pid=24079412372").count() >= 1);
    h.get_by_label("Log out").click();
    step_until(&mut h, "the logout", |a| session_steps(a) == 3);
    h.get_by_label_contains("state checked (browser). The next lookup logs in afresh.");
    // The app's session is gone: every button is off, saying why.
    assert!(h.get_by_label("Log out").accesskit_node().is_disabled());
    assert!(h.get_by_label("Introspect").accesskit_node().is_disabled());
    h.get_by_label_contains("Log out: no live session");
    // A new lookup logs in again (the browser's single sign-on session ended) and has a session of its own.
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the second result", |a| {
        a.result.as_ref().is_some_and(|r| r.session.is_empty()) && !a.is_running()
    });
    h.get_by_label("Tokens").click();
    h.run();
    assert!(!h.get_by_label("Log out").accesskit_node().is_disabled());
}

#[test]
fn a_test_persons_session_logs_out_without_a_browser() {
    let rt = runtime();
    // A browser command that fails at once: a logout that used it would fail with its error.
    let mut h = app_harness(&rt, BrowserChoice::Command("false".into()));
    h.state_mut()
        .settings
        .test_person
        .insert("local".into(), "22859197810".into());
    h.run();
    press_look_up(&mut h);
    h.get_by_label("Tokens").click();
    h.run();
    h.get_by_label("Log out").click();
    step_until(&mut h, "the logout", |a| session_steps(a) == 1);
    let step = h.state().result.as_ref().unwrap().session[0].clone();
    assert!(step.ok, "{:?}", step.error);
    h.get_by_label_contains("state checked (headless). The next lookup logs in afresh.");
    // The logout's request is in the HTTP tab, its id_token_hint redacted.
    h.get_by_label("HTTP").click();
    h.run();
    h.get_by_label_contains("logout  GET");
    assert_eq!(h.query_all_by_label_contains("eyJ").count(), 0);
}

/// The request panel's offer for a client whose secret is in the keyring: a masked, named field; Save stores it
/// in the real Secret Service and the message says where it went (or, with no Secret Service, says that).
#[test]
fn the_client_secret_is_stored_in_the_keyring_from_the_request_panel() {
    use krr_inspector::config::keyring::{Purpose, delete_secret, keyring_secret};
    let rt = runtime();
    let env = super::keyring::unique("gui");
    let text = format!(
        "[environments.{env}]\nissuer = \"https://idp.example\"\nperson_url = \"https://krr.example/rest/v1/person\"\n\
         [clients.c]\nclient_id = \"demo-client\"\nauth_method = \"client_secret_basic\"\nsecret_source = \"keyring\"\n\
         environments = [\"{env}\"]\n"
    );
    let config = Config::parse(&text, std::path::Path::new("test.toml")).unwrap();
    let services = Services::new(rt.handle().clone(), KeySource::Given(keys())).unwrap();
    let settings = Settings {
        environment: env.clone(),
        ..Settings::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |_cc| InspectorApp::with_settings(config, services, settings));
    h.run();
    h.get_by_label("client_secret_basic, secret from the keyring");
    h.get_by_label("Store the client secret in the keyring…")
        .click();
    h.run();
    h.get_by_label_contains(&format!(
        "Kept in the operating system's keyring (krr-inspector, {env}/demo-client)"
    ));
    let field = h.get_by_label("Client secret");
    assert_eq!(
        field.accesskit_node().role(),
        egui::accesskit::Role::PasswordInput
    );
    field.click();
    h.run();
    h.get_by_label("Client secret").type_text("demo-secret");
    h.run();
    // Masked: what the field shows (and tells a screen reader) is not the secret.
    let shown = h.get_by_label("Client secret").value().unwrap_or_default();
    assert_eq!(shown.chars().count(), "demo-secret".len(), "{shown}");
    assert!(!shown.contains("demo"), "{shown}");
    h.get_by_label("Save").click();
    h.step();
    assert!(
        h.state().secret_form.is_saving(),
        "Save hands the value to the keyring"
    );
    step_until(&mut h, "the keyring's answer", |a| {
        !a.secret_form.is_saving()
    });
    let available = super::keyring::secret_service().is_some();
    if available {
        h.get_by_label(&format!(
            "The client secret is stored in the keyring (krr-inspector, {env}/demo-client). Lookups with this client read it from there."
        ));
        let stored = keyring_secret(&env, "demo-client", Purpose::ClientSecret).unwrap();
        assert_eq!(stored.as_ref().map(|s| s.expose()), Some("demo-secret"));
        assert!(delete_secret(&env, "demo-client", Purpose::ClientSecret).unwrap());
    } else {
        h.get_by_label_contains(
            "Not stored: no Secret Service is running (is gnome-keyring or KeePassXC started?)",
        );
    }
    // The typed value is nowhere on screen (the field is masked, and emptied on Save).
    assert!(h.query_by_label_contains("demo-secret").is_none());
}
