//! The config file parser on any text: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Config::parse(text, std::path::Path::new("fuzz.toml"));
});
