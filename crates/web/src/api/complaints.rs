//! Complaints and reports (群众举报) over JSON, for staff. The public submits through
//! the form at `/complaints/new`.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::complaint::TransitionRequest;
use sunlight_domain::policy::{Action, Target};
use sunlight_store::complaints;
use sunlight_store::entity::{complaint, complaint_event};
use sunlight_store::risk::today_in_county;
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::complaints::parse_filter;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Serialize, ToSchema)]
pub struct ComplaintDto {
    pub id: i64,
    /// The receipt code without separators.
    pub receipt_code: String,
    pub anonymous: bool,
    /// `inaction`, `misconduct`, `delay` or `other`.
    pub category: String,
    pub unit_id: Option<i64>,
    pub routed_unit_id: Option<i64>,
    /// `received`, `accepted`, `declined`, `routed`, `replied` or `closed`.
    pub state: String,
    /// Accept or decline by this day.
    pub accept_due: NaiveDate,
    /// Not accepted or declined by `accept_due`.
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintPageDto {
    pub total: u64,
    /// Overdue acceptance among all the caller sees.
    pub overdue: u64,
    pub complaints: Vec<ComplaintDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintEventDto {
    pub id: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    /// Shown to the citizen by receipt code.
    pub public: bool,
}

impl From<complaint_event::Model> for ComplaintEventDto {
    fn from(m: complaint_event::Model) -> Self {
        Self {
            id: m.id,
            from_state: m.from_state,
            to_state: m.to_state,
            actor: m.actor,
            at: m.at,
            comment: m.comment,
            public: m.public,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    /// Its position: `/staff/complaints/{id}/attachments/{n}` downloads it.
    pub n: usize,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintDetailDto {
    pub complaint: ComplaintDto,
    /// Absent for anonymous complaints.
    pub name: Option<String>,
    pub phone: Option<String>,
    pub power_id: Option<i64>,
    pub power_code: Option<String>,
    pub case_number: Option<String>,
    pub text: String,
    pub attachments: Vec<AttachmentDto>,
    pub events: Vec<ComplaintEventDto>,
    /// The states the caller may move it to.
    pub next: Vec<String>,
}

fn dto(m: &complaint::Model, overdue: bool) -> ComplaintDto {
    ComplaintDto {
        id: m.id,
        receipt_code: m.receipt_code.clone(),
        anonymous: m.anonymous,
        category: m.category.clone(),
        unit_id: m.unit_id,
        routed_unit_id: m.routed_unit_id,
        state: m.state.clone(),
        accept_due: m.accept_due,
        overdue,
        created_at: m.created_at,
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ComplaintQuery {
    pub state: Option<String>,
    pub category: Option<String>,
    /// The unit complained about or routed to.
    pub unit_id: Option<String>,
    /// `true`: only those not accepted or declined in time.
    pub overdue: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintQuery),
    responses((status = 200, body = ComplaintPageDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ComplaintQuery>,
) -> ApiResult<ComplaintPageDto> {
    require(&caller, Action::ViewComplaints, Target::County)?;
    let filter = parse_filter(
        q.state.as_deref().unwrap_or_default(),
        q.category.as_deref().unwrap_or_default(),
        q.unit_id.as_deref().unwrap_or_default(),
        q.overdue.unwrap_or(false),
    )
    .map_err(AppError::Invalid)?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found = complaints::list(&state.store, &caller.principal, &filter, today_in_county(), page, per_page).await?;
    Ok(Json(ComplaintPageDto {
        total: found.total,
        overdue: found.overdue,
        complaints: found
            .complaints
            .into_iter()
            .map(|c| ComplaintDto {
                id: c.id,
                receipt_code: c.receipt_code,
                anonymous: c.anonymous,
                category: c.category,
                unit_id: c.unit_id,
                routed_unit_id: c.routed_unit_id,
                state: c.state,
                accept_due: c.accept_due,
                overdue: c.overdue,
                created_at: c.created_at,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints",
    responses((status = 200, body = ComplaintDetailDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn get(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<ComplaintDetailDto> {
    let d = complaints::detail(&state.store, &caller.principal, id, today_in_county()).await?;
    let c = d.complaint;
    Ok(Json(ComplaintDetailDto {
        complaint: dto(&c, d.overdue),
        name: c.name,
        phone: c.phone,
        power_id: c.power_id,
        power_code: c.power_code,
        case_number: c.case_number,
        text: c.text,
        attachments: d
            .attachments
            .into_iter()
            .map(|a| AttachmentDto { n: a.n, file_name: a.file_name, content_type: a.content_type, size: a.size })
            .collect(),
        events: d.events.into_iter().map(Into::into).collect(),
        next: d.next,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintTransitionBody {
    /// `accepted`, `declined` (needs `comment`), `routed` (needs `routed_unit_id`),
    /// `replied` (needs `comment`, always public) or `closed`.
    pub to: String,
    pub comment: Option<String>,
    /// Show the comment to the citizen.
    pub public: bool,
    pub routed_unit_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/transition", tag = "complaints", request_body = ComplaintTransitionBody,
    responses((status = 200, body = ComplaintDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ComplaintTransitionBody>,
) -> ApiResult<ComplaintDto> {
    require(&caller, Action::ViewComplaints, Target::County)?;
    let routed = body.routed_unit_id.map(|u| u.to_string()).unwrap_or_default();
    let request = TransitionRequest::parse(&body.to, body.comment.as_deref().unwrap_or_default(), body.public, &routed)
        .map_err(AppError::Invalid)?;
    let after = complaints::transition(&state.store, &caller.principal, id, &request).await?;
    Ok(Json(dto(&after, false)))
}
