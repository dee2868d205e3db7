//! The app's choices (configuration + settings) as the planner's: `plan` hands them to `inspect::plan`, the one
//! place a login is assembled for the app and the command line alike. The rest reads them for display.

use std::time::Duration;

use super::settings::Settings;
use super::worker::Job;
use crate::config::{ClientRegistration, Config, Environment};
use crate::inspect::{Choices as PlanChoices, Place, default_scopes};
use crate::krr::Lang;
use crate::krr::scopes::split_scope_string;

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

    /// The planner's choices for what the request panel shows.
    pub fn planner_choices(&self) -> PlanChoices {
        let env = self.environment();
        let mut c = PlanChoices::new(Place::Named(env.name.clone()), self.lang());
        c.client_id = self.settings.client_ids.get(&env.name).cloned();
        c.scopes = self.scopes();
        c.accept = self.settings.accept;
        c.acr = Some(self.acr());
        c.ui_locales = self.settings.login_locale.clone();
        c.browser = self.settings.browser.clone();
        c.callback_timeout = CALLBACK_TIMEOUT;
        if env.location == crate::config::Location::Emulator {
            c.testid = self.test_person().map(str::to_owned);
        }
        c
    }

    /// The emulator's test person picked for the current local environment (headless login), if any.
    pub fn test_person(&self) -> Option<&'a str> {
        self.settings
            .test_person
            .get(&self.environment().name)
            .map(String::as_str)
            .filter(|p| !p.is_empty())
    }

    /// The job for the current choices, or why there is none (in the app's language, with what to do).
    pub fn build_job(&self) -> Result<Job, super::commands::Notice> {
        self.build_job_with_prompt(None)
    }

    /// The job with an OpenID Connect `prompt` (`login`: ask who logs in, whatever the provider's session).
    pub fn build_job_with_prompt(
        &self,
        prompt: Option<&str>,
    ) -> Result<Job, super::commands::Notice> {
        let mut choices = self.planner_choices();
        choices.prompt = prompt.map(str::to_owned);
        crate::inspect::plan(self.config, choices)
            .map(|plan| Job { plan })
            .map_err(|e| super::commands::Notice(e.for_app(self.lang())))
    }
}
