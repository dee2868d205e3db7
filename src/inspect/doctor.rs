//! `doctor`: checks a client setup against an environment before anyone logs in (discovery reachable and its
//! issuer right, PKCE and the auth method supported, the OpenID scopes offered, the clock against the server's,
//! the secret present), each problem with its fix; and what to register at Digdir for a native client.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::plan::{Choices, PlanError, plan};
use super::targets::Targets;
use crate::config::{AuthMethod, Config};
use crate::krr::Lang;
use crate::oidc::discovery::{discovery_url, parse_document};
use crate::oidc::http::get_json;

/// One check: what was looked at, whether it holds, and what to do when it does not.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// What to register at Digdir (samarbeidsportalen) for a native desktop client like this one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Registration {
    pub application_type: &'static str,
    pub token_endpoint_auth_method: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub grant_types: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DoctorReport {
    pub environment: String,
    pub issuer: Option<String>,
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration: Option<Registration>,
}

impl DoctorReport {
    pub fn all_ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// How far the local clock may be from the server's before tokens look issued in the future or already expired.
const MAX_CLOCK_SKEW_SECS: i64 = 30;

fn check(name: &'static str, ok: bool, detail: String, fix: Option<&str>) -> Check {
    Check {
        name,
        ok,
        detail,
        fix: (!ok).then(|| fix.unwrap_or_default().to_owned()),
    }
}

/// Runs every check it can; a check that cannot run (no discovery) is a failed check, never an abort.
pub async fn doctor(
    http: &reqwest::Client,
    config: &Config,
    choices: Choices,
    targets: &Targets,
) -> DoctorReport {
    let mut checks = Vec::new();
    let environment = match &choices.place {
        super::plan::Place::Named(n) => n.clone(),
        super::plan::Place::Custom { .. } => "custom".into(),
    };
    // A missing secret is one finding; the rest of the setup can still be checked without it.
    let mut method = None;
    let planned = match plan(config, choices.clone()) {
        Ok(p) => {
            let needs = p.client.auth_method != AuthMethod::None;
            checks.push(check(
                "client secret",
                true,
                if needs {
                    format!(
                        "{} reads it from {}",
                        p.client.auth_method.as_str(),
                        p.secret_origin().unwrap_or_else(|| "?".into())
                    )
                } else {
                    "a public client (PKCE only) needs none".into()
                },
                None,
            ));
            Ok(p)
        }
        Err(
            e @ (PlanError::SecretNotSet { method: m, .. }
            | PlanError::SecretNeeded { method: m }
            | PlanError::SecretNotInKeyring { method: m, .. }),
        ) => {
            method = Some(m);
            let fix = if matches!(e, PlanError::SecretNotInKeyring { .. }) {
                "store it with `krr-inspector secret set --env ENV --client CLIENT_ID`, then run doctor again"
            } else {
                "set the environment variable the client's secret_env names (or pass --client-secret-env VAR), or store it in the keyring (`krr-inspector secret set`, --secret-source keyring), then run doctor again"
            };
            checks.push(check("client secret", false, e.to_string(), Some(fix)));
            let mut public = choices.clone();
            public.auth_method = Some(AuthMethod::None);
            public.secret_env = None;
            public.secret_source = None;
            plan(config, public)
        }
        Err(e) => Err(e),
    };
    let planned = match planned {
        Ok(p) => p,
        Err(e) => {
            checks.push(check(
                "configuration",
                false,
                e.to_string(),
                Some("fix the environment or client in the config file, or the flags"),
            ));
            return DoctorReport {
                environment,
                issuer: None,
                checks,
                registration: None,
            };
        }
    };
    let client = planned.client.clone();
    let auth_method = method.unwrap_or(client.auth_method.as_str()).to_owned();
    let request = match targets.request(planned).await {
        Ok(r) => r,
        Err(e) => {
            checks.push(check(
                "target",
                false,
                e.to_string(),
                Some("see the message; for the local emulator, check its keys directory"),
            ));
            return DoctorReport {
                environment,
                issuer: None,
                checks,
                registration: None,
            };
        }
    };
    let issuer = request.target.issuer.clone();
    let registration = Registration {
        application_type: "native",
        token_endpoint_auth_method: auth_method.clone(),
        // RFC 8252 §7.3: a loopback IP literal, any port at request time.
        redirect_uris: vec![format!("http://127.0.0.1:0{}", client.redirect_path)],
        scopes: request.scopes.clone(),
        grant_types: vec!["authorization_code", "refresh_token"],
    };

    let url = discovery_url(&issuer);
    let (doc, exchange) = match crate::config::url_policy::check_destination("the issuer", &issuer)
    {
        Ok(_) => get_json(http, "discovery", &url).await,
        Err(e) => {
            checks.push(check(
                "discovery",
                false,
                e.to_string(),
                Some(
                    "use the https:// address of the provider (http:// only on 127.0.0.1 or [::1])",
                ),
            ));
            return DoctorReport {
                environment,
                issuer: Some(issuer),
                checks,
                registration: Some(registration),
            };
        }
    };
    let doc = match doc {
        Ok(d) => {
            checks.push(check("discovery", true, format!("{url} answered"), None));
            d
        }
        Err(e) => {
            checks.push(check(
                "discovery",
                false,
                e.to_string(),
                Some("check the network (proxy, VPN) and the environment's issuer"),
            ));
            return DoctorReport {
                environment,
                issuer: Some(issuer),
                checks,
                registration: Some(registration),
            };
        }
    };
    let bytes = serde_json::to_vec(&doc).unwrap_or_default();
    match parse_document(&bytes, &issuer) {
        Ok(_) => checks.push(check(
            "issuer and endpoints",
            true,
            "the document's issuer is the environment's, every endpoint is https (or loopback)"
                .into(),
            None,
        )),
        Err(e) => checks.push(check(
            "issuer and endpoints",
            false,
            e.to_string(),
            Some("use the issuer exactly as the discovery document states it"),
        )),
    }
    let list = |member: &str| -> Option<Vec<String>> {
        doc.get(member).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    checks.push(match list("code_challenge_methods_supported") {
        Some(m) => check(
            "PKCE S256",
            m.iter().any(|x| x == "S256"),
            format!("code_challenge_methods_supported: {}", m.join(" ")),
            Some("the provider must support PKCE with S256 for a native client"),
        ),
        None => check(
            "PKCE S256",
            true,
            "not listed in discovery (RFC 8414 makes it optional); ID-porten requires S256".into(),
            None,
        ),
    });
    if let Some(methods) = list("token_endpoint_auth_methods_supported") {
        checks.push(check(
            "auth method",
            methods.contains(&auth_method),
            format!("{auth_method}; the provider offers {}", methods.join(" ")),
            Some("register the client with one of the methods the provider offers (none for a native client)"),
        ));
    }
    // API scopes (krr:user/*) are never listed in scopes_supported; only the OpenID ones are checked.
    if let Some(offered) = list("scopes_supported") {
        let openid: Vec<&String> = request
            .scopes
            .iter()
            .filter(|s| ["openid", "profile"].contains(&s.as_str()))
            .collect();
        let missing: Vec<&&String> = openid.iter().filter(|s| !offered.contains(s)).collect();
        checks.push(check(
            "OpenID scopes",
            missing.is_empty(),
            if missing.is_empty() {
                format!(
                    "{} offered (API scopes such as krr:user/* are never listed there)",
                    openid
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            } else {
                format!(
                    "not offered: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            },
            Some("drop the scope, or ask the provider"),
        ));
    }
    if let (Some(acr), Some(offered)) = (&request.acr, list("acr_values_supported")) {
        checks.push(check(
            "acr",
            offered.contains(acr),
            format!("{acr}; the provider offers {}", offered.join(" ")),
            Some("pick one of the offered levels (--acr)"),
        ));
    }
    let date = exchange
        .response_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("date"))
        .and_then(|(_, v)| DateTime::parse_from_rfc2822(v).ok())
        .map(|d| d.with_timezone(&Utc));
    checks.push(match date {
        Some(server) => {
            let skew = (Utc::now() - server).num_seconds();
            check(
                "clock",
                skew.abs() <= MAX_CLOCK_SKEW_SECS,
                format!("this machine is {skew:+} s from the server's Date"),
                Some("set the clock (NTP): tokens are checked against it"),
            )
        }
        None => check(
            "clock",
            true,
            "the server sent no Date header to compare with".into(),
            None,
        ),
    });
    DoctorReport {
        environment,
        issuer: Some(issuer),
        checks,
        registration: Some(registration),
    }
}

/// The report as terminal text: one line per check (with its fix), then what to register.
pub fn to_text(r: &DoctorReport, lang: Lang) -> String {
    use crate::escape::terminal;
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({})",
        lang.pick("Oppsett for", "Setup for"),
        terminal(&r.environment),
        terminal(r.issuer.as_deref().unwrap_or("-"))
    );
    for c in &r.checks {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "  {mark} {}: {}", c.name, terminal(&c.detail));
        if let Some(fix) = &c.fix {
            let _ = writeln!(
                out,
                "       {} {}",
                lang.pick("gjør:", "fix:"),
                terminal(fix)
            );
        }
    }
    if let Some(reg) = &r.registration {
        let _ = writeln!(
            out,
            "{}",
            lang.pick(
                "Registrer hos Digdir (en native klient):",
                "Register at Digdir (a native client):"
            )
        );
        let _ = writeln!(out, "  application_type: {}", reg.application_type);
        let _ = writeln!(
            out,
            "  token_endpoint_auth_method: {}",
            terminal(&reg.token_endpoint_auth_method)
        );
        let _ = writeln!(
            out,
            "  redirect_uris: {} ({})",
            terminal(&reg.redirect_uris.join(" ")),
            lang.pick("hvilken som helst port", "any port at request time")
        );
        let _ = writeln!(out, "  scopes: {}", terminal(&reg.scopes.join(" ")));
        let _ = writeln!(out, "  grant_types: {}", reg.grant_types.join(" "));
    }
    out
}
