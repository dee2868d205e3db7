//! The planner: from the configuration and the user's choices (flags or the app's controls) to one ready
//! `LookupRequest`. It is the only place that assembles a login: the CLI and the app both call it, so a new login
//! option (a hint, a key, a secret source) is written once. Where the request then goes is `super::targets`.

use std::path::PathBuf;
use std::time::Duration;

use super::lookup::{Accept, default_scopes};
use crate::config::keyring::KeyringError;
use crate::config::{
    AuthMethod, ClientRegistration, Config, Environment, Group, Location, SecretSource,
};
use crate::jose::TrustStore;
use crate::krr::{Lang, ScopeDialect, scopes};
use crate::oidc::{BrowserChoice, ClientKey, KeyFileError, Secret};

/// Which provider to log in to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// An environment of the configuration (built-in or from the config file), by name.
    Named(String),
    /// A provider not in the configuration.
    Custom {
        issuer: String,
        person_url: String,
        /// `None`: from the scopes asked for, else from the person URL's path.
        dialect: Option<ScopeDialect>,
    },
}

/// What the user chose; everything else comes from the configuration.
#[derive(Clone, Debug)]
pub struct Choices {
    pub place: Place,
    /// Overrides the environment's client (its other settings are kept).
    pub client_id: Option<String>,
    /// The environment variable holding the client secret (overrides the client's `secret_env`).
    pub secret_env: Option<String>,
    /// Where the secret (or the key file's password) is read from (overrides the client's `secret_source`;
    /// `secret_env` means `Env`).
    pub secret_source: Option<SecretSource>,
    /// Overrides the client's auth method; with `secret_env` or a secret source and no method,
    /// `client_secret_basic`; with `private_key` and no method, `private_key_jwt`.
    pub auth_method: Option<AuthMethod>,
    /// private_key_jwt: the key file (overrides the client's `private_key`).
    pub private_key: Option<PathBuf>,
    /// private_key_jwt: the key's `kid` (overrides the client's `key_id`).
    pub key_id: Option<String>,
    /// The environment variable holding the key file's password (overrides the client's `key_password_env`).
    pub key_password_env: Option<String>,
    /// Empty: `openid` and every read scope of the environment's dialect.
    pub scopes: Vec<String>,
    pub accept: Accept,
    /// `None` or empty: the environment's level.
    pub acr: Option<String>,
    pub ui_locales: String,
    pub prompt: Option<String>,
    /// A headless TestID login as this synthetic person (`login_hint=testid:<pid>_<acr>`, the acr asked for).
    pub testid: Option<String>,
    /// Any other `login_hint` value, sent as is.
    pub login_hint: Option<String>,
    /// Push the authorization request (PAR, RFC 9126).
    pub par: bool,
    pub browser: BrowserChoice,
    pub callback_timeout: Duration,
    /// PEM files whose certificates are trusted for the answer's chain.
    pub trust_ca: Vec<PathBuf>,
    /// The language of explanations.
    pub lang: Lang,
    /// DPoP (RFC 9449): bind the tokens to a key made for the session.
    pub dpop: bool,
}

impl Choices {
    /// The defaults every face starts from: JOSE, Bokmål login page, the system browser, five minutes to log in.
    pub fn new(place: Place, lang: Lang) -> Choices {
        Choices {
            place,
            client_id: None,
            secret_env: None,
            secret_source: None,
            auth_method: None,
            private_key: None,
            key_id: None,
            key_password_env: None,
            scopes: Vec::new(),
            accept: Accept::Jose,
            acr: None,
            ui_locales: "nb".into(),
            prompt: None,
            testid: None,
            login_hint: None,
            par: false,
            browser: BrowserChoice::System,
            callback_timeout: Duration::from_secs(300),
            trust_ca: Vec::new(),
            lang,
            dpop: false,
        }
    }
}

/// Why no request could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    UnknownEnvironment(#[from] crate::config::UnknownEnvironment),
    #[error(
        "environment '{env}' has no client: register one at the provider and add it to the config file \
         ([clients.NAME] environments = [\"{env}\"]), or pass --client-id"
    )]
    NoClient { env: String },
    #[error(
        "{method} needs a secret: set secret_env in the client's config entry, or pass --client-secret-env VAR; or \
         store it in the keyring (`krr-inspector secret set`) and pass --secret-source keyring"
    )]
    SecretNeeded { method: &'static str },
    #[error(
        "the client secret's environment variable {var} {}; or store the secret in the keyring with \
         `krr-inspector secret set --env {env} --client {client_id}` and pass --secret-source keyring",
        match source {
            std::env::VarError::NotPresent => "is not set",
            std::env::VarError::NotUnicode(_) => "is not valid Unicode",
        }
    )]
    SecretNotSet {
        var: String,
        method: &'static str,
        env: String,
        client_id: String,
        #[source]
        source: std::env::VarError,
    },
    #[error(
        "{method} needs a client secret and the keyring has none for client {client_id} in environment '{env}': \
         store it with `krr-inspector secret set --env {env} --client {client_id}`"
    )]
    SecretNotInKeyring {
        env: String,
        client_id: String,
        method: &'static str,
    },
    #[error("cannot read the client secret from the keyring: {0}")]
    Keyring(#[source] KeyringError),
    #[error(
        "private_key_jwt needs a private key: set private_key in the client's config entry, or pass --private-key FILE"
    )]
    KeyNeeded,
    #[error("the private key {}: {source}", path.display())]
    Key {
        path: PathBuf,
        #[source]
        source: KeyFileError,
    },
    #[error("the key password's environment variable {var} is not set (or not valid Unicode)")]
    KeyPasswordNotSet { var: String },
    #[error(
        "the private key {} is encrypted and the keyring has no password for it (client {client_id} in environment \
         '{env}'): store it with `krr-inspector secret set --env {env} --client {client_id} --purpose key-password`, \
         or pass --key-password-env VAR",
        path.display()
    )]
    KeyPasswordNotInKeyring {
        path: PathBuf,
        env: String,
        client_id: String,
    },
    #[error(transparent)]
    Trust(#[from] AnchorError),
    #[error(
        "a TestID login is refused for '{env}': it holds real people's data, and TestID persons exist only in \
         ID-porten's test environments (use --env test, or the local emulator)"
    )]
    TestIdInProduction { env: String },
    #[error("--testid {pid}: not a national id: {source}")]
    TestIdNotAnId {
        pid: String,
        #[source]
        source: crate::krr::IdError,
    },
    #[error("the local emulator's keys could not be loaded or made: {0}")]
    EmulatorKeys(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot start the local emulator on 127.0.0.1: {0}")]
    EmulatorStart(#[source] crate::emulator::StartError),
    #[error("the local emulator's CA cannot be trusted: {0}")]
    EmulatorCa(#[source] crate::jose::TrustError),
}

impl PlanError {
    /// The message in the app's language, with what to do about it. The app has no flags, so its advice differs
    /// from the command line's.
    pub fn for_app(&self, lang: Lang) -> String {
        match self {
            PlanError::NoClient { .. } => lang
                .pick(
                    "Ingen klient er registrert for dette miljøet: skriv inn en client_id, eller legg til en i konfigurasjonsfilen.",
                    "No client is registered for this environment: type a client_id, or add one to the config file.",
                )
                .to_owned(),
            PlanError::SecretNotSet { var, .. } => match lang {
                Lang::Nb => format!(
                    "Klienthemmeligheten mangler: sett miljøvariabelen {var} og start appen på nytt."
                ),
                Lang::En => format!(
                    "The client secret is missing: set the environment variable {var} and restart the app."
                ),
            },
            PlanError::SecretNotInKeyring { client_id, .. } => match lang {
                Lang::Nb => format!(
                    "Klienthemmeligheten for {client_id} mangler: lagre den i nøkkelringen med «Lagre klienthemmeligheten i nøkkelringen…» under Klient."
                ),
                Lang::En => format!(
                    "The client secret for {client_id} is missing: store it in the keyring with “Store the client secret in the keyring…” under Client."
                ),
            },
            PlanError::KeyPasswordNotInKeyring {
                path,
                env,
                client_id,
            } => {
                let (path, command) = (
                    crate::escape::display(&path.display().to_string()).into_owned(),
                    format!("krr-inspector secret set --env {env} --client {client_id} --purpose key-password"),
                );
                match lang {
                    Lang::Nb => format!(
                        "Nøkkelfilen {path} er kryptert, og nøkkelringen har ikke passordet: lagre det i en terminal med `{}`.",
                        crate::escape::display(&command)
                    ),
                    Lang::En => format!(
                        "The key file {path} is encrypted and the keyring has no password for it: store it in a terminal with `{}`.",
                        crate::escape::display(&command)
                    ),
                }
            }
            PlanError::Keyring(e) => match lang {
                Lang::Nb => format!(
                    "Nøkkelringen kunne ikke leses: {}",
                    crate::escape::display(&e.to_string())
                ),
                Lang::En => format!(
                    "The keyring could not be read: {}",
                    crate::escape::display(&e.to_string())
                ),
            },
            PlanError::SecretNeeded { method } => match lang {
                Lang::Nb => format!(
                    "{method} trenger en klienthemmelighet: sett secret_env for klienten i konfigurasjonsfilen."
                ),
                Lang::En => format!(
                    "{method} needs a client secret: set secret_env for the client in the config file."
                ),
            },
            other => crate::escape::display(&other.to_string()).into_owned(),
        }
    }
}

/// A request decided up to its target: the environment, the client and its secret, the trust, the options.
#[derive(Clone)]
pub struct Plan {
    pub environment: Environment,
    pub client: ClientRegistration,
    pub(super) client_secret: Option<Secret>,
    pub(super) client_key: Option<ClientKey>,
    pub(super) trust: TrustStore,
    pub(super) choices: Choices,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("environment", &self.environment.name)
            .field("client_id", &self.client.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("client_key", &self.client_key)
            .field("choices", &self.choices)
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// The scopes that will be asked for.
    pub fn scopes(&self) -> Vec<String> {
        if self.choices.scopes.is_empty() {
            default_scopes(self.environment.dialect)
        } else {
            self.choices.scopes.clone()
        }
    }

    /// Where the client secret was read from, for messages: `$VAR` or the keyring entry; `None` for a public
    /// client.
    pub fn secret_origin(&self) -> Option<String> {
        self.client_secret.as_ref()?;
        Some(super::secrets::secret_origin(
            &self.environment.name,
            &self.client,
        ))
    }

    /// The trust anchors decided (`trust_ca`), before a target adds its own.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The language of explanations and messages.
    pub fn lang(&self) -> Lang {
        self.choices.lang
    }

    /// The same plan asking for other scopes (the matrix asks for one set after another).
    pub fn with_scopes(mut self, scopes: Vec<String>) -> Plan {
        self.choices.scopes = scopes;
        self
    }
}

/// Decides everything that needs no network: the environment, the client, its secret, the trust anchors.
pub fn plan(config: &Config, choices: Choices) -> Result<Plan, PlanError> {
    let environment = match &choices.place {
        Place::Named(name) => config.require(name)?.clone(),
        Place::Custom {
            issuer,
            person_url,
            dialect,
        } => custom_environment(issuer, person_url, *dialect, &choices.scopes),
    };
    // Before anything else: a test-only login never goes to real people's data.
    if choices.testid.is_some() && environment.production {
        return Err(PlanError::TestIdInProduction {
            env: environment.name.clone(),
        });
    }
    if let Some(pid) = &choices.testid {
        crate::krr::NationalId::parse(pid.trim()).map_err(|source| PlanError::TestIdNotAnId {
            pid: pid.clone(),
            source,
        })?;
    }
    let mut client = match (&choices.client_id, &environment.client) {
        (Some(id), existing) if !id.trim().is_empty() => ClientRegistration {
            name: id.trim().to_owned(),
            client_id: id.trim().to_owned(),
            ..existing
                .clone()
                .unwrap_or_else(ClientRegistration::emulator_default)
        },
        (_, Some(c)) => c.clone(),
        (_, None) => {
            return Err(PlanError::NoClient {
                env: environment.name.clone(),
            });
        }
    };
    super::secrets::apply_choices(&mut client, &choices);
    let client_key = super::secrets::client_key(&environment.name, &client)?;
    let client_secret = super::secrets::client_secret(&environment.name, &client)?;
    let mut trust = trust_anchors(&choices.trust_ca)?;
    // The environment's own `trust_ca` (the config file's, e.g. stored by the app's "Trust this CA …").
    for path in &environment.trust_ca {
        let pem = std::fs::read(path).map_err(|source| AnchorError::ConfigRead {
            env: environment.name.clone(),
            path: path.clone(),
            source,
        })?;
        trust
            .add_pem(&pem)
            .map_err(|source| AnchorError::ConfigPem {
                env: environment.name.clone(),
                path: path.clone(),
                source,
            })?;
    }
    Ok(Plan {
        environment,
        client,
        client_secret,
        client_key,
        trust,
        choices,
    })
}

/// The client's private_key_jwt key, read and checked before anything is sent.
/// A `--trust-ca` file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("cannot read --trust-ca {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--trust-ca {}: {source}", path.display())]
    Pem {
        path: PathBuf,
        #[source]
        source: crate::jose::TrustError,
    },
    #[error(
        "cannot read {} (trust_ca of [environments.{env}] in the config file): {source}; restore the file or \
         remove it from trust_ca",
        path.display()
    )]
    ConfigRead {
        env: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} (trust_ca of [environments.{env}] in the config file): {source}", path.display())]
    ConfigPem {
        env: String,
        path: PathBuf,
        #[source]
        source: crate::jose::TrustError,
    },
}

/// A trust store with the certificates of these PEM files (`--trust-ca`, repeatable).
pub fn trust_anchors(paths: &[PathBuf]) -> Result<TrustStore, AnchorError> {
    let mut trust = TrustStore::new();
    for path in paths {
        let pem = std::fs::read(path).map_err(|source| AnchorError::Read {
            path: path.clone(),
            source,
        })?;
        trust.add_pem(&pem).map_err(|source| AnchorError::Pem {
            path: path.clone(),
            source,
        })?;
    }
    Ok(trust)
}

/// A provider given by its URLs. Difi's person URL has its own path, so it tells the dialect when the scopes
/// do not.
fn custom_environment(
    issuer: &str,
    person_url: &str,
    dialect: Option<ScopeDialect>,
    scopes_asked: &[String],
) -> Environment {
    let dialect = dialect
        .or_else(|| scopes::dialect_of(scopes_asked))
        .unwrap_or(if person_url.contains("/kontaktinfo-oauth2-server/") {
            ScopeDialect::Difi
        } else {
            ScopeDialect::Digdir
        });
    Environment {
        name: "custom".into(),
        label: "custom".into(),
        group: Group::User,
        location: Location::Remote {
            issuer: issuer.to_owned(),
            person_url: person_url.to_owned(),
        },
        dialect,
        acr: String::new(),
        client: None,
        // A provider given by URL is production when it is one of the production hosts.
        production: crate::config::is_production_issuer(issuer),
        retired: false,
        trust_ca: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::builtin()
    }

    #[test]
    fn a_secret_method_without_a_secret_is_one_clear_error_for_every_face() {
        let mut c = Choices::new(Place::Named("local".into()), Lang::En);
        c.auth_method = Some(AuthMethod::ClientSecretBasic);
        let e = plan(&config(), c).unwrap_err();
        assert!(matches!(
            e,
            PlanError::SecretNeeded {
                method: "client_secret_basic"
            }
        ));
        assert!(e.to_string().contains("--client-secret-env"), "{e}");
        assert!(
            e.for_app(Lang::En).contains("secret_env"),
            "{}",
            e.for_app(Lang::En)
        );
    }

    #[test]
    fn a_custom_provider_takes_its_dialect_from_the_scopes_or_the_person_url() {
        let custom = |url: &str, scopes: &[&str]| {
            let mut c = Choices::new(
                Place::Custom {
                    issuer: "https://login.example/".into(),
                    person_url: url.into(),
                    dialect: None,
                },
                Lang::En,
            );
            c.client_id = Some("me".into());
            c.scopes = scopes.iter().map(|s| s.to_string()).collect();
            plan(&config(), c).unwrap().environment.dialect
        };
        let difi_url = "https://x.example/kontaktinfo-oauth2-server/rest/v1/person";
        assert_eq!(custom(difi_url, &[]), ScopeDialect::Difi);
        assert_eq!(
            custom("https://x.example/rest/v1/person", &[]),
            ScopeDialect::Digdir
        );
        assert_eq!(
            custom(difi_url, &["krr:user/kontaktinformasjon.read"]),
            ScopeDialect::Digdir
        );
    }

    #[test]
    fn an_unknown_environment_names_the_known_ones() {
        let e = plan(
            &config(),
            Choices::new(Place::Named("nope".into()), Lang::En),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("'nope'") && text.contains("local"), "{text}");
    }

    #[test]
    fn a_typed_client_id_keeps_the_environment_s_other_settings() {
        let mut c = Choices::new(Place::Named("local".into()), Lang::En);
        c.client_id = Some("  other-client ".into());
        let p = plan(&config(), c).unwrap();
        assert_eq!(p.client.client_id, "other-client");
        assert_eq!(p.client.auth_method, AuthMethod::None);
    }
}
