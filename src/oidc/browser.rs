//! Opening the login in a browser: the system browser (`open` crate), a user command (`--browser CMD` /
//! `KRR_INSPECTOR_BROWSER`, e.g. a private window for a second test person), or just printing the URL.
//! A command is split into words as a POSIX shell would (quotes and backslashes honoured) but run without a shell;
//! the URL replaces `%s` (as one argument), or is appended as the last argument.

use std::process::{Command, Stdio};

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
    #[error("the browser command has an unclosed {0} quote")]
    UnclosedQuote(char),
    #[error("the browser command ends with a lone backslash")]
    TrailingBackslash,
    #[error("cannot start the browser command '{program}': {reason}")]
    Spawn { program: String, reason: String },
    #[error(
        "cannot open the system browser: {0}; set a browser command (--browser or KRR_INSPECTOR_BROWSER) or use --print-url"
    )]
    System(String),
}

/// Splits a command line into words like a POSIX shell: 'single quotes' literal, "double quotes" with \\ \" \$ \`
/// escapes, backslash escapes outside quotes. No expansion of variables, globs or `~`.
pub fn split_words(line: &str) -> Result<Vec<String>, BrowserError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(BrowserError::UnclosedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('\\' | '"' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(BrowserError::UnclosedQuote('"')),
                        },
                        Some(c) => word.push(c),
                        None => return Err(BrowserError::UnclosedQuote('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err(BrowserError::TrailingBackslash),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
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

/// Opens `url`. `PrintUrl` does nothing here: the caller shows the URL.
pub fn open(choice: &BrowserChoice, url: &str) -> Result<(), BrowserError> {
    match choice {
        BrowserChoice::PrintUrl => Ok(()),
        BrowserChoice::System => {
            open::that_detached(url).map_err(|e| BrowserError::System(e.to_string()))
        }
        BrowserChoice::Command(cmd) => {
            let (program, args) = command_line(cmd, url)?;
            Command::new(&program)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map(|_| ())
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
        assert_eq!(split_words("a 'b"), Err(BrowserError::UnclosedQuote('\'')));
        assert_eq!(split_words("a \\"), Err(BrowserError::TrailingBackslash));
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

    #[test]
    fn a_missing_program_is_a_clear_error() {
        let e = open(
            &BrowserChoice::Command("/nonexistent/browser".into()),
            "http://x",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot start the browser command '/nonexistent/browser'"),
            "{e}"
        );
    }
}
