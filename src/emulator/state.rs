//! The running emulator's state: its clock, keys, data, clients, tables, fault switches (see `faults.rs`) and
//! counters, shared by every handler.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use chrono::{DateTime, Duration, Utc};

use super::assertion::{AssertionContext, SeenJtis};
use super::clients::Client;
use super::data::EmulatorData;
pub use super::faults::Faults;
use super::grants::{Tables, lock};
use super::keys::{FaultKeys, Keys, KeysError};
use crate::jose::jwk::KeySet;
use crate::krr::ScopeDialect;

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
    /// The `jti`s of client assertions already used (private_key_jwt).
    pub assertion_jtis: Mutex<SeenJtis>,
    /// Discovery says `require_pushed_authorization_requests`, and every plain authorization request is refused.
    pub require_par: bool,
    /// DPoP proofs seen (by SHA-256 of key thumbprint and `jti`), with their `iat`: each is single use.
    pub dpop_jtis: Mutex<HashMap<[u8; 32], i64>>,
    /// The nonce the provider and the register demand while the `dpop_nonce` fault is on (random per start).
    pub dpop_nonce: String,
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
            assertion_jtis: Mutex::default(),
            require_par: false,
            dpop_jtis: Mutex::default(),
            dpop_nonce: super::grants::random_token(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now() + Duration::milliseconds(self.clock_shift_ms.load(Ordering::Relaxed))
    }

    /// What a client assertion sent to one of this generation's endpoints is checked against.
    pub fn assertion_context(&self, dialect: ScopeDialect) -> AssertionContext<'_> {
        AssertionContext {
            issuer: super::urls::issuer(dialect, &self.base_url),
            now: self.now(),
            seen: &self.assertion_jtis,
        }
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
