//! The target of a local environment on a running emulator: its issuer and person URL for the environment's
//! dialect. (The planner's `Targets` starts and owns the emulator.)

use super::lookup::Target;
use crate::config::Environment;
use crate::emulator::{EmulatorHandle, Generation};
use crate::krr::ScopeDialect;

/// The target of a local environment on a running emulator (its generation follows the environment's dialect).
pub fn emulator_target(env: &Environment, handle: &EmulatorHandle) -> Target {
    let generation = match env.dialect {
        ScopeDialect::Digdir => Generation::Digdir,
        ScopeDialect::Difi => Generation::Difi,
    };
    Target {
        environment: env.name.clone(),
        issuer: handle.issuer(generation),
        person_url: handle.person_url(generation),
        dialect: env.dialect,
    }
}
