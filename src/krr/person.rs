//! The /person answer as a serde model that never loses anything.
//!
//! Every documented field has a type, but each is wrapped in [`Lenient`]: a value of the wrong JSON type is kept
//! verbatim and flagged instead of failing the whole answer. Fields the model does not know are kept in `unknown`
//! and shown as unknown. Serialising a `Person` gives back what was received (up to key order and `null`s).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::codes::{Code, MailboxProvider, Reservasjon, Spraak, Status, Varslingsstatus};
use super::time::Timestamp;

/// A value as the model expects it, or whatever was received instead.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Lenient<T> {
    Ok(T),
    Malformed(Value),
}

impl<T> Lenient<T> {
    pub fn ok(&self) -> Option<&T> {
        match self {
            Lenient::Ok(v) => Some(v),
            Lenient::Malformed(_) => None,
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(match T::deserialize(&value) {
            Ok(v) => Lenient::Ok(v),
            Err(_) => Lenient::Malformed(value),
        })
    }
}

/// Shorthand for an optional, lenient field.
pub type Field<T> = Option<Lenient<T>>;

/// A member that is in the answer, even as `null`: kept (as malformed) rather than read as absent.
fn present<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Field<T>, D::Error> {
    Lenient::deserialize(d).map(Some)
}

/// Returns the well-typed value of a field, if it is present and well-typed.
pub fn get<T>(field: &Field<T>) -> Option<&T> {
    field.as_ref().and_then(Lenient::ok)
}

/// The answer of `GET /rest/v1/person`: the logged-in person's record, with the fields the token's scopes unlock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub personidentifikator: Field<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub reservasjon: Field<Code<Reservasjon>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub status: Field<Code<Status>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub varslingsstatus: Field<Code<Varslingsstatus>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub kontaktinformasjon: Field<Kontaktinformasjon>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub digital_post: Field<DigitalPost>,
    /// The person's X.509 encryption certificate, base64 DER without PEM armour.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub sertifikat: Field<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub spraak: Field<Code<Spraak>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub spraak_oppdatert: Field<Timestamp>,
    /// Newer Digdir field: when the person reserved themselves.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub reservasjonstidspunkt: Field<Timestamp>,
    /// Newer Digdir field: when the reservation was last changed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub reservasjon_oppdatert: Field<Timestamp>,
    /// Fields this model does not know, kept as received.
    #[serde(flatten)]
    pub unknown: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kontaktinformasjon {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epostadresse: Field<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epostadresse_oppdatert: Field<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epostadresse_sist_verifisert: Field<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epostadresse_sist_validert: Field<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epostadresse_duplisert: Field<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub mobiltelefonnummer: Field<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub mobiltelefonnummer_oppdatert: Field<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub mobiltelefonnummer_sist_verifisert: Field<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub mobiltelefonnummer_sist_validert: Field<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub mobiltelefonnummer_duplisert: Field<Value>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DigitalPost {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub postkasseadresse: Field<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub postkasseleverandoeradresse: Field<Code<MailboxProvider>>,
    #[serde(flatten)]
    pub unknown: BTreeMap<String, Value>,
}

/// Why a body could not be read as a person at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PersonError {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error(
        "the answer is JSON but not an object (it is {0}); KRR answers /person with one JSON object"
    )]
    NotAnObject(&'static str),
}

impl Person {
    /// Reads a person from JSON text. Fails only when the text is not a JSON object.
    pub fn from_json(text: &str) -> Result<Person, PersonError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| PersonError::NotJson(e.to_string()))?;
        Person::from_value(value)
    }

    /// Reads a person from a JSON value. Every object is a person (maybe an odd one); anything else is an error.
    pub fn from_value(value: Value) -> Result<Person, PersonError> {
        if !value.is_object() {
            return Err(PersonError::NotAnObject(json_type_name(
                &value,
                super::codes::Lang::En,
            )));
        }
        // Cannot fail for an object: every known field is Lenient and unknown ones land in the flattened map.
        serde_json::from_value(value).map_err(|e| PersonError::NotJson(e.to_string()))
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn status(&self) -> Option<Status> {
        get(&self.status).and_then(Code::known)
    }

    pub fn reservasjon(&self) -> Option<Reservasjon> {
        get(&self.reservasjon).and_then(Code::known)
    }

    pub fn varslingsstatus(&self) -> Option<Varslingsstatus> {
        get(&self.varslingsstatus).and_then(Code::known)
    }

    pub fn kontaktinformasjon(&self) -> Option<&Kontaktinformasjon> {
        get(&self.kontaktinformasjon)
    }

    pub fn digital_post(&self) -> Option<&DigitalPost> {
        get(&self.digital_post)
    }
}

pub use crate::lang::json_type_name;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC_EXAMPLE: &str = r#"{
        "personidentifikator": "23079421936",
        "reservasjon": "NEI",
        "status": "AKTIV",
        "varslingsstatus": "KAN_IKKE_VARSLES",
        "kontaktinformasjon": {
            "epostadresse": "23079421936-test@minid.norge.no",
            "epostadresse_oppdatert": "2010-12-16T13:32:05.000+01:00"
        }
    }"#;

    #[test]
    fn documented_example_reads() {
        let p = Person::from_json(DOC_EXAMPLE).unwrap();
        assert_eq!(get(&p.personidentifikator).unwrap(), "23079421936");
        assert_eq!(p.status(), Some(Status::Aktiv));
        let k = p.kontaktinformasjon().unwrap();
        assert_eq!(
            get(&k.epostadresse).unwrap(),
            "23079421936-test@minid.norge.no"
        );
        assert!(get(&k.epostadresse_oppdatert).unwrap().parsed().is_some());
        assert!(p.unknown.is_empty());
    }

    #[test]
    fn unknown_and_malformed_are_kept_not_dropped() {
        let v = json!({
            "personidentifikator": 23079421936u64,
            "status": "AKTIV",
            "nytt_felt": {"a": 1},
            "kontaktinformasjon": {"epostadresse": "x@y.no", "ekstra": true, "mobiltelefonnummer_oppdatert": 5},
            "digital_post": "not an object"
        });
        let p = Person::from_value(v.clone()).unwrap();
        assert_eq!(
            p.personidentifikator,
            Some(Lenient::Malformed(json!(23079421936u64)))
        );
        assert_eq!(p.unknown.get("nytt_felt"), Some(&json!({"a": 1})));
        let k = p.kontaktinformasjon().unwrap();
        assert_eq!(k.unknown.get("ekstra"), Some(&json!(true)));
        assert_eq!(
            k.mobiltelefonnummer_oppdatert,
            Some(Lenient::Malformed(json!(5)))
        );
        assert_eq!(
            p.digital_post,
            Some(Lenient::Malformed(json!("not an object")))
        );
        assert_eq!(p.to_value(), v, "serialising gives back what was received");
    }

    #[test]
    fn non_objects_are_refused_with_a_reason() {
        assert_eq!(
            Person::from_json("[1]"),
            Err(PersonError::NotAnObject("an array"))
        );
        assert!(matches!(
            Person::from_json("{\"a\":"),
            Err(PersonError::NotJson(_))
        ));
    }
}
