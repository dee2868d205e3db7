//! The one way this client POSTs a form to the provider (token, refresh, PAR, introspection, revocation):
//! client authentication from [`ClientAuth`], our HTTP client (no redirects, timeouts, size limit), and a record of
//! the exchange with every secret redacted (form members, `Authorization`, JSON members). With a DPoP key, each
//! POST carries a proof (RFC 9449 §5), and a token request the provider answers with `use_dpop_nonce` is sent once
//! more with the nonce it gave (§8).

use std::time::Instant;

use super::client_auth::ClientAuth;
use super::dpop::{self, DpopKey};
use super::http::{self, HttpExchange, MAX_BODY, redact_form, redact_headers, redact_json};
use super::{LoginError, TokenFields, parse_token_response};

/// A form to POST.
#[derive(Clone)]
pub struct FormPost<'a> {
    /// What the call is for, as the HTTP tab names it: `token`, `refresh`, `par`, `introspect`, `revoke`.
    pub step: &'a str,
    pub url: &'a str,
    pub form: Vec<(String, String)>,
    /// The client's authentication, added to the form or as a header; `None` sends the form as it is.
    pub auth: Option<&'a ClientAuth>,
    /// Extra request headers, shown in the record as sent unless secret.
    pub headers: Vec<(String, String)>,
    /// This session's DPoP key: a `DPoP` proof for this POST (with the endpoint's latest nonce) is sent.
    pub dpop: Option<&'a DpopKey>,
}

/// The provider's answer, whatever its status.
#[derive(Debug)]
pub struct FormReply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl FormReply {
    /// The RFC 6749 §5.2 error of a refused request: `error` (or `HTTP {status}` when the body has none) and
    /// `error_description`.
    pub fn oauth_error(&self) -> (String, String) {
        let v: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        let text = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let error = text("error");
        (
            if error.is_empty() {
                format!("HTTP {}", self.status)
            } else {
                error
            },
            text("error_description"),
        )
    }
}

/// POSTs `post`; the reply (any status) or why none came, and the redacted record.
pub async fn post_form(
    http_client: &reqwest::Client,
    post: FormPost<'_>,
) -> (Result<FormReply, LoginError>, HttpExchange) {
    let FormPost {
        step,
        url,
        mut form,
        auth,
        mut headers,
        dpop,
    } = post;
    let mut ex = HttpExchange {
        step: step.into(),
        method: "POST".into(),
        url: url.into(),
        ..HttpExchange::default()
    };
    if let Some(key) = dpop {
        match key.proof_for("POST", url, None) {
            Ok(proof) => headers.push(("DPoP".into(), proof)),
            Err(e) => {
                let e = LoginError::Dpop(e);
                ex.error = Some(e.to_string());
                return (Err(e), ex);
            }
        }
    }
    let authorization = match auth.map(|a| a.apply(&mut form)).transpose() {
        Ok(a) => a.flatten(),
        Err(e) => {
            ex.error = Some(e.to_string());
            return (Err(e), ex);
        }
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    ex.request_body = Some(redact_form(body.as_bytes()));
    let started = Instant::now();
    let result = async {
        let mut request = http_client
            .post(url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(a) = &authorization {
            request = request.header("authorization", a);
        }
        for (k, v) in &headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let built = request.build().map_err(|e| http::classify(&e, url))?;
        ex.request_headers = redact_headers(built.headers());
        let r = http_client
            .execute(built)
            .await
            .map_err(|e| http::classify(&e, url))?;
        let status = r.status().as_u16();
        ex.status = Some(status);
        ex.response_headers = redact_headers(r.headers());
        let headers = r.headers().clone();
        if let Some(key) = dpop {
            key.remember_nonce(url, &headers);
        }
        let bytes = http::read_limited(r, url, MAX_BODY).await?;
        ex.response_body = Some(redact_json(&bytes));
        Ok::<_, LoginError>(FormReply {
            status,
            headers,
            body: bytes,
        })
    }
    .await;
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}

/// A token request (code exchange or refresh): the fields of a 200 answer, or the endpoint's error. Every
/// exchange is returned: two when the provider asked for a DPoP nonce first.
pub async fn token_request(
    http_client: &reqwest::Client,
    post: FormPost<'_>,
) -> (Result<TokenFields, LoginError>, Vec<HttpExchange>) {
    let again = post.dpop.is_some().then(|| post.clone());
    let (reply, first) = post_form(http_client, post).await;
    let mut exchanges = vec![first];
    // RFC 9449 §8: the provider refused the proof for want of its nonce, and gave one; the proof made for the
    // second request carries it (the provider consumes nothing, the code included, when it asks for a nonce).
    let reply = match (reply, again) {
        (Ok(r), Some(again)) if dpop::token_endpoint_wants_nonce(r.status, &r.headers, &r.body) => {
            let (reply, second) = post_form(http_client, again).await;
            exchanges.push(second);
            reply
        }
        (reply, _) => reply,
    };
    let mut ex = exchanges.pop().unwrap_or_default();
    let result = reply.and_then(|reply| {
        if reply.status == 200 {
            parse_token_response(&reply.body)
        } else {
            let (error, description) = reply.oauth_error();
            Err(LoginError::TokenEndpoint { error, description })
        }
    });
    if let Err(e) = &result
        && ex.error.is_none()
    {
        ex.error = Some(e.to_string());
    }
    exchanges.push(ex);
    (result, exchanges)
}
