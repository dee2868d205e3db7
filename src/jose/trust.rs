//! Trust anchors and key sets the inspector may rely on, and the certificate chain check against them.
//!
//! By default nothing is trusted: a document signature is not a TLS connection, and trusting every web CA would let
//! any of them vouch for a "register" certificate. Anchors come from `--trust-ca`, the emulator's CA, or (opt-in)
//! the system store.

use chrono::{DateTime, Utc};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509Ref, X509StoreContext};
use serde::Serialize;

use super::cert::{CertificateFacts, asn1_to_utc, name_to_string};
use super::jwk::KeySet;
use super::reason::ChainWhy;

#[derive(Clone, Default)]
pub struct TrustStore {
    anchors: Vec<X509>,
    pub jwks: KeySet,
    /// Trusted chain results by the DER digests of leaf and intermediates, with the validity window of the verified
    /// path: for the same certificates and anchors the result can only change when `now` leaves that window.
    chains: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Vec<[u8; 32]>, CachedChain>>>,
}

#[derive(Clone)]
struct CachedChain {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    report: ChainReport,
}

const CHAINS_MAX: usize = 64;

type Window = Option<(DateTime<Utc>, DateTime<Utc>)>;

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("anchors", &self.anchors.len())
            .field("jwks", &self.jwks.keys.len())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("no PEM certificate found in the file (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificates,
    #[error("the PEM file could not be read: {0}")]
    BadPem(String),
}

impl TrustStore {
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// New anchors change what chains: results cached so far no longer hold (and clones keep their own).
    fn forget_chains(&mut self) {
        self.chains = Default::default();
    }

    /// Adds every certificate of a PEM file's text; returns how many.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        let certs = X509::stack_from_pem(pem)
            .map_err(|e| TrustError::BadPem(super::cert::first_openssl_reason(&e)))?;
        if certs.is_empty() {
            return Err(TrustError::NoCertificates);
        }
        let n = certs.len();
        self.anchors.extend(certs);
        self.forget_chains();
        Ok(n)
    }

    /// Adds the operating system's trust bundle; returns how many anchors it held, or `None` when none was found.
    /// Where the bundle is comes from `openssl-probe`, which looks where OpenSSL does on each distribution and
    /// honours `SSL_CERT_FILE`.
    pub fn add_system_roots(&mut self) -> Option<usize> {
        let file = openssl_probe::probe().cert_file?;
        let pem = std::fs::read(file).ok()?;
        self.add_pem(&pem).ok()
    }

    /// Checks that `leaf` chains to an anchor through `intermediates` and that every certificate is valid at `now`.
    pub fn check_chain(
        &self,
        leaf: &X509Ref,
        intermediates: &[X509],
        now: DateTime<Utc>,
    ) -> ChainReport {
        let key: Vec<[u8; 32]> = std::iter::once(leaf)
            .chain(intermediates.iter().map(|c| &**c))
            .map(|c| openssl::sha::sha256(&c.to_der().unwrap_or_default()))
            .collect();
        if let Ok(cache) = self.chains.lock()
            && let Some(hit) = cache.get(&key)
            && hit.from <= now
            && now <= hit.until
        {
            return hit.report.clone();
        }
        match self.verify(leaf, intermediates, now) {
            Ok((report, window)) => {
                if let (true, Some((from, until)), Ok(mut cache)) =
                    (report.trusted, window, self.chains.lock())
                {
                    if cache.len() >= CHAINS_MAX {
                        cache.clear();
                    }
                    cache.insert(
                        key,
                        CachedChain {
                            from,
                            until,
                            report: report.clone(),
                        },
                    );
                }
                report
            }
            Err(e) => ChainReport::of(
                false,
                ChainWhy::CannotRun {
                    openssl: super::cert::first_openssl_reason(&e),
                },
                Vec::new(),
            ),
        }
    }

    fn verify(
        &self,
        leaf: &X509Ref,
        intermediates: &[X509],
        now: DateTime<Utc>,
    ) -> Result<(ChainReport, Window), openssl::error::ErrorStack> {
        let mut builder = X509StoreBuilder::new()?;
        for anchor in &self.anchors {
            // Duplicates (the same CA added twice) are harmless; OpenSSL reports them as errors, so ignore those.
            let _ = builder.add_cert(anchor.clone());
        }
        let mut param = X509VerifyParam::new()?;
        param.set_time(now.timestamp() as _);
        // A trusted intermediate is enough: testers often trust the issuing CA rather than the root.
        param.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
        builder.set_param(&param)?;
        let store = builder.build();
        let mut chain = Stack::new()?;
        for c in intermediates {
            chain.push(c.clone())?;
        }
        let mut ctx = X509StoreContext::new()?;
        ctx.init(&store, leaf, &chain, |ctx| {
            let ok = ctx.verify_cert()?;
            let path: Vec<String> = ctx
                .chain()
                .map(|c| c.iter().map(|x| name_to_string(x.subject_name())).collect())
                .unwrap_or_default();
            if ok && let Some(why) = ctx.chain().and_then(weakness) {
                return Ok((ChainReport::of(false, why, path), None));
            }
            if ok {
                let anchor = path.last().cloned().unwrap_or_default();
                // Every certificate of the verified path is valid in [latest not_before, earliest not_after].
                let window = ctx.chain().and_then(|c| {
                    let times: Vec<_> = c
                        .iter()
                        .map(|x| (asn1_to_utc(x.not_before()), asn1_to_utc(x.not_after())))
                        .collect();
                    let from = times
                        .iter()
                        .map(|t| t.0)
                        .collect::<Option<Vec<_>>>()?
                        .into_iter()
                        .max()?;
                    let until = times
                        .iter()
                        .map(|t| t.1)
                        .collect::<Option<Vec<_>>>()?
                        .into_iter()
                        .min()?;
                    Some((from, until))
                });
                return Ok((
                    ChainReport::of(true, ChainWhy::Anchored { anchor }, path),
                    window,
                ));
            }
            let failing = ctx.current_cert().map(CertificateFacts::of);
            let who = failing
                .as_ref()
                .map(|c| c.subject.clone())
                .unwrap_or_else(|| "a certificate".into());
            let date = |t: Option<DateTime<Utc>>| {
                t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            };
            let why = match ctx.error().as_raw() {
                10 => ChainWhy::Expired {
                    who,
                    date: date(failing.as_ref().and_then(|c| c.not_after)),
                },
                9 => ChainWhy::NotYetValid {
                    who,
                    date: date(failing.as_ref().and_then(|c| c.not_before)),
                },
                2 | 18 | 19 | 20 => {
                    let top = ctx
                        .current_cert()
                        .map(|c| name_to_string(c.issuer_name()))
                        .unwrap_or_default();
                    ChainWhy::NotAnchored { top }
                }
                7 => {
                    let issuer = ctx
                        .current_cert()
                        .map(|c| name_to_string(c.issuer_name()))
                        .unwrap_or_default();
                    ChainWhy::WrongIssuerKey { who, issuer }
                }
                _ => ChainWhy::Failed {
                    who,
                    openssl: ctx.error().error_string().to_owned(),
                },
            };
            Ok((ChainReport::of(false, why, path), None))
        })
    }
}

/// Why a chain OpenSSL accepted is still not to be trusted: an RSA key under 2048 bits anywhere on it, or a
/// certificate signed with SHA-1 or MD5 (collisions can be made: a forged certificate with the same signature).
/// The anchor's signature on itself is not checked: trusting an anchor is a choice, not a signature.
fn weakness(chain: &openssl::stack::StackRef<openssl::x509::X509>) -> Option<ChainWhy> {
    use openssl::nid::Nid;
    let certs: Vec<&X509Ref> = chain.iter().collect();
    for (n, cert) in certs.iter().enumerate() {
        let who = name_to_string(cert.subject_name());
        let leaf = n == 0;
        if let Ok(key) = cert.public_key()
            && key.id() == openssl::pkey::Id::RSA
            && key.bits() < super::alg::MIN_RSA_BITS
        {
            return Some(ChainWhy::WeakRsa {
                leaf,
                who,
                bits: key.bits(),
                min: super::alg::MIN_RSA_BITS,
            });
        }
        let is_anchor_self_signature = n + 1 == certs.len()
            && cert.subject_name().to_der().ok() == cert.issuer_name().to_der().ok();
        let alg = cert.signature_algorithm().object().nid();
        let weak = [
            Nid::SHA1WITHRSAENCRYPTION,
            Nid::MD5WITHRSAENCRYPTION,
            Nid::MD2WITHRSAENCRYPTION,
            Nid::ECDSA_WITH_SHA1,
            Nid::DSAWITHSHA1,
            Nid::SHA1WITHRSA,
        ];
        if !is_anchor_self_signature && weak.contains(&alg) {
            return Some(ChainWhy::WeakDigest {
                leaf,
                who,
                digest: alg.long_name().unwrap_or("SHA-1").to_owned(),
            });
        }
    }
    None
}

/// The result of a chain check.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ChainReport {
    pub trusted: bool,
    pub reason: String,
    /// Subjects from the leaf to the anchor, when OpenSSL built a chain.
    pub path: Vec<String>,
    /// The reason as a structure, for either language (absent in files saved before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<ChainWhy>,
}

impl ChainReport {
    fn of(trusted: bool, why: ChainWhy, path: Vec<String>) -> ChainReport {
        ChainReport {
            trusted,
            reason: why.text(crate::lang::Lang::En),
            path,
            why: Some(why),
        }
    }
}
