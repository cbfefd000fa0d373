//! Flowcharts over JSON: the list, one flowchart with its versions and steps, a
//! BPMN draft uploaded for a power, publication, and the BPMN and SVG of a version.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::bpmn::BpmnError;
use sunlight_domain::policy::{Action, Target};
use sunlight_store::flowcharts::{
    self, FlowchartDetail, FlowchartFilter, FlowchartRow, ImportError, PowerRef, VersionInfo, clarity_key,
};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::flowchart_text::{bpmn_error, bpmn_error_place, limit_text};
use crate::i18n::Lang;
use crate::pages::flowcharts::drawing;
use crate::pages::require;

/// A version of a flowchart (its BPMN is at `/api/v1/flowcharts/{id}/bpmn?version=N`).
#[derive(Serialize, ToSchema)]
pub struct FlowchartVersionDto {
    pub id: i64,
    pub version: i32,
    /// `draft`, `published` or `superseded`.
    pub state: String,
    pub step_count: i32,
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub published_at: Option<String>,
}

fn version_dto(v: &VersionInfo) -> FlowchartVersionDto {
    FlowchartVersionDto {
        id: v.id,
        version: v.version,
        state: v.state.clone(),
        step_count: v.step_count,
        created_by: v.created_by.clone(),
        created_at: v.created_at.to_rfc3339(),
        published_at: v.published_at.map(|t| t.to_rfc3339()),
    }
}

/// A power's flowchart.
#[derive(Serialize, ToSchema)]
pub struct FlowchartDto {
    pub id: i64,
    pub power_id: i64,
    pub power_code: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    /// The version in force, if any.
    pub published_version: Option<i32>,
    pub latest_version: Option<i32>,
    pub latest_state: Option<String>,
    pub versions: usize,
    pub updated_at: String,
}

fn row_dto(row: &FlowchartRow) -> FlowchartDto {
    FlowchartDto {
        id: row.flowchart.id,
        power_id: row.flowchart.power_id,
        power_code: row.flowchart.power_code.clone(),
        name: row.flowchart.name.clone(),
        unit_id: row.flowchart.unit_id,
        unit_name: row.unit_name.clone(),
        published_version: row.published.as_ref().map(|v| v.version),
        latest_version: row.latest.as_ref().map(|v| v.version),
        latest_state: row.latest.as_ref().map(|v| v.state.clone()),
        versions: row.versions,
        updated_at: row.flowchart.updated_at.to_rfc3339(),
    }
}

fn detail_dto(d: &FlowchartDetail) -> FlowchartDto {
    let latest = d.versions.last();
    FlowchartDto {
        id: d.flowchart.id,
        power_id: d.flowchart.power_id,
        power_code: d.flowchart.power_code.clone(),
        name: d.flowchart.name.clone(),
        unit_id: d.flowchart.unit_id,
        unit_name: d.unit_name.clone(),
        published_version: d.published().map(|v| v.version),
        latest_version: latest.map(|v| v.version),
        latest_state: latest.map(|v| v.state.clone()),
        versions: d.versions.len(),
        updated_at: d.flowchart.updated_at.to_rfc3339(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct FlowchartPageDto {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub flowcharts: Vec<FlowchartDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct FlowchartQuery {
    pub unit_id: Option<i64>,
    /// `published` (has a published version), `unpublished` or `draft` (has a draft waiting).
    pub state: Option<String>,
    /// Part of the power's code or name.
    pub q: Option<String>,
    /// 1-based; default 1.
    pub page: Option<u64>,
    /// Default 50, at most 500.
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/flowcharts", tag = "flowcharts", params(FlowchartQuery),
    responses((status = 200, body = FlowchartPageDto), (status = 403, body = super::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FlowchartQuery>,
) -> Result<Json<FlowchartPageDto>, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let filter = FlowchartFilter { unit_id: q.unit_id, state: q.state, q: q.q };
    let found = flowcharts::list(&state.store, &caller.principal, &filter, page, per_page).await?;
    Ok(Json(FlowchartPageDto {
        total: found.total,
        page,
        per_page,
        flowcharts: found.rows.iter().map(row_dto).collect(),
    }))
}

/// A step and its four clarities.
#[derive(Serialize, ToSchema)]
pub struct FlowchartStepDto {
    /// The BPMN element id.
    pub id: String,
    pub name: String,
    pub role: Option<String>,
    pub position: Option<String>,
    pub person: Option<String>,
    /// In words, e.g. `5个工作日`.
    pub limit: Option<String>,
    pub limit_amount: Option<u32>,
    /// `working_days`, `natural_days` or `working_hours`.
    pub limit_unit: Option<String>,
    pub supervisor: Option<String>,
    pub documents: Vec<String>,
    /// `acceptance` or `correction`.
    pub marker: Option<String>,
    /// Clarities the step lacks: `procedure`, `responsible_person`, `time_limit`, `supervisor`.
    pub missing: Vec<String>,
    /// The approved risk level (rank, 1 highest) of the step's risk points.
    pub risk_level: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct FlowchartDetailDto {
    pub flowchart: FlowchartDto,
    pub versions: Vec<FlowchartVersionDto>,
    /// The version whose steps follow: the one asked for, else the published one, else the newest.
    pub shown_version: Option<i32>,
    pub steps: Vec<FlowchartStepDto>,
    /// Whether every step states the four clarities (a draft can be published).
    pub complete: bool,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct VersionQuery {
    /// A version number; default: the published version (for steps and SVG: else the newest).
    pub version: Option<i32>,
}

fn steps_dto(lang: Lang, chart: &Flowchart, ranks: &std::collections::BTreeMap<String, i32>) -> Vec<FlowchartStepDto> {
    let gaps = chart.four_clarities();
    chart
        .nodes()
        .iter()
        .filter_map(|node| {
            let step = node.step()?;
            let missing = gaps
                .iter()
                .find(|g| g.step == node.id)
                .map(|g| g.missing.iter().map(|c| clarity_key(*c).to_owned()).collect())
                .unwrap_or_default();
            Some(FlowchartStepDto {
                id: node.id.to_string(),
                name: node.name.clone(),
                role: step.role.clone(),
                position: step.position.clone(),
                person: step.person.clone(),
                limit: step.limit.map(|l| limit_text(lang, l)),
                limit_amount: step.limit.map(sunlight_domain::flow::TimeLimit::amount),
                limit_unit: step.limit.map(|l| l.unit().as_str().to_owned()),
                supervisor: step.supervisor.clone(),
                documents: step.documents.clone(),
                marker: step.marker.map(|m| m.as_str().to_owned()),
                missing,
                risk_level: ranks.get(node.name.trim()).copied(),
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/flowcharts/{id}", tag = "flowcharts", params(("id" = i64, Path), VersionQuery),
    responses((status = 200, body = FlowchartDetailDto), (status = 404, body = super::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<FlowchartDetailDto>, AppError> {
    let detail = flowcharts::get(&state.store, &caller.principal, id).await?;
    let (shown_version, steps, complete) = if q.version.is_some() || detail.shown().is_some() {
        let (info, chart, _) = flowcharts::version_chart(&state.store, &caller.principal, id, q.version).await?;
        let ranks = flowcharts::step_levels(state.store.connection(), &detail.power, &chart).await?;
        (Some(info.version), steps_dto(lang, &chart, &ranks), chart.four_clarities().is_empty())
    } else {
        (None, Vec::new(), false)
    };
    Ok(Json(FlowchartDetailDto {
        flowchart: detail_dto(&detail),
        versions: detail.versions.iter().map(version_dto).collect(),
        shown_version,
        steps,
        complete,
    }))
}

/// What an upload created.
#[derive(Serialize, ToSchema)]
pub struct FlowchartImportedDto {
    pub flowchart_id: i64,
    /// Whether the power had no flowchart before.
    pub created: bool,
    pub version: FlowchartVersionDto,
}

/// The 422 of a file that is not a flowchart: where and what.
fn invalid_bpmn(lang: Lang, error: &BpmnError) -> Response {
    let (line, element) = bpmn_error_place(error);
    let message = bpmn_error(lang, error);
    let body = json!({
        "error": "invalid_bpmn",
        "message": message,
        "fields": {"bpmn": {"code": error.code(), "message": message}},
        "line": line,
        "element": element,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Uploads BPMN 2.0 XML (the request body, any XML content type) as a new draft of
/// the power's flowchart, creating the flowchart when the power has none. A bad file
/// writes nothing and is answered 422 `invalid_bpmn` with its `line` and `element`.
#[utoipa::path(post, path = "/api/v1/powers/{code}/flowchart", tag = "flowcharts",
    params(("code" = String, Path, description = "The power's code, e.g. `SCJGXK001`")),
    request_body(content = String, content_type = "application/xml", description = "BPMN 2.0 XML"),
    responses((status = 201, body = FlowchartImportedDto), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(code): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageFlowcharts, Target::County)?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("bad_body", e.body_text())
        }
    })?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        let body = json!({
            "error": "invalid_bpmn",
            "message": lang.t("bpmn-error-not-utf8"),
            "fields": {"bpmn": {"code": "not_utf8", "message": lang.t("bpmn-error-not-utf8")}},
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    };
    match flowcharts::import_draft(&state.store, &caller.principal, PowerRef::Code(&code), text).await {
        Ok(imported) => Ok((
            StatusCode::CREATED,
            Json(FlowchartImportedDto {
                flowchart_id: imported.flowchart.id,
                created: imported.created,
                version: version_dto(&imported.version),
            }),
        )
            .into_response()),
        Err(ImportError::Bpmn(e)) => Ok(invalid_bpmn(lang, &e)),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

/// Publishes a draft. Every step must state the four clarities, else 422 with one
/// field per gap: `step.<element id>.<clarity>` → `four_clarities_missing`.
#[utoipa::path(post, path = "/api/v1/flowcharts/{id}/versions/{version}/publish", tag = "flowcharts",
    params(("id" = i64, Path), ("version" = i32, Path)),
    responses((status = 200, body = FlowchartVersionDto), (status = 403, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<FlowchartVersionDto>, AppError> {
    require(&caller, Action::ManageFlowcharts, Target::County)?;
    let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i32>()) else {
        return Err(AppError::NotFound);
    };
    let published = flowcharts::publish(&state.store, &caller.principal, id, version).await?;
    Ok(Json(version_dto(&published)))
}

/// The BPMN 2.0 of the published version, or of `version`.
#[utoipa::path(get, path = "/api/v1/flowcharts/{id}/bpmn", tag = "flowcharts", params(("id" = i64, Path), VersionQuery),
    responses((status = 200, description = "BPMN 2.0 XML", content_type = "application/xml", body = String),
        (status = 404, body = super::ErrorBody)))]
pub async fn bpmn(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let detail = flowcharts::get(&state.store, &caller.principal, id).await?;
    let (info, text) = flowcharts::export(&state.store, &caller.principal, id, q.version).await?;
    // Power codes are letters and digits: safe in a header.
    let name: String =
        detail.flowchart.power_code.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    let disposition = format!("attachment; filename=\"{name}-v{}.bpmn\"", info.version);
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

/// The drawing of the published version (else the newest), or of `version`.
#[utoipa::path(get, path = "/api/v1/flowcharts/{id}/svg", tag = "flowcharts", params(("id" = i64, Path), VersionQuery),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
        (status = 404, body = super::ErrorBody)))]
pub async fn svg(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let detail = flowcharts::get(&state.store, &caller.principal, id).await?;
    let (_, chart, _) = flowcharts::version_chart(&state.store, &caller.principal, id, q.version).await?;
    let (svg, _) = drawing(&state, lang, &detail.power, &chart).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response())
}
