//! The desktop app (eframe/egui 0.37): pick an environment and scopes, log in through the system browser, and
//! inspect the answer in tabs. App state and the command loop live in `app`; the panels in `request`; the tabs in
//! `views` (one file and state struct each), which push `commands::Command`s; background work is started in
//! `worker` and tracked in `tasks`; the kept history has one writer (`inspect::history_writer`); `lookup` is where a job
//! is built. The UI thread never blocks and an idle window requests no repaints.
//!
//! Imports point one way: `app` → `request`/`views`/`tasks`/`lookup` → `commands`/`settings`/
//! `worker`; views import no other gui file but `commands`.

pub mod app;
pub mod commands;
pub mod lookup;
pub mod request;
pub mod secret_form;
pub mod settings;
pub mod tasks;
pub mod views;
pub mod worker;

use eframe::egui;

pub use app::InspectorApp;
pub use worker::{KeySource, Services};

use crate::config::Config;

pub const APP_TITLE: &str = "KRR Inspector";
pub const APP_ID: &str = "krr-inspector";
const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// How the window starts.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// Pick this environment instead of the remembered one.
    pub environment: Option<String>,
    /// Start "log in and look up" at once (demos, the screenshot script).
    pub lookup: bool,
    /// `--lang` / `KRR_INSPECTOR_LANG` when given: the window opens in it, over the remembered choice (a choice
    /// made in the window is remembered for launches without the flag).
    pub lang: Option<crate::krr::Lang>,
}

/// Opens the window and runs until it is closed.
pub fn run(config: Config, start: StartOptions) -> Result<(), eframe::Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| eframe::Error::AppCreation(Box::new(e)))?;
    let keys = KeySource::Dir(crate::config::emulator_keys_dir());
    let services = Services::new(runtime.handle().clone(), keys)
        .map_err(|e| eframe::Error::AppCreation(Box::new(e)))?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(APP_TITLE)
        .with_app_id(APP_ID)
        .with_inner_size([1200.0, 780.0])
        .with_min_inner_size([720.0, 480.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    let result = eframe::run_native(
        APP_TITLE,
        options,
        Box::new(move |cc| {
            let mut app = InspectorApp::new(cc, config, services);
            app.apply_start(start);
            Ok(Box::new(app))
        }),
    );
    runtime.shutdown_background();
    result
}
