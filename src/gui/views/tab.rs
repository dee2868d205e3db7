//! What a tab is: the two kinds of tab view and what every tab is given for one frame.

use eframe::egui;

use crate::gui::commands::Commands;
use crate::inspect::Inspection;
use crate::inspect::history::History;
use crate::krr::Lang;

/// The current result, twice: as received (exports and copies use it) and its display copy (every control
/// character from outside made visible), which every label draws from.
#[derive(Clone, Copy)]
pub struct Current<'a> {
    pub received: &'a Inspection,
    pub display: &'a Inspection,
}

/// The Tokens tab's session buttons this frame: why each action is off (`None`: on), in `Action::ALL` order, and
/// the action that runs, if one does.
#[derive(Clone, Debug, Default)]
pub struct SessionControls {
    pub blocked: Vec<(crate::inspect::session::Action, Option<String>)>,
    pub running: Option<crate::inspect::session::Action>,
}

/// What the tabs read this frame (borrowed from the app), and the one thing two views share.
pub struct TabContext<'a> {
    /// The session after the lookup: what the Tokens tab's buttons may do.
    pub session: &'a SessionControls,
    pub lang: Lang,
    /// The app's history, newest first.
    pub history: &'a History,
    pub keep_history: bool,
    pub matrix_running: bool,
    pub setup_running: bool,
    pub language_change_running: bool,
    /// The export bar's path, which the Raw tab's "Save as" edits too.
    pub save_path: &'a mut String,
    /// For an untrusted chain: the CA the Signature tab offers to trust, or why none can be from here.
    pub trust_offer: Option<&'a Result<crate::inspect::trust::Anchor, String>>,
}

/// A tab that shows the current inspection: drawn under the summary and the export bar, once there is one.
pub trait InspectionTab {
    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        i: Current<'_>,
        cx: &mut TabContext<'_>,
        commands: &mut Commands,
    );
}

/// A tab that draws from the app's other data (the matrix, the history), with or without a result.
pub trait StandaloneTab {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut TabContext<'_>, commands: &mut Commands);
}
