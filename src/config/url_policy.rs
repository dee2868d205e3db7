//! The one rule for where the tool may send a token, a code or a secret (RFC 9700 §2.6, RFC 8252 §8.3):
//! `https://`, or `http://` on a loopback IP literal (127.0.0.0/8 or `[::1]`). A name such as `localhost` is not a
//! literal (a resolver or `/etc/hosts` may send it elsewhere), so it needs https too. Every entry point (the config
//! file, command-line flags, discovery, the planner) calls [`check_destination`] before anything is sent.

use std::fmt;

/// Why a URL may not receive a token, code or secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct UnsafeUrl {
    /// What the URL is for: "the person URL", "token_endpoint", ...
    pub what: String,
    pub url: String,
    pub reason: UnsafeReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsafeReason {
    NotAUrl,
    /// Not http or https.
    Scheme,
    /// `http://` to a host that is not a loopback IP literal.
    PlainHttp,
    /// `http://localhost`: a name, not a literal.
    LoopbackName,
    NoHost,
    /// `https://user:pass@host`: credentials in a URL end up in logs and histories.
    UserInfo,
}

impl fmt::Display for UnsafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let UnsafeUrl { what, url, reason } = self;
        match reason {
            UnsafeReason::NotAUrl => write!(f, "{what} '{url}' is not a URL"),
            UnsafeReason::Scheme => write!(f, "{what} '{url}' is not an https:// URL"),
            UnsafeReason::PlainHttp => write!(
                f,
                "{what} '{url}' is plain http:// to a host that is not loopback: a token or code sent there can be \
                 read on the network; use https:// (http:// is allowed only for 127.0.0.1 and [::1])"
            ),
            UnsafeReason::LoopbackName => write!(
                f,
                "{what} '{url}' uses http:// with a host name: write the loopback address as 127.0.0.1 (or [::1]) \
                 instead, or use https://"
            ),
            UnsafeReason::NoHost => write!(f, "{what} '{url}' has no host"),
            UnsafeReason::UserInfo => write!(
                f,
                "{what} '{url}' carries a user name or password: remove it from the URL"
            ),
        }
    }
}

/// May a token, code or secret be sent to `url`? `what` names it in the error ("the person URL").
pub fn check_destination(what: &str, url: &str) -> Result<url::Url, UnsafeUrl> {
    let fail = |reason| UnsafeUrl {
        what: what.to_owned(),
        url: url.to_owned(),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|_| fail(UnsafeReason::NotAUrl))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(fail(UnsafeReason::UserInfo));
    }
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(fail(UnsafeReason::Scheme));
    }
    let host = parsed.host().ok_or_else(|| fail(UnsafeReason::NoHost))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" => match host {
            url::Host::Ipv4(ip) if ip.is_loopback() => Ok(parsed),
            url::Host::Ipv6(ip) if ip.is_loopback() => Ok(parsed),
            url::Host::Domain(d)
                if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
            {
                Err(fail(UnsafeReason::LoopbackName))
            }
            _ => Err(fail(UnsafeReason::PlainHttp)),
        },
        _ => Err(fail(UnsafeReason::Scheme)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_literals_receive_secrets() {
        for ok in [
            "https://test.kontaktregisteret.no/rest/v1/person",
            "https://10.0.0.1/x",
            "http://127.0.0.1:7070/token",
            "http://127.0.0.2/token",
            "http://[::1]:8080/token",
        ] {
            assert!(check_destination("x", ok).is_ok(), "{ok}");
        }
        for (bad, reason) in [
            (
                "http://10.99.0.1:8080/rest/v1/person",
                UnsafeReason::PlainHttp,
            ),
            ("http://idp.example/token", UnsafeReason::PlainHttp),
            ("http://localhost:7070/token", UnsafeReason::LoopbackName),
            ("http://LOCALHOST/token", UnsafeReason::LoopbackName),
            ("ftp://127.0.0.1/x", UnsafeReason::Scheme),
            ("file:///etc/passwd", UnsafeReason::Scheme),
            ("https://user:pw@idp.example/", UnsafeReason::UserInfo),
            ("not a url", UnsafeReason::NotAUrl),
            ("http://[::ffff:10.0.0.1]/", UnsafeReason::PlainHttp),
        ] {
            assert_eq!(
                check_destination("the token endpoint", bad).map_err(|e| e.reason),
                Err(reason),
                "{bad}"
            );
        }
        let e = check_destination("the person URL", "http://10.99.0.1:8080/p").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the person URL 'http://10.99.0.1:8080/p' is plain http://"),
            "{e}"
        );
    }
}
