//! Splitting a browser command line like a shell, and placing the URL.
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::oidc::browser::{command_line, split_words};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(words) = split_words(text) {
        if let Ok((_, args)) = command_line(text, "http://127.0.0.1:1/authorize?x=1") {
            // The URL is always passed, as one argument or inside one.
            assert!(args.iter().any(|a| a.contains("http://127.0.0.1:1/authorize?x=1")) || words.is_empty());
        }
    }
});
