//! Prometheus text metrics: requests by route and status, a latency histogram, and
//! the database pool. Kept in memory: counters restart with the process, as
//! Prometheus expects.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else { return };
        *inner.requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                inner.buckets[i] += 1;
            }
        }
        inner.count += 1;
        inner.sum += seconds;
    }

    /// The exposition text.
    #[must_use]
    pub fn render(&self, pool: (u32, u32)) -> String {
        let mut out = String::new();
        let Ok(inner) = self.inner.lock() else { return out };
        out.push_str("# HELP sunlight_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE sunlight_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "sunlight_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP sunlight_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE sunlight_http_request_duration_seconds histogram\n");
        for (bound, n) in BUCKETS.iter().zip(inner.buckets.iter()) {
            let _ = writeln!(out, "sunlight_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "sunlight_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}", inner.count);
        let _ = writeln!(out, "sunlight_http_request_duration_seconds_sum {}", inner.sum);
        let _ = writeln!(out, "sunlight_http_request_duration_seconds_count {}", inner.count);
        out.push_str("# HELP sunlight_db_pool_connections Database pool connections.\n");
        out.push_str("# TYPE sunlight_db_pool_connections gauge\n");
        let _ = writeln!(out, "sunlight_db_pool_connections{{state=\"open\"}} {}", pool.0);
        let _ = writeln!(out, "sunlight_db_pool_connections{{state=\"idle\"}} {}", pool.1);
        out
    }
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    // The route pattern, not the path: ids would make the label set unbounded.
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
