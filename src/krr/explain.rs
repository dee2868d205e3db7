//! `explain`: one row per field of an answer, with what the field means, what this value means, and the notes a
//! tester needs (ages against the 18-month rule, reservation, mailbox provider, certificate facts, id kind).
//!
//! Total over any JSON object: unknown fields become "unknown field" rows and values of the wrong type become
//! "malformed" rows; nothing is dropped and nothing fails.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::codes::{Code, CodeList, Lang, Reservasjon, Status, Varslingsstatus};
use super::national_id::NationalId;
use super::person::{Field, Kontaktinformasjon, Lenient, Person, json_type_name};
use super::rules::{Channel, channel_states, expected_varslingsstatus};
use super::time::{Timestamp, describe_age, eighteen_months_before};

/// A glanceable marker on a row, for badges in the GUI and colour in the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// `reservasjon: JA`.
    Reserved,
    /// `KAN_IKKE_VARSLES`.
    CannotNotify,
    /// A channel or date older than 18 months.
    #[serde(rename = "older_than_18_months")]
    OlderThan18Months,
    /// A field the documented model does not have.
    UnknownField,
    /// A code not in its code list.
    UnknownCode,
    /// A value of the wrong type or shape.
    Malformed,
    /// The value contradicts the register's own rules.
    Inconsistent,
    /// A certificate outside its validity window.
    Expired,
    /// A required field that the answer lacks (the row stands in for it, its value `null`).
    Missing,
}

/// One explained field.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct FieldExplanation {
    /// Dotted path, e.g. `kontaktinformasjon.epostadresse`.
    pub path: String,
    /// The value exactly as received.
    pub value: Value,
    /// One sentence: what the field is, and what this value means.
    pub explanation: String,
    /// What the field is; `None` for unknown fields.
    pub field_meaning: Option<String>,
    /// What this particular value means.
    pub value_meaning: Option<String>,
    pub notes: Vec<String>,
    pub flags: Vec<Flag>,
}

/// Explains every field present in `person`, in the register's documented order, unknown fields last.
pub fn explain(person: &Person, lang: Lang, now: DateTime<Utc>) -> Vec<FieldExplanation> {
    let mut ex = Explainer {
        lang,
        now,
        rows: Vec::new(),
    };
    ex.top_level(person);
    ex.rows
}

struct Explainer {
    lang: Lang,
    now: DateTime<Utc>,
    rows: Vec<FieldExplanation>,
}

/// A row being built.
struct Row {
    path: String,
    value: Value,
    value_meaning: Option<String>,
    notes: Vec<String>,
    flags: Vec<Flag>,
}

impl Row {
    fn new(path: &str, value: Value) -> Row {
        Row {
            path: path.to_owned(),
            value,
            value_meaning: None,
            notes: Vec::new(),
            flags: Vec::new(),
        }
    }
    fn meaning(mut self, m: impl Into<String>) -> Row {
        self.value_meaning = Some(m.into());
        self
    }
    fn note(mut self, n: impl Into<String>) -> Row {
        self.notes.push(n.into());
        self
    }
    fn flag(mut self, f: Flag) -> Row {
        if !self.flags.contains(&f) {
            self.flags.push(f);
        }
        self
    }
}

impl Explainer {
    fn t(&self, nb: &str, en: &str) -> String {
        self.lang.pick(nb, en).to_owned()
    }

    fn push(&mut self, row: Row) {
        let field = super::fields::field_meaning(&row.path)
            .map(|(nb, en)| self.lang.pick(nb, en).to_owned());
        let explanation = match (&field, &row.value_meaning) {
            (Some(f), Some(v)) => format!(
                "{}. {}.",
                crate::lang::sentence_case(f),
                crate::lang::sentence_case(v)
            ),
            (Some(f), None) => format!("{}.", crate::lang::sentence_case(f)),
            (None, Some(v)) => format!("{}.", crate::lang::sentence_case(v)),
            (None, None) => String::new(),
        };
        self.rows.push(FieldExplanation {
            path: row.path,
            value: row.value,
            explanation,
            field_meaning: field,
            value_meaning: row.value_meaning,
            notes: row.notes,
            flags: row.flags,
        });
    }

    /// Pushes a row for a field of the wrong type, and returns the well-typed value otherwise.
    fn lenient<'a, T: Serialize>(
        &mut self,
        path: &str,
        field: &'a Field<T>,
        expected: &str,
    ) -> Option<&'a T> {
        match field.as_ref()? {
            Lenient::Ok(v) => Some(v),
            Lenient::Malformed(raw) => {
                let got = json_type_name(raw, self.lang);
                let expected = type_word(expected, self.lang);
                let meaning = match self.lang {
                    Lang::Nb => {
                        format!("feil type: forventet {expected}, fikk {got}; vist slik det kom")
                    }
                    Lang::En => {
                        format!("wrong type: expected {expected}, got {got}; shown as received")
                    }
                };
                self.push(
                    Row::new(path, raw.clone())
                        .meaning(meaning)
                        .flag(Flag::Malformed),
                );
                None
            }
        }
    }

    fn top_level(&mut self, p: &Person) {
        if let Some(id) = self.lenient("personidentifikator", &p.personidentifikator, "text") {
            let row = Row::new("personidentifikator", Value::String(id.clone()));
            let row = match NationalId::parse(id) {
                Ok(nid) => row.meaning(nid.describe(self.lang)),
                Err(e) => row
                    .meaning(match self.lang {
                        Lang::Nb => {
                            format!("ikke et gyldig fødselsnummer: {}", e.message(self.lang))
                        }
                        Lang::En => format!("not a valid national id: {e}"),
                    })
                    .flag(Flag::Malformed),
            };
            self.push(row);
        }
        if let Some(code) = self.lenient("reservasjon", &p.reservasjon, "text") {
            let mut row = self.code_row("reservasjon", code);
            if code.is(Reservasjon::Ja) {
                row = row
                    .note(self.t(
                        "reservert: ingen digital varsling; det offentlige må sende brev",
                        "reserved: no digital notification; the public sector must send paper mail",
                    ))
                    .flag(Flag::Reserved);
            }
            self.push(row);
        }
        if let Some(code) = self.lenient("status", &p.status, "text") {
            let mut row = self.code_row("status", code);
            if matches!(code.known(), Some(Status::Slettet | Status::IkkeRegistrert)) {
                row = row.note(self.t(
                    "svaret har verken kontaktinformasjon, postkasse eller sertifikat",
                    "the answer carries no contact info, mailbox or certificate",
                ));
            }
            self.push(row);
        }
        if let Some(code) = self.lenient("varslingsstatus", &p.varslingsstatus, "text") {
            let row = self.varslingsstatus_row(p, code);
            self.push(row);
        }
        if let Some(k) = self.lenient("kontaktinformasjon", &p.kontaktinformasjon, "an object") {
            self.kontaktinformasjon(k);
        }
        if let Some(d) = self.lenient("digital_post", &p.digital_post, "an object") {
            self.digital_post(d);
        }
        if let Some(cert) = self.lenient("sertifikat", &p.sertifikat, "text") {
            let row = self.certificate_row(cert);
            self.push(row);
        }
        if let Some(code) = self.lenient("spraak", &p.spraak, "text") {
            let row = self.code_row("spraak", code);
            self.push(row);
        }
        for (path, field) in [
            ("spraak_oppdatert", &p.spraak_oppdatert),
            ("reservasjonstidspunkt", &p.reservasjonstidspunkt),
            ("reservasjon_oppdatert", &p.reservasjon_oppdatert),
        ] {
            if let Some(ts) = self.lenient(path, field, "a timestamp") {
                let row = self.timestamp_row(path, ts);
                self.push(row);
            }
        }
        self.unknown("", &p.unknown);
    }

    fn code_row<T: CodeList>(&self, path: &str, code: &Code<T>) -> Row {
        let row = Row::new(path, Value::String(code.as_str().to_owned()))
            .meaning(code.meaning(self.lang));
        if code.known().is_none() {
            row.flag(Flag::UnknownCode)
        } else {
            row
        }
    }

    fn varslingsstatus_row(&self, p: &Person, code: &Code<Varslingsstatus>) -> Row {
        let mut row = self.code_row("varslingsstatus", code);
        if code.is(Varslingsstatus::KanIkkeVarsles) {
            row = row.flag(Flag::CannotNotify);
        }
        let Some(actual) = code.known() else {
            return row;
        };
        let expected = expected_varslingsstatus(p, self.now, self.lang);
        match expected.expected {
            Some(e) if e == actual => row.note(match self.lang {
                Lang::Nb => format!("stemmer med 18-månedersregelen: {}", expected.reason),
                Lang::En => format!("agrees with the 18-month rule: {}", expected.reason),
            }),
            Some(e) => row
                .note(match self.lang {
                    Lang::Nb => format!(
                        "strider mot reglene: forventet {} fordi {}",
                        e.code(),
                        expected.reason
                    ),
                    Lang::En => format!(
                        "disagrees with the rules: expected {} because {}",
                        e.code(),
                        expected.reason
                    ),
                })
                .flag(Flag::Inconsistent),
            None => row.note(match self.lang {
                Lang::Nb => format!(
                    "kan ikke kontrolleres mot 18-månedersregelen: {}",
                    expected.reason
                ),
                Lang::En => format!(
                    "cannot be checked against the 18-month rule: {}",
                    expected.reason
                ),
            }),
        }
    }

    fn timestamp_row(&self, path: &str, ts: &Timestamp) -> Row {
        let row = Row::new(path, Value::String(ts.raw().to_owned()));
        match ts.parsed() {
            Some(t) => {
                let age = describe_age(t.with_timezone(&Utc), self.now, self.lang);
                row.meaning(format!("{} ({age})", t.format("%Y-%m-%d %H:%M:%S %:z")))
            }
            None => row
                .meaning(self.t(
                    "ikke et tidspunkt i et format KRR bruker (f.eks. 2023-08-05T10:45:15.768Z); vist slik det kom",
                    "not a timestamp in a shape KRR uses (e.g. 2023-08-05T10:45:15.768Z); shown as received",
                ))
                .flag(Flag::Malformed),
        }
    }

    fn kontaktinformasjon(&mut self, k: &Kontaktinformasjon) {
        let states = channel_states(k, self.now);
        let cutoff = eighteen_months_before(self.now);
        for (channel, address_path, address, dates) in [
            (
                Channel::Epost,
                "kontaktinformasjon.epostadresse",
                &k.epostadresse,
                [
                    (
                        "kontaktinformasjon.epostadresse_oppdatert",
                        &k.epostadresse_oppdatert,
                        true,
                    ),
                    (
                        "kontaktinformasjon.epostadresse_sist_verifisert",
                        &k.epostadresse_sist_verifisert,
                        true,
                    ),
                    (
                        "kontaktinformasjon.epostadresse_sist_validert",
                        &k.epostadresse_sist_validert,
                        false,
                    ),
                ],
            ),
            (
                Channel::Mobil,
                "kontaktinformasjon.mobiltelefonnummer",
                &k.mobiltelefonnummer,
                [
                    (
                        "kontaktinformasjon.mobiltelefonnummer_oppdatert",
                        &k.mobiltelefonnummer_oppdatert,
                        true,
                    ),
                    (
                        "kontaktinformasjon.mobiltelefonnummer_sist_verifisert",
                        &k.mobiltelefonnummer_sist_verifisert,
                        true,
                    ),
                    (
                        "kontaktinformasjon.mobiltelefonnummer_sist_validert",
                        &k.mobiltelefonnummer_sist_validert,
                        false,
                    ),
                ],
            ),
        ] {
            let state = &states[channel as usize];
            if let Some(addr) = self.lenient(address_path, address, "text") {
                let mut row = Row::new(address_path, Value::String(addr.clone()));
                row = match channel {
                    Channel::Epost => self.check_email(row, addr),
                    Channel::Mobil => self.check_mobile(row, addr),
                };
                row = match state.usable {
                    Some(true) => row.note(self.t(
                        "bekreftet innen 18 måneder: kan brukes til varsling",
                        "confirmed within 18 months: may be used for notification",
                    )),
                    Some(false) => row
                        .note(match self.lang {
                            Lang::Nb => format!(
                                "verken endret eller bekreftet de siste 18 månedene (sist {}): kan ikke brukes til varsling",
                                state.last_confirmed.map(|t| describe_age(t, self.now, self.lang)).unwrap_or_default()
                            ),
                            Lang::En => format!(
                                "neither changed nor confirmed in the last 18 months (last {}): cannot be used for notification",
                                state.last_confirmed.map(|t| describe_age(t, self.now, self.lang)).unwrap_or_default()
                            ),
                        })
                        .flag(Flag::OlderThan18Months),
                    None => row.note(self.t(
                        "ingen dato i svaret: 18-månedersregelen kan ikke kontrolleres",
                        "no date in the answer: the 18-month rule cannot be checked",
                    )),
                };
                self.push(row);
            }
            for (path, field, counts_for_rule) in dates {
                let Some(ts) = self.lenient(path, field, "a timestamp") else {
                    continue;
                };
                let mut row = self.timestamp_row(path, ts);
                if let (true, Some(t)) = (counts_for_rule, ts.utc())
                    && t < cutoff
                {
                    let age = describe_age(t, self.now, self.lang);
                    row = if state.usable == Some(true) {
                        row.note(match self.lang {
                            Lang::Nb => format!("{age}: eldre enn 18 måneder, men den andre datoen er nyere, så kanalen kan brukes"),
                            Lang::En => format!("{age}: older than 18 months, but the other date is recent, so the channel is usable"),
                        })
                    } else {
                        let verb = if path.ends_with("_oppdatert") {
                            self.t("oppdatert", "updated")
                        } else {
                            self.t("bekreftet", "confirmed")
                        };
                        row.note(match self.lang {
                            Lang::Nb => format!("{verb} {age}: eldre enn 18 måneder, kan ikke brukes til varsling"),
                            Lang::En => format!("{verb} {age}: older than 18 months, cannot be used for notification"),
                        })
                        .flag(Flag::OlderThan18Months)
                    };
                }
                self.push(row);
            }
        }
        for (path, field) in [
            (
                "kontaktinformasjon.epostadresse_duplisert",
                &k.epostadresse_duplisert,
            ),
            (
                "kontaktinformasjon.mobiltelefonnummer_duplisert",
                &k.mobiltelefonnummer_duplisert,
            ),
        ] {
            if let Some(v) = self.lenient(path, field, "a value") {
                let yes = matches!(v, Value::Bool(true))
                    || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("JA"));
                let meaning = if yes {
                    self.t(
                        "ja: delt med minst én annen person",
                        "yes: shared with at least one other person",
                    )
                } else {
                    self.t("nei: bare denne personen", "no: only this person")
                };
                self.push(Row::new(path, v.clone()).meaning(meaning));
            }
        }
        self.unknown("kontaktinformasjon.", &k.unknown);
    }

    fn check_email(&self, row: Row, addr: &str) -> Row {
        let mut row = row;
        if addr.chars().count() > 50 {
            row = row
                .note(self.t(
                    "lengre enn de 50 tegnene registeret tillater",
                    "longer than the 50 characters the register allows",
                ))
                .flag(Flag::Malformed);
        }
        if !addr.contains('@') {
            row = row
                .note(self.t(
                    "mangler @: ikke en e-postadresse",
                    "has no @: not an e-mail address",
                ))
                .flag(Flag::Malformed);
        }
        row
    }

    fn check_mobile(&self, row: Row, number: &str) -> Row {
        let len = number.chars().count();
        let body = number.strip_prefix('+').unwrap_or(number);
        let shape_ok = !body.is_empty()
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == ' ' || c == '_');
        if shape_ok && (8..=20).contains(&len) {
            let meaning = if number.starts_with("+47") {
                self.t("norsk mobilnummer", "Norwegian mobile number")
            } else if number.starts_with('+') {
                self.t("utenlandsk mobilnummer", "foreign mobile number")
            } else {
                self.t(
                    "mobilnummer uten landkode",
                    "mobile number without country code",
                )
            };
            row.meaning(meaning)
        } else {
            row.note(self.t(
                "følger ikke det dokumenterte formatet (^\\+?[- _0-9]+$, 8-20 tegn)",
                "does not follow the documented format (^\\+?[- _0-9]+$, 8-20 characters)",
            ))
            .flag(Flag::Malformed)
        }
    }

    fn unknown(&mut self, prefix: &str, fields: &std::collections::BTreeMap<String, Value>) {
        for (key, value) in fields {
            let meaning = self.t(
                "ukjent felt: ikke i den dokumenterte personmodellen; vist slik det kom",
                "unknown field: not in the documented person model; shown as received",
            );
            self.push(
                Row::new(&format!("{prefix}{key}"), value.clone())
                    .meaning(meaning)
                    .flag(Flag::UnknownField),
            );
        }
    }
}

/// The expected-type words used in "wrong type" messages.
fn type_word(expected: &str, lang: Lang) -> &str {
    match (lang, expected) {
        (Lang::Nb, "text") => "tekst",
        (Lang::Nb, "an object") => "et objekt",
        (Lang::Nb, "a timestamp") => "et tidspunkt",
        (Lang::Nb, "a value") => "en verdi",
        (_, other) => other,
    }
}

#[path = "explain_digital.rs"]
mod digital;

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
