//! Writes the signed fixtures in tests/data. Run on purpose only:
//! `cargo test --test integration -- --ignored regenerate_fixtures`.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use krr_inspector::jose::pki::{self, Subject};
use krr_inspector::jose::{Alg, sign_compact, x5c_of};

use super::data;

#[test]
#[ignore = "rewrites tests/data; run on purpose"]
fn regenerate_fixtures() {
    let from = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2125, 1, 1, 0, 0, 0).unwrap();
    let ca = pki::self_signed_ca(
        &Subject {
            common_name: "krr-inspector Test Root CA",
            organisation: "krr-inspector test",
            organisation_number: None,
        },
        2048,
        from,
        until,
    )
    .unwrap();
    let signer = pki::issue_signing_cert(
        &ca,
        &Subject {
            common_name: "DIGITALISERINGSDIREKTORATET TEST KRR",
            organisation: "DIGITALISERINGSDIREKTORATET",
            organisation_number: Some("991825827"),
        },
        pki::rsa_key(2048).unwrap(),
        from,
        until,
    )
    .unwrap();
    let person_cert = pki::issue_signing_cert(
        &ca,
        &Subject {
            common_name: "Test person 24079412372",
            organisation: "krr-inspector test",
            organisation_number: None,
        },
        pki::rsa_key(2048).unwrap(),
        from,
        until,
    )
    .unwrap();
    std::fs::write(data("test-ca.pem"), ca.cert.to_pem().unwrap()).unwrap();

    let b64 = |c: &openssl::x509::X509| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(c.to_der().unwrap())
    };
    let persons: Vec<(&str, Value)> = vec![
        (
            "person-24079412372",
            json!({
                "personidentifikator": "24079412372",
                "reservasjon": "NEI",
                "status": "AKTIV",
                "varslingsstatus": "KAN_VARSLES",
                "kontaktinformasjon": {
                    "epostadresse": "24079412372-test@digdir.no",
                    "epostadresse_oppdatert": "2026-09-01T10:14:52+02",
                    "epostadresse_sist_verifisert": "2026-10-30T08:00:00.000Z",
                    "mobiltelefonnummer": "+4799999999",
                    "mobiltelefonnummer_oppdatert": "2018-06-29T10:14:52+02",
                    "mobiltelefonnummer_sist_verifisert": "2018-06-29T10:14:52+02"
                },
                "digital_post": {"postkasseadresse": "ola.nordmann#6XXB", "postkasseleverandoeradresse": "984661185"},
                "sertifikat": b64(&person_cert.cert),
                "spraak": "nb"
            }),
        ),
        (
            "person-23079421936",
            json!({
                "personidentifikator": "23079421936",
                "reservasjon": "NEI",
                "status": "AKTIV",
                "varslingsstatus": "KAN_IKKE_VARSLES",
                "kontaktinformasjon": {
                    "epostadresse": "23079421936-test@minid.norge.no",
                    "epostadresse_oppdatert": "2010-12-16T13:32:05.000+01:00"
                }
            }),
        ),
        (
            "person-odd",
            json!({
                "personidentifikator": "16903349845",
                "reservasjon": "JA",
                "status": "MIDLERTIDIG",
                "varslingsstatus": "KAN_VARSLES",
                "reservasjonstidspunkt": "2024-03-01T12:00:00Z",
                "nytt_felt_fra_digdir": {"a": 1},
                "kontaktinformasjon": {"epostadresse": 42, "mobiltelefonnummer_oppdatert": "forrige uke"}
            }),
        ),
    ];
    for (name, person) in persons {
        let payload = serde_json::to_string(&person).unwrap();
        let header = json!({"kid": "krr-test-1", "x5c": x5c_of(&[&signer.cert, &ca.cert])});
        let jws = sign_compact(&header, payload.as_bytes(), &signer.key, Alg::Rs256).unwrap();
        std::fs::write(data(&format!("{name}.jws")), &jws).unwrap();
        std::fs::write(
            data(&format!("{name}.json")),
            serde_json::to_string_pretty(&person).unwrap(),
        )
        .unwrap();
    }
}
