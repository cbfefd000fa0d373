//! Electronic supervision over JSON: the alerts on cases and their lifecycle, the
//! monthly rates, and the rules' settings.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::{RuleId, RuleSettings};
use sunlight_domain::policy::{Action, Target};
use sunlight_domain::supervision::lifecycle::AlertState;
use sunlight_domain::supervision::{AlertLevel, Month, Party};
use sunlight_store::entity::supervision_alert_event;
use sunlight_store::settings;
use sunlight_store::supervision::alerts::{self, AlertFilter, AlertRow, CaseBasics};
use sunlight_store::supervision::rates::{self, RateRow, RatesBy, RatesQuery};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

// ---------------------------------------------------------------- parsing (shared with the pages)

fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

fn id(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i64> {
    optional(text).and_then(|t| errors.take(field, t.parse::<i64>().map_err(|_| FieldError::new("not_a_number"))))
}

/// The alert list's filters as typed; every bad one is reported on its field.
#[allow(clippy::too_many_arguments)] // one argument a filter field, as forms and queries carry them
pub fn parse_alert_filter(
    unit_id: &str,
    level: &str,
    family: &str,
    state: &str,
    open: bool,
    must_act: &str,
    case_number: &str,
) -> Result<AlertFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let filter = AlertFilter {
        unit_id: id(&mut errors, "unit_id", unit_id),
        level: optional(level).and_then(|l| errors.take("level", l.parse::<AlertLevel>())),
        family: optional(family).and_then(|f| {
            let known = alerts::families().contains(&f);
            errors.take("family", if known { Ok(f.to_owned()) } else { Err(FieldError::new("unknown_value")) })
        }),
        state: optional(state).and_then(|s| errors.take("state", s.parse::<AlertState>())),
        open,
        must_act: optional(must_act).and_then(|p| errors.take("must_act", p.parse::<Party>())),
        case_number: optional(case_number).map(str::to_owned),
    };
    errors.into_result().map(|()| filter)
}

/// A move's fields as typed: the same as a trading alert's.
pub use super::trading_alerts::parse_transition;

/// The rates' grouping and range as typed; empty months mean the last six.
pub fn parse_rates_query(
    by: &str,
    from: &str,
    to: &str,
    unit_id: &str,
    power_id: &str,
    power_code: &str,
) -> Result<RatesQuery, FieldErrors> {
    let mut errors = FieldErrors::new();
    let by = match by.trim() {
        "" | "unit" => Some(RatesBy::Unit),
        "power" => Some(RatesBy::Power),
        _ => {
            errors.add("by", FieldError::new("unknown_value"));
            None
        }
    };
    let (first, last) = rates::recent_months(6);
    let from = optional(from).map_or(Some(first), |t| errors.take("from", Month::parse(t)));
    let to = optional(to).map_or(Some(last), |t| errors.take("to", Month::parse(t)));
    let unit_id = id(&mut errors, "unit_id", unit_id);
    let power_id = id(&mut errors, "power_id", power_id);
    match (by, from, to) {
        (Some(by), Some(from), Some(to)) if errors.is_empty() => {
            Ok(RatesQuery { by, from, to, unit_id, power_id, power_code: optional(power_code).map(str::to_owned) })
        }
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------- alerts

#[derive(Serialize, ToSchema)]
pub struct SupervisionAlertDto {
    pub id: i64,
    /// The rule's id, e.g. `time.red_card`, `process.not_allowed`.
    pub rule: String,
    /// `reminder`, `yellow`, `red` or `warning`.
    pub level: String,
    pub case_id: i64,
    pub case_number: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub step: Option<String>,
    pub person: Option<String>,
    /// The evidence in English.
    pub evidence: String,
    /// The evidence as a message to translate: `{"key": …, "args": {…}}` (the
    /// catalogues' `finding-<key>`, `_` written `-`); absent for alerts raised before it existed.
    #[schema(value_type = Option<Object>)]
    pub evidence_words: Option<serde_json::Value>,
    /// `raised`, `acknowledged`, `explained`, `closed` or `escalated`.
    pub state: String,
    /// `unit` or `commission`.
    pub must_act: String,
    /// `resolved`, `superseded`, `taken_down` or `explained`.
    pub close_reason: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<AlertRow> for SupervisionAlertDto {
    fn from(r: AlertRow) -> Self {
        let a = r.alert;
        Self {
            id: a.id,
            rule: a.rule,
            level: a.level,
            case_id: a.case_id,
            case_number: r.case_number,
            unit_id: a.unit_id,
            unit_name: r.unit_name,
            step: a.step,
            person: a.person,
            evidence_words: serde_json::from_str(&a.evidence_words).ok(),
            evidence: a.evidence,
            state: a.state,
            must_act: a.must_act,
            close_reason: a.close_reason,
            raised_at: a.raised_at,
            updated_at: a.updated_at,
            closed_at: a.closed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SupervisionAlertPageDto {
    pub total: u64,
    pub alerts: Vec<SupervisionAlertDto>,
}

#[derive(Serialize, ToSchema)]
pub struct SupervisionAlertEventDto {
    pub id: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    /// `system:rules` for the rules' own moves.
    pub actor: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<supervision_alert_event::Model> for SupervisionAlertEventDto {
    fn from(m: supervision_alert_event::Model) -> Self {
        Self { id: m.id, from_state: m.from_state, to_state: m.to_state, actor: m.actor, comment: m.comment, at: m.at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseBasicsDto {
    pub id: i64,
    pub case_number: String,
    pub power_code: String,
    pub power_name: Option<String>,
    pub subject: Option<String>,
    /// `open`, `paused`, `finished` or `terminated`.
    pub status: String,
    pub current_step: Option<String>,
    /// `none`, `reminder`, `yellow` or `red`.
    pub card: String,
    pub received_at: DateTime<Utc>,
    pub promised_deadline: Option<DateTime<Utc>>,
    pub legal_deadline: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<CaseBasics> for CaseBasicsDto {
    fn from(c: CaseBasics) -> Self {
        Self {
            id: c.id,
            case_number: c.case_number,
            power_code: c.power_code,
            power_name: c.power_name,
            subject: c.subject,
            status: c.status,
            current_step: c.current_step,
            card: c.card,
            received_at: c.received_at,
            promised_deadline: c.promised_deadline,
            legal_deadline: c.legal_deadline,
            finished_at: c.finished_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SupervisionAlertDetailDto {
    pub alert: SupervisionAlertDto,
    pub case: Option<CaseBasicsDto>,
    /// Oldest first; the first is the rules' `raised`.
    pub events: Vec<SupervisionAlertEventDto>,
    /// The states this caller may move the alert to.
    pub next: Vec<String>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct SupervisionAlertQuery {
    pub unit_id: Option<String>,
    /// `reminder`, `yellow`, `red` or `warning`.
    pub level: Option<String>,
    /// `time`, `process`, `content` or `discretion`.
    pub family: Option<String>,
    pub state: Option<String>,
    /// `true`: only alerts not closed.
    pub open: Option<bool>,
    /// `unit` or `commission`: open alerts waiting for that party.
    pub must_act: Option<String>,
    /// Part of the case number.
    pub case_number: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/supervision/alerts", tag = "supervision", params(SupervisionAlertQuery),
    responses((status = 200, body = SupervisionAlertPageDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SupervisionAlertQuery>,
) -> ApiResult<SupervisionAlertPageDto> {
    require(&caller, Action::ViewSupervision, Target::County)?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let filter = parse_alert_filter(
        &s(&q.unit_id),
        &s(&q.level),
        &s(&q.family),
        &s(&q.state),
        q.open.unwrap_or(false),
        &s(&q.must_act),
        &s(&q.case_number),
    )?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found = alerts::list_alerts(&state.store, &caller.principal, &filter, page, per_page).await?;
    Ok(Json(SupervisionAlertPageDto { total: found.total, alerts: found.alerts.into_iter().map(Into::into).collect() }))
}

async fn detail_dto(state: &AppState, caller: &Caller, id: i64) -> Result<SupervisionAlertDetailDto, AppError> {
    let d = alerts::alert_detail(&state.store, &caller.principal, id).await?;
    let row = AlertRow {
        case_number: d.case.as_ref().map(|c| c.case_number.clone()).unwrap_or_default(),
        unit_name: d.unit_name,
        alert: d.alert,
    };
    Ok(SupervisionAlertDetailDto {
        alert: row.into(),
        case: d.case.map(Into::into),
        events: d.events.into_iter().map(Into::into).collect(),
        next: d.next.iter().map(|s| s.key().to_owned()).collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/supervision/alerts/{id}", tag = "supervision",
    responses((status = 200, body = SupervisionAlertDetailDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn get_alert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<SupervisionAlertDetailDto> {
    Ok(Json(detail_dto(&state, &caller, id).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SupervisionTransitionBody {
    /// `acknowledged` or `explained` (the unit; `explained` needs `comment`), `closed` or
    /// `escalated` (the commission and its sub-commissions).
    pub to: String,
    pub comment: Option<String>,
}

/// Moves an alert; a move the state does not allow is `422` with
/// `fields.to.code = "alert_transition_not_allowed"`.
#[utoipa::path(post, path = "/api/v1/supervision/alerts/{id}/transition", tag = "supervision", request_body = SupervisionTransitionBody,
    responses((status = 200, body = SupervisionAlertDetailDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SupervisionTransitionBody>,
) -> ApiResult<SupervisionAlertDetailDto> {
    // Anyone who may move some alert; the store checks this move and this unit.
    if require(&caller, Action::ExplainAlerts, Target::County).is_err() {
        require(&caller, Action::ReviewAlerts, Target::County)?;
    }
    let (to, comment) = parse_transition(&body.to, body.comment.as_deref())?;
    alerts::transition_alert(&state.store, &caller.principal, id, to, comment).await?;
    Ok(Json(detail_dto(&state, &caller, id).await?))
}

// ---------------------------------------------------------------- rates

#[derive(Serialize, ToSchema)]
pub struct RateRowDto {
    pub unit_id: i64,
    pub unit_name: String,
    pub power_id: Option<i64>,
    pub power_code: Option<String>,
    pub power_name: Option<String>,
    /// `YYYY-MM` (China time); absent on the totals over the range.
    pub month: Option<String>,
    pub cases: u64,
    pub overdue: u64,
    /// Cases with a yellow or red card.
    pub warned: u64,
    pub conformant: u64,
    pub finished: u64,
    /// Shares from 0 to 1; absent without cases.
    pub overdue_rate: Option<f64>,
    pub warning_rate: Option<f64>,
    pub conformity_rate: Option<f64>,
    /// Mean handling time of the finished cases, in working days.
    pub average_working_days: Option<f64>,
}

impl From<RateRow> for RateRowDto {
    fn from(r: RateRow) -> Self {
        Self {
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            power_id: r.power_id,
            power_code: r.power_code,
            power_name: r.power_name,
            month: r.month,
            cases: r.counts.cases,
            overdue: r.counts.overdue,
            warned: r.counts.warned,
            conformant: r.counts.conformant,
            finished: r.counts.finished,
            overdue_rate: r.overdue_rate,
            warning_rate: r.warning_rate,
            conformity_rate: r.conformity_rate,
            average_working_days: r.average_working_days,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RatesDto {
    /// `unit` or `power`.
    pub by: String,
    pub from: String,
    pub to: String,
    /// Working minutes of one office day.
    pub day_minutes: u64,
    pub rows: Vec<RateRowDto>,
    pub totals: Vec<RateRowDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct RatesParams {
    /// `unit` (default) or `power`.
    pub by: Option<String>,
    /// `YYYY-MM`; default five months before `to`.
    pub from: Option<String>,
    /// `YYYY-MM`; default this month. At most 36 months.
    pub to: Option<String>,
    pub unit_id: Option<String>,
    pub power_id: Option<String>,
    /// A power's code, e.g. `XK-SCJG-001`.
    pub power_code: Option<String>,
}

/// Monthly rates per unit or per power of the caller's units (an API token: its unit).
#[utoipa::path(get, path = "/api/v1/rates", tag = "supervision", params(RatesParams),
    responses((status = 200, body = RatesDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn rates(State(state): State<AppState>, caller: Caller, Query(q): Query<RatesParams>) -> ApiResult<RatesDto> {
    require(&caller, Action::ViewSupervision, Target::County)?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let query =
        parse_rates_query(&s(&q.by), &s(&q.from), &s(&q.to), &s(&q.unit_id), &s(&q.power_id), &s(&q.power_code))?;
    let r = rates::rates(&state.store, &caller.principal, &query).await?;
    Ok(Json(RatesDto {
        by: r.by.key().to_owned(),
        from: r.from,
        to: r.to,
        day_minutes: r.day_minutes,
        rows: r.rows.into_iter().map(Into::into).collect(),
        totals: r.totals.into_iter().map(Into::into).collect(),
    }))
}

// ---------------------------------------------------------------- rules

#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    /// e.g. `time.red_card`.
    pub id: String,
    /// `time`, `process`, `content` or `discretion`.
    pub family: String,
    pub enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RulesDto {
    pub rules: Vec<RuleDto>,
    /// Share of a limit at which a reminder is raised (0–1].
    pub reminder_share: f64,
    /// Working days past a limit for a yellow card, and for a red one.
    pub yellow_after_days: f64,
    pub red_after_days: f64,
    /// Returns from which a case counts as returned repeatedly.
    pub returned_repeatedly_at: u32,
    /// Share by which a paid fee may differ from the due one.
    pub fee_tolerance: f64,
}

fn rules_dto(settings: &RuleSettings) -> RulesDto {
    RulesDto {
        rules: RuleId::ALL
            .iter()
            .map(|r| RuleDto {
                id: r.as_str().to_owned(),
                family: r.family().to_owned(),
                enabled: !settings.disabled.iter().any(|d| d == r.as_str()),
            })
            .collect(),
        reminder_share: settings.reminder_share,
        yellow_after_days: settings.yellow_after_days,
        red_after_days: settings.red_after_days,
        returned_repeatedly_at: settings.returned_repeatedly_at,
        fee_tolerance: settings.fee_tolerance,
    }
}

#[utoipa::path(get, path = "/api/v1/supervision/rules", tag = "supervision",
    responses((status = 200, body = RulesDto), (status = 403, body = super::ErrorBody)))]
pub async fn get_rules(State(state): State<AppState>, caller: Caller) -> ApiResult<RulesDto> {
    require(&caller, Action::ViewSupervision, Target::County)?;
    let config = settings::supervision_rules(state.store.connection()).await?;
    Ok(Json(rules_dto(&config.settings())))
}

/// Every field is required; `disabled` lists the ids of the rules switched off.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RulesBody {
    pub disabled: Option<Vec<String>>,
    pub reminder_share: Option<f64>,
    pub yellow_after_days: Option<f64>,
    pub red_after_days: Option<f64>,
    pub returned_repeatedly_at: Option<u32>,
    pub fee_tolerance: Option<f64>,
}

#[utoipa::path(put, path = "/api/v1/supervision/rules", tag = "supervision", request_body = RulesBody,
    responses((status = 200, body = RulesDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RulesBody>,
) -> ApiResult<RulesDto> {
    require(&caller, Action::ManageSupervisionRules, Target::County)?;
    let mut errors = FieldErrors::new();
    let mut need = |field: &str, present: bool| {
        if !present {
            errors.add(field, FieldError::new("required"));
        }
    };
    need("disabled", body.disabled.is_some());
    need("reminder_share", body.reminder_share.is_some());
    need("yellow_after_days", body.yellow_after_days.is_some());
    need("red_after_days", body.red_after_days.is_some());
    need("returned_repeatedly_at", body.returned_repeatedly_at.is_some());
    need("fee_tolerance", body.fee_tolerance.is_some());
    errors.into_result()?;
    let settings = RuleSettings {
        disabled: body.disabled.unwrap_or_default(),
        reminder_share: body.reminder_share.unwrap_or_default(),
        yellow_after_days: body.yellow_after_days.unwrap_or_default(),
        red_after_days: body.red_after_days.unwrap_or_default(),
        returned_repeatedly_at: body.returned_repeatedly_at.unwrap_or_default(),
        fee_tolerance: body.fee_tolerance.unwrap_or_default(),
    };
    let config = settings::set_supervision_rules(&state.store, &caller.principal, &settings).await?;
    Ok(Json(rules_dto(&config.settings())))
}
