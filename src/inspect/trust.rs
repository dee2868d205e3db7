//! "Trust this CA …": for an answer whose chain is untrusted, the certificate at the top of its `x5c` chain (the
//! root, or the issuing CA the chain ends at), offered for the user's own environments, stored through
//! `config::trust` and the answer checked again with it (`reverify`).

use chrono::Utc;

use super::report::Inspection;
use crate::config::Config;
use crate::config::trust::TrustCaError;
use crate::jose::SignatureVerdict;
use crate::krr::Lang;

/// The certificate offered as a trust anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub environment: String,
    pub subject: String,
    pub issuer: String,
    pub self_signed: bool,
    /// SHA-256 of the DER, colon-separated upper-case hex.
    pub fingerprint: String,
    pub pem: String,
}

/// For an answer whose signature verifies but whose chain is not trusted: the CA to offer, or why none can be
/// trusted from here (a built-in environment). `None` when nothing is to be offered.
pub fn offer(config: &Config, i: &Inspection) -> Option<Result<Anchor, TrustCaError>> {
    let body = i.body.as_ref()?;
    if !matches!(body.verdict(), SignatureVerdict::Untrusted(_)) {
        return None;
    }
    let env = &i.environment.environment;
    config.environment(env)?;
    if let Err(e) = crate::config::trust::can_trust_ca(config, env) {
        return Some(Err(e));
    }
    let jose = body.jose.as_ref()?;
    let top = jose
        .header
        .as_ref()?
        .get("x5c")?
        .as_array()?
        .last()?
        .as_str()?;
    let facts = jose.certificates.last()?;
    let pem = pem_of(top);
    Some(Ok(Anchor {
        environment: env.clone(),
        subject: facts.subject.clone(),
        issuer: facts.issuer.clone(),
        self_signed: facts.self_signed,
        fingerprint: facts.sha256_fingerprint.clone(),
        pem,
    }))
}

/// Why trusting did not work.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error(transparent)]
    Store(#[from] TrustCaError),
    #[error("the certificate was stored, but the config file cannot be read again: {0}")]
    Reload(#[from] crate::config::ConfigError),
    #[error("the certificate was stored, but it cannot be used: {0}")]
    Plan(#[from] super::plan::AnchorError),
}

/// Stores `anchor` for its environment, reads the config file again, and checks `i`'s answer again with the
/// environment's trust now. The answer: the new configuration, the inspection checked again, and where the
/// certificate was stored.
pub fn trust_and_reverify(
    config: &Config,
    anchor: &Anchor,
    i: &Inspection,
    lang: Lang,
) -> Result<(Config, Inspection, std::path::PathBuf), TrustError> {
    let stored = crate::config::trust::trust_ca(
        config,
        &anchor.environment,
        &anchor.pem,
        &anchor.fingerprint,
    )?;
    let config = Config::load(config.source.as_deref())?;
    let paths = config
        .environment(&anchor.environment)
        .map(|e| e.trust_ca.clone())
        .unwrap_or_default();
    let trust = super::plan::trust_anchors(&paths)?;
    let mut again = i.clone();
    super::reverify::reverify(&mut again, &trust, lang, Utc::now());
    // This is the app's own lookup, not a file: the verdict shown is the fresh one, without a file's note.
    again.reverified = None;
    Ok((config, again, stored))
}

/// A base64 DER certificate (an `x5c` entry) as PEM, 64 characters a line.
pub fn pem_of(b64: &str) -> String {
    let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in compact.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}
