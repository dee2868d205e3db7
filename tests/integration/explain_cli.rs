//! `krr-inspector explain` as a user runs it: on saved answers, signed and not, good and bad.

use serde_json::Value;

use super::{AT, data, run, stderr, stdout};

fn path(name: &str) -> String {
    data(name).to_string_lossy().into_owned()
}

fn explain_json(args: &[&str]) -> Value {
    let mut all = vec!["explain", "--format", "json", "--at", AT];
    all.extend_from_slice(args);
    let o = run(&all, None);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("explain --format json prints one JSON object")
}

fn field<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no field {path}"))
}

#[test]
fn signed_answer_text_shows_header_verdict_and_explained_fields() {
    let ca = path("test-ca.pem");
    let o = run(
        &[
            "explain",
            &path("person-24079412372.jws"),
            "--trust-ca",
            &ca,
            "--at",
            AT,
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("Signature: VALID  the RS256 signature verifies with the key of x5c[0]"),
        "{text}"
    );
    assert!(text.contains("\"kid\": \"krr-test-1\""), "{text}");
    assert!(text.contains("org. no. 991825827"));
    assert!(text.contains("[0] C=NO, O=DIGITALISERINGSDIREKTORATET"));
    assert!(text.contains("Mailbox at Digipost (Posten Norge)."));
    assert!(
        text.contains("updated 8 years ago: older than 18 months, cannot be used for notification")
    );
    assert!(text.contains("agrees with the 18-month rule"));
    assert!(
        !text.contains('\u{1b}'),
        "NO_COLOR and a pipe mean no escape codes"
    );
}

#[test]
fn signed_answer_json_has_the_documented_shape() {
    let ca = path("test-ca.pem");
    let r = explain_json(&[&path("person-24079412372.jws"), "--trust-ca", &ca]);
    assert_eq!(r["jose"]["header"]["alg"], "RS256");
    assert_eq!(r["jose"]["header"]["x5c"].as_array().unwrap().len(), 2);
    assert_eq!(r["jose"]["signature"]["verdict"], "valid");
    assert!(
        r["jose"]["signature"]["reason"]
            .as_str()
            .unwrap()
            .contains("krr-inspector Test Root CA")
    );
    assert_eq!(
        r["jose"]["certificates"][0]["organisation_number"],
        "991825827"
    );
    // `person` is the payload exactly as received.
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(data("person-24079412372.json")).unwrap())
            .unwrap();
    assert_eq!(r["person"], saved);
    let status = field(&r, "status");
    assert_eq!(status["value"], "AKTIV");
    assert_eq!(
        status["explanation"],
        "The person's status in the register. The person is in the register; all fields the scopes allow are delivered."
    );
    let provider = field(&r, "digital_post.postkasseleverandoeradresse");
    assert!(
        provider["explanation"]
            .as_str()
            .unwrap()
            .contains("Digipost")
    );
}

#[test]
fn without_the_ca_the_signature_is_untrusted_with_advice() {
    let r = explain_json(&[&path("person-24079412372.jws")]);
    assert_eq!(r["jose"]["signature"]["verdict"], "untrusted");
    assert!(
        r["jose"]["signature"]["reason"]
            .as_str()
            .unwrap()
            .contains("--trust-ca")
    );
}

#[test]
fn tampered_answer_is_invalid_but_still_explained() {
    let jws = std::fs::read_to_string(data("person-24079412372.jws")).unwrap();
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    // Re-encode the payload with one changed value: a forger's edit.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = String::from_utf8(b64.decode(&parts[1]).unwrap())
        .unwrap()
        .replace("\"NEI\"", "\"JA\"");
    parts[1] = b64.encode(payload);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tampered.jws");
    std::fs::write(&file, parts.join(".")).unwrap();
    let r = explain_json(&[file.to_str().unwrap(), "--trust-ca", &path("test-ca.pem")]);
    assert_eq!(r["jose"]["signature"]["verdict"], "invalid");
    assert!(
        r["jose"]["signature"]["reason"]
            .as_str()
            .unwrap()
            .contains("changed after signing")
    );
    assert_eq!(field(&r, "reservasjon")["value"], "JA");
}

#[test]
fn json_answer_is_unsigned_and_jose_is_null() {
    let r = explain_json(&[&path("person-23079421936.json")]);
    assert_eq!(r["jose"], Value::Null);
    let date = field(&r, "kontaktinformasjon.epostadresse_oppdatert");
    assert_eq!(
        date["notes"][0],
        "updated 15 years ago: older than 18 months, cannot be used for notification"
    );
    let o = run(
        &["explain", &path("person-23079421936.json"), "--at", AT],
        None,
    );
    assert!(
        stdout(&o).starts_with("Signature: UNSIGNED"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_clock_decides_the_18_month_rule() {
    let r = explain_json(&[&path("person-23079421936.json")]);
    assert!(
        field(&r, "varslingsstatus")["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("agrees")
    );
    let o = run(
        &[
            "explain",
            "--format",
            "json",
            "--at",
            "2011-03-01T00:00:00Z",
            &path("person-23079421936.json"),
        ],
        None,
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        field(&r, "varslingsstatus")["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("disagrees with the rules: expected KAN_VARSLES")
    );
}

#[test]
fn standard_input_and_bokmaal() {
    let body = std::fs::read(data("person-odd.jws")).unwrap();
    let o = run(
        &[
            "--lang",
            "nb",
            "explain",
            "-",
            "--at",
            AT,
            "--trust-ca",
            &path("test-ca.pem"),
        ],
        Some(&body),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("Signatur: VALID"), "{text}");
    assert!(text.contains("Ikke et gyldig fødselsnummer"), "{text}");
    assert!(text.contains("[ukjent felt]"));
    assert!(text.contains("[ukjent kode]"));
    assert!(
        text.contains(
            "strider mot reglene: forventet KAN_IKKE_VARSLES fordi personen er reservert"
        )
    );
}

#[test]
fn unknown_and_malformed_fields_are_shown_not_dropped() {
    let r = explain_json(&[&path("person-odd.json")]);
    let unknown = field(&r, "nytt_felt_fra_digdir");
    assert_eq!(unknown["flags"][0], "unknown_field");
    assert_eq!(unknown["value"]["a"], 1);
    assert_eq!(
        field(&r, "kontaktinformasjon.epostadresse")["flags"][0],
        "malformed"
    );
    assert_eq!(
        field(&r, "kontaktinformasjon.mobiltelefonnummer_oppdatert")["flags"][0],
        "malformed"
    );
    assert_eq!(field(&r, "status")["flags"][0], "unknown_code");
}

#[test]
fn rfc_vectors_verify_through_the_cli() {
    for (jws, keys, alg) in [
        ("rfc7515-a2.jws", "rfc7515-a2.jwks.json", "RS256"),
        ("rfc7515-a3.jws", "rfc7515-a3.jwks.json", "ES256"),
    ] {
        let r = explain_json(&[&path(jws), "--jwks", &path(keys)]);
        assert_eq!(r["jose"]["signature"]["verdict"], "valid", "{jws}");
        assert_eq!(r["jose"]["header"]["alg"], alg);
        assert_eq!(field(&r, "iss")["value"], "joe");
    }
    let r = explain_json(&[&path("rfc7515-a2.jws")]);
    assert_eq!(r["jose"]["signature"]["verdict"], "unverifiable");
}

#[test]
fn scope_check_through_the_cli() {
    let r = explain_json(&[
        &path("person-23079421936.json"),
        "--scope",
        "user/sertifikat.read",
        "--scope",
        "user/varslingsstatus.read",
    ]);
    let check = &r["scope_check"];
    assert_eq!(check["unexpected"][0]["field"], "kontaktinformasjon");
    assert!(
        check["absent_allowed"][0]["message"]
            .as_str()
            .unwrap()
            .contains("KAN_IKKE_VARSLES")
    );
}

#[test]
fn unreadable_input_is_one_clear_line_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty", b"", "the body is empty"),
        ("binary", &[0xff, 0x00, 0xfe, 0x12], "not UTF-8"),
        (
            "two-parts",
            b"abc.def",
            "expected 3 parts separated by '.', found 2",
        ),
        ("jwe", b"a.b.c.d.e", "JWE"),
        ("words", b"hello world", "neither JSON nor a compact JWS"),
        ("bad-header", b"!!!.e30.", "header is not base64url"),
    ];
    for (name, body, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, body).unwrap();
        let o = run(&["explain", file.to_str().unwrap()], None);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{name}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        assert!(stdout(&o).is_empty());
    }
    let o = run(&["explain", "/nonexistent/answer.jws"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: cannot open /nonexistent/answer.jws"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &[
            "explain",
            &path("person-odd.jws"),
            "--trust-ca",
            &path("person-odd.json"),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no PEM certificate found"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_payload_that_is_not_a_person_is_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("array.json");
    std::fs::write(&file, "[1, 2]").unwrap();
    let r = explain_json(&[file.to_str().unwrap()]);
    assert_eq!(r["person"], serde_json::json!([1, 2]));
    assert!(r["problems"][0].as_str().unwrap().contains("not an object"));
}

#[test]
fn environments_lists_builtins_and_the_users_own() {
    let o = run(&["environments"], None);
    let text = stdout(&o);
    assert!(text.contains("https://test.kontaktregisteret.no/rest/v1/person"));
    assert!(text.contains("https://oidc-yt2.difi.eon.no/idporten-oidc-provider/"));
    // The Difi generation is marked retired, PROD as production.
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}: {text}"))
            .to_owned()
    };
    for retired in ["ver1", "ver2", "yt2", "difi-prod"] {
        assert!(
            line(retired).contains("retired by Digdir"),
            "{}",
            line(retired)
        );
    }
    assert!(line("prod").contains("production"), "{}", line("prod"));
    assert!(!line("test").contains("retired") && !line("test").contains("production"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[environments.staging]\nissuer = \"https://idp.example.no\"\nperson_url = \"https://krr.example.no/rest/v1/person\"\n",
    )
    .unwrap();
    let o = run(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "environments",
            "--format",
            "json",
        ],
        None,
    );
    let envs: Value = serde_json::from_slice(&o.stdout).unwrap();
    let staging = envs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "staging")
        .unwrap();
    assert_eq!(staging["group"], "user");
    std::fs::write(&cfg, "[environments.staging]\nissuer = 5\n").unwrap();
    let o = run(&["--config", cfg.to_str().unwrap(), "environments"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
}
