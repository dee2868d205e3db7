//! A bottom room, used by every other: text from outside made safe where it is shown. A terminal gets no control
//! character that could move the cursor, set the window title or forge a line; Markdown gets no way out of a code
//! span and no raw HTML. (HTML pages are built with maud, which escapes every value it interpolates.) Every value
//! that came from a server, a file or a certificate goes through one of these before it is written; the text the
//! tool writes itself (colours, newlines, table rules) does not.

use std::borrow::Cow;
use std::fmt::Write;

/// Is `c` a character that changes how a terminal or a text view lays out or interprets what follows?
/// C0 controls (with tab, line feed and carriage return), DEL, C1 controls, and the Unicode bidirectional
/// overrides and isolates that can make text read in another order than it is stored ("Trojan Source").
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character for which `escape` holds written by `write`. Borrowed when nothing changes.
fn escape_with(
    s: &str,
    escape: impl Fn(char) -> bool,
    write: fn(&mut String, char),
) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe_char(c) && escape(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) && escape(c) {
            write(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn rust_style(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// `s` with every unsafe character shown as a visible `\u{1b}`-style escape. Borrowed when nothing changes.
pub fn terminal(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| true, rust_style)
}

/// JSON text with DEL and the C1 controls written as `\u` escapes too (serde_json escapes only C0): the same
/// JSON value, safe to print to a terminal. These characters can only stand inside strings, so this is exact; the
/// line feeds of pretty printing, outside strings, are kept.
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    escape_with(
        json,
        |c| c != '\n',
        |out, c| {
            let _ = write!(out, "\\u{:04x}", c as u32);
        },
    )
}

/// The same rule for the app's labels: egui would lay out a newline or draw a box for a control character.
pub fn display(s: &str) -> Cow<'_, str> {
    terminal(s)
}

/// Like [`display`], but keeps line feeds and tabs: for bodies shown as a block (the Raw and HTTP tabs).
pub fn display_block(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c != '\n' && c != '\t', rust_style)
}

/// `s` as a Markdown code span that the value cannot close: the fence is one backtick longer than the longest
/// run of backticks in it. Control characters are escaped, `|` is escaped for tables (GitHub renders `\|` as `|`
/// inside a code span in a table). A code span shows its content literally, so HTML in it stays text.
pub fn markdown_code(s: &str) -> String {
    let s = terminal(s).replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space inside the fences keeps a value that starts or ends with a backtick apart from them.
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// `s` as Markdown text: HTML escaped, Markdown punctuation backslash-escaped, control characters visible.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_has_no_control_characters_left() {
        let hostile =
            "CN=\u{1b}]0;owned\u{7}\u{1b}[2J\r\nSignature: \u{1b}[32mVALID\u{9b}31m\u{7f}\u{202e}x";
        let safe = terminal(hostile);
        assert!(!safe.chars().any(is_unsafe_char), "{safe}");
        assert_eq!(
            safe,
            "CN=\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{d}\\u{a}Signature: \\u{1b}[32mVALID\\u{9b}31m\\u{7f}\\u{202e}x"
        );
        assert!(matches!(terminal("Ola Nordmann æøå"), Cow::Borrowed(_)));
        let json =
            serde_json::to_string_pretty(&serde_json::json!({"a": "x\u{1b}\u{7f}\u{9b}\u{202e}"}))
                .unwrap();
        let safe = json_for_terminal(&json);
        assert!(
            !safe.chars().any(|c| is_unsafe_char(c) && c != '\n'),
            "{safe}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap()["a"],
            "x\u{1b}\u{7f}\u{9b}\u{202e}"
        );
    }

    #[test]
    fn a_value_cannot_leave_its_markdown_code_span() {
        let phone = "+47`<img src=x onerror=alert(1)>";
        let md = markdown_code(phone);
        assert_eq!(md, "``+47`<img src=x onerror=alert(1)>``");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b\\u{a}c`");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_text("<b>*hi*</b>"), "&lt;b&gt;\\*hi\\*&lt;/b&gt;");
    }
}
