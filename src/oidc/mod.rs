//! The client side of the login (RFC 8252 and RFC 9700 practice): discovery, PKCE S256 with random `state` and
//! `nonce`, the loopback listener bound before the browser opens (the authorization URL built with the `oauth2`
//! crate), the code exchange through [`backchannel`] with [`ClientAuth`], and the id_token checks. Async, no egui.

pub mod backchannel;
pub mod browser;
pub mod callback;
pub mod client_auth;
pub mod client_key;
pub mod discovery;
pub mod dpop;
pub mod headless;
pub mod http;
pub mod idtoken;
pub mod par;
pub mod refresh;
pub mod resource;
pub mod secret;
pub mod session;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, ClientId, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge,
    RedirectUrl, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::ClientRegistration;
use crate::jose::jwk::KeySet;
use crate::krr::Lang;

pub use browser::BrowserChoice;
pub use client_auth::{ClientAuth, Credential};
pub use client_key::{ClientKey, KeyFileError};
pub use discovery::ProviderMetadata;
pub use dpop::{DpopError, DpopKey};
pub use http::HttpExchange;
pub use idtoken::TokenCheck;
pub use secret::Secret;

/// Why a login did not complete. Each message says what to try.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoginError {
    #[error(
        "client '{client_id}' uses {method} but no secret was given: set the environment variable {var}"
    )]
    MissingSecret {
        client_id: String,
        method: &'static str,
        var: String,
    },
    #[error(
        "client '{client_id}' uses private_key_jwt but no key was given: pass --private-key FILE (config: private_key)"
    )]
    MissingKey { client_id: String },
    #[error("the client assertion could not be signed: {0}")]
    Assertion(String),
    #[error(
        "PAR was asked for (--par), but the provider's discovery has no pushed_authorization_request_endpoint: \
         leave out --par"
    )]
    ParUnavailable,
    #[error("the PAR endpoint refused the authorization request: {error}{}", if .description.is_empty() { String::new() } else { format!(" ({description})") })]
    Par { error: String, description: String },
    #[error("the provider's {endpoint} is not a usable URL: {detail}")]
    BadEndpoint {
        endpoint: &'static str,
        detail: String,
    },
    #[error("refused before sending anything: {0}")]
    Insecure(#[from] crate::config::url_policy::UnsafeUrl),
    #[error(transparent)]
    Http(#[from] http::HttpError),
    #[error("discovery: {0}")]
    Discovery(#[from] discovery::DiscoveryError),
    #[error("the redirect listener cannot listen on 127.0.0.1: {detail}")]
    Listener {
        kind: std::io::ErrorKind,
        detail: String,
    },
    #[error(transparent)]
    Browser(#[from] browser::BrowserError),
    #[error(
        "no login arrived within {0} s: finish the login in the browser sooner, or raise --timeout"
    )]
    Timeout(u64),
    #[error("no valid login arrived within {secs} s, and a callback was refused: {refused}")]
    TimeoutAfterRefused { secs: u64, refused: Box<LoginError> },
    #[error("the login was cancelled")]
    Cancelled,
    #[error(
        "the callback's state does not match this login: it may be a forged or stale redirect; start the login again"
    )]
    StateMismatch,
    #[error(
        "the callback's iss is \"{got}\", not \"{expected}\": the response came from another provider (mix-up attack?)"
    )]
    IssuerMismatch { expected: String, got: String },
    #[error("{}", describe_provider_error(.error, .description))]
    Provider { error: String, description: String },
    #[error("the callback: {0}")]
    Callback(#[from] callback::CallbackError),
    #[error("the token endpoint refused the code: {error}{}", if .description.is_empty() { String::new() } else { format!(" ({description})") })]
    TokenEndpoint { error: String, description: String },
    #[error(transparent)]
    Headless(#[from] headless::HeadlessError),
    #[error("the key set (JWKS): {0}")]
    Jwks(#[from] crate::jose::jwk::JwksError),
    #[error("DPoP: {0}")]
    Dpop(#[from] dpop::DpopError),
}

fn describe_provider_error(error: &str, description: &str) -> String {
    let advice = match error {
        "access_denied" => "the login was cancelled in the browser",
        "login_required" => "the provider needs a fresh login (no single sign-on session)",
        "invalid_scope" => "the provider does not accept one of the scopes: check the scope list",
        "unauthorized_client" => "the client is not allowed this request: check its registration",
        "invalid_request" => "the provider rejected the request",
        "temporarily_unavailable" | "server_error" => "the provider has a problem: try again later",
        _ => "the provider refused the login",
    };
    if description.is_empty() {
        format!("{advice} ({error})")
    } else {
        format!("{advice} ({error}: {description})")
    }
}

/// What to log in with.
#[derive(Clone, Debug)]
pub struct LoginParams {
    pub issuer: String,
    pub client: ClientRegistration,
    pub client_secret: Option<Secret>,
    /// The private_key_jwt key, when the client uses one.
    pub client_key: Option<ClientKey>,
    pub scopes: Vec<String>,
    pub acr: Option<String>,
    /// `nb`, `nn`, `en` or `se`.
    pub ui_locales: String,
    pub prompt: Option<String>,
    /// `login_hint`; a `testid:<pid>_<acr>` hint logs in headless (no browser), in test environments only.
    pub login_hint: Option<String>,
    /// Push the authorization request first (RFC 9126 PAR); also done when discovery requires it.
    pub par: bool,
    pub browser: BrowserChoice,
    /// How long to wait for the browser's callback.
    pub timeout: Duration,
    /// Language of the page the listener shows.
    pub lang: Lang,
    /// DPoP (RFC 9449): a key for this session, made at login, and a proof with every token request.
    pub dpop: bool,
}

/// Progress, as it happens.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LoginEvent {
    Discovered {
        issuer: String,
    },
    /// The authorization request was pushed (PAR); the browser gets only `client_id` and `request_uri`.
    Pushed {
        expires_in: Option<u64>,
    },
    ListenerReady {
        redirect_uri: String,
    },
    /// The URL to open (also when the browser was opened for the user).
    AuthorizationUrl {
        url: String,
        timeout_secs: u64,
    },
    /// A headless TestID login: the tool sends the authorization request itself (no browser).
    Headless {
        hint: String,
    },
    /// A request on the callback path without this login's `state` was refused; the login goes on waiting.
    CallbackRefused {
        reason: String,
    },
    CodeReceived,
    TokensReceived,
    IdTokenChecked {
        passed: bool,
    },
}

/// A completed login.
#[derive(Clone, Debug, Serialize)]
pub struct LoginOutcome {
    pub provider: ProviderMetadata,
    pub redirect_uri: String,
    pub access_token: Secret,
    pub id_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    /// How long the refresh token lives, when the provider says (ID-porten's `refresh_token_expires_in`).
    pub refresh_token_expires_in: Option<u64>,
    pub token_type: String,
    pub expires_in: Option<u64>,
    /// The `scope` of the token response, when the provider sent one.
    pub scopes_granted: Option<Vec<String>>,
    pub id_token_checks: Vec<TokenCheck>,
    pub id_claims: Option<Map<String, Value>>,
    /// This session's DPoP key (in memory only: never serialised).
    #[serde(skip)]
    pub dpop: Option<DpopKey>,
}

impl LoginOutcome {
    /// The key to present the access token with at a resource: this session's, when the token is DPoP-bound
    /// (`token_type` DPoP, RFC 9449 §5); none for a bearer token.
    pub fn resource_key(&self) -> Option<&DpopKey> {
        resource_key(&self.token_type, self.dpop.as_ref())
    }
}

/// The key a token of `token_type` is presented with: `key` for a DPoP token, none for a bearer token.
pub fn resource_key<'a>(token_type: &str, key: Option<&'a DpopKey>) -> Option<&'a DpopKey> {
    key.filter(|_| token_type.eq_ignore_ascii_case("dpop"))
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// ID-porten's lifetime of the refresh token, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<u64>,
}
impl ExtraTokenFields for IdTokenField {}

type OidcTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
/// Used for the authorization URL only; every back-channel call goes through [`backchannel`].
type OidcClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
>;

pub(crate) fn random_url_safe() -> String {
    CsrfToken::new_random().secret().clone()
}

/// Runs the whole login. `on_event` sees each step; `exchanges` collects the HTTP calls (also on failure).
pub async fn login(
    http_client: &reqwest::Client,
    p: &LoginParams,
    on_event: &(dyn Fn(LoginEvent) + Send + Sync),
    exchanges: &Arc<Mutex<Vec<HttpExchange>>>,
) -> Result<LoginOutcome, LoginError> {
    let record = |ex: HttpExchange| {
        exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(ex)
    };

    let (provider, ex) = discovery::discover(http_client, &p.issuer).await;
    record(ex);
    let provider = provider?;
    on_event(LoginEvent::Discovered {
        issuer: provider.issuer.clone(),
    });

    let auth = ClientAuth::new(
        &p.client,
        Credential::of(p.client_secret.as_ref(), p.client_key.as_ref()),
        &provider.issuer,
    )?;
    // One key per session, made before anything is sent with it.
    let dpop = if p.dpop {
        Some(DpopKey::generate()?)
    } else {
        None
    };

    // Bind first, so the redirect URI's port is ours before anyone is sent to it.
    let listener = callback::CallbackListener::bind(&p.client.redirect_path).await?;
    let redirect_uri = listener.redirect_uri().to_owned();
    on_event(LoginEvent::ListenerReady {
        redirect_uri: redirect_uri.clone(),
    });

    let config_error =
        |endpoint: &'static str, e: &dyn std::fmt::Display| LoginError::BadEndpoint {
            endpoint,
            detail: e.to_string(),
        };
    let client: OidcClient = oauth2::Client::new(ClientId::new(p.client.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(provider.authorization_endpoint.clone())
                .map_err(|e| config_error("authorization_endpoint", &e))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri.clone()).map_err(|e| config_error("redirect_uri", &e))?,
        );
    url::Url::parse(&provider.token_endpoint).map_err(|e| config_error("token_endpoint", &e))?;

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = Secret::new(random_url_safe());
    let nonce = random_url_safe();
    let state_for_url = state.expose().to_owned();
    let mut request = client
        .authorize_url(move || CsrfToken::new(state_for_url))
        .set_pkce_challenge(challenge)
        .add_scopes(p.scopes.iter().cloned().map(Scope::new))
        .add_extra_param("nonce", &nonce)
        .add_extra_param("ui_locales", &p.ui_locales);
    if let Some(acr) = &p.acr {
        request = request.add_extra_param("acr_values", acr);
    }
    if let Some(prompt) = &p.prompt {
        request = request.add_extra_param("prompt", prompt);
    }
    if let Some(hint) = &p.login_hint {
        request = request.add_extra_param("login_hint", hint);
    }
    let (mut url, _) = request.url();
    if par::uses_par(p.par, &provider) {
        let (pushed, ex) = par::push(http_client, &provider, &auth, &url).await;
        record(ex);
        let (pushed, expires_in) = pushed?;
        url = pushed;
        on_event(LoginEvent::Pushed { expires_in });
    }
    let expected = callback::Expected {
        path: p.client.redirect_path.clone(),
        state,
        issuer: provider.issuer.clone(),
        iss_required: provider.iss_parameter_supported,
        lang: p.lang,
    };
    let code = match p.login_hint.as_deref().filter(|h| headless::is_testid(h)) {
        Some(hint) => {
            on_event(LoginEvent::Headless {
                hint: hint.to_owned(),
            });
            let (code, ex) =
                headless::code(http_client, url.as_str(), &redirect_uri, &expected).await;
            record(ex);
            code?
        }
        None => wait_for_browser(p, url.as_str(), listener, expected, on_event).await?,
    };
    on_event(LoginEvent::CodeReceived);

    let form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        ("code".to_owned(), code.expose().to_owned()),
        ("redirect_uri".to_owned(), redirect_uri.clone()),
        ("code_verifier".to_owned(), verifier.secret().clone()),
    ];
    let post = backchannel::FormPost {
        step: "token",
        url: &provider.token_endpoint,
        form,
        auth: Some(&auth),
        headers: Vec::new(),
        dpop: dpop.as_ref(),
    };
    let (fields, exs) = backchannel::token_request(http_client, post).await;
    exs.into_iter().for_each(record);
    let fields = fields?;
    on_event(LoginEvent::TokensReceived);

    let id_token = fields.id_token.clone();
    let (id_token_checks, id_claims) = match &id_token {
        Some(t) => {
            let (jwks, ex) = http::get_json(http_client, "jwks", &provider.jwks_uri).await;
            record(ex);
            let jwks = KeySet::parse(&jwks?.to_string())?;
            let expectations = idtoken::Expectations {
                issuer: &provider.issuer,
                client_id: &p.client.client_id,
                nonce: &nonce,
                acr: p.acr.as_deref(),
            };
            idtoken::check(t.expose(), &jwks, &expectations, chrono::Utc::now())
        }
        None => (
            vec![TokenCheck::new(
                "id_token",
                false,
                idtoken::CheckWhy::NoIdToken,
            )],
            None,
        ),
    };
    on_event(LoginEvent::IdTokenChecked {
        passed: id_token_checks.iter().all(|c| c.passed),
    });

    Ok(LoginOutcome {
        provider,
        redirect_uri,
        access_token: fields.access_token,
        id_token,
        refresh_token: fields.refresh_token,
        refresh_token_expires_in: fields.refresh_token_expires_in,
        token_type: fields.token_type,
        expires_in: fields.expires_in,
        scopes_granted: fields.scopes_granted,
        id_token_checks,
        id_claims,
        dpop,
    })
}

/// What the login takes from a token response (RFC 6749 §5.1), secrets already in `Secret`.
#[derive(Clone, Debug)]
pub struct TokenFields {
    pub access_token: Secret,
    pub id_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub refresh_token_expires_in: Option<u64>,
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub scopes_granted: Option<Vec<String>>,
}

impl TokenFields {
    fn of(tokens: &OidcTokenResponse) -> TokenFields {
        TokenFields {
            access_token: Secret::new(tokens.access_token().secret().clone()),
            id_token: tokens.extra_fields().id_token.clone().map(Secret::new),
            refresh_token: tokens
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone())),
            refresh_token_expires_in: tokens.extra_fields().refresh_token_expires_in,
            token_type: format!("{:?}", tokens.token_type()),
            expires_in: tokens.expires_in().map(|d| d.as_secs()),
            scopes_granted: tokens
                .scopes()
                .map(|s| s.iter().map(|x| x.to_string()).collect()),
        }
    }
}

/// Parses a token response's body as the login does (`oauth2`'s types), for fuzzing and tests.
pub fn parse_token_response(body: &[u8]) -> Result<TokenFields, LoginError> {
    let tokens: OidcTokenResponse =
        serde_json::from_slice(body).map_err(|e| LoginError::TokenEndpoint {
            error: "unreadable response".into(),
            description: format!("not an RFC 6749 token response: {e}"),
        })?;
    let mut fields = TokenFields::of(&tokens);
    // As the provider wrote it (`Bearer`, `DPoP`): `oauth2` keeps only the types RFC 6749 names.
    if let Some(t) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("token_type")?.as_str().map(str::to_owned))
    {
        fields.token_type = t;
    }
    Ok(fields)
}

/// Opens the browser on the authorization URL and waits for the callback (or the browser command's failure).
async fn wait_for_browser(
    p: &LoginParams,
    url: &str,
    listener: callback::CallbackListener,
    expected: callback::Expected,
    on_event: &(dyn Fn(LoginEvent) + Send + Sync),
) -> Result<Secret, LoginError> {
    let mut browser_child = browser::open(&p.browser, url)?;
    on_event(LoginEvent::AuthorizationUrl {
        url: url.to_owned(),
        timeout_secs: p.timeout.as_secs(),
    });
    let on_refused = |e: &LoginError| {
        on_event(LoginEvent::CallbackRefused {
            reason: e.to_string(),
        })
    };
    let waiting = listener.wait(expected, p.timeout, &on_refused);
    // A browser command that fails (exits non-zero) ends the wait at once instead of after the timeout.
    let code = match browser_child.as_mut() {
        Some(child) => tokio::select! {
            code = waiting => code,
            failed = child.failure() => Err(LoginError::Browser(failed)),
        },
        None => waiting.await,
    };
    if let Some(child) = browser_child {
        child.reap_in_background();
    }
    code
}
