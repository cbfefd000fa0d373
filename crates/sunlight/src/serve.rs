//! `sunlight serve`.

use std::fs::File;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use sunlight_store::supervision::outbox;
use sunlight_store::{accounts, demo};
use sunlight_web::WebConfig;
use tokio::net::TcpListener;

use crate::config::Config;

pub async fn run(config: Config, with_demo: bool) -> anyhow::Result<ExitCode> {
    // Two servers on one SQLite file would fight over it; the second one refuses.
    let _lock = if config.database_url.is_none() { Some(lock_data_dir(&config)?) } else { None };
    let store = crate::open_store(&config).await?;
    if with_demo {
        let report = demo::build(&store).await.context("building the demo county")?;
        crate::print_demo(&report);
    }
    let listener = TcpListener::bind(&config.bind).await.with_context(|| format!("listening on {}", config.bind))?;
    let address = listener.local_addr()?;
    let where_data = config
        .database_url
        .as_deref()
        .map_or_else(|| config.data_dir.join("sunlight.db").display().to_string(), |_| "PostgreSQL".to_owned());
    println!("Sunlight listening on http://{address} (data: {where_data})");

    let sweeper_store = store.clone();
    let sweeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_hours(1));
        loop {
            tick.tick().await;
            if let Err(e) = accounts::sweep(&sweeper_store).await {
                tracing::warn!(error = %e, "sweeping expired sessions failed");
            }
        }
    });
    // The notifications alerts queue (raised, escalated) go out every few seconds; on
    // PostgreSQL several instances may run this loop side by side.
    let mailer = tokio::spawn(outbox::run(store.clone(), outbox::LogNotifier, Duration::from_secs(5)));
    // The time rules' clock: on PostgreSQL only the server holding its lock runs it.
    let clock = (config.clock_interval_secs > 0).then(|| {
        tokio::spawn(sunlight_web::clock::run(store.clone(), Duration::from_secs(config.clock_interval_secs)))
    });
    let public_risk_fields =
        sunlight_domain::risk::parse_public_risk_fields(&config.public_risk_fields).map_err(|(word, error)| {
            anyhow::anyhow!(
                "public_risk_fields: `{word}`: {} (known: unit, scope, kind, description, level, holder_tier)",
                error.code
            )
        })?;
    let web = WebConfig {
        body_limit: config.body_limit,
        secure_cookies: config.secure_cookies,
        request_timeout_secs: config.request_timeout_secs,
        public_risk_fields,
        kiosk_idle_secs: config.kiosk_idle_secs.max(5),
        kiosk_addresses: kiosk_addresses(&config.kiosk_addresses)?,
    };
    sunlight_web::serve(listener, store.clone(), web, shutdown_signal()).await?;
    sweeper.abort();
    mailer.abort();
    if let Some(clock) = clock {
        clock.abort();
    }
    store.close().await.ok();
    Ok(ExitCode::SUCCESS)
}

fn lock_data_dir(config: &Config) -> anyhow::Result<File> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let path = config.data_dir.join("sunlight.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    if file.try_lock().is_err() {
        bail!("another `sunlight serve` is using {} (lock {} is held)", config.data_dir.display(), path.display());
    }
    Ok(file)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The `kiosk_addresses` setting: IP addresses, comma-separated.
fn kiosk_addresses(text: &str) -> anyhow::Result<Vec<std::net::IpAddr>> {
    text.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().map_err(|_| anyhow::anyhow!("kiosk_addresses: `{a}` is not an IP address")))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn kiosk_addresses_are_ip_addresses() {
        let parsed = super::kiosk_addresses(" 10.0.0.12, ::1 ,").unwrap_or_default();
        assert_eq!(parsed.len(), 2);
        let error = super::kiosk_addresses("10.0.0.12, hall-kiosk").map(|_| ()).unwrap_err().to_string();
        assert!(error.contains("`hall-kiosk` is not an IP address"), "{error}");
    }
}
