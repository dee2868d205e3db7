//! The login in progress: the steps done so far, the login URL, the time left, and Cancel.

use std::time::{Duration, Instant};

use eframe::egui;
use egui::RichText;

use super::style::{AMBER, GREEN};
use crate::gui::commands::{Command, Commands};
use crate::inspect::Progress;
use crate::krr::Lang;
use crate::oidc::LoginEvent;

/// What the running lookup has reported; started afresh with each lookup.
#[derive(Default)]
pub struct ProgressView {
    pub steps: Vec<Progress>,
    pub authorization_url: Option<String>,
    pub deadline: Option<Instant>,
}

impl ProgressView {
    /// Takes one event of the running lookup.
    pub fn record(&mut self, p: Progress) {
        if let Progress::Login(LoginEvent::AuthorizationUrl { url, timeout_secs }) = &p {
            self.authorization_url = Some(url.clone());
            self.deadline = Some(Instant::now() + Duration::from_secs(*timeout_secs));
        }
        self.steps.push(p);
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, lang: Lang, commands: &mut Commands) {
        // No spinner: it repaints every frame (both cores busy for the minutes a login may wait). The steps below
        // change on events, and the countdown ticks once a second (`request_repaint_after` in `App::logic`).
        ui.horizontal(|ui| {
            ui.label(RichText::new("●").monospace().size(18.0).color(AMBER));
            ui.heading(lang.pick("Logger inn …", "Logging in …"));
        });
        let done = |name: &str| self.steps.iter().any(|s| step_name(s) == name);
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
        for p in &self.steps {
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
        if let Some(url) = &self.authorization_url {
            ui.separator();
            ui.label(lang.pick(
                "Innloggingsadressen (åpne den selv om nettleseren ikke åpnet seg):",
                "The login URL (open it yourself if no browser opened):",
            ));
            ui.horizontal_wrapped(|ui| {
                // Full size: it is what the user copies or opens when no browser came up.
                ui.label(RichText::new(url).monospace());
            });
            if ui
                .button(lang.pick("Kopier adressen", "Copy the URL"))
                .clicked()
            {
                ui.ctx().copy_text(url.clone());
            }
        }
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            ui.label(match lang {
                Lang::Nb => format!(
                    "Tid igjen før lytteren gir opp: {}",
                    time_left(left, lang).0
                ),
                Lang::En => format!(
                    "Time left before the listener gives up: {}",
                    time_left(left, lang).0
                ),
            });
        }
        ui.add_space(8.0);
        if ui
            .button(lang.pick("Avbryt", "Cancel"))
            .on_hover_text("Esc")
            .clicked()
        {
            commands.push(Command::Cancel);
        }
    }
}

fn step_name(p: &Progress) -> &'static str {
    match p {
        Progress::Login(LoginEvent::Discovered { .. }) => "discovered",
        // Pushing the request (PAR) is part of getting ready for the browser.
        Progress::Login(LoginEvent::ListenerReady { .. } | LoginEvent::Pushed { .. }) => "listener",
        // A headless TestID login takes the browser's place: the step is done without one.
        Progress::Login(LoginEvent::AuthorizationUrl { .. } | LoginEvent::Headless { .. }) => {
            "browser"
        }
        Progress::Login(LoginEvent::CallbackRefused { .. }) => "refused",
        Progress::Login(LoginEvent::CodeReceived) => "code",
        Progress::Login(LoginEvent::TokensReceived) => "tokens",
        Progress::Login(LoginEvent::IdTokenChecked { .. }) => "id_token",
        Progress::FetchingPerson { .. } => "person",
        Progress::Done => "done",
    }
}

impl ProgressView {
    /// How long until the time left, as shown, changes: the app asks for a frame then and not before.
    pub fn next_change(&self) -> Option<Duration> {
        let left = self.deadline?.saturating_duration_since(Instant::now());
        Some(time_left(left, Lang::En).1)
    }
}

/// The time left in whole minutes (rounded up), then "less than a minute": a user needs no seconds ticking to know
/// how long they have, and a window that changes once a minute costs nothing while the login waits (one frame a
/// second costs a few per cent of a core under software rendering). Also how long until the text changes.
fn time_left(left: Duration, lang: Lang) -> (String, Duration) {
    const MINUTE: u64 = 60;
    let ms = left.as_millis() as u64;
    if ms <= MINUTE * 1000 {
        let text = lang.pick("under ett minutt", "less than a minute");
        // The listener's own timeout ends the wait then: nothing to repaint before.
        return (text.to_owned(), left);
    }
    let minutes = ms.div_ceil(MINUTE * 1000);
    let until = Duration::from_millis(ms - (minutes - 1) * MINUTE * 1000);
    // "min" is the same in both languages.
    (format!("{minutes} min"), until)
}

#[cfg(test)]
mod time_left_tests {
    use super::*;

    #[test]
    fn whole_minutes_rounded_up_then_under_a_minute_and_when_each_changes() {
        let t = |s: u64| time_left(Duration::from_secs(s), Lang::En);
        assert_eq!(t(300), ("5 min".into(), Duration::from_secs(60)));
        assert_eq!(t(299), ("5 min".into(), Duration::from_secs(59)));
        assert_eq!(t(241), ("5 min".into(), Duration::from_secs(1)));
        assert_eq!(t(240), ("4 min".into(), Duration::from_secs(60)));
        assert_eq!(t(61), ("2 min".into(), Duration::from_secs(1)));
        assert_eq!(
            t(60),
            ("less than a minute".into(), Duration::from_secs(60))
        );
        assert_eq!(t(0), ("less than a minute".into(), Duration::ZERO));
        assert_eq!(
            time_left(Duration::from_secs(30), Lang::Nb).0,
            "under ett minutt"
        );
    }
}
