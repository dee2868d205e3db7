//! OpenID Provider discovery: read the endpoints from the issuer's metadata, never build them from the issuer.

use serde_json::Value;

use super::LoginError;
use super::http::{HttpExchange, get_json};
use crate::config::url_policy::check_destination;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    /// RFC 7009 token revocation.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// RFC 7662 token introspection.
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    /// RFC 9207: the provider sends `iss` on the authorization response, so its absence is an attack sign.
    pub iss_parameter_supported: bool,
}

/// `{issuer}/.well-known/openid-configuration`, with the issuer's trailing slash (Difi's style) not doubled.
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// HTTPS everywhere except loopback IP literals (the one policy: `config::url_policy`).
pub fn require_secure(what: &str, url: &str) -> Result<(), LoginError> {
    check_destination(what, url)
        .map(|_| ())
        .map_err(LoginError::Insecure)
}

pub async fn discover(
    http: &reqwest::Client,
    issuer: &str,
) -> (Result<ProviderMetadata, LoginError>, HttpExchange) {
    let url = discovery_url(issuer);
    if let Err(e) = require_secure("the issuer", issuer) {
        return (
            Err(e),
            HttpExchange {
                step: "discovery".into(),
                url,
                ..HttpExchange::default()
            },
        );
    }
    let (result, exchange) = get_json(http, "discovery", &url).await;
    (
        result
            .map_err(LoginError::Http)
            .and_then(|doc| parse(&doc, issuer)),
        exchange,
    )
}

/// What is wrong with a discovery document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the discovery document is not JSON: {detail}")]
    NotJson { detail: String },
    #[error("the discovery document has no \"{member}\"")]
    Missing { member: String },
    #[error(
        "the discovery document says issuer \"{document}\", but the environment's issuer is \"{configured}\": \
         they must be identical (mix-up defence); fix the environment's issuer"
    )]
    IssuerMismatch {
        document: String,
        configured: String,
    },
    #[error("the provider does not support PKCE S256")]
    NoPkceS256,
}

/// Reads a discovery document's bytes (what `discover` fetched), with the issuer and URL checks.
pub fn parse_document(body: &[u8], issuer: &str) -> Result<ProviderMetadata, LoginError> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| DiscoveryError::NotJson {
        detail: e.to_string(),
    })?;
    parse(&doc, issuer)
}

fn parse(doc: &Value, issuer: &str) -> Result<ProviderMetadata, LoginError> {
    let get = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    let required = |k: &str| {
        get(k).ok_or_else(|| DiscoveryError::Missing {
            member: k.to_owned(),
        })
    };
    let doc_issuer = required("issuer")?;
    if doc_issuer != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            document: doc_issuer,
            configured: issuer.to_owned(),
        }
        .into());
    }
    if let Some(methods) = doc
        .get("code_challenge_methods_supported")
        .and_then(Value::as_array)
        && !methods.iter().any(|m| m == "S256")
    {
        return Err(DiscoveryError::NoPkceS256.into());
    }
    let meta = ProviderMetadata {
        issuer: doc_issuer,
        authorization_endpoint: required("authorization_endpoint")?,
        token_endpoint: required("token_endpoint")?,
        jwks_uri: required("jwks_uri")?,
        userinfo_endpoint: get("userinfo_endpoint"),
        end_session_endpoint: get("end_session_endpoint"),
        revocation_endpoint: get("revocation_endpoint"),
        introspection_endpoint: get("introspection_endpoint"),
        iss_parameter_supported: doc
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            == Some(true),
    };
    for (what, url) in [
        ("authorization_endpoint", &meta.authorization_endpoint),
        ("token_endpoint", &meta.token_endpoint),
        ("jwks_uri", &meta.jwks_uri),
    ] {
        require_secure(what, url)?;
    }
    // Optional endpoints a token is sent to later (userinfo, logout, revocation, introspection): refused as soon
    // as they are read.
    for (what, url) in [
        ("userinfo_endpoint", &meta.userinfo_endpoint),
        ("end_session_endpoint", &meta.end_session_endpoint),
        ("revocation_endpoint", &meta.revocation_endpoint),
        ("introspection_endpoint", &meta.introspection_endpoint),
    ] {
        if let Some(url) = url {
            require_secure(what, url)?;
        }
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_and_issuer_rules() {
        assert_eq!(
            discovery_url("https://test.idporten.no"),
            "https://test.idporten.no/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://oidc-ver2.difi.no/idporten-oidc-provider/"),
            "https://oidc-ver2.difi.no/idporten-oidc-provider/.well-known/openid-configuration"
        );
        let doc = json!({"issuer": "https://a.example", "authorization_endpoint": "https://a.example/authorize",
            "token_endpoint": "https://a.example/token", "jwks_uri": "https://a.example/jwks"});
        assert!(parse(&doc, "https://a.example").is_ok());
        let e = parse(&doc, "https://a.example/").unwrap_err().to_string();
        assert!(e.contains("must be identical"), "{e}");
        let mut insecure = doc.clone();
        insecure["token_endpoint"] = json!("http://a.example/token");
        assert!(matches!(
            parse(&insecure, "https://a.example"),
            Err(LoginError::Insecure(_))
        ));
        assert!(require_secure("x", "http://127.0.0.1:7070/authorize").is_ok());
        assert!(require_secure("x", "http://[::1]:7070/authorize").is_ok());
    }
}
