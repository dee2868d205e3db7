//! A local ID-porten + KRR: an OpenID provider (discovery, authorize with a login page, token, JWKS, userinfo,
//! logout) and the register's /person endpoint, in both generations (Digdir at the root, Difi under
//! `/idporten-oidc-provider/`). Faithful to the real services where they are documented; where they are not, the
//! emulator's own choices are labelled as such. Uses `krr` and `jose`; never the client side.

mod admin;
pub mod autologin;
pub mod data;
mod html;
pub mod keys;
mod provider;
mod register;
mod serve;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use axum::Router;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

pub use data::EmulatorData;
pub use keys::Keys;

use crate::jose::jwk::KeySet;
use crate::jose::pki::KeyPair;

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

/// Which generation of the services a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generation {
    /// Digdir's current services, at the root.
    Digdir,
    /// Difi's original services, under `/idporten-oidc-provider/`.
    Difi,
}

impl Generation {
    pub const DIFI_PREFIX: &'static str = "/idporten-oidc-provider/";

    pub fn issuer(self, base: &str) -> String {
        match self {
            Generation::Digdir => base.to_owned(),
            Generation::Difi => format!("{base}{}", Generation::DIFI_PREFIX),
        }
    }

    pub fn person_url(self, base: &str) -> String {
        match self {
            Generation::Digdir => format!("{base}/rest/v1/person"),
            Generation::Difi => format!("{base}/kontaktinfo-oauth2-server/rest/v1/person"),
        }
    }

    /// acr values, lowest first.
    pub fn acr_levels(self) -> &'static [&'static str] {
        match self {
            Generation::Digdir => &[
                "idporten-loa-low",
                "idporten-loa-substantial",
                "idporten-loa-high",
            ],
            Generation::Difi => &["Level3", "Level4"],
        }
    }

    pub fn default_acr(self) -> &'static str {
        match self {
            Generation::Digdir => "idporten-loa-substantial",
            Generation::Difi => "Level3",
        }
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

/// How to start an emulator.
pub struct EmulatorConfig {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub clock: Clock,
    pub data: EmulatorData,
    pub keys: Arc<Keys>,
    /// Access and id token lifetime (ID-porten's default: 120 s).
    pub token_lifetime: Duration,
    /// How long a connection may take to send a request head, counted from when the server starts waiting for
    /// it (so it also closes a connection that sends nothing). Default 10 s.
    pub header_read_timeout: std::time::Duration,
    /// How long a connection may sit with nothing moving and no request being handled (between keep-alive
    /// requests, a client that stops reading its answer or stops sending its body). Default 30 s.
    pub idle_timeout: std::time::Duration,
    /// At most this many connections at once; default half the process's descriptor limit (at most 4096).
    pub max_connections: usize,
    /// At most this many logins waiting for the person on the login page; beyond, the oldest are forgotten.
    pub max_pending_logins: usize,
}

impl EmulatorConfig {
    /// 127.0.0.1:0 with the shipped data and the given keys.
    pub fn local(keys: Arc<Keys>) -> EmulatorConfig {
        EmulatorConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            clock: Clock::system(),
            data: EmulatorData::default_data(),
            keys,
            token_lifetime: Duration::seconds(120),
            header_read_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(30),
            max_connections: serve::default_max_connections(),
            max_pending_logins: MAX_ENTRIES,
        }
    }
}

/// Lifetimes the real services use.
pub const CODE_LIFETIME_SECS: i64 = 60;
pub const REFRESH_LIFETIME_SECS: i64 = 600;
/// The SSO session ends after 30 minutes without use or 120 minutes after the login, whichever is first (the
/// emulator's choice; ID-porten's own figures are not in the project's domain reference).
pub const SSO_IDLE_SECS: i64 = 30 * 60;
pub const SSO_MAX_SECS: i64 = 120 * 60;
/// How long a login page may stay open.
pub const LOGIN_LIFETIME_SECS: i64 = 1800;
/// Bound on each in-memory table, so a flood of requests cannot grow it without limit.
pub const MAX_ENTRIES: usize = 50_000;

/// Keys for the certificate faults, made on first use (they cost RSA key generation).
pub(crate) struct FaultKeys {
    pub expired: KeyPair,
    pub foreign_ca: KeyPair,
    pub foreign_leaf: KeyPair,
}

/// A redeemed code's SHA-256 → what it started and when.
pub(crate) type UsedCodes = HashMap<[u8; 32], (Arc<provider::Grant>, DateTime<Utc>)>;

pub(crate) struct State {
    pub base_url: String,
    pub keys: Arc<Keys>,
    pub token_keys: KeySet,
    pub clock: Clock,
    pub data: RwLock<EmulatorData>,
    pub clients: Vec<provider::Client>,
    pub pending: Mutex<provider::PendingLogins>,
    pub codes: Mutex<HashMap<[u8; 32], provider::CodeGrant>>,
    /// Redeemed codes (by SHA-256) and what they started, kept 600 s so that a replay revokes it.
    pub used_codes: Mutex<UsedCodes>,
    /// `jti` → `exp` of access tokens revoked because their code was replayed.
    pub revoked_access: Mutex<HashMap<String, i64>>,
    /// SSO sessions by the SHA-256 of their cookie.
    pub sessions: Mutex<HashMap<[u8; 32], provider::Session>>,
    pub refresh: Mutex<HashMap<[u8; 32], provider::RefreshGrant>>,
    pub faults: Mutex<Faults>,
    pub person_certs: Mutex<HashMap<String, String>>,
    pub fault_keys: OnceLock<FaultKeys>,
    pub token_lifetime: Duration,
    pub max_pending_logins: usize,
    /// Milliseconds added to the clock by `EmulatorHandle::advance_clock`.
    pub clock_shift_ms: AtomicI64,
    pub stats: Stats,
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

impl State {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now() + Duration::milliseconds(self.clock_shift_ms.load(Ordering::Relaxed))
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }
}

/// Locks a mutex, recovering the data if a handler panicked while holding it (the tables stay usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 32 random bytes, base64url: codes, session ids, token ids.
pub(crate) fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes).expect("the system random generator works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl EmulatorHandle {
    pub fn issuer(&self, generation: Generation) -> String {
        generation.issuer(&self.base_url)
    }

    pub fn person_url(&self, generation: Generation) -> String {
        generation.person_url(&self.base_url)
    }

    pub fn ca_pem(&self) -> String {
        self.state.keys.ca_pem()
    }

    /// Moves the emulator's clock forward (or back): codes, tokens and the 18-month rule follow it.
    pub fn advance_clock(&self, by: Duration) {
        self.state
            .clock_shift_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }

    /// `{"logins": n, "codes": m}` since start.
    pub fn stats(&self) -> serde_json::Value {
        self.state.stats.snapshot()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.state.faults) = faults;
    }

    /// Stops the server and waits until it has.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub struct Emulator;

impl Emulator {
    /// Binds and starts serving; returns once the port is open.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::new(config.bind, config.port)).await?;
        let addr = listener.local_addr()?;
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let base_url = format!("http://{host}:{}", addr.port());
        let limits = serve::Limits {
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
            max_connections: config.max_connections,
        };
        let state = Emulator::state(config, &base_url)?;
        let app = router(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve::serve(listener, app, limits, rx));
        tracing::info!(%base_url, "emulator started");
        Ok(EmulatorHandle {
            addr,
            base_url,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The emulator's HTTP application without a socket, as if served at `base_url`: for in-process tests and
    /// fuzzing of every handler.
    pub fn router(config: EmulatorConfig, base_url: &str) -> std::io::Result<Router> {
        Ok(router(Emulator::state(config, base_url)?))
    }

    fn state(config: EmulatorConfig, base_url: &str) -> std::io::Result<Arc<State>> {
        let token_keys =
            KeySet::parse(&config.keys.token_jwks().to_string()).map_err(std::io::Error::other)?;
        let clients = provider::clients(&config.data);
        Ok(Arc::new(State {
            base_url: base_url.to_owned(),
            keys: config.keys,
            token_keys,
            clock: config.clock,
            data: RwLock::new(config.data),
            clients,
            pending: Mutex::default(),
            codes: Mutex::default(),
            used_codes: Mutex::default(),
            revoked_access: Mutex::default(),
            sessions: Mutex::default(),
            refresh: Mutex::default(),
            faults: Mutex::default(),
            person_certs: Mutex::default(),
            fault_keys: OnceLock::new(),
            token_lifetime: config.token_lifetime,
            max_pending_logins: config.max_pending_logins,
            clock_shift_ms: AtomicI64::new(0),
            stats: Stats::default(),
        }))
    }
}

fn router(state: Arc<State>) -> Router {
    use axum::routing::post;
    let p = Generation::DIFI_PREFIX;
    Router::new()
        .route("/", get(admin::index))
        .route("/ca.pem", get(admin::ca_pem))
        .route(
            "/admin/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .post(admin::post_faults),
        )
        .route("/admin/stats", get(admin::stats))
        .route("/admin/codes", post(admin::mint_codes))
        // Digdir (current) at the root.
        .route(
            "/.well-known/openid-configuration",
            get(provider::discovery_digdir),
        )
        .route("/authorize", get(provider::authorize_digdir))
        .route("/token", post(provider::token_digdir))
        .route("/jwks.json", get(provider::jwks))
        .route("/userinfo", get(provider::userinfo))
        .route("/logout", get(provider::logout))
        .route("/login", post(provider::login))
        .route(
            "/rest/v1/person",
            get(register::get_person).patch(register::patch_person),
        )
        // Difi (original) under its prefix.
        .route(
            &format!("{p}.well-known/openid-configuration"),
            get(provider::discovery_difi),
        )
        .route(&format!("{p}authorize"), get(provider::authorize_difi))
        .route(&format!("{p}token"), post(provider::token_difi))
        .route(&format!("{p}jwk"), get(provider::jwks))
        .route(&format!("{p}userinfo"), get(provider::userinfo))
        .route(&format!("{p}endsession"), get(provider::logout))
        .route(
            "/kontaktinfo-oauth2-server/rest/v1/person",
            get(register::get_person).patch(register::patch_person),
        )
        .fallback(admin::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}
