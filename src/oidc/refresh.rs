//! The refresh grant (RFC 6749 §6): new tokens for a refresh token, optionally for a narrower scope (never a wider
//! one). The client authenticates as at the code exchange; the exchange is recorded with its secrets redacted.

use super::backchannel::{FormPost, token_request};
use super::client_auth::ClientAuth;
use super::http::HttpExchange;
use super::{LoginError, LoginOutcome, ProviderMetadata, Secret};

/// Refreshes `refresh_token` at the provider's token endpoint; `scope` narrows the new access token.
/// The outcome carries the provider's rotated refresh token (or none) and no id_token checks.
pub async fn refresh(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    auth: &ClientAuth,
    refresh_token: &Secret,
    scope: Option<&[String]>,
) -> (Result<LoginOutcome, LoginError>, HttpExchange) {
    let mut form = vec![
        ("grant_type".to_owned(), "refresh_token".to_owned()),
        (
            "refresh_token".to_owned(),
            refresh_token.expose().to_owned(),
        ),
    ];
    if let Some(scope) = scope {
        form.push(("scope".to_owned(), scope.join(" ")));
    }
    let post = FormPost {
        step: "refresh",
        url: &provider.token_endpoint,
        form,
        auth: Some(auth),
        headers: Vec::new(),
    };
    let (fields, ex) = token_request(http_client, post).await;
    let result = fields.map(|fields| LoginOutcome {
        provider: provider.clone(),
        redirect_uri: String::new(),
        access_token: fields.access_token,
        id_token: fields.id_token,
        refresh_token: fields.refresh_token,
        refresh_token_expires_in: fields.refresh_token_expires_in,
        token_type: fields.token_type,
        expires_in: fields.expires_in,
        scopes_granted: fields.scopes_granted,
        id_token_checks: Vec::new(),
        id_claims: None,
    });
    (result, ex)
}
