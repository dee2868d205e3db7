//! Facts about an X.509 certificate, as a tester wants to read them: who, by whom, when, which key, fingerprint.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKeyRef, Public};
use openssl::x509::{X509, X509NameRef, X509Ref};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct CertificateFacts {
    /// RFC 4514-style, most specific last: `C=NO, O=DIGITALISERINGSDIREKTORATET, CN=...`.
    pub subject: String,
    pub issuer: String,
    /// Norwegian organisation number from the subject (`serialNumber` or `organizationIdentifier` NTRNO-...), as
    /// enterprise certificates (virksomhetssertifikat) carry it.
    pub organisation_number: Option<String>,
    /// Hexadecimal, as OpenSSL prints it.
    pub serial: String,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    /// SHA-256 of the DER, colon-separated upper-case hex.
    pub sha256_fingerprint: String,
    /// `RSA`, `EC P-256`, ...
    pub key_type: String,
    pub key_bits: u32,
    pub self_signed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("not base64: {0}")]
    Base64(String),
    #[error("not a DER X.509 certificate: {0}")]
    Der(String),
}

/// Parsed certificates by the SHA-256 of their DER. OpenSSL 3 spends most of an inspection decoding the same
/// certificates again (the register signs every answer with one certificate for months); parsing is pure, so a
/// bounded cache keeps the result. Entries are whole parses: nothing outside the DER influences them.
type ParseCache = std::collections::HashMap<[u8; 32], (X509, std::sync::Arc<CertificateFacts>)>;
static PARSED: std::sync::Mutex<Option<ParseCache>> = std::sync::Mutex::new(None);
const PARSED_MAX: usize = 256;

/// Parses a DER certificate, with its facts, from the cache when this DER was seen before.
pub fn parse_der(der: &[u8]) -> Result<(X509, std::sync::Arc<CertificateFacts>), CertError> {
    let key = openssl::sha::sha256(der);
    if let Some(hit) = PARSED
        .lock()
        .ok()
        .and_then(|c| c.as_ref().and_then(|m| m.get(&key).cloned()))
    {
        return Ok(hit);
    }
    let cert = X509::from_der(der).map_err(|e| CertError::Der(first_openssl_reason(&e)))?;
    let facts = std::sync::Arc::new(CertificateFacts::of(&cert));
    if let Ok(mut cache) = PARSED.lock() {
        let map = cache.get_or_insert_with(Default::default);
        if map.len() >= PARSED_MAX {
            map.clear();
        }
        map.insert(key, (cert.clone(), facts.clone()));
    }
    Ok((cert, facts))
}

/// Empties the parse cache (for cold-start measurements).
pub fn clear_parse_cache() {
    if let Ok(mut c) = PARSED.lock() {
        *c = None;
    }
}

impl CertificateFacts {
    pub fn from_base64_der(b64: &str) -> Result<CertificateFacts, CertError> {
        let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| CertError::Base64(e.to_string()))?;
        Ok((*parse_der(&der)?.1).clone())
    }

    pub fn of(cert: &X509Ref) -> CertificateFacts {
        let (key_type, key_bits) = cert
            .public_key()
            .map(|k| describe_key(&k))
            .unwrap_or(("unknown".into(), 0));
        CertificateFacts {
            subject: name_to_string(cert.subject_name()),
            issuer: name_to_string(cert.issuer_name()),
            organisation_number: organisation_number(cert.subject_name()),
            serial: cert
                .serial_number()
                .to_bn()
                .ok()
                .and_then(|bn| bn.to_hex_str().ok().map(|s| s.to_string()))
                .unwrap_or_default(),
            not_before: asn1_to_utc(cert.not_before()),
            not_after: asn1_to_utc(cert.not_after()),
            sha256_fingerprint: cert
                .digest(MessageDigest::sha256())
                .map(|d| {
                    d.iter()
                        .map(|b| format!("{b:02X}"))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .unwrap_or_default(),
            key_type,
            key_bits,
            self_signed: cert.issuer_name().to_der().ok() == cert.subject_name().to_der().ok(),
        }
    }

    pub fn valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before.is_none_or(|t| t <= now) && self.not_after.is_none_or(|t| now <= t)
    }

    /// The common name, or the whole subject when there is none.
    pub fn common_name(&self) -> &str {
        self.subject
            .split(", ")
            .find_map(|part| part.strip_prefix("CN="))
            .unwrap_or(&self.subject)
    }
}

/// `RSA` 2048, `EC P-256` 256, ...
pub fn describe_key(key: &PKeyRef<Public>) -> (String, u32) {
    match key.id() {
        Id::RSA => ("RSA".into(), key.bits()),
        Id::EC => {
            let curve = key
                .ec_key()
                .ok()
                .and_then(|ec| ec.group().curve_name())
                .map(|nid| match nid {
                    Nid::X9_62_PRIME256V1 => "P-256".to_owned(),
                    Nid::SECP384R1 => "P-384".to_owned(),
                    Nid::SECP521R1 => "P-521".to_owned(),
                    other => other.short_name().unwrap_or("unknown curve").to_owned(),
                })
                .unwrap_or_else(|| "unknown curve".into());
            (format!("EC {curve}"), key.bits())
        }
        Id::ED25519 => ("Ed25519".into(), key.bits()),
        other => (format!("key type {}", other.as_raw()), key.bits()),
    }
}

pub fn name_to_string(name: &X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = match e.object().nid() {
                Nid::COMMONNAME => "CN".to_owned(),
                Nid::ORGANIZATIONNAME => "O".to_owned(),
                Nid::ORGANIZATIONALUNITNAME => "OU".to_owned(),
                Nid::COUNTRYNAME => "C".to_owned(),
                Nid::LOCALITYNAME => "L".to_owned(),
                Nid::SERIALNUMBER => "serialNumber".to_owned(),
                nid => nid
                    .short_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|_| e.object().to_string()),
            };
            let value = e.data().to_string().unwrap_or_else(|_| "?".into());
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn organisation_number(name: &X509NameRef) -> Option<String> {
    name.entries().find_map(|e| {
        let value = e.data().to_string().ok()?;
        let digits = value.strip_prefix("NTRNO-").unwrap_or(&value);
        let is_org = digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit());
        let nid = e.object().nid();
        let is_org_attr = nid == Nid::SERIALNUMBER || nid.as_raw() == 1319 /* organizationIdentifier */
            || e.object().to_string() == "2.5.4.97";
        (is_org && is_org_attr).then(|| digits.to_owned())
    })
}

pub fn asn1_to_utc(t: &Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(t).ok()?;
    DateTime::from_timestamp(i64::from(diff.days) * 86_400 + i64::from(diff.secs), 0)
}

/// The most useful line of an OpenSSL error stack.
pub fn first_openssl_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .first()
        .and_then(|x| x.reason().map(str::to_owned))
        .unwrap_or_else(|| "unreadable".into())
}
