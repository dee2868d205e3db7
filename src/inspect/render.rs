//! A readable terminal report of an inspection: verdict banner, header, certificates, an aligned field table.
//! Colour is written as ANSI styles; the caller's stream (anstream) strips it when the output is not a terminal.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use serde_json::Value;

use super::body::BodyInspection;
use crate::escape::terminal as safe;
use crate::jose::SignatureVerdict;
use crate::krr::{Flag, Lang};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default();

/// Longest value shown in the table; longer ones (certificates) are shortened with their length.
const VALUE_WIDTH: usize = 36;

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

pub fn verdict_style(v: &SignatureVerdict) -> Style {
    match v {
        SignatureVerdict::Valid(_) => GREEN,
        SignatureVerdict::Invalid(_) => RED,
        SignatureVerdict::Untrusted(_) | SignatureVerdict::Unverifiable(_) => YELLOW,
        SignatureVerdict::Unsigned => DIM,
    }
}

pub fn flag_label(flag: Flag, lang: Lang) -> &'static str {
    match flag {
        Flag::Reserved => lang.pick("reservert", "reserved"),
        Flag::CannotNotify => lang.pick("kan ikke varsles", "cannot notify"),
        Flag::OlderThan18Months => lang.pick("eldre enn 18 mnd", "older than 18 months"),
        Flag::UnknownField => lang.pick("ukjent felt", "unknown field"),
        Flag::UnknownCode => lang.pick("ukjent kode", "unknown code"),
        Flag::Malformed => lang.pick("feilformet", "malformed"),
        Flag::Inconsistent => lang.pick("motstridende", "inconsistent"),
        Flag::Expired => lang.pick("utløpt", "expired"),
        Flag::Missing => lang.pick("mangler", "missing"),
    }
}

fn flag_style(flag: Flag) -> Style {
    match flag {
        Flag::Malformed | Flag::Inconsistent | Flag::Expired | Flag::Missing => RED,
        Flag::UnknownField | Flag::UnknownCode => CYAN,
        Flag::Reserved | Flag::CannotNotify | Flag::OlderThan18Months => YELLOW,
    }
}

/// A JSON value as one short line for the table.
pub fn short_value(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let len = text.chars().count();
    if len > VALUE_WIDTH {
        let suffix = format!("… ({len} chars)");
        let head: String = text
            .chars()
            .take(VALUE_WIDTH - suffix.chars().count())
            .collect();
        format!("{head}{suffix}")
    } else {
        text
    }
}

/// The header with `x5c` entries shortened: the certificates are listed on their own.
fn header_for_display(header: &Value) -> Value {
    let mut h = header.clone();
    if let Some(Value::Array(items)) = h.get_mut("x5c") {
        for item in items.iter_mut() {
            if let Value::String(s) = item {
                *item = Value::String(format!(
                    "{}… ({} chars)",
                    s.chars().take(16).collect::<String>(),
                    s.len()
                ));
            }
        }
    }
    h
}

pub fn render_text(report: &BodyInspection, lang: Lang) -> String {
    let mut out = String::new();
    let verdict = report.verdict();
    let _ = writeln!(
        out,
        "{} {}  {}",
        paint(BOLD, lang.pick("Signatur:", "Signature:")),
        paint(verdict_style(&verdict), &verdict.label().to_uppercase()),
        safe(verdict.reason())
    );
    if let Some(jose) = &report.jose {
        if let Some(header) = &jose.header {
            let pretty =
                serde_json::to_string_pretty(&header_for_display(header)).unwrap_or_default();
            let _ = writeln!(
                out,
                "\n{}",
                paint(BOLD, lang.pick("JOSE-header", "JOSE header"))
            );
            for line in pretty.lines() {
                let _ = writeln!(out, "  {}", safe(line));
            }
        }
        if let Some(chain) = &jose.signature.chain
            && !chain.path.is_empty()
        {
            let _ = writeln!(
                out,
                "\n{} {}",
                paint(BOLD, lang.pick("Kjede:", "Chain:")),
                safe(&chain.path.join("  →  "))
            );
        }
        if !jose.certificates.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                paint(BOLD, lang.pick("Sertifikater (x5c)", "Certificates (x5c)"))
            );
            for (i, c) in jose.certificates.iter().enumerate() {
                let date = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or("?".into())
                };
                let _ = writeln!(out, "  [{i}] {}", safe(&c.subject));
                let _ = writeln!(
                    out,
                    "      {} {}",
                    lang.pick("utsteder", "issuer "),
                    safe(&c.issuer)
                );
                let _ = writeln!(
                    out,
                    "      {} {} → {}   {} {}   serial {}",
                    lang.pick("gyldig ", "valid  "),
                    date(c.not_before),
                    date(c.not_after),
                    safe(&c.key_type),
                    c.key_bits,
                    safe(&c.serial)
                );
                let _ = writeln!(out, "      SHA-256 {}", paint(DIM, &c.sha256_fingerprint));
            }
        }
    }
    for p in &report.problems {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(RED, lang.pick("Problem:", "Problem:")),
            safe(p)
        );
    }
    if !report.fields.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, lang.pick("Felt", "Fields")));
        let path_width = report
            .fields
            .iter()
            .map(|f| safe(&f.path).chars().count())
            .max()
            .unwrap_or(0);
        for f in &report.fields {
            let value = safe(&short_value(&f.value)).into_owned();
            let path = safe(&f.path);
            let flags: Vec<String> = f
                .flags
                .iter()
                .map(|fl| paint(flag_style(*fl), &format!("[{}]", flag_label(*fl, lang))))
                .collect();
            let _ = writeln!(
                out,
                "  {}  {}  {}{}",
                pad(&paint(CYAN, &path), path.chars().count(), path_width),
                pad(&value, value.chars().count(), VALUE_WIDTH),
                safe(&f.explanation),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" {}", flags.join(" "))
                }
            );
            for note in &f.notes {
                let _ = writeln!(
                    out,
                    "  {}  {}  {} {}",
                    " ".repeat(path_width),
                    " ".repeat(VALUE_WIDTH),
                    paint(DIM, "↳"),
                    safe(note)
                );
            }
        }
    }
    if let Some(check) = &report.scope_check {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, lang.pick("Omfang:", "Scopes:")),
            safe(&check.granted.join(" "))
        );
        if check.is_consistent() {
            let _ = writeln!(
                out,
                "  {}",
                paint(
                    GREEN,
                    lang.pick(
                        "svaret stemmer med omfangene",
                        "the answer matches the scopes"
                    )
                )
            );
        }
        for f in &check.missing {
            let _ = writeln!(out, "  {} {}", paint(RED, "✗"), safe(&f.message));
        }
        for f in &check.unexpected {
            let _ = writeln!(out, "  {} {}", paint(RED, "✗"), safe(&f.message));
        }
        for f in &check.absent_allowed {
            let _ = writeln!(out, "  {} {}", paint(DIM, "·"), safe(&f.message));
        }
        for s in &check.unknown_scopes {
            let _ = writeln!(
                out,
                "  {} {}",
                paint(YELLOW, "?"),
                match lang {
                    Lang::Nb => format!("ukjent omfang «{}»", safe(s)),
                    Lang::En => format!("unknown scope \"{}\"", safe(s)),
                }
            );
        }
    }
    out
}

/// Pads styled text to `width` visible characters.
fn pad(styled: &str, visible: usize, width: usize) -> String {
    format!("{styled}{}", " ".repeat(width.saturating_sub(visible)))
}

/// The whole lookup as a terminal report: where, what was asked, tokens and their checks, HTTP, then the body.
pub fn render_inspection_text(i: &super::lookup::Inspection, lang: Lang) -> String {
    let mut out = String::new();
    if let Some(r) = &i.reverified {
        use super::reverify::Reverification;
        let style = match r {
            Reverification::Reverified { agrees: true, .. } => BOLD,
            Reverification::Reverified { .. } => RED,
            Reverification::AsRecorded { .. } => YELLOW,
        };
        let _ = writeln!(out, "{}\n", paint(style, &safe(&r.sentence(lang))));
    }
    let label = |nb: &str, en: &str| paint(BOLD, &format!("{:<12}", lang.pick(nb, en)));
    let _ = writeln!(
        out,
        "{} {}  {}  {}",
        label("Miljø:", "Environment:"),
        safe(&i.environment.environment),
        safe(&i.environment.issuer),
        safe(&i.environment.person_url)
    );
    let _ = writeln!(
        out,
        "{} client {} ({}{})  Accept {}{}",
        label("Forespørsel:", "Request:"),
        safe(&i.request.client_id),
        i.request.auth_method.as_str(),
        if i.request.par { ", PAR" } else { "" },
        i.request.accept.media_type(),
        i.request
            .acr
            .as_ref()
            .map(|a| format!("  acr {}", safe(a)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{} {}",
        label("Omfang:", "Scopes:"),
        safe(&i.request.scopes.join(" "))
    );
    if let Some(t) = &i.token {
        let _ = writeln!(
            out,
            "{} {} {}{}",
            label("Token:", "Token:"),
            lang.pick("innvilget", "granted"),
            safe(&t.scopes_granted.join(" ")),
            t.expires_in
                .map(|s| format!(", {} {s} s", lang.pick("utløper om", "expires in")))
                .unwrap_or_default()
        );
        let checks: Vec<String> = t
            .id_token_checks
            .iter()
            .map(|c| {
                if c.passed {
                    paint(GREEN, &format!("✓ {}", safe(&c.check)))
                } else {
                    paint(RED, &format!("✗ {} ({})", safe(&c.check), safe(&c.detail)))
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "{} {}",
            label("id_token:", "id_token:"),
            checks.join("  ")
        );
        if let Some(d) = &t.dpop {
            let sentence = safe(&d.sentence(&t.token_type, lang)).into_owned();
            let _ = writeln!(
                out,
                "{} {}",
                label("DPoP:", "DPoP:"),
                if d.is_problem() {
                    paint(RED, &sentence)
                } else {
                    paint(GREEN, &sentence)
                }
            );
        }
        for p in &t.problems {
            let _ = writeln!(
                out,
                "{} {}",
                paint(RED, &format!("{:<12}", lang.pick("Problem:", "Problem:"))),
                safe(p)
            );
        }
    }
    for ex in &i.http.exchanges {
        let status = ex
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| safe(ex.error.as_deref().unwrap_or_default()).into_owned());
        let _ = writeln!(
            out,
            "{} {:<9} {} {} → {status} ({} ms)",
            label("HTTP:", "HTTP:"),
            safe(&ex.step),
            safe(&ex.method),
            safe(&ex.url),
            ex.duration_ms
        );
    }
    out.push_str(&super::session_report::text(&i.session, lang));
    out.push_str(&super::language_report::text(&i.language_changes, lang));
    if let Some(e) = &i.error {
        let _ = writeln!(
            out,
            "\n{} {}\n{} {}",
            paint(RED, lang.pick("Feil:", "Error:")),
            safe(&e.message),
            paint(BOLD, lang.pick("Prøv:", "Try:")),
            safe(&e.hint)
        );
    }
    if let Some(body) = &i.body {
        out.push('\n');
        out.push_str(&render_text(body, lang));
    }
    out
}

/// The environments as a terminal table (name, group, scopes, client, issuer, person URL), after the config
/// file's path when there is one. Values from the config file are escaped for the terminal.
pub fn environments_text(config: &crate::config::Config) -> String {
    use crate::config::Location;
    let mut out = String::new();
    if let Some(src) = &config.source {
        let _ = writeln!(out, "config: {}", safe(&src.display().to_string()));
    }
    let rows: Vec<[String; 7]> = config
        .environments
        .iter()
        .map(|e| {
            let (issuer, person) = match &e.location {
                Location::Emulator => {
                    ("(in-process emulator, 127.0.0.1)".to_owned(), String::new())
                }
                Location::Remote { issuer, person_url } => (issuer.clone(), person_url.clone()),
            };
            let scopes = format!(
                "{} ({} read)",
                e.dialect.label(),
                crate::krr::scopes::read_scopes(e.dialect).len()
            );
            let note = match (e.retired, e.production) {
                (true, _) => "retired by Digdir",
                (false, true) => "production",
                (false, false) => "",
            };
            [
                e.name.clone(),
                e.group.label().to_owned(),
                note.to_owned(),
                scopes,
                e.client
                    .as_ref()
                    .map_or("-".into(), |c| c.client_id.clone()),
                issuer,
                person,
            ]
            .map(|c| safe(&c).into_owned())
        })
        .collect();
    let header = [
        "NAME",
        "GROUP",
        "NOTE",
        "SCOPES",
        "CLIENT",
        "ISSUER",
        "PERSON URL",
    ]
    .map(String::from);
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in std::iter::once(&header).chain(&rows) {
        let line = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}
