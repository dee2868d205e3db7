//! The line above every inspection tab with what matters everywhere, as chips: the verdict, the person, the
//! register status, the reservation, the HTTP status, and the two timings (the login, the register's answer).

use eframe::egui;
use egui::{Color32, RichText};
use serde_json::Value;

use super::style::{AMBER, GREEN, verdict_colour};
use crate::inspect::Inspection;
use crate::krr::Lang;

/// A coloured chip: white text on `fill`, at body size.
pub fn chip(ui: &mut egui::Ui, text: &str, fill: Color32) -> egui::Response {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(8, 2))
        .show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(text).color(Color32::WHITE).strong()).extend())
        })
        .inner
}

/// A quiet chip: the text on the faint background, for facts that are neither good nor bad.
fn plain_chip(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let fill = ui.visuals().faint_bg_color;
    let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
    egui::Frame::new()
        .fill(fill)
        .stroke(stroke)
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(8, 2))
        .show(ui, |ui| ui.add(egui::Label::new(text).extend()))
        .inner
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
