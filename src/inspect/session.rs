//! The session after the lookup: the tokens the login gave, kept (never serialised) so the user can refresh them
//! (with rotation), ask userinfo, introspect, revoke, and log out (RP-initiated). Each action is one
//! `SessionStep` for the report's `session`; `fetch --then` runs them in order, the app one per button.

use chrono::{DateTime, Utc};

pub use super::session_report::{Action, SessionStep, StepOutcome};

use super::lookup::{Inspection, LookupRequest, Progress, expiry, lookup};
use super::report::{DpopFacts, TokenFacts};
use crate::krr::Lang;
use crate::oidc::http::HttpExchange;
use crate::oidc::session::{self as calls, LogoutParams, SessionError, TokenHint};
use crate::oidc::{DpopKey, LoginEvent, LoginOutcome, ProviderMetadata, Secret, headless};

/// A live session: what the login gave, as it is now (refreshed, revoked, logged out).
#[derive(Clone)]
pub struct Session {
    request: LookupRequest,
    provider: ProviderMetadata,
    access_token: Secret,
    id_token: Option<Secret>,
    refresh_token: Option<Secret>,
    expires_at: Option<DateTime<Utc>>,
    revoked: bool,
    logged_out: bool,
    /// The scope a refresh asks for (RFC 6749 §6: narrower than granted, never wider); `None`: as granted.
    refresh_scope: Option<Vec<String>>,
    /// `Bearer` or `DPoP`, as the token endpoint last said.
    token_type: String,
    /// This session's DPoP key (in memory only): every refresh is proved with it, and a DPoP-bound token is
    /// presented with it.
    dpop: Option<DpopKey>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("issuer", &self.provider.issuer)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("revoked", &self.revoked)
            .field("logged_out", &self.logged_out)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The session of a login whose tokens were accepted.
    pub fn new(request: &LookupRequest, outcome: &LoginOutcome, now: DateTime<Utc>) -> Session {
        Session {
            request: request.clone(),
            provider: outcome.provider.clone(),
            access_token: outcome.access_token.clone(),
            id_token: outcome.id_token.clone(),
            refresh_token: outcome.refresh_token.clone(),
            expires_at: expiry(now, outcome.expires_in, request.lang).0,
            revoked: false,
            logged_out: false,
            refresh_scope: None,
            token_type: outcome.token_type.clone(),
            dpop: outcome.dpop.clone(),
        }
    }

    /// Every later refresh asks for `scope` (a narrower access token); `None` or empty: the scope as granted.
    pub fn narrow_refresh(&mut self, scope: Option<Vec<String>>) {
        self.refresh_scope = scope.filter(|s| !s.is_empty());
    }

    /// The access token now (a refresh replaces it).
    pub fn access_token(&self) -> &Secret {
        &self.access_token
    }

    /// Whether a logout gives the user a URL to open (print-URL): that URL carries no `id_token_hint`.
    pub fn prints_logout_url(&self) -> bool {
        matches!(self.request.browser, crate::oidc::BrowserChoice::PrintUrl)
    }

    /// Whether the session was ended by a logout.
    pub fn is_logged_out(&self) -> bool {
        self.logged_out
    }

    /// Whether the tokens were revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// When the access token now expires (a refresh moves it), if the provider said.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// The key the access token now is presented with: this session's for a DPoP-bound token, else none.
    pub fn resource_key(&self) -> Option<&DpopKey> {
        crate::oidc::resource_key(&self.token_type, self.dpop.as_ref())
    }

    /// The report's token facts after a refresh that gave `outcome`: the access token, its lifetime, type, claims,
    /// scope and DPoP binding are this session's now; the id_token's checks stay the login's.
    pub fn refreshed_facts(&self, login: &TokenFacts, outcome: &StepOutcome) -> TokenFacts {
        let StepOutcome::Refreshed {
            expires_in,
            scopes_granted,
            ..
        } = outcome
        else {
            return login.clone();
        };
        let claims = crate::jose::jwt::decode_unverified(self.access_token.expose())
            .ok()
            .map(|v| v.claims);
        // RFC 6749 §5.1: a response without `scope` grants what was granted; the token's claim may say more.
        let scopes_granted = scopes_granted
            .clone()
            .or_else(|| {
                claims
                    .as_ref()?
                    .get("scope")?
                    .as_str()
                    .map(crate::krr::scopes::split_scope_string)
            })
            .unwrap_or_else(|| login.scopes_granted.clone());
        TokenFacts {
            scopes_granted,
            expires_in: *expires_in,
            expires_at: self.expires_at,
            access_token: self.access_token.clone(),
            has_refresh_token: self.refresh_token.is_some(),
            dpop: self
                .dpop
                .as_ref()
                .map(|key| DpopFacts::of(key.thumbprint(), claims.as_ref())),
            access_token_claims: claims,
            token_type: self.token_type.clone(),
            ..login.clone()
        }
    }

    /// Why `action` cannot be sent at all (nothing to send, or nowhere to send it).
    pub fn cannot(&self, action: Action, lang: Lang) -> Option<String> {
        let no = |endpoint: &Option<String>, name: &str| {
            endpoint.is_none().then(|| match lang {
                Lang::Nb => format!("leverandøren oppgir ingen {name}"),
                Lang::En => format!("the provider announces no {name}"),
            })
        };
        match action {
            Action::Refresh => self.refresh_token.is_none().then(|| {
                lang.pick(
                    "innloggingen ga ikke noe refresh-token",
                    "the login gave no refresh token",
                )
                .to_owned()
            }),
            Action::Userinfo => no(&self.provider.userinfo_endpoint, "userinfo_endpoint"),
            Action::Introspect => no(
                &self.provider.introspection_endpoint,
                "introspection_endpoint",
            ),
            Action::Revoke => no(&self.provider.revocation_endpoint, "revocation_endpoint"),
            Action::Logout => no(&self.provider.end_session_endpoint, "end_session_endpoint"),
        }
    }

    /// Why the app's button for `action` is off: [`Self::cannot`], or the tokens are revoked or expired, or the
    /// session ended. Introspection stays on: it is how one sees that a token is no longer active.
    pub fn blocked(&self, action: Action, now: DateTime<Utc>, lang: Lang) -> Option<String> {
        if let Some(why) = self.cannot(action, lang) {
            return Some(why);
        }
        let expired = self.expires_at.is_some_and(|at| at <= now);
        match action {
            Action::Introspect => None,
            Action::Logout if self.logged_out => Some(
                lang.pick("allerede logget ut", "already logged out")
                    .to_owned(),
            ),
            Action::Logout => None,
            _ if self.revoked => Some(
                lang.pick("tokenene er tilbakekalt", "the tokens are revoked")
                    .to_owned(),
            ),
            Action::Userinfo if expired => Some(
                lang.pick(
                    "tilgangstokenet er utløpt: forny det først",
                    "the access token has expired: refresh it first",
                )
                .to_owned(),
            ),
            _ => None,
        }
    }

    /// The refresh token now (rotation replaces it), if the login gave one.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// The id_token now (the one a logout sends as `id_token_hint`).
    pub fn id_token(&self) -> Option<&Secret> {
        self.id_token.as_ref()
    }

    /// Runs one action; the session takes what it changes (new tokens, revoked, logged out). A logout in a
    /// browser tells `on_progress` the URL it opens, as the login does.
    pub async fn run(
        &mut self,
        http_client: &reqwest::Client,
        action: Action,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> SessionStep {
        let lang = self.request.lang;
        let (result, exchanges) = match self.cannot(action, lang) {
            Some(why) => (Err(SessionError::Unavailable(why)), Vec::new()),
            None => self.send(http_client, action, on_progress).await,
        };
        let exchanges = exchanges
            .into_iter()
            .filter(|e| !e.step.is_empty())
            .collect();
        match result {
            Ok(outcome) => SessionStep {
                action,
                ok: true,
                outcome: Some(outcome),
                error: None,
                exchanges,
            },
            Err(e) => SessionStep {
                action,
                ok: false,
                outcome: None,
                error: Some(e.to_string()),
                exchanges,
            },
        }
    }

    async fn send(
        &mut self,
        http_client: &reqwest::Client,
        action: Action,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> (Result<StepOutcome, SessionError>, Vec<HttpExchange>) {
        let auth = match self.request.client_auth(&self.provider.issuer) {
            Ok(a) => a,
            Err(e) => return (Err(e.into()), Vec::new()),
        };
        let provider = self.provider.clone();
        match action {
            Action::Refresh => {
                let Some(old) = self.refresh_token.clone() else {
                    return (Err(SessionError::NoEndpoint("refresh_token")), Vec::new());
                };
                let scope = self.refresh_scope.as_deref();
                let (got, ex) = crate::oidc::refresh::refresh(
                    http_client,
                    &provider,
                    &auth,
                    &old,
                    scope,
                    self.dpop.as_ref(),
                )
                .await;
                let result = got.map_err(refresh_error).map(|o| {
                    let rotated = o.refresh_token.as_ref().is_some_and(|new| *new != old);
                    let (expires_at, _) = expiry(Utc::now(), o.expires_in, self.request.lang);
                    self.access_token = o.access_token;
                    self.token_type = o.token_type;
                    if o.id_token.is_some() {
                        self.id_token = o.id_token;
                    }
                    if let Some(new) = o.refresh_token {
                        self.refresh_token = Some(new);
                    }
                    self.expires_at = expires_at;
                    StepOutcome::Refreshed {
                        expires_in: o.expires_in,
                        expires_at,
                        rotated,
                        refresh_token_expires_in: o.refresh_token_expires_in,
                        scopes_granted: o.scopes_granted,
                    }
                });
                (result, ex)
            }
            Action::Userinfo => {
                let key = crate::oidc::resource_key(&self.token_type, self.dpop.as_ref());
                let (got, ex) =
                    calls::userinfo(http_client, &provider, &self.access_token, key).await;
                (got.map(|claims| StepOutcome::Userinfo { claims }), vec![ex])
            }
            Action::Introspect => {
                let hint = TokenHint::AccessToken;
                let (got, ex) =
                    calls::introspect(http_client, &provider, &auth, &self.access_token, hint)
                        .await;
                let result = got.map(|i| StepOutcome::Introspected {
                    token: hint,
                    active: i.active,
                    scope: i.scope,
                    exp: i.exp,
                    token_type: i.token_type,
                    client_id: i.client_id,
                });
                (result, vec![ex])
            }
            Action::Revoke => {
                // The refresh token when there is one: RFC 7009 §2.1, the provider then revokes the grant's
                // access tokens too; else the access token.
                let (token, hint) = match &self.refresh_token {
                    Some(r) => (r.clone(), TokenHint::RefreshToken),
                    None => (self.access_token.clone(), TokenHint::AccessToken),
                };
                let (got, ex) = calls::revoke(http_client, &provider, &auth, &token, hint).await;
                if got.is_ok() {
                    self.revoked = true;
                }
                (got.map(|()| StepOutcome::Revoked { token: hint }), vec![ex])
            }
            Action::Logout => {
                let r = &self.request;
                let is_headless = r.login_hint.as_deref().is_some_and(headless::is_testid);
                let timeout_secs = r.callback_timeout.as_secs();
                let on_url = |url: &str| {
                    on_progress(Progress::Login(LoginEvent::AuthorizationUrl {
                        url: url.to_owned(),
                        timeout_secs,
                    }))
                };
                let params = LogoutParams {
                    client_id: &r.client.client_id,
                    id_token_hint: self.id_token.as_ref(),
                    redirect_path: &r.client.redirect_path,
                    ui_locales: &r.ui_locales,
                    browser: (!is_headless).then_some(&r.browser),
                    timeout: r.callback_timeout,
                    lang: r.lang,
                    on_url: &on_url,
                };
                let (got, ex) = calls::logout(http_client, &provider, &params).await;
                if got.is_ok() {
                    self.logged_out = true;
                }
                let result = got.map(|o| StepOutcome::LoggedOut {
                    post_logout_redirect_uri: o.post_logout_redirect_uri,
                    state_checked: o.state_checked,
                    via_browser: o.via_browser,
                });
                (result, vec![ex])
            }
        }
    }
}

/// A refused refresh is the token endpoint's answer to the refresh token, not to a code.
fn refresh_error(e: crate::oidc::LoginError) -> SessionError {
    match e {
        crate::oidc::LoginError::TokenEndpoint { error, description } => {
            SessionError::RefreshRefused { error, description }
        }
        other => other.into(),
    }
}

/// The lookup, and the session it leaves when its login was accepted.
pub async fn run_lookup_session(
    http_client: &reqwest::Client,
    req: &LookupRequest,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
) -> (Inspection, Option<Session>) {
    let mut kept = None;
    let inspection = lookup(http_client, req, on_progress, None, &mut kept).await;
    let session = kept.map(|o| Session::new(req, &o, Utc::now()));
    (inspection, session)
}

/// The lookup, then `actions` in order on its session; each is a step of the report's `session`. A refresh asks
/// for `refresh_scope` when given. Without a session (the login failed) every action fails, saying so.
pub async fn run_lookup_then(
    http_client: &reqwest::Client,
    req: &LookupRequest,
    actions: &[Action],
    refresh_scope: Option<Vec<String>>,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
) -> Inspection {
    let (mut inspection, session) = run_lookup_session(http_client, req, on_progress).await;
    let Some(mut session) = session else {
        inspection.session = actions
            .iter()
            .map(|&action| SessionStep {
                action,
                ok: false,
                outcome: None,
                error: Some(
                    req.lang
                        .pick(
                            "ingen økt å fortsette fra: innloggingen lyktes ikke",
                            "no session to go on from: the login did not succeed",
                        )
                        .to_owned(),
                ),
                exchanges: Vec::new(),
            })
            .collect();
        return inspection;
    };
    session.narrow_refresh(refresh_scope);
    for &action in actions {
        let step = session.run(http_client, action, on_progress).await;
        inspection.session.push(step);
    }
    inspection
}
