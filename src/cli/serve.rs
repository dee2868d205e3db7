//! `emulator` and `autologin`: the local ID-porten + KRR as a server until SIGINT/SIGTERM, and the scripted
//! person that logs in on its page (a browser command for tests and demos).

use std::io::Write;

use anyhow::Result;

use super::args::{AutologinArgs, EmulatorArgs};
use krr_inspector::config::emulator_keys_dir;
use krr_inspector::emulator::{Clock, Emulator, EmulatorConfig, EmulatorData, Keys};

pub(crate) fn emulator(args: EmulatorArgs) -> Result<()> {
    let clock = args.clock.map_or_else(Clock::system, Clock::starting_at);
    let keys_dir = args.keys.unwrap_or_else(emulator_keys_dir);
    let keys = Keys::load_or_create(&keys_dir, clock.now())?;
    if args.print_ca {
        print!("{}", keys.ca_pem());
        return Ok(());
    }
    let data = match &args.data {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                crate::with_cause(format!("cannot read --data {}", path.display()), e)
            })?;
            EmulatorData::parse(&text)
                .map_err(|e| anyhow::anyhow!("--data {}: {e}", path.display()))?
        }
        None => EmulatorData::default_data(),
    };
    if !args.bind.is_loopback() {
        tracing::warn!(
            "listening on {}: the admin endpoints and test persons are open to the network",
            args.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let config = EmulatorConfig {
            bind: args.bind,
            port: args.port,
            clock,
            data,
            ..EmulatorConfig::local(std::sync::Arc::new(keys))
        };
        let handle = Emulator::start(config).await.map_err(|e| {
            crate::with_cause(format!("cannot listen on {}:{}", args.bind, args.port), e)
        })?;
        let mut signals = StopSignals::register().map_err(|e| {
            crate::with_cause("cannot install the SIGINT/SIGTERM handlers".into(), e)
        })?;
        let mut out = std::io::stdout();
        writeln!(out, "emulator listening on {}", handle.base_url)?;
        out.flush()?;
        tracing::info!(keys = %keys_dir.display(), "keys directory");
        signals.wait().await;
        tracing::info!("stopping");
        handle.stop().await;
        Ok(())
    })
}

pub(crate) fn autologin(a: AutologinArgs) -> Result<()> {
    use krr_inspector::emulator::autologin::{Script, run};
    let script = Script {
        pid: a.pid,
        acr: a.acr,
        cancel: a.cancel,
        wrong_state: a.wrong_state,
        cookie_jar: a.cookie_jar,
        decline: a.decline,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let status = runtime.block_on(run(&a.url, &script))?;
    tracing::info!(status, "the redirect URI answered");
    Ok(())
}

/// Stop signals, registered before the emulator announces itself so that an early SIGTERM is never lost.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn register() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
