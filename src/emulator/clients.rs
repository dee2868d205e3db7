//! The clients the emulator knows (built in and from the data file), the redirect URIs each may use (RFC 8252
//! §7.3 loopback rules plus exact registered URIs), and client authentication at the token endpoint (`none`,
//! `client_secret_basic`, `client_secret_post`, secrets compared in constant time; `private_key_jwt` assertions
//! checked by `assertion.rs`). A new auth method goes here.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::assertion::{self, AssertionContext};
use super::data::EmulatorData;
use crate::jose::jwk::KeySet;

/// The client authentication methods the token endpoint accepts (and discovery announces): a new method is a
/// name here and a branch in [`authenticate`].
pub const AUTH_METHODS: [&str; 4] = [
    "none",
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
];

/// The organisation number a client without one in the data belongs to (Digdir's, as in Digdir's own examples
/// of the access token's `consumer`).
pub const DEFAULT_ORGNO: &str = "991825827";

/// A client the emulator knows.
#[derive(Clone, Debug)]
pub struct Client {
    pub client_id: String,
    pub secret: Option<String>,
    pub methods: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// The person consents to the API scopes on a page after the login (ID-porten's `requires_user_consent`).
    pub requires_user_consent: bool,
    /// The access token's `consumer` and `supplier` organisation numbers.
    pub orgno: String,
    pub supplier_orgno: String,
    /// private_key_jwt: the public keys its assertions are checked with.
    pub jwks: Option<KeySet>,
    /// Plain authorization requests are refused: only PAR's `request_uri` (RFC 9126 §6).
    pub require_par: bool,
}

impl Client {
    fn built_in(client_id: &str, secret: Option<&str>, methods: &[&str]) -> Client {
        Client {
            client_id: client_id.into(),
            secret: secret.map(str::to_owned),
            methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            redirect_uris: Vec::new(),
            requires_user_consent: false,
            orgno: DEFAULT_ORGNO.into(),
            supplier_orgno: DEFAULT_ORGNO.into(),
            jwks: None,
            require_par: false,
        }
    }

    /// `consumer` or `supplier` of an access token: the organisation as ID-porten names it.
    pub fn organisation(orgno: &str) -> serde_json::Value {
        serde_json::json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{orgno}")})
    }
}

/// The built-in clients plus those of the data file.
pub fn clients(data: &EmulatorData) -> Vec<Client> {
    let mut out = vec![
        Client::built_in("krr-inspector", None, &["none"]),
        Client::built_in(
            "demo-client",
            Some("demo-secret"),
            &["client_secret_basic", "client_secret_post"],
        ),
    ];
    out.extend(data.clients.iter().map(|c| {
        let orgno = c.orgno.clone().unwrap_or_else(|| DEFAULT_ORGNO.into());
        Client {
            client_id: c.client_id.clone(),
            secret: c.client_secret.clone(),
            methods: c.methods(),
            // Checked when the data was read.
            jwks: c.key_set().ok().flatten(),
            require_par: c.require_pushed_authorization_requests,
            redirect_uris: c.redirect_uris.clone(),
            requires_user_consent: c.requires_user_consent,
            supplier_orgno: c.supplier_orgno.clone().unwrap_or_else(|| orgno.clone()),
            orgno,
        }
    }));
    out
}

/// The method a token request authenticated with (the access token's `client_amr`), read from the request that
/// [`authenticate`] accepted.
pub fn method_used(headers: &HeaderMap, p: &BTreeMap<String, String>) -> &'static str {
    if headers.contains_key(header::AUTHORIZATION) {
        "client_secret_basic"
    } else if p.contains_key("client_assertion") || p.contains_key("client_assertion_type") {
        "private_key_jwt"
    } else if p.contains_key("client_secret") {
        "client_secret_post"
    } else {
        "none"
    }
}

/// Why a client may not use a redirect URI (shown on the error page, never redirected to).
#[derive(Debug, thiserror::Error)]
pub enum RedirectError {
    #[error("redirect_uri '{uri}' is not a URL: {source}")]
    NotUrl {
        uri: String,
        #[source]
        source: url::ParseError,
    },
    #[error("redirect_uri must not have a fragment (RFC 6749 §3.1.2)")]
    Fragment,
    #[error(
        "redirect_uri '{0}' uses 'localhost'; use the IP literal http://127.0.0.1:PORT/... (RFC 8252 §7.3)"
    )]
    Localhost(String),
    #[error(
        "redirect_uri '{uri}' is not registered for client '{client_id}': it allows http://127.0.0.1:{{any port}}/{{any path}}"
    )]
    NotRegistered { uri: String, client_id: String },
}

impl Client {
    /// RFC 8252 §7.3: exactly `http://127.0.0.1:{port}/{any path}` (or `[::1]`), port 1-65535, plus the exact
    /// URIs registered.
    pub fn redirect_allowed(&self, uri: &str) -> Result<(), RedirectError> {
        if self.redirect_uris.iter().any(|u| u == uri) {
            return Ok(());
        }
        let parsed = url::Url::parse(uri).map_err(|source| RedirectError::NotUrl {
            uri: uri.to_owned(),
            source,
        })?;
        if parsed.fragment().is_some() {
            return Err(RedirectError::Fragment);
        }
        if is_loopback_redirect(uri, &parsed) {
            return Ok(());
        }
        if parsed.host_str() == Some("localhost") {
            return Err(RedirectError::Localhost(uri.to_owned()));
        }
        Err(RedirectError::NotRegistered {
            uri: uri.to_owned(),
            client_id: self.client_id.clone(),
        })
    }

    fn uses(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method)
    }

    fn secret_is(&self, given: &str) -> bool {
        self.secret
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), given.as_bytes()))
    }
}

/// The raw string itself must read `http://127.0.0.1:PORT/` or `http://[::1]:PORT/` (the `url` crate would
/// normalise `127.1`, `0x7f.1`, `http:/`, backslashes, tabs and userinfo into something that looks loopback), and
/// its parse must agree: that host, that port, no userinfo.
fn is_loopback_redirect(raw: &str, parsed: &url::Url) -> bool {
    let Some((host, rest)) = ["127.0.0.1", "[::1]"].iter().find_map(|h| {
        Some((
            *h,
            raw.strip_prefix("http://")?
                .strip_prefix(h)?
                .strip_prefix(':')?,
        ))
    }) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (port, path) = rest.split_at(digits);
    let port = match port.parse::<u16>() {
        Ok(p) if p >= 1 && !port.starts_with('0') => p,
        _ => return false,
    };
    let clean = raw.bytes().all(|b| b > b' ' && b != 0x7f && b != b'\\');
    let host_ok = match (host, parsed.host()) {
        ("127.0.0.1", Some(url::Host::Ipv4(ip))) => ip == std::net::Ipv4Addr::LOCALHOST,
        ("[::1]", Some(url::Host::Ipv6(ip))) => ip == std::net::Ipv6Addr::LOCALHOST,
        _ => false,
    };
    clean
        && path.starts_with('/')
        && host_ok
        && parsed.scheme() == "http"
        && parsed.port_or_known_default() == Some(port)
        && parsed.username().is_empty()
        && parsed.password().is_none()
}

/// Why the token endpoint did not accept the client (401 `invalid_client`).
#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    #[error("the Authorization header is not valid HTTP Basic")]
    BadBasic,
    #[error("client '{0}' does not use client_secret_basic")]
    NotBasic(String),
    #[error("client '{0}' does not use client_secret_post")]
    NotPost(String),
    #[error("no client authentication: send client_id (and a secret if the client has one)")]
    Missing,
    #[error("client '{0}' must authenticate")]
    MustAuthenticate(String),
    #[error("unknown client or wrong secret")]
    Unknown { basic: bool },
    #[error("more than one client authentication method in one request (RFC 6749 §2.3)")]
    MoreThanOne,
    #[error("client '{0}' does not use private_key_jwt")]
    NotKeyJwt(String),
    #[error("client_assertion: {0}")]
    Assertion(#[from] assertion::AssertionError),
}

impl ClientAuthError {
    /// Whether the client tried HTTP Basic (the answer then carries a Basic challenge).
    pub fn basic_attempted(&self) -> bool {
        matches!(
            self,
            ClientAuthError::BadBasic
                | ClientAuthError::NotBasic(_)
                | ClientAuthError::Unknown { basic: true }
        )
    }
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("a={s}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default()
}

/// Authenticates the client by the method it used: the one check of the token, PAR, introspection and revocation
/// endpoints.
pub fn authenticate<'a>(
    clients: &'a [Client],
    headers: &HeaderMap,
    p: &BTreeMap<String, String>,
    cx: &AssertionContext,
) -> Result<&'a Client, ClientAuthError> {
    let find = |id: &str| clients.iter().find(|c| c.client_id == id);
    let assertion_sent =
        p.contains_key("client_assertion") || p.contains_key("client_assertion_type");
    if assertion_sent {
        if headers.contains_key(header::AUTHORIZATION) || p.contains_key("client_secret") {
            return Err(ClientAuthError::MoreThanOne);
        }
        let claimed = assertion::claimed_client(p)?;
        let client = find(&claimed).ok_or(ClientAuthError::Unknown { basic: false })?;
        if !client.uses("private_key_jwt") {
            return Err(ClientAuthError::NotKeyJwt(claimed));
        }
        assertion::verify(&client.client_id, client.jwks.as_ref(), p, cx)?;
        return Ok(client);
    }
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let decoded = auth
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
            .and_then(|b| STANDARD.decode(b.trim()).ok())
            .and_then(|b| String::from_utf8(b).ok());
        let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            return Err(ClientAuthError::BadBasic);
        };
        let (id, secret) = (form_decode(id), form_decode(secret));
        return match find(&id) {
            Some(c) if c.uses("client_secret_basic") && c.secret_is(&secret) => Ok(c),
            Some(c) if !c.uses("client_secret_basic") => Err(ClientAuthError::NotBasic(id)),
            _ => Err(ClientAuthError::Unknown { basic: true }),
        };
    }
    let Some(id) = p.get("client_id") else {
        return Err(ClientAuthError::Missing);
    };
    match (find(id), p.get("client_secret")) {
        (Some(c), Some(secret)) if c.uses("client_secret_post") && c.secret_is(secret) => Ok(c),
        (Some(c), Some(_)) if !c.uses("client_secret_post") => {
            Err(ClientAuthError::NotPost(id.clone()))
        }
        (Some(c), None) if c.uses("none") => Ok(c),
        (Some(_), None) => Err(ClientAuthError::MustAuthenticate(id.clone())),
        _ => Err(ClientAuthError::Unknown { basic: false }),
    }
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a, b)
}
