//! `private_key` in a client entry: a path to the key file (relative to the config file), never key material.

use std::path::{Path, PathBuf};

/// `private_key` names a file; key material pasted in its place is refused without echoing it.
pub(super) fn key_path(name: &str, value: &str, config: &Path) -> Result<PathBuf, String> {
    let v = value.trim_start();
    if v.starts_with("-----BEGIN")
        || v.starts_with('{')
        || value.contains('\n')
        || value.len() > 4096
    {
        return Err(format!(
            "[clients.{name}] private_key: keys are never read from the config file: put the key in a file \
             (readable by you only) and give its path here"
        ));
    }
    let path = PathBuf::from(value);
    // A relative path is relative to the config file, not to wherever the tool was started.
    Ok(match config.parent() {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path,
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::config::{AuthMethod, Config};

    #[test]
    fn a_private_key_is_a_path_and_inline_key_material_is_refused() {
        let client = |extra: &str| {
            format!(
                "[clients.k]\nclient_id = \"a\"\nenvironments = [\"test\"]\nauth_method = \"private_key_jwt\"\n{extra}"
            )
        };
        let c = Config::parse(
            &client("private_key = \"keys/client.p12\"\nkey_password_env = \"PW\"\n"),
            Path::new("/etc/krr/config.toml"),
        )
        .unwrap();
        let k = c.environment("test").unwrap().client.clone().unwrap();
        assert_eq!(k.auth_method, AuthMethod::PrivateKeyJwt);
        assert_eq!(
            k.private_key,
            Some(PathBuf::from("/etc/krr/keys/client.p12"))
        );
        assert_eq!(k.key_password_env.as_deref(), Some("PW"));
        for inline in [
            "private_key = \"\"\"\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\"\"\"\n",
            "private_key = '{\"kty\":\"RSA\",\"d\":\"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\"}'\n",
        ] {
            let e = Config::parse(&client(inline), Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("keys are never read from the config file"),
                "{e}"
            );
            assert!(
                !e.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
                "not echoed: {e}"
            );
        }
        let e = Config::parse(&client(""), Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs private_key"), "{e}");
    }
}
