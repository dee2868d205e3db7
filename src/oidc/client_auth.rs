//! How this client authenticates at the provider's back-channel endpoints (token, PAR, introspection,
//! revocation): one place, so the code exchange, refresh and every later call send the same thing.
//!
//! - `none`: a public client (RFC 8252 native app); `client_id` in the form.
//! - `client_secret_basic`: RFC 6749 §2.3.1, id and secret form-urlencoded, then HTTP Basic; no `client_id` in the
//!   form (sending both is "more than one method", which RFC 6749 forbids).
//! - `client_secret_post`: `client_id` and `client_secret` in the form.
//! - `private_key_jwt`: RFC 7523 §2.2, a fresh signed assertion per request ([`ClientKey::assertion`], `aud` the
//!   issuer), and `client_id` too (ID-porten requires it).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::client_key::{ASSERTION_TYPE, ClientKey};
use super::{LoginError, Secret};
use crate::config::{AuthMethod, ClientRegistration};

/// What the client proves itself with.
#[derive(Clone, Debug, Default)]
pub enum Credential {
    /// A public client.
    #[default]
    None,
    /// A client secret (from an environment variable or the keyring).
    Secret(Secret),
    /// The private key that signs `private_key_jwt` assertions.
    Key(ClientKey),
}

impl Credential {
    /// The key when there is one, else the secret when one was given.
    pub fn of(secret: Option<&Secret>, key: Option<&ClientKey>) -> Credential {
        match key {
            Some(k) => Credential::Key(k.clone()),
            None => Credential::from_secret(secret),
        }
    }

    /// A secret when one was given and is not empty.
    pub fn from_secret(secret: Option<&Secret>) -> Credential {
        match secret {
            Some(s) if !s.is_empty() => Credential::Secret(s.clone()),
            _ => Credential::None,
        }
    }
}

/// A client's authentication, ready to add to a back-channel request.
#[derive(Clone, Debug)]
pub struct ClientAuth {
    pub client_id: String,
    pub method: AuthMethod,
    credential: Credential,
    /// The audience of a signed client assertion: the provider's issuer (ID-porten's rule).
    pub audience: String,
}

impl ClientAuth {
    /// The client's method with its credential; refused (before anything is sent) when the method needs a
    /// credential that was not given.
    pub fn new(
        client: &ClientRegistration,
        credential: Credential,
        audience: &str,
    ) -> Result<ClientAuth, LoginError> {
        match (client.auth_method, &credential) {
            (AuthMethod::None, _) => {}
            (
                AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost,
                Credential::Secret(_),
            ) => {}
            (AuthMethod::PrivateKeyJwt, Credential::Key(_)) => {}
            (AuthMethod::PrivateKeyJwt, _) => {
                return Err(LoginError::MissingKey {
                    client_id: client.client_id.clone(),
                });
            }
            (method, _) => {
                return Err(LoginError::MissingSecret {
                    client_id: client.client_id.clone(),
                    method: method.as_str(),
                    var: client
                        .secret_env
                        .clone()
                        .unwrap_or_else(|| "named by secret_env".into()),
                });
            }
        }
        Ok(ClientAuth {
            client_id: client.client_id.clone(),
            method: client.auth_method,
            credential,
            audience: audience.to_owned(),
        })
    }

    /// Adds this client's authentication to `form`; returns the `Authorization` header value to send, if any.
    pub fn apply(&self, form: &mut Vec<(String, String)>) -> Result<Option<String>, LoginError> {
        let field = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        match (self.method, &self.credential) {
            (AuthMethod::ClientSecretBasic, Credential::Secret(secret)) => {
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                Ok(Some(format!(
                    "Basic {}",
                    STANDARD.encode(format!("{}:{}", enc(&self.client_id), enc(secret.expose())))
                )))
            }
            (AuthMethod::ClientSecretPost, Credential::Secret(secret)) => {
                form.push(field("client_id", &self.client_id));
                form.push(field("client_secret", secret.expose()));
                Ok(None)
            }
            (AuthMethod::PrivateKeyJwt, Credential::Key(key)) => {
                let assertion = key
                    .assertion(&self.client_id, &self.audience, chrono::Utc::now())
                    .map_err(|e| {
                        LoginError::Assertion(crate::jose::cert::first_openssl_reason(&e))
                    })?;
                form.push(field("client_id", &self.client_id));
                form.push(field("client_assertion_type", ASSERTION_TYPE));
                form.push(field("client_assertion", assertion.expose()));
                Ok(None)
            }
            _ => {
                form.push(field("client_id", &self.client_id));
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(method: AuthMethod) -> ClientRegistration {
        ClientRegistration {
            auth_method: method,
            client_id: "a b".into(),
            ..ClientRegistration::emulator_default()
        }
    }

    #[test]
    fn each_method_adds_what_rfc_6749_says() {
        let secret = Credential::Secret(Secret::new("s:é"));
        let mut form = Vec::new();
        let basic = ClientAuth::new(&client(AuthMethod::ClientSecretBasic), secret.clone(), "i")
            .unwrap()
            .apply(&mut form)
            .unwrap();
        // "a+b:s%3A%C3%A9" in base64; nothing in the form.
        assert_eq!(basic.as_deref(), Some("Basic YStiOnMlM0ElQzMlQTk="));
        assert!(form.is_empty());

        let post = ClientAuth::new(&client(AuthMethod::ClientSecretPost), secret, "i").unwrap();
        assert_eq!(post.apply(&mut form).unwrap(), None);
        assert_eq!(
            form,
            vec![
                ("client_id".to_owned(), "a b".to_owned()),
                ("client_secret".to_owned(), "s:é".to_owned())
            ]
        );

        let mut form = Vec::new();
        let none = ClientAuth::new(&client(AuthMethod::None), Credential::None, "i").unwrap();
        assert_eq!(none.apply(&mut form).unwrap(), None);
        assert_eq!(form, vec![("client_id".to_owned(), "a b".to_owned())]);
    }

    #[test]
    fn private_key_jwt_sends_client_id_type_and_a_fresh_assertion() {
        let pem = crate::jose::pki::rsa_key(2048)
            .unwrap()
            .private_key_to_pem_pkcs8()
            .unwrap();
        let key = ClientKey::parse(&pem, None, Some("kid-1")).unwrap();
        let auth = ClientAuth::new(
            &client(AuthMethod::PrivateKeyJwt),
            Credential::Key(key),
            "https://issuer.example",
        )
        .unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert_eq!(auth.apply(&mut a).unwrap(), None, "no Authorization header");
        auth.apply(&mut b).unwrap();
        let names: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["client_id", "client_assertion_type", "client_assertion"]
        );
        assert_eq!(a[1].1, ASSERTION_TYPE);
        assert_ne!(a[2].1, b[2].1, "one assertion per request (its own jti)");
        let claims = crate::jose::jwt::decode_unverified(&a[2].1).unwrap().claims;
        assert_eq!(claims["aud"], "https://issuer.example");
        assert!(!format!("{auth:?}").contains(&a[2].1[..20]));

        let e =
            ClientAuth::new(&client(AuthMethod::PrivateKeyJwt), Credential::None, "i").unwrap_err();
        assert!(e.to_string().contains("--private-key"), "{e}");
    }

    #[test]
    fn a_method_without_its_credential_is_refused_before_sending() {
        let e = ClientAuth::new(
            &client(AuthMethod::ClientSecretPost),
            Credential::from_secret(Some(&Secret::new(""))),
            "i",
        )
        .unwrap_err();
        assert!(e.to_string().contains("client_secret_post"), "{e}");
    }
}
