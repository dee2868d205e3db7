//! The digital mailbox and the encryption certificate rows of the explanation (`digital_post`, `sertifikat`).

use serde_json::Value;

use super::super::codes::{Code, CodeList, Lang};
use super::super::person::{DigitalPost, get};
use super::super::time::describe_age;
use super::{Explainer, Flag, Row};
use crate::jose::cert::CertificateFacts;

impl Explainer {
    pub(super) fn digital_post(&mut self, d: &DigitalPost) {
        let provider = get(&d.postkasseleverandoeradresse);
        if let Some(addr) =
            self.lenient("digital_post.postkasseadresse", &d.postkasseadresse, "text")
        {
            let meaning = match provider.and_then(Code::known) {
                Some(p) => match self.lang {
                    Lang::Nb => format!("postkasse hos {}", p.meaning(self.lang)),
                    Lang::En => format!("mailbox at {}", p.meaning(self.lang)),
                },
                None => self.t(
                    "postkasse hos en ukjent leverandør",
                    "mailbox at an unknown provider",
                ),
            };
            self.push(
                Row::new("digital_post.postkasseadresse", Value::String(addr.clone()))
                    .meaning(meaning),
            );
        }
        if let Some(code) = self.lenient(
            "digital_post.postkasseleverandoeradresse",
            &d.postkasseleverandoeradresse,
            "text",
        ) {
            let row = Row::new(
                "digital_post.postkasseleverandoeradresse",
                Value::String(code.as_str().to_owned()),
            );
            let row = match code.known() {
                Some(p) => row.meaning(p.meaning(self.lang)),
                None => row
                    .meaning(match self.lang {
                        Lang::Nb => format!(
                            "organisasjonsnummer {} er ikke en kjent postkasseleverandør (Digipost 984661185, e-Boks 922020175)",
                            code.as_str()
                        ),
                        Lang::En => format!(
                            "organisation number {} is not a known mailbox provider (Digipost 984661185, e-Boks 922020175)",
                            code.as_str()
                        ),
                    })
                    .flag(Flag::UnknownCode),
            };
            self.push(row);
        }
        self.unknown("digital_post.", &d.unknown);
    }

    pub(super) fn certificate_row(&self, b64: &str) -> Row {
        let row = Row::new("sertifikat", Value::String(b64.to_owned()));
        match CertificateFacts::from_base64_der(b64) {
            Ok(c) => {
                let expired = !c.valid_at(self.now);
                let until = c
                    .not_after
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                let age = c
                    .not_after
                    .map(|t| describe_age(t, self.now, self.lang))
                    .unwrap_or_default();
                let row = row.meaning(match self.lang {
                    Lang::Nb => format!(
                        "utstedt til {}, av {}, gyldig til {until} ({age})",
                        c.subject, c.issuer
                    ),
                    Lang::En => format!(
                        "issued to {}, by {}, valid until {until} ({age})",
                        c.subject, c.issuer
                    ),
                });
                let row = row
                    .note(format!("SHA-256 {}", c.sha256_fingerprint))
                    .note(format!("{} {}", c.key_type, c.key_bits));
                if expired {
                    row.note(self.t(
                        "utenfor gyldighetsperioden: avsendere kan ikke kryptere til dette sertifikatet",
                        "outside its validity period: senders cannot encrypt to this certificate",
                    ))
                    .flag(Flag::Expired)
                } else {
                    row
                }
            }
            Err(e) => row
                .meaning(match self.lang {
                    Lang::Nb => format!("kan ikke leses som et X.509-sertifikat: {e}"),
                    Lang::En => format!("cannot be read as an X.509 certificate: {e}"),
                })
                .flag(Flag::Malformed),
        }
    }
}
