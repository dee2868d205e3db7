//! What the package installs beside the binary, as a user gets it: shell completions and man pages, generated from
//! the command-line definitions, covering every command that `krr-inspector --help` lists.

use std::process::{Command, Stdio};

use super::{data, run, stderr, stdout};

/// The commands `krr-inspector --help` lists, without clap's `help`.
fn listed_commands() -> Vec<String> {
    let o = run(&["--help"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let list = text
        .split("Commands:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("--help lists the commands: {text}"));
    let names: Vec<String> = list
        .lines()
        .take_while(|l| !l.trim().is_empty())
        // A command's line is indented by two; wrapped descriptions are indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|n| n != "help")
        .collect();
    for expected in [
        "emulator",
        "fetch",
        "matrix",
        "compare",
        "autologin",
        "environments",
        "explain",
        "completions",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == "man"),
        "the man page generator is for packaging, not listed: {names:?}"
    );
    names
}

/// `krr-inspector completions SHELL`, with a config file that cannot be read: the scripts do not depend on it.
fn completions(shell: &str) -> String {
    let broken_config = data("person-odd.json");
    let o = run(
        &[
            "--config",
            &broken_config.to_string_lossy(),
            "completions",
            shell,
        ],
        None,
    );
    assert!(o.status.success(), "completions {shell}: {}", stderr(&o));
    let script = stdout(&o);
    assert!(
        !script.trim().is_empty(),
        "completions {shell} prints a script"
    );
    script
}

/// Runs `script` in bash with the completion script loaded, completing the words `line` (the last one being
/// completed), and returns the candidates bash would offer, one per line.
fn bash_candidates(completion_script: &str, line: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("krr-inspector.bash");
    std::fs::write(&path, completion_script).unwrap();
    let words = line
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        r#"source '{}' || exit 3
spec=$(complete -p krr-inspector) || exit 4
func=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
[ -n "$func" ] || exit 5
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$func" krr-inspector "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        path.display()
    );
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    assert!(
        o.status.success(),
        "bash completion for {line:?}: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completion_offers_every_command_and_their_flags() {
    let commands = listed_commands();
    let script = completions("bash");
    for c in &commands {
        assert!(script.contains(c.as_str()), "the bash script knows {c}");
    }
    // As bash offers them: every command after the program name, and a command's own flags.
    let offered = bash_candidates(&script, &["krr-inspector", ""]);
    for c in &commands {
        assert!(offered.contains(c), "{c} offered: {offered:?}");
    }
    let offered = bash_candidates(&script, &["krr-inspector", "ex"]);
    assert_eq!(offered, ["explain"], "ex completes to explain");
    let offered = bash_candidates(&script, &["krr-inspector", "explain", "--tr"]);
    assert_eq!(offered, ["--trust-ca"], "explain's flags");
    let offered = bash_candidates(&script, &["krr-inspector", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(offered.iter().any(|o| o == shell), "{shell}: {offered:?}");
    }
}

#[test]
fn zsh_and_fish_completions_name_the_program_and_every_command() {
    let commands = listed_commands();
    let zsh = completions("zsh");
    assert!(zsh.starts_with("#compdef krr-inspector"), "{zsh}");
    let fish = completions("fish");
    assert!(fish.contains("complete -c krr-inspector"), "{fish}");
    for c in &commands {
        assert!(zsh.contains(&format!("'{c}:")), "zsh describes {c}");
        assert!(fish.contains(&format!("-a \"{c}\"")), "fish offers {c}");
    }
    let o = run(&["completions", "tcsh"], None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    assert!(stderr(&o).contains("bash"), "{}", stderr(&o));
}

#[test]
fn man_pages_cover_every_command() {
    let commands = listed_commands();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let o = run(&["man", "--out", &out.to_string_lossy()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = |name: &str| {
        std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let main = page("krr-inspector.1");
    assert!(
        main.starts_with(".ie") || main.contains(".TH krr-inspector 1"),
        "{main}"
    );
    assert!(
        main.contains(&format!("krr\\-inspector {}", env!("CARGO_PKG_VERSION")))
            || main.contains(&format!("krr-inspector {}", env!("CARGO_PKG_VERSION"))),
        "the page carries the version: {main}"
    );
    for c in &commands {
        assert!(main.contains(c.as_str()), "krr-inspector(1) lists {c}");
        let sub = page(&format!("krr-inspector-{c}.1"));
        assert!(
            sub.contains(".SH NAME"),
            "krr-inspector-{c}(1) is a man page"
        );
    }
    // Read as a user reads it, when man is installed.
    let explain = out.join("krr-inspector-explain.1");
    if let Ok(o) = Command::new("man")
        .arg("-l")
        .arg(&explain)
        .env("MANWIDTH", "100")
        .stdin(Stdio::null())
        .output()
        && o.status.success()
    {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("NAME"), "{text}");
        assert!(text.contains("--trust-ca"), "{text}");
        assert!(text.contains("Explain a saved /person answer"), "{text}");
    } else {
        println!("man not installed: the rendered page is not checked");
    }
}
