//! The running emulator's state: its clock, keys, data, clients, tables, fault switches and counters, shared by
//! every handler.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::clients::Client;
use super::data::EmulatorData;
use super::grants::{Tables, lock};
use super::keys::{FaultKeys, Keys, KeysError};
use crate::jose::jwk::KeySet;

/// The emulator's time: the machine's clock moved by a fixed offset (`--clock` sets where it starts).
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start` now and then runs on.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock {
            offset: start - Utc::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// Switches that change the next answers, for demos and negative tests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// KRR answers are altered after signing: the signature no longer verifies.
    pub tamper_signature: bool,
    /// KRR answers are signed with a certificate that expired 30 days ago.
    pub expired_certificate: bool,
    /// KRR answers are signed by a certificate from a CA nobody trusts.
    pub unknown_ca: bool,
    /// Tokens and KRR answers carry a `kid` that is not in any key set.
    pub wrong_kid: bool,
    /// KRR answers HTTP 500.
    pub http_500: bool,
    /// KRR waits this many seconds before answering (at most 300).
    pub delay_seconds: u64,
    /// Tokens are issued already expired.
    pub expired_tokens: bool,
}

/// One on/off fault switch: its name (the JSON member and the index page's form field), its label on the index
/// page, and the field it sets.
pub(crate) type Switch = (&'static str, &'static str, fn(&mut Faults) -> &mut bool);

impl Faults {
    /// Every on/off switch, in the index page's order. A new switch is a field of `Faults` and a line here (a test
    /// checks that the two agree); the page and its form follow from this list.
    pub(crate) const SWITCHES: [Switch; 6] = [
        ("tamper_signature", "KRR signature tampered", |f| {
            &mut f.tamper_signature
        }),
        ("expired_certificate", "signing certificate expired", |f| {
            &mut f.expired_certificate
        }),
        ("unknown_ca", "signed by an unknown CA", |f| {
            &mut f.unknown_ca
        }),
        ("wrong_kid", "wrong kid (tokens and answers)", |f| {
            &mut f.wrong_kid
        }),
        ("http_500", "KRR answers HTTP 500", |f| &mut f.http_500),
        ("expired_tokens", "tokens issued already expired", |f| {
            &mut f.expired_tokens
        }),
    ];

    /// Whether a switch is on.
    pub(crate) fn is_on(&self, (_, _, field): &Switch) -> bool {
        *field(&mut self.clone())
    }

    /// The switches of the index page's form: a ticked checkbox is sent (`name=on`), an unticked one is not;
    /// unknown fields are ignored, a delay is clamped to 0–300 s.
    pub(crate) fn from_form(pairs: &[(String, String)]) -> Faults {
        let mut f = Faults::default();
        for (name, value) in pairs {
            if name == "delay_seconds" {
                f.delay_seconds = value.trim().parse::<u64>().unwrap_or(0).min(300);
            } else if let Some((_, _, field)) = Faults::SWITCHES.iter().find(|s| s.0 == name) {
                *field(&mut f) = true;
            }
        }
        f
    }
}

/// Counters for demos and tests (`GET /admin/stats`).
#[derive(Debug, Default)]
pub struct Stats {
    /// Login forms submitted successfully (a person typed or picked an id).
    pub logins: AtomicI64,
    /// Authorization codes issued, with or without the form (SSO).
    pub codes: AtomicI64,
}

impl Stats {
    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({"logins": self.logins.load(Ordering::Relaxed), "codes": self.codes.load(Ordering::Relaxed)})
    }
}

/// A person's encryption certificate (base64 DER), made once per person off the async threads; `None` when
/// OpenSSL could not make one (the answer then has none).
pub(crate) type PersonCert = Arc<OnceLock<Option<String>>>;

pub(crate) struct State {
    pub base_url: String,
    pub keys: Arc<Keys>,
    pub token_keys: KeySet,
    pub clock: Clock,
    pub data: RwLock<EmulatorData>,
    pub clients: Vec<Client>,
    pub grants: Tables,
    pub faults: Mutex<Faults>,
    pub person_certs: Mutex<HashMap<String, PersonCert>>,
    /// Keys for the certificate faults: made once, on first use, by a blocking task (they cost RSA key
    /// generation, which must not run on the async threads).
    pub fault_keys: OnceLock<Result<FaultKeys, Arc<KeysError>>>,
    pub token_lifetime: Duration,
    pub max_pending_logins: usize,
    /// Milliseconds added to the clock by `EmulatorHandle::advance_clock`.
    pub clock_shift_ms: AtomicI64,
    pub stats: Stats,
}

impl State {
    pub fn new(
        base_url: &str,
        keys: Arc<Keys>,
        token_keys: KeySet,
        clock: Clock,
        data: EmulatorData,
        token_lifetime: Duration,
        max_pending_logins: usize,
    ) -> State {
        State {
            base_url: base_url.to_owned(),
            keys,
            token_keys,
            clock,
            clients: super::clients::clients(&data),
            data: RwLock::new(data),
            grants: Tables::default(),
            faults: Mutex::default(),
            person_certs: Mutex::default(),
            fault_keys: OnceLock::new(),
            token_lifetime,
            max_pending_logins,
            clock_shift_ms: AtomicI64::new(0),
            stats: Stats::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now() + Duration::milliseconds(self.clock_shift_ms.load(Ordering::Relaxed))
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// The data, readable even if a handler panicked while writing it.
    pub fn data(&self) -> std::sync::RwLockReadGuard<'_, EmulatorData> {
        self.data
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_list_names_every_on_off_fault() {
        let json = serde_json::to_value(Faults::default()).unwrap();
        let mut members: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        members.retain(|m| *m != "delay_seconds");
        let mut listed: Vec<&str> = Faults::SWITCHES.iter().map(|s| s.0).collect();
        members.sort_unstable();
        listed.sort_unstable();
        assert_eq!(members, listed);
        for s in &Faults::SWITCHES {
            let f = Faults::from_form(&[(s.0.to_owned(), "on".to_owned())]);
            assert!(f.is_on(s), "{}", s.0);
            assert_eq!(serde_json::to_value(&f).unwrap()[s.0], true, "{}", s.0);
        }
        let f = Faults::from_form(&[
            ("delay_seconds".into(), "999".into()),
            ("explode".into(), "on".into()),
        ]);
        assert_eq!(
            f,
            Faults {
                delay_seconds: 300,
                ..Faults::default()
            }
        );
    }
}
