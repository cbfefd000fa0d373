//! Re-evaluating cases: their events read in one query, every rule run on each
//! case ([`OnlineChart::evaluate`]), the case rows written back in a few multi-row
//! statements and the alerts brought in line with the findings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{InsertStatement, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QueryTrait,
};
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::case_event::{CaseAction, CaseStatus, RecordedEvent};
use sunlight_domain::flow::eventlog::{Case, EventLog};
use sunlight_domain::flow::rules::Finding;
use sunlight_domain::flow::{Calendar, Card, Evaluation, Evaluator, OnlineChart, RuleConfig};

use super::alerts::{self, AlertChanges};
use super::charts::{self, IN_CHUNK};
use crate::entity::{case_event, handling_case};
use crate::{Store, StoreError, Write};

/// Case rows an upsert statement (27 columns each).
const UPSERT_CHUNK: usize = 400;
/// The width of `handling_case.current_step`.
const STEP_CHARS: usize = 200;

/// How long rules read by this server are used without reading them again. Changes
/// made through this server take effect at once ([`RulesCache::changed`]); this
/// bounds how long another server sharing a PostgreSQL database goes on with the
/// rules it read before a change made elsewhere.
const RULES_TTL: Duration = Duration::from_secs(10);

/// The rules in force for one write.
#[derive(Debug)]
pub(super) struct Rules {
    pub calendar: Calendar,
    pub config: RuleConfig,
}

impl Rules {
    pub(super) async fn load(conn: &impl ConnectionTrait) -> Result<Self, StoreError> {
        Ok(Self {
            calendar: crate::calendar::load(conn).await?,
            config: crate::settings::supervision_rules(conn).await?,
        })
    }

    /// The rules in force, read once and kept: every group of the desk needs them,
    /// and reading the calendar was a tenth of a group's time.
    pub(super) async fn current(store: &Store, conn: &impl ConnectionTrait) -> Result<Arc<Self>, StoreError> {
        let cache = &store.cases.rules;
        // Read before loading: a change committed while this load runs bumps the
        // generation, so what this load keeps is not used after it.
        let generation = cache.generation.load(Ordering::Acquire);
        {
            let kept = cache.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(kept) = kept.as_ref().filter(|k| k.generation == generation && k.read_at.elapsed() < RULES_TTL)
            {
                return Ok(Arc::clone(&kept.rules));
            }
        }
        let rules = Arc::new(Self::load(conn).await?);
        let mut kept = cache.kept.lock().unwrap_or_else(PoisonError::into_inner);
        *kept = Some(KeptRules { generation, read_at: Instant::now(), rules: Arc::clone(&rules) });
        Ok(rules)
    }
}

#[derive(Debug)]
struct KeptRules {
    generation: u64,
    read_at: Instant,
    rules: Arc<Rules>,
}

/// The rules last read, and a generation bumped by every committed change to the
/// calendar or the settings.
#[derive(Debug, Default)]
pub(super) struct RulesCache {
    generation: AtomicU64,
    kept: Mutex<Option<KeptRules>>,
}

impl RulesCache {
    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// One case as the rules read it, with the seq of each of its events.
pub(super) struct Built {
    pub case: Case,
    pub seqs: Vec<i32>,
    pub status: CaseStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
}

/// The documents column: a JSON array of names.
pub(super) fn documents_of(event: &case_event::Model) -> Vec<String> {
    if event.documents == "[]" {
        return Vec::new();
    }
    serde_json::from_str(&event.documents).unwrap_or_default()
}

/// The case of `row` from its events (in seq order), names interned in `log`.
pub(super) fn build(log: &mut EventLog, row: &handling_case::Model, events: &[case_event::Model]) -> Built {
    let china = china_time();
    let mut built = Built {
        case: Case {
            id: row.case_number.clone(),
            deadline: row.promised_deadline.map(|d| d.with_timezone(&china)),
            application: Some(row.received_at.with_timezone(&china)),
            events: Vec::with_capacity(events.len()),
        },
        seqs: Vec::with_capacity(events.len()),
        status: CaseStatus::Open,
        closed_at: None,
        fee_due_cents: None,
        fee_paid_cents: None,
    };
    for e in events {
        // Rows are written checked; an action this version does not know is skipped.
        let Some(action) = CaseAction::parse(&e.action) else { continue };
        let documents = documents_of(e);
        let recorded = RecordedEvent {
            step: &e.step,
            action,
            actor: &e.actor,
            group: e.actor_group.as_deref(),
            at: e.at.with_timezone(&china),
            fee_due_cents: e.fee_due_cents,
            fee_paid_cents: e.fee_paid_cents,
            documents: &documents,
        };
        built.case.events.push(recorded.to_event(log));
        built.seqs.push(e.seq);
        let before = built.status;
        built.status = built.status.after(action);
        if !before.is_closed() && built.status.is_closed() {
            built.closed_at = Some(e.at);
        }
        built.fee_due_cents = e.fee_due_cents.or(built.fee_due_cents);
        built.fee_paid_cents = e.fee_paid_cents.or(built.fee_paid_cents);
    }
    built
}

/// What a refresh changed.
#[derive(Debug, Default)]
pub(super) struct Refreshed {
    /// The case rows as written, by id.
    pub cases: HashMap<i64, handling_case::Model>,
    pub alerts: AlertChanges,
    /// The events of those cases, by case id, in seq order.
    pub histories: HashMap<i64, Vec<case_event::Model>>,
}

/// One evaluated case, for the alert sync.
pub(super) struct Evaluated<'a> {
    pub case: &'a handling_case::Model,
    /// Whether the case showed a card before this evaluation: only then can it have
    /// open time alerts to take down.
    pub had_card: bool,
    pub findings: &'a [Finding],
    pub seqs: &'a [i32],
}

fn truncated(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn updated(
    row: &handling_case::Model,
    built: &Built,
    evaluation: &Evaluation,
    now: DateTime<Utc>,
) -> handling_case::Model {
    let closed = built.status.is_closed();
    let steps = evaluation.current_steps.join(" / ");
    handling_case::Model {
        status: built.status.as_str().to_owned(),
        current_step: (!steps.is_empty()).then(|| truncated(&steps, STEP_CHARS)),
        finished_at: built.closed_at,
        fee_due_cents: built.fee_due_cents,
        fee_paid_cents: built.fee_paid_cents,
        card: evaluation.card.as_str().to_owned(),
        overdue: evaluation.overdue,
        process_conformant: evaluation.conformant,
        returns: i32::try_from(evaluation.returns).unwrap_or(i32::MAX),
        event_count: i32::try_from(built.seqs.len()).unwrap_or(i32::MAX),
        handling_minutes: if closed { evaluation.handling_minutes } else { None },
        next_due_at: evaluation.next_due.map(|d| d.with_timezone(&Utc)),
        updated_at: now,
        ..row.clone()
    }
}

/// Reads the events of `ids` in one query per chunk, in (case, seq) order.
pub(super) async fn events_of(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<case_event::Model>>, StoreError> {
    let mut by_case: HashMap<i64, Vec<case_event::Model>> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let rows = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(chunk.iter().copied()))
            .order_by_asc(case_event::Column::CaseId)
            .order_by_asc(case_event::Column::Seq)
            .all(conn)
            .await?;
        for row in rows {
            by_case.entry(row.case_id).or_default().push(row);
        }
    }
    Ok(by_case)
}

/// Re-evaluates the cases of `rows` (as read in this write) as of `now`, their
/// events read here, and writes rows and alerts.
pub(super) async fn refresh_rows(
    write: &mut Write,
    store: &Store,
    rules: &Rules,
    rows: Vec<handling_case::Model>,
    now: DateTime<Utc>,
) -> Result<Refreshed, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let events = events_of(write.txn(), &ids).await?;
    let charts = charts_of(store, write, &rows).await?;
    let assessed = assess(&charts, rules, rows, &events, now)?;
    write_back(write, assessed, events, now).await
}

/// The prepared charts of the versions `rows` follow.
pub(super) async fn charts_of(
    store: &Store,
    write: &Write,
    rows: &[handling_case::Model],
) -> Result<HashMap<i64, Arc<OnlineChart>>, StoreError> {
    let mut versions: Vec<i64> = rows.iter().map(|r| r.flowchart_version_id).collect();
    versions.sort_unstable();
    versions.dedup();
    charts::prepared(store, write.txn(), &versions).await
}

/// Cases evaluated and their rows as they are to be written; nothing written yet.
/// Evaluating needs no database, so a caller can do it while the database works
/// on the statements before (each statement runs on the connection's own thread).
pub(super) struct Assessed {
    before: Vec<handling_case::Model>,
    built: Vec<Built>,
    evaluations: Vec<Evaluation>,
    written: Vec<handling_case::Model>,
}

/// Evaluates the cases of `rows` whose whole history is in `events` (by case id,
/// in seq order) as of `now`, with the `charts` of their versions ([`charts_of`]).
pub(super) fn assess(
    charts: &HashMap<i64, Arc<OnlineChart>>,
    rules: &Rules,
    rows: Vec<handling_case::Model>,
    events: &HashMap<i64, Vec<case_event::Model>>,
    now: DateTime<Utc>,
) -> Result<Assessed, StoreError> {
    let mut log = EventLog::default();
    let built: Vec<Built> =
        rows.iter().map(|row| build(&mut log, row, events.get(&row.id).map_or(&[], Vec::as_slice))).collect();
    let labels: HashMap<i64, Vec<Option<u32>>> = charts.iter().map(|(id, chart)| (*id, chart.labels(&log))).collect();
    let at = Evaluator { calendar: &rules.calendar, rules: &rules.config, now: now.with_timezone(&china_time()) };
    let mut evaluations = Vec::with_capacity(rows.len());
    let mut written = Vec::with_capacity(rows.len());
    for (row, b) in rows.iter().zip(&built) {
        let (Some(chart), Some(labels)) =
            (charts.get(&row.flowchart_version_id), labels.get(&row.flowchart_version_id))
        else {
            return Err(StoreError::Internal(format!("case {}: flowchart missing", row.id)));
        };
        let evaluation = chart.evaluate(&at, &log, labels, &b.case, b.status.is_closed());
        written.push(updated(row, b, &evaluation, now));
        evaluations.push(evaluation);
    }
    Ok(Assessed { before: rows, built, evaluations, written })
}

/// Writes the rows of `assessed` and brings the alerts in line with its findings.
/// Each statement's successor is prepared while the database runs it.
pub(super) async fn write_back(
    write: &Write,
    assessed: Assessed,
    events: HashMap<i64, Vec<case_event::Model>>,
    now: DateTime<Utc>,
) -> Result<Refreshed, StoreError> {
    if assessed.written.is_empty() {
        return Ok(Refreshed::default());
    }
    let Assessed { before, built, evaluations, written } = assessed;
    let evaluated: Vec<Evaluated<'_>> = written
        .iter()
        .zip(&before)
        .zip(&evaluations)
        .zip(&built)
        .map(|(((case, before), e), b)| Evaluated {
            case,
            had_card: before.card != Card::None.as_str(),
            findings: &e.findings,
            seqs: &b.seqs,
        })
        .collect();
    let (existing, upserts) =
        tokio::join!(biased; alerts::existing_of(write.txn(), &evaluated), async { upserts(&written) });
    let existing = existing?;
    let (upserted, plan) =
        tokio::join!(biased; execute_all(write.txn(), &upserts), async { alerts::plan(&evaluated, &existing) });
    upserted?;
    let changes = alerts::carry_out(write, &plan, now).await?;
    Ok(Refreshed { cases: written.into_iter().map(|c| (c.id, c)).collect(), alerts: changes, histories: events })
}

/// Runs `statements` in order.
pub(super) async fn execute_all(conn: &impl ConnectionTrait, statements: &[InsertStatement]) -> Result<(), StoreError> {
    for statement in statements {
        conn.execute(statement).await?;
    }
    Ok(())
}

/// The statements writing whole case rows, several to a statement (`INSERT … ON
/// CONFLICT (id) DO UPDATE` works alike on both backends).
fn upserts(rows: &[handling_case::Model]) -> Vec<InsertStatement> {
    use handling_case::Column as C;
    rows.chunks(UPSERT_CHUNK)
        .map(|chunk| {
            // Every column is sent: an insert of a row that exists becomes its update.
            let models = chunk.iter().map(|m| m.clone().into_active_model().reset_all());
            handling_case::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::column(C::Id)
                        .update_columns([
                            C::Status,
                            C::CurrentStep,
                            C::FinishedAt,
                            C::FeeDueCents,
                            C::FeePaidCents,
                            C::Card,
                            C::Overdue,
                            C::ProcessConformant,
                            C::Returns,
                            C::EventCount,
                            C::HandlingMinutes,
                            C::NextDueAt,
                            C::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .into_query()
        })
        .collect()
}
