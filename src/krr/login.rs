//! Facts of the ID-porten login that the register's answers depend on: the assurance levels (`acr`) of each
//! generation and how they rank, and the languages of the login page. One source for the client, the app and the
//! emulator.

use super::ScopeDialect;

/// The acr values a generation offers, lowest first.
pub fn acr_levels(dialect: ScopeDialect) -> &'static [&'static str] {
    match dialect {
        ScopeDialect::Digdir => &[
            "idporten-loa-low",
            "idporten-loa-substantial",
            "idporten-loa-high",
        ],
        ScopeDialect::Difi => &["Level3", "Level4"],
    }
}

/// The level asked for when the user chooses none: what most services require.
pub const fn default_acr(dialect: ScopeDialect) -> &'static str {
    match dialect {
        ScopeDialect::Digdir => "idporten-loa-substantial",
        ScopeDialect::Difi => "Level3",
    }
}

/// (family, rank) of a level: `eidas-loa-*` ranks as the matching ID-porten level; `None` for a value neither
/// generation defines.
fn acr_rank(acr: &str) -> Option<(u8, u8)> {
    Some(match acr {
        // An e-mail login (no national id): below every ID-porten level.
        "selfregistered-email" => (0, 0),
        "idporten-loa-low" | "eidas-loa-low" => (0, 1),
        "idporten-loa-substantial" | "eidas-loa-substantial" => (0, 2),
        "idporten-loa-high" | "eidas-loa-high" => (0, 3),
        "Level3" => (1, 3),
        "Level4" => (1, 4),
        _ => return None,
    })
}

/// Whether either generation defines this level.
pub fn acr_known(acr: &str) -> bool {
    acr_rank(acr).is_some()
}

/// Whether a login at level `have` satisfies a request for `want` (same family, at least as high). Unknown
/// levels satisfy nothing and are satisfied by nothing.
pub fn acr_satisfies(have: &str, want: &str) -> bool {
    match (acr_rank(have), acr_rank(want)) {
        (Some((hf, h)), Some((wf, w))) => hf == wf && h >= w,
        _ => false,
    }
}

/// The login page's languages (`ui_locales`), each with its name in its own language.
pub const LOGIN_LOCALES: [(&str, &str); 4] = [
    ("nb", "bokmål"),
    ("nn", "nynorsk"),
    ("en", "English"),
    ("se", "sámegiella"),
];

/// The `ui_locales` codes alone, in the order of [`LOGIN_LOCALES`].
pub const LOGIN_LOCALE_CODES: [&str; 4] = ["nb", "nn", "en", "se"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_levels_satisfy_lower_ones_within_a_family_only() {
        assert!(acr_satisfies(
            "idporten-loa-high",
            "idporten-loa-substantial"
        ));
        assert!(acr_satisfies("eidas-loa-high", "idporten-loa-substantial"));
        assert!(!acr_satisfies(
            "idporten-loa-low",
            "idporten-loa-substantial"
        ));
        assert!(acr_satisfies("Level4", "Level3"));
        assert!(!acr_satisfies("Level4", "idporten-loa-low"));
        assert!(!acr_satisfies("Level5", "Level3"));
        for d in [ScopeDialect::Digdir, ScopeDialect::Difi] {
            assert!(acr_levels(d).contains(&default_acr(d)));
        }
        let codes: Vec<&str> = LOGIN_LOCALES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, LOGIN_LOCALE_CODES);
    }
}
