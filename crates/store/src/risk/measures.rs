//! Prevention measures and their gaps.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::{Measure, MeasureStatus};
use sunlight_domain::text::{Name, Note};

use crate::entity::{risk_measure, risk_point};
use crate::{Store, StoreError, Write};

use super::{MeasureInput, get_risk, in_scope};

/// Filters of the measure list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MeasureFilter {
    pub unit_id: Option<i64>,
    pub risk_point_id: Option<i64>,
    pub phase: Option<String>,
    pub mechanism: Option<String>,
    pub status: Option<String>,
    /// Substring of the description or owner.
    pub q: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasurePage {
    pub total: u64,
    pub measures: Vec<risk_measure::Model>,
}

pub async fn list_measures(
    store: &Store,
    principal: &Principal,
    filter: &MeasureFilter,
    page: u64,
    per_page: u64,
) -> Result<MeasurePage, StoreError> {
    let target = filter.unit_id.map_or(Target::County, Target::Unit);
    authorize(principal, Action::ViewCatalogue, target)?;
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut query = in_scope(risk_measure::Entity::find(), risk_measure::Column::UnitId, principal);
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(risk_measure::Column::UnitId.eq(unit_id));
    }
    if let Some(point) = filter.risk_point_id {
        query = query.filter(risk_measure::Column::RiskPointId.eq(point));
    }
    if let Some(phase) = nonempty(&filter.phase) {
        query = query.filter(risk_measure::Column::Phase.eq(phase));
    }
    if let Some(mechanism) = nonempty(&filter.mechanism) {
        query = query.filter(risk_measure::Column::Mechanism.eq(mechanism));
    }
    if let Some(status) = nonempty(&filter.status) {
        query = query.filter(risk_measure::Column::Status.eq(status));
    }
    if let Some(q) = nonempty(&filter.q) {
        query = query.filter(
            sea_orm::Condition::any()
                .add(risk_measure::Column::Description.contains(q.clone()))
                .add(risk_measure::Column::Owner.contains(q)),
        );
    }
    let total = query.clone().count(store.connection()).await?;
    let measures = query
        .order_by_asc(risk_measure::Column::Due)
        .order_by_asc(risk_measure::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(store.connection())
        .await?;
    Ok(MeasurePage { total, measures })
}

pub async fn get_measure(store: &Store, principal: &Principal, id: i64) -> Result<risk_measure::Model, StoreError> {
    let found = in_scope(risk_measure::Entity::find_by_id(id), risk_measure::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("risk_measure"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    Ok(found)
}

fn apply_measure(model: &mut risk_measure::ActiveModel, input: &MeasureInput) {
    model.phase = Set(input.phase.key().to_owned());
    model.mechanism = Set(input.mechanism.key().to_owned());
    model.description = Set(input.description.to_string());
    model.owner = Set(input.owner.to_string());
    model.due = Set(input.due);
    model.status = Set(input.status.key().to_owned());
}

pub async fn create_measure(
    store: &Store,
    principal: &Principal,
    risk_point_id: i64,
    input: &MeasureInput,
) -> Result<risk_measure::Model, StoreError> {
    let point = get_risk(store, principal, risk_point_id).await?;
    authorize(principal, Action::ManageRisks, Target::Unit(point.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let mut model = risk_measure::ActiveModel {
        risk_point_id: Set(point.id),
        unit_id: Set(point.unit_id),
        created_at: Set(write.now()),
        updated_at: Set(write.now()),
        ..Default::default()
    };
    apply_measure(&mut model, input);
    let created = model.insert(write.txn()).await?;
    write.record("risk_measure.create", "risk_measure", created.id, None::<&()>, Some(&created))?;
    write.commit().await?;
    Ok(created)
}

pub async fn update_measure(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &MeasureInput,
) -> Result<risk_measure::Model, StoreError> {
    let before = get_measure(store, principal, id).await?;
    authorize(principal, Action::ManageRisks, Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: risk_measure::ActiveModel = before.clone().into();
    apply_measure(&mut model, input);
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    write.record("risk_measure.update", "risk_measure", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

pub async fn set_measure_status(
    store: &Store,
    principal: &Principal,
    id: i64,
    status: MeasureStatus,
) -> Result<risk_measure::Model, StoreError> {
    let before = get_measure(store, principal, id).await?;
    authorize(principal, Action::ManageRisks, Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: risk_measure::ActiveModel = before.clone().into();
    model.status = Set(status.key().to_owned());
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    write.record("risk_measure.set_status", "risk_measure", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// Risk points without any measure, and measures past due and not done.
#[derive(Debug, Clone, Serialize)]
pub struct Gaps {
    pub without_measure: Vec<risk_point::Model>,
    pub overdue: Vec<risk_measure::Model>,
}

fn measure_of(row: &risk_measure::Model) -> Result<Measure<i64>, StoreError> {
    let bad = || StoreError::Internal(format!("risk measure {} is invalid", row.id));
    Ok(Measure {
        id: row.id,
        risk_point: row.risk_point_id,
        phase: row.phase.parse().map_err(|_| bad())?,
        mechanism: row.mechanism.parse().map_err(|_| bad())?,
        description: Note::parse(&row.description).map_err(|_| bad())?,
        owner: Name::parse(&row.owner).map_err(|_| bad())?,
        due: row.due,
        status: row.status.parse().map_err(|_| bad())?,
    })
}

/// The gaps of the caller's units (or one unit) on `today`.
pub async fn measure_gaps(
    store: &Store,
    principal: &Principal,
    unit_id: Option<i64>,
    today: NaiveDate,
) -> Result<Gaps, StoreError> {
    authorize(principal, Action::ViewCatalogue, unit_id.map_or(Target::County, Target::Unit))?;
    let mut points = in_scope(risk_point::Entity::find(), risk_point::Column::UnitId, principal)
        .filter(risk_point::Column::Active.eq(true));
    let mut measures = in_scope(risk_measure::Entity::find(), risk_measure::Column::UnitId, principal);
    if let Some(unit_id) = unit_id {
        points = points.filter(risk_point::Column::UnitId.eq(unit_id));
        measures = measures.filter(risk_measure::Column::UnitId.eq(unit_id));
    }
    let points = points.order_by_asc(risk_point::Column::Id).all(store.connection()).await?;
    let rows = measures.all(store.connection()).await?;
    let domain = rows.iter().map(measure_of).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<i64> = points.iter().map(|p| p.id).collect();
    let gaps = sunlight_domain::risk::measure_gaps(&ids, &domain, today);
    let mut by_point: HashMap<i64, risk_point::Model> = points.into_iter().map(|p| (p.id, p)).collect();
    let mut by_measure: HashMap<i64, risk_measure::Model> = rows.into_iter().map(|m| (m.id, m)).collect();
    Ok(Gaps {
        without_measure: gaps.without_measure.iter().filter_map(|id| by_point.remove(id)).collect(),
        overdue: gaps.overdue.iter().filter_map(|id| by_measure.remove(id)).collect(),
    })
}
