//! Organization repositories. Every query is filtered by the caller's unit scope and
//! every change is authorised by the policy and recorded in the audit chain.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::FieldError;
use sunlight_domain::org::{PersonInput, PositionInput, UnitInput};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::text::Name;

use crate::entity::{county, person, position, section, sub_commission, unit};
use crate::{Store, StoreError, Write};

/// The county's name (one row).
pub async fn county_name(store: &Store) -> Result<Option<String>, StoreError> {
    Ok(county::Entity::find_by_id(1).one(store.connection()).await?.map(|c| c.name))
}

/// Names the county; only the commission (or the system) may.
pub async fn set_county_name(store: &Store, principal: &Principal, name: &Name) -> Result<(), StoreError> {
    authorize(principal, Action::ManageUnits, Target::County)?;
    let before = county::Entity::find_by_id(1).one(store.connection()).await?;
    let mut write = Write::begin(store, principal).await?;
    let after = match before.clone() {
        Some(existing) => {
            let mut model: county::ActiveModel = existing.into();
            model.name = Set(name.to_string());
            model.update(write.txn()).await?
        }
        None => county::ActiveModel { id: Set(1), name: Set(name.to_string()) }.insert(write.txn()).await?,
    };
    write.record("county.set_name", "county", 1, before.as_ref(), Some(&after))?;
    write.commit().await
}

fn in_scope<E: EntityTrait>(query: Select<E>, column: impl ColumnTrait, principal: &Principal) -> Select<E> {
    match principal.scope.unit_ids() {
        Some(ids) => query.filter(column.is_in(ids)),
        None => query,
    }
}

// ---------------------------------------------------------------- sub-commissions

pub async fn list_sub_commissions(
    store: &Store,
    principal: &Principal,
) -> Result<Vec<sub_commission::Model>, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::County)?;
    Ok(sub_commission::Entity::find().order_by_asc(sub_commission::Column::Id).all(store.connection()).await?)
}

pub async fn get_sub_commission(
    store: &Store,
    principal: &Principal,
    id: i64,
) -> Result<sub_commission::Model, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::County)?;
    sub_commission::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("sub_commission"))
}

pub async fn create_sub_commission(
    store: &Store,
    principal: &Principal,
    name: &Name,
) -> Result<sub_commission::Model, StoreError> {
    authorize(principal, Action::ManageUnits, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let model = sub_commission::ActiveModel {
        name: Set(name.to_string()),
        active: Set(true),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("name"))?;
    write.record("sub_commission.create", "sub_commission", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

pub async fn update_sub_commission(
    store: &Store,
    principal: &Principal,
    id: i64,
    name: &Name,
    active: bool,
) -> Result<sub_commission::Model, StoreError> {
    authorize(principal, Action::ManageUnits, Target::County)?;
    let before = get_sub_commission(store, principal, id).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: sub_commission::ActiveModel = before.clone().into();
    model.name = Set(name.to_string());
    model.active = Set(active);
    let after = model.update(write.txn()).await.map_err(StoreError::unique("name"))?;
    write.record("sub_commission.update", "sub_commission", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- units

/// Filters of the unit list; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UnitFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub sub_commission_id: Option<i64>,
    pub pilot: Option<bool>,
    pub include_inactive: bool,
}

pub async fn list_units(
    store: &Store,
    principal: &Principal,
    filter: &UnitFilter,
) -> Result<Vec<unit::Model>, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::County)?;
    let mut query = in_scope(unit::Entity::find(), unit::Column::Id, principal);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(unit::Column::Name.contains(q))
                .add(unit::Column::Code.contains(q.to_ascii_uppercase())),
        );
    }
    if let Some(category) = filter.category.as_deref().filter(|c| !c.is_empty()) {
        query = query.filter(unit::Column::Category.eq(category));
    }
    if let Some(sc) = filter.sub_commission_id {
        query = query.filter(unit::Column::SubCommissionId.eq(sc));
    }
    if let Some(pilot) = filter.pilot {
        query = query.filter(unit::Column::Pilot.eq(pilot));
    }
    if !filter.include_inactive {
        query = query.filter(unit::Column::Active.eq(true));
    }
    Ok(query.order_by_asc(unit::Column::Code).all(store.connection()).await?)
}

pub async fn get_unit(store: &Store, principal: &Principal, id: i64) -> Result<unit::Model, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::Unit(id))?;
    in_scope(unit::Entity::find_by_id(id), unit::Column::Id, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))
}

pub async fn unit_by_code(store: &Store, principal: &Principal, code: &str) -> Result<unit::Model, StoreError> {
    let found = in_scope(unit::Entity::find(), unit::Column::Id, principal)
        .filter(unit::Column::Code.eq(code.trim().to_ascii_uppercase()))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))?;
    authorize(principal, Action::ViewOrganization, Target::Unit(found.id))?;
    Ok(found)
}

async fn check_sub_commission(store: &Store, id: Option<i64>) -> Result<(), StoreError> {
    if let Some(id) = id
        && sub_commission::Entity::find_by_id(id).one(store.connection()).await?.is_none()
    {
        return Err(StoreError::invalid("sub_commission_id", FieldError::new("not_found")));
    }
    Ok(())
}

pub async fn create_unit(store: &Store, principal: &Principal, input: &UnitInput) -> Result<unit::Model, StoreError> {
    authorize(principal, Action::ManageUnits, Target::County)?;
    check_sub_commission(store, input.sub_commission_id).await?;
    ensure_unique_unit(store, input, None).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = unit::ActiveModel {
        code: Set(input.code.to_string()),
        name: Set(input.name.to_string()),
        category: Set(input.category.key().to_owned()),
        pilot: Set(input.pilot),
        sub_commission_id: Set(input.sub_commission_id),
        active: Set(true),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("code"))?;
    write.record("unit.create", "unit", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

/// Names the field that clashes, so the form can show it next to the field.
async fn ensure_unique_unit(store: &Store, input: &UnitInput, except: Option<i64>) -> Result<(), StoreError> {
    for (field, column, value) in
        [("code", unit::Column::Code, input.code.as_str()), ("name", unit::Column::Name, input.name.as_str())]
    {
        let mut query = unit::Entity::find().filter(column.eq(value));
        if let Some(id) = except {
            query = query.filter(unit::Column::Id.ne(id));
        }
        if query.count(store.connection()).await? > 0 {
            return Err(StoreError::Conflict { field });
        }
    }
    Ok(())
}

pub async fn update_unit(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &UnitInput,
) -> Result<unit::Model, StoreError> {
    authorize(principal, Action::ManageUnits, Target::County)?;
    let before = get_unit(store, principal, id).await?;
    check_sub_commission(store, input.sub_commission_id).await?;
    ensure_unique_unit(store, input, Some(id)).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: unit::ActiveModel = before.clone().into();
    model.code = Set(input.code.to_string());
    model.name = Set(input.name.to_string());
    model.category = Set(input.category.key().to_owned());
    model.pilot = Set(input.pilot);
    model.sub_commission_id = Set(input.sub_commission_id);
    let after = model.update(write.txn()).await.map_err(StoreError::unique("code"))?;
    write.record("unit.update", "unit", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// Units are never deleted: records point to them.
pub async fn set_unit_active(
    store: &Store,
    principal: &Principal,
    id: i64,
    active: bool,
) -> Result<unit::Model, StoreError> {
    authorize(principal, Action::ManageUnits, Target::County)?;
    let before = get_unit(store, principal, id).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: unit::ActiveModel = before.clone().into();
    model.active = Set(active);
    let after = model.update(write.txn()).await?;
    write.record(if active { "unit.activate" } else { "unit.deactivate" }, "unit", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- sections

pub async fn list_sections(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
) -> Result<Vec<section::Model>, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::Unit(unit_id))?;
    Ok(in_scope(section::Entity::find(), section::Column::UnitId, principal)
        .filter(section::Column::UnitId.eq(unit_id))
        .order_by_asc(section::Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get_section(store: &Store, principal: &Principal, id: i64) -> Result<section::Model, StoreError> {
    let found = in_scope(section::Entity::find_by_id(id), section::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("section"))?;
    authorize(principal, Action::ViewOrganization, Target::Unit(found.unit_id))?;
    Ok(found)
}

pub async fn create_section(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    name: &Name,
) -> Result<section::Model, StoreError> {
    authorize(principal, Action::ManageUnitStaff, Target::Unit(unit_id))?;
    get_unit(store, principal, unit_id).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = section::ActiveModel {
        unit_id: Set(unit_id),
        name: Set(name.to_string()),
        active: Set(true),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("name"))?;
    write.record("section.create", "section", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

pub async fn update_section(
    store: &Store,
    principal: &Principal,
    id: i64,
    name: &Name,
    active: bool,
) -> Result<section::Model, StoreError> {
    let before = get_section(store, principal, id).await?;
    authorize(principal, Action::ManageUnitStaff, Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: section::ActiveModel = before.clone().into();
    model.name = Set(name.to_string());
    model.active = Set(active);
    let after = model.update(write.txn()).await.map_err(StoreError::unique("name"))?;
    write.record("section.update", "section", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// A referenced section or position must be of the same unit.
async fn check_in_unit(
    store: &Store,
    unit_id: i64,
    section_id: Option<i64>,
    position_id: Option<i64>,
) -> Result<(), StoreError> {
    if let Some(id) = section_id {
        let found = section::Entity::find_by_id(id).one(store.connection()).await?;
        if found.is_none_or(|s| s.unit_id != unit_id) {
            return Err(StoreError::invalid("section_id", FieldError::new("not_in_unit")));
        }
    }
    if let Some(id) = position_id {
        let found = position::Entity::find_by_id(id).one(store.connection()).await?;
        match found {
            Some(p) if p.unit_id != unit_id => {
                return Err(StoreError::invalid("position_id", FieldError::new("not_in_unit")));
            }
            // A person sits in the section his position belongs to.
            Some(p) if section_id.is_some() && p.section_id.is_some() && p.section_id != section_id => {
                return Err(StoreError::invalid("position_id", FieldError::new("not_in_section")));
            }
            Some(_) => {}
            None => return Err(StoreError::invalid("position_id", FieldError::new("not_in_unit"))),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- positions

pub async fn list_positions(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
) -> Result<Vec<position::Model>, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::Unit(unit_id))?;
    Ok(in_scope(position::Entity::find(), position::Column::UnitId, principal)
        .filter(position::Column::UnitId.eq(unit_id))
        .order_by_asc(position::Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get_position(store: &Store, principal: &Principal, id: i64) -> Result<position::Model, StoreError> {
    let found = in_scope(position::Entity::find_by_id(id), position::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("position"))?;
    authorize(principal, Action::ViewOrganization, Target::Unit(found.unit_id))?;
    Ok(found)
}

pub async fn create_position(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    input: &PositionInput,
) -> Result<position::Model, StoreError> {
    authorize(principal, Action::ManageUnitStaff, Target::Unit(unit_id))?;
    get_unit(store, principal, unit_id).await?;
    check_in_unit(store, unit_id, input.section_id, None).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = position::ActiveModel {
        unit_id: Set(unit_id),
        section_id: Set(input.section_id),
        name: Set(input.name.to_string()),
        hot_personnel: Set(input.hot.personnel),
        hot_finance: Set(input.hot.finance),
        hot_affairs: Set(input.hot.affairs),
        active: Set(true),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("name"))?;
    write.record("position.create", "position", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

pub async fn update_position(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &PositionInput,
    active: bool,
) -> Result<position::Model, StoreError> {
    let before = get_position(store, principal, id).await?;
    authorize(principal, Action::ManageUnitStaff, Target::Unit(before.unit_id))?;
    check_in_unit(store, before.unit_id, input.section_id, None).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: position::ActiveModel = before.clone().into();
    model.name = Set(input.name.to_string());
    model.section_id = Set(input.section_id);
    model.hot_personnel = Set(input.hot.personnel);
    model.hot_finance = Set(input.hot.finance);
    model.hot_affairs = Set(input.hot.affairs);
    model.active = Set(active);
    let after = model.update(write.txn()).await.map_err(StoreError::unique("name"))?;
    write.record("position.update", "position", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- persons

/// Filters of the person list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersonFilter {
    pub unit_id: Option<i64>,
    pub q: Option<String>,
    pub tier: Option<String>,
    pub include_inactive: bool,
}

/// A page of persons and the count of all that match.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    pub total: u64,
    pub persons: Vec<person::Model>,
}

pub async fn list_persons(
    store: &Store,
    principal: &Principal,
    filter: &PersonFilter,
    page: u64,
    per_page: u64,
) -> Result<PersonPage, StoreError> {
    let target = filter.unit_id.map_or(Target::County, Target::Unit);
    authorize(principal, Action::ViewOrganization, target)?;
    let mut query = in_scope(person::Entity::find(), person::Column::UnitId, principal);
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(person::Column::UnitId.eq(unit_id));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(person::Column::Name.contains(q));
    }
    if let Some(tier) = filter.tier.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(person::Column::Tier.eq(tier));
    }
    if !filter.include_inactive {
        query = query.filter(person::Column::Active.eq(true));
    }
    let total = query.clone().count(store.connection()).await?;
    let persons = query
        .order_by_asc(person::Column::UnitId)
        .order_by_asc(person::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(store.connection())
        .await?;
    Ok(PersonPage { total, persons })
}

pub async fn get_person(store: &Store, principal: &Principal, id: i64) -> Result<person::Model, StoreError> {
    let found = in_scope(person::Entity::find_by_id(id), person::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("person"))?;
    authorize(principal, Action::ViewOrganization, Target::Unit(found.unit_id))?;
    Ok(found)
}

pub async fn create_person(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    input: &PersonInput,
) -> Result<person::Model, StoreError> {
    authorize(principal, Action::ManageUnitStaff, Target::Unit(unit_id))?;
    get_unit(store, principal, unit_id).await?;
    check_in_unit(store, unit_id, input.section_id, input.position_id).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = person::ActiveModel {
        unit_id: Set(unit_id),
        name: Set(input.name.to_string()),
        tier: Set(input.tier.key().to_owned()),
        section_id: Set(input.section_id),
        position_id: Set(input.position_id),
        active: Set(true),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    write.record("person.create", "person", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

pub async fn update_person(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &PersonInput,
    active: bool,
) -> Result<person::Model, StoreError> {
    let before = get_person(store, principal, id).await?;
    authorize(principal, Action::ManageUnitStaff, Target::Unit(before.unit_id))?;
    check_in_unit(store, before.unit_id, input.section_id, input.position_id).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: person::ActiveModel = before.clone().into();
    model.name = Set(input.name.to_string());
    model.tier = Set(input.tier.key().to_owned());
    model.section_id = Set(input.section_id);
    model.position_id = Set(input.position_id);
    model.active = Set(active);
    let after = model.update(write.txn()).await?;
    write.record("person.update", "person", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// Counts for the dashboard, within the caller's scope.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct OrgCounts {
    pub sub_commissions: u64,
    pub units: u64,
    pub pilot_units: u64,
    pub sections: u64,
    pub positions: u64,
    pub hot_positions: u64,
    pub persons: u64,
}

pub async fn counts(store: &Store, principal: &Principal) -> Result<OrgCounts, StoreError> {
    authorize(principal, Action::ViewOrganization, Target::County)?;
    let db = store.connection();
    let units = in_scope(unit::Entity::find(), unit::Column::Id, principal).filter(unit::Column::Active.eq(true));
    Ok(OrgCounts {
        sub_commissions: sub_commission::Entity::find()
            .filter(sub_commission::Column::Active.eq(true))
            .count(db)
            .await?,
        units: units.clone().count(db).await?,
        pilot_units: units.filter(unit::Column::Pilot.eq(true)).count(db).await?,
        sections: in_scope(section::Entity::find(), section::Column::UnitId, principal)
            .filter(section::Column::Active.eq(true))
            .count(db)
            .await?,
        positions: in_scope(position::Entity::find(), position::Column::UnitId, principal)
            .filter(position::Column::Active.eq(true))
            .count(db)
            .await?,
        hot_positions: in_scope(position::Entity::find(), position::Column::UnitId, principal)
            .filter(position::Column::Active.eq(true))
            .filter(
                Condition::any()
                    .add(position::Column::HotPersonnel.eq(true))
                    .add(position::Column::HotFinance.eq(true))
                    .add(position::Column::HotAffairs.eq(true)),
            )
            .count(db)
            .await?,
        persons: in_scope(person::Entity::find(), person::Column::UnitId, principal)
            .filter(person::Column::Active.eq(true))
            .count(db)
            .await?,
    })
}
