//! The catalogue's rules: every field of `Faults` listed once, bounds kept, and the README's table the same.

use super::*;

#[test]
fn the_switch_list_names_every_fault() {
    let json = serde_json::to_value(Faults::default()).unwrap();
    let mut members: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut listed: Vec<&str> = Faults::SWITCHES.iter().map(|s| s.name).collect();
    members.sort_unstable();
    listed.sort_unstable();
    assert_eq!(members, listed);
    for s in &Faults::SWITCHES {
        let f = Faults::from_form(&[(s.name.to_owned(), "5".to_owned())]);
        assert!(f.is_on(s), "{}", s.name);
        let want = match s.setting {
            Setting::Switch(_) => serde_json::json!(true),
            Setting::Seconds { .. } => serde_json::json!(5),
        };
        assert_eq!(
            serde_json::to_value(&f).unwrap()[s.name],
            want,
            "{}",
            s.name
        );
        let others = Faults::SWITCHES.iter().filter(|o| o.name != s.name);
        assert!(
            others.clone().all(|o| !f.is_on(o)),
            "{} sets only itself",
            s.name
        );
        assert!(!s.description.is_empty() && !s.good_client.is_empty());
    }
    let f = Faults::from_form(&[
        ("delay_seconds".into(), "999".into()),
        ("clock_skew_seconds".into(), "-999999".into()),
        ("explode".into(), "on".into()),
    ]);
    assert_eq!(
        f,
        Faults {
            delay_seconds: 300,
            clock_skew_seconds: -86400,
            ..Faults::default()
        }
    );
    assert!(f.check_bounds().is_ok());
    let too_long = Faults {
        jwks_delay_seconds: 301,
        ..Faults::default()
    };
    assert_eq!(
        too_long.check_bounds().unwrap_err().to_string(),
        "jwks_delay_seconds must be between 0 and 300, not 301"
    );
}

/// The README's fault table is the catalogue: one row per fault, `| `name` | description | good client |`.
#[test]
fn the_readme_fault_table_is_the_catalogue() {
    let readme = include_str!("../../README.md");
    let rows: Vec<String> = Faults::SWITCHES
        .iter()
        .map(|s| {
            let name = match s.setting {
                Setting::Switch(_) => format!("`{}`", s.name),
                Setting::Seconds { min, max, .. } => format!("`{}` ({min}–{max})", s.name),
            };
            format!("| {name} | {} | {} |", s.description, s.good_client)
        })
        .collect();
    let missing: Vec<&String> = rows
        .iter()
        .filter(|r| !readme.contains(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README's fault table must have these rows (the whole table):\n{}",
        rows.join("\n")
    );
}
