//! The built-in environments: the one table a new environment goes in (name, label, group, issuer, person URL,
//! dialect, acr, and whether it is production or retired). The user's own come from the config file.

use super::{ClientRegistration, Environment, Group, Location};
use crate::krr::ScopeDialect;

const DIGDIR_ACR: &str = crate::krr::login::default_acr(ScopeDialect::Digdir);
const DIFI_ACR: &str = crate::krr::login::default_acr(ScopeDialect::Difi);

/// ID-porten's production hosts, of both generations: an issuer on one of them holds real people's data, whatever
/// the environment is called.
const PRODUCTION_HOSTS: &[&str] = &["idporten.no", "login.idporten.no", "oidc.difi.no"];

/// Whether an issuer URL is on one of ID-porten's production hosts.
pub fn is_production_issuer(issuer: &str) -> bool {
    url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| PRODUCTION_HOSTS.contains(&h.as_str()))
}

/// A built-in environment's label in Bokmål (the table's labels are English): `None` for names not built in.
pub fn builtin_label_nb(name: &str) -> Option<&'static str> {
    Some(match name {
        "local" => "Lokal emulator (uten nett)",
        "local-difi" => "Lokal emulator, Difi-generasjonen (uten nett)",
        "test" => "Digdir TEST",
        "prod" => "Digdir PROD",
        "ver1" => "Difi VER1 (faset ut av Digdir)",
        "ver2" => "Difi VER2 (faset ut av Digdir)",
        "yt2" => "Difi YT2 (faset ut av Digdir)",
        "difi-prod" => "Difi PROD (faset ut av Digdir)",
        _ => return None,
    })
}

/// The environments every install has.
pub fn builtin_environments() -> Vec<Environment> {
    let remote =
        |name: &str, label: &str, group, issuer: &str, person_url: &str, dialect, acr: &str| {
            Environment {
                name: name.into(),
                label: label.into(),
                group,
                location: Location::Remote {
                    issuer: issuer.into(),
                    person_url: person_url.into(),
                },
                dialect,
                acr: acr.into(),
                client: None,
                production: false,
                retired: false,
                trust_ca: Vec::new(),
            }
        };
    let difi = |name: &str, label: &str, host: &str| {
        remote(
            name,
            label,
            Group::Difi,
            &format!("https://{host}/idporten-oidc-provider/"),
            &format!("https://{host}/kontaktinfo-oauth2-server/rest/v1/person"),
            ScopeDialect::Difi,
            DIFI_ACR,
        )
    };
    // Digdir withdrew the Difi generation's endpoints and old issuer (krr_utfasa_endepunkt,
    // oidc_protocol_nye_idporten); they stay for reading old recordings and tests against the local Difi emulator.
    let retired = |mut e: Environment| {
        e.retired = true;
        e.label = format!("{} (retired by Digdir)", e.label);
        e
    };
    let production = |mut e: Environment| {
        e.production = true;
        e
    };
    vec![
        Environment {
            name: "local".into(),
            label: "Local emulator (offline)".into(),
            group: Group::Local,
            location: Location::Emulator,
            dialect: ScopeDialect::Digdir,
            acr: DIGDIR_ACR.into(),
            client: Some(ClientRegistration::emulator_default()),
            production: false,
            retired: false,
            trust_ca: Vec::new(),
        },
        remote(
            "test",
            "Digdir TEST",
            Group::Digdir,
            "https://test.idporten.no",
            "https://test.kontaktregisteret.no/rest/v1/person",
            ScopeDialect::Digdir,
            DIGDIR_ACR,
        ),
        production(remote(
            "prod",
            "Digdir PROD",
            Group::Digdir,
            "https://idporten.no",
            "https://kontaktregisteret.no/rest/v1/person",
            ScopeDialect::Digdir,
            DIGDIR_ACR,
        )),
        Environment {
            name: "local-difi".into(),
            label: "Local emulator, Difi generation (offline)".into(),
            group: Group::Local,
            location: Location::Emulator,
            dialect: ScopeDialect::Difi,
            acr: DIFI_ACR.into(),
            client: Some(ClientRegistration::emulator_default()),
            production: false,
            retired: false,
            trust_ca: Vec::new(),
        },
        retired(difi("ver1", "Difi VER1", "oidc-ver1.difi.no")),
        retired(difi("ver2", "Difi VER2", "oidc-ver2.difi.no")),
        retired(difi("yt2", "Difi YT2", "oidc-yt2.difi.eon.no")),
        retired(production(difi("difi-prod", "Difi PROD", "oidc.difi.no"))),
    ]
}
