//! Inspecting one /person body: the JOSE verdict, the person as received, every field explained, and (when the
//! granted scopes are known) the scope check.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::jose::{self, JoseError, JoseInspection, SignatureVerdict, TrustStore};
use crate::krr::{self, FieldExplanation, Flag, Lang, Person, ScopeCheck};

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

    /// Why the verdict is what it is, in `lang` (outside text in it is not yet made safe for display).
    pub fn verdict_reason(&self, lang: Lang) -> String {
        match &self.jose {
            Some(j) => j.signature.reason_in(lang),
            None => crate::jose::Why::Unsigned.text(lang),
        }
    }
}

/// The fields every /person answer has (KRR's model: `personidentifikator` and `status` are always set).
const REQUIRED: [&str; 2] = ["personidentifikator", "status"];

fn missing_row(name: &str, lang: Lang) -> FieldExplanation {
    let field_meaning =
        krr::fields::field_meaning(name).map(|(nb, en)| lang.pick(nb, en).to_owned());
    let value_meaning = lang
        .pick("mangler i svaret", "missing from the answer")
        .to_owned();
    FieldExplanation {
        path: name.to_owned(),
        value: Value::Null,
        // The same shape as explain's rows: "Field. Value."
        explanation: match &field_meaning {
            Some(f) => format!(
                "{}. {}.",
                crate::lang::sentence_case(f),
                crate::lang::sentence_case(&value_meaning)
            ),
            None => format!("{}.", crate::lang::sentence_case(&value_meaning)),
        },
        field_meaning,
        value_meaning: Some(value_meaning),
        notes: Vec::new(),
        flags: vec![Flag::Missing],
    }
}

/// A Content-Type that disagrees with the body's shape (a JWS labelled JSON, JSON labelled JOSE), in words.
fn mislabel(body: &[u8], content_type: Option<&str>, lang: Lang) -> Option<String> {
    let label = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let shape = if text.starts_with('{') || text.starts_with('[') {
        "json"
    } else if text.split('.').count() == 3 && !text.contains(char::is_whitespace) {
        "jose"
    } else {
        return None;
    };
    let said = match label.as_str() {
        "application/json" => "json",
        "application/jose" => "jose",
        l if l.ends_with("+json") => "json",
        _ => return None,
    };
    (said != shape).then(|| {
        let is = if shape == "jose" {
            lang.pick("en JWS (application/jose)", "a JWS (application/jose)")
        } else {
            lang.pick(
                "vanlig JSON (application/json)",
                "plain JSON (application/json)",
            )
        };
        match lang {
            Lang::Nb => {
                format!("Content-Type sier {label}, men innholdet er {is}: svaret er feilmerket")
            }
            Lang::En => format!(
                "the Content-Type says {label}, but the body is {is}: the answer is mislabelled"
            ),
        }
    })
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
    problems.extend(mislabel(body, content_type, lang));
    let (person, fields, scope_check) = match serde_json::from_str::<Value>(&j.payload) {
        Ok(value) => match Person::from_value(value.clone()) {
            Ok(p) => {
                let mut fields = krr::explain(&p, lang, now);
                // A required field that is absent gets a row of its own, flagged, so every face shows the gap
                // where the field would be (explain is total over what is present, and cannot see absence).
                for name in REQUIRED {
                    if value.get(name).is_none() {
                        problems.push(match lang {
                            Lang::Nb => format!(
                                "det påkrevde feltet {name} mangler i svaret: registeret skal alltid sende det"
                            ),
                            Lang::En => format!(
                                "the required field {name} is missing from the answer: the register always sends it"
                            ),
                        });
                        // Where the register puts it: personidentifikator first, status after reservasjon.
                        let at = if name == "personidentifikator" {
                            0
                        } else {
                            fields
                                .iter()
                                .position(|f| {
                                    !["personidentifikator", "reservasjon"]
                                        .contains(&f.path.as_str())
                                })
                                .unwrap_or(fields.len())
                        };
                        fields.insert(at, missing_row(name, lang));
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect(body: &str, content_type: &str) -> BodyInspection {
        inspect_body(
            body.as_bytes(),
            Some(content_type),
            &TrustStore::default(),
            None,
            Lang::En,
            Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn a_missing_required_field_is_a_problem_and_a_flagged_row() {
        let b = inspect(
            r#"{"personidentifikator":"27129324169"}"#,
            "application/json",
        );
        assert_eq!(
            b.problems,
            ["the required field status is missing from the answer: the register always sends it"]
        );
        let row = b.fields.iter().find(|f| f.path == "status").unwrap();
        assert_eq!(
            (&row.value, &row.flags[..]),
            (&Value::Null, &[Flag::Missing][..])
        );
        assert!(
            row.explanation.ends_with(". Missing from the answer."),
            "{}",
            row.explanation
        );
        let b = inspect(r#"{"status":"AKTIV"}"#, "application/json");
        assert_eq!(b.fields[0].path, "personidentifikator");
        assert_eq!(
            b.fields
                .iter()
                .filter(|f| f.path == "personidentifikator")
                .count(),
            1
        );
        let b = inspect(
            r#"{"personidentifikator":"27129324169","status":"AKTIV"}"#,
            "application/json",
        );
        assert!(b.problems.is_empty(), "{:?}", b.problems);
    }

    #[test]
    fn a_content_type_that_disagrees_with_the_body_is_named() {
        assert_eq!(
            mislabel(
                b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
                Some("application/json;charset=UTF-8"),
                Lang::En
            )
            .as_deref(),
            Some(
                "the Content-Type says application/json, but the body is a JWS (application/jose): the answer is \
                 mislabelled"
            )
        );
        assert!(mislabel(b" {}", Some("application/jose"), Lang::En).is_some());
        assert_eq!(
            mislabel(b"{}", Some("application/problem+json"), Lang::En),
            None
        );
        assert_eq!(mislabel(b"{}", Some("application/json"), Lang::En), None);
        assert_eq!(mislabel(b"a.b.c", Some("application/jose"), Lang::En), None);
        assert_eq!(mislabel(b"{}", None, Lang::En), None);
        assert_eq!(mislabel(b"hello", Some("application/json"), Lang::En), None);
    }
}
