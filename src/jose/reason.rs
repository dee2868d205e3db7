//! Why a signature verdict is what it is, as a structured reason rendered in either language. The English text is
//! also the verdict's `reason` (exports, the terminal); the app renders the reason in its own language.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// Why the `x5c` header cannot give a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum X5cProblem {
    NotArray,
    Empty,
    /// `why` is what the certificate is instead ("not a string", "not base64: …", the DER parser's reason).
    Item {
        index: usize,
        why: String,
    },
}

impl X5cProblem {
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (X5cProblem::NotArray, Lang::En) => "x5c is not an array of certificates".into(),
            (X5cProblem::NotArray, Lang::Nb) => "x5c er ikke en liste med sertifikater".into(),
            (X5cProblem::Empty, Lang::En) => "x5c is an empty array".into(),
            (X5cProblem::Empty, Lang::Nb) => "x5c er en tom liste".into(),
            (X5cProblem::Item { index, why }, Lang::En) => format!("x5c[{index}] is {why}"),
            (X5cProblem::Item { index, why }, Lang::Nb) => {
                format!("x5c[{index}] kan ikke leses ({why})")
            }
        }
    }
}

/// Why a certificate chain is trusted or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum ChainWhy {
    Anchored {
        anchor: String,
    },
    Expired {
        who: String,
        date: String,
    },
    NotYetValid {
        who: String,
        date: String,
    },
    NotAnchored {
        top: String,
    },
    WrongIssuerKey {
        who: String,
        issuer: String,
    },
    Failed {
        who: String,
        openssl: String,
    },
    CannotRun {
        openssl: String,
    },
    /// A key under the minimum on the signer's certificate (`leaf`) or a CA certificate.
    WeakRsa {
        leaf: bool,
        who: String,
        bits: u32,
        min: u32,
    },
    WeakDigest {
        leaf: bool,
        who: String,
        digest: String,
    },
    /// A sentence as recorded (a saved inspection from before reasons were kept).
    Text {
        text: String,
    },
}

impl ChainWhy {
    pub fn text(&self, lang: Lang) -> String {
        let role = |leaf: bool| match (leaf, lang) {
            (true, Lang::En) => "signer's certificate",
            (false, Lang::En) => "CA certificate",
            (true, Lang::Nb) => "underskriverens sertifikat",
            (false, Lang::Nb) => "CA-sertifikatet",
        };
        match (self, lang) {
            (ChainWhy::Anchored { anchor }, Lang::En) => {
                format!(
                    "chains to the trusted anchor '{anchor}' and every certificate is valid now"
                )
            }
            (ChainWhy::Anchored { anchor }, Lang::Nb) => format!(
                "kjedes til det klarerte ankeret «{anchor}», og alle sertifikatene er gyldige nå"
            ),
            (ChainWhy::Expired { who, date }, Lang::En) => {
                format!("the certificate '{who}' expired on {date}")
            }
            (ChainWhy::Expired { who, date }, Lang::Nb) => {
                format!("sertifikatet «{who}» gikk ut {date}")
            }
            (ChainWhy::NotYetValid { who, date }, Lang::En) => {
                format!("the certificate '{who}' is not valid before {date}")
            }
            (ChainWhy::NotYetValid { who, date }, Lang::Nb) => {
                format!("sertifikatet «{who}» er ikke gyldig før {date}")
            }
            (ChainWhy::NotAnchored { top }, Lang::En) => format!(
                "the chain ends at '{top}', which is not a trusted anchor (add its certificate with --trust-ca if \
                 you trust it)"
            ),
            (ChainWhy::NotAnchored { top }, Lang::Nb) => format!(
                "kjeden ender i «{top}», som ikke er et klarert anker (legg til sertifikatet med --trust-ca hvis du \
                 stoler på det)"
            ),
            (ChainWhy::WrongIssuerKey { who, issuer }, Lang::En) => format!(
                "the certificate '{who}' is not signed by the key of its issuer '{issuer}' (a certificate of that \
                 name is in x5c or trusted, but another key signed this one)"
            ),
            (ChainWhy::WrongIssuerKey { who, issuer }, Lang::Nb) => format!(
                "sertifikatet «{who}» er ikke signert med nøkkelen til utstederen «{issuer}» (et sertifikat med det \
                 navnet finnes i x5c eller er klarert, men en annen nøkkel signerte dette)"
            ),
            (ChainWhy::Failed { who, openssl }, Lang::En) => {
                format!("the chain check failed at '{who}': {openssl}")
            }
            (ChainWhy::Failed { who, openssl }, Lang::Nb) => {
                format!("kjedekontrollen feilet ved «{who}»: {openssl}")
            }
            (ChainWhy::CannotRun { openssl }, Lang::En) => {
                format!("OpenSSL could not run the chain check: {openssl}")
            }
            (ChainWhy::CannotRun { openssl }, Lang::Nb) => {
                format!("OpenSSL kunne ikke kjøre kjedekontrollen: {openssl}")
            }
            (
                ChainWhy::WeakRsa {
                    leaf,
                    who,
                    bits,
                    min,
                },
                Lang::En,
            ) => format!(
                "the {} '{who}' has an RSA key of {bits} bits; keys under {min} bits are not accepted (RFC 7518 \
                 §3.3, NIST SP 800-131A)",
                role(*leaf)
            ),
            (
                ChainWhy::WeakRsa {
                    leaf,
                    who,
                    bits,
                    min,
                },
                Lang::Nb,
            ) => format!(
                "{} «{who}» har en RSA-nøkkel på {bits} bit; nøkler under {min} bit godtas ikke (RFC 7518 §3.3, \
                 NIST SP 800-131A)",
                crate::lang::sentence_case(role(*leaf))
            ),
            (ChainWhy::WeakDigest { leaf, who, digest }, Lang::En) => format!(
                "the {} '{who}' is signed with {digest}, a digest in which collisions can be made: such a \
                 certificate can be forged, so the chain is not trusted",
                role(*leaf)
            ),
            (ChainWhy::WeakDigest { leaf, who, digest }, Lang::Nb) => format!(
                "{} «{who}» er signert med {digest}, en sjekksum der kollisjoner kan lages: et slikt sertifikat kan \
                 forfalskes, så kjeden er ikke klarert",
                crate::lang::sentence_case(role(*leaf))
            ),
            (ChainWhy::Text { text }, _) => text.clone(),
        }
    }
}

/// Why the signature verdict is what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Why {
    JoseButJson,
    DuplicateHeader {
        members: Vec<String>,
    },
    NoAlg,
    AlgNone,
    Hmac {
        alg: String,
    },
    UnsupportedAlg {
        alg: String,
    },
    Crit {
        crit: String,
    },
    X5cUnreadable {
        problem: X5cProblem,
    },
    LeafKeyUnreadable {
        signer: String,
    },
    /// The key cannot make this check (too small, wrong type, wrong length); `at` says which key.
    KeyFailed {
        en: String,
        nb: String,
        at: String,
    },
    Misordered {
        alg: String,
        signer: String,
        index: usize,
    },
    X5cChanged {
        alg: String,
        signer: String,
    },
    X5cVerifies {
        alg: String,
        signer: String,
        trusted: bool,
        chain: ChainWhy,
    },
    NoKeySet,
    KidNotInSet {
        kid: String,
        keys: usize,
    },
    NoKeyForAlg {
        alg: String,
    },
    JwksVerifies {
        alg: String,
        key: String,
    },
    JwksChanged {
        alg: String,
        key: String,
    },
    Unsigned,
}

impl Why {
    /// The sentence in `lang`. The English one is the verdict's recorded `reason`.
    pub fn text(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            Why::JoseButJson if en => {
                "the Content-Type says application/jose, but the body is plain JSON: nothing was signed".into()
            }
            Why::JoseButJson => {
                "Content-Type sier application/jose, men innholdet er vanlig JSON: ingenting er signert".into()
            }
            Why::DuplicateHeader { members } if en => format!(
                "the JOSE header has duplicate members ({}): parsers disagree on which value counts, so the header \
                 is refused (RFC 7515 §4)",
                members.join(", ")
            ),
            Why::DuplicateHeader { members } => format!(
                "JOSE-headeren har like medlemmer flere ganger ({}): lesere er uenige om hvilken verdi som gjelder, \
                 så headeren avvises (RFC 7515 §4)",
                members.join(", ")
            ),
            Why::NoAlg if en => {
                "the header has no \"alg\": a JWS must say how it was signed (RFC 7515 §4.1.1)".into()
            }
            Why::NoAlg => {
                "headeren har ingen «alg»: en JWS må si hvordan den er signert (RFC 7515 §4.1.1)".into()
            }
            Why::AlgNone if en => {
                "alg \"none\": the answer is not signed at all, and an unsigned JWS is never accepted".into()
            }
            Why::AlgNone => {
                "alg «none»: svaret er ikke signert i det hele tatt, og en usignert JWS godtas aldri".into()
            }
            Why::Hmac { alg } if en => format!(
                "alg {alg} is a shared-secret (HMAC) algorithm: anyone holding the secret could have made it; KRR \
                 signs with the register's RSA key, so this is refused"
            ),
            Why::Hmac { alg } => format!(
                "alg {alg} er en algoritme med delt hemmelighet (HMAC): alle som har hemmeligheten kunne ha laget \
                 den; KRR signerer med registerets RSA-nøkkel, så dette avvises"
            ),
            Why::UnsupportedAlg { alg } if en => format!(
                "alg \"{alg}\" is not one this inspector verifies (RS256/384/512, PS256/384/512, ES256/384/512)"
            ),
            Why::UnsupportedAlg { alg } => format!(
                "alg «{alg}» kan ikke kontrolleres av dette verktøyet (RS256/384/512, PS256/384/512, \
                 ES256/384/512)"
            ),
            Why::Crit { crit } if en => format!(
                "the header marks extensions as critical ({crit}) that this inspector does not understand; RFC 7515 \
                 §4.1.11 requires rejecting it"
            ),
            Why::Crit { crit } => format!(
                "headeren merker utvidelser som kritiske ({crit}) som dette verktøyet ikke forstår; RFC 7515 \
                 §4.1.11 krever at den avvises"
            ),
            Why::X5cUnreadable { problem } if en => format!(
                "{}: the signer's certificate cannot be read",
                problem.text(lang)
            ),
            Why::X5cUnreadable { problem } => format!(
                "{}: underskriverens sertifikat kan ikke leses",
                problem.text(lang)
            ),
            Why::LeafKeyUnreadable { signer } if en => {
                format!("the public key of x5c[0] ({signer}) cannot be read")
            }
            Why::LeafKeyUnreadable { signer } => {
                format!("den offentlige nøkkelen i x5c[0] ({signer}) kan ikke leses")
            }
            Why::KeyFailed { en: text, at, .. } if en => format!("{text} ({at})"),
            Why::KeyFailed { nb, at, .. } => format!("{nb} ({at})"),
            Why::Misordered { alg, signer, index } if en => format!(
                "the {alg} signature does not verify with the key of x5c[0] ({signer}): x5c[0] is a CA certificate \
                 (basicConstraints CA:TRUE) but x5c[{index}] is not, so the chain is in the wrong order (RFC 7515 \
                 §4.1.6: the first certificate must be the signer's)"
            ),
            Why::Misordered { alg, signer, index } => format!(
                "{alg}-signaturen stemmer ikke med nøkkelen i x5c[0] ({signer}): x5c[0] er et CA-sertifikat \
                 (basicConstraints CA:TRUE), men x5c[{index}] er det ikke, så kjeden står i feil rekkefølge \
                 (RFC 7515 §4.1.6: det første sertifikatet skal være underskriverens)"
            ),
            Why::X5cChanged { alg, signer } if en => format!(
                "the {alg} signature does not verify with the key of x5c[0] ({signer}): the answer was changed \
                 after signing, or signed with another key"
            ),
            Why::X5cChanged { alg, signer } => format!(
                "{alg}-signaturen stemmer ikke med nøkkelen i x5c[0] ({signer}): svaret er endret etter \
                 signeringen, eller signert med en annen nøkkel"
            ),
            Why::X5cVerifies {
                alg,
                signer,
                trusted,
                chain,
            } => match (en, trusted) {
                (true, true) => format!(
                    "the {alg} signature verifies with the key of x5c[0] ({signer}), which {}",
                    chain.text(lang)
                ),
                (true, false) => format!(
                    "the {alg} signature verifies with the key of x5c[0] ({signer}), but {}",
                    chain.text(lang)
                ),
                (false, true) => format!(
                    "{alg}-signaturen stemmer med nøkkelen i x5c[0] ({signer}), som {}",
                    chain.text(lang)
                ),
                (false, false) => format!(
                    "{alg}-signaturen stemmer med nøkkelen i x5c[0] ({signer}), men {}",
                    chain.text(lang)
                ),
            },
            Why::NoKeySet if en => "the header has no x5c and no key set was given: pass --jwks with the \
                                    signer's keys to check it"
                .into(),
            Why::NoKeySet => "headeren har ingen x5c, og ingen nøkkelsett er gitt: gi --jwks med \
                              underskriverens nøkler for å kontrollere den"
                .into(),
            Why::KidNotInSet { kid, keys } if en => {
                format!("no x5c, and kid \"{kid}\" is not in the key set ({keys} keys)")
            }
            Why::KidNotInSet { kid, keys } => format!(
                "ingen x5c, og kid «{kid}» finnes ikke i nøkkelsettet ({keys} {})",
                if *keys == 1 { "nøkkel" } else { "nøkler" }
            ),
            Why::NoKeyForAlg { alg } if en => {
                format!("no x5c and no kid, and the key set has no key for {alg}")
            }
            Why::NoKeyForAlg { alg } => {
                format!("ingen x5c og ingen kid, og nøkkelsettet har ingen nøkkel for {alg}")
            }
            Why::JwksVerifies { alg, key } if en => {
                format!("the {alg} signature verifies with the key set's key ({key})")
            }
            Why::JwksVerifies { alg, key } => {
                format!("{alg}-signaturen stemmer med nøkkelen fra nøkkelsettet ({key})")
            }
            Why::JwksChanged { alg, key } if en => format!(
                "the {alg} signature does not verify with {key}: the answer was changed after signing, or signed \
                 with another key"
            ),
            Why::JwksChanged { alg, key } => format!(
                "{alg}-signaturen stemmer ikke med {key}: svaret er endret etter signeringen, eller signert med en \
                 annen nøkkel"
            ),
            Why::Unsigned if en => {
                "the answer is plain JSON (Accept: application/json): nothing was signed".into()
            }
            Why::Unsigned => {
                "svaret er vanlig JSON (Accept: application/json): ingenting er signert".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_in_both_languages() {
        let chain = ChainWhy::Anchored {
            anchor: "CN=Root".into(),
        };
        let why = Why::X5cVerifies {
            alg: "RS256".into(),
            signer: "KRR".into(),
            trusted: true,
            chain,
        };
        assert_eq!(
            why.text(Lang::En),
            "the RS256 signature verifies with the key of x5c[0] (KRR), which chains to the trusted anchor \
             'CN=Root' and every certificate is valid now"
        );
        assert_eq!(
            why.text(Lang::Nb),
            "RS256-signaturen stemmer med nøkkelen i x5c[0] (KRR), som kjedes til det klarerte ankeret «CN=Root», \
             og alle sertifikatene er gyldige nå"
        );
        let weak = ChainWhy::WeakRsa {
            leaf: true,
            who: "CN=x".into(),
            bits: 1024,
            min: 2048,
        };
        assert!(
            weak.text(Lang::Nb)
                .starts_with("Underskriverens sertifikat «CN=x»")
        );
    }
}
