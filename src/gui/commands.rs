//! What views and shortcuts ask the app to do. They push commands while drawing; the app runs them after `ui()`
//! (rerun's command sender). This is the one app type views import: they never see `InspectorApp`.

use std::path::PathBuf;
use std::sync::Arc;

use super::settings::ThemeChoice;
use crate::inspect::Inspection;
use crate::krr::Spraak;
use crate::oidc::BrowserChoice;

#[must_use = "a command does nothing until it is pushed to `Commands`"]
#[derive(Debug)]
pub enum Command {
    /// "Log in and look up" with the current choices (Ctrl+Enter).
    StartLookup,
    /// "Log in as another person": the lookup with `prompt=login`, so the provider asks who logs in even while its
    /// single sign-on session remembers the last person.
    StartLookupAsAnotherPerson,
    /// Log in and look up again with another browser (after the chosen one failed); the choice is kept.
    RetryWithBrowser(BrowserChoice),
    /// Stop the lookup that waits or runs (Esc).
    Cancel,
    /// Run the scope matrix with the current choices.
    StartMatrix,
    /// Check the setup (`doctor`) for the current choices.
    CheckSetup,
    /// Change the preferred language of the person in the current result, with its access token.
    ChangeLanguage {
        spraak: Spraak,
    },
    /// Write text the user exported to a file.
    Save {
        path: PathBuf,
        contents: String,
    },
    /// Read a saved inspection (JSON) and show it.
    OpenFile {
        path: PathBuf,
    },
    /// Show an inspection from the history or the matrix as the current result.
    OpenInspection(Arc<Inspection>),
    /// Show a message in the status line (it clears on the next action or environment change).
    Say(Status),
    /// Ask before doing something that cannot be taken back (a modal); `Confirmed` when the user agrees.
    Ask(Confirm),
    Confirmed(Confirm),
    /// Keep the history between launches (load the file) or not (delete it).
    SetKeepHistory(bool),
    SetTheme(ThemeChoice),
}

/// Something that went wrong, said to the user in their language: the app shows it and never matches on it.
/// The library's typed errors become one at the app's edge (`Notice::of`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice(pub String);

impl Notice {
    pub fn of(e: impl std::fmt::Display) -> Notice {
        Notice(e.to_string())
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Notice {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Notice {
    fn from(s: String) -> Notice {
        Notice(s)
    }
}

impl From<&str> for Notice {
    fn from(s: &str) -> Notice {
        Notice(s.to_owned())
    }
}

/// The commands of one frame, in the order they were pushed.
#[derive(Debug, Default)]
pub struct Commands(Vec<Command>);

impl Commands {
    pub fn push(&mut self, command: Command) {
        self.0.push(command);
    }

    pub fn take(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.0)
    }
}

/// A message in the status line at the bottom: the one place results of actions are said, so none pushes the
/// layout; it clears on the next action or environment change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Done,
    Warning,
    Error,
}

impl Status {
    pub fn done(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Done,
        }
    }

    pub fn warning(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Warning,
        }
    }

    pub fn error(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Error,
        }
    }
}

/// What is asked before it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// Copy a curl command holding the live access token (it acts as the person until it expires).
    CopyRealToken,
    /// PATCH the person's preferred language (a real change; on production, a real person's).
    ChangeLanguage { spraak: Spraak },
}
