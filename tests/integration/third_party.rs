//! Proof that the emulator speaks the standards: a third-party OpenID Connect client (`openidconnect`), configured
//! only from the discovery document, logs in with PKCE, gets tokens and verifies the id_token with the JWKS; a
//! third-party JOSE library (`josekit`) verifies the register's JWS with the key of `x5c[0]`.

use std::cell::RefCell;

use openidconnect::core::{CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClientId, CsrfToken, IdTokenClaims,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope,
};
use serde::{Deserialize, Serialize};

use krr_inspector::krr::ScopeDialect;

use super::support::{browser, emulator, location_params, login_request_id, submit_login};

#[derive(Debug, Deserialize, Serialize)]
struct IdPortenClaims {
    pid: String,
}
impl AdditionalClaims for IdPortenClaims {}

type IdPortenIdTokenFields = openidconnect::IdTokenFields<
    IdPortenClaims,
    openidconnect::EmptyExtraTokenFields,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJwsSigningAlgorithm,
>;
type IdPortenTokenResponse =
    openidconnect::StandardTokenResponse<IdPortenIdTokenFields, openidconnect::core::CoreTokenType>;

#[tokio::test]
async fn openidconnect_and_josekit_against_the_emulator() {
    for (generation, scopes) in [
        (
            ScopeDialect::Digdir,
            [
                "krr:user/kontaktinformasjon.read",
                "krr:user/digitalpost.read",
            ]
            .as_slice(),
        ),
        (
            ScopeDialect::Difi,
            ["user/kontaktinformasjon.read", "user/sertifikat.read"].as_slice(),
        ),
    ] {
        let emu = emulator().await;
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let issuer = IssuerUrl::new(emu.issuer(generation)).unwrap();
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .expect("discovery and JWKS load");
        let redirect = "http://127.0.0.1:9/cb";
        let client = openidconnect::Client::<
            IdPortenClaims,
            openidconnect::core::CoreAuthDisplay,
            openidconnect::core::CoreGenderClaim,
            openidconnect::core::CoreJweContentEncryptionAlgorithm,
            openidconnect::core::CoreJsonWebKey,
            openidconnect::core::CoreAuthPrompt,
            openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
            IdPortenTokenResponse,
            openidconnect::core::CoreTokenIntrospectionResponse,
            openidconnect::core::CoreRevocableToken,
            openidconnect::core::CoreRevocationErrorResponse,
            _,
            _,
            _,
            _,
            _,
            _,
        >::from_provider_metadata(
            metadata, ClientId::new("krr-inspector".into()), None
        )
        .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in scopes {
            request = request.add_scope(Scope::new((*s).into()));
        }
        let (url, state, nonce) = request.url();

        // The person logs in on the emulator's page.
        let person = browser();
        let html = person
            .get(url.as_str())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let id = login_request_id(&html);
        let r = submit_login(
            &person,
            &emu,
            &[("request", id.as_str()), ("pick", "24079412372")],
        )
        .await;
        let (_, params) = location_params(&r);
        assert_eq!(&params["state"], state.secret());

        let token: IdPortenTokenResponse = client
            .exchange_code(AuthorizationCode::new(params["code"].clone()))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .expect("the token endpoint answers the library");
        let id_token = token.extra_fields().id_token().expect("an id_token");
        let claims: &IdTokenClaims<IdPortenClaims, _> = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .expect("the library verifies the id_token with the JWKS");
        assert_eq!(claims.additional_claims().pid, "24079412372");
        assert_eq!(claims.issuer().as_str(), emu.issuer(generation));

        // The register, with the library's access token.
        let jws = reqwest::Client::new()
            .get(emu.person_url(generation))
            .bearer_auth(token.access_token().secret())
            .header("accept", "application/jose")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let chain = RefCell::new(None);
        let _ = josekit::jws::deserialize_compact_with_selector(&jws, |header| {
            *chain.borrow_mut() = header.x509_certificate_chain();
            Ok(None)
        });
        let chain = chain.into_inner().expect("x5c in the header");
        assert_eq!(chain.len(), 2);
        let leaf = openssl::x509::X509::from_der(&chain[0]).unwrap();
        let spki = leaf.public_key().unwrap().public_key_to_der().unwrap();
        let verifier = josekit::jws::RS256.verifier_from_der(&spki).unwrap();
        let (payload, header) = josekit::jws::deserialize_compact(&jws, &verifier)
            .expect("josekit verifies with x5c[0]");
        assert_eq!(header.algorithm(), Some("RS256"));
        let person_json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(person_json["personidentifikator"], "24079412372");
        // And the certificate chains to the CA the emulator publishes.
        let ca = openssl::x509::X509::from_pem(emu.ca_pem().as_bytes()).unwrap();
        assert!(leaf.verify(&ca.public_key().unwrap()).unwrap());
    }
}
