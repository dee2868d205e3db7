//! National id validation and classification on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

use krr_inspector::krr::{Lang, NationalId};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match NationalId::parse(text) {
        Ok(id) => {
            let _ = id.describe(Lang::Nb);
            // A valid id parses the same again from its digits.
            assert_eq!(NationalId::parse(&id.digits).map(|x| x.birth_date), Ok(id.birth_date));
        }
        Err(e) => {
            let _ = e.message(Lang::Nb);
        }
    }
});
