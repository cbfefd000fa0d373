//! Configuration: defaults < `sunlight.toml` (in the data directory, or `--config`)
//! < `SUNLIGHT_*` environment variables < command-line flags.

use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, the lock file and `sunlight.toml` live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite file.
    pub database_url: Option<String>,
    /// Address the server listens on.
    pub bind: String,
    /// Database pool size.
    pub max_connections: u32,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Set on when served over HTTPS, so cookies are `Secure`.
    pub secure_cookies: bool,
    /// Seconds before a request is cut off.
    pub request_timeout_secs: u64,
    /// Log filter, e.g. `info` or `sunlight=debug,info`.
    pub log: String,
    /// The columns of the public risk register, comma-separated, in order: `unit`,
    /// `scope`, `kind`, `description`, `level`, `holder_tier`.
    pub public_risk_fields: String,
    /// Seconds without a touch before a kiosk returns to its start page.
    pub kiosk_idle_secs: u32,
    /// Seconds between passes of the supervision clock (time rules); 0 turns it off.
    pub clock_interval_secs: u64,
    /// The halls' touch kiosks' addresses, comma-separated (their case look-ups get a
    /// kiosk's allowance).
    pub kiosk_addresses: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./sunlight-data"),
            database_url: None,
            bind: "127.0.0.1:8080".to_owned(),
            max_connections: 8,
            body_limit: 2 * 1024 * 1024,
            secure_cookies: false,
            request_timeout_secs: 30,
            log: "info".to_owned(),
            public_risk_fields: sunlight_domain::risk::DEFAULT_PUBLIC_RISK_FIELDS.to_owned(),
            kiosk_idle_secs: 60,
            clock_interval_secs: 60,
            kiosk_addresses: String::new(),
        }
    }
}

/// Flags that override everything else when given.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
}

impl Config {
    /// Resolves the configuration. The data directory is found first (flag, then
    /// environment, then default) because the config file may live inside it.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| std::env::var_os("SUNLIGHT_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| Self::default().data_dir);
        let file = config_file.map_or_else(|| data_dir.join("sunlight.toml"), Path::to_path_buf);
        if config_file.is_some() && !file.exists() {
            anyhow::bail!("config file {} does not exist", file.display());
        }
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        if file.exists() {
            figment = figment.merge(Toml::file(&file));
        }
        figment
            .merge(Env::prefixed("SUNLIGHT_").only(&[
                "data_dir",
                "database_url",
                "bind",
                "max_connections",
                "body_limit",
                "secure_cookies",
                "request_timeout_secs",
                "log",
                "public_risk_fields",
                "kiosk_idle_secs",
                "clock_interval_secs",
                "kiosk_addresses",
            ]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .with_context(|| format!("reading configuration (file {})", file.display()))
    }
}
