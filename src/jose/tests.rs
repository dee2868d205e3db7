//! Tests of JWS inspection on vectors nobody here made (RFC 7515 A.2, A.3) and on chains built in the tests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use super::jwk::KeySet;
use super::pki::{self, KeyPair, Subject};
use super::*;

const A2: &str = include_str!("../../tests/data/rfc7515-a2.jws");
const A2_KEYS: &str = include_str!("../../tests/data/rfc7515-a2.jwks.json");
const A3: &str = include_str!("../../tests/data/rfc7515-a3.jws");
const A3_KEYS: &str = include_str!("../../tests/data/rfc7515-a3.jwks.json");

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn trust_jwks(keys: &str) -> TrustStore {
    let mut t = TrustStore::new();
    t.jwks = KeySet::parse(keys).unwrap();
    t
}

/// Changes one character of the part `index` (0 header, 1 payload, 2 signature) to another base64url character.
fn flip(jws: &str, index: usize) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let part = &mut parts[index];
    let i = part.len() / 2;
    let c = part.as_bytes()[i];
    let replacement = if c == b'A' { 'B' } else { 'A' };
    part.replace_range(i..i + 1, &replacement.to_string());
    parts.join(".")
}

#[test]
fn rfc7515_a2_rs256_verifies_with_the_rfc_key() {
    let i = inspect(
        A2.as_bytes(),
        Some("application/jose"),
        &trust_jwks(A2_KEYS),
        now(),
    )
    .unwrap();
    assert!(i.signature.verdict.is_valid(), "{:?}", i.signature);
    assert_eq!(i.algorithm.as_deref(), Some("RS256"));
    assert_eq!(i.header, Some(json!({"alg": "RS256"})));
    assert!(i.payload.contains("\"iss\":\"joe\""));
}

#[test]
fn rfc7515_a3_es256_verifies_with_the_rfc_key() {
    let i = inspect(A3.as_bytes(), None, &trust_jwks(A3_KEYS), now()).unwrap();
    assert!(i.signature.verdict.is_valid(), "{:?}", i.signature);
    assert_eq!(
        i.signature.verdict.reason(),
        "the ES256 signature verifies with the key set's key (JWKS key without kid)"
    );
}

#[test]
fn rfc_vectors_fail_once_a_byte_changes() {
    for (jws, keys) in [(A2, A2_KEYS), (A3, A3_KEYS)] {
        for part in [1, 2] {
            let tampered = flip(jws, part);
            let i = inspect(tampered.as_bytes(), None, &trust_jwks(keys), now()).unwrap();
            assert_eq!(
                i.signature.verdict.label(),
                "invalid",
                "part {part}: {:?}",
                i.signature
            );
        }
    }
    // The A.2 signature is not valid for the A.3 key: RS256 with an EC key is a mismatch that says so.
    let i = inspect(A2.as_bytes(), None, &trust_jwks(A3_KEYS), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "unverifiable");
    assert!(
        i.signature.verdict.reason().contains("no key for RS256"),
        "{}",
        i.signature.verdict.reason()
    );
}

#[test]
fn no_key_at_all_is_unverifiable_with_advice() {
    let i = inspect(A2.as_bytes(), None, &TrustStore::new(), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "unverifiable");
    assert!(i.signature.verdict.reason().contains("pass --jwks"));
}

struct Chain {
    ca: KeyPair,
    leaf: KeyPair,
}

fn chain(leaf_from: DateTime<Utc>, leaf_until: DateTime<Utc>) -> Chain {
    chain_under("Test KRR Root CA", leaf_from, leaf_until)
}

fn chain_under(ca_name: &str, leaf_from: DateTime<Utc>, leaf_until: DateTime<Utc>) -> Chain {
    let ca = pki::self_signed_ca(
        &Subject {
            common_name: ca_name,
            organisation: "Test",
            organisation_number: None,
        },
        2048,
        now() - Duration::days(3650),
        now() + Duration::days(3650),
    )
    .unwrap();
    let leaf = pki::issue_signing_cert(
        &ca,
        &Subject {
            common_name: "DIGITALISERINGSDIREKTORATET TEST",
            organisation: "DIGITALISERINGSDIREKTORATET",
            organisation_number: Some("991825827"),
        },
        pki::rsa_key(2048).unwrap(),
        leaf_from,
        leaf_until,
    )
    .unwrap();
    Chain { ca, leaf }
}

fn signed_by(c: &Chain, payload: &str) -> String {
    let header = json!({"x5c": x5c_of(&[&c.leaf.cert, &c.ca.cert]), "kid": "krr-1"});
    sign_compact(&header, payload.as_bytes(), &c.leaf.key, Alg::Rs256).unwrap()
}

fn trusting(ca: &KeyPair) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_pem(&ca.cert.to_pem().unwrap()).unwrap();
    t
}

const PERSON: &str =
    r#"{"personidentifikator":"24079412372","reservasjon":"NEI","status":"AKTIV"}"#;

#[test]
fn generated_chain_valid_and_described() {
    let c = chain(now() - Duration::days(10), now() + Duration::days(365));
    let jws = signed_by(&c, PERSON);
    let i = inspect(
        jws.as_bytes(),
        Some("application/jose"),
        &trusting(&c.ca),
        now(),
    )
    .unwrap();
    assert!(i.signature.verdict.is_valid(), "{:?}", i.signature);
    let reason = i.signature.verdict.reason();
    assert!(
        reason.contains("DIGITALISERINGSDIREKTORATET TEST, org. no. 991825827"),
        "{reason}"
    );
    assert!(reason.contains("Test KRR Root CA"), "{reason}");
    assert_eq!(i.certificates.len(), 2);
    assert_eq!(
        i.certificates[0].organisation_number.as_deref(),
        Some("991825827")
    );
    assert_eq!(
        (
            i.certificates[0].key_type.as_str(),
            i.certificates[0].key_bits
        ),
        ("RSA", 2048)
    );
    assert!(i.certificates[1].self_signed);
    assert_eq!(i.certificates[0].sha256_fingerprint.len(), 32 * 3 - 1);
    assert_eq!(i.header.as_ref().unwrap()["kid"], "krr-1");
    assert_eq!(i.payload, PERSON);
}

#[test]
fn expired_leaf_is_untrusted_and_says_when() {
    let c = chain(now() - Duration::days(400), now() - Duration::days(35));
    let jws = signed_by(&c, PERSON);
    let i = inspect(jws.as_bytes(), None, &trusting(&c.ca), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "untrusted");
    let expected_date = (now() - Duration::days(35)).format("%Y-%m-%d").to_string();
    assert!(
        i.signature
            .verdict
            .reason()
            .contains(&format!("expired on {expected_date}")),
        "{}",
        i.signature.verdict.reason()
    );
    // The same answer checked at a time inside the window is valid: the clock is the inspector's, not the machine's.
    let then = now() - Duration::days(100);
    assert!(
        inspect(jws.as_bytes(), None, &trusting(&c.ca), then)
            .unwrap()
            .signature
            .verdict
            .is_valid()
    );
}

#[test]
fn not_yet_valid_leaf_is_untrusted() {
    let c = chain(now() + Duration::days(5), now() + Duration::days(365));
    let i = inspect(
        signed_by(&c, PERSON).as_bytes(),
        None,
        &trusting(&c.ca),
        now(),
    )
    .unwrap();
    assert_eq!(i.signature.verdict.label(), "untrusted");
    assert!(i.signature.verdict.reason().contains("is not valid before"));
}

#[test]
fn unknown_root_is_untrusted_with_advice() {
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let other = chain_under(
        "Another Root CA",
        now() - Duration::days(1),
        now() + Duration::days(365),
    );
    let i = inspect(
        signed_by(&c, PERSON).as_bytes(),
        None,
        &trusting(&other.ca),
        now(),
    )
    .unwrap();
    assert_eq!(i.signature.verdict.label(), "untrusted");
    assert!(
        i.signature
            .verdict
            .reason()
            .contains("not a trusted anchor (add its certificate with --trust-ca"),
        "{}",
        i.signature.verdict.reason()
    );
    let none = inspect(
        signed_by(&c, PERSON).as_bytes(),
        None,
        &TrustStore::new(),
        now(),
    )
    .unwrap();
    assert_eq!(none.signature.verdict.label(), "untrusted");
    // A trusted CA with the same name but another key did not sign this chain: still not trusted.
    let impostor = chain(now() - Duration::days(1), now() + Duration::days(365));
    let i = inspect(
        signed_by(&c, PERSON).as_bytes(),
        None,
        &trusting(&impostor.ca),
        now(),
    )
    .unwrap();
    assert_eq!(i.signature.verdict.label(), "untrusted");
    assert!(
        i.signature
            .verdict
            .reason()
            .contains("is not signed by the key of its issuer"),
        "{}",
        i.signature.verdict.reason()
    );
}

#[test]
fn a_chain_sent_ca_first_is_named_as_in_the_wrong_order() {
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let header = json!({"x5c": x5c_of(&[&c.ca.cert, &c.leaf.cert])});
    let jws = sign_compact(&header, PERSON.as_bytes(), &c.leaf.key, Alg::Rs256).unwrap();
    let i = inspect(jws.as_bytes(), None, &trusting(&c.ca), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "invalid");
    let why = i.signature.verdict.reason();
    assert!(
        why.contains(
            "x5c[0] is a CA certificate (basicConstraints CA:TRUE) but x5c[1] is not, so the chain is in the \
             wrong order (RFC 7515 §4.1.6"
        ),
        "{why}"
    );
}

#[test]
fn a_cut_rsa_signature_says_its_length_is_wrong() {
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let jws = signed_by(&c, PERSON);
    let (input, signature) = jws.rsplit_once('.').unwrap();
    // 200 base64url characters are 150 bytes: a signature cut off in transit.
    let cut = format!("{input}.{}", &signature[..200]);
    let i = inspect(cut.as_bytes(), None, &trusting(&c.ca), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "invalid");
    let why = i.signature.verdict.reason();
    let bytes = c.leaf.key.size();
    assert!(
        why.contains(&format!(
            "an RS256 signature with this key is {bytes} bytes, this one is 150: it was cut short"
        )),
        "{why}"
    );
}

#[test]
fn wrong_key_is_invalid() {
    // x5c names one certificate but another key signed: the classic substitution.
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let header = json!({"x5c": x5c_of(&[&c.leaf.cert, &c.ca.cert])});
    let jws = sign_compact(
        &header,
        PERSON.as_bytes(),
        &pki::rsa_key(2048).unwrap(),
        Alg::Rs256,
    )
    .unwrap();
    let i = inspect(jws.as_bytes(), None, &trusting(&c.ca), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "invalid");
    assert!(
        i.signature
            .verdict
            .reason()
            .contains("does not verify with the key of x5c[0]")
    );
    // In the right order, a signature by another key is not called an ordering problem.
    assert!(
        !i.signature.verdict.reason().contains("wrong order"),
        "{}",
        i.signature.verdict.reason()
    );
    // Tampering with a signed, trusted answer is invalid too.
    let tampered = flip(&signed_by(&c, PERSON), 1);
    assert_eq!(
        inspect(tampered.as_bytes(), None, &trusting(&c.ca), now())
            .unwrap()
            .signature
            .verdict
            .label(),
        "invalid"
    );
}

#[test]
fn header_algorithm_and_key_mismatch_says_so() {
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let jws = signed_by(&c, PERSON);
    let mut parts: Vec<&str> = jws.split('.').collect();
    let es_header = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&json!({"alg": "ES256", "x5c": x5c_of(&[&c.leaf.cert])})).unwrap(),
    );
    parts[0] = &es_header;
    let forged = parts.join(".");
    let i = inspect(forged.as_bytes(), None, &trusting(&c.ca), now()).unwrap();
    assert_eq!(i.signature.verdict.label(), "invalid");
    assert!(
        i.signature
            .verdict
            .reason()
            .contains("the header says ES256, but the key is RSA"),
        "{}",
        i.signature.verdict.reason()
    );
}

#[test]
fn alg_none_and_hmac_are_never_valid() {
    let payload = URL_SAFE_NO_PAD.encode(PERSON);
    for (alg, sig) in [("none", ""), ("HS256", "c2lnbmF0dXJl")] {
        let header = URL_SAFE_NO_PAD.encode(format!("{{\"alg\":\"{alg}\"}}"));
        let jws = format!("{header}.{payload}.{sig}");
        let mut trust = trust_jwks(A2_KEYS);
        trust
            .add_pem(
                &chain(now(), now() + Duration::days(1))
                    .ca
                    .cert
                    .to_pem()
                    .unwrap(),
            )
            .unwrap();
        let i = inspect(jws.as_bytes(), None, &trust, now()).unwrap();
        assert_eq!(i.signature.verdict.label(), "invalid", "{alg}");
    }
}

#[test]
fn ps256_and_es256_chains_verify() {
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let header = json!({"x5c": x5c_of(&[&c.leaf.cert, &c.ca.cert])});
    let jws = sign_compact(&header, PERSON.as_bytes(), &c.leaf.key, Alg::Ps256).unwrap();
    assert!(
        inspect(jws.as_bytes(), None, &trusting(&c.ca), now())
            .unwrap()
            .signature
            .verdict
            .is_valid()
    );

    let ec = openssl::pkey::PKey::from_ec_key(
        openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let jwk = jwk::public_jwk(&ec, "ec-1", "ES256");
    let jws = sign_compact(&json!({"kid": "ec-1"}), PERSON.as_bytes(), &ec, Alg::Es256).unwrap();
    let trust = trust_jwks(&json!({"keys": [jwk]}).to_string());
    let i = inspect(jws.as_bytes(), None, &trust, now()).unwrap();
    assert!(i.signature.verdict.is_valid(), "{:?}", i.signature);
    assert_eq!(i.signature.key.as_deref(), Some("JWKS kid=ec-1"));
    let i = inspect(jws.as_bytes(), None, &trust_jwks(A2_KEYS), now()).unwrap();
    assert!(
        i.signature
            .verdict
            .reason()
            .contains("kid \"ec-1\" is not in the key set")
    );
}

#[test]
fn json_bodies_are_unsigned_unless_jose_was_promised() {
    let i = inspect(
        PERSON.as_bytes(),
        Some("application/json; charset=utf-8"),
        &TrustStore::new(),
        now(),
    )
    .unwrap();
    assert_eq!(i.signature.verdict, SignatureVerdict::Unsigned);
    assert!(!i.is_signed());
    let i = inspect(
        PERSON.as_bytes(),
        Some("application/jose"),
        &TrustStore::new(),
        now(),
    )
    .unwrap();
    assert_eq!(i.signature.verdict.label(), "invalid");
}

#[test]
fn malformed_bodies_get_clear_errors() {
    let t = TrustStore::new();
    assert_eq!(inspect(b"", None, &t, now()), Err(JoseError::Empty));
    assert_eq!(
        inspect(&[0xff, 0xfe], None, &t, now()),
        Err(JoseError::NotText)
    );
    assert_eq!(
        inspect(b"a.b", None, &t, now()),
        Err(JoseError::WrongParts(2))
    );
    assert_eq!(inspect(b"a.b.c.d.e", None, &t, now()), Err(JoseError::Jwe));
    assert!(matches!(
        inspect(b"!!.e30.", None, &t, now()),
        Err(JoseError::Base64 { part: "header", .. })
    ));
    assert!(
        matches!(inspect(b"e30.e30.", None, &t, now()), Ok(i) if i.signature.verdict.label() == "invalid")
    );
    assert!(matches!(
        inspect(b"WzFd.e30.", None, &t, now()),
        Err(JoseError::Header(_))
    ));
    let bad_x5c = format!(
        "{}.e30.AAAA",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","x5c":["bm90IGEgY2VydA=="]}"#)
    );
    let i = inspect(bad_x5c.as_bytes(), None, &t, now()).unwrap();
    assert!(
        i.signature
            .verdict
            .reason()
            .starts_with("x5c[0] is not a DER X.509 certificate"),
        "{}",
        i.signature.verdict.reason()
    );
}

#[test]
fn unknown_header_members_are_kept() {
    let c = chain(now() - Duration::days(1), now() + Duration::days(365));
    let header = json!({"x5c": x5c_of(&[&c.leaf.cert]), "typ": "JOSE", "x-krr-version": 3});
    let jws = sign_compact(&header, PERSON.as_bytes(), &c.leaf.key, Alg::Rs256).unwrap();
    let i = inspect(jws.as_bytes(), None, &trusting(&c.ca), now()).unwrap();
    assert_eq!(i.header.as_ref().unwrap()["x-krr-version"], 3);
    assert!(
        i.signature.verdict.is_valid(),
        "a leaf-only x5c chains when the CA is trusted: {:?}",
        i.signature
    );
}

#[test]
fn cached_results_never_outlive_the_certificates_or_the_anchors() {
    let c = chain(now() - Duration::days(10), now() + Duration::days(20));
    let jws = signed_by(&c, PERSON);
    let trust = trusting(&c.ca);
    // Trusted now, and served from the cache on the next call.
    assert!(
        inspect(jws.as_bytes(), None, &trust, now())
            .unwrap()
            .signature
            .verdict
            .is_valid()
    );
    assert!(
        inspect(jws.as_bytes(), None, &trust, now())
            .unwrap()
            .signature
            .verdict
            .is_valid()
    );
    // After the leaf expires the same store, same answer, says untrusted: the cache window ended.
    let later = now() + Duration::days(21);
    assert_eq!(
        inspect(jws.as_bytes(), None, &trust, later)
            .unwrap()
            .signature
            .verdict
            .label(),
        "untrusted"
    );
    // Before it was valid, too.
    assert_eq!(
        inspect(jws.as_bytes(), None, &trust, now() - Duration::days(11))
            .unwrap()
            .signature
            .verdict
            .label(),
        "untrusted"
    );
    // A store without the anchor never sees another store's cached result.
    assert_eq!(
        inspect(jws.as_bytes(), None, &TrustStore::new(), now())
            .unwrap()
            .signature
            .verdict
            .label(),
        "untrusted"
    );
    // A tampered answer with cached certificates is still invalid: the signature is always checked.
    let tampered = flip(&jws, 1);
    assert_eq!(
        inspect(tampered.as_bytes(), None, &trust, now())
            .unwrap()
            .signature
            .verdict
            .label(),
        "invalid"
    );
}

mod strength;
