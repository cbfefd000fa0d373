//! Design records and the county's figures over JSON.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::catalogue::design::{ComplianceInput, FocusItemInput, RawFocusItem, RawStandard, StandardInput};
use sunlight_domain::catalogue::optimization::{OptimizationInput, RawOptimization};
use sunlight_domain::policy::{Action, Target};
use sunlight_store::design::{self, DesignFilter, Optimization, PartSections};
use sunlight_store::entity::{design_standard, focus_item, standard_compliance};
use sunlight_store::{figures, org};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct DesignQuery {
    /// Only this unit's records.
    pub unit_id: Option<i64>,
    /// Substring of the title.
    pub q: Option<String>,
    /// Standards: include deactivated ones.
    pub include_inactive: bool,
}

// ---------------------------------------------------------------- standards

#[derive(Serialize, ToSchema)]
pub struct StandardDto {
    pub id: i64,
    pub seq: i32,
    pub title: String,
    pub description: Option<String>,
    pub active: bool,
}

impl From<design_standard::Model> for StandardDto {
    fn from(m: design_standard::Model) -> Self {
        Self { id: m.id, seq: m.seq, title: m.title, description: m.description, active: m.active }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StandardBody {
    /// Checklist number, 1–9999, unique.
    pub seq: Option<i64>,
    pub title: String,
    pub description: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/standards", tag = "design", params(DesignQuery), responses((status = 200, body = Vec<StandardDto>)))]
pub async fn list_standards(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DesignQuery>,
) -> ApiResult<Vec<StandardDto>> {
    let list = design::list_standards(&state.store, &caller.principal, q.include_inactive).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/standards", tag = "design", request_body = StandardBody,
    responses((status = 201, body = StandardDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_standard(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<StandardBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageStandards, Target::County)?;
    let raw = RawStandard {
        seq: body.seq.map(|n| n.to_string()).unwrap_or_default(),
        title: body.title,
        description: body.description,
    };
    let input = StandardInput::parse(&raw)?;
    let created = design::create_standard(&state.store, &caller.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(StandardDto::from(created))).into_response())
}

// ---------------------------------------------------------------- compliance

#[derive(Serialize, ToSchema)]
pub struct ComplianceDto {
    pub id: i64,
    pub standard_id: i64,
    pub unit_id: i64,
    pub compliant: bool,
    pub evidence: Option<String>,
    pub actor: String,
    pub checked_at: DateTime<Utc>,
}

impl From<standard_compliance::Model> for ComplianceDto {
    fn from(m: standard_compliance::Model) -> Self {
        Self {
            id: m.id,
            standard_id: m.standard_id,
            unit_id: m.unit_id,
            compliant: m.compliant,
            evidence: m.evidence,
            actor: m.actor,
            checked_at: m.checked_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ComplianceBody {
    pub standard_id: i64,
    pub unit_id: i64,
    pub compliant: bool,
    /// Required when `compliant` is true.
    pub evidence: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "design", params(DesignQuery), responses((status = 200, body = Vec<ComplianceDto>)))]
pub async fn list_compliance(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DesignQuery>,
) -> ApiResult<Vec<ComplianceDto>> {
    let list = design::list_compliance(&state.store, &caller.principal, q.unit_id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Records a unit's compliance with a standard (replacing what it recorded before).
#[utoipa::path(post, path = "/api/v1/compliance", tag = "design", request_body = ComplianceBody,
    responses((status = 200, body = ComplianceDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn record_compliance(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ComplianceBody>,
) -> ApiResult<ComplianceDto> {
    require(&caller, Action::ManageDesignRecords, Target::County)?;
    let input = ComplianceInput::parse(body.compliant, body.evidence.as_deref())?;
    let saved =
        design::record_compliance(&state.store, &caller.principal, body.standard_id, body.unit_id, &input).await?;
    Ok(Json(saved.into()))
}

// ---------------------------------------------------------------- focus items

#[derive(Serialize, ToSchema)]
pub struct FocusItemDto {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<focus_item::Model> for FocusItemDto {
    fn from(m: focus_item::Model) -> Self {
        Self { id: m.id, unit_id: m.unit_id, title: m.title, description: m.description, created_at: m.created_at }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FocusItemBody {
    pub unit_id: i64,
    pub title: String,
    pub description: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/focus-items", tag = "design", params(DesignQuery), responses((status = 200, body = Vec<FocusItemDto>)))]
pub async fn list_focus_items(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DesignQuery>,
) -> ApiResult<Vec<FocusItemDto>> {
    let filter = DesignFilter { unit_id: q.unit_id, q: q.q };
    let list = design::list_focus_items(&state.store, &caller.principal, &filter).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/focus-items", tag = "design", request_body = FocusItemBody,
    responses((status = 201, body = FocusItemDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_focus_item(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<FocusItemBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageDesignRecords, Target::County)?;
    let input = FocusItemInput::parse(&RawFocusItem { title: body.title, description: body.description })?;
    let created = design::create_focus_item(&state.store, &caller.principal, body.unit_id, &input).await?;
    Ok((StatusCode::CREATED, Json(FocusItemDto::from(created))).into_response())
}

// ---------------------------------------------------------------- optimizations

#[derive(Serialize, ToSchema)]
pub struct OptimizationDto {
    pub id: i64,
    pub unit_id: i64,
    pub power_id: Option<i64>,
    pub title: String,
    pub steps_before: Vec<String>,
    pub steps_after: Vec<String>,
    /// The steps of `steps_before` not in `steps_after`.
    pub steps_removed: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Optimization> for OptimizationDto {
    fn from(o: Optimization) -> Self {
        Self {
            id: o.record.id,
            unit_id: o.record.unit_id,
            power_id: o.record.power_id,
            title: o.record.title,
            steps_before: o.before,
            steps_after: o.after,
            steps_removed: o.removed,
            created_at: o.record.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizationBody {
    pub unit_id: i64,
    pub title: String,
    /// A power of the same unit.
    pub power_id: Option<i64>,
    pub steps_before: Vec<String>,
    pub steps_after: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/optimizations", tag = "design", params(DesignQuery), responses((status = 200, body = Vec<OptimizationDto>)))]
pub async fn list_optimizations(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DesignQuery>,
) -> ApiResult<Vec<OptimizationDto>> {
    let filter = DesignFilter { unit_id: q.unit_id, q: q.q };
    let list = design::list_optimizations(&state.store, &caller.principal, &filter).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/optimizations", tag = "design", request_body = OptimizationBody,
    responses((status = 201, body = OptimizationDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_optimization(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<OptimizationBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageDesignRecords, Target::County)?;
    // A step is one line: a step with a line break in it would read as two.
    let input = OptimizationInput::parse(&RawOptimization {
        title: body.title,
        power_id: body.power_id,
        steps_before: body.steps_before.join("\n"),
        steps_after: body.steps_after.join("\n"),
    })?;
    let created = design::create_optimization(&state.store, &caller.principal, body.unit_id, &input).await?;
    Ok((StatusCode::CREATED, Json(OptimizationDto::from(created))).into_response())
}

// ---------------------------------------------------------------- decomposition

#[derive(Serialize, ToSchema)]
pub struct DecompositionDto {
    pub power_id: i64,
    pub power_code: String,
    pub unit_id: i64,
    /// Section ids per part.
    pub decide: Vec<i64>,
    pub execute: Vec<i64>,
    pub supervise: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ConflictDto {
    pub power_id: i64,
    pub power_code: String,
    pub section_id: i64,
    pub section_name: String,
    /// Two or three of `decide`, `execute`, `supervise`.
    pub roles: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DecompositionListDto {
    pub powers: Vec<DecompositionDto>,
    /// Every power where one section holds two or three parts.
    pub conflicts: Vec<ConflictDto>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PartsBody {
    pub power_id: i64,
    /// Section ids (of the power's unit); empty removes the part.
    pub decide: Vec<i64>,
    pub execute: Vec<i64>,
    pub supervise: Vec<i64>,
}

fn decomposition_dto(d: design::Decomposition) -> DecompositionDto {
    DecompositionDto {
        power_id: d.power.id,
        power_code: d.power.code,
        unit_id: d.power.unit_id,
        decide: d.parts.decide,
        execute: d.parts.execute,
        supervise: d.parts.supervise,
    }
}

#[utoipa::path(get, path = "/api/v1/decomposition", tag = "design", params(DesignQuery), responses((status = 200, body = DecompositionListDto)))]
pub async fn list_decompositions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DesignQuery>,
) -> ApiResult<DecompositionListDto> {
    let powers = design::list_decompositions(&state.store, &caller.principal, q.unit_id).await?;
    let conflicts = design::separation_check(&state.store, &caller.principal, q.unit_id).await?;
    Ok(Json(DecompositionListDto {
        powers: powers.into_iter().map(decomposition_dto).collect(),
        conflicts: conflicts
            .into_iter()
            .map(|c| ConflictDto {
                power_id: c.power_id,
                power_code: c.power_code,
                section_id: c.section_id,
                section_name: c.section_name,
                roles: c.roles.iter().map(|r| r.key().to_owned()).collect(),
            })
            .collect(),
    }))
}

/// Sets the sections that decide, execute and supervise a power.
#[utoipa::path(post, path = "/api/v1/decomposition", tag = "design", request_body = PartsBody,
    responses((status = 200, body = DecompositionDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn set_parts(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PartsBody>,
) -> ApiResult<DecompositionDto> {
    require(&caller, Action::ManageDesignRecords, Target::County)?;
    let parts = PartSections { decide: body.decide, execute: body.execute, supervise: body.supervise };
    Ok(Json(decomposition_dto(design::set_power_parts(&state.store, &caller.principal, body.power_id, &parts).await?)))
}

// ---------------------------------------------------------------- figures

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct FiguresQuery {
    /// A unit code: the figures of that unit only.
    pub unit: Option<String>,
}

/// A figure: a count, or for a breakdown (e.g. `alerts_by_level`) an object of counts
/// by key (`{"reminder": 2, "yellow": 1, "red": 0, "warning": 4}`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum FigureValue {
    Count(i64),
    Counts(std::collections::BTreeMap<String, i64>),
}

/// The county's figures (or one unit's): every value one count over the records.
/// For the commission and API tokens (a token sees its unit).
#[utoipa::path(get, path = "/api/v1/figures", tag = "figures", params(FiguresQuery),
    responses((status = 200, description = "key → count, e.g. `{\"standards\": 43, \"powers\": 492, …}`; breakdowns after the counts: `alerts_by_level` → `{\"reminder\": n, \"yellow\": n, \"red\": n, \"warning\": n}` (open supervision alerts by level)", body = std::collections::BTreeMap<String, FigureValue>),
        (status = 403, body = super::ErrorBody), (status = 404, description = "unknown unit code", body = super::ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FiguresQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewFigures, Target::County)?;
    let unit = match q.unit.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(org::unit_by_code(&state.store, &caller.principal, code).await?.id),
        None => None,
    };
    let figures = figures::figures(&state.store, &caller.principal, unit).await?;
    Ok(Json(figures).into_response())
}
