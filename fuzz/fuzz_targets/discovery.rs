//! A discovery document from any provider: read with the issuer check and the URL policy. Never a panic, and
//! whatever is accepted has only endpoints a code or token may be sent to.
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::config::url_policy::check_destination;
use krr_inspector::oidc::discovery::parse_document;

fuzz_target!(|data: &[u8]| {
    if let Ok(meta) = parse_document(data, "https://test.idporten.no") {
        assert_eq!(meta.issuer, "https://test.idporten.no");
        for url in [&meta.authorization_endpoint, &meta.token_endpoint, &meta.jwks_uri] {
            assert!(check_destination("endpoint", url).is_ok(), "{url}");
        }
    }
});
