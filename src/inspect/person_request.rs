//! The `GET` of the person URL: the access token presented as `Bearer`, or for a DPoP-bound token as `DPoP` with
//! a proof (RFC 9449 §7); a register that asks for a DPoP nonce (401 `use_dpop_nonce`) is asked once more with it.
//! Every exchange is recorded, the token redacted.

use std::time::Instant;

use super::report::Accept;
use crate::oidc::dpop::{self, DpopKey};
use crate::oidc::http::{self, HttpExchange};
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
    let result: Result<PersonAnswer, LoginError> = async {
        let mut request = http_client.get(url).header("accept", accept.media_type());
        for (name, value) in dpop::resource_headers("GET", url, token, dpop)? {
            request = request.header(name, value);
        }
        let request = request.build().map_err(|e| http::classify(&e, url))?;
        ex.request_headers = http::redact_headers(request.headers());
        let r = http_client
            .execute(request)
            .await
            .map_err(|e| http::classify(&e, url))?;
        let status = r.status().as_u16();
        ex.status = Some(status);
        ex.response_headers = http::redact_headers(r.headers());
        if let Some(key) = dpop {
            key.remember_nonce(url, r.headers());
            wants_nonce = dpop::resource_wants_nonce(status, r.headers());
        }
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, www_authenticate, retry_after) = (
            header("content-type"),
            header("www-authenticate"),
            header("retry-after"),
        );
        let body = http::read_limited(r, url, http::MAX_BODY).await?;
        // The /person body holds no secret: it is kept exactly as received for the Raw tab.
        ex.response_body = Some(String::from_utf8_lossy(&body).into_owned());
        Ok(PersonAnswer {
            status,
            content_type,
            www_authenticate,
            retry_after,
            body,
        })
    }
    .await;
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex, wants_nonce)
}
