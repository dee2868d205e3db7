//! The Scope matrix tab: one login, one lookup per subset of the read scopes, and which fields each set gives.

use eframe::egui;
use egui::RichText;

use super::style::{GREEN, RED};
use crate::inspect::matrix_reason::{obtained_meaning, reason};
use super::tab::{StandaloneTab, TabContext};
use crate::gui::commands::{Command, Commands};
use crate::inspect::matrix::{Matrix, MatrixRow};

/// The rows as they arrive, then the whole matrix.
#[derive(Default)]
pub struct MatrixView {
    pub total: usize,
    pub rows: Vec<MatrixRow>,
    pub done: Option<Matrix>,
    pub error: Option<String>,
    /// The row whose failure is shown in full under the buttons (its cell was clicked).
    pub selected: Option<usize>,
}

impl StandaloneTab for MatrixView {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut TabContext<'_>, commands: &mut Commands) {
        let (lang, running) = (cx.lang, cx.matrix_running);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    !running,
                    egui::Button::new(lang.pick("Kjør omfangsmatrisen", "Run the scope matrix")),
                )
                .clicked()
            {
                commands.push(Command::StartMatrix);
            }
            if running {
                ui.spinner();
                ui.label(format!("{}/{}", self.rows.len(), self.total));
            }
        });
        ui.label(
        RichText::new(lang.pick(
            "Én innlogging med alle omfang, så ett oppslag per delmengde av miljøets leseomfang, med et token fornyet \
             til akkurat den (eller en prompt=none-innlogging der leverandøren ikke vil snevre inn).",
            "One login with every scope, then one lookup per subset of the environment's read scopes, each with a \
             token refreshed down to it (or a prompt=none login where the provider will not narrow).",
        )),
    );
        if let Some(e) = &self.error {
            ui.colored_label(RED, crate::escape::display(e).into_owned());
        }
        if self.rows.is_empty() {
            return;
        }
        let mut columns: Vec<String> = Vec::new();
        for r in &self.rows {
            for path in r.values.keys() {
                let top = path.split('.').next().unwrap_or(path).to_owned();
                if !columns.contains(&top) {
                    columns.push(top);
                }
            }
        }
        if let Some(r) = self.selected.and_then(|n| self.rows.get(n))
            && let Some(why) = reason(r, lang)
        {
            egui::Frame::new()
                .fill(RED.gamma_multiply(0.12))
                .inner_margin(6.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new(crate::escape::display(&why.full)).color(RED));
                    ui.label(format!(
                        "{} {}",
                        lang.pick("Prøv:", "Try:"),
                        crate::escape::display(&why.hint)
                    ));
                });
        }
        let mut open = None;
        let mut select = None;
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("matrix")
                    .striped(true)
                    .spacing([10.0, 4.0])
                    .show(ui, |ui| {
                        ui.label(RichText::new(lang.pick("Omfang", "Scopes")).strong());
                        ui.label(RichText::new("HTTP").strong());
                        ui.label(RichText::new(lang.pick("Token fra", "Token by")).strong());
                        for c in &columns {
                            ui.label(
                                RichText::new(crate::escape::display(c))
                                    .monospace()
                                    .strong(),
                            );
                        }
                        ui.end_row();
                        for (n, r) in self.rows.iter().enumerate() {
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
                                .on_hover_text(
                                    lang.pick("Åpne dette oppslaget", "Open this lookup"),
                                )
                                .clicked()
                            {
                                open = Some(n);
                            }
                            // A failed cell says why (short), the whole reason and its hint on hover or click.
                            match reason(r, lang) {
                                Some(why) => {
                                    let cell = ui
                                        .add(
                                            egui::Label::new(
                                                RichText::new(crate::escape::display(&why.short))
                                                    .color(RED),
                                            )
                                            .sense(egui::Sense::click()),
                                        )
                                        .on_hover_text(format!(
                                            "{}\n{} {}",
                                            crate::escape::display(&why.full),
                                            lang.pick("Prøv:", "Try:"),
                                            crate::escape::display(&why.hint)
                                        ));
                                    if cell.clicked() {
                                        select = Some(n);
                                    }
                                }
                                None => {
                                    let status = r
                                        .status
                                        .map(|s| s.to_string())
                                        .unwrap_or_else(|| "-".into());
                                    ui.colored_label(
                                        if r.status == Some(200) { GREEN } else { RED },
                                        status,
                                    );
                                }
                            }
                            ui.label(r.obtained.label())
                                .on_hover_text(obtained_meaning(r.obtained, lang));
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
        if select.is_some() {
            self.selected = if self.selected == select { None } else { select };
        }
        if let Some(n) = open {
            let i = std::sync::Arc::new(self.rows[n].inspection.clone());
            commands.push(Command::OpenInspection(i));
        }
    }
}
