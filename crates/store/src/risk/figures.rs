//! A unit's risk search and the figures the heat maps draw; the records a risk point can belong to.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::{RiskModel, ScopeKind};

use crate::entity::{person, position, power, risk_point, section, unit};
use crate::{Store, StoreError};

use super::{as_grade, in_scope};

// ---------------------------------------------------------------- a unit's search

/// One cadre of a unit and the risk points he holds (found).
#[derive(Debug, Clone, Serialize)]
pub struct CadreFindings {
    pub person: person::Model,
    pub found: Vec<risk_point::Model>,
}

/// How a unit searched its risks: its cadres, who took part, what each found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchSummary {
    pub unit: unit::Model,
    pub cadres: Vec<CadreFindings>,
    /// Cadres holding at least one of the unit's risk points.
    pub took_part: usize,
    /// Risk points of the unit no single person holds.
    pub unheld: Vec<risk_point::Model>,
}

pub async fn search_summary(store: &Store, principal: &Principal, unit_id: i64) -> Result<SearchSummary, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::Unit(unit_id))?;
    let unit = in_scope(unit::Entity::find_by_id(unit_id), unit::Column::Id, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))?;
    let persons = person::Entity::find()
        .filter(person::Column::UnitId.eq(unit_id))
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Id)
        .all(store.connection())
        .await?;
    let points = risk_point::Entity::find()
        .filter(risk_point::Column::UnitId.eq(unit_id))
        .filter(risk_point::Column::Active.eq(true))
        .order_by_asc(risk_point::Column::Id)
        .all(store.connection())
        .await?;
    let mut held: BTreeMap<i64, Vec<risk_point::Model>> = BTreeMap::new();
    let mut unheld = Vec::new();
    for point in points {
        match point.holder_person_id {
            Some(holder) => held.entry(holder).or_default().push(point),
            None => unheld.push(point),
        }
    }
    let cadres: Vec<CadreFindings> = persons
        .into_iter()
        .map(|p| CadreFindings { found: held.remove(&p.id).unwrap_or_default(), person: p })
        .collect();
    let took_part = cadres.iter().filter(|c| !c.found.is_empty()).count();
    Ok(SearchSummary { unit, cadres, took_part, unheld })
}

// ---------------------------------------------------------------- heat maps

/// Approved levels counted per unit (units with at least one point), in the
/// model's rank order, for `heatmap::levels_by_unit`.
pub async fn levels_by_unit(
    store: &Store,
    principal: &Principal,
    model: &RiskModel,
) -> Result<Vec<(String, Vec<u32>)>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::County)?;
    let points = in_scope(risk_point::Entity::find(), risk_point::Column::UnitId, principal)
        .filter(risk_point::Column::Active.eq(true))
        .filter(risk_point::Column::LevelRank.is_not_null())
        .all(store.connection())
        .await?;
    let units = in_scope(unit::Entity::find(), unit::Column::Id, principal)
        .order_by_asc(unit::Column::Code)
        .all(store.connection())
        .await?;
    let ranks: Vec<u8> = model.levels().iter().map(|l| l.rank).collect();
    let mut counts: HashMap<i64, Vec<u32>> = HashMap::new();
    for point in &points {
        let Some(index) = point.level_rank.and_then(|r| ranks.iter().position(|k| i32::from(*k) == r)) else {
            continue;
        };
        counts.entry(point.unit_id).or_insert_with(|| vec![0; ranks.len()])[index] += 1;
    }
    Ok(units.into_iter().filter_map(|u| counts.remove(&u.id).map(|c| (u.name, c))).collect())
}

/// (harm, probability) grades of every graded point, for `heatmap::harm_by_probability`.
pub async fn harm_probability(store: &Store, principal: &Principal) -> Result<Vec<(u8, u8)>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::County)?;
    let points = in_scope(risk_point::Entity::find(), risk_point::Column::UnitId, principal)
        .filter(risk_point::Column::Active.eq(true))
        .filter(risk_point::Column::Harm.is_not_null())
        .filter(risk_point::Column::Probability.is_not_null())
        .all(store.connection())
        .await?;
    Ok(points.iter().filter_map(|p| Some((as_grade(p.harm)?, as_grade(p.probability)?))).collect())
}

// ---------------------------------------------------------------- scope targets

/// A record a risk point can be attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeTarget {
    pub kind: ScopeKind,
    pub id: i64,
    pub name: String,
}

/// The unit itself, its sections, positions and powers: what its risk points can belong to.
pub async fn scope_targets(store: &Store, principal: &Principal, unit_id: i64) -> Result<Vec<ScopeTarget>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::Unit(unit_id))?;
    let db = store.connection();
    let unit = in_scope(unit::Entity::find_by_id(unit_id), unit::Column::Id, principal)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))?;
    let mut targets = vec![ScopeTarget { kind: ScopeKind::Unit, id: unit.id, name: unit.name }];
    let sections = section::Entity::find()
        .filter(section::Column::UnitId.eq(unit_id))
        .order_by_asc(section::Column::Id)
        .all(db)
        .await?;
    targets.extend(sections.into_iter().map(|s| ScopeTarget { kind: ScopeKind::Section, id: s.id, name: s.name }));
    let positions = position::Entity::find()
        .filter(position::Column::UnitId.eq(unit_id))
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    targets.extend(positions.into_iter().map(|p| ScopeTarget { kind: ScopeKind::Position, id: p.id, name: p.name }));
    let powers = power::Entity::find()
        .filter(power::Column::UnitId.eq(unit_id))
        .order_by_asc(power::Column::Code)
        .all(db)
        .await?;
    targets.extend(powers.into_iter().map(|p| ScopeTarget {
        kind: ScopeKind::Power,
        id: p.id,
        name: format!("{} {}", p.code, p.name),
    }));
    Ok(targets)
}

/// The name of a point's scope target, for display.
pub async fn scope_target_name(store: &Store, point: &risk_point::Model) -> Result<Option<String>, StoreError> {
    let db = store.connection();
    let kind: ScopeKind = point.scope_kind.parse().map_err(|_| StoreError::Internal("bad scope kind".into()))?;
    Ok(match kind {
        ScopeKind::Unit => unit::Entity::find_by_id(point.scope_target).one(db).await?.map(|u| u.name),
        ScopeKind::Section => section::Entity::find_by_id(point.scope_target).one(db).await?.map(|s| s.name),
        ScopeKind::Position => position::Entity::find_by_id(point.scope_target).one(db).await?.map(|p| p.name),
        ScopeKind::Power => {
            power::Entity::find_by_id(point.scope_target).one(db).await?.map(|p| format!("{} {}", p.code, p.name))
        }
    })
}

// ---------------------------------------------------------------- the public register

/// The approved risk points of one power, highest level first: what the portal shows
/// beside the power (the register is public by the county's rules; the holder is not
/// shown, only the kind, the description and the level).
pub async fn public_points_of_power(store: &Store, power_id: i64) -> Result<Vec<risk_point::Model>, StoreError> {
    Ok(risk_point::Entity::find()
        .filter(risk_point::Column::Active.eq(true))
        .filter(risk_point::Column::ScopeKind.eq(ScopeKind::Power.key()))
        .filter(risk_point::Column::ScopeTarget.eq(power_id))
        .filter(risk_point::Column::LevelRank.is_not_null())
        .order_by_asc(risk_point::Column::LevelRank)
        .order_by_asc(risk_point::Column::Id)
        .all(store.connection())
        .await?)
}

/// One row of the public risk register: the point, its unit's name and what it is
/// attached to, in words.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRisk {
    pub point: risk_point::Model,
    pub unit: String,
    pub scope: String,
}

/// A page of the public register: approved points only, highest level first,
/// optionally of one unit or one level.
pub async fn public_points(
    store: &Store,
    unit_id: Option<i64>,
    rank: Option<i32>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<PublicRisk>, u64), StoreError> {
    use sea_orm::PaginatorTrait;

    let mut query = risk_point::Entity::find()
        .filter(risk_point::Column::Active.eq(true))
        .filter(risk_point::Column::LevelRank.is_not_null());
    if let Some(unit) = unit_id {
        query = query.filter(risk_point::Column::UnitId.eq(unit));
    }
    if let Some(rank) = rank {
        query = query.filter(risk_point::Column::LevelRank.eq(rank));
    }
    let paginator = query
        .order_by_asc(risk_point::Column::LevelRank)
        .order_by_asc(risk_point::Column::Id)
        .paginate(store.connection(), per_page.max(1));
    let total = paginator.num_items().await?;
    let points = paginator.fetch_page(page.saturating_sub(1)).await?;
    let units: HashMap<i64, String> =
        unit::Entity::find().all(store.connection()).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut rows = Vec::with_capacity(points.len());
    for point in points {
        let scope = scope_target_name(store, &point).await?.unwrap_or_default();
        let unit = units.get(&point.unit_id).cloned().unwrap_or_default();
        rows.push(PublicRisk { point, unit, scope });
    }
    Ok((rows, total))
}
