//! The Person tab: every field of the answer with its value, explanation and flags; the scope check; and, with a
//! write scope, changing the person's preferred language.

use eframe::egui;
use egui::{Color32, RichText};
use serde_json::Value;

use super::style::{AMBER, GREEN, RED};
use super::tab::{Current, InspectionTab, TabContext};
use crate::gui::commands::{Command, Commands, Confirm};
use crate::inspect::render::{flag_label, short_value};
use crate::inspect::can_change_language;
use crate::jose::SignatureVerdict;
use crate::krr::{CodeList, Flag, Lang, Spraak};

pub struct PersonView {
    /// The row whose value Ctrl+C copies.
    pub selected_field: Option<usize>,
    /// The language picked for "Change language".
    pub spraak: Spraak,
    /// How the last language change went.
    pub language_status: Option<Result<String, crate::gui::commands::Notice>>,
}

impl PersonView {
    /// A new result is shown: the language picker starts on the person's current `spraak` (so "Change language"
    /// is a change only when the user picks another).
    pub fn show(&mut self, i: &crate::inspect::Inspection) {
        self.selected_field = None;
        if let Some(s) = i
            .body
            .as_ref()
            .and_then(|b| b.person.get("spraak"))
            .and_then(Value::as_str)
            .and_then(Spraak::from_code)
        {
            self.spraak = s;
        }
    }
}

impl Default for PersonView {
    fn default() -> PersonView {
        PersonView {
            selected_field: None,
            spraak: Spraak::En,
            language_status: None,
        }
    }
}

/// How far the values can be relied on, from the signature's verdict: what the banner and each row say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    /// Valid, or an unsigned JSON answer (nothing to doubt that the tab can say).
    Plain,
    /// The signature does not verify: the values may be forged.
    Forged,
    /// The signature could not be checked against a trusted key (untrusted or unverifiable).
    Unconfirmed,
}

impl Trust {
    fn of(v: &SignatureVerdict) -> Trust {
        match v {
            SignatureVerdict::Invalid(_) => Trust::Forged,
            SignatureVerdict::Untrusted(_) | SignatureVerdict::Unverifiable(_) => Trust::Unconfirmed,
            SignatureVerdict::Valid(_) | SignatureVerdict::Unsigned => Trust::Plain,
        }
    }

    fn banner(self, lang: Lang) -> Option<&'static str> {
        match self {
            Trust::Plain => None,
            Trust::Forged => Some(lang.pick(
                "Signaturen stemmer ikke: ikke stol på disse verdiene",
                "The signature does not verify: do not rely on these values",
            )),
            Trust::Unconfirmed => Some(lang.pick(
                "Signaturen kunne ikke kontrolleres mot en klarert nøkkel: verdiene er ubekreftet",
                "The signature could not be checked against a trusted key: these values are unconfirmed",
            )),
        }
    }

    fn chip(self, lang: Lang) -> Option<(&'static str, Color32)> {
        match self {
            Trust::Plain => None,
            Trust::Forged => Some((lang.pick("ikke verifisert", "unverified"), RED)),
            Trust::Unconfirmed => Some((lang.pick("ubekreftet", "unconfirmed"), AMBER)),
        }
    }
}

/// The full-width banner at the top of the tab: red for a signature that fails, amber for one not checked.
fn verdict_banner(ui: &mut egui::Ui, trust: Trust, text: &str, reason: &str) {
    let colour = if trust == Trust::Forged { RED } else { AMBER };
    egui::Frame::new()
        .fill(colour)
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(text).color(Color32::WHITE).strong().size(16.0));
            if !reason.is_empty() {
                ui.label(RichText::new(crate::escape::display(reason).into_owned()).color(Color32::WHITE));
            }
        });
    ui.add_space(6.0);
}

fn badge_colour(f: Flag) -> Color32 {
    match f {
        Flag::Malformed | Flag::Inconsistent | Flag::Expired | Flag::Missing => RED,
        Flag::UnknownField | Flag::UnknownCode => Color32::from_rgb(20, 110, 170),
        Flag::Reserved | Flag::CannotNotify | Flag::OlderThan18Months => AMBER,
    }
}

impl InspectionTab for PersonView {
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        i: Current<'_>,
        cx: &mut TabContext<'_>,
        commands: &mut Commands,
    ) {
        let (lang, language_busy, i) = (cx.lang, cx.language_change_running, i.display);
        let Some(body) = &i.body else {
            ui.label(lang.pick(
                "Ingen persondata i svaret.",
                "No person data in the answer.",
            ));
            return;
        };
        let trust = Trust::of(&body.verdict());
        if let Some(banner) = trust.banner(lang) {
            verdict_banner(ui, trust, banner, &body.verdict_reason(lang));
        }
        for p in &body.problems {
            ui.colored_label(RED, p);
        }
        // Integrations send Ctrl+C as `Event::Copy` (or as the key itself): either copies the selected value.
        let copy = ui.input_mut(|inp| {
            inp.consume_key(egui::Modifiers::COMMAND, egui::Key::C)
                || inp.events.iter().any(|e| matches!(e, egui::Event::Copy))
        });
        // Fixed column widths: the explanation takes what is left and wraps.
        let avail = ui.available_width();
        // The path column is at least as wide as the longest part of a path (paths wrap after `.` and `_`, never
        // inside a word).
        let mono = egui::TextStyle::Monospace.resolve(ui.style());
        let longest = ui.ctx().fonts_mut(|fonts| {
            body.fields
                .iter()
                .flat_map(|f| f.path.split_inclusive(['.', '_']))
                .map(|part| {
                    fonts
                        .layout_no_wrap(part.to_owned(), mono.clone(), Color32::WHITE)
                        .size()
                        .x
                })
                .fold(0.0_f32, f32::max)
        });
        let w_path = (avail * 0.27)
            .clamp(160.0, 330.0)
            .max(longest + 24.0)
            .min(avail * 0.45);
        let w_value = (avail * 0.24).clamp(120.0, 300.0);
        let w_explanation = (avail - w_path - w_value - 24.0).max(160.0);
        let column = |ui: &mut egui::Ui, width: f32, add: &mut dyn FnMut(&mut egui::Ui)| {
            ui.allocate_ui_with_layout(
                egui::vec2(width, 0.0),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
                    ui.set_width(width);
                    add(ui);
                },
            );
        };
        ui.horizontal(|ui| {
            column(ui, w_path, &mut |ui| {
                ui.label(RichText::new(lang.pick("Felt", "Field")).strong());
            });
            column(ui, w_value, &mut |ui| {
                ui.label(RichText::new(lang.pick("Verdi", "Value")).strong());
            });
            column(ui, w_explanation, &mut |ui| {
                ui.label(RichText::new(lang.pick("Forklaring", "Explanation")).strong());
            });
        });
        ui.separator();
        for (n, f) in body.fields.iter().enumerate() {
            ui.horizontal_top(|ui| {
                column(ui, w_path, &mut |ui| {
                    let selected = self.selected_field == Some(n);
                    if ui
                        .add(
                            egui::Button::selectable(selected, RichText::new(&f.path).monospace())
                                .wrap_mode(egui::TextWrapMode::Wrap),
                        )
                        .on_hover_text(
                            lang.pick("Ctrl+C kopierer verdien", "Ctrl+C copies the value"),
                        )
                        .clicked()
                    {
                        self.selected_field = Some(n);
                    }
                });
                column(ui, w_value, &mut |ui| {
                    let mut value = RichText::new(short_value(&f.value)).monospace();
                    // A forged value is struck through: it is there to be seen, not to be used.
                    if trust == Trust::Forged {
                        value = value.strikethrough();
                    }
                    ui.add(egui::Label::new(value).wrap());
                });
                column(ui, w_explanation, &mut |ui| {
                    ui.horizontal_wrapped(|ui| {
                        if let Some((chip, colour)) = trust.chip(lang) {
                            ui.label(
                                RichText::new(format!(" {chip} "))
                                    .color(Color32::WHITE)
                                    .background_color(colour),
                            );
                        }
                        for flag in &f.flags {
                            ui.label(
                                RichText::new(format!(" {} ", flag_label(*flag, lang)))
                                    .color(Color32::WHITE)
                                    .background_color(badge_colour(*flag)),
                            );
                        }
                        ui.label(&f.explanation);
                    });
                    for note in &f.notes {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new("↳").family(egui::FontFamily::Monospace));
                            ui.label(note);
                        });
                    }
                });
            });
            ui.separator();
        }
        if copy && let Some(f) = self.selected_field.and_then(|n| body.fields.get(n)) {
            let text = match &f.value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            ui.ctx().copy_text(text);
        }
        if let Some(check) = &body.scope_check {
            ui.add_space(10.0);
            ui.label(RichText::new(lang.pick("Omfangskontroll", "Scope check")).strong());
            if check.is_consistent() {
                ui.colored_label(
                    GREEN,
                    lang.pick(
                        "Svaret stemmer med omfangene.",
                        "The answer matches the scopes.",
                    ),
                );
            }
            for f in check.missing.iter().chain(&check.unexpected) {
                ui.colored_label(RED, &f.message);
            }
            for f in &check.absent_allowed {
                ui.label(format!("· {}", f.message));
            }
            for s in &check.unknown_scopes {
                ui.label(format!("? {s}"));
            }
        }
        if can_change_language(i) {
            ui.add_space(10.0);
            ui.label(RichText::new(lang.pick("Administrasjon", "Administration")).strong());
            ui.horizontal(|ui| {
                let label = ui.label(lang.pick("Foretrukket språk", "Preferred language"));
                egui::ComboBox::from_id_salt("spraak")
                    .selected_text(self.spraak.code())
                    .show_ui(ui, |ui| {
                        for s in Spraak::all() {
                            ui.selectable_value(
                                &mut self.spraak,
                                *s,
                                format!("{} – {}", s.code(), s.meaning(lang)),
                            );
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if ui
                    .add_enabled(
                        !language_busy,
                        egui::Button::new(lang.pick("Endre språk", "Change language")),
                    )
                    .clicked()
                {
                    commands.push(Command::Ask(Confirm::ChangeLanguage {
                        spraak: self.spraak,
                    }));
                }
                if ui
                    .button(lang.pick("Slå opp på nytt", "Look up again"))
                    .clicked()
                {
                    commands.push(Command::StartLookup);
                }
            });
            match &self.language_status {
                Some(Ok(m)) => {
                    ui.colored_label(GREEN, m);
                }
                Some(Err(e)) => {
                    ui.colored_label(RED, crate::escape::display(e).into_owned());
                }
                None => {}
            }
        }
    }
}
