//! Changing the person's preferred language (`PATCH /person` with `spraak`), the one write the register offers
//! its users. A DPoP-bound token is presented with a proof, and a register that asks for a DPoP nonce is asked once
//! more with it (RFC 9449 §9).

use std::time::Instant;

use serde_json::Value;

pub use super::language_report::LanguageChange;
use super::report::Inspection;
use crate::config::url_policy::check_destination;
use crate::oidc::dpop::{self, DpopKey};
use crate::oidc::http::{self, HttpExchange};
use crate::oidc::resource::{self, ResourceError};
use crate::oidc::{DpopError, Secret};

/// Does the token of this inspection allow `PATCH {"spraak": ...}`?
pub fn can_change_language(i: &Inspection) -> bool {
    i.token.as_ref().is_some_and(|t| {
        t.scopes_granted
            .iter()
            .any(|s| crate::krr::scopes::is_write_scope(s))
    })
}

/// Why the language could not be changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LanguageChangeError {
    #[error(transparent)]
    Insecure(#[from] crate::config::url_policy::UnsafeUrl),
    #[error(transparent)]
    Http(#[from] http::HttpError),
    #[error(transparent)]
    Dpop(#[from] DpopError),
    #[error("the register answered 200 without spraak: {body}")]
    NoSpraak { body: String },
    #[error("the token has expired or was refused (401): log in again")]
    Unauthorized,
    #[error("the token lacks the write scope (403): ask for krr:user/spraak.write")]
    Forbidden,
    #[error("the register answered {status}: {body}")]
    Status { status: u16, body: String },
}

impl From<ResourceError> for LanguageChangeError {
    fn from(e: ResourceError) -> LanguageChangeError {
        match e {
            ResourceError::Http(e) => LanguageChangeError::Http(e),
            ResourceError::Dpop(e) => LanguageChangeError::Dpop(e),
        }
    }
}

/// Changes the person's preferred language (`PATCH` on the person URL). Returns the register's new `spraak`: from
/// the record when the register answers 200 with it, the requested one when it answers 204 No Content. `dpop`: the
/// session's key, for a DPoP-bound token. Every request sent is recorded, its token redacted.
pub async fn change_language(
    http_client: &reqwest::Client,
    person_url: &str,
    token: &Secret,
    dpop: Option<&DpopKey>,
    spraak: crate::krr::Spraak,
) -> (Result<String, LanguageChangeError>, Vec<HttpExchange>) {
    use crate::krr::CodeList;
    if let Err(e) = check_destination("the person URL", person_url) {
        return (Err(e.into()), Vec::new());
    }
    // The body as sent is the body as recorded: it holds no secret.
    let body = serde_json::json!({"spraak": spraak.code()}).to_string();
    let mut exchanges = Vec::new();
    let answer = loop {
        let (answer, ex) = patch_once(http_client, person_url, token, dpop, &body).await;
        exchanges.push(ex);
        let Ok((status, headers, _)) = &answer else {
            break answer;
        };
        let Some(key) = dpop else { break answer };
        key.remember_nonce(person_url, headers);
        // RFC 9449 §9: asked once more with the register's nonce, never looped on.
        if exchanges.len() > 1 || !dpop::resource_wants_nonce(*status, headers) {
            break answer;
        }
    };
    let result = answer.and_then(|(status, _, text)| match status {
        200 => serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("spraak").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| LanguageChangeError::NoSpraak {
                body: text.chars().take(200).collect(),
            }),
        // Digdir's own Postman collection shows 204: the change is accepted and the record is not sent back.
        204 => Ok(spraak.code().to_owned()),
        401 => Err(LanguageChangeError::Unauthorized),
        403 => Err(LanguageChangeError::Forbidden),
        status => Err(LanguageChangeError::Status {
            status,
            body: text.chars().take(200).collect(),
        }),
    });
    (result, exchanges)
}

type Answer = (u16, reqwest::header::HeaderMap, String);

/// One `PATCH` and its record: the status, headers and body of the answer, or why none came.
async fn patch_once(
    http_client: &reqwest::Client,
    url: &str,
    token: &Secret,
    dpop: Option<&DpopKey>,
    body: &str,
) -> (Result<Answer, LanguageChangeError>, HttpExchange) {
    let started = Instant::now();
    let mut ex = HttpExchange {
        step: "language".into(),
        method: "PATCH".into(),
        url: url.into(),
        request_body: Some(body.to_owned()),
        ..HttpExchange::default()
    };
    let request = http_client
        .patch(url)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .body(body.to_owned());
    let result = resource::send(http_client, request, token, dpop, &mut ex)
        .await
        .map(|a| {
            ex.response_body = (!a.body.is_empty()).then(|| http::redact_json(&a.body));
            (
                a.status,
                a.headers,
                String::from_utf8_lossy(&a.body).into_owned(),
            )
        })
        .map_err(LanguageChangeError::from);
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}
