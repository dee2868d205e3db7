//! The refresh grant (RFC 6749 §6): new tokens for a refresh token, optionally for a narrower scope (never a wider
//! one). The client authenticates as at the code exchange; the exchange is recorded with its secrets redacted.

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::http::{self, HttpExchange, MAX_BODY, redact_form, redact_headers, redact_json};
use super::{LoginError, LoginOutcome, ProviderMetadata, Secret, parse_token_response};
use crate::config::{AuthMethod, ClientRegistration};

/// Refreshes `refresh_token` at the provider's token endpoint; `scope` narrows the new access token.
/// The outcome carries the provider's rotated refresh token (or none) and no id_token checks.
pub async fn refresh(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    client: &ClientRegistration,
    client_secret: Option<&Secret>,
    refresh_token: &Secret,
    scope: Option<&[String]>,
) -> (Result<LoginOutcome, LoginError>, HttpExchange) {
    let url = provider.token_endpoint.clone();
    let mut form: Vec<(&str, String)> = vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh_token.expose().to_owned()),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope.join(" ")));
    }
    let mut basic = None;
    match (client.auth_method, client_secret) {
        (AuthMethod::ClientSecretBasic, Some(secret)) => {
            // RFC 6749 §2.3.1: form-urlencoded id and secret, then Basic.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            basic = Some(STANDARD.encode(format!(
                "{}:{}",
                enc(&client.client_id),
                enc(secret.expose())
            )));
        }
        (AuthMethod::ClientSecretPost, Some(secret)) => {
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_secret", secret.expose().to_owned()));
        }
        _ => form.push(("client_id", client.client_id.clone())),
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let started = Instant::now();
    let mut ex = HttpExchange {
        step: "refresh".into(),
        method: "POST".into(),
        url: url.clone(),
        request_headers: vec![
            ("accept".into(), "application/json".into()),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        request_body: Some(redact_form(body.as_bytes())),
        ..HttpExchange::default()
    };
    if basic.is_some() {
        ex.request_headers
            .push(("authorization".into(), "Basic [redacted]".into()));
    }
    let result = async {
        let mut request = http_client
            .post(&url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(b) = &basic {
            request = request.header("authorization", format!("Basic {b}"));
        }
        let r = request
            .send()
            .await
            .map_err(|e| LoginError::Http(http::classify(&e, &url)))?;
        let status = r.status().as_u16();
        ex.status = Some(status);
        ex.response_headers = redact_headers(r.headers());
        let bytes = http::read_limited(r, &url, MAX_BODY).await?;
        ex.response_body = Some(redact_json(&bytes));
        if status != 200 {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let text = |k: &str| {
                v.get(k)
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            return Err(LoginError::TokenEndpoint {
                error: if text("error").is_empty() {
                    format!("HTTP {status}")
                } else {
                    text("error")
                },
                description: text("error_description"),
            });
        }
        let fields = parse_token_response(&bytes)?;
        Ok(LoginOutcome {
            provider: provider.clone(),
            redirect_uri: String::new(),
            access_token: fields.access_token,
            id_token: fields.id_token,
            refresh_token: fields.refresh_token,
            token_type: fields.token_type,
            expires_in: fields.expires_in,
            scopes_granted: fields.scopes_granted,
            id_token_checks: Vec::new(),
            id_claims: None,
        })
    }
    .await;
    ex.duration_ms = started.elapsed().as_millis() as u64;
    if let Err(e) = &result {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}
