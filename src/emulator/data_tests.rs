//! The data file's rules: every documented test person with its outcome, dates relative to the clock, errors that
//! name the person.

use super::*;
use crate::krr::scopes::fields_unlocked;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

#[test]
fn shipped_data_has_every_documented_person_with_its_outcome() {
    let d = EmulatorData::default_data();
    let expect = [
        ("01048800153", Varslingsstatus::KanIkkeVarsles),
        ("01066100746", Varslingsstatus::KanIkkeVarsles),
        ("27129323960", Varslingsstatus::KanIkkeVarsles),
        ("27129324592", Varslingsstatus::KanIkkeVarsles),
        ("27129324169", Varslingsstatus::KanVarsles),
        ("27129323537", Varslingsstatus::KanVarsles),
        ("27129323375", Varslingsstatus::KanVarsles),
        ("24079412372", Varslingsstatus::KanVarsles),
        ("11089499889", Varslingsstatus::KanVarsles),
        ("24079412291", Varslingsstatus::KanIkkeVarsles),
        ("29129318781", Varslingsstatus::KanVarsles),
        ("23079421936", Varslingsstatus::KanIkkeVarsles),
    ];
    for (pid, v) in expect {
        assert_eq!(d.persons[pid].varslingsstatus(now()), v, "{pid}");
    }
    // The documentation's example flips on a clock in 2011.
    let in_2011 = Utc.with_ymd_and_hms(2011, 2, 1, 0, 0, 0).unwrap();
    assert_eq!(
        d.persons["23079421936"].varslingsstatus(in_2011),
        Varslingsstatus::KanVarsles
    );
    assert_eq!(
        d.persons.len(),
        33,
        "20 classic + 9 of TEST 2023-24 + 4 generated"
    );
    assert!(
        d.order[20..]
            .iter()
            .all(|pid| NationalId::parse(pid).unwrap().synthetic == crate::krr::Synthetic::Tenor)
    );
}

#[test]
fn the_synthetic_test_users_of_test_2023_24_have_their_documented_outcome() {
    let d = EmulatorData::default_data();
    let all = fields_unlocked(&[
        "krr:user/kontaktinformasjon.read",
        "krr:user/digitalpost.read",
    ]);
    let answer = |pid: &str| d.persons[pid].answer(&all, now(), true, None);
    for pid in ["11887197158", "30850649509"] {
        assert_eq!(answer(pid)["varslingsstatus"], "KAN_IKKE_VARSLES", "{pid}");
    }
    assert_eq!(answer("17894199350")["status"], "SLETTET");
    assert_eq!(answer("04846697271")["reservasjon"], "JA");
    assert_eq!(
        answer("22859197810")["digital_post"]["postkasseleverandoeradresse"],
        "984661185",
        "Digipost"
    );
    assert_eq!(
        answer("26826499361")["digital_post"]["postkasseleverandoeradresse"],
        "922020175",
        "e-Boks"
    );
    for (pid, spraak) in [
        ("18886799280", "nn"),
        ("16867096934", "nb"),
        ("01814797763", "en"),
    ] {
        assert_eq!(answer(pid)["spraak"], spraak, "{pid}");
        assert_eq!(answer(pid)["varslingsstatus"], "KAN_VARSLES", "{pid}");
    }
    for pid in &d.order {
        let p = &d.persons[pid];
        assert!(!p.shows.0.is_empty() && !p.shows.1.is_empty(), "{pid}");
        assert_eq!(p.generated, d.order[29..].contains(pid), "{pid}");
    }
}

#[test]
fn relative_dates_count_from_midnight_utc() {
    let d = EmulatorData::default_data();
    let all = fields_unlocked(&["krr:user/kontaktinformasjon.read"]);
    let morning = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 1).unwrap();
    let evening = Utc.with_ymd_and_hms(2026, 11, 24, 23, 59, 59).unwrap();
    let a = d.persons["27129324169"].answer(&all, morning, true, None);
    assert_eq!(
        a,
        d.persons["27129324169"].answer(&all, evening, true, None)
    );
    assert_eq!(
        a["kontaktinformasjon"]["epostadresse_oppdatert"], "2026-10-25T00:00:00.000Z",
        "30 days before midnight"
    );
}

#[test]
fn answers_follow_scopes_and_filtering() {
    let d = EmulatorData::default_data();
    let all = fields_unlocked(&[
        "krr:user/kontaktinformasjon.read",
        "krr:user/digitalpost.read",
    ]);
    let a = d.persons["24079412372"].answer(&all, now(), true, Some("CERT"));
    assert_eq!(a["varslingsstatus"], "KAN_VARSLES");
    assert_eq!(
        a["digital_post"]["postkasseleverandoeradresse"],
        "984661185"
    );
    assert_eq!(a["sertifikat"], "CERT");
    assert!(
        a["kontaktinformasjon"]["epostadresse_oppdatert"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let only_post = fields_unlocked(&["user/sikkerdigitalpost.read"]);
    let a = d.persons["24079412372"].answer(&only_post, now(), true, Some("CERT"));
    assert!(
        a.get("kontaktinformasjon").is_none()
            && a.get("sertifikat").is_none()
            && a.get("varslingsstatus").is_none()
    );

    // Reserved with a mailbox: KAN_IKKE_VARSLES, so the mailbox is withheld unless filtering is off.
    let a = d.persons["24079412291"].answer(&all, now(), true, None);
    assert!(a.get("digital_post").is_none());
    let a = d.persons["24079412291"].answer(&all, now(), false, None);
    assert_eq!(a["digital_post"]["postkasseadresse"], "kari.nordmann#2ABC");

    let deleted = d.persons["27129323960"].answer(&all, now(), true, None);
    assert_eq!(
        deleted,
        json!({"personidentifikator": "27129323960", "status": "SLETTET", "varslingsstatus": "KAN_IKKE_VARSLES"})
    );

    let unknown = d.person("21879498012").answer(&all, now(), true, None);
    assert_eq!(unknown["status"], "IKKE_REGISTRERT");
    let doc = d.persons["23079421936"].answer(
        &fields_unlocked(&["user/kontaktinformasjon.read"]),
        now(),
        true,
        None,
    );
    assert_eq!(
        doc["kontaktinformasjon"]["epostadresse_oppdatert"],
        "2010-12-16T13:32:05.000+01:00"
    );
}

#[test]
fn bad_data_files_name_the_person() {
    let e = EmulatorData::parse(
        r#"{"persons":[{"pid":"16903349845","shows":{"nb":"x","en":"x"},"status":"AKTIV"}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("person 16903349845: not a valid national id"),
        "{e}"
    );
    let e = EmulatorData::parse(
        r#"{"persons":[{"pid":"27129324169","shows":{"nb":"x","en":"x"},"status":"LEVENDE"}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "person 27129324169: 'LEVENDE' is not a status code");
}
