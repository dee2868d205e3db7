//! The app's files: a file dropped on the window is opened like Open (a JWS, a JSON answer, a saved inspection)
//! and anything else is refused with what it is not; a save to a typed path that exists asks first; what was
//! written is said with its full path, with "Open folder" and "Copy path". The system dialogs themselves are the
//! desktop's: these tests drive the app's code on both sides of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use krr_inspector::gui::InspectorApp;
use krr_inspector::oidc::BrowserChoice;

use super::gui::{app_harness, runtime, step_until};

/// A file dropped on the window, as the desktop hands it over (a path).
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, InspectorApp>, path: PathBuf) {
    h.input_mut().dropped_files.push(Arc::new(Dropped(path)));
}

fn status(h: &Harness<'_, InspectorApp>) -> String {
    h.state()
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_dropped_file_opens_like_open_and_anything_else_says_what_it_is_not() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::PrintUrl);
    h.run();

    // A signed answer saved from the register: shown as the current result, its fields explained.
    drop_file(&mut h, super::data("person-24079412372.jws"));
    step_until(&mut h, "the dropped JWS", |a| a.result.is_some());
    h.get_by_label_contains("a signed /person answer (JWS)");
    h.get_by_label("personidentifikator");
    h.get_by_label_contains("Mailbox at Digipost (Posten Norge)");
    assert_eq!(h.state().history.entries.len(), 1, "it joins the history");

    // A certificate is not an answer: the status line says what the file is and what the app opens.
    let before = h.state().history.entries.len();
    drop_file(&mut h, super::data("test-ca.pem"));
    step_until(&mut h, "the refusal", |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.contains("cannot be opened"))
    });
    let said = status(&h);
    assert!(
        said.contains("test-ca.pem") && said.contains("PEM file"),
        "{said}"
    );
    h.get_by_label_contains("test-ca.pem cannot be opened: it is a PEM file");
    assert_eq!(h.state().history.entries.len(), before, "nothing was added");

    // JSON that is not about a person.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("package.json");
    std::fs::write(&other, r#"{"name":"x","version":"1"}"#).unwrap();
    drop_file(&mut h, other);
    step_until(&mut h, "the second refusal", |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.contains("package.json cannot be opened"))
    });
    assert!(
        status(&h).contains("no personidentifikator"),
        "{}",
        status(&h)
    );

    // A plain JSON answer opens too.
    let json = dir.path().join("answer.json");
    std::fs::write(
        &json,
        r#"{"personidentifikator":"27129324169","reservasjon":"JA","status":"AKTIV"}"#,
    )
    .unwrap();
    drop_file(&mut h, json);
    step_until(&mut h, "the JSON answer", |a| a.history.entries.len() == 2);
    h.get_by_label_contains("a JSON answer from /person");
    h.get_by_label("27129324169");
}

#[test]
fn a_typed_path_that_exists_is_asked_about_and_the_saved_path_is_said_in_full() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::PrintUrl);
    h.run();
    h.state_mut().views.history.open_path =
        super::data("person-24079412372.jws").display().to_string();
    h.get_by_label("History").click();
    h.run();
    h.get_by_label("Open file").click();
    step_until(&mut h, "the opened JWS", |a| a.result.is_some());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kept.json");
    std::fs::write(&file, "what was there").unwrap();
    h.state_mut().views.export.save_path = file.display().to_string();

    // No: the file keeps what it held.
    h.get_by_label("JSON").click();
    h.run();
    h.get_by_label("Replace kept.json?");
    h.get_by_label_contains("already exists. Replacing it loses what it holds.");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(
        h.query_by_label("Replace kept.json?").is_none(),
        "the question is gone"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "what was there");

    // Yes: replaced, private, and said with its full path.
    h.get_by_label("JSON").click();
    h.run();
    h.get_by_label("Replace").click();
    step_until(&mut h, "the save", |a| a.views.export.save_status.is_some());
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("24079412372"), "{saved}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let full = std::path::absolute(&file).unwrap().display().to_string();
    h.get_by_label(&format!("Saved {full}"));
    h.get_by_label("Open folder");
    h.get_by_label("Copy path").click();
    h.step();
    let copied: Vec<&egui::OutputCommand> = h.output().platform_output.commands.iter().collect();
    assert!(
        copied
            .iter()
            .any(|c| matches!(c, egui::OutputCommand::CopyText(t) if *t == full)),
        "{copied:?}"
    );

    // A new file is written without a question.
    let fresh = dir.path().join("fresh");
    h.state_mut().views.export.save_path = fresh.display().to_string();
    h.get_by_label("Markdown").click();
    step_until(&mut h, "the second save", |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.contains("fresh.md"))
    });
    assert!(
        std::fs::read_to_string(dir.path().join("fresh.md"))
            .unwrap()
            .contains("24079412372")
    );
}

/// The app with the user's own environment `staging` (the emulator at its loopback URLs, whose CA is not
/// trusted for it), read from a config file in `dir`.
fn staging_app(
    rt: &tokio::runtime::Runtime,
    emu: &krr_inspector::emulator::EmulatorHandle,
    dir: &Path,
) -> Harness<'static, InspectorApp> {
    use krr_inspector::krr::ScopeDialect;
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        format!(
            "# staging, as we run it\n[environments.staging]\nissuer = \"{}\"\nperson_url = \"{}\"\n\n\
             [clients.app]\nclient_id = \"krr-inspector\"\nenvironments = [\"staging\"]\n",
            emu.issuer(ScopeDialect::Digdir),
            emu.person_url(ScopeDialect::Digdir)
        ),
    )
    .unwrap();
    let config = krr_inspector::config::Config::load(Some(&file)).unwrap();
    let services = krr_inspector::gui::Services::new(
        rt.handle().clone(),
        krr_inspector::gui::KeySource::Given(super::support::keys()),
    )
    .unwrap();
    let settings = krr_inspector::gui::settings::Settings {
        browser: super::gui::person_browser("--pid 24079412372"),
        environment: "staging".into(),
        ..Default::default()
    };
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |_cc| InspectorApp::with_settings(config, services, settings))
}

#[test]
fn trusting_the_ca_of_an_untrusted_environment_stores_it_and_the_answer_verifies() {
    let rt = runtime();
    let emu = rt.block_on(super::support::emulator());
    let dir = tempfile::tempdir().unwrap();
    let mut h = staging_app(&rt, &emu, dir.path());
    h.run();
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the untrusted result", |a| {
        a.result.is_some() && !a.is_running()
    });
    h.get_by_label("Signature").click();
    h.run();
    h.get_by_label("UNTRUSTED");

    // The certificates are folded: no wall of base64 until asked; Copy PEM gives a PEM.
    let x5c0 = h
        .state()
        .result
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap()
        .jose
        .as_ref()
        .unwrap()
        .header
        .as_ref()
        .unwrap()["x5c"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let shows_base64 = egui_kittest::kittest::by().predicate(move |n| {
        n.value().is_some_and(|v| v.contains(&x5c0[..80]))
            || n.label().is_some_and(|v| v.contains(&x5c0[..80]))
    });
    assert!(
        h.query_all(shows_base64.clone()).next().is_none(),
        "the base64 is folded"
    );
    let folded = egui_kittest::kittest::by().predicate(|n| {
        n.value().is_some_and(|v| {
            v.contains("\"x5c[0]: certificate, ") && v.contains("characters of base64")
        })
    });
    assert!(
        h.query_all(folded).next().is_some(),
        "the header names each certificate instead"
    );
    h.get_by_label_contains("x5c[0]  ");
    h.get_all_by_label("Copy PEM").next().unwrap().click();
    h.step();
    let copied: Vec<&egui::OutputCommand> = h.output().platform_output.commands.iter().collect();
    assert!(
        copied.iter().any(|c| matches!(c, egui::OutputCommand::CopyText(t) if t.starts_with("-----BEGIN CERTIFICATE-----\n"))),
        "{copied:?}"
    );
    h.run();
    h.get_all_by_label_contains("Base64 (")
        .next()
        .unwrap()
        .click();
    h.run();
    assert!(
        h.query_all(shows_base64).next().is_some(),
        "the expander shows it"
    );

    // Trust: the question names the certificate and its fingerprint.
    let (subject, fingerprint) = {
        let c = h
            .state()
            .result
            .as_ref()
            .unwrap()
            .body
            .as_ref()
            .unwrap()
            .jose
            .as_ref()
            .unwrap()
            .certificates
            .last()
            .unwrap()
            .clone();
        (c.subject, c.sha256_fingerprint)
    };
    h.get_by_label("Trust this CA …").click();
    h.run();
    h.get_by_label("Trust this CA for staging?");
    h.get_by_label_contains(&format!("Subject: {subject}\nSHA-256: {fingerprint}"));
    h.get_by_label("Trust the CA").click();
    step_until(&mut h, "the CA trusted", |a| {
        a.status
            .as_ref()
            .is_some_and(|s| s.text.contains("now trusted"))
    });
    // Checked again at once, and said.
    h.get_by_label("VALID");
    h.get_by_label_contains("The answer checked again: valid.");
    let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(text.starts_with("# staging, as we run it\n"), "{text}");
    assert!(text.contains("trust_ca = \""), "{text}");
    let stored = &h.state().config.environment("staging").unwrap().trust_ca;
    assert_eq!(stored.len(), 1);
    assert!(
        std::fs::read_to_string(&stored[0])
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    // The next lookup plans with it.
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the second lookup", |a| {
        a.history.entries.len() == 2 && !a.is_running()
    });
    assert_eq!(verdict_label(&h), "valid");
    h.get_by_label("Signature").click();
    h.run();
    assert!(
        h.query_by_label("Trust this CA …").is_none(),
        "nothing left to trust"
    );
}

#[test]
fn a_jws_is_shown_as_its_three_parts_with_copy() {
    let rt = runtime();
    let mut h = app_harness(&rt, BrowserChoice::PrintUrl);
    h.run();
    let path = super::data("person-24079412372.jws");
    let jws = std::fs::read_to_string(&path).unwrap();
    let signature = jws.trim().rsplit('.').next().unwrap().to_owned();
    drop_file(&mut h, path);
    step_until(&mut h, "the dropped JWS", |a| a.result.is_some());
    let value_contains = |needle: &'static str| {
        egui_kittest::kittest::by()
            .predicate(move |n| n.value().is_some_and(|v| v.contains(needle)))
    };
    for tab in ["Raw", "HTTP"] {
        h.get_by_label(tab).click();
        h.run();
        if tab == "HTTP" {
            h.get_all_by_label_contains("person  FILE")
                .next()
                .unwrap()
                .click();
            h.run();
        }
        h.get_by_label("Header (decoded JSON)");
        assert!(
            h.query_all(value_contains("\"alg\": \"RS256\""))
                .next()
                .is_some(),
            "{tab}: the header decoded"
        );
        h.get_by_label("Payload (decoded JSON)");
        assert!(
            h.query_all(value_contains("\"personidentifikator\": \"24079412372\""))
                .next()
                .is_some(),
            "{tab}: the payload decoded"
        );
        h.get_by_label_contains(&format!(
            "Signature: {} characters of base64url",
            signature.len()
        ));
        let sig = signature.clone();
        let shows_signature = egui_kittest::kittest::by()
            .predicate(move |n| n.value().is_some_and(|v| v.contains(&sig[..40])));
        assert!(
            h.query_all(shows_signature).next().is_none(),
            "{tab}: the signature is folded"
        );
    }
    // Copy gives the decoded payload.
    h.get_by_label("Raw").click();
    h.run();
    h.get_all_by_label("Copy").nth(2).unwrap().click();
    h.step();
    let copied: Vec<&egui::OutputCommand> = h.output().platform_output.commands.iter().collect();
    assert!(
        copied.iter().any(|c| matches!(c, egui::OutputCommand::CopyText(t) if t.contains("\"personidentifikator\": \"24079412372\""))),
        "{copied:?}"
    );
}

#[test]
fn the_faults_panel_toggles_a_fault_and_the_next_lookup_shows_it() {
    let rt = runtime();
    let mut h = app_harness(&rt, super::gui::person_browser("--pid 24079412372"));
    h.run();
    h.get_by_label("Emulator faults").click();
    h.run();
    h.get_by_label("Start the emulator").click();
    step_until(&mut h, "the faults", |a| a.views.faults.faults.is_some());
    // Each switch with what it does, and the admin page at the emulator's random port.
    h.get_by_label("KRR's JWS payload is altered after signing (reservasjon NEI becomes JA)");
    let admin = h
        .state()
        .views
        .faults
        .faults
        .as_ref()
        .unwrap()
        .admin_url
        .clone();
    assert!(admin.starts_with("http://127.0.0.1:"), "{admin}");
    h.get_by_label("Open the emulator's admin page");
    h.get_by_label(&admin);
    let total = h
        .state()
        .views
        .faults
        .faults
        .as_ref()
        .unwrap()
        .switches
        .len();
    assert!(total > 40, "the whole catalogue is listed: {total}");
    h.get_by_label(&format!("0 of {total} faults are on."));

    h.get_by_label("KRR signature tampered").click();
    step_until(&mut h, "the fault on", |a| {
        a.views.faults.faults.as_ref().is_some_and(|f| {
            f.switches
                .iter()
                .any(|s| s.name == "tamper_signature" && s.on)
        })
    });
    h.get_by_label(&format!("1 of {total} faults are on."));

    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the forged result", |a| {
        a.result.is_some() && !a.is_running()
    });
    assert_eq!(verdict_label(&h), "invalid");
    h.get_by_label("Person").click();
    h.run();
    h.get_by_label_contains("The signature does not verify");

    // Off again: the next lookup is valid.
    h.get_by_label("Emulator faults").click();
    step_until(&mut h, "the faults again", |a| {
        a.views.faults.asked && a.views.faults.faults.is_some()
    });
    h.run();
    h.get_by_label("KRR signature tampered").click();
    step_until(&mut h, "the fault off", |a| {
        a.views
            .faults
            .faults
            .as_ref()
            .is_some_and(|f| f.switches.iter().all(|s| !s.on))
    });
    h.get_by_label("Log in and look up").click();
    step_until(&mut h, "the valid result", |a| {
        a.history.entries.len() == 2 && !a.is_running()
    });
    assert_eq!(verdict_label(&h), "valid");
}

/// The signature verdict of the result shown.
fn verdict_label(h: &Harness<'_, InspectorApp>) -> &'static str {
    h.state()
        .result
        .as_ref()
        .and_then(|r| r.body.as_ref())
        .map(|b| b.verdict().label())
        .expect("a result with a body")
}
