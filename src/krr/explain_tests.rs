//! Tests of the field explanations: what a reader of each row sees.

use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn row<'a>(rows: &'a [FieldExplanation], path: &str) -> &'a FieldExplanation {
    rows.iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no row {path}"))
}

#[test]
fn documented_example_explains_the_stale_address() {
    let p = Person::from_json(
        r#"{"personidentifikator":"23079421936","reservasjon":"NEI","status":"AKTIV","varslingsstatus":"KAN_IKKE_VARSLES",
            "kontaktinformasjon":{"epostadresse":"23079421936-test@minid.norge.no",
            "epostadresse_oppdatert":"2010-12-16T13:32:05.000+01:00"}}"#,
    )
    .unwrap();
    let rows = explain(&p, Lang::En, now());
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "personidentifikator",
            "reservasjon",
            "status",
            "varslingsstatus",
            "kontaktinformasjon.epostadresse",
            "kontaktinformasjon.epostadresse_oppdatert"
        ]
    );
    let date = row(&rows, "kontaktinformasjon.epostadresse_oppdatert");
    assert_eq!(
        date.notes,
        ["updated 15 years ago: older than 18 months, cannot be used for notification"]
    );
    assert!(date.flags.contains(&Flag::OlderThan18Months));
    let vs = row(&rows, "varslingsstatus");
    assert!(
        vs.notes[0].starts_with("agrees with the 18-month rule"),
        "{:?}",
        vs.notes
    );
    assert!(vs.flags.contains(&Flag::CannotNotify));
    assert!(
        row(&rows, "personidentifikator")
            .explanation
            .contains("born 1994-07-23")
    );
    let nb = explain(&p, Lang::Nb, now());
    assert!(
        row(&nb, "kontaktinformasjon.epostadresse_oppdatert").notes[0]
            .starts_with("oppdatert for 15 år siden")
    );
}

#[test]
fn contradicting_varslingsstatus_is_flagged() {
    let p = Person::from_json(
        r#"{"personidentifikator":"27129324169","reservasjon":"JA","status":"AKTIV","varslingsstatus":"KAN_VARSLES"}"#,
    )
    .unwrap();
    let rows = explain(&p, Lang::En, now());
    let vs = row(&rows, "varslingsstatus");
    assert!(vs.flags.contains(&Flag::Inconsistent));
    assert_eq!(
        vs.notes[0],
        "disagrees with the rules: expected KAN_IKKE_VARSLES because the person is reserved"
    );
    assert_eq!(
        row(&rows, "reservasjon").notes[0],
        "reserved: no digital notification; the public sector must send paper mail"
    );
}

#[test]
fn unknown_malformed_and_provider_rows() {
    let p = Person::from_json(
        r#"{"personidentifikator":"123","status":"PAUSET","reservasjon":false,"ny":1,
            "digital_post":{"postkasseadresse":"ola.nordmann#6XXB","postkasseleverandoeradresse":"984661185"},
            "kontaktinformasjon":{"mobiltelefonnummer":"ring meg","epostadresse_oppdatert":"i går"}}"#,
    )
    .unwrap();
    let rows = explain(&p, Lang::En, now());
    assert!(
        row(&rows, "personidentifikator")
            .flags
            .contains(&Flag::Malformed)
    );
    assert!(row(&rows, "status").flags.contains(&Flag::UnknownCode));
    assert_eq!(
        row(&rows, "reservasjon").value_meaning.as_deref(),
        Some("wrong type: expected text, got a boolean; shown as received")
    );
    assert!(row(&rows, "ny").flags.contains(&Flag::UnknownField));
    assert!(
        row(&rows, "kontaktinformasjon.mobiltelefonnummer")
            .flags
            .contains(&Flag::Malformed)
    );
    assert!(
        row(&rows, "kontaktinformasjon.epostadresse_oppdatert")
            .flags
            .contains(&Flag::Malformed)
    );
    assert_eq!(
        row(&rows, "digital_post.postkasseadresse")
            .value_meaning
            .as_deref(),
        Some("mailbox at Digipost (Posten Norge)")
    );
    assert_eq!(rows.last().unwrap().path, "ny", "unknown fields come last");
}

#[test]
fn bad_certificate_is_a_malformed_row_not_an_error() {
    let p = Person::from_json(r#"{"sertifikat":"not base64!"}"#).unwrap();
    let rows = explain(&p, Lang::En, now());
    let r = row(&rows, "sertifikat");
    assert!(
        r.explanation
            .contains("Cannot be read as an X.509 certificate: not base64"),
        "{}",
        r.explanation
    );
    assert!(r.flags.contains(&Flag::Malformed));
}
