//! Reading and verifying the audit chain.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use sunlight_domain::audit::{AuditRecord, ChainBreak, ChainVerifier};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::{audit_head, audit_log};
use crate::{Store, StoreError};

/// Result of verifying the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { records: u64, head: String },
    Broken { seq: i64, reason: ChainBreak },
}

/// Re-computes every hash in `seq` order, a page at a time.
pub async fn verify(store: &Store) -> Result<Verification, StoreError> {
    const PAGE: u64 = 5_000;
    let mut verifier = ChainVerifier::default();
    let mut after = 0_i64;
    loop {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gt(after))
            .order_by_asc(audit_log::Column::Seq)
            .limit(PAGE)
            .all(store.connection())
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            let record = to_record(row)?;
            if let Err(reason) = verifier.push(&record) {
                return Ok(Verification::Broken { seq: reason.seq(), reason });
            }
        }
    }
    // A chain whose newest rows were deleted still verifies row by row; the head
    // kept beside it must agree too.
    let head = head(store).await?;
    if head.0 != after {
        return Ok(Verification::Broken {
            seq: after + 1,
            reason: ChainBreak::Sequence { seq: after + 1, expected: head.0 },
        });
    }
    Ok(Verification::Intact { records: verifier.count(), head: verifier.head().to_owned() })
}

/// The current head: (sequence number, hash).
pub async fn head(store: &Store) -> Result<(i64, String), StoreError> {
    let head = audit_head::Entity::find_by_id(1)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::Internal("audit head is missing: run migrations".into()))?;
    Ok((head.seq, head.hash))
}

fn to_record(row: audit_log::Model) -> Result<AuditRecord, StoreError> {
    let parse = |text: Option<String>| -> Result<Option<serde_json::Value>, StoreError> {
        text.map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| StoreError::Internal(format!("audit record {}: bad JSON: {e}", row.seq)))
    };
    Ok(AuditRecord {
        seq: row.seq,
        before: parse(row.before.clone())?,
        after: parse(row.after.clone())?,
        at: row.at,
        actor: row.actor,
        action: row.action,
        entity: row.entity,
        entity_id: row.entity_id,
        prev_hash: row.prev_hash,
        hash: row.hash,
    })
}

/// Filters of the audit log page.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

/// One page of the log, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    pub total: u64,
    pub records: Vec<audit_log::Model>,
}

pub async fn list(
    store: &Store,
    principal: &Principal,
    filter: &AuditFilter,
    page: u64,
    per_page: u64,
) -> Result<AuditPage, StoreError> {
    authorize(principal, Action::ViewAudit, Target::County)?;
    let mut query = audit_log::Entity::find();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::Column::Actor.contains(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::Column::Action.starts_with(action));
    }
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_log::Column::Entity.eq(entity));
    }
    if let Some(id) = &filter.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(id));
    }
    let total = query.clone().count(store.connection()).await?;
    let records = query
        .order_by_desc(audit_log::Column::Seq)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(store.connection())
        .await?;
    Ok(AuditPage { total, records })
}
