//! The panels around the result: the top bar (title, theme, language) and the request panel (environment, client,
//! scopes, options, the start button). They edit the settings in place and push commands for everything else.

use eframe::egui;
use egui::{Color32, RichText};

use super::commands::{Command, Commands};
use super::lookup::Choices;
use super::settings::{Settings, ThemeChoice};
use crate::config::{AuthMethod, Config, Environment, Group, SecretSource};
use crate::inspect::{Accept, default_scopes};
use crate::krr::Lang;
use crate::krr::scopes::checklist;
use crate::oidc::BrowserChoice;

/// Digdir's MinProfil for TEST, where a TEST person's contact info is changed.
pub const MINPROFIL_TEST: &str = "https://minprofil.test.kontaktregisteret.no";

/// The settings being edited for one frame, with what the panels need beside them.
pub struct Panels<'a> {
    pub config: &'a Config,
    pub settings: &'a mut Settings,
    /// A lookup runs: the request cannot be edited.
    pub running: bool,
    /// A result is shown (a login happened): "Log in as another person" makes sense.
    pub has_result: bool,
    pub commands: &'a mut Commands,
    pub secret_form: &'a mut super::secret_form::SecretForm,
}

impl Panels<'_> {
    fn choices(&self) -> Choices<'_> {
        Choices {
            config: self.config,
            settings: self.settings,
        }
    }

    pub fn top_bar(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.ui_lang;
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
                    self.commands.push(Command::SetTheme(theme));
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

    pub fn request_panel(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.ui_lang;
        let running = self.running;
        // The header stays in view when the panel scrolls: the fold button is always at hand.
        ui.horizontal(|ui| {
            ui.heading(lang.pick("Forespørsel", "Request"));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button(lang.pick("« Skjul", "« Hide"))
                    .on_hover_text(lang.pick("Skjul forespørselspanelet", "Hide the request panel"))
                    .clicked()
                {
                    self.settings.request_panel_open = false;
                }
            });
        });
        // The actions stay at the panel's foot, in view however far the options scroll.
        egui::Panel::bottom("request-actions")
            .show_separator_line(false)
            .show(ui, |ui| {
                ui.add_space(6.0);
                self.actions(ui);
                ui.add_space(4.0);
            });
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_enabled_ui(!running, |ui| {
                self.environment_picker(ui);
                ui.separator();
                self.client_editor(ui);
                ui.separator();
                self.scope_checklist(ui);
                ui.separator();
                self.options(ui);
            });
        });
    }

    /// The one primary action, filled with the accent colour, and "Log in as another person" after a login.
    fn actions(&mut self, ui: &mut egui::Ui) {
        let (lang, running) = (self.settings.ui_lang, self.running);
        let button = egui::Button::new(
            RichText::new(lang.pick("Logg inn og slå opp", "Log in and look up"))
                .size(18.0)
                .strong()
                .color(Color32::WHITE),
        )
        .fill(super::views::style::ACCENT)
        .min_size(egui::vec2(ui.available_width(), 36.0));
        if ui
            .add_enabled(!running, button)
            .on_hover_text("Ctrl+Enter")
            .clicked()
        {
            self.commands.push(Command::StartLookup);
        }
        // After a login the provider remembers the person (single sign-on): a plain lookup logs in as them
        // again. This one makes the provider ask (prompt=login); a headless test person needs no such button.
        if self.has_result && self.choices().test_person().is_none() {
            let again = egui::Button::new(
                lang.pick("Logg inn som en annen person", "Log in as another person"),
            )
            .min_size(egui::vec2(ui.available_width(), 28.0));
            if ui
                .add_enabled(!running, again)
                .on_hover_text(lang.pick(
                    "ID-porten spør hvem som logger inn, selv om du fortsatt er innlogget (prompt=login)",
                    "ID-porten asks who logs in, even while you are still logged in (prompt=login)",
                ))
                .clicked()
            {
                self.commands.push(Command::StartLookupAsAnotherPerson);
            }
        }
    }

    /// The request panel folded away: a button to bring it back, and the primary action still at hand.
    pub fn collapsed_request_panel(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.ui_lang;
        if ui
            .button(lang.pick("» Forespørsel", "» Request"))
            .on_hover_text(lang.pick("Vis forespørselspanelet", "Show the request panel"))
            .clicked()
        {
            self.settings.request_panel_open = true;
        }
        ui.add_space(8.0);
        let button = egui::Button::new(
            RichText::new(lang.pick("Slå opp", "Look up"))
                .strong()
                .color(Color32::WHITE),
        )
        .fill(super::views::style::ACCENT);
        if ui
            .add_enabled(!self.running, button)
            .on_hover_text("Ctrl+Enter")
            .clicked()
        {
            self.commands.push(Command::StartLookup);
        }
    }

    /// For the local emulator: log in as one of its test persons headless (a TestID hint), or on the login page.
    fn test_person_picker(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.ui_lang;
        let env_name = self.choices().environment().name.clone();
        let persons = crate::inspect::persons::local_test_persons();
        let mut chosen = self
            .settings
            .test_person
            .get(&env_name)
            .cloned()
            .unwrap_or_default();
        let on_page = lang.pick(
            "Velg på innloggingssiden (i nettleseren)",
            "Choose on the login page (in the browser)",
        );
        let shown = persons
            .iter()
            .find(|p| p.pid == chosen)
            .map(|p| format!("{} – {}", p.pid, p.label(lang)))
            .unwrap_or_else(|| on_page.to_owned());
        let label = ui.label(RichText::new(lang.pick("Testperson", "Test person")).strong());
        egui::ComboBox::from_id_salt("test-person")
            .selected_text(shown)
            .width(ui.available_width())
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, String::new(), on_page);
                for p in persons {
                    ui.selectable_value(
                        &mut chosen,
                        p.pid.clone(),
                        format!("{} – {}", p.pid, p.label(lang)),
                    );
                }
            })
            .response
            .labelled_by(label.id);
        if !chosen.is_empty() {
            ui.label(lang.pick(
                "Logger inn uten nettleser (TestID-hint), som i Digdirs testmiljøer.",
                "Logs in without a browser (a TestID hint), as in Digdir's test environments.",
            ));
        }
        self.settings.test_person.insert(env_name, chosen);
    }

    fn environment_picker(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.ui_lang;
        let label = ui.label(RichText::new(lang.pick("Miljø", "Environment")).strong());
        let current = self.choices().environment().clone();
        let mut chosen = self.settings.environment.clone();
        // Every environment in view at once, under its kind: no scrolling in a small box.
        egui::ComboBox::from_id_salt("environment")
            .selected_text(current.label_in(lang))
            .width(ui.available_width())
            .height(f32::INFINITY)
            .show_ui(ui, |ui| {
                for kind in PickerGroup::ALL {
                    let envs: Vec<&Environment> = self
                        .config
                        .environments
                        .iter()
                        .filter(|e| PickerGroup::of(e) == kind)
                        .collect();
                    if envs.is_empty() {
                        continue;
                    }
                    ui.add_space(4.0);
                    ui.label(RichText::new(kind.name(lang)).strong());
                    for e in envs {
                        ui.selectable_value(&mut chosen, e.name.clone(), e.label_in(lang));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        self.settings.environment = chosen;
        let env = self.choices().environment();
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
        ui.add(
            egui::Label::new(RichText::new(format!("issuer: {issuer}")).monospace())
                .wrap_mode(egui::TextWrapMode::Wrap),
        );
        if !person.is_empty() {
            ui.add(
                egui::Label::new(RichText::new(format!("person: {person}")).monospace())
                    .wrap_mode(egui::TextWrapMode::Wrap),
            );
        }
        let (local, retired, is_test) = (
            env.location == crate::config::Location::Emulator,
            env.retired,
            env.name == "test",
        );
        if local {
            self.test_person_picker(ui);
        }
        if retired {
            ui.colored_label(
                super::views::style::AMBER,
                lang.pick(
                    "Digdir har faset ut dette miljøet: endepunktene svarer ikke lenger. Bruk Digdir TEST, eller den lokale emulatoren (Difi-generasjonen) for gamle opptak.",
                    "Digdir has retired this environment: its endpoints no longer answer. Use Digdir TEST, or the local emulator (Difi generation) for old recordings.",
                ),
            );
        }
        if is_test {
            // Where TEST's persons come from (Digdir withdrew its published lists in 2023 and 2024).
            ui.label(lang.pick(
                "Testpersoner: syntetiske personer fra Tenor testdatasøk (Skatteetaten), nullstilles daglig.",
                "Test persons: synthetic persons from Tenor's test data search (Skatteetaten), reset daily.",
            ));
            ui.hyperlink_to(
                lang.pick(
                    "Endre en testpersons kontaktinformasjon i MinProfil for TEST",
                    "Change a test person's contact info in MinProfil for TEST",
                ),
                MINPROFIL_TEST,
            );
        }
    }

    fn client_editor(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.ui_lang;
        let env = self.choices().environment().clone();
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
        match self.choices().client() {
            Some(c) => {
                let from_keyring = self.choices().secret_from_keyring();
                let secret = match (&c.secret_env, c.auth_method) {
                    (_, AuthMethod::None) => lang
                        .pick("offentlig klient, bare PKCE", "public client, PKCE only")
                        .to_owned(),
                    (_, AuthMethod::PrivateKeyJwt) => format!(
                        "private_key_jwt, {} {}",
                        lang.pick("nøkkelfil", "key file"),
                        c.private_key
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| lang.pick("MANGLER", "NOT SET").to_owned())
                    ),
                    (var, m) if from_keyring => format!(
                        "{}, {}{}",
                        m.as_str(),
                        match var {
                            Some(var) if c.secret_source == SecretSource::Env =>
                                format!("${var} {}: ", lang.pick("er ikke satt", "is not set")),
                            _ => String::new(),
                        },
                        lang.pick("hemmelighet fra nøkkelringen", "secret from the keyring")
                    ),
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
                ui.label(secret);
                if from_keyring {
                    self.secret_form.show(ui, &env.name, &c.client_id, lang);
                }
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
        let lang = self.settings.ui_lang;
        let env = self.choices().environment().clone();
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
            ui.label(info.description(lang));
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
        let lang = self.settings.ui_lang;
        let env = self.choices().environment().clone();
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
                let mut acr = self.choices().acr();
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

                ui.label("DPoP");
                ui.checkbox(
                    &mut self.settings.dpop,
                    lang.pick("bind tokens til øktnøkkel", "bind tokens to a session key"),
                )
                .on_hover_text(lang.pick(
                    "RFC 9449: en ES256-nøkkel for økten, og et bevis med hvert kall. Om KRR godtar DPoP-bundne \
                     tokens er ikke dokumentert: rapporten viser hva registeret svarer.",
                    "RFC 9449: an ES256 key for the session, and a proof with each call. Whether KRR accepts \
                     DPoP-bound tokens is not documented: the report shows what the register answers.",
                ));
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
        let radio = ui.radio_value(&mut kind, 1, lang.pick("Kommando:", "Command:"));
        // The whole command shows (it wraps): a person id at its end is never cut off.
        let r = ui
            .add(
                egui::TextEdit::multiline(&mut self.settings.browser_command)
                    .hint_text("firefox --private-window")
                    .desired_rows(1)
                    .desired_width(f32::INFINITY)
                    .code_editor(),
            )
            .labelled_by(radio.id);
        if r.changed() {
            kind = 1;
        }
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

/// The kinds of environment the picker groups by: what a tester asks first is whether it is real people's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PickerGroup {
    Test,
    Production,
    Local,
    Retired,
    Yours,
}

impl PickerGroup {
    const ALL: [PickerGroup; 5] = [
        PickerGroup::Test,
        PickerGroup::Production,
        PickerGroup::Local,
        PickerGroup::Retired,
        PickerGroup::Yours,
    ];

    fn of(e: &Environment) -> PickerGroup {
        if e.group == Group::User {
            PickerGroup::Yours
        } else if e.retired {
            PickerGroup::Retired
        } else if e.location == crate::config::Location::Emulator {
            PickerGroup::Local
        } else if e.production {
            PickerGroup::Production
        } else {
            PickerGroup::Test
        }
    }

    fn name(self, lang: Lang) -> &'static str {
        match self {
            PickerGroup::Test => "TEST",
            PickerGroup::Production => {
                lang.pick("Produksjon (ekte personer)", "Production (real people)")
            }
            PickerGroup::Local => lang.pick("Lokal emulator", "Local emulator"),
            PickerGroup::Retired => lang.pick("Faset ut", "Retired"),
            PickerGroup::Yours => lang.pick("Dine egne", "Your own"),
        }
    }
}
