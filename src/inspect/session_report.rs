//! What the session after the lookup did, as the report keeps it under `session`: each action, its outcome, its
//! exchanges (secrets redacted), and the one-line summary every face shows (terminal, Markdown, HTML, the app).

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::krr::Lang;
use crate::oidc::http::HttpExchange;
use crate::oidc::session::TokenHint;

/// One thing to do with the session after the lookup (`fetch --then ACTION`, the Tokens tab's buttons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Refresh,
    Userinfo,
    Introspect,
    Revoke,
    Logout,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Refresh,
        Action::Userinfo,
        Action::Introspect,
        Action::Revoke,
        Action::Logout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Refresh => "refresh",
            Action::Userinfo => "userinfo",
            Action::Introspect => "introspect",
            Action::Revoke => "revoke",
            Action::Logout => "logout",
        }
    }

    /// The button's label.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Action::Refresh => lang.pick("Forny", "Refresh"),
            Action::Userinfo => lang.pick("Userinfo", "Userinfo"),
            Action::Introspect => lang.pick("Introspeksjon", "Introspect"),
            Action::Revoke => lang.pick("Tilbakekall", "Revoke"),
            Action::Logout => lang.pick("Logg ut", "Log out"),
        }
    }
}

/// What an action found out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepOutcome {
    /// RFC 6749 §6: new tokens; `rotated` when a new refresh token replaced the old one.
    Refreshed {
        expires_in: Option<u64>,
        expires_at: Option<DateTime<Utc>>,
        rotated: bool,
        refresh_token_expires_in: Option<u64>,
        scopes_granted: Option<Vec<String>>,
    },
    Userinfo {
        claims: Map<String, Value>,
    },
    /// RFC 7662: what the provider says of the token named by `token`.
    Introspected {
        token: TokenHint,
        active: bool,
        scope: Option<String>,
        exp: Option<i64>,
        token_type: Option<String>,
        client_id: Option<String>,
    },
    /// RFC 7009: the provider accepted the revocation of `token`.
    Revoked {
        token: TokenHint,
    },
    /// The provider sent the browser (or the tool) back to `post_logout_redirect_uri` with this logout's state.
    LoggedOut {
        post_logout_redirect_uri: String,
        state_checked: bool,
        via_browser: bool,
    },
}

/// One action and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionStep {
    pub action: Action,
    pub ok: bool,
    pub outcome: Option<StepOutcome>,
    /// Why it failed, with what to do.
    pub error: Option<String>,
    pub exchanges: Vec<HttpExchange>,
}

impl SessionStep {
    /// One line: what the action found, or why it failed.
    pub fn summary(&self, lang: Lang) -> String {
        let t = |nb: &str, en: &str| lang.pick(nb, en).to_owned();
        if let Some(e) = &self.error {
            return format!("{} {e}", t("feilet:", "failed:"));
        }
        let Some(o) = &self.outcome else {
            return String::new();
        };
        let secs = |s: Option<u64>| s.map_or_else(|| "?".to_owned(), |s| format!("{s} s"));
        match o {
            StepOutcome::Refreshed {
                expires_in,
                rotated,
                refresh_token_expires_in,
                scopes_granted,
                ..
            } => format!(
                "{} {}; {} {}; refresh_token_expires_in {}{}",
                t(
                    "nytt tilgangstoken, utløper om",
                    "new access token, expires in"
                ),
                secs(*expires_in),
                t("refresh-token rotert:", "refresh token rotated:"),
                if *rotated {
                    t("ja", "yes")
                } else {
                    t("nei", "no")
                },
                secs(*refresh_token_expires_in),
                scopes_granted
                    .as_ref()
                    .map(|s| format!("; scope {}", s.join(" ")))
                    .unwrap_or_default()
            ),
            StepOutcome::Userinfo { claims } => claims
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            StepOutcome::Introspected {
                token,
                active,
                scope,
                exp,
                ..
            } => {
                let mut s = format!("{}: active={active}", token.as_str());
                if let Some(scope) = scope {
                    let _ = write!(s, ", scope {scope}");
                }
                if let Some(exp) = exp.and_then(|e| DateTime::<Utc>::from_timestamp(e, 0)) {
                    let _ = write!(
                        s,
                        ", exp {}",
                        exp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    );
                }
                s
            }
            StepOutcome::Revoked { token } => format!(
                "{} {}",
                token.as_str(),
                t("tilbakekalt (200)", "revoked (200)")
            ),
            StepOutcome::LoggedOut {
                post_logout_redirect_uri,
                state_checked,
                via_browser,
            } => format!(
                "{} {post_logout_redirect_uri}{}{}",
                t("logget ut, tilbake til", "logged out, back at"),
                if *state_checked {
                    t(", state kontrollert", ", state checked")
                } else {
                    String::new()
                },
                if *via_browser {
                    t(" (nettleser)", " (browser)")
                } else {
                    t(" (uten nettleser)", " (headless)")
                }
            ),
        }
    }
}

/// The session's steps for the terminal (the caller escapes and colours nothing else).
pub fn text(steps: &[SessionStep], lang: Lang) -> String {
    use crate::escape::terminal as safe;
    let mut out = String::new();
    if steps.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n{}",
        lang.pick("Økten etterpå:", "The session after:")
    );
    for s in steps {
        let _ = writeln!(
            out,
            "  {:<11} {} {}",
            s.action.as_str(),
            if s.ok { "ok  " } else { "FAIL" },
            safe(&s.summary(lang))
        );
        for ex in &s.exchanges {
            let _ = writeln!(
                out,
                "              {} {} → {} ({} ms)",
                safe(&ex.method),
                safe(&ex.url),
                ex.status
                    .map_or_else(|| "-".to_owned(), |st| st.to_string()),
                ex.duration_ms
            );
        }
    }
    out
}

/// The session's steps as a Markdown section.
pub fn markdown(steps: &[SessionStep], lang: Lang) -> String {
    use crate::escape::{markdown_code as code, markdown_text as md_text};
    let mut md = String::new();
    if steps.is_empty() {
        return md;
    }
    let _ = writeln!(
        md,
        "\n## {}\n",
        lang.pick("Økten etterpå", "The session after")
    );
    for s in steps {
        let _ = writeln!(
            md,
            "- {} {}: {}",
            code(s.action.as_str()),
            if s.ok { "ok" } else { "**FAIL**" },
            md_text(&s.summary(lang))
        );
        for ex in &s.exchanges {
            let _ = writeln!(
                md,
                "  - {} → {}",
                code(&format!("{} {}", ex.method, ex.url)),
                ex.status
                    .map_or_else(|| "-".to_owned(), |st| st.to_string())
            );
        }
    }
    md
}

/// The session's steps as an HTML fragment (maud escapes every value).
pub fn html(steps: &[SessionStep], lang: Lang) -> maud::Markup {
    let v = |s: &str| crate::escape::display_block(s).into_owned();
    maud::html! {
        @if !steps.is_empty() {
            h2 { (lang.pick("Økten etterpå", "The session after")) }
            table {
                @for s in steps {
                    tr {
                        td { code { (s.action.as_str()) } }
                        td class=(if s.ok { "valid" } else { "invalid" }) { (if s.ok { "ok" } else { "FAIL" }) }
                        td {
                            (v(&s.summary(lang)))
                            @for ex in &s.exchanges {
                                div class="note" { code { (v(&format!("{} {}", ex.method, ex.url))) } " → "
                                    (ex.status.map_or_else(|| "-".to_owned(), |st| st.to_string())) }
                            }
                        }
                    }
                }
            }
        }
    }
}
