//! The register's `/rest/v1/person` (Digdir) and `/kontaktinfo-oauth2-server/rest/v1/person` (Difi): the logged-in
//! person's record for the token's scopes, as signed JWS or JSON; PATCH of `spraak` with the write scope (204).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::bearer::{Presented, bearer_error, check_access_token, invalid_token};
use super::data::When;
use super::fault_effects;
use super::grants::lock;
use super::keys::{FaultKeys, KeysError};
use super::state::State;
use crate::jose::{Alg, sign_compact, x5c_of};
use crate::krr::scopes::{fields_unlocked, is_write_scope, split_scope_string, write_scope};
use crate::krr::{CodeList, ScopeDialect, Spraak};

type S = AxState<Arc<State>>;

/// Why an answer could not be signed (a 500: the emulator's own failure, never the client's).
#[derive(Debug, thiserror::Error)]
enum SignError {
    #[error("{0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
    #[error("cannot make the fault keys: {0}")]
    FaultKeys(#[source] Arc<KeysError>),
    #[error("the fault keys were not made")]
    NotMade,
    #[error("the task making the fault keys failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Representation {
    Jose,
    Json,
}

/// `application/jose` or `application/json`; a missing Accept or `*/*` means JSON (the emulator's choice: the
/// real service documents only the two types).
fn negotiate(headers: &HeaderMap) -> Option<Representation> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(Representation::Json);
    };
    let accept = accept.to_str().ok()?;
    accept.split(',').find_map(|item| {
        match item
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "application/jose" => Some(Representation::Jose),
            "application/json" | "*/*" | "application/*" => Some(Representation::Json),
            _ => None,
        }
    })
}

/// Common checks: faults, token, Accept. Returns the token's pid and scopes, and the representation.
#[allow(clippy::result_large_err)] // a handler step's natural error is the response to send
async fn admit(
    state: &State,
    headers: &HeaderMap,
    method: &str,
    uri: &axum::http::Uri,
) -> Result<(String, Vec<String>, Representation), Response> {
    let faults = state.faults();
    fault_effects::pause(faults.delay_seconds).await;
    if let Some(faulty) = fault_effects::register_refusal(&faults) {
        return Err(faulty);
    }
    if let Some(refused) = fault_effects::register_without_dpop(&faults, headers) {
        return Err(refused);
    }
    if faults.http_500 {
        return Err((StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"error": "server_error", "error_description": "fault switch http_500 is on"})))
            .into_response());
    }
    let url = format!("{}{}", state.base_url, uri.path());
    let presented = Presented { method, url: &url };
    let claims =
        check_access_token(state, headers, &presented).map_err(|why| invalid_token(&why))?;
    let pid = claims
        .get("pid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let scopes = split_scope_string(claims.get("scope").and_then(Value::as_str).unwrap_or(""));
    let representation = negotiate(headers).ok_or_else(|| {
        (
            StatusCode::NOT_ACCEPTABLE,
            axum::Json(json!({"error": "not_acceptable", "error_description": "Accept application/jose or application/json"})),
        )
            .into_response()
    })?;
    Ok((pid, scopes, representation))
}

/// The 403 for a token with no national id (an e-mail login, `acr=selfregistered-email`): the register has no
/// answer for it. `error` is `no_national_id`.
fn no_national_id() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({
            "error": "no_national_id",
            "error_description": "the token has no national id (pid): an e-mail login (acr selfregistered-email) has no answer in the register",
        })),
    )
        .into_response()
}

pub async fn get_person(AxState(state): S, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let (pid, scopes, representation) = match admit(&state, &headers, "GET", &uri).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if pid.is_empty() {
        return no_national_id();
    }
    let unlocked = fields_unlocked(&scopes);
    if unlocked.is_empty() {
        // The hint names the read scopes in the dialect of the path that was called.
        let hint = if uri.path().starts_with("/kontaktinfo-oauth2-server/") {
            "user/kontaktinformasjon.read user/varslingsstatus.read user/sikkerdigitalpost.read user/sertifikat.read"
        } else {
            "krr:user/kontaktinformasjon.read krr:user/digitalpost.read"
        };
        return bearer_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "the token carries none of the register's read scopes",
            Some(hint),
        );
    }
    respond(&state, &pid, &unlocked, representation).await
}

async fn respond(
    state: &Arc<State>,
    pid: &str,
    unlocked: &std::collections::BTreeSet<&str>,
    representation: Representation,
) -> Response {
    let now = state.now();
    let (person, filter) = {
        let data = state.data();
        (data.person(pid), data.filter_kan_ikke_varsles)
    };
    let certificate = if person.sertifikat && unlocked.contains("sertifikat") {
        person_certificate(state, pid).await
    } else {
        None
    };
    let mut answer = person.answer(unlocked, now, filter, certificate.as_deref());
    let faults = state.faults();
    fault_effects::alter_answer(&faults, &mut answer);
    let payload =
        fault_effects::alter_payload(&faults, serde_json::to_string(&answer).unwrap_or_default());
    let representation = if fault_effects::json_despite_jose(&faults) {
        Representation::Json
    } else {
        representation
    };
    match representation {
        Representation::Json => (
            [(
                header::CONTENT_TYPE,
                fault_effects::content_type(&faults, false),
            )],
            payload,
        )
            .into_response(),
        Representation::Jose => match sign_answer(state, &payload).await {
            Ok(jws) => (
                [(
                    header::CONTENT_TYPE,
                    fault_effects::content_type(&faults, true),
                )],
                fault_effects::alter_jws(&faults, jws),
            )
                .into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("could not sign the answer: {e}"),
            )
                .into_response(),
        },
    }
}

/// The person's encryption certificate, made once per person by a blocking task (RSA key generation must not run
/// on the async threads); concurrent requests for the same person wait for the one certificate.
async fn person_certificate(state: &Arc<State>, pid: &str) -> Option<String> {
    let cell = lock(&state.person_certs)
        .entry(pid.to_owned())
        .or_default()
        .clone();
    if let Some(cert) = cell.get() {
        return cert.clone();
    }
    let (s, pid) = (state.clone(), pid.to_owned());
    tokio::task::spawn_blocking(move || {
        cell.get_or_init(|| {
            let cert = s.keys.person_certificate(&pid, s.now()).ok()?;
            Some(STANDARD.encode(cert.to_der().ok()?))
        })
        .clone()
    })
    .await
    .ok()
    .flatten()
}

/// The keys of the certificate faults, made once by a blocking task on first use; concurrent requests wait for
/// the one generation instead of each making their own.
async fn fault_keys(state: &Arc<State>) -> Result<&FaultKeys, SignError> {
    if state.fault_keys.get().is_none() {
        let s = state.clone();
        tokio::task::spawn_blocking(move || {
            s.fault_keys
                .get_or_init(|| FaultKeys::generate(&s.keys, s.now()).map_err(Arc::new));
        })
        .await?;
    }
    match state.fault_keys.get() {
        Some(Ok(keys)) => Ok(keys),
        Some(Err(e)) => Err(SignError::FaultKeys(e.clone())),
        None => Err(SignError::NotMade),
    }
}

/// Signs the answer as the register does (RS256, `x5c` = [signing certificate, CA], `kid`), with the faults on.
async fn sign_answer(state: &Arc<State>, payload: &str) -> Result<String, SignError> {
    let faults = state.faults();
    let keys = &state.keys;
    let kid = if faults.wrong_kid {
        "unknown-kid".to_owned()
    } else {
        keys.krr_kid.clone()
    };
    let (key, x5c) = if faults.expired_certificate {
        let f = fault_keys(state).await?;
        (&f.expired.key, x5c_of(&[&f.expired.cert, &keys.ca.cert]))
    } else if faults.x5c_expired_intermediate {
        let f = fault_keys(state).await?;
        let leaf = &f.leaf_of_expired_intermediate;
        (
            &leaf.key,
            x5c_of(&[&leaf.cert, &f.expired_intermediate.cert, &keys.ca.cert]),
        )
    } else if faults.unknown_ca {
        let f = fault_keys(state).await?;
        (
            &f.foreign_leaf.key,
            x5c_of(&[&f.foreign_leaf.cert, &f.foreign_ca.cert]),
        )
    } else {
        (&keys.krr.key, x5c_of(&[&keys.krr.cert, &keys.ca.cert]))
    };
    let x5c = fault_effects::x5c(&faults, x5c);
    let jws = sign_compact(
        &json!({"kid": kid, "x5c": x5c}),
        payload.as_bytes(),
        key,
        Alg::Rs256,
    )?;
    if !faults.tamper_signature {
        return Ok(jws);
    }
    // Alter the payload after signing: what a man in the middle would do.
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let altered = payload.replacen("\"NEI\"", "\"JA\"", 1);
    let altered = if altered == payload {
        payload.replacen('}', ",\"tampered\":true}", 1)
    } else {
        altered
    };
    parts[1] = URL_SAFE_NO_PAD.encode(altered);
    Ok(parts.join("."))
}

pub async fn patch_person(
    AxState(state): S,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (pid, scopes, representation) = match admit(&state, &headers, "PATCH", &uri).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if pid.is_empty() {
        return no_national_id();
    }
    if !scopes.iter().any(|s| is_write_scope(s)) {
        return bearer_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "changing spraak needs the write scope",
            Some(write_scope(ScopeDialect::Digdir)),
        );
    }
    let bad = |d: String| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": d})),
        )
            .into_response()
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("the body is not JSON: {e}")),
    };
    let Some(code) = value.get("spraak").and_then(Value::as_str) else {
        return bad("the body must be {\"spraak\": \"nb|nn|en|se\"}".into());
    };
    let Some(spraak) = Spraak::from_code(code) else {
        return bad(format!(
            "'{code}' is not a language the register knows (nb, nn, en, se)"
        ));
    };
    let now = state.now();
    {
        let mut data = state
            .data
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut person = data.person(&pid);
        if person.status != crate::krr::Status::Aktiv {
            return (StatusCode::NOT_FOUND, axum::Json(json!({"error": "not_found", "error_description": "the person is not active in the register"})))
                .into_response();
        }
        person.spraak = Some(spraak);
        let stamp = now.fixed_offset();
        person.spraak_oppdatert = Some(When::At(stamp.to_rfc3339(), stamp));
        if !data.persons.contains_key(&pid) {
            data.order.push(pid.clone());
        }
        data.persons.insert(pid.clone(), person);
    }
    // As in Digdir's own Postman collection: 204, no body. A client that wants the record back asks for it
    // (RFC 7240 `Prefer: return=representation`, the emulator's extension) and gets the old 200 answer.
    if !prefers_representation(&headers) {
        return StatusCode::NO_CONTENT.into_response();
    }
    let mut unlocked = fields_unlocked(&scopes);
    unlocked.extend(["spraak", "spraak_oppdatert"]);
    respond(&state, &pid, &unlocked, representation).await
}

/// RFC 7240: `Prefer: return=representation` among the request's preferences.
fn prefers_representation(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("return=representation"))
}
