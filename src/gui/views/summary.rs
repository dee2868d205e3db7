//! The line above every inspection tab with what matters everywhere: verdict, person, status, HTTP, time.

use eframe::egui;
use egui::{Color32, RichText};
use serde_json::Value;

use super::style::verdict_colour;
use crate::inspect::Inspection;
use crate::krr::Lang;

/// One line with what matters on every tab: verdict, person, status, HTTP.
pub fn summary(lang: Lang, i: &Inspection, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if let Some(body) = &i.body {
            let v = body.verdict();
            let text = match lang {
                Lang::Nb => format!("Signatur: {}", v.label()),
                Lang::En => format!("Signature: {}", v.label()),
            };
            ui.label(
                RichText::new(format!(" {text} "))
                    .color(Color32::WHITE)
                    .background_color(verdict_colour(&v))
                    .strong(),
            );
            for key in [
                "personidentifikator",
                "status",
                "reservasjon",
                "varslingsstatus",
            ] {
                if let Some(v) = body.person.get(key).and_then(Value::as_str) {
                    ui.label(RichText::new(format!("{key} {v}")).monospace());
                }
            }
        }
        if let Some(status) = i.http.status {
            ui.label(format!("HTTP {status}"));
        }
        if let Some((_, ms)) = i.timings_ms.iter().find(|(k, _)| k == "total") {
            ui.label(RichText::new(format!("{ms} ms")).weak());
        }
        ui.label(RichText::new(format!("· {}", i.environment.environment)).weak());
    });
}
