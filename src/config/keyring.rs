//! Client secrets and key passwords in the operating system's keyring: the Secret Service on Linux (GNOME Keyring,
//! KeePassXC, KWallet's bridge), the Credential Manager on Windows, the Keychain on macOS. One entry per
//! environment, client and purpose, under the service [`SERVICE`]; the user is `<environment>/<client_id>` for a
//! client secret and `<environment>/<client_id>/key-password` for a PKCS#12 key's password.
//!
//! Nothing here logs, prints or keeps a value: a read value is handed out as a [`StoredSecret`] (redacted in
//! `Debug`, no `Display`, no `Serialize`), to be wrapped in `oidc::Secret` by whoever sends it. The calls block
//! (D-Bus on Linux, and the keyring may ask its user to unlock a collection): call them off any UI thread.

use std::fmt;

/// The service name of every entry this program keeps.
pub const SERVICE: &str = "krr-inspector";

/// What an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The client secret for `client_secret_basic` / `client_secret_post`.
    ClientSecret,
    /// The password of the client's PKCS#12 key file (`private_key_jwt`).
    KeyPassword,
}

impl Purpose {
    /// How a message names what is stored.
    pub fn describe(self) -> &'static str {
        match self {
            Purpose::ClientSecret => "client secret",
            Purpose::KeyPassword => "key password",
        }
    }
}

/// The entry's user name: `<environment>/<client_id>`, with `/key-password` for a key password.
pub fn entry_user(environment: &str, client_id: &str, purpose: Purpose) -> String {
    match purpose {
        Purpose::ClientSecret => format!("{environment}/{client_id}"),
        Purpose::KeyPassword => format!("{environment}/{client_id}/key-password"),
    }
}

/// A value read from the keyring. Its `Debug` is redacted; [`StoredSecret::into_inner`] hands it on.
pub struct StoredSecret(String);

impl StoredSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredSecret([redacted])")
    }
}

/// Why the keyring could not be used. The messages say what to do; none holds a stored value.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error(
        "no Secret Service is running (is gnome-keyring or KeePassXC started?); on a machine without a desktop \
         start one inside a D-Bus session, see the README's \"The keyring\" ({detail})"
    )]
    NoService { detail: String },
    #[error(
        "the keyring is locked: unlock it (log in to the desktop, or open the keyring in Passwords and Keys / \
         KeePassXC) and try again ({detail})"
    )]
    Locked { detail: String },
    #[error(
        "the keyring is locked, and its unlock prompt was dismissed or could not be shown (no display?): unlock it \
         (Passwords and Keys, KeePassXC, or `gnome-keyring-daemon --unlock` reading the password from standard \
         input) and try again"
    )]
    PromptDismissed,
    #[error(
        "the keyring holds more than one {} entry for {user}: remove the extra ones (e.g. with seahorse or \
         `secret-tool clear service {SERVICE} username {user}`), then store it again", purpose.describe()
    )]
    Ambiguous { user: String, purpose: Purpose },
    #[error("the stored {} for {user} is not text (UTF-8): store it again", purpose.describe())]
    NotText { user: String, purpose: Purpose },
    #[error("the keyring refused the entry name {user}: {detail}")]
    BadName { user: String, detail: String },
    #[error("a secret to store cannot be empty")]
    Empty,
    #[error(
        "this platform has no keyring krr-inspector can use; use an environment variable (secret_env)"
    )]
    Unsupported,
    #[error("the keyring failed: {detail}")]
    Other { detail: String },
}

/// The stored value for this environment, client and purpose; `None` when there is none.
pub fn keyring_secret(
    environment: &str,
    client_id: &str,
    purpose: Purpose,
) -> Result<Option<StoredSecret>, KeyringError> {
    let user = entry_user(environment, client_id, purpose);
    match backend::get(&user) {
        Ok(v) => Ok(Some(StoredSecret(v))),
        Err(backend::Failure::NoEntry) => Ok(None),
        Err(f) => Err(f.into_error(user, purpose)),
    }
}

/// Whether a value is stored (the value itself is read and dropped at once).
pub fn has_secret(
    environment: &str,
    client_id: &str,
    purpose: Purpose,
) -> Result<bool, KeyringError> {
    keyring_secret(environment, client_id, purpose).map(|v| v.is_some())
}

/// Stores `value` (replacing any value stored before).
pub fn store_secret(
    environment: &str,
    client_id: &str,
    purpose: Purpose,
    value: &str,
) -> Result<(), KeyringError> {
    if value.is_empty() {
        return Err(KeyringError::Empty);
    }
    let user = entry_user(environment, client_id, purpose);
    backend::set(&user, value).map_err(|f| f.into_error(user, purpose))
}

/// Removes the entry; `false` when there was none.
pub fn delete_secret(
    environment: &str,
    client_id: &str,
    purpose: Purpose,
) -> Result<bool, KeyringError> {
    let user = entry_user(environment, client_id, purpose);
    match backend::delete(&user) {
        Ok(()) => Ok(true),
        Err(backend::Failure::NoEntry) => Ok(false),
        Err(f) => Err(f.into_error(user, purpose)),
    }
}

#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
mod backend {
    use super::{KeyringError, Purpose, SERVICE};

    pub enum Failure {
        NoEntry,
        Keyring(keyring::Error),
    }

    impl Failure {
        pub fn into_error(self, user: String, purpose: Purpose) -> KeyringError {
            let e = match self {
                Failure::NoEntry => {
                    return KeyringError::Other {
                        detail: "no entry".into(),
                    };
                }
                Failure::Keyring(e) => e,
            };
            match e {
                keyring::Error::Ambiguous(_) => KeyringError::Ambiguous { user, purpose },
                keyring::Error::BadEncoding(_) => KeyringError::NotText { user, purpose },
                keyring::Error::TooLong(name, limit) => KeyringError::BadName {
                    user,
                    detail: format!("{name} is longer than {limit} characters"),
                },
                keyring::Error::Invalid(name, why) => KeyringError::BadName {
                    user,
                    detail: format!("{name}: {why}"),
                },
                keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
                    classify(inner.as_ref())
                }
                other => KeyringError::Other {
                    detail: other.to_string(),
                },
            }
        }
    }

    /// The platform's failure as one of ours, by what it is (Linux: the Secret Service's error and D-Bus name).
    fn classify(inner: &(dyn std::error::Error + Send + Sync + 'static)) -> KeyringError {
        let detail = inner.to_string();
        #[cfg(target_os = "linux")]
        if let Some(ss) = inner.downcast_ref::<dbus_secret_service::Error>() {
            use dbus_secret_service::Error as E;
            return match ss {
                E::Locked => KeyringError::Locked { detail },
                E::Prompt => KeyringError::PromptDismissed,
                E::Unavailable => KeyringError::NoService { detail },
                E::Dbus(d) if no_service(d.name().unwrap_or_default()) => {
                    KeyringError::NoService { detail }
                }
                _ => KeyringError::Other { detail },
            };
        }
        KeyringError::Other { detail }
    }

    /// D-Bus errors that mean "no session bus" or "nobody owns org.freedesktop.secrets".
    #[cfg(target_os = "linux")]
    fn no_service(name: &str) -> bool {
        [
            "org.freedesktop.DBus.Error.ServiceUnknown",
            "org.freedesktop.DBus.Error.NameHasNoOwner",
            "org.freedesktop.DBus.Error.NotSupported",
            "org.freedesktop.DBus.Error.NoServer",
            "org.freedesktop.DBus.Error.FileNotFound",
            "org.freedesktop.DBus.Error.Spawn.ChildExited",
            "org.freedesktop.DBus.Error.Spawn.ExecFailed",
        ]
        .contains(&name)
    }

    fn entry(user: &str) -> Result<keyring::Entry, Failure> {
        keyring::Entry::new(SERVICE, user).map_err(Failure::Keyring)
    }

    fn lift(e: keyring::Error) -> Failure {
        match e {
            keyring::Error::NoEntry => Failure::NoEntry,
            e => Failure::Keyring(e),
        }
    }

    pub fn get(user: &str) -> Result<String, Failure> {
        entry(user)?.get_password().map_err(lift)
    }

    pub fn set(user: &str, value: &str) -> Result<(), Failure> {
        entry(user)?.set_password(value).map_err(lift)
    }

    pub fn delete(user: &str) -> Result<(), Failure> {
        entry(user)?.delete_credential().map_err(lift)
    }
}

/// Elsewhere the keyring crate would fall back to a store in memory that forgets everything: refused instead.
#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
mod backend {
    use super::{KeyringError, Purpose};

    #[allow(dead_code)]
    pub enum Failure {
        NoEntry,
        Unsupported,
    }

    impl Failure {
        pub fn into_error(self, _: String, _: Purpose) -> KeyringError {
            KeyringError::Unsupported
        }
    }

    pub fn get(_: &str) -> Result<String, Failure> {
        Err(Failure::Unsupported)
    }

    pub fn set(_: &str, _: &str) -> Result<(), Failure> {
        Err(Failure::Unsupported)
    }

    pub fn delete(_: &str) -> Result<(), Failure> {
        Err(Failure::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_named_by_environment_client_and_purpose() {
        assert_eq!(
            entry_user("test", "0a1b-client", Purpose::ClientSecret),
            "test/0a1b-client"
        );
        assert_eq!(
            entry_user("test", "0a1b-client", Purpose::KeyPassword),
            "test/0a1b-client/key-password"
        );
        assert_eq!(
            format!("{:?}", StoredSecret("hunter2".into())),
            "StoredSecret([redacted])"
        );
    }

    #[test]
    fn an_empty_secret_is_refused_before_the_keyring_is_asked() {
        assert!(matches!(
            store_secret("test", "c", Purpose::ClientSecret, ""),
            Err(KeyringError::Empty)
        ));
    }
}
