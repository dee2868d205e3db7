//! The one writer of the kept history file: every save, delete and read goes through one thread, in the order the
//! app asked for them, so a newer snapshot never loses to an older one and "off" (delete) is never undone by a
//! write still pending. Serialising happens on that thread, and a burst of saves (matrix rows) is written once.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};

use super::history::History;

/// Why the history file could not be written, removed or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryFileError {
    #[error("cannot write the history file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot delete the history file {path}: {source}")]
    Delete {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the history file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: super::history::HistoryError,
    },
}

type LoadReply = Box<dyn FnOnce(Result<History, HistoryFileError>) + Send>;

enum Request {
    /// Replace the file with this history (entries are shared `Arc`s: cheap to send).
    Save(History),
    /// Remove the file (keeping the history was switched off).
    Delete,
    /// Read the file, after every write asked for before.
    Load(LoadReply),
    /// Answer once everything asked for before is done.
    Flush(Sender<()>),
}

impl Request {
    /// Saves and deletes replace the whole file: a later one makes an earlier one pointless.
    fn replaces_file(&self) -> bool {
        matches!(self, Request::Save(_) | Request::Delete)
    }
}

/// The handle the app keeps; the thread starts with the first request and ends when the handle is dropped,
/// after the requests still queued.
pub struct HistoryWriter {
    path: PathBuf,
    worker: Option<(Sender<Request>, std::thread::JoinHandle<()>)>,
}

impl HistoryWriter {
    pub fn new(path: PathBuf) -> HistoryWriter {
        HistoryWriter { path, worker: None }
    }

    /// Writes `history` (mode 0600, temp file + rename) after everything asked for before.
    pub fn save(&mut self, history: &History) {
        self.send(Request::Save(history.clone()));
    }

    /// Deletes the file after everything asked for before; no earlier save can bring it back.
    pub fn delete(&mut self) {
        self.send(Request::Delete);
    }

    /// Reads the file after everything asked for before and hands the result to `reply` (on the writer thread).
    /// A missing file is an empty history.
    pub fn load(&mut self, reply: impl FnOnce(Result<History, HistoryFileError>) + Send + 'static) {
        self.send(Request::Load(Box::new(reply)));
    }

    /// Blocks until everything asked for before is done (tests; never from the UI thread).
    pub fn flush(&mut self) {
        let (tx, rx) = channel();
        self.send(Request::Flush(tx));
        let _ = rx.recv();
    }

    fn send(&mut self, request: Request) {
        if self.worker.is_none() {
            let (tx, rx) = channel();
            let path = self.path.clone();
            let spawned = std::thread::Builder::new()
                .name("history-writer".into())
                .spawn(move || run(&path, &rx));
            match spawned {
                Ok(thread) => self.worker = Some((tx, thread)),
                Err(e) => {
                    tracing::warn!("the history writer could not start: {e}");
                    return;
                }
            }
        }
        if let Some((tx, _)) = &self.worker {
            // The thread only stops when this handle drops, so the send cannot fail while it runs.
            let _ = tx.send(request);
        }
    }
}

impl Drop for HistoryWriter {
    /// Finishes what is queued, so the last snapshot (or the delete) reaches the disk before the app exits.
    fn drop(&mut self) {
        if let Some((tx, thread)) = self.worker.take() {
            drop(tx);
            let _ = thread.join();
        }
    }
}

fn run(path: &Path, rx: &Receiver<Request>) {
    while let Ok(first) = rx.recv() {
        // Take what else is already queued: of consecutive saves and deletes only the last touches the disk.
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let mut batch = batch.into_iter().peekable();
        while let Some(request) = batch.next() {
            if request.replaces_file() && batch.peek().is_some_and(Request::replaces_file) {
                continue;
            }
            if let Err(e) = handle(path, request) {
                tracing::warn!("{e}");
            }
        }
    }
}

fn handle(path: &Path, request: Request) -> Result<(), HistoryFileError> {
    match request {
        Request::Save(history) => crate::config::write_private(path, history.to_json().as_bytes())
            .map_err(|source| HistoryFileError::Write {
                path: path.to_owned(),
                source,
            }),
        Request::Delete => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(HistoryFileError::Delete {
                path: path.to_owned(),
                source: e,
            }),
            _ => Ok(()),
        },
        Request::Load(reply) => {
            let result = match std::fs::read_to_string(path) {
                Ok(text) => History::from_json(&text).map_err(|source| HistoryFileError::Parse {
                    path: path.to_owned(),
                    source,
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(History::default()),
                Err(source) => Err(HistoryFileError::Read {
                    path: path.to_owned(),
                    source,
                }),
            };
            reply(result);
            Ok(())
        }
        Request::Flush(done) => {
            let _ = done.send(());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::AuthMethod;
    use crate::inspect::report::RequestFacts;
    use crate::inspect::{Accept, Inspection, Target};
    use crate::krr::scopes::ScopeDialect;

    fn inspection(n: usize) -> Arc<Inspection> {
        Arc::new(Inspection::begun(
            Target {
                environment: format!("env-{n}"),
                issuer: "http://127.0.0.1:1".into(),
                person_url: "http://127.0.0.1:1/rest/v2/krr/person".into(),
                dialect: ScopeDialect::Digdir,
            },
            RequestFacts {
                client_id: "client".into(),
                auth_method: AuthMethod::None,
                scopes: vec!["openid".into(); 40],
                accept: Accept::Jose,
                acr: None,
                locale: "nb".into(),
                par: false,
                dpop: false,
            },
            chrono::Utc::now(),
        ))
    }

    fn history(len: usize) -> History {
        let mut h = History::default();
        for n in 0..len {
            h.push(inspection(n));
        }
        h
    }

    fn kept(path: &Path) -> Option<usize> {
        let text = std::fs::read_to_string(path).ok()?;
        Some(History::from_json(&text).unwrap().entries.len())
    }

    #[test]
    fn a_newer_snapshot_never_loses_to_an_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        let mut writer = HistoryWriter::new(path.clone());
        // Big (slow to serialise) snapshots first, the newest is the smallest: with writes that race, an older,
        // bigger one finishes last and wins.
        for round in 0..5 {
            for len in (1..=200).rev().step_by(20) {
                writer.save(&history(len));
            }
            writer.save(&history(1 + round));
            writer.flush();
            assert_eq!(kept(&path), Some(1 + round), "round {round}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{mode:o}");
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("history.json")]);
    }

    #[test]
    fn switching_off_deletes_the_file_after_pending_writes_for_good() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        let mut writer = HistoryWriter::new(path.clone());
        for round in 0..5 {
            for len in (1..=200).rev().step_by(40) {
                writer.save(&history(len));
            }
            writer.delete();
            writer.flush();
            assert_eq!(kept(&path), None, "round {round}: the file is gone");
            // Switched on again: the next save writes it anew.
            writer.save(&history(2));
            writer.flush();
            assert_eq!(kept(&path), Some(2));
            writer.delete();
        }
        // Dropping the writer finishes what is queued: the last delete too.
        drop(writer);
        assert_eq!(kept(&path), None);
    }

    #[test]
    fn a_load_reads_what_was_saved_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        let mut writer = HistoryWriter::new(path.clone());
        let (tx, rx) = channel();
        let answer = move |tx: Sender<_>| {
            move |r: Result<History, HistoryFileError>| {
                let _ = tx.send(r.map(|h| h.entries.len()).map_err(|e| e.to_string()));
            }
        };
        writer.load(answer(tx.clone()));
        assert_eq!(rx.recv().unwrap(), Ok(0), "no file yet: an empty history");
        writer.save(&history(150));
        writer.save(&history(3));
        writer.load(answer(tx.clone()));
        assert_eq!(rx.recv().unwrap(), Ok(3));
        std::fs::write(&path, "not json").unwrap();
        writer.load(answer(tx));
        assert!(rx.recv().unwrap().is_err());
    }
}
