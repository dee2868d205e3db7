//! The app's confirmation modal (before a write or before a live token leaves the app) and its status line (what
//! the last action did; it clears on the next one), and the live token's time left.

use std::time::Duration;

use eframe::egui;

use super::super::commands::{Command, Confirm, Status, Tone};
use super::InspectorApp;

impl InspectorApp {
    /// Does what the user agreed to in the modal.
    pub(super) fn confirmed(&mut self, c: Confirm, ctx: &egui::Context) {
        match c {
            Confirm::ChangeLanguage { spraak } => self.change_language(spraak, ctx),
            Confirm::Overwrite => self.overwrite_confirmed(ctx),
            Confirm::TrustCa => self.trust_confirmed(ctx),
            Confirm::CopyRealToken => {
                let Some(i) = &self.result else { return };
                let Some(token) = i
                    .token
                    .as_ref()
                    .map(|t| &t.access_token)
                    .filter(|t| t.is_available())
                else {
                    return;
                };
                ctx.copy_text(crate::inspect::export::curl_command(i, Some(token)));
                self.status = Some(Status::warning(self.lang().pick(
                    "Kopierte curl-kommandoen med det ekte tilgangstokenet: lim det bare inn der ingen andre ser det.",
                    "Copied the curl command with the real access token: paste it only where no one else can see it.",
                )));
            }
        }
    }

    /// Whether the current result comes from a production environment (real people's data).
    pub(super) fn result_is_production(&self) -> bool {
        self.result.as_ref().is_some_and(|i| {
            self.config
                .environment(&i.environment.environment)
                .is_some_and(|e| e.production)
                || crate::config::is_production_issuer(&i.environment.issuer)
        })
    }

    /// The modal for `confirm`, if one is asked: Yes pushes `Confirmed`, No (or Esc, or a click outside) drops it.
    pub(super) fn confirm_modal(&mut self, ctx: &egui::Context) {
        let Some(c) = self.confirm else { return };
        let lang = self.lang();
        let (question, detail, yes) = match c {
            Confirm::CopyRealToken => (
                lang.pick(
                    "Kopiere curl-kommandoen med det ekte tilgangstokenet?",
                    "Copy the curl command with the real access token?",
                )
                .to_owned(),
                lang.pick(
                    "Dette kopierer et gyldig tilgangstoken: den som får tak i det, kan hente personens data til det utløper.",
                    "This copies a live access token: whoever gets hold of it can read the person's data until it expires.",
                )
                .to_owned(),
                lang.pick("Kopier med ekte token", "Copy with the real token"),
            ),
            Confirm::ChangeLanguage { spraak } => {
                let pid = self
                    .result
                    .as_ref()
                    .and_then(|i| i.body.as_ref())
                    .and_then(|b| b.person.get("personidentifikator"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                let code = crate::krr::CodeList::code(spraak);
                let question = match lang {
                    crate::krr::Lang::Nb => format!("Endre foretrukket språk for {pid} til {code}?"),
                    crate::krr::Lang::En => format!("Change the preferred language of {pid} to {code}?"),
                };
                let detail = if self.result_is_production() {
                    lang.pick(
                        "PRODUKSJON: dette er en ekte person, og endringen gjelder med en gang i alle tjenester som bruker KRR.",
                        "PRODUCTION: this is a real person, and the change applies at once in every service that uses KRR.",
                    )
                } else {
                    lang.pick(
                        "Endringen lagres i registeret (PATCH /person).",
                        "The change is stored in the register (PATCH /person).",
                    )
                };
                (question, detail.to_owned(), lang.pick("Endre språket", "Change the language"))
            }
            Confirm::Overwrite => self.overwrite_question(),
            Confirm::TrustCa => self.trust_question(),
        };
        let production = matches!(c, Confirm::ChangeLanguage { .. }) && self.result_is_production();
        let modal = egui::Modal::new(egui::Id::unique("confirm")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            ui.heading(question);
            let colour = if production || c == Confirm::CopyRealToken {
                crate::gui::views::style::RED
            } else {
                ui.visuals().text_color()
            };
            ui.label(egui::RichText::new(detail).color(colour));
            ui.add_space(8.0);
            let mut answer = None;
            ui.horizontal(|ui| {
                if ui.button(yes).clicked() {
                    answer = Some(true);
                }
                if ui.button(lang.pick("Avbryt", "Cancel")).clicked() {
                    answer = Some(false);
                }
            });
            answer
        });
        match modal.inner {
            Some(true) => self.commands.push(Command::Confirmed(c)),
            Some(false) => {
                self.confirm = None;
                self.pending_save = None;
            }
            None if modal.should_close() => {
                self.confirm = None;
                self.pending_save = None;
            }
            None => {}
        }
    }

    /// The status line: the notice or the last action's message, one line that never moves the layout.
    pub(super) fn status_line(&self, ui: &mut egui::Ui) {
        use crate::gui::views::style::{AMBER, GREEN, RED};
        let shown = match (&self.notice, &self.status) {
            (Some(n), _) => Some((n.as_str(), AMBER)),
            (None, Some(s)) => Some((
                s.text.as_str(),
                match s.tone {
                    Tone::Done => GREEN,
                    Tone::Warning => AMBER,
                    Tone::Error => RED,
                },
            )),
            (None, None) => None,
        };
        let saved = self.status.as_ref().and_then(|s| s.path.as_deref());
        ui.horizontal(|ui| match shown {
            Some((text, colour)) => {
                if let (Some(path), None) = (saved, &self.notice) {
                    self.saved_file_actions(ui, path);
                }
                ui.add(egui::Label::new(egui::RichText::new(text).color(colour)).truncate())
                    .on_hover_text(text);
            }
            None => {
                ui.label("");
            }
        });
    }

    /// How long the current result's access token has left, while it is live.
    pub(super) fn token_left(&self) -> Option<Duration> {
        let exp = self.result.as_ref()?.token.as_ref()?.expires_at?;
        (exp - chrono::Utc::now())
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
    }
}
