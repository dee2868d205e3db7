//! Writing the files the tool keeps for the user: whole or not at all, and private when they hold personal data.

use std::path::Path;

/// Writes `contents` to `path` so that no reader ever sees half a file and nobody but the user can read it: a new
/// file beside it (mode 0600 on Unix, created exclusively), flushed to disk, then renamed over `path`. For files
/// with personal data (the history).
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.unwrap_or(Path::new(".")).join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_0600_and_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("krr-write-{}", std::process::id()));
        let path = dir.join("history.json");
        write_private(&path, b"[1]").unwrap();
        // An existing file with wider permissions is replaced by a private one, not rewritten in place.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write_private(&path, b"[1,2]").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"[1,2]");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{mode:o}");
        }
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            [std::ffi::OsString::from("history.json")],
            "no temp file left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A file the user named that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Reads a text file the user opened (a saved inspection).
pub fn read_text(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Writes a report the user asked to save.
pub fn write_text(path: &Path, contents: &str) -> Result<(), FileError> {
    std::fs::write(path, contents).map_err(|source| FileError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Reads a file the user opened, refusing one larger than `max` bytes before reading it whole.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let read = |source| FileError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(read)?;
    Ok(bytes)
}

/// A path the user typed: `~` and `~/…` stand for the home directory (a shell would expand them; a text field
/// does not). Surrounding blanks are dropped.
pub fn expand_home(typed: &str) -> std::path::PathBuf {
    let typed = typed.trim();
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    match typed.strip_prefix('~') {
        Some("") => home().unwrap_or_else(|| typed.into()),
        Some(rest) if rest.starts_with('/') || rest.starts_with(std::path::MAIN_SEPARATOR) => {
            home()
                .map(|h| h.join(rest.trim_start_matches(['/', std::path::MAIN_SEPARATOR])))
                .unwrap_or_else(|| typed.into())
        }
        _ => typed.into(),
    }
}

/// Whether a path already names a file (the app asks before writing over it).
pub fn exists(path: &Path) -> bool {
    path.is_file()
}

/// Why no native file dialog can open here, if none can: on Linux the dialog is the desktop portal (over the
/// D-Bus session bus) or else zenity; with neither there is nothing to show. Other systems always have one.
pub fn no_file_dialog() -> Option<&'static str> {
    if !cfg!(any(target_os = "linux", target_os = "freebsd")) {
        return None;
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    (!bus && !zenity_installed()).then_some(
        "no file dialog is available (no desktop portal on a D-Bus session bus, and zenity is not installed)",
    )
}

/// Whether zenity (the dialog used where no desktop portal answers) is on the PATH.
pub fn zenity_installed() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()))
}

/// Writes an export the user asked for (it holds personal data): whole or not at all and private to the user, as
/// `write_private` does. The answer is the file's absolute path, to show in full.
pub fn write_export(path: &Path, contents: &str) -> Result<std::path::PathBuf, FileError> {
    let write = |source| FileError::Write {
        path: path.to_owned(),
        source,
    };
    if path.is_dir() {
        return Err(write(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a folder: add a file name",
        )));
    }
    write_private(path, contents.as_bytes()).map_err(write)?;
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()))
}

#[cfg(test)]
mod typed_paths {
    #[test]
    fn a_tilde_is_the_home_directory() {
        let home = directories::BaseDirs::new()
            .unwrap()
            .home_dir()
            .to_path_buf();
        assert_eq!(super::expand_home(" ~/a/b.json "), home.join("a/b.json"));
        assert_eq!(super::expand_home("~"), home);
        assert_eq!(super::expand_home("~x/a"), std::path::PathBuf::from("~x/a"));
        assert_eq!(
            super::expand_home("/tmp/a"),
            std::path::PathBuf::from("/tmp/a")
        );
    }
}
