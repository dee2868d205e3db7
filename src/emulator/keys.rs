//! The emulator's keys: one RSA-2048 key for tokens, a CA, and the register's signing key and certificate (the
//! `x5c` chain of every KRR answer). Generated on first start and kept in the keys directory so that a client that
//! trusts the CA keeps trusting it across restarts. These are test keys of a local emulator, never real secrets.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::{Value, json};

use crate::jose::cert::CertificateFacts;
use crate::jose::jwk::public_jwk;
use crate::jose::pki::{self, KeyPair, Subject};

pub const CA_SUBJECT: Subject<'static> = Subject {
    common_name: "krr-inspector Emulator Root CA",
    organisation: "krr-inspector emulator",
    organisation_number: None,
};
/// The register operator, as on the real signing certificate (Digdir, org. no. 991825827).
pub const KRR_SUBJECT: Subject<'static> = Subject {
    common_name: "DIGITALISERINGSDIREKTORATET EMULATOR KRR",
    organisation: "DIGITALISERINGSDIREKTORATET",
    organisation_number: Some("991825827"),
};

#[derive(Clone)]
pub struct Keys {
    pub token_key: PKey<Private>,
    pub token_kid: String,
    pub ca: KeyPair,
    pub krr: KeyPair,
    pub krr_kid: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("cannot create the keys directory {0}: {1}")]
    CreateDir(PathBuf, std::io::Error),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, String),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("OpenSSL failed to make a key or certificate: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// RFC 7638 JWK thumbprint of an RSA key: a stable `kid`.
pub fn thumbprint(key: &PKey<Private>) -> String {
    let jwk = public_jwk(key, "", "RS256");
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        jwk["e"].as_str().unwrap_or(""),
        jwk["n"].as_str().unwrap_or("")
    );
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(canonical.as_bytes()))
}

impl Keys {
    /// Fresh keys, kept in memory only.
    pub fn generate(now: DateTime<Utc>) -> Result<Keys, KeysError> {
        let ca = pki::self_signed_ca(
            &CA_SUBJECT,
            2048,
            now - Duration::days(1),
            now + Duration::days(3650),
        )?;
        let krr = issue_krr(&ca, pki::rsa_key(2048)?, now)?;
        Ok(Keys::assemble(pki::rsa_key(2048)?, ca, krr))
    }

    fn assemble(token_key: PKey<Private>, ca: KeyPair, krr: KeyPair) -> Keys {
        Keys {
            token_kid: thumbprint(&token_key),
            krr_kid: thumbprint(&krr.key),
            token_key,
            ca,
            krr,
        }
    }

    /// Loads the keys from `dir`, creating whatever is missing. A signing certificate that has expired (or no longer
    /// chains to the CA) is re-issued, so a long-lived keys directory keeps working.
    pub fn load_or_create(dir: &Path, now: DateTime<Utc>) -> Result<Keys, KeysError> {
        std::fs::create_dir_all(dir).map_err(|e| KeysError::CreateDir(dir.to_path_buf(), e))?;
        let token_key = load_or_create_key(&dir.join("token-key.pem"))?;
        let ca_key_path = dir.join("ca-key.pem");
        let ca_cert_path = dir.join("ca-cert.pem");
        let ca = match (read_key(&ca_key_path)?, read_cert(&ca_cert_path)?) {
            (Some(key), Some(cert)) => KeyPair { key, cert },
            _ => {
                let ca = pki::self_signed_ca(
                    &CA_SUBJECT,
                    2048,
                    now - Duration::days(1),
                    now + Duration::days(3650),
                )?;
                write_private(&ca_key_path, &ca.key.private_key_to_pem_pkcs8()?)?;
                write_public(&ca_cert_path, &ca.cert.to_pem()?)?;
                ca
            }
        };
        let krr_key = load_or_create_key(&dir.join("krr-key.pem"))?;
        let krr_cert_path = dir.join("krr-cert.pem");
        let current = read_cert(&krr_cert_path)?.filter(|cert| {
            let facts = CertificateFacts::of(cert);
            let same_key = cert
                .public_key()
                .ok()
                .is_some_and(|k| k.public_eq(&krr_key));
            let by_ca = ca
                .cert
                .public_key()
                .ok()
                .is_some_and(|k| cert.verify(&k).unwrap_or(false));
            facts.valid_at(now + Duration::days(1)) && same_key && by_ca
        });
        let krr = match current {
            Some(cert) => KeyPair { key: krr_key, cert },
            None => {
                let krr = issue_krr(&ca, krr_key, now)?;
                write_public(&krr_cert_path, &krr.cert.to_pem()?)?;
                krr
            }
        };
        Ok(Keys::assemble(token_key, ca, krr))
    }

    /// The JWKS the provider publishes.
    pub fn token_jwks(&self) -> Value {
        json!({"keys": [public_jwk(&self.token_key, &self.token_kid, "RS256")]})
    }

    pub fn ca_pem(&self) -> String {
        self.ca
            .cert
            .to_pem()
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .unwrap_or_default()
    }

    /// A certificate for a person's digital-post encryption key, issued by the CA.
    pub fn person_certificate(&self, pid: &str, now: DateTime<Utc>) -> Result<X509, KeysError> {
        let cn = format!("Test person {pid}");
        let subject = Subject {
            common_name: &cn,
            organisation: "krr-inspector emulator",
            organisation_number: None,
        };
        Ok(pki::issue_signing_cert(
            &self.ca,
            &subject,
            pki::rsa_key(2048)?,
            now - Duration::days(30),
            now + Duration::days(730),
        )?
        .cert)
    }
}

fn issue_krr(ca: &KeyPair, key: PKey<Private>, now: DateTime<Utc>) -> Result<KeyPair, KeysError> {
    Ok(pki::issue_signing_cert(
        ca,
        &KRR_SUBJECT,
        key,
        now - Duration::days(1),
        now + Duration::days(730),
    )?)
}

/// Reads a PEM file with `parse`; `None` when it does not exist yet.
fn read_pem<T>(
    path: &Path,
    what: &str,
    parse: impl FnOnce(&[u8]) -> Result<T, openssl::error::ErrorStack>,
) -> Result<Option<T>, KeysError> {
    match std::fs::read(path) {
        Ok(pem) => parse(&pem).map(Some).map_err(|e| {
            KeysError::Read(
                path.to_path_buf(),
                format!("not a PEM {what} ({e}); delete it to make a new one"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(KeysError::Read(path.to_path_buf(), e.to_string())),
    }
}

fn read_key(path: &Path) -> Result<Option<PKey<Private>>, KeysError> {
    read_pem(path, "private key", PKey::private_key_from_pem)
}

fn read_cert(path: &Path) -> Result<Option<X509>, KeysError> {
    read_pem(path, "certificate", X509::from_pem)
}

fn load_or_create_key(path: &Path) -> Result<PKey<Private>, KeysError> {
    if let Some(key) = read_key(path)? {
        return Ok(key);
    }
    let key = pki::rsa_key(2048)?;
    write_private(path, &key.private_key_to_pem_pkcs8()?)?;
    Ok(key)
}

fn write_public(path: &Path, bytes: &[u8]) -> Result<(), KeysError> {
    std::fs::write(path, bytes).map_err(|e| KeysError::Write(path.to_path_buf(), e))
}

/// Writes a private key readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeysError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| KeysError::Write(path.to_path_buf(), e))?;
    f.write_all(bytes)
        .map_err(|e| KeysError::Write(path.to_path_buf(), e))
}
