//! A secret (token, code, client secret) whose `Debug`, `Display` and serialisation never show it.

use std::fmt;

use serde::{Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself: only for sending it where it belongs, or when the user asks to see it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What the UI shows before "show": the length only.
    pub fn redacted(&self) -> String {
        format!("[redacted, {} characters]", self.0.chars().count())
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
    }
}
