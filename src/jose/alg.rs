//! JWS algorithms (RFC 7518 §3): which are accepted, and signing/verifying with OpenSSL.

use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{HasPrivate, Id, PKeyRef, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};

/// The smallest RSA key a JWS may be signed with (RFC 7518 §3.3), and a certificate chain may use.
pub const MIN_RSA_BITS: u32 = 2048;

/// Why a key cannot verify a signature of an algorithm.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the signing key is RSA with {bits} bits; RFC 7518 §3.3 requires at least {MIN_RSA_BITS}, and a key \
         this small can be factored, so the signature proves nothing"
    )]
    WeakRsa { bits: u32 },
    #[error("the header says {alg}, but the key is {kind} ({bits} bits)")]
    WrongType {
        alg: &'static str,
        kind: String,
        bits: u32,
    },
    #[error(
        "an {alg} signature with this key is {expected} bytes, this one is {got}: it was cut short or padded on \
         the way (a truncated answer?)"
    )]
    SignatureLength {
        alg: &'static str,
        expected: usize,
        got: usize,
    },
    /// OpenSSL could not set up the check (its first reason kept, so the error stays comparable).
    #[error("OpenSSL: {reason}")]
    Crypto { reason: String },
}

impl KeyError {
    /// The message in `lang` (the `Display` text is the English one).
    pub fn text(&self, lang: crate::lang::Lang) -> String {
        match (self, lang) {
            (_, crate::lang::Lang::En) => self.to_string(),
            (KeyError::WeakRsa { bits }, _) => format!(
                "signeringsnøkkelen er RSA med {bits} bit; RFC 7518 §3.3 krever minst {MIN_RSA_BITS}, og en så liten \
                 nøkkel kan faktoriseres, så signaturen beviser ingenting"
            ),
            (KeyError::WrongType { alg, kind, bits }, _) => {
                format!("headeren sier {alg}, men nøkkelen er {kind} ({bits} bit)")
            }
            (KeyError::SignatureLength { alg, expected, got }, _) => format!(
                "en {alg}-signatur med denne nøkkelen er {expected} byte, denne er {got}: den er kuttet eller fylt \
                 ut underveis (et avkortet svar?)"
            ),
            (KeyError::Crypto { reason }, _) => format!("OpenSSL: {reason}"),
        }
    }
}

impl From<openssl::error::ErrorStack> for KeyError {
    fn from(e: openssl::error::ErrorStack) -> KeyError {
        KeyError::Crypto {
            reason: super::cert::first_openssl_reason(&e),
        }
    }
}

/// An asymmetric algorithm this tool verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    Es512,
}

/// What the `alg` header member asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgClass {
    Supported(Alg),
    /// `none`: no signature at all.
    None,
    /// HS256/384/512: a shared secret, which a public register's answer must never use.
    Hmac,
    Unsupported,
}

impl Alg {
    pub fn classify(name: &str) -> AlgClass {
        use Alg::*;
        AlgClass::Supported(match name {
            "RS256" => Rs256,
            "RS384" => Rs384,
            "RS512" => Rs512,
            "PS256" => Ps256,
            "PS384" => Ps384,
            "PS512" => Ps512,
            "ES256" => Es256,
            "ES384" => Es384,
            "ES512" => Es512,
            "none" | "None" | "NONE" => return AlgClass::None,
            "HS256" | "HS384" | "HS512" => return AlgClass::Hmac,
            _ => return AlgClass::Unsupported,
        })
    }

    pub fn name(self) -> &'static str {
        use Alg::*;
        match self {
            Rs256 => "RS256",
            Rs384 => "RS384",
            Rs512 => "RS512",
            Ps256 => "PS256",
            Ps384 => "PS384",
            Ps512 => "PS512",
            Es256 => "ES256",
            Es384 => "ES384",
            Es512 => "ES512",
        }
    }

    fn digest(self) -> MessageDigest {
        use Alg::*;
        match self {
            Rs256 | Ps256 | Es256 => MessageDigest::sha256(),
            Rs384 | Ps384 | Es384 => MessageDigest::sha384(),
            Rs512 | Ps512 | Es512 => MessageDigest::sha512(),
        }
    }

    /// The curve and coordinate width of the ES algorithms.
    fn curve(self) -> Option<(Nid, usize)> {
        match self {
            Alg::Es256 => Some((Nid::X9_62_PRIME256V1, 32)),
            Alg::Es384 => Some((Nid::SECP384R1, 48)),
            Alg::Es512 => Some((Nid::SECP521R1, 66)),
            _ => None,
        }
    }

    fn is_pss(self) -> bool {
        matches!(self, Alg::Ps256 | Alg::Ps384 | Alg::Ps512)
    }

    /// Does `key` have the type this algorithm needs, and is it strong enough? `Err` says what it has instead.
    pub fn check_key(self, key: &PKeyRef<Public>) -> Result<(), KeyError> {
        let (kind, bits) = super::cert::describe_key(key);
        let ok = match self.curve() {
            None => key.id() == Id::RSA,
            Some((nid, _)) => key.ec_key().ok().and_then(|ec| ec.group().curve_name()) == Some(nid),
        };
        if ok && key.id() == Id::RSA && bits < MIN_RSA_BITS {
            Err(KeyError::WeakRsa { bits })
        } else if ok {
            Ok(())
        } else {
            Err(KeyError::WrongType {
                alg: self.name(),
                kind,
                bits,
            })
        }
    }

    /// Verifies a JWS signature over `signing_input` (`header.payload` as sent).
    pub fn verify(
        self,
        key: &PKeyRef<Public>,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<bool, KeyError> {
        self.check_key(key)?;
        // An RSA signature is exactly as long as the modulus (RFC 8017 §8.2.2); saying so beats "does not verify"
        // when an answer was cut off in transit.
        if self.curve().is_none() && key.rsa().is_ok() && signature.len() != key.size() {
            return Err(KeyError::SignatureLength {
                alg: self.name(),
                expected: key.size(),
                got: signature.len(),
            });
        }
        let der_sig;
        let signature = match self.curve() {
            Some((_, width)) => {
                if signature.len() != 2 * width {
                    return Err(KeyError::SignatureLength {
                        alg: self.name(),
                        expected: 2 * width,
                        got: signature.len(),
                    });
                }
                let bn = BigNum::from_slice;
                let sig = EcdsaSig::from_private_components(
                    bn(&signature[..width])?,
                    bn(&signature[width..])?,
                )?;
                der_sig = sig.to_der()?;
                &der_sig[..]
            }
            None => signature,
        };
        let mut verifier = Verifier::new(self.digest(), key)?;
        if self.is_pss() {
            verifier.set_rsa_padding(Padding::PKCS1_PSS)?;
            verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
            verifier.set_rsa_mgf1_md(self.digest())?;
        }
        verifier.update(signing_input)?;
        // OpenSSL reports a malformed signature as an error rather than `false`; both mean "does not verify".
        Ok(verifier.verify(signature).unwrap_or(false))
    }

    /// Signs `signing_input`, giving the JWS signature bytes (R||S for ES algorithms).
    pub fn sign<T: HasPrivate>(
        self,
        key: &PKeyRef<T>,
        signing_input: &[u8],
    ) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut signer = Signer::new(self.digest(), key)?;
        if self.is_pss() {
            signer.set_rsa_padding(Padding::PKCS1_PSS)?;
            signer.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
            signer.set_rsa_mgf1_md(self.digest())?;
        }
        signer.update(signing_input)?;
        let sig = signer.sign_to_vec()?;
        match self.curve() {
            None => Ok(sig),
            Some((_, width)) => {
                let sig = EcdsaSig::from_der(&sig)?;
                let mut out = sig.r().to_vec_padded(width as i32)?;
                out.extend(sig.s().to_vec_padded(width as i32)?);
                Ok(out)
            }
        }
    }
}
