//! The risk register: risk points, their five-step finding, level decisions under the
//! versioned risk model, prevention measures, and the figures the heat maps draw.
//! Every query keeps to the caller's unit scope; every change is authorised and
//! recorded in the audit chain in its own transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::org::PersonTier;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::model::Scale;
use sunlight_domain::risk::{
    Change, FactorValues, Finding, FindingStep, LevelDecision, LevelHistory, LevelStage, Measure, MeasureStatus,
    Mechanism, Phase, RescoreItem, RiskDescription, RiskKind, RiskModel, RiskModelConfig, RiskPoint, RiskScope,
    ScopeKind, Score, StepRecord, rescore,
};
use sunlight_domain::text::{Name, Note};

use crate::entity::{person, position, power, risk_level_decision, risk_measure, risk_model, risk_point, risk_step};
use crate::entity::{section, unit};
use crate::{Store, StoreError, Write};

fn in_scope<E: EntityTrait>(query: Select<E>, column: impl ColumnTrait, principal: &Principal) -> Select<E> {
    match principal.scope.unit_ids() {
        Some(ids) => query.filter(column.is_in(ids)),
        None => query,
    }
}

/// Today in the county (Asia/Shanghai, a fixed +08:00).
#[must_use]
pub fn today_in_county() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

// ---------------------------------------------------------------- input

/// A risk point as typed in a form or JSON body; [`RawRisk::parse`] checks it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawRisk {
    pub scope_kind: String,
    pub scope_target: Option<i64>,
    pub kind: String,
    pub description: String,
    pub holder_tier: String,
    pub holder_person_id: Option<i64>,
    pub method: String,
    pub importance: Option<i64>,
    pub frequency: Option<i64>,
    pub probability: Option<i64>,
    pub harm: Option<i64>,
}

/// The graded factors of a risk point; all four are needed for a score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Grades {
    pub importance: Option<u8>,
    pub frequency: Option<u8>,
    pub probability: Option<u8>,
    pub harm: Option<u8>,
}

/// A checked risk point: what it is, how it was found, its grades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskInput {
    pub point: RiskPoint,
    pub method: Name,
    pub grades: Grades,
}

/// The largest grade any model may use; the active model's own scale is checked on save.
const GRADE_LIMIT: i64 = 10;

fn grade(raw: Option<i64>) -> Result<Option<u8>, FieldError> {
    match raw {
        None => Ok(None),
        Some(g) if (1..=GRADE_LIMIT).contains(&g) => Ok(u8::try_from(g).ok()),
        Some(_) => Err(FieldError::with_limit("grade_out_of_range", 10)),
    }
}

impl RawRisk {
    /// Checks every field and reports all errors at once.
    pub fn parse(&self) -> Result<RiskInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let scope_kind = errors.take("scope_kind", self.scope_kind.parse::<ScopeKind>());
        let target = errors.take("scope_target", self.scope_target.ok_or(FieldError::new("required")));
        let kind = errors.take("kind", self.kind.parse::<RiskKind>());
        let description = errors.take("description", RiskDescription::parse(&self.description));
        let holder_tier = errors.take("holder_tier", self.holder_tier.parse::<PersonTier>());
        let method = errors.take("method", Name::parse(&self.method));
        let grades = Grades {
            importance: errors.take("importance", grade(self.importance)).flatten(),
            frequency: errors.take("frequency", grade(self.frequency)).flatten(),
            probability: errors.take("probability", grade(self.probability)).flatten(),
            harm: errors.take("harm", grade(self.harm)).flatten(),
        };
        errors.clone().into_result()?;
        match (scope_kind, target, kind, description, holder_tier, method) {
            (Some(scope_kind), Some(target), Some(kind), Some(description), Some(holder_tier), Some(method)) => {
                Ok(RiskInput {
                    point: RiskPoint {
                        scope: RiskScope { kind: scope_kind, target },
                        kind,
                        description,
                        holder_tier,
                        holder: self.holder_person_id,
                    },
                    method,
                    grades,
                })
            }
            _ => Err(errors),
        }
    }
}

impl RawRisk {
    /// Parses, and checks the grades against `model`'s scales, reporting every error at once.
    pub fn parse_for(&self, model: &RiskModel) -> Result<RiskInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let grades = Grades {
            importance: grade(self.importance).ok().flatten(),
            frequency: grade(self.frequency).ok().flatten(),
            probability: grade(self.probability).ok().flatten(),
            harm: grade(self.harm).ok().flatten(),
        };
        if let Err(StoreError::Invalid(found)) = check_grades(model, grades) {
            errors.merge(&found);
        }
        match self.parse() {
            Ok(input) if errors.is_empty() => Ok(input),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.merge(&more);
                Err(errors)
            }
        }
    }
}

/// A prevention measure as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawMeasure {
    pub phase: String,
    pub mechanism: String,
    pub description: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// Blank means `planned`.
    pub status: String,
}

/// A checked prevention measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureInput {
    pub phase: Phase,
    pub mechanism: Mechanism,
    pub description: Note,
    pub owner: Name,
    pub due: NaiveDate,
    pub status: MeasureStatus,
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(raw: &str) -> Result<NaiveDate, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new("required"));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| FieldError::new("date_format"))
}

impl RawMeasure {
    pub fn parse(&self) -> Result<MeasureInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let phase = errors.take("phase", self.phase.parse::<Phase>());
        let mechanism = errors.take("mechanism", self.mechanism.parse::<Mechanism>());
        let description = errors.take("description", Note::parse(&self.description));
        let owner = errors.take("owner", Name::parse(&self.owner));
        let due = errors.take("due", parse_date(&self.due));
        let status = if self.status.trim().is_empty() {
            Some(MeasureStatus::Planned)
        } else {
            errors.take("status", self.status.parse::<MeasureStatus>())
        };
        match (phase, mechanism, description, owner, due, status) {
            (Some(phase), Some(mechanism), Some(description), Some(owner), Some(due), Some(status)) => {
                Ok(MeasureInput { phase, mechanism, description, owner, due, status })
            }
            _ => Err(errors),
        }
    }
}

// ---------------------------------------------------------------- the model

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

// ---------------------------------------------------------------- scoring

type TargetKey = (String, i64);

fn target_counts(points: &[risk_point::Model]) -> HashMap<TargetKey, u32> {
    let mut counts = HashMap::new();
    for p in points.iter().filter(|p| p.active) {
        *counts.entry((p.scope_kind.clone(), p.scope_target)).or_insert(0) += 1;
    }
    counts
}

fn as_grade(value: Option<i32>) -> Option<u8> {
    value.and_then(|v| u8::try_from(v).ok())
}

/// The factor values of a point with all four grades.
fn factor_values(point: &risk_point::Model, counts: &HashMap<TargetKey, u32>) -> Option<FactorValues> {
    Some(FactorValues {
        risk_points: counts.get(&(point.scope_kind.clone(), point.scope_target)).copied().unwrap_or(1),
        importance: as_grade(point.importance)?,
        frequency: as_grade(point.frequency)?,
        probability: as_grade(point.probability)?,
        harm: as_grade(point.harm)?,
    })
}

/// A point's score under a model and the level it suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub score: Score,
    pub rank: u8,
}

async fn assess(store: &Store, model: &RiskModel, point: &risk_point::Model) -> Result<Option<Assessment>, StoreError> {
    let same = risk_point::Entity::find()
        .filter(risk_point::Column::Active.eq(true))
        .filter(risk_point::Column::ScopeKind.eq(point.scope_kind.clone()))
        .filter(risk_point::Column::ScopeTarget.eq(point.scope_target))
        .count(store.connection())
        .await?;
    let mut counts = HashMap::new();
    counts.insert((point.scope_kind.clone(), point.scope_target), u32::try_from(same.max(1)).unwrap_or(u32::MAX));
    Ok(factor_values(point, &counts)
        .and_then(|values| model.assess(&values).ok())
        .map(|(score, level)| Assessment { score, rank: level.rank }))
}

/// Grades above the active model's scale are refused on their field.
fn check_grades(model: &RiskModel, grades: Grades) -> Result<(), StoreError> {
    let mut errors = FieldErrors::new();
    for factor in &model.config().factors {
        let Scale::Grade { max } = factor.scale else { continue };
        let (field, value) = match factor.factor {
            sunlight_domain::risk::Factor::Importance => ("importance", grades.importance),
            sunlight_domain::risk::Factor::Frequency => ("frequency", grades.frequency),
            sunlight_domain::risk::Factor::Probability => ("probability", grades.probability),
            sunlight_domain::risk::Factor::Harm => ("harm", grades.harm),
            sunlight_domain::risk::Factor::RiskPoints => continue,
        };
        if value.is_some_and(|v| v > max) {
            errors.add(field, FieldError::with_limit("grade_out_of_range", usize::from(max)));
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

// ---------------------------------------------------------------- risk points

/// Filters of the risk list; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RiskFilter {
    pub unit_id: Option<i64>,
    pub kind: Option<String>,
    pub scope_kind: Option<String>,
    pub holder_tier: Option<String>,
    pub holder_person_id: Option<i64>,
    /// An approved level's rank; `0` for points without an approved level.
    pub level_rank: Option<i32>,
    /// The last finding step reached; `none` for points not yet found by any step.
    pub finding_step: Option<String>,
    /// Substring of the description.
    pub q: Option<String>,
}

/// A page of risk points and the count of all that match.
#[derive(Debug, Clone, Serialize)]
pub struct RiskPage {
    pub total: u64,
    pub points: Vec<risk_point::Model>,
}

fn filtered(principal: &Principal, filter: &RiskFilter) -> Select<risk_point::Entity> {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut query = in_scope(risk_point::Entity::find(), risk_point::Column::UnitId, principal)
        .filter(risk_point::Column::Active.eq(true));
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(risk_point::Column::UnitId.eq(unit_id));
    }
    if let Some(kind) = nonempty(&filter.kind) {
        query = query.filter(risk_point::Column::Kind.eq(kind));
    }
    if let Some(scope) = nonempty(&filter.scope_kind) {
        query = query.filter(risk_point::Column::ScopeKind.eq(scope));
    }
    if let Some(tier) = nonempty(&filter.holder_tier) {
        query = query.filter(risk_point::Column::HolderTier.eq(tier));
    }
    if let Some(person) = filter.holder_person_id {
        query = query.filter(risk_point::Column::HolderPersonId.eq(person));
    }
    match filter.level_rank {
        Some(0) => query = query.filter(risk_point::Column::LevelRank.is_null()),
        Some(rank) => query = query.filter(risk_point::Column::LevelRank.eq(rank)),
        None => {}
    }
    match nonempty(&filter.finding_step).as_deref() {
        Some("none") => query = query.filter(risk_point::Column::FindingStep.is_null()),
        Some(step) => query = query.filter(risk_point::Column::FindingStep.eq(step)),
        None => {}
    }
    if let Some(q) = nonempty(&filter.q) {
        query = query.filter(risk_point::Column::Description.contains(q));
    }
    query
}

pub async fn list_risks(
    store: &Store,
    principal: &Principal,
    filter: &RiskFilter,
    page: u64,
    per_page: u64,
) -> Result<RiskPage, StoreError> {
    let target = filter.unit_id.map_or(Target::County, Target::Unit);
    authorize(principal, Action::ViewCatalogue, target)?;
    let query = filtered(principal, filter);
    let total = query.clone().count(store.connection()).await?;
    let points = query
        .order_by_asc(risk_point::Column::UnitId)
        .order_by_asc(risk_point::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(store.connection())
        .await?;
    Ok(RiskPage { total, points })
}

pub async fn get_risk(store: &Store, principal: &Principal, id: i64) -> Result<risk_point::Model, StoreError> {
    let found = in_scope(risk_point::Entity::find_by_id(id), risk_point::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("risk_point"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    Ok(found)
}

/// A risk point with its steps, level decisions, measures and current assessment.
#[derive(Debug, Clone, Serialize)]
pub struct RiskDetail {
    pub point: risk_point::Model,
    pub steps: Vec<risk_step::Model>,
    pub levels: Vec<risk_level_decision::Model>,
    pub measures: Vec<risk_measure::Model>,
    /// The score and suggested level under the active model, when all grades are set.
    pub assessment: Option<Assessment>,
    pub model_version: u32,
    /// The step that may be recorded next; `None` once the organization reviewed it.
    pub next_step: Option<FindingStep>,
    pub next_stage: LevelStage,
}

pub async fn risk_detail(store: &Store, principal: &Principal, id: i64) -> Result<RiskDetail, StoreError> {
    let point = get_risk(store, principal, id).await?;
    let db = store.connection();
    let steps = risk_step::Entity::find()
        .filter(risk_step::Column::RiskPointId.eq(id))
        .order_by_asc(risk_step::Column::At)
        .order_by_asc(risk_step::Column::Id)
        .all(db)
        .await?;
    let levels = risk_level_decision::Entity::find()
        .filter(risk_level_decision::Column::RiskPointId.eq(id))
        .order_by_asc(risk_level_decision::Column::At)
        .order_by_asc(risk_level_decision::Column::Id)
        .all(db)
        .await?;
    let measures = risk_measure::Entity::find()
        .filter(risk_measure::Column::RiskPointId.eq(id))
        .order_by_asc(risk_measure::Column::Due)
        .order_by_asc(risk_measure::Column::Id)
        .all(db)
        .await?;
    let model = active_model(store).await?;
    let assessment = assess(store, &model, &point).await?;
    let next_step = finding_of(&steps)?.next_step();
    let next_stage = history_of(&levels)?.next_stage();
    Ok(RiskDetail { point, steps, levels, measures, assessment, model_version: model.version(), next_step, next_stage })
}

/// The scope target must be a record of the point's own unit.
async fn check_target(store: &Store, unit_id: i64, scope: RiskScope) -> Result<(), StoreError> {
    let db = store.connection();
    let owner = match scope.kind {
        ScopeKind::Unit => Some(scope.target),
        ScopeKind::Power => power::Entity::find_by_id(scope.target).one(db).await?.map(|p| p.unit_id),
        ScopeKind::Position => position::Entity::find_by_id(scope.target).one(db).await?.map(|p| p.unit_id),
        ScopeKind::Section => section::Entity::find_by_id(scope.target).one(db).await?.map(|s| s.unit_id),
    };
    if owner != Some(unit_id) {
        return Err(StoreError::invalid("scope_target", FieldError::new("not_in_unit")));
    }
    Ok(())
}

async fn check_holder(store: &Store, unit_id: i64, holder: Option<i64>) -> Result<(), StoreError> {
    if let Some(id) = holder {
        let found = person::Entity::find_by_id(id).one(store.connection()).await?;
        if found.is_none_or(|p| p.unit_id != unit_id) {
            return Err(StoreError::invalid("holder_person_id", FieldError::new("not_in_unit")));
        }
    }
    Ok(())
}

async fn check_input(store: &Store, unit_id: i64, input: &RiskInput) -> Result<(), StoreError> {
    check_target(store, unit_id, input.point.scope).await?;
    check_holder(store, unit_id, input.point.holder).await?;
    check_grades(&active_model(store).await?, input.grades)
}

fn grade_value(g: Option<u8>) -> Option<i32> {
    g.map(i32::from)
}

fn apply(model: &mut risk_point::ActiveModel, input: &RiskInput) {
    model.scope_kind = Set(input.point.scope.kind.key().to_owned());
    model.scope_target = Set(input.point.scope.target);
    model.kind = Set(input.point.kind.key().to_owned());
    model.description = Set(input.point.description.to_string());
    model.holder_tier = Set(input.point.holder_tier.key().to_owned());
    model.holder_person_id = Set(input.point.holder);
    model.method = Set(input.method.to_string());
    model.importance = Set(grade_value(input.grades.importance));
    model.frequency = Set(grade_value(input.grades.frequency));
    model.probability = Set(grade_value(input.grades.probability));
    model.harm = Set(grade_value(input.grades.harm));
}

pub async fn create_risk(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    input: &RiskInput,
) -> Result<risk_point::Model, StoreError> {
    authorize(principal, Action::ManageRisks, Target::Unit(unit_id))?;
    in_scope(unit::Entity::find_by_id(unit_id), unit::Column::Id, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::invalid("unit_id", FieldError::new("not_found")))?;
    check_input(store, unit_id, input).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model = risk_point::ActiveModel {
        unit_id: Set(unit_id),
        finding_step: Set(None),
        level_stage: Set(None),
        level_rank: Set(None),
        active: Set(true),
        created_at: Set(write.now()),
        updated_at: Set(write.now()),
        ..Default::default()
    };
    apply(&mut model, input);
    let created = model.insert(write.txn()).await?;
    write.record("risk_point.create", "risk_point", created.id, None::<&()>, Some(&created))?;
    write.commit().await?;
    Ok(created)
}

/// Changes what a point is; its finding steps and level decisions stay.
pub async fn update_risk(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &RiskInput,
) -> Result<risk_point::Model, StoreError> {
    let before = get_risk(store, principal, id).await?;
    authorize(principal, Action::ManageRisks, Target::Unit(before.unit_id))?;
    check_input(store, before.unit_id, input).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: risk_point::ActiveModel = before.clone().into();
    apply(&mut model, input);
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    write.record("risk_point.update", "risk_point", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- five steps

fn finding_of(rows: &[risk_step::Model]) -> Result<Finding, StoreError> {
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        records.push(StepRecord {
            step: row.step.parse().map_err(|_| StoreError::Internal(format!("risk step {}: bad step", row.id)))?,
            actor: row.actor.clone(),
            at: row.at,
            comment: Note::parse_optional(row.comment.as_deref()).ok().flatten(),
        });
    }
    Finding::try_from(records).map_err(|code| StoreError::Internal(format!("stored finding steps: {code}")))
}

/// The organization's review (step 5) needs the right to approve; the others, to manage.
#[must_use]
pub const fn step_action(step: FindingStep) -> Action {
    match step {
        FindingStep::OrganizationReviewed => Action::ApproveRisks,
        _ => Action::ManageRisks,
    }
}

/// Records the next step of the five-step method.
pub async fn record_step(
    store: &Store,
    principal: &Principal,
    id: i64,
    step: FindingStep,
    comment: Option<Note>,
) -> Result<risk_step::Model, StoreError> {
    let before = get_risk(store, principal, id).await?;
    authorize(principal, step_action(step), Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let rows = risk_step::Entity::find()
        .filter(risk_step::Column::RiskPointId.eq(id))
        .order_by_asc(risk_step::Column::At)
        .order_by_asc(risk_step::Column::Id)
        .all(write.txn())
        .await?;
    let mut finding = finding_of(&rows)?;
    finding
        .record(StepRecord { step, actor: principal.actor.clone(), at: write.now(), comment: comment.clone() })
        .map_err(|e| StoreError::invalid("step", e))?;
    let row = risk_step::ActiveModel {
        risk_point_id: Set(id),
        step: Set(step.key().to_owned()),
        actor: Set(principal.actor.clone()),
        at: Set(write.now()),
        comment: Set(comment.map(|c| c.to_string())),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("step"))?;
    let mut model: risk_point::ActiveModel = before.clone().into();
    model.finding_step = Set(Some(step.key().to_owned()));
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    write.record("risk_point.record_step", "risk_point", id, Some(&before), Some(&after))?;
    write.record("risk_step.create", "risk_step", row.id, None::<&()>, Some(&row))?;
    write.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- levels

fn history_of(rows: &[risk_level_decision::Model]) -> Result<LevelHistory, StoreError> {
    let mut decisions = Vec::with_capacity(rows.len());
    for row in rows {
        let bad = || StoreError::Internal(format!("level decision {} is invalid", row.id));
        decisions.push(LevelDecision {
            stage: row.stage.parse().map_err(|_| bad())?,
            rank: u8::try_from(row.rank).map_err(|_| bad())?,
            model_version: u32::try_from(row.model_version).map_err(|_| bad())?,
            score: row.score.and_then(|s| u16::try_from(s).ok()).and_then(|s| Score::try_from(s).ok()),
            actor: row.actor.clone(),
            at: row.at,
            comment: Note::parse_optional(row.comment.as_deref()).ok().flatten(),
        });
    }
    LevelHistory::try_from(decisions).map_err(|code| StoreError::Internal(format!("stored level decisions: {code}")))
}

/// Approval needs the right to approve; proposal and evaluation, to manage.
#[must_use]
pub const fn stage_action(stage: LevelStage) -> Action {
    match stage {
        LevelStage::Approved => Action::ApproveRisks,
        _ => Action::ManageRisks,
    }
}

/// Records the next level decision under the active model.
pub async fn decide_level(
    store: &Store,
    principal: &Principal,
    id: i64,
    stage: LevelStage,
    rank: u8,
    comment: Option<Note>,
) -> Result<risk_level_decision::Model, StoreError> {
    let before = get_risk(store, principal, id).await?;
    authorize(principal, stage_action(stage), Target::Unit(before.unit_id))?;
    let model = active_model(store).await?;
    let assessment = assess(store, &model, &before).await?;
    let mut write = Write::begin(store, principal).await?;
    let rows = risk_level_decision::Entity::find()
        .filter(risk_level_decision::Column::RiskPointId.eq(id))
        .order_by_asc(risk_level_decision::Column::At)
        .order_by_asc(risk_level_decision::Column::Id)
        .all(write.txn())
        .await?;
    let mut history = history_of(&rows)?;
    let decision = LevelDecision {
        stage,
        rank,
        model_version: model.version(),
        score: assessment.map(|a| a.score),
        actor: principal.actor.clone(),
        at: write.now(),
        comment: comment.clone(),
    };
    history.decide(decision, &model).map_err(|e| {
        let field = if matches!(e.code, "unknown_level" | "model_version_mismatch") { "rank" } else { "stage" };
        StoreError::invalid(field, e)
    })?;
    let row = risk_level_decision::ActiveModel {
        risk_point_id: Set(id),
        stage: Set(stage.key().to_owned()),
        rank: Set(i32::from(rank)),
        model_version: Set(i32::try_from(model.version()).unwrap_or(i32::MAX)),
        score: Set(assessment.map(|a| i32::from(a.score.tenths()))),
        actor: Set(principal.actor.clone()),
        at: Set(write.now()),
        comment: Set(comment.map(|c| c.to_string())),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    let mut point: risk_point::ActiveModel = before.clone().into();
    point.level_stage = Set(Some(stage.key().to_owned()));
    if stage == LevelStage::Approved {
        point.level_rank = Set(Some(i32::from(rank)));
    }
    point.updated_at = Set(write.now());
    let after = point.update(write.txn()).await?;
    write.record("risk_point.decide_level", "risk_point", id, Some(&before), Some(&after))?;
    write.record("risk_level_decision.create", "risk_level_decision", row.id, None::<&()>, Some(&row))?;
    write.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- measures

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
