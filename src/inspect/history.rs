//! The lookups of a session, newest first; optionally kept between launches in a file (never with tokens: an
//! inspection holds them only in redacted form).

use std::sync::Arc;

use serde_json::Value;

use super::lookup::Inspection;

/// Most lookups kept.
pub const MAX_ENTRIES: usize = 200;

#[derive(Clone, Debug)]
pub struct Entry {
    pub inspection: Arc<Inspection>,
}

impl Entry {
    pub fn person(&self) -> Option<&str> {
        self.inspection
            .body
            .as_ref()
            .and_then(|b| b.person.get("personidentifikator"))
            .and_then(Value::as_str)
    }

    pub fn verdict(&self) -> String {
        match (&self.inspection.error, &self.inspection.body) {
            (_, Some(b)) => b.verdict().label().to_owned(),
            (Some(e), None) => e.kind.clone(),
            (None, None) => "-".into(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct History {
    pub entries: Vec<Entry>,
}

/// A history file whose contents are not a list of inspections.
#[derive(Debug, thiserror::Error)]
#[error("the history file cannot be read: {0}")]
pub struct HistoryError(#[source] pub serde_json::Error);

impl History {
    pub fn push(&mut self, i: Arc<Inspection>) {
        self.entries.insert(0, Entry { inspection: i });
        self.entries.truncate(MAX_ENTRIES);
    }

    /// The history as JSON (an array of inspections, newest first).
    pub fn to_json(&self) -> String {
        let list: Vec<&Inspection> = self.entries.iter().map(|e| e.inspection.as_ref()).collect();
        serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
    }

    pub fn from_json(text: &str) -> Result<History, HistoryError> {
        let list: Vec<Inspection> = serde_json::from_str(text).map_err(HistoryError)?;
        Ok(History {
            entries: list
                .into_iter()
                .take(MAX_ENTRIES)
                .map(|i| Entry {
                    inspection: Arc::new(i),
                })
                .collect(),
        })
    }
}
