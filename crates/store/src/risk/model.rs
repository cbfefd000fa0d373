//! Versions of the risk-level model: the one in force, publishing, and the re-score preview.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::{Change, RescoreItem, RiskModel, RiskModelConfig, rescore};

use crate::entity::{risk_model, risk_point};
use crate::{Store, StoreError, Write};

use super::{factor_values, target_counts};

/// The model in force: the active row, or the built-in version 1 when none is stored.
pub async fn active_model(store: &Store) -> Result<RiskModel, StoreError> {
    let row = risk_model::Entity::find()
        .filter(risk_model::Column::Active.eq(true))
        .order_by_desc(risk_model::Column::Version)
        .one(store.connection())
        .await?;
    match row {
        Some(row) => model_of(&row),
        None => Ok(RiskModel::default()),
    }
}

fn model_of(row: &risk_model::Model) -> Result<RiskModel, StoreError> {
    serde_json::from_str::<RiskModel>(&row.config)
        .map_err(|e| StoreError::Internal(format!("stored risk model {} is invalid: {e}", row.version)))
}

/// Every stored version, newest first.
pub async fn model_versions(store: &Store, principal: &Principal) -> Result<Vec<risk_model::Model>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::County)?;
    Ok(risk_model::Entity::find().order_by_desc(risk_model::Column::Version).all(store.connection()).await?)
}

async fn insert_default_model<C: ConnectionTrait>(
    db: &C,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<risk_model::Model>, StoreError> {
    if risk_model::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let model = RiskModel::default();
    let config = serde_json::to_string(model.config()).map_err(|e| StoreError::Internal(e.to_string()))?;
    let row = risk_model::ActiveModel {
        version: Set(i32::try_from(model.version()).unwrap_or(1)),
        config: Set(config),
        active: Set(true),
        actor: Set(actor.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(StoreError::unique("version"))?;
    Ok(Some(row))
}

/// Stores the built-in model as version 1 when no model is stored yet; does
/// nothing otherwise. Returns whether it stored one.
pub async fn ensure_default_model(store: &Store, principal: &Principal) -> Result<bool, StoreError> {
    if risk_model::Entity::find().count(store.connection()).await? > 0 {
        return Ok(false);
    }
    let mut write = Write::begin(store, principal).await?;
    let now = write.now();
    let actor = principal.actor.clone();
    let Some(row) = insert_default_model(write.txn(), &actor, now).await? else {
        return Ok(false);
    };
    write.record("risk_model.create", "risk_model", row.id, None::<&()>, Some(&row))?;
    write.commit().await?;
    Ok(true)
}

/// Parses a model configuration; errors carry the configuration path as the field.
pub fn parse_model(json: &str) -> Result<RiskModel, FieldErrors> {
    let config: RiskModelConfig =
        serde_json::from_str(json).map_err(|_| FieldErrors::from(("config", FieldError::new("model_json"))))?;
    RiskModel::try_from(config).map_err(|e| FieldErrors::from((e.field.as_str(), FieldError::new(e.code))))
}

/// What publishing `json` would change: the scored points whose score or level moves.
pub async fn preview_model(
    store: &Store,
    principal: &Principal,
    json: &str,
) -> Result<(RiskModel, Vec<Change<i64>>), StoreError> {
    authorize(principal, Action::ManageRiskModel, Target::County)?;
    let new = parse_model(json)?;
    let old = active_model(store).await?;
    check_newer(&old, &new)?;
    let points = risk_point::Entity::find()
        .filter(risk_point::Column::Active.eq(true))
        .order_by_asc(risk_point::Column::Id)
        .all(store.connection())
        .await?;
    let counts = target_counts(&points);
    let items: Vec<RescoreItem<i64>> = points
        .iter()
        .filter_map(|p| {
            Some(RescoreItem {
                id: p.id,
                values: factor_values(p, &counts)?,
                approved_rank: p.level_rank.and_then(|r| u8::try_from(r).ok()),
            })
        })
        .collect();
    let changes = rescore(&old, &new, &items);
    Ok((new, changes))
}

fn check_newer(old: &RiskModel, new: &RiskModel) -> Result<(), StoreError> {
    if new.version() <= old.version() {
        return Err(StoreError::invalid(
            "version",
            FieldError::with_limit("version_not_newer", old.version() as usize),
        ));
    }
    Ok(())
}

/// Publishes a new model version and makes it the active one. Approved levels are
/// never changed: they keep the version they were approved under.
pub async fn publish_model(store: &Store, principal: &Principal, json: &str) -> Result<risk_model::Model, StoreError> {
    authorize(principal, Action::ManageRiskModel, Target::County)?;
    let new = parse_model(json)?;
    let old = active_model(store).await?;
    check_newer(&old, &new)?;
    let mut write = Write::begin(store, principal).await?;
    let now = write.now();
    if let Some(first) = insert_default_model(write.txn(), &principal.actor, now).await? {
        write.record("risk_model.create", "risk_model", first.id, None::<&()>, Some(&first))?;
    }
    let previous = risk_model::Entity::find().filter(risk_model::Column::Active.eq(true)).all(write.txn()).await?;
    for row in previous {
        let mut model: risk_model::ActiveModel = row.into();
        model.active = Set(false);
        model.update(write.txn()).await?;
    }
    let config = serde_json::to_string(new.config()).map_err(|e| StoreError::Internal(e.to_string()))?;
    let row = risk_model::ActiveModel {
        version: Set(i32::try_from(new.version()).unwrap_or(i32::MAX)),
        config: Set(config),
        active: Set(true),
        actor: Set(principal.actor.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("version"))?;
    write.record("risk_model.publish", "risk_model", row.id, None::<&()>, Some(&row))?;
    write.commit().await?;
    Ok(row)
}
