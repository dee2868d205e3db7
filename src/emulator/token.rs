//! The token endpoint of each generation: client authentication, then the authorization-code grant (PKCE S256,
//! single-use codes bound to client, redirect URI and issuer; a replayed code revokes what it started) and the
//! refresh grant (rotating refresh tokens); access and id tokens signed with the provider's key.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{RawForm, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde_json::{Value, json};

use super::clients::{self, Client, ClientAuthError, constant_time_eq};
use super::fault_effects;
use super::grants::{
    CODE_LIFETIME_SECS, Grant, Login, REFRESH_LIFETIME_SECS, RefreshGrant, lock, pairwise_sub,
    random_token, token_key,
};
use super::reply::{no_store, params, token_error};
use super::state::State;
use super::urls;
use crate::jose::jwt;
use crate::krr::ScopeDialect;

type S = AxState<Arc<State>>;

/// A required parameter is missing (400 `invalid_request`).
fn missing(what: &str) -> Response {
    token_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &format!("{what} is missing"),
    )
}

fn invalid_client(why: &ClientAuthError) -> Response {
    let mut r = token_error(StatusCode::UNAUTHORIZED, "invalid_client", &why.to_string());
    if why.basic_attempted() {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"krr-emulator\""),
        );
    }
    r
}

/// `/token` (Digdir) and `/idporten-oidc-provider/token` (Difi).
pub async fn token(
    AxState(state): S,
    uri: Uri,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    if let Some(faulty) = fault_effects::token_refusal(&state.faults()).await {
        return faulty;
    }
    let dialect = urls::dialect_of(uri.path());
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => {
            return token_error(StatusCode::BAD_REQUEST, "invalid_request", &e.to_string());
        }
    };
    let client = match clients::authenticate(&state.clients, &headers, &p) {
        Ok(c) => c.clone(),
        Err(why) => return invalid_client(&why),
    };
    let request = TokenRequest {
        state: &state,
        dialect,
        client: &client,
        client_amr: clients::method_used(&headers, &p),
        p: &p,
    };
    match p.get("grant_type").map(String::as_str) {
        Some("authorization_code") => code_grant(request),
        Some("refresh_token") => refresh_grant(request),
        Some(other) => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type '{other}' is not supported"),
        ),
        None => missing("grant_type"),
    }
}

/// What both grants work on: the authenticated client's request to one generation's token endpoint.
#[derive(Clone, Copy)]
struct TokenRequest<'a> {
    state: &'a State,
    dialect: ScopeDialect,
    client: &'a Client,
    /// How the client authenticated (the access token's `client_amr`).
    client_amr: &'static str,
    p: &'a BTreeMap<String, String>,
}

/// RFC 6749 §5.2 `invalid_grant`: the code or refresh token cannot be used.
fn bad(description: &str) -> Response {
    token_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn code_grant(r: TokenRequest) -> Response {
    let TokenRequest {
        state,
        dialect,
        client,
        p,
        ..
    } = r;
    let Some(code) = p.get("code") else {
        return missing("code");
    };
    // Removed on first use: a code is single-use whatever happens next.
    let key = token_key(code);
    let Some(grant) = lock(&state.grants.codes).remove(&key) else {
        let replayed = lock(&state.grants.used_codes)
            .get(&key)
            .map(|(g, _)| g.clone());
        if let Some(family) = replayed {
            state.grants.revoke(&family, state.now());
            return bad(
                "the code was already used: the tokens issued from it are now revoked (RFC 6749 §4.1.2)",
            );
        }
        return bad("the code is unknown, expired or already used");
    };
    let now = state.now();
    if now - grant.issued > Duration::seconds(CODE_LIFETIME_SECS) {
        return bad("the code has expired (codes live 60 seconds)");
    }
    if grant.login.request.client_id != client.client_id {
        return bad("the code was issued to another client");
    }
    if grant.login.request.dialect != dialect {
        return bad("the code was issued by the other issuer");
    }
    if p.get("redirect_uri") != Some(&grant.login.request.redirect_uri) {
        return bad("redirect_uri does not match the one in the authorization request");
    }
    let Some(verifier) = p.get("code_verifier") else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code_verifier is missing (PKCE is required)",
        );
    };
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code_verifier must be 43-128 unreserved characters",
        );
    }
    let challenge = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()));
    if !constant_time_eq(
        challenge.as_bytes(),
        grant.login.request.code_challenge.as_bytes(),
    ) {
        return bad(
            "PKCE verification failed: the code_verifier does not match the code_challenge",
        );
    }
    let (l, req) = (&grant.login, &grant.login.request);
    let mut id_claims = json!({
        "sub": pairwise_sub(&l.person.subject, &req.client_id),
        "aud": req.client_id,
        "acr": l.acr,
        "amr": [l.person.amr],
        "nonce": req.nonce,
        "locale": req.locale,
        "auth_time": l.auth_time.timestamp(),
        "sid": l.sid,
    });
    // An e-mail login has no national id: its tokens carry no `pid`.
    if let Some(pid) = &l.person.pid {
        id_claims["pid"] = json!(pid);
    }
    let family = Arc::new(Grant::default());
    let refresh = RefreshGrant {
        login: grant.login.clone(),
        grant: family.clone(),
        issued: now,
    };
    let response = token_response(r, refresh, Some(id_claims), None);
    if response.status().is_success() {
        state.grants.remember_used(key, family, now);
    }
    response
}

fn refresh_grant(r: TokenRequest) -> Response {
    let TokenRequest {
        state,
        dialect,
        client,
        p,
        ..
    } = r;
    let Some(token) = p.get("refresh_token") else {
        return missing("refresh_token");
    };
    // A request that is refused (an expired token, a wider scope) leaves the token as it was; one that is
    // answered uses it up: each refresh token works once (rotation).
    let key = token_key(token);
    let Some(grant) = lock(&state.grants.refresh).get(&key).cloned() else {
        return bad("the refresh token is unknown or already used");
    };
    if state.now() - grant.issued > Duration::seconds(REFRESH_LIFETIME_SECS) {
        return bad("the refresh token has expired (they live 600 seconds)");
    }
    if grant.login.request.client_id != client.client_id || grant.login.request.dialect != dialect {
        return bad("the refresh token was issued to another client or by the other issuer");
    }
    if grant.grant.revoked.load(Ordering::Relaxed) {
        return bad(
            "the refresh token was revoked (by its client, or because the code it came from was used twice)",
        );
    }
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one; the new refresh token keeps the scope
    // first granted, so the next refresh may narrow differently.
    let narrowed = match p.get("scope") {
        Some(_) if state.faults().refresh_scope_refused => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "this provider does not narrow the scope on refresh (fault switch refresh_scope_refused is on)",
            );
        }
        Some(asked) => {
            let asked = crate::krr::scopes::split_scope_string(asked);
            let granted = &grant.login.request.scopes;
            if let Some(wider) = asked.iter().find(|s| !granted.contains(s)) {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &format!(
                        "'{wider}' was not granted: a refresh may narrow the scope, never widen it"
                    ),
                );
            }
            Some(asked)
        }
        None => None,
    };
    if lock(&state.grants.refresh).remove(&key).is_none() {
        return bad("the refresh token is unknown or already used");
    }
    token_response(
        r,
        RefreshGrant {
            issued: state.now(),
            ..grant
        },
        None,
        narrowed,
    )
}

/// The access token's claims as ID-porten's (`oidc_protocol_access_token`): no `pid` for an e-mail login, `aud`
/// `unspecified` (no resource is asked for), the client's organisation as `consumer` and `supplier`.
fn access_claims(r: TokenRequest, login: &Login, issuer: &str, scope: &str) -> Value {
    let mut claims = json!({
        "iss": issuer,
        "client_id": login.request.client_id,
        "scope": scope,
        "sub": pairwise_sub(&login.person.subject, &login.request.client_id),
        "aud": "unspecified",
        "acr": login.acr,
        "client_amr": r.client_amr,
        "token_type": "Bearer",
        "consumer": Client::organisation(&r.client.orgno),
        "supplier": Client::organisation(&r.client.supplier_orgno),
    });
    if let Some(pid) = &login.person.pid {
        claims["pid"] = json!(pid);
    }
    claims
}

/// The token response; `narrowed` is the scope a refresh asked for (a subset of the login's), else the login's.
fn token_response(
    r: TokenRequest,
    refresh: RefreshGrant,
    id_claims: Option<Value>,
    narrowed: Option<Vec<String>>,
) -> Response {
    let (state, dialect) = (r.state, r.dialect);
    let faults = state.faults();
    let now = state.now();
    // The clock the tokens' times are read from, which a fault may set off from the emulator's own.
    let stamped = now + fault_effects::skew(&faults);
    let (iat, exp) = if faults.expired_tokens {
        (
            stamped - Duration::seconds(300),
            stamped - Duration::seconds(60),
        )
    } else {
        (stamped, stamped + state.token_lifetime)
    };
    let issuer = urls::issuer(dialect, &state.base_url);
    let kid = if faults.wrong_kid {
        "unknown-kid"
    } else {
        &state.keys.token_kid
    };
    let scope = fault_effects::granted_scopes(
        &faults,
        narrowed.as_deref().unwrap_or(&refresh.login.request.scopes),
    )
    .join(" ");
    let (signing_key, kid) = fault_effects::token_signer(&faults, &state.keys, kid);
    let jti = random_token();
    {
        let mut issued = lock(&refresh.grant.access_tokens);
        if refresh.grant.revoked.load(Ordering::Relaxed) {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the grant was revoked (by its client, or because its code was used twice)",
            );
        }
        issued.push((jti.clone(), exp.timestamp()));
    }
    let mut access_claims = access_claims(r, &refresh.login, &issuer, &scope);
    access_claims["iat"] = json!(iat.timestamp());
    access_claims["exp"] = json!(exp.timestamp());
    access_claims["jti"] = json!(jti);
    fault_effects::alter_access_claims(&faults, &mut access_claims);
    let Ok(access_token) = jwt::sign(&access_claims, signing_key, &kid) else {
        return token_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "could not sign the access token",
        );
    };
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": (exp - stamped).num_seconds().max(0),
        "scope": scope,
    });
    if let Some(mut claims) = id_claims
        && let Some(obj) = claims.as_object_mut()
    {
        obj.insert("iss".into(), json!(issuer));
        obj.insert("iat".into(), json!(iat.timestamp()));
        obj.insert("exp".into(), json!(exp.timestamp()));
        obj.insert("jti".into(), json!(random_token()));
        fault_effects::alter_id_claims(&faults, &mut claims);
        let signed = match fault_effects::unsigned_id_token(&faults, &claims) {
            Some(unsigned) => Ok(unsigned),
            None => jwt::sign(&claims, signing_key, &kid),
        };
        match signed {
            Ok(t) => body["id_token"] = json!(t),
            Err(_) => {
                return token_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "could not sign the id_token",
                );
            }
        }
    }
    let refresh_token = random_token();
    if state.grants.store_refresh(&refresh_token, refresh, now) {
        body["refresh_token"] = json!(refresh_token);
        body["refresh_token_expires_in"] = json!(super::grants::REFRESH_LIFETIME_SECS);
    }
    (no_store(), Json(body)).into_response()
}
