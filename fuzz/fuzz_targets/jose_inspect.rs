//! `jose::inspect` (and the body inspection around it) on any bytes, as a JWS or JSON, with a trusted CA.
#![no_main]

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

use krr_inspector::inspect::inspect_body;
use krr_inspector::jose::TrustStore;
use krr_inspector::krr::Lang;

fn trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = TrustStore::new();
        let _ = t.add_pem(include_bytes!("../../tests/data/test-ca.pem"));
        t
    })
}

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let content_type = match data.first() {
        Some(b) if b % 3 == 0 => Some("application/jose"),
        Some(b) if b % 3 == 1 => Some("application/json"),
        _ => None,
    };
    let _ = inspect_body(data, content_type, trust(), Some(&["krr:user/kontaktinformasjon.read".to_owned()]), Lang::En, now);
});
