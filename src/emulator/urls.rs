//! Where each generation's endpoints live on the emulator: Digdir's at the root, Difi's under
//! `/idporten-oidc-provider/`. The generation is the scope dialect (`crate::krr::ScopeDialect`): one fact, one type.

use crate::krr::ScopeDialect;

/// The path prefix of Difi's original services.
pub const DIFI_PREFIX: &str = "/idporten-oidc-provider/";

/// The issuer of a generation on an emulator at `base` (no trailing slash).
pub fn issuer(dialect: ScopeDialect, base: &str) -> String {
    match dialect {
        ScopeDialect::Digdir => base.to_owned(),
        ScopeDialect::Difi => format!("{base}{DIFI_PREFIX}"),
    }
}

/// The register's /person endpoint of a generation on an emulator at `base`.
pub fn person_url(dialect: ScopeDialect, base: &str) -> String {
    match dialect {
        ScopeDialect::Digdir => format!("{base}/rest/v1/person"),
        ScopeDialect::Difi => format!("{base}/kontaktinfo-oauth2-server/rest/v1/person"),
    }
}

/// Whether `iss` is one of this emulator's two issuers.
pub fn is_own_issuer(iss: &str, base: &str) -> bool {
    [ScopeDialect::Digdir, ScopeDialect::Difi]
        .into_iter()
        .any(|d| iss == issuer(d, base))
}

/// The generation a request is for, by its path: Difi's endpoints are under [`DIFI_PREFIX`].
pub fn dialect_of(path: &str) -> ScopeDialect {
    if path.starts_with(DIFI_PREFIX) {
        ScopeDialect::Difi
    } else {
        ScopeDialect::Digdir
    }
}
