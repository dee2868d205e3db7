//! Changing the person's preferred language (`PATCH /person` with `spraak`), the one write the register offers
//! its users. A DPoP-bound token is presented with a proof, and a register that asks for a DPoP nonce is asked once
//! more with it (RFC 9449 §9).

use serde_json::Value;

use super::report::Inspection;
use crate::config::url_policy::check_destination;
use crate::oidc::dpop::{self, DpopKey};
use crate::oidc::http;
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

/// Changes the person's preferred language (`PATCH` on the person URL). Returns the register's new `spraak`: from
/// the record when the register answers 200 with it, the requested one when it answers 204 No Content. `dpop`: the
/// session's key, for a DPoP-bound token.
pub async fn change_language(
    http_client: &reqwest::Client,
    person_url: &str,
    token: &Secret,
    dpop: Option<&DpopKey>,
    spraak: crate::krr::Spraak,
) -> Result<String, LanguageChangeError> {
    use crate::krr::CodeList;
    check_destination("the person URL", person_url)?;
    let mut attempt = 0;
    let r = loop {
        let mut request = http_client
            .patch(person_url)
            .header("accept", "application/json")
            .json(&serde_json::json!({"spraak": spraak.code()}));
        for (name, value) in dpop::resource_headers("PATCH", person_url, token, dpop)? {
            request = request.header(name, value);
        }
        let r = request
            .send()
            .await
            .map_err(|e| http::classify(&e, person_url))?;
        attempt += 1;
        let Some(key) = dpop else { break r };
        key.remember_nonce(person_url, r.headers());
        if attempt > 1 || !dpop::resource_wants_nonce(r.status().as_u16(), r.headers()) {
            break r;
        }
    };
    let status = r.status().as_u16();
    let body = http::read_limited(r, person_url, http::MAX_BODY).await?;
    let text = String::from_utf8_lossy(&body).into_owned();
    match status {
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
    }
}
