//! A write transaction that cannot commit without its audit records.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityName, Statement, TransactionTrait};
use serde::Serialize;
use sunlight_domain::audit::AuditEntry;
use sunlight_domain::policy::Principal;

use crate::entity::audit_log;
use crate::rows::{Rows, execute_together};
use crate::{Store, StoreError};

/// Ten columns a row: well under PostgreSQL's 65,535 bind parameters a statement.
const AUDIT_ROWS_PER_INSERT: usize = 1000;
/// The columns of `audit_log`, in the order [`Write::commit`] fills them.
const AUDIT_COLUMNS: [&str; 10] =
    ["seq", "at", "actor", "action", "entity", "entity_id", "before", "after", "prev_hash", "hash"];

/// One transaction of mutations by one actor. Every change is recorded with
/// [`Write::record`]; [`Write::commit`] appends the records to the audit chain in the
/// same transaction, so a change and its audit entry are stored together or not at all.
pub struct Write {
    txn: DatabaseTransaction,
    actor: String,
    now: DateTime<Utc>,
    head_seq: i64,
    head_hash: String,
    pending: Vec<AuditEntry>,
    /// Statements whose outcome nothing in this write reads, run at the next
    /// [`Write::flush`] or at [`Write::commit`]; each inner list as one
    /// ([`execute_together`]).
    deferred: Vec<Vec<Statement>>,
    caches: std::sync::Arc<crate::cases::Caches>,
}

impl Write {
    /// Begins the transaction and locks the chain's head first: on SQLite the first
    /// statement being a write takes the write lock at once (so no snapshot can go
    /// stale); on PostgreSQL the row lock orders appenders.
    pub async fn begin(store: &Store, principal: &Principal) -> Result<Self, StoreError> {
        let txn = store.write_connection().begin().await?;
        // One statement takes the lock and reads the head (both backends know RETURNING).
        let head = txn
            .query_one_raw(Statement::from_string(
                store.db_backend(),
                "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash",
            ))
            .await?
            .ok_or_else(|| StoreError::Internal("audit head is missing: run migrations".into()))?;
        Ok(Self {
            txn,
            actor: principal.actor.clone(),
            now: Utc::now(),
            head_seq: head.try_get("", "seq")?,
            head_hash: head.try_get("", "hash")?,
            pending: Vec::new(),
            deferred: Vec::new(),
            caches: std::sync::Arc::clone(&store.cases),
        })
    }

    /// The transaction, for the repository's own statements.
    #[must_use]
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Who writes, as the audit chain names them (`user:<login>`).
    #[must_use]
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The time of this write (one instant for all its records).
    #[must_use]
    pub const fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Records one change: `before` is `None` for a creation, `after` for a removal.
    pub fn record<B: Serialize, A: Serialize>(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: impl std::fmt::Display,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<(), StoreError> {
        let actor = self.actor.clone();
        self.record_as(&actor, action, entity, entity_id, before, after)
    }

    /// Records a change made by another actor than the one who began the write: a
    /// write that commits several callers' requests together (online handling's
    /// group commit) records each under its own caller.
    pub fn record_as<B: Serialize, A: Serialize>(
        &mut self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: impl std::fmt::Display,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<(), StoreError> {
        self.pending.push(AuditEntry {
            at: self.now.to_rfc3339_opts(SecondsFormat::Micros, true),
            actor: actor.to_owned(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_string(),
            before: before.map(to_json).transpose()?,
            after: after.map(to_json).transpose()?,
        });
        Ok(())
    }

    /// Runs `statements` later, one after the other in one round trip on SQLite
    /// ([`execute_together`]). Only for statements whose result nothing reads before
    /// the next [`Write::flush`] or the commit, and which cannot fail on the
    /// caller's input: their error surfaces there, not here. Statements joined
    /// should vary in their text together (the same row count, say): SQLite
    /// prepares a joined text as a whole, and texts joined from independently
    /// varying parts were prepared anew nearly every time (measured: slower).
    pub(crate) fn defer(&mut self, statements: Vec<Statement>) {
        if !statements.is_empty() {
            self.deferred.push(statements);
        }
    }

    /// Runs the deferred statements now: before reading what they change.
    pub(crate) async fn flush(&mut self) -> Result<(), StoreError> {
        for statements in std::mem::take(&mut self.deferred) {
            execute_together(&self.txn, statements).await?;
        }
        Ok(())
    }

    /// Appends the recorded changes to the chain and commits everything.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Err(StoreError::Internal("a write must record what it changed".into()));
        }
        // What the rules read: a change to it is seen by the next evaluation.
        let rules_changed = self.pending.iter().any(|e| matches!(e.entity.as_str(), "calendar_day" | "setting"));
        // What online handling keeps of powers (see `cases::powers`).
        let powers_changed = self
            .pending
            .iter()
            .any(|e| matches!(e.entity.as_str(), "power" | "flowchart" | "flowchart_version" | "unit"));
        let tokens_changed = self.pending.iter().any(|e| e.entity == "api_token");
        self.flush().await?;
        let backend = self.txn.get_database_backend();
        // The records and the new head in one round trip on SQLite.
        let mut statements = Vec::with_capacity(2);
        // Many rows per statement: a 10,000-row import writes 10,000 records, and one
        // round trip each is most of its time on PostgreSQL.
        let mut pending = std::mem::take(&mut self.pending).into_iter().peekable();
        while pending.peek().is_some() {
            let mut rows = Rows::new(backend, AUDIT_COLUMNS.len(), pending.len().min(AUDIT_ROWS_PER_INSERT));
            for entry in pending.by_ref().take(AUDIT_ROWS_PER_INSERT) {
                let chained = entry.chain_with_text(self.head_seq, &self.head_hash);
                let record = chained.record;
                rows.push([
                    record.seq.into(),
                    record.at.into(),
                    record.actor.into(),
                    record.action.into(),
                    record.entity.into(),
                    record.entity_id.into(),
                    chained.before.into(),
                    chained.after.into(),
                    record.prev_hash.into(),
                    record.hash.clone().into(),
                ])?;
                self.head_seq = record.seq;
                self.head_hash = record.hash;
            }
            statements.push(rows.insert(audit_log::Entity.table_name(), &AUDIT_COLUMNS, ""));
        }
        statements.push(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                _ => "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
            },
            [self.head_seq.into(), self.head_hash.clone().into()],
        ));
        execute_together(&self.txn, statements).await?;
        self.txn.commit().await?;
        if rules_changed {
            self.caches.rules_changed();
        }
        if powers_changed {
            self.caches.powers_changed();
        }
        if tokens_changed {
            self.caches.tokens_changed();
        }
        Ok(())
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Internal(format!("audit body: {e}")))
}
