//! How a person logs in at the emulator besides its login page: the headless TestID hint of ID-porten's test
//! environments (`login_hint=testid:<pid>_<acr>`, "Automatisert testing med ID-porten"), the e-mail login
//! (`acr=selfregistered-email`, no national id), and the `amr` each login method puts in the id_token.

use crate::krr::login::acr_levels;
use crate::krr::{NationalId, ScopeDialect};

/// The acr of an e-mail login (a self-registered user): its tokens carry no `pid`, so the register has no answer.
/// Digdir's generation only.
pub const EMAIL_ACR: &str = "selfregistered-email";

/// The id_token's `amr` for a TestID login: the headless hint, and the login page, which is the emulator's TestID
/// (a synthetic person picked or typed, a level chosen).
pub const AMR_TESTID: &str = "TestID";

/// The id_token's `amr` for an e-mail login (the emulator's choice: Digdir's documentation names no value).
pub const AMR_EMAIL: &str = "Selfregistered-email";

/// What is wrong with a `testid:` hint; sent back as `invalid_request` with this text as `error_description`.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HintError {
    #[error(
        "login_hint 'testid:{0}' must be testid:<pid>_<acr>, e.g. testid:12345678901_idporten-loa-high"
    )]
    NoAcr(String),
    #[error("login_hint: '{0}' is not an 11-digit national id")]
    NotElevenDigits(String),
    #[error("login_hint: '{pid}' is not a valid national id: {source}")]
    InvalidPid {
        pid: String,
        #[source]
        source: crate::krr::IdError,
    },
    #[error(
        "login_hint: acr selfregistered-email is an e-mail login, which has no national id: a testid hint needs an eID level ({0})"
    )]
    EmailAcr(String),
    #[error("login_hint: '{acr}' is not an acr level of this issuer (one of {levels})")]
    UnknownAcr { acr: String, levels: String },
}

/// A valid `testid:` hint: who logs in, at which level.
#[derive(Debug, PartialEq)]
pub struct TestIdHint {
    pub pid: String,
    pub acr: String,
}

/// Reads the part after `testid:` of a login hint for one generation's authorize endpoint.
pub fn parse_hint(dialect: ScopeDialect, rest: &str) -> Result<TestIdHint, HintError> {
    let levels = || acr_levels(dialect).join(", ");
    let Some((pid, acr)) = rest.split_once('_') else {
        return Err(HintError::NoAcr(rest.to_owned()));
    };
    if pid.len() != 11 || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HintError::NotElevenDigits(pid.to_owned()));
    }
    NationalId::parse(pid).map_err(|source| HintError::InvalidPid {
        pid: pid.to_owned(),
        source,
    })?;
    if acr == EMAIL_ACR {
        return Err(HintError::EmailAcr(levels()));
    }
    if !acr_levels(dialect).contains(&acr) {
        return Err(HintError::UnknownAcr {
            acr: acr.to_owned(),
            levels: levels(),
        });
    }
    Ok(TestIdHint {
        pid: pid.to_owned(),
        acr: acr.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_what_is_wrong() {
        let d = ScopeDialect::Digdir;
        assert_eq!(
            parse_hint(d, "21879498012_idporten-loa-high").unwrap(),
            TestIdHint {
                pid: "21879498012".into(),
                acr: "idporten-loa-high".into()
            }
        );
        assert!(matches!(
            parse_hint(d, "21879498012"),
            Err(HintError::NoAcr(_))
        ));
        assert!(matches!(
            parse_hint(d, "2187949801_idporten-loa-high"),
            Err(HintError::NotElevenDigits(_))
        ));
        assert!(matches!(
            parse_hint(d, "16903349845_idporten-loa-high"),
            Err(HintError::InvalidPid { .. })
        ));
        assert!(matches!(
            parse_hint(d, "21879498012_selfregistered-email"),
            Err(HintError::EmailAcr(_))
        ));
        assert!(matches!(
            parse_hint(d, "21879498012_Level4"),
            Err(HintError::UnknownAcr { .. })
        ));
        assert!(parse_hint(ScopeDialect::Difi, "21879498012_Level4").is_ok());
    }
}
