//! Person parsing and `explain` on any text.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

use krr_inspector::krr::{Lang, Person, explain, scope_check};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = Person::from_json(text) {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let _ = explain(&p, Lang::Nb, now);
        let _ = explain(&p, Lang::En, now);
        let _ = scope_check(&["user/kontaktinformasjon.read", "krr:user/digitalpost.read"], &p, Lang::En);
        // Serialising gives back an object that reads again.
        assert!(Person::from_value(p.to_value()).is_ok());
    }
});
