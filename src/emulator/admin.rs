//! The emulator's index page (endpoints, clients, persons, CA, fault switches) and the small admin API.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Request, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;

use super::faults::Setting;
use super::grants::{MintCodes, lock};
use super::html::page;
use super::state::{Faults, State};
use super::urls;
use crate::krr::{CodeList, Lang, ScopeDialect};

type S = AxState<Arc<State>>;

pub async fn index(AxState(state): S) -> Response {
    let b = &state.base_url;
    let difi = urls::issuer(ScopeDialect::Difi, b);
    let endpoints = [
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
    ];
    let persons: Vec<(String, String, String, &str)> = {
        let data = state.data();
        let now = state.now();
        data.order
            .iter()
            .map(|pid| {
                let p = &data.persons[pid];
                (
                    pid.clone(),
                    p.shows.0.clone(),
                    p.shows.1.clone(),
                    p.varslingsstatus(now).code(),
                )
            })
            .collect()
    };
    let f = state.faults();
    let body = html! {
        h1 { "krr-inspector emulator" }
        p { "A local ID-porten + KRR for tests, demos and offline use." }
        h2 { "Endpoints" }
        table {
            tr { th {} th { "Digdir (current)" } th { "Difi (original)" } }
            @for (name, digdir, difi) in &endpoints {
                tr { td { (name) } td { code { (digdir) } } td { code { (difi) } } }
            }
        }
        h2 { "Clients" }
        table {
            tr { th { "client_id" } th { "authentication" } th { "redirect URIs" } }
            @for c in &state.clients {
                tr {
                    td { code { (c.client_id) } }
                    td {
                        (c.methods.join(", "))
                        @if let Some(secret) = &c.secret { " (secret " code { (secret) } ")" }
                        @if c.requires_user_consent { br; "consent page after the login" }
                    }
                    td {
                        "http://127.0.0.1:{any port}/{any path}"
                        @for u in &c.redirect_uris { br; code { (u) } }
                    }
                }
            }
        }
        h2 { "Test persons" }
        table {
            tr { th { "national id" } th { "shows" } th lang="nb" { "viser" } th { "varslingsstatus now" } }
            @for (pid, nb, en, status) in &persons {
                tr { td { code { (pid) } } td { (en) } td lang="nb" { (nb) } td { (status) } }
            }
        }
        p.note {
            "The same list as JSON: " code { "GET " (b) "/admin/persons" } ". "
            "Log one in without the page: " code { "login_hint=testid:<pid>_<acr>" } " on /authorize."
        }
        h2 { "Fault switches" }
        form method="post" action="/admin/faults" {
            fieldset {
                @for switch in &Faults::SWITCHES {
                    label title=(switch.description) {
                        @match switch.setting {
                            Setting::Switch(_) => {
                                input type="checkbox" name=(switch.name) checked[f.is_on(switch)];
                                " " (switch.label)
                            }
                            Setting::Seconds { min, max, .. } => {
                                (switch.label) " "
                                input type="number" name=(switch.name) min=(min) max=(max)
                                    value=(f.seconds_of(switch));
                            }
                        }
                    }
                    br;
                }
                button type="submit" { "Apply" }
            }
        }
        p.note {
            "The same switches as JSON: " code { "GET/PUT " (b) "/admin/faults" } "; every fault with what it does "
            "and what a good client does: " a href="/admin/faults/catalogue" { code { "GET /admin/faults/catalogue" } } "."
        }
        h2 { "CA certificate" }
        p { "Trust this to verify the register's signature (" a href="/ca.pem" { "ca.pem" } ")." }
        pre { (state.keys.ca_pem()) }
    };
    Html(page(Lang::En, "krr-inspector emulator", body)).into_response()
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

/// `GET /admin/persons`: every test person in the login page's order, with what it demonstrates (nb, en), for
/// an app's person picker.
pub async fn persons(AxState(state): S) -> Response {
    let data = state.data();
    let now = state.now();
    let list: Vec<serde_json::Value> = data
        .order
        .iter()
        .map(|pid| {
            let p = &data.persons[pid];
            let synthetic = crate::krr::NationalId::parse(pid)
                .is_ok_and(|id| id.synthetic == crate::krr::Synthetic::Tenor);
            serde_json::json!({
                "pid": pid,
                "label_nb": p.shows.0,
                "label_en": p.shows.1,
                "status": p.status.code(),
                "reservasjon": p.reservasjon.map(|r| r.code()),
                "varslingsstatus": p.varslingsstatus(now).code(),
                "synthetic": synthetic,
                "generated": p.generated,
            })
        })
        .collect();
    Json(list).into_response()
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
    let bad = |d: String| {
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_request", "error_description": d})),
        )
            .into_response()
    };
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => match f.check_bounds() {
            Ok(()) => {
                *lock(&state.faults) = f.clone();
                tracing::info!(?f, "fault switches changed");
                Json(f).into_response()
            }
            Err(e) => bad(e.to_string()),
        },
        Err(e) => bad(e.to_string()),
    }
}

/// Every fault with its kind, what it does and what a good client does, and the current values.
pub async fn fault_catalogue(AxState(state): S) -> Response {
    Json(serde_json::json!({"faults": state.faults(), "catalogue": Faults::catalogue()}))
        .into_response()
}

/// The index page's form (`application/x-www-form-urlencoded`, read with `axum::Form`): the switches ticked are
/// on, every other one off (see `Faults::from_form`).
pub async fn post_faults(AxState(state): S, request: Request) -> Response {
    if let Err(r) = admin_write(
        &state,
        request.headers(),
        "application/x-www-form-urlencoded",
    ) {
        return r;
    }
    let pairs = match axum::Form::<Vec<(String, String)>>::from_request(request, &()).await {
        Ok(axum::Form(pairs)) => pairs,
        Err(rejection) => {
            return admin_error(
                rejection.status(),
                "invalid_request",
                &rejection.body_text(),
            );
        }
    };
    let f = Faults::from_form(&pairs);
    tracing::info!(?f, "fault switches changed");
    *lock(&state.faults) = f;
    Redirect::to("/").into_response()
}

pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "not_found", "error_description": "no such endpoint; see / for the list"})))
        .into_response()
}
