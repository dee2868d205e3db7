//! HTTP for the login and lookup: one reqwest client (rustls), no redirects followed, a timeout on every request,
//! size limits on every body, errors a tester can act on, and a record of every exchange with secrets redacted.

use std::time::{Duration, Instant};

use serde::Serialize;

/// Largest body read from a provider or the register. A /person answer with a certificate is a few KiB.
pub const MAX_BODY: usize = 1 << 20;
/// Connect timeout and whole-request timeout for each call.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];
/// Form and JSON members whose values are secrets.
pub const SECRET_FIELDS: &[&str] = &[
    "code",
    "code_verifier",
    "client_secret",
    "access_token",
    "id_token",
    "refresh_token",
    "client_assertion",
    // RFC 7009 revocation and RFC 7662 introspection send the token itself as `token`.
    "token",
    // RP-initiated logout sends the id_token back as `id_token_hint`.
    "id_token_hint",
];

/// One request and its response, as the HTTP tab shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct HttpExchange {
    /// What this call was for: `discovery`, `jwks`, `token`, `person`, ...
    pub step: String,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    /// The request body with secret members redacted.
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// The response body with secret members redacted (the /person body is kept as received: it holds no secret).
    pub response_body: Option<String>,
    pub duration_ms: u64,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("cannot resolve the host of {url}: check the URL and your network (DNS)")]
    Dns { url: String },
    #[error(
        "connection refused by {url}: nothing listens there (is the service or emulator running?)"
    )]
    Refused { url: String },
    #[error(
        "TLS failed for {url}: {detail} (does the server speak https, with a certificate valid for this host?)"
    )]
    Tls { url: String, detail: String },
    #[error("{url} cannot be reached: no route to the host (check the network, VPN or proxy)")]
    Unreachable { url: String },
    #[error("{url} did not answer in time (the limit per request is set with --http-timeout)")]
    Timeout { url: String },
    #[error("{url} answered with more than {limit} bytes; refusing to read it all")]
    TooLarge { url: String, limit: usize },
    #[error("{url} answered {status} with {content_type}, not JSON: {snippet}")]
    NotJson {
        url: String,
        status: u16,
        content_type: String,
        snippet: String,
    },
    #[error("the HTTP client cannot be set up (TLS): {detail}")]
    Setup { detail: String },
    #[error("request to {url} failed: {detail}")]
    Other { url: String, detail: String },
}

/// The shared client: rustls with the bundled web PKI roots, no redirects (a redirect never carries a token on).
pub fn client() -> Result<reqwest::Client, HttpError> {
    client_with_timeout(REQUEST_TIMEOUT)
}

/// The shared client with another whole-request timeout (slow links). It fails only when the TLS stack cannot be
/// set up; there is no fallback, because any other client would follow redirects or wait forever.
pub fn client_with_timeout(timeout: Duration) -> Result<reqwest::Client, HttpError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .user_agent(concat!("krr-inspector/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| HttpError::Setup {
            detail: e.to_string(),
        })
}

/// Turns a reqwest error into one a tester can act on, from the error's kind (`is_timeout`, `is_connect`) and the
/// `io::ErrorKind` in its causes, never from message text:
/// - a refused connection, a timeout, an unreachable network say so;
/// - a connect error whose cause is `InvalidData` (how tokio-rustls reports a TLS failure) is TLS, as is any other
///   connect failure on https once the socket was reached;
/// - a connect error with no socket-level cause, to a host name (not an IP literal), is the name lookup: reqwest's
///   resolver is the only step before the socket that can fail.
pub fn classify(e: &reqwest::Error, url: &str) -> HttpError {
    use std::io::ErrorKind;
    let io_kind = {
        let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        let mut kind = None;
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                kind = Some(io.kind());
            }
            source = s.source();
        }
        kind
    };
    let innermost = {
        let mut s: &dyn std::error::Error = e;
        while let Some(next) = s.source() {
            s = next;
        }
        s.to_string()
    };
    let owned = url.to_owned();
    if e.is_timeout() || io_kind == Some(ErrorKind::TimedOut) {
        return HttpError::Timeout { url: owned };
    }
    if !e.is_connect() {
        return HttpError::Other {
            url: owned,
            detail: innermost,
        };
    }
    let host_is_ip = url::Url::parse(url).ok().is_some_and(|u| {
        matches!(
            u.host(),
            Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_))
        )
    });
    match io_kind {
        Some(ErrorKind::ConnectionRefused) => HttpError::Refused { url: owned },
        Some(ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable) => {
            HttpError::Unreachable { url: owned }
        }
        Some(ErrorKind::InvalidData) => HttpError::Tls {
            url: owned,
            detail: innermost,
        },
        Some(
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::UnexpectedEof,
        ) if url.starts_with("https://") => HttpError::Tls {
            url: owned,
            detail: innermost,
        },
        None | Some(_) if !host_is_ip && !reached_socket(io_kind) => HttpError::Dns { url: owned },
        _ if url.starts_with("https://") => HttpError::Tls {
            url: owned,
            detail: innermost,
        },
        _ => HttpError::Other {
            url: owned,
            detail: innermost,
        },
    }
}

/// Whether an I/O error kind can only come from a socket that exists (so the name lookup already succeeded).
fn reached_socket(kind: Option<std::io::ErrorKind>) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        kind,
        Some(
            ConnectionRefused
                | ConnectionReset
                | ConnectionAborted
                | NotConnected
                | BrokenPipe
                | UnexpectedEof
                | InvalidData
                | AddrNotAvailable
                | NetworkUnreachable
                | HostUnreachable
        )
    )
}

/// Reads a body up to `limit` bytes.
pub async fn read_limited(
    mut response: reqwest::Response,
    url: &str,
    limit: usize,
) -> Result<Vec<u8>, HttpError> {
    if response
        .content_length()
        .is_some_and(|n| n as usize > limit)
    {
        return Err(HttpError::TooLarge {
            url: url.to_owned(),
            limit,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, url))? {
        if body.len() + chunk.len() > limit {
            return Err(HttpError::TooLarge {
                url: url.to_owned(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub fn redact_headers(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_owned();
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                let scheme = v
                    .to_str()
                    .ok()
                    .and_then(|s| s.split_whitespace().next())
                    .unwrap_or("");
                format!("{scheme} [redacted]").trim_start().to_owned()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// A form body with secret fields redacted.
pub fn redact_form(body: &[u8]) -> String {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| {
            let v = if SECRET_FIELDS.contains(&k.as_ref()) {
                "[redacted]".into()
            } else {
                v.into_owned()
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A URL with the values of secret query parameters (`id_token_hint`, `code`, ...) redacted, for the record.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.query().is_some() => {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if SECRET_FIELDS.contains(&k.as_ref()) {
                        "[redacted]".into()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // Not a URL: nothing of it is kept, since its secrets cannot be found.
        Err(_) => "[not a URL]".into(),
    }
}

/// A JSON body with secret members redacted (any depth); non-JSON is returned as text.
pub fn redact_json(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            redact_value(&mut v);
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

fn redact_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) && val.is_string() {
                    *val = serde_json::Value::String("[redacted]".into());
                } else {
                    redact_value(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// A GET of JSON, recorded.
pub async fn get_json(
    http: &reqwest::Client,
    step: &str,
    url: &str,
) -> (Result<serde_json::Value, HttpError>, HttpExchange) {
    let started = Instant::now();
    let mut ex = HttpExchange {
        step: step.into(),
        method: "GET".into(),
        url: url.into(),
        ..HttpExchange::default()
    };
    let result = async {
        let r = http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| classify(&e, url))?;
        ex.status = Some(r.status().as_u16());
        ex.response_headers = redact_headers(r.headers());
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no Content-Type")
            .to_owned();
        let status = r.status().as_u16();
        let body = read_limited(r, url, MAX_BODY).await?;
        ex.response_body = Some(redact_json(&body));
        serde_json::from_slice(&body).map_err(|_| HttpError::NotJson {
            url: url.to_owned(),
            status,
            content_type,
            snippet: String::from_utf8_lossy(&body).chars().take(80).collect(),
        })
    }
    .await;
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_bodies() {
        assert_eq!(
            redact_form(b"grant_type=authorization_code&code=abc&code_verifier=xyz&client_id=me"),
            "grant_type=authorization_code&code=[redacted]&code_verifier=[redacted]&client_id=me"
        );
        let u = redact_url("http://127.0.0.1:1/logout?id_token_hint=eyJ.x.y&state=s");
        assert!(!u.contains("eyJ") && u.contains("state=s"), "{u}");
        assert_eq!(
            redact_form(b"token=abc&token_type_hint=refresh_token"),
            "token=[redacted]&token_type_hint=refresh_token"
        );
        let j = redact_json(br#"{"access_token":"a","token_type":"Bearer","nested":{"id_token":"b"},"expires_in":120}"#);
        assert!(
            !j.contains("\"a\"")
                && !j.contains("\"b\"")
                && j.contains("Bearer")
                && j.contains("120")
        );
    }
}
