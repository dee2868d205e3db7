//! Saving, opening, the system's file dialogs and files dropped on the window. A path typed in a field is
//! expanded (`~`) and, when it names a file, asked about before it is replaced; a Save dialog asks that itself.
//! What was written is said with its full path, and the status line offers to open its folder or copy it.

use std::path::PathBuf;

use eframe::egui;

use super::super::commands::{Command, Confirm, Status};
use super::super::tasks::TaskName;
use super::super::worker::{self, FileSource, Message, Pick};
use super::InspectorApp;
use crate::krr::Lang;

impl InspectorApp {
    /// Runs a command that saves or opens a file.
    pub(super) fn file_command(&mut self, command: Command, ctx: &egui::Context) {
        let lang = self.lang();
        match command {
            Command::Save { path, contents } => {
                let path = crate::config::expand_home(&path.to_string_lossy());
                if path.as_os_str().is_empty() {
                    self.status = Some(Status::error(lang.pick(
                        "Skriv inn et filnavn først, eller bruk «Eksporter …».",
                        "Type a file name first, or use “Export …”.",
                    )));
                } else if crate::config::exists(&path) {
                    self.pending_save = Some((path, contents));
                    self.confirm = Some(Confirm::Overwrite);
                } else {
                    self.write(path, contents, ctx);
                }
            }
            Command::Write { path, contents } => self.write(path, contents, ctx),
            Command::SaveAs {
                suggested,
                contents,
            } => self.pick(
                Pick::Save {
                    suggested,
                    contents,
                },
                ctx,
            ),
            Command::OpenDialog => self.pick(Pick::Open, ctx),
            Command::OpenFile { path } => {
                let path = crate::config::expand_home(&path.to_string_lossy());
                self.open(FileSource::Path(path), ctx)
            }
            _ => {}
        }
    }

    fn write(&mut self, path: PathBuf, contents: String, ctx: &egui::Context) {
        let running = worker::save_file(&self.services, path, contents, ctx);
        self.tasks.insert(TaskName::Save, running);
    }

    /// Opens a file with the current choices' trust (its `trust_ca`), the local emulator's CA while it runs.
    fn open(&mut self, source: FileSource, ctx: &egui::Context) {
        let trust = self
            .choices()
            .build_job()
            .map(|j| j.plan.trust().clone())
            .unwrap_or_default();
        let running = worker::open_file(&self.services, source, trust, self.lang(), ctx);
        self.tasks.insert(TaskName::OpenFile, running);
    }

    /// Shows a system file dialog, or says at once that there is none (and what to do instead).
    fn pick(&mut self, pick: Pick, ctx: &egui::Context) {
        let lang = self.lang();
        if let Some(why) = crate::config::no_file_dialog() {
            let not_done = match pick {
                Pick::Open => lang.pick(
                    "ingenting ble åpnet. Skriv stien i feltet i Historikk-fanen, eller slipp filen på vinduet.",
                    "nothing was opened. Type the path in the History tab's field, or drop the file on the window.",
                ),
                Pick::Save { .. } => lang.pick(
                    "filen ble ikke lagret. Skriv en sti i feltet ved siden av, og lagre dit.",
                    "the file was not saved. Type a path in the field beside it and save there.",
                ),
            };
            self.status = Some(Status::error(format!(
                "{}: {not_done}",
                dialog_missing(why, lang)
            )));
            return;
        }
        let running = worker::pick_file(&self.services, pick, lang, ctx);
        self.tasks.insert(TaskName::Dialog, running);
    }

    /// What a file task sent: a file written, a file opened, a dialog closed.
    pub(super) fn file_message(&mut self, message: Message) {
        let lang = self.lang();
        match message {
            Message::Saved(r) => {
                self.status = Some(match &r {
                    Ok(p) => Status::saved(
                        format!("{} {}", lang.pick("Lagret", "Saved"), p.display()),
                        p.clone(),
                    ),
                    Err(e) => Status::error(crate::escape::display(e).into_owned()),
                });
                self.views.export.save_status = Some(r.map(|p| p.display().to_string()));
            }
            Message::Opened(Ok(opened)) => {
                let i: std::sync::Arc<crate::inspect::Inspection> =
                    std::sync::Arc::from(opened.inspection);
                self.history.push(i.clone());
                self.open_inspection(i);
                self.notice = None;
                self.status = Some(Status::done(
                    crate::escape::display(&opened.said).into_owned(),
                ));
            }
            Message::Opened(Err(e)) => {
                self.status = Some(Status::error(crate::escape::display(&e).into_owned()))
            }
            Message::Picked { pick, path: None } => {
                let mut said = match pick {
                    Pick::Open => lang.pick(
                        "Ingen fil valgt: ingenting ble åpnet.",
                        "No file chosen: nothing was opened.",
                    ),
                    Pick::Save { .. } => lang.pick(
                        "Ingen fil valgt: ingenting ble lagret.",
                        "No file chosen: nothing was saved.",
                    ),
                }
                .to_owned();
                // With no portal answering, rfd falls back to zenity; without it, no dialog ever appeared.
                if !crate::config::zenity_installed() {
                    said.push_str(lang.pick(
                        " (Kom det ingen dialog? Da svarte ingen skrivebordsportal, og zenity er ikke installert: skriv stien i feltet i stedet.)",
                        " (No dialog appeared? Then no desktop portal answered and zenity is not installed: type the path in the field instead.)",
                    ));
                }
                self.status = Some(Status::warning(said));
            }
            Message::Picked {
                pick: Pick::Open,
                path: Some(path),
            } => self.commands.push(Command::OpenFile { path }),
            Message::Picked {
                pick: Pick::Save { contents, .. },
                path: Some(path),
            } => {
                let (path, contents) = contents.for_path(path);
                self.views.export.save_path = path.display().to_string();
                self.commands.push(Command::Write { path, contents });
            }
            Message::Trusted(Ok(done)) => {
                let (config, checked, stored) = *done;
                self.config = config;
                let verdict = checked
                    .body
                    .as_ref()
                    .map_or("-", |b| b.verdict().label())
                    .to_owned();
                let i = std::sync::Arc::new(checked);
                self.views.person.show(&i);
                self.result = Some(i);
                let env = self
                    .result
                    .as_ref()
                    .map(|i| i.environment.environment.clone())
                    .unwrap_or_default();
                let said = match lang {
                    Lang::Nb => format!(
                        "CA-en er nå klarert for {env} (lagret i {}, trust_ca i konfigurasjonsfilen). Svaret kontrollert på nytt: {verdict}.",
                        stored.display()
                    ),
                    Lang::En => format!(
                        "The CA is now trusted for {env} (stored in {}, trust_ca in the config file). The answer checked again: {verdict}.",
                        stored.display()
                    ),
                };
                self.status = Some(Status::saved(
                    crate::escape::display(&said).into_owned(),
                    stored,
                ));
            }
            Message::Trusted(Err(e)) => {
                self.status = Some(Status::error(crate::escape::display(&e).into_owned()))
            }
            _ => {}
        }
    }

    /// "Trust this CA …" for the current result: the CA offered, or why none can be trusted from here.
    pub(super) fn trust_offer(&self) -> Option<Result<crate::inspect::trust::Anchor, String>> {
        let i = self.result.as_ref()?;
        crate::inspect::trust::offer(&self.config, i).map(|r| r.map_err(|e| e.to_string()))
    }

    /// The user agreed to trust the CA: stored and the answer checked again, off the UI thread.
    pub(super) fn trust_confirmed(&mut self, ctx: &egui::Context) {
        let (Some(Ok(anchor)), Some(i)) = (self.trust_offer(), self.result.as_ref()) else {
            return;
        };
        let running = worker::trust_ca(
            &self.services,
            self.config.clone(),
            anchor,
            (**i).clone(),
            self.lang(),
            ctx,
        );
        self.tasks.insert(TaskName::TrustCa, running);
    }

    /// The question before trusting a CA: whose certificate, its fingerprint, what it changes.
    pub(super) fn trust_question(&self) -> (String, String, &'static str) {
        let lang = self.lang();
        let Some(Ok(a)) = self.trust_offer() else {
            return (String::new(), String::new(), lang.pick("Klarer", "Trust"));
        };
        let shown = |s: &str| crate::escape::display(s).into_owned();
        let kind = if a.self_signed {
            lang.pick("rotsertifikatet", "the root certificate")
        } else {
            lang.pick(
                "det utstedende CA-sertifikatet (kjeden ender her)",
                "the issuing CA certificate (the chain ends here)",
            )
        };
        match lang {
            Lang::Nb => (
                format!("Klarere denne CA-en for {}?", shown(&a.environment)),
                format!(
                    "Emne: {}\nSHA-256: {}\nDette er {kind}. Sammenlign fingeravtrykket med det leverandøren oppgir. \
                     Sertifikatet lagres ved konfigurasjonsfilen og føres opp som trust_ca for {}: svar signert under \
                     det godtas da for dette miljøet.",
                    shown(&a.subject),
                    a.fingerprint,
                    shown(&a.environment)
                ),
                "Klarer CA-en",
            ),
            Lang::En => (
                format!("Trust this CA for {}?", shown(&a.environment)),
                format!(
                    "Subject: {}\nSHA-256: {}\nThis is {kind}. Compare the fingerprint with the one the provider \
                     publishes. The certificate is stored beside the config file and named as trust_ca of {}: answers \
                     signed under it are then accepted for this environment.",
                    shown(&a.subject),
                    a.fingerprint,
                    shown(&a.environment)
                ),
                "Trust the CA",
            ),
        }
    }

    /// Files dropped on the window are opened like Open (the first, when several are dropped at once).
    pub(super) fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        let Some(first) = dropped.first() else { return };
        let lang = self.lang();
        // On the desktop a dropped file always comes with its absolute path; read off the UI thread like Open.
        let path = first.path().to_path_buf();
        if path.as_os_str().is_empty() {
            self.commands.push(Command::Say(Status::error(lang.pick(
                "Den slupne filen kom uten sti: åpne den med «Åpne …» i stedet.",
                "The dropped file came without a path: open it with “Open …” instead.",
            ))));
        } else {
            self.commands.push(Command::OpenFile { path });
        }
        if dropped.len() > 1 {
            self.commands.push(Command::Say(Status::warning(match lang {
                Lang::Nb => format!("{} filer ble sluppet: den første åpnes.", dropped.len()),
                Lang::En => format!("{} files were dropped: the first is opened.", dropped.len()),
            })));
        }
    }

    /// The confirmed "Replace it?": writes the pending save.
    pub(super) fn overwrite_confirmed(&mut self, ctx: &egui::Context) {
        if let Some((path, contents)) = self.pending_save.take() {
            self.write(path, contents, ctx);
        }
    }

    /// The question before replacing a file at a typed path.
    pub(super) fn overwrite_question(&self) -> (String, String, &'static str) {
        let lang = self.lang();
        let path = self
            .pending_save
            .as_ref()
            .map(|(p, _)| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = crate::escape::display(&path.display().to_string()).into_owned();
        match lang {
            Lang::Nb => (
                format!("Erstatte {name}?"),
                format!("{shown} finnes allerede. Erstatter du den, går innholdet tapt."),
                "Erstatt",
            ),
            Lang::En => (
                format!("Replace {name}?"),
                format!("{shown} already exists. Replacing it loses what it holds."),
                "Replace",
            ),
        }
    }

    /// "Open folder" and "Copy path" for a file the status line says was written.
    pub(super) fn saved_file_actions(&self, ui: &mut egui::Ui, path: &std::path::Path) {
        let lang = self.lang();
        if ui.button(lang.pick("Åpne mappen", "Open folder")).clicked()
            && let Some(dir) = path.parent()
        {
            // The file manager is the system's: a failure to start it is all there is to say.
            if let Err(e) = open::that_detached(dir) {
                tracing::warn!("cannot open the folder {}: {e}", dir.display());
            }
        }
        if ui.button(lang.pick("Kopier stien", "Copy path")).clicked() {
            ui.ctx().copy_text(path.display().to_string());
        }
    }
}

/// "No file dialog is available: …" in the user's language.
fn dialog_missing(why: &str, lang: Lang) -> String {
    match lang {
        Lang::Nb => "Ingen fildialog er tilgjengelig (ingen skrivebordsportal på en D-Bus-sesjonsbuss, og zenity er ikke installert)".into(),
        Lang::En => {
            let mut s = why.to_owned();
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    }
}
