//! One request to a resource server with the access token (the register's GET and PATCH of /person, userinfo):
//! `Bearer`, or `DPoP` with a proof by the session's key (RFC 9449 §7). The request is recorded as sent (token
//! redacted, a proof without its signature), then the answer's status and headers; the body is read, capped.
//! Each caller judges the answer and records the body as it must (kept, or with secrets redacted).

use reqwest::header::HeaderMap;

use super::Secret;
use super::dpop::{self, DpopError, DpopKey};
use super::http::{self, HttpError, HttpExchange};

/// Why no answer came.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Dpop(#[from] DpopError),
}

/// The answer as received.
pub struct ResourceAnswer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Sends `request` (method and URL as in `ex`, its other headers set) with `token`, recording into `ex`.
pub async fn send(
    http_client: &reqwest::Client,
    mut request: reqwest::RequestBuilder,
    token: &Secret,
    dpop: Option<&DpopKey>,
    ex: &mut HttpExchange,
) -> Result<ResourceAnswer, ResourceError> {
    let url = ex.url.clone();
    for (name, value) in dpop::resource_headers(&ex.method, &url, token, dpop)? {
        request = request.header(name, value);
    }
    let request = request.build().map_err(|e| http::classify(&e, &url))?;
    ex.request_headers = http::redact_headers(request.headers());
    let r = http_client
        .execute(request)
        .await
        .map_err(|e| http::classify(&e, &url))?;
    let status = r.status().as_u16();
    ex.status = Some(status);
    ex.response_headers = http::redact_headers(r.headers());
    let headers = r.headers().clone();
    let body = http::read_limited(r, &url, http::MAX_BODY).await?;
    Ok(ResourceAnswer {
        status,
        headers,
        body,
    })
}
