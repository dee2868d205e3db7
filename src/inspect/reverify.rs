//! A saved inspection read back (`explain FILE`) is not taken at its word: a file can be edited. When it holds
//! the register's raw answer, the answer is inspected again (signature, chain, fields) and the verdict stored in
//! the file is compared with the fresh one; when it does not, the report says the verdict is as recorded.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::body::inspect_body;
use super::lookup::Inspection;
use crate::jose::TrustStore;
use crate::krr::Lang;

/// What became of the verdict stored in a saved inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Reverification {
    /// The raw answer was inspected again; `stored` is what the file said, `fresh` what it says now.
    Reverified {
        stored: Option<String>,
        fresh: String,
        agrees: bool,
    },
    /// The file has no raw answer: the verdict shown is the file's own claim.
    AsRecorded { stored: Option<String> },
}

/// Inspects the saved raw answer again with `trust` at `now`, replacing the stored body inspection with the fresh
/// one, and records the comparison in `saved.reverified`.
pub fn reverify(saved: &mut Inspection, trust: &TrustStore, lang: Lang, now: DateTime<Utc>) {
    let stored = saved.body.as_ref().map(|b| b.verdict().label().to_owned());
    let raw = saved
        .http
        .exchanges
        .iter()
        .rev()
        .find(|e| e.step == "person" && e.status == Some(200))
        .and_then(|e| e.response_body.clone());
    let granted = saved.token.as_ref().map(|t| t.scopes_granted.clone());
    let fresh = raw.and_then(|raw| {
        inspect_body(
            raw.as_bytes(),
            saved.http.content_type.as_deref(),
            trust,
            granted.as_deref(),
            lang,
            now,
        )
        .ok()
    });
    saved.reverified = Some(match fresh {
        Some(body) => {
            let fresh = body.verdict().label().to_owned();
            saved.body = Some(body);
            Reverification::Reverified {
                agrees: stored.as_deref() == Some(fresh.as_str()),
                stored,
                fresh,
            }
        }
        None => Reverification::AsRecorded { stored },
    });
}

impl Reverification {
    /// One sentence for the top of the report.
    pub fn sentence(&self, lang: Lang) -> String {
        let or_none = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        match (self, lang) {
            (
                Reverification::Reverified {
                    agrees: true,
                    fresh,
                    ..
                },
                Lang::Nb,
            ) => format!("Kontrollert på nytt fra det lagrede råsvaret: {fresh}, som filen sier."),
            (
                Reverification::Reverified {
                    agrees: true,
                    fresh,
                    ..
                },
                Lang::En,
            ) => {
                format!("Checked again from the saved raw answer: {fresh}, as the file says.")
            }
            (Reverification::Reverified { stored, fresh, .. }, Lang::Nb) => format!(
                "Kontrollert på nytt fra det lagrede råsvaret: {fresh}. Filen sier {}: den stemmer ikke (filen kan være \
                 endret, eller tilliten er en annen nå: gi --trust-ca for CA-en som ble brukt).",
                or_none(stored)
            ),
            (Reverification::Reverified { stored, fresh, .. }, Lang::En) => format!(
                "Checked again from the saved raw answer: {fresh}. The file says {}: it disagrees (the file may have \
                 been edited, or the trust differs now: pass --trust-ca for the CA used then).",
                or_none(stored)
            ),
            (Reverification::AsRecorded { stored }, Lang::Nb) => format!(
                "Filen har ikke råsvaret: signaturdommen ({}) er slik den ble lagret, ikke kontrollert på nytt.",
                or_none(stored)
            ),
            (Reverification::AsRecorded { stored }, Lang::En) => format!(
                "The file has no raw answer: the verdict ({}) is as recorded, not verified again.",
                or_none(stored)
            ),
        }
    }
}
