//! OAuth scopes for the /person endpoint in its two dialects, which fields each scope unlocks, and the check of an
//! answer against the scopes that were granted.
//!
//! Field groups are named by their top-level key in the answer (`kontaktinformasjon`, `digital_post`, ...).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::codes::{Lang, Status, Varslingsstatus};
use super::person::Person;

/// The two generations of scope names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeDialect {
    /// Difi's original `user/*.read` scopes.
    Difi,
    /// Digdir's current `krr:user/*` scopes.
    Digdir,
}

impl ScopeDialect {
    pub fn label(self) -> &'static str {
        match self {
            ScopeDialect::Difi => "Difi (user/*)",
            ScopeDialect::Digdir => "Digdir (krr:user/*)",
        }
    }
}

/// One scope a client may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScopeInfo {
    pub name: &'static str,
    /// `None` for the OpenID Connect scopes shared by both dialects.
    pub dialect: Option<ScopeDialect>,
    /// Top-level fields of the answer this scope unlocks.
    pub unlocks: &'static [&'static str],
    /// Reads /person (as opposed to writing, or plain OpenID Connect).
    pub read: bool,
    #[serde(skip)]
    description: (&'static str, &'static str),
}

impl ScopeInfo {
    pub fn description(&self, lang: Lang) -> &'static str {
        lang.pick(self.description.0, self.description.1)
    }
}

const KONTAKT: &[&str] = &["kontaktinformasjon"];
const SPRAAK: &[&str] = &["spraak", "spraak_oppdatert"];

/// Every scope this tool knows, in the order a checklist shows them.
pub const SCOPES: &[ScopeInfo] = &[
    ScopeInfo {
        name: "openid",
        dialect: None,
        unlocks: &[],
        read: false,
        description: (
            "innlogging med OpenID Connect (id_token)",
            "OpenID Connect login (id_token)",
        ),
    },
    ScopeInfo {
        name: "profile",
        dialect: None,
        unlocks: &[],
        read: false,
        description: (
            "grunnleggende profil (pid, locale) i userinfo",
            "basic profile (pid, locale) from userinfo",
        ),
    },
    ScopeInfo {
        name: "user/kontaktinformasjon.read",
        dialect: Some(ScopeDialect::Difi),
        unlocks: KONTAKT,
        read: true,
        description: (
            "e-postadresse og mobilnummer med datoer",
            "e-mail and mobile number with their dates",
        ),
    },
    ScopeInfo {
        name: "user/varslingsstatus.read",
        dialect: Some(ScopeDialect::Difi),
        unlocks: &["varslingsstatus"],
        read: true,
        description: (
            "om personen kan varsles",
            "whether the person may be notified",
        ),
    },
    ScopeInfo {
        name: "user/sikkerdigitalpost.read",
        dialect: Some(ScopeDialect::Difi),
        unlocks: &["digital_post"],
        read: true,
        description: (
            "digital postkasse og leverandør",
            "digital mailbox address and provider",
        ),
    },
    ScopeInfo {
        name: "user/sertifikat.read",
        dialect: Some(ScopeDialect::Difi),
        unlocks: &["sertifikat"],
        read: true,
        description: (
            "krypteringssertifikat for digital post",
            "encryption certificate for digital post",
        ),
    },
    ScopeInfo {
        name: "user/spraak.read",
        dialect: Some(ScopeDialect::Difi),
        unlocks: SPRAAK,
        read: true,
        description: ("foretrukket språk", "preferred language"),
    },
    ScopeInfo {
        name: "user/spraak.write",
        dialect: Some(ScopeDialect::Difi),
        unlocks: &[],
        read: false,
        description: (
            "endre foretrukket språk (PATCH)",
            "change the preferred language (PATCH)",
        ),
    },
    ScopeInfo {
        name: "krr:user/kontaktinformasjon.read",
        dialect: Some(ScopeDialect::Digdir),
        unlocks: &[
            "kontaktinformasjon",
            "varslingsstatus",
            "spraak",
            "spraak_oppdatert",
        ],
        read: true,
        description: (
            "kontaktinformasjon, varslingsstatus og språk",
            "contact info, notification status and language",
        ),
    },
    ScopeInfo {
        name: "krr:user/digitalpost.read",
        dialect: Some(ScopeDialect::Digdir),
        unlocks: &["digital_post", "sertifikat"],
        read: true,
        description: (
            "digital postkasse og krypteringssertifikat",
            "digital mailbox and encryption certificate",
        ),
    },
    ScopeInfo {
        name: "krr:user/spraak.write",
        dialect: Some(ScopeDialect::Digdir),
        unlocks: &[],
        read: false,
        description: (
            "endre foretrukket språk (PATCH)",
            "change the preferred language (PATCH)",
        ),
    },
];

/// Fields every answer carries, whatever the scopes (the newer reservation dates ride along with `reservasjon`).
pub const ALWAYS_PRESENT: &[&str] = &[
    "personidentifikator",
    "reservasjon",
    "status",
    "reservasjonstidspunkt",
    "reservasjon_oppdatert",
];

/// Top-level fields that appear only when a read scope unlocks them.
pub const SCOPED_FIELDS: &[&str] = &[
    "kontaktinformasjon",
    "varslingsstatus",
    "digital_post",
    "sertifikat",
    "spraak",
    "spraak_oppdatert",
];

/// Whether a scope lets the token change the record (`PATCH`), in either dialect.
pub fn is_write_scope(name: &str) -> bool {
    scope_info(name).is_some_and(|i| !i.read && i.name.contains(".write"))
}

/// The scope that lets a token change the person's language in a dialect.
pub fn write_scope(dialect: ScopeDialect) -> &'static str {
    match dialect {
        ScopeDialect::Digdir => "krr:user/spraak.write",
        ScopeDialect::Difi => "user/spraak.write",
    }
}

pub fn scope_info(name: &str) -> Option<&'static ScopeInfo> {
    SCOPES.iter().find(|s| s.name == name)
}

/// The read scopes of a dialect, in checklist order.
pub fn read_scopes(dialect: ScopeDialect) -> Vec<&'static ScopeInfo> {
    SCOPES
        .iter()
        .filter(|s| s.read && s.dialect == Some(dialect))
        .collect()
}

/// The scopes a checklist offers for a dialect: OpenID Connect ones, then the dialect's own.
pub fn checklist(dialect: ScopeDialect) -> Vec<&'static ScopeInfo> {
    SCOPES
        .iter()
        .filter(|s| s.dialect.is_none() || s.dialect == Some(dialect))
        .collect()
}

/// The dialect a list of scopes is written in, if it uses one.
pub fn dialect_of<S: AsRef<str>>(scopes: &[S]) -> Option<ScopeDialect> {
    scopes
        .iter()
        .find_map(|s| scope_info(s.as_ref()).and_then(|i| i.dialect))
}

/// Top-level fields unlocked by a set of granted scopes (unknown scopes unlock nothing).
pub fn fields_unlocked<S: AsRef<str>>(granted: &[S]) -> BTreeSet<&'static str> {
    granted
        .iter()
        .filter_map(|s| scope_info(s.as_ref()))
        .flat_map(|s| s.unlocks.iter().copied())
        .collect()
}

/// Splits a space-separated `scope` string as OAuth sends it.
pub fn split_scope_string(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_owned).collect()
}

/// The answer compared with what the granted scopes should give.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ScopeCheck {
    pub granted: Vec<String>,
    /// Fields that must be there for these scopes and this person, but are not.
    pub missing: Vec<ScopeFinding>,
    /// Fields a granted scope unlocks that are absent for a reason the register documents.
    pub absent_allowed: Vec<ScopeFinding>,
    /// Fields present that no granted scope unlocks.
    pub unexpected: Vec<ScopeFinding>,
    /// Granted scopes this tool does not know.
    pub unknown_scopes: Vec<String>,
}

impl ScopeCheck {
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ScopeFinding {
    pub field: String,
    /// The scope that unlocks it, if any.
    pub scope: Option<String>,
    pub message: String,
}

/// Compares the fields present in `person` with what `granted` should give.
pub fn scope_check<S: AsRef<str>>(granted: &[S], person: &Person, lang: Lang) -> ScopeCheck {
    let granted: Vec<String> = granted.iter().map(|s| s.as_ref().to_owned()).collect();
    let unlocked = fields_unlocked(&granted);
    let present = present_top_level_fields(person);
    let scope_for = |field: &str| -> Option<String> {
        granted
            .iter()
            .find(|g| scope_info(g).is_some_and(|i| i.unlocks.contains(&field)))
            .cloned()
    };
    let mut check = ScopeCheck {
        unknown_scopes: granted
            .iter()
            .filter(|g| scope_info(g).is_none())
            .cloned()
            .collect(),
        ..ScopeCheck::default()
    };

    let deleted = person.status() == Some(Status::Slettet);
    for field in ["personidentifikator", "status", "reservasjon"] {
        if present.contains(field) || (field == "reservasjon" && deleted) {
            continue;
        }
        check.missing.push(ScopeFinding {
            field: field.into(),
            scope: None,
            message: match lang {
                Lang::Nb => format!("{field} skal alltid være med i svaret, men mangler"),
                Lang::En => format!("{field} is always part of the answer, but is missing"),
            },
        });
    }

    for field in SCOPED_FIELDS {
        let is_present = present.contains(*field);
        match (unlocked.contains(field), is_present) {
            (true, false) => {
                let scope = scope_for(field);
                let scope_name = scope.clone().unwrap_or_default();
                match absence_reason(field, person, lang) {
                    Some(reason) => check.absent_allowed.push(ScopeFinding {
                        field: (*field).into(),
                        scope,
                        message: match lang {
                            Lang::Nb => format!("{field} (fra {scope_name}) mangler: {reason}"),
                            Lang::En => {
                                format!("{field} (from {scope_name}) is absent: {reason}")
                            }
                        },
                    }),
                    None => check.missing.push(ScopeFinding {
                        field: (*field).into(),
                        scope,
                        message: match lang {
                            Lang::Nb => {
                                format!("{field} er forventet for {scope_name}, men mangler")
                            }
                            Lang::En => {
                                format!("{field} expected for {scope_name} but missing")
                            }
                        },
                    }),
                }
            }
            (false, true) => check.unexpected.push(ScopeFinding {
                field: (*field).into(),
                scope: None,
                message: match lang {
                    Lang::Nb => format!(
                        "{field} er med, men ingen av de innvilgede omfangene gir tilgang til det"
                    ),
                    Lang::En => {
                        format!("{field} is present, but none of the granted scopes unlocks it")
                    }
                },
            }),
            _ => {}
        }
    }
    check.granted = granted;
    check
}

/// The top-level keys of the answer that carry a value.
fn present_top_level_fields(person: &Person) -> BTreeSet<String> {
    match person.to_value() {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k)
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// Why a field a scope unlocks may rightly be absent for this person, or `None` when it should be there.
fn absence_reason(field: &str, person: &Person, lang: Lang) -> Option<String> {
    let status = person.status();
    if matches!(status, Some(Status::Slettet | Status::IkkeRegistrert))
        && field != "varslingsstatus"
    {
        let code = status.map(super::codes::CodeList::code).unwrap_or_default();
        return Some(match lang {
            Lang::Nb => {
                format!("status {code} gir ingen kontaktinformasjon, postkasse eller sertifikat")
            }
            Lang::En => format!("status {code} carries no contact info, mailbox or certificate"),
        });
    }
    let filtered = person.varslingsstatus() == Some(Varslingsstatus::KanIkkeVarsles);
    if filtered && matches!(field, "kontaktinformasjon" | "digital_post" | "sertifikat") {
        return Some(
            lang.pick(
                "varslingsstatus KAN_IKKE_VARSLES: registeret utelater kontaktinformasjon, postkasse og sertifikat",
                "varslingsstatus KAN_IKKE_VARSLES: the register leaves out contact info, mailbox and certificate",
            )
            .into(),
        );
    }
    match field {
        "varslingsstatus" => None,
        "spraak_oppdatert" => Some(
            lang.pick("språket er aldri endret", "the language was never changed")
                .into(),
        ),
        _ => Some(
            lang.pick(
                "personen har ikke registrert dette",
                "the person has not registered any",
            )
            .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(json: &str) -> Person {
        Person::from_json(json).unwrap()
    }

    #[test]
    fn digdir_contact_scope_unlocks_three_groups() {
        let f = fields_unlocked(&["openid", "krr:user/kontaktinformasjon.read"]);
        assert_eq!(
            f.into_iter().collect::<Vec<_>>(),
            [
                "kontaktinformasjon",
                "spraak",
                "spraak_oppdatert",
                "varslingsstatus"
            ]
        );
        assert_eq!(read_scopes(ScopeDialect::Difi).len(), 5);
        assert_eq!(read_scopes(ScopeDialect::Digdir).len(), 2);
        assert_eq!(
            dialect_of(&["openid", "user/sertifikat.read"]),
            Some(ScopeDialect::Difi)
        );
    }

    #[test]
    fn missing_varslingsstatus_is_reported_against_its_scope() {
        let p =
            person(r#"{"personidentifikator":"27129324169","reservasjon":"NEI","status":"AKTIV"}"#);
        let c = scope_check(&["user/varslingsstatus.read"], &p, Lang::En);
        assert_eq!(c.missing.len(), 1);
        assert_eq!(
            c.missing[0].message,
            "varslingsstatus expected for user/varslingsstatus.read but missing"
        );
        assert!(!c.is_consistent());
    }

    #[test]
    fn unexpected_and_allowed_absences() {
        let p = person(
            r#"{"personidentifikator":"27129323960","status":"SLETTET","varslingsstatus":"KAN_IKKE_VARSLES","sertifikat":"AAAA"}"#,
        );
        let c = scope_check(
            &["user/varslingsstatus.read", "user/kontaktinformasjon.read"],
            &p,
            Lang::En,
        );
        assert!(c.missing.is_empty(), "{:?}", c.missing);
        assert_eq!(c.unexpected.len(), 1);
        assert_eq!(c.unexpected[0].field, "sertifikat");
        assert!(
            c.absent_allowed[0].message.contains("status SLETTET"),
            "{:?}",
            c.absent_allowed
        );
    }

    #[test]
    fn unknown_scopes_are_listed() {
        let p = person(r#"{"personidentifikator":"1","reservasjon":"NEI","status":"AKTIV"}"#);
        let c = scope_check(&["openid", "krr:user/ukjent"], &p, Lang::En);
        assert_eq!(c.unknown_scopes, ["krr:user/ukjent"]);
        assert!(c.is_consistent());
    }
}
