//! The outbox: notifications written in the same transaction as what they announce
//! (an alert raised, an alert escalated), delivered afterwards by a [`Notifier`].
//!
//! A delivery pass takes the undelivered rows that are due, in id order, and hands
//! each to the notifier: a delivered row gets `delivered_at`; a failed one gets its
//! error and a later `next_attempt_at` (exponential back-off, at most an hour). Rows
//! are never deleted and never given up on: however many attempts failed, the row
//! stays, is retried and is listed for the commission.
//!
//! Two passes on one PostgreSQL (two instances, or two tasks) never deliver a row
//! twice: a pass locks its rows with `FOR UPDATE SKIP LOCKED` and keeps them locked
//! until it has marked them. SQLite has one serving process (the data directory's
//! lock), and within a process its passes take turns. A crash between delivering and marking delivers that
//! row again on the next pass: delivery is at least once.
//!
//! Marking rows delivered is bookkeeping of the queue, not a change of the county's
//! records, so it is not written to the audit chain (whose head also keeps the
//! public pages' cache: it must not move every few seconds).

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::outbox;
use crate::{Backend, Store, StoreError};

/// Rows one pass takes at most.
const BATCH: u64 = 100;
/// Characters of a delivery error kept.
const ERROR_MAX: usize = 1000;
/// The first retry waits this long; each further failure doubles it.
const FIRST_BACKOFF_SECS: i64 = 10;
const MAX_BACKOFF_SECS: i64 = 3600;

/// Delivers one queued message somewhere (a log, a mail relay, a chat bot).
pub trait Notifier: Send + Sync {
    /// `Err` with a reason keeps the row for a later attempt.
    fn deliver(&self, message: &outbox::Model) -> impl Future<Output = Result<(), String>> + Send;
}

/// Writes each message to the log (the default until a channel is configured).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    async fn deliver(&self, message: &outbox::Model) -> Result<(), String> {
        tracing::info!(id = message.id, topic = %message.topic, payload = %message.payload, "notification");
        Ok(())
    }
}

/// How long to wait after the `attempts`-th failed attempt.
#[must_use]
pub fn backoff(attempts: i32) -> TimeDelta {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    TimeDelta::seconds(FIRST_BACKOFF_SECS.saturating_mul(1_i64 << doublings).min(MAX_BACKOFF_SECS))
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: u64,
    pub failed: u64,
}

/// Passes of one process on SQLite take turns: that is all the exclusion it needs.
static SQLITE_PASS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Delivers the rows due at `now`. Errors are the database's; a notifier's failure
/// is recorded on its row and counted in the report.
pub async fn deliver_pending<N: Notifier>(
    store: &Store,
    notifier: &N,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, StoreError> {
    match store.backend() {
        Backend::Postgres => {
            let txn = store.connection().begin().await?;
            let report = pass(&txn, notifier, now).await?;
            txn.commit().await?;
            Ok(report)
        }
        // One statement at a time: a transaction would hold SQLite's only write lock
        // while the notifier talks to the outside.
        Backend::Sqlite => {
            let _turn = SQLITE_PASS.lock().await;
            pass(store.connection(), notifier, now).await
        }
    }
}

async fn pass<N: Notifier>(
    conn: &impl ConnectionTrait,
    notifier: &N,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, StoreError> {
    use outbox::Column as O;
    let due = outbox::Entity::find()
        .filter(O::DeliveredAt.is_null())
        .filter(O::NextAttemptAt.lte(now))
        .order_by_asc(O::Id)
        .limit(BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?;
    let mut report = DeliveryReport::default();
    for row in due {
        let outcome = notifier.deliver(&row).await;
        let attempts = row.attempts.saturating_add(1);
        let mut model: outbox::ActiveModel = row.into();
        model.attempts = Set(attempts);
        match outcome {
            Ok(()) => {
                model.delivered_at = Set(Some(now));
                report.delivered += 1;
            }
            Err(error) => {
                model.last_error = Set(Some(error.chars().take(ERROR_MAX).collect()));
                model.next_attempt_at = Set(now + backoff(attempts));
                report.failed += 1;
            }
        }
        model.update(conn).await?;
    }
    Ok(report)
}

/// Runs a pass every `every` until the task is dropped; failures are logged and the
/// next tick tries again.
pub async fn run<N: Notifier>(store: Store, notifier: N, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match deliver_pending(&store, &notifier, Utc::now()).await {
            Ok(report) if report.failed > 0 => {
                tracing::warn!(delivered = report.delivered, failed = report.failed, "some notifications failed");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "delivering notifications failed"),
        }
    }
}

/// A page of the outbox, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxPage {
    pub total: u64,
    /// Rows not delivered yet, and those of them that failed at least once.
    pub pending: u64,
    pub failing: u64,
    pub rows: Vec<outbox::Model>,
}

/// The outbox for the commission: undelivered rows only, or all.
pub async fn list(
    store: &Store,
    principal: &Principal,
    undelivered_only: bool,
    page: u64,
    per_page: u64,
) -> Result<OutboxPage, StoreError> {
    use outbox::Column as O;
    authorize(principal, Action::ManageSupervisionRules, Target::County)?;
    let db = store.connection();
    let pending = outbox::Entity::find().filter(O::DeliveredAt.is_null()).count(db).await?;
    let failing = outbox::Entity::find().filter(O::DeliveredAt.is_null()).filter(O::Attempts.gt(0)).count(db).await?;
    let mut query = outbox::Entity::find();
    if undelivered_only {
        query = query.filter(O::DeliveredAt.is_null());
    }
    let total = query.clone().count(db).await?;
    let rows = query.order_by_desc(O::Id).offset(page.saturating_sub(1) * per_page).limit(per_page).all(db).await?;
    Ok(OutboxPage { total, pending, failing, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(10));
        assert_eq!(backoff(2), TimeDelta::seconds(20));
        assert_eq!(backoff(5), TimeDelta::seconds(160));
        assert_eq!(backoff(12), TimeDelta::hours(1));
        assert_eq!(backoff(i32::MAX), TimeDelta::hours(1));
        assert_eq!(backoff(0), TimeDelta::seconds(10));
    }
}
