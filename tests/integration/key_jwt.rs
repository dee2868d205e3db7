//! private_key_jwt (RFC 7523) end to end: `fetch` signs its client assertion with each key format a Digdir client
//! may hold, the emulator checks it against the client's registered JWKS, and refuses every broken assertion with
//! the check that failed. Keys are made here (test material) and registered through the emulator's data file.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use serde_json::{Value, json};

use krr_inspector::emulator::{Emulator, EmulatorConfig, EmulatorData, EmulatorHandle};
use krr_inspector::inspect::export;
use krr_inspector::inspect::history::History;
use krr_inspector::jose::jwk::public_jwk;
use krr_inspector::jose::pki::{Subject, rsa_key, self_signed_ca};
use krr_inspector::krr::ScopeDialect;
use krr_inspector::oidc::{ClientKey, Secret};

use super::support::{keys, run_against, token_endpoint};

const CLIENT: &str = "jwt-test";
const PID: &str = "22859197810";

/// The key files of one test run, and the emulator that knows their public halves.
struct Fixture {
    _dir: tempfile::TempDir,
    files: Vec<(&'static str, PathBuf, Vec<&'static str>)>,
    emu: EmulatorHandle,
    /// A PKCS#8 RSA key registered as `a`, for the assertions the tests make by hand.
    rsa_pem: Vec<u8>,
    /// Each key file's secret parts, which no output may contain.
    secrets: Vec<String>,
}

fn private_jwk(key: &PKey<Private>, kid: &str) -> Value {
    let r = key.rsa().unwrap();
    let b = |n: &openssl::bn::BigNumRef| URL_SAFE_NO_PAD.encode(n.to_vec());
    json!({"kty": "RSA", "kid": kid, "n": b(r.n()), "e": b(r.e()), "d": b(r.d()),
        "p": b(r.p().unwrap()), "q": b(r.q().unwrap()), "dp": b(r.dmp1().unwrap()),
        "dq": b(r.dmq1().unwrap()), "qi": b(r.iqmp().unwrap())})
}

/// The base64 lines of a PEM's key block: what a leak of the key file would show.
pub(super) fn pem_lines(pem: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(pem)
        .lines()
        .filter(|l| l.len() >= 40 && !l.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

async fn emulator_with(jwks: Value) -> EmulatorHandle {
    let mut data: Value =
        serde_json::from_str(krr_inspector::emulator::data::DEFAULT_DATA).unwrap();
    data["clients"].as_array_mut().unwrap().push(json!({
        "client_id": CLIENT,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwks,
    }));
    let mut config = EmulatorConfig::local(keys());
    config.data = EmulatorData::parse(&data.to_string()).unwrap();
    Emulator::start(config).await.unwrap()
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let a = rsa_key(2048).unwrap();
    let ec = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let b = rsa_key(2048).unwrap();
    let now = chrono::Utc::now();
    let subject = Subject {
        common_name: "KRR INSPECTOR TEST CLIENT",
        organisation: "TEST ORG",
        organisation_number: Some("991825827"),
    };
    let cert = self_signed_ca(
        &subject,
        2048,
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(30),
    )
    .unwrap();
    let p12 = Pkcs12::builder()
        .name("virksomhetssertifikat")
        .pkey(&cert.key)
        .cert(&cert.cert)
        .build2("test-password")
        .unwrap()
        .to_der()
        .unwrap();
    let pkcs8 = a.private_key_to_pem_pkcs8().unwrap();
    let pkcs1 = a.rsa().unwrap().private_key_to_pem().unwrap();
    let sec1 = ec.ec_key().unwrap().private_key_to_pem().unwrap();
    let jwk = private_jwk(&b, "jwk-1");
    let mut with_cert = cert.key.private_key_to_pem_pkcs8().unwrap();
    with_cert.extend(cert.cert.to_pem().unwrap());
    // The PKCS#12 file holds the certificate's key: its PEM lines stand for it too.
    let cert_key = cert.key.private_key_to_pem_pkcs8().unwrap();
    let mut secrets = [&pkcs8, &pkcs1, &sec1, &cert_key]
        .iter()
        .flat_map(|p| pem_lines(p))
        .collect::<Vec<_>>();
    secrets.push(jwk["d"].as_str().unwrap().to_owned());
    let files = vec![
        (
            "PKCS#8 RSA",
            write("a.pkcs8.pem", &pkcs8),
            vec!["--key-id", "a"],
        ),
        (
            "PKCS#1 RSA",
            write("a.pkcs1.pem", &pkcs1),
            vec!["--key-id", "a"],
        ),
        (
            "SEC1 EC P-256",
            write("ec.pem", &sec1),
            vec!["--key-id", "ec"],
        ),
        (
            "JWK",
            write("b.jwk.json", jwk.to_string().as_bytes()),
            vec![],
        ),
        (
            "PKCS#12",
            write("virksomhet.p12", &p12),
            vec!["--key-password-env", "KEY_PW"],
        ),
        (
            "PEM with certificate",
            write("with-cert.pem", &with_cert),
            vec![],
        ),
    ];
    let emu = emulator_with(json!({"keys": [
        public_jwk(&a, "a", "RS256"),
        public_jwk(&ec, "ec", "ES256"),
        public_jwk(&b, "jwk-1", "RS256"),
        public_jwk(&cert.key, "the-certificate", "RS256"),
    ]}))
    .await;
    Fixture {
        _dir: dir,
        files,
        emu,
        rsa_pem: pkcs8,
        secrets,
    }
}

fn header_prefix(header: &Value) -> String {
    URL_SAFE_NO_PAD.encode(header.to_string())
}

async fn fetch(
    emu: &EmulatorHandle,
    format: &str,
    file: &Path,
    extra: &[&str],
) -> super::support::Ran {
    let mut args = vec![
        "fetch",
        "--format",
        format,
        "--testid",
        PID,
        "--client-id",
        CLIENT,
        "--auth-method",
        "private_key_jwt",
        "--private-key",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_against(emu, &args, &[("KEY_PW", "test-password")]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_with_private_key_jwt_for_every_key_format_and_nothing_leaks() {
    let f = fixture().await;
    for (format_name, file, extra) in &f.files {
        let r = fetch(&f.emu, "json", file, extra).await;
        assert_eq!(r.code, Some(0), "{format_name}: {}", r.stderr);
        let j = &r.json;
        assert_eq!(
            j["request"]["auth_method"], "private_key_jwt",
            "{format_name}"
        );
        assert_eq!(j["person"]["personidentifikator"], PID, "{format_name}");
        // The emulator says how the client authenticated: it accepted the assertion.
        assert_eq!(
            j["token"]["access_token_claims"]["client_amr"], "private_key_jwt",
            "{format_name}: {}",
            j["token"]["access_token_claims"]
        );
        // The HTTP tab's token exchange: the assertion's type and client_id as sent, the assertion redacted.
        let token = j["http"]["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["step"] == "token")
            .unwrap();
        let body = token["request_body"].as_str().unwrap();
        assert!(
            body.contains("client_id=jwt-test")
                && body.contains(
                    "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                )
                && body.contains("client_assertion=[redacted"),
            "{format_name}: {body}"
        );
    }

    // No output carries an assertion (its header is known: only the signature and claims are not) or the key.
    let assertion_headers = [
        header_prefix(&json!({"alg": "RS256", "kid": "a"})),
        header_prefix(&json!({"alg": "ES256", "kid": "ec"})),
        "eyJhbGciOiJSUzI1NiIsIng1YyI6".to_owned(), // {"alg":"RS256","x5c":
    ];
    let leaks = |what: &str, text: &str| {
        for s in assertion_headers.iter().chain(&f.secrets) {
            assert!(
                !text.contains(s.as_str()),
                "{what} holds an assertion or key part: {s}"
            );
        }
    };
    for (i, format) in ["json", "text", "markdown", "html"].iter().enumerate() {
        let (_, file, extra) = &f.files[[0, 2, 4, 5][i]];
        let r = fetch(&f.emu, format, file, extra).await;
        assert_eq!(r.code, Some(0), "{format}: {}", r.stderr);
        leaks(format, &r.stdout);
        leaks("stderr", &r.stderr);
        if *format == "json" {
            let mut history = History::default();
            history.push(std::sync::Arc::new(export::from_json(&r.stdout).unwrap()));
            leaks("the history file", &history.to_json());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_test_client_logs_in_with_the_shipped_test_key() {
    let emu = super::support::emulator().await;
    let key = super::support::jwt_client_key();
    let r = run_against(
        &emu,
        &[
            "fetch",
            "--format",
            "json",
            "--testid",
            PID,
            "--client-id",
            super::support::JWT_CLIENT,
            "--private-key",
            key.to_str().unwrap(),
            "--key-id",
            super::support::JWT_CLIENT_KID,
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.json["request"]["auth_method"], "private_key_jwt",
        "--private-key implies the method"
    );
    assert_eq!(
        r.json["token"]["access_token_claims"]["client_amr"],
        "private_key_jwt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_file_that_cannot_be_used_is_named_with_what_is_wrong() {
    let f = fixture().await;
    let dir = tempfile::tempdir().unwrap();
    let not_a_key = dir.path().join("notes.txt");
    std::fs::write(&not_a_key, "hello").unwrap();
    let missing = dir.path().join("missing.pem");
    let p12 = &f.files[4].1;
    type Case<'a> = (&'a Path, Vec<&'a str>, &'a [(&'a str, &'a str)], &'a str);
    let cases: Vec<Case> = vec![
        (&missing, vec!["--key-id", "a"], &[], "cannot be read"),
        (
            &not_a_key,
            vec!["--key-id", "a"],
            &[],
            "is not a private key",
        ),
        (&f.files[0].1, vec![], &[], "has no key id"),
        (p12, vec![], &[], "is encrypted"),
        (
            p12,
            vec!["--key-password-env", "WRONG_PW"],
            &[("WRONG_PW", "nope")],
            "wrong password",
        ),
        (
            p12,
            vec!["--key-password-env", "UNSET_PW_VAR"],
            &[],
            "UNSET_PW_VAR is not set",
        ),
    ];
    for (file, extra, env, expected) in cases {
        let mut args = vec![
            "fetch",
            "--testid",
            PID,
            "--client-id",
            CLIENT,
            "--private-key",
            file.to_str().unwrap(),
        ];
        args.extend(extra);
        let r = run_against(&f.emu, &args, env).await;
        assert_ne!(r.code, Some(0));
        assert!(r.stderr.contains(expected), "{expected}: {}", r.stderr);
        if expected != "UNSET_PW_VAR is not set" {
            assert!(
                r.stderr.contains(file.to_str().unwrap()),
                "the file is named: {}",
                r.stderr
            );
        }
    }
}

/// POSTs a code exchange with a bogus code: client authentication comes first, so `invalid_grant` means the
/// assertion was accepted and `invalid_client` says which check refused it.
async fn token_with(emu: &EmulatorHandle, form: &[(&str, &str)]) -> (u16, String) {
    let mut all = vec![("grant_type", "authorization_code"), ("code", "not-a-code")];
    all.extend_from_slice(form);
    let r = reqwest::Client::new()
        .post(token_endpoint(emu, ScopeDialect::Digdir))
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let j: Value = r.json().await.unwrap();
    (status, format!("{} {}", j["error"], j["error_description"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_refuses_each_broken_assertion_and_says_which_check() {
    let f = fixture().await;
    let emu = &f.emu;
    let issuer = emu.issuer(ScopeDialect::Digdir);
    let key = ClientKey::parse(&f.rsa_pem, None, Some("a")).unwrap();
    let other = ClientKey::parse(
        &rsa_key(2048).unwrap().private_key_to_pem_pkcs8().unwrap(),
        None,
        Some("a"),
    )
    .unwrap();
    let now = chrono::Utc::now();
    let claims = |iat: i64, exp: i64, aud: &str, jti: &str| json!({"iss": CLIENT, "sub": CLIENT, "aud": aud, "iat": iat, "exp": exp, "jti": jti});
    let t = now.timestamp();
    let form = |a: &str| -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT.to_owned()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion", a.to_owned()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        token_with(emu, &pairs).await
    };

    let good: Secret = key.assertion(CLIENT, &issuer, now).unwrap();
    // The header the leak test looks for is the one sent.
    assert!(
        good.expose()
            .starts_with(&header_prefix(&json!({"alg": "RS256", "kid": "a"})))
    );
    let (status, said) = send(form(good.expose())).await;
    assert_eq!(
        (status, said.starts_with("\"invalid_grant\"")),
        (400, true),
        "accepted: {said}"
    );
    let (status, said) = send(form(good.expose())).await;
    assert_eq!(status, 401);
    assert!(
        said.contains("invalid_client") && said.contains("jti was already used"),
        "{said}"
    );

    type Form = Vec<(&'static str, String)>;
    let cases: Vec<(&str, Form, &str)> = vec![
        ("wrong key", form(other.assertion(CLIENT, &issuer, now).unwrap().expose()), "signature"),
        (
            "aud the token endpoint",
            form(key.assertion(CLIENT, &token_endpoint(emu, ScopeDialect::Digdir), now).unwrap().expose()),
            "aud must be the issuer",
        ),
        (
            "aud the other generation's issuer",
            form(key.assertion(CLIENT, &emu.issuer(ScopeDialect::Difi), now).unwrap().expose()),
            "aud must be the issuer",
        ),
        ("expired", form(&key.sign(&claims(t - 300, t - 180, &issuer, "j1")).unwrap()), "expired"),
        (
            "lives longer than 120 s",
            form(&key.sign(&claims(t, t + 600, &issuer, "j2")).unwrap()),
            "more than 120 s",
        ),
        (
            "no client_id",
            form(key.assertion(CLIENT, &issuer, now).unwrap().expose())[1..].to_vec(),
            "client_id is missing",
        ),
        (
            "iss is another client",
            form(&key.sign(&json!({"iss": "x", "sub": "x", "aud": issuer, "iat": t, "exp": t + 60, "jti": "j3"})).unwrap()),
            "iss and sub must both be the client_id",
        ),
        (
            "no jti",
            form(&key.sign(&json!({"iss": CLIENT, "sub": CLIENT, "aud": issuer, "iat": t, "exp": t + 60})).unwrap()),
            "jti is missing",
        ),
        (
            "wrong assertion type",
            {
                let mut f = form(key.assertion(CLIENT, &issuer, now).unwrap().expose());
                f[1].1 = "jwt".into();
                f
            },
            "client_assertion_type must be",
        ),
        (
            "a client that does not use private_key_jwt",
            {
                let mut f = form(key.assertion(CLIENT, &issuer, now).unwrap().expose());
                f[0].1 = "krr-inspector".into();
                f
            },
            "does not use private_key_jwt",
        ),
    ];
    for (case, form, expected) in cases {
        let (status, said) = send(form).await;
        assert_eq!(status, 401, "{case}: {said}");
        assert!(
            said.contains("invalid_client") && said.contains(expected),
            "{case}: {said}"
        );
    }

    // Introspection and revocation check the client the same way (one check): a fresh assertion passes, its replay
    // does not.
    for endpoint in ["token/introspect", "token/revoke"] {
        let url = format!("{issuer}/{endpoint}");
        let a = key.assertion(CLIENT, &issuer, chrono::Utc::now()).unwrap();
        let mut fields = form(a.expose());
        fields.push(("token", "not-a-token".into()));
        let post = |fields: Vec<(&'static str, String)>| {
            let url = url.clone();
            async move {
                reqwest::Client::new()
                    .post(url)
                    .form(&fields)
                    .send()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(post(fields.clone()).await.status(), 200, "{endpoint}");
        let again = post(fields).await;
        assert_eq!(again.status(), 401, "{endpoint}");
        assert!(again.text().await.unwrap().contains("jti was already used"));
    }
}
