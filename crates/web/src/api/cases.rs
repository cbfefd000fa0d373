//! Online handling (网上办理) over JSON: events pushed by units' own approval
//! systems, the online hall's cases and actions, and the XES export.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::case_event::{RawCaseEvent, RejectReason, echo_id};
use sunlight_domain::policy::{Action, Target};
use sunlight_store::cases::{self, CaseFilter, EventResult, EventStatus, RawAction, RawNewCase, Source};
use sunlight_store::entity::{case_event, handling_case, supervision_alert};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

/// One event from a unit's system (the shape of each of `EventBatchBody.events`).
#[derive(ToSchema)]
pub struct EventBody {
    /// The sender's own event id: sending it again is answered `duplicate`.
    pub id: String,
    /// The case number (办件编号).
    pub case: String,
    /// The power's code.
    pub power: String,
    /// The step of the published flowchart (optional for `apply`, `finish`, `terminate`).
    pub step: String,
    /// `apply` (creates the case), `accept`, `approve`, `return`, `correct`, `pause`,
    /// `resume`, `terminate`, `finish`, `complete` or `start`.
    pub action: String,
    /// Who acted.
    pub actor: String,
    /// The role acted in (checked against the step's role).
    pub group: Option<String>,
    /// RFC 3339; without an offset, China time.
    pub at: String,
    pub fee_due: Option<f64>,
    pub fee_paid: Option<f64>,
    pub documents: Vec<String>,
    pub comment: Option<String>,
    /// The promised deadline (with `apply`).
    pub deadline: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct EventBatchBody {
    /// At most 5,000 events (`EventBody` each); each is answered on its own.
    #[schema(value_type = Vec<EventBody>)]
    // Raw, so that one malformed event is answered on its own, and without building
    // a JSON tree of every event first.
    pub events: Vec<Box<serde_json::value::RawValue>>,
}

#[derive(Serialize, ToSchema)]
pub struct EventResultDto {
    pub id: String,
    /// `accepted`, `duplicate` or `rejected`.
    pub status: String,
    /// Why it was rejected: `unknown_case`, `unknown_power`, `unknown_step`,
    /// `no_published_flowchart`, `case_closed`, `bad_timestamp`, `malformed`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an `apply` that created its case: the applicant's verification code (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventBatchDto {
    pub results: Vec<EventResultDto>,
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: usize,
}

fn result_dto(r: EventResult) -> EventResultDto {
    let status = match r.status {
        EventStatus::Accepted => "accepted",
        EventStatus::Duplicate => "duplicate",
        EventStatus::Rejected => "rejected",
    };
    EventResultDto {
        id: r.id,
        status: status.to_owned(),
        reason: r.reason.map(str::to_owned),
        verification_code: r.verification_code,
    }
}

/// Each event on its own: one of the wrong shape is rejected, the batch goes on.
fn raw_events(values: &[Box<serde_json::value::RawValue>]) -> (Vec<RawCaseEvent>, Vec<(usize, String)>) {
    /// What is read of a malformed event: its id, to answer it by.
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<serde_json::Value>,
    }
    let mut good = Vec::with_capacity(values.len());
    let mut malformed = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if let Ok(raw) = serde_json::from_str::<RawCaseEvent>(value.get()) {
            good.push(raw);
        } else {
            let id = serde_json::from_str::<IdOnly>(value.get())
                .ok()
                .and_then(|o| o.id)
                .and_then(|id| id.as_str().map(echo_id))
                .unwrap_or_default();
            malformed.push((i, id));
        }
    }
    (good, malformed)
}

#[utoipa::path(post, path = "/api/v1/events", tag = "cases", request_body = EventBatchBody,
    responses((status = 200, body = EventBatchDto), (status = 403, body = super::ErrorBody), (status = 413, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn push_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<EventBatchBody>,
) -> ApiResult<EventBatchDto> {
    require(&caller, Action::PushEvents, Target::County)?;
    if body.events.len() > cases::MAX_BATCH {
        return Err(AppError::Invalid(FieldErrors::from((
            "events",
            FieldError::with_limit("too_many_events", cases::MAX_BATCH),
        ))));
    }
    let total = body.events.len();
    let (raws, malformed) = raw_events(&body.events);
    let report = cases::ingest(&state.store, &caller.principal, &raws, Source::Api).await?;
    let mut results: Vec<Option<EventResultDto>> = (0..total).map(|_| None).collect();
    for (i, id) in &malformed {
        results[*i] = Some(EventResultDto {
            id: id.clone(),
            status: "rejected".into(),
            reason: Some(RejectReason::Malformed.as_str().into()),
            verification_code: None,
        });
    }
    let mut good = report.results.into_iter().map(result_dto);
    for slot in &mut results {
        if slot.is_none() {
            *slot = good.next();
        }
    }
    Ok(Json(EventBatchDto {
        results: results.into_iter().flatten().collect(),
        accepted: report.accepted,
        duplicate: report.duplicate,
        rejected: report.rejected + malformed.len(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i64,
    pub case_number: String,
    pub unit_id: i64,
    pub power_id: i64,
    pub power_code: String,
    pub subject: Option<String>,
    /// `online`, `staff`, `api`, `import` or `demo`.
    pub source: String,
    /// `open`, `paused`, `finished` or `terminated`.
    pub status: String,
    /// The steps the flowchart expects next, ` / ` between parallel ones.
    pub current_step: Option<String>,
    pub received_at: DateTime<Utc>,
    pub promised_deadline: Option<DateTime<Utc>>,
    pub legal_deadline: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The strongest time card: `none`, `reminder`, `yellow` or `red`.
    pub card: String,
    pub overdue: bool,
    pub process_conformant: bool,
    pub returns: i32,
    pub event_count: i32,
    /// Office minutes from receipt to finish, pauses left out (closed cases).
    pub handling_minutes: Option<i64>,
    /// When the clock looks at the case next.
    pub next_due_at: Option<DateTime<Utc>>,
}

impl From<cases::CaseRow> for CaseDto {
    fn from(c: cases::CaseRow) -> Self {
        Self {
            id: c.id,
            case_number: c.case_number,
            unit_id: c.unit_id,
            power_id: c.power_id,
            power_code: c.power_code,
            subject: c.subject,
            source: c.source,
            status: c.status,
            current_step: c.current_step,
            received_at: c.received_at,
            promised_deadline: c.promised_deadline,
            legal_deadline: c.legal_deadline,
            finished_at: c.finished_at,
            card: c.card,
            overdue: c.overdue,
            process_conformant: c.process_conformant,
            returns: c.returns,
            event_count: c.event_count,
            handling_minutes: c.handling_minutes,
            next_due_at: c.next_due_at,
        }
    }
}

impl From<handling_case::Model> for CaseDto {
    fn from(m: handling_case::Model) -> Self {
        cases::CaseRow::from(m).into()
    }
}

#[derive(Serialize, ToSchema)]
pub struct CasePageDto {
    pub total: u64,
    pub cases: Vec<CaseDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseEventDto {
    pub seq: i32,
    pub client_event_id: Option<String>,
    pub step: String,
    pub action: String,
    pub actor: String,
    pub actor_group: Option<String>,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    pub documents: Vec<String>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
    pub source: String,
    /// When the server stored it (beside the sender's `at`).
    pub recorded_at: DateTime<Utc>,
}

impl From<case_event::Model> for CaseEventDto {
    fn from(m: case_event::Model) -> Self {
        Self {
            documents: serde_json::from_str(&m.documents).unwrap_or_default(),
            seq: m.seq,
            client_event_id: m.client_event_id,
            step: m.step,
            action: m.action,
            actor: m.actor,
            actor_group: m.actor_group,
            at: m.at,
            comment: m.comment,
            fee_due_cents: m.fee_due_cents,
            fee_paid_cents: m.fee_paid_cents,
            source: m.source,
            recorded_at: m.recorded_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseAlertDto {
    pub id: i64,
    /// The rule, e.g. `time.red_card`, `process.not_allowed`.
    pub rule: String,
    /// `reminder`, `yellow`, `red` or `warning`.
    pub level: String,
    pub step: Option<String>,
    pub person: Option<String>,
    pub evidence: String,
    /// `raised`, `acknowledged`, `explained`, `closed` or `escalated`.
    pub state: String,
    pub close_reason: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<supervision_alert::Model> for CaseAlertDto {
    fn from(m: supervision_alert::Model) -> Self {
        Self {
            id: m.id,
            rule: m.rule,
            level: m.level,
            step: m.step,
            person: m.person,
            evidence: m.evidence,
            state: m.state,
            close_reason: m.close_reason,
            raised_at: m.raised_at,
            closed_at: m.closed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetailDto {
    pub case: CaseDto,
    /// Personal data: staff only.
    pub applicant: Option<String>,
    pub unit_name: String,
    pub power_name: String,
    pub events: Vec<CaseEventDto>,
    pub alerts: Vec<CaseAlertDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct CaseQuery {
    pub unit_id: Option<String>,
    /// A power's code.
    pub power: Option<String>,
    /// `open`, `paused`, `finished` or `terminated`.
    pub status: Option<String>,
    /// `none`, `reminder`, `yellow` or `red`.
    pub card: Option<String>,
    /// Received in this month: `YYYY-MM`.
    pub month: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl CaseQuery {
    fn filter(&self) -> Result<CaseFilter, AppError> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        CaseFilter::parse(&s(&self.unit_id), &s(&self.power), &s(&self.status), &s(&self.card), &s(&self.month))
            .map_err(AppError::Invalid)
    }
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CasePageDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller, Query(q): Query<CaseQuery>) -> ApiResult<CasePageDto> {
    require(&caller, Action::ViewCases, Target::County)?;
    let filter = q.filter()?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found = cases::list(&state.store, &caller.principal, &filter, page, per_page).await?;
    Ok(Json(CasePageDto { total: found.total, cases: found.cases.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(get, path = "/api/v1/cases.xes", tag = "cases", params(CaseQuery),
    responses((status = 200, description = "The cases and their events as an XES (IEEE 1849) log", content_type = "application/xml"), (status = 403, body = super::ErrorBody)))]
pub async fn export_xes(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CaseQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewCases, Target::County)?;
    let filter = q.filter()?;
    let xes = cases::export_xes(&state.store, &caller.principal, &filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"cases.xes\""),
        ],
        xes,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{number}", tag = "cases",
    params(("number" = String, Path, description = "The case number")),
    responses((status = 200, body = CaseDetailDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<CaseDetailDto> {
    let d = cases::detail(&state.store, &caller.principal, &number).await?;
    Ok(Json(CaseDetailDto {
        applicant: d.case.applicant.clone(),
        case: d.case.into(),
        unit_name: d.unit_name,
        power_name: d.power_name,
        events: d.events.into_iter().map(Into::into).collect(),
        alerts: d.alerts.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NewCaseBody {
    /// The power's code (a published flowchart is needed).
    pub power: String,
    /// Who applies (personal data: staff only).
    pub applicant: Option<String>,
    pub subject: Option<String>,
    /// A promised deadline, RFC 3339.
    pub deadline: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedCaseDto {
    pub case: CaseDto,
    /// Six digits the applicant follows the case with; shown this once, only its hash is kept.
    pub verification_code: String,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCaseBody,
    responses((status = 201, body = CreatedCaseDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCaseBody>,
) -> Result<(StatusCode, Json<CreatedCaseDto>), AppError> {
    require(&caller, hall_action(&caller), Target::County)?;
    let raw =
        RawNewCase { power: body.power, applicant: body.applicant, subject: body.subject, deadline: body.deadline };
    let new = raw.parse().map_err(AppError::Invalid)?;
    let created = cases::create_case(&state.store, &caller.principal, &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedCaseDto { case: created.case.into(), verification_code: created.verification_code }),
    ))
}

/// People act in the hall; a unit's system acts with its token.
fn hall_action(caller: &Caller) -> Action {
    if caller.principal.is_token { Action::PushEvents } else { Action::HandleCases }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    /// `accept`, `approve`, `return`, `correct`, `pause`, `resume`, `terminate`,
    /// `finish`, `complete` or `start`.
    pub action: String,
    /// The step of the flowchart acted on (optional for `finish` and `terminate`).
    pub step: String,
    pub comment: Option<String>,
    pub documents: Vec<String>,
    /// The role acted in.
    pub group: Option<String>,
    pub fee_due: Option<f64>,
    pub fee_paid: Option<f64>,
}

#[utoipa::path(post, path = "/api/v1/cases/{number}/actions", tag = "cases", request_body = ActionBody,
    params(("number" = String, Path, description = "The case number")),
    responses((status = 200, body = CaseDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<CaseDto> {
    require(&caller, hall_action(&caller), Target::County)?;
    let raw = RawAction {
        action: body.action,
        step: body.step,
        group: body.group,
        comment: body.comment,
        documents: body.documents,
        fee_due: body.fee_due,
        fee_paid: body.fee_paid,
    };
    let input = raw.parse().map_err(AppError::Invalid)?;
    let after = cases::act(&state.store, &caller.principal, &number, &input).await?;
    Ok(Json(after.into()))
}
