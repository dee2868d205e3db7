//! What the fault switches do to an answer: small steps the rooms call at one place each, so that a room's
//! ordinary path stays readable and every fault's effect is found here.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde_json::{Value, json};

use super::keys::Keys;
use super::state::Faults;
use crate::jose::jwk::KeySet;

/// The longest a delay fault waits, whatever was set.
const MAX_DELAY_SECS: i64 = 300;

/// Waits `seconds` (a delay fault), at most five minutes.
pub(crate) async fn pause(seconds: i64) {
    if seconds > 0 {
        let secs = seconds.min(MAX_DELAY_SECS).unsigned_abs();
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
}

/// A 503 with an HTML page, as a load balancer in front of a service in maintenance sends it.
fn maintenance_html(what: &str) -> Response {
    let mut r = (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(format!(
            "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Planlagt vedlikehold</h1>\
             <p>{what} is down for maintenance. Please try again later.</p></body></html>"
        )),
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
    r
}

// --- discovery, JWKS and the authorization response ---------------------------------------------------------

/// The issuer discovery names: another one with `discovery_wrong_issuer`.
pub(crate) fn discovery_issuer(f: &Faults, issuer: String) -> String {
    if f.discovery_wrong_issuer {
        format!("{}/another-issuer", issuer.trim_end_matches('/'))
    } else {
        issuer
    }
}

/// The kid of the key a rotation brings in.
fn rotated_kid(keys: &Keys) -> String {
    format!("rotated-{}", keys.krr_kid)
}

/// The JWKS after a rotation: only the new key. The emulator reuses its register key as the "new" token key, so
/// that a rotation costs no RSA key generation.
fn rotated_jwks(keys: &Keys) -> Value {
    json!({"keys": [crate::jose::jwk::public_jwk(&keys.krr.key, &rotated_kid(keys), "RS256")]})
}

/// The JWKS answer when a fault changes it (`jwks_unavailable`, `key_rotation`); `None` for the ordinary one.
pub(crate) async fn jwks(f: &Faults, keys: &Keys) -> Option<Response> {
    pause(f.jwks_delay_seconds).await;
    if f.jwks_unavailable {
        return Some(maintenance_html("The key set"));
    }
    f.key_rotation
        .then(|| Json(rotated_jwks(keys)).into_response())
}

/// The key set a token signed during `key_rotation` verifies with (the register accepts both keys meanwhile).
pub(crate) fn rotated_key_set(f: &Faults, keys: &Keys) -> Option<KeySet> {
    f.key_rotation
        .then(|| KeySet::parse(&rotated_jwks(keys).to_string()).ok())
        .flatten()
}

/// The authorization response's parameters: `code`, `state` and `iss`, as the callback faults change them.
pub(crate) fn callback_params(
    f: &Faults,
    code: &str,
    state: &str,
    iss: &str,
) -> Vec<(&'static str, String)> {
    let mut pairs = vec![("code", code.to_owned())];
    pairs.push((
        "state",
        if f.callback_wrong_state {
            format!("{state}-not-yours")
        } else {
            state.to_owned()
        },
    ));
    if f.callback_wrong_iss {
        pairs.push(("iss", "https://idporten.example/".to_owned()));
    } else if !f.callback_without_iss {
        pairs.push(("iss", iss.to_owned()));
    }
    pairs
}

// --- the token endpoint --------------------------------------------------------------------------------------

/// The token endpoint's answer when a fault replaces it (`token_delay_seconds` waits first).
pub(crate) async fn token_refusal(f: &Faults) -> Option<Response> {
    pause(f.token_delay_seconds).await;
    f.token_unavailable.then(|| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "temporarily_unavailable", "error_description": "fault switch token_unavailable is on"})),
        )
            .into_response()
    })
}

/// The nonce every DPoP proof must carry (`dpop_nonce`): the emulator's, while the fault is on.
pub(crate) fn dpop_nonce<'n>(f: &Faults, nonce: &'n str) -> Option<&'n str> {
    f.dpop_nonce.then_some(nonce)
}

/// How far the provider's clock is off (`clock_skew_seconds`).
pub(crate) fn skew(f: &Faults) -> Duration {
    Duration::seconds(f.clock_skew_seconds)
}

/// The scopes granted for `asked`: with `consent_declined`, the last API scope (not `openid` or `profile`) is
/// left out, as if the person had unticked it on the consent page.
pub(crate) fn granted_scopes(f: &Faults, asked: &[String]) -> Vec<String> {
    let mut granted = asked.to_vec();
    if f.consent_declined
        && let Some(i) = granted
            .iter()
            .rposition(|s| s != "openid" && s != "profile")
    {
        granted.remove(i);
    }
    granted
}

/// The key and kid tokens are signed with: the rotated key with `key_rotation`.
pub(crate) fn token_signer<'k>(
    f: &Faults,
    keys: &'k Keys,
    kid: &str,
) -> (&'k openssl::pkey::PKey<openssl::pkey::Private>, String) {
    if f.key_rotation {
        (&keys.krr.key, rotated_kid(keys))
    } else {
        (&keys.token_key, kid.to_owned())
    }
}

/// The access token's claims as the token faults change them.
pub(crate) fn alter_access_claims(f: &Faults, claims: &mut Value) {
    if f.token_without_pid
        && let Some(o) = claims.as_object_mut()
    {
        o.remove("pid");
    }
}

/// The id_token's claims as the token faults change them.
pub(crate) fn alter_id_claims(f: &Faults, claims: &mut Value) {
    let Some(o) = claims.as_object_mut() else {
        return;
    };
    if f.token_without_pid {
        o.remove("pid");
    }
    if f.id_token_wrong_aud {
        o.insert("aud".into(), json!("another-client"));
    }
    if f.id_token_wrong_iss {
        o.insert("iss".into(), json!("https://idporten.example/"));
    }
    if f.id_token_wrong_nonce {
        o.insert("nonce".into(), json!("a-nonce-from-another-login"));
    }
}

/// The id_token as an unsigned JWT (`id_token_alg_none`): `None` leaves it signed.
pub(crate) fn unsigned_id_token(f: &Faults, claims: &Value) -> Option<String> {
    f.id_token_alg_none.then(|| {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    })
}

// --- the register --------------------------------------------------------------------------------------------

/// `register_without_dpop`: the register knows only `Bearer`, so a token sent as `Authorization: DPoP` is refused
/// with a Bearer challenge (RFC 6750), as by a register that does not support DPoP.
pub(crate) fn register_without_dpop(
    f: &Faults,
    headers: &axum::http::HeaderMap,
) -> Option<Response> {
    let dpop_scheme = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_whitespace().next())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("dpop"));
    (f.register_without_dpop && dpop_scheme).then(|| {
        let description = "the Authorization scheme is not Bearer";
        let mut r = (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_token", "error_description": description})),
        )
            .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer realm=\"krr\", error=\"invalid_token\", error_description=\"the Authorization scheme is not Bearer\"",
            ),
        );
        r
    })
}

/// The register's answer when a fault replaces it before the token is looked at (429, a maintenance page).
pub(crate) fn register_refusal(f: &Faults) -> Option<Response> {
    if f.rate_limited {
        let mut r = (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"error": "too_many_requests", "error_description": "fault switch rate_limited is on: wait 30 s"})),
        )
            .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return Some(r);
    }
    f.maintenance_page
        .then(|| maintenance_html("Kontakt- og reservasjonsregisteret"))
}

/// Another person than `pid` (`answer_for_other_person`).
fn someone_else(pid: &str) -> &'static str {
    if pid == "01048800153" {
        "27129324169"
    } else {
        "01048800153"
    }
}

/// The answer's members as the content faults change them.
pub(crate) fn alter_answer(f: &Faults, answer: &mut Value) {
    let Some(o) = answer.as_object_mut() else {
        return;
    };
    if f.unknown_status {
        o.insert("status".into(), json!("SPERRET"));
    }
    if f.unknown_reservasjon {
        o.insert("reservasjon".into(), json!("DELVIS"));
    }
    if f.unknown_varslingsstatus {
        o.insert("varslingsstatus".into(), json!("MIDLERTIDIG_SPERRET"));
    }
    if f.unknown_field {
        o.insert("sist_kontrollert".into(), json!("2024-01-01T00:00:00Z"));
    }
    if f.missing_status {
        o.remove("status");
    }
    if f.answer_for_other_person {
        let pid = o
            .get("personidentifikator")
            .and_then(Value::as_str)
            .unwrap_or("");
        let other = someone_else(pid);
        o.insert("personidentifikator".into(), json!(other));
    }
}

/// The answer's text as the syntax faults change it (a repeated member, a trailing comma). `payload` is the
/// serialised object.
pub(crate) fn alter_payload(f: &Faults, mut payload: String) -> String {
    if f.duplicate_member && payload.starts_with('{') {
        // serde_json keeps one of each member, so the repeat is written into the text: one reservasjon (NEI when
        // the answer had none) and JA last.
        if !payload.contains("\"reservasjon\":") {
            payload = format!("{{\"reservasjon\":\"NEI\",{}", &payload[1..]);
        }
        if let Some(body) = payload.strip_suffix('}') {
            payload = format!("{body},\"reservasjon\":\"JA\"}}");
        }
    }
    if f.trailing_comma
        && let Some(body) = payload.strip_suffix('}')
    {
        payload = format!("{body},}}");
    }
    payload
}

/// Whether the register answers JSON although JOSE was asked for.
pub(crate) fn json_despite_jose(f: &Faults) -> bool {
    f.json_despite_jose
}

/// The Content-Type of an answer: JOSE or JSON, swapped with `wrong_content_type`.
pub(crate) fn content_type(f: &Faults, jose: bool) -> &'static str {
    if jose != f.wrong_content_type {
        "application/jose"
    } else {
        "application/json;charset=UTF-8"
    }
}

/// The `x5c` of a register answer, as the chain faults change it.
pub(crate) fn x5c(f: &Faults, leaf_and_ca: Value) -> Value {
    let mut chain = leaf_and_ca;
    if let Some(list) = chain.as_array_mut() {
        if f.x5c_leaf_only {
            list.truncate(1);
        } else if f.x5c_wrong_order {
            list.reverse();
        }
    }
    chain
}

/// The compact JWS as the JWS faults change it: cut in the middle of its signature, or re-made with `alg: none`.
pub(crate) fn alter_jws(f: &Faults, jws: String) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    if parts.len() != 3 {
        return jws;
    }
    if f.jws_alg_none {
        let mut header: Value = URL_SAFE_NO_PAD
            .decode(&parts[0])
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .unwrap_or_else(|| json!({}));
        header["alg"] = json!("none");
        parts[0] = URL_SAFE_NO_PAD.encode(header.to_string());
        parts[2] = String::new();
    }
    if f.truncated_jws {
        // Half the signature, cut at a multiple of four characters so that what is left is still base64url: a
        // client then sees a signature of the wrong length, not a decoding error, whatever the random bytes.
        let half = (parts[2].len() / 2) & !3;
        parts[2].truncate(half);
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_syntax_faults_write_what_serde_would_not() {
        let f = Faults {
            duplicate_member: true,
            trailing_comma: true,
            ..Faults::default()
        };
        assert_eq!(
            alter_payload(&f, r#"{"status":"AKTIV"}"#.into()),
            r#"{"reservasjon":"NEI","status":"AKTIV","reservasjon":"JA",}"#
        );
        assert_eq!(
            alter_payload(&f, r#"{"reservasjon":"NEI"}"#.into()),
            r#"{"reservasjon":"NEI","reservasjon":"JA",}"#
        );
        assert_eq!(
            alter_payload(&Faults::default(), "{}".into()),
            "{}",
            "off, nothing changes"
        );
    }

    #[test]
    fn consent_declined_drops_the_last_api_scope_only() {
        let asked: Vec<String> = [
            "openid",
            "krr:user/kontaktinformasjon.read",
            "krr:user/digitalpost.read",
            "profile",
        ]
        .map(String::from)
        .to_vec();
        let f = Faults {
            consent_declined: true,
            ..Faults::default()
        };
        assert_eq!(
            granted_scopes(&f, &asked),
            ["openid", "krr:user/kontaktinformasjon.read", "profile"]
        );
        assert_eq!(granted_scopes(&Faults::default(), &asked), asked);
    }

    #[test]
    fn the_callback_faults_change_state_and_iss() {
        let f = Faults {
            callback_without_iss: true,
            callback_wrong_state: true,
            ..Faults::default()
        };
        let p = callback_params(&f, "c", "s", "http://i");
        assert_eq!(
            p,
            [
                ("code", "c".to_owned()),
                ("state", "s-not-yours".to_owned())
            ]
        );
    }
}
