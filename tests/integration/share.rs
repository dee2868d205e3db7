//! Beyond one lookup: the scope matrix (one login for every set), saving an inspection and reading it back,
//! reports for a bug ticket, copy as curl, and comparing two lookups.

use serde_json::{Value, json};

use krr_inspector::emulator::EmulatorHandle;
use krr_inspector::inspect::export;
use krr_inspector::krr::ScopeDialect;

use super::support::emulator;
use super::{run, stderr, stdout};

/// Every token the emulator issues starts with this (alg RS256, typ JWT).
const TOKEN_PREFIX: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIs";

fn person_with_jar(pid: &str, jar: &std::path::Path) -> String {
    format!(
        "'{}' autologin --pid {pid} --cookie-jar '{}'",
        env!("CARGO_BIN_EXE_krr-inspector"),
        jar.display()
    )
}

/// Runs a command against `emu` by its URLs (trusting its CA), off the async runtime.
async fn against(
    emu: &EmulatorHandle,
    generation: ScopeDialect,
    args: Vec<String>,
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let mut all = args;
    all.extend([
        "--issuer".into(),
        emu.issuer(generation),
        "--person-url".into(),
        emu.person_url(generation),
        "--trust-ca".into(),
        ca.to_str().unwrap().into(),
        "--client-id".into(),
        "krr-inspector".into(),
        "--timeout".into(),
        "20".into(),
    ]);
    tokio::task::spawn_blocking(move || {
        let _keep = dir;
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        run(&args, None)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_matrix_logs_in_once_and_every_row_has_its_fields() {
    // The spec's scope table: which top-level fields each read scope unlocks, for a person who has them all.
    let difi_unlocks = |scope: &str| match scope {
        "user/kontaktinformasjon.read" => vec!["kontaktinformasjon"],
        "user/varslingsstatus.read" => vec!["varslingsstatus"],
        "user/sikkerdigitalpost.read" => vec!["digital_post"],
        "user/sertifikat.read" => vec!["sertifikat"],
        _ => vec![],
    };
    let digdir_unlocks = |scope: &str| match scope {
        "krr:user/kontaktinformasjon.read" => vec!["kontaktinformasjon", "varslingsstatus"],
        "krr:user/digitalpost.read" => vec!["digital_post", "sertifikat"],
        _ => vec![],
    };
    for (generation, rows, unlocks) in [
        (
            ScopeDialect::Difi,
            16,
            &difi_unlocks as &dyn Fn(&str) -> Vec<&'static str>,
        ),
        (
            ScopeDialect::Digdir,
            4,
            &digdir_unlocks as &dyn Fn(&str) -> Vec<&'static str>,
        ),
    ] {
        let emu = emulator().await;
        let jar_dir = tempfile::tempdir().unwrap();
        let browser = person_with_jar("24079412372", &jar_dir.path().join("cookies"));
        let o = against(
            &emu,
            generation,
            vec![
                "matrix".into(),
                "--format".into(),
                "json".into(),
                "--browser".into(),
                browser,
            ],
        )
        .await;
        assert!(o.status.success(), "{}", stderr(&o));
        let m: Value = serde_json::from_slice(&o.stdout).unwrap();
        let m_rows = m["rows"].as_array().unwrap();
        assert_eq!(m_rows.len(), rows);
        for row in m_rows {
            let scopes: Vec<&str> = row["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let mut expected: Vec<&str> = scopes.iter().flat_map(|s| unlocks(s)).collect();
            expected.sort_unstable();
            expected.dedup();
            let mut got: Vec<String> = row["values"]
                .as_object()
                .unwrap()
                .keys()
                .map(|p| p.split('.').next().unwrap().to_owned())
                .filter(|k| !["personidentifikator", "reservasjon", "status"].contains(&k.as_str()))
                .collect();
            got.sort_unstable();
            got.dedup();
            assert_eq!(
                row["obtained"], "refresh",
                "each set's token is a refresh narrowed to it: {scopes:?}"
            );
            assert_eq!(row["inspection"]["token"]["scopes_granted"], json!(scopes));
            if expected.is_empty() {
                assert_eq!(row["status"], 403, "a set with no read scope: {scopes:?}");
            } else {
                assert_eq!(row["status"], 200, "{scopes:?}");
                assert_eq!(got, expected, "{scopes:?}");
            }
        }
        assert_eq!(
            emu.stats(),
            json!({"logins": 1, "codes": 1}),
            "the person logged in once, and that one code gave every set's token"
        );
        assert!(
            m["columns"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "digital_post.postkasseadresse")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_text_matrix() {
    let emu = emulator().await;
    let jar = tempfile::tempdir().unwrap();
    let browser = person_with_jar("27129324169", &jar.path().join("c"));
    let o = against(
        &emu,
        ScopeDialect::Digdir,
        vec![
            "matrix".into(),
            "--format".into(),
            "csv".into(),
            "--browser".into(),
            browser.clone(),
        ],
    )
    .await;
    let csv = stdout(&o);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..5],
        [
            "scopes",
            "http_status",
            "verdict",
            "obtained",
            "personidentifikator"
        ]
    );
    let mut unique = header.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        header.len(),
        "no two columns share a name: {header:?}"
    );
    assert_eq!(lines.count(), 4);
    let o = against(
        &emu,
        ScopeDialect::Digdir,
        vec![
            "matrix".into(),
            "--set".into(),
            "openid krr:user/digitalpost.read".into(),
            "--browser".into(),
            browser,
        ],
    )
    .await;
    let text = stdout(&o);
    assert!(
        text.contains("openid krr:user/digitalpost.read") && text.contains("200"),
        "{text}"
    );
    let table: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(table.len(), 2, "one set asked for: {text}");
    assert!(
        text.contains("One login with every scope: ") && text.contains("then 1 set in "),
        "the split between the login and the sets: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_reads_back_equal_and_never_holds_a_token() {
    let emu = emulator().await;
    let jar = tempfile::tempdir().unwrap();
    let browser = person_with_jar("24079412372", &jar.path().join("c"));
    let o = against(
        &emu,
        ScopeDialect::Digdir,
        vec![
            "fetch".into(),
            "--format".into(),
            "json".into(),
            "--browser".into(),
            browser.clone(),
        ],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let json = stdout(&o);
    let back = export::from_json(&json).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&export::to_json(&back)).unwrap(),
        serde_json::from_str::<Value>(&json).unwrap(),
        "export → read back → export is the same"
    );
    assert_eq!(back.body.as_ref().unwrap().verdict().label(), "valid");

    for format in ["json", "markdown", "html", "curl", "text"] {
        let o = against(
            &emu,
            ScopeDialect::Digdir,
            vec![
                "fetch".into(),
                "--format".into(),
                format.into(),
                "--browser".into(),
                browser.clone(),
            ],
        )
        .await;
        let out = stdout(&o);
        assert!(
            !out.contains(TOKEN_PREFIX),
            "a token in the {format} export"
        );
        match format {
            "markdown" => assert!(
                out.contains("| `digital_post.postkasseadresse` | `ola.nordmann#6XXB` |"),
                "{out}"
            ),
            "html" => assert!(
                out.starts_with("<!doctype html>")
                    && out.contains("<code>ola.nordmann#6XXB</code>")
            ),
            // As a shell reads it back: these words, the token a `$TOKEN` for the shell to fill in.
            "curl" => assert_eq!(
                shell_words::split(out.trim()).unwrap(),
                [
                    "curl",
                    "-sS",
                    "-H",
                    "Authorization: Bearer $TOKEN",
                    "-H",
                    "Accept: application/jose",
                    &emu.person_url(ScopeDialect::Digdir),
                ]
            ),
            _ => {}
        }
    }

    // `explain` reads the saved inspection back, checks its raw answer again, and says whether the file's verdict
    // holds.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("lookup.json");
    std::fs::write(&saved, &json).unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let explain = |file: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["explain", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        run(&args, None)
    };
    let trust = ["--trust-ca", ca.to_str().unwrap()];
    let o = explain(&saved, &trust);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("Checked again from the saved raw answer: valid, as the file says.")
            && text.contains("Environment: custom")
            && text.contains("Signature: VALID")
            && text.contains("ola.nordmann#6XXB"),
        "{text}"
    );
    let o = explain(&saved, &[&trust[..], &["--format", "json"]].concat());
    let mut back = serde_json::from_slice::<Value>(&o.stdout).unwrap();
    assert_eq!(
        back["reverified"],
        json!({"outcome": "reverified", "stored": "valid", "fresh": "valid", "agrees": true})
    );
    back.as_object_mut().unwrap().remove("reverified");
    assert_eq!(back, serde_json::from_str::<Value>(&json).unwrap());

    // A hand-edited file: the raw answer's payload changed, the stored verdict still says valid.
    let mut edited: Value = serde_json::from_str(&json).unwrap();
    let person = edited["http"]["exchanges"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["step"] == "person")
        .unwrap();
    let raw = person["response_body"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = raw.split('.').collect();
    let payload =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap();
    let forged = String::from_utf8(payload)
        .unwrap()
        .replace("\"reservasjon\":\"NEI\"", "\"reservasjon\":\"JA\"");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, forged),
        parts[2]
    );
    person["response_body"] = Value::String(forged);
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, edited.to_string()).unwrap();
    let text = stdout(&explain(&tampered, &trust));
    assert!(
        text.starts_with(
            "Checked again from the saved raw answer: invalid. The file says valid: it disagrees"
        ) && text.contains("Signature: INVALID"),
        "{text}"
    );
    // Without the raw answer nothing can be checked, and the report says so.
    let mut bare: Value = serde_json::from_str(&json).unwrap();
    for e in bare["http"]["exchanges"].as_array_mut().unwrap() {
        e["response_body"] = Value::Null;
    }
    let bare_file = dir.path().join("bare.json");
    std::fs::write(&bare_file, bare.to_string()).unwrap();
    let text = stdout(&explain(&bare_file, &[]));
    assert!(
        text.starts_with(
            "The file has no raw answer: the verdict (valid) is as recorded, not verified again."
        ),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_two_persons_and_json_vs_jws() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (pid, accept) in [
        ("24079412372", "jose"),
        ("27129324169", "jose"),
        ("24079412372", "json"),
    ] {
        let browser = format!(
            "'{}' autologin --pid {pid}",
            env!("CARGO_BIN_EXE_krr-inspector")
        );
        let o = against(
            &emu,
            ScopeDialect::Digdir,
            vec![
                "fetch".into(),
                "--format".into(),
                "json".into(),
                "--accept".into(),
                accept.into(),
                "--browser".into(),
                browser,
            ],
        )
        .await;
        let f = dir.path().join(format!("{pid}-{accept}.json"));
        std::fs::write(&f, &o.stdout).unwrap();
        files.push(f);
    }
    let o = run(
        &[
            "compare",
            files[0].to_str().unwrap(),
            files[1].to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    let changed: Vec<&str> = c["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"personidentifikator")
            && changed.contains(&"kontaktinformasjon.epostadresse"),
        "{changed:?}"
    );
    let removed: Vec<&str> = c["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(
        removed.contains(&"digital_post.postkasseadresse") && removed.contains(&"sertifikat"),
        "the second person has no mailbox: {removed:?}"
    );
    assert_eq!(
        (c["left"]["person"].as_str(), c["right"]["person"].as_str()),
        (Some("24079412372"), Some("27129324169"))
    );

    let o = run(
        &[
            "compare",
            files[0].to_str().unwrap(),
            files[2].to_str().unwrap(),
        ],
        None,
    );
    let text = stdout(&o);
    assert!(
        text.contains("valid") && text.contains("unsigned"),
        "JWS vs JSON shows in the verdicts: {text}"
    );
    assert!(text.contains("0 added, 0 removed"), "{text}");
    let o = run(
        &["compare", files[0].to_str().unwrap(), "/nonexistent.json"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
}
