//! The seam where a lookup is assembled: the user's choices (configuration + settings) become the `Job` handed to
//! the worker. `build_job` is the one place the app builds a request; the planner in `inspect` replaces it.

use std::time::Duration;

use super::settings::Settings;
use super::worker::Job;
use crate::config::{AuthMethod, ClientRegistration, Config, Environment};
use crate::inspect::{LookupRequest, default_scopes};
use crate::krr::Lang;
use crate::krr::scopes::split_scope_string;
use crate::oidc::Secret;

/// How long the app waits for the browser's callback.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(300);

/// The choices a lookup is built from, borrowed for as long as it takes to read them.
pub struct Choices<'a> {
    pub config: &'a Config,
    pub settings: &'a Settings,
}

impl<'a> Choices<'a> {
    pub fn lang(&self) -> Lang {
        self.settings.ui_lang
    }

    pub fn environment(&self) -> &'a Environment {
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

    /// The job for the current choices, or why there is none.
    pub fn build_job(&self) -> Result<Job, String> {
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
}
