//! What the app remembers between launches (eframe storage): environment, client ids, scopes, options, language,
//! theme. Never secrets or tokens.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::inspect::Accept;
use crate::krr::Lang;
use crate::oidc::BrowserChoice;

pub const STORAGE_KEY: &str = "krr-inspector-settings";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub environment: String,
    /// A client_id typed for an environment, overriding the configured one.
    pub client_ids: BTreeMap<String, String>,
    /// Scopes ticked per environment.
    pub scopes: BTreeMap<String, Vec<String>>,
    /// Free-form extra scopes per environment, space-separated.
    pub extra_scopes: BTreeMap<String, String>,
    pub accept: Accept,
    /// acr per environment.
    pub acr: BTreeMap<String, String>,
    /// The login page's language: nb, nn, en, se.
    pub login_locale: String,
    pub ui_lang: Lang,
    pub theme: ThemeChoice,
    pub browser: BrowserChoice,
    /// The command typed for "browser command", kept when another choice is picked.
    pub browser_command: String,
    /// Keep the lookup history between launches (off by default; tokens are never in it).
    pub keep_history: bool,
    /// The emulator's test person to log in as headless (TestID), per local environment; none: the login page.
    pub test_person: BTreeMap<String, String>,
    /// DPoP (RFC 9449): bind the tokens to a key made for each login.
    pub dpop: bool,
    /// The request panel is shown (it can be collapsed to give the result the window).
    pub request_panel_open: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        let command = std::env::var(crate::oidc::browser::BROWSER_ENV).unwrap_or_default();
        Settings {
            environment: "local".into(),
            client_ids: BTreeMap::new(),
            scopes: BTreeMap::new(),
            extra_scopes: BTreeMap::new(),
            accept: Accept::Jose,
            acr: BTreeMap::new(),
            login_locale: "nb".into(),
            ui_lang: Lang::En,
            theme: ThemeChoice::System,
            browser: if command.trim().is_empty() {
                BrowserChoice::System
            } else {
                BrowserChoice::Command(command.clone())
            },
            browser_command: command,
            keep_history: false,
            test_person: BTreeMap::new(),
            dpop: false,
            request_panel_open: true,
        }
    }
}
