//! Making keys and certificates: a CA and the certificates it issues. Used by the emulator for its signing chain,
//! and by tests and benchmarks to build chains (valid, expired, unknown root).

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

/// A key and its certificate.
#[derive(Clone)]
pub struct KeyPair {
    pub key: PKey<Private>,
    pub cert: X509,
}

/// Who a certificate is for.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub common_name: &'a str,
    pub organisation: &'a str,
    /// Norwegian organisation number, put in `serialNumber` as enterprise certificates do.
    pub organisation_number: Option<&'a str>,
}

pub fn rsa_key(bits: u32) -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(bits)?)
}

fn build(
    subject: &Subject,
    key: &PKey<Private>,
    issuer: Option<&KeyPair>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    is_ca: bool,
    digest: MessageDigest,
) -> Result<X509, ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("C", "NO")?;
    name.append_entry_by_text("O", subject.organisation)?;
    if let Some(org) = subject.organisation_number {
        name.append_entry_by_text("serialNumber", org)?;
    }
    name.append_entry_by_text("CN", subject.common_name)?;
    let name = name.build();

    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, openssl::bn::MsbOption::MAYBE_ZERO, false)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))?;
    b.set_pubkey(key)?;
    let (from, until) = (
        Asn1Time::from_unix(not_before.timestamp())?,
        Asn1Time::from_unix(not_after.timestamp())?,
    );
    b.set_not_before(&from)?;
    b.set_not_after(&until)?;
    if is_ca {
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
    } else {
        b.append_extension(BasicConstraints::new().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()?,
        )?;
    }
    let ski =
        SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer.map(|i| &*i.cert), None))?;
    b.append_extension(ski)?;
    b.sign(issuer.map_or(key, |i| &i.key), digest)?;
    Ok(b.build())
}

/// A self-signed CA certificate for a fresh RSA key.
pub fn self_signed_ca(
    subject: &Subject,
    bits: u32,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Result<KeyPair, ErrorStack> {
    let key = rsa_key(bits)?;
    let cert = build(
        subject,
        &key,
        None,
        not_before,
        not_after,
        true,
        MessageDigest::sha256(),
    )?;
    Ok(KeyPair { key, cert })
}

/// An intermediate CA certificate issued by `ca` for `key` (the emulator's `x5c_expired_intermediate` fault).
pub fn issue_intermediate_ca(
    ca: &KeyPair,
    subject: &Subject,
    key: PKey<Private>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Result<KeyPair, ErrorStack> {
    let cert = build(
        subject,
        &key,
        Some(ca),
        not_before,
        not_after,
        true,
        MessageDigest::sha256(),
    )?;
    Ok(KeyPair { key, cert })
}

/// A signing (end-entity) certificate issued by `ca` for `key`.
pub fn issue_signing_cert(
    ca: &KeyPair,
    subject: &Subject,
    key: PKey<Private>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Result<KeyPair, ErrorStack> {
    issue_signing_cert_with_digest(
        ca,
        subject,
        key,
        not_before,
        not_after,
        MessageDigest::sha256(),
    )
}

/// A signing certificate signed with `digest` (tests make SHA-1 ones, which must not be trusted).
pub fn issue_signing_cert_with_digest(
    ca: &KeyPair,
    subject: &Subject,
    key: PKey<Private>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    digest: MessageDigest,
) -> Result<KeyPair, ErrorStack> {
    let cert = build(
        subject,
        &key,
        Some(ca),
        not_before,
        not_after,
        false,
        digest,
    )?;
    Ok(KeyPair { key, cert })
}
