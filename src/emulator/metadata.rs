//! What a client reads before it logs in: the discovery document of each generation and the JWKS of the token
//! key.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as AxState;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::clients::AUTH_METHODS;
use super::fault_effects;
use super::state::State;
use super::testid::EMAIL_ACR;
use super::urls;
use crate::krr::ScopeDialect;
use crate::krr::login::{LOGIN_LOCALE_CODES, acr_levels};
use crate::krr::scopes::SCOPES;

type S = AxState<Arc<State>>;

pub async fn jwks(AxState(state): S) -> Response {
    if let Some(faulty) = fault_effects::jwks(&state.faults(), &state.keys).await {
        return faulty;
    }
    Json(state.keys.token_jwks()).into_response()
}

/// `/.well-known/openid-configuration` of each generation (Difi's under its prefix).
pub async fn discovery(AxState(state): S, uri: Uri) -> Response {
    let dialect = urls::dialect_of(uri.path());
    let issuer = urls::issuer(dialect, &state.base_url);
    let (authorize, token, jwks, userinfo, logout) = match dialect {
        ScopeDialect::Digdir => {
            let b = &state.base_url;
            (
                format!("{b}/authorize"),
                format!("{b}/token"),
                format!("{b}/jwks.json"),
                format!("{b}/userinfo"),
                format!("{b}/logout"),
            )
        }
        ScopeDialect::Difi => (
            format!("{issuer}authorize"),
            format!("{issuer}token"),
            format!("{issuer}jwk"),
            format!("{issuer}userinfo"),
            format!("{issuer}endsession"),
        ),
    };
    // TEST's are `{issuer}/token/revoke` and `{issuer}/token/introspect`; Difi's sit beside its other endpoints.
    let (revocation, introspection) = match dialect {
        ScopeDialect::Digdir => (
            format!("{issuer}/token/revoke"),
            format!("{issuer}/token/introspect"),
        ),
        ScopeDialect::Difi => (format!("{issuer}revoke"), format!("{issuer}tokeninfo")),
    };
    // As TEST's: only the OpenID scopes; API scopes such as `krr:user/*` are never listed.
    let scopes: Vec<&str> = SCOPES
        .iter()
        .filter(|s| s.dialect.is_none())
        .map(|s| s.name)
        .collect();
    // An e-mail login is Digdir's only.
    let acr_values: Vec<&str> = acr_levels(dialect)
        .iter()
        .copied()
        .chain((dialect == ScopeDialect::Digdir).then_some(EMAIL_ACR))
        .collect();
    let mut doc = json!({
        "issuer": fault_effects::discovery_issuer(&state.faults(), issuer),
        "authorization_endpoint": authorize,
        "token_endpoint": token,
        "jwks_uri": jwks,
        "userinfo_endpoint": userinfo,
        "end_session_endpoint": logout,
        "revocation_endpoint": revocation,
        "introspection_endpoint": introspection,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": super::dpop::ALGS,
        "scopes_supported": scopes,
        "acr_values_supported": acr_values,
        "ui_locales_supported": LOGIN_LOCALE_CODES,
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": ["iss", "sub", "aud", "pid", "acr", "amr", "nonce", "locale", "auth_time", "sid", "exp", "iat", "jti"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "frontchannel_logout_supported": false,
    });
    // PAR (RFC 9126) as TEST has it: the Digdir generation only (Difi's never had it).
    if dialect == ScopeDialect::Digdir {
        doc["pushed_authorization_request_endpoint"] = json!(format!("{}/par", state.base_url));
        doc["require_pushed_authorization_requests"] = json!(state.require_par);
    }
    Json(doc).into_response()
}
