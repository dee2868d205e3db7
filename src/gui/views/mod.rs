//! The central area: the login in progress, or the result in tabs. One file and one state struct per view; a view
//! draws from what it is given and pushes `Command`s for everything it cannot do itself.
//!
//! A new tab: a file here with its state struct and `ui`, its `mod` line, a `Tab` variant with its title, a field
//! in `Views`, and its arm in `Views::tab` (the compiler points at the last two).

pub mod export;
pub mod history;
pub mod http;
pub mod matrix;
pub mod person;
pub mod progress;
pub mod raw;
pub mod signature;
pub mod style;
pub mod summary;
pub mod tokens;

use eframe::egui;
use egui::RichText;

use style::{AMBER, RED};

use super::commands::Commands;
use crate::inspect::Inspection;
use crate::inspect::history::History;
use crate::krr::Lang;

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

impl Tab {
    /// In the order of the tab bar.
    pub const ALL: [Tab; 7] = [
        Tab::Person,
        Tab::Signature,
        Tab::Tokens,
        Tab::Http,
        Tab::Raw,
        Tab::Matrix,
        Tab::History,
    ];

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Tab::Person => "Person",
            Tab::Signature => lang.pick("Signatur", "Signature"),
            Tab::Tokens => "Tokens",
            Tab::Http => "HTTP",
            Tab::Raw => lang.pick("Rådata", "Raw"),
            Tab::Matrix => lang.pick("Omfangsmatrise", "Scope matrix"),
            Tab::History => lang.pick("Historikk", "History"),
        }
    }
}

/// The state of every view, kept while others are shown.
#[derive(Default)]
pub struct Views {
    pub progress: progress::ProgressView,
    pub export: export::ExportView,
    pub person: person::PersonView,
    pub signature: signature::SignatureView,
    pub tokens: tokens::TokensView,
    pub http: http::HttpView,
    pub raw: raw::RawView,
    pub matrix: matrix::MatrixView,
    pub history: history::HistoryView,
}

/// What the views read this frame, borrowed from the app.
pub struct Data<'a> {
    pub lang: Lang,
    /// A lookup that could not start, was cancelled, or a file that could not be read.
    pub notice: Option<&'a str>,
    pub lookup_running: bool,
    pub matrix_running: bool,
    pub language_change_running: bool,
    /// The current result: as received (exports and copies use it) and its display copy (every control
    /// character from outside made visible), which every label draws from.
    pub result: Option<(&'a Inspection, &'a Inspection)>,
    pub history: &'a History,
    pub keep_history: bool,
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
        if let Some(notice) = data.notice {
            ui.colored_label(AMBER, notice);
            ui.separator();
        }
        if data.lookup_running {
            self.progress.ui(ui, lang, commands);
            return;
        }
        ui.horizontal(|ui| {
            for t in Tab::ALL {
                ui.selectable_value(tab, t, t.title(lang));
            }
        });
        ui.separator();
        match tab {
            Tab::Matrix => return self.matrix.ui(ui, lang, data.matrix_running, commands),
            Tab::History => {
                return self
                    .history
                    .ui(ui, lang, data.history, data.keep_history, commands);
            }
            _ => {}
        }
        let Some(result) = data.result else {
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
        self.inspection(ui, *tab, result, data, commands);
    }

    /// An inspection tab under the summary, the export bar and the error (if any).
    fn inspection(
        &mut self,
        ui: &mut egui::Ui,
        tab: Tab,
        (original, i): (&Inspection, &Inspection),
        data: &Data<'_>,
        commands: &mut Commands,
    ) {
        let lang = data.lang;
        summary::summary(lang, i, ui);
        self.export.ui(ui, lang, original, commands);
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
            .show(ui, |ui| match tab {
                Tab::Person => self
                    .person
                    .ui(ui, lang, i, data.language_change_running, commands),
                Tab::Signature => self.signature.ui(ui, lang, i),
                Tab::Tokens => self.tokens.ui(ui, lang, i),
                Tab::Http => self.http.ui(ui, i),
                Tab::Raw => {
                    let save_path = &mut self.export.save_path;
                    self.raw.ui(ui, lang, (original, i), save_path, commands)
                }
                Tab::Matrix | Tab::History => {}
            });
    }
}
