//! The export bar above every inspection tab: save as JSON, Markdown or HTML, copy as curl (with the real token
//! only after a question). What they did is said in the app's status line.

use eframe::egui;

use crate::gui::commands::{Command, Commands, Confirm, SaveContents, Status};
use crate::inspect::{Inspection, export};
use crate::krr::Lang;

pub struct ExportView {
    /// Where exports (and the Raw tab's save) go; the extension follows the format.
    pub save_path: String,
    /// How the last save went: the path written, or why not (said in the status line).
    pub save_status: Option<Result<String, crate::gui::commands::Notice>>,
}

impl Default for ExportView {
    fn default() -> ExportView {
        ExportView {
            save_path: "krr-answer.txt".into(),
            save_status: None,
        }
    }
}

impl ExportView {
    /// Drawn above every inspection tab, from the inspection as received (`original`).
    pub fn ui(&mut self, ui: &mut egui::Ui, lang: Lang, i: &Inspection, commands: &mut Commands) {
        ui.horizontal_wrapped(|ui| {
            // The system's Save dialog: the format follows the name chosen (.json, .md, .html).
            if ui
                .button(lang.pick("Eksporter …", "Export …"))
                .on_hover_text(lang.pick(
                    "Velg hvor og i hvilket format (JSON, Markdown, HTML) i systemets lagringsdialog",
                    "Choose where and in which format (JSON, Markdown, HTML) in the system's Save dialog",
                ))
                .clicked()
            {
                commands.push(Command::SaveAs {
                    suggested: suggested_name(i, "json"),
                    contents: SaveContents::Export {
                        json: export::to_json(i),
                        markdown: export::to_markdown(i, lang),
                        html: export::to_html(i, lang),
                    },
                });
            }
            let label = ui.label(lang.pick("eller til:", "or to:"));
            ui.add(egui::TextEdit::singleline(&mut self.save_path).desired_width(320.0))
                .labelled_by(label.id);
            let stem = std::path::Path::new(self.save_path.trim()).with_extension("");
            let mut save = |ext: &str, text: String| {
                let path = stem.with_extension(ext);
                self.save_path = path.display().to_string();
                commands.push(Command::Save {
                    path,
                    contents: text,
                });
            };
            if ui
                .button("JSON")
                .on_hover_text(lang.pick(
                    "Kan åpnes igjen; tokens er sensurert",
                    "Can be opened again; tokens are redacted",
                ))
                .clicked()
            {
                save("json", export::to_json(i));
            }
            if ui.button("Markdown").clicked() {
                save("md", export::to_markdown(i, lang));
            }
            if ui.button("HTML").clicked() {
                save("html", export::to_html(i, lang));
            }
            if ui
                .button(lang.pick("Kopier som curl", "Copy as curl"))
                .on_hover_text("$TOKEN")
                .clicked()
            {
                ui.ctx().copy_text(export::curl_command(i, None));
                commands.push(Command::Say(Status::done(lang.pick(
                    "Kopierte curl-kommandoen (med $TOKEN der tokenet skal stå).",
                    "Copied the curl command (with $TOKEN where the token goes).",
                ))));
            }
            let live_token = i
                .token
                .as_ref()
                .is_some_and(|t| t.access_token.is_available());
            // A live bearer token leaving the app is asked about first (the app copies it when the user agrees).
            if live_token
                && ui
                    .button(lang.pick(
                        "Kopier som curl med ekte token …",
                        "Copy as curl with the real token …",
                    ))
                    .clicked()
            {
                commands.push(Command::Ask(Confirm::CopyRealToken));
            }
        });
    }
}

/// A file name for what was looked up: `krr-PERSONID-YYYYMMDD-HHMM.EXT` (no person id: `krr-answer-…`).
pub fn suggested_name(i: &Inspection, ext: &str) -> String {
    let pid = i
        .body
        .as_ref()
        .and_then(|b| b.person.get("personidentifikator"))
        .and_then(serde_json::Value::as_str)
        .filter(|p| p.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("answer");
    let at = i
        .started_at
        .with_timezone(&chrono::Local)
        .format("%Y%m%d-%H%M");
    format!("krr-{pid}-{at}.{ext}")
}
