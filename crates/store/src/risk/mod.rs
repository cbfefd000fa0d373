//! The risk register: risk points, their five-step finding, level decisions under the
//! versioned risk model, prevention measures, and the figures the heat maps draw.
//! Every query keeps to the caller's unit scope; every change is authorised and
//! recorded in the audit chain in its own transaction.

mod figures;
mod measures;
mod model;
mod workflow;

pub use figures::{
    CadreFindings, PublicRisk, ScopeTarget, SearchSummary, harm_probability, levels_by_unit, public_points,
    public_points_of_power, scope_target_name, scope_targets, search_summary,
};
pub use measures::{
    Gaps, MeasureFilter, MeasurePage, create_measure, get_measure, list_measures, measure_gaps, set_measure_status,
    update_measure,
};
pub use model::{active_model, ensure_default_model, model_versions, parse_model, preview_model, publish_model};
pub use workflow::{decide_level, record_step, stage_action, step_action};
use workflow::{finding_of, history_of};

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::org::PersonTier;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::model::Scale;
use sunlight_domain::risk::{
    FactorValues, FindingStep, FlowStepName, LevelStage, MeasureStatus, Mechanism, Phase, RiskDescription, RiskKind,
    RiskModel, RiskPoint, RiskScope, ScopeKind, Score,
};
use sunlight_domain::text::{Name, Note};

use crate::entity::{person, position, power, risk_level_decision, risk_measure, risk_point, risk_step};
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
    /// The flowchart step (环节) the point lies in, by name; points of a power only.
    pub flow_step: Option<String>,
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
    /// The name of the step of the power's flowchart the point lies in.
    pub flow_step: Option<FlowStepName>,
}

fn flow_step(raw: Option<&str>, scope: Option<ScopeKind>) -> Result<Option<FlowStepName>, FieldError> {
    let step = FlowStepName::parse_optional(raw)?;
    // A position's point is drawn on the steps the position is responsible for.
    if step.is_some() && scope.is_some_and(|s| s != ScopeKind::Power) {
        return Err(FieldError::new("only_for_power_scope"));
    }
    Ok(step)
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
        let flow_step = errors.take("flow_step", flow_step(self.flow_step.as_deref(), scope_kind)).flatten();
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
                    flow_step,
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
    check_flow_step(store, input).await?;
    check_grades(&active_model(store).await?, input.grades)
}

/// A named step must be one of the power's published flowchart, when it has one
/// (without one yet, the name waits for the chart to be drawn).
async fn check_flow_step(store: &Store, input: &RiskInput) -> Result<(), StoreError> {
    let Some(step) = &input.flow_step else { return Ok(()) };
    if input.point.scope.kind != ScopeKind::Power {
        return Ok(());
    }
    let chart = crate::flowcharts::published_for_power(store.connection(), input.point.scope.target).await?;
    if chart.is_some_and(|c| !c.steps().any(|(node, _)| node.name.trim() == step.as_str())) {
        return Err(StoreError::invalid("flow_step", FieldError::new("unknown_step")));
    }
    Ok(())
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
    model.flow_step = Set(input.flow_step.clone().map(String::from));
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
