//! The app's state and its frame: the request panel, the top bar, shortcuts, and polling the worker.

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use eframe::egui;
use egui::{Color32, RichText};

use super::settings::{STORAGE_KEY, Settings, ThemeChoice};
use super::views::{self, Tab};
use super::worker::{self, Job, Message, Running, Services};
use crate::config::{AuthMethod, ClientRegistration, Config, Environment, Group};
use crate::inspect::history::History;
use crate::inspect::matrix::{Matrix, MatrixRow};
use crate::inspect::{Accept, Inspection, LookupRequest, Progress, default_scopes};
use crate::krr::scopes::{checklist, split_scope_string};
use crate::krr::{Lang, Spraak};
use crate::oidc::{BrowserChoice, LoginEvent, Secret};

/// How long the app waits for the browser's callback.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(300);

/// The Matrix tab: rows as they arrive, then the whole matrix.
#[derive(Default)]
pub struct MatrixView {
    pub running: Option<Running>,
    pub total: usize,
    pub rows: Vec<MatrixRow>,
    pub done: Option<Matrix>,
    pub error: Option<String>,
}

/// A lookup in progress, as the UI shows it.
pub struct LookupInProgress {
    pub running: Running,
    pub steps: Vec<Progress>,
    pub authorization_url: Option<String>,
    pub deadline: Option<Instant>,
}

pub struct InspectorApp {
    pub config: Config,
    pub settings: Settings,
    pub services: Services,
    pub lookup: Option<LookupInProgress>,
    /// Shared with the history (and drawn from a clone of the pointer, so the app keeps it while views draw).
    pub result: Option<Arc<Inspection>>,
    /// The display copy of `result` (control characters from outside made visible), made once per result.
    shown: Option<(Arc<Inspection>, Arc<Inspection>)>,
    /// A lookup that could not start, or was cancelled.
    pub notice: Option<String>,
    pub tab: Tab,
    pub view: views::ViewState,
    pub language_change: Option<Running>,
    /// Start a lookup on the first frame (`--lookup`).
    pub start_on_first_frame: bool,
    pub history: History,
    pub matrix: MatrixView,
    /// Two history entries picked for comparison (indices into the history).
    pub compare_pick: Vec<usize>,
    pub open_path: String,
    pub open_rx: Option<Receiver<Result<Inspection, String>>>,
    pub history_load: Option<Receiver<Result<History, String>>>,
    /// `KRR_INSPECTOR_REPORT_FIRST_FRAME`: print the wall-clock time of the first frame (for the benchmark).
    report_first_frame: bool,
    /// The lookup the `--lookup` start asked for has been reported (for the benchmark).
    report_lookup: bool,
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
            lookup: None,
            result: None,
            shown: None,
            notice: None,
            tab: Tab::Person,
            view: views::ViewState::default(),
            language_change: None,
            start_on_first_frame: false,
            history: History::default(),
            matrix: MatrixView::default(),
            compare_pick: Vec::new(),
            open_path: String::new(),
            open_rx: None,
            history_load: None,
            report_first_frame: std::env::var_os("KRR_INSPECTOR_REPORT_FIRST_FRAME").is_some(),
            report_lookup: std::env::var_os("KRR_INSPECTOR_REPORT_FIRST_FRAME").is_some(),
        }
    }

    pub fn lang(&self) -> Lang {
        self.settings.ui_lang
    }

    pub fn environment(&self) -> &Environment {
        self.config
            .environment(&self.settings.environment)
            .unwrap_or(&self.config.environments[0])
    }

    /// The client for the current environment: the typed client_id over the configured registration.
    pub fn client(&self) -> Option<ClientRegistration> {
        let env = self.environment();
        let typed = self
            .settings
            .client_ids
            .get(&env.name)
            .filter(|s| !s.trim().is_empty());
        match (typed, &env.client) {
            (Some(id), existing) => Some(ClientRegistration {
                name: id.clone(),
                client_id: id.trim().to_owned(),
                ..existing
                    .clone()
                    .unwrap_or_else(ClientRegistration::emulator_default)
            }),
            (None, Some(c)) => Some(c.clone()),
            (None, None) => None,
        }
    }

    /// The scopes that will be asked for.
    pub fn scopes(&self) -> Vec<String> {
        let env = self.environment();
        let mut s = self
            .settings
            .scopes
            .get(&env.name)
            .cloned()
            .unwrap_or_else(|| default_scopes(env.dialect));
        if let Some(extra) = self.settings.extra_scopes.get(&env.name) {
            for scope in split_scope_string(extra) {
                if !s.contains(&scope) {
                    s.push(scope);
                }
            }
        }
        s
    }

    pub fn acr(&self) -> String {
        let env = self.environment();
        self.settings
            .acr
            .get(&env.name)
            .cloned()
            .unwrap_or_else(|| env.acr.clone())
    }

    fn apply_theme(&self, ctx: &egui::Context) {
        ctx.set_theme(match self.settings.theme {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        });
    }

    pub fn is_running(&self) -> bool {
        self.lookup.is_some()
    }

    /// The job for the current choices, or why there is none.
    fn build_job(&self) -> Result<Job, String> {
        let lang = self.lang();
        let client = self.client().ok_or_else(|| {
            lang.pick(
                "Ingen klient er registrert for dette miljøet: skriv inn en client_id, eller legg til en i konfigurasjonsfilen.",
                "No client is registered for this environment: type a client_id, or add one to the config file.",
            )
            .to_owned()
        })?;
        let client_secret = match (&client.secret_env, client.auth_method) {
            (_, AuthMethod::None) => None,
            (Some(var), _) => Some(Secret::new(std::env::var(var).map_err(|_| match lang {
                Lang::Nb => format!("Klienthemmeligheten mangler: sett miljøvariabelen {var} og start appen på nytt."),
                Lang::En => format!("The client secret is missing: set the environment variable {var} and restart the app."),
            })?)),
            (None, _) => None,
        };
        let scopes = self.scopes();
        let accept = self.settings.accept;
        let acr = Some(self.acr()).filter(|a| !a.is_empty());
        let ui_locales = self.settings.login_locale.clone();
        let browser = self.settings.browser.clone();
        Ok(Job {
            environment: self.environment().clone(),
            build: Box::new(move |target, trust| LookupRequest {
                target,
                client,
                client_secret,
                scopes,
                accept,
                acr,
                ui_locales,
                prompt: None,
                browser,
                callback_timeout: CALLBACK_TIMEOUT,
                trust,
                lang,
            }),
        })
    }

    /// The job for the current choices; when there is none, the reason becomes the notice.
    fn job_or_notice(&mut self) -> Option<Job> {
        match self.build_job() {
            Ok(j) => {
                self.notice = None;
                Some(j)
            }
            Err(e) => {
                self.notice = Some(e);
                None
            }
        }
    }

    /// Starts "log in and look up" with the current choices.
    pub fn start_lookup(&mut self, ctx: &egui::Context) {
        if self.is_running() {
            return;
        }
        let Some(job) = self.job_or_notice() else {
            return;
        };
        self.view.language_status = None;
        self.lookup = Some(LookupInProgress {
            running: worker::start_lookup(&self.services, job, ctx),
            steps: Vec::new(),
            authorization_url: None,
            deadline: None,
        });
    }

    /// Starts the scope matrix: every subset of the environment's read scopes, one login.
    pub fn start_matrix(&mut self, ctx: &egui::Context) {
        if self.is_running() || self.matrix.running.is_some() {
            return;
        }
        let Some(job) = self.job_or_notice() else {
            return;
        };
        let sets = crate::inspect::matrix::default_scope_sets(self.environment().dialect);
        self.matrix = MatrixView {
            total: sets.len(),
            running: Some(worker::start_matrix(&self.services, job, sets, ctx)),
            ..MatrixView::default()
        };
    }

    /// What the views draw for `result`: its display copy, cached while `result` is the same value.
    pub fn shown(&mut self, result: &Arc<Inspection>) -> Arc<Inspection> {
        match &self.shown {
            Some((of, shown)) if Arc::ptr_eq(of, result) => shown.clone(),
            _ => {
                let shown = Arc::new(crate::inspect::display::for_display(result));
                self.shown = Some((result.clone(), shown.clone()));
                shown
            }
        }
    }

    /// Shows an inspection (from history, the matrix, or a file) as the current result.
    pub fn open_inspection(&mut self, i: Arc<Inspection>) {
        self.result = Some(i);
        self.view.selected_field = None;
        self.tab = Tab::Person;
    }

    fn history_path() -> Option<std::path::PathBuf> {
        crate::config::default_data_dir().map(|d| d.join("history.json"))
    }

    fn remember(&mut self, i: Arc<Inspection>, ctx: &egui::Context) {
        self.history.push(i);
        if self.settings.keep_history
            && let Some(path) = InspectorApp::history_path()
        {
            let _ = worker::save_private_file(&self.services, path, self.history.to_json(), ctx);
        }
    }

    /// Turns keeping the history on (loading what was kept) or off (deleting the file).
    pub fn set_keep_history(&mut self, keep: bool, ctx: &egui::Context) {
        self.settings.keep_history = keep;
        let Some(path) = InspectorApp::history_path() else {
            return;
        };
        if keep {
            self.history_load = Some(worker::load_file(
                &self.services,
                path,
                History::from_json,
                ctx,
            ));
        } else {
            self.services.runtime.spawn_blocking(move || {
                let _ = std::fs::remove_file(path);
            });
        }
    }

    /// Opens a saved inspection (JSON from export or `fetch --format json`).
    pub fn open_file(&mut self, path: std::path::PathBuf, ctx: &egui::Context) {
        self.open_rx = Some(worker::load_file(
            &self.services,
            path,
            crate::inspect::export::from_json,
            ctx,
        ));
    }

    pub fn cancel_lookup(&mut self) {
        if let Some(l) = self.lookup.take() {
            l.running.cancel();
            self.notice = Some(
                self.lang()
                    .pick("Innloggingen ble avbrutt.", "The login was cancelled.")
                    .into(),
            );
        }
    }

    /// Changes the preferred language of the person in `i` with its access token.
    pub fn change_language(&mut self, i: &Inspection, spraak: Spraak, ctx: &egui::Context) {
        let Some(token) = i.token.as_ref().map(|t| t.access_token.clone()) else {
            return;
        };
        self.view.language_status = None;
        self.language_change = Some(worker::start_language_change(
            &self.services,
            i.environment.person_url.clone(),
            token,
            spraak,
            ctx,
        ));
    }

    /// Takes what the background has sent. Called every frame; cheap when there is nothing.
    pub fn poll(&mut self, ctx: &egui::Context) {
        let mut finished = None;
        if let Some(l) = &mut self.lookup {
            while let Ok(m) = l.running.rx.try_recv() {
                match m {
                    Message::Progress(p) => {
                        if let Progress::Login(LoginEvent::AuthorizationUrl { url, timeout_secs }) =
                            &p
                        {
                            l.authorization_url = Some(url.clone());
                            l.deadline = Some(Instant::now() + Duration::from_secs(*timeout_secs));
                        }
                        l.steps.push(p);
                    }
                    Message::Finished(i) => finished = Some(Ok(i)),
                    Message::Failed(e) => finished = Some(Err(e)),
                    _ => {}
                }
            }
        }
        match finished {
            Some(Ok(i)) => {
                let i: Arc<Inspection> = Arc::from(i);
                self.lookup = None;
                self.remember(i.clone(), ctx);
                self.tab = if i.error.is_some() && i.body.is_none() {
                    Tab::Person
                } else {
                    self.tab
                };
                self.view.selected_field = None;
                self.result = Some(i);
            }
            Some(Err(e)) => {
                self.lookup = None;
                self.notice = Some(e);
            }
            None => {}
        }
        let mut matrix_rows = Vec::new();
        if let Some(r) = &self.matrix.running {
            while let Ok(m) = r.rx.try_recv() {
                match m {
                    Message::MatrixRow(row) => matrix_rows.push(*row),
                    Message::MatrixDone(m) => self.matrix.done = Some(*m),
                    Message::Failed(e) => self.matrix.error = Some(e),
                    _ => {}
                }
            }
        }
        for row in matrix_rows {
            self.remember(Arc::new(row.inspection.clone()), ctx);
            self.matrix.rows.push(row);
        }
        if self.matrix.done.is_some() || self.matrix.error.is_some() {
            self.matrix.running = None;
        }
        if let Some(rx) = &self.view.save_result
            && let Ok(r) = rx.try_recv()
        {
            self.view.save_status = Some(r);
            self.view.save_result = None;
        }
        if let Some(rx) = &self.open_rx
            && let Ok(r) = rx.try_recv()
        {
            self.open_rx = None;
            match r {
                Ok(i) => {
                    let i = Arc::new(i);
                    self.history.push(i.clone());
                    self.open_inspection(i);
                    self.notice = None;
                }
                Err(e) => self.notice = Some(e),
            }
        }
        if let Some(rx) = &self.history_load
            && let Ok(r) = rx.try_recv()
        {
            self.history_load = None;
            match r {
                Ok(loaded) => {
                    // Entries of this session first, then the kept ones.
                    let mut h = loaded;
                    for e in self.history.entries.iter().rev() {
                        h.push(e.inspection.clone());
                    }
                    self.history = h;
                }
                Err(e) => self.notice = Some(e),
            }
        }
        if let Some(r) = &self.language_change
            && let Ok(Message::LanguageChanged(result)) = r.rx.try_recv()
        {
            let lang = self.lang();
            self.view.language_status = Some(match result {
                Ok(code) => Ok(match lang {
                    Lang::Nb => {
                        format!("Språket er endret til «{code}». Slå opp på nytt for å se det.")
                    }
                    Lang::En => format!("The language is now '{code}'. Look up again to see it."),
                }),
                Err(e) => Err(e),
            });
            self.language_change = None;
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let (start, cancel) = ctx.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter),
                i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
            )
        });
        if start {
            self.start_lookup(ctx);
        }
        if cancel && self.is_running() {
            self.cancel_lookup();
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        ui.horizontal(|ui| {
            ui.heading(super::APP_TITLE);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let theme_label = ui.label(lang.pick("Tema", "Theme"));
                let mut theme = self.settings.theme;
                egui::ComboBox::from_id_salt("theme")
                    .selected_text(theme_name(theme, lang))
                    .show_ui(ui, |ui| {
                        for t in [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark] {
                            ui.selectable_value(&mut theme, t, theme_name(t, lang));
                        }
                    })
                    .response
                    .labelled_by(theme_label.id);
                if theme != self.settings.theme {
                    self.settings.theme = theme;
                    self.apply_theme(ui.ctx());
                }
                ui.separator();
                for l in [Lang::En, Lang::Nb] {
                    let name = match l {
                        Lang::Nb => "Norsk (bokmål)",
                        Lang::En => "English",
                    };
                    ui.selectable_value(&mut self.settings.ui_lang, l, name);
                }
            });
        });
    }

    fn request_panel(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let running = self.is_running();
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_enabled_ui(!running, |ui| {
                ui.heading(lang.pick("Forespørsel", "Request"));
                self.environment_picker(ui);
                ui.separator();
                self.client_editor(ui);
                ui.separator();
                self.scope_checklist(ui);
                ui.separator();
                self.options(ui);
            });
            ui.add_space(8.0);
            let button = egui::Button::new(
                RichText::new(lang.pick("Logg inn og slå opp", "Log in and look up")).size(18.0),
            )
            .min_size(egui::vec2(ui.available_width(), 36.0));
            if ui
                .add_enabled(!running, button)
                .on_hover_text("Ctrl+Enter")
                .clicked()
            {
                self.start_lookup(ui.ctx());
            }
        });
    }

    fn environment_picker(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let label = ui.label(RichText::new(lang.pick("Miljø", "Environment")).strong());
        let current = self.environment().clone();
        let mut chosen = self.settings.environment.clone();
        egui::ComboBox::from_id_salt("environment")
            .selected_text(&current.label)
            .width(ui.available_width())
            .show_ui(ui, |ui| {
                for group in [Group::Local, Group::Digdir, Group::Difi, Group::User] {
                    let envs: Vec<&Environment> = self
                        .config
                        .environments
                        .iter()
                        .filter(|e| e.group == group)
                        .collect();
                    if envs.is_empty() {
                        continue;
                    }
                    ui.label(RichText::new(group_name(group, lang)).weak());
                    for e in envs {
                        ui.selectable_value(&mut chosen, e.name.clone(), &e.label);
                    }
                }
            })
            .response
            .labelled_by(label.id);
        self.settings.environment = chosen;
        let env = self.environment();
        let (issuer, person) = match (env.issuer(), env.person_url()) {
            (Some(i), Some(p)) => (i.to_owned(), p.to_owned()),
            _ => (
                lang.pick(
                    "den innebygde emulatoren, startes ved behov på 127.0.0.1",
                    "the built-in emulator, started on demand on 127.0.0.1",
                )
                .to_owned(),
                String::new(),
            ),
        };
        ui.label(
            RichText::new(format!("issuer: {issuer}"))
                .small()
                .monospace(),
        );
        if !person.is_empty() {
            ui.label(
                RichText::new(format!("person: {person}"))
                    .small()
                    .monospace(),
            );
        }
    }

    fn client_editor(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let env = self.environment().clone();
        let configured = env
            .client
            .as_ref()
            .map(|c| c.client_id.clone())
            .unwrap_or_default();
        let label =
            ui.label(RichText::new(lang.pick("Klient (client_id)", "Client (client_id)")).strong());
        let typed = self
            .settings
            .client_ids
            .entry(env.name.clone())
            .or_default();
        ui.add(
            egui::TextEdit::singleline(typed).hint_text(if configured.is_empty() {
                "client_id"
            } else {
                &configured
            }),
        )
        .labelled_by(label.id);
        match self.client() {
            Some(c) => {
                let secret = match (&c.secret_env, c.auth_method) {
                    (_, AuthMethod::None) => lang
                        .pick("offentlig klient, bare PKCE", "public client, PKCE only")
                        .to_owned(),
                    (Some(var), m) => {
                        let set = std::env::var_os(var).is_some();
                        format!(
                            "{}, {} ${var}: {}",
                            m.as_str(),
                            lang.pick("hemmelighet fra", "secret from"),
                            if set {
                                lang.pick("satt", "set")
                            } else {
                                lang.pick("MANGLER", "NOT SET")
                            }
                        )
                    }
                    (None, m) => m.as_str().to_owned(),
                };
                ui.label(RichText::new(secret).small());
            }
            None => {
                ui.colored_label(
                    Color32::from_rgb(200, 120, 0),
                    lang.pick(
                        "Ingen klient er konfigurert for dette miljøet. Registrer en klient hos Digdir og legg den i konfigurasjonsfilen, eller skriv inn client_id.",
                        "No client is configured for this environment. Register one with Digdir and add it to the config file, or type a client_id.",
                    ),
                );
            }
        }
    }

    fn scope_checklist(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let env = self.environment().clone();
        ui.label(
            RichText::new(format!(
                "{} ({})",
                lang.pick("Omfang", "Scopes"),
                env.dialect.label()
            ))
            .strong(),
        );
        let mut selected = self
            .settings
            .scopes
            .get(&env.name)
            .cloned()
            .unwrap_or_else(|| default_scopes(env.dialect));
        for info in checklist(env.dialect) {
            let mut on = selected.iter().any(|s| s == info.name);
            ui.checkbox(&mut on, RichText::new(info.name).monospace())
                .on_hover_text(info.description(lang));
            ui.label(RichText::new(info.description(lang)).small().weak());
            match (on, selected.iter().position(|s| s == info.name)) {
                (true, None) => selected.push(info.name.to_owned()),
                (false, Some(i)) => {
                    selected.remove(i);
                }
                _ => {}
            }
        }
        self.settings.scopes.insert(env.name.clone(), selected);
        let label = ui.label(lang.pick(
            "Flere omfang (mellomromsdelt)",
            "Extra scopes (space-separated)",
        ));
        let extra = self
            .settings
            .extra_scopes
            .entry(env.name.clone())
            .or_default();
        ui.add(egui::TextEdit::singleline(extra).hint_text("krr:user/spraak.write"))
            .labelled_by(label.id);
    }

    fn options(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let env = self.environment().clone();
        egui::Grid::new("options")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                ui.label("Accept");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.settings.accept, Accept::Jose, "application/jose");
                    ui.radio_value(&mut self.settings.accept, Accept::Json, "application/json");
                });
                ui.end_row();

                let acr_label =
                    ui.label(lang.pick("Sikkerhetsnivå (acr)", "Assurance level (acr)"));
                let levels = crate::krr::login::acr_levels(env.dialect);
                let mut acr = self.acr();
                egui::ComboBox::from_id_salt("acr")
                    .selected_text(&acr)
                    .show_ui(ui, |ui| {
                        for l in levels {
                            ui.selectable_value(&mut acr, (*l).to_owned(), *l);
                        }
                    })
                    .response
                    .labelled_by(acr_label.id);
                self.settings.acr.insert(env.name.clone(), acr);
                ui.end_row();

                let locale_label = ui.label(lang.pick("Innloggingsspråk", "Login language"));
                egui::ComboBox::from_id_salt("login-locale")
                    .selected_text(&self.settings.login_locale)
                    .show_ui(ui, |ui| {
                        for (code, name) in crate::krr::login::LOGIN_LOCALES {
                            ui.selectable_value(
                                &mut self.settings.login_locale,
                                code.to_owned(),
                                format!("{code} – {name}"),
                            );
                        }
                    })
                    .response
                    .labelled_by(locale_label.id);
                ui.end_row();
            });
        ui.label(RichText::new(lang.pick("Nettleser", "Browser")).strong());
        let mut kind = match &self.settings.browser {
            BrowserChoice::System => 0,
            BrowserChoice::Command(_) => 1,
            BrowserChoice::PrintUrl => 2,
        };
        ui.radio_value(
            &mut kind,
            0,
            lang.pick("Systemets nettleser", "System browser"),
        );
        ui.horizontal(|ui| {
            let radio = ui.radio_value(&mut kind, 1, lang.pick("Kommando:", "Command:"));
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.settings.browser_command)
                        .hint_text("firefox --private-window")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(radio.id);
            if r.changed() {
                kind = 1;
            }
        });
        ui.radio_value(
            &mut kind,
            2,
            lang.pick("Bare vis adressen", "Only show the URL"),
        );
        self.settings.browser = match kind {
            1 => BrowserChoice::Command(self.settings.browser_command.clone()),
            2 => BrowserChoice::PrintUrl,
            _ => BrowserChoice::System,
        };
    }
}

fn theme_name(t: ThemeChoice, lang: Lang) -> &'static str {
    match t {
        ThemeChoice::System => lang.pick("Som systemet", "Follow system"),
        ThemeChoice::Light => lang.pick("Lyst", "Light"),
        ThemeChoice::Dark => lang.pick("Mørkt", "Dark"),
    }
}

fn group_name(g: Group, lang: Lang) -> &'static str {
    match g {
        Group::Local => lang.pick("Lokalt (emulator)", "Local (emulator)"),
        Group::Digdir => "Digdir",
        Group::Difi => lang.pick("Difi (opprinnelig)", "Difi (original)"),
        Group::User => lang.pick("Dine", "Yours"),
    }
}

impl eframe::App for InspectorApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if std::mem::take(&mut self.start_on_first_frame) {
            self.start_lookup(ctx);
        }
        self.poll(ctx);
        self.shortcuts(ctx);
        // The countdown ticks once a second while a login waits; nothing repaints when idle.
        if let Some(l) = &self.lookup
            && l.deadline.is_some()
        {
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        if self.matrix.running.is_some() {
            ctx.request_repaint_after(Duration::from_secs(1));
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
        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        egui::Panel::left("request")
            .resizable(true)
            .default_size(340.0)
            .show(ui, |ui| self.request_panel(ui));
        egui::CentralPanel::default().show(ui, |ui| views::central(self, ui));
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
