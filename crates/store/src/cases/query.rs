//! Reading cases: the staff list and detail (scoped to the caller's units), the
//! applicant's view by case number and verification code (nothing personal), and
//! the XES export of a filtered set.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::case_event::CaseStatus;
use sunlight_domain::flow::eventlog::EventLog;
use sunlight_domain::flow::trace::{CaseTrace, Run, case_trace};
use sunlight_domain::flow::{Card, Evaluator, OnlineChart, write_xes};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use super::charts;
use super::number::hash_code;
use super::refresh::{HistoryEvent, Rules, build, events_of};
use crate::entity::{case_event, handling_case, power, supervision_alert, unit};
use crate::{Store, StoreError};

/// Cases an export reads a round trip.
const EXPORT_PAGE: u64 = 1_000;

/// Filters of the case list and the export; empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub unit_id: Option<i64>,
    pub power_code: Option<String>,
    pub status: Option<CaseStatus>,
    pub card: Option<Card>,
    /// Received in this month (China time): (year, month).
    pub month: Option<(i32, u32)>,
}

impl CaseFilter {
    /// Parses the filters as query strings carry them (`month` is `YYYY-MM`).
    pub fn parse(unit: &str, power: &str, status: &str, card: &str, month: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let opt = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
        let unit_id = match opt(unit) {
            None => None,
            Some(u) => errors.take("unit_id", u.parse().map_err(|_| FieldError::new("not_a_number"))),
        };
        let status = match opt(status) {
            None => None,
            Some(s) => errors.take("status", CaseStatus::parse(&s).ok_or(FieldError::new("unknown_value"))),
        };
        let card = match opt(card) {
            None => None,
            Some(c) => errors.take("card", Card::parse(&c).ok_or(FieldError::new("unknown_value"))),
        };
        let month = match opt(month) {
            None => None,
            Some(m) => errors.take(
                "month",
                NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                    .map(|d| (chrono::Datelike::year(&d), chrono::Datelike::month(&d)))
                    .map_err(|_| FieldError::new("unknown_value")),
            ),
        };
        errors.into_result()?;
        Ok(Self { unit_id, power_code: opt(power), status, card, month })
    }
}

fn month_range((year, month): (i32, u32)) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let at = |d: NaiveDate| {
        china_time().from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single().map(|t| t.with_timezone(&Utc))
    };
    Some((at(first)?, at(next)?))
}

/// The condition of the caller's scope and the filter.
fn condition(principal: &Principal, filter: &CaseFilter) -> Result<Condition, StoreError> {
    use handling_case::Column as C;
    authorize(principal, Action::ViewCases, Target::County)?;
    let mut c = Condition::all();
    if let Some(units) = principal.scope.unit_ids() {
        c = c.add(C::UnitId.is_in(units));
    }
    if let Some(unit_id) = filter.unit_id {
        authorize(principal, Action::ViewCases, Target::Unit(unit_id))?;
        c = c.add(C::UnitId.eq(unit_id));
    }
    if let Some(code) = &filter.power_code {
        c = c.add(C::PowerCode.eq(code.as_str()));
    }
    if let Some(status) = filter.status {
        c = c.add(C::Status.eq(status.as_str()));
    }
    if let Some(card) = filter.card {
        c = c.add(C::Card.eq(card.as_str()));
    }
    if let Some(month) = filter.month {
        let (from, to) =
            month_range(month).ok_or_else(|| StoreError::invalid("month", FieldError::new("unknown_value")))?;
        c = c.add(C::ReceivedAt.gte(from)).add(C::ReceivedAt.lt(to));
    }
    Ok(c)
}

/// A case in the staff list (the applicant is on the detail only).
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub case_number: String,
    pub unit_id: i64,
    pub power_id: i64,
    pub power_code: String,
    pub subject: Option<String>,
    pub source: String,
    pub status: String,
    pub current_step: Option<String>,
    pub received_at: DateTime<Utc>,
    pub promised_deadline: Option<DateTime<Utc>>,
    pub legal_deadline: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub card: String,
    pub overdue: bool,
    pub process_conformant: bool,
    pub returns: i32,
    pub event_count: i32,
    pub handling_minutes: Option<i64>,
    pub next_due_at: Option<DateTime<Utc>>,
}

impl From<handling_case::Model> for CaseRow {
    fn from(m: handling_case::Model) -> Self {
        Self {
            id: m.id,
            case_number: m.case_number,
            unit_id: m.unit_id,
            power_id: m.power_id,
            power_code: m.power_code,
            subject: m.subject,
            source: m.source,
            status: m.status,
            current_step: m.current_step,
            received_at: m.received_at,
            promised_deadline: m.promised_deadline,
            legal_deadline: m.legal_deadline,
            finished_at: m.finished_at,
            card: m.card,
            overdue: m.overdue,
            process_conformant: m.process_conformant,
            returns: m.returns,
            event_count: m.event_count,
            handling_minutes: m.handling_minutes,
            next_due_at: m.next_due_at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    pub total: u64,
    pub cases: Vec<CaseRow>,
}

/// The cases the caller sees, newest first.
pub async fn list(
    store: &Store,
    principal: &Principal,
    filter: &CaseFilter,
    page: u64,
    per_page: u64,
) -> Result<CasePage, StoreError> {
    let query = handling_case::Entity::find().filter(condition(principal, filter)?);
    let db = store.connection();
    let total = query.clone().count(db).await?;
    let cases = query
        .order_by_desc(handling_case::Column::ReceivedAt)
        .order_by_desc(handling_case::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?
        .into_iter()
        .map(CaseRow::from)
        .collect();
    Ok(CasePage { total, cases })
}

/// A case with everything staff see of it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    pub case: handling_case::Model,
    pub unit_name: String,
    pub power_name: String,
    /// Its events in order.
    pub events: Vec<case_event::Model>,
    /// Its alerts, oldest first.
    pub alerts: Vec<supervision_alert::Model>,
    /// Its flowchart version, as drawn.
    #[serde(skip)]
    pub chart: Arc<OnlineChart>,
    /// Its run over the flowchart as of the read, events numbered by their seq.
    pub trace: CaseTrace,
}

async fn find(store: &Store, number: &str) -> Result<Option<handling_case::Model>, StoreError> {
    Ok(handling_case::Entity::find()
        .filter(handling_case::Column::CaseNumber.eq(number.trim()))
        .one(store.connection())
        .await?)
}

async fn names(store: &Store, case: &handling_case::Model) -> Result<(String, String), StoreError> {
    let db = store.connection();
    let unit_name = unit::Entity::find_by_id(case.unit_id).one(db).await?.map(|u| u.name).unwrap_or_default();
    let power_name = power::Entity::find_by_id(case.power_id).one(db).await?.map(|p| p.name).unwrap_or_default();
    Ok((unit_name, power_name))
}

/// The case `number` with its events and alerts (`ViewCases` on its unit).
pub async fn detail(store: &Store, principal: &Principal, number: &str) -> Result<CaseDetail, StoreError> {
    authorize(principal, Action::ViewCases, Target::County)?;
    let case = find(store, number).await?.ok_or_else(|| StoreError::not_found("handling_case"))?;
    authorize(principal, Action::ViewCases, Target::Unit(case.unit_id))?;
    let db = store.connection();
    let events = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(case.id))
        .order_by_asc(case_event::Column::Seq)
        .all(db)
        .await?;
    let alerts = supervision_alert::Entity::find()
        .filter(supervision_alert::Column::CaseId.eq(case.id))
        .order_by_asc(supervision_alert::Column::Id)
        .all(db)
        .await?;
    let (unit_name, power_name) = names(store, &case).await?;
    let (chart, trace) = trace_of(store, &case, &events, Utc::now()).await?;
    Ok(CaseDetail { case, unit_name, power_name, events, alerts, chart, trace })
}

/// The case's run over its flowchart version, evaluated as of `now` by the rules
/// in force (as the clock would, so the times shown are current).
async fn trace_of(
    store: &Store,
    case: &handling_case::Model,
    events: &[case_event::Model],
    now: DateTime<Utc>,
) -> Result<(Arc<OnlineChart>, CaseTrace), StoreError> {
    let db = store.connection();
    let version = case.flowchart_version_id;
    let chart = charts::prepared(store, db, &[version])
        .await?
        .remove(&version)
        .ok_or_else(|| StoreError::Internal(format!("flowchart version {version} is missing")))?;
    let rules = Rules::current(store, db).await?;
    let mut log = EventLog::default();
    let history: Vec<HistoryEvent> = events.iter().map(HistoryEvent::from).collect();
    let built = build(&mut log, case, &history);
    let labels = chart.labels(&log);
    let at = Evaluator { calendar: &rules.calendar, rules: &rules.config, now: now.with_timezone(&china_time()) };
    let closed = built.status.is_closed();
    let evaluation = chart.evaluate(&at, &log, &labels, &built.case, closed);
    let numbers: Vec<u32> = built.seqs.iter().map(|&s| u32::try_from(s).unwrap_or(0)).collect();
    let run = Run { log: &log, labels: &labels, case: &built.case, closed, numbers: &numbers };
    let trace = case_trace(&chart, &at, &run, &evaluation);
    Ok((chart, trace))
}

/// One step of a case as its applicant sees it: what was done, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicStep {
    pub step: String,
    pub action: String,
    pub at: DateTime<Utc>,
}

/// What the applicant sees with the case number and verification code: no names,
/// no comments, no documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicCase {
    pub case_number: String,
    pub unit_name: String,
    pub power_name: String,
    pub status: String,
    pub current_step: Option<String>,
    pub card: String,
    pub received_at: DateTime<Utc>,
    pub promised_deadline: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Past its promised limit (still open, or finished late).
    pub overdue: bool,
    pub steps: Vec<PublicStep>,
}

/// The applicant's view of a case, when the number and code match; `None` when
/// either is wrong (the answer does not say which).
pub async fn public_status(store: &Store, number: &str, code: &str) -> Result<Option<PublicCase>, StoreError> {
    let Some(case) = find(store, number).await? else { return Ok(None) };
    if !crate::cases::same_hash(&case.verification_hash, &hash_code(code)) {
        return Ok(None);
    }
    let steps = case_event::Entity::find()
        .select_only()
        .column(case_event::Column::Step)
        .column(case_event::Column::Action)
        .column(case_event::Column::At)
        .filter(case_event::Column::CaseId.eq(case.id))
        .order_by_asc(case_event::Column::Seq)
        .into_tuple::<(String, String, DateTime<Utc>)>()
        .all(store.connection())
        .await?
        .into_iter()
        .map(|(step, action, at)| PublicStep { step, action, at })
        .collect();
    let (unit_name, power_name) = names(store, &case).await?;
    Ok(Some(PublicCase {
        case_number: case.case_number,
        unit_name,
        power_name,
        status: case.status,
        current_step: case.current_step,
        card: case.card,
        received_at: case.received_at,
        promised_deadline: case.promised_deadline,
        finished_at: case.finished_at,
        overdue: case.overdue,
        steps,
    }))
}

/// The filtered cases the caller sees, with their events, as one XES log.
pub async fn export_xes(store: &Store, principal: &Principal, filter: &CaseFilter) -> Result<String, StoreError> {
    let condition = condition(principal, filter)?;
    let db = store.connection();
    let mut log = EventLog::default();
    let mut cases = Vec::new();
    let mut last_id = 0_i64;
    loop {
        let rows = handling_case::Entity::find()
            .filter(condition.clone())
            .filter(handling_case::Column::Id.gt(last_id))
            .order_by_asc(handling_case::Column::Id)
            .limit(EXPORT_PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        last_id = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut events = events_of(db, &ids).await?;
        for row in &rows {
            cases.push(build(&mut log, row, &events.remove(&row.id).unwrap_or_default()).case);
        }
    }
    Ok(write_xes(&log, &cases))
}
