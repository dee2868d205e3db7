//! One lookup, start to finish: log in, `GET` the person URL, inspect the body, and build the `Inspection` that
//! every face shows. A 401/403/5xx answer or a failed login is an `Inspection` with the error explained.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use super::answer::{answer_problems, html_error, is_html, other_person};
use super::body::inspect_body;
use super::person_request::{PersonAnswer, get_person};
use super::problem_text::{login_problem, problem};
use crate::config::ClientRegistration;
use crate::config::url_policy::check_destination;
use crate::jose::TrustStore;
use crate::jose::jwt::decode_unverified;
use crate::krr::scopes::{ScopeDialect, read_scopes};
use crate::krr::{Lang, scopes};
use crate::oidc::http::{self, HttpExchange};
use crate::oidc::{self, BrowserChoice, ClientAuth, Credential, LoginError, LoginEvent, Secret};

pub use super::report::{
    Accept, DpopFacts, HttpFacts, Inspection, LookupProblem, MAX_TOKEN_LIFETIME_SECS, RequestFacts,
    Target, TokenFacts, expiry,
};

/// Everything one lookup needs.
#[derive(Clone, Debug)]
pub struct LookupRequest {
    pub target: Target,
    pub client: ClientRegistration,
    pub client_secret: Option<Secret>,
    /// The private_key_jwt key, when the client uses one (loaded by the planner).
    pub client_key: Option<oidc::ClientKey>,
    pub scopes: Vec<String>,
    pub accept: Accept,
    pub acr: Option<String>,
    /// `nb`, `nn`, `en` or `se`: the login page's language.
    pub ui_locales: String,
    pub prompt: Option<String>,
    /// `login_hint` for the authorization request; `testid:<pid>_<acr>` logs in headless (test environments).
    pub login_hint: Option<String>,
    /// Push the authorization request (PAR, RFC 9126); also done when discovery requires it.
    pub par: bool,
    pub browser: BrowserChoice,
    pub callback_timeout: Duration,
    pub trust: TrustStore,
    /// Language of explanations.
    pub lang: Lang,
    /// DPoP (RFC 9449): a key for the session, proofs at the token endpoint and the register.
    pub dpop: bool,
}

impl LookupRequest {
    /// How this request's client authenticates at `issuer`'s back-channel endpoints (token, refresh, revocation).
    pub fn client_auth(&self, issuer: &str) -> Result<ClientAuth, LoginError> {
        ClientAuth::new(
            &self.client,
            Credential::of(self.client_secret.as_ref(), self.client_key.as_ref()),
            issuer,
        )
    }
}

/// The scopes asked for by default: OpenID Connect plus every read scope of the dialect.
pub fn default_scopes(dialect: ScopeDialect) -> Vec<String> {
    let mut s = vec!["openid".to_owned()];
    if dialect == ScopeDialect::Digdir {
        s.push("profile".into());
    }
    s.extend(
        read_scopes(dialect)
            .into_iter()
            .filter(|i| i.name != "user/spraak.read")
            .map(|i| i.name.to_owned()),
    );
    s
}

/// Progress of a lookup, for a spinner with steps.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Progress {
    Login(LoginEvent),
    FetchingPerson { url: String },
    Done,
}

fn login_hint(e: &LoginError) -> &'static str {
    match e {
        // A refused callback that was a mix-up sign keeps its own hint; any other refusal means a new login.
        LoginError::TimeoutAfterRefused { refused, .. }
            if matches!(
                **refused,
                LoginError::Callback(oidc::callback::CallbackError::NoIss)
            ) =>
        {
            login_hint(refused)
        }
        // A callback without the promised `iss` is a mix-up sign, like a wrong one.
        LoginError::Callback(oidc::callback::CallbackError::NoIss) => {
            "Start a new login from this tool; do not reuse an old browser tab. If it persists, the provider's \
             answer may be forged (mix-up attack): do not use it."
        }
        // The provider's own trouble, not the tester's: nothing to fix here but the time.
        LoginError::TokenEndpoint { error, .. }
            if error == "temporarily_unavailable" || error == "server_error" =>
        {
            "The provider has a problem: try again later."
        }
        LoginError::Http(http::HttpError::NotJson { url, status, .. }) if *status >= 500 => {
            if url.contains("jwk") {
                "The provider's key set is unavailable: try again later."
            } else {
                "The provider has a problem: try again later."
            }
        }
        LoginError::Timeout(_) => {
            "Start again and finish the login in the browser, or raise the timeout."
        }
        LoginError::Cancelled => "Start again when ready.",
        LoginError::StateMismatch
        | LoginError::IssuerMismatch { .. }
        | LoginError::TimeoutAfterRefused { .. } => {
            "Start a new login from this tool; do not reuse an old browser tab."
        }
        LoginError::Provider { error, .. } if error == "access_denied" => {
            "Log in again and complete the form."
        }
        LoginError::Http(_) => "Check the network and that the environment's URLs are right.",
        LoginError::Browser(_) => "Pick another browser, or use print-URL and open it yourself.",
        LoginError::MissingSecret { .. }
        | LoginError::BadEndpoint { .. }
        | LoginError::Insecure(_)
        | LoginError::Discovery(_) => "Fix the environment or client configuration.",
        _ => "Check the client registration and try again.",
    }
}

/// The id_token checks whose failure refuses the login: the token is not this provider's, not for this client, not
/// for this login, or not current.
const REFUSING_CHECKS: [&str; 6] = ["signature", "iss", "aud", "exp", "iat", "nonce"];

/// Runs the lookup. Never fails: whatever happens is in the `Inspection`.
pub async fn run_lookup(
    http_client: &reqwest::Client,
    req: &LookupRequest,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
) -> Inspection {
    lookup(http_client, req, on_progress, None, &mut None).await
}

/// The lookup; with `given`, the tokens (and the exchanges that got them, e.g. a refresh) take the login's place.
/// `keep` receives the login's outcome (with its refresh token) when there was one, to go on from.
pub(crate) async fn lookup(
    http_client: &reqwest::Client,
    req: &LookupRequest,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
    given: Option<(oidc::LoginOutcome, Vec<HttpExchange>)>,
    keep: &mut Option<oidc::LoginOutcome>,
) -> Inspection {
    let started = Instant::now();
    let started_at = Utc::now();
    let exchanges = Arc::new(Mutex::new(Vec::new()));
    let mut inspection = Inspection::begun(
        req.target.clone(),
        RequestFacts {
            client_id: req.client.client_id.clone(),
            auth_method: req.client.auth_method,
            scopes: req.scopes.clone(),
            accept: req.accept,
            acr: req.acr.clone(),
            locale: req.ui_locales.clone(),
            par: req.par,
            dpop: req.dpop,
        },
        started_at,
    );
    let take_exchanges = |exchanges: &Arc<Mutex<Vec<HttpExchange>>>| {
        std::mem::take(
            &mut *exchanges
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    };

    // Nothing is sent anywhere before every destination the token or code will reach has passed the one policy
    // (discovery checks the endpoints it reads the same way).
    for (what, url) in [
        ("the issuer", &req.target.issuer),
        ("the person URL", &req.target.person_url),
    ] {
        if let Err(e) = check_destination(what, url) {
            inspection.error = Some(problem(
                "insecure",
                LoginError::Insecure(e).to_string(),
                "Use the https:// address of the service (http:// only for 127.0.0.1 or [::1]).",
            ));
            inspection.timings_ms.push(("total".into(), 0));
            on_progress(Progress::Done);
            return inspection;
        }
    }

    let params = oidc::LoginParams {
        issuer: req.target.issuer.clone(),
        client: req.client.clone(),
        client_secret: req.client_secret.clone(),
        client_key: req.client_key.clone(),
        scopes: req.scopes.clone(),
        acr: req.acr.clone(),
        ui_locales: req.ui_locales.clone(),
        prompt: req.prompt.clone(),
        login_hint: req.login_hint.clone(),
        par: req.par,
        browser: req.browser.clone(),
        timeout: req.callback_timeout,
        lang: req.lang,
        dpop: req.dpop,
    };
    let login = match given {
        Some((outcome, got_by)) => {
            exchanges
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend(got_by);
            Ok(outcome)
        }
        None => {
            oidc::login(
                http_client,
                &params,
                &|e| on_progress(Progress::Login(e)),
                &exchanges,
            )
            .await
        }
    };
    inspection
        .timings_ms
        .push(("login".into(), started.elapsed().as_millis() as u64));
    let outcome = match login {
        Ok(o) => o,
        Err(e) => {
            inspection.http.exchanges = take_exchanges(&exchanges);
            // A browser that failed is its own kind: the app offers another way to open the login.
            let kind = match &e {
                LoginError::Browser(crate::oidc::browser::BrowserError::System(_)) => {
                    "system_browser"
                }
                LoginError::Browser(_) => "browser_command",
                _ => "login",
            };
            inspection.error = Some(login_problem(kind, &e, login_hint(&e)));
            inspection
                .timings_ms
                .push(("total".into(), started.elapsed().as_millis() as u64));
            on_progress(Progress::Done);
            return inspection;
        }
    };
    inspection.request.par = oidc::par::uses_par(req.par, &outcome.provider);

    let access_token_claims = decode_unverified(outcome.access_token.expose())
        .ok()
        .map(|v| v.claims);
    let scopes_granted = outcome.scopes_granted.clone().unwrap_or_else(|| {
        access_token_claims
            .as_ref()
            .and_then(|c| c.get("scope"))
            .and_then(Value::as_str)
            .map(scopes::split_scope_string)
            .unwrap_or_else(|| req.scopes.clone())
    });
    let (expires_at, expiry_problem) = expiry(started_at, outcome.expires_in, req.lang);
    let mut token_problems: Vec<String> = expiry_problem.into_iter().collect();
    // Fewer scopes than asked: ID-porten leaves out what the person declined on the consent page and what the
    // client is not registered for. (openid and profile are OpenID Connect's, not always echoed in `scope`.)
    for asked in &req.scopes {
        if !["openid", "profile"].contains(&asked.as_str()) && !scopes_granted.contains(asked) {
            token_problems.push(match req.lang {
                Lang::Nb => format!(
                    "{asked} ble bedt om, men er ikke i tokenet: avslått på samtykkesiden, eller ikke tillatt for denne klienten"
                ),
                Lang::En => format!(
                    "{asked} was asked for but is not in the token: declined on the consent page, or not allowed for this client"
                ),
            });
        }
    }
    let has_pid = [&access_token_claims, &outcome.id_claims]
        .iter()
        .any(|c| c.as_ref().is_some_and(|c| c.contains_key("pid")));
    // Who logged in, by the tokens: the answer must be about this person.
    let logged_in_pid = [&access_token_claims, &outcome.id_claims]
        .iter()
        .find_map(|c| c.as_ref()?.get("pid")?.as_str().map(str::to_owned));
    let no_pid = !has_pid && (access_token_claims.is_some() || outcome.id_claims.is_some());
    if no_pid {
        token_problems.push(
            req.lang
                .pick(
                    "innloggingen har ikke noe fødselsnummer (pid), for eksempel en e-postinnlogging (selfregistered-email): registeret har ikke noe svar for den",
                    "this login has no national id (pid), e.g. an e-mail login (selfregistered-email): the register has no answer for it",
                )
                .to_owned(),
        );
    }
    // Asked for DPoP: is the access token bound to this session's key?
    let dpop = outcome
        .dpop
        .as_ref()
        .map(|key| DpopFacts::of(key.thumbprint(), access_token_claims.as_ref()));
    if let Some(d) = dpop.as_ref().filter(|d| d.is_problem()) {
        token_problems.push(d.sentence(&outcome.token_type, req.lang));
    }
    inspection.token = Some(TokenFacts {
        scopes_requested: req.scopes.clone(),
        scopes_granted: scopes_granted.clone(),
        expires_in: outcome.expires_in,
        expires_at,
        access_token: outcome.access_token.clone(),
        id_token: outcome.id_token.clone(),
        has_refresh_token: outcome.refresh_token.is_some(),
        access_token_claims,
        id_token_claims: outcome.id_claims.clone(),
        id_token_checks: outcome.id_token_checks.clone(),
        problems: token_problems,
        token_type: outcome.token_type.clone(),
        dpop,
        dpop_key: outcome.dpop.clone(),
    });

    // A careful client uses no token from a response whose id_token does not verify: the login is refused here,
    // and the access token never reaches the register. The failed rows stay in `token` for the tester.
    // The integrity checks only: a missing id_token or a lower acr than asked is shown in the rows, but says
    // nothing about whether these tokens are this login's.
    let refuses = |c: &&oidc::TokenCheck| !c.passed && REFUSING_CHECKS.contains(&c.check.as_str());
    let failed: Vec<&str> = outcome
        .id_token_checks
        .iter()
        .filter(refuses)
        .map(|c| c.check.as_str())
        .collect();
    // Only a login whose tokens are this login's is kept to go on from (the matrix refreshes with it).
    if failed.is_empty() {
        *keep = Some(outcome.clone());
    }
    if !failed.is_empty() {
        let details = outcome
            .id_token_checks
            .iter()
            .filter(refuses)
            .map(|c| format!("{}: {}", c.check, c.detail))
            .collect::<Vec<_>>()
            .join("; ");
        inspection.http.exchanges = take_exchanges(&exchanges);
        inspection.error = Some(problem(
            "id_token",
            match req.lang {
                Lang::Nb => format!(
                    "id_token-en består ikke kontrollene ({}): innloggingen avvises, og access-tokenet sendes ikke til \
                     registeret ({details})",
                    failed.join(", ")
                ),
                Lang::En => format!(
                    "the id_token fails its checks ({}): the login is refused, and the access token is not sent to \
                     the register ({details})",
                    failed.join(", ")
                ),
            },
            "Log in again; if it persists, the provider's id_token is wrong for this client (issuer, client_id, \
             keys or clock): report it to the provider.",
        ));
        inspection
            .timings_ms
            .push(("total".into(), started.elapsed().as_millis() as u64));
        on_progress(Progress::Done);
        return inspection;
    }

    on_progress(Progress::FetchingPerson {
        url: req.target.person_url.clone(),
    });
    let person_started = Instant::now();
    let dpop_key = outcome.resource_key();
    let (result, person_exchanges) = get_person(
        http_client,
        &req.target.person_url,
        &outcome.access_token,
        dpop_key,
        req.accept,
    )
    .await;
    exchanges
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .extend(person_exchanges);
    inspection
        .timings_ms
        .push(("person".into(), person_started.elapsed().as_millis() as u64));
    inspection.http.exchanges = take_exchanges(&exchanges);
    match result {
        Err(e) => {
            inspection.error = Some(problem(
                "network",
                e.to_string(),
                "Check the network and the person URL.",
            ))
        }
        Ok(PersonAnswer {
            status,
            content_type,
            www_authenticate,
            retry_after,
            body,
        }) => {
            inspection.http.status = Some(status);
            inspection.http.content_type = content_type.clone();
            let inspect_started = Instant::now();
            match status {
                200 => match inspect_body(
                    &body,
                    content_type.as_deref(),
                    &req.trust,
                    Some(&scopes_granted),
                    req.lang,
                    Utc::now(),
                ) {
                    Ok(mut b) => {
                        b.problems.extend(answer_problems(
                            &b,
                            req.accept,
                            content_type.as_deref(),
                            req.lang,
                        ));
                        if let Some(other) = other_person(&b, logged_in_pid.as_deref(), req.lang) {
                            inspection.error = Some(problem(
                                "other_person",
                                other,
                                "Do not use this answer: the register answered for someone else. Report it to the \
                                 register's operator.",
                            ));
                        }
                        inspection.body = Some(b);
                    }
                    Err(e) => {
                        inspection.error = Some(problem(
                            "unreadable_body",
                            format!("the register answered 200, but the body cannot be read: {e}"),
                            "Save the raw body and report it; try Accept: application/json.",
                        ))
                    }
                },
                // Whether KRR accepts DPoP-bound tokens is not documented. A register that answers with a DPoP
                // challenge speaks DPoP and refused this proof or token; one that answers otherwise may not.
                401 if dpop_key.is_some() => {
                    let challenge = www_authenticate.unwrap_or_default();
                    let speaks_dpop = challenge
                        .trim_start()
                        .get(..5)
                        .is_some_and(|s| s.eq_ignore_ascii_case("dpop "));
                    inspection.error = Some(if speaks_dpop {
                        problem(
                            "unauthorized",
                            format!(
                                "the register refused the DPoP proof or token (401): {challenge}"
                            ),
                            "Look up again; if it persists, see the person request in the HTTP tab (htu, htm, ath, \
                             nonce) and the token's cnf.jkt.",
                        )
                    } else {
                        problem(
                            "unauthorized",
                            format!(
                                "the register refused a DPoP token (401): it may not support DPoP: {challenge}"
                            ),
                            "Try without --dpop (in the app: untick DPoP).",
                        )
                    });
                }
                401 => {
                    inspection.error = Some(problem(
                        "unauthorized",
                        format!(
                            "the register refused the access token (401): {}",
                            www_authenticate.unwrap_or_default()
                        ),
                        "The token is missing, expired or not for this register: log in again, and check the environment.",
                    ))
                }
                403 if no_pid => {
                    inspection.error = Some(problem(
                        "no_national_id",
                        format!(
                            "this login has no national id, so the register has no answer (403): {}",
                            www_authenticate.unwrap_or_default()
                        ),
                        "Log in with an ID-porten level (idporten-loa-substantial or high), not an e-mail login.",
                    ))
                }
                403 => {
                    inspection.error = Some(problem(
                        "forbidden",
                        format!(
                            "the register refused the scopes (403): {}",
                            www_authenticate.unwrap_or_default()
                        ),
                        "Ask for a read scope of this register's dialect (see the scope list).",
                    ))
                }
                429 => inspection.error = Some(problem(
                    "rate_limited",
                    match retry_after.as_deref().map(str::trim) {
                        Some(secs) if secs.parse::<u64>().is_ok() => format!(
                            "rate limited: the register answered 429 Too Many Requests; retry in {secs} s \
                                 (Retry-After)"
                        ),
                        Some(when) => format!(
                            "rate limited: the register answered 429 Too Many Requests; retry after {when} \
                                 (Retry-After)"
                        ),
                        None => {
                            "rate limited: the register answered 429 Too Many Requests, without \
                                     Retry-After"
                                .to_owned()
                        }
                    },
                    "Wait and try again.",
                )),
                s if s >= 500 && is_html(content_type.as_deref(), &body) => {
                    inspection.error = Some(problem(
                        "server_error",
                        html_error(s, content_type.as_deref(), &body),
                        "Try again later; if it persists, report it to the register's operator.",
                    ))
                }
                s if s >= 500 => {
                    inspection.error = Some(problem(
                        "server_error",
                        format!(
                            "the register failed ({s}): {}",
                            String::from_utf8_lossy(&body)
                                .chars()
                                .take(200)
                                .collect::<String>()
                        ),
                        "Try again later; if it persists, report it to the register's operator.",
                    ))
                }
                s if is_html(content_type.as_deref(), &body) => {
                    inspection.error = Some(problem(
                        "unexpected_status",
                        html_error(s, content_type.as_deref(), &body),
                        "Check the person URL and the Accept type.",
                    ))
                }
                s => {
                    inspection.error = Some(problem(
                        "unexpected_status",
                        format!(
                            "the register answered {s}: {}",
                            String::from_utf8_lossy(&body)
                                .chars()
                                .take(200)
                                .collect::<String>()
                        ),
                        "Check the person URL and the Accept type.",
                    ))
                }
            }
            inspection.timings_ms.push((
                "inspect".into(),
                inspect_started.elapsed().as_millis() as u64,
            ));
        }
    }
    inspection
        .timings_ms
        .push(("total".into(), started.elapsed().as_millis() as u64));
    on_progress(Progress::Done);
    inspection
}
