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
    /// Log in and look up again with another browser (after the chosen one failed); the choice is kept.
    RetryWithBrowser(BrowserChoice),
    /// Stop the lookup that waits or runs (Esc).
    Cancel,
    /// Run the scope matrix with the current choices.
    StartMatrix,
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
    /// Keep the history between launches (load the file) or not (delete it).
    SetKeepHistory(bool),
    SetTheme(ThemeChoice),
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
