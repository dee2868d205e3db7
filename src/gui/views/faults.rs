//! The Emulator faults tab: the built-in emulator's fault switches (the catalogue), each with what it does and what
//! a good client does, turned on or off in place for the next lookup; and a link to the emulator's admin page
//! (random port). The switches are the app's own emulator's, reached through `inspect`.

use eframe::egui;
use egui::RichText;

use super::style::RED;
use super::tab::{StandaloneTab, TabContext};
use crate::gui::commands::{Command, Commands};
use crate::inspect::faults::EmulatorFaults;
use crate::krr::Lang;

#[derive(Default)]
pub struct FaultsView {
    /// The faults as the emulator last said (none while it is not running).
    pub faults: Option<EmulatorFaults>,
    pub error: Option<String>,
    /// The faults were asked for since the last lookup (a lookup may start the emulator).
    pub asked: bool,
}

impl StandaloneTab for FaultsView {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut TabContext<'_>, commands: &mut Commands) {
        let lang = cx.lang;
        if !self.asked {
            self.asked = true;
            commands.push(Command::LoadFaults { start: false });
        }
        ui.label(lang.pick(
            "Feil du kan slå på i den innebygde emulatoren (miljøene local og local-difi): de gjelder fra neste oppslag.",
            "Faults you can turn on in the built-in emulator (the local and local-difi environments): they apply from the next lookup.",
        ));
        if let Some(e) = &self.error {
            ui.colored_label(RED, crate::escape::display(e).into_owned());
        }
        let Some(faults) = &self.faults else {
            ui.add_space(6.0);
            ui.label(lang.pick(
                "Emulatoren kjører ikke ennå: den starter med det første oppslaget i et lokalt miljø.",
                "The emulator is not running yet: it starts with the first lookup in a local environment.",
            ));
            if ui.button(lang.pick("Start emulatoren", "Start the emulator")).clicked() {
                commands.push(Command::LoadFaults { start: true });
            }
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.hyperlink_to(
                lang.pick("Åpne emulatorens adminside", "Open the emulator's admin page"),
                &faults.admin_url,
            );
            ui.label(RichText::new(&faults.admin_url).monospace());
            if ui.button(lang.pick("Oppdater", "Refresh")).clicked() {
                commands.push(Command::LoadFaults { start: false });
            }
        });
        let on = faults.switches.iter().filter(|s| s.on).count();
        ui.label(match lang {
            Lang::Nb => format!("{on} av {} feil er på.", faults.switches.len()),
            Lang::En => format!("{on} of {} faults are on.", faults.switches.len()),
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("faults")
                    .striped(true)
                    .spacing([12.0, 6.0])
                    .show(ui, |ui| {
                        ui.label(RichText::new(lang.pick("Feil", "Fault")).strong());
                        ui.label(RichText::new(lang.pick("Hva den gjør", "What it does")).strong());
                        ui.end_row();
                        for s in &faults.switches {
                            if s.seconds {
                                ui.label(format!("{}: {} s", s.label, s.value))
                                    .on_hover_text(lang.pick(
                                        "Et tall: settes på adminsiden",
                                        "A number: set it on the admin page",
                                    ));
                            } else {
                                let mut checked = s.on;
                                if ui.checkbox(&mut checked, s.label).changed() {
                                    commands.push(Command::SetFault {
                                        name: s.name.to_owned(),
                                        on: checked,
                                    });
                                }
                            }
                            ui.add(egui::Label::new(s.description).wrap()).on_hover_text(format!(
                                "{} {}",
                                lang.pick("En god klient:", "A good client:"),
                                s.good_client
                            ));
                            ui.end_row();
                        }
                    });
            });
    }
}
