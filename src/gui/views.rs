//! The central area: the login in progress, or the result in tabs (Person, Signature, Tokens, HTTP, Raw).

use std::sync::mpsc::Receiver;
use std::time::Instant;

use chrono::{DateTime, Local, TimeZone, Utc};
use eframe::egui;
use egui::{Color32, RichText};
use serde_json::{Map, Value};

use super::app::InspectorApp;
use crate::inspect::render::{flag_label, short_value};
use crate::inspect::{Inspection, Progress, can_change_language};
use crate::jose::SignatureVerdict;
use crate::krr::time::{describe_age, describe_duration};
use crate::krr::{CodeList, Flag, Lang, Spraak};
use crate::oidc::LoginEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Person,
    Signature,
    Tokens,
    Http,
    Raw,
    Matrix,
    History,
}

/// View state that is not a setting.
pub struct ViewState {
    pub selected_field: Option<usize>,
    pub show_tokens: bool,
    pub spraak: Spraak,
    pub language_status: Option<Result<String, String>>,
    pub save_path: String,
    pub save_result: Option<Receiver<Result<String, String>>>,
    pub save_status: Option<Result<String, String>>,
}

impl Default for ViewState {
    fn default() -> ViewState {
        ViewState {
            selected_field: None,
            show_tokens: false,
            spraak: Spraak::En,
            language_status: None,
            save_path: "krr-answer.txt".into(),
            save_result: None,
            save_status: None,
        }
    }
}

const GREEN: Color32 = Color32::from_rgb(26, 127, 55);
const RED: Color32 = Color32::from_rgb(200, 30, 30);
const AMBER: Color32 = Color32::from_rgb(190, 110, 0);

pub fn central(app: &mut InspectorApp, ui: &mut egui::Ui) {
    let lang = app.lang();
    if let Some(notice) = &app.notice {
        ui.colored_label(AMBER, notice);
        ui.separator();
    }
    if app.lookup.is_some() {
        progress(app, ui);
        return;
    }
    ui.horizontal(|ui| {
        for (tab, nb, en) in [
            (Tab::Person, "Person", "Person"),
            (Tab::Signature, "Signatur", "Signature"),
            (Tab::Tokens, "Tokens", "Tokens"),
            (Tab::Http, "HTTP", "HTTP"),
            (Tab::Raw, "Rådata", "Raw"),
            (Tab::Matrix, "Omfangsmatrise", "Scope matrix"),
            (Tab::History, "Historikk", "History"),
        ] {
            ui.selectable_value(&mut app.tab, tab, lang.pick(nb, en));
        }
    });
    ui.separator();
    match app.tab {
        Tab::Matrix => return matrix_tab(app, ui),
        Tab::History => return history_tab(app, ui),
        _ => {}
    }
    let Some(result) = app.result.clone() else {
        ui.add_space(20.0);
        ui.heading(lang.pick(
            "Velg miljø og omfang, og trykk «Logg inn og slå opp».",
            "Pick an environment and scopes, then press “Log in and look up”.",
        ));
        ui.label(lang.pick(
            "Miljøet «local» er en innebygd ID-porten + KRR: det virker uten nett og uten oppsett.",
            "The “local” environment is a built-in ID-porten + KRR: it works offline with nothing set up.",
        ));
        return;
    };
    let shown = app.shown(&result);
    tabs(app, &result, &shown, ui);
}

fn progress(app: &mut InspectorApp, ui: &mut egui::Ui) {
    let lang = app.lang();
    let Some(l) = &app.lookup else { return };
    ui.horizontal(|ui| {
        ui.spinner();
        ui.heading(lang.pick("Logger inn …", "Logging in …"));
    });
    let done = |name: &str| l.steps.iter().any(|s| step_name(s) == name);
    for (key, nb, en) in [
        (
            "discovered",
            "Leste leverandørens oppsett (discovery)",
            "Read the provider's metadata (discovery)",
        ),
        (
            "listener",
            "Lytter på 127.0.0.1 etter svaret",
            "Listening on 127.0.0.1 for the answer",
        ),
        (
            "browser",
            "Venter på innloggingen i nettleseren",
            "Waiting for the login in the browser",
        ),
        (
            "code",
            "Fikk autorisasjonskoden",
            "Received the authorization code",
        ),
        ("tokens", "Fikk tokens", "Received the tokens"),
        ("id_token", "Kontrollerte id_token", "Checked the id_token"),
        ("person", "Henter /person", "Fetching /person"),
    ] {
        // Symbols in monospace: the bundled monospace font (Hack) has them, the proportional one does not.
        ui.horizontal(|ui| {
            let (mark, colour) = if done(key) {
                ("●", GREEN)
            } else {
                ("○", ui.visuals().weak_text_color())
            };
            ui.label(RichText::new(mark).monospace().color(colour));
            ui.label(lang.pick(nb, en));
        });
    }
    // A refused callback (wrong state) does not end the login: say so, and keep waiting.
    for p in &l.steps {
        if let Progress::Login(LoginEvent::CallbackRefused { reason }) = p {
            ui.colored_label(
                AMBER,
                format!(
                    "{} {}",
                    lang.pick(
                        "Et svar til lytteren ble avvist, innloggingen venter videre:",
                        "A request to the listener was refused; the login goes on waiting:"
                    ),
                    crate::escape::display(reason)
                ),
            );
        }
    }
    if let Some(url) = &l.authorization_url {
        ui.separator();
        ui.label(lang.pick(
            "Innloggingsadressen (åpne den selv om nettleseren ikke åpnet seg):",
            "The login URL (open it yourself if no browser opened):",
        ));
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(url).monospace().small());
        });
        if ui
            .button(lang.pick("Kopier adressen", "Copy the URL"))
            .clicked()
        {
            ui.ctx().copy_text(url.clone());
        }
    }
    if let Some(deadline) = l.deadline {
        let left = deadline.saturating_duration_since(Instant::now()).as_secs();
        ui.label(match lang {
            Lang::Nb => format!(
                "Tid igjen før lytteren gir opp: {}",
                describe_duration(left)
            ),
            Lang::En => format!(
                "Time left before the listener gives up: {}",
                describe_duration(left)
            ),
        });
    }
    ui.add_space(8.0);
    if ui
        .button(lang.pick("Avbryt", "Cancel"))
        .on_hover_text("Esc")
        .clicked()
    {
        app.cancel_lookup();
    }
}

fn step_name(p: &Progress) -> &'static str {
    match p {
        Progress::Login(LoginEvent::Discovered { .. }) => "discovered",
        Progress::Login(LoginEvent::ListenerReady { .. }) => "listener",
        Progress::Login(LoginEvent::AuthorizationUrl { .. }) => "browser",
        Progress::Login(LoginEvent::CallbackRefused { .. }) => "refused",
        Progress::Login(LoginEvent::CodeReceived) => "code",
        Progress::Login(LoginEvent::TokensReceived) => "tokens",
        Progress::Login(LoginEvent::IdTokenChecked { .. }) => "id_token",
        Progress::FetchingPerson { .. } => "person",
        Progress::Done => "done",
    }
}

/// One line with what matters on every tab: verdict, person, status, HTTP.
fn summary(lang: Lang, i: &Inspection, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if let Some(body) = &i.body {
            let v = body.verdict();
            let text = match lang {
                Lang::Nb => format!("Signatur: {}", v.label()),
                Lang::En => format!("Signature: {}", v.label()),
            };
            ui.label(
                RichText::new(format!(" {text} "))
                    .color(Color32::WHITE)
                    .background_color(verdict_colour(&v))
                    .strong(),
            );
            for key in [
                "personidentifikator",
                "status",
                "reservasjon",
                "varslingsstatus",
            ] {
                if let Some(v) = body.person.get(key).and_then(Value::as_str) {
                    ui.label(RichText::new(format!("{key} {v}")).monospace());
                }
            }
        }
        if let Some(status) = i.http.status {
            ui.label(format!("HTTP {status}"));
        }
        if let Some((_, ms)) = i.timings_ms.iter().find(|(k, _)| k == "total") {
            ui.label(RichText::new(format!("{ms} ms")).weak());
        }
        ui.label(RichText::new(format!("· {}", i.environment.environment)).weak());
    });
}

/// `original` is what was received (exports and copies use it); `i` is its display copy, with every control
/// character from outside made visible (`escape::for_display`), which every label draws from.
fn tabs(app: &mut InspectorApp, original: &Inspection, i: &Inspection, ui: &mut egui::Ui) {
    let lang = app.lang();
    summary(lang, i, ui);
    export_bar(app, original, ui);
    ui.separator();
    if let Some(e) = &i.error {
        egui::Frame::new()
            .fill(RED.gamma_multiply(0.15))
            .inner_margin(8.0)
            .show(ui, |ui| {
                ui.label(RichText::new(&e.message).color(RED).strong());
                ui.label(format!("{} {}", lang.pick("Prøv:", "Try:"), e.hint));
            });
        ui.add_space(6.0);
    }
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| match app.tab {
            Tab::Person => person_tab(app, i, ui),
            Tab::Signature => signature_tab(lang, i, ui),
            Tab::Tokens => tokens_tab(app, i, ui),
            Tab::Http => http_tab(i, ui),
            Tab::Raw => raw_tab(app, original, i, ui),
            Tab::Matrix | Tab::History => {}
        });
}

fn badge_colour(f: Flag) -> Color32 {
    match f {
        Flag::Malformed | Flag::Inconsistent | Flag::Expired => RED,
        Flag::UnknownField | Flag::UnknownCode => Color32::from_rgb(20, 110, 170),
        Flag::Reserved | Flag::CannotNotify | Flag::OlderThan18Months => AMBER,
    }
}

fn person_tab(app: &mut InspectorApp, i: &Inspection, ui: &mut egui::Ui) {
    let lang = app.lang();
    let Some(body) = &i.body else {
        ui.label(lang.pick(
            "Ingen persondata i svaret.",
            "No person data in the answer.",
        ));
        return;
    };
    for p in &body.problems {
        ui.colored_label(RED, p);
    }
    // Integrations send Ctrl+C as `Event::Copy` (or as the key itself): either copies the selected value.
    let copy = ui.input_mut(|inp| {
        inp.consume_key(egui::Modifiers::COMMAND, egui::Key::C)
            || inp.events.iter().any(|e| matches!(e, egui::Event::Copy))
    });
    // Fixed column widths: the explanation takes what is left and wraps.
    let avail = ui.available_width();
    let w_path = (avail * 0.27).clamp(160.0, 330.0);
    let w_value = (avail * 0.24).clamp(120.0, 300.0);
    let w_explanation = (avail - w_path - w_value - 24.0).max(160.0);
    let column = |ui: &mut egui::Ui, width: f32, add: &mut dyn FnMut(&mut egui::Ui)| {
        ui.allocate_ui_with_layout(
            egui::vec2(width, 0.0),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                ui.set_width(width);
                add(ui);
            },
        );
    };
    ui.horizontal(|ui| {
        column(ui, w_path, &mut |ui| {
            ui.label(RichText::new(lang.pick("Felt", "Field")).strong());
        });
        column(ui, w_value, &mut |ui| {
            ui.label(RichText::new(lang.pick("Verdi", "Value")).strong());
        });
        column(ui, w_explanation, &mut |ui| {
            ui.label(RichText::new(lang.pick("Forklaring", "Explanation")).strong());
        });
    });
    ui.separator();
    for (n, f) in body.fields.iter().enumerate() {
        ui.horizontal_top(|ui| {
            column(ui, w_path, &mut |ui| {
                let selected = app.view.selected_field == Some(n);
                if ui
                    .selectable_label(selected, RichText::new(&f.path).monospace())
                    .on_hover_text(lang.pick("Ctrl+C kopierer verdien", "Ctrl+C copies the value"))
                    .clicked()
                {
                    app.view.selected_field = Some(n);
                }
            });
            column(ui, w_value, &mut |ui| {
                ui.add(egui::Label::new(RichText::new(short_value(&f.value)).monospace()).wrap());
            });
            column(ui, w_explanation, &mut |ui| {
                ui.horizontal_wrapped(|ui| {
                    for flag in &f.flags {
                        ui.label(
                            RichText::new(format!(" {} ", flag_label(*flag, lang)))
                                .color(Color32::WHITE)
                                .background_color(badge_colour(*flag))
                                .small(),
                        );
                    }
                    ui.label(&f.explanation);
                });
                for note in &f.notes {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(
                            RichText::new("↳")
                                .small()
                                .family(egui::FontFamily::Monospace)
                                .weak(),
                        );
                        ui.label(RichText::new(note).small().weak());
                    });
                }
            });
        });
        ui.separator();
    }
    if copy && let Some(f) = app.view.selected_field.and_then(|n| body.fields.get(n)) {
        let text = match &f.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        ui.ctx().copy_text(text);
    }
    if let Some(check) = &body.scope_check {
        ui.add_space(10.0);
        ui.label(RichText::new(lang.pick("Omfangskontroll", "Scope check")).strong());
        if check.is_consistent() {
            ui.colored_label(
                GREEN,
                lang.pick(
                    "Svaret stemmer med omfangene.",
                    "The answer matches the scopes.",
                ),
            );
        }
        for f in check.missing.iter().chain(&check.unexpected) {
            ui.colored_label(RED, &f.message);
        }
        for f in &check.absent_allowed {
            ui.label(RichText::new(format!("· {}", f.message)).weak());
        }
        for s in &check.unknown_scopes {
            ui.label(format!("? {s}"));
        }
    }
    if can_change_language(i) {
        ui.add_space(10.0);
        ui.label(RichText::new(lang.pick("Administrasjon", "Administration")).strong());
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("Foretrukket språk", "Preferred language"));
            egui::ComboBox::from_id_salt("spraak")
                .selected_text(app.view.spraak.code())
                .show_ui(ui, |ui| {
                    for s in Spraak::all() {
                        ui.selectable_value(
                            &mut app.view.spraak,
                            *s,
                            format!("{} – {}", s.code(), s.meaning(lang)),
                        );
                    }
                })
                .response
                .labelled_by(label.id);
            let busy = app.language_change.is_some();
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.pick("Endre språk", "Change language")),
                )
                .clicked()
            {
                let spraak = app.view.spraak;
                app.change_language(i, spraak, ui.ctx());
            }
            if ui
                .button(lang.pick("Slå opp på nytt", "Look up again"))
                .clicked()
            {
                app.start_lookup(ui.ctx());
            }
        });
        match &app.view.language_status {
            Some(Ok(m)) => {
                ui.colored_label(GREEN, m);
            }
            Some(Err(e)) => {
                ui.colored_label(RED, crate::escape::display(e).into_owned());
            }
            None => {}
        }
    }
}

fn verdict_colour(v: &SignatureVerdict) -> Color32 {
    match v {
        SignatureVerdict::Valid(_) => GREEN,
        SignatureVerdict::Invalid(_) => RED,
        SignatureVerdict::Untrusted(_) | SignatureVerdict::Unverifiable(_) => AMBER,
        SignatureVerdict::Unsigned => Color32::GRAY,
    }
}

fn signature_tab(lang: Lang, i: &Inspection, ui: &mut egui::Ui) {
    let Some(body) = &i.body else {
        ui.label(lang.pick("Ingen signatur å vise.", "No signature to show."));
        return;
    };
    let v = body.verdict();
    egui::Frame::new()
        .fill(verdict_colour(&v).gamma_multiply(0.18))
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.label(
                RichText::new(v.label().to_uppercase())
                    .color(verdict_colour(&v))
                    .size(20.0)
                    .strong(),
            );
            ui.label(v.reason());
        });
    let Some(jose) = &body.jose else { return };
    if let Some(header) = &jose.header {
        ui.add_space(8.0);
        ui.label(RichText::new(lang.pick("JOSE-header", "JOSE header")).strong());
        let mut pretty = serde_json::to_string_pretty(header).unwrap_or_default();
        ui.add(
            egui::TextEdit::multiline(&mut pretty)
                .code_editor()
                .desired_width(f32::INFINITY)
                .interactive(false),
        );
    }
    if let Some(chain) = &jose.signature.chain {
        let text = format!(
            "{} {}",
            lang.pick("Kjede:", "Chain:"),
            chain.path.join("  →  ")
        );
        ui.label(
            RichText::new(text)
                .small()
                .family(egui::FontFamily::Monospace),
        );
    }
    for (n, c) in jose.certificates.iter().enumerate() {
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new(format!("x5c[{n}]  {}", c.subject)).strong());
            ui.label(format!(
                "{} {}",
                lang.pick("Utsteder:", "Issuer:"),
                c.issuer
            ));
            let days = c.not_after.map(|t| (t - Utc::now()).num_days());
            let validity = format!(
                "{} {} – {}{}",
                lang.pick("Gyldig:", "Valid:"),
                c.not_before
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                c.not_after
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                days.map(|d| match lang {
                    Lang::Nb => format!(" ({d} dager igjen)"),
                    Lang::En => format!(" ({d} days left)"),
                })
                .unwrap_or_default()
            );
            ui.colored_label(
                if days.is_some_and(|d| d < 0) {
                    RED
                } else {
                    ui.visuals().text_color()
                },
                validity,
            );
            ui.label(format!(
                "{} {} · serial {}",
                c.key_type, c.key_bits, c.serial
            ));
            ui.label(
                RichText::new(format!("SHA-256 {}", c.sha256_fingerprint))
                    .monospace()
                    .small(),
            );
        });
    }
}

fn local_time(secs: i64, lang: Lang) -> String {
    let Some(t) = Utc.timestamp_opt(secs, 0).single() else {
        return secs.to_string();
    };
    let local: DateTime<Local> = t.with_timezone(&Local);
    let now = Utc::now();
    let rel = if t > now {
        match lang {
            Lang::Nb => format!("om {}", describe_duration((t - now).num_seconds() as u64)),
            Lang::En => format!("in {}", describe_duration((t - now).num_seconds() as u64)),
        }
    } else if (now - t).num_hours() < 24 {
        match lang {
            Lang::Nb => format!(
                "for {} siden",
                describe_duration((now - t).num_seconds() as u64)
            ),
            Lang::En => format!("{} ago", describe_duration((now - t).num_seconds() as u64)),
        }
    } else {
        describe_age(t, now, lang)
    };
    format!("{} ({rel})", local.format("%Y-%m-%d %H:%M:%S"))
}

fn claims_grid(id: &str, claims: &Map<String, Value>, lang: Lang, ui: &mut egui::Ui) {
    egui::Grid::new(id)
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for (k, v) in claims {
                ui.label(RichText::new(k).monospace());
                let shown = match (k.as_str(), v.as_i64()) {
                    ("exp" | "iat" | "auth_time" | "nbf", Some(secs)) => local_time(secs, lang),
                    _ => match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                };
                ui.label(shown);
                ui.end_row();
            }
        });
}

fn tokens_tab(app: &mut InspectorApp, i: &Inspection, ui: &mut egui::Ui) {
    let lang = app.lang();
    let Some(t) = &i.token else {
        ui.label(lang.pick(
            "Ingen tokens: innloggingen ble ikke fullført.",
            "No tokens: the login did not complete.",
        ));
        return;
    };
    ui.label(format!(
        "{} {}",
        lang.pick("Bedt om:", "Requested:"),
        t.scopes_requested.join(" ")
    ));
    ui.label(format!(
        "{} {}",
        lang.pick("Innvilget:", "Granted:"),
        t.scopes_granted.join(" ")
    ));
    if let Some(exp) = t.expires_at {
        ui.label(format!(
            "{} {}",
            lang.pick("Tilgangstoken utløper:", "Access token expires:"),
            local_time(exp.timestamp(), lang)
        ));
    }
    for p in &t.problems {
        ui.colored_label(RED, format!("{} {p}", lang.pick("Problem:", "Problem:")));
    }
    ui.add_space(6.0);
    ui.label(RichText::new(lang.pick("Kontroller av id_token", "id_token checks")).strong());
    egui::Grid::new("checks")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            for c in &t.id_token_checks {
                let (mark, colour) = if c.passed {
                    ("● ok", GREEN)
                } else {
                    ("● FAIL", RED)
                };
                ui.label(RichText::new(mark).monospace().color(colour));
                ui.label(RichText::new(&c.check).monospace());
                ui.label(&c.detail);
                ui.end_row();
            }
        });
    if let Some(claims) = &t.id_token_claims {
        ui.add_space(6.0);
        ui.label(RichText::new(lang.pick("id_token-påstander", "id_token claims")).strong());
        claims_grid("id-claims", claims, lang, ui);
    }
    if let Some(claims) = &t.access_token_claims {
        ui.add_space(6.0);
        ui.label(
            RichText::new(lang.pick("Tilgangstokenets påstander", "Access token claims")).strong(),
        );
        claims_grid("access-claims", claims, lang, ui);
    }
    ui.add_space(8.0);
    ui.label(RichText::new(lang.pick("Rå tokens", "Raw tokens")).strong());
    ui.checkbox(
        &mut app.view.show_tokens,
        lang.pick("Vis tokens", "Show tokens"),
    );
    for (name, token) in [
        ("access_token", Some(&t.access_token)),
        ("id_token", t.id_token.as_ref()),
    ] {
        let Some(token) = token else { continue };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(name).monospace());
            if ui.button(lang.pick("Kopier", "Copy")).clicked() {
                ui.ctx().copy_text(token.expose().to_owned());
            }
            let shown = if app.view.show_tokens {
                token.expose().to_owned()
            } else {
                token.redacted()
            };
            ui.label(RichText::new(shown).monospace().small());
        });
    }
}

fn http_tab(i: &Inspection, ui: &mut egui::Ui) {
    for (n, ex) in i.http.exchanges.iter().enumerate() {
        let status = ex
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into());
        let title = format!(
            "{}  {} {}  –  {status}  ({} ms)",
            ex.step, ex.method, ex.url, ex.duration_ms
        );
        egui::CollapsingHeader::new(title)
            .id_salt(("exchange", n))
            .show(ui, |ui| {
                if let Some(e) = &ex.error {
                    ui.colored_label(RED, crate::escape::display(e).into_owned());
                }
                for (heading, headers, body) in [
                    ("Request", &ex.request_headers, &ex.request_body),
                    ("Response", &ex.response_headers, &ex.response_body),
                ] {
                    ui.label(RichText::new(heading).strong());
                    for (k, v) in headers {
                        ui.label(RichText::new(format!("{k}: {v}")).monospace().small());
                    }
                    if let Some(b) = body {
                        let mut b = b.clone();
                        ui.add(
                            egui::TextEdit::multiline(&mut b)
                                .code_editor()
                                .desired_rows(3)
                                .desired_width(f32::INFINITY)
                                .interactive(false),
                        );
                    }
                }
            });
    }
}

fn raw_tab(app: &mut InspectorApp, original: &Inspection, shown: &Inspection, ui: &mut egui::Ui) {
    let lang = app.lang();
    let body = |i: &Inspection| {
        i.http
            .exchanges
            .iter()
            .rev()
            .find(|e| e.step == "person")
            .and_then(|e| e.response_body.clone())
    };
    let (Some(raw), Some(visible)) = (body(original), body(shown)) else {
        ui.label(lang.pick("Ingen svarkropp.", "No response body."));
        return;
    };
    ui.horizontal(|ui| {
        if ui.button(lang.pick("Kopier", "Copy")).clicked() {
            ui.ctx().copy_text(raw.clone());
        }
        let label = ui.label(lang.pick("Lagre som:", "Save as:"));
        ui.add(egui::TextEdit::singleline(&mut app.view.save_path).desired_width(260.0))
            .labelled_by(label.id);
        if ui.button(lang.pick("Lagre", "Save")).clicked() {
            let path = std::path::PathBuf::from(app.view.save_path.trim());
            app.view.save_result = Some(super::worker::save_file(
                &app.services,
                path,
                raw.clone(),
                ui.ctx(),
            ));
        }
    });
    match &app.view.save_status {
        Some(Ok(p)) => {
            ui.colored_label(GREEN, format!("{} {p}", lang.pick("Lagret", "Saved")));
        }
        Some(Err(e)) => {
            ui.colored_label(RED, crate::escape::display(e).into_owned());
        }
        None => {}
    }
    let mut text = visible;
    ui.add(
        egui::TextEdit::multiline(&mut text)
            .code_editor()
            .desired_width(f32::INFINITY)
            .interactive(false),
    );
}

/// Save the inspection (JSON, Markdown, HTML) or copy the request as curl.
fn export_bar(app: &mut InspectorApp, i: &Inspection, ui: &mut egui::Ui) {
    use crate::inspect::export;
    let lang = app.lang();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(lang.pick("Eksporter til:", "Export to:"));
        ui.add(egui::TextEdit::singleline(&mut app.view.save_path).desired_width(200.0))
            .labelled_by(label.id);
        let stem = std::path::Path::new(app.view.save_path.trim()).with_extension("");
        let mut save = |ext: &str, text: String, ui: &mut egui::Ui| {
            let path = stem.with_extension(ext);
            app.view.save_path = path.display().to_string();
            app.view.save_result = Some(super::worker::save_file(
                &app.services,
                path,
                text,
                ui.ctx(),
            ));
        };
        if ui
            .button("JSON")
            .on_hover_text(lang.pick(
                "Kan åpnes igjen; tokens er sensurert",
                "Can be opened again; tokens are redacted",
            ))
            .clicked()
        {
            save("json", export::to_json(i), ui);
        }
        if ui.button("Markdown").clicked() {
            save("md", export::to_markdown(i, lang), ui);
        }
        if ui.button("HTML").clicked() {
            save("html", export::to_html(i, lang), ui);
        }
        if ui
            .button(lang.pick("Kopier som curl", "Copy as curl"))
            .on_hover_text("$TOKEN")
            .clicked()
        {
            ui.ctx().copy_text(export::curl_command(i, None));
        }
        let token = i
            .token
            .as_ref()
            .map(|t| &t.access_token)
            .filter(|t| t.is_available());
        if let Some(token) = token
            && ui
                .button(lang.pick(
                    "Kopier som curl med ekte token",
                    "Copy as curl with the real token",
                ))
                .clicked()
        {
            ui.ctx().copy_text(export::curl_command(i, Some(token)));
        }
    });
    match &app.view.save_status {
        Some(Ok(p)) => {
            ui.colored_label(GREEN, format!("{} {p}", lang.pick("Lagret", "Saved")));
        }
        Some(Err(e)) => {
            ui.colored_label(RED, crate::escape::display(e).into_owned());
        }
        None => {}
    }
}

fn matrix_tab(app: &mut InspectorApp, ui: &mut egui::Ui) {
    let lang = app.lang();
    let running = app.matrix.running.is_some();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                !running,
                egui::Button::new(lang.pick("Kjør omfangsmatrisen", "Run the scope matrix")),
            )
            .clicked()
        {
            app.start_matrix(ui.ctx());
        }
        if running {
            ui.spinner();
            ui.label(format!("{}/{}", app.matrix.rows.len(), app.matrix.total));
        }
    });
    ui.label(
        RichText::new(lang.pick(
            "Én innlogging (nettleserens single sign-on), ett oppslag per delmengde av miljøets leseomfang.",
            "One login (the browser's single sign-on), one lookup per subset of the environment's read scopes.",
        ))
        .small()
        .weak(),
    );
    if let Some(e) = &app.matrix.error {
        ui.colored_label(RED, crate::escape::display(e).into_owned());
    }
    if app.matrix.rows.is_empty() {
        return;
    }
    let mut columns: Vec<String> = Vec::new();
    for r in &app.matrix.rows {
        for path in r.values.keys() {
            let top = path.split('.').next().unwrap_or(path).to_owned();
            if !columns.contains(&top) {
                columns.push(top);
            }
        }
    }
    let mut open = None;
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("matrix")
                .striped(true)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    ui.label(RichText::new(lang.pick("Omfang", "Scopes")).strong());
                    ui.label(RichText::new("HTTP").strong());
                    for c in &columns {
                        ui.label(
                            RichText::new(crate::escape::display(c))
                                .monospace()
                                .strong(),
                        );
                    }
                    ui.end_row();
                    for (n, r) in app.matrix.rows.iter().enumerate() {
                        let reads: Vec<&str> = r
                            .scopes
                            .iter()
                            .map(String::as_str)
                            .filter(|s| *s != "openid" && *s != "profile")
                            .collect();
                        let name = if reads.is_empty() {
                            lang.pick("(ingen leseomfang)", "(no read scope)")
                                .to_owned()
                        } else {
                            reads.join(" ")
                        };
                        if ui
                            .link(RichText::new(crate::escape::display(&name)).monospace())
                            .on_hover_text(lang.pick("Åpne dette oppslaget", "Open this lookup"))
                            .clicked()
                        {
                            open = Some(n);
                        }
                        let status = r
                            .status
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "-".into());
                        ui.colored_label(if r.status == Some(200) { GREEN } else { RED }, status);
                        for c in &columns {
                            let present = r
                                .values
                                .keys()
                                .any(|p| p == c || p.starts_with(&format!("{c}.")));
                            let (text, colour) = if present {
                                (lang.pick("ja", "yes"), GREEN)
                            } else {
                                ("·", ui.visuals().weak_text_color())
                            };
                            ui.label(RichText::new(text).color(colour));
                        }
                        ui.end_row();
                    }
                });
        });
    if let Some(n) = open {
        let i = std::sync::Arc::new(app.matrix.rows[n].inspection.clone());
        app.open_inspection(i);
    }
}

fn history_tab(app: &mut InspectorApp, ui: &mut egui::Ui) {
    let lang = app.lang();
    ui.horizontal(|ui| {
        let label = ui.label(lang.pick(
            "Åpne lagret inspeksjon (JSON):",
            "Open a saved inspection (JSON):",
        ));
        ui.add(
            egui::TextEdit::singleline(&mut app.open_path)
                .hint_text("krr-inspection.json")
                .desired_width(260.0),
        )
        .labelled_by(label.id);
        if ui.button(lang.pick("Åpne fil", "Open file")).clicked()
            && !app.open_path.trim().is_empty()
        {
            let path = std::path::PathBuf::from(app.open_path.trim());
            app.open_file(path, ui.ctx());
        }
    });
    let mut keep = app.settings.keep_history;
    if ui
        .checkbox(
            &mut keep,
            lang.pick(
                "Husk historikken mellom oppstarter (aldri tokens)",
                "Keep the history between launches (never tokens)",
            ),
        )
        .changed()
    {
        app.set_keep_history(keep, ui.ctx());
    }
    ui.separator();
    if app.history.entries.is_empty() {
        ui.label(lang.pick("Ingen oppslag ennå.", "No lookups yet."));
        return;
    }
    ui.label(
        RichText::new(lang.pick("Velg to for å sammenligne.", "Tick two to compare."))
            .small()
            .weak(),
    );
    let mut open = None;
    egui::ScrollArea::vertical()
        .max_height(ui.available_height() * 0.5)
        .show(ui, |ui| {
            egui::Grid::new("history")
                .striped(true)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for (n, e) in app.history.entries.iter().enumerate() {
                        let mut picked = app.compare_pick.contains(&n);
                        let time = e
                            .inspection
                            .started_at
                            .with_timezone(&Local)
                            .format("%H:%M:%S")
                            .to_string();
                        if ui.checkbox(&mut picked, time).changed() {
                            if picked {
                                app.compare_pick.push(n);
                                if app.compare_pick.len() > 2 {
                                    app.compare_pick.remove(0);
                                }
                            } else {
                                app.compare_pick.retain(|x| *x != n);
                            }
                        }
                        ui.label(crate::escape::display(
                            &e.inspection.environment.environment,
                        ));
                        ui.label(
                            RichText::new(crate::escape::display(e.person().unwrap_or("-")))
                                .monospace(),
                        );
                        ui.label(e.verdict());
                        ui.label(
                            e.inspection
                                .http
                                .status
                                .map(|s| s.to_string())
                                .unwrap_or_else(|| "-".into()),
                        );
                        ui.label(
                            RichText::new(crate::escape::display(
                                &e.inspection.request.scopes.join(" "),
                            ))
                            .small(),
                        );
                        if ui.button(lang.pick("Åpne", "Open")).clicked() {
                            open = Some(n);
                        }
                        ui.end_row();
                    }
                });
        });
    if let Some(n) = open {
        let i = app.history.entries[n].inspection.clone();
        app.open_inspection(i);
        return;
    }
    if let [a, b] = app.compare_pick[..]
        && let (Some(x), Some(y)) = (app.history.entries.get(a), app.history.entries.get(b))
    {
        // The older lookup on the left (the history is newest first).
        let (l, r) = if a > b { (x, y) } else { (y, x) };
        let c = crate::inspect::compare::compare(&l.inspection, &r.inspection);
        ui.separator();
        ui.label(RichText::new(lang.pick("Sammenligning", "Comparison")).strong());
        for (side, label) in [
            (&c.left, lang.pick("Venstre", "Left")),
            (&c.right, lang.pick("Høyre", "Right")),
        ] {
            ui.label(format!(
                "{label}: {} · {} · {} · {} · {}",
                side.environment,
                side.person.as_deref().unwrap_or("-"),
                side.verdict,
                side.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                side.scopes.join(" ")
            ));
        }
        let show = |v: &Option<Value>| v.as_ref().map(short_value).unwrap_or_default();
        egui::Grid::new("comparison").striped(true).show(ui, |ui| {
            for (diffs, colour, nb, en) in [
                (&c.added, GREEN, "lagt til", "added"),
                (&c.removed, RED, "fjernet", "removed"),
                (&c.changed, AMBER, "endret", "changed"),
            ] {
                for d in diffs {
                    ui.colored_label(colour, lang.pick(nb, en));
                    ui.label(RichText::new(&d.path).monospace());
                    ui.label(show(&d.left));
                    ui.label(show(&d.right));
                    ui.end_row();
                }
            }
        });
        ui.label(match lang {
            Lang::Nb => format!("{} like felt", c.unchanged),
            Lang::En => format!("{} fields unchanged", c.unchanged),
        });
    }
}
