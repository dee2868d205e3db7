//! The command line's definitions (clap): commands, flags and their help, and how the login flags become the
//! planner's `Choices`. The help text here is the man page and the completions too.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use krr_inspector::config::AuthMethod;
use krr_inspector::inspect::{Accept, Choices, Place};
use krr_inspector::krr::{Lang, ScopeDialect};
use krr_inspector::oidc::BrowserChoice;

#[derive(Parser)]
#[command(
    name = "krr-inspector",
    version,
    about = "Inspect the KRR /person answer: JOSE verdict and every field explained."
)]
pub(crate) struct Cli {
    /// Config file (default: $KRR_INSPECTOR_CONFIG, else the platform config directory's krr-inspector/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Language of explanations and messages: nb (Bokmål) or en.
    #[arg(long, global = true, default_value = "en", env = "KRR_INSPECTOR_LANG")]
    pub(crate) lang: Lang,
    /// Whether `--lang` or `KRR_INSPECTOR_LANG` was given (not the default): the app then opens in that language.
    #[arg(skip)]
    pub(crate) lang_given: bool,
    /// The app: start on this environment (see `environments`).
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,
    /// The app: start "log in and look up" at once.
    #[arg(long)]
    pub(crate) lookup: bool,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the local ID-porten + KRR emulator until interrupted.
    Emulator(EmulatorArgs),
    /// Log in, look up /person and print the inspection.
    Fetch(Box<FetchArgs>),
    /// Log in once and look up with every scope set: which scopes give which fields.
    Matrix(Box<MatrixArgs>),
    /// Check a client setup against an environment (discovery, issuer, PKCE, auth method, scopes, clock, secret)
    /// and print what to register at Digdir; exits 1 when a check fails.
    Doctor(Box<DoctorArgs>),
    /// Compare two saved inspections (JSON from `fetch --format json`): fields added, removed, changed.
    Compare {
        left: PathBuf,
        right: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// A scripted person for the emulator's login page: use as a browser command, e.g.
    /// `fetch --browser "krr-inspector autologin --pid 24079412372"`.
    Autologin(AutologinArgs),
    /// List the environments (built-in and from the config file).
    Environments {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Explain a saved /person answer (JSON or compact JWS) read from FILE, or standard input for '-'.
    Explain(ExplainArgs),
    /// Print the shell completion script for SHELL, e.g.
    /// `krr-inspector completions bash > ~/.local/share/bash-completion/completions/krr-inspector`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (krr-inspector.1 and one per command) into DIR; for packaging.
    #[command(hide = true)]
    Man {
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
pub(crate) struct LoginArgs {
    /// The environment to log in to (see `environments`); `local` starts the emulator in-process.
    #[arg(long, default_value = "local", conflicts_with_all = ["issuer", "person_url"])]
    pub(crate) env: String,
    /// A provider not in the config: its issuer (needs --person-url and --client-id).
    #[arg(long, requires_all = ["person_url", "client_id"])]
    pub(crate) issuer: Option<String>,
    /// The register's person URL, with --issuer.
    #[arg(long, requires = "issuer")]
    pub(crate) person_url: Option<String>,
    /// The scope dialect of --issuer: digdir or difi (default: from the scopes, else from the person URL).
    #[arg(long, value_enum)]
    pub(crate) dialect: Option<DialectArg>,
    /// The client_id (overrides the environment's client).
    #[arg(long)]
    pub(crate) client_id: Option<String>,
    /// The environment variable that holds the client secret.
    #[arg(long, value_name = "VAR")]
    pub(crate) client_secret_env: Option<String>,
    /// How the client authenticates: none, client_secret_basic or client_secret_post
    /// (default: the client's; with --client-secret-env, client_secret_basic).
    #[arg(long, value_enum)]
    pub(crate) auth_method: Option<AuthMethodArg>,
    /// Ask for a signed JWS (jose) or plain JSON.
    #[arg(long, value_enum, default_value_t = AcceptArg::Jose)]
    pub(crate) accept: AcceptArg,
    /// acr_values to ask for (default: the environment's).
    #[arg(long)]
    pub(crate) acr: Option<String>,
    /// Language of the login page: nb, nn, en or se.
    #[arg(long, default_value = "nb", value_parser = krr_inspector::krr::login::LOGIN_LOCALE_CODES)]
    pub(crate) locale: String,
    /// prompt: login, none or consent.
    #[arg(long, value_parser = ["login", "none", "consent"])]
    pub(crate) prompt: Option<String>,
    /// Log in headless as this synthetic TestID person, at the acr asked for (`login_hint=testid:PID_ACR`): no
    /// browser. ID-porten's test environments and the emulator only; refused for production environments.
    #[arg(long, value_name = "PID", conflicts_with_all = ["login_hint", "print_url"])]
    pub(crate) testid: Option<String>,
    /// Send this login_hint with the authorization request (e.g. `testid:21879498012_idporten-loa-high`; a
    /// `testid:` hint logs in headless).
    #[arg(long, value_name = "VALUE")]
    pub(crate) login_hint: Option<String>,
    /// Open the login with this command instead of the system browser; %s is replaced by the URL, else it is
    /// appended. Split like a shell command, run without a shell.
    #[arg(
        long,
        value_name = "CMD",
        env = "KRR_INSPECTOR_BROWSER",
        conflicts_with = "print_url"
    )]
    pub(crate) browser: Option<String>,
    /// Print the login URL on standard error and wait, instead of opening a browser.
    #[arg(long)]
    pub(crate) print_url: bool,
    /// Trust this PEM certificate for the answer's x5c chain; repeatable.
    #[arg(long = "trust-ca", value_name = "PEM")]
    pub(crate) trust_ca: Vec<PathBuf>,
    /// Seconds to wait for the browser's callback.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub(crate) timeout: u64,
    /// Seconds each HTTP request (discovery, token, JWKS, /person) may take.
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) http_timeout: u64,
}

#[derive(clap::Args)]
pub(crate) struct FetchArgs {
    #[command(flatten)]
    pub(crate) login: LoginArgs,
    /// A scope to ask for; repeatable (default: openid and every read scope of the environment's dialect).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub(crate) scopes: Vec<String>,
    /// text: a terminal report; json: the inspection (tokens redacted, readable by `explain`); markdown or html:
    /// a report for a bug ticket; curl: the /person request as a curl command with $TOKEN.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,
    /// After the lookup, do this with its session; repeatable, run in the order given: refresh, userinfo,
    /// introspect, revoke, logout. Each exchange and result is in the report under `session`.
    #[arg(long = "then", value_enum, value_name = "ACTION")]
    pub(crate) then: Vec<ThenArg>,
    /// With `--then refresh`: ask for this scope (repeatable), a narrower access token (RFC 6749 §6; never wider
    /// than granted). Default: the scope as granted.
    #[arg(long = "refresh-scope", value_name = "SCOPE")]
    pub(crate) refresh_scope: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ThenArg {
    /// The refresh grant (the rotated refresh token replaces the old one).
    Refresh,
    /// GET userinfo with the access token.
    Userinfo,
    /// RFC 7662 introspection of the access token.
    Introspect,
    /// RFC 7009 revocation of the refresh token (or the access token when there is none).
    Revoke,
    /// RP-initiated logout with id_token_hint, back to a loopback post_logout_redirect_uri, state checked.
    Logout,
}

impl ThenArg {
    pub(crate) fn action(self) -> krr_inspector::inspect::session::Action {
        use krr_inspector::inspect::session::Action;
        match self {
            ThenArg::Refresh => Action::Refresh,
            ThenArg::Userinfo => Action::Userinfo,
            ThenArg::Introspect => Action::Introspect,
            ThenArg::Revoke => Action::Revoke,
            ThenArg::Logout => Action::Logout,
        }
    }
}

#[derive(clap::Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    pub(crate) login: LoginArgs,
    /// A scope to check; repeatable (default: openid and every read scope of the environment's dialect).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub(crate) scopes: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(clap::Args)]
pub(crate) struct MatrixArgs {
    #[command(flatten)]
    pub(crate) login: LoginArgs,
    /// A scope set to try, space-separated (e.g. "openid user/sertifikat.read"); repeatable
    /// (default: every subset of the dialect's read scopes).
    #[arg(long = "set", value_name = "SCOPES")]
    pub(crate) sets: Vec<String>,
    #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
    pub(crate) format: MatrixFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
    Markdown,
    Html,
    Curl,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatrixFormat {
    Text,
    Json,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AcceptArg {
    Jose,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DialectArg {
    Digdir,
    Difi,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub(crate) enum AuthMethodArg {
    None,
    ClientSecretBasic,
    ClientSecretPost,
}

#[derive(clap::Args)]
pub(crate) struct AutologinArgs {
    /// The authorization URL (as given to a browser command).
    pub(crate) url: String,
    /// The test person to log in as.
    #[arg(long, default_value = "27129324169")]
    pub(crate) pid: String,
    /// The acr level to choose on the login page.
    #[arg(long)]
    pub(crate) acr: Option<String>,
    /// Press Cancel instead of logging in (the client gets error=access_denied).
    #[arg(long)]
    pub(crate) cancel: bool,
    /// Deliver the redirect with a changed state, to test a client's state check.
    #[arg(long)]
    pub(crate) wrong_state: bool,
    /// On a consent page, untick this scope (the person declines it); repeatable.
    #[arg(long, value_name = "SCOPE")]
    pub(crate) decline: Vec<String>,
    /// Keep the emulator's single sign-on cookie in this file between runs, like a browser profile.
    #[arg(long, value_name = "FILE")]
    pub(crate) cookie_jar: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on. The admin endpoints are unauthenticated: keep it on loopback.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) bind: std::net::IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 7070)]
    pub(crate) port: u16,
    /// Start the emulator's clock at this RFC 3339 time (it then runs on); e.g. 2011-03-01T12:00:00Z.
    #[arg(long, value_name = "TIME")]
    pub(crate) clock: Option<DateTime<Utc>>,
    /// Test persons and clients (JSON, the shape of assets/emulator-data.json); default: the shipped data.
    #[arg(long, value_name = "FILE")]
    pub(crate) data: Option<PathBuf>,
    /// Where the emulator keeps its keys and CA (created on first start); default: the platform data directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Option<PathBuf>,
    /// Print the CA certificate (PEM) that signs the register's certificate, and exit.
    #[arg(long)]
    pub(crate) print_ca: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub(crate) struct ExplainArgs {
    /// The saved answer, or '-' for standard input.
    pub(crate) file: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Trust this PEM certificate (CA or signer) when checking the x5c chain. Repeatable.
    #[arg(long = "trust-ca", value_name = "PEM")]
    pub(crate) trust_ca: Vec<PathBuf>,
    /// Also trust the operating system's CA bundle (off by default: TLS roots are not document-signing roots).
    #[arg(long)]
    pub(crate) system_roots: bool,
    /// Verify with this JWKS (or single JWK) when the header has no x5c.
    #[arg(long, value_name = "FILE")]
    pub(crate) jwks: Option<PathBuf>,
    /// Treat the body as having this Content-Type (application/jose or application/json); default: by shape.
    #[arg(long, value_name = "TYPE")]
    pub(crate) content_type: Option<String>,
    /// Check certificates and the 18-month rule at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<DateTime<Utc>>,
    /// A scope the token was granted; with it the report checks which fields the scopes should give. Repeatable.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub(crate) scopes: Vec<String>,
}

impl LoginArgs {
    /// The planner's choices from these flags; `scopes` empty means the environment's defaults.
    pub(crate) fn choices(&self, scopes: Vec<String>, lang: Lang) -> Choices {
        let place = match (&self.issuer, &self.person_url) {
            (Some(issuer), Some(person_url)) => Place::Custom {
                issuer: issuer.clone(),
                person_url: person_url.clone(),
                dialect: self.dialect.map(|d| match d {
                    DialectArg::Digdir => ScopeDialect::Digdir,
                    DialectArg::Difi => ScopeDialect::Difi,
                }),
            },
            _ => Place::Named(self.env.clone()),
        };
        Choices {
            place,
            client_id: self.client_id.clone(),
            secret_env: self.client_secret_env.clone(),
            auth_method: self.auth_method.map(|m| match m {
                AuthMethodArg::None => AuthMethod::None,
                AuthMethodArg::ClientSecretBasic => AuthMethod::ClientSecretBasic,
                AuthMethodArg::ClientSecretPost => AuthMethod::ClientSecretPost,
            }),
            scopes,
            accept: match self.accept {
                AcceptArg::Jose => Accept::Jose,
                AcceptArg::Json => Accept::Json,
            },
            acr: self.acr.clone(),
            ui_locales: self.locale.clone(),
            prompt: self.prompt.clone(),
            testid: self.testid.clone(),
            login_hint: self.login_hint.clone(),
            browser: match (&self.browser, self.print_url) {
                (_, true) => BrowserChoice::PrintUrl,
                (Some(cmd), _) => BrowserChoice::Command(cmd.clone()),
                (None, false) => BrowserChoice::System,
            },
            callback_timeout: Duration::from_secs(self.timeout),
            trust_ca: self.trust_ca.clone(),
            lang,
        }
    }

    /// The HTTP client for these flags (`--http-timeout`).
    pub(crate) fn http_client(
        &self,
    ) -> Result<reqwest::Client, krr_inspector::oidc::http::HttpError> {
        krr_inspector::inspect::http_client(Duration::from_secs(self.http_timeout))
    }
}
