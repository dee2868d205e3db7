//! A lookup problem in Bokmål: the login's most common failures (timeout, cancelled, refused, the browser, the
//! provider's answers) and every hint. The English texts are the `LoginError` messages and the hints in `lookup`;
//! the app shows these when its language is Bokmål.

use super::report::{LookupProblem, ProblemNb};
use crate::oidc::LoginError;
use crate::oidc::browser::BrowserError;

/// A problem of the lookup, with its hint in Bokmål too.
pub(super) fn problem(kind: &str, message: impl Into<String>, hint: &str) -> LookupProblem {
    LookupProblem {
        kind: kind.into(),
        message: message.into(),
        hint: hint.into(),
        nb: hint_nb(hint).map(|h| ProblemNb {
            message: None,
            hint: Some(h.into()),
        }),
    }
}

/// The login's failure as a problem: its message in Bokmål too, where that is known.
pub(super) fn login_problem(kind: &str, e: &LoginError, hint: &str) -> LookupProblem {
    let mut p = problem(kind, e.to_string(), hint);
    p.nb.get_or_insert(ProblemNb {
        message: None,
        hint: None,
    })
    .message = login_message_nb(e);
    p
}

/// The login failure in Bokmål, for the kinds a tester meets most; `None` for the rest (shown in English).
pub fn login_message_nb(e: &LoginError) -> Option<String> {
    Some(match e {
        LoginError::Timeout(secs) => format!(
            "ingen innlogging kom innen {secs} s: fullfør innloggingen i nettleseren raskere, eller øk tidsgrensen"
        ),
        LoginError::TimeoutAfterRefused { secs, refused } => format!(
            "ingen gyldig innlogging kom innen {secs} s, og en tilbakekalling ble avvist: {}",
            login_message_nb(refused).unwrap_or_else(|| refused.to_string())
        ),
        LoginError::Cancelled => "innloggingen ble avbrutt".into(),
        LoginError::StateMismatch => "tilbakekallets state stemmer ikke med denne innloggingen: den kan være \
                                      forfalsket eller gammel; start innloggingen på nytt"
            .into(),
        LoginError::IssuerMismatch { expected, got } => format!(
            "tilbakekallets iss er «{got}», ikke «{expected}»: svaret kom fra en annen leverandør \
             (mix-up-angrep?)"
        ),
        LoginError::Provider { error, description } => {
            let advice = match error.as_str() {
                "access_denied" => "innloggingen ble avbrutt i nettleseren",
                "login_required" => {
                    "leverandøren krever en ny innlogging (ingen økt for enkel pålogging)"
                }
                "invalid_scope" => {
                    "leverandøren godtar ikke ett av omfangene: kontroller omfangslisten"
                }
                "unauthorized_client" => {
                    "klienten har ikke lov til denne forespørselen: kontroller registreringen"
                }
                "invalid_request" => "leverandøren avviste forespørselen",
                "temporarily_unavailable" | "server_error" => {
                    "leverandøren har et problem: prøv igjen senere"
                }
                _ => "leverandøren avviste innloggingen",
            };
            if description.is_empty() {
                format!("{advice} ({error})")
            } else {
                format!("{advice} ({error}: {description})")
            }
        }
        LoginError::TokenEndpoint { error, description } => format!(
            "tokenendepunktet avviste koden: {error}{}",
            if description.is_empty() {
                String::new()
            } else {
                format!(" ({description})")
            }
        ),
        LoginError::Browser(b) => match b {
            BrowserError::Empty => "nettleserkommandoen er tom".into(),
            BrowserError::Unsplittable => "nettleserkommandoen kan ikke deles i ord: et anførselstegn er ikke \
                                           lukket, eller den slutter med en enslig omvendt skråstrek"
                .into(),
            BrowserError::Spawn { program, reason } => {
                format!("kan ikke starte nettleserkommandoen «{program}»: {reason}")
            }
            BrowserError::System(why) => format!(
                "kan ikke åpne systemets nettleser: {why}; velg en nettleserkommando (--browser eller \
                 KRR_INSPECTOR_BROWSER) eller bruk --print-url"
            ),
            BrowserError::Exited {
                program,
                status,
                stderr,
            } => format!(
                "nettleserkommandoen «{program}» avsluttet med {status}{}: åpne innloggingsadressen i en annen \
                 nettleser, eller velg en annen nettleserkommando",
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(" ({stderr})")
                }
            ),
        },
        _ => return None,
    })
}

/// A hint of `lookup` in Bokmål (the hints are this program's own fixed sentences).
pub fn hint_nb(hint_en: &str) -> Option<&'static str> {
    Some(match hint_en {
        "Start a new login from this tool; do not reuse an old browser tab. If it persists, the provider's \
         answer may be forged (mix-up attack): do not use it." => {
            "Start en ny innlogging fra dette verktøyet; ikke gjenbruk en gammel nettleserfane. Skjer det igjen, \
             kan leverandørens svar være forfalsket (mix-up-angrep): ikke bruk det."
        }
        "The provider has a problem: try again later." => {
            "Leverandøren har et problem: prøv igjen senere."
        }
        "The provider's key set is unavailable: try again later." => {
            "Leverandørens nøkkelsett er utilgjengelig: prøv igjen senere."
        }
        "Start again and finish the login in the browser, or raise the timeout." => {
            "Start på nytt og fullfør innloggingen i nettleseren, eller øk tidsgrensen."
        }
        "Start again when ready." => "Start på nytt når du er klar.",
        "Start a new login from this tool; do not reuse an old browser tab." => {
            "Start en ny innlogging fra dette verktøyet; ikke gjenbruk en gammel nettleserfane."
        }
        "Log in again and complete the form." => "Logg inn på nytt og fyll ut skjemaet.",
        "Check the network and that the environment's URLs are right." => {
            "Kontroller nettverket og at miljøets adresser er riktige."
        }
        "Pick another browser, or use print-URL and open it yourself." => {
            "Velg en annen nettleser, eller vis adressen og åpne den selv."
        }
        "Fix the environment or client configuration." => "Rett opp miljøet eller klientoppsettet.",
        "Check the client registration and try again." => {
            "Kontroller klientregistreringen og prøv igjen."
        }
        "Use the https:// address of the service (http:// only for 127.0.0.1 or [::1])." => {
            "Bruk tjenestens https://-adresse (http:// bare for 127.0.0.1 eller [::1])."
        }
        "Log in again; if it persists, the provider's id_token is wrong for this client (issuer, client_id, \
         keys or clock): report it to the provider." => {
            "Logg inn på nytt; skjer det igjen, er leverandørens id_token feil for denne klienten (utsteder, \
             client_id, nøkler eller klokke): meld fra til leverandøren."
        }
        "Check the network and the person URL." => "Kontroller nettverket og personadressen.",
        "Do not use this answer: the register answered for someone else. Report it to the register's operator." => {
            "Ikke bruk dette svaret: registeret svarte for en annen person. Meld fra til registerets driftsoperatør."
        }
        "Save the raw body and report it; try Accept: application/json." => {
            "Lagre rådataene og meld fra; prøv Accept: application/json."
        }
        "The token is missing, expired or not for this register: log in again, and check the environment." => {
            "Tokenet mangler, er utløpt eller er ikke for dette registeret: logg inn på nytt, og kontroller miljøet."
        }
        "Log in with an ID-porten level (idporten-loa-substantial or high), not an e-mail login." => {
            "Logg inn med et ID-porten-nivå (idporten-loa-substantial eller high), ikke med e-post."
        }
        "Ask for a read scope of this register's dialect (see the scope list)." => {
            "Be om et leseomfang i dette registerets dialekt (se omfangslisten)."
        }
        "Wait and try again." => "Vent litt og prøv igjen.",
        "Try again later; if it persists, report it to the register's operator." => {
            "Prøv igjen senere; skjer det igjen, meld fra til registerets driftsoperatør."
        }
        "Check the person URL and the Accept type." => "Kontroller personadressen og Accept-typen.",
        _ => return None,
    })
}
