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
    /// Do this with the session of the current result (the Tokens tab's buttons).
    Session(crate::inspect::session::Action),
    /// Write text the user exported to a path typed in a field (asked about first when the path exists).
    Save {
        path: PathBuf,
        contents: String,
    },
    /// Ask where with the system's Save dialog (which asks itself before replacing a file), then write.
    SaveAs {
        suggested: String,
        contents: SaveContents,
    },
    /// Write where a Save dialog said (it asked before replacing a file).
    Write {
        path: PathBuf,
        contents: String,
    },
    /// Open a file (a saved inspection, a JWS or a JSON answer) and show it.
    OpenFile {
        path: PathBuf,
    },
    /// Ask which file with the system's Open dialog, then open it.
    OpenDialog,
    /// Show an inspection from the history or the matrix as the current result.
    OpenInspection(Arc<Inspection>),
    /// Show a message in the status line (it clears on the next action or environment change).
    Say(Status),
    /// Ask before doing something that cannot be taken back (a modal); `Confirmed` when the user agrees.
    Ask(Confirm),
    Confirmed(Confirm),
    /// Read the built-in emulator's faults (starting it first when `start`).
    LoadFaults {
        start: bool,
    },
    /// Turn one of the built-in emulator's faults on or off.
    SetFault {
        name: String,
        on: bool,
    },
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
    /// A file the action wrote: the line offers "Open folder" and "Copy path" for it.
    pub path: Option<PathBuf>,
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
            path: None,
        }
    }

    /// A file was written at `path` (absolute): said with its full path.
    pub fn saved(text: impl Into<String>, path: PathBuf) -> Status {
        Status {
            path: Some(path),
            ..Status::done(text)
        }
    }

    pub fn warning(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Warning,
            path: None,
        }
    }

    pub fn error(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Error,
            path: None,
        }
    }
}

/// What a Save dialog writes: an export in the format its chosen name ends with, or one text as it is.
#[derive(Clone, Debug)]
pub enum SaveContents {
    /// `.md` gives Markdown, `.html` HTML, anything else JSON (a name without an extension gets `.json`).
    Export {
        json: String,
        markdown: String,
        html: String,
    },
    /// The Raw tab's answer, written as received.
    Text(String),
}

impl SaveContents {
    /// The text to write at `path`, and the path (an export without an extension becomes `.json`).
    pub fn for_path(self, path: PathBuf) -> (PathBuf, String) {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match self {
            SaveContents::Text(t) => (path, t),
            SaveContents::Export {
                json,
                markdown,
                html,
            } => match ext.as_deref() {
                Some("md" | "markdown") => (path, markdown),
                Some("html" | "htm") => (path, html),
                Some(_) => (path, json),
                None => (path.with_extension("json"), json),
            },
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
    /// Replace the file at the typed path (the app keeps the pending save).
    Overwrite,
    /// Trust the CA at the top of the current answer's chain for its environment (stored in the config file).
    TrustCa,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_dialogs_name_picks_the_export_format() {
        let export = || SaveContents::Export {
            json: "j".into(),
            markdown: "m".into(),
            html: "h".into(),
        };
        for (name, path, text) in [
            ("a.md", "a.md", "m"),
            ("a.HTML", "a.HTML", "h"),
            ("a.json", "a.json", "j"),
            ("a.txt", "a.txt", "j"),
            ("a", "a.json", "j"),
        ] {
            let (p, t) = export().for_path(name.into());
            assert_eq!((p, t.as_str()), (PathBuf::from(path), text), "{name}");
        }
        let (p, t) = SaveContents::Text("raw".into()).for_path("x".into());
        assert_eq!((p, t.as_str()), (PathBuf::from("x"), "raw"));
    }
}
