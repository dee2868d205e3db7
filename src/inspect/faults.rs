//! The built-in emulator's fault switches for the app's Faults panel: listed with what each does, turned on or off
//! in place. The app never sees the emulator: it asks `Targets`, which owns it.

use super::plan::PlanError;
use super::targets::Targets;
pub use crate::emulator::FaultSwitch;
use crate::krr::ScopeDialect;

/// The running emulator's faults and where its admin page is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmulatorFaults {
    /// The index page with the fault form and the test persons (`http://127.0.0.1:PORT/`).
    pub admin_url: String,
    /// Its issuer (Digdir's generation), to say which emulator this is.
    pub issuer: String,
    pub switches: Vec<FaultSwitch>,
}

impl Targets {
    /// The faults of the built-in emulator: `None` while it is not running, unless `start` asks to start it.
    pub async fn emulator_faults(&self, start: bool) -> Result<Option<EmulatorFaults>, PlanError> {
        let mut slot = self.emulator.lock().await;
        if slot.is_none() && start {
            *slot = Some(self.start_emulator().await?);
        }
        Ok(slot.as_ref().map(|h| EmulatorFaults {
            admin_url: format!("{}/", h.base_url),
            issuer: h.issuer(ScopeDialect::Digdir),
            switches: h.fault_switches(),
        }))
    }

    /// Turns one fault of the running emulator on or off; the answer is the faults after. `None` when the
    /// emulator is not running.
    pub async fn set_emulator_fault(&self, name: &str, on: bool) -> Option<EmulatorFaults> {
        let slot = self.emulator.lock().await;
        let h = slot.as_ref()?;
        h.set_fault_switch(name, on);
        Some(EmulatorFaults {
            admin_url: format!("{}/", h.base_url),
            issuer: h.issuer(ScopeDialect::Digdir),
            switches: h.fault_switches(),
        })
    }
}
