//! The line above every inspection tab with what matters everywhere, as chips: the verdict, the person, the
//! register status, the reservation, the HTTP status, and the two timings (the login, the register's answer).

use eframe::egui;
use egui::{Color32, RichText};
use serde_json::Value;

use super::style::{AMBER, GREEN, verdict_colour};
use crate::inspect::Inspection;
use crate::krr::Lang;

/// A coloured chip: white text on `fill`, at body size. A label (not a frame), so a row of chips wraps.
pub fn chip(ui: &mut egui::Ui, text: &str, fill: Color32) -> egui::Response {
    // Not wrapped inside: a chip that does not fit moves to the next row whole.
    ui.add(
        egui::Label::new(
            RichText::new(format!(" {text} "))
                .color(Color32::WHITE)
                .background_color(fill)
                .strong(),
        )
        .extend(),
    )
}

/// A quiet chip: the text on the faint background, for facts that are neither good nor bad.
fn plain_chip(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let fill = ui.visuals().widgets.inactive.weak_bg_fill;
    ui.add(egui::Label::new(RichText::new(format!(" {text} ")).background_color(fill)).extend())
}

fn timing(i: &Inspection, step: &str) -> Option<u64> {
    i.timings_ms
        .iter()
        .find(|(k, _)| k == step)
        .map(|(_, ms)| *ms)
}

/// One row of chips with what matters on every tab.
pub fn summary(lang: Lang, i: &Inspection, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if let Some(body) = &i.body {
            let v = body.verdict();
            chip(
                ui,
                &format!(
                    "{} {}",
                    lang.pick("Signatur:", "Signature:"),
                    v.label_in(lang)
                ),
                verdict_colour(&v),
            );
            let get = |key: &str| body.person.get(key).and_then(Value::as_str);
            if let Some(pid) = get("personidentifikator") {
                plain_chip(ui, &format!("{} {pid}", lang.pick("Person:", "Person:")));
            }
            if let Some(status) = get("status") {
                let fill = if status == "AKTIV" { GREEN } else { AMBER };
                chip(
                    ui,
                    &format!("{} {status}", lang.pick("Status:", "Status:")),
                    fill,
                );
            }
            match get("reservasjon") {
                Some("JA") => {
                    chip(ui, lang.pick("Reservert", "Reserved"), AMBER);
                }
                Some("NEI") => {
                    plain_chip(ui, lang.pick("Ikke reservert", "Not reserved"));
                }
                _ => {}
            }
            if let Some(v) = get("varslingsstatus") {
                let fill = if v == "KAN_VARSLES" { GREEN } else { AMBER };
                chip(
                    ui,
                    &format!("{} {v}", lang.pick("Varsling:", "Notification:")),
                    fill,
                );
            }
        }
        if let Some(status) = i.http.status {
            plain_chip(ui, &format!("HTTP {status}"));
        }
        // The login includes the person's own time in the browser; the register's answer is the GET alone.
        if let Some(ms) = timing(i, "login") {
            plain_chip(
                ui,
                &format!("{} {ms} ms", lang.pick("Innlogging:", "Login:")),
            );
        }
        if let Some(ms) = timing(i, "person") {
            plain_chip(
                ui,
                &format!("{} {ms} ms", lang.pick("Registersvar:", "Register answer:")),
            );
        }
        ui.label(format!("· {}", i.environment.environment));
    });
}
