//! Cost of inspecting a KRR answer, beside the cost of one bare RSA-2048 verify on the same machine.
//! Run: `cargo bench --bench inspect`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use openssl::hash::MessageDigest;
use openssl::sign::{Signer, Verifier};

use krr_inspector::jose::{self, TrustStore};
use krr_inspector::krr::{Lang, Person, explain};

const JWS: &str = include_str!("../tests/data/person-24079412372.jws");
const CA: &[u8] = include_bytes!("../tests/data/test-ca.pem");
const PERSON: &str = include_str!("../tests/data/person-24079412372.json");

fn benches(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let mut trust = TrustStore::new();
    trust.add_pem(CA).unwrap();
    assert!(
        jose::inspect(JWS.as_bytes(), Some("application/jose"), &trust, now)
            .unwrap()
            .signature
            .verdict
            .is_valid()
    );

    c.bench_function("jose::inspect (RS256, x5c of 2, chain check)", |b| {
        b.iter(|| {
            jose::inspect(
                black_box(JWS.as_bytes()),
                Some("application/jose"),
                &trust,
                now,
            )
            .unwrap()
        })
    });

    // Cold: nothing cached (the first answer an inspector sees from a signer).
    c.bench_function(
        "jose::inspect, cold (no cached certificate or chain)",
        |b| {
            b.iter(|| {
                jose::cert::clear_parse_cache();
                let mut fresh = TrustStore::new();
                fresh.add_pem(CA).unwrap();
                jose::inspect(
                    black_box(JWS.as_bytes()),
                    Some("application/jose"),
                    &fresh,
                    now,
                )
                .unwrap()
            })
        },
    );

    // Where the time goes: the parts of an inspection on their own.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(JWS.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let ders: Vec<Vec<u8>> = header["x5c"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| b64.decode(c.as_str().unwrap()).unwrap())
        .collect();
    c.bench_function(
        "part: parse the two x5c certificates (DER, uncached)",
        |b| {
            b.iter(|| {
                ders.iter()
                    .map(|d| openssl::x509::X509::from_der(d).unwrap())
                    .collect::<Vec<_>>()
            })
        },
    );
    let certs: Vec<openssl::x509::X509> = ders
        .iter()
        .map(|d| openssl::x509::X509::from_der(d).unwrap())
        .collect();
    c.bench_function("part: facts of the two certificates", |b| {
        b.iter(|| {
            certs
                .iter()
                .map(|c| jose::CertificateFacts::of(c))
                .collect::<Vec<_>>()
        })
    });
    let dot = JWS.rfind('.').unwrap();
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&JWS[dot + 1..])
        .unwrap();
    c.bench_function(
        "part: RS256 verify with x5c[0] (key decoded each time)",
        |b| {
            b.iter(|| {
                let key = certs[0].public_key().unwrap();
                jose::Alg::Rs256
                    .verify(&key, &JWS.as_bytes()[..dot], &sig)
                    .unwrap()
            })
        },
    );
    c.bench_function(
        "part: chain check (uncached: store built, 1 signature)",
        |b| {
            b.iter(|| {
                let mut fresh = TrustStore::new();
                fresh.add_pem(CA).unwrap();
                fresh.check_chain(&certs[0], &certs[1..], now)
            })
        },
    );

    let person = Person::from_json(PERSON).unwrap();
    c.bench_function("krr::explain (Digipost person, certificate)", |b| {
        b.iter(|| explain(black_box(&person), Lang::En, now))
    });
    c.bench_function("Person::from_json + explain", |b| {
        b.iter(|| {
            explain(
                &Person::from_json(black_box(PERSON)).unwrap(),
                Lang::En,
                now,
            )
        })
    });

    // The yardstick: one bare RSA-2048 PKCS#1 v1.5 SHA-256 verify of a message of the same size.
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let message = JWS.as_bytes();
    let mut signer = Signer::new(MessageDigest::sha256(), &key).unwrap();
    let signature = signer.sign_oneshot_to_vec(message).unwrap();
    c.bench_function("bare RSA-2048 verify (same message size)", |b| {
        b.iter(|| {
            let mut v = Verifier::new(MessageDigest::sha256(), &key).unwrap();
            v.verify_oneshot(black_box(&signature), message).unwrap()
        })
    });
}

criterion_group!(name = inspect; config = Criterion::default().sample_size(50); targets = benches);
criterion_main!(inspect);
