//! The app's state and its frame: panels and views draw and push commands; after `ui()` (and in `logic`, after
//! polling the background tasks and reading the shortcuts) the app runs those commands.

use std::sync::Arc;
use std::time::Duration;

use eframe::egui;

use super::commands::{Command, Commands, Confirm, Status};
use super::lookup::Choices;
use super::request::Panels;
use super::settings::{STORAGE_KEY, Settings, ThemeChoice};
use super::tasks::{TaskName, Tasks};
use super::views::tab::Current;
use super::views::{Data, Tab, Views};
use super::worker::{self, Job, Message, Services};
use crate::config::Config;
use crate::inspect::Inspection;
use crate::inspect::history::History;
use crate::inspect::history_writer::HistoryWriter;
use crate::krr::Lang;
use crate::oidc::BrowserChoice;

// The confirmation modal and the status line, in a file of their own (a child module: it sees the app's fields).
#[path = "app_dialogs.rs"]
mod dialogs;
// Saving, opening, the system file dialogs and dropped files.
#[path = "app_files.rs"]
mod files;
// The session after the lookup (the Tokens tab's buttons), likewise.
#[path = "app_session.rs"]
mod session;
// The language change (the Person tab's Administration), likewise.
#[path = "app_language.rs"]
mod language;

pub struct InspectorApp {
    pub config: Config,
    pub settings: Settings,
    pub services: Services,
    /// Shared with the history (and drawn from a clone of the pointer, so the app keeps it while views draw).
    pub result: Option<Arc<Inspection>>,
    /// The display copy of `result` (explained in the app's language, control characters from outside made
    /// visible), made once per result and language.
    shown: Option<(Arc<Inspection>, Lang, Arc<Inspection>)>,
    /// A lookup that could not start, or was cancelled (shown in the status line, cleared like it).
    pub notice: Option<String>,
    /// The status line: what the last action did (saved, copied, …); cleared on the next action.
    pub status: Option<Status>,
    /// The question a modal asks before something that cannot be taken back.
    pub confirm: Option<Confirm>,
    /// A save to a typed path that exists, waiting for the answer to "Replace it?".
    pub pending_save: Option<(std::path::PathBuf, String)>,
    /// The environment the status line's messages were about: another one clears them.
    status_environment: String,
    pub tab: Tab,
    pub views: Views,
    /// Start a lookup on the first frame (`--lookup`).
    pub start_on_first_frame: bool,
    pub history: History,
    /// The live session of the current result's login (tokens kept in memory only); none after a logout.
    session: session::Live,
    tasks: Tasks,
    /// Pushed by panels, views and shortcuts; run after them.
    commands: Commands,
    /// The request panel's "store the client secret in the keyring" form (never persisted).
    pub secret_form: super::secret_form::SecretForm,
    /// The one writer of the kept history (none without a data directory).
    history_file: Option<HistoryWriter>,
    /// `KRR_INSPECTOR_REPORT_FIRST_FRAME`: print the wall-clock time of the first frame (for the benchmark).
    report_first_frame: bool,
    /// The lookup the `--lookup` start asked for has been reported (for the benchmark).
    report_lookup: bool,
    /// `KRR_INSPECTOR_BENCH_LOOKUPS=N` with `--lookup`: N lookups one after the other, each reported on standard
    /// error (for the memory benchmark).
    bench_lookups_left: u32,
}

impl InspectorApp {
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        config: Config,
        services: Services,
    ) -> InspectorApp {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let mut app = InspectorApp::with_settings(config, services, settings);
        app.apply_theme(&cc.egui_ctx);
        if app.settings.keep_history {
            app.set_keep_history(true, &cc.egui_ctx);
        }
        app
    }

    /// The app with given settings (tests, and `new` after reading storage).
    pub fn with_settings(
        config: Config,
        services: Services,
        mut settings: Settings,
    ) -> InspectorApp {
        if config.environment(&settings.environment).is_none() {
            settings.environment = "local".into();
        }
        // The text field is the one place the command is edited: it must hold the chosen command.
        if let BrowserChoice::Command(c) = &settings.browser
            && settings.browser_command.trim().is_empty()
        {
            settings.browser_command = c.clone();
        }
        InspectorApp {
            config,
            settings,
            services,
            result: None,
            shown: None,
            notice: None,
            status: None,
            confirm: None,
            pending_save: None,
            status_environment: String::new(),
            tab: Tab::Person,
            views: Views::default(),
            start_on_first_frame: false,
            history: History::default(),
            session: session::Live::default(),
            tasks: Tasks::default(),
            commands: Commands::default(),
            secret_form: Default::default(),
            history_file: InspectorApp::history_path().map(HistoryWriter::new),
            report_first_frame: std::env::var_os("KRR_INSPECTOR_REPORT_FIRST_FRAME").is_some(),
            report_lookup: std::env::var_os("KRR_INSPECTOR_REPORT_FIRST_FRAME").is_some(),
            bench_lookups_left: std::env::var("KRR_INSPECTOR_BENCH_LOOKUPS")
                .ok()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0),
        }
    }

    /// What the command line asked for: the environment, a lookup at once, the language.
    pub fn apply_start(&mut self, start: super::StartOptions) {
        if let Some(env) = start.environment {
            self.settings.environment = env;
        }
        if let Some(lang) = start.lang {
            self.settings.ui_lang = lang;
        }
        self.start_on_first_frame = start.lookup;
    }

    /// Keeps the history in `path` instead of `history.json` in the data directory (tests).
    pub fn with_history_file(mut self, path: std::path::PathBuf) -> InspectorApp {
        self.history_file = Some(HistoryWriter::new(path));
        self
    }

    pub fn lang(&self) -> Lang {
        self.settings.ui_lang
    }

    /// The current choices, to build a job from or to show.
    pub fn choices(&self) -> Choices<'_> {
        Choices {
            config: &self.config,
            settings: &self.settings,
        }
    }

    fn apply_theme(&self, ctx: &egui::Context) {
        ctx.set_theme(match self.settings.theme {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        });
    }

    /// A lookup runs (or waits for the browser).
    pub fn is_running(&self) -> bool {
        self.tasks.is_running(TaskName::Lookup)
    }

    /// The job for the current choices; when there is none, the reason becomes the notice.
    fn job_or_notice(&mut self) -> Option<Job> {
        self.job_or_notice_with_prompt(None)
    }

    fn job_or_notice_with_prompt(&mut self, prompt: Option<&str>) -> Option<Job> {
        match self.choices().build_job_with_prompt(prompt) {
            Ok(j) => {
                self.notice = None;
                Some(j)
            }
            Err(e) => {
                self.notice = Some(e.0);
                None
            }
        }
    }

    /// Starts "log in and look up" with the current choices.
    pub fn start_lookup(&mut self, ctx: &egui::Context) {
        self.start_lookup_with_prompt(ctx, None);
    }

    /// Starts the lookup with an OpenID Connect `prompt` (`login` for "Log in as another person").
    pub fn start_lookup_with_prompt(&mut self, ctx: &egui::Context, prompt: Option<&str>) {
        if self.is_running() {
            return;
        }
        let prompt = prompt.or(self.prompt_after_logout());
        let Some(job) = self.job_or_notice_with_prompt(prompt) else {
            return;
        };
        self.views.person.language_status = None;
        self.views.progress = Default::default();
        self.end_session();
        let running = worker::start_lookup(&self.services, job, ctx);
        self.tasks.insert(TaskName::Lookup, running);
    }

    /// Starts the scope matrix: every subset of the environment's read scopes, one login.
    pub fn start_matrix(&mut self, ctx: &egui::Context) {
        if self.is_running() || self.tasks.is_running(TaskName::Matrix) {
            return;
        }
        let Some(job) = self.job_or_notice() else {
            return;
        };
        let sets = crate::inspect::matrix::default_scope_sets(self.choices().environment().dialect);
        self.views.matrix = super::views::matrix::MatrixView {
            total: sets.len(),
            ..Default::default()
        };
        let running = worker::start_matrix(&self.services, job, sets, ctx);
        self.tasks.insert(TaskName::Matrix, running);
    }

    /// What the views draw for `result`: its display copy in the app's language, cached while `result` and the
    /// language are the same (a switch of language redraws the result in the new one).
    pub fn shown(&mut self, result: &Arc<Inspection>) -> Arc<Inspection> {
        let lang = self.lang();
        match &self.shown {
            Some((of, of_lang, shown)) if Arc::ptr_eq(of, result) && *of_lang == lang => {
                shown.clone()
            }
            _ => {
                let explained = crate::inspect::reverify::in_language(result, lang);
                let shown = Arc::new(crate::inspect::display::for_display(&explained));
                self.shown = Some((result.clone(), lang, shown.clone()));
                shown
            }
        }
    }

    /// Shows an inspection (from history, the matrix, or a file) as the current result.
    pub fn open_inspection(&mut self, i: Arc<Inspection>) {
        // The session was the last lookup's: the buttons must not act on it under another result.
        self.end_session();
        self.views.person.show(&i);
        self.result = Some(i);
        self.tab = Tab::Person;
    }

    fn history_path() -> Option<std::path::PathBuf> {
        crate::config::default_data_dir().map(|d| d.join("history.json"))
    }

    /// Hands the history to its writer when it is kept (the writer serialises it, off this thread).
    fn save_history(&mut self) {
        if self.settings.keep_history
            && let Some(writer) = &mut self.history_file
        {
            writer.save(&self.history);
        }
    }

    /// Turns keeping the history on (loading what was kept) or off (deleting the file once the writes asked for
    /// before are done).
    pub fn set_keep_history(&mut self, keep: bool, ctx: &egui::Context) {
        self.settings.keep_history = keep;
        let Some(writer) = &mut self.history_file else {
            return;
        };
        if keep {
            let reply = self.tasks.reply(TaskName::HistoryLoad, ctx);
            writer.load(move |r| {
                reply.send(Message::HistoryLoaded(
                    r.map_err(super::commands::Notice::of),
                ))
            });
        } else {
            self.tasks.cancel(TaskName::HistoryLoad);
            writer.delete();
        }
    }

    pub fn cancel_lookup(&mut self) {
        if self.tasks.cancel(TaskName::Lookup) {
            self.notice = Some(
                self.lang()
                    .pick("Innloggingen ble avbrutt.", "The login was cancelled.")
                    .into(),
            );
        }
    }

    /// Runs one command from a view, a panel or a shortcut.
    pub fn run(&mut self, command: Command, ctx: &egui::Context) {
        // Any action clears what the last one said (a message of its own replaces it).
        if !matches!(command, Command::Say(_)) {
            self.status = None;
            self.notice = None;
        }
        match command {
            Command::Say(s) => self.status = Some(s),
            Command::Ask(Confirm::ChangeLanguage { spraak }) if self.language_change_refused() => {
                // No question for a request that cannot succeed: `change_language` says why.
                self.change_language(spraak, ctx)
            }
            Command::Ask(c) => self.confirm = Some(c),
            Command::Confirmed(c) => {
                self.confirm = None;
                self.confirmed(c, ctx);
            }
            Command::StartLookup => self.start_lookup(ctx),
            Command::StartLookupAsAnotherPerson => {
                self.start_lookup_with_prompt(ctx, Some("login"))
            }
            Command::RetryWithBrowser(browser) => {
                if let BrowserChoice::Command(c) = &browser {
                    self.settings.browser_command = c.clone();
                }
                self.settings.browser = browser;
                self.start_lookup(ctx);
            }
            Command::Cancel => self.cancel_lookup(),
            Command::StartMatrix => self.start_matrix(ctx),
            Command::CheckSetup => {
                if !self.tasks.is_running(TaskName::Setup) {
                    self.views.setup.error = None;
                    let choices = self.choices().planner_choices();
                    let running = worker::start_setup_check(
                        &self.services,
                        self.config.clone(),
                        choices,
                        ctx,
                    );
                    self.tasks.insert(TaskName::Setup, running);
                }
            }
            Command::ChangeLanguage { spraak } => self.change_language(spraak, ctx),
            Command::Session(action) => self.start_session_action(action, ctx),
            c @ (Command::Save { .. }
            | Command::SaveAs { .. }
            | Command::Write { .. }
            | Command::OpenFile { .. }
            | Command::OpenDialog) => self.file_command(c, ctx),
            Command::OpenInspection(i) => self.open_inspection(i),
            Command::LoadFaults { start } => {
                let running =
                    worker::emulator_faults(&self.services, start, None, self.lang(), ctx);
                self.tasks.insert(TaskName::Faults, running);
            }
            Command::SetFault { name, on } => {
                let set = Some((name, on));
                let running = worker::emulator_faults(&self.services, false, set, self.lang(), ctx);
                self.tasks.insert(TaskName::Faults, running);
            }
            Command::SetKeepHistory(keep) => self.set_keep_history(keep, ctx),
            Command::SetTheme(theme) => {
                self.settings.theme = theme;
                self.apply_theme(ctx);
            }
        }
    }

    /// Runs the commands pushed so far; a frame follows when any ran, so it shows what they changed.
    fn run_commands(&mut self, ctx: &egui::Context) {
        let commands = self.commands.take();
        if commands.is_empty() {
            return;
        }
        for c in commands {
            self.run(c, ctx);
        }
        ctx.request_repaint();
    }

    /// Takes what the background tasks have sent. Called every frame; cheap when there is nothing.
    pub fn poll(&mut self) {
        let mut history_grew = false;
        for (name, message) in self.tasks.poll() {
            match message {
                Message::Progress(p) => self.views.progress.record(p),
                Message::Finished(i) => {
                    let i: Arc<Inspection> = Arc::from(i);
                    self.history.push(i.clone());
                    history_grew = true;
                    if i.error.is_some() && i.body.is_none() {
                        self.tab = Tab::Person;
                    }
                    self.views.person.show(&i);
                    self.result = Some(i);
                    // The lookup may have started the emulator: its faults are asked for again when shown.
                    self.views.faults.asked = false;
                    if self.bench_lookups_left > 0 {
                        self.bench_lookups_left -= 1;
                        eprintln!("bench_lookup_done {}", self.bench_lookups_left);
                        if self.bench_lookups_left > 0 {
                            self.commands.push(Command::StartLookup);
                        }
                    }
                }
                Message::MatrixRow(row) => {
                    self.history.push(Arc::new(row.inspection.clone()));
                    history_grew = true;
                    self.views.matrix.rows.push(*row);
                }
                Message::SessionReady(s) => self.session.live = Some(*s),
                Message::SessionDone(done) => self.session_done(*done),
                Message::SessionUrl(url) => self.session_url(&url),
                Message::MatrixDone(m) => self.views.matrix.done = Some(*m),
                Message::Faults(r) => match r {
                    Ok(f) => {
                        self.views.faults.faults = f;
                        self.views.faults.error = None;
                    }
                    Err(e) => self.views.faults.error = Some(e.0),
                },
                Message::SetupChecked(r) => self.views.setup.report = Some(*r),
                m @ (Message::Saved(_)
                | Message::Opened(_)
                | Message::Picked { .. }
                | Message::Trusted(_)) => self.file_message(m),
                Message::HistoryLoaded(Ok(loaded)) => {
                    // Entries of this session first, then the kept ones.
                    let mut h = loaded;
                    for e in self.history.entries.iter().rev() {
                        h.push(e.inspection.clone());
                    }
                    self.history = h;
                }
                Message::LanguageChanged(change) => self.language_changed(*change),
                Message::Failed(e) => match name {
                    TaskName::Matrix => self.views.matrix.error = Some(e),
                    TaskName::Setup => self.views.setup.error = Some(e),
                    TaskName::LanguageChange => {
                        self.views.person.language_status = Some(Err(e.into()))
                    }
                    TaskName::Faults => self.views.faults.error = Some(e),
                    TaskName::Save | TaskName::Dialog | TaskName::TrustCa => {
                        self.status = Some(Status::error(crate::escape::display(&e).into_owned()));
                        self.views.export.save_status = Some(Err(e.into()));
                    }
                    TaskName::Session => self.session_failed(e),
                    TaskName::Lookup | TaskName::OpenFile | TaskName::HistoryLoad => {
                        self.notice = Some(e)
                    }
                },
                Message::HistoryLoaded(Err(e)) => self.notice = Some(e.0),
            }
        }
        // One snapshot for everything this frame brought (a matrix sends rows in bursts).
        if history_grew {
            self.save_history();
        }
    }

    /// Ctrl+Enter starts, Esc cancels: the same commands as the buttons.
    fn shortcuts(&mut self, ctx: &egui::Context) {
        // Esc is left to an open question (the modal closes on it), and to the widgets when nothing runs.
        let cancelable = self.is_running() && self.confirm.is_none();
        let (start, cancel) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter),
                cancelable && i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
            )
        });
        if start {
            self.commands.push(Command::StartLookup);
        }
        if cancel {
            self.commands.push(Command::Cancel);
        }
    }
}

impl eframe::App for InspectorApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if std::mem::take(&mut self.start_on_first_frame) {
            self.commands.push(Command::StartLookup);
        }
        self.poll();
        if self.status_environment != self.settings.environment {
            // What was said about another environment is not about this one.
            self.status_environment = self.settings.environment.clone();
            self.status = None;
            self.notice = None;
        }
        self.shortcuts(ctx);
        self.dropped_files(ctx);
        self.run_commands(ctx);
        // While a login waits, a frame only when the time left, as shown, changes (once a minute); nothing
        // repaints when idle.
        if self.is_running()
            && let Some(next) = self.views.progress.next_change()
        {
            ctx.request_repaint_after(next);
        }
        if self.tasks.is_running(TaskName::Matrix) {
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        // A live token: the Tokens tab's countdown ticks once a second; elsewhere one frame when it expires.
        if let Some(left) = self.token_left() {
            ctx.request_repaint_after(if self.tab == Tab::Tokens {
                left.min(Duration::from_secs(1))
            } else {
                left
            });
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if std::mem::take(&mut self.report_first_frame) {
            let ns = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            eprintln!("first_frame_unix_ns {ns}");
        }
        if self.report_lookup && self.result.is_some() {
            self.report_lookup = false;
            eprintln!("lookup_done");
        }
        egui::Panel::bottom("status")
            .resizable(false)
            .show(ui, |ui| self.status_line(ui));
        let running = self.is_running();
        let mut panels = Panels {
            config: &self.config,
            settings: &mut self.settings,
            running,
            has_result: self.result.is_some(),
            commands: &mut self.commands,
            secret_form: &mut self.secret_form,
        };
        egui::Panel::top("top").show(ui, |ui| panels.top_bar(ui));

        if panels.settings.request_panel_open {
            egui::Panel::left("request")
                .resizable(true)
                .default_size(340.0)
                .size_range(240.0..=640.0)
                .show(ui, |ui| panels.request_panel(ui));
        } else {
            egui::Panel::left("request-collapsed")
                .resizable(false)
                .show(ui, |ui| panels.collapsed_request_panel(ui));
        }
        let result = self.result.clone();
        let shown = result.as_ref().map(|r| self.shown(r));
        let session = self.session_controls();
        let data = Data {
            session: &session,
            lang: self.settings.ui_lang,
            lookup_running: running,
            matrix_running: self.tasks.is_running(TaskName::Matrix),
            setup_running: self.tasks.is_running(TaskName::Setup),
            language_change_running: self.tasks.is_running(TaskName::LanguageChange),
            result: result
                .as_deref()
                .zip(shown.as_deref())
                .map(|(received, display)| Current { received, display }),
            history: &self.history,
            keep_history: self.settings.keep_history,
            trust_offer: self.trust_offer(),
        };
        egui::CentralPanel::default().show(ui, |ui| {
            self.views
                .central(ui, &mut self.tab, &data, &mut self.commands)
        });
        self.confirm_modal(ui.ctx());
        self.run_commands(ui.ctx());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
