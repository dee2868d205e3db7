//! Client secrets in a real Secret Service (gnome-keyring-daemon in the test's D-Bus session; .ci/run starts one):
//! `secret set` stores, a `fetch` whose client has `secret_source = "keyring"` logs in to the emulator with it,
//! `secret delete` removes it and the next `fetch` says it is missing and how to store it; the value never shows.
//! Without a session bus or a Secret Service the tests say so and pass, unless KRR_REQUIRE_KEYRING=1 (as in CI),
//! where they fail. Every run uses environment names of its own, so runs never share an entry. A PKCS#12 key's
//! password lives there too: `secret set --purpose key-password` opens the file for a private_key_jwt login.

use std::path::{Path, PathBuf};

use krr_inspector::emulator::EmulatorHandle;
use krr_inspector::krr::ScopeDialect;

use super::support::{autologin_browser, emulator};
use super::tap::{Output, assert_no_secret};
use super::{run_with_env, stderr, stdout};

/// The emulator's confidential client and its secret (`emulator/clients.rs`).
const CLIENT: &str = "demo-client";
const SECRET: &str = "demo-secret";
/// The emulator's private_key_jwt client, registered with the public half of the shipped test key.
const JWT_CLIENT: &str = "krr-inspector-jwt";

/// Whether a Secret Service answers on the session bus; `None` (after saying why) when the tests should skip.
pub fn secret_service() -> Option<()> {
    let required = std::env::var("KRR_REQUIRE_KEYRING").as_deref() == Ok("1");
    let why = if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        Some("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned())
    } else {
        match krr_inspector::config::keyring::has_secret(
            &unique("probe"),
            CLIENT,
            krr_inspector::config::keyring::Purpose::ClientSecret,
        ) {
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        }
    };
    match why {
        None => Some(()),
        Some(why) if required => {
            panic!("KRR_REQUIRE_KEYRING=1 but the keyring cannot be used: {why}")
        }
        Some(why) => {
            eprintln!(
                "SKIPPED: {why}; run the tests inside `dbus-run-session` with an unlocked gnome-keyring-daemon \
                 (see README, \"The keyring\")"
            );
            None
        }
    }
}

/// A name no other run uses: the process id and the time.
pub fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("krr-test-{what}-{}-{nanos}", std::process::id())
}

/// Removes the run's entries (both purposes, both clients) however the test ends.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        use krr_inspector::config::keyring::{Purpose, delete_secret};
        for env in &self.0 {
            for client in [CLIENT, JWT_CLIENT] {
                for purpose in [Purpose::ClientSecret, Purpose::KeyPassword] {
                    let _ = delete_secret(env, client, purpose);
                }
            }
        }
    }
}

/// A config file with two environments at the emulator: `keyring_env`'s client reads its secret from the keyring,
/// `env_env`'s from an environment variable that is not set (so only `--secret-source keyring` can log it in).
fn config_file(dir: &Path, emu: &EmulatorHandle, keyring_env: &str, env_env: &str) -> PathBuf {
    let (issuer, person_url) = (
        emu.issuer(ScopeDialect::Digdir),
        emu.person_url(ScopeDialect::Digdir),
    );
    let text = format!(
        r#"
[environments.{keyring_env}]
issuer = "{issuer}"
person_url = "{person_url}"

[environments.{env_env}]
issuer = "{issuer}"
person_url = "{person_url}"

[clients.from-keyring]
client_id = "{CLIENT}"
auth_method = "client_secret_basic"
secret_source = "keyring"
environments = ["{keyring_env}"]

[clients.from-env]
client_id = "{CLIENT}"
auth_method = "client_secret_post"
secret_env = "KRR_TEST_SECRET_THAT_IS_NOT_SET"
environments = ["{env_env}"]
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn krr(args: Vec<String>, stdin: Option<&'static [u8]>) -> Ran {
    krr_in(super::data_home(), args, stdin).await
}

/// `krr` with its data directory (XDG_DATA_HOME) at `data`, for a test that looks at what is written there.
async fn krr_in(data: &Path, args: Vec<String>, stdin: Option<&'static [u8]>) -> Ran {
    let data = data.to_str().unwrap().to_owned();
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Trace logging on: whatever is logged is checked for the secret too.
        run_with_env(
            &args,
            stdin,
            &[("RUST_LOG", "trace"), ("XDG_DATA_HOME", &data)],
        )
    })
    .await
    .unwrap();
    Ran {
        code: o.status.code(),
        stdout: stdout(&o),
        stderr: stderr(&o),
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_in_the_keyring_logs_in_and_a_deleted_one_is_missing() {
    if secret_service().is_none() {
        return;
    }
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let krr = |args, stdin| krr_in(&data, args, stdin);
    let (keyring_env, env_env) = (unique("kr"), unique("ev"));
    let _cleanup = Cleanup(vec![keyring_env.clone(), env_env.clone()]);
    let config = config_file(dir.path(), &emu, &keyring_env, &env_env);
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let (config, ca) = (config.to_str().unwrap(), ca.to_str().unwrap());
    let browser = autologin_browser("--pid 27129324169");
    let fetch = |env: &str, extra: &[&str]| {
        let mut a = args(&[
            "fetch",
            "--config",
            config,
            "--env",
            env,
            "--trust-ca",
            ca,
            "--browser",
            &browser,
            "--format",
            "json",
            "--timeout",
            "20",
        ]);
        a.extend(args(extra));
        a
    };
    let secret =
        |action: &str, env: &str| args(&["secret", action, "--config", config, "--env", env]);
    let mut outputs = Vec::new();

    // Nothing stored yet: status says so and how to store it.
    let status = krr(secret("status", &keyring_env), None).await;
    assert_eq!(status.code, Some(1), "{}", status.stderr);
    assert!(
        status.stderr.contains(&format!(
            "store it with `krr-inspector secret set --env {keyring_env} --client {CLIENT}`"
        )),
        "{}",
        status.stderr
    );

    // Stored from a pipe (one trailing newline dropped), for the configured client.
    let set = krr(secret("set", &keyring_env), Some(b"demo-secret\n")).await;
    assert_eq!(set.code, Some(0), "{}", set.stderr);
    assert!(
        set.stdout.contains(&format!(
            "Stored the client secret for {CLIENT} in environment '{keyring_env}' in the keyring (service \
             krr-inspector, entry {keyring_env}/{CLIENT})"
        )),
        "{}",
        set.stdout
    );
    let status = krr(secret("status", &keyring_env), None).await;
    assert_eq!(status.code, Some(0), "{}", status.stderr);
    assert!(
        status.stdout.contains("is stored in the keyring"),
        "{}",
        status.stdout
    );

    // The login: client_secret_basic with the stored secret, which the emulator accepts.
    let f = krr(fetch(&keyring_env, &[]), None).await;
    assert_eq!(f.code, Some(0), "{}", f.stderr);
    let json: serde_json::Value = serde_json::from_str(&f.stdout).unwrap();
    assert_eq!(json["request"]["auth_method"], "client_secret_basic");
    assert_eq!(json["token"]["access_token_claims"]["client_id"], CLIENT);
    assert!(
        f.stderr.len() > 1000,
        "trace logging is on: {} bytes",
        f.stderr.len()
    );
    outputs.extend([set, status, f]);
    // The other faces of a keyring-sourced login: each report format (curl's commands included), and the matrix
    // (whose refreshes authenticate with the secret too).
    for (format, says) in [
        ("html", "<html"),
        ("text", "client_secret_basic"),
        ("markdown", "client_secret_basic"),
        ("curl", "curl "),
    ] {
        let r = krr(
            fetch(&keyring_env, &[])
                .into_iter()
                .map(|a| if a == "json" { format.into() } else { a })
                .collect(),
            None,
        )
        .await;
        assert_eq!(r.code, Some(0), "{format}: {}", r.stderr);
        assert!(r.stdout.contains(says), "{format}: {}", r.stdout);
        outputs.push(r);
    }
    let mut matrix = args(&[
        "matrix",
        "--config",
        config,
        "--env",
        &keyring_env,
        "--trust-ca",
        ca,
        "--browser",
        &browser,
        "--format",
        "json",
        "--timeout",
        "20",
        "--set",
        "openid krr:user/kontaktinformasjon.read",
        "--set",
        "openid krr:user/digitalpost.read",
    ]);
    matrix.push("--http-timeout".into());
    matrix.push("20".into());
    let m = krr(matrix, None).await;
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    outputs.push(m);

    // `--secret-source keyring` for a client whose registration names an unset variable.
    let f = krr(fetch(&env_env, &[]), None).await;
    assert_eq!(f.code, Some(1));
    assert!(
        f.stderr.contains(&format!(
            "KRR_TEST_SECRET_THAT_IS_NOT_SET is not set; or store the secret in the keyring with \
             `krr-inspector secret set --env {env_env} --client {CLIENT}` and pass --secret-source keyring"
        )),
        "{}",
        f.stderr
    );
    let set = krr(secret("set", &env_env), Some(b"demo-secret")).await;
    assert_eq!(set.code, Some(0), "{}", set.stderr);
    let f = krr(fetch(&env_env, &["--secret-source", "keyring"]), None).await;
    assert_eq!(f.code, Some(0), "{}", f.stderr);
    let json: serde_json::Value = serde_json::from_str(&f.stdout).unwrap();
    assert_eq!(json["request"]["auth_method"], "client_secret_post");
    outputs.extend([set, f]);

    // Deleted: the next login says the secret is missing and how to store it.
    let delete = krr(secret("delete", &keyring_env), None).await;
    assert_eq!(delete.code, Some(0), "{}", delete.stderr);
    assert!(
        delete.stdout.contains("Removed the client secret"),
        "{}",
        delete.stdout
    );
    let again = krr(secret("delete", &keyring_env), None).await;
    assert!(
        again.stdout.contains("nothing to remove"),
        "{}",
        again.stdout
    );
    let f = krr(fetch(&keyring_env, &[]), None).await;
    assert_eq!(f.code, Some(1), "{}", f.stdout);
    assert!(
        f.stderr.contains(&format!(
            "the keyring has none for client {CLIENT} in environment '{keyring_env}': store it with \
             `krr-inspector secret set --env {keyring_env} --client {CLIENT}`"
        )),
        "{}",
        f.stderr
    );
    outputs.extend([delete, again, f]);

    // The value was never shown: not on standard output, not in a message, not in a trace log, not in the history
    // the app keeps of these reports, nor in any file under the data directory.
    let outputs: Vec<Output> = outputs
        .iter()
        .enumerate()
        .map(|(i, o)| Output {
            what: format!("command {i}"),
            stdout: &o.stdout,
            stderr: &o.stderr,
        })
        .collect();
    assert_no_secret(&[SECRET.to_owned()], &outputs, &data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_where_the_secret_comes_from_and_an_empty_one_is_refused() {
    if secret_service().is_none() {
        return;
    }
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (keyring_env, env_env) = (unique("dr"), unique("dv"));
    let _cleanup = Cleanup(vec![keyring_env.clone(), env_env.clone()]);
    let config = config_file(dir.path(), &emu, &keyring_env, &env_env);
    let config = config.to_str().unwrap();
    let empty = krr(
        args(&["secret", "set", "--config", config, "--env", &keyring_env]),
        Some(b"\n"),
    )
    .await;
    assert_eq!(empty.code, Some(1));
    assert!(
        empty.stderr.contains("a secret to store cannot be empty"),
        "{}",
        empty.stderr
    );
    let doctor = |extra: &[&str]| {
        let mut a = args(&["doctor", "--config", config, "--env", &keyring_env]);
        a.extend(args(extra));
        a
    };
    let d = krr(doctor(&[]), None).await;
    assert!(
        d.stdout
            .contains("the keyring has none for client demo-client")
            && d.stdout.contains("krr-inspector secret set"),
        "{}",
        d.stdout
    );
    let set = krr(
        args(&["secret", "set", "--config", config, "--env", &keyring_env]),
        Some(b"demo-secret"),
    )
    .await;
    assert_eq!(set.code, Some(0), "{}", set.stderr);
    let d = krr(doctor(&[]), None).await;
    assert!(
        d.stdout.contains(&format!(
            "client_secret_basic reads it from the keyring (krr-inspector, {keyring_env}/{CLIENT})"
        )),
        "{}",
        d.stdout
    );
    assert!(!d.stdout.contains(SECRET) && !d.stderr.contains(SECRET));
}

/// `secret set` on a real terminal (a pseudo-terminal that is the command's controlling terminal): it asks, the
/// typed secret is not echoed, and it is stored.
#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_secret_is_asked_for_without_echo() {
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    if secret_service().is_none() {
        return;
    }
    let env = unique("tty");
    let _cleanup = Cleanup(vec![env.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[environments.{env}]\nissuer = \"https://idp.example\"\nperson_url = \"https://krr.example/person\"\n"
        ),
    )
    .unwrap();
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two descriptors into the pointers given; no name, termios or size is passed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened by openpty and are owned here alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_krr-inspector"));
    cmd.args(["secret", "set", "--env", &env, "--client", CLIENT])
        .env("KRR_INSPECTOR_CONFIG", &config)
        .env("NO_COLOR", "1")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave.try_clone().unwrap());
    // SAFETY: only async-signal-safe calls between fork and exec: a new session whose controlling terminal is the
    // pseudo-terminal (so /dev/tty is it, as for a user at a terminal).
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    // The command holds the terminal alone now (the reader sees its end when the command exits).
    drop(cmd);
    drop(slave);
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let seen = screen.clone();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // Ends with EIO once the command (the last holder of the terminal) has exited.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let text = |s: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&s.lock().unwrap()).into_owned();
    // Typed only once it asks (echo is off by then), as a person would.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !text(&screen).contains("(not shown as you type): ") {
        let exited = child.try_wait().unwrap().is_some();
        assert!(
            !exited && Instant::now() < deadline,
            "no prompt: {:?}",
            text(&screen)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut writer = std::fs::File::from(master);
    writer.write_all(b"demo-secret\n").unwrap();
    let status = child.wait().unwrap();
    drop(writer);
    reading.join().unwrap();
    let screen = text(&screen);
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains(&format!(
            "The client secret for {CLIENT} in environment '{env}' (not shown as you type): "
        )),
        "{screen}"
    );
    assert!(screen.contains("Stored the client secret"), "{screen}");
    assert!(
        !screen.contains(SECRET),
        "the typed secret was echoed: {screen:?}"
    );
    let stored = krr_inspector::config::keyring::keyring_secret(
        &env,
        CLIENT,
        krr_inspector::config::keyring::Purpose::ClientSecret,
    )
    .unwrap()
    .unwrap();
    assert_eq!(stored.expose(), SECRET);
}

/// The shipped test key (`assets/test-keys/`) in a password-protected PKCS#12 file with a self-signed certificate
/// over it, as a virksomhetssertifikat comes: the assertion then carries the certificate (x5c), whose key the
/// emulator's `krr-inspector-jwt` client has registered.
fn test_key_p12(path: &Path, password: &str) {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let pem = std::fs::read(super::support::jwt_client_key()).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&pem).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "KRR INSPECTOR JWT TEST")
        .unwrap();
    let name = name.build();
    let mut cert = X509Builder::new().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let der = openssl::pkcs12::Pkcs12::builder()
        .name("virksomhetssertifikat")
        .pkey(&key)
        .cert(&cert.build())
        .build2(password)
        .unwrap()
        .to_der()
        .unwrap();
    std::fs::write(path, der).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pkcs12_key_opened_with_its_password_from_the_keyring_logs_in() {
    if secret_service().is_none() {
        return;
    }
    const PASSWORD: &str = "p12-pass-from-the-keyring";
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let krr = |args, stdin| krr_in(&data, args, stdin);
    let env = unique("p12");
    let _cleanup = Cleanup(vec![env.clone()]);
    let p12 = dir.path().join("virksomhet.p12");
    test_key_p12(&p12, PASSWORD);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[environments.{env}]\nissuer = \"{}\"\nperson_url = \"{}\"\n\n[clients.jwt]\nclient_id = \
             \"{JWT_CLIENT}\"\nauth_method = \"private_key_jwt\"\nprivate_key = \"{}\"\nsecret_source = \
             \"keyring\"\nenvironments = [\"{env}\"]\n",
            emu.issuer(ScopeDialect::Digdir),
            emu.person_url(ScopeDialect::Digdir),
            p12.display()
        ),
    )
    .unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let (config, ca, p12) = (
        config.to_str().unwrap(),
        ca.to_str().unwrap(),
        p12.to_str().unwrap(),
    );
    let fetch = args(&[
        "fetch",
        "--config",
        config,
        "--env",
        &env,
        "--trust-ca",
        ca,
        "--testid",
        "22859197810",
        "--browser",
        "false",
        "--format",
        "json",
        "--timeout",
        "20",
    ]);
    let secret = |action: &str| {
        args(&[
            "secret",
            action,
            "--config",
            config,
            "--env",
            &env,
            "--purpose",
            "key-password",
        ])
    };

    // The password stored from a pipe for the environment's client (the one with the key).
    let set = krr(secret("set"), Some(b"p12-pass-from-the-keyring\n")).await;
    assert_eq!(set.code, Some(0), "{}", set.stderr);
    assert!(
        set.stdout.contains(&format!(
            "Stored the key password for {JWT_CLIENT} in environment '{env}' in the keyring (service \
             krr-inspector, entry {env}/{JWT_CLIENT}/key-password)"
        )),
        "{}",
        set.stdout
    );

    // The login opens the file with it and signs the assertion, which the emulator accepts.
    let f = krr(fetch.clone(), None).await;
    assert_eq!(f.code, Some(0), "{}", f.stderr);
    let json: serde_json::Value = serde_json::from_str(&f.stdout).unwrap();
    assert_eq!(json["request"]["auth_method"], "private_key_jwt");
    assert_eq!(json["person"]["personidentifikator"], "22859197810");
    assert_eq!(
        json["token"]["access_token_claims"]["client_id"],
        JWT_CLIENT
    );
    assert_eq!(
        json["token"]["access_token_claims"]["client_amr"],
        "private_key_jwt"
    );

    // Deleted: the file cannot be opened, and the message names it and how to store the password.
    let delete = krr(secret("delete"), None).await;
    assert_eq!(delete.code, Some(0), "{}", delete.stderr);
    let missing = krr(fetch, None).await;
    assert_eq!(missing.code, Some(1), "{}", missing.stdout);
    assert!(
        missing.stderr.contains(p12)
            && missing.stderr.contains(&format!(
                "`krr-inspector secret set --env {env} --client {JWT_CLIENT} --purpose key-password`"
            )),
        "{}",
        missing.stderr
    );

    // Neither the password nor the key anywhere (trace logs, the app's history of the report, the data directory).
    let mut secrets =
        super::key_jwt::pem_lines(&std::fs::read(super::support::jwt_client_key()).unwrap());
    secrets.push(PASSWORD.to_owned());
    let outputs: Vec<Output> = [
        ("set", &set),
        ("fetch", &f),
        ("delete", &delete),
        ("the refused fetch", &missing),
    ]
    .iter()
    .map(|(what, o)| Output {
        what: what.to_string(),
        stdout: &o.stdout,
        stderr: &o.stderr,
    })
    .collect();
    assert_no_secret(&secrets, &outputs, &data);
}

/// A locked keyring: `secret status` and a login whose secret lives there say it is locked and how to unlock it,
/// never the value. In a D-Bus session and keyring of their own (the script again, outside this test's session, so
/// no other test's keyring is locked), whose login collection is locked over D-Bus; with no display, the unlock
/// prompt cannot be shown.
#[test]
fn a_locked_keyring_says_so_and_how_to_unlock_it() {
    if secret_service().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[environments.locked]\nissuer = \"http://127.0.0.1:9\"\nperson_url = \"http://127.0.0.1:9/person\"\n\n\
             [clients.c]\nclient_id = \"{CLIENT}\"\nauth_method = \"client_secret_basic\"\nsecret_source = \
             \"keyring\"\nenvironments = [\"locked\"]\n"
        ),
    )
    .unwrap();
    let script = r#"set -eu
printf '%s' "$SECRET" | "$KRR" secret set --env locked
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
echo '--- status'
"$KRR" secret status --env locked 2>&1 || echo "exit $?"
echo '--- fetch'
"$KRR" fetch --env locked --browser false --timeout 5 2>&1 || echo "exit $?"
"#;
    let o = std::process::Command::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/with-secret-service.sh"),
    )
    .args(["sh", "-c", script])
    .env_remove("KRR_SECRET_SERVICE_SESSION")
    .env_remove("DISPLAY")
    .env_remove("WAYLAND_DISPLAY")
    .env("KRR", env!("CARGO_BIN_EXE_krr-inspector"))
    .env("SECRET", SECRET)
    .env("KRR_INSPECTOR_CONFIG", &config)
    .env("XDG_DATA_HOME", super::data_home())
    .env("NO_COLOR", "1")
    .env_remove("RUST_LOG")
    .output()
    .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (_, after) = out.split_once("--- status\n").unwrap();
    let (status, fetch) = after.split_once("--- fetch\n").unwrap();
    for (what, said) in [("secret status", status), ("fetch", fetch)] {
        assert!(
            said.contains("the keyring is locked") && said.contains("unlock it"),
            "{what}: {said}"
        );
        assert!(said.contains("exit 1"), "{what} fails: {said}");
        assert!(!said.contains(SECRET), "{what}: {said}");
    }
    assert!(
        fetch.contains("cannot read the client secret from the keyring"),
        "{fetch}"
    );
}
