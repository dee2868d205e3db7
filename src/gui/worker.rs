//! Background work for the app: lookups, the matrix, language changes and file reads/writes run on the tokio
//! runtime, report over a channel, and wake the UI with `request_repaint`. The UI thread only polls the channel
//! (through `tasks::Tasks`). The local emulator, once started,
//! lives as long as the app, so the browser's single sign-on session with it stays useful.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

use super::commands::Notice;
pub use crate::inspect::KeySource;
use crate::inspect::language::LanguageChange;
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
            http: crate::inspect::http_client(crate::inspect::targets::REQUEST_TIMEOUT)?,
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
    /// A language change ended: what became of it, and its exchanges.
    LanguageChanged(Box<LanguageChange>),
    /// One scope set of the matrix is done.
    MatrixRow(Box<crate::inspect::matrix::MatrixRow>),
    /// The setup check is done.
    SetupChecked(Box<crate::inspect::doctor::DoctorReport>),
    /// The whole matrix is done.
    MatrixDone(Box<crate::inspect::matrix::Matrix>),
    /// A file was opened and recognised (or could not be).
    Opened(Result<OpenedFile, Notice>),
    /// A CA was trusted for an environment: the new configuration, the answer checked again, where the PEM is.
    Trusted(Result<Box<(crate::config::Config, Inspection, std::path::PathBuf)>, Notice>),
    /// The built-in emulator's faults (none while it is not running).
    Faults(Result<Option<crate::inspect::faults::EmulatorFaults>, Notice>),
    /// A file dialog closed: the path chosen, or none.
    Picked {
        pick: Pick,
        path: Option<std::path::PathBuf>,
    },
    /// The kept history was read (or could not be).
    HistoryLoaded(Result<crate::inspect::history::History, Notice>),
    /// A file the user asked for was written: its absolute path, or why not.
    Saved(Result<std::path::PathBuf, Notice>),
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

/// Changes the person's language in the background; the change is reported with its exchanges.
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
        let (result, exchanges) =
            crate::inspect::change_language(&http, &person_url, &token, dpop.as_ref(), spraak)
                .await;
        let (spraak_now, error) = match result {
            Ok(code) => (Some(code), None),
            Err(e) => (None, Some(e.to_string())),
        };
        send(Message::LanguageChanged(Box::new(LanguageChange {
            requested: crate::krr::CodeList::code(spraak).to_owned(),
            spraak: spraak_now,
            error,
            exchanges,
        })));
    });
    Running { rx, task }
}

/// Where an opened file comes from: a path (the Open dialog, a typed path, a file dropped on the window).
pub enum FileSource {
    Path(std::path::PathBuf),
}

/// Reads and recognises a file off the UI thread (a saved inspection, a JWS, a JSON answer), with the current
/// choices' trust and, while it runs, the local emulator's CA.
pub fn open_file(
    services: &Services,
    source: FileSource,
    trust: crate::jose::TrustStore,
    lang: crate::krr::Lang,
    ctx: &egui::Context,
) -> Running {
    use crate::inspect::opened::{MAX_OPEN, Opened, open_bytes};
    let (send, rx) = sender(ctx);
    let s = services.clone();
    let task = services.runtime.spawn(async move {
        let trust = s.targets.with_emulator_ca(trust).await;
        let r = tokio::task::spawn_blocking(move || {
            let (name, bytes) = match source {
                FileSource::Path(path) => {
                    let bytes = crate::config::read_limited(&path, MAX_OPEN).map_err(Notice::of)?;
                    (path.display().to_string(), bytes)
                }
            };
            let (kind, i) =
                open_bytes(&bytes, &name, &trust, lang, chrono::Utc::now()).map_err(Notice::of)?;
            let what = match kind {
                Opened::Inspection => lang.pick("en lagret inspeksjon", "a saved inspection"),
                Opened::Jws => lang.pick(
                    "et signert /person-svar (JWS)",
                    "a signed /person answer (JWS)",
                ),
                Opened::JsonAnswer => {
                    lang.pick("et JSON-svar fra /person", "a JSON answer from /person")
                }
            };
            let said = match lang {
                crate::krr::Lang::Nb => format!("Åpnet {name}: {what}."),
                crate::krr::Lang::En => format!("Opened {name}: {what}."),
            };
            Ok(OpenedFile {
                inspection: Box::new(i),
                said,
            })
        })
        .await
        .unwrap_or_else(|e| Err(Notice::of(e)));
        send(Message::Opened(r));
    });
    Running { rx, task }
}

/// A file opened and recognised: the inspection to show and the sentence that says what it was.
#[derive(Debug)]
pub struct OpenedFile {
    pub inspection: Box<Inspection>,
    pub said: String,
}

/// What a system file dialog is asked for.
#[derive(Debug)]
pub enum Pick {
    Open,
    Save {
        suggested: String,
        contents: super::commands::SaveContents,
    },
}

/// Shows the system's Open or Save dialog (the desktop portal, or zenity where none answers) off the UI thread;
/// the answer is the chosen path, or none when the user closed it.
pub fn pick_file(
    services: &Services,
    pick: Pick,
    lang: crate::krr::Lang,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let task = services.runtime.spawn(async move {
        let dialog = rfd::AsyncFileDialog::new();
        let path = match &pick {
            Pick::Open => dialog
                .set_title(lang.pick(
                    "Åpne et svar eller en inspeksjon",
                    "Open an answer or inspection",
                ))
                .add_filter(
                    lang.pick("Svar og inspeksjoner", "Answers and inspections"),
                    &["jws", "jose", "json", "txt"],
                )
                .add_filter(lang.pick("Alle filer", "All files"), &["*"])
                .pick_file()
                .await
                .map(|h| h.path().to_path_buf()),
            Pick::Save {
                suggested,
                contents,
            } => {
                let dialog = dialog
                    .set_title(lang.pick("Lagre", "Save"))
                    .set_file_name(suggested.as_str());
                let dialog = match contents {
                    super::commands::SaveContents::Export { .. } => dialog
                        .add_filter("JSON", &["json"])
                        .add_filter("Markdown", &["md"])
                        .add_filter("HTML", &["html"]),
                    super::commands::SaveContents::Text(_) => dialog,
                };
                dialog.save_file().await.map(|h| h.path().to_path_buf())
            }
        };
        send(Message::Picked { pick, path });
    });
    Running { rx, task }
}

/// Writes text to a file off the UI thread (exports the user asked for; the history has its own writer): whole
/// or not at all, readable only by the user (it holds personal data). The answer is the file's absolute path.
pub fn save_file(
    services: &Services,
    path: std::path::PathBuf,
    contents: String,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let task = services.runtime.spawn_blocking(move || {
        let r = crate::config::write_export(&path, &contents).map_err(Notice::of);
        send(Message::Saved(r));
    });
    Running { rx, task }
}

/// Stores a CA for its environment and checks the answer again with it, off the UI thread (files are written).
pub fn trust_ca(
    services: &Services,
    config: crate::config::Config,
    anchor: crate::inspect::trust::Anchor,
    inspection: Inspection,
    lang: crate::krr::Lang,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let task = services.runtime.spawn_blocking(move || {
        let r = crate::inspect::trust::trust_and_reverify(&config, &anchor, &inspection, lang)
            .map(Box::new)
            .map_err(Notice::of);
        send(Message::Trusted(r));
    });
    Running { rx, task }
}

/// Reads the built-in emulator's faults (starting it when `start`), or sets one (`set`: name and on/off).
pub fn emulator_faults(
    services: &Services,
    start: bool,
    set: Option<(String, bool)>,
    lang: crate::krr::Lang,
    ctx: &egui::Context,
) -> Running {
    let (send, rx) = sender(ctx);
    let s = services.clone();
    let task = services.runtime.spawn(async move {
        let r = match set {
            Some((name, on)) => Ok(s.targets.set_emulator_fault(&name, on).await),
            None => s
                .targets
                .emulator_faults(start)
                .await
                .map_err(|e| Notice(e.for_app(lang))),
        };
        send(Message::Faults(r));
    });
    Running { rx, task }
}
