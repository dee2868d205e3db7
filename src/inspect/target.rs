//! From an environment to a lookup target. The `local` environments start the emulator in-process on
//! 127.0.0.1:0 and trust its CA, so a lookup works offline with nothing configured.

use std::sync::Arc;

use super::lookup::Target;
use crate::config::{Environment, Location};
use crate::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Keys};

/// A target, and the emulator behind it when it is a local one (it stops when this is dropped).
pub struct Resolved {
    pub target: Target,
    /// The emulator's CA, to trust for its signed answers.
    pub ca_pem: Option<String>,
    pub emulator: Option<EmulatorHandle>,
}

/// Resolves `env`; for the emulator, `keys` gives its keys (persisted ones, so its CA stays the same).
pub async fn resolve(
    env: &Environment,
    keys: impl FnOnce() -> Result<Arc<Keys>, String>,
) -> Result<Resolved, String> {
    match &env.location {
        Location::Remote { .. } => Ok(Resolved {
            target: remote_target(env).expect("a remote environment has a target"),
            ca_pem: None,
            emulator: None,
        }),
        Location::Emulator => {
            let handle = start_local_emulator(keys()?).await?;
            Ok(Resolved {
                target: emulator_target(env, &handle),
                ca_pem: Some(handle.ca_pem()),
                emulator: Some(handle),
            })
        }
    }
}

/// The target of an environment at fixed URLs; `None` for the emulator (its URLs are known once it runs).
pub fn remote_target(env: &Environment) -> Option<Target> {
    match &env.location {
        Location::Remote { issuer, person_url } => Some(Target {
            environment: env.name.clone(),
            issuer: issuer.clone(),
            person_url: person_url.clone(),
            dialect: env.dialect,
        }),
        Location::Emulator => None,
    }
}

/// Starts the emulator on 127.0.0.1:0 with the shipped data.
pub async fn start_local_emulator(keys: Arc<Keys>) -> Result<EmulatorHandle, String> {
    Emulator::start(EmulatorConfig::local(keys))
        .await
        .map_err(|e| format!("cannot start the local emulator on 127.0.0.1: {e}"))
}

/// The target of a local environment on a running emulator (its generation follows the environment's dialect).
pub fn emulator_target(env: &Environment, handle: &EmulatorHandle) -> Target {
    Target {
        environment: env.name.clone(),
        issuer: handle.issuer(env.dialect),
        person_url: handle.person_url(env.dialect),
        dialect: env.dialect,
    }
}
