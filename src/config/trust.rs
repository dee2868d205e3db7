//! Trusting a CA for one of the user's environments: the certificate is stored under the config folder
//! (`trust/ENV-FINGERPRINT.pem`) and named in that environment's `trust_ca` in the config file, edited in place so
//! that everything else in the file (comments, order, other keys) stays as the user wrote it. Built-in
//! environments are refused: their trust is fixed.

use std::path::{Path, PathBuf};

use super::{Config, Group, default_config_path, write_private};

/// Why a CA was not stored.
#[derive(Debug, thiserror::Error)]
pub enum TrustCaError {
    #[error(
        "{env} is a built-in production environment: its trust is fixed (the register's answers chain to the CAs \
         it is known to use), and no CA is added to it from here"
    )]
    BuiltInProduction { env: String },
    #[error(
        "{env} is a built-in environment: its trust is fixed. For a one-off check pass --trust-ca PEM to \
         `explain` or `fetch`, or define your own environment in the config file and trust the CA for it"
    )]
    BuiltIn { env: String },
    #[error("no environment is called '{env}'")]
    Unknown { env: String },
    #[error(
        "there is no config folder on this system to keep the certificate in (set KRR_INSPECTOR_CONFIG)"
    )]
    NoConfigFile,
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {} cannot be edited: {why}; fix it by hand (add trust_ca = \"{pem}\" under [environments.{env}])", path.display())]
    Edit {
        path: PathBuf,
        env: String,
        pem: String,
        why: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether a CA can be trusted for `env` from the app: the user's environments only.
pub fn can_trust_ca(config: &Config, env: &str) -> Result<(), TrustCaError> {
    let e = config
        .environment(env)
        .ok_or_else(|| TrustCaError::Unknown { env: env.into() })?;
    match (e.group, e.production) {
        (Group::User, _) => Ok(()),
        (_, true) => Err(TrustCaError::BuiltInProduction { env: env.into() }),
        (_, false) => Err(TrustCaError::BuiltIn { env: env.into() }),
    }
}

/// Stores `pem` (one certificate, `fingerprint` its SHA-256 as hex with or without colons) for the user's
/// environment `env` and adds it to the environment's `trust_ca` in the config file. The answer is the PEM's path.
/// Doing it twice for the same certificate changes nothing more.
pub fn trust_ca(
    config: &Config,
    env: &str,
    pem: &str,
    fingerprint: &str,
) -> Result<PathBuf, TrustCaError> {
    can_trust_ca(config, env)?;
    let file = config
        .source
        .clone()
        .or_else(default_config_path)
        .ok_or(TrustCaError::NoConfigFile)?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let short: String = fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    let safe_env: String = env
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let pem_path = std::path::absolute(dir.join("trust").join(format!("{safe_env}-{short}.pem")))
        .unwrap_or_else(|_| dir.join("trust").join(format!("{safe_env}-{short}.pem")));
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(TrustCaError::Read { path: file, source }),
    };
    let shown = pem_path.display().to_string();
    let edit = |why: String| TrustCaError::Edit {
        path: file.clone(),
        env: env.into(),
        pem: shown.clone(),
        why,
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| edit(e.to_string()))?;
    let table = doc
        .get_mut("environments")
        .and_then(|e| e.get_mut(env))
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| edit(format!("it has no [environments.{env}] table")))?;
    let listed = |v: &toml_edit::Value| v.as_str().is_some_and(|s| Path::new(s) == pem_path);
    match table.get_mut("trust_ca") {
        None => {
            table.insert("trust_ca", toml_edit::value(shown.as_str()));
        }
        Some(item) => match item.as_value_mut() {
            Some(v) if listed(v) => {}
            Some(toml_edit::Value::String(_)) => {
                let old = item.as_value().cloned().expect("a string value");
                let mut list = toml_edit::Array::new();
                list.push(old);
                list.push(shown.as_str());
                *item = toml_edit::value(list);
            }
            Some(toml_edit::Value::Array(list)) => {
                if !list.iter().any(listed) {
                    list.push(shown.as_str());
                }
            }
            _ => {
                return Err(edit(
                    "its trust_ca is neither a path nor a list of paths".into(),
                ));
            }
        },
    }
    // The certificate first: the config never names a file that is not there.
    write_private(&pem_path, pem.as_bytes()).map_err(|source| TrustCaError::Write {
        path: pem_path.clone(),
        source,
    })?;
    write_private(&file, doc.to_string().as_bytes()).map_err(|source| TrustCaError::Write {
        path: file.clone(),
        source,
    })?;
    Ok(pem_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# my environments\n[environments.staging] # ours\nissuer = \"https://idp.example\"\nperson_url = \"https://krr.example/rest/v1/person\"\n\n[clients.app]\nclient_id = \"x\"\nenvironments = [\"staging\"]\n";

    #[test]
    fn a_ca_is_stored_and_named_in_the_file_keeping_the_rest_and_built_ins_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, FILE).unwrap();
        let config = Config::load(Some(&file)).unwrap();
        let pem = std::fs::read_to_string("tests/data/test-ca.pem").unwrap();
        let at = trust_ca(&config, "staging", &pem, "AB:CD:EF:01:23:45:67:89:AA").unwrap();
        assert_eq!(std::fs::read_to_string(&at).unwrap(), pem);
        assert!(at.starts_with(dir.path().join("trust")), "{}", at.display());
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("# my environments\n[environments.staging] # ours\n"),
            "{text}"
        );
        assert!(text.contains("[clients.app]"), "{text}");
        let again = Config::load(Some(&file)).unwrap();
        assert_eq!(
            again.environment("staging").unwrap().trust_ca,
            vec![at.clone()]
        );
        // Twice: still one entry. Another CA: a list of both.
        trust_ca(&again, "staging", &pem, "AB:CD:EF:01:23:45:67:89:AA").unwrap();
        let other = trust_ca(&again, "staging", &pem, "11:22").unwrap();
        let last = Config::load(Some(&file)).unwrap();
        assert_eq!(
            last.environment("staging").unwrap().trust_ca,
            vec![at, other]
        );

        let e = trust_ca(&last, "prod", &pem, "11").unwrap_err().to_string();
        assert!(e.contains("built-in production environment"), "{e}");
        let e = trust_ca(&last, "local", &pem, "11")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("built-in environment: its trust is fixed"),
            "{e}"
        );
    }
}
