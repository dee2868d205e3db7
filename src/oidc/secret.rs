//! A secret (token, code, client secret) whose `Debug`, `Display` and serialisation never show it.

use std::fmt;

use serde::{Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret {
    value: String,
    /// For a secret read back from a saved report: the value is gone, its length is all that was kept.
    saved_len: Option<usize>,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret {
            value: value.into(),
            saved_len: None,
        }
    }

    /// The value itself: only for sending it where it belongs, or when the user asks to see it.
    /// Empty for a secret read back from a saved report.
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// False for a secret read back from a saved report: only its length is known.
    pub fn is_available(&self) -> bool {
        self.saved_len.is_none()
    }

    /// What the UI shows before "show": the length only.
    /// `redacted` in `lang`, for the app.
    pub fn redacted_in(&self, lang: crate::lang::Lang) -> String {
        let n = self.saved_len.unwrap_or_else(|| self.value.chars().count());
        match lang {
            crate::lang::Lang::En => format!(
                "[redacted, {}]",
                lang.count(n, ("", ""), ("character", "characters"))
            ),
            crate::lang::Lang::Nb => format!("[skjult, {n} tegn]"),
        }
    }

    pub fn redacted(&self) -> String {
        format!(
            "[redacted, {} characters]",
            self.saved_len.unwrap_or_else(|| self.value.chars().count())
        )
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    /// Reads the redacted form a report holds; never a real secret (a report never has one).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        let len = text
            .strip_prefix("[redacted, ")
            .and_then(|r| r.strip_suffix(" characters]"))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                serde::de::Error::custom("a saved report holds secrets only in redacted form")
            })?;
        Ok(Secret {
            value: String::new(),
            saved_len: Some(len),
        })
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shown_by_accident() {
        let s = Secret::new("eyJhbGciOiJSUzI1NiJ9.secret.sig");
        assert_eq!(format!("{s} {s:?}"), "[redacted] Secret([redacted])");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"[redacted, 31 characters]\""
        );
        assert_eq!(s.expose(), "eyJhbGciOiJSUzI1NiJ9.secret.sig");
        let back: Secret = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(
            (back.expose(), back.redacted(), back.is_available()),
            ("", s.redacted(), false)
        );
        assert!(
            serde_json::from_str::<Secret>("\"eyJhbGciOiJSUzI1NiJ9.secret.sig\"").is_err(),
            "a real token is refused"
        );
    }
}
