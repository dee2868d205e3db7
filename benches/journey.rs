//! One whole login → lookup → inspection against the in-process emulator, with the scripted person driving the
//! login page in-process: median and p95 over 200 runs. Prints figures; run `cargo bench --bench journey`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use krr_inspector::config::ClientRegistration;
use krr_inspector::emulator::autologin::{Script, run as autologin};
use krr_inspector::emulator::{Emulator, EmulatorConfig, Keys};
use krr_inspector::inspect::{Accept, LookupRequest, Progress, Target, default_scopes, run_lookup};
use krr_inspector::jose::TrustStore;
use krr_inspector::krr::{Lang, ScopeDialect};
use krr_inspector::oidc::{BrowserChoice, LoginEvent};

const RUNS: usize = 200;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let keys = Arc::new(Keys::generate(chrono::Utc::now()).unwrap());
        let emu = Emulator::start(EmulatorConfig::local(keys)).await.unwrap();
        let mut trust = TrustStore::new();
        trust.add_pem(emu.ca_pem().as_bytes()).unwrap();
        let request = LookupRequest {
            target: Target {
                environment: "local".into(),
                issuer: emu.issuer(ScopeDialect::Digdir),
                person_url: emu.person_url(ScopeDialect::Digdir),
                dialect: ScopeDialect::Digdir,
            },
            client: ClientRegistration::emulator_default(),
            client_secret: None,
            client_key: None,
            scopes: default_scopes(ScopeDialect::Digdir),
            accept: Accept::Jose,
            acr: Some("idporten-loa-substantial".into()),
            ui_locales: "nb".into(),
            prompt: None,
            login_hint: None,
            par: false,
            // The "browser" is the scripted person, in-process: the journey is measured without process starts.
            browser: BrowserChoice::PrintUrl,
            callback_timeout: Duration::from_secs(30),
            trust,
            lang: Lang::En,
            dpop: false,
        };
        let http = krr_inspector::oidc::http::client().unwrap();
        let person = |p: Progress| {
            if let Progress::Login(LoginEvent::AuthorizationUrl { url, .. }) = p {
                tokio::spawn(async move {
                    let script = Script {
                        pid: "24079412372".into(),
                        ..Script::default()
                    };
                    autologin(&url, &script).await.unwrap();
                });
            }
        };
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let i = run_lookup(&http, &request, &person).await;
            times.push(started.elapsed());
            assert!(
                i.error.is_none() && i.body.as_ref().is_some_and(|b| b.verdict().is_valid()),
                "{:?}",
                i.error
            );
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "journey: {RUNS} runs, median {:.2} ms, p95 {:.2} ms, min {:.2} ms, max {:.2} ms",
            ms(times[RUNS / 2]),
            ms(times[RUNS * 95 / 100]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
    });
}
