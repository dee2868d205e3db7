//! The configuration file's parsing: what is accepted, and what each refusal says (file and line).

use super::*;

const EXAMPLE: &str = r#"
[environments.staging]
label = "Our staging ID-porten"
issuer = "https://idporten.staging.example.no"
person_url = "https://krr.staging.example.no/rest/v1/person"
dialect = "digdir"

[clients.digdir-test]
client_id = "0a1b2c3d-my-client"
auth_method = "client_secret_basic"
secret_env = "KRR_CLIENT_SECRET"
environments = ["test", "staging"]
"#;

#[test]
fn example_file_adds_environment_and_client() {
    let c = Config::parse(EXAMPLE, Path::new("config.toml")).unwrap();
    let staging = c.environment("staging").unwrap();
    assert_eq!(staging.group, Group::User);
    assert_eq!(
        staging.issuer(),
        Some("https://idporten.staging.example.no")
    );
    assert_eq!(
        staging.client.as_ref().unwrap().client_id,
        "0a1b2c3d-my-client"
    );
    let test = c.environment("test").unwrap();
    assert_eq!(
        test.client.as_ref().unwrap().secret_env.as_deref(),
        Some("KRR_CLIENT_SECRET")
    );
    assert_eq!(test.client.as_ref().unwrap().redirect_path, "/callback");
    assert!(c.environment("prod").unwrap().client.is_none());
}

#[test]
fn builtins_match_the_spec() {
    let c = Config::builtin();
    let names: Vec<&str> = c.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "local",
            "test",
            "prod",
            "local-difi",
            "ver1",
            "ver2",
            "yt2",
            "difi-prod"
        ],
        "the emulator, then Digdir's TEST and PROD, then the Difi generation"
    );
    for e in &c.environments {
        let difi_remote = e.group == Group::Difi;
        assert_eq!(e.retired, difi_remote, "{}", e.name);
        assert_eq!(
            e.label.contains("retired by Digdir"),
            difi_remote,
            "{}",
            e.label
        );
        assert_eq!(
            e.production,
            ["prod", "difi-prod"].contains(&e.name.as_str()),
            "{}",
            e.name
        );
    }
    let ver2 = c.environment("ver2").unwrap();
    assert_eq!(
        ver2.issuer(),
        Some("https://oidc-ver2.difi.no/idporten-oidc-provider/")
    );
    assert_eq!(
        ver2.person_url(),
        Some("https://oidc-ver2.difi.no/kontaktinfo-oauth2-server/rest/v1/person")
    );
    assert_eq!(
        c.environment("test").unwrap().issuer(),
        Some("https://test.idporten.no")
    );
    assert_eq!(c.environment("local").unwrap().location, Location::Emulator);
}

#[test]
fn a_secret_in_the_file_is_refused_with_line_and_advice() {
    let text = "[clients.x]\nclient_id = \"a\"\nsecret = \"hunter2\"\nenvironments = [\"test\"]\n";
    let e = Config::parse(text, Path::new("/home/t/.config/krr-inspector/config.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("config file /home/t/.config/krr-inspector/config.toml: line 3"),
        "{e}"
    );
    assert!(e.contains("name that variable in `secret_env`"), "{e}");
    assert!(!e.contains("hunter2"), "the secret must not be echoed: {e}");
}

#[test]
fn broken_files_name_line_and_key() {
    let e = Config::parse(
        "[environments.x]\nissuer = \"https://a\"\nperson_urll = \"https://b\"\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 3") && e.contains("person_urll"), "{e}");
    let e = Config::parse(
        "[environments.x]\nissuer = \"http://idp.example\"\nperson_url = \"https://b\"\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("[environments.x] issuer 'http://idp.example' is plain http://"),
        "{e}"
    );
    let e = Config::parse(
        "[clients.c]\nclient_id = \"a\"\nenvironments = [\"nope\"]\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no environment is called 'nope'"), "{e}");
    let e = Config::parse(
        "[environments.test]\nissuer = \"https://a\"\nperson_url = \"https://b\"\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'test' is a built-in environment"), "{e}");
    let e = Config::parse(
        "[clients.c]\nclient_id = \"a\"\nauth_method = \"client_secret_post\"\nenvironments = []\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("needs secret_env"), "{e}");
}

#[test]
fn a_client_can_keep_its_secret_in_the_keyring() {
    let text = "[clients.k]\nclient_id = \"a\"\nauth_method = \"client_secret_basic\"\n\
                secret_source = \"keyring\"\nenvironments = [\"test\"]\n";
    let c = Config::parse(text, Path::new("c.toml")).unwrap();
    let client = c.environment("test").unwrap().client.clone().unwrap();
    assert_eq!(
        (client.secret_source, client.secret_env),
        (SecretSource::Keyring, None)
    );
    let e = Config::parse(&text.replace("keyring", "vault"), Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 4") && e.contains("vault"), "{e}");
    let e = Config::parse(
        &text.replace("secret_source = \"keyring\"\n", ""),
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("or secret_source = \"keyring\""), "{e}");
}

#[test]
fn a_named_file_that_is_missing_is_an_error() {
    let e = Config::load(Some(Path::new("/nonexistent/krr.toml")))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("cannot read the config file /nonexistent/krr.toml"),
        "{e}"
    );
}
