//! The `GET` of the person URL: the access token presented as `Bearer`, or for a DPoP-bound token as `DPoP` with
//! a proof (RFC 9449 §7); a register that asks for a DPoP nonce (401 `use_dpop_nonce`) is asked once more with it.
//! Every exchange is recorded, the token redacted.

use std::time::Instant;

use super::report::Accept;
use crate::oidc::dpop::{self, DpopKey};
use crate::oidc::http::HttpExchange;
use crate::oidc::resource::{self, ResourceError};
use crate::oidc::{LoginError, Secret};

/// The register's answer to `GET /person`, with the headers the report reads.
pub(crate) struct PersonAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// GETs the person URL with `token` (with `dpop`: a DPoP-bound token and this session's key). The answer, or why
/// none came, and every exchange (two when the register asked for a DPoP nonce).
pub(crate) async fn get_person(
    http_client: &reqwest::Client,
    url: &str,
    token: &Secret,
    dpop: Option<&DpopKey>,
    accept: Accept,
) -> (Result<PersonAnswer, LoginError>, Vec<HttpExchange>) {
    let (mut result, first, wants_nonce) = get_once(http_client, url, token, dpop, accept).await;
    let mut exchanges = vec![first];
    // RFC 9449 §9: the register gave a nonce and wants it in the proof. Asked once more only, so a register that
    // keeps asking is reported, not looped on.
    if wants_nonce {
        let (again, second, _) = get_once(http_client, url, token, dpop, accept).await;
        exchanges.push(second);
        result = again;
    }
    (result, exchanges)
}

async fn get_once(
    http_client: &reqwest::Client,
    url: &str,
    token: &Secret,
    dpop: Option<&DpopKey>,
    accept: Accept,
) -> (Result<PersonAnswer, LoginError>, HttpExchange, bool) {
    let started = Instant::now();
    let mut ex = HttpExchange {
        step: "person".into(),
        method: "GET".into(),
        url: url.into(),
        ..HttpExchange::default()
    };
    let mut wants_nonce = false;
    let request = http_client.get(url).header("accept", accept.media_type());
    let result = resource::send(http_client, request, token, dpop, &mut ex)
        .await
        .map(|a| {
            if let Some(key) = dpop {
                key.remember_nonce(url, &a.headers);
                wants_nonce = dpop::resource_wants_nonce(a.status, &a.headers);
            }
            let header = |name: &str| {
                a.headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            // The /person body holds no secret: it is kept exactly as received for the Raw tab.
            ex.response_body = Some(String::from_utf8_lossy(&a.body).into_owned());
            PersonAnswer {
                status: a.status,
                content_type: header("content-type"),
                www_authenticate: header("www-authenticate"),
                retry_after: header("retry-after"),
                body: a.body,
            }
        })
        .map_err(|e| match e {
            ResourceError::Http(e) => LoginError::from(e),
            ResourceError::Dpop(e) => LoginError::from(e),
        });
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex, wants_nonce)
}
