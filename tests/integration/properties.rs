//! Properties over generated input: national ids round-trip, person JSON survives parse → serialise → parse,
//! timestamps never panic and keep what they were given, `explain` is total over arbitrary JSON objects, and
//! `inspect` never panics on arbitrary bytes.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Map, Value};

use krr_inspector::inspect::inspect_body;
use krr_inspector::jose::TrustStore;
use krr_inspector::krr::time::{Timestamp, parse_krr_time};
use krr_inspector::krr::{Lang, NationalId, Person, Synthetic, explain, generate_synthetic};

/// Arbitrary JSON, a few levels deep, with keys from the person model mixed in so known fields get odd values.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("AKTIV"),
            Just("JA"),
            Just("KAN_VARSLES"),
            Just("984661185"),
            Just("2018-06-29T10:14:52+02"),
            Just("27129324169")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("personidentifikator".to_owned()),
        Just("reservasjon".to_owned()),
        Just("status".to_owned()),
        Just("varslingsstatus".to_owned()),
        Just("kontaktinformasjon".to_owned()),
        Just("epostadresse".to_owned()),
        Just("epostadresse_oppdatert".to_owned()),
        Just("mobiltelefonnummer".to_owned()),
        Just("digital_post".to_owned()),
        Just("postkasseleverandoeradresse".to_owned()),
        Just("sertifikat".to_owned()),
        Just("spraak".to_owned()),
        "[a-z_]{1,12}",
    ]
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json_value()), 0..10)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_ids_validate_and_keep_their_birth_date(days in 0i64..(140 * 365)) {
        let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
        for id in generate_synthetic(date, 3) {
            let parsed = NationalId::parse(&id.digits).unwrap();
            prop_assert_eq!(parsed.birth_date, date);
            prop_assert_eq!(parsed.synthetic, Synthetic::Tenor);
        }
    }

    #[test]
    fn any_eleven_digits_parse_or_say_why(digits in "[0-9]{11}") {
        match NationalId::parse(&digits) {
            Ok(id) => prop_assert_eq!(id.digits, digits),
            Err(e) => prop_assert!(!e.to_string().is_empty() && !e.message(Lang::Nb).is_empty()),
        }
    }

    #[test]
    fn person_json_round_trips(v in object()) {
        let p = Person::from_value(v).unwrap();
        let once = p.to_value();
        let again = Person::from_value(once.clone()).unwrap().to_value();
        prop_assert_eq!(once, again);
    }

    #[test]
    fn explain_is_total_over_objects(v in object(), lang in prop_oneof![Just(Lang::Nb), Just(Lang::En)]) {
        let p = Person::from_value(v.clone()).unwrap();
        let rows = explain(&p, lang, Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap());
        // Every non-null top-level member has at least one row (nothing is dropped).
        for (k, val) in v.as_object().unwrap() {
            if val.as_object().is_some_and(Map::is_empty) { continue; }
            prop_assert!(rows.iter().any(|r| r.path == *k || r.path.starts_with(&format!("{k}."))), "no row for {k}: {val}");
        }
    }

    #[test]
    fn timestamps_never_panic_and_keep_their_text(raw in ".{0,40}") {
        let t = Timestamp::parse(&raw);
        prop_assert_eq!(t.raw(), raw.as_str());
        let _ = parse_krr_time(&raw);
    }

    #[test]
    fn timestamps_in_the_three_shapes_parse(secs in 0i64..4_000_000_000, millis in 0u32..1000, offset_h in -12i32..14) {
        let t = Utc.timestamp_opt(secs, millis * 1_000_000).unwrap();
        let off = chrono::FixedOffset::east_opt(offset_h * 3600).unwrap();
        let local = t.with_timezone(&off);
        let hour_only = format!("{}{:+03}", local.format("%Y-%m-%dT%H:%M:%S"), offset_h);
        let shapes = [hour_only, t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(), local.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()];
        for s in shapes {
            let parsed = parse_krr_time(&s).unwrap();
            prop_assert_eq!(parsed.timestamp(), t.timestamp(), "{}", s);
        }
    }

    #[test]
    fn inspect_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = inspect_body(&body, None, &TrustStore::new(), None, Lang::En, Utc::now());
        let _ = inspect_body(&body, Some("application/jose"), &TrustStore::new(), None, Lang::Nb, Utc::now());
    }

    #[test]
    fn inspect_never_panics_on_jws_shaped_text(parts in prop::collection::vec("[A-Za-z0-9_=-]{0,80}", 1..6)) {
        let _ = inspect_body(parts.join(".").as_bytes(), None, &TrustStore::new(), None, Lang::En, Utc::now());
    }
}

mod emulator_requests {
    use std::sync::OnceLock;

    use axum::body::Body;
    use axum::http::Request;
    use proptest::prelude::*;
    use tower::ServiceExt;

    use krr_inspector::emulator::{Emulator, EmulatorConfig};

    use super::super::support::keys;

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RT.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        })
    }

    const PATHS: &[&str] = &[
        "/authorize",
        "/token",
        "/login",
        "/userinfo",
        "/logout",
        "/jwks.json",
        "/rest/v1/person",
        "/admin/faults",
        "/.well-known/openid-configuration",
        "/idporten-oidc-provider/authorize",
        "/idporten-oidc-provider/token",
        "/kontaktinfo-oauth2-server/rest/v1/person",
        "/",
        "/ca.pem",
        "/admin/stats",
    ];

    fn request() -> impl Strategy<Value = (String, String, String, Vec<(String, String)>, Vec<u8>)>
    {
        let method = prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("PUT"),
            Just("PATCH"),
            Just("DELETE")
        ]
        .prop_map(str::to_owned);
        let path = (prop::sample::select(PATHS), "[a-z/%.]{0,6}")
            .prop_map(|(p, extra)| format!("{p}{extra}"));
        let query = prop::collection::vec(
            (
                prop_oneof![
                    Just("client_id"),
                    Just("redirect_uri"),
                    Just("state"),
                    Just("nonce"),
                    Just("scope"),
                    Just("code_challenge"),
                    Just("code_challenge_method"),
                    Just("response_type"),
                    Just("prompt"),
                    Just("acr_values"),
                    Just("grant_type"),
                    Just("code"),
                    Just("code_verifier"),
                    Just("request"),
                    Just("pid"),
                    Just("pick"),
                    Just("action")
                ],
                prop_oneof![
                    Just("krr-inspector".to_owned()),
                    Just("http://127.0.0.1:9/cb".to_owned()),
                    Just("S256".to_owned()),
                    Just("code".to_owned()),
                    Just("openid krr:user/kontaktinformasjon.read".to_owned()),
                    "[ -~]{0,30}"
                ],
            ),
            0..8,
        )
        .prop_map(|kv| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(kv)
                .finish()
        });
        let headers = prop::collection::vec(
            (
                prop_oneof![
                    Just("authorization"),
                    Just("cookie"),
                    Just("content-type"),
                    Just("accept")
                ]
                .prop_map(str::to_owned),
                prop_oneof![
                    Just("Bearer a.b.c".to_owned()),
                    Just("Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=".to_owned()),
                    Just("application/x-www-form-urlencoded".to_owned()),
                    Just("application/json".to_owned()),
                    Just("application/jose".to_owned()),
                    Just("krr_emulator_sso=x".to_owned()),
                    "[ -~]{0,40}"
                ],
            ),
            0..4,
        );
        let body = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            "[ -~]{0,200}".prop_map(String::into_bytes)
        ];
        (method, path, query, headers, body)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn every_malformed_request_gets_a_4xx_never_a_5xx((method, path, query, headers, body) in request()) {
            let app = Emulator::router(EmulatorConfig::local(keys()), "http://127.0.0.1:7070").unwrap();
            let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
            let mut builder = Request::builder().method(method.as_str()).uri(&uri);
            for (k, v) in &headers {
                builder = builder.header(k, v);
            }
            let Ok(request) = builder.body(Body::from(body)) else { return Ok(()) };
            let response = runtime().block_on(app.oneshot(request)).unwrap();
            prop_assert!(response.status().as_u16() < 500, "{method} {uri} {headers:?} -> {}", response.status());
        }
    }
}
