//! A compact JWS shown as its three parts instead of one block of base64: the header and the payload decoded (as
//! pretty JSON when they are JSON), the signature folded (its length, the base64 behind an expander); each with
//! Copy. Used by the Raw and HTTP tabs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use eframe::egui;
use egui::RichText;

use crate::gui::commands::{Command, Commands, Status};
use crate::krr::Lang;

/// The three parts of a compact JWS, if `text` is one.
pub fn parts(text: &str) -> Option<[&str; 3]> {
    let t = text.trim();
    if t.starts_with('{') || t.starts_with('[') {
        return None;
    }
    let mut it = t.split('.');
    let p = [it.next()?, it.next()?, it.next()?];
    (it.next().is_none() && !p[0].is_empty()).then_some(p)
}

/// A part decoded: pretty JSON when it is JSON, else the text, else why it cannot be read.
fn decoded(part: &str, lang: Lang) -> String {
    match URL_SAFE_NO_PAD.decode(part.trim_end_matches('=').as_bytes()) {
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
            Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
        },
        Err(e) => match lang {
            Lang::Nb => format!("(ikke base64url: {e})"),
            Lang::En => format!("(not base64url: {e})"),
        },
    }
}

/// Draws `raw` as its three parts; false (and nothing drawn) when it is not a compact JWS.
pub fn show(ui: &mut egui::Ui, lang: Lang, raw: &str, id: &str, commands: &mut Commands) -> bool {
    let Some([header, payload, signature]) = parts(raw) else {
        return false;
    };
    let copy = |ui: &mut egui::Ui, commands: &mut Commands, what: &str, text: String| {
        if ui
            .button(lang.pick("Kopier", "Copy"))
            .on_hover_text(what.to_owned())
            .clicked()
        {
            ui.ctx().copy_text(text);
            commands.push(Command::Say(Status::done(match lang {
                Lang::Nb => format!("Kopierte {what}."),
                Lang::En => format!("Copied the {what}."),
            })));
        }
    };
    for (title, what, part) in [
        (
            lang.pick("Header (dekodet JSON)", "Header (decoded JSON)"),
            lang.pick("headeren", "header"),
            header,
        ),
        (
            lang.pick("Innhold (dekodet JSON)", "Payload (decoded JSON)"),
            lang.pick("innholdet", "payload"),
            payload,
        ),
    ] {
        let text = decoded(part, lang);
        ui.horizontal(|ui| {
            ui.label(RichText::new(title).strong());
            copy(ui, commands, what, text.clone());
        });
        let mut shown = crate::escape::display(&text).into_owned();
        ui.add(
            egui::TextEdit::multiline(&mut shown)
                .code_editor()
                .desired_rows(2)
                .desired_width(f32::INFINITY)
                .interactive(false),
        );
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(signature.as_bytes())
        .map_or(0, |b| b.len());
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(match lang {
                Lang::Nb => format!(
                    "Signatur: {} tegn base64url ({bytes} byte)",
                    signature.len()
                ),
                Lang::En => format!(
                    "Signature: {} characters of base64url ({bytes} bytes)",
                    signature.len()
                ),
            })
            .strong(),
        );
        copy(
            ui,
            commands,
            lang.pick("signaturen", "signature"),
            signature.to_owned(),
        );
    });
    egui::CollapsingHeader::new(lang.pick("Vis signaturen", "Show the signature"))
        .id_salt((id, "signature"))
        .show(ui, |ui| {
            let mut text = crate::escape::display(signature).into_owned();
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .code_editor()
                    .desired_width(f32::INFINITY)
                    .interactive(false),
            );
        });
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_compact_jws_has_three_parts() {
        assert_eq!(super::parts(" a.b.c\n"), Some(["a", "b", "c"]));
        assert_eq!(super::parts("a.b"), None);
        assert_eq!(super::parts("a.b.c.d.e"), None);
        assert_eq!(super::parts("{\"a\":\"x.y.z\"}"), None);
    }
}
