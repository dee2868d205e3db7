//! The emulator's keys: one RSA-2048 key for tokens, a CA, and the register's signing key and certificate (the
//! `x5c` chain of every KRR answer). Generated on first start and kept in the keys directory so that a client that
//! trusts the CA keeps trusting it across restarts. These are test keys of a local emulator, never real secrets.
//!
//! The app, the CLI and the emulator share the keys directory on purpose, so two of them may start at once:
//! `load_or_create` works under an exclusive lock file in the directory, and every file is written whole (a temp
//! file, then a rename), so no start can leave a CA key and certificate that do not match.

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
    /// The keys directory, when the keys came from one: persons' certificates are kept there too, so a person's
    /// answer is the same from run to run.
    dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("cannot create the keys directory {0}: {1}")]
    CreateDir(PathBuf, #[source] std::io::Error),
    #[error("cannot lock the keys directory with {0}: {1}")]
    Lock(PathBuf, #[source] std::io::Error),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, #[source] std::io::Error),
    #[error("cannot read {0}: not a PEM {1} ({2}); delete it to make a new one")]
    NotPem(PathBuf, &'static str, #[source] openssl::error::ErrorStack),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, #[source] std::io::Error),
    #[error("OpenSSL failed to make a key or certificate: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// Keys for the certificate faults (`expired_certificate`, `unknown_ca`, `x5c_expired_intermediate`): RSA key generation, so made once per
/// emulator, on first use, off the async threads.
pub(crate) struct FaultKeys {
    pub expired: KeyPair,
    pub foreign_ca: KeyPair,
    pub foreign_leaf: KeyPair,
    /// An intermediate CA under the emulator's CA that expired 10 days ago, and a valid register certificate it
    /// issued.
    pub expired_intermediate: KeyPair,
    pub leaf_of_expired_intermediate: KeyPair,
}

impl FaultKeys {
    /// A register certificate by the emulator's CA that expired 30 days ago, and a CA nobody trusts with its own
    /// register certificate. Blocking: call it from a blocking task.
    pub fn generate(keys: &Keys, now: DateTime<Utc>) -> Result<FaultKeys, KeysError> {
        let expired = pki::issue_signing_cert(
            &keys.ca,
            &KRR_SUBJECT,
            pki::rsa_key(2048)?,
            now - Duration::days(400),
            now - Duration::days(30),
        )?;
        let foreign_ca = pki::self_signed_ca(
            &Subject {
                common_name: "Unknown Test CA",
                organisation: "nobody you trust",
                organisation_number: None,
            },
            2048,
            now - Duration::days(1),
            now + Duration::days(365),
        )?;
        let foreign_leaf = pki::issue_signing_cert(
            &foreign_ca,
            &KRR_SUBJECT,
            pki::rsa_key(2048)?,
            now - Duration::days(1),
            now + Duration::days(365),
        )?;
        // The intermediate and its leaf reuse keys made above: certificates are cheap, RSA keys are not.
        let expired_intermediate = pki::issue_intermediate_ca(
            &keys.ca,
            &Subject {
                common_name: "krr-inspector Emulator Intermediate CA",
                organisation: "krr-inspector emulator",
                organisation_number: None,
            },
            expired.key.clone(),
            now - Duration::days(400),
            now - Duration::days(10),
        )?;
        let leaf_of_expired_intermediate = pki::issue_signing_cert(
            &expired_intermediate,
            &KRR_SUBJECT,
            foreign_leaf.key.clone(),
            now - Duration::days(1),
            now + Duration::days(365),
        )?;
        Ok(FaultKeys {
            expired,
            foreign_ca,
            foreign_leaf,
            expired_intermediate,
            leaf_of_expired_intermediate,
        })
    }
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
            dir: None,
        }
    }

    /// Loads the keys from `dir`, creating whatever is missing. A signing certificate that has expired (or no longer
    /// chains to the CA) is re-issued, so a long-lived keys directory keeps working. Other processes starting at
    /// the same time wait for this one (an exclusive lock on `dir/.lock`) and then load what it wrote.
    pub fn load_or_create(dir: &Path, now: DateTime<Utc>) -> Result<Keys, KeysError> {
        std::fs::create_dir_all(dir).map_err(|e| KeysError::CreateDir(dir.to_path_buf(), e))?;
        let lock_path = dir.join(".lock");
        let lock = match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        {
            Ok(file) => Some(file),
            // A directory nobody may write to (keys shipped read-only): nothing can be written there either, so
            // there is nothing to serialise; the keys are only read.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                None
            }
            Err(e) => return Err(KeysError::Lock(lock_path, e)),
        };
        if let Some(file) = &lock {
            file.lock().map_err(|e| KeysError::Lock(lock_path, e))?;
        }
        // The lock is released when `lock` is dropped, after the keys are read or written.
        Keys::load_or_create_locked(dir, now)
    }

    fn load_or_create_locked(dir: &Path, now: DateTime<Utc>) -> Result<Keys, KeysError> {
        let token_key = load_or_create_key(&dir.join("token-key.pem"))?;
        let ca_key_path = dir.join("ca-key.pem");
        let ca_cert_path = dir.join("ca-cert.pem");
        let ca = match (read_key(&ca_key_path)?, read_cert(&ca_cert_path)?) {
            // A key and certificate that do not belong together (left by an older version) are made anew.
            (Some(key), Some(cert))
                if cert.public_key().ok().is_some_and(|k| k.public_eq(&key)) =>
            {
                KeyPair { key, cert }
            }
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
        Ok(Keys {
            dir: Some(dir.to_path_buf()),
            ..Keys::assemble(token_key, ca, krr)
        })
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

    /// A certificate for a person's digital-post encryption key, issued by the CA. With a keys directory it is
    /// kept in `persons/` (key 0600, written whole, under the directory's lock) and used again while it is valid
    /// and chains to the CA, so the person's answer is the same from run to run; without one it is made afresh.
    pub fn person_certificate(&self, pid: &str, now: DateTime<Utc>) -> Result<X509, KeysError> {
        // Only a national id names a file: nothing from a token or a data file becomes a path otherwise.
        let dir = self
            .dir
            .as_ref()
            .filter(|_| pid.len() == 11 && pid.bytes().all(|b| b.is_ascii_digit()))
            .map(|d| d.join("persons"));
        let Some(dir) = dir else {
            return self.issue_person_certificate(pid, pki::rsa_key(2048)?, now);
        };
        std::fs::create_dir_all(&dir).map_err(|e| KeysError::CreateDir(dir.clone(), e))?;
        let lock_path = dir.join(".lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| KeysError::Lock(lock_path.clone(), e))?;
        lock.lock().map_err(|e| KeysError::Lock(lock_path, e))?;
        let key = load_or_create_key(&dir.join(format!("{pid}-key.pem")))?;
        let cert_path = dir.join(format!("{pid}-cert.pem"));
        let ca_key = self.ca.cert.public_key()?;
        if let Some(cert) = read_cert(&cert_path)?.filter(|cert| {
            CertificateFacts::of(cert).valid_at(now + Duration::days(1))
                && cert.public_key().ok().is_some_and(|k| k.public_eq(&key))
                && cert.verify(&ca_key).unwrap_or(false)
        }) {
            return Ok(cert);
        }
        let cert = self.issue_person_certificate(pid, key, now)?;
        write_public(&cert_path, &cert.to_pem()?)?;
        Ok(cert)
    }

    fn issue_person_certificate(
        &self,
        pid: &str,
        key: PKey<Private>,
        now: DateTime<Utc>,
    ) -> Result<X509, KeysError> {
        let cn = format!("Test person {pid}");
        let subject = Subject {
            common_name: &cn,
            organisation: "krr-inspector emulator",
            organisation_number: None,
        };
        Ok(pki::issue_signing_cert(
            &self.ca,
            &subject,
            key,
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
    what: &'static str,
    parse: impl FnOnce(&[u8]) -> Result<T, openssl::error::ErrorStack>,
) -> Result<Option<T>, KeysError> {
    match std::fs::read(path) {
        Ok(pem) => parse(&pem)
            .map(Some)
            .map_err(|e| KeysError::NotPem(path.to_path_buf(), what, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(KeysError::Read(path.to_path_buf(), e)),
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
    write_whole(path, bytes, 0o644).map_err(|e| KeysError::Write(path.to_path_buf(), e))
}

/// Writes a private key readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeysError> {
    write_whole(path, bytes, 0o600).map_err(|e| KeysError::Write(path.to_path_buf(), e))
}

/// Writes `bytes` to a new file beside `path` (created with `mode` on Unix, so a private key is never readable by
/// others, not even for a moment), flushes it, then renames it over `path`: a reader sees the old file or the new
/// one, never half of one.
fn write_whole(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pair: &KeyPair) -> bool {
        pair.cert.public_key().is_ok_and(|k| k.public_eq(&pair.key))
    }

    #[test]
    fn a_persons_certificate_is_the_same_from_run_to_run_with_a_keys_directory() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let der =
            |keys: &Keys, pid: &str| keys.person_certificate(pid, now).unwrap().to_der().unwrap();
        let first = Keys::load_or_create(dir.path(), now).unwrap();
        let a = der(&first, "24079412372");
        // Another run: the keys directory loaded again.
        let second = Keys::load_or_create(dir.path(), now).unwrap();
        assert_eq!(
            der(&second, "24079412372"),
            a,
            "the same certificate in the next run"
        );
        assert_ne!(der(&second, "11089499889"), a, "each person has their own");
        // Only a national id names a file; anything else gets a certificate made afresh and nothing on disk.
        let odd = "../../etc/x";
        assert_ne!(der(&second, odd), der(&second, odd));
        let files: Vec<String> = std::fs::read_dir(dir.path().join("persons"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            files.iter().all(|f| f.starts_with('.')
                || f.starts_with("24079412372")
                || f.starts_with("11089499889")),
            "{files:?}"
        );
        // Without a directory (keys made in memory) each call makes a new one.
        let memory = Keys::generate(now).unwrap();
        assert_ne!(der(&memory, "24079412372"), der(&memory, "24079412372"));
    }

    #[test]
    fn concurrent_first_starts_agree_on_one_ca_whose_key_matches_its_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let starts: Vec<Keys> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..6)
                .map(|_| s.spawn(|| Keys::load_or_create(dir.path(), now)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        let first = starts[0].ca_pem();
        for keys in &starts {
            assert_eq!(keys.ca_pem(), first, "every start has the same CA");
            assert_eq!(keys.token_kid, starts[0].token_kid);
            assert_eq!(keys.krr_kid, starts[0].krr_kid);
            assert!(matches(&keys.ca) && matches(&keys.krr));
            assert!(keys.krr.cert.verify(&keys.ca.key).unwrap());
        }
        // What is on disk is what they all use.
        let again = Keys::load_or_create(dir.path(), now).unwrap();
        assert_eq!(again.ca_pem(), first);
        assert!(matches(&again.ca));
        #[cfg(unix)]
        for name in ["ca-key.pem", "krr-key.pem", "token-key.pem"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "no temp file left: {left:?}");
    }

    #[test]
    fn a_ca_key_without_its_certificate_is_made_anew_whole() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let first = Keys::load_or_create(dir.path(), now).unwrap();
        // Another key in place of the CA's (as a torn write by an older version could leave).
        let other = pki::rsa_key(2048).unwrap();
        std::fs::write(
            dir.path().join("ca-key.pem"),
            other.private_key_to_pem_pkcs8().unwrap(),
        )
        .unwrap();
        let next = Keys::load_or_create(dir.path(), now).unwrap();
        assert!(matches(&next.ca) && matches(&next.krr));
        assert_ne!(next.ca_pem(), first.ca_pem());
        assert!(next.krr.cert.verify(&next.ca.key).unwrap());
    }
}
