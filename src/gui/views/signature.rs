//! The Signature tab: the verdict and its reason ("Trust this CA …" for an untrusted chain of the user's own
//! environment), the JOSE header with its `x5c` folded, the chain and each certificate (subject, issuer, validity
//! in words, SHA-256 fingerprint) with Copy PEM and its base64 behind an expander.

use chrono::Utc;
use eframe::egui;
use egui::RichText;

use super::style::{RED, verdict_colour};
use super::tab::{Current, InspectionTab, TabContext};
use crate::gui::commands::{Command, Commands, Confirm, Status};
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
        commands: &mut Commands,
    ) {
        let (lang, received, i) = (cx.lang, i.received, i.display);
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
                match cx.trust_offer {
                    Some(Ok(anchor))
                        if ui
                            .button(lang.pick("Stol på denne CA-en …", "Trust this CA …"))
                            .on_hover_text(crate::escape::display(&anchor.subject))
                            .clicked() =>
                    {
                        commands.push(Command::Ask(Confirm::TrustCa));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(why)) => {
                        ui.label(format!(
                            "{} {}",
                            lang.pick("Å stole på en CA herfra:", "Trusting a CA from here:"),
                            crate::escape::display(why)
                        ));
                    }
                    None => {}
                }
            });
        let Some(jose) = &body.jose else { return };
        // The certificates as received (base64 DER), for Copy PEM and the expander.
        let x5c: Vec<String> = received
            .body
            .as_ref()
            .and_then(|b| b.jose.as_ref())
            .and_then(|j| j.header.as_ref())
            .and_then(|h| h.get("x5c"))
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if let Some(header) = &jose.header {
            ui.add_space(8.0);
            ui.label(RichText::new(lang.pick("JOSE-header", "JOSE header")).strong());
            let mut folded = header.clone();
            if let Some(list) = folded.get_mut("x5c").and_then(serde_json::Value::as_array_mut) {
                for (n, c) in list.iter_mut().enumerate() {
                    let chars = c.as_str().map_or(0, str::len);
                    *c = serde_json::Value::String(match lang {
                        Lang::Nb => format!("x5c[{n}]: sertifikat, {chars} tegn base64 (se under)"),
                        Lang::En => format!("x5c[{n}]: certificate, {chars} characters of base64 (see below)"),
                    });
                }
            }
            let mut pretty = serde_json::to_string_pretty(&folded).unwrap_or_default();
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
                ui.set_width(ui.available_width());
                ui.label(RichText::new(format!("x5c[{n}]  {}", c.subject)).strong());
                ui.label(format!(
                    "{} {}",
                    lang.pick("Utsteder:", "Issuer:"),
                    c.issuer
                ));
                let now = Utc::now();
                let words =
                    crate::krr::time::certificate_validity(c.not_before, c.not_after, now, lang);
                let validity = format!(
                    "{} {} – {}{}",
                    lang.pick("Gyldig:", "Valid:"),
                    c.not_before
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    c.not_after
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    words.map(|w| format!(" ({w})")).unwrap_or_default()
                );
                let outside = c.not_after.is_some_and(|t| t < now)
                    || c.not_before.is_some_and(|t| t > now);
                ui.colored_label(
                    if outside {
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
                if let Some(b64) = x5c.get(n) {
                    if ui.button(lang.pick("Kopier PEM", "Copy PEM")).clicked() {
                        ui.ctx().copy_text(crate::inspect::trust::pem_of(b64));
                        commands.push(Command::Say(Status::done(match lang {
                            Lang::Nb => format!("Kopierte x5c[{n}] som PEM."),
                            Lang::En => format!("Copied x5c[{n}] as PEM."),
                        })));
                    }
                    egui::CollapsingHeader::new(match lang {
                        Lang::Nb => format!("Base64 ({} tegn)", b64.len()),
                        Lang::En => format!("Base64 ({} characters)", b64.len()),
                    })
                    .id_salt(("x5c", n))
                    .show(ui, |ui| {
                        let mut text = crate::escape::display(b64).into_owned();
                        ui.add(
                            egui::TextEdit::multiline(&mut text)
                                .code_editor()
                                .desired_width(f32::INFINITY)
                                .interactive(false),
                        );
                    });
                }
            });
        }
    }
}
