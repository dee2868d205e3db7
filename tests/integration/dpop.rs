//! DPoP (RFC 9449) end to end against the emulator: `fetch --dpop` and `matrix --dpop` (headless TestID) get
//! DPoP-bound tokens and the register answers them; the emulator refuses what RFC 9449 says a server must (a bound
//! token as a bearer token, a proof for another method, URL or token, a replayed proof, a proof by another key);
//! nothing secret reaches the outputs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::pkey::{PKey, Private};
use serde_json::{Value, json};

use krr_inspector::emulator::EmulatorHandle;
use krr_inspector::jose::jwk::public_jwk;
use krr_inspector::jose::jwt::decode_unverified;
use krr_inspector::jose::{Alg, sign_compact};
use krr_inspector::krr::ScopeDialect;
use krr_inspector::oidc::{DpopKey, Secret};

use super::support::*;

const CB: &str = "http://127.0.0.1:9/callback";
const SCOPES: &str = "openid krr:user/kontaktinformasjon.read krr:user/digitalpost.read";
const PID: &str = "24079412372";

/// `args` through the binary against the emulator, with a browser that fails at once (a TestID login needs none).
async fn run(emu: &EmulatorHandle, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut all = vec![("KRR_INSPECTOR_BROWSER", "false")];
    all.extend_from_slice(env);
    run_against(emu, args, &all).await
}

/// The RFC 7638 thumbprint of an EC public JWK, computed here from its definition.
pub(super) fn ec_thumbprint(jwk: &Value) -> String {
    let canonical = format!(
        r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["crv"].as_str().unwrap(),
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    URL_SAFE_NO_PAD.encode(openssl::sha::sha256(canonical.as_bytes()))
}

/// The recorded `DPoP` header of an exchange, parsed back from its summary (`header.claims.[signature not kept]`).
pub(super) fn recorded_proof(exchange: &Value) -> (Value, Value) {
    let value = exchange["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "dpop")
        .unwrap_or_else(|| panic!("no DPoP header sent: {exchange}"))[1]
        .as_str()
        .unwrap()
        .to_owned();
    let body = value
        .strip_suffix(".[signature not kept]")
        .unwrap_or_else(|| panic!("the proof's signature is not kept: {value}"));
    let mut stream = serde_json::Deserializer::from_str(body).into_iter::<Value>();
    let header = stream.next().unwrap().unwrap();
    let rest = &body[stream.byte_offset() + 1..];
    (header, serde_json::from_str(rest).unwrap())
}

pub(super) fn exchanges<'a>(j: &'a Value, step: &str) -> Vec<&'a Value> {
    j["http"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["step"] == step)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_with_dpop_gets_a_token_bound_to_its_key_and_the_register_answers() {
    let emu = emulator().await;
    let r = run(
        &emu,
        &["fetch", "--format", "json", "--dpop", "--testid", PID],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let j = &r.json;
    assert_eq!(j["person"]["personidentifikator"], PID, "{}", r.stdout);
    assert_eq!(j["request"]["dpop"], true);
    let token = &j["token"];
    assert_eq!(token["token_type"], "DPoP");
    assert_eq!(token["dpop"]["binding"], "this_key", "{token}");
    assert_eq!(token["dpop"]["key_jkt"], token["dpop"]["token_jkt"]);
    assert_eq!(
        token["access_token_claims"]["cnf"]["jkt"],
        token["dpop"]["key_jkt"]
    );
    assert_eq!(token["problems"], json!([]));

    // The token request carried a proof for the token endpoint, by the key the token is bound to.
    let token_ex = exchanges(j, "token");
    assert_eq!(token_ex.len(), 1);
    let (header, claims) = recorded_proof(token_ex[0]);
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(ec_thumbprint(&header["jwk"]), token["dpop"]["key_jkt"]);
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], format!("{}/token", emu.base_url));
    assert!(claims.get("ath").is_none(), "{claims}");

    // The register was asked with the DPoP scheme and a proof with ath, by the same key.
    let person = exchanges(j, "person");
    assert_eq!(person.len(), 1);
    assert_eq!(person[0]["status"], 200);
    let auth = person[0]["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap();
    assert_eq!(auth[1], "DPoP [redacted]");
    let (header, claims) = recorded_proof(person[0]);
    assert_eq!(ec_thumbprint(&header["jwk"]), token["dpop"]["key_jkt"]);
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], emu.person_url(ScopeDialect::Digdir));
    assert_eq!(claims["ath"].as_str().unwrap().len(), 43, "{claims}");

    // The text report says it in words.
    let text = run(
        &emu,
        &["fetch", "--lang", "en", "--dpop", "--testid", PID],
        &[],
    )
    .await;
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert!(
        text.stdout
            .contains("DPoP:        bound to this session's key (cnf.jkt "),
        "{}",
        text.stdout
    );

    // Without --dpop: a bearer token, no DPoP facts, no proof sent.
    let plain = run(&emu, &["fetch", "--format", "json", "--testid", PID], &[]).await;
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    assert_eq!(plain.json["token"]["token_type"], "Bearer");
    assert!(plain.json["token"].get("dpop").is_none());
    assert!(!plain.stdout.contains("dpop+jwt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_matrix_refreshes_a_dpop_session_with_its_own_key() {
    let emu = emulator().await;
    let r = run(
        &emu,
        &["matrix", "--format", "json", "--dpop", "--testid", PID],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rows = r.json["rows"].as_array().unwrap();
    assert!(rows.len() > 1, "{}", r.stdout);
    let mut keys = Vec::new();
    for row in rows {
        assert_eq!(row["obtained"], "refresh", "{}", row["scopes"]);
        let token = &row["inspection"]["token"];
        assert_eq!(token["dpop"]["binding"], "this_key", "{token}");
        // The register answers each bound token (403 for a set without a read scope of the register).
        let status = &row["inspection"]["http"]["status"];
        assert!(
            status == 200 || status == 403,
            "{}: {status}",
            row["scopes"]
        );
        keys.push(token["dpop"]["key_jkt"].clone());
    }
    keys.dedup();
    assert_eq!(keys.len(), 1, "one key for the whole session: {keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_access_token_proof_or_private_key_in_any_output() {
    let emu = emulator().await;
    // Every token the emulator issues starts with this header (alg RS256, typ JWT); every proof with this one.
    let jwt_header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIs";
    let proof_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","typ":"dpop+jwt""#);
    let proof_header = &proof_header[..proof_header.len() - 2];
    for format in ["json", "text", "markdown", "html", "curl"] {
        let r = run(
            &emu,
            &["fetch", "--format", format, "--dpop", "--testid", PID],
            &[("RUST_LOG", "trace")],
        )
        .await;
        assert_eq!(r.code, Some(0), "{format}: {}", r.stderr);
        assert!(r.stderr.len() > 1000, "trace logging is on");
        // Each says what the token is bound to, in its own way.
        let says = match format {
            "json" => "\"binding\": \"this_key\"",
            "text" => "DPoP:        bound to this session's key (cnf.jkt ",
            "markdown" => "| DPoP | bound to this session's key \\(cnf.jkt ",
            "html" => "<th>DPoP</th><td><code>bound to this session's key (cnf.jkt ",
            _ => "-H \"Authorization: DPoP $TOKEN\" -H \"DPoP: $DPOP_PROOF\"",
        };
        assert!(r.stdout.contains(says), "{format}: {}", r.stdout);
        for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(!text.contains(jwt_header), "{format}: a token in {name}");
            assert!(
                !text.contains(proof_header),
                "{format}: a whole DPoP proof in {name}"
            );
            assert!(
                !text.contains("\"d\":") && !text.contains("PRIVATE KEY"),
                "{format}: a private key in {name}"
            );
        }
    }
}

// --- the emulator's side, driven over HTTP as another client would ---------------------------------------------

/// A headless TestID login's code and its authorization request.
async fn login_code(emu: &EmulatorHandle) -> (Authz, String) {
    let authz = Authz::new(ScopeDialect::Digdir, CB, SCOPES).set(
        "login_hint",
        &format!("testid:{PID}_idporten-loa-substantial"),
    );
    let r = browser().get(authz.url(emu)).send().await.unwrap();
    let code = location_params(&r).1["code"].clone();
    (authz, code)
}

/// Posts `form` to the token endpoint with these `DPoP` headers.
async fn token_post(emu: &EmulatorHandle, form: &[(&str, &str)], proofs: &[&str]) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(token_endpoint(emu, ScopeDialect::Digdir))
        .form(form);
    for p in proofs {
        request = request.header("DPoP", *p);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn exchange_code(
    emu: &EmulatorHandle,
    authz: &Authz,
    code: &str,
    proofs: &[&str],
) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &authz.params["redirect_uri"]),
        ("code_verifier", &authz.pkce.verifier),
        ("client_id", "krr-inspector"),
    ];
    token_post(emu, &form, proofs).await
}

/// A proof with any header members and claims, signed by `key` (whatever its header says).
fn proof_by(key: &PKey<Private>, alg: Alg, jwk: &Value, claims: Value) -> String {
    sign_compact(
        &json!({"typ": "dpop+jwt", "jwk": jwk}),
        claims.to_string().as_bytes(),
        key,
        alg,
    )
    .unwrap()
}

fn claims(htm: &str, htu: &str) -> Value {
    let mut jti = [0u8; 16];
    openssl::rand::rand_bytes(&mut jti).unwrap();
    json!({"htm": htm, "htu": htu, "iat": chrono::Utc::now().timestamp(), "jti": URL_SAFE_NO_PAD.encode(jti)})
}

fn ec_key() -> PKey<Private> {
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap()
}

/// A resource GET with these headers: status, `WWW-Authenticate`, body.
async fn resource(url: &str, headers: &[(&str, String)]) -> (u16, String, Value) {
    let mut request = reqwest::Client::new()
        .get(url)
        .header("accept", "application/json");
    for (k, v) in headers {
        request = request.header(*k, v);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, challenge, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_token_endpoint_binds_tokens_to_a_valid_proof_and_refuses_a_bad_one() {
    let emu = emulator().await;
    let discovery: Value =
        get_json(format!("{}/.well-known/openid-configuration", emu.base_url)).await;
    assert_eq!(
        discovery["dpop_signing_alg_values_supported"],
        json!(["ES256", "RS256"])
    );
    let token_url = token_endpoint(&emu, ScopeDialect::Digdir);
    let key = DpopKey::generate().unwrap();
    let (authz, code) = login_code(&emu).await;

    // Refused proofs leave the code unused.
    let other_key = ec_key();
    let own_jwk = key.public_jwk().clone();
    let mut private_jwk = public_jwk(&other_key, "k", "ES256");
    private_jwk["d"] = json!("AAAA");
    let refused = [
        (
            key.proof("POST", &format!("{}/userinfo", emu.base_url), None, None)
                .unwrap(),
            "htu",
        ),
        (key.proof("GET", &token_url, None, None).unwrap(), "htm"),
        (
            proof_by(&other_key, Alg::Es256, &own_jwk, claims("POST", &token_url)),
            "signature does not verify",
        ),
        (
            proof_by(
                &other_key,
                Alg::Es256,
                &private_jwk,
                claims("POST", &token_url),
            ),
            "private key",
        ),
        (
            {
                let mut old = claims("POST", &token_url);
                old["iat"] = json!(chrono::Utc::now().timestamp() - 120);
                proof_by(
                    &other_key,
                    Alg::Es256,
                    &public_jwk(&other_key, "k", "ES256"),
                    old,
                )
            },
            "iat",
        ),
        (
            sign_compact(
                &json!({"typ": "JWT", "jwk": public_jwk(&other_key, "k", "ES256")}),
                claims("POST", &token_url).to_string().as_bytes(),
                &other_key,
                Alg::Es256,
            )
            .unwrap(),
            "typ",
        ),
    ];
    for (proof, why) in &refused {
        let (status, body) = exchange_code(&emu, &authz, &code, &[proof]).await;
        assert_eq!(status, 400, "{why}: {body}");
        assert_eq!(body["error"], "invalid_dpop_proof", "{why}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().contains(why),
            "{why}: {body}"
        );
    }
    let two = key.proof("POST", &token_url, None, None).unwrap();
    let (status, body) = exchange_code(&emu, &authz, &code, &[&two, &two]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_dpop_proof"))
    );

    let (status, body) = exchange_code(
        &emu,
        &authz,
        &code,
        &[&key.proof("POST", &token_url, None, None).unwrap()],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    let access = access_claims(&body);
    assert_eq!(access["cnf"]["jkt"], key.thumbprint());
    assert_eq!(access["cnf"]["jkt"], ec_thumbprint(key.public_jwk()));

    // RFC 9449 §5: the public client's refresh token is bound to the key.
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", "krr-inspector"),
    ];
    let (status, body) = token_post(&emu, &form, &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("bound to a DPoP key")
    );
    let stranger = DpopKey::generate().unwrap();
    let (status, body) = token_post(
        &emu,
        &form,
        &[&stranger.proof("POST", &token_url, None, None).unwrap()],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (status, body) = token_post(
        &emu,
        &form,
        &[&key.proof("POST", &token_url, None, None).unwrap()],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP");
    let access = access_claims(&body);
    assert_eq!(access["cnf"]["jkt"], key.thumbprint());

    // An RS256 proof is accepted too, as discovery says.
    let (authz, code) = login_code(&emu).await;
    let rsa = krr_inspector::jose::pki::rsa_key(2048).unwrap();
    let rsa_jwk = public_jwk(&rsa, "r", "RS256");
    let (status, body) = exchange_code(
        &emu,
        &authz,
        &code,
        &[&proof_by(
            &rsa,
            Alg::Rs256,
            &rsa_jwk,
            claims("POST", &token_url),
        )],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access = access_claims(&body);
    assert_eq!(
        access["cnf"]["jkt"],
        krr_inspector::jose::jwk::thumbprint(&rsa_jwk).unwrap()
    );
}

#[tokio::test]
async fn the_register_and_userinfo_refuse_what_rfc_9449_refuses() {
    let emu = emulator().await;
    let token_url = token_endpoint(&emu, ScopeDialect::Digdir);
    let person = emu.person_url(ScopeDialect::Digdir);
    let userinfo = format!("{}/userinfo", emu.base_url);
    let key = DpopKey::generate().unwrap();
    let (authz, code) = login_code(&emu).await;
    let (_, body) = exchange_code(
        &emu,
        &authz,
        &code,
        &[&key.proof("POST", &token_url, None, None).unwrap()],
    )
    .await;
    let token = Secret::new(body["access_token"].as_str().unwrap());
    let dpop_auth = ("authorization", format!("DPoP {}", token.expose()));
    let good = |url: &str| key.proof("GET", url, Some(&token), None).unwrap();

    // The bound token with its proof: answered, by both.
    for url in [&person, &userinfo] {
        let (status, _, body) = resource(url, &[dpop_auth.clone(), ("dpop", good(url))]).await;
        assert_eq!(status, 200, "{url}: {body}");
    }
    let (_, _, body) = resource(&userinfo, &[dpop_auth.clone(), ("dpop", good(&userinfo))]).await;
    assert_eq!(body["pid"], PID);

    // As a bearer token: refused, with a DPoP challenge.
    for url in [&person, &userinfo] {
        let (status, challenge, body) = resource(
            url,
            &[("authorization", format!("Bearer {}", token.expose()))],
        )
        .await;
        assert_eq!(status, 401, "{url}");
        assert!(challenge.starts_with("DPoP "), "{challenge}");
        assert_eq!(body["error"], "invalid_token");
        assert_eq!(
            body["error_description"],
            "DPoP-bound token used as a bearer token: send Authorization: DPoP <token> with a DPoP proof"
        );
    }

    let other_token = Secret::new("another.access.token");
    let stranger = DpopKey::generate().unwrap();
    let replayed = good(&person);
    let (status, _, _) = resource(&person, &[dpop_auth.clone(), ("dpop", replayed.clone())]).await;
    assert_eq!(status, 200);
    // What is sent, the error expected and what its description says.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "no proof",
            vec![dpop_auth.clone()],
            "invalid_token",
            "needs a DPoP proof",
        ),
        (
            "htu of userinfo",
            vec![dpop_auth.clone(), ("dpop", good(&userinfo))],
            "invalid_dpop_proof",
            "htu",
        ),
        (
            "htm POST",
            vec![
                dpop_auth.clone(),
                (
                    "dpop",
                    key.proof("POST", &person, Some(&token), None).unwrap(),
                ),
            ],
            "invalid_dpop_proof",
            "htm",
        ),
        (
            "ath of another token",
            vec![
                dpop_auth.clone(),
                (
                    "dpop",
                    key.proof("GET", &person, Some(&other_token), None).unwrap(),
                ),
            ],
            "invalid_dpop_proof",
            "ath",
        ),
        (
            "no ath",
            vec![
                dpop_auth.clone(),
                ("dpop", key.proof("GET", &person, None, None).unwrap()),
            ],
            "invalid_dpop_proof",
            "no ath",
        ),
        (
            "the same proof again",
            vec![dpop_auth.clone(), ("dpop", replayed)],
            "invalid_dpop_proof",
            "used before",
        ),
        (
            "a proof by another key",
            vec![
                dpop_auth.clone(),
                (
                    "dpop",
                    stranger.proof("GET", &person, Some(&token), None).unwrap(),
                ),
            ],
            "invalid_token",
            "another key",
        ),
        (
            "signed by another key than its jwk",
            vec![
                dpop_auth.clone(),
                ("dpop", {
                    let mut c = claims("GET", &person);
                    c["ath"] = json!(krr_inspector::oidc::dpop::ath(token.expose()));
                    proof_by(&ec_key(), Alg::Es256, key.public_jwk(), c)
                }),
            ],
            "invalid_dpop_proof",
            "signature does not verify",
        ),
    ];
    for (what, headers, error, says) in cases {
        let (status, challenge, body) = resource(&person, &headers).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert!(
            challenge.starts_with("DPoP algs=\"ES256 RS256\""),
            "{what}: {challenge}"
        );
        assert_eq!(body["error"], error, "{what}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().contains(says),
            "{what}: {body}"
        );
    }

    // A plain bearer token sent with the DPoP scheme is refused too.
    let plain = tokens_for(&emu, ScopeDialect::Digdir, SCOPES, PID).await;
    let plain = Secret::new(plain["access_token"].as_str().unwrap());
    let (status, _, body) = resource(
        &person,
        &[
            ("authorization", format!("DPoP {}", plain.expose())),
            (
                "dpop",
                key.proof("GET", &person, Some(&plain), None).unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("not DPoP-bound"),
        "{body}"
    );
}

/// The claims of the access token in a token endpoint's answer (read, not verified: the binding is what is tested).
fn access_claims(body: &Value) -> serde_json::Map<String, Value> {
    decode_unverified(body["access_token"].as_str().expect("an access token"))
        .expect("a JWT access token")
        .claims
}
