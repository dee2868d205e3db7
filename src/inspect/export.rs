//! Sharing what was seen: an inspection as JSON (tokens redacted, readable back), as a Markdown or HTML report for a
//! bug ticket, and the /person request as a curl command.

use std::fmt::Write;

use serde_json::Value;

use super::lookup::Inspection;
use crate::krr::Lang;
use crate::oidc::Secret;

/// The inspection as pretty JSON. Secrets are already redacted by their type.
pub fn to_json(i: &Inspection) -> String {
    serde_json::to_string_pretty(i).unwrap_or_default()
}

/// A file that is not a saved inspection.
#[derive(Debug, thiserror::Error)]
#[error("not a saved krr-inspector inspection: {0}")]
pub struct NotAnInspection(#[source] pub serde_json::Error);

/// Reads a saved inspection back.
pub fn from_json(text: &str) -> Result<Inspection, NotAnInspection> {
    serde_json::from_str(text).map_err(NotAnInspection)
}

/// Does this JSON look like a saved inspection (rather than a /person answer)?
pub fn looks_like_inspection(v: &Value) -> bool {
    v.get("environment").is_some_and(Value::is_object)
        && v.get("request").is_some_and(Value::is_object)
        && v.get("http").is_some()
}

fn cell(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!(
            "{}… ({} chars)",
            s.chars().take(48).collect::<String>(),
            s.chars().count()
        )
    } else {
        s
    }
}

/// A Markdown report: what was asked, what came back, and why it means what it means. Every value from outside is
/// a code span it cannot close (`escape::markdown_code`) or escaped text (`escape::markdown_text`): a phone number
/// with a backtick and an `<img>` tag stays text.
pub fn to_markdown(i: &Inspection, lang: Lang) -> String {
    use crate::escape::{markdown_code as code, markdown_text as text};
    let t = |nb, en| lang.pick(nb, en);
    let mut md = String::new();
    let _ = writeln!(md, "# KRR Inspector: {}\n", t("oppslag", "lookup"));
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(
        md,
        "| {} | {} |",
        t("Miljø", "Environment"),
        code(&i.environment.environment)
    );
    let _ = writeln!(md, "| issuer | {} |", code(&i.environment.issuer));
    let _ = writeln!(md, "| person URL | {} |", code(&i.environment.person_url));
    let _ = writeln!(
        md,
        "| {} | {} |",
        t("Tidspunkt", "Time"),
        i.started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let _ = writeln!(
        md,
        "| client_id | {} ({}{}) |",
        code(&i.request.client_id),
        i.request.auth_method.as_str(),
        if i.request.par { ", PAR" } else { "" }
    );
    let _ = writeln!(
        md,
        "| {} | {} |",
        t("Omfang bedt om", "Scopes asked for"),
        code(&i.request.scopes.join(" "))
    );
    if let Some(tok) = &i.token {
        let _ = writeln!(
            md,
            "| {} | {} |",
            t("Omfang innvilget", "Scopes granted"),
            code(&tok.scopes_granted.join(" "))
        );
        if let Some(d) = &tok.dpop {
            let _ = writeln!(
                md,
                "| DPoP | {} |",
                text(&d.sentence(&tok.token_type, lang))
            );
        }
    }
    let _ = writeln!(md, "| Accept | {} |", code(i.request.accept.media_type()));
    if let Some(s) = i.http.status {
        let _ = writeln!(
            md,
            "| HTTP | {s} {} |",
            text(i.http.content_type.as_deref().unwrap_or(""))
        );
    }
    if let Some(e) = &i.error {
        let _ = writeln!(
            md,
            "\n> **{}** {}  \n> {} {}",
            t("Feil:", "Error:"),
            text(&e.message),
            t("Prøv:", "Try:"),
            text(&e.hint)
        );
    }
    if let Some(body) = &i.body {
        let v = body.verdict();
        let _ = writeln!(
            md,
            "\n## {}\n\n**{}**: {}",
            t("Signatur", "Signature"),
            v.label(),
            text(v.reason())
        );
        for p in &body.problems {
            let _ = writeln!(md, "\n> **{}** {}", t("Problem:", "Problem:"), text(p));
        }
        if let Some(h) = body.jose.as_ref().and_then(|j| j.header.as_ref()) {
            let mut h = h.clone();
            if let Some(Value::Array(x5c)) = h.get_mut("x5c") {
                for c in x5c.iter_mut() {
                    *c = Value::String(cell(c));
                }
            }
            // JSON escapes every control character and quote, so no value can end the fenced block.
            let _ = writeln!(
                md,
                "\n```json\n{}\n```",
                serde_json::to_string_pretty(&h).unwrap_or_default()
            );
        }
        let _ = writeln!(
            md,
            "\n## {}\n\n| {} | {} | {} |\n|---|---|---|",
            t("Felt", "Fields"),
            t("Felt", "Field"),
            t("Verdi", "Value"),
            t("Forklaring", "Explanation")
        );
        for f in &body.fields {
            let mut explanation = text(&f.explanation);
            for n in &f.notes {
                let _ = write!(explanation, "<br>↳ {}", text(n));
            }
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                code(&f.path),
                code(&cell(&f.value)),
                explanation
            );
        }
        if let Some(check) = &body.scope_check {
            let _ = writeln!(md, "\n## {}\n", t("Omfangskontroll", "Scope check"));
            if check.is_consistent() {
                let _ = writeln!(
                    md,
                    "- {}",
                    t(
                        "Svaret stemmer med omfangene.",
                        "The answer matches the scopes."
                    )
                );
            }
            for f in check
                .missing
                .iter()
                .chain(&check.unexpected)
                .chain(&check.absent_allowed)
            {
                let _ = writeln!(md, "- {}", text(&f.message));
            }
        }
    }
    if let Some(tok) = &i.token {
        let _ = writeln!(
            md,
            "\n## {}\n",
            t("Kontroller av id_token", "id_token checks")
        );
        for c in &tok.id_token_checks {
            let _ = writeln!(
                md,
                "- {} {}: {}",
                if c.passed { "ok" } else { "**FAIL**" },
                code(&c.check),
                text(&c.detail)
            );
        }
        for p in &tok.problems {
            let _ = writeln!(md, "- **{}** {}", t("Problem:", "Problem:"), text(p));
        }
    }
    let _ = writeln!(md, "\n## HTTP\n");
    for ex in &i.http.exchanges {
        let _ = writeln!(
            md,
            "- {} {} → {} ({} ms)",
            text(&ex.step),
            code(&format!("{} {}", ex.method, ex.url)),
            ex.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| text(ex.error.as_deref().unwrap_or_default())),
            ex.duration_ms
        );
    }
    md.push_str(&super::session_report::markdown(&i.session, lang));
    md.push_str(&super::language_report::markdown(&i.language_changes, lang));
    let _ = writeln!(
        md,
        "\n_{}_",
        t(
            "Tokens og koder er sensurert.",
            "Tokens and codes are redacted."
        )
    );
    md
}

/// A standalone HTML report (no scripts, no external resources).
pub fn to_html(i: &Inspection, lang: Lang) -> String {
    let t = |nb, en| lang.pick(nb, en);
    // Values from outside are shown with control characters made visible; maud then escapes them for HTML.
    let v = |s: &str| crate::escape::display_block(s).into_owned();
    let started = i
        .started_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut facts = vec![
        ("issuer", i.environment.issuer.clone()),
        ("person URL", i.environment.person_url.clone()),
        ("client_id", i.request.client_id.clone()),
        (t("Omfang", "Scopes"), i.request.scopes.join(" ")),
        (t("Tidspunkt", "Time"), started),
    ];
    if let Some((tok, d)) = i.token.as_ref().and_then(|t| Some((t, t.dpop.as_ref()?))) {
        facts.push(("DPoP", d.sentence(&tok.token_type, lang)));
    }
    maud::html! {
        (maud::PreEscaped("<!doctype html>"))
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                title { "KRR Inspector" }
                style { (maud::PreEscaped(HTML_STYLE)) }
            }
            body {
                h1 { "KRR Inspector" }
                table {
                    tr { th { (t("Miljø", "Environment")) } td { code { (v(&i.environment.environment)) } } }
                    @for (k, value) in &facts {
                        tr { th { (k) } td { code { (v(value)) } } }
                    }
                }
                @if let Some(e) = &i.error {
                    p class="invalid" { strong { (t("Feil:", "Error:")) } " " (v(&e.message)) " — " (v(&e.hint)) }
                }
                @if let Some(body) = &i.body {
                    @let verdict = body.verdict();
                    h2 { (t("Signatur", "Signature")) }
                    p class=(verdict.label()) { strong { (verdict.label()) } ": " (v(verdict.reason())) }
                    @for problem in &body.problems {
                        p class="invalid" { strong { (t("Problem:", "Problem:")) } " " (v(problem)) }
                    }
                    h2 { (t("Felt", "Fields")) }
                    table {
                        tr { th { (t("Felt", "Field")) } th { (t("Verdi", "Value")) } th { (t("Forklaring", "Explanation")) } }
                        @for f in &body.fields {
                            tr {
                                td { code { (v(&f.path)) } }
                                td { code { (v(&cell(&f.value))) } }
                                td {
                                    (v(&f.explanation))
                                    @for n in &f.notes { div class="note" { "↳ " (v(n)) } }
                                }
                            }
                        }
                    }
                }
                (super::session_report::html(&i.session, lang))
                (super::language_report::html(&i.language_changes, lang))
                p class="note" { (t("Tokens og koder er sensurert.", "Tokens and codes are redacted.")) }
            }
        }
    }
    .into_string()
}

/// The report's style sheet: ours, not from outside.
/// Long values (URLs, base64, ids) wrap anywhere instead of pushing the page sideways; the tables keep to the page.
const HTML_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}\
table{border-collapse:collapse;width:100%;table-layout:fixed}th:first-child{width:22%}\
td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
code{background:#f3f3f3;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}p{overflow-wrap:anywhere}.valid{color:#1a7f37}.invalid{color:#c81e1e}\
.untrusted,.unverifiable{color:#b06000}.note{color:#555;font-size:.9em}";

/// Quotes a word for a POSIX shell.
/// One shell word (`shell-words` quotes only what needs it, the way a POSIX shell reads it back).
fn shell_quote(s: &str) -> String {
    shell_words::quote(s).into_owned()
}

/// The /person request as a curl command. The token is the `$TOKEN` placeholder unless `token` is given. A
/// DPoP-bound token needs a fresh proof for each request (RFC 9449), which curl cannot make: `$DPOP_PROOF`.
pub fn curl_command(i: &Inspection, token: Option<&Secret>) -> String {
    let dpop = i
        .token
        .as_ref()
        .is_some_and(|t| t.token_type.eq_ignore_ascii_case("dpop"));
    let scheme = if dpop { "DPoP" } else { "Bearer" };
    let mut auth = match token.filter(|t| t.is_available() && !t.is_empty()) {
        Some(t) => shell_quote(&format!("Authorization: {scheme} {}", t.expose())),
        None => format!("\"Authorization: {scheme} $TOKEN\""),
    };
    if dpop {
        auth.push_str(" -H \"DPoP: $DPOP_PROOF\"");
    }
    format!(
        "curl -sS -H {auth} -H {} {}",
        shell_quote(&format!("Accept: {}", i.request.accept.media_type())),
        shell_quote(&i.environment.person_url)
    )
}
