//! The Signature tab: the verdict and its reason, the JOSE header, the chain and each certificate.

use chrono::Utc;
use eframe::egui;
use egui::RichText;

use super::style::{RED, verdict_colour};
use super::tab::{Current, InspectionTab, TabContext};
use crate::gui::commands::Commands;
use crate::krr::Lang;

/// The Signature tab holds no state of its own.
#[derive(Default)]
pub struct SignatureView;

impl InspectionTab for SignatureView {
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        i: Current<'_>,
        cx: &mut TabContext<'_>,
        _commands: &mut Commands,
    ) {
        let (lang, i) = (cx.lang, i.display);
        let Some(body) = &i.body else {
            ui.label(lang.pick("Ingen signatur å vise.", "No signature to show."));
            return;
        };
        let v = body.verdict();
        egui::Frame::new()
            .fill(verdict_colour(&v).gamma_multiply(0.18))
            .inner_margin(10.0)
            .show(ui, |ui| {
                ui.label(
                    RichText::new(v.label_in(lang).to_uppercase())
                        .color(verdict_colour(&v))
                        .size(20.0)
                        .strong(),
                );
                ui.label(crate::escape::display(&body.verdict_reason(lang)).into_owned());
            });
        let Some(jose) = &body.jose else { return };
        if let Some(header) = &jose.header {
            ui.add_space(8.0);
            ui.label(RichText::new(lang.pick("JOSE-header", "JOSE header")).strong());
            let mut pretty = serde_json::to_string_pretty(header).unwrap_or_default();
            ui.add(
                egui::TextEdit::multiline(&mut pretty)
                    .code_editor()
                    .desired_width(f32::INFINITY)
                    .interactive(false),
            );
        }
        if let Some(chain) = &jose.signature.chain {
            let text = format!(
                "{} {}",
                lang.pick("Kjede:", "Chain:"),
                chain.path.join("  →  ")
            );
            ui.label(RichText::new(text).family(egui::FontFamily::Monospace));
        }
        for (n, c) in jose.certificates.iter().enumerate() {
            ui.add_space(6.0);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(RichText::new(format!("x5c[{n}]  {}", c.subject)).strong());
                ui.label(format!(
                    "{} {}",
                    lang.pick("Utsteder:", "Issuer:"),
                    c.issuer
                ));
                let days = c.not_after.map(|t| (t - Utc::now()).num_days());
                let validity = format!(
                    "{} {} – {}{}",
                    lang.pick("Gyldig:", "Valid:"),
                    c.not_before
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    c.not_after
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    days.map(|d| match lang {
                        Lang::Nb => format!(" ({d} dager igjen)"),
                        Lang::En => format!(" ({d} days left)"),
                    })
                    .unwrap_or_default()
                );
                ui.colored_label(
                    if days.is_some_and(|d| d < 0) {
                        RED
                    } else {
                        ui.visuals().text_color()
                    },
                    validity,
                );
                ui.label(format!(
                    "{} {} bit · {} {}",
                    c.key_type,
                    c.key_bits,
                    lang.pick("serienummer", "serial"),
                    c.serial
                ));
                // The fingerprint is one long word: it wraps inside its frame, not out of it.
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("SHA-256 {}", c.sha256_fingerprint)).monospace(),
                    )
                    .wrap_mode(egui::TextWrapMode::Wrap),
                );
            });
        }
    }
}
