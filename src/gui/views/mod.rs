//! The central area: the login in progress, or the result in tabs. One file and one state struct per view; a view
//! draws from what it is given and pushes `Command`s for everything it cannot do itself.
//!
//! A new tab is one new file here (its state struct, `Default`, and `InspectionTab` or `StandaloneTab`) plus one
//! line in the `tabs!` list below, which declares the module, the `Tab` variant, its title, the state's place in
//! `Views` and its dispatch.

pub mod export;
pub mod jws;
pub mod progress;
pub mod style;
pub mod summary;
pub mod tab;

use eframe::egui;
use egui::RichText;

use style::RED;
use tab::{Current, InspectionTab, StandaloneTab, TabContext};

use super::commands::{Command, Commands};
use crate::inspect::history::History;
use crate::krr::Lang;
use crate::oidc::BrowserChoice;

/// Declares the tabs: for each, `Variant(module::State) = "Bokmål title", "English title";`, in the order of the
/// tab bar (inspection tabs first).
macro_rules! tabs {
    (
        inspection { $( $iv:ident($im:ident::$it:ident) = $inb:literal, $ien:literal; )* }
        standalone { $( $sv:ident($sm:ident::$st:ident) = $snb:literal, $sen:literal; )* }
    ) => {
        $( pub mod $im; )*
        $( pub mod $sm; )*

        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Tab {
            $( $iv, )*
            $( $sv, )*
        }

        impl Tab {
            /// In the order of the tab bar.
            pub const ALL: &'static [Tab] = &[$( Tab::$iv, )* $( Tab::$sv, )*];

            pub fn title(self, lang: Lang) -> &'static str {
                match self {
                    $( Tab::$iv => lang.pick($inb, $ien), )*
                    $( Tab::$sv => lang.pick($snb, $sen), )*
                }
            }

            /// Whether the tab shows the current inspection (under the summary and the export bar).
            pub fn shows_inspection(self) -> bool {
                matches!(self, $( Tab::$iv )|*)
            }
        }

        /// The state of every view, kept while others are shown.
        #[derive(Default)]
        pub struct Views {
            pub progress: progress::ProgressView,
            pub export: export::ExportView,
            $( pub $im: $im::$it, )*
            $( pub $sm: $sm::$st, )*
        }

        impl Views {
            /// Draws `tab`'s own area; an inspection tab only with `current`.
            fn tab_ui(
                &mut self,
                tab: Tab,
                ui: &mut egui::Ui,
                current: Option<Current<'_>>,
                data: &Data<'_>,
                commands: &mut Commands,
            ) {
                let mut cx = TabContext {
                    session: data.session,
                    lang: data.lang,
                    history: data.history,
                    keep_history: data.keep_history,
                    matrix_running: data.matrix_running,
                    setup_running: data.setup_running,
                    language_change_running: data.language_change_running,
                    save_path: &mut self.export.save_path,
                    trust_offer: data.trust_offer.as_ref(),
                };
                match tab {
                    $( Tab::$iv => {
                        if let Some(i) = current {
                            InspectionTab::ui(&mut self.$im, ui, i, &mut cx, commands);
                        }
                    } )*
                    $( Tab::$sv => StandaloneTab::ui(&mut self.$sm, ui, &mut cx, commands), )*
                }
            }
        }
    };
}

tabs! {
    inspection {
        Person(person::PersonView) = "Person", "Person";
        Signature(signature::SignatureView) = "Signatur", "Signature";
        Tokens(tokens::TokensView) = "Tokens", "Tokens";
        Http(http::HttpView) = "HTTP", "HTTP";
        Raw(raw::RawView) = "Rådata", "Raw";
    }
    standalone {
        Matrix(matrix::MatrixView) = "Omfangsmatrise", "Scope matrix";
        History(history::HistoryView) = "Historikk", "History";
        Setup(setup::SetupView) = "Oppsettsjekk", "Check setup";
        Faults(faults::FaultsView) = "Emulatorfeil", "Emulator faults";
    }
}

/// Which browser failed, when the login ended because the browser could not show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FailedBrowser {
    Command,
    System,
}

/// Whether `e` is the browser failing (the report's kinds `browser_command` and `system_browser`).
fn browser_failure(e: &crate::inspect::report::LookupProblem) -> Option<FailedBrowser> {
    match e.kind.as_str() {
        "browser_command" => Some(FailedBrowser::Command),
        "system_browser" => Some(FailedBrowser::System),
        _ => None,
    }
}

/// After a failed browser, the ways on: the listener of that login is closed, so its URL is of no use any more;
/// a new login either opens the system browser or shows its URL (with Copy) for any browser the user likes.
fn browser_failed_actions(
    ui: &mut egui::Ui,
    lang: Lang,
    failed: FailedBrowser,
    commands: &mut Commands,
) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        if failed == FailedBrowser::Command
            && ui
                .button(
                    RichText::new(lang.pick(
                        "Logg inn med systemets nettleser",
                        "Log in with the system browser",
                    ))
                    .strong(),
                )
                .clicked()
        {
            commands.push(Command::RetryWithBrowser(BrowserChoice::System));
        }
        if ui
            .button(lang.pick(
                "Logg inn og vis adressen (åpne den i en annen nettleser)",
                "Log in and show the URL (open it in another browser)",
            ))
            .clicked()
        {
            commands.push(Command::RetryWithBrowser(BrowserChoice::PrintUrl));
        }
    });
}

/// What the views read this frame, borrowed from the app.
pub struct Data<'a> {
    pub lang: Lang,
    pub lookup_running: bool,
    pub matrix_running: bool,
    pub setup_running: bool,
    pub language_change_running: bool,
    pub result: Option<Current<'a>>,
    pub history: &'a History,
    pub keep_history: bool,
    pub session: &'a tab::SessionControls,
    /// "Trust this CA …" for the current result, when its chain is untrusted.
    pub trust_offer: Option<Result<crate::inspect::trust::Anchor, String>>,
}

impl Views {
    pub fn central(
        &mut self,
        ui: &mut egui::Ui,
        tab: &mut Tab,
        data: &Data<'_>,
        commands: &mut Commands,
    ) {
        let lang = data.lang;
        if data.lookup_running {
            self.progress.ui(ui, lang, commands);
            return;
        }
        ui.horizontal(|ui| {
            for t in Tab::ALL {
                ui.selectable_value(tab, *t, t.title(lang));
            }
        });
        ui.separator();
        if !tab.shows_inspection() {
            return self.tab_ui(*tab, ui, None, data, commands);
        }
        let Some(current) = data.result else {
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
        self.inspection(ui, *tab, current, data, commands);
    }

    /// An inspection tab under the summary, the export bar and the error (if any).
    fn inspection(
        &mut self,
        ui: &mut egui::Ui,
        tab: Tab,
        current: Current<'_>,
        data: &Data<'_>,
        commands: &mut Commands,
    ) {
        let lang = data.lang;
        summary::summary(lang, current.display, ui);
        self.export.ui(ui, lang, current.received, commands);
        ui.separator();
        if let Some(e) = &current.display.error {
            egui::Frame::new()
                .fill(RED.gamma_multiply(0.15))
                .inner_margin(8.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    // The display copy escaped `message` and `hint`; the Bokmål texts are this program's own.
                    ui.label(
                        RichText::new(crate::lang::sentence_case(e.message_in(lang)))
                            .color(RED)
                            .strong(),
                    );
                    ui.label(e.hint_in(lang));
                    if let Some(failed) = browser_failure(e) {
                        browser_failed_actions(ui, lang, failed, commands);
                    }
                });
            ui.add_space(6.0);
        }
        // Vertical only: every tab wraps its texts to the window's width, so nothing is cut at the right edge.
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| self.tab_ui(tab, ui, Some(current), data, commands));
    }
}
