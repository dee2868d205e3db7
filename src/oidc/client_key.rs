//! The client's private key for `private_key_jwt` (RFC 7523 §2.2, ID-porten's rules in docs.digdir.no
//! `oidc_protocol_token`): read from a PEM (PKCS#8, PKCS#1 RSA, SEC1 EC; a certificate beside it), a JWK or JWKS
//! file, or a PKCS#12 file (a "virksomhetssertifikat"), and the client assertion it signs. The key is never shown:
//! `Debug` names its algorithm and `kid` only.

use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::X509;
use serde_json::{Value, json};

use super::Secret;
use crate::jose::Alg;
use crate::jose::alg::MIN_RSA_BITS;

/// The `client_assertion_type` of RFC 7523 §2.2.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion is valid: ID-porten allows at most 120 s between `iat` and `exp`.
pub const ASSERTION_LIFETIME_SECS: i64 = 120;

/// Why a key file cannot be used. Each message says what is wrong with the file (never its contents).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot be read: {0}")]
    Unreadable(String),
    #[error(
        "is not a private key: expected a PEM private key (PKCS#8, PKCS#1 or SEC1 EC), a JWK/JWKS with private \
         members, or a PKCS#12 file (.p12/.pfx){}", if .0.is_empty() { String::new() } else { format!(" ({})", .0) }
    )]
    NotAKey(String),
    #[error(
        "is encrypted (password protected): name the environment variable holding its password with \
         --key-password-env VAR (config: key_password_env)"
    )]
    NeedsPassword,
    #[error("could not be opened with the password given (wrong password?)")]
    WrongPassword,
    #[error(
        "holds a {0} key: private_key_jwt here signs with RS256 (RSA, at least 2048 bits) or ES256 (EC P-256)"
    )]
    UnsupportedKey(String),
    #[error("{0}")]
    Jwk(String),
    #[error(
        "has no key id: give the kid the provider knows the key by with --key-id KID (config: key_id), or use a \
         file with the key's certificate (then the assertion carries x5c)"
    )]
    NoKeyId,
    #[error("holds a certificate that is not for its private key")]
    CertificateMismatch,
}

/// A loaded client key: what signs the client assertions.
#[derive(Clone)]
pub struct ClientKey {
    inner: Arc<Inner>,
}

struct Inner {
    key: PKey<Private>,
    alg: Alg,
    kid: Option<String>,
    /// The certificate chain (standard base64 DER, leaf first), when the file had one.
    x5c: Vec<String>,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("alg", &self.inner.alg.name())
            .field("kid", &self.inner.kid)
            .field("certificates", &self.inner.x5c.len())
            .finish_non_exhaustive()
    }
}

impl ClientKey {
    /// Reads `path`; `password` opens a PKCS#12 file or an encrypted PEM; `key_id` names the key (and picks it
    /// from a JWKS).
    pub fn load(
        path: &Path,
        password: Option<&Secret>,
        key_id: Option<&str>,
    ) -> Result<ClientKey, KeyFileError> {
        let bytes = std::fs::read(path).map_err(|e| KeyFileError::Unreadable(e.to_string()))?;
        ClientKey::parse(&bytes, password, key_id)
    }

    /// As [`ClientKey::load`], from the file's bytes.
    pub fn parse(
        bytes: &[u8],
        password: Option<&Secret>,
        key_id: Option<&str>,
    ) -> Result<ClientKey, KeyFileError> {
        let text = std::str::from_utf8(bytes).ok().map(str::trim_start);
        let (key, kid, chain) = match text {
            Some(t) if t.starts_with('{') => {
                let (key, kid) = from_jwk(t, key_id)?;
                (key, kid, Vec::new())
            }
            Some(t) if t.contains("-----BEGIN") => from_pem(t.as_bytes(), password)?,
            _ => from_pkcs12(bytes, password)?,
        };
        let alg = match key.id() {
            Id::RSA if key.bits() >= MIN_RSA_BITS => Alg::Rs256,
            Id::RSA => {
                return Err(KeyFileError::UnsupportedKey(format!(
                    "{}-bit RSA",
                    key.bits()
                )));
            }
            Id::EC => {
                let curve = key.ec_key().ok().and_then(|ec| ec.group().curve_name());
                if curve != Some(Nid::X9_62_PRIME256V1) {
                    let name = curve
                        .and_then(|n| n.short_name().ok())
                        .unwrap_or("unknown curve");
                    return Err(KeyFileError::UnsupportedKey(format!("EC {name}")));
                }
                Alg::Es256
            }
            _ => {
                let public = public(&key)?;
                return Err(KeyFileError::UnsupportedKey(
                    crate::jose::cert::describe_key(&public).0,
                ));
            }
        };
        if let Some(leaf) = chain.first() {
            let matches = leaf
                .public_key()
                .map(|p| p.public_eq(&key))
                .unwrap_or(false);
            if !matches {
                return Err(KeyFileError::CertificateMismatch);
            }
        }
        let kid = key_id.map(str::to_owned).or(kid);
        if chain.is_empty() && kid.is_none() {
            return Err(KeyFileError::NoKeyId);
        }
        Ok(ClientKey {
            inner: Arc::new(Inner {
                key,
                alg,
                kid,
                x5c: chain
                    .iter()
                    .map(|c| STANDARD.encode(c.to_der().unwrap_or_default()))
                    .collect(),
            }),
        })
    }

    /// `RS256` or `ES256`.
    pub fn alg(&self) -> &'static str {
        self.inner.alg.name()
    }

    pub fn kid(&self) -> Option<&str> {
        self.inner.kid.as_deref()
    }

    /// Whether the assertion carries the certificate (`x5c`) rather than a `kid`.
    pub fn has_certificate(&self) -> bool {
        !self.inner.x5c.is_empty()
    }

    /// The public key as a JWK (for registering the client, and for the emulator's data in tests).
    pub fn public_jwk(&self) -> Value {
        crate::jose::jwk::public_jwk(&self.inner.key, self.kid().unwrap_or_default(), self.alg())
    }

    /// The header: `alg` and `x5c` for a key with a certificate, else `alg` and `kid`.
    fn header(&self) -> Value {
        if self.has_certificate() {
            json!({ "x5c": self.inner.x5c })
        } else {
            json!({ "kid": self.kid() })
        }
    }

    /// A client assertion (RFC 7523 §3): `iss` = `sub` = `client_id`, `aud` the provider's issuer, a random
    /// `jti`, `iat` now and `exp` [`ASSERTION_LIFETIME_SECS`] later.
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: DateTime<Utc>,
    ) -> Result<Secret, openssl::error::ErrorStack> {
        let mut jti = [0u8; 24];
        openssl::rand::rand_bytes(&mut jti)?;
        let iat = now.timestamp();
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": URL_SAFE_NO_PAD.encode(jti),
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME_SECS,
        });
        self.sign(&claims).map(Secret::new)
    }

    /// Signs any claims with this key and its header (tests make broken assertions with it).
    pub fn sign(&self, claims: &Value) -> Result<String, openssl::error::ErrorStack> {
        crate::jose::sign_compact(
            &self.header(),
            &serde_json::to_vec(claims).unwrap_or_default(),
            &self.inner.key,
            self.inner.alg,
        )
    }
}

fn public(key: &PKey<Private>) -> Result<PKey<openssl::pkey::Public>, KeyFileError> {
    PKey::public_key_from_der(&key.public_key_to_der().map_err(not_a_key)?).map_err(not_a_key)
}

fn not_a_key(e: openssl::error::ErrorStack) -> KeyFileError {
    KeyFileError::NotAKey(crate::jose::cert::first_openssl_reason(&e))
}

type Loaded = (PKey<Private>, Option<String>, Vec<X509>);

fn from_pem(pem: &[u8], password: Option<&Secret>) -> Result<Loaded, KeyFileError> {
    let text = String::from_utf8_lossy(pem);
    let encrypted =
        text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED");
    let has_key = text.contains("PRIVATE KEY-----");
    if !has_key {
        let found = if text.contains("CERTIFICATE-----") {
            "the file has a certificate but no private key"
        } else if text.contains("PUBLIC KEY-----") {
            "the file has a public key only"
        } else {
            ""
        };
        return Err(KeyFileError::NotAKey(found.into()));
    }
    let key = match (encrypted, password) {
        (true, None) => return Err(KeyFileError::NeedsPassword),
        (true, Some(p)) => PKey::private_key_from_pem_passphrase(pem, p.expose().as_bytes())
            .map_err(|_| KeyFileError::WrongPassword)?,
        (false, _) => PKey::private_key_from_pem(pem).map_err(not_a_key)?,
    };
    let chain = if text.contains("CERTIFICATE-----") {
        X509::stack_from_pem(pem).map_err(not_a_key)?
    } else {
        Vec::new()
    };
    Ok((key, None, chain))
}

fn from_pkcs12(der: &[u8], password: Option<&Secret>) -> Result<Loaded, KeyFileError> {
    let p12 = Pkcs12::from_der(der).map_err(|_| KeyFileError::NotAKey(String::new()))?;
    let Some(password) = password else {
        return Err(KeyFileError::NeedsPassword);
    };
    let parsed = p12
        .parse2(password.expose())
        .map_err(|_| KeyFileError::WrongPassword)?;
    let key = parsed
        .pkey
        .ok_or_else(|| KeyFileError::NotAKey("the PKCS#12 file has no private key".into()))?;
    let mut chain: Vec<X509> = parsed.cert.into_iter().collect();
    if let Some(ca) = parsed.ca {
        chain.extend(ca);
    }
    Ok((key, None, chain))
}

/// A private JWK, or the one of a JWKS named by `key_id` (or its only private key).
fn from_jwk(
    text: &str,
    key_id: Option<&str>,
) -> Result<(PKey<Private>, Option<String>), KeyFileError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| KeyFileError::NotAKey(format!("not JSON: line {}", e.line())))?;
    let keys: Vec<&Value> = match v.get("keys") {
        Some(Value::Array(keys)) => keys.iter().collect(),
        _ if v.get("kty").is_some() => vec![&v],
        _ => {
            return Err(KeyFileError::NotAKey(
                "JSON without \"kty\" or \"keys\"".into(),
            ));
        }
    };
    let kid_of = |k: &Value| k.get("kid").and_then(Value::as_str).map(str::to_owned);
    let private: Vec<&Value> = keys.into_iter().filter(|k| k.get("d").is_some()).collect();
    let chosen = match key_id {
        Some(id) => private
            .iter()
            .find(|k| kid_of(k).as_deref() == Some(id))
            .ok_or_else(|| KeyFileError::Jwk(format!("has no private key with kid \"{id}\"")))?,
        None => match private.as_slice() {
            [one] => one,
            [] => {
                return Err(KeyFileError::NotAKey(
                    "the JWK has no private member \"d\"".into(),
                ));
            }
            more => {
                return Err(KeyFileError::Jwk(format!(
                    "has {} private keys: pick one with --key-id KID",
                    more.len()
                )));
            }
        },
    };
    Ok((private_jwk(chosen)?, kid_of(chosen)))
}

fn member(k: &Value, name: &'static str) -> Result<BigNum, KeyFileError> {
    let s = k
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| KeyFileError::Jwk(format!("the JWK has no \"{name}\"")))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| KeyFileError::Jwk(format!("the JWK's \"{name}\" is not base64url")))?;
    BigNum::from_slice(&bytes).map_err(not_a_key)
}

fn private_jwk(k: &Value) -> Result<PKey<Private>, KeyFileError> {
    let bad = |e: openssl::error::ErrorStack| {
        KeyFileError::Jwk(format!(
            "the JWK is not a consistent key: {}",
            crate::jose::cert::first_openssl_reason(&e)
        ))
    };
    match k.get("kty").and_then(Value::as_str) {
        Some("RSA") => {
            let rsa = Rsa::from_private_components(
                member(k, "n")?,
                member(k, "e")?,
                member(k, "d")?,
                member(k, "p")?,
                member(k, "q")?,
                member(k, "dp")?,
                member(k, "dq")?,
                member(k, "qi")?,
            )
            .map_err(bad)?;
            if !rsa.check_key().unwrap_or(false) {
                return Err(KeyFileError::Jwk(
                    "the JWK's RSA members do not agree".into(),
                ));
            }
            PKey::from_rsa(rsa).map_err(bad)
        }
        Some("EC") => {
            let crv = k.get("crv").and_then(Value::as_str).unwrap_or("none");
            if crv != "P-256" {
                return Err(KeyFileError::UnsupportedKey(format!("EC {crv}")));
            }
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(bad)?;
            let d = member(k, "d")?;
            let mut ctx = BigNumContext::new().map_err(bad)?;
            let mut point = EcPoint::new(&group).map_err(bad)?;
            point.mul_generator2(&group, &d, &mut ctx).map_err(bad)?;
            // The public members must be the point d makes.
            let (x, y) = (member(k, "x")?, member(k, "y")?);
            let given = EcKey::from_public_key_affine_coordinates(&group, &x, &y)
                .map_err(|_| KeyFileError::Jwk("the JWK's point is not on P-256".into()))?;
            if !point
                .eq(&group, given.public_key(), &mut ctx)
                .unwrap_or(false)
            {
                return Err(KeyFileError::Jwk(
                    "the JWK's \"d\" does not match its \"x\"/\"y\"".into(),
                ));
            }
            let ec = EcKey::from_private_components(&group, &d, &point).map_err(bad)?;
            PKey::from_ec_key(ec).map_err(bad)
        }
        Some(other) => Err(KeyFileError::UnsupportedKey(format!("JWK kty \"{other}\""))),
        None => Err(KeyFileError::Jwk("the JWK has no \"kty\"".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::jwk::KeySet;

    fn rsa() -> PKey<Private> {
        crate::jose::pki::rsa_key(2048).unwrap()
    }

    #[test]
    fn the_assertion_has_the_claims_id_porten_asks_for() {
        let pem = rsa().private_key_to_pem_pkcs8().unwrap();
        let key = ClientKey::parse(&pem, None, Some("k1")).unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let a = key
            .assertion("my-client", "https://test.idporten.no", now)
            .unwrap();
        let set = KeySet::parse(&json!({"keys": [key.public_jwk()]}).to_string()).unwrap();
        let v = crate::jose::jwt::verify(a.expose(), &set).unwrap();
        assert_eq!(v.header["alg"], "RS256");
        assert_eq!(v.header["kid"], "k1");
        assert!(v.header.get("x5c").is_none());
        let c = &v.claims;
        assert_eq!(
            (c["iss"].as_str(), c["sub"].as_str()),
            (Some("my-client"), Some("my-client"))
        );
        assert_eq!(c["aud"], "https://test.idporten.no");
        assert_eq!(c["iat"], 1_800_000_000);
        assert_eq!(c["exp"], 1_800_000_120);
        let b = key
            .assertion("my-client", "https://test.idporten.no", now)
            .unwrap();
        let jti = |t: &Secret| {
            crate::jose::jwt::decode_unverified(t.expose())
                .unwrap()
                .claims["jti"]
                .clone()
        };
        assert_ne!(jti(&a), jti(&b), "each assertion has its own jti");
        assert!(!format!("{key:?}").contains("BEGIN") && format!("{key:?}").contains("RS256"));
    }

    #[test]
    fn es256_signatures_are_jose_r_s_not_der() {
        let ec =
            EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap();
        let pem = ec.private_key_to_pem().unwrap(); // SEC1 "EC PRIVATE KEY"
        let key = ClientKey::parse(&pem, None, Some("e1")).unwrap();
        assert_eq!(key.alg(), "ES256");
        let a = key.assertion("c", "i", Utc::now()).unwrap();
        let sig = URL_SAFE_NO_PAD
            .decode(a.expose().rsplit('.').next().unwrap())
            .unwrap();
        assert_eq!(sig.len(), 64);
        let set = KeySet::parse(&json!({"keys": [key.public_jwk()]}).to_string()).unwrap();
        assert!(crate::jose::jwt::verify(a.expose(), &set).is_ok());
    }

    #[test]
    fn each_bad_file_says_what_is_wrong() {
        let k = rsa();
        let parse = |b: &[u8], p: Option<&str>, kid: Option<&str>| {
            ClientKey::parse(b, p.map(Secret::new).as_ref(), kid).map(|_| ())
        };
        assert_eq!(
            parse(&k.private_key_to_pem_pkcs8().unwrap(), None, None),
            Err(KeyFileError::NoKeyId)
        );
        let enc = k
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw")
            .unwrap();
        assert_eq!(
            parse(&enc, None, Some("k")),
            Err(KeyFileError::NeedsPassword)
        );
        assert_eq!(
            parse(&enc, Some("nope"), Some("k")),
            Err(KeyFileError::WrongPassword)
        );
        assert_eq!(parse(&enc, Some("pw"), Some("k")), Ok(()));
        assert!(matches!(
            parse(&k.public_key_to_pem().unwrap(), None, Some("k")),
            Err(KeyFileError::NotAKey(why)) if why.contains("public key only")
        ));
        assert!(matches!(
            parse(b"hello", None, None),
            Err(KeyFileError::NotAKey(_))
        ));
        let small = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
        assert_eq!(
            parse(&small.private_key_to_pem_pkcs8().unwrap(), None, Some("k")),
            Err(KeyFileError::UnsupportedKey("1024-bit RSA".into()))
        );
        let p384 = EcKey::generate(&EcGroup::from_curve_name(Nid::SECP384R1).unwrap()).unwrap();
        assert!(matches!(
            parse(&p384.private_key_to_pem().unwrap(), None, Some("k")),
            Err(KeyFileError::UnsupportedKey(s)) if s.contains("secp384r1")
        ));
    }

    #[test]
    fn a_private_jwk_round_trips_and_a_jwks_is_picked_by_kid() {
        let k = rsa();
        let r = k.rsa().unwrap();
        let b = |n: &openssl::bn::BigNumRef| URL_SAFE_NO_PAD.encode(n.to_vec());
        let jwk = |kid: &str| {
            json!({"kty": "RSA", "kid": kid, "n": b(r.n()), "e": b(r.e()), "d": b(r.d()),
                "p": b(r.p().unwrap()), "q": b(r.q().unwrap()), "dp": b(r.dmp1().unwrap()),
                "dq": b(r.dmq1().unwrap()), "qi": b(r.iqmp().unwrap())})
        };
        let one = ClientKey::parse(jwk("a").to_string().as_bytes(), None, None).unwrap();
        assert_eq!(one.kid(), Some("a"));
        let set = json!({"keys": [jwk("a"), jwk("b")]}).to_string();
        assert_eq!(
            ClientKey::parse(set.as_bytes(), None, Some("b"))
                .unwrap()
                .kid(),
            Some("b")
        );
        assert!(matches!(
            ClientKey::parse(set.as_bytes(), None, None),
            Err(KeyFileError::Jwk(m)) if m.contains("--key-id")
        ));
        let mut broken = jwk("a");
        broken["d"] = json!(b(r.p().unwrap()));
        assert!(ClientKey::parse(broken.to_string().as_bytes(), None, None).is_err());
    }
}
