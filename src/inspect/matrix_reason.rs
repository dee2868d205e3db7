//! Why a scope-matrix cell failed, short enough for the cell (`login_required`, `invalid_scope`,
//! `403 insufficient_scope`) with the whole reason and a hint that fits it (not always "check the client
//! registration"), and what each way of getting a row's token means.

use super::matrix::{MatrixRow, Obtained};
use crate::krr::Lang;

/// The OAuth 2.0 / OpenID Connect error codes a matrix row can end with, most specific first.
const CODES: &[&str] = &[
    "insufficient_scope",
    "invalid_token",
    "login_required",
    "consent_required",
    "interaction_required",
    "account_selection_required",
    "invalid_scope",
    "invalid_grant",
    "access_denied",
    "unauthorized_client",
    "invalid_client",
    "invalid_request",
    "temporarily_unavailable",
    "server_error",
];

/// A failed row's reason: `short` for the cell, `full` (the lookup's own message) and `hint` for hover or
/// selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellReason {
    pub short: String,
    pub full: String,
    pub hint: String,
}

/// Why the row gave no person, if it did not.
pub fn reason(row: &MatrixRow, lang: Lang) -> Option<CellReason> {
    let problem = row.inspection.error.as_ref()?;
    let message = &problem.message;
    let code = CODES.iter().copied().find(|c| {
        message.match_indices(c).any(|(at, _)| {
            !word_char(message[..at].chars().next_back())
                && !word_char(message[at + c.len()..].chars().next())
        })
    });
    let short = match (row.status, code) {
        (Some(s), Some(c)) if s >= 400 => format!("{s} {c}"),
        (_, Some(c)) => c.to_owned(),
        (Some(s), None) if s >= 400 => format!("{s} {}", problem.kind),
        _ => problem.kind.clone(),
    };
    let hint = code
        .and_then(|c| hint_for(c, lang))
        .map(str::to_owned)
        .unwrap_or_else(|| problem.hint.clone());
    Some(CellReason {
        short,
        full: message.clone(),
        hint,
    })
}

fn word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The hint that fits the code: what the tester does about it.
fn hint_for(code: &str, lang: Lang) -> Option<&'static str> {
    Some(match code {
        "insufficient_scope" => lang.pick(
            "Tokenet mangler et leseomfang registeret krever: et sett uten leseomfang får 403 med vilje.",
            "The token lacks a read scope the register requires: a set without a read scope gets 403 by design.",
        ),
        "invalid_token" => lang.pick(
            "Registeret godtar ikke tokenet (utløpt, for et annet register eller miljø): kjør matrisen på nytt.",
            "The register does not accept the token (expired, or for another register or environment): run the matrix again.",
        ),
        "login_required" | "interaction_required" | "account_selection_required" => lang.pick(
            "Leverandøren har ingen single sign-on-økt, så prompt=none kunne ikke logge inn stille: logg inn én gang \
             (eller kjør matrisen på nytt) i samme nettleser.",
            "The provider has no single sign-on session, so prompt=none could not log in silently: log in once \
             (or run the matrix again) in the same browser.",
        ),
        "consent_required" => lang.pick(
            "Personen har ikke samtykket til disse omfangene: logg inn én gang med dem og godta, så kjør på nytt.",
            "The person has not consented to these scopes: log in once with them and accept, then run again.",
        ),
        "invalid_scope" => lang.pick(
            "Leverandøren godtar ikke et av omfangene for denne klienten: sjekk at klienten er registrert for dem \
             og at de hører til miljøets dialekt.",
            "The provider does not accept one of the scopes for this client: check that the client is registered \
             for them and that they belong to the environment's dialect.",
        ),
        "invalid_grant" => lang.pick(
            "Oppfriskingstokenet ble avvist (utløpt, trukket tilbake eller smalnet utover den opprinnelige \
             tillatelsen): kjør matrisen på nytt.",
            "The refresh token was refused (expired, revoked, or narrowed beyond the original grant): run the \
             matrix again.",
        ),
        "access_denied" => lang.pick(
            "Innloggingen ble avbrutt eller samtykket avslått i nettleseren: kjør på nytt og fullfør.",
            "The login was cancelled or consent declined in the browser: run again and complete it.",
        ),
        "unauthorized_client" | "invalid_client" => lang.pick(
            "Klienten får ikke lov: sjekk klientregistreringen (client_id, autentisering, omfang).",
            "The client is not allowed: check the client registration (client_id, authentication, scopes).",
        ),
        "temporarily_unavailable" | "server_error" => lang.pick(
            "Leverandøren har et problem: prøv igjen senere.",
            "The provider has a problem: try again later.",
        ),
        _ => return None,
    })
}

/// What a way of getting the row's token means, for a hover.
pub fn obtained_meaning(o: Obtained, lang: Lang) -> &'static str {
    match o {
        Obtained::Refresh => lang.pick(
            "Tokenet kom fra en oppfrisking smalnet til settets omfang (én innlogging for hele matrisen).",
            "The token came from a refresh narrowed to the set's scopes (one login for the whole matrix).",
        ),
        Obtained::PromptNone => lang.pick(
            "Leverandøren avslo smalningen: settet logget inn for seg med prompt=none (single sign-on-økten).",
            "The provider refused the narrowing: the set logged in on its own with prompt=none (the SSO session).",
        ),
        Obtained::Login => lang.pick(
            "Raden er matrisens ene innlogging (den feilet, så ingen sett kom videre).",
            "The row is the matrix's one login (it failed, so no set got further).",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::report::LookupProblem;

    fn row(status: Option<u16>, kind: &str, message: &str) -> MatrixRow {
        let mut i: crate::inspect::Inspection =
            serde_json::from_str(&crate::inspect::export::to_json(
                &crate::inspect::opened::open_bytes(
                    br#"{"personidentifikator":"1"}"#,
                    "f",
                    &crate::jose::TrustStore::new(),
                    Lang::En,
                    chrono::Utc::now(),
                )
                .unwrap()
                .1,
            ))
            .unwrap();
        i.http.status = status;
        i.error = Some(LookupProblem {
            kind: kind.into(),
            message: message.into(),
            hint: "Check the client registration and try again.".into(),
            nb: None,
        });
        MatrixRow {
            scopes: vec![],
            status,
            verdict: "-".into(),
            error: Some(message.into()),
            obtained: Obtained::PromptNone,
            values: Default::default(),
            inspection: i,
        }
    }

    #[test]
    fn each_reason_is_short_in_the_cell_with_a_hint_that_fits() {
        let r = reason(
            &row(
                None,
                "login",
                "the provider needs a fresh login (no single sign-on session) (login_required)",
            ),
            Lang::En,
        )
        .unwrap();
        assert_eq!(r.short, "login_required");
        assert!(
            r.hint.contains("prompt=none could not log in silently"),
            "{}",
            r.hint
        );
        let r = reason(
            &row(
                None,
                "login",
                "the token endpoint refused the code: invalid_scope (narrowing)",
            ),
            Lang::En,
        )
        .unwrap();
        assert_eq!(r.short, "invalid_scope");
        assert!(r.hint.contains("registered for them"), "{}", r.hint);
        let r = reason(
            &row(
                Some(403),
                "forbidden",
                "the register refused the scopes (403): Bearer error=\"insufficient_scope\"",
            ),
            Lang::Nb,
        )
        .unwrap();
        assert_eq!(r.short, "403 insufficient_scope");
        assert!(r.hint.contains("leseomfang"), "{}", r.hint);
        // No code in the message: the kind, and the lookup's own hint.
        let r = reason(
            &row(Some(500), "server_error_x", "the register answered 500"),
            Lang::En,
        )
        .unwrap();
        assert_eq!(r.short, "500 server_error_x");
        assert_eq!(r.hint, "Check the client registration and try again.");
    }
}
