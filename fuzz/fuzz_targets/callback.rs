//! The loopback listener's request parsing and judging on any request head.
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::krr::Lang;
use krr_inspector::oidc::Secret;
use krr_inspector::oidc::callback::{Expected, Judgement, judge, parse_request_line};

fuzz_target!(|data: &[u8]| {
    if let Some((method, target)) = parse_request_line(data) {
        let expected = Expected {
            path: "/callback".into(),
            state: Secret::new("state-123"),
            issuer: "http://127.0.0.1:7070".into(),
            iss_required: data.len() % 2 == 0,
            lang: Lang::En,
        };
        // A code is only ever accepted with the right state.
        if let Judgement::Code { .. } = judge(&method, &target, &expected) {
            assert!(target.contains("state=state-123"), "{target}");
        }
    }
});
