//! `explain` and `compare`: saved answers and inspections read from files (or standard input), checked again, and
//! printed. Nothing here touches the network.

use std::io::Read;
use std::path::Path;

use anyhow::{Result, bail};
use chrono::Utc;

use super::args::{ExplainArgs, Format};
use krr_inspector::inspect::plan::trust_anchors;
use krr_inspector::inspect::{compare, export, inspect_body, render};
use krr_inspector::jose::jwk::KeySet;
use krr_inspector::krr::Lang;

/// Largest input `explain` reads, far above any KRR answer.
const MAX_INPUT: u64 = 16 << 20;

pub(crate) fn explain(a: ExplainArgs, lang: Lang) -> Result<()> {
    let body = read_input(&a.file)?;
    let mut trust = trust_anchors(&a.trust_ca)?;
    if a.system_roots && trust.add_system_roots().is_none() {
        bail!("--system-roots: no system CA bundle found (set SSL_CERT_FILE to one)");
    }
    if let Some(path) = &a.jwks {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::with_cause(format!("cannot read --jwks {}", path.display()), e))?;
        trust.jwks = KeySet::parse(&text)
            .map_err(|e| crate::with_cause(format!("--jwks {}", path.display()), e))?;
        for skipped in &trust.jwks.skipped {
            tracing::warn!("--jwks {}: {skipped}", path.display());
        }
    }
    // A saved inspection (from `fetch --format json` or the app's export).
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
        && krr_inspector::inspect::export::looks_like_inspection(&v)
    {
        let mut saved = krr_inspector::inspect::export::from_json(&String::from_utf8_lossy(&body))
            .map_err(|e| anyhow::anyhow!("{}: {e}", display_name(&a.file)))?;
        // A file can be edited: its verdict is checked again from the raw answer when it has one.
        krr_inspector::inspect::reverify::reverify(
            &mut saved,
            &trust,
            lang,
            a.at.unwrap_or_else(Utc::now),
        );
        return super::print(a.format, &saved, || {
            render::render_inspection_text(&saved, lang)
        });
    }
    let granted = (!a.scopes.is_empty()).then_some(a.scopes.as_slice());
    let now = a.at.unwrap_or_else(Utc::now);
    let report = inspect_body(&body, a.content_type.as_deref(), &trust, granted, lang, now)
        .map_err(|e| {
            crate::with_cause(
                format!(
                    "{} cannot be read as a /person answer",
                    display_name(&a.file)
                ),
                e,
            )
        })?;
    super::print(a.format, &report, || render::render_text(&report, lang))
}

pub(crate) fn compare(left: &Path, right: &Path, format: Format, lang: Lang) -> Result<()> {
    let read = |p: &Path| -> Result<krr_inspector::inspect::Inspection> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| crate::with_cause(format!("cannot read {}", p.display()), e))?;
        export::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    };
    let c = compare::compare(&read(left)?, &read(right)?);
    super::print(format, &c, || compare::to_text(&c, lang))
}

fn display_name(file: &Path) -> String {
    if file.as_os_str() == "-" {
        "standard input".into()
    } else {
        file.display().to_string()
    }
}

fn read_input(file: &Path) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut body)
            .map_err(|e| crate::with_cause("cannot read standard input".into(), e))?;
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| crate::with_cause(format!("cannot open {}", file.display()), e))?;
        f.take(MAX_INPUT + 1)
            .read_to_end(&mut body)
            .map_err(|e| crate::with_cause(format!("cannot read {}", file.display()), e))?;
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
