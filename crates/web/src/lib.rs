//! Sunlight's web layer: the staff workspace, the public pages, the JSON API and
//! the operational endpoints, on one axum router.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use sunlight_store::Store;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

pub mod api;
mod assets;
pub mod auth;
pub mod clock;
pub mod error;
pub mod flowchart_text;
pub mod i18n;
pub mod import_text;
pub mod limits;
mod metrics;
mod pages;
mod palette;
mod public_cache;
pub mod routes;
mod security;
pub mod views;

pub use metrics::Metrics;
use sunlight_domain::risk::{DEFAULT_PUBLIC_RISK_FIELDS, PublicRiskField, parse_public_risk_fields};

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes (larger: 413); upload routes have
    /// their own ([`limits`]).
    pub body_limit: usize,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Seconds a request may take before it is cut off.
    pub request_timeout_secs: u64,
    /// The columns of the public risk register, in order.
    pub public_risk_fields: Vec<PublicRiskField>,
    /// Seconds without a touch before a kiosk returns to its start page.
    pub kiosk_idle_secs: u32,
    /// The addresses of the halls' touch kiosks: each serves everyone in its hall, so
    /// its case look-ups get a kiosk's allowance instead of one person's.
    pub kiosk_addresses: Vec<std::net::IpAddr>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            body_limit: 2 * 1024 * 1024,
            secure_cookies: false,
            request_timeout_secs: 30,
            public_risk_fields: parse_public_risk_fields(DEFAULT_PUBLIC_RISK_FIELDS).unwrap_or_default(),
            kiosk_idle_secs: 60,
            kiosk_addresses: Vec::new(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
    /// Public complaint submissions per client address (in memory only).
    pub complaint_limiter: Arc<pages::complaints::RateLimiter>,
    /// Public case look-ups per client address (in memory only).
    pub case_lookup_limiter: Arc<pages::complaints::RateLimiter>,
    /// Rendered public pages, valid while the audit chain's head has not moved.
    pub page_cache: Arc<public_cache::PageCache>,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

/// The whole application.
pub fn app(store: Store, config: &WebConfig) -> Router {
    let state = AppState {
        store,
        config: Arc::new(config.clone()),
        metrics: Arc::new(Metrics::default()),
        complaint_limiter: Arc::default(),
        case_lookup_limiter: Arc::default(),
        page_cache: Arc::default(),
    };
    let (router, _) = routes::build();
    #[allow(deprecated)] // TimeoutLayer::new: the replacement with a status code is not in every 0.6 release
    let timeout = TimeoutLayer::new(Duration::from_secs(config.request_timeout_secs));
    // Inner to outer: the body limit and the timeout sit inside the error renderer,
    // so their 413 and 408 reach clients in the same format as every other error.
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::body))
        .layer(timeout)
        .layer(axum::middleware::from_fn(error::render))
        .layer(axum::middleware::from_fn(i18n::detect))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), public_cache::revalidate))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: WebConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(store, &config);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
