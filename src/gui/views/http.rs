//! The HTTP tab: every request of the journey with its headers and bodies (secrets already redacted): the lookup,
//! the session after it, the language changes.

use eframe::egui;
use egui::RichText;

use super::style::RED;
use super::tab::{Current, InspectionTab, TabContext};
use crate::gui::commands::Commands;

/// The HTTP tab holds no state of its own.
#[derive(Default)]
pub struct HttpView;

impl InspectionTab for HttpView {
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        i: Current<'_>,
        cx: &mut TabContext<'_>,
        commands: &mut Commands,
    ) {
        let (lang, i) = (cx.lang, i.display);
        // The lookup's exchanges, then those of the session after it (the Tokens tab's buttons), then the language
        // changes (the Person tab's Administration), each in order.
        let session = i.session.iter().flat_map(|s| s.exchanges.iter());
        let language = i.language_changes.iter().flat_map(|c| c.exchanges.iter());
        for (n, ex) in i.http.exchanges.iter().chain(session).chain(language).enumerate() {
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
                        (lang.pick("Forespørsel", "Request"), &ex.request_headers, &ex.request_body),
                        (lang.pick("Svar", "Response"), &ex.response_headers, &ex.response_body),
                    ] {
                        ui.label(RichText::new(heading).strong());
                        for (k, v) in headers {
                            ui.add(
                                egui::Label::new(RichText::new(format!("{k}: {v}")).monospace())
                                    .wrap_mode(egui::TextWrapMode::Wrap),
                            );
                        }
                        // The register's JWS as its three parts, not one block of base64.
                        let parts = |ui: &mut egui::Ui, commands: &mut Commands, b: &str| {
                            heading == "Response"
                                && ex.step == "person"
                                && super::jws::show(ui, lang, b, &format!("http{n}"), commands)
                        };
                        if let Some(b) = body
                            && !parts(ui, commands, b)
                        {
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
}
