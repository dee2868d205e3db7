//! The bottom room for words every other room needs: the two languages of the program's texts (Bokmål and
//! English) and the names of JSON types in them. It imports nothing of ours.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The language explanations are given in. Nynorsk and Sami users get Bokmål (the register's own texts exist in
/// Bokmål and English only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nb,
    #[default]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    /// Picks the text for this language.
    pub fn pick<'a>(self, nb: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Nb => nb,
            Lang::En => en,
        }
    }

    /// `n` with its noun in the right number: "1 field", "2 fields"; "1 felt", "2 felt". The nouns are given as
    /// (singular, plural) for Bokmål and English.
    pub fn count(self, n: usize, nb: (&str, &str), en: (&str, &str)) -> String {
        let (one, many) = match self {
            Lang::Nb => nb,
            Lang::En => en,
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }
}

/// A language the explanations are not given in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown language '{0}': use nb or en")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nb" | "no" | "nn" | "se" | "nob" | "norsk" => Ok(Lang::Nb),
            "en" | "eng" | "english" => Ok(Lang::En),
            other => Err(UnknownLang(other.to_owned())),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// "a string", "a number", ...: for messages about values of the wrong type.
pub fn json_type_name(value: &Value, lang: Lang) -> &'static str {
    let (nb, en) = match value {
        Value::Null => ("null", "null"),
        Value::Bool(_) => ("en sannhetsverdi", "a boolean"),
        Value::Number(_) => ("et tall", "a number"),
        Value::String(_) => ("en tekst", "a string"),
        Value::Array(_) => ("en liste", "an array"),
        Value::Object(_) => ("et objekt", "an object"),
    };
    lang.pick(nb, en)
}

/// `s` with its first letter upper case, as a sentence starts (messages built from parts start lower case).
pub fn sentence_case(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_real_plurals() {
        let field = |lang: Lang, n| lang.count(n, ("felt", "felt"), ("field", "fields"));
        assert_eq!(field(Lang::En, 1), "1 field");
        assert_eq!(field(Lang::En, 0), "0 fields");
        assert_eq!(field(Lang::En, 2), "2 fields");
        assert_eq!(field(Lang::Nb, 1), "1 felt");
        assert_eq!(
            Lang::Nb.count(3, ("nøkkel", "nøkler"), ("key", "keys")),
            "3 nøkler"
        );
    }
}
