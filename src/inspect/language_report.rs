//! The language changes made after the lookup, as the report keeps them under `language_changes`: the code asked
//! for, what the register said, the exchanges (the token redacted), and the line every face shows (terminal,
//! Markdown, HTML).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::krr::Lang;
use crate::oidc::http::HttpExchange;

/// One language change (`PATCH /person` with `spraak`) made with the lookup's token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LanguageChange {
    /// The `spraak` code sent.
    pub requested: String,
    /// The register's `spraak` after the change, when it took it.
    pub spraak: Option<String>,
    /// Why it failed, with what to do.
    pub error: Option<String>,
    /// Every request sent (two when the register asked for a DPoP nonce).
    pub exchanges: Vec<HttpExchange>,
}

impl LanguageChange {
    /// One line: the language now, or why it was not changed.
    pub fn summary(&self, lang: Lang) -> String {
        match (&self.spraak, &self.error) {
            (_, Some(e)) => format!("{} {e}", lang.pick("feilet:", "failed:")),
            (Some(now), None) => match lang {
                Lang::Nb => format!("spraak {} (bedt om {})", now, self.requested),
                Lang::En => format!("spraak {} (asked for {})", now, self.requested),
            },
            (None, None) => String::new(),
        }
    }
}

fn status(ex: &HttpExchange) -> String {
    ex.status
        .map_or_else(|| "-".to_owned(), |st| st.to_string())
}

fn heading(lang: Lang) -> &'static str {
    lang.pick("Språkendringer", "Language changes")
}

/// The changes for the terminal (the caller colours nothing else).
pub fn text(changes: &[LanguageChange], lang: Lang) -> String {
    use crate::escape::terminal as safe;
    let mut out = String::new();
    if changes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n{}:", heading(lang));
    for c in changes {
        let ok = if c.error.is_none() { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "  {ok} {}", safe(&c.summary(lang)));
        for ex in &c.exchanges {
            let _ = writeln!(
                out,
                "       {} {} → {} ({} ms)",
                safe(&ex.method),
                safe(&ex.url),
                status(ex),
                ex.duration_ms
            );
        }
    }
    out
}

/// The changes as a Markdown section.
pub fn markdown(changes: &[LanguageChange], lang: Lang) -> String {
    use crate::escape::{markdown_code as code, markdown_text as md_text};
    let mut md = String::new();
    if changes.is_empty() {
        return md;
    }
    let _ = writeln!(md, "\n## {}\n", heading(lang));
    for c in changes {
        let ok = if c.error.is_none() { "ok" } else { "**FAIL**" };
        let _ = writeln!(md, "- {ok}: {}", md_text(&c.summary(lang)));
        for ex in &c.exchanges {
            let _ = writeln!(
                md,
                "  - {} → {}",
                code(&format!("{} {}", ex.method, ex.url)),
                status(ex)
            );
        }
    }
    md
}

/// The changes as an HTML fragment (maud escapes every value).
pub fn html(changes: &[LanguageChange], lang: Lang) -> maud::Markup {
    let v = |s: &str| crate::escape::display_block(s).into_owned();
    maud::html! {
        @if !changes.is_empty() {
            h2 { (heading(lang)) }
            table {
                @for c in changes {
                    tr {
                        td class=(if c.error.is_none() { "valid" } else { "invalid" }) {
                            (if c.error.is_none() { "ok" } else { "FAIL" })
                        }
                        td {
                            (v(&c.summary(lang)))
                            @for ex in &c.exchanges {
                                div class="note" { code { (v(&format!("{} {}", ex.method, ex.url))) } " → "
                                    (status(ex)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> LanguageChange {
        LanguageChange {
            requested: "en".into(),
            spraak: None,
            error: Some("the register answered 500: <b>\u{1b}[31m</b>".into()),
            exchanges: vec![HttpExchange {
                step: "language".into(),
                method: "PATCH".into(),
                url: "http://127.0.0.1:1/person".into(),
                request_headers: vec![("authorization".into(), "Bearer [redacted]".into())],
                request_body: Some(r#"{"spraak":"en"}"#.into()),
                status: Some(500),
                ..HttpExchange::default()
            }],
        }
    }

    #[test]
    fn every_face_says_the_change_and_escapes_the_registers_words() {
        let changes = [refused()];
        let md = markdown(&changes, Lang::En);
        assert!(
            md.contains("## Language changes")
                && md.contains("`PATCH http://127.0.0.1:1/person` → 500"),
            "{md}"
        );
        let html = html(&changes, Lang::Nb).into_string();
        assert!(
            html.contains("Språkendringer") && html.contains("&lt;b&gt;") && !html.contains("<b>"),
            "{html}"
        );
        let text = text(&changes, Lang::En);
        assert!(text.contains("FAIL") && !text.contains('\u{1b}'), "{text}");
        assert_eq!(markdown(&[], Lang::En), "");
    }

    #[test]
    fn a_saved_change_reads_back_as_it_was() {
        let json = serde_json::to_string(&refused()).unwrap();
        let back: LanguageChange = serde_json::from_str(&json).unwrap();
        assert_eq!(back, refused());
        let ok = LanguageChange {
            spraak: Some("en".into()),
            error: None,
            ..refused()
        };
        assert_eq!(ok.summary(Lang::En), "spraak en (asked for en)");
        assert_eq!(ok.summary(Lang::Nb), "spraak en (bedt om en)");
    }
}
