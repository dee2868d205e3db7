//! The Check setup tab: `doctor` for the current choices (discovery, issuer, PKCE, auth method, scopes, clock, the
//! secret), each check with its fix, and what to register at Digdir for a native client.

use eframe::egui;
use egui::RichText;

use super::style::{GREEN, RED};
use super::tab::{StandaloneTab, TabContext};
use crate::gui::commands::{Command, Commands};
use crate::inspect::doctor::DoctorReport;

#[derive(Default)]
pub struct SetupView {
    pub report: Option<DoctorReport>,
    pub error: Option<String>,
}

impl StandaloneTab for SetupView {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut TabContext<'_>, commands: &mut Commands) {
        let (lang, running) = (cx.lang, cx.setup_running);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    !running,
                    egui::Button::new(lang.pick("Sjekk oppsettet", "Check the setup")),
                )
                .clicked()
            {
                commands.push(Command::CheckSetup);
            }
            if running {
                ui.label(lang.pick("Sjekker …", "Checking …"));
            }
        });
        ui.label(lang.pick(
            "Sjekker miljøet og klienten før noen logger inn: discovery, issuer, PKCE, autentisering, omfang, klokke og hemmelighet.",
            "Checks the environment and the client before anyone logs in: discovery, issuer, PKCE, authentication, scopes, clock and secret.",
        ));
        if let Some(e) = &self.error {
            ui.colored_label(RED, crate::escape::display(e));
        }
        let Some(r) = &self.report else {
            return;
        };
        ui.separator();
        let failed = r.checks.iter().filter(|c| !c.ok).count();
        ui.label(
            RichText::new(match (lang, failed) {
                (crate::krr::Lang::Nb, 0) => "Alle sjekkene holder.".to_owned(),
                (crate::krr::Lang::Nb, n) => format!("{n} av {} sjekker feilet.", r.checks.len()),
                (crate::krr::Lang::En, 0) => "Every check holds.".to_owned(),
                (crate::krr::Lang::En, 1) => format!("1 of {} checks failed.", r.checks.len()),
                (crate::krr::Lang::En, n) => format!("{n} of {} checks failed.", r.checks.len()),
            })
            .strong(),
        );
        egui::Grid::new("setup-checks")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for c in &r.checks {
                    let (mark, colour) = if c.ok { ("ok", GREEN) } else { ("FAIL", RED) };
                    ui.colored_label(colour, mark);
                    ui.label(c.name);
                    ui.vertical(|ui| {
                        ui.label(crate::escape::display(&c.detail));
                        if let Some(fix) = &c.fix {
                            ui.label(format!(
                                "{} {}",
                                lang.pick("Gjør:", "Fix:"),
                                crate::escape::display(fix)
                            ));
                        }
                    });
                    ui.end_row();
                }
            });
        if let Some(reg) = &r.registration {
            ui.separator();
            ui.label(
                RichText::new(lang.pick(
                    "Registrer hos Digdir (en native klient)",
                    "Register at Digdir (a native client)",
                ))
                .strong(),
            );
            egui::Grid::new("setup-registration")
                .num_columns(2)
                .show(ui, |ui| {
                    for (k, v) in [
                        ("application_type", reg.application_type.to_owned()),
                        (
                            "token_endpoint_auth_method",
                            reg.token_endpoint_auth_method.clone(),
                        ),
                        ("redirect_uris", reg.redirect_uris.join(" ")),
                        ("scopes", reg.scopes.join(" ")),
                        ("grant_types", reg.grant_types.join(" ")),
                    ] {
                        ui.label(k);
                        ui.label(RichText::new(crate::escape::display(&v)).monospace());
                        ui.end_row();
                    }
                });
        }
    }
}
