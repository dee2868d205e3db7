//! What the emulator remembers between requests: logins waiting on the login page, authorization codes, redeemed
//! codes (for replay detection), refresh tokens, revoked access tokens and SSO sessions. Every table is bounded and
//! keyed by a token's SHA-256, never by the token itself. Also minting codes without a login (`POST /admin/codes`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use super::clients::{Client, RedirectError};
use crate::krr::login::default_acr;
use crate::krr::{IdError, Lang, NationalId, ScopeDialect};

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

/// The name of the SSO session's cookie (its value is the secret that finds the session).
pub const SSO_COOKIE: &str = "krr_emulator_sso";

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

/// Codes and refresh tokens are looked up by their SHA-256: the tables never hold the tokens themselves, and an
/// entry costs no allocation for its key.
pub(crate) fn token_key(token: &str) -> [u8; 32] {
    openssl::sha::sha256(token.as_bytes())
}

/// The pairwise `sub` of a person for a client.
pub(crate) fn pairwise_sub(pid: &str, client_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(openssl::sha::sha256(
        format!("krr-emulator:{client_id}:{pid}").as_bytes(),
    ))
}

/// A validated authorization request waiting for the person to log in.
#[derive(Clone, Debug)]
pub struct AuthRequest {
    pub dialect: ScopeDialect,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub scopes: Vec<String>,
    pub code_challenge: String,
    pub min_acr: String,
    /// `acr_values` named `selfregistered-email`: an e-mail login is acceptable too.
    pub email_ok: bool,
    pub lang: Lang,
    pub locale: String,
    pub created: DateTime<Utc>,
}

/// Who logged in: the national id (none for an e-mail login), what the pairwise `sub` is made from (the pid, or
/// the e-mail login's address), and the login method (`amr`).
#[derive(Clone, Debug)]
pub struct Person {
    pub pid: Option<String>,
    pub subject: String,
    pub amr: &'static str,
}

impl Person {
    /// A person with a national id, by TestID (the login page or the headless hint).
    pub fn testid(pid: &str) -> Person {
        Person {
            pid: Some(pid.to_owned()),
            subject: pid.to_owned(),
            amr: super::testid::AMR_TESTID,
        }
    }
}

/// One login: what its code and refresh grants share (one allocation, not a copy per grant).
#[derive(Debug)]
pub struct Login {
    pub request: AuthRequest,
    pub person: Person,
    pub acr: String,
    pub sid: String,
    pub auth_time: DateTime<Utc>,
}

/// What one redeemed code started: the access tokens issued from it and its refresh tokens, so that a replay of
/// the code can revoke them all (RFC 6749 §4.1.2).
#[derive(Debug, Default)]
pub struct Grant {
    pub revoked: AtomicBool,
    /// `jti` and `exp` of every access token issued from the code, directly or by refresh.
    pub access_tokens: Mutex<Vec<(String, i64)>>,
}

#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub login: Arc<Login>,
    pub issued: DateTime<Utc>,
}

/// An SSO session, found by the cookie's SHA-256. Its `sid` (the id_token claim) is a separate random value:
/// the cookie never leaves the browser and the emulator.
#[derive(Clone, Debug)]
pub struct Session {
    pub sid: String,
    pub person: Person,
    pub acr: String,
    pub auth_time: DateTime<Utc>,
    pub last_used: DateTime<Utc>,
}

impl Session {
    /// Idle for more than 30 minutes, or older than 120 (the emulator's choice, see SECURITY.md).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.last_used > Duration::seconds(SSO_IDLE_SECS)
            || now - self.auth_time > Duration::seconds(SSO_MAX_SECS)
    }
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub login: Arc<Login>,
    pub grant: Arc<Grant>,
    pub issued: DateTime<Utc>,
}

/// Logins waiting for the person, oldest first. Bounded by forgetting the oldest: a flood of `/authorize` costs
/// the flooder's own pending logins (and the oldest others), never every new login.
#[derive(Debug, Default)]
pub struct PendingLogins {
    by_id: HashMap<String, (u64, AuthRequest)>,
    order: BTreeMap<u64, String>,
    next: u64,
}

impl PendingLogins {
    fn pop_oldest(&mut self) {
        if let Some((_, id)) = self.order.pop_first() {
            self.by_id.remove(&id);
        }
    }

    /// Adds a login; first forgets expired ones, then the oldest while there are `cap` or more.
    pub fn insert(&mut self, id: String, request: AuthRequest, cap: usize, cutoff: DateTime<Utc>) {
        while let Some((_, oldest)) = self.order.first_key_value() {
            if self
                .by_id
                .get(oldest)
                .is_some_and(|(_, r)| r.created > cutoff)
            {
                break;
            }
            self.pop_oldest();
        }
        while self.by_id.len() >= cap.max(1) {
            self.pop_oldest();
        }
        self.next += 1;
        self.order.insert(self.next, id.clone());
        if let Some((old, _)) = self.by_id.insert(id, (self.next, request)) {
            self.order.remove(&old);
        }
    }

    /// Takes a login that has not expired.
    pub fn take(&mut self, id: &str, cutoff: DateTime<Utc>) -> Option<AuthRequest> {
        let (seq, request) = self.by_id.remove(id)?;
        self.order.remove(&seq);
        (request.created > cutoff).then_some(request)
    }
}

/// A redeemed code's SHA-256 → what it started and when.
pub(crate) type UsedCodes = HashMap<[u8; 32], (Arc<Grant>, DateTime<Utc>)>;

/// Logins on the consent page: the SHA-256 of the page's request id → the login and when the page was shown.
pub(crate) type WaitingConsents = HashMap<[u8; 32], (Login, DateTime<Utc>)>;

/// The emulator's in-memory tables.
#[derive(Default)]
pub(crate) struct Tables {
    pub pending: Mutex<PendingLogins>,
    pub codes: Mutex<HashMap<[u8; 32], CodeGrant>>,
    /// Redeemed codes (by SHA-256) and what they started, kept 600 s so that a replay revokes it.
    pub used_codes: Mutex<UsedCodes>,
    /// `jti` → `exp` of access tokens revoked because their code was replayed.
    pub revoked_access: Mutex<HashMap<String, i64>>,
    /// SSO sessions by the SHA-256 of their cookie.
    pub sessions: Mutex<HashMap<[u8; 32], Session>>,
    pub refresh: Mutex<HashMap<[u8; 32], RefreshGrant>>,
    /// Logins waiting on the consent page (by the SHA-256 of the page's request id), with when they were shown.
    pub consents: Mutex<WaitingConsents>,
}

/// Too many codes are outstanding to store another.
#[derive(Debug, thiserror::Error)]
#[error("too many codes outstanding")]
pub struct TooManyCodes;

impl Tables {
    /// Stores a code for `login`; returns the code.
    pub fn store_code(&self, login: Login, now: DateTime<Utc>) -> Result<String, TooManyCodes> {
        let code = random_token();
        let mut codes = lock(&self.codes);
        let cutoff = now - Duration::seconds(CODE_LIFETIME_SECS);
        codes.retain(|_, c| c.issued > cutoff);
        if codes.len() >= MAX_ENTRIES {
            return Err(TooManyCodes);
        }
        codes.insert(
            token_key(&code),
            CodeGrant {
                login: Arc::new(login),
                issued: now,
            },
        );
        Ok(code)
    }

    /// Remembers a redeemed code for 600 s, so that a replay can revoke what it started.
    pub fn remember_used(&self, key: [u8; 32], family: Arc<Grant>, now: DateTime<Utc>) {
        let mut used = lock(&self.used_codes);
        if used.len() >= MAX_ENTRIES {
            let cutoff = now - Duration::seconds(REFRESH_LIFETIME_SECS);
            used.retain(|_, (_, at)| *at > cutoff);
        }
        if used.len() < MAX_ENTRIES {
            used.insert(key, (family, now));
        }
    }

    /// A replayed code: its access tokens fail from now on, its refresh tokens are refused.
    pub fn revoke(&self, family: &Grant, now: DateTime<Utc>) {
        // Under the list's lock, so that no token issued meanwhile escapes (see `token::token_response`).
        let tokens = {
            let mut list = lock(&family.access_tokens);
            family.revoked.store(true, Ordering::Relaxed);
            std::mem::take(&mut *list)
        };
        let now = now.timestamp();
        let mut revoked = lock(&self.revoked_access);
        if revoked.len() >= MAX_ENTRIES {
            revoked.retain(|_, exp| *exp > now);
        }
        revoked.extend(tokens);
        tracing::info!("a code was used twice: the tokens issued from it are revoked");
    }

    /// Stores a refresh token for `grant`; `false` when the table is full (the answer then carries none).
    pub fn store_refresh(&self, token: &str, grant: RefreshGrant, now: DateTime<Utc>) -> bool {
        let mut table = lock(&self.refresh);
        let cutoff = now - Duration::seconds(REFRESH_LIFETIME_SECS);
        table.retain(|_, g| g.issued > cutoff);
        if table.len() < MAX_ENTRIES {
            table.insert(token_key(token), grant);
            true
        } else {
            false
        }
    }

    /// Starts an SSO session found by the SHA-256 of `cookie`; at the bound, expired sessions go first, then the
    /// one unused for longest.
    pub fn start_session(&self, cookie: &str, session: Session, now: DateTime<Utc>) {
        let mut sessions = lock(&self.sessions);
        if sessions.len() >= MAX_ENTRIES {
            sessions.retain(|_, s| !s.expired(now));
        }
        if sessions.len() >= MAX_ENTRIES
            && let Some(key) = sessions
                .iter()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| *k)
        {
            sessions.remove(&key);
        }
        sessions.insert(token_key(cookie), session);
    }

    /// The SSO session of a cookie value, if it has not expired; using it counts as activity.
    pub fn use_session(&self, cookie: &str, now: DateTime<Utc>) -> Option<([u8; 32], Session)> {
        let key = token_key(cookie);
        let mut sessions = lock(&self.sessions);
        let session = sessions.get_mut(&key)?;
        if session.expired(now) {
            sessions.remove(&key);
            return None;
        }
        session.last_used = now;
        Some((key, session.clone()))
    }

    pub fn end_session(&self, key: &[u8; 32]) {
        lock(&self.sessions).remove(key);
    }

    /// Ends the SSO session whose id_token `sid` this is (a logout with `id_token_hint` from another browser).
    pub fn end_sessions_with_sid(&self, sid: &str) {
        lock(&self.sessions).retain(|_, s| s.sid != sid);
    }

    /// Keeps a login until the person answers the consent page; returns the page's request id. At the bound,
    /// expired ones go first, then the oldest.
    pub fn await_consent(&self, login: Login, now: DateTime<Utc>) -> String {
        let id = random_token();
        let mut waiting = lock(&self.consents);
        let cutoff = now - Duration::seconds(LOGIN_LIFETIME_SECS);
        if waiting.len() >= MAX_ENTRIES {
            waiting.retain(|_, (_, at)| *at > cutoff);
        }
        if waiting.len() >= MAX_ENTRIES
            && let Some(key) = waiting
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| *k)
        {
            waiting.remove(&key);
        }
        waiting.insert(token_key(&id), (login, now));
        id
    }

    /// The login waiting on the consent page `id`, if it has not expired; single use.
    pub fn take_consent(&self, id: &str, now: DateTime<Utc>) -> Option<Login> {
        let (login, at) = lock(&self.consents).remove(&token_key(id))?;
        (now - at <= Duration::seconds(LOGIN_LIFETIME_SECS)).then_some(login)
    }
}

/// `POST /admin/codes`: what to mint codes for.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintCodes {
    pub count: usize,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    #[serde(default = "default_pid")]
    pub pid: String,
    #[serde(default = "default_scope")]
    pub scope: String,
}

fn default_pid() -> String {
    "27129324169".into()
}

fn default_scope() -> String {
    "openid krr:user/kontaktinformasjon.read".into()
}

/// Why codes could not be minted (the admin API's 400).
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("unknown client_id")]
    UnknownClient,
    #[error(transparent)]
    Redirect(#[from] RedirectError),
    #[error("{0}")]
    Pid(#[source] IdError),
    #[error(
        "count {count} is too many: at most {MAX_ENTRIES} codes may be outstanding, and {outstanding} are"
    )]
    TooMany { count: usize, outstanding: usize },
}

impl Tables {
    /// Issues `mint.count` codes as if `mint.pid` had logged in for `mint.client_id` (for load tests of the
    /// token endpoint).
    pub fn mint_codes(
        &self,
        clients: &[Client],
        mint: &MintCodes,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, MintError> {
        let n = mint.count;
        let client = clients
            .iter()
            .find(|c| c.client_id == mint.client_id)
            .ok_or(MintError::UnknownClient)?;
        client.redirect_allowed(&mint.redirect_uri)?;
        NationalId::parse(&mint.pid).map_err(MintError::Pid)?;
        let dialect = ScopeDialect::Digdir;
        let request = AuthRequest {
            dialect,
            client_id: mint.client_id.clone(),
            redirect_uri: mint.redirect_uri.clone(),
            state: "minted".into(),
            nonce: "minted".into(),
            scopes: mint.scope.split_whitespace().map(str::to_owned).collect(),
            code_challenge: mint.code_challenge.clone(),
            min_acr: default_acr(dialect).into(),
            email_ok: false,
            lang: Lang::En,
            locale: "nb".into(),
            created: now,
        };
        let mut codes = lock(&self.codes);
        let cutoff = now - Duration::seconds(CODE_LIFETIME_SECS);
        codes.retain(|_, c| c.issued > cutoff);
        if codes
            .len()
            .checked_add(n)
            .is_none_or(|total| total > MAX_ENTRIES)
        {
            return Err(MintError::TooMany {
                count: n,
                outstanding: codes.len(),
            });
        }
        let login = Arc::new(Login {
            acr: request.min_acr.clone(),
            request,
            person: Person::testid(&mint.pid),
            sid: random_token(),
            auth_time: now,
        });
        Ok((0..n)
            .map(|_| {
                let code = random_token();
                let grant = CodeGrant {
                    login: login.clone(),
                    issued: now,
                };
                codes.insert(token_key(&code), grant);
                code
            })
            .collect())
    }
}
