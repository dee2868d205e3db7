//! `krr-inspector emulator` as a process: one line on stdout, logs on stderr, a clean stop on SIGTERM/SIGINT.

use super::support::get_json;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use super::{data, run, stderr, stdout};

fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_krr-inspector"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[cfg(unix)]
#[tokio::test]
async fn prints_one_line_serves_and_stops_cleanly() {
    let keys = tempfile::tempdir().unwrap();
    for signal in ["-TERM", "-INT"] {
        let mut child = spawn(&[
            "emulator",
            "--port",
            "0",
            "--keys",
            keys.path().to_str().unwrap(),
        ]);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("emulator listening on ")
            .unwrap_or_else(|| panic!("first line: {line:?}"))
            .to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let d: serde_json::Value =
            get_json(format!("{base}/.well-known/openid-configuration")).await;
        assert_eq!(d["issuer"], base);
        Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{signal}");
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "", "exactly one line on stdout");
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(
            err.contains("emulator started") && !err.contains('\u{1b}'),
            "{err}"
        );
    }
}

#[test]
fn print_ca_is_the_persisted_anchor() {
    let keys = tempfile::tempdir().unwrap();
    let k = keys.path().to_str().unwrap();
    let first = run(&["emulator", "--print-ca", "--keys", k], None);
    assert!(first.status.success(), "{}", stderr(&first));
    let pem = stdout(&first);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        stdout(&run(&["emulator", "--print-ca", "--keys", k], None)),
        pem,
        "the same CA after a restart"
    );
    assert_eq!(
        std::fs::read_to_string(keys.path().join("ca-cert.pem")).unwrap(),
        pem
    );
}

#[test]
fn bad_data_file_and_busy_port_are_one_clear_line() {
    let keys = tempfile::tempdir().unwrap();
    let k = keys.path().to_str().unwrap();
    let o = run(
        &[
            "emulator",
            "--port",
            "0",
            "--keys",
            k,
            "--data",
            data("person-odd.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--data") && stderr(&o).contains("persons"),
        "{}",
        stderr(&o)
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let o = run(&["emulator", "--port", &port, "--keys", k], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{}",
        stderr(&o)
    );
}
