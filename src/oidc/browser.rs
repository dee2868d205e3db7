//! Opening the login in a browser: the system browser (`open` crate), a user command (`--browser CMD` /
//! `KRR_INSPECTOR_BROWSER`, e.g. a private window for a second test person), or just printing the URL.
//! A command is split into words as a POSIX shell would (quotes and backslashes honoured) but run without a shell;
//! the URL replaces `%s` (as one argument), or is appended as the last argument.

use std::process::Stdio;

/// The environment variable that sets the default browser command.
pub const BROWSER_ENV: &str = "KRR_INSPECTOR_BROWSER";

#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "command", rename_all = "snake_case")]
pub enum BrowserChoice {
    /// The desktop's default browser.
    #[default]
    System,
    /// A command line, e.g. `chromium --incognito %s` or `firefox --private-window`.
    Command(String),
    /// Print the URL and wait: the user opens it wherever they like.
    PrintUrl,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    #[error("the browser command is empty")]
    Empty,
    #[error(
        "the browser command cannot be split into words: a quote is not closed, or it ends with a lone backslash"
    )]
    Unsplittable,
    #[error("cannot start the browser command '{program}': {reason}")]
    Spawn { program: String, reason: String },
    #[error(
        "cannot open the system browser: {0}; set a browser command (--browser or KRR_INSPECTOR_BROWSER) or use --print-url"
    )]
    System(String),
    #[error(
        "the browser command '{program}' exited with {status}{}: open the login URL in another browser, or pick another browser command",
        if .stderr.is_empty() { String::new() } else { format!(" ({stderr})") }
    )]
    Exited {
        program: String,
        status: String,
        /// The end of what it wrote to standard error.
        stderr: String,
    },
}

/// Splits a command line into words like a POSIX shell (`shell-words`): 'single quotes' literal, "double quotes"
/// with backslash escapes, backslash escapes outside quotes, `#` at the start of a word begins a comment. No
/// expansion of variables, globs or `~`: the words are run without a shell.
pub fn split_words(line: &str) -> Result<Vec<String>, BrowserError> {
    // shell-words keeps a lone trailing backslash as a word; a shell would wait for the next line. It is a typo
    // in a browser command, so it is refused as before.
    let trailing = line.chars().rev().take_while(|c| *c == '\\').count();
    if trailing % 2 == 1 {
        return Err(BrowserError::Unsplittable);
    }
    shell_words::split(line).map_err(|_| BrowserError::Unsplittable)
}

/// The program and arguments that open `url` with `command`.
pub fn command_line(command: &str, url: &str) -> Result<(String, Vec<String>), BrowserError> {
    let mut words = split_words(command)?;
    if words.is_empty() {
        return Err(BrowserError::Empty);
    }
    let program = words.remove(0);
    let mut placed = false;
    for w in &mut words {
        if w.contains("%s") {
            *w = w.replace("%s", url);
            placed = true;
        }
    }
    if !placed {
        words.push(url.to_owned());
    }
    Ok((program, words))
}

/// The most of a browser command's standard error kept for the message when it fails.
const STDERR_TAIL: usize = 2048;

/// A started browser command, watched: its exit status is noticed, and it is always reaped (no zombie), also
/// when it outlives the login (a browser that stays open is never killed).
pub struct BrowserChild {
    program: String,
    child: tokio::process::Child,
    stderr_tail: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    drained: Option<tokio::task::JoinHandle<()>>,
}

impl BrowserChild {
    /// The login no longer needs the command: it may go on (the user's browser is never killed), and a task waits
    /// for it, so it is reaped when it exits and leaves no zombie.
    pub fn reap_in_background(self) {
        let mut child = self.child;
        tokio::spawn(async move {
            let _ = child.wait().await;
        });
    }

    /// Resolves only if the command exits with a failure status (or cannot be waited for): the login cannot go
    /// on in that browser. A command that exits 0 (a launcher such as xdg-open handing the URL on) leaves this
    /// pending for ever, and so does one that keeps running.
    pub async fn failure(&mut self) -> BrowserError {
        let status = match self.child.wait().await {
            Ok(status) if status.success() => return std::future::pending().await,
            Ok(status) => status,
            Err(e) => {
                return BrowserError::Spawn {
                    program: self.program.clone(),
                    reason: format!("cannot watch it: {e}"),
                };
            }
        };
        // The child has exited: its stderr reaches end-of-file soon; wait a little for the last words.
        if let Some(drained) = self.drained.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_millis(500), drained).await;
        }
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| String::from_utf8_lossy(&t).trim().to_owned())
            .unwrap_or_default();
        BrowserError::Exited {
            program: self.program.clone(),
            status: describe_status(status),
            stderr: tail,
        }
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}");
        }
    }
    status
        .code()
        .map_or_else(|| status.to_string(), |c| format!("status {c}"))
}

/// Starts `command` with stdin and stdout closed and stderr read in the background (its tail kept).
fn spawn_watched(
    mut command: tokio::process::Command,
    program: String,
) -> std::io::Result<BrowserChild> {
    use tokio::io::AsyncReadExt;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(false);
    let mut child = command.spawn()?;
    let stderr_tail = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let drained = child.stderr.take().map(|mut err| {
        let tail = stderr_tail.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = tail.lock() {
                    t.extend_from_slice(&buf[..n]);
                    let excess = t.len().saturating_sub(STDERR_TAIL);
                    t.drain(..excess);
                }
            }
        })
    });
    Ok(BrowserChild {
        program,
        child,
        stderr_tail,
        drained,
    })
}

/// Opens `url`. `PrintUrl` does nothing here: the caller shows the URL. The started command is returned so that
/// the login can notice it failing; it must be called on a tokio runtime.
pub fn open(choice: &BrowserChoice, url: &str) -> Result<Option<BrowserChild>, BrowserError> {
    match choice {
        BrowserChoice::PrintUrl => Ok(None),
        BrowserChoice::System => {
            // The desktop's launchers in order (xdg-open, gio, ... on Linux): the first that starts is watched.
            let mut last = String::from("no launcher for this platform");
            for command in open::commands(url) {
                let program = command.get_program().to_string_lossy().into_owned();
                match spawn_watched(tokio::process::Command::from(command), program.clone()) {
                    Ok(child) => return Ok(Some(child)),
                    Err(e) => last = format!("{program}: {e}"),
                }
            }
            Err(BrowserError::System(last))
        }
        BrowserChoice::Command(cmd) => {
            let (program, args) = command_line(cmd, url)?;
            let mut command = tokio::process::Command::new(&program);
            command.args(&args);
            spawn_watched(command, program.clone())
                .map(Some)
                .map_err(|e| BrowserError::Spawn {
                    program,
                    reason: e.to_string(),
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_words("firefox --private-window").unwrap(),
            ["firefox", "--private-window"]
        );
        assert_eq!(
            split_words(r#"'/opt/My Browser/run' "--profile=a b" c\ d"#).unwrap(),
            ["/opt/My Browser/run", "--profile=a b", "c d"]
        );
        assert_eq!(
            split_words(r#"a "x\"y" 'it''s'"#).unwrap(),
            ["a", "x\"y", "its"]
        );
        assert_eq!(split_words(r#"a "" b"#).unwrap(), ["a", "", "b"]);
        for bad in ["a 'b", "a \"b", "a \\"] {
            assert_eq!(split_words(bad), Err(BrowserError::Unsplittable), "{bad}");
        }
        assert_eq!(
            split_words("echo $HOME ~ *").unwrap(),
            ["echo", "$HOME", "~", "*"],
            "nothing is expanded"
        );
    }

    #[test]
    fn url_goes_where_percent_s_is_or_last() {
        let url = "http://127.0.0.1:7070/authorize?a=1&b=2 3";
        assert_eq!(
            command_line("chromium --incognito %s --x", url).unwrap().1,
            ["--incognito", url, "--x"]
        );
        assert_eq!(
            command_line("chromium --app=%s", url).unwrap().1,
            [format!("--app={url}")]
        );
        assert_eq!(
            command_line("firefox --private-window", url).unwrap().1,
            ["--private-window", url]
        );
        assert_eq!(command_line("  ", url), Err(BrowserError::Empty));
    }

    #[tokio::test]
    async fn a_missing_program_is_a_clear_error() {
        let e = open(
            &BrowserChoice::Command("/nonexistent/browser".into()),
            "http://x",
        )
        .err()
        .unwrap();
        assert!(
            e.to_string()
                .starts_with("cannot start the browser command '/nonexistent/browser'"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_failing_command_is_noticed_with_its_status_and_words() {
        let mut child = open(
            &BrowserChoice::Command("sh -c 'echo no display >&2; exit 3'".into()),
            "http://x",
        )
        .unwrap()
        .unwrap();
        let e = child.failure().await.to_string();
        assert!(
            e.starts_with("the browser command 'sh' exited with status 3 (no display)"),
            "{e}"
        );
        // A command that succeeds never counts as a failure.
        let mut ok = open(&BrowserChoice::Command("true".into()), "http://x")
            .unwrap()
            .unwrap();
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(300), ok.failure())
                .await
                .is_err()
        );
    }
}
