//! Inspecting one /person body: the JOSE verdict, the person as received, every field explained, and (when the
//! granted scopes are known) the scope check.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::jose::{self, JoseError, JoseInspection, SignatureVerdict, TrustStore};
use crate::krr::{self, FieldExplanation, Lang, Person, ScopeCheck};

/// The inspection of one body, as `explain` prints it and the GUI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct BodyInspection {
    /// `None` for an unsigned JSON answer.
    pub jose: Option<JoseView>,
    /// The payload as received, signed or not: JSON when it parses, else the text.
    pub person: Value,
    pub fields: Vec<FieldExplanation>,
    /// Present when the granted scopes are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_check: Option<ScopeCheck>,
    /// Why fields could not be explained, when they could not (payload not JSON, not an object).
    pub problems: Vec<String>,
}

/// The JOSE part as the report shows it: the payload is in `person`, so it is not repeated here.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct JoseView {
    pub header: Option<Value>,
    pub algorithm: Option<String>,
    pub signature: jose::SignatureReport,
    pub certificates: Vec<jose::CertificateFacts>,
}

impl From<&JoseInspection> for JoseView {
    fn from(j: &JoseInspection) -> JoseView {
        JoseView {
            header: j.header.clone(),
            algorithm: j.algorithm.clone(),
            signature: j.signature.clone(),
            certificates: j.certificates.clone(),
        }
    }
}

impl BodyInspection {
    pub fn verdict(&self) -> SignatureVerdict {
        self.jose
            .as_ref()
            .map_or(SignatureVerdict::Unsigned, |j| j.signature.verdict.clone())
    }
}

/// Inspects a /person body. Fails only when the body is neither JSON nor a readable JWS; a wrong signature, an odd
/// payload or unknown fields are part of the report.
pub fn inspect_body(
    body: &[u8],
    content_type: Option<&str>,
    trust: &TrustStore,
    granted_scopes: Option<&[String]>,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<BodyInspection, JoseError> {
    let j = jose::inspect(body, content_type, trust, now)?;
    let jose = (j.signature.verdict != SignatureVerdict::Unsigned).then(|| JoseView::from(&j));
    let mut problems = Vec::new();
    if !j.payload_is_utf8 {
        problems.push(
            lang.pick("innholdet er ikke UTF-8", "the payload is not UTF-8")
                .to_owned(),
        );
    }
    for path in jose::json::duplicate_members(j.payload.as_bytes()) {
        problems.push(match lang {
            Lang::Nb => format!(
                "medlemmet {path} finnes mer enn én gang i svaret: lesere er uenige om hvilken verdi som gjelder \
                 (her vises den siste)"
            ),
            Lang::En => format!(
                "the member {path} appears more than once in the answer: readers disagree on which value counts \
                 (the last one is shown here)"
            ),
        });
    }
    let (person, fields, scope_check) = match serde_json::from_str::<Value>(&j.payload) {
        Ok(value) => match Person::from_value(value.clone()) {
            Ok(p) => {
                let fields = krr::explain(&p, lang, now);
                let check = granted_scopes.map(|g| krr::scope_check(g, &p, lang));
                (value, fields, check)
            }
            Err(e) => {
                problems.push(e.to_string());
                (value, Vec::new(), None)
            }
        },
        Err(e) => {
            problems.push(format!(
                "{}: {e}",
                lang.pick("innholdet er ikke JSON", "the payload is not JSON")
            ));
            (Value::String(j.payload.clone()), Vec::new(), None)
        }
    };
    Ok(BodyInspection {
        jose,
        person,
        fields,
        scope_check,
        problems,
    })
}
