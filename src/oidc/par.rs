//! Pushed authorization requests (RFC 9126): the authorization request's parameters are POSTed to the provider's
//! `pushed_authorization_request_endpoint` with the client's authentication (through [`backchannel`]), and the
//! browser gets only `client_id` and the `request_uri` the provider answered with. `state`, `nonce` and PKCE are
//! unchanged: they travel in the pushed request and are checked on the callback as always.
//!
//! [`backchannel`]: super::backchannel

use serde_json::Value;

use super::backchannel::{FormPost, post_form};
use super::client_auth::ClientAuth;
use super::http::HttpExchange;
use super::{LoginError, ProviderMetadata};
use crate::config::AuthMethod;

/// Whether this login pushes its authorization request: asked for (`--par`), or required by the provider.
pub fn uses_par(asked: bool, provider: &ProviderMetadata) -> bool {
    asked || provider.require_pushed_authorization_requests
}

/// Pushes the parameters of `authorize_url` (as the `oauth2` crate built it) and returns the URL to send the
/// browser to: the authorization endpoint with `client_id` and `request_uri` only; and the `expires_in` answered.
pub async fn push(
    http_client: &reqwest::Client,
    provider: &ProviderMetadata,
    auth: &ClientAuth,
    authorize_url: &url::Url,
) -> (Result<(url::Url, Option<u64>), LoginError>, HttpExchange) {
    let Some(endpoint) = provider.pushed_authorization_request_endpoint.as_deref() else {
        let ex = HttpExchange {
            step: "par".into(),
            method: "POST".into(),
            ..HttpExchange::default()
        };
        return (Err(LoginError::ParUnavailable), ex);
    };
    // The endpoint's own query (if it has one) stays on the URL; the rest is the request.
    let base = url::Url::parse(&provider.authorization_endpoint).ok();
    let own: Vec<(String, String)> = base
        .iter()
        .flat_map(|u| u.query_pairs().into_owned())
        .collect();
    let mut form: Vec<(String, String)> = authorize_url
        .query_pairs()
        .into_owned()
        .filter(|pair| !own.contains(pair))
        // `ClientAuth` adds `client_id` itself, except with HTTP Basic, where the request keeps its own.
        .filter(|(k, _)| k != "client_id" || auth.method == AuthMethod::ClientSecretBasic)
        .collect();
    if auth.method == AuthMethod::ClientSecretBasic && !form.iter().any(|(k, _)| k == "client_id") {
        form.push(("client_id".into(), auth.client_id.clone()));
    }
    let post = FormPost {
        step: "par",
        url: endpoint,
        form,
        auth: Some(auth),
        headers: Vec::new(),
        dpop: None,
    };
    let (reply, mut ex) = post_form(http_client, post).await;
    let result = reply.and_then(|reply| {
        if reply.status != 201 && reply.status != 200 {
            let (error, description) = reply.oauth_error();
            return Err(LoginError::Par { error, description });
        }
        let v: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
        let request_uri = v
            .get("request_uri")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| LoginError::Par {
                error: "unreadable response".into(),
                description: "the PAR answer has no request_uri (RFC 9126 §2.2)".into(),
            })?;
        let mut url = url::Url::parse(&provider.authorization_endpoint).map_err(|e| {
            LoginError::BadEndpoint {
                endpoint: "authorization_endpoint",
                detail: e.to_string(),
            }
        })?;
        url.query_pairs_mut()
            .append_pair("client_id", &auth.client_id)
            .append_pair("request_uri", request_uri);
        Ok((url, v.get("expires_in").and_then(Value::as_u64)))
    });
    if let Err(e) = &result
        && ex.error.is_none()
    {
        ex.error = Some(e.to_string());
    }
    (result, ex)
}
