//! Environments (built-in and the user's own) and client registrations, read from a TOML file in the platform's
//! config directory. Secrets are never in the file: a client names the environment variable that holds its secret,
//! or says it is in the OS keyring (`keyring.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::krr::ScopeDialect;

mod environments;
mod files;
mod key_path;
pub mod keyring;
pub mod trust;
pub mod url_policy;

pub use environments::{builtin_environments, is_production_issuer};
pub use files::{
    FileError, exists, expand_home, no_file_dialog, read_limited, read_text, write_export,
    write_private, write_text, zenity_installed,
};

/// The environment variable that overrides where the config file is.
pub const CONFIG_ENV: &str = "KRR_INSPECTOR_CONFIG";

/// Which family an environment belongs to, for grouping in pickers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// The built-in emulator.
    Local,
    /// Digdir's current services.
    Digdir,
    /// Difi's original services.
    Difi,
    /// From the user's config file.
    User,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Local => "local",
            Group::Digdir => "Digdir",
            Group::Difi => "Difi",
            Group::User => "yours",
        }
    }
}

/// Where an environment's provider and register are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// The in-process emulator, started on demand on 127.0.0.1:0; its URLs are known once it runs.
    Emulator,
    /// A provider and register at fixed URLs. Endpoints other than the person URL come from discovery.
    Remote { issuer: String, person_url: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub name: String,
    pub label: String,
    pub group: Group,
    pub location: Location,
    pub dialect: ScopeDialect,
    /// The acr value asked for by default.
    pub acr: String,
    /// The client registration to use, when one is configured.
    pub client: Option<ClientRegistration>,
    /// Real people's data: no test-only login (TestID hints) is sent there.
    pub production: bool,
    /// Phased out by its owner (the Difi generation's endpoints): kept for old recordings, warned about when picked.
    pub retired: bool,
    /// `trust_ca`: PEM files whose certificates are trusted for this environment's answers (the user's
    /// environments only; relative paths are resolved against the config file's folder).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trust_ca: Vec<PathBuf>,
}

impl Environment {
    /// The label in `lang`: a built-in environment's in Bokmål too, the user's own as written.
    pub fn label_in(&self, lang: crate::lang::Lang) -> &str {
        match (lang, self.group) {
            (crate::lang::Lang::Nb, g) if g != Group::User => {
                environments::builtin_label_nb(&self.name).unwrap_or(&self.label)
            }
            _ => &self.label,
        }
    }

    pub fn issuer(&self) -> Option<&str> {
        match &self.location {
            Location::Remote { issuer, .. } => Some(issuer),
            Location::Emulator => None,
        }
    }

    pub fn person_url(&self) -> Option<&str> {
        match &self.location {
            Location::Remote { person_url, .. } => Some(person_url),
            Location::Emulator => None,
        }
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public (native) client: PKCE only, as ID-porten's desktop clients are.
    #[default]
    None,
    ClientSecretBasic,
    ClientSecretPost,
    /// RFC 7523 client assertion signed with the client's private key (ID-porten's recommended method).
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// Where a client's secret is read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// The environment variable `secret_env` names.
    #[default]
    Env,
    /// The OS keyring, entry `<environment>/<client_id>` of the service `krr-inspector` (see `keyring.rs`).
    Keyring,
}

impl SecretSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretSource::Env => "env",
            SecretSource::Keyring => "keyring",
        }
    }
}

/// A client registered at a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientRegistration {
    pub name: String,
    pub client_id: String,
    pub auth_method: AuthMethod,
    /// The environment variable holding the client secret (never the secret itself).
    pub secret_env: Option<String>,
    /// Where the secret is read from: `secret_env`'s variable, or the OS keyring.
    pub secret_source: SecretSource,
    /// The path of the loopback redirect URI (`http://127.0.0.1:{port}{redirect_path}`).
    pub redirect_path: String,
    /// private_key_jwt: the key file (PEM, JWK/JWKS or PKCS#12), never the key itself.
    pub private_key: Option<PathBuf>,
    /// private_key_jwt: the `kid` the provider knows the key by (needed unless the file has a certificate).
    pub key_id: Option<String>,
    /// The environment variable holding the key file's password (PKCS#12 or an encrypted PEM).
    pub key_password_env: Option<String>,
}

impl ClientRegistration {
    /// The emulator's public client, which needs no configuration.
    pub fn emulator_default() -> ClientRegistration {
        ClientRegistration {
            name: "krr-inspector".into(),
            client_id: "krr-inspector".into(),
            auth_method: AuthMethod::None,
            secret_env: None,
            secret_source: SecretSource::Env,
            redirect_path: DEFAULT_REDIRECT_PATH.into(),
            private_key: None,
            key_id: None,
            key_password_env: None,
        }
    }
}

pub const DEFAULT_REDIRECT_PATH: &str = "/callback";

/// The config file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    environments: BTreeMap<String, FileEnvironment>,
    #[serde(default)]
    clients: BTreeMap<String, FileClient>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEnvironment {
    label: Option<String>,
    issuer: String,
    person_url: String,
    #[serde(default = "default_dialect")]
    dialect: ScopeDialect,
    acr: Option<String>,
    /// Real people's data (test-only logins such as TestID hints are refused there).
    #[serde(default)]
    production: bool,
    /// A PEM file, or a list of them, trusted for this environment's answers.
    trust_ca: Option<OneOrMany>,
}

/// `trust_ca = "a.pem"` or `trust_ca = ["a.pem", "b.pem"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

fn default_dialect() -> ScopeDialect {
    ScopeDialect::Digdir
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileClient {
    client_id: String,
    #[serde(default)]
    auth_method: AuthMethod,
    secret_env: Option<String>,
    /// `env` (the default: `secret_env`'s variable) or `keyring`.
    secret_source: Option<SecretSource>,
    redirect_path: Option<String>,
    /// The environments (built-in or the user's) this client is registered in.
    environments: Vec<String>,
    /// Refused on purpose: see `reject_secret`.
    #[serde(default, deserialize_with = "reject_secret")]
    #[allow(dead_code)]
    secret: Option<()>,
    #[serde(default, deserialize_with = "reject_secret")]
    #[allow(dead_code)]
    client_secret: Option<()>,
    /// private_key_jwt: the key file's path (inline key material is refused, see `key_path`).
    private_key: Option<String>,
    key_id: Option<String>,
    key_password_env: Option<String>,
}

fn reject_secret<'de, D: serde::Deserializer<'de>>(_: D) -> Result<Option<()>, D::Error> {
    Err(serde::de::Error::custom(
        "secrets are never read from the config file: put the secret in an environment variable and name that \
         variable in `secret_env`, or store it in the OS keyring (`krr-inspector secret set`) and set \
         `secret_source = \"keyring\"`",
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// An environment name that the configuration does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no environment is called '{name}'; there are: {}", known.join(", "))]
pub struct UnknownEnvironment {
    pub name: String,
    pub known: Vec<String>,
}

/// All environments: the built-in ones, then the user's, with client registrations attached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Config {
    pub environments: Vec<Environment>,
    /// The file read, if any.
    pub source: Option<PathBuf>,
}

impl Config {
    /// Built-in environments only.
    pub fn builtin() -> Config {
        Config {
            environments: builtin_environments(),
            source: None,
        }
    }

    /// Reads `path` if given, else `$KRR_INSPECTOR_CONFIG`, else the platform default; a missing default file is
    /// not an error (a fresh install has none), a missing named file is.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let named = path
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(CONFIG_ENV).map(PathBuf::from));
        let (path, must_exist) = match named {
            Some(p) => (p, true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Config::builtin()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                Ok(Config::builtin())
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: FileConfig =
            toml::from_str(text).map_err(|e| invalid(describe_toml_error(&e, text)))?;
        let mut environments = builtin_environments();
        for (name, env) in file.environments {
            if environments.iter().any(|e| e.name == name) {
                return Err(invalid(format!(
                    "[environments.{name}]: '{name}' is a built-in environment; pick another name, or attach a \
                     client to it with [clients.NAME] environments = [\"{name}\"]"
                )));
            }
            for (key, url) in [("issuer", &env.issuer), ("person_url", &env.person_url)] {
                url_policy::check_destination(&format!("[environments.{name}] {key}"), url)
                    .map_err(|e| invalid(e.to_string()))?;
            }
            let production = env.production || is_production_issuer(&env.issuer);
            let trust_ca = match env.trust_ca {
                None => Vec::new(),
                Some(OneOrMany::One(p)) => vec![p],
                Some(OneOrMany::Many(ps)) => ps,
            }
            .into_iter()
            .map(|p| {
                let p = expand_home(&p.to_string_lossy());
                match path.parent() {
                    Some(dir) if p.is_relative() => dir.join(p),
                    _ => p,
                }
            })
            .collect();
            environments.push(Environment {
                label: env.label.unwrap_or_else(|| name.clone()),
                name,
                group: Group::User,
                location: Location::Remote {
                    issuer: env.issuer,
                    person_url: env.person_url,
                },
                acr: env
                    .acr
                    .unwrap_or_else(|| crate::krr::login::default_acr(env.dialect).into()),
                dialect: env.dialect,
                client: None,
                production,
                retired: false,
                trust_ca,
            });
        }
        for (name, client) in file.clients {
            let redirect_path = client
                .redirect_path
                .unwrap_or_else(|| DEFAULT_REDIRECT_PATH.into());
            if !redirect_path.starts_with('/') {
                return Err(invalid(format!(
                    "[clients.{name}] redirect_path = \"{redirect_path}\": must start with '/'"
                )));
            }
            let secret_source = client.secret_source.unwrap_or_default();
            let private_key = client
                .private_key
                .as_deref()
                .map(|k| key_path::key_path(&name, k, path))
                .transpose()
                .map_err(invalid)?;
            if client.auth_method == AuthMethod::PrivateKeyJwt && private_key.is_none() {
                return Err(invalid(format!(
                    "[clients.{name}] auth_method = \"private_key_jwt\" needs private_key: the path of the client's \
                     key file"
                )));
            }
            if matches!(
                client.auth_method,
                AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
            ) && secret_source == SecretSource::Env
                && client.secret_env.is_none()
            {
                return Err(invalid(format!(
                    "[clients.{name}] auth_method = \"{}\" needs secret_env: the name of the environment variable \
                     holding the client secret (or secret_source = \"keyring\" to read it from the OS keyring)",
                    client.auth_method.as_str()
                )));
            }
            let registration = ClientRegistration {
                name: name.clone(),
                client_id: client.client_id,
                auth_method: client.auth_method,
                secret_env: client.secret_env,
                secret_source,
                redirect_path,
                private_key,
                key_id: client.key_id,
                key_password_env: client.key_password_env,
            };
            for env_name in &client.environments {
                let env = environments
                    .iter_mut()
                    .find(|e| &e.name == env_name)
                    .ok_or_else(|| {
                        invalid(format!(
                            "[clients.{name}] environments: no environment is called '{env_name}'"
                        ))
                    })?;
                env.client = Some(registration.clone());
            }
        }
        Ok(Config {
            environments,
            source: Some(path.to_path_buf()),
        })
    }

    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// The environment called `name`, or an error listing the names there are.
    pub fn require(&self, name: &str) -> Result<&Environment, UnknownEnvironment> {
        self.environment(name).ok_or_else(|| UnknownEnvironment {
            name: name.to_owned(),
            known: self.environments.iter().map(|e| e.name.clone()).collect(),
        })
    }
}

/// The default config file: `~/.config/krr-inspector/config.toml` on Linux, the platform's equivalent elsewhere.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// Where the app keeps data (the emulator's keys): `~/.local/share/krr-inspector` on Linux.
pub fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

/// Where the emulator keeps its keys and CA by default, shared by `emulator`, `fetch --env local` and the app, so
/// they all present the same CA: `emulator-keys` in the data directory (a temporary one when there is none).
pub fn emulator_keys_dir() -> PathBuf {
    default_data_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("krr-inspector"))
        .join("emulator-keys")
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("no", "krr-inspector", "krr-inspector")
}

/// "line 4, column 9: unknown field `secrte`, expected one of ..." from a TOML error.
fn describe_toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim().to_owned();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            // The source line is not quoted: it may hold a secret someone pasted by mistake.
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests;
