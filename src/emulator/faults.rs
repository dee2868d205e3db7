//! The fault catalogue: every switch that changes the emulator's next answers, declared once with what it does
//! and what a good client does about it (the index page, `GET/PUT /admin/faults`, the catalogue and the README's
//! table follow from it). What each fault does to an answer is in `fault_effects.rs`.

use serde::{Deserialize, Serialize};

/// Switches that change the next answers, for demos, negative tests and service providers testing their own
/// clients. Every member is declared once more in `Faults::SWITCHES`, with its description (a test checks that the
/// two agree, and that the README's fault table says the same).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// KRR answers are altered after signing: the signature no longer verifies.
    pub tamper_signature: bool,
    /// KRR answers are signed with a certificate that expired 30 days ago.
    pub expired_certificate: bool,
    /// KRR answers are signed by a certificate from a CA nobody trusts.
    pub unknown_ca: bool,
    /// Tokens and KRR answers carry a `kid` that is not in any key set.
    pub wrong_kid: bool,
    /// KRR answers HTTP 500.
    pub http_500: bool,
    /// KRR waits this many seconds before answering (at most 300).
    pub delay_seconds: i64,
    /// Tokens are issued already expired.
    pub expired_tokens: bool,
    /// Tokens' `iat` and `exp` are moved by this many seconds (the provider's clock is off).
    pub clock_skew_seconds: i64,
    /// The provider has rotated its token key: a new `kid`, the old key gone from the JWKS.
    pub key_rotation: bool,
    /// The JWKS answers 503 with an HTML page.
    pub jwks_unavailable: bool,
    /// The JWKS waits this many seconds before answering.
    pub jwks_delay_seconds: i64,
    /// The token endpoint waits this many seconds before answering.
    pub token_delay_seconds: i64,
    /// The token endpoint answers 503 `temporarily_unavailable`.
    pub token_unavailable: bool,
    /// A refresh that asks for a `scope` is refused with `invalid_scope` (the provider does not narrow).
    pub refresh_scope_refused: bool,
    /// The id_token's `aud` is another client.
    pub id_token_wrong_aud: bool,
    /// The id_token's `iss` is another provider.
    pub id_token_wrong_iss: bool,
    /// The id_token's `nonce` is not the one of the request.
    pub id_token_wrong_nonce: bool,
    /// The id_token is unsigned (`alg: none`).
    pub id_token_alg_none: bool,
    /// Neither token carries `pid` (as after a login without a national id).
    pub token_without_pid: bool,
    /// The person declined the last API scope asked for: the token lacks it.
    pub consent_declined: bool,
    /// Discovery names another issuer than the one it was fetched from.
    pub discovery_wrong_issuer: bool,
    /// The authorization response carries another `state`.
    pub callback_wrong_state: bool,
    /// The authorization response carries no `iss`, although discovery promises it.
    pub callback_without_iss: bool,
    /// The authorization response's `iss` is another provider.
    pub callback_wrong_iss: bool,
    /// KRR answers 429 with `Retry-After: 30`.
    pub rate_limited: bool,
    /// KRR answers 503 with an HTML maintenance page.
    pub maintenance_page: bool,
    /// KRR answers plain JSON although `application/jose` was asked for.
    pub json_despite_jose: bool,
    /// KRR labels its answer with the other media type (a JWS as JSON, JSON as JOSE).
    pub wrong_content_type: bool,
    /// KRR's JSON has a trailing comma, as the documentation's examples do.
    pub trailing_comma: bool,
    /// KRR's JWS is cut off in the middle of its signature.
    pub truncated_jws: bool,
    /// KRR's JWS says `alg: none` and has no signature.
    pub jws_alg_none: bool,
    /// KRR's `x5c` holds only the signing certificate, not the CA.
    pub x5c_leaf_only: bool,
    /// KRR's `x5c` lists the CA first and the signing certificate second.
    pub x5c_wrong_order: bool,
    /// KRR signs with a certificate from an intermediate CA that has expired (x5c: leaf, intermediate, CA).
    pub x5c_expired_intermediate: bool,
    /// KRR's `status` is a value the code list does not know.
    pub unknown_status: bool,
    /// KRR's `reservasjon` is a value the code list does not know.
    pub unknown_reservasjon: bool,
    /// KRR's `varslingsstatus` is a value the code list does not know.
    pub unknown_varslingsstatus: bool,
    /// KRR's answer has a member the documentation does not list.
    pub unknown_field: bool,
    /// KRR's answer lacks the required `status`.
    pub missing_status: bool,
    /// KRR's answer has `reservasjon` twice, with different values.
    pub duplicate_member: bool,
    /// KRR answers for another person than the one logged in.
    pub answer_for_other_person: bool,
}

/// How a fault is set: on/off, or a number of seconds within bounds.
#[derive(Clone, Copy)]
pub(crate) enum Setting {
    Switch(fn(&mut Faults) -> &mut bool),
    Seconds {
        field: fn(&mut Faults) -> &mut i64,
        min: i64,
        max: i64,
    },
}

/// One fault of the catalogue: its name (the JSON member and the index page's form field), its label on the index
/// page, how it is set, what it does and what a good client does about it.
#[derive(Clone, Copy)]
pub(crate) struct Switch {
    pub name: &'static str,
    pub label: &'static str,
    pub setting: Setting,
    pub description: &'static str,
    pub good_client: &'static str,
}

/// One entry of `GET /admin/faults/catalogue`.
#[derive(Serialize)]
pub(crate) struct CatalogueEntry {
    name: &'static str,
    label: &'static str,
    /// `switch` or `seconds`.
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    description: &'static str,
    good_client: &'static str,
}

/// A fault value out of its bounds (PUT /admin/faults).
#[derive(Debug, thiserror::Error)]
#[error("{name} must be between {min} and {max}, not {value}")]
pub(crate) struct OutOfBounds {
    name: &'static str,
    min: i64,
    max: i64,
    value: i64,
}

const fn on(
    name: &'static str,
    label: &'static str,
    field: fn(&mut Faults) -> &mut bool,
    description: &'static str,
    good_client: &'static str,
) -> Switch {
    Switch {
        name,
        label,
        setting: Setting::Switch(field),
        description,
        good_client,
    }
}

const fn seconds(
    name: &'static str,
    label: &'static str,
    (field, min, max): (fn(&mut Faults) -> &mut i64, i64, i64),
    description: &'static str,
    good_client: &'static str,
) -> Switch {
    Switch {
        name,
        label,
        setting: Setting::Seconds { field, min, max },
        description,
        good_client,
    }
}

impl Faults {
    /// Every fault, in the index page's order. A new fault is a field of `Faults` and a line here (a test checks
    /// that the two agree, and that the README's table lists it); the page, its form and the catalogue follow.
    pub(crate) const SWITCHES: [Switch; 41] = [
        on(
            "tamper_signature",
            "KRR signature tampered",
            |f| &mut f.tamper_signature,
            "KRR's JWS payload is altered after signing (reservasjon NEI becomes JA)",
            "verifies the signature before it reads the payload, and refuses an answer that does not verify",
        ),
        on(
            "expired_certificate",
            "signing certificate expired",
            |f| &mut f.expired_certificate,
            "KRR signs with a certificate that expired 30 days ago",
            "checks the validity of every certificate in x5c and does not trust an expired one",
        ),
        on(
            "unknown_ca",
            "signed by an unknown CA",
            |f| &mut f.unknown_ca,
            "KRR signs with a certificate from a CA nobody trusts, sent with that CA in x5c",
            "builds the chain to its own trust anchors, never to a root the answer brings along",
        ),
        on(
            "wrong_kid",
            "wrong kid (tokens and answers)",
            |f| &mut f.wrong_kid,
            "tokens and KRR answers carry a kid that is in no key set",
            "refuses a token whose kid is not in the provider's JWKS (after fetching it once more)",
        ),
        on(
            "http_500",
            "KRR answers HTTP 500",
            |f| &mut f.http_500,
            "KRR answers 500 with a JSON error",
            "reports the register's failure with its status, and does not treat it as 'person not found'",
        ),
        seconds(
            "delay_seconds",
            "KRR delay (seconds)",
            (|f| &mut f.delay_seconds, 0, 300),
            "KRR waits this many seconds before answering",
            "gives every request a timeout and says which request timed out",
        ),
        on(
            "expired_tokens",
            "tokens issued already expired",
            |f| &mut f.expired_tokens,
            "access and id tokens are issued with exp in the past",
            "checks the id_token's exp and refuses the tokens before using them; a register's 401 means 'log in again'",
        ),
        seconds(
            "clock_skew_seconds",
            "token clock skew (seconds)",
            (|f| &mut f.clock_skew_seconds, -86400, 86400),
            "tokens' iat and exp are moved by this many seconds, as if the provider's clock were off",
            "allows a small skew (about a minute) on iat and exp and refuses more, naming the claim",
        ),
        on(
            "key_rotation",
            "token key rotated",
            |f| &mut f.key_rotation,
            "tokens are signed with a new key under a new kid; the JWKS holds only the new key",
            "fetches the JWKS again when a token names a kid it has not seen, instead of caching it forever",
        ),
        on(
            "jwks_unavailable",
            "JWKS answers 503",
            |f| &mut f.jwks_unavailable,
            "the JWKS answers 503 with an HTML page",
            "fails the login with the JWKS's status, and never accepts the id_token unverified",
        ),
        seconds(
            "jwks_delay_seconds",
            "JWKS delay (seconds)",
            (|f| &mut f.jwks_delay_seconds, 0, 300),
            "the JWKS waits this many seconds before answering",
            "gives the JWKS request a timeout and says that the key set did not answer",
        ),
        seconds(
            "token_delay_seconds",
            "token endpoint delay (seconds)",
            (|f| &mut f.token_delay_seconds, 0, 300),
            "the token endpoint waits this many seconds before answering",
            "gives the code exchange a timeout and says that the token endpoint did not answer",
        ),
        on(
            "token_unavailable",
            "token endpoint answers 503",
            |f| &mut f.token_unavailable,
            "the token endpoint answers 503 with error temporarily_unavailable",
            "reports the token endpoint's error and description, and does not retry the single-use code",
        ),
        on(
            "refresh_scope_refused",
            "refresh cannot narrow the scope",
            |f| &mut f.refresh_scope_refused,
            "a refresh that asks for a scope is refused with invalid_scope, as a provider that does not narrow",
            "the scope matrix falls back to a prompt=none login per set (the SSO session, no new browser visit) and says so per row",
        ),
        on(
            "id_token_wrong_aud",
            "id_token for another client",
            |f| &mut f.id_token_wrong_aud,
            "the id_token's aud is another client",
            "refuses an id_token whose aud is not its own client_id (OpenID Connect Core 3.1.3.7)",
        ),
        on(
            "id_token_wrong_iss",
            "id_token from another issuer",
            |f| &mut f.id_token_wrong_iss,
            "the id_token's iss is not the issuer of discovery",
            "refuses an id_token whose iss is not exactly the issuer it logged in with",
        ),
        on(
            "id_token_wrong_nonce",
            "id_token nonce mismatch",
            |f| &mut f.id_token_wrong_nonce,
            "the id_token's nonce is not the one the request sent",
            "refuses an id_token whose nonce does not match the request's (a replayed token)",
        ),
        on(
            "id_token_alg_none",
            "id_token unsigned (alg none)",
            |f| &mut f.id_token_alg_none,
            "the id_token is an unsigned JWT with alg none",
            "never accepts alg none, whatever the claims say",
        ),
        on(
            "token_without_pid",
            "tokens without pid",
            |f| &mut f.token_without_pid,
            "neither token carries pid, as after a login without a national id; KRR answers 403",
            "says that the login has no national id, so the register has nothing to answer",
        ),
        on(
            "consent_declined",
            "consent declined for a scope",
            |f| &mut f.consent_declined,
            "the last API scope asked for is left out of the token, as if the person unticked it",
            "compares the granted scopes with those asked for, and names the scope that is missing",
        ),
        on(
            "discovery_wrong_issuer",
            "discovery names another issuer",
            |f| &mut f.discovery_wrong_issuer,
            "discovery's issuer is not the URL it was fetched from",
            "refuses the discovery document (OpenID Connect Discovery 4.3) before it logs anyone in",
        ),
        on(
            "callback_wrong_state",
            "callback with wrong state",
            |f| &mut f.callback_wrong_state,
            "the authorization response carries another state than the request's",
            "refuses the callback (a forged or stale redirect) and never exchanges its code",
        ),
        on(
            "callback_without_iss",
            "callback without iss",
            |f| &mut f.callback_without_iss,
            "the authorization response has no iss, although discovery promises one",
            "refuses the response when discovery says authorization_response_iss_parameter_supported (RFC 9207)",
        ),
        on(
            "callback_wrong_iss",
            "callback from another issuer",
            |f| &mut f.callback_wrong_iss,
            "the authorization response's iss is another provider",
            "refuses the response: a mix-up attack sends another provider's code (RFC 9207)",
        ),
        on(
            "rate_limited",
            "KRR answers 429",
            |f| &mut f.rate_limited,
            "KRR answers 429 Too Many Requests with Retry-After: 30",
            "backs off for Retry-After seconds and tells the user when to try again",
        ),
        on(
            "maintenance_page",
            "KRR maintenance page (503 HTML)",
            |f| &mut f.maintenance_page,
            "KRR answers 503 with an HTML maintenance page instead of JSON",
            "reports the status and that the body is not the register's JSON, without trying to parse the page",
        ),
        on(
            "json_despite_jose",
            "JSON despite Accept: application/jose",
            |f| &mut f.json_despite_jose,
            "KRR answers plain JSON (application/json) although application/jose was asked for",
            "notices that the answer it asked to be signed is not signed, and does not trust it as if it were",
        ),
        on(
            "wrong_content_type",
            "KRR Content-Type swapped",
            |f| &mut f.wrong_content_type,
            "KRR labels a JWS application/json and JSON application/jose",
            "goes by what the body is, and never takes a body labelled JOSE as signed without verifying it",
        ),
        on(
            "trailing_comma",
            "KRR JSON with a trailing comma",
            |f| &mut f.trailing_comma,
            "KRR's JSON ends its object with a trailing comma, as the documentation's examples do",
            "reports that the answer is not JSON, rather than guessing at what was meant",
        ),
        on(
            "truncated_jws",
            "KRR JWS truncated",
            |f| &mut f.truncated_jws,
            "KRR's JWS is cut off in the middle of its signature",
            "refuses the answer: a signature that does not verify is no signature",
        ),
        on(
            "jws_alg_none",
            "KRR JWS unsigned (alg none)",
            |f| &mut f.jws_alg_none,
            "KRR's JWS says alg none and has an empty signature",
            "never accepts alg none from the register",
        ),
        on(
            "x5c_leaf_only",
            "x5c with the leaf only",
            |f| &mut f.x5c_leaf_only,
            "KRR's x5c holds only the signing certificate",
            "builds the chain from the leaf to a trust anchor it holds itself (the CA need not be in x5c)",
        ),
        on(
            "x5c_wrong_order",
            "x5c in the wrong order",
            |f| &mut f.x5c_wrong_order,
            "KRR's x5c lists the CA first and the signing certificate second",
            "verifies with x5c[0] only (RFC 7515 4.1.6), so a chain in the wrong order does not verify",
        ),
        on(
            "x5c_expired_intermediate",
            "x5c with an expired intermediate",
            |f| &mut f.x5c_expired_intermediate,
            "KRR signs with a valid certificate from an intermediate CA that expired 10 days ago (x5c: leaf, intermediate, CA)",
            "checks the validity of every certificate on the path, not only the leaf's",
        ),
        on(
            "unknown_status",
            "unknown status value",
            |f| &mut f.unknown_status,
            "KRR's status is SPERRET, a value the code list does not know",
            "keeps the unknown value, flags it, and does not take it as AKTIV",
        ),
        on(
            "unknown_reservasjon",
            "unknown reservasjon value",
            |f| &mut f.unknown_reservasjon,
            "KRR's reservasjon is DELVIS, a value the code list does not know",
            "flags the unknown value and, in doubt, treats the person as reserved",
        ),
        on(
            "unknown_varslingsstatus",
            "unknown varslingsstatus value",
            |f| &mut f.unknown_varslingsstatus,
            "KRR's varslingsstatus is MIDLERTIDIG_SPERRET, a value the code list does not know",
            "flags the unknown value and, in doubt, does not notify",
        ),
        on(
            "unknown_field",
            "KRR answer with an unknown field",
            |f| &mut f.unknown_field,
            "KRR's answer has a member sist_kontrollert the documentation does not list",
            "keeps reading (new fields appear), shows the field as unknown, and does not fail",
        ),
        on(
            "missing_status",
            "KRR answer without status",
            |f| &mut f.missing_status,
            "KRR's answer lacks the required status",
            "says that a required field is missing rather than assuming a default",
        ),
        on(
            "duplicate_member",
            "KRR answer with reservasjon twice",
            |f| &mut f.duplicate_member,
            "KRR's answer has reservasjon twice, NEI then JA",
            "refuses or flags an object with a repeated member: readers disagree on which value counts",
        ),
        on(
            "answer_for_other_person",
            "KRR answers for another person",
            |f| &mut f.answer_for_other_person,
            "KRR's answer is for another personidentifikator than the token's pid",
            "checks that the answer is for the person who logged in",
        ),
    ];

    /// Whether a switch is on (a number: not zero).
    pub(crate) fn is_on(&self, switch: &Switch) -> bool {
        let mut copy = self.clone();
        match switch.setting {
            Setting::Switch(field) => *field(&mut copy),
            Setting::Seconds { field, .. } => *field(&mut copy) != 0,
        }
    }

    /// A number's current value (0 for a switch).
    pub(crate) fn seconds_of(&self, switch: &Switch) -> i64 {
        match switch.setting {
            Setting::Seconds { field, .. } => *field(&mut self.clone()),
            Setting::Switch(_) => 0,
        }
    }

    /// Every number within its bounds.
    pub(crate) fn check_bounds(&self) -> Result<(), OutOfBounds> {
        let mut copy = self.clone();
        for s in &Faults::SWITCHES {
            if let Setting::Seconds { field, min, max } = s.setting {
                let value = *field(&mut copy);
                if !(min..=max).contains(&value) {
                    return Err(OutOfBounds {
                        name: s.name,
                        min,
                        max,
                        value,
                    });
                }
            }
        }
        Ok(())
    }

    /// The catalogue: every fault with its kind, bounds, description and what a good client does.
    pub(crate) fn catalogue() -> Vec<CatalogueEntry> {
        Faults::SWITCHES
            .iter()
            .map(|s| {
                let (kind, min, max) = match s.setting {
                    Setting::Switch(_) => ("switch", None, None),
                    Setting::Seconds { min, max, .. } => ("seconds", Some(min), Some(max)),
                };
                CatalogueEntry {
                    name: s.name,
                    label: s.label,
                    kind,
                    min,
                    max,
                    description: s.description,
                    good_client: s.good_client,
                }
            })
            .collect()
    }

    /// The switches of the index page's form: a ticked checkbox is sent (`name=on`), an unticked one is not;
    /// unknown fields are ignored, a number is clamped to its bounds (unreadable: 0).
    pub(crate) fn from_form(pairs: &[(String, String)]) -> Faults {
        let mut f = Faults::default();
        for (name, value) in pairs {
            let Some(s) = Faults::SWITCHES.iter().find(|s| s.name == name) else {
                continue;
            };
            match s.setting {
                Setting::Switch(field) => *field(&mut f) = true,
                Setting::Seconds { field, min, max } => {
                    *field(&mut f) = value.trim().parse::<i64>().unwrap_or(0).clamp(min, max);
                }
            }
        }
        f
    }
}

#[cfg(test)]
#[path = "faults_tests.rs"]
mod tests;
