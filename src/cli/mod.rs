//! The binary's own modules (not part of the library): the clap definitions and each command's wiring. Every
//! decision they need is in the library (`inspect::plan` for a login, `inspect::render`/`export` for output).

pub(crate) mod args;
pub(crate) mod files;
pub(crate) mod lookup;
pub(crate) mod secret;
pub(crate) mod serve;

/// Prints `value` as pretty JSON (escaped for the terminal) or `text()`, as `format` says: the one way every
/// command with `--format text|json` writes its answer on standard output.
pub(crate) fn print(
    format: args::Format,
    value: &impl serde::Serialize,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = anstream::stdout();
    match format {
        args::Format::Json => writeln!(
            out,
            "{}",
            krr_inspector::escape::json_for_terminal(&serde_json::to_string_pretty(value)?)
        )?,
        args::Format::Text => write!(out, "{}", text())?,
    }
    Ok(())
}
