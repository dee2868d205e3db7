//! "Store the client secret in the keyring…": the request panel's offer for a client that needs a secret the app
//! cannot get otherwise (a caseworker who starts the app from the menu has no environment variable to set). The
//! value lives only in this form until Save hands it to the OS keyring (`config::keyring`) on a thread of its own
//! (the keyring may block, e.g. to ask for an unlock); it is never in the settings, the config file or a log, and
//! the field is masked.

use std::sync::mpsc;

use eframe::egui;
use egui::RichText;

use crate::config::keyring::{KeyringError, Purpose, SERVICE, entry_user, store_secret};
use crate::krr::Lang;

/// The form's state: not persisted, and without `Debug` (it may hold a typed secret).
#[derive(Default)]
pub struct SecretForm {
    /// The environment and client_id the form is open for.
    open_for: Option<(String, String)>,
    value: String,
    saving: Option<mpsc::Receiver<Result<(), KeyringError>>>,
    /// What the last Save did, for which environment and client: (saved, message).
    outcome: Option<((String, String), bool, String)>,
}

impl SecretForm {
    /// Whether a Save is under way.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// The offer, the form when open, and the last outcome, for this environment's client.
    pub fn show(&mut self, ui: &mut egui::Ui, env: &str, client_id: &str, lang: Lang) {
        self.poll(lang);
        let key = (env.to_owned(), client_id.to_owned());
        if self.open_for.as_ref() == Some(&key) {
            self.form(ui, &key, lang);
        } else if ui
            .button(lang.pick(
                "Lagre klienthemmeligheten i nøkkelringen…",
                "Store the client secret in the keyring…",
            ))
            .clicked()
        {
            self.value.clear();
            self.open_for = Some(key.clone());
            self.outcome = None;
        }
        if let Some((for_key, saved, message)) = &self.outcome
            && *for_key == key
        {
            let color = if *saved {
                super::views::style::GREEN
            } else {
                super::views::style::RED
            };
            ui.colored_label(color, message);
        }
    }

    fn form(&mut self, ui: &mut egui::Ui, key: &(String, String), lang: Lang) {
        let label =
            ui.label(RichText::new(lang.pick("Klienthemmelighet", "Client secret")).strong());
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut self.value)
                    .password(true)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        let entry = entry_user(&key.0, &key.1, Purpose::ClientSecret);
        ui.label(
            RichText::new(match lang {
                Lang::Nb => format!(
                    "Lagres i operativsystemets nøkkelring ({SERVICE}, {entry}), aldri i konfigurasjonsfilen."
                ),
                Lang::En => format!(
                    "Kept in the operating system's keyring ({SERVICE}, {entry}), never in the config file."
                ),
            })
            .small(),
        );
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.horizontal(|ui| {
            let can_save = !self.value.is_empty() && self.saving.is_none();
            let save = ui
                .add_enabled(can_save, egui::Button::new(lang.pick("Lagre", "Save")))
                .clicked();
            if (save || (enter && can_save)) && self.saving.is_none() {
                self.save(ui.ctx().clone(), key.clone());
            }
            if ui.button(lang.pick("Avbryt", "Cancel")).clicked() {
                self.value.clear();
                self.open_for = None;
            }
        });
        if self.saving.is_some() {
            ui.label(lang.pick("Lagrer…", "Saving…"));
        }
    }

    /// Hands the value to the keyring on a thread of its own; the form keeps no copy.
    fn save(&mut self, ctx: egui::Context, key: (String, String)) {
        let value = std::mem::take(&mut self.value);
        let (tx, rx) = mpsc::channel();
        self.saving = Some(rx);
        self.outcome = None;
        std::thread::spawn(move || {
            let result = store_secret(&key.0, &key.1, Purpose::ClientSecret, &value);
            drop(value);
            let _ = tx.send(result);
            ctx.request_repaint();
        });
    }

    fn poll(&mut self, lang: Lang) {
        let Some(rx) = &self.saving else { return };
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(mpsc::TryRecvError::Empty) => return,
            Err(mpsc::TryRecvError::Disconnected) => Err(KeyringError::Other {
                detail: "the keyring call stopped".into(),
            }),
        };
        self.saving = None;
        let Some(key) = self.open_for.clone() else {
            return;
        };
        let entry = entry_user(&key.0, &key.1, Purpose::ClientSecret);
        let (saved, message) = match result {
            Ok(()) => {
                self.open_for = None;
                (
                    true,
                    match lang {
                        Lang::Nb => format!(
                            "Klienthemmeligheten er lagret i nøkkelringen ({SERVICE}, {entry}). Oppslag med denne klienten leser den derfra."
                        ),
                        Lang::En => format!(
                            "The client secret is stored in the keyring ({SERVICE}, {entry}). Lookups with this client read it from there."
                        ),
                    },
                )
            }
            Err(e) => (
                false,
                format!(
                    "{} {}",
                    lang.pick("Ikke lagret:", "Not stored:"),
                    crate::escape::display(&e.to_string())
                ),
            ),
        };
        self.outcome = Some((key, saved, message));
    }
}
