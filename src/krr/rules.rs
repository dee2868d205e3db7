//! The register's notification rules: the 18-month rule per channel, and the `varslingsstatus` it implies.
//!
//! An e-mail address or mobile number may be used for notification while its `_oppdatert` or its
//! `_sist_verifisert` date lies within the last 18 months; each channel ages on its own. A person may be notified
//! when they are `AKTIV`, not reserved, and have at least one usable channel.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::codes::{Lang, Reservasjon, Status, Varslingsstatus};
use super::person::{Kontaktinformasjon, Person, get};
use super::time::{Timestamp, eighteen_months_before};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Epost,
    Mobil,
}

impl Channel {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Channel::Epost => lang.pick("e-postadressen", "the e-mail address"),
            Channel::Mobil => lang.pick("mobilnummeret", "the mobile number"),
        }
    }
}

/// The state of one contact channel at `now`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelState {
    pub channel: Channel,
    /// The address or number is in the answer.
    pub present: bool,
    /// The later of `_oppdatert` and `_sist_verifisert`, when either parses.
    pub last_confirmed: Option<DateTime<Utc>>,
    /// Usable for notification by the 18-month rule; `None` when the answer carries no usable date.
    pub usable: Option<bool>,
}

/// May a channel last changed at `oppdatert` and last confirmed at `verifisert` be used at `now`?
pub fn channel_usable(
    oppdatert: Option<DateTime<Utc>>,
    verifisert: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    latest(oppdatert, verifisert).is_some_and(|t| t >= eighteen_months_before(now))
}

fn latest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    a.into_iter().chain(b).max()
}

fn utc(field: &Option<super::person::Lenient<Timestamp>>) -> Option<DateTime<Utc>> {
    get(field).and_then(Timestamp::utc)
}

/// Both channels of a `kontaktinformasjon` object at `now`.
pub fn channel_states(k: &Kontaktinformasjon, now: DateTime<Utc>) -> [ChannelState; 2] {
    let state = |channel, present: bool, oppdatert, verifisert| {
        let last_confirmed = latest(oppdatert, verifisert);
        ChannelState {
            channel,
            present,
            last_confirmed,
            usable: last_confirmed.map(|_| channel_usable(oppdatert, verifisert, now)),
        }
    };
    [
        state(
            Channel::Epost,
            k.epostadresse.is_some(),
            utc(&k.epostadresse_oppdatert),
            utc(&k.epostadresse_sist_verifisert),
        ),
        state(
            Channel::Mobil,
            k.mobiltelefonnummer.is_some(),
            utc(&k.mobiltelefonnummer_oppdatert),
            utc(&k.mobiltelefonnummer_sist_verifisert),
        ),
    ]
}

/// The varslingsstatus the register must give, from its inputs. Used by the emulator to compute it.
pub fn varslingsstatus_by_rule(
    status: Status,
    reservasjon: Option<Reservasjon>,
    usable_channels: usize,
) -> Varslingsstatus {
    if status == Status::Aktiv && reservasjon != Some(Reservasjon::Ja) && usable_channels > 0 {
        Varslingsstatus::KanVarsles
    } else {
        Varslingsstatus::KanIkkeVarsles
    }
}

/// What the rules say `varslingsstatus` should be for an answer, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectedVarsling {
    /// `None` when the answer does not carry enough to tell.
    pub expected: Option<Varslingsstatus>,
    pub reason: String,
}

pub fn expected_varslingsstatus(
    person: &Person,
    now: DateTime<Utc>,
    lang: Lang,
) -> ExpectedVarsling {
    let known = |v, reason: &str| ExpectedVarsling {
        expected: Some(v),
        reason: reason.to_owned(),
    };
    // Reservation alone decides, whatever else the answer says.
    if person.reservasjon() == Some(Reservasjon::Ja) {
        return known(
            Varslingsstatus::KanIkkeVarsles,
            lang.pick("personen er reservert", "the person is reserved"),
        );
    }
    match person.status() {
        Some(Status::Aktiv) => {}
        Some(Status::Slettet) => {
            return known(
                Varslingsstatus::KanIkkeVarsles,
                lang.pick("personen er slettet", "the person is deleted"),
            );
        }
        Some(Status::IkkeRegistrert) => {
            return known(
                Varslingsstatus::KanIkkeVarsles,
                lang.pick(
                    "personen er ikke registrert",
                    "the person is not registered",
                ),
            );
        }
        None => {
            return ExpectedVarsling {
                expected: None,
                reason: lang
                    .pick(
                        "status mangler eller er ukjent",
                        "status is missing or unknown",
                    )
                    .into(),
            };
        }
    }
    let Some(k) = person.kontaktinformasjon() else {
        return ExpectedVarsling {
            expected: None,
            reason: lang
                .pick(
                    "kontaktinformasjonen er ikke med i svaret (utelatt eller ikke omfattet av omfangene)",
                    "the contact info is not in the answer (left out, or not covered by the scopes)",
                )
                .into(),
        };
    };
    let states = channel_states(k, now);
    let usable: Vec<&ChannelState> = states
        .iter()
        .filter(|s| s.present && s.usable == Some(true))
        .collect();
    if let Some(first) = usable.first() {
        let reason = match lang {
            Lang::Nb => format!("{} er bekreftet innen 18 måneder", first.channel.name(lang)),
            Lang::En => format!(
                "{} was confirmed within 18 months",
                first.channel.name(lang)
            ),
        };
        return known(Varslingsstatus::KanVarsles, &reason);
    }
    let any_present = states.iter().any(|s| s.present);
    known(
        Varslingsstatus::KanIkkeVarsles,
        if any_present {
            lang.pick(
                "ingen kanal er bekreftet de siste 18 månedene",
                "no channel was confirmed within the last 18 months",
            )
        } else {
            lang.pick(
                "personen har verken e-post eller mobilnummer",
                "the person has neither e-mail nor mobile number",
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn documented_example_flips_with_the_clock() {
        let p = Person::from_json(
            r#"{"personidentifikator":"23079421936","reservasjon":"NEI","status":"AKTIV",
                "kontaktinformasjon":{"epostadresse":"23079421936-test@minid.norge.no",
                "epostadresse_oppdatert":"2010-12-16T13:32:05.000+01:00"}}"#,
        )
        .unwrap();
        let today = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        assert_eq!(
            expected_varslingsstatus(&p, today, Lang::En).expected,
            Some(Varslingsstatus::KanIkkeVarsles)
        );
        let in_2011 = Utc.with_ymd_and_hms(2011, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(
            expected_varslingsstatus(&p, in_2011, Lang::En).expected,
            Some(Varslingsstatus::KanVarsles)
        );
    }

    #[test]
    fn verification_renews_a_channel_and_channels_age_apart() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let old = Some(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
        let recent = Some(Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap());
        assert!(!channel_usable(old, None, now));
        assert!(channel_usable(old, recent, now));
        assert!(!channel_usable(None, None, now));
        // Exactly at the boundary is still within 18 months.
        assert!(channel_usable(Some(eighteen_months_before(now)), None, now));
    }

    #[test]
    fn reserved_or_deleted_cannot_be_notified() {
        assert_eq!(
            varslingsstatus_by_rule(Status::Aktiv, Some(Reservasjon::Ja), 2),
            Varslingsstatus::KanIkkeVarsles
        );
        assert_eq!(
            varslingsstatus_by_rule(Status::Slettet, None, 2),
            Varslingsstatus::KanIkkeVarsles
        );
        assert_eq!(
            varslingsstatus_by_rule(Status::Aktiv, Some(Reservasjon::Nei), 1),
            Varslingsstatus::KanVarsles
        );
        assert_eq!(
            varslingsstatus_by_rule(Status::Aktiv, Some(Reservasjon::Nei), 0),
            Varslingsstatus::KanIkkeVarsles
        );
    }
}
