//! The session after the lookup in the app: the Tokens tab's Refresh, Userinfo, Introspect, Revoke and Log out
//! buttons, each a background task (`TaskName::Session`), its step added to the current result (shown in the Tokens
//! tab, its exchanges in the HTTP tab). A logout ends the app's session: the next lookup logs in afresh.

use std::sync::Arc;

use eframe::egui;

use super::InspectorApp;
use crate::gui::commands::Status;
use crate::gui::tasks::TaskName;
use crate::gui::views::tab::SessionControls;
use crate::gui::worker;
use crate::inspect::session::{Action, Session, SessionStep};

/// The live session of the current result's login, and the action that runs on it.
#[derive(Default)]
pub struct Live {
    pub live: Option<Session>,
    pub running: Option<Action>,
    /// The last action was a logout: the next lookup asks the provider who logs in.
    pub logged_out: bool,
}

impl InspectorApp {
    /// Forgets the session (a new lookup, another result shown, a logout); an action still running is cancelled.
    pub(super) fn end_session(&mut self) {
        self.tasks.cancel(TaskName::Session);
        self.session = Live::default();
    }

    /// After a logout the next browser login asks who logs in (`prompt=login`), even if the provider's session
    /// outlived the logout; a headless test person is asked for by name anyway.
    pub(super) fn prompt_after_logout(&self) -> Option<&'static str> {
        (self.session.logged_out && self.choices().test_person().is_none()).then_some("login")
    }

    /// What each button may do this frame, and why not.
    pub(super) fn session_controls(&self) -> SessionControls {
        let lang = self.lang();
        let running = self
            .session
            .running
            .filter(|_| self.tasks.is_running(TaskName::Session));
        let now = chrono::Utc::now();
        let blocked = Action::ALL
            .iter()
            .map(|&a| {
                let why = match (&self.session.live, running) {
                    (_, Some(_)) => Some(
                        lang.pick("venter på forrige handling", "waiting for the last action")
                            .to_owned(),
                    ),
                    (None, None) => Some(
                        lang.pick(
                            "ingen aktiv økt: logg inn og slå opp (et resultat fra historikken eller en fil har ingen, og en utlogging avslutter den)",
                            "no live session: log in and look up (a result from the history or a file has none, and a logout ends it)",
                        )
                        .to_owned(),
                    ),
                    (Some(s), None) => s.blocked(a, now, lang),
                };
                (a, why)
            })
            .collect();
        SessionControls { blocked, running }
    }

    /// Starts `action` on the live session, unless one runs or the button was off.
    pub(super) fn start_session_action(&mut self, action: Action, ctx: &egui::Context) {
        if self.tasks.is_running(TaskName::Session) {
            return;
        }
        let Some(session) = self.session.live.clone() else {
            return;
        };
        if session
            .blocked(action, chrono::Utc::now(), self.lang())
            .is_some()
        {
            return;
        }
        let running = worker::start_session_action(&self.services, session, action, ctx);
        self.tasks.insert(TaskName::Session, running);
        self.session.running = Some(action);
    }

    /// An action ended: the session takes its new state (none after a logout), the result its step.
    pub(super) fn session_done(&mut self, (session, step): (Session, SessionStep)) {
        let lang = self.lang();
        self.session.running = None;
        let logged_out = step.action == Action::Logout && step.ok;
        let refreshed = step
            .outcome
            .as_ref()
            .filter(|_| step.ok && step.action == Action::Refresh);
        if let (Some(outcome), Some(r)) = (refreshed, &self.result) {
            // The result's token is the session's now: the Tokens tab counts down the new one, the
            // Administration sends it, and "Copy as curl with the real token" copies it.
            let mut i = (**r).clone();
            i.token = i
                .token
                .as_ref()
                .map(|t| session.refreshed_facts(t, outcome));
            self.result = Some(Arc::new(i));
        }
        self.session.live = (!logged_out).then_some(session);
        self.session.logged_out = logged_out;
        let said = format!(
            "{}: {}",
            step.action.label(lang),
            crate::escape::display(&step.summary(lang))
        );
        self.status = Some(match (step.ok, logged_out) {
            (true, true) => Status::done(format!(
                "{said}. {}",
                lang.pick(
                    "Neste oppslag logger inn på nytt.",
                    "The next lookup logs in afresh."
                )
            )),
            (true, false) => Status::done(said),
            (false, _) => Status::error(said),
        });
        if let Some(r) = &self.result {
            let mut i = (**r).clone();
            i.session.push(step);
            self.result = Some(Arc::new(i));
        }
    }

    /// A logout with print-URL: the user opens the URL (it carries no token) and the listener waits.
    pub(super) fn session_url(&mut self, url: &str) {
        self.status = Some(Status::warning(format!(
            "{} {url}",
            self.lang().pick(
                "Åpne denne adressen i en nettleser for å logge ut:",
                "Open this URL in a browser to log out:"
            )
        )));
    }

    /// The task stopped without an answer.
    pub(super) fn session_failed(&mut self, e: String) {
        self.session.running = None;
        self.status = Some(Status::error(e));
    }
}
