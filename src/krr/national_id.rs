//! Norwegian national ids (`DDMMYY III K1 K2`): validation, classification, birth date, and generation of valid
//! synthetic test ids.
//!
//! Variants shift digits before the checksum is computed on the shifted digits: D-number (first digit + 4),
//! synthetic Tenor/TestID persons (month + 80), NAV Dolly persons (month + 40). From 2032 K1 may also be any digit
//! with `(weighted sum + K1) mod 11` in 1..=3; both rules are accepted and the one used is reported.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::codes::Lang;

const K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// What kind of number it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// An ordinary fødselsnummer.
    Fodselsnummer,
    /// A D-number, for people without a fødselsnummer (first digit + 4).
    DNumber,
}

/// Whether the id belongs to a test population, and which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Synthetic {
    /// A real-shaped id (or a test id from the classic ranges).
    No,
    /// Skatteetaten Tenor / TestID synthetic person: month + 80. Digdir's test environments use these.
    Tenor,
    /// NAV Dolly synthetic person: month + 40.
    Dolly,
}

/// Which K1 rule the id satisfies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumRule {
    /// `K1 = 11 - (weighted sum mod 11)`.
    Classic,
    /// The rule from 2032: `(weighted sum + K1) mod 11` in 1..=3.
    From2032,
}

/// A valid national id, classified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NationalId {
    pub digits: String,
    pub kind: IdKind,
    pub synthetic: Synthetic,
    pub birth_date: NaiveDate,
    pub individual_number: u16,
    pub checksum_rule: ChecksumRule,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("a national id has 11 digits; got {0} characters")]
    WrongLength(usize),
    #[error("a national id has digits only; found '{0}'")]
    NotDigits(char),
    #[error("the first control digit (K1) is wrong: expected {expected} for the first nine digits")]
    K1Mismatch { expected: String },
    #[error("the second control digit (K2) is wrong: expected {expected}")]
    K2Mismatch { expected: u32 },
    #[error(
        "no valid control digit K2 exists for the first ten digits (remainder 1): the id cannot exist"
    )]
    K2Impossible,
    #[error("{day:02}.{month:02} is not a date (after removing the D-number/synthetic shift)")]
    NoSuchDate { day: u32, month: u32 },
    #[error("individual number {individual:03} with year {yy:02} belongs to no birth century")]
    NoCentury { individual: u16, yy: u32 },
}

impl IdError {
    /// The message in the user's language (the `Display` text is English).
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Nb, IdError::WrongLength(n)) => format!("et fødselsnummer har 11 siffer; fikk {n} tegn"),
            (Lang::Nb, IdError::NotDigits(c)) => format!("et fødselsnummer har bare siffer; fant «{c}»"),
            (Lang::Nb, IdError::K1Mismatch { expected }) => {
                format!("første kontrollsiffer (K1) er feil: forventet {} for de ni første sifrene", expected.replace(" or ", " eller "))
            }
            (Lang::Nb, IdError::K2Mismatch { expected }) => format!("andre kontrollsiffer (K2) er feil: forventet {expected}"),
            (Lang::Nb, IdError::K2Impossible) => {
                "det finnes ikke noe gyldig andre kontrollsiffer (K2) for de ti første sifrene: nummeret kan ikke finnes".into()
            }
            (Lang::Nb, IdError::NoSuchDate { day, month }) => {
                format!("{day:02}.{month:02} er ingen dato (etter at D-nummer-/syntetisk-forskyvningen er trukket fra)")
            }
            (Lang::Nb, IdError::NoCentury { individual, yy }) => {
                format!("individnummer {individual:03} med år {yy:02} hører ikke til noe fødselsårhundre")
            }
        }
    }
}

impl NationalId {
    /// Validates and classifies an 11-digit id. Spaces are ignored.
    pub fn parse(input: &str) -> Result<NationalId, IdError> {
        let cleaned: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(c) = cleaned.chars().find(|c| !c.is_ascii_digit()) {
            return Err(IdError::NotDigits(c));
        }
        if cleaned.len() != 11 {
            return Err(IdError::WrongLength(cleaned.chars().count()));
        }
        let d: Vec<u32> = cleaned.bytes().map(|b| u32::from(b - b'0')).collect();

        let checksum_rule = check_k1(&d)?;
        match k2_for(&d) {
            None => return Err(IdError::K2Impossible),
            Some(k2) if k2 != d[10] => return Err(IdError::K2Mismatch { expected: k2 }),
            Some(_) => {}
        }

        let mut day = d[0] * 10 + d[1];
        let mut month = d[2] * 10 + d[3];
        let yy = d[4] * 10 + d[5];
        let kind = if day > 40 {
            day -= 40;
            IdKind::DNumber
        } else {
            IdKind::Fodselsnummer
        };
        let synthetic = if month > 80 {
            month -= 80;
            Synthetic::Tenor
        } else if month > 40 {
            month -= 40;
            Synthetic::Dolly
        } else {
            Synthetic::No
        };
        let individual = (d[6] * 100 + d[7] * 10 + d[8]) as u16;
        let century = century_for(individual, yy).ok_or(IdError::NoCentury { individual, yy })?;
        let birth_date = NaiveDate::from_ymd_opt((century + yy) as i32, month, day)
            .ok_or(IdError::NoSuchDate { day, month })?;
        Ok(NationalId {
            digits: cleaned,
            kind,
            synthetic,
            birth_date,
            individual_number: individual,
            checksum_rule,
        })
    }

    /// One line a tester understands: "synthetic (Tenor/TestID) fødselsnummer, born 1994-07-21".
    pub fn describe(&self, lang: Lang) -> String {
        let kind = match (self.kind, lang) {
            (IdKind::Fodselsnummer, Lang::Nb) => "fødselsnummer",
            (IdKind::Fodselsnummer, Lang::En) => "fødselsnummer (national identity number)",
            (IdKind::DNumber, Lang::Nb) => "D-nummer",
            (IdKind::DNumber, Lang::En) => "D-number",
        };
        let synthetic = match (self.synthetic, lang) {
            (Synthetic::No, _) => "",
            (Synthetic::Tenor, Lang::Nb) => "syntetisk testperson (Tenor/TestID, måned + 80), ",
            (Synthetic::Tenor, Lang::En) => "synthetic test person (Tenor/TestID, month + 80), ",
            (Synthetic::Dolly, Lang::Nb) => "syntetisk testperson (NAV Dolly, måned + 40), ",
            (Synthetic::Dolly, Lang::En) => "synthetic test person (NAV Dolly, month + 40), ",
        };
        let rule = match (self.checksum_rule, lang) {
            (ChecksumRule::Classic, _) => "",
            (ChecksumRule::From2032, Lang::Nb) => " (kontrollsiffer etter 2032-regelen)",
            (ChecksumRule::From2032, Lang::En) => " (control digit by the 2032 rule)",
        };
        match lang {
            Lang::Nb => format!("{synthetic}{kind}, født {}{rule}", self.birth_date),
            Lang::En => format!("{synthetic}{kind}, born {}{rule}", self.birth_date),
        }
    }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum()
}

fn check_k1(d: &[u32]) -> Result<ChecksumRule, IdError> {
    let sum = weighted(&d[..9], &K1_WEIGHTS);
    match (sum + d[9]) % 11 {
        0 => Ok(ChecksumRule::Classic),
        1..=3 => Ok(ChecksumRule::From2032),
        _ => {
            let options: Vec<String> = (0..=9)
                .filter(|k| matches!((sum + k) % 11, 0..=3))
                .map(|k| k.to_string())
                .collect();
            Err(IdError::K1Mismatch {
                expected: options.join(" or "),
            })
        }
    }
}

/// K2 for the first ten digits, or `None` when the remainder makes it impossible.
fn k2_for(d: &[u32]) -> Option<u32> {
    match 11 - weighted(&d[..10], &K2_WEIGHTS) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// The classic K1 for the first nine digits, or `None` when it would be 10.
fn classic_k1(d: &[u32]) -> Option<u32> {
    match 11 - weighted(&d[..9], &K1_WEIGHTS) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// The birth century for an individual number and two-digit year, by Skatteetaten's allocation.
fn century_for(individual: u16, yy: u32) -> Option<u32> {
    match individual {
        0..=499 => Some(1900),
        500..=749 if yy >= 54 => Some(1800),
        500..=999 if yy <= 39 => Some(2000),
        900..=999 if yy >= 40 => Some(1900),
        _ => None,
    }
}

/// Individual numbers valid for a birth year, in ascending order.
fn individual_range(year: i32) -> Option<std::ops::RangeInclusive<u16>> {
    match year {
        1854..=1899 => Some(500..=749),
        1900..=1999 => Some(0..=499),
        2000..=2039 => Some(500..=999),
        _ => None,
    }
}

/// Generates up to `count` valid synthetic (Tenor/TestID, month + 80) fødselsnumre born on `birth_date`, with the
/// classic checksum rule, lowest individual numbers first. Deterministic, so the emulator's persons are stable.
pub fn generate_synthetic(birth_date: NaiveDate, count: usize) -> Vec<NationalId> {
    let Some(range) = individual_range(birth_date.year()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let yy = (birth_date.year() % 100) as u32;
    let mut prefix = [
        birth_date.day() / 10,
        birth_date.day() % 10,
        (birth_date.month() + 80) / 10,
        (birth_date.month() + 80) % 10,
        yy / 10,
        yy % 10,
        0,
        0,
        0,
        0,
        0,
    ];
    for individual in range {
        if out.len() >= count {
            break;
        }
        let i = u32::from(individual);
        prefix[6] = i / 100;
        prefix[7] = i / 10 % 10;
        prefix[8] = i % 10;
        let Some(k1) = classic_k1(&prefix) else {
            continue;
        };
        prefix[9] = k1;
        let Some(k2) = k2_for(&prefix) else { continue };
        prefix[10] = k2;
        let digits: String = prefix.iter().map(|d| char::from(b'0' + *d as u8)).collect();
        if let Ok(id) = NationalId::parse(&digits) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_samples() {
        let id = NationalId::parse("21879498012").unwrap();
        assert_eq!(id.synthetic, Synthetic::Tenor);
        assert_eq!(id.kind, IdKind::Fodselsnummer);
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1994, 7, 21).unwrap());
        let id = NationalId::parse("23079421936").unwrap();
        assert_eq!(
            (id.synthetic, id.birth_date),
            (Synthetic::No, NaiveDate::from_ymd_opt(1994, 7, 23).unwrap())
        );
        assert_eq!(
            NationalId::parse("27129324169").unwrap().birth_date,
            NaiveDate::from_ymd_opt(1993, 12, 27).unwrap()
        );
    }

    #[test]
    fn every_documented_test_person_is_valid() {
        for id in [
            "01048800153",
            "01066100746",
            "27129323960",
            "27129323618",
            "27129324592",
            "27129324401",
            "27129324169",
            "27129324088",
            "27129323537",
            "27129323456",
            "27129323375",
            "27129323294",
            "24079412372",
            "11089499889",
            "24079412291",
            "29129319060",
            "29129318943",
            "29129318862",
            "29129318781",
            "23079421936",
        ] {
            NationalId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    }

    #[test]
    fn known_invalid_sample_is_refused() {
        assert!(NationalId::parse("16903349845").is_err());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            NationalId::parse("2307942193"),
            Err(IdError::WrongLength(10))
        );
        assert_eq!(
            NationalId::parse("2307942193x"),
            Err(IdError::NotDigits('x'))
        );
        // K1 7 leaves remainder 4, outside both rules (K1 4 would pass by the 2032 rule).
        assert_eq!(
            NationalId::parse("23079421976"),
            Err(IdError::K1Mismatch {
                expected: "3 or 4 or 5 or 6".into()
            })
        );
        assert_eq!(
            NationalId::parse("23079421937"),
            Err(IdError::K2Mismatch { expected: 6 })
        );
        assert_eq!(
            IdError::K2Mismatch { expected: 6 }.message(Lang::Nb),
            "andre kontrollsiffer (K2) er feil: forventet 6"
        );
        assert_eq!(
            NationalId::parse("230 794 219 36").unwrap().digits,
            "23079421936"
        );
    }

    #[test]
    fn d_number_and_dolly_are_classified() {
        // D-number: day 23 + 40 = 63; Dolly: month 07 + 40 = 47. Control digits are computed on shifted digits.
        let with_control_digits = |prefix: &str| {
            (0..1000).find_map(|i| {
                let mut d: Vec<u32> = format!("{prefix}{i:03}")
                    .bytes()
                    .map(|b| u32::from(b - b'0'))
                    .collect();
                d.push(classic_k1(&d)?);
                d.push(k2_for(&d)?);
                Some(
                    d.iter()
                        .map(|x| char::from(b'0' + *x as u8))
                        .collect::<String>(),
                )
            })
        };
        let id = NationalId::parse(&with_control_digits("630794").unwrap()).unwrap();
        assert_eq!((id.kind, id.synthetic), (IdKind::DNumber, Synthetic::No));
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1994, 7, 23).unwrap());
        assert!(
            id.describe(Lang::En)
                .starts_with("D-number, born 1994-07-23"),
            "{}",
            id.describe(Lang::En)
        );
        let id = NationalId::parse(&with_control_digits("234794").unwrap()).unwrap();
        assert_eq!(
            (id.kind, id.synthetic),
            (IdKind::Fodselsnummer, Synthetic::Dolly)
        );
        assert!(
            id.describe(Lang::Nb)
                .starts_with("syntetisk testperson (NAV Dolly")
        );
    }

    #[test]
    fn rule_2032_k1_is_accepted_and_reported() {
        // Take a valid id, then pick a K1 with (sum + K1) mod 11 == 2 and recompute K2.
        let s = (500..1000)
            .find_map(|i| {
                let mut d: Vec<u32> = format!("010100{i:03}")
                    .bytes()
                    .map(|b| u32::from(b - b'0'))
                    .collect();
                let sum = weighted(&d, &K1_WEIGHTS);
                d.push((0..=9).find(|k| (sum + k) % 11 == 2)?);
                d.push(k2_for(&d)?);
                Some(
                    d.iter()
                        .map(|x| char::from(b'0' + *x as u8))
                        .collect::<String>(),
                )
            })
            .unwrap();
        let id = NationalId::parse(&s).unwrap();
        assert_eq!(id.checksum_rule, ChecksumRule::From2032);
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(2000, 1, 1).unwrap());
    }

    #[test]
    fn generated_ids_are_valid_synthetic_and_born_that_day() {
        let date = NaiveDate::from_ymd_opt(2001, 2, 28).unwrap();
        let ids = generate_synthetic(date, 20);
        assert_eq!(ids.len(), 20);
        for id in &ids {
            assert_eq!((id.birth_date, id.synthetic), (date, Synthetic::Tenor));
            assert!(id.individual_number >= 500);
        }
        assert!(generate_synthetic(NaiveDate::from_ymd_opt(2050, 1, 1).unwrap(), 1).is_empty());
    }
}
