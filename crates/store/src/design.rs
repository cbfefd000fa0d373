//! Design records (设计科学化): the county's creation standards and each unit's
//! compliance with them, monitoring focus items, process optimizations and power
//! decomposition. Reads are scoped to the caller's units; every change is
//! authorised and audited.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, ModelTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::Serialize;
use sunlight_domain::catalogue::decomposition::{PowerRole, PowerSections, separation_conflicts};
use sunlight_domain::catalogue::design::{ComplianceInput, FocusItemInput, StandardInput};
use sunlight_domain::catalogue::optimization::{OptimizationInput, removed_steps};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::{
    design_standard, focus_item, power, power_part, process_optimization, section, standard_compliance, unit,
};
use crate::{Store, StoreError, Write};

fn in_scope<E: EntityTrait>(query: Select<E>, column: impl ColumnTrait, principal: &Principal) -> Select<E> {
    match principal.scope.unit_ids() {
        Some(ids) => query.filter(column.is_in(ids)),
        None => query,
    }
}

/// The non-blank search text of a filter.
fn search(q: Option<&str>) -> Option<&str> {
    q.map(str::trim).filter(|q| !q.is_empty())
}

/// The unit, when the caller may see it (else not found: its existence is not told).
async fn visible_unit(store: &Store, principal: &Principal, unit_id: i64) -> Result<unit::Model, StoreError> {
    in_scope(unit::Entity::find_by_id(unit_id), unit::Column::Id, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))
}

// ---------------------------------------------------------------- creation standards

pub async fn list_standards(
    store: &Store,
    principal: &Principal,
    include_inactive: bool,
) -> Result<Vec<design_standard::Model>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::County)?;
    let mut query = design_standard::Entity::find();
    if !include_inactive {
        query = query.filter(design_standard::Column::Active.eq(true));
    }
    Ok(query.order_by_asc(design_standard::Column::Seq).all(store.connection()).await?)
}

pub async fn get_standard(store: &Store, principal: &Principal, id: i64) -> Result<design_standard::Model, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::County)?;
    design_standard::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("design_standard"))
}

async fn ensure_unique_seq(store: &Store, seq: i32, except: Option<i64>) -> Result<(), StoreError> {
    let mut query = design_standard::Entity::find().filter(design_standard::Column::Seq.eq(seq));
    if let Some(id) = except {
        query = query.filter(design_standard::Column::Id.ne(id));
    }
    if query.one(store.connection()).await?.is_some() {
        return Err(StoreError::Conflict { field: "seq" });
    }
    Ok(())
}

pub async fn create_standard(
    store: &Store,
    principal: &Principal,
    input: &StandardInput,
) -> Result<design_standard::Model, StoreError> {
    authorize(principal, Action::ManageStandards, Target::County)?;
    ensure_unique_seq(store, input.seq, None).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = design_standard::ActiveModel {
        seq: Set(input.seq),
        title: Set(input.title.to_string()),
        description: Set(input.description.as_ref().map(ToString::to_string)),
        active: Set(true),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("seq"))?;
    write.record("design_standard.create", "design_standard", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

pub async fn update_standard(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &StandardInput,
    active: bool,
) -> Result<design_standard::Model, StoreError> {
    authorize(principal, Action::ManageStandards, Target::County)?;
    let before = get_standard(store, principal, id).await?;
    ensure_unique_seq(store, input.seq, Some(id)).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: design_standard::ActiveModel = before.clone().into();
    model.seq = Set(input.seq);
    model.title = Set(input.title.to_string());
    model.description = Set(input.description.as_ref().map(ToString::to_string));
    model.active = Set(active);
    let after = model.update(write.txn()).await.map_err(StoreError::unique("seq"))?;
    write.record("design_standard.update", "design_standard", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// Standards are never deleted: compliance records point to them.
pub async fn set_standard_active(
    store: &Store,
    principal: &Principal,
    id: i64,
    active: bool,
) -> Result<design_standard::Model, StoreError> {
    authorize(principal, Action::ManageStandards, Target::County)?;
    let before = get_standard(store, principal, id).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: design_standard::ActiveModel = before.clone().into();
    model.active = Set(active);
    let after = model.update(write.txn()).await?;
    let action = if active { "design_standard.activate" } else { "design_standard.deactivate" };
    write.record(action, "design_standard", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- compliance

/// Records (or changes) a unit's compliance with one active standard.
pub async fn record_compliance(
    store: &Store,
    principal: &Principal,
    standard_id: i64,
    unit_id: i64,
    input: &ComplianceInput,
) -> Result<standard_compliance::Model, StoreError> {
    authorize(principal, Action::ManageDesignRecords, Target::Unit(unit_id))?;
    visible_unit(store, principal, unit_id).await?;
    let standard = design_standard::Entity::find_by_id(standard_id).one(store.connection()).await?;
    if !standard.is_some_and(|s| s.active) {
        return Err(StoreError::invalid("standard_id", FieldError::new("not_found")));
    }
    let before = standard_compliance::Entity::find()
        .filter(standard_compliance::Column::StandardId.eq(standard_id))
        .filter(standard_compliance::Column::UnitId.eq(unit_id))
        .one(store.connection())
        .await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: standard_compliance::ActiveModel = match before.clone() {
        Some(existing) => existing.into(),
        None => standard_compliance::ActiveModel {
            standard_id: Set(standard_id),
            unit_id: Set(unit_id),
            ..Default::default()
        },
    };
    model.compliant = Set(input.compliant);
    model.evidence = Set(input.evidence.as_ref().map(ToString::to_string));
    model.actor = Set(principal.actor.chars().take(100).collect());
    model.checked_at = Set(write.now());
    let after = if before.is_some() { model.update(write.txn()).await? } else { model.insert(write.txn()).await? };
    write.record("standard_compliance.record", "standard_compliance", after.id, before.as_ref(), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// Compliance records of the caller's units (or of one unit).
pub async fn list_compliance(
    store: &Store,
    principal: &Principal,
    unit_id: Option<i64>,
) -> Result<Vec<standard_compliance::Model>, StoreError> {
    authorize(principal, Action::ViewCatalogue, unit_id.map_or(Target::County, Target::Unit))?;
    let mut query = in_scope(standard_compliance::Entity::find(), standard_compliance::Column::UnitId, principal);
    if let Some(unit_id) = unit_id {
        query = query.filter(standard_compliance::Column::UnitId.eq(unit_id));
    }
    Ok(query
        .order_by_asc(standard_compliance::Column::UnitId)
        .order_by_asc(standard_compliance::Column::StandardId)
        .all(store.connection())
        .await?)
}

/// Units × active standards: what each unit recorded for each standard.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceMatrix {
    pub standards: Vec<design_standard::Model>,
    pub units: Vec<unit::Model>,
    /// Keyed by (unit id, standard id); a missing cell was not checked yet.
    #[serde(skip)]
    pub cells: HashMap<(i64, i64), standard_compliance::Model>,
}

impl ComplianceMatrix {
    #[must_use]
    pub fn cell(&self, unit_id: i64, standard_id: i64) -> Option<&standard_compliance::Model> {
        self.cells.get(&(unit_id, standard_id))
    }

    /// How many active standards a unit meets.
    #[must_use]
    pub fn met(&self, unit_id: i64) -> usize {
        self.standards.iter().filter(|s| self.cell(unit_id, s.id).is_some_and(|c| c.compliant)).count()
    }
}

pub async fn compliance_matrix(
    store: &Store,
    principal: &Principal,
    unit_id: Option<i64>,
) -> Result<ComplianceMatrix, StoreError> {
    let standards = list_standards(store, principal, false).await?;
    let mut units = in_scope(unit::Entity::find(), unit::Column::Id, principal).filter(unit::Column::Active.eq(true));
    if let Some(id) = unit_id {
        authorize(principal, Action::ViewCatalogue, Target::Unit(id))?;
        units = units.filter(unit::Column::Id.eq(id));
    }
    let units = units.order_by_asc(unit::Column::Code).all(store.connection()).await?;
    let cells = list_compliance(store, principal, unit_id)
        .await?
        .into_iter()
        .map(|c| ((c.unit_id, c.standard_id), c))
        .collect();
    Ok(ComplianceMatrix { standards, units, cells })
}

// ---------------------------------------------------------------- focus items

/// Filters of the focus-item and optimization lists.
#[derive(Debug, Clone, Default)]
pub struct DesignFilter {
    pub unit_id: Option<i64>,
    pub q: Option<String>,
}

pub async fn list_focus_items(
    store: &Store,
    principal: &Principal,
    filter: &DesignFilter,
) -> Result<Vec<focus_item::Model>, StoreError> {
    authorize(principal, Action::ViewCatalogue, filter.unit_id.map_or(Target::County, Target::Unit))?;
    let mut query = in_scope(focus_item::Entity::find(), focus_item::Column::UnitId, principal);
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(focus_item::Column::UnitId.eq(unit_id));
    }
    if let Some(q) = search(filter.q.as_deref()) {
        query = query.filter(
            Condition::any()
                .add(focus_item::Column::Title.contains(q))
                .add(focus_item::Column::Description.contains(q)),
        );
    }
    Ok(query
        .order_by_asc(focus_item::Column::UnitId)
        .order_by_asc(focus_item::Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get_focus_item(store: &Store, principal: &Principal, id: i64) -> Result<focus_item::Model, StoreError> {
    let found = in_scope(focus_item::Entity::find_by_id(id), focus_item::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("focus_item"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    Ok(found)
}

pub async fn create_focus_item(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    input: &FocusItemInput,
) -> Result<focus_item::Model, StoreError> {
    authorize(principal, Action::ManageDesignRecords, Target::Unit(unit_id))?;
    visible_unit(store, principal, unit_id).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = focus_item::ActiveModel {
        unit_id: Set(unit_id),
        title: Set(input.title.to_string()),
        description: Set(input.description.as_ref().map(ToString::to_string)),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    write.record("focus_item.create", "focus_item", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

pub async fn update_focus_item(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &FocusItemInput,
) -> Result<focus_item::Model, StoreError> {
    let before = get_focus_item(store, principal, id).await?;
    authorize(principal, Action::ManageDesignRecords, Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: focus_item::ActiveModel = before.clone().into();
    model.title = Set(input.title.to_string());
    model.description = Set(input.description.as_ref().map(ToString::to_string));
    let after = model.update(write.txn()).await?;
    write.record("focus_item.update", "focus_item", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// Removes a focus item; the audit record keeps what it was.
pub async fn delete_focus_item(store: &Store, principal: &Principal, id: i64) -> Result<(), StoreError> {
    let before = get_focus_item(store, principal, id).await?;
    authorize(principal, Action::ManageDesignRecords, Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    before.clone().delete(write.txn()).await?;
    write.record("focus_item.delete", "focus_item", id, Some(&before), None::<&()>)?;
    write.commit().await
}

// ---------------------------------------------------------------- process optimizations

/// A stored optimization with its steps read back.
#[derive(Debug, Clone, Serialize)]
pub struct Optimization {
    #[serde(flatten)]
    pub record: process_optimization::Model,
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// The steps of `before` not in `after`.
    pub removed: Vec<String>,
}

impl From<process_optimization::Model> for Optimization {
    fn from(record: process_optimization::Model) -> Self {
        let read = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_default();
        let before = read(&record.steps_before);
        let after = read(&record.steps_after);
        let removed = removed_steps(&before, &after).into_iter().map(str::to_owned).collect();
        Self { record, before, after, removed }
    }
}

pub async fn list_optimizations(
    store: &Store,
    principal: &Principal,
    filter: &DesignFilter,
) -> Result<Vec<Optimization>, StoreError> {
    authorize(principal, Action::ViewCatalogue, filter.unit_id.map_or(Target::County, Target::Unit))?;
    let mut query = in_scope(process_optimization::Entity::find(), process_optimization::Column::UnitId, principal);
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(process_optimization::Column::UnitId.eq(unit_id));
    }
    if let Some(q) = search(filter.q.as_deref()) {
        query = query.filter(process_optimization::Column::Title.contains(q));
    }
    Ok(query
        .order_by_asc(process_optimization::Column::UnitId)
        .order_by_asc(process_optimization::Column::Id)
        .all(store.connection())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn get_optimization(store: &Store, principal: &Principal, id: i64) -> Result<Optimization, StoreError> {
    let found = in_scope(process_optimization::Entity::find_by_id(id), process_optimization::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("process_optimization"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    Ok(found.into())
}

fn to_json(steps: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(steps).map_err(|e| StoreError::Internal(format!("steps: {e}")))
}

pub async fn create_optimization(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    input: &OptimizationInput,
) -> Result<Optimization, StoreError> {
    authorize(principal, Action::ManageDesignRecords, Target::Unit(unit_id))?;
    visible_unit(store, principal, unit_id).await?;
    if let Some(power_id) = input.power_id {
        let found = power::Entity::find_by_id(power_id).one(store.connection()).await?;
        if found.is_none_or(|p| p.unit_id != unit_id) {
            return Err(StoreError::invalid("power_id", FieldError::new("not_in_unit")));
        }
    }
    let removed = i32::try_from(input.removed().len()).unwrap_or(i32::MAX);
    let mut write = Write::begin(store, principal).await?;
    let model = process_optimization::ActiveModel {
        unit_id: Set(unit_id),
        power_id: Set(input.power_id),
        title: Set(input.title.to_string()),
        steps_before: Set(to_json(&input.steps_before)?),
        steps_after: Set(to_json(&input.steps_after)?),
        steps_removed: Set(removed),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    write.record("process_optimization.create", "process_optimization", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model.into())
}

// ---------------------------------------------------------------- power decomposition

/// The powers of a unit that can be decomposed: every one not abolished or merged.
pub async fn decomposable_powers(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
) -> Result<Vec<power::Model>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::Unit(unit_id))?;
    Ok(in_scope(power::Entity::find(), power::Column::UnitId, principal)
        .filter(power::Column::UnitId.eq(unit_id))
        .filter(power::Column::State.is_not_in(["abolished", "merged"]))
        .order_by_asc(power::Column::Code)
        .all(store.connection())
        .await?)
}

/// A power of the caller's units by its code (forms name powers by code).
pub async fn power_by_code(store: &Store, principal: &Principal, code: &str) -> Result<power::Model, StoreError> {
    let found = in_scope(power::Entity::find(), power::Column::UnitId, principal)
        .filter(power::Column::Code.eq(code.trim().to_ascii_uppercase()))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("power"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    Ok(found)
}

/// Powers by id, within the caller's scope (to show codes and names in lists).
pub async fn powers_by_id(
    store: &Store,
    principal: &Principal,
    ids: &[i64],
) -> Result<HashMap<i64, power::Model>, StoreError> {
    authorize(principal, Action::ViewCatalogue, Target::County)?;
    Ok(in_scope(power::Entity::find(), power::Column::UnitId, principal)
        .filter(power::Column::Id.is_in(ids.iter().copied()))
        .all(store.connection())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// The sections holding each part of one power.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartSections {
    pub decide: Vec<i64>,
    pub execute: Vec<i64>,
    pub supervise: Vec<i64>,
}

impl PartSections {
    #[must_use]
    pub fn of_role(&self, role: PowerRole) -> &[i64] {
        match role {
            PowerRole::Decide => &self.decide,
            PowerRole::Execute => &self.execute,
            PowerRole::Supervise => &self.supervise,
        }
    }

    fn push(&mut self, role: &str, section: i64) {
        let list = match role.parse() {
            Ok(PowerRole::Decide) => &mut self.decide,
            Ok(PowerRole::Execute) => &mut self.execute,
            Ok(PowerRole::Supervise) => &mut self.supervise,
            Err(_) => return,
        };
        if !list.contains(&section) {
            list.push(section);
        }
    }
}

/// One decomposed power: the power and its parts.
#[derive(Debug, Clone, Serialize)]
pub struct Decomposition {
    pub power: power::Model,
    pub parts: PartSections,
}

/// A section holding two or three parts of one power.
#[derive(Debug, Clone, Serialize)]
pub struct SeparationConflict {
    pub power_id: i64,
    pub power_code: String,
    pub power_name: String,
    pub section_id: i64,
    pub section_name: String,
    pub roles: Vec<PowerRole>,
}

async fn parts_of(store: &Store, power_ids: &[i64]) -> Result<BTreeMap<i64, PartSections>, StoreError> {
    let rows = power_part::Entity::find()
        .filter(power_part::Column::PowerId.is_in(power_ids.iter().copied()))
        .order_by_asc(power_part::Column::Id)
        .all(store.connection())
        .await?;
    let mut parts: BTreeMap<i64, PartSections> = BTreeMap::new();
    for row in rows {
        parts.entry(row.power_id).or_default().push(&row.role, row.section_id);
    }
    Ok(parts)
}

/// Every decomposed power of the caller's units (or of one unit), by power code.
pub async fn list_decompositions(
    store: &Store,
    principal: &Principal,
    unit_id: Option<i64>,
) -> Result<Vec<Decomposition>, StoreError> {
    authorize(principal, Action::ViewCatalogue, unit_id.map_or(Target::County, Target::Unit))?;
    let decomposed = power_part::Entity::find()
        .select_only()
        .column(power_part::Column::PowerId)
        .distinct()
        .into_tuple::<i64>()
        .all(store.connection())
        .await?;
    let mut query = in_scope(power::Entity::find(), power::Column::UnitId, principal)
        .filter(power::Column::Id.is_in(decomposed.iter().copied()));
    if let Some(unit_id) = unit_id {
        query = query.filter(power::Column::UnitId.eq(unit_id));
    }
    let powers = query.order_by_asc(power::Column::Code).all(store.connection()).await?;
    let ids: Vec<i64> = powers.iter().map(|p| p.id).collect();
    let mut parts = parts_of(store, &ids).await?;
    Ok(powers
        .into_iter()
        .map(|power| {
            let parts = parts.remove(&power.id).unwrap_or_default();
            Decomposition { power, parts }
        })
        .collect())
}

/// Sets which sections decide, execute and supervise a power (replacing what was
/// set). Every section must be of the power's unit; empty lists remove the part.
pub async fn set_power_parts(
    store: &Store,
    principal: &Principal,
    power_id: i64,
    parts: &PartSections,
) -> Result<Decomposition, StoreError> {
    let power = in_scope(power::Entity::find_by_id(power_id), power::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::invalid("power_id", FieldError::new("not_found")))?;
    authorize(principal, Action::ManageDesignRecords, Target::Unit(power.unit_id))?;
    let unit_sections: Vec<i64> = section::Entity::find()
        .filter(section::Column::UnitId.eq(power.unit_id))
        .all(store.connection())
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut errors = FieldErrors::new();
    for role in PowerRole::ALL {
        if parts.of_role(*role).iter().any(|s| !unit_sections.contains(s)) {
            errors.add(role.key(), FieldError::new("not_in_unit"));
        }
    }
    errors.into_result()?;
    let before = parts_of(store, &[power_id]).await?.remove(&power_id).unwrap_or_default();
    let mut write = Write::begin(store, principal).await?;
    power_part::Entity::delete_many().filter(power_part::Column::PowerId.eq(power_id)).exec(write.txn()).await?;
    let mut after = PartSections::default();
    for role in PowerRole::ALL {
        for section_id in parts.of_role(*role) {
            after.push(role.key(), *section_id);
        }
    }
    for role in PowerRole::ALL {
        for section_id in after.of_role(*role) {
            power_part::ActiveModel {
                power_id: Set(power_id),
                role: Set(role.key().to_owned()),
                section_id: Set(*section_id),
                ..Default::default()
            }
            .insert(write.txn())
            .await?;
        }
    }
    write.record("power_part.set", "power", power_id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(Decomposition { power, parts: after })
}

/// The check: every decomposed power where one section holds two or three parts.
pub async fn separation_check(
    store: &Store,
    principal: &Principal,
    unit_id: Option<i64>,
) -> Result<Vec<SeparationConflict>, StoreError> {
    let decompositions = list_decompositions(store, principal, unit_id).await?;
    let input: Vec<PowerSections<usize, i64>> = decompositions
        .iter()
        .enumerate()
        .map(|(i, d)| PowerSections {
            power: i,
            decide: d.parts.decide.clone(),
            execute: d.parts.execute.clone(),
            supervise: d.parts.supervise.clone(),
        })
        .collect();
    let conflicts = separation_conflicts(&input);
    let section_ids: Vec<i64> = conflicts.iter().map(|c| c.section).collect();
    let names: HashMap<i64, String> = section::Entity::find()
        .filter(section::Column::Id.is_in(section_ids))
        .all(store.connection())
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(conflicts
        .into_iter()
        .filter_map(|c| {
            let power = &decompositions.get(c.power)?.power;
            Some(SeparationConflict {
                power_id: power.id,
                power_code: power.code.clone(),
                power_name: power.name.clone(),
                section_id: c.section,
                section_name: names.get(&c.section).cloned().unwrap_or_default(),
                roles: c.roles,
            })
        })
        .collect())
}
