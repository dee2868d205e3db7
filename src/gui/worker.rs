//! Background work for the app: lookups, the matrix, language changes and file reads/writes run on the tokio
//! runtime, report over a channel, and wake the UI with `request_repaint`. The UI thread only polls the channel
//! (through `tasks::Tasks`). The local emulator, once started,
//! lives as long as the app, so the browser's single sign-on session with it stays useful.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

use super::commands::Notice;
pub use crate::inspect::KeySource;
use crate::inspect::session::{Action, Session, SessionStep, run_lookup_session};
use crate::inspect::{Inspection, Plan, Progress, Targets};

/// What the app's background work needs: the runtime, the HTTP client, and the owner of targets (which keeps the
/// local emulator running for the app's whole life, so the browser's single sign-on session with it stays useful).
#[derive(Clone)]
pub struct Services {
    pub runtime: tokio::runtime::Handle,
    pub http: reqwest::Client,
    targets: Arc<Targets>,
}

impl Services {
    /// Fails only when the HTTP client's TLS stack cannot be set up.
    pub fn new(
        runtime: tokio::runtime::Handle,
        keys: KeySource,
    ) -> Result<Services, crate::oidc::http::HttpError> {
        Ok(Services {
            runtime,
            http: crate::inspect::http_client(crate::inspect::plan::REQUEST_TIMEOUT)?,
            targets: Arc::new(Targets::new(keys)),
        })
    }
}

impl Job {
    /// The ready request: the target resolved by the planner's `Targets`, its CA trusted.
    async fn request(self, s: &Services) -> Result<crate::inspect::LookupRequest, Notice> {
        let lang = self.plan.lang();
        s.targets
            .request(self.plan)
            .await
            .map_err(|e| Notice(e.for_app(lang)))
    }
}

/// Messages from the background to the UI.
#[derive(Debug)]
pub enum Message {
    Progress(Progress),
    /// The lookup ended (successfully or with the error in the inspection).
    Finished(Box<Inspection>),
    /// The session the lookup's login left, sent just before `Finished` (none when the login failed).
    SessionReady(Box<Session>),
    /// The logout URL for the user to open (print-URL only: it carries no token).
    SessionUrl(String),
    /// A session action ended: the session as it is now, and the step for the report.
    SessionDone(Box<(Session, SessionStep)>),
    /// The lookup could not even start (e.g. the emulator would not start).
    Failed(String),
    /// A language change ended.
    LanguageChanged(Result<String, Notice>),
    /// One scope set of the matrix is done.
    MatrixRow(Box<crate::inspect::matrix::MatrixRow>),
    /// The setup check is done.
    SetupChecked(Box<crate::inspect::doctor::DoctorReport>),
    /// The whole matrix is done.
    MatrixDone(Box<crate::inspect::matrix::Matrix>),
    /// A saved inspection was read (or could not be).
    Opened(Result<Box<Inspection>, Notice>),
    /// The kept history was read (or could not be).
    HistoryLoaded(Result<crate::inspect::history::History, Notice>),
    /// A file the user asked for was written: its path, or why not.
    Saved(Result<String, Notice>),
}

impl Message {
    /// Whether this message ends its task (every message but progress and matrix rows does).
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            Message::Progress(_)
                | Message::MatrixRow(_)
                | Message::SessionReady(_)
                | Message::SessionUrl(_)
        )
    }
}

/// A request as the planner made it; the worker resolves its target.
pub struct Job {
    pub plan: Plan,
}

/// One piece of background work in flight.
pub struct Running {
    pub rx: Receiver<Message>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn cancel(&self) {
        self.task.abort();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn sender(
    ctx: &egui::Context,
) -> (
    impl Fn(Message) + Send + Sync + Clone + 'static,
    Receiver<Message>,
) {
    let (tx, rx): (Sender<Message>, Receiver<Message>) = channel();
    let ctx = ctx.clone();
    let send = move |m: Message| {
        let _ = tx.send(m);
        ctx.request_repaint();
    };
    (send, rx)
}

/// Starts a lookup in the background.
pub fn start_lookup(services: &Services, job: Job, ctx: &egui::Context) -> Running {
    let (send, rx) = sender(ctx);
    let s = services.clone();
    let task = services.runtime.spawn(async move {
        let request = match job.request(&s).await {
            Ok(r) => r,
            Err(e) => return send(Message::Failed(e.0)),
        };
        let progress_send = send.clone();
        let (inspection, session) = run_lookup_session(&s.http, &request, &move |p| {
            progress_send(Message::Progress(p))
        })
        .await;
        if let Some(session) = session {
            send(Message::SessionReady(Box::new(session)));
        }
        send(Message::Finished(Box::new(inspection)));
    });
    Running { rx, task }
}

/// Runs one action of the session after the lookup in the background (a logout may wait for the browser).
pub fn start_session_action(
    services: &Services,
    mut session: Session,
    action: Action,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let http = services.http.clone();
    let task = services.runtime.spawn(async move {
        let print = session.prints_logout_url();
        let url_send = send.clone();
        let on_progress = move |p: Progress| {
            if let Progress::Login(crate::oidc::LoginEvent::AuthorizationUrl { url, .. }) = p
                && print
            {
                url_send(Message::SessionUrl(url));
            }
        };
        let step = session.run(&http, action, &on_progress).await;
        send(Message::SessionDone(Box::new((session, step))));
    });
    Running { rx, task }
}

/// Runs the scope matrix in the background: one login (the browser's SSO session), one lookup per set.
pub fn start_matrix(
    services: &Services,
    job: Job,
    sets: Vec<Vec<String>>,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let s = services.clone();
    let task = services.runtime.spawn(async move {
        let request = match job.request(&s).await {
            Ok(r) => r,
            Err(e) => return send(Message::Failed(e.0)),
        };
        let row_send = send.clone();
        let m = crate::inspect::matrix::run_matrix(&s.http, &request, &sets, &move |_, row| {
            row_send(Message::MatrixRow(Box::new(row.clone())))
        })
        .await;
        send(Message::MatrixDone(Box::new(m)));
    });
    Running { rx, task }
}

/// Checks the setup (`doctor`) in the background; the local emulator is the app's own (started if need be).
pub fn start_setup_check(
    services: &Services,
    config: crate::config::Config,
    choices: crate::inspect::Choices,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let s = services.clone();
    let task = services.runtime.spawn(async move {
        let report = crate::inspect::doctor::doctor(&s.http, &config, choices, &s.targets).await;
        send(Message::SetupChecked(Box::new(report)));
    });
    Running { rx, task }
}

/// Changes the person's language in the background.
pub fn start_language_change(
    services: &Services,
    person_url: String,
    token: crate::oidc::Secret,
    dpop: Option<crate::oidc::DpopKey>,
    spraak: crate::krr::Spraak,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let http = services.http.clone();
    let task = services.runtime.spawn(async move {
        let result =
            crate::inspect::change_language(&http, &person_url, &token, dpop.as_ref(), spraak)
                .await
                .map_err(Notice::of);
        send(Message::LanguageChanged(result));
    });
    Running { rx, task }
}

/// Reads a file off the UI thread and parses it with `parse`; `wrap` turns the result into the task's message.
pub fn load_file<T: Send + 'static>(
    services: &Services,
    path: std::path::PathBuf,
    parse: impl FnOnce(&str) -> Result<T, Notice> + Send + 'static,
    wrap: fn(Result<T, Notice>) -> Message,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let task = services.runtime.spawn_blocking(move || {
        let r = crate::config::read_text(&path)
            .map_err(Notice::of)
            .and_then(|t| parse(&t));
        send(wrap(r));
    });
    Running { rx, task }
}

/// Writes text to a file off the UI thread (exports the user asked for; the history has its own writer).
pub fn save_file(
    services: &Services,
    path: std::path::PathBuf,
    contents: String,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let task = services.runtime.spawn_blocking(move || {
        let r = crate::config::write_text(&path, &contents)
            .map(|_| path.display().to_string())
            .map_err(Notice::of);
        send(Message::Saved(r));
    });
    Running { rx, task }
}
