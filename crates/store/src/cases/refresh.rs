//! Re-evaluating cases: their events read in one query, every rule run on each
//! case ([`OnlineChart::evaluate`]), the case rows written back in a few multi-row
//! statements and the alerts brought in line with the findings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Value;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::case_event::{CaseAction, CaseStatus, RecordedEvent};
use sunlight_domain::flow::eventlog::{Case, EventLog};
use sunlight_domain::flow::rules::Finding;
use sunlight_domain::flow::{Calendar, Card, Evaluation, Evaluator, OnlineChart, RuleConfig};

use super::alerts::{self, AlertChanges};
use super::charts::{self, IN_CHUNK};
use crate::entity::{case_event, handling_case};
use crate::rows::Rows;
use crate::{Store, StoreError, Write};

/// Case rows a statement writing them back (14 values each: within both backends'
/// bind limits).
const UPDATE_CHUNK: usize = 1_000;
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

/// An event as the rules read it: what a case's history holds of each stored
/// event. Only these columns are read, and parsed once: with whole rows the other
/// six were copied on SQLite's thread and decoded by name on this one for nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HistoryEvent {
    pub seq: i32,
    pub step: String,
    /// `None` for an action this version does not know (the rules skip it).
    pub action: Option<CaseAction>,
    pub actor: String,
    pub group: Option<String>,
    pub at: DateTime<Utc>,
    pub documents: Vec<String>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
}

/// The documents column: a JSON array of names.
fn documents_of(column: &str) -> Vec<String> {
    if column == "[]" {
        return Vec::new();
    }
    serde_json::from_str(column).unwrap_or_default()
}

impl From<&case_event::Model> for HistoryEvent {
    fn from(e: &case_event::Model) -> Self {
        Self {
            seq: e.seq,
            step: e.step.clone(),
            action: CaseAction::parse(&e.action),
            actor: e.actor.clone(),
            group: e.actor_group.clone(),
            at: e.at,
            documents: documents_of(&e.documents),
            fee_due_cents: e.fee_due_cents,
            fee_paid_cents: e.fee_paid_cents,
        }
    }
}

/// The case of `row` from its events (in seq order), names interned in `log`.
pub(super) fn build(log: &mut EventLog, row: &handling_case::Model, events: &[HistoryEvent]) -> Built {
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
        let Some(action) = e.action else { continue };
        let recorded = RecordedEvent {
            step: &e.step,
            action,
            actor: &e.actor,
            group: e.group.as_deref(),
            at: e.at.with_timezone(&china),
            fee_due_cents: e.fee_due_cents,
            fee_paid_cents: e.fee_paid_cents,
            documents: &e.documents,
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
    pub histories: HashMap<i64, Vec<HistoryEvent>>,
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

/// The columns of an event the rules read, in [`HistoryEvent`]'s order after the case id.
type HistoryColumns =
    (i64, i32, String, String, String, Option<String>, DateTime<Utc>, String, Option<i64>, Option<i64>);

/// Reads the histories of `ids` in one query per chunk, in (case, seq) order.
pub(super) async fn events_of(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<HistoryEvent>>, StoreError> {
    use case_event::Column as C;
    let mut by_case: HashMap<i64, Vec<HistoryEvent>> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<HistoryColumns> = case_event::Entity::find()
            .select_only()
            .columns([
                C::CaseId,
                C::Seq,
                C::Step,
                C::Action,
                C::Actor,
                C::ActorGroup,
                C::At,
                C::Documents,
                C::FeeDueCents,
                C::FeePaidCents,
            ])
            .filter(C::CaseId.is_in(chunk.iter().copied()))
            .order_by_asc(C::CaseId)
            .order_by_asc(C::Seq)
            .into_tuple()
            .all(conn)
            .await?;
        for (case_id, seq, step, action, actor, group, at, documents, fee_due_cents, fee_paid_cents) in rows {
            by_case.entry(case_id).or_default().push(HistoryEvent {
                seq,
                step,
                action: CaseAction::parse(&action),
                actor,
                group,
                at,
                documents: documents_of(&documents),
                fee_due_cents,
                fee_paid_cents,
            });
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
    write.flush().await?;
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
    events: &HashMap<i64, Vec<HistoryEvent>>,
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
    write: &mut Write,
    assessed: Assessed,
    events: HashMap<i64, Vec<HistoryEvent>>,
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
    let backend = write.txn().get_database_backend();
    let (existing, updates) =
        tokio::join!(biased; alerts::existing_of(write.txn(), &evaluated), async { row_updates(backend, &written) });
    let (existing, updates) = (existing?, updates?);
    // Nothing in this write reads the rows again: they go with the commit.
    for update in updates {
        write.defer(vec![update]);
    }
    let plan = alerts::plan(&evaluated, &existing);
    let changes = alerts::carry_out(write, &plan, now).await?;
    Ok(Refreshed { cases: written.into_iter().map(|c| (c.id, c)).collect(), alerts: changes, histories: events })
}

/// The columns an evaluation changes, with their values in `row`.
fn evaluated_columns(row: &handling_case::Model) -> [(handling_case::Column, Value); 13] {
    use handling_case::Column as C;
    [
        (C::Status, row.status.clone().into()),
        (C::CurrentStep, row.current_step.clone().into()),
        (C::FinishedAt, row.finished_at.into()),
        (C::FeeDueCents, row.fee_due_cents.into()),
        (C::FeePaidCents, row.fee_paid_cents.into()),
        (C::Card, row.card.clone().into()),
        (C::Overdue, row.overdue.into()),
        (C::ProcessConformant, row.process_conformant.into()),
        (C::Returns, row.returns.into()),
        (C::EventCount, row.event_count.into()),
        (C::HandlingMinutes, row.handling_minutes.into()),
        (C::NextDueAt, row.next_due_at.into()),
        (C::UpdatedAt, row.updated_at.into()),
    ]
}

/// The statements writing the evaluated columns of case rows, many rows to a
/// statement ([`Rows::update_by_id`]). An upsert of whole rows sent twice the
/// values, and SQLite tried each as an insert first.
fn row_updates(backend: DbBackend, rows: &[handling_case::Model]) -> Result<Vec<Statement>, StoreError> {
    let Some(first) = rows.first() else { return Ok(Vec::new()) };
    let columns = evaluated_columns(first).map(|(column, _)| column.as_str());
    let table = handling_case::Entity.table_name();
    rows.chunks(UPDATE_CHUNK)
        .map(|chunk| {
            let mut values = Rows::new(backend, columns.len() + 1, chunk.len());
            for row in chunk {
                values.push(std::iter::once(row.id.into()).chain(evaluated_columns(row).map(|(_, v)| v)))?;
            }
            Ok(values.update_by_id(table, &columns))
        })
        .collect()
}
