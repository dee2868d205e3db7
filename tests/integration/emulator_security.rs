//! The emulator under attack, over real sockets on 127.0.0.1: idle and slow connections, cross-origin admin writes,
//! lax redirect URIs, empty state/nonce, code replay, login floods, and the SSO cookie in the id_token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

use krr_inspector::emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use super::support::*;

async fn start(config: impl FnOnce(&mut EmulatorConfig)) -> EmulatorHandle {
    let mut c = EmulatorConfig::local(keys());
    config(&mut c);
    Emulator::start(c).await.unwrap()
}

/// Reads from a raw connection until the server closes it; `None` if it is still open after `bound`.
fn closed_within(stream: &mut TcpStream, bound: StdDuration) -> Option<Vec<u8>> {
    let deadline = std::time::Instant::now() + bound;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return None;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(got),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Kills the child when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// Item 9: the standalone emulator, at a 128-descriptor limit, faced with 300 idle connections (more than it has
// descriptors for), still answers.
#[cfg(unix)]
#[tokio::test]
async fn idle_connections_beyond_the_descriptor_limit_do_not_stop_it() {
    let keys = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 128 && exec \"$0\" emulator --port 0 --keys \"$1\"")
            .arg(env!("CARGO_BIN_EXE_krr-inspector"))
            .arg(keys.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("emulator listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    let addr = base.strip_prefix("http://").unwrap().to_owned();
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let probe = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(8))
        .build()
        .unwrap()
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await;
    drop(child);
    drop(idle);
    let probe = probe.expect("the emulator answers while 300 idle connections are open");
    assert_eq!(probe.status(), 200);
}

// Item 9: an idle or slow connection is closed by the server: no bytes at all, or half a request head, after the
// header-read timeout; a keep-alive connection after the idle timeout.
#[tokio::test]
async fn idle_and_slow_connections_are_closed_by_the_server() {
    let emu = start(|c| {
        c.header_read_timeout = StdDuration::from_secs(1);
        c.idle_timeout = StdDuration::from_secs(30);
    })
    .await;
    let addr = emu.addr;
    let silent = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    let slow = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    assert!(
        silent.await.unwrap().is_some(),
        "a silent connection is closed after the header-read timeout"
    );
    assert!(
        slow.await.unwrap().is_some(),
        "half a request head is closed after the header-read timeout"
    );

    let emu = start(|c| {
        c.header_read_timeout = StdDuration::from_secs(60);
        c.idle_timeout = StdDuration::from_secs(1);
    })
    .await;
    let addr = emu.addr;
    let kept = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 12];
        s.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    assert!(
        kept.await.unwrap().is_some(),
        "an idle keep-alive connection is closed after the idle timeout"
    );
    let body = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type",
        )
        .unwrap();
        closed_within(&mut s, StdDuration::from_secs(15))
    });
    assert!(
        body.await.unwrap().is_some(),
        "a request body that stops coming is given up on after the idle timeout"
    );
}

// Item 9: at the connection cap the emulator closes the longest-idle connection, so it keeps serving.
#[tokio::test]
async fn at_the_connection_cap_idle_connections_make_room() {
    let emu = start(|c| {
        c.max_connections = 16;
        c.header_read_timeout = StdDuration::from_secs(60);
    })
    .await;
    let addr = emu.addr;
    // Off the runtime's thread, so that the emulator accepts meanwhile (its listen backlog is 128).
    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..200)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect()
    })
    .await
    .unwrap();
    let r = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(20))
        .build()
        .unwrap()
        .get(format!("{}/jwks.json", emu.base_url))
        .send()
        .await
        .expect("answered at the cap");
    assert_eq!(r.status(), 200);
    drop(idle);
}
