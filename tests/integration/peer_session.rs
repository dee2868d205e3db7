//! The session after the lookup against the certified peer (panva's `oidc-provider`, see `peer.rs`): userinfo,
//! RFC 7662 introspection, refresh with rotation, RFC 7009 revocation (the grant's access token inactive after
//! it), and RP-initiated logout with `id_token_hint`, a loopback `post_logout_redirect_uri` on a port the
//! registration does not name (RFC 8252 for a native client) and `state` checked: someone else's provider on the
//! other side of the same `inspect::session` the command and the app use.

use serde_json::json;

use krr_inspector::config::AuthMethod;
use krr_inspector::inspect::session::{Action, StepOutcome, run_lookup_session};
use krr_inspector::inspect::{Accept, LookupRequest, Target};
use krr_inspector::jose::TrustStore;
use krr_inspector::krr::Lang;
use krr_inspector::krr::scopes::ScopeDialect;

use super::peer::{PID, SCOPES, public_client, registration, start, user_agent};

#[tokio::test]
async fn userinfo_introspection_refresh_revocation_and_logout_at_oidc_provider() {
    let mut client = public_client("krr-public");
    // The logout comes back to the login's loopback path, on the listener's port.
    client["post_logout_redirect_uris"] = json!(["http://127.0.0.1/callback"]);
    let Some(peer) = start(json!([client])).await else {
        return;
    };
    let request = LookupRequest {
        target: Target {
            environment: "custom".into(),
            issuer: peer.issuer.clone(),
            // The peer has no register: the lookup's GET /person fails, the login's session is what is tested.
            person_url: format!("{}/person", peer.issuer),
            dialect: ScopeDialect::Digdir,
        },
        client: registration("krr-public", AuthMethod::None),
        client_secret: None,
        client_key: None,
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        accept: Accept::Json,
        acr: Some("idporten-loa-substantial".into()),
        ui_locales: "nb".into(),
        prompt: None,
        login_hint: None,
        browser: user_agent(),
        callback_timeout: std::time::Duration::from_secs(30),
        trust: TrustStore::new(),
        lang: Lang::En,
        par: false,
        dpop: false,
    };
    let http = krr_inspector::oidc::http::client().unwrap();
    let (inspection, session) = run_lookup_session(&http, &request, &|_| {}).await;
    let mut session = session.unwrap_or_else(|| panic!("no session: {:?}", inspection.error));
    let mut run = async |action| {
        let step = session.run(&http, action, &|_| {}).await;
        assert!(
            step.ok,
            "{action:?}: {:?}\n{:#?}",
            step.error, step.exchanges
        );
        step.outcome.unwrap()
    };
    match run(Action::Userinfo).await {
        StepOutcome::Userinfo { claims } => assert_eq!(claims["sub"], PID),
        other => panic!("{other:?}"),
    }
    match run(Action::Introspect).await {
        StepOutcome::Introspected {
            active,
            scope,
            client_id,
            ..
        } => {
            assert!(active);
            assert!(scope.unwrap().contains("krr:user/kontaktinformasjon.read"));
            assert_eq!(client_id.as_deref(), Some("krr-public"));
        }
        other => panic!("{other:?}"),
    }
    for _ in 0..2 {
        match run(Action::Refresh).await {
            StepOutcome::Refreshed {
                rotated,
                expires_in,
                ..
            } => {
                assert!(rotated, "the peer rotates a public client's refresh token");
                assert!(expires_in.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        run(Action::Revoke).await,
        StepOutcome::Revoked { .. }
    ));
    match run(Action::Introspect).await {
        StepOutcome::Introspected { active, .. } => {
            assert!(!active, "revoking the refresh token revokes its grant")
        }
        other => panic!("{other:?}"),
    }
    match run(Action::Logout).await {
        StepOutcome::LoggedOut {
            state_checked,
            via_browser,
            post_logout_redirect_uri,
        } => {
            assert!(state_checked && via_browser);
            assert!(post_logout_redirect_uri.starts_with("http://127.0.0.1:"));
        }
        other => panic!("{other:?}"),
    }
}
