//! Keys and digests too weak to trust, and headers with duplicate members: never `valid`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde_json::json;

use super::super::jwk::KeySet;
use super::super::pki::{self, Subject};
use super::super::*;
use super::{Chain, PERSON, chain, now, signed_by, trusting};

/// A chain with a CA of `ca_bits`, a leaf key of `leaf_bits`, the leaf signed with `digest`.
fn chain_of(ca_bits: u32, leaf_bits: u32, digest: openssl::hash::MessageDigest) -> Chain {
    let ca = pki::self_signed_ca(
        &Subject {
            common_name: "Weak Test CA",
            organisation: "Test",
            organisation_number: None,
        },
        ca_bits,
        now() - Duration::days(3650),
        now() + Duration::days(3650),
    )
    .unwrap();
    let leaf = pki::issue_signing_cert_with_digest(
        &ca,
        &Subject {
            common_name: "WEAK SIGNER",
            organisation: "Test",
            organisation_number: None,
        },
        pki::rsa_key(leaf_bits).unwrap(),
        now() - Duration::days(10),
        now() + Duration::days(365),
        digest,
    )
    .unwrap();
    Chain { ca, leaf }
}

#[test]
fn weak_keys_and_sha1_certificates_are_never_valid() {
    use openssl::hash::MessageDigest;
    let verdict = |c: &Chain| {
        let jws = signed_by(c, PERSON);
        inspect(
            jws.as_bytes(),
            Some("application/jose"),
            &trusting(&c.ca),
            now(),
        )
        .unwrap()
        .signature
        .verdict
    };
    // A control: the same construction with sound parameters is valid.
    assert!(verdict(&chain_of(2048, 2048, MessageDigest::sha256())).is_valid());
    for bits in [512, 1024] {
        let v = verdict(&chain_of(2048, bits, MessageDigest::sha256()));
        assert_eq!(v.label(), "invalid", "RSA-{bits}: {v:?}");
        assert!(
            v.reason().contains(&format!("RSA with {bits} bits"))
                && v.reason().contains("RFC 7518 §3.3"),
            "{v:?}"
        );
    }
    let v = verdict(&chain_of(1024, 2048, MessageDigest::sha256()));
    assert_eq!(v.label(), "untrusted", "{v:?}");
    assert!(
        v.reason()
            .contains("CA certificate 'C=NO, O=Test, CN=Weak Test CA' has an RSA key of 1024 bits"),
        "{v:?}"
    );
    let v = verdict(&chain_of(2048, 2048, MessageDigest::sha1()));
    assert_eq!(v.label(), "untrusted", "{v:?}");
    assert!(
        v.reason().contains("signed with sha1WithRSAEncryption"),
        "{v:?}"
    );
    // The JWKS path applies the same key rule.
    let weak = pki::rsa_key(1024).unwrap();
    let mut t = TrustStore::new();
    t.jwks =
        KeySet::parse(&json!({"keys": [super::jwk::public_jwk(&weak, "w", "RS256")]}).to_string())
            .unwrap();
    let jws = sign_compact(&json!({"kid": "w"}), PERSON.as_bytes(), &weak, Alg::Rs256).unwrap();
    let v = inspect(jws.as_bytes(), None, &t, now())
        .unwrap()
        .signature
        .verdict;
    assert_eq!(v.label(), "invalid", "{v:?}");
    assert!(v.reason().contains("RSA with 1024 bits"), "{v:?}");
}

#[test]
fn duplicate_header_members_are_refused() {
    let c = chain(now() - Duration::days(10), now() + Duration::days(365));
    let x5c = x5c_of(&[&c.leaf.cert, &c.ca.cert]);
    // A valid signature over a header that says `alg` twice: which one counts depends on the parser.
    let header = format!(r#"{{"alg":"RS256","x5c":{x5c},"alg":"none"}}"#);
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(PERSON)
    );
    let sig = Alg::Rs256.sign(&c.leaf.key, input.as_bytes()).unwrap();
    let jws = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
    let v = inspect(jws.as_bytes(), None, &trusting(&c.ca), now())
        .unwrap()
        .signature
        .verdict;
    assert_eq!(v.label(), "invalid", "{v:?}");
    assert!(v.reason().contains("duplicate members (/alg)"), "{v:?}");
}
