//! The emulator's index page (endpoints, clients, persons, CA, fault switches) and the small admin API.

use std::fmt::Write;
use std::sync::Arc;

use axum::Json;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::grants::{MintCodes, lock};
use super::html::{escape, page};
use super::state::{Faults, State};
use super::urls;
use crate::krr::{Lang, ScopeDialect};

type S = AxState<Arc<State>>;

pub async fn index(AxState(state): S) -> Response {
    let b = &state.base_url;
    let mut h = String::new();
    let _ = write!(
        h,
        "<h1>krr-inspector emulator</h1><p>A local ID-porten + KRR for tests, demos and offline use.</p>"
    );
    let _ = write!(
        h,
        "<h2>Endpoints</h2><table><tr><th></th><th>Digdir (current)</th><th>Difi (original)</th></tr>"
    );
    let difi = urls::issuer(ScopeDialect::Difi, b);
    for (name, digdir, difi_url) in [
        ("issuer", b.clone(), difi.clone()),
        (
            "discovery",
            format!("{b}/.well-known/openid-configuration"),
            format!("{difi}.well-known/openid-configuration"),
        ),
        (
            "person",
            urls::person_url(ScopeDialect::Digdir, b),
            urls::person_url(ScopeDialect::Difi, b),
        ),
    ] {
        let _ = write!(
            h,
            "<tr><td>{name}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(&digdir),
            escape(&difi_url)
        );
    }
    h.push_str("</table><h2>Clients</h2><table><tr><th>client_id</th><th>authentication</th><th>redirect URIs</th></tr>");
    for c in &state.clients {
        let secret = c
            .secret
            .as_deref()
            .map(|s| format!(" (secret <code>{}</code>)", escape(s)))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}{secret}</td><td>http://127.0.0.1:{{any port}}/{{any path}}{}</td></tr>",
            escape(&c.client_id),
            escape(&c.methods.join(", ")),
            c.redirect_uris
                .iter()
                .map(|u| format!("<br><code>{}</code>", escape(u)))
                .collect::<String>()
        );
    }
    h.push_str("</table><h2>Test persons</h2><table><tr><th>national id</th><th>shows</th><th>varslingsstatus now</th></tr>");
    {
        let data = state.data();
        let now = state.now();
        for pid in &data.order {
            let p = &data.persons[pid];
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(pid),
                escape(&p.shows.1),
                crate::krr::CodeList::code(p.varslingsstatus(now))
            );
        }
    }
    let f = state.faults();
    let check = |on: bool| if on { " checked" } else { "" };
    let _ = write!(
        h,
        "</table><h2>Fault switches</h2><form method=\"post\" action=\"/admin/faults\"><fieldset>\
         <label><input type=\"checkbox\" name=\"tamper_signature\"{}> KRR signature tampered</label><br>\
         <label><input type=\"checkbox\" name=\"expired_certificate\"{}> signing certificate expired</label><br>\
         <label><input type=\"checkbox\" name=\"unknown_ca\"{}> signed by an unknown CA</label><br>\
         <label><input type=\"checkbox\" name=\"wrong_kid\"{}> wrong kid (tokens and answers)</label><br>\
         <label><input type=\"checkbox\" name=\"http_500\"{}> KRR answers HTTP 500</label><br>\
         <label><input type=\"checkbox\" name=\"expired_tokens\"{}> tokens issued already expired</label><br>\
         <label>KRR delay <input type=\"number\" name=\"delay_seconds\" min=\"0\" max=\"300\" value=\"{}\"> seconds</label><br>\
         <button type=\"submit\">Apply</button></fieldset></form>\
         <p class=\"note\">The same switches as JSON: <code>GET/PUT {b}/admin/faults</code>.</p>",
        check(f.tamper_signature),
        check(f.expired_certificate),
        check(f.unknown_ca),
        check(f.wrong_kid),
        check(f.http_500),
        check(f.expired_tokens),
        f.delay_seconds
    );
    let _ = write!(
        h,
        "<h2>CA certificate</h2><p>Trust this to verify the register's signature (<a href=\"/ca.pem\">ca.pem</a>).</p><pre>{}</pre>",
        escape(&state.keys.ca_pem())
    );
    Html(page(Lang::En, "krr-inspector emulator", &h)).into_response()
}

pub async fn ca_pem(AxState(state): S) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        state.keys.ca_pem(),
    )
        .into_response()
}

fn admin_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Refuses a state-changing request that a browser sent from a page of another origin (a cross-site form or
/// fetch): its `Origin` must be the emulator's own, and `Sec-Fetch-Site`, when sent, `same-origin` or `none`.
/// Tools such as curl send neither and are let through: the admin API is for them.
#[allow(clippy::result_large_err)] // a handler step's natural error is the response to send
fn same_origin(state: &State, headers: &HeaderMap) -> Result<(), Response> {
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.as_bytes() != state.base_url.as_bytes()
    {
        return Err(admin_error(
            StatusCode::FORBIDDEN,
            "cross_origin_refused",
            &format!(
                "admin changes are accepted only from the emulator's own pages ({}), not from '{}'",
                state.base_url,
                String::from_utf8_lossy(origin.as_bytes())
            ),
        ));
    }
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return Err(admin_error(
            StatusCode::FORBIDDEN,
            "cross_origin_refused",
            "admin changes are accepted only from the emulator's own pages (Sec-Fetch-Site)",
        ));
    }
    Ok(())
}

/// The body must be of the media type `want` (parameters such as `charset` allowed): a cross-origin page can send
/// `text/plain` without asking, but not `application/json`.
#[allow(clippy::result_large_err)]
fn content_type_is(headers: &HeaderMap, want: &str) -> Result<(), Response> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if given.eq_ignore_ascii_case(want) {
        Ok(())
    } else {
        Err(admin_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &format!("send the body with Content-Type: {want}"),
        ))
    }
}

/// A state-changing admin request: from the emulator's own origin, with a body of the media type `want`.
#[allow(clippy::result_large_err)]
fn admin_write(state: &State, headers: &HeaderMap, want: &str) -> Result<(), Response> {
    same_origin(state, headers)?;
    content_type_is(headers, want)
}

/// Mints authorization codes without a login (for load tests of the token endpoint; codes live 60 s).
pub async fn mint_codes(
    AxState(state): S,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = admin_write(&state, &headers, "application/json") {
        return r;
    }
    let bad = |d: String| admin_error(StatusCode::BAD_REQUEST, "invalid_request", &d);
    let mint: MintCodes = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return bad(e.to_string()),
    };
    match state.grants.mint_codes(&state.clients, &mint, state.now()) {
        Ok(codes) => Json(serde_json::json!({"codes": codes})).into_response(),
        Err(e) => bad(e.to_string()),
    }
}

pub async fn stats(AxState(state): S) -> Response {
    Json(state.stats.snapshot()).into_response()
}

pub async fn get_faults(AxState(state): S) -> Response {
    Json(state.faults()).into_response()
}

/// Replaces all switches with the JSON body (missing members are off).
pub async fn put_faults(
    AxState(state): S,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = admin_write(&state, &headers, "application/json") {
        return r;
    }
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) if f.delay_seconds <= 300 => {
            *lock(&state.faults) = f.clone();
            tracing::info!(?f, "fault switches changed");
            Json(f).into_response()
        }
        Ok(_) => (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": "invalid_request", "error_description": "delay_seconds is at most 300"})))
            .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": "invalid_request", "error_description": e.to_string()})))
            .into_response(),
    }
}

/// The index page's form: checkboxes present mean on.
pub async fn post_faults(
    AxState(state): S,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = admin_write(&state, &headers, "application/x-www-form-urlencoded") {
        return r;
    }
    let mut f = Faults::default();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "tamper_signature" => f.tamper_signature = true,
            "expired_certificate" => f.expired_certificate = true,
            "unknown_ca" => f.unknown_ca = true,
            "wrong_kid" => f.wrong_kid = true,
            "http_500" => f.http_500 = true,
            "expired_tokens" => f.expired_tokens = true,
            "delay_seconds" => f.delay_seconds = v.trim().parse::<u64>().unwrap_or(0).min(300),
            _ => {}
        }
    }
    tracing::info!(?f, "fault switches changed");
    *lock(&state.faults) = f;
    Redirect::to("/").into_response()
}

pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "not_found", "error_description": "no such endpoint; see / for the list"})))
        .into_response()
}
