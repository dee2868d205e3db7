//! The planner's secrets: which source a client's secret comes from (the user's choice over the client's
//! registration) and reading it, from the environment variable `secret_env` names or from the OS keyring
//! (`config::keyring`), and the private_key_jwt key with its file's password (from `key_password_env`'s variable
//! or, for a client whose `secret_source` is the keyring, the keyring's key-password entry). Only here is a client
//! secret or key read for a login; it leaves as an `oidc::Secret` or an `oidc::ClientKey`.

use super::plan::{Choices, PlanError};
use crate::config::keyring::{Purpose, SERVICE, entry_user, keyring_secret};
use crate::config::{AuthMethod, ClientRegistration, SecretSource};
use crate::oidc::{ClientKey, KeyFileError, Secret};

/// The user's choices over the registration: `--client-secret-env` means the environment, `--secret-source` says
/// which; either one on a public client makes it `client_secret_basic`, a `--private-key` makes it
/// `private_key_jwt`, unless a method is chosen too.
pub(super) fn apply_choices(client: &mut ClientRegistration, choices: &Choices) {
    if let Some(var) = &choices.secret_env {
        client.secret_env = Some(var.clone());
        client.secret_source = SecretSource::Env;
    }
    if let Some(source) = choices.secret_source {
        client.secret_source = source;
    }
    if (choices.secret_env.is_some() || choices.secret_source.is_some())
        && client.auth_method == AuthMethod::None
    {
        client.auth_method = AuthMethod::ClientSecretBasic;
    }
    if let Some(path) = &choices.private_key {
        client.private_key = Some(path.clone());
        if matches!(
            client.auth_method,
            AuthMethod::None | AuthMethod::ClientSecretBasic
        ) && choices.secret_env.is_none()
        {
            client.auth_method = AuthMethod::PrivateKeyJwt;
        }
    }
    if let Some(kid) = choices.key_id.as_ref().filter(|k| !k.trim().is_empty()) {
        client.key_id = Some(kid.trim().to_owned());
    }
    if let Some(var) = &choices.key_password_env {
        client.key_password_env = Some(var.clone());
    }
    if let Some(m) = choices.auth_method {
        client.auth_method = m;
    }
}

/// The client's secret, read from where its registration says; `None` for a public client.
pub(super) fn client_secret(
    environment: &str,
    client: &ClientRegistration,
) -> Result<Option<Secret>, PlanError> {
    let method = client.auth_method.as_str();
    match (client.auth_method, client.secret_source, &client.secret_env) {
        (AuthMethod::None | AuthMethod::PrivateKeyJwt, _, _) => Ok(None),
        (_, SecretSource::Keyring, _) => {
            let stored = keyring_secret(environment, &client.client_id, Purpose::ClientSecret)
                .map_err(PlanError::Keyring)?
                .ok_or_else(|| PlanError::SecretNotInKeyring {
                    env: environment.to_owned(),
                    client_id: client.client_id.clone(),
                    method,
                })?;
            Ok(Some(Secret::new(stored.into_inner())))
        }
        (_, SecretSource::Env, Some(var)) => std::env::var(var)
            .map(|v| Some(Secret::new(v)))
            .map_err(|source| PlanError::SecretNotSet {
                var: var.clone(),
                method,
                env: environment.to_owned(),
                client_id: client.client_id.clone(),
                source,
            }),
        (_, SecretSource::Env, None) => Err(PlanError::SecretNeeded { method }),
    }
}

/// The private_key_jwt key, `None` for any other method. Its file's password: `key_password_env`'s variable, else
/// the keyring's key-password entry when the client's secrets live there, else none (an unencrypted file).
pub(super) fn client_key(
    environment: &str,
    client: &ClientRegistration,
) -> Result<Option<ClientKey>, PlanError> {
    if client.auth_method != AuthMethod::PrivateKeyJwt {
        return Ok(None);
    }
    let path = client.private_key.clone().ok_or(PlanError::KeyNeeded)?;
    let (password, from_keyring) = match (&client.key_password_env, client.secret_source) {
        (Some(var), _) => (
            Some(Secret::new(std::env::var(var).map_err(|_| {
                PlanError::KeyPasswordNotSet { var: var.clone() }
            })?)),
            false,
        ),
        (None, SecretSource::Keyring) => (
            keyring_secret(environment, &client.client_id, Purpose::KeyPassword)
                .map_err(PlanError::Keyring)?
                .map(|stored| Secret::new(stored.into_inner())),
            true,
        ),
        (None, SecretSource::Env) => (None, false),
    };
    ClientKey::load(&path, password.as_ref(), client.key_id.as_deref())
        .map(Some)
        .map_err(|source| match source {
            // An encrypted file whose password the keyring should hold: say how to store it there.
            KeyFileError::NeedsPassword if from_keyring => PlanError::KeyPasswordNotInKeyring {
                path,
                env: environment.to_owned(),
                client_id: client.client_id.clone(),
            },
            source => PlanError::Key { path, source },
        })
}

/// Where the secret comes from, for messages: `$VAR`, or the keyring's service and entry.
pub fn secret_origin(environment: &str, client: &ClientRegistration) -> String {
    match (client.secret_source, &client.secret_env) {
        (SecretSource::Keyring, _) => format!(
            "the keyring ({SERVICE}, {})",
            entry_user(environment, &client.client_id, Purpose::ClientSecret)
        ),
        (SecretSource::Env, Some(var)) => format!("${var}"),
        (SecretSource::Env, None) => "no source".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::Place;
    use crate::krr::Lang;

    #[test]
    fn a_secret_source_makes_a_public_client_confidential_and_a_method_still_wins() {
        let mut client = ClientRegistration::emulator_default();
        let mut c = Choices::new(Place::Named("local".into()), Lang::En);
        c.secret_source = Some(SecretSource::Keyring);
        apply_choices(&mut client, &c);
        assert_eq!(client.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(client.secret_source, SecretSource::Keyring);
        assert_eq!(
            secret_origin("test", &client),
            "the keyring (krr-inspector, test/krr-inspector)"
        );
        c.auth_method = Some(AuthMethod::ClientSecretPost);
        c.secret_env = Some("S".into());
        apply_choices(&mut client, &c);
        assert_eq!(client.auth_method, AuthMethod::ClientSecretPost);
        // An explicit source beats the variable's implied one.
        assert_eq!(client.secret_source, SecretSource::Keyring);
    }
}
