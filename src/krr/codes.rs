//! The register's code lists, each code with its meaning in Bokmål and English.
//!
//! A code that is not in a list is kept verbatim as [`Code::Unknown`] and shown as unknown: KRR adds codes over
//! time, and an inspector must show what it got rather than refuse it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::lang::Lang;

/// A closed list of codes, each with an explanation in both languages.
pub trait CodeList: Sized + Copy + PartialEq + fmt::Debug + 'static {
    /// The field name the code list belongs to, as the register spells it.
    const FIELD: &'static str;
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn meaning(self, lang: Lang) -> &'static str;
    fn from_code(code: &str) -> Option<Self> {
        Self::all().iter().copied().find(|c| c.code() == code)
    }
}

macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident, $field:literal {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal => ($nb:literal, $en:literal)),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl CodeList for $name {
            const FIELD: &'static str = $field;
            fn all() -> &'static [Self] { &[$($name::$variant),+] }
            fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            fn meaning(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($nb, $en)),+ }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }
    };
}

code_list!(
    /// `status`: the person's standing in the register.
    Status, "status" {
        Aktiv = "AKTIV" => (
            "personen er registrert i registeret; alle felt omfangene gir tilgang til, blir levert",
            "the person is in the register; all fields the scopes allow are delivered"),
        Slettet = "SLETTET" => (
            "personen er slettet fra registeret; ingen kontaktinformasjon, postkasse eller sertifikat",
            "the person has been deleted from the register; no contact info, mailbox or certificate"),
        IkkeRegistrert = "IKKE_REGISTRERT" => (
            "personen er ikke registrert i registeret; ingen kontaktinformasjon, postkasse eller sertifikat",
            "the person is not in the register; no contact info, mailbox or certificate"),
    }
);

code_list!(
    /// `reservasjon`: opt-out from digital communication with the public sector (eForvaltningsforskriften).
    Reservasjon, "reservasjon" {
        Ja = "JA" => (
            "personen har reservert seg mot digital kommunikasjon fra det offentlige",
            "the person has opted out of digital communication from the public sector"),
        Nei = "NEI" => (
            "personen har ikke reservert seg; digital kommunikasjon kan brukes",
            "the person has not opted out; digital communication may be used"),
    }
);

code_list!(
    /// `varslingsstatus`: may the contact info be used for notification (eForvaltningsforskriften §32).
    Varslingsstatus, "varslingsstatus" {
        KanVarsles = "KAN_VARSLES" => (
            "kontaktinformasjonen er oppdatert; personen kan varsles",
            "the contact info is current; the person may be notified"),
        KanIkkeVarsles = "KAN_IKKE_VARSLES" => (
            "kontaktinformasjonen er utdatert, eller personen er reservert, slettet eller ikke registrert",
            "the contact info is outdated, or the person is reserved, deleted or not registered"),
    }
);

code_list!(
    /// `spraak`: the person's preferred language.
    Spraak, "spraak" {
        Nb = "nb" => ("bokmål", "Norwegian Bokmål"),
        Nn = "nn" => ("nynorsk", "Norwegian Nynorsk"),
        En = "en" => ("engelsk", "English"),
        Se = "se" => ("nordsamisk", "Northern Sami"),
    }
);

code_list!(
    /// `digital_post.postkasseleverandoeradresse`: organisation numbers of the known digital mailbox providers.
    MailboxProvider, "postkasseleverandoeradresse" {
        Digipost = "984661185" => ("Digipost (Posten Norge)", "Digipost (Posten Norge)"),
        EBoks = "922020175" => ("e-Boks", "e-Boks"),
        /// The organisation number e-Boks used before 2019.
        EBoksOld = "996460320" => ("e-Boks (eldre organisasjonsnummer)", "e-Boks (older organisation number)"),
    }
);

/// A code as received: one from the list, or an unknown one kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code<T> {
    Known(T),
    Unknown(String),
}

impl<T: CodeList> Code<T> {
    pub fn parse(code: &str) -> Self {
        T::from_code(code).map_or_else(|| Code::Unknown(code.to_owned()), Code::Known)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Code::Known(c) => c.code(),
            Code::Unknown(s) => s,
        }
    }

    pub fn known(&self) -> Option<T> {
        match self {
            Code::Known(c) => Some(*c),
            Code::Unknown(_) => None,
        }
    }

    pub fn is(&self, code: T) -> bool {
        self.known() == Some(code)
    }

    /// What this value means, or why it is not understood.
    pub fn meaning(&self, lang: Lang) -> String {
        match self {
            Code::Known(c) => c.meaning(lang).to_owned(),
            Code::Unknown(s) => {
                let known: Vec<&str> = T::all().iter().map(|c| c.code()).collect();
                match lang {
                    Lang::Nb => format!(
                        "ukjent kode «{s}» for {}: ikke i den dokumenterte kodelisten ({})",
                        T::FIELD,
                        known.join(", ")
                    ),
                    Lang::En => format!(
                        "unknown code '{s}' for {}: not in the documented code list ({})",
                        T::FIELD,
                        known.join(", ")
                    ),
                }
            }
        }
    }
}

impl<T: CodeList> From<T> for Code<T> {
    fn from(value: T) -> Self {
        Code::Known(value)
    }
}

impl<T: CodeList> Serialize for Code<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de, T: CodeList> Deserialize<'de> for Code<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(Code::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_complete<T: CodeList>() {
        for code in T::all() {
            for lang in Lang::ALL {
                assert!(
                    !code.meaning(lang).is_empty(),
                    "{:?} has no {lang} text",
                    code
                );
            }
            assert_eq!(T::from_code(code.code()), Some(*code));
        }
    }

    #[test]
    fn every_code_has_both_languages() {
        assert_complete::<Status>();
        assert_complete::<Reservasjon>();
        assert_complete::<Varslingsstatus>();
        assert_complete::<Spraak>();
        assert_complete::<MailboxProvider>();
        assert_ne!(
            Status::Aktiv.meaning(Lang::Nb),
            Status::Aktiv.meaning(Lang::En)
        );
    }

    #[test]
    fn unknown_code_is_kept_and_named() {
        let c: Code<Status> = serde_json::from_str("\"MIDLERTIDIG\"").unwrap();
        assert_eq!(c, Code::Unknown("MIDLERTIDIG".into()));
        assert!(
            c.meaning(Lang::En)
                .contains("unknown code 'MIDLERTIDIG' for status")
        );
        assert!(
            c.meaning(Lang::En)
                .contains("AKTIV, SLETTET, IKKE_REGISTRERT")
        );
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"MIDLERTIDIG\"");
    }

    #[test]
    fn known_codes_round_trip() {
        let c: Code<Varslingsstatus> = serde_json::from_str("\"KAN_IKKE_VARSLES\"").unwrap();
        assert!(c.is(Varslingsstatus::KanIkkeVarsles));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"KAN_IKKE_VARSLES\"");
        assert_eq!(
            Code::<MailboxProvider>::parse("984661185").meaning(Lang::En),
            "Digipost (Posten Norge)"
        );
    }
}
