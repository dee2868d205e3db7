//! Command-line entry point: argument parsing (`cli::args`) and wiring; each command's wiring is in `cli/`.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use cli::args::{Cli, Command, Format};
use krr_inspector::config::Config;
use krr_inspector::escape;

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let mut cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    cli.lang_given = matches
        .value_source("lang")
        .is_some_and(|s| s != clap::parser::ValueSource::DefaultValue);
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
            // Every error's message already says its cause (the library's convention, and the wiring's
            // `with_cause`), so only the outermost one is printed.
            let msg = format!("error: {e}");
            // Messages quote servers and files (error_description, URLs): no control character reaches the terminal.
            let _ = writeln!(anstream::stderr(), "{}", escape::terminal(&msg));
            ExitCode::FAILURE
        }
    }
}

/// What the wiring was doing, and the error that stopped it, as one message (`main` prints only the outermost
/// message, so the cause goes in here).
pub(crate) fn with_cause(what: String, e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{what}: {e}")
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
        None => open_app(
            config,
            cli.env.clone(),
            cli.lookup,
            cli.lang_given.then_some(cli.lang),
        ),
        Some(Command::Environments { format }) => environments(&config, format),
        Some(Command::Emulator(args)) => cli::serve::emulator(args),
        Some(Command::Fetch(args)) => cli::lookup::fetch(&config, *args, cli.lang),
        Some(Command::Matrix(args)) => cli::lookup::matrix(&config, *args, cli.lang),
        Some(Command::Doctor(args)) => cli::lookup::doctor(&config, *args, cli.lang),
        Some(Command::Compare {
            left,
            right,
            format,
        }) => cli::files::compare(&left, &right, format, cli.lang),
        Some(Command::Autologin(args)) => cli::serve::autologin(args),
        Some(Command::Completions { .. } | Command::Man { .. }) => unreachable!("handled above"),
        Some(Command::Explain(args)) => cli::files::explain(args, cli.lang),
        Some(Command::Secret { action }) => cli::secret::secret(&config, action),
    }
}

fn environments(config: &Config, format: Format) -> Result<()> {
    cli::print(format, &config.environments, || {
        krr_inspector::inspect::render::environments_text(config)
    })
}

fn open_app(
    config: Config,
    env: Option<String>,
    lookup: bool,
    lang: Option<krr_inspector::krr::Lang>,
) -> Result<()> {
    if let Some(env) = &env {
        config.require(env)?;
    }
    let start = krr_inspector::gui::StartOptions {
        environment: env,
        lookup,
        lang,
    };
    krr_inspector::gui::run(config, start).map_err(|e| {
        anyhow::anyhow!(
            "could not open the window ({e}); on a machine without a display use `krr-inspector explain` \
             or set DISPLAY / WAYLAND_DISPLAY"
        )
    })
}

#[cfg(not(feature = "gui"))]
fn open_app(
    _: Config,
    _: Option<String>,
    _: bool,
    _: Option<krr_inspector::krr::Lang>,
) -> Result<()> {
    anyhow::bail!(
        "this build has no desktop app (built without the `gui` feature); use a command, see --help"
    )
}

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
    std::fs::create_dir_all(dir)
        .map_err(|e| with_cause(format!("cannot create {}", dir.display()), e))?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
        with_cause(
            format!("cannot write the man pages to {}", dir.display()),
            e,
        )
    })?;
    Ok(())
}
