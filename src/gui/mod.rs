//! The desktop app (eframe/egui). For now a window that lists the environments; the request, login and result
//! views come with the login engine.

use eframe::egui;

use crate::config::Config;

pub const APP_TITLE: &str = "KRR Inspector";

pub struct InspectorApp {
    config: Config,
}

impl InspectorApp {
    pub fn new(config: Config) -> InspectorApp {
        InspectorApp { config }
    }
}

impl eframe::App for InspectorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(APP_TITLE);
            ui.label("Environments:");
            egui::Grid::new("environments")
                .striped(true)
                .show(ui, |ui| {
                    for env in &self.config.environments {
                        ui.label(&env.name);
                        ui.label(&env.label);
                        ui.label(env.issuer().unwrap_or("started on demand"));
                        ui.end_row();
                    }
                });
        });
    }
}

/// Opens the window and runs until it is closed.
pub fn run(config: Config) -> Result<(), eframe::Error> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(APP_TITLE)
            .with_inner_size([960.0, 640.0]),
        ..Default::default()
    };
    eframe::run_native(
        APP_TITLE,
        options,
        Box::new(|_cc| Ok(Box::new(InspectorApp::new(config)))),
    )
}
