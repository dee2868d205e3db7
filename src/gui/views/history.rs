//! The History tab: the lookups of this session (and the kept ones), open one, tick two to compare, open a
//! saved file, and keep the history between launches or not.

use chrono::Local;
use eframe::egui;
use egui::RichText;
use serde_json::Value;

use super::style::{AMBER, GREEN, RED};
use super::tab::{StandaloneTab, TabContext};
use crate::gui::commands::{Command, Commands};
use crate::inspect::render::short_value;

#[derive(Default)]
pub struct HistoryView {
    /// The path typed for "Open file".
    pub open_path: String,
    /// Two history entries picked for comparison (indices into the history).
    pub compare_pick: Vec<usize>,
}

impl StandaloneTab for HistoryView {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut TabContext<'_>, commands: &mut Commands) {
        let (lang, history, keep_history) = (cx.lang, cx.history, cx.keep_history);
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(lang.pick("Åpne …", "Open …"))
                .on_hover_text(lang.pick(
                    "En lagret inspeksjon, et signert svar (JWS) eller et JSON-svar; du kan også slippe filen på vinduet",
                    "A saved inspection, a signed answer (JWS) or a JSON answer; you can also drop the file on the window",
                ))
                .clicked()
            {
                commands.push(Command::OpenDialog);
            }
            let label = ui.label(lang.pick("eller stien:", "or the path:"));
            ui.add(
                egui::TextEdit::singleline(&mut self.open_path)
                    .hint_text("krr-inspection.json")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
            if ui.button(lang.pick("Åpne fil", "Open file")).clicked()
                && !self.open_path.trim().is_empty()
            {
                let path = std::path::PathBuf::from(self.open_path.as_str());
                commands.push(Command::OpenFile { path });
            }
        });
        let mut keep = keep_history;
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
            commands.push(Command::SetKeepHistory(keep));
        }
        ui.separator();
        if history.entries.is_empty() {
            ui.label(lang.pick("Ingen oppslag ennå.", "No lookups yet."));
            return;
        }
        ui.label(lang.pick("Velg to for å sammenligne.", "Tick two to compare."));
        let mut open = None;
        egui::ScrollArea::vertical()
            .max_height(ui.available_height() * 0.5)
            .show(ui, |ui| {
                egui::Grid::new("history")
                    .striped(true)
                    .spacing([10.0, 4.0])
                    .show(ui, |ui| {
                        // A header row names every column (the first: tick two to compare).
                        for title in [
                            lang.pick("Tid (sammenlign)", "Time (compare)"),
                            lang.pick("Miljø", "Environment"),
                            lang.pick("Person", "Person"),
                            lang.pick("Signatur", "Signature"),
                            "HTTP",
                            lang.pick("Omfang", "Scopes"),
                            "",
                        ] {
                            ui.label(RichText::new(title).strong());
                        }
                        ui.end_row();
                        for (n, e) in history.entries.iter().enumerate() {
                            let mut picked = self.compare_pick.contains(&n);
                            let time = e
                                .inspection
                                .started_at
                                .with_timezone(&Local)
                                .format("%H:%M:%S")
                                .to_string();
                            if ui.checkbox(&mut picked, time).changed() {
                                if picked {
                                    self.compare_pick.push(n);
                                    if self.compare_pick.len() > 2 {
                                        self.compare_pick.remove(0);
                                    }
                                } else {
                                    self.compare_pick.retain(|x| *x != n);
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
                            ui.label(crate::escape::display(
                                &e.inspection.request.scopes.join(" "),
                            ));
                            if ui.button(lang.pick("Åpne", "Open")).clicked() {
                                open = Some(n);
                            }
                            ui.end_row();
                        }
                    });
            });
        if let Some(n) = open {
            let i = history.entries[n].inspection.clone();
            commands.push(Command::OpenInspection(i));
            return;
        }
        if let [a, b] = self.compare_pick[..]
            && let (Some(x), Some(y)) = (history.entries.get(a), history.entries.get(b))
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
            ui.label(lang.count(
                c.unchanged,
                ("felt uendret", "felt uendret"),
                ("field unchanged", "fields unchanged"),
            ));
        }
    }
}
