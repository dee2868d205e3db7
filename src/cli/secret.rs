//! `secret set|delete|status`: a client secret or key password in the OS keyring (`config::keyring`). The value is
//! read without echo from a terminal, or from a pipe; it is never printed, and no message holds it.

use std::io::{IsTerminal, Read, Write};

use anyhow::{Result, anyhow, bail};

use super::args::{SecretAction, SecretEntryArgs};
use krr_inspector::config::Config;
use krr_inspector::config::keyring::{
    self, Purpose, SERVICE, delete_secret, entry_user, has_secret, store_secret,
};

/// The environment and client an entry is for, checked against the configuration.
struct Entry {
    env: String,
    client_id: String,
    purpose: Purpose,
}

impl Entry {
    fn new(config: &Config, args: &SecretEntryArgs) -> Result<Entry> {
        // `custom` is what a login by --issuer calls its environment.
        let configured = if args.env == "custom" {
            None
        } else {
            config.require(&args.env)?.client.as_ref()
        };
        let client_id = match (&args.client, configured) {
            (Some(id), _) if !id.trim().is_empty() => id.trim().to_owned(),
            (_, Some(c)) => c.client_id.clone(),
            _ => bail!(
                "environment '{}' has no configured client: name it with --client CLIENT_ID",
                args.env
            ),
        };
        Ok(Entry {
            env: args.env.clone(),
            client_id,
            purpose: args.purpose.purpose(),
        })
    }

    /// "the client secret for demo-client in environment 'test'".
    fn what(&self) -> String {
        format!(
            "the {} for {} in environment '{}'",
            self.purpose.describe(),
            self.client_id,
            self.env
        )
    }

    fn place(&self) -> String {
        format!(
            "service {SERVICE}, entry {}",
            entry_user(&self.env, &self.client_id, self.purpose)
        )
    }

    fn set_command(&self) -> String {
        let purpose = match self.purpose {
            Purpose::ClientSecret => "",
            Purpose::KeyPassword => " --purpose key-password",
        };
        format!(
            "krr-inspector secret set --env {} --client {}{purpose}",
            self.env, self.client_id
        )
    }
}

pub(crate) fn secret(config: &Config, action: SecretAction) -> Result<()> {
    let mut out = anstream::stdout();
    match action {
        SecretAction::Set(args) => {
            let entry = Entry::new(config, &args)?;
            let value = read_value(&entry)?;
            store_secret(&entry.env, &entry.client_id, entry.purpose, &value)
                .map_err(|e| anyhow!("cannot store {}: {e}", entry.what()))?;
            drop(value);
            let use_it = match entry.purpose {
                Purpose::ClientSecret => {
                    "; a client with secret_source = \"keyring\" in the config file, or `--secret-source keyring`, \
                     reads it from there"
                }
                Purpose::KeyPassword => "",
            };
            writeln!(
                out,
                "Stored {} in the keyring ({}){use_it}.",
                entry.what(),
                entry.place()
            )?;
        }
        SecretAction::Delete(args) => {
            let entry = Entry::new(config, &args)?;
            let removed = delete_secret(&entry.env, &entry.client_id, entry.purpose)
                .map_err(|e| anyhow!("cannot remove {}: {e}", entry.what()))?;
            if removed {
                writeln!(
                    out,
                    "Removed {} from the keyring ({}).",
                    entry.what(),
                    entry.place()
                )?;
            } else {
                writeln!(
                    out,
                    "The keyring holds no {}: nothing to remove ({}).",
                    entry.what().trim_start_matches("the "),
                    entry.place()
                )?;
            }
        }
        SecretAction::Status(args) => {
            let entry = Entry::new(config, &args)?;
            let stored = has_secret(&entry.env, &entry.client_id, entry.purpose)
                .map_err(|e| anyhow!("cannot look for {}: {e}", entry.what()))?;
            if !stored {
                bail!(
                    "no {} is stored in the keyring ({}); store it with `{}`",
                    entry.what().trim_start_matches("the "),
                    entry.place(),
                    entry.set_command()
                );
            }
            writeln!(
                out,
                "{} is stored in the keyring ({}).",
                krr_inspector::lang::sentence_case(&entry.what()),
                entry.place()
            )?;
        }
    }
    Ok(())
}

/// The value to store: asked for without echo on a terminal, else all of standard input less one line ending.
fn read_value(entry: &Entry) -> Result<String> {
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        rpassword::prompt_password(format!(
            "{} (not shown as you type): ",
            krr_inspector::lang::sentence_case(&entry.what())
        ))
        .map_err(|e| anyhow!("cannot read {} from the terminal: {e}", entry.what()))?
    } else {
        let mut text = String::new();
        stdin.lock().read_to_string(&mut text).map_err(|e| {
            anyhow!(
                "cannot read {} from standard input (it must be UTF-8 text): {e}",
                entry.what()
            )
        })?;
        let trimmed = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .map(str::len);
        if let Some(len) = trimmed {
            text.truncate(len);
        }
        text
    };
    if value.is_empty() {
        return Err(anyhow!(
            "{}: nothing was given; type it at the prompt, or pipe it in (`… | {}`)",
            keyring::KeyringError::Empty,
            entry.set_command()
        ));
    }
    Ok(value)
}
