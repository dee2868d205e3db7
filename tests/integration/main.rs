//! Flows across modules, driven through the real binary where a user would use it. One test binary for all.

mod browser;
mod doctor;
mod dpop;
mod emulator;
mod emulator_cli;
mod emulator_security;
mod explain_cli;
mod faults;
mod fetch;
mod fixtures;
#[cfg(feature = "gui")]
mod gui;
#[cfg(feature = "gui")]
mod gui_files;
#[cfg(feature = "gui")]
mod gui_look;
#[cfg(feature = "gui")]
mod gui_tokens;
mod hostile;
mod key_jwt;
mod keyring;
mod packaging;
mod par;
mod peer;
mod peer_session;
mod properties;
mod robustness;
mod session;
mod share;
mod support;
mod tap;
mod test_env;
mod testid;
mod third_party;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The fixed clock the fixture tests inspect at, so that the 18-month rule and certificate validity do not drift.
pub const AT: &str = "2026-11-24T12:00:00Z";

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A data directory for the whole test binary, so `--env local` keeps its emulator keys out of the user's home.
pub fn data_home() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Runs the binary with `args` and optional standard input; isolates it from the user's config.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_with_env(args, stdin, &[])
}

pub fn run_with_env(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_krr-inspector"));
    cmd.args(args)
        .env("XDG_DATA_HOME", data_home())
        .env_remove("KRR_INSPECTOR_BROWSER")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .env("KRR_INSPECTOR_CONFIG", data("no-config.toml"))
        .env_remove("KRR_INSPECTOR_LANG")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
