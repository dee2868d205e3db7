//! Command-line entry point: argument parsing and wiring only.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use krr_inspector::config::{Config, Location, emulator_keys_dir};
use krr_inspector::emulator::{Clock, Emulator, EmulatorConfig, EmulatorData, Keys};
use krr_inspector::escape;
use krr_inspector::inspect::{inspect_body, render};
use krr_inspector::jose::TrustStore;
use krr_inspector::jose::jwk::KeySet;
use krr_inspector::krr::{Lang, scopes};

#[derive(Parser)]
#[command(
    name = "krr-inspector",
    version,
    about = "Inspect the KRR /person answer: JOSE verdict and every field explained."
)]
struct Cli {
    /// Config file (default: $KRR_INSPECTOR_CONFIG, else the platform config directory's krr-inspector/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Language of explanations and messages: nb (Bokmål) or en.
    #[arg(long, global = true, default_value = "en", env = "KRR_INSPECTOR_LANG")]
    lang: Lang,
    /// The app: start on this environment (see `environments`).
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// The app: start "log in and look up" at once.
    #[arg(long)]
    lookup: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the local ID-porten + KRR emulator until interrupted.
    Emulator(EmulatorArgs),
    /// Log in, look up /person and print the inspection.
    Fetch(Box<FetchArgs>),
    /// Log in once and look up with every scope set: which scopes give which fields.
    Matrix(Box<MatrixArgs>),
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
    Explain {
        /// The saved answer, or '-' for standard input.
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Trust this PEM certificate (CA or signer) when checking the x5c chain. Repeatable.
        #[arg(long = "trust-ca", value_name = "PEM")]
        trust_ca: Vec<PathBuf>,
        /// Also trust the operating system's CA bundle (off by default: TLS roots are not document-signing roots).
        #[arg(long)]
        system_roots: bool,
        /// Verify with this JWKS (or single JWK) when the header has no x5c.
        #[arg(long, value_name = "FILE")]
        jwks: Option<PathBuf>,
        /// Treat the body as having this Content-Type (application/jose or application/json); default: by shape.
        #[arg(long, value_name = "TYPE")]
        content_type: Option<String>,
        /// Check certificates and the 18-month rule at this time (RFC 3339) instead of now.
        #[arg(long, value_name = "TIME")]
        at: Option<DateTime<Utc>>,
        /// A scope the token was granted; with it the report checks which fields the scopes should give. Repeatable.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
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
struct LoginArgs {
    /// The environment to log in to (see `environments`); `local` starts the emulator in-process.
    #[arg(long, default_value = "local", conflicts_with_all = ["issuer", "person_url"])]
    env: String,
    /// A provider not in the config: its issuer (needs --person-url and --client-id).
    #[arg(long, requires_all = ["person_url", "client_id"])]
    issuer: Option<String>,
    /// The register's person URL, with --issuer.
    #[arg(long, requires = "issuer")]
    person_url: Option<String>,
    /// The scope dialect of --issuer: digdir or difi (default: from the scopes, else from the person URL).
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// The client_id (overrides the environment's client).
    #[arg(long)]
    client_id: Option<String>,
    /// The environment variable that holds the client secret.
    #[arg(long, value_name = "VAR")]
    client_secret_env: Option<String>,
    /// How the client authenticates: none, client_secret_basic or client_secret_post
    /// (default: the client's; with --client-secret-env, client_secret_basic).
    #[arg(long, value_enum)]
    auth_method: Option<AuthMethodArg>,
    /// Ask for a signed JWS (jose) or plain JSON.
    #[arg(long, value_enum, default_value_t = AcceptArg::Jose)]
    accept: AcceptArg,
    /// acr_values to ask for (default: the environment's).
    #[arg(long)]
    acr: Option<String>,
    /// Language of the login page: nb, nn, en or se.
    #[arg(long, default_value = "nb", value_parser = krr_inspector::krr::login::LOGIN_LOCALE_CODES)]
    locale: String,
    /// prompt: login, none or consent.
    #[arg(long, value_parser = ["login", "none", "consent"])]
    prompt: Option<String>,
    /// Open the login with this command instead of the system browser; %s is replaced by the URL, else it is
    /// appended. Split like a shell command, run without a shell.
    #[arg(
        long,
        value_name = "CMD",
        env = "KRR_INSPECTOR_BROWSER",
        conflicts_with = "print_url"
    )]
    browser: Option<String>,
    /// Print the login URL on standard error and wait, instead of opening a browser.
    #[arg(long)]
    print_url: bool,
    /// Trust this PEM certificate for the answer's x5c chain; repeatable.
    #[arg(long = "trust-ca", value_name = "PEM")]
    trust_ca: Vec<PathBuf>,
    /// Seconds to wait for the browser's callback.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    timeout: u64,
    /// Seconds each HTTP request (discovery, token, JWKS, /person) may take.
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    http_timeout: u64,
}

#[derive(clap::Args)]
struct FetchArgs {
    #[command(flatten)]
    login: LoginArgs,
    /// A scope to ask for; repeatable (default: openid and every read scope of the environment's dialect).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// text: a terminal report; json: the inspection (tokens redacted, readable by `explain`); markdown or html:
    /// a report for a bug ticket; curl: the /person request as a curl command with $TOKEN.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
}

#[derive(clap::Args)]
struct MatrixArgs {
    #[command(flatten)]
    login: LoginArgs,
    /// A scope set to try, space-separated (e.g. "openid user/sertifikat.read"); repeatable
    /// (default: every subset of the dialect's read scopes).
    #[arg(long = "set", value_name = "SCOPES")]
    sets: Vec<String>,
    #[arg(long, value_enum, default_value_t = MatrixFormat::Text)]
    format: MatrixFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Markdown,
    Html,
    Curl,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MatrixFormat {
    Text,
    Json,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AcceptArg {
    Jose,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DialectArg {
    Digdir,
    Difi,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
enum AuthMethodArg {
    None,
    ClientSecretBasic,
    ClientSecretPost,
}

#[derive(clap::Args)]
struct AutologinArgs {
    /// The authorization URL (as given to a browser command).
    url: String,
    /// The test person to log in as.
    #[arg(long, default_value = "27129324169")]
    pid: String,
    /// The acr level to choose on the login page.
    #[arg(long)]
    acr: Option<String>,
    /// Press Cancel instead of logging in (the client gets error=access_denied).
    #[arg(long)]
    cancel: bool,
    /// Deliver the redirect with a changed state, to test a client's state check.
    #[arg(long)]
    wrong_state: bool,
    /// Keep the emulator's single sign-on cookie in this file between runs, like a browser profile.
    #[arg(long, value_name = "FILE")]
    cookie_jar: Option<PathBuf>,
}

#[derive(clap::Args)]
struct EmulatorArgs {
    /// Address to listen on. The admin endpoints are unauthenticated: keep it on loopback.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 7070)]
    port: u16,
    /// Start the emulator's clock at this RFC 3339 time (it then runs on); e.g. 2011-03-01T12:00:00Z.
    #[arg(long, value_name = "TIME")]
    clock: Option<DateTime<Utc>>,
    /// Test persons and clients (JSON, the shape of assets/emulator-data.json); default: the shipped data.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Where the emulator keeps its keys and CA (created on first start); default: the platform data directory.
    #[arg(long, value_name = "DIR")]
    keys: Option<PathBuf>,
    /// Print the CA certificate (PEM) that signs the register's certificate, and exit.
    #[arg(long)]
    print_ca: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Largest input `explain` reads, far above any KRR answer.
const MAX_INPUT: u64 = 16 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The emulator is a server: it logs what it does by default. The other commands stay quiet unless asked.
    let default_level = if matches!(cli.command, Some(Command::Emulator(_))) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`| head`) is not an error of ours: stop quietly, as Unix tools do.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                // thiserror messages often embed their source already.
                let cause = cause.to_string();
                if !msg.contains(&cause) {
                    msg.push_str(&format!(": {cause}"));
                }
            }
            // Messages quote servers and files (error_description, URLs): no control character reaches the terminal.
            let _ = writeln!(anstream::stderr(), "{}", escape::terminal(&msg));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    // Generated from the definitions above, before the config is read: a broken config must not break them.
    match &cli.command {
        Some(Command::Completions { shell }) => return completions(*shell),
        Some(Command::Man { out }) => return man_pages(out),
        _ => {}
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        None => open_app(config, cli.env.clone(), cli.lookup),
        Some(Command::Environments { format }) => environments(&config, format),
        Some(Command::Emulator(args)) => emulator(args),
        Some(Command::Fetch(args)) => fetch(&config, *args, cli.lang),
        Some(Command::Matrix(args)) => matrix(&config, *args, cli.lang),
        Some(Command::Compare {
            left,
            right,
            format,
        }) => compare(&left, &right, format, cli.lang),
        Some(Command::Autologin(args)) => autologin(args),
        Some(Command::Completions { .. } | Command::Man { .. }) => unreachable!("handled above"),
        Some(Command::Explain {
            file,
            format,
            trust_ca,
            system_roots,
            jwks,
            content_type,
            at,
            scopes,
        }) => {
            let body = read_input(&file)?;
            let mut trust = trust_from(&trust_ca)?;
            if system_roots && trust.add_system_roots().is_none() {
                bail!("--system-roots: no system CA bundle found (set SSL_CERT_FILE to one)");
            }
            if let Some(path) = &jwks {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read --jwks {}", path.display()))?;
                trust.jwks =
                    KeySet::parse(&text).with_context(|| format!("--jwks {}", path.display()))?;
                for skipped in &trust.jwks.skipped {
                    tracing::warn!("--jwks {}: {skipped}", path.display());
                }
            }
            // A saved inspection (from `fetch --format json` or the app's export).
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
                && krr_inspector::inspect::export::looks_like_inspection(&v)
            {
                let mut saved =
                    krr_inspector::inspect::export::from_json(&String::from_utf8_lossy(&body))
                        .map_err(|e| anyhow::anyhow!("{}: {e}", display_name(&file)))?;
                // A file can be edited: its verdict is checked again from the raw answer when it has one.
                krr_inspector::inspect::reverify::reverify(
                    &mut saved,
                    &trust,
                    cli.lang,
                    at.unwrap_or_else(Utc::now),
                );
                let mut out = anstream::stdout();
                match format {
                    Format::Json => writeln!(
                        out,
                        "{}",
                        escape::json_for_terminal(&krr_inspector::inspect::export::to_json(&saved))
                    )?,
                    Format::Text => {
                        write!(out, "{}", render::render_inspection_text(&saved, cli.lang))?
                    }
                }
                return Ok(());
            }
            let granted = (!scopes.is_empty()).then_some(scopes.as_slice());
            let now = at.unwrap_or_else(Utc::now);
            let report = inspect_body(
                &body,
                content_type.as_deref(),
                &trust,
                granted,
                cli.lang,
                now,
            )
            .with_context(|| {
                format!("{} cannot be read as a /person answer", display_name(&file))
            })?;
            let mut out = anstream::stdout();
            match format {
                Format::Json => writeln!(
                    out,
                    "{}",
                    escape::json_for_terminal(&serde_json::to_string_pretty(&report)?)
                )?,
                Format::Text => write!(out, "{}", render::render_text(&report, cli.lang))?,
            }
            Ok(())
        }
    }
}

fn emulator(args: EmulatorArgs) -> Result<()> {
    let clock = args.clock.map_or_else(Clock::system, Clock::starting_at);
    let keys_dir = args.keys.unwrap_or_else(emulator_keys_dir);
    let keys = Keys::load_or_create(&keys_dir, clock.now())?;
    if args.print_ca {
        print!("{}", keys.ca_pem());
        return Ok(());
    }
    let data = match &args.data {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --data {}", path.display()))?;
            EmulatorData::parse(&text)
                .map_err(|e| anyhow::anyhow!("--data {}: {e}", path.display()))?
        }
        None => EmulatorData::default_data(),
    };
    if !args.bind.is_loopback() {
        tracing::warn!(
            "listening on {}: the admin endpoints and test persons are open to the network",
            args.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let config = EmulatorConfig {
            bind: args.bind,
            port: args.port,
            clock,
            data,
            ..EmulatorConfig::local(std::sync::Arc::new(keys))
        };
        let handle = Emulator::start(config)
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.bind, args.port))?;
        let mut signals =
            StopSignals::register().context("cannot install the SIGINT/SIGTERM handlers")?;
        let mut out = std::io::stdout();
        writeln!(out, "emulator listening on {}", handle.base_url)?;
        out.flush()?;
        tracing::info!(keys = %keys_dir.display(), "keys directory");
        signals.wait().await;
        tracing::info!("stopping");
        handle.stop().await;
        Ok(())
    })
}

#[cfg(feature = "gui")]
fn open_app(config: Config, env: Option<String>, lookup: bool) -> Result<()> {
    if let Some(env) = &env {
        config.require(env).map_err(anyhow::Error::msg)?;
    }
    let start = krr_inspector::gui::StartOptions {
        environment: env,
        lookup,
    };
    krr_inspector::gui::run(config, start).map_err(|e| {
        anyhow::anyhow!(
            "could not open the window ({e}); on a machine without a display use `krr-inspector explain` \
             or set DISPLAY / WAYLAND_DISPLAY"
        )
    })
}

#[cfg(not(feature = "gui"))]
fn open_app(_: Config, _: Option<String>, _: bool) -> Result<()> {
    bail!(
        "this build has no desktop app (built without the `gui` feature); use a command, see --help"
    )
}

/// What `fetch` and `matrix` share: the environment, the client and its secret, trust, browser.
struct Prepared {
    env: krr_inspector::config::Environment,
    client: krr_inspector::config::ClientRegistration,
    client_secret: Option<krr_inspector::oidc::Secret>,
    trust: TrustStore,
    browser: krr_inspector::oidc::BrowserChoice,
}

fn prepare(config: &Config, a: &LoginArgs, scopes_hint: &[String]) -> Result<Prepared> {
    use krr_inspector::config::{AuthMethod, ClientRegistration, Environment, Group};
    use krr_inspector::krr::ScopeDialect;
    use krr_inspector::oidc::{BrowserChoice, Secret};

    let env: Environment = match (&a.issuer, &a.person_url) {
        (Some(issuer), Some(person_url)) => Environment {
            name: "custom".into(),
            label: "custom".into(),
            group: Group::User,
            location: Location::Remote {
                issuer: issuer.clone(),
                person_url: person_url.clone(),
            },
            dialect: match a.dialect {
                Some(DialectArg::Difi) => ScopeDialect::Difi,
                Some(DialectArg::Digdir) => ScopeDialect::Digdir,
                // The scopes tell; else Difi's person URL has its own path.
                None => scopes::dialect_of(scopes_hint).unwrap_or(
                    if person_url.contains("/kontaktinfo-oauth2-server/") {
                        ScopeDialect::Difi
                    } else {
                        ScopeDialect::Digdir
                    },
                ),
            },
            acr: String::new(),
            client: None,
        },
        _ => config.require(&a.env).map_err(anyhow::Error::msg)?.clone(),
    };
    let mut client = match (&a.client_id, &env.client) {
        (Some(id), existing) => ClientRegistration {
            name: id.clone(),
            client_id: id.clone(),
            ..existing
                .clone()
                .unwrap_or_else(ClientRegistration::emulator_default)
        },
        (None, Some(c)) => c.clone(),
        (None, None) => bail!(
            "environment '{}' has no client: register one at the provider and add it to the config file \
             ([clients.NAME] environments = [\"{}\"]), or pass --client-id",
            env.name,
            env.name
        ),
    };
    if let Some(var) = &a.client_secret_env {
        client.secret_env = Some(var.clone());
        if client.auth_method == AuthMethod::None {
            client.auth_method = AuthMethod::ClientSecretBasic;
        }
    }
    if let Some(m) = a.auth_method {
        client.auth_method = match m {
            AuthMethodArg::None => AuthMethod::None,
            AuthMethodArg::ClientSecretBasic => AuthMethod::ClientSecretBasic,
            AuthMethodArg::ClientSecretPost => AuthMethod::ClientSecretPost,
        };
    }
    let client_secret = match (&client.secret_env, client.auth_method) {
        (_, AuthMethod::None) => None,
        (Some(var), _) => Some(Secret::new(std::env::var(var).with_context(|| {
            format!("the client secret's environment variable {var} is not set")
        })?)),
        (None, m) => bail!("auth method {} needs --client-secret-env VAR", m.as_str()),
    };
    let trust = trust_from(&a.trust_ca)?;
    let browser = match (&a.browser, a.print_url) {
        (_, true) => BrowserChoice::PrintUrl,
        (Some(cmd), _) => BrowserChoice::Command(cmd.clone()),
        (None, false) => BrowserChoice::System,
    };
    Ok(Prepared {
        env,
        client,
        client_secret,
        trust,
        browser,
    })
}

/// Resolves the target (starting the in-process emulator for `local`), builds the request, and runs `work` with
/// it; the emulator is stopped afterwards.
fn with_request<T>(
    p: Prepared,
    a: &LoginArgs,
    scopes: Vec<String>,
    lang: Lang,
    work: impl AsyncFnOnce(&reqwest::Client, krr_inspector::inspect::LookupRequest) -> T,
) -> Result<T> {
    use krr_inspector::inspect::{Accept, LookupRequest, default_scopes, target};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let resolved = target::resolve(&p.env, || {
            Keys::load_or_create(&emulator_keys_dir(), Utc::now())
                .map(std::sync::Arc::new)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(anyhow::Error::msg)?;
        let mut trust = p.trust;
        if let Some(ca) = &resolved.ca_pem {
            trust.add_pem(ca.as_bytes())?;
        }
        let request = LookupRequest {
            scopes: if scopes.is_empty() {
                default_scopes(resolved.target.dialect)
            } else {
                scopes
            },
            target: resolved.target.clone(),
            client: p.client,
            client_secret: p.client_secret,
            accept: if a.accept == AcceptArg::Json {
                Accept::Json
            } else {
                Accept::Jose
            },
            acr: a
                .acr
                .clone()
                .or_else(|| (!p.env.acr.is_empty()).then(|| p.env.acr.clone())),
            ui_locales: a.locale.clone(),
            prompt: a.prompt.clone(),
            browser: p.browser,
            callback_timeout: std::time::Duration::from_secs(a.timeout),
            trust,
            lang,
        };
        let http = krr_inspector::oidc::http::client_with_timeout(std::time::Duration::from_secs(
            a.http_timeout,
        ));
        let result = work(&http, request).await;
        if let Some(handle) = resolved.emulator {
            handle.stop().await;
        }
        anyhow::Ok(result)
    })
}

/// With `--print-url`, the login URL goes to standard error (standard output stays the report).
fn print_login_url(p: &krr_inspector::inspect::Progress) {
    use krr_inspector::inspect::Progress;
    use krr_inspector::oidc::LoginEvent;
    if let Progress::Login(LoginEvent::AuthorizationUrl { url, timeout_secs }) = p {
        let mut err = std::io::stderr();
        let _ = writeln!(
            err,
            "Open this URL in a browser to log in (waiting {timeout_secs} s):\n{url}"
        );
        let _ = err.flush();
    }
    tracing::debug!(?p, "progress");
}

fn fetch(config: &Config, a: FetchArgs, lang: Lang) -> Result<()> {
    use krr_inspector::inspect::{export, run_lookup};
    let prepared = prepare(config, &a.login, &a.scopes)?;
    let print_url = a.login.print_url;
    let inspection = with_request(
        prepared,
        &a.login,
        a.scopes.clone(),
        lang,
        async |http, request| {
            run_lookup(http, &request, &|p| {
                if print_url {
                    print_login_url(&p)
                } else {
                    tracing::debug!(?p, "progress")
                }
            })
            .await
        },
    )?;
    let mut out = anstream::stdout();
    match a.format {
        ReportFormat::Json => writeln!(
            out,
            "{}",
            escape::json_for_terminal(&export::to_json(&inspection))
        )?,
        ReportFormat::Text => write!(out, "{}", render::render_inspection_text(&inspection, lang))?,
        ReportFormat::Markdown => write!(out, "{}", export::to_markdown(&inspection, lang))?,
        ReportFormat::Html => writeln!(out, "{}", export::to_html(&inspection, lang))?,
        ReportFormat::Curl => writeln!(
            out,
            "{}",
            escape::terminal(&export::curl_command(&inspection, None))
        )?,
    }
    match &inspection.error {
        None => Ok(()),
        Some(e) => bail!("{} ({})", e.message, e.hint),
    }
}

fn matrix(config: &Config, a: MatrixArgs, lang: Lang) -> Result<()> {
    use krr_inspector::inspect::matrix::{self, default_scope_sets, run_matrix};
    let sets: Vec<Vec<String>> = a
        .sets
        .iter()
        .map(|s| scopes::split_scope_string(s))
        .collect();
    let hint: Vec<String> = sets.iter().flatten().cloned().collect();
    let prepared = prepare(config, &a.login, &hint)?;
    let dialect = prepared.env.dialect;
    let sets = if sets.is_empty() {
        default_scope_sets(dialect)
    } else {
        sets
    };
    let print_url = a.login.print_url;
    let total = sets.len();
    let m = with_request(
        prepared,
        &a.login,
        Vec::new(),
        lang,
        async |http, request| {
            run_matrix(http, &request, &sets, &|n, row| {
                tracing::info!(row = n + 1, total, status = ?row.status, "scope set done");
                if print_url {
                    let _ = writeln!(
                        std::io::stderr(),
                        "[{}/{total}] {}: {:?}",
                        n + 1,
                        row.scopes.join(" "),
                        row.status
                    );
                }
            })
            .await
        },
    )?;
    let mut out = anstream::stdout();
    match a.format {
        MatrixFormat::Json => writeln!(
            out,
            "{}",
            escape::json_for_terminal(&serde_json::to_string_pretty(&m)?)
        )?,
        MatrixFormat::Csv => write!(out, "{}", matrix::to_csv(&m))?,
        MatrixFormat::Text => write!(out, "{}", matrix::to_text(&m))?,
    }
    let failed = m.rows.iter().filter(|r| r.status.is_none()).count();
    if failed == m.rows.len() {
        bail!(
            "no scope set completed a lookup: {}",
            m.rows
                .first()
                .and_then(|r| r.error.clone())
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn compare(
    left: &std::path::Path,
    right: &std::path::Path,
    format: Format,
    lang: Lang,
) -> Result<()> {
    use krr_inspector::inspect::{compare, export};
    let read = |p: &std::path::Path| -> Result<krr_inspector::inspect::Inspection> {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        export::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    };
    let c = compare::compare(&read(left)?, &read(right)?);
    let mut out = anstream::stdout();
    if format == Format::Json {
        writeln!(
            out,
            "{}",
            escape::json_for_terminal(&serde_json::to_string_pretty(&c)?)
        )?;
        return Ok(());
    }
    let side = |s: &compare::Side| {
        let line = format!(
            "{} · {} · {} · {} · {}",
            s.environment,
            s.person.as_deref().unwrap_or("-"),
            s.verdict,
            s.status
                .map(|x| x.to_string())
                .unwrap_or_else(|| "-".into()),
            s.scopes.join(" ")
        );
        escape::terminal(&line).into_owned()
    };
    writeln!(out, "{} {}", lang.pick("Venstre:", "Left: "), side(&c.left))?;
    writeln!(out, "{} {}", lang.pick("Høyre: ", "Right:"), side(&c.right))?;
    let show = |v: &Option<serde_json::Value>| {
        escape::terminal(&v.as_ref().map(render::short_value).unwrap_or_default()).into_owned()
    };
    let path = |p: &str| escape::terminal(p).into_owned();
    for d in &c.added {
        writeln!(out, "+ {}  {}", path(&d.path), show(&d.right))?;
    }
    for d in &c.removed {
        writeln!(out, "- {}  {}", path(&d.path), show(&d.left))?;
    }
    for d in &c.changed {
        writeln!(
            out,
            "~ {}  {}  →  {}",
            path(&d.path),
            show(&d.left),
            show(&d.right)
        )?;
    }
    writeln!(
        out,
        "{} added, {} removed, {} changed, {} unchanged",
        c.added.len(),
        c.removed.len(),
        c.changed.len(),
        c.unchanged
    )?;
    Ok(())
}

fn autologin(a: AutologinArgs) -> Result<()> {
    use krr_inspector::emulator::autologin::{Script, run};
    let script = Script {
        pid: a.pid,
        acr: a.acr,
        cancel: a.cancel,
        wrong_state: a.wrong_state,
        cookie_jar: a.cookie_jar,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let status = runtime
        .block_on(run(&a.url, &script))
        .map_err(anyhow::Error::msg)?;
    tracing::info!(status, "the redirect URI answered");
    Ok(())
}

/// Stop signals, registered before the emulator announces itself so that an early SIGTERM is never lost.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn register() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A trust store with the certificates of the `--trust-ca` files.
fn trust_from(paths: &[PathBuf]) -> Result<TrustStore> {
    let mut trust = TrustStore::new();
    for path in paths {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read --trust-ca {}", path.display()))?;
        trust
            .add_pem(&pem)
            .with_context(|| format!("--trust-ca {}", path.display()))?;
    }
    Ok(trust)
}

fn display_name(file: &std::path::Path) -> String {
    if file.as_os_str() == "-" {
        "standard input".into()
    } else {
        file.display().to_string()
    }
}

fn read_input(file: &std::path::Path) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut body)
            .context("cannot read standard input")?;
    } else {
        let f =
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        f.take(MAX_INPUT + 1)
            .read_to_end(&mut body)
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    if body.len() as u64 > MAX_INPUT {
        bail!(
            "{} is larger than {} MiB: not a /person answer",
            display_name(file),
            MAX_INPUT >> 20
        );
    }
    Ok(body)
}

fn environments(config: &Config, format: Format) -> Result<()> {
    let mut out = anstream::stdout();
    if format == Format::Json {
        writeln!(
            out,
            "{}",
            escape::json_for_terminal(&serde_json::to_string_pretty(&config.environments)?)
        )?;
        return Ok(());
    }
    if let Some(src) = &config.source {
        writeln!(
            out,
            "config: {}",
            escape::terminal(&src.display().to_string())
        )?;
    }
    let rows: Vec<[String; 6]> = config
        .environments
        .iter()
        .map(|e| {
            let (issuer, person) = match &e.location {
                Location::Emulator => {
                    ("(in-process emulator, 127.0.0.1)".to_owned(), String::new())
                }
                Location::Remote { issuer, person_url } => (issuer.clone(), person_url.clone()),
            };
            [
                e.name.clone(),
                e.group.label().to_owned(),
                scopes_label(e.dialect),
                e.client
                    .as_ref()
                    .map_or("-".into(), |c| c.client_id.clone()),
                issuer,
                person,
            ]
        })
        .collect();
    let header = ["NAME", "GROUP", "SCOPES", "CLIENT", "ISSUER", "PERSON URL"];
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&header))?;
    for r in &rows {
        let cells: Vec<String> = r.iter().map(|c| escape::terminal(c).into_owned()).collect();
        writeln!(
            out,
            "{}",
            line(&cells.iter().map(String::as_str).collect::<Vec<_>>())
        )?;
    }
    Ok(())
}

fn scopes_label(dialect: krr_inspector::krr::ScopeDialect) -> String {
    dialect.label().to_owned() + &format!(" ({} read)", scopes::read_scopes(dialect).len())
}

/// `completions SHELL`: the completion script for the whole command line, on standard output.
fn completions(shell: clap_complete::Shell) -> Result<()> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "krr-inspector", &mut script);
    let mut script = String::from_utf8(script)?;
    if shell == clap_complete::Shell::Bash {
        // clap_complete's bash script spells a command's state `krr__inspector__subcmd__explain` where it is set
        // and `krr__subcmd__inspector__subcmd__explain` where it is matched (a bin name with a hyphen, clap
        // issue 6421), so no command's flags would complete. Spell both the same way.
        script = script.replace("krr__subcmd__inspector", "krr__inspector");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(script.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `man --out DIR`: krr-inspector.1 and krr-inspector-COMMAND.1 for every (visible) command.
fn man_pages(dir: &std::path::Path) -> Result<()> {
    use clap::CommandFactory;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
    Ok(())
}
