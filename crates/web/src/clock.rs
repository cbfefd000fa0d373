//! The supervision clock (电子监察时钟) as a background task of `serve`: every
//! interval, the cases whose time findings may have changed are re-evaluated
//! ([`cases::clock_pass`]). With several servers on one PostgreSQL database only
//! the holder of the clock's advisory lock runs passes; the others keep asking, so
//! one takes over when the holder stops.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sunlight_store::cases::{self, ClockLease, ClockStats};
use sunlight_store::{Store, StoreError};

/// One server's clock: the lease when it holds it.
#[derive(Debug)]
pub struct Clock {
    store: Store,
    lease: Option<ClockLease>,
}

impl Clock {
    #[must_use]
    pub const fn new(store: Store) -> Self {
        Self { store, lease: None }
    }

    /// Whether this server holds the clock now.
    #[must_use]
    pub const fn is_leader(&self) -> bool {
        self.lease.is_some()
    }

    /// Runs a pass as of `now` if this server holds (or can take) the clock;
    /// `None` when another server holds it.
    pub async fn tick(&mut self, now: DateTime<Utc>) -> Result<Option<ClockStats>, StoreError> {
        if let Some(lease) = self.lease.as_mut()
            && !lease.is_held().await
        {
            self.lease = None;
        }
        if self.lease.is_none() {
            self.lease = ClockLease::try_acquire(&self.store).await?;
        }
        if self.lease.is_none() {
            return Ok(None);
        }
        cases::clock_pass(&self.store, now).await.map(Some)
    }
}

/// Ticks every `every` until the task is aborted.
pub async fn run(store: Store, every: Duration) {
    let mut clock = Clock::new(store);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match clock.tick(Utc::now()).await {
            Ok(Some(stats)) if stats.evaluated > 0 => {
                tracing::info!(
                    cases = stats.evaluated,
                    raised = stats.alerts_raised,
                    closed = stats.alerts_closed,
                    ms = u64::try_from(stats.elapsed_ms).unwrap_or(u64::MAX),
                    "supervision clock pass"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "supervision clock pass failed"),
        }
    }
}
