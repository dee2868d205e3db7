//! The colours the views share, and what they mean.

use eframe::egui::Color32;

use crate::jose::SignatureVerdict;

pub const GREEN: Color32 = Color32::from_rgb(26, 127, 55);
pub const RED: Color32 = Color32::from_rgb(200, 30, 30);
pub const AMBER: Color32 = Color32::from_rgb(190, 110, 0);
/// The primary action's fill (white text on it reads in both themes).
pub const ACCENT: Color32 = Color32::from_rgb(0, 92, 170);

pub fn verdict_colour(v: &SignatureVerdict) -> Color32 {
    match v {
        SignatureVerdict::Valid(_) => GREEN,
        SignatureVerdict::Invalid(_) => RED,
        SignatureVerdict::Untrusted(_) | SignatureVerdict::Unverifiable(_) => AMBER,
        SignatureVerdict::Unsigned => Color32::GRAY,
    }
}
