//! `fetch` and `matrix`: the planner's request from the flags, run on a tokio runtime, printed in the chosen
//! format. The emulator for `local` lives as long as the command.

use std::io::Write;

use anyhow::{Result, bail};

use super::args::{DoctorArgs, FetchArgs, LoginArgs, MatrixArgs, MatrixFormat, ReportFormat};
use krr_inspector::config::{Config, emulator_keys_dir};
use krr_inspector::escape;
use krr_inspector::inspect::{KeySource, LookupRequest, Progress, Targets, export, plan, render};
use krr_inspector::krr::{Lang, scopes};

/// Plans the request from the flags, resolves its target (starting the in-process emulator for `local`), and
/// runs `work` with it; the emulator is stopped afterwards. `hint` are scopes that tell a custom provider's
/// dialect; `scopes` are the ones asked for (empty: the environment's defaults).
fn with_request<T>(
    config: &Config,
    a: &LoginArgs,
    hint: Vec<String>,
    scopes: Vec<String>,
    lang: Lang,
    work: impl AsyncFnOnce(&reqwest::Client, LookupRequest) -> T,
) -> Result<T> {
    let planned = plan(config, a.choices(hint, lang))?.with_scopes(scopes);
    if planned.environment.retired {
        let _ = writeln!(
            std::io::stderr(),
            "warning: Digdir has retired '{}': its endpoints no longer answer (use --env test, or local-difi for \
             the Difi generation)",
            escape::terminal(&planned.environment.name)
        );
    }
    let http = a.http_client()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let targets = Targets::new(KeySource::Dir(emulator_keys_dir()));
        let request = targets.request(planned).await;
        let result = match request {
            Ok(request) => Ok(work(&http, request).await),
            Err(e) => Err(e.into()),
        };
        targets.stop().await;
        result
    })
}

/// With `--print-url`, the login URL goes to standard error (standard output stays the report).
fn print_login_url(p: &Progress) {
    use krr_inspector::oidc::LoginEvent;
    if let Progress::Login(LoginEvent::AuthorizationUrl { url, timeout_secs }) = p {
        let mut err = std::io::stderr();
        let _ = writeln!(
            err,
            "Open this URL in a browser (waiting {timeout_secs} s):\n{url}"
        );
        let _ = err.flush();
    }
    tracing::debug!(?p, "progress");
}

pub(crate) fn fetch(config: &Config, a: FetchArgs, lang: Lang) -> Result<()> {
    use krr_inspector::inspect::session::run_lookup_then;
    let print_url = a.login.print_url;
    let actions: Vec<_> = a.then.iter().map(|t| t.action()).collect();
    let refresh_scope = Some(a.refresh_scope.clone());
    let inspection = with_request(
        config,
        &a.login,
        a.scopes.clone(),
        a.scopes.clone(),
        lang,
        async |http, request| {
            run_lookup_then(http, &request, &actions, refresh_scope, &|p| {
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
    if let Some(e) = &inspection.error {
        bail!("{} ({})", e.message, e.hint);
    }
    let failed: Vec<String> = inspection
        .session
        .iter()
        .filter(|s| !s.ok)
        .map(|s| {
            format!(
                "--then {}: {}",
                s.action.as_str(),
                escape::terminal(s.error.as_deref().unwrap_or_default())
            )
        })
        .collect();
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

pub(crate) fn matrix(config: &Config, a: MatrixArgs, lang: Lang) -> Result<()> {
    use krr_inspector::inspect::matrix::{self, default_scope_sets, run_matrix};
    let sets: Vec<Vec<String>> = a
        .sets
        .iter()
        .map(|s| scopes::split_scope_string(s))
        .collect();
    let hint: Vec<String> = sets.iter().flatten().cloned().collect();
    let print_url = a.login.print_url;
    let m = with_request(
        config,
        &a.login,
        hint,
        Vec::new(),
        lang,
        async |http, request| {
            let sets = if sets.is_empty() {
                default_scope_sets(request.target.dialect)
            } else {
                sets
            };
            let total = sets.len();
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

pub(crate) fn doctor(config: &Config, a: DoctorArgs, lang: Lang) -> Result<()> {
    use krr_inspector::inspect::doctor;
    let http = a.login.http_client()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        let targets = Targets::new(KeySource::Dir(emulator_keys_dir()));
        let choices = a.login.choices(a.scopes.clone(), lang);
        let report = doctor::doctor(&http, config, choices, &targets).await;
        targets.stop().await;
        report
    });
    super::print(a.format, &report, || doctor::to_text(&report, lang))?;
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name)
        .collect();
    if !failed.is_empty() {
        bail!("{} check(s) failed: {}", failed.len(), failed.join(", "));
    }
    Ok(())
}
