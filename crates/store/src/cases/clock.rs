//! The clock of the time rules: cases re-evaluated when they fall due.
//!
//! Every evaluation stores the instant the case's time findings can next change
//! (`next_due_at`); a pass reads only the cases whose instant has come, through the
//! `handling_case_next_due` index, in chunks, each chunk re-evaluated and committed
//! in its own write. Nothing else is scanned, however many cases are open.
//!
//! On PostgreSQL several servers may share the database: only the holder of a
//! session-level advisory lock ([`ClockLease`]) runs passes. On SQLite the data
//! directory's lock already allows one server.

use std::collections::HashSet;
use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, PgConnection};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use sunlight_domain::policy::Principal;

use super::alerts::RULES_ACTOR;
use super::refresh::{Rules, refresh_rows};
use crate::entity::handling_case;
use crate::{Backend, Store, StoreError, Write};

/// Cases a chunk of a pass (one write each).
const CHUNK: u64 = 2_000;
/// The advisory lock the clock's holder keeps (`SUNLIGHT` in ASCII).
pub const CLOCK_LOCK_KEY: i64 = 0x5355_4E4C_4947_4854;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClockStats {
    /// Cases that had fallen due and were re-evaluated.
    pub evaluated: usize,
    pub chunks: usize,
    pub alerts_raised: usize,
    pub alerts_closed: usize,
    /// Cases whose card changed.
    pub cards_changed: usize,
    pub elapsed_ms: u128,
}

#[derive(Serialize)]
struct ChunkView {
    cases: usize,
    cards_changed: usize,
    alerts_raised: usize,
    alerts_closed: usize,
}

/// Re-evaluates every case due at `now` (`next_due_at <= now`).
pub async fn clock_pass(store: &Store, now: DateTime<Utc>) -> Result<ClockStats, StoreError> {
    let started = Instant::now();
    let mut stats = ClockStats::default();
    let mut seen: HashSet<i64> = HashSet::new();
    loop {
        let mut write = Write::begin(store, &Principal::system("clock")).await?;
        let rules = Rules::current(store, write.txn()).await?;
        let rows = handling_case::Entity::find()
            .filter(handling_case::Column::NextDueAt.lte(now))
            .order_by_asc(handling_case::Column::NextDueAt)
            .order_by_asc(handling_case::Column::Id)
            .limit(CHUNK)
            .all(write.txn())
            .await?;
        // A case is evaluated once a pass: its new due time lies after `now`, so
        // meeting it again would mean the evaluation could not move it on.
        if rows.is_empty() || rows.iter().all(|r| seen.contains(&r.id)) {
            break;
        }
        seen.extend(rows.iter().map(|r| r.id));
        let cards_before: Vec<(i64, String)> = rows.iter().map(|r| (r.id, r.card.clone())).collect();
        let count = rows.len();
        let refreshed = refresh_rows(&mut write, store, &rules, rows, now).await?;
        let cards_changed =
            cards_before.iter().filter(|(id, card)| refreshed.cases.get(id).is_some_and(|c| &c.card != card)).count();
        let view = ChunkView {
            cases: count,
            cards_changed,
            alerts_raised: refreshed.alerts.raised,
            alerts_closed: refreshed.alerts.closed,
        };
        write.record_as(RULES_ACTOR, "handling_case.clock", "handling_case", "due", None::<&()>, Some(&view))?;
        write.commit().await?;
        stats.evaluated += count;
        stats.chunks += 1;
        stats.cards_changed += cards_changed;
        stats.alerts_raised += refreshed.alerts.raised;
        stats.alerts_closed += refreshed.alerts.closed;
        if u64::try_from(count).unwrap_or(u64::MAX) < CHUNK {
            break;
        }
    }
    stats.elapsed_ms = started.elapsed().as_millis();
    Ok(stats)
}

/// The right to run the clock. On PostgreSQL it holds a dedicated connection with
/// `pg_try_advisory_lock(CLOCK_LOCK_KEY)`; the lock goes when the connection does.
pub struct ClockLease {
    connection: Option<PgConnection>,
}

impl std::fmt::Debug for ClockLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockLease").field("postgres", &self.connection.is_some()).finish()
    }
}

fn db_error(e: &sqlx::Error) -> StoreError {
    StoreError::Internal(format!("clock lock: {e}"))
}

impl ClockLease {
    /// The lease, or `None` while another server holds it.
    pub async fn try_acquire(store: &Store) -> Result<Option<Self>, StoreError> {
        if store.backend() == Backend::Sqlite {
            return Ok(Some(Self { connection: None }));
        }
        let pool = store.connection().get_postgres_connection_pool();
        // Out of the pool: dropping the lease closes the session, and the lock with it.
        let mut connection = pool.acquire().await.map_err(|e| db_error(&e))?.detach();
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(CLOCK_LOCK_KEY)
            .fetch_one(&mut connection)
            .await
            .map_err(|e| db_error(&e))?;
        if !got {
            return Ok(None);
        }
        Ok(Some(Self { connection: Some(connection) }))
    }

    /// Whether the lock is still held (its connection alive).
    pub async fn is_held(&mut self) -> bool {
        let Some(connection) = self.connection.as_mut() else { return true };
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(connection).await.is_ok()
    }

    /// Gives the lock back (also done by dropping the lease, when its connection
    /// closes).
    pub async fn release(mut self) -> Result<(), StoreError> {
        if let Some(mut connection) = self.connection.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(CLOCK_LOCK_KEY)
                .execute(&mut connection)
                .await
                .map_err(|e| db_error(&e))?;
        }
        Ok(())
    }
}
