//! A token endpoint's answer, whatever a hostile provider sends: parsed as the login parses it, and its lifetime
//! turned into an expiry by the same checked arithmetic. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::inspect::lookup::expiry;
use krr_inspector::krr::Lang;
use krr_inspector::oidc::parse_token_response;

fuzz_target!(|data: &[u8]| {
    if let Ok(fields) = parse_token_response(data) {
        let (at, problem) = expiry(chrono::Utc::now(), fields.expires_in, Lang::En);
        // Either a date or a problem, never both, for any lifetime.
        assert!(!(at.is_some() && problem.is_some()));
        assert_eq!(fields.expires_in.is_some(), at.is_some() || problem.is_some());
    }
});
