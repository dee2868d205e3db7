//! Finding duplicate object members in JSON text. serde_json (like most parsers) keeps the last of two members of
//! the same name without a word; parsers disagree on which one counts, so a signed document with two
//! `reservasjon` members can mean different things to different readers. RFC 7515 §4 lets a JWS parser reject a
//! header with duplicates; RFC 8259 §4 says names SHOULD be unique.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The JSON Pointers (RFC 6901) of every member that repeats a name earlier in its object, in document order.
/// Empty for text that is not JSON (the caller reports that on its own).
pub fn duplicate_members(json: &[u8]) -> Vec<String> {
    let found = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(json);
    let _ = Walk {
        path: String::new(),
        found: &found,
    }
    .deserialize(&mut de);
    found.into_inner()
}

struct Walk<'a> {
    path: String,
    found: &'a RefCell<Vec<String>>,
}

fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0usize;
        while seq
            .next_element_seed(Walk {
                path: format!("{}/{n}", self.path),
                found: self.found,
            })?
            .is_some()
        {
            n += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            let path = format!("{}/{}", self.path, pointer_token(&name));
            if !seen.insert(name) {
                self.found.borrow_mut().push(path.clone());
            }
            map.next_value_seed(Walk {
                path,
                found: self.found,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_repeated_member_is_found_with_its_path() {
        assert_eq!(
            duplicate_members(br#"{"reservasjon":"JA","status":"AKTIV","reservasjon":"NEI"}"#),
            ["/reservasjon"]
        );
        assert_eq!(
            duplicate_members(
                br#"{"kontaktinformasjon":{"a/b":1,"a/b":2},"x":[{"k":1,"k":2,"k":3}]}"#
            ),
            ["/kontaktinformasjon/a~1b", "/x/0/k", "/x/0/k"]
        );
        assert!(duplicate_members(br#"{"a":{"a":1},"b":[1,{"a":2}]}"#).is_empty());
        assert!(duplicate_members(b"not json").is_empty());
    }
}
