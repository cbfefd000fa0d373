//! The risk register over JSON: risk points, their finding steps and level
//! decisions, prevention measures, and the risk model in force.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::FieldErrors;
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_domain::risk::FindingStep;
use sunlight_domain::text::Note;
use sunlight_store::entity::{risk_level_decision, risk_measure, risk_point, risk_step};
use sunlight_store::risk::{self, MeasureFilter, RawMeasure, RawRisk, RiskFilter};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Serialize, ToSchema)]
pub struct RiskDto {
    pub id: i64,
    pub unit_id: i64,
    /// `power`, `position`, `section` or `unit`.
    pub scope_kind: String,
    pub scope_target: i64,
    /// `power`, `management` or `process`.
    pub kind: String,
    pub description: String,
    pub holder_tier: String,
    pub holder_person_id: Option<i64>,
    pub method: String,
    pub importance: Option<i32>,
    pub frequency: Option<i32>,
    pub probability: Option<i32>,
    pub harm: Option<i32>,
    /// The step of the power's flowchart the point lies in (环节); the drawing colours it.
    pub flow_step: Option<String>,
    /// The last finding step recorded.
    pub finding_step: Option<String>,
    /// The last level stage recorded.
    pub level_stage: Option<String>,
    /// The approved level's rank (1 highest).
    pub level_rank: Option<i32>,
    /// The approved level in words (Chinese), from the model in force.
    pub level_name: Option<String>,
    pub level_colour: Option<String>,
}

impl RiskDto {
    fn new(m: risk_point::Model, model: &sunlight_domain::risk::RiskModel) -> Self {
        let level = m.level_rank.and_then(|r| u8::try_from(r).ok()).and_then(|r| model.level(r));
        Self {
            level_name: level.map(|l| format!("{}（{}）", l.name_zh, l.colour_zh)),
            level_colour: level.map(|l| l.colour.as_str().to_owned()),
            id: m.id,
            unit_id: m.unit_id,
            scope_kind: m.scope_kind,
            scope_target: m.scope_target,
            kind: m.kind,
            description: m.description,
            holder_tier: m.holder_tier,
            holder_person_id: m.holder_person_id,
            method: m.method,
            importance: m.importance,
            frequency: m.frequency,
            probability: m.probability,
            harm: m.harm,
            flow_step: m.flow_step,
            finding_step: m.finding_step,
            level_stage: m.level_stage,
            level_rank: m.level_rank,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RiskPageDto {
    pub total: u64,
    pub points: Vec<RiskDto>,
}

#[derive(Serialize, ToSchema)]
pub struct StepDto {
    pub id: i64,
    pub step: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
}

impl From<risk_step::Model> for StepDto {
    fn from(m: risk_step::Model) -> Self {
        Self { id: m.id, step: m.step, actor: m.actor, at: m.at, comment: m.comment }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LevelDecisionDto {
    pub id: i64,
    pub stage: String,
    pub rank: i32,
    pub model_version: i32,
    /// Tenths of a point.
    pub score: Option<i32>,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
}

impl From<risk_level_decision::Model> for LevelDecisionDto {
    fn from(m: risk_level_decision::Model) -> Self {
        Self {
            id: m.id,
            stage: m.stage,
            rank: m.rank,
            model_version: m.model_version,
            score: m.score,
            actor: m.actor,
            at: m.at,
            comment: m.comment,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    pub id: i64,
    pub risk_point_id: i64,
    pub unit_id: i64,
    /// `before`, `during` or `after`.
    pub phase: String,
    /// `prevention`, `oversight`, `transparency` or `accountability`.
    pub mechanism: String,
    pub description: String,
    pub owner: String,
    pub due: NaiveDate,
    /// `planned`, `in_progress` or `done`.
    pub status: String,
}

impl From<risk_measure::Model> for MeasureDto {
    fn from(m: risk_measure::Model) -> Self {
        Self {
            id: m.id,
            risk_point_id: m.risk_point_id,
            unit_id: m.unit_id,
            phase: m.phase,
            mechanism: m.mechanism,
            description: m.description,
            owner: m.owner,
            due: m.due,
            status: m.status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RiskDetailDto {
    pub point: RiskDto,
    pub steps: Vec<StepDto>,
    pub levels: Vec<LevelDecisionDto>,
    pub measures: Vec<MeasureDto>,
    /// Score (tenths) under the model in force, when all four grades are set.
    pub score: Option<u16>,
    /// The level that score suggests.
    pub suggested_rank: Option<u8>,
    pub model_version: u32,
    pub next_step: Option<String>,
    pub next_stage: String,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct RiskQuery {
    pub unit_id: Option<i64>,
    pub kind: Option<String>,
    pub scope_kind: Option<String>,
    pub holder_tier: Option<String>,
    /// Approved level rank; 0 for none yet.
    pub level_rank: Option<i32>,
    /// Last finding step; `none` for not yet found.
    pub finding_step: Option<String>,
    /// Substring of the description.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/risks", tag = "risks", params(RiskQuery), responses((status = 200, body = RiskPageDto)))]
pub async fn list_risks(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RiskQuery>,
) -> ApiResult<RiskPageDto> {
    let filter = RiskFilter {
        unit_id: q.unit_id,
        kind: q.kind,
        scope_kind: q.scope_kind,
        holder_tier: q.holder_tier,
        holder_person_id: None,
        level_rank: q.level_rank,
        finding_step: q.finding_step,
        q: q.q,
    };
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found = risk::list_risks(&state.store, &caller.principal, &filter, page, per_page).await?;
    let model = risk::active_model(&state.store).await?;
    Ok(Json(RiskPageDto {
        total: found.total,
        points: found.points.into_iter().map(|p| RiskDto::new(p, &model)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risks", responses((status = 200, body = RiskDetailDto), (status = 404, body = super::ErrorBody)))]
pub async fn get_risk(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<RiskDetailDto> {
    let detail = risk::risk_detail(&state.store, &caller.principal, id).await?;
    let model = risk::active_model(&state.store).await?;
    Ok(Json(RiskDetailDto {
        point: RiskDto::new(detail.point, &model),
        steps: detail.steps.into_iter().map(Into::into).collect(),
        levels: detail.levels.into_iter().map(Into::into).collect(),
        measures: detail.measures.into_iter().map(Into::into).collect(),
        score: detail.assessment.map(|a| a.score.tenths()),
        suggested_rank: detail.assessment.map(|a| a.rank),
        model_version: detail.model_version,
        next_step: detail.next_step.map(|s| s.key().to_owned()),
        next_stage: detail.next_stage.key().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RiskBody {
    pub unit_id: Option<i64>,
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
    /// The name of the step of the power's flowchart the point lies in (points of a power).
    pub flow_step: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/risks", tag = "risks", request_body = RiskBody,
    responses((status = 201, body = RiskDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_risk(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RiskBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let raw = RawRisk {
        scope_kind: body.scope_kind,
        scope_target: body.scope_target,
        kind: body.kind,
        description: body.description,
        holder_tier: body.holder_tier,
        holder_person_id: body.holder_person_id,
        method: body.method,
        importance: body.importance,
        frequency: body.frequency,
        probability: body.probability,
        harm: body.harm,
        flow_step: body.flow_step,
    };
    let mut errors = FieldErrors::new();
    if body.unit_id.is_none() {
        errors.add("unit_id", sunlight_domain::field::FieldError::new("required"));
    }
    let input = match raw.parse_for(&risk::active_model(&state.store).await?) {
        Ok(input) => Some(input),
        Err(more) => {
            errors.merge(&more);
            None
        }
    };
    let (Some(unit_id), Some(input)) = (body.unit_id, input) else {
        return Err(AppError::Invalid(errors));
    };
    require(&caller, Action::ManageRisks, Target::Unit(unit_id))?;
    let created = risk::create_risk(&state.store, &caller.principal, unit_id, &input).await?;
    let model = risk::active_model(&state.store).await?;
    Ok((StatusCode::CREATED, Json(RiskDto::new(created, &model))).into_response())
}

fn require_workflow_role(caller: &Caller) -> Result<(), AppError> {
    let manage = authorize(&caller.principal, Action::ManageRisks, Target::County).is_ok();
    let approve = authorize(&caller.principal, Action::ApproveRisks, Target::County).is_ok();
    if manage || approve { Ok(()) } else { Err(AppError::Forbidden) }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StepBody {
    /// The next step: `self_found`, `leader_proposed`, `public_helped`,
    /// `collectively_evaluated` or `organization_reviewed` (needs the right to approve).
    pub step: String,
    pub comment: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/risks/{id}/steps", tag = "risks", request_body = StepBody,
    responses((status = 201, body = StepDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn record_step(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StepBody>,
) -> Result<Response, AppError> {
    require_workflow_role(&caller)?;
    let mut errors = FieldErrors::new();
    let step = errors.take("step", body.step.parse::<FindingStep>());
    let comment = errors.take("comment", Note::parse_optional(body.comment.as_deref())).flatten();
    let Some(step) = step.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let row = risk::record_step(&state.store, &caller.principal, id, step, comment).await?;
    Ok((StatusCode::CREATED, Json(StepDto::from(row))).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LevelBody {
    /// `proposed`, `leader_evaluated` or `approved` (needs the right to approve).
    pub stage: String,
    /// A level of the model in force (1 highest).
    pub rank: Option<u8>,
    pub comment: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/risks/{id}/levels", tag = "risks", request_body = LevelBody,
    responses((status = 201, body = LevelDecisionDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn decide_level(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<LevelBody>,
) -> Result<Response, AppError> {
    require_workflow_role(&caller)?;
    let rank = body.rank.map(|r| r.to_string()).unwrap_or_default();
    let (level_stage, rank, comment) =
        crate::pages::risk::parse_level(&body.stage, &rank, body.comment.as_deref().unwrap_or_default())?;
    let row = risk::decide_level(&state.store, &caller.principal, id, level_stage, rank, comment).await?;
    Ok((StatusCode::CREATED, Json(LevelDecisionDto::from(row))).into_response())
}

#[utoipa::path(get, path = "/api/v1/risks/{id}/measures", tag = "risks", responses((status = 200, body = Vec<MeasureDto>)))]
pub async fn list_measures(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Vec<MeasureDto>> {
    let point = risk::get_risk(&state.store, &caller.principal, id).await?;
    let filter = MeasureFilter { unit_id: Some(point.unit_id), risk_point_id: Some(id), ..Default::default() };
    let found = risk::list_measures(&state.store, &caller.principal, &filter, 1, 10_000).await?;
    Ok(Json(found.measures.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MeasureBody {
    pub phase: String,
    pub mechanism: String,
    pub description: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// Absent means `planned`.
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/risks/{id}/measures", tag = "risks", request_body = MeasureBody,
    responses((status = 201, body = MeasureDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_measure(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MeasureBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let input = RawMeasure {
        phase: body.phase,
        mechanism: body.mechanism,
        description: body.description,
        owner: body.owner,
        due: body.due,
        status: body.status,
    }
    .parse()?;
    let row = risk::create_measure(&state.store, &caller.principal, id, &input).await?;
    Ok((StatusCode::CREATED, Json(MeasureDto::from(row))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct RiskModelDto {
    pub version: u32,
    /// The model's configuration: factors with weights and scales, levels with
    /// names (zh/en), colours and thresholds.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/risk-model", tag = "risks", responses((status = 200, body = RiskModelDto)))]
pub async fn risk_model(State(state): State<AppState>, caller: Caller) -> ApiResult<RiskModelDto> {
    require(&caller, Action::ViewCatalogue, Target::County)?;
    let model = risk::active_model(&state.store).await?;
    let config = serde_json::to_value(model.config()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(RiskModelDto { version: model.version(), config }))
}
