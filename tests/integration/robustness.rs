//! Nothing from outside may panic the program: every mutation of a real signed answer is inspected without a
//! panic and gets either a report or an error.

use chrono::{TimeZone, Utc};

use krr_inspector::inspect::inspect_body;
use krr_inspector::jose::TrustStore;
use krr_inspector::krr::Lang;

use super::data;

#[test]
fn every_single_byte_mutation_of_a_signed_answer_is_handled() {
    let jws = std::fs::read(data("person-24079412372.jws")).unwrap();
    let mut trust = TrustStore::new();
    trust
        .add_pem(&std::fs::read(data("test-ca.pem")).unwrap())
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let original =
        inspect_body(&jws, Some("application/jose"), &trust, None, Lang::En, now).unwrap();
    assert_eq!(original.verdict().label(), "valid");
    let mut still_valid = 0;
    // Every 7th position, three replacement bytes each: covers header, payload, signature and the dots.
    for i in (0..jws.len()).step_by(7) {
        for b in [b'.', b'A', 0xC3] {
            if jws[i] == b {
                continue;
            }
            let mut m = jws.clone();
            m[i] = b;
            if let Ok(r) = inspect_body(&m, Some("application/jose"), &trust, None, Lang::En, now)
                && r.verdict().is_valid()
            {
                still_valid += 1;
            }
        }
    }
    // Base64url has slack in its last character, so a very few mutations may decode to the same bytes; none other
    // may leave the signature valid.
    assert!(still_valid <= 2, "{still_valid} mutations still verified");
}

#[test]
fn truncations_are_handled() {
    let jws = std::fs::read(data("person-24079412372.jws")).unwrap();
    let trust = TrustStore::new();
    let now = Utc::now();
    for len in (0..jws.len()).step_by(13) {
        let _ = inspect_body(&jws[..len], None, &trust, None, Lang::Nb, now);
    }
}
