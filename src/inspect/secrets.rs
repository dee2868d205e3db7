//! The planner's secrets: which source a client's secret comes from (the user's choice over the client's
//! registration) and reading it, from the environment variable `secret_env` names or from the OS keyring
//! (`config::keyring`). Only here is a client secret read for a login; it leaves as an `oidc::Secret`.

use super::plan::{Choices, PlanError};
use crate::config::keyring::{Purpose, SERVICE, entry_user, keyring_secret};
use crate::config::{AuthMethod, ClientRegistration, SecretSource};
use crate::oidc::Secret;

/// The user's choices over the registration: `--client-secret-env` means the environment, `--secret-source` says
/// which; either one on a public client makes it `client_secret_basic`, unless a method is chosen too.
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
        (AuthMethod::None, _, _) => Ok(None),
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
