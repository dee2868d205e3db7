//! A local ID-porten + KRR: an OpenID provider (discovery, authorize with a login page, token, JWKS, userinfo,
//! logout) and the register's /person endpoint, in both generations (Digdir at the root, Difi under
//! `/idporten-oidc-provider/`). Faithful to the real services where they are documented; where they are not, the
//! emulator's own choices are labelled as such. Uses `krr` and `jose`; never the client side.
//!
//! The rooms, each a file (arrows point down only; nothing below imports a handler's file):
//!
//! - handlers: `authorize` (authorize, login page, SSO cookie, the TestID hint), `consent` (the consent page's
//!   answer), `token` (the grants), `metadata` (discovery,
//!   JWKS), `session` (userinfo, logout), `register` (/person), `admin` (index page, admin API, fault switches);
//! - below them: `bearer` (access-token checks for the register and userinfo), `clients` (the client registry,
//!   redirect rules, client authentication), `grants` (the code/refresh/session tables, pending logins, minting),
//!   `issue` (the code at the end of a login, after the consent page when the client requires it), `testid` (the
//!   TestID hint, the e-mail login, `amr`), `reply` (shared answers), `html` (pages), `urls` (where each
//!   generation's endpoints live);
//! - at the bottom: `state`, `keys`, `data`; and `serve`, the HTTP/1.1 serve loop.

mod admin;
mod assertion;
mod auth_request;
mod authorize;
pub mod autologin;
mod bearer;
mod clients;
mod consent;
pub mod data;
mod dpop;
mod fault_effects;
mod faults;
mod grants;
mod html;
mod issue;
pub mod keys;
mod metadata;
mod par;
mod register;
mod reply;
mod revocation;
mod serve;
mod session;
mod state;
mod testid;
mod token;
mod urls;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::routing::{get, post};
use chrono::Duration;
use tokio::sync::oneshot;

pub use data::EmulatorData;
pub use grants::{
    CODE_LIFETIME_SECS, LOGIN_LIFETIME_SECS, MAX_ENTRIES, REFRESH_LIFETIME_SECS, SSO_IDLE_SECS,
    SSO_MAX_SECS,
};
pub use keys::Keys;
pub use state::{Clock, Faults, Stats};

use crate::jose::jwk::{JwksError, KeySet};
use crate::krr::ScopeDialect;
use grants::lock;
use state::State;

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding the address or reading it back failed (the caller names the address).
    #[error(transparent)]
    Listen(#[from] std::io::Error),
    #[error("the token key's JWKS does not parse: {0}")]
    TokenKeys(#[source] JwksError),
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
    /// Every client must use PAR (RFC 9126 §6): discovery says `require_pushed_authorization_requests`, and a plain
    /// authorization request is refused. Default false.
    pub require_pushed_authorization_requests: bool,
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
            require_pushed_authorization_requests: false,
        }
    }
}

/// One fault of the catalogue and its setting now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSwitch {
    pub name: &'static str,
    pub label: &'static str,
    /// What it does.
    pub description: &'static str,
    /// What a good client does about it.
    pub good_client: &'static str,
    /// A number of seconds (set on the admin page) rather than on/off.
    pub seconds: bool,
    pub on: bool,
    pub value: i64,
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
    pub fn issuer(&self, dialect: ScopeDialect) -> String {
        urls::issuer(dialect, &self.base_url)
    }

    pub fn person_url(&self, dialect: ScopeDialect) -> String {
        urls::person_url(dialect, &self.base_url)
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

    /// Every fault of the catalogue with its current setting (the app's Faults panel).
    pub fn fault_switches(&self) -> Vec<FaultSwitch> {
        let now = lock(&self.state.faults).clone();
        Faults::SWITCHES
            .iter()
            .map(|s| FaultSwitch {
                name: s.name,
                label: s.label,
                description: s.description,
                good_client: s.good_client,
                seconds: matches!(s.setting, faults::Setting::Seconds { .. }),
                on: now.is_on(s),
                value: now.seconds_of(s),
            })
            .collect()
    }

    /// Turns one on/off fault on or off; false when no switch has that name (a number is set on the admin page).
    pub fn set_fault_switch(&self, name: &str, on: bool) -> bool {
        let Some(faults::Setting::Switch(field)) = Faults::SWITCHES
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.setting)
        else {
            return false;
        };
        *field(&mut lock(&self.state.faults)) = on;
        true
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
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, StartError> {
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
    pub fn router(config: EmulatorConfig, base_url: &str) -> Result<Router, StartError> {
        Ok(router(Emulator::state(config, base_url)?))
    }

    fn state(config: EmulatorConfig, base_url: &str) -> Result<Arc<State>, StartError> {
        let token_keys =
            KeySet::parse(&config.keys.token_jwks().to_string()).map_err(StartError::TokenKeys)?;
        let mut state = State::new(
            base_url,
            config.keys,
            token_keys,
            config.clock,
            config.data,
            config.token_lifetime,
            config.max_pending_logins,
        );
        state.require_par = config.require_pushed_authorization_requests;
        Ok(Arc::new(state))
    }
}

fn router(state: Arc<State>) -> Router {
    let p = urls::DIFI_PREFIX;
    Router::new()
        .route("/", get(admin::index))
        .route("/ca.pem", get(admin::ca_pem))
        .route(
            "/admin/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .post(admin::post_faults),
        )
        .route("/admin/faults/catalogue", get(admin::fault_catalogue))
        .route("/admin/stats", get(admin::stats))
        .route("/admin/persons", get(admin::persons))
        .route("/admin/codes", post(admin::mint_codes))
        // Digdir (current) at the root.
        .route(
            "/.well-known/openid-configuration",
            get(metadata::discovery),
        )
        .route("/authorize", get(authorize::authorize))
        .route("/token", post(token::token))
        .route("/par", post(par::par))
        .route("/jwks.json", get(metadata::jwks))
        .route("/userinfo", get(session::userinfo))
        .route("/logout", get(session::logout))
        .route("/token/revoke", post(revocation::revoke))
        .route("/token/introspect", post(revocation::introspect))
        .route("/login", post(authorize::login))
        .route("/consent", post(consent::consent))
        .route(
            "/rest/v1/person",
            get(register::get_person).patch(register::patch_person),
        )
        // Difi (original) under its prefix.
        .route(
            &format!("{p}.well-known/openid-configuration"),
            get(metadata::discovery),
        )
        .route(&format!("{p}authorize"), get(authorize::authorize))
        .route(&format!("{p}token"), post(token::token))
        .route(&format!("{p}jwk"), get(metadata::jwks))
        .route(&format!("{p}userinfo"), get(session::userinfo))
        .route(&format!("{p}endsession"), get(session::logout))
        .route(&format!("{p}revoke"), post(revocation::revoke))
        .route(&format!("{p}tokeninfo"), post(revocation::introspect))
        .route(
            "/kontaktinfo-oauth2-server/rest/v1/person",
            get(register::get_person).patch(register::patch_person),
        )
        .fallback(admin::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}
