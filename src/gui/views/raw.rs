//! The Raw tab: the person answer exactly as received, to copy or save. The save status is the export bar's,
//! drawn once above every tab.

use eframe::egui;

use super::tab::{Current, InspectionTab, TabContext};
use crate::gui::commands::{Command, Commands, SaveContents};
use crate::inspect::Inspection;

/// The Raw tab holds no state of its own.
#[derive(Default)]
pub struct RawView;

impl InspectionTab for RawView {
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        i: Current<'_>,
        cx: &mut TabContext<'_>,
        commands: &mut Commands,
    ) {
        // The path is the export bar's: both edit the one path.
        let (lang, original, shown, save_path) = (cx.lang, i.received, i.display, &mut *cx.save_path);
        let body = |i: &Inspection| {
            i.http
                .exchanges
                .iter()
                .rev()
                .find(|e| e.step == "person")
                .and_then(|e| e.response_body.clone())
        };
        let (Some(raw), Some(visible)) = (body(original), body(shown)) else {
            ui.label(lang.pick("Ingen svarkropp.", "No response body."));
            return;
        };
        ui.horizontal(|ui| {
            if ui.button(lang.pick("Kopier", "Copy")).clicked() {
                ui.ctx().copy_text(raw.clone());
            }
            if ui.button(lang.pick("Lagre som …", "Save as …")).clicked() {
                let jws = !raw.trim_start().starts_with('{');
                commands.push(Command::SaveAs {
                    suggested: super::export::suggested_name(original, if jws { "jws" } else { "json" }),
                    contents: SaveContents::Text(raw.clone()),
                });
            }
            let label = ui.label(lang.pick("Lagre som:", "Save as:"));
            ui.add(egui::TextEdit::singleline(save_path).desired_width(260.0))
                .labelled_by(label.id);
            if ui.button(lang.pick("Lagre", "Save")).clicked() {
                let path = std::path::PathBuf::from(save_path.as_str());
                commands.push(Command::Save {
                    path,
                    contents: raw.clone(),
                });
            }
        });
        // A JWS as its three parts (header and payload decoded); anything else as received.
        ui.add_space(4.0);
        if !super::jws::show(ui, lang, &raw, "raw", commands) {
            let mut text = visible;
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .code_editor()
                    .desired_width(f32::INFINITY)
                    .interactive(false),
            );
        }
    }
}
