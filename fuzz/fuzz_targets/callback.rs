//! The loopback listener's judging of any request (hyper has parsed the request line; this is what follows).
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::krr::Lang;
use krr_inspector::oidc::Secret;
use krr_inspector::oidc::callback::{Expected, Judgement, judge};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (method, target) = text.split_once(' ').unwrap_or(("GET", &text));
    let expected = Expected {
        path: "/callback".into(),
        state: Secret::new("state-123"),
        issuer: "http://127.0.0.1:7070".into(),
        iss_required: data.len() % 2 == 0,
        lang: Lang::En,
    };
    match judge(method, target, &expected) {
        // A code, or any conclusive end of the login, only ever comes with this login's state.
        // (The state as decoded: `state=state-12%33` is this login's state too.)
        Judgement::Code { .. } | Judgement::Fail(_) => {
            let query = target.split_once('?').map_or("", |(_, q)| q);
            assert!(
                url::form_urlencoded::parse(query.as_bytes())
                    .any(|(k, v)| k == "state" && v == "state-123"),
                "{target}"
            )
        }
        Judgement::Stray(_) | Judgement::Ignore | Judgement::LoggedOut => {}
    }
});
