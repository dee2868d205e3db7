//! Where requests go: [`Targets`] resolves a [`Plan`]'s environment to its URLs and, for the local emulator,
//! starts it on first use and keeps it (one `fetch`, or the app's whole life), so the browser's single sign-on
//! session with it stays useful. Also the HTTP client every face uses.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::lookup::{LookupRequest, Target};
use super::plan::{Plan, PlanError};
use crate::config::Location;
use crate::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Keys};
use crate::jose::TrustStore;

/// Where the local emulator's keys come from.
#[derive(Clone)]
pub enum KeySource {
    /// A keys directory (the default: the platform data directory), so its CA stays the same between runs.
    Dir(PathBuf),
    /// Keys made by the caller (tests).
    Given(Arc<Keys>),
}

/// The owner of targets: remote environments are their URLs; the local emulator is started on first use and
/// kept until [`Targets::stop`] (or drop), so the browser's single sign-on session with it stays useful.
pub struct Targets {
    keys: KeySource,
    pub(super) emulator: tokio::sync::Mutex<Option<EmulatorHandle>>,
}

impl Targets {
    pub fn new(keys: KeySource) -> Targets {
        Targets {
            keys,
            emulator: tokio::sync::Mutex::new(None),
        }
    }

    /// The ready request: the target resolved (the emulator started if need be) and its CA trusted.
    pub async fn request(&self, plan: Plan) -> Result<LookupRequest, PlanError> {
        let mut trust = plan.trust.clone();
        let target = match &plan.environment.location {
            Location::Remote { issuer, person_url } => Target {
                environment: plan.environment.name.clone(),
                issuer: issuer.clone(),
                person_url: person_url.clone(),
                dialect: plan.environment.dialect,
            },
            Location::Emulator => {
                let mut slot = self.emulator.lock().await;
                if slot.is_none() {
                    *slot = Some(self.start_emulator().await?);
                }
                let handle = slot.as_ref().expect("started above");
                trust
                    .add_pem(handle.ca_pem().as_bytes())
                    .map_err(PlanError::EmulatorCa)?;
                let dialect = plan.environment.dialect;
                Target {
                    environment: plan.environment.name.clone(),
                    issuer: handle.issuer(dialect),
                    person_url: handle.person_url(dialect),
                    dialect,
                }
            }
        };
        let scopes = plan.scopes();
        let c = plan.choices;
        let acr = c
            .acr
            .filter(|a| !a.is_empty())
            .or_else(|| Some(plan.environment.acr.clone()).filter(|a| !a.is_empty()));
        // A TestID hint names the level the synthetic person logs in at: the one asked for.
        let login_hint = match &c.testid {
            Some(pid) => Some(format!(
                "testid:{}_{}",
                pid.trim(),
                acr.clone()
                    .unwrap_or_else(
                        || crate::krr::login::default_acr(plan.environment.dialect).into()
                    )
            )),
            None => c.login_hint.clone().filter(|h| !h.is_empty()),
        };
        Ok(LookupRequest {
            target,
            client: plan.client,
            client_secret: plan.client_secret,
            client_key: plan.client_key,
            scopes,
            accept: c.accept,
            acr,
            ui_locales: c.ui_locales,
            prompt: c.prompt,
            login_hint,
            par: c.par,
            browser: c.browser,
            callback_timeout: c.callback_timeout,
            trust,
            lang: c.lang,
            dpop: c.dpop,
        })
    }

    pub(super) async fn start_emulator(&self) -> Result<EmulatorHandle, PlanError> {
        let keys = match &self.keys {
            KeySource::Given(k) => k.clone(),
            KeySource::Dir(dir) => {
                let dir = dir.clone();
                // Making a CA and signing keys takes a while: off the async threads.
                let made = tokio::task::spawn_blocking(move || {
                    Keys::load_or_create(&dir, chrono::Utc::now())
                })
                .await
                .map_err(|e| PlanError::EmulatorKeys(Box::new(e)))?;
                Arc::new(made.map_err(|e| PlanError::EmulatorKeys(Box::new(e)))?)
            }
        };
        Emulator::start(EmulatorConfig::local(keys))
            .await
            .map_err(PlanError::EmulatorStart)
    }

    /// The trust for a file opened beside lookups: `base` and, while the local emulator runs, its CA.
    pub async fn with_emulator_ca(&self, mut base: TrustStore) -> TrustStore {
        if let Some(handle) = self.emulator.lock().await.as_ref() {
            let _ = base.add_pem(handle.ca_pem().as_bytes());
        }
        base
    }

    /// Stops the emulator, if one was started; a later request starts it again.
    pub async fn stop(&self) {
        if let Some(handle) = self.emulator.lock().await.take() {
            handle.stop().await;
        }
    }
}

/// The time each HTTP request may take unless the user says otherwise (`--http-timeout`).
pub const REQUEST_TIMEOUT: Duration = crate::oidc::http::REQUEST_TIMEOUT;

/// The HTTP client every face uses: no redirects followed, `timeout` on each request.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, crate::oidc::http::HttpError> {
    crate::oidc::http::client_with_timeout(timeout)
}
