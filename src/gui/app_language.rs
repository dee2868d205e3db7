//! The Person tab's Administration: the language change (`PATCH /person`) with the token the session has now (a
//! refresh in the Tokens tab replaced the login's), or, for a result without a live session, the result's own.
//! Said at once when it cannot succeed (expired, revoked, logged out, no token); each change is kept in the result
//! (`language_changes`), so its exchanges are in the HTTP tab and in what is saved.

use std::sync::Arc;

use eframe::egui;

use super::InspectorApp;
use crate::gui::commands::Notice;
use crate::gui::tasks::TaskName;
use crate::gui::worker;
use crate::inspect::language::LanguageChange;
use crate::krr::{Lang, Spraak};
use crate::oidc::{DpopKey, Secret};

/// The access token a write presents, and the DPoP key it is presented with (for a bound token).
type WriteToken = (Secret, Option<DpopKey>);

impl InspectorApp {
    /// The token the language change would send, or why none can be sent; `None` without a result with tokens.
    pub(super) fn write_token(&self) -> Option<Result<WriteToken, String>> {
        let lang = self.lang();
        let t = self.result.as_ref()?.token.as_ref()?;
        let now = chrono::Utc::now();
        let expired = |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|at| at <= now);
        let no = |nb: &str, en: &str| Some(Err(lang.pick(nb, en).to_owned()));
        if self.session.logged_out {
            return no(
                "Økten er logget ut, så tokenet brukes ikke mer: slå opp på nytt for å logge inn igjen.",
                "The session was logged out, so its token is not used any more: look up again to log in afresh.",
            );
        }
        match &self.session.live {
            Some(s) if s.is_revoked() => no(
                "Tokenene er tilbakekalt: slå opp på nytt for å få nye.",
                "The tokens were revoked: look up again to get new ones.",
            ),
            Some(s) if expired(s.expires_at()) => no(
                "Tilgangstokenet er utløpt: forny det i Tokens-fanen, eller slå opp på nytt.",
                "The access token has expired: refresh it in the Tokens tab, or look up again.",
            ),
            Some(s) => Some(Ok((s.access_token().clone(), s.resource_key().cloned()))),
            // A result from a file keeps no token, only its length.
            None if !t.access_token.is_available() || t.access_token.is_empty() => no(
                "Dette resultatet har ikke noe token å sende (det er åpnet fra en fil): slå opp på nytt.",
                "This result has no token to send (it was opened from a file): look up again.",
            ),
            // A request with an expired token only comes back 401: say why now instead.
            None if expired(t.expires_at) => no(
                "Tilgangstokenet er utløpt: slå opp på nytt for å få et nytt.",
                "The access token has expired: look up again to get a new one.",
            ),
            None => Some(Ok((t.access_token.clone(), t.resource_key().cloned()))),
        }
    }

    /// Whether a language change would be refused at once (then no question is asked: `change_language` says why).
    pub(super) fn language_change_refused(&self) -> bool {
        matches!(self.write_token(), Some(Err(_)))
    }

    /// Changes the preferred language of the person in the current result with the current access token.
    pub fn change_language(&mut self, spraak: Spraak, ctx: &egui::Context) {
        let Some(i) = &self.result else { return };
        let person_url = i.environment.person_url.clone();
        let (token, dpop) = match self.write_token() {
            None => return,
            Some(Err(why)) => {
                self.views.person.language_status = Some(Err(Notice(why)));
                return;
            }
            Some(Ok(t)) => t,
        };
        self.views.person.language_status = None;
        let running =
            worker::start_language_change(&self.services, person_url, token, dpop, spraak, ctx);
        self.tasks.insert(TaskName::LanguageChange, running);
    }

    /// A change ended: the Person tab says what became of it, the result keeps it (its exchanges for the HTTP tab).
    pub(super) fn language_changed(&mut self, change: LanguageChange) {
        let lang = self.lang();
        self.views.person.language_status = Some(match (&change.spraak, &change.error) {
            (_, Some(e)) => Err(Notice(e.clone())),
            (Some(code), None) => Ok(match lang {
                Lang::Nb => {
                    format!("Språket er endret til «{code}». Slå opp på nytt for å se det.")
                }
                Lang::En => format!("The language is now '{code}'. Look up again to see it."),
            }),
            (None, None) => Err(Notice(
                lang.pick("Registeret svarte ikke.", "The register did not answer.")
                    .to_owned(),
            )),
        });
        if let Some(r) = &self.result {
            let mut i = (**r).clone();
            i.language_changes.push(change);
            self.result = Some(Arc::new(i));
        }
    }
}
