//! The Tokens tab: scopes asked for and granted, the id_token checks, the claims, and the raw tokens (hidden until
//! asked for).

use chrono::{DateTime, Local, TimeZone, Utc};
use eframe::egui;
use egui::RichText;
use serde_json::{Map, Value};

use super::style::{GREEN, RED};
use super::tab::{Current, InspectionTab, SessionControls, TabContext};
use crate::gui::commands::{Command, Commands};
use crate::inspect::session::SessionStep;
use crate::krr::Lang;
use crate::krr::time::{describe_age, describe_duration};

#[derive(Default)]
pub struct TokensView {
    /// Show the raw tokens instead of their redacted form.
    pub show_tokens: bool,
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

/// The session after the lookup: one button per action (off with the reason when it cannot run), then what each
/// action did, in order.
fn session_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    steps: &[SessionStep],
    controls: &SessionControls,
    commands: &mut Commands,
) {
    ui.label(RichText::new(lang.pick("Økten etterpå", "The session after")).strong());
    ui.horizontal_wrapped(|ui| {
        for (action, why) in &controls.blocked {
            let button = ui.add_enabled(why.is_none(), egui::Button::new(action.label(lang)));
            let button = match why {
                Some(why) => button.on_disabled_hover_text(why.as_str()),
                None => button,
            };
            if button.clicked() {
                commands.push(Command::Session(*action));
            }
        }
        if let Some(a) = controls.running {
            ui.spinner();
            ui.label(format!("{} …", a.label(lang)));
        }
    });
    if controls.running.is_none() {
        for (action, why) in &controls.blocked {
            if let Some(why) = why {
                ui.label(
                    RichText::new(format!("{}: {why}", action.label(lang)))
                        .small()
                        .weak(),
                );
            }
        }
    }
    if steps.is_empty() {
        return;
    }
    egui::Grid::new("session-steps")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            for s in steps {
                let (mark, colour) = if s.ok {
                    ("● ok", GREEN)
                } else {
                    ("● FAIL", RED)
                };
                ui.label(RichText::new(mark).monospace().color(colour));
                ui.label(RichText::new(s.action.as_str()).monospace());
                ui.label(crate::escape::display(&s.summary(lang)).into_owned());
                ui.end_row();
            }
        });
}

impl InspectionTab for TokensView {
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        i: Current<'_>,
        cx: &mut TabContext<'_>,
        commands: &mut Commands,
    ) {
        let (lang, i) = (cx.lang, i.display);
        let Some(t) = &i.token else {
            ui.label(lang.pick(
                "Ingen tokens: innloggingen ble ikke fullført.",
                "No tokens: the login did not complete.",
            ));
            return;
        };
        session_ui(ui, lang, &i.session, cx.session, commands);
        ui.add_space(6.0);
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
        if !t.token_type.is_empty() {
            ui.label(format!("token_type: {}", t.token_type));
        }
        if let Some(d) = &t.dpop {
            let colour = if d.is_problem() { RED } else { GREEN };
            ui.colored_label(colour, format!("DPoP: {}", d.sentence(&t.token_type, lang)));
        }
        if let Some(exp) = t.expires_at {
            // Redrawn once a second while the token is live (`App::logic`), so the countdown is true.
            ui.horizontal_wrapped(|ui| {
                if exp <= Utc::now() {
                    ui.label(
                        RichText::new(format!(" {} ", lang.pick("utløpt", "expired")))
                            .color(egui::Color32::WHITE)
                            .background_color(RED)
                            .strong(),
                    );
                }
                ui.label(format!(
                    "{} {}",
                    lang.pick("Tilgangstoken utløper:", "Access token expires:"),
                    local_time(exp.timestamp(), lang)
                ));
            });
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
                        (lang.pick("● FEIL", "● FAIL"), RED)
                    };
                    ui.label(RichText::new(mark).monospace().color(colour));
                    // The other checks are named by their claims; the signature is not one.
                    let name = match c.check.as_str() {
                        "signature" => lang.pick("signatur", "signature"),
                        other => other,
                    };
                    ui.label(RichText::new(name).monospace());
                    ui.label(crate::escape::display(&c.detail_in(lang)).into_owned());
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
                RichText::new(lang.pick("Tilgangstokenets påstander", "Access token claims"))
                    .strong(),
            );
            claims_grid("access-claims", claims, lang, ui);
        }
        ui.add_space(8.0);
        ui.label(RichText::new(lang.pick("Rå tokens", "Raw tokens")).strong());
        ui.checkbox(
            &mut self.show_tokens,
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
                let shown = if self.show_tokens {
                    token.expose().to_owned()
                } else {
                    token.redacted_in(lang)
                };
                ui.add(
                    egui::Label::new(RichText::new(shown).monospace())
                        .wrap_mode(egui::TextWrapMode::Wrap),
                );
            });
        }
    }
}
