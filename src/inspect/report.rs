//! The report of one lookup: the `Inspection` that every face shows (the app renders it, `fetch` prints it, tests
//! assert on it, files keep it), and its parts. Data only; `lookup` fills it in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::body::BodyInspection;
use crate::config::AuthMethod;
use crate::krr::Lang;
use crate::krr::scopes::ScopeDialect;
use crate::oidc::http::HttpExchange;
use crate::oidc::{DpopKey, Secret, TokenCheck};

/// `Accept` for /person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accept {
    /// `application/jose`: a signed JWS.
    #[default]
    Jose,
    /// `application/json`.
    Json,
}

impl Accept {
    pub fn media_type(self) -> &'static str {
        match self {
            Accept::Jose => "application/jose",
            Accept::Json => "application/json",
        }
    }
}

/// Where to look up: a provider and the register's person URL (for the emulator: its in-process URLs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Target {
    /// The environment's name (`local`, `test`, ... or `custom`).
    pub environment: String,
    pub issuer: String,
    pub person_url: String,
    pub dialect: ScopeDialect,
}

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct RequestFacts {
    pub client_id: String,
    pub auth_method: AuthMethod,
    pub scopes: Vec<String>,
    pub accept: Accept,
    pub acr: Option<String>,
    pub locale: String,
    /// The authorization request was pushed (PAR, RFC 9126): asked for, or required by the provider.
    #[serde(default)]
    pub par: bool,
    /// DPoP (RFC 9449) was asked for.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dpop: bool,
}

/// What the tokens were, without their values.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct TokenFacts {
    pub scopes_requested: Vec<String>,
    /// From the token response's `scope`, else from the access token's `scope` claim.
    pub scopes_granted: Vec<String>,
    pub expires_in: Option<u64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub access_token: Secret,
    pub id_token: Option<Secret>,
    pub has_refresh_token: bool,
    /// Decoded claims of a JWT access token (opaque tokens have none).
    pub access_token_claims: Option<Map<String, Value>>,
    pub id_token_claims: Option<Map<String, Value>>,
    pub id_token_checks: Vec<TokenCheck>,
    /// What is wrong with the token response itself (an absurd lifetime, ...), in the report's language.
    #[serde(default)]
    pub problems: Vec<String>,
    /// The token response's `token_type`: `Bearer`, or `DPoP` for a DPoP-bound token (RFC 9449).
    #[serde(default)]
    pub token_type: String,
    /// When DPoP was asked for: this session's key and what the access token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop: Option<DpopFacts>,
    /// This session's DPoP key, for the token's later requests (the language change): in memory only.
    #[serde(skip)]
    pub dpop_key: Option<DpopKey>,
}

impl TokenFacts {
    /// The key to present the access token with: this session's when the token is DPoP-bound, else none (Bearer).
    pub fn resource_key(&self) -> Option<&DpopKey> {
        crate::oidc::resource_key(&self.token_type, self.dpop_key.as_ref())
    }
}

/// What a DPoP session's access token is bound to (its `cnf.jkt`, RFC 9449 §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DpopBinding {
    /// `cnf.jkt` is the thumbprint of this session's key.
    ThisKey,
    /// `cnf.jkt` names another key.
    OtherKey,
    /// The token's claims have no `cnf.jkt`: a bearer token.
    NotBound,
    /// The token is opaque to the tool (not a JWT): its binding cannot be read.
    Unreadable,
}

/// DPoP facts of a session: the key's thumbprint and the token's binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DpopFacts {
    /// RFC 7638 thumbprint of this session's key (public).
    pub key_jkt: String,
    /// The access token's `cnf.jkt`, when it has one.
    pub token_jkt: Option<String>,
    pub binding: DpopBinding,
}

impl DpopFacts {
    /// The facts of an access token with `claims` (none: opaque) for the key with thumbprint `key_jkt`.
    pub fn of(key_jkt: &str, claims: Option<&Map<String, Value>>) -> DpopFacts {
        let token_jkt = claims
            .and_then(|c| c.get("cnf")?.get("jkt")?.as_str())
            .map(str::to_owned);
        let binding = match (claims, &token_jkt) {
            (None, _) => DpopBinding::Unreadable,
            (Some(_), None) => DpopBinding::NotBound,
            (Some(_), Some(j)) if j == key_jkt => DpopBinding::ThisKey,
            (Some(_), Some(_)) => DpopBinding::OtherKey,
        };
        DpopFacts {
            key_jkt: key_jkt.to_owned(),
            token_jkt,
            binding,
        }
    }

    /// One sentence for the report, in `lang`; `token_type` is the token response's.
    pub fn sentence(&self, token_type: &str, lang: Lang) -> String {
        let token_jkt = self.token_jkt.as_deref().unwrap_or("-");
        let key = &self.key_jkt;
        match (self.binding, lang) {
            (DpopBinding::ThisKey, Lang::Nb) => {
                format!("bundet til denne øktens nøkkel (cnf.jkt {token_jkt})")
            }
            (DpopBinding::ThisKey, Lang::En) => {
                format!("bound to this session's key (cnf.jkt {token_jkt})")
            }
            (DpopBinding::OtherKey, Lang::Nb) => format!(
                "tilgangstokenet er bundet til en annen DPoP-nøkkel (cnf.jkt {token_jkt}) enn denne øktens \
                 ({key}): registeret vil avvise det"
            ),
            (DpopBinding::OtherKey, Lang::En) => format!(
                "the access token is bound to another DPoP key (cnf.jkt {token_jkt}) than this session's \
                 ({key}): the register will refuse it"
            ),
            (DpopBinding::NotBound, Lang::Nb) => format!(
                "DPoP ble bedt om, men tilgangstokenet er ikke bundet til noen nøkkel (token_type {token_type}, \
                 ingen cnf.jkt): leverandøren støtter kanskje ikke DPoP for denne klienten, og tokenet er et \
                 vanlig bearer-token"
            ),
            (DpopBinding::NotBound, Lang::En) => format!(
                "DPoP was asked for, but the access token is not bound to a key (token_type {token_type}, no \
                 cnf.jkt): the provider may not support DPoP for this client, and the token is a plain bearer \
                 token"
            ),
            (DpopBinding::Unreadable, Lang::Nb) => format!(
                "tilgangstokenet er ikke et JWT, så DPoP-bindingen kan ikke leses (token_type {token_type}, \
                 denne øktens nøkkel {key})"
            ),
            (DpopBinding::Unreadable, Lang::En) => format!(
                "the access token is not a JWT, so its DPoP binding cannot be read (token_type {token_type}, \
                 this session's key {key})"
            ),
        }
    }

    /// Whether the binding is a problem: DPoP asked for and not bound, or bound to another key.
    pub fn is_problem(&self) -> bool {
        matches!(self.binding, DpopBinding::OtherKey | DpopBinding::NotBound)
    }
}

/// The longest access-token lifetime taken at its word. ID-porten issues 120 s by default; a year is far beyond
/// any real provider, and anything longer is reported instead of being turned into a date.
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 366 * 24 * 3600;

/// When the token expires, by checked arithmetic: a lifetime from outside never panics or wraps.
pub fn expiry(
    issued: DateTime<Utc>,
    expires_in: Option<u64>,
    lang: Lang,
) -> (Option<DateTime<Utc>>, Option<String>) {
    let Some(secs) = expires_in else {
        return (None, None);
    };
    let at = (secs <= MAX_TOKEN_LIFETIME_SECS)
        .then(|| i64::try_from(secs).ok())
        .flatten()
        .and_then(chrono::TimeDelta::try_seconds)
        .and_then(|d| issued.checked_add_signed(d));
    match at {
        Some(at) => (Some(at), None),
        None => (
            None,
            Some(match lang {
                Lang::Nb => format!(
                    "tokensvaret sier expires_in {secs} s, lenger enn noe token lever (over ett år): \
                     leverandørens svar er feil, så utløpstiden er ukjent"
                ),
                Lang::En => format!(
                    "the token response says expires_in {secs} s, longer than any token lives (over a year): \
                     the provider's answer is wrong, so the expiry is unknown"
                ),
            }),
        ),
    }
}

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct HttpFacts {
    /// The /person answer's status.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// Every request of the journey, secrets redacted.
    pub exchanges: Vec<HttpExchange>,
}

/// Why the lookup did not give a person, in words a tester can act on.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct LookupProblem {
    /// `insecure`, `login`, `id_token` (the login is refused: its id_token fails an integrity check),
    /// `unauthorized`, `no_national_id`, `forbidden`, `rate_limited`, `server_error`, `unexpected_status`,
    /// `network`, `unreadable_body`, `other_person` (the answer is about someone other than the logged-in person;
    /// the body is kept).
    pub kind: String,
    pub message: String,
    pub hint: String,
    /// The message and hint in Bokmål where they are known (`message` and `hint` are in the report's language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb: Option<ProblemNb>,
}

/// A problem's texts in Bokmål; either may be missing (then the report's own is shown).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ProblemNb {
    pub message: Option<String>,
    pub hint: Option<String>,
}

impl LookupProblem {
    pub fn message_in(&self, lang: Lang) -> &str {
        match (lang, &self.nb) {
            (
                Lang::Nb,
                Some(ProblemNb {
                    message: Some(m), ..
                }),
            ) => m,
            _ => &self.message,
        }
    }

    pub fn hint_in(&self, lang: Lang) -> &str {
        match (lang, &self.nb) {
            (Lang::Nb, Some(ProblemNb { hint: Some(h), .. })) => h,
            _ => &self.hint,
        }
    }
}

/// The one report of a lookup.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Inspection {
    pub environment: Target,
    pub request: RequestFacts,
    pub started_at: DateTime<Utc>,
    pub token: Option<TokenFacts>,
    pub http: HttpFacts,
    #[serde(flatten)]
    pub body: Option<BodyInspection>,
    pub error: Option<LookupProblem>,
    /// Milliseconds per step: `login`, `person`, `inspect`, `total`.
    pub timings_ms: Vec<(String, u64)>,
    /// Set when a saved inspection was read back: was its verdict checked again from the raw answer?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverified: Option<Reverification>,
    /// What was done with the session after the lookup (`fetch --then`, the Tokens tab's buttons), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session: Vec<super::session_report::SessionStep>,
    /// The language changes (`PATCH /person`) made with this lookup's token, in order (the app's Administration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language_changes: Vec<super::language::LanguageChange>,
}

impl Inspection {
    /// The report of a lookup that has just started: where to and what was asked, nothing found yet.
    pub fn begun(
        environment: Target,
        request: RequestFacts,
        started_at: DateTime<Utc>,
    ) -> Inspection {
        Inspection {
            environment,
            request,
            started_at,
            token: None,
            http: HttpFacts::default(),
            body: None,
            error: None,
            timings_ms: Vec::new(),
            reverified: None,
            session: Vec::new(),
            language_changes: Vec::new(),
        }
    }
}

/// What became of the verdict stored in a saved inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Reverification {
    /// The raw answer was inspected again; `stored` is what the file said, `fresh` what it says now.
    Reverified {
        stored: Option<String>,
        fresh: String,
        agrees: bool,
    },
    /// The file has no raw answer: the verdict shown is the file's own claim.
    AsRecorded { stored: Option<String> },
}

impl Reverification {
    /// One sentence for the top of the report.
    pub fn sentence(&self, lang: Lang) -> String {
        let or_none = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        match (self, lang) {
            (
                Reverification::Reverified {
                    agrees: true,
                    fresh,
                    ..
                },
                Lang::Nb,
            ) => format!("Kontrollert på nytt fra det lagrede råsvaret: {fresh}, som filen sier."),
            (
                Reverification::Reverified {
                    agrees: true,
                    fresh,
                    ..
                },
                Lang::En,
            ) => {
                format!("Checked again from the saved raw answer: {fresh}, as the file says.")
            }
            (Reverification::Reverified { stored, fresh, .. }, Lang::Nb) => format!(
                "Kontrollert på nytt fra det lagrede råsvaret: {fresh}. Filen sier {}: den stemmer ikke (filen kan være \
                 endret, eller tilliten er en annen nå: gi --trust-ca for CA-en som ble brukt).",
                or_none(stored)
            ),
            (Reverification::Reverified { stored, fresh, .. }, Lang::En) => format!(
                "Checked again from the saved raw answer: {fresh}. The file says {}: it disagrees (the file may have \
                 been edited, or the trust differs now: pass --trust-ca for the CA used then).",
                or_none(stored)
            ),
            (Reverification::AsRecorded { stored }, Lang::Nb) => format!(
                "Filen har ikke råsvaret: signaturdommen ({}) er slik den ble lagret, ikke kontrollert på nytt.",
                or_none(stored)
            ),
            (Reverification::AsRecorded { stored }, Lang::En) => format!(
                "The file has no raw answer: the verdict ({}) is as recorded, not verified again.",
                or_none(stored)
            ),
        }
    }
}
