//! Events from outside: batches pushed by units' own approval systems
//! (`POST /api/v1/events`) and event logs imported from XES or CSV files.
//!
//! A pushed batch is answered event by event — accepted, duplicate (its client id
//! was stored before) or rejected with a reason — and the good events of a batch
//! with bad ones are kept. An imported log is all or nothing: one rejected event and
//! nothing of the file is stored.

use std::fmt::Write as _;

use serde::Serialize;
use sunlight_domain::field::FieldError;
use sunlight_domain::flow::case_event::{CaseAction, CaseEventInput, RawCaseEvent, RejectReason};
use sunlight_domain::flow::eventlog::{Case, EventLog};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use super::Source;
use super::desk::{self, Audit, Job};
use super::engine::{self, Item, Outcome, Request};
use super::refresh::Rules;
use crate::{Store, StoreError, Write};

/// Events one batch may carry.
pub const MAX_BATCH: usize = 5_000;
/// Requests an imported log is applied in at a time (within its one transaction).
const IMPORT_CHUNK: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Accepted,
    Duplicate,
    Rejected,
}

/// The answer about one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventResult {
    /// The client event id, as sent.
    pub id: String,
    pub status: EventStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For an accepted `apply` that created its case: the code the applicant follows
    /// it with (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

/// The answer about a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    pub results: Vec<EventResult>,
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: usize,
}

fn result(id: String, outcome: &Outcome) -> EventResult {
    let (status, reason, code) = match outcome {
        Outcome::Accepted { code, .. } => (EventStatus::Accepted, None, code.clone()),
        Outcome::Duplicate => (EventStatus::Duplicate, None, None),
        Outcome::Rejected(reason) => (EventStatus::Rejected, Some(reason.as_str()), None),
        Outcome::Denied => (EventStatus::Rejected, Some(RejectReason::UnknownPower.as_str()), None),
        Outcome::NotFound => (EventStatus::Rejected, Some(RejectReason::UnknownCase.as_str()), None),
    };
    EventResult { id, status, reason, verification_code: code }
}

/// Stores a batch of events from a unit's system; bad events are answered with
/// their reason and the rest of the batch goes on.
pub async fn ingest(
    store: &Store,
    principal: &Principal,
    events: &[RawCaseEvent],
    source: Source,
) -> Result<IngestReport, StoreError> {
    authorize(principal, Action::PushEvents, Target::County)?;
    if events.len() > MAX_BATCH {
        return Err(StoreError::invalid("events", FieldError::with_limit("too_many_events", MAX_BATCH)));
    }
    let mut results: Vec<Option<EventResult>> = Vec::with_capacity(events.len());
    let mut requests = Vec::with_capacity(events.len());
    let mut waiting = Vec::with_capacity(events.len());
    for raw in events {
        match CaseEventInput::parse(raw) {
            Ok(e) => {
                waiting.push((results.len(), e.client_id.clone()));
                results.push(None);
                requests.push((source, Request::Event(e)));
            }
            Err(reason) => results
                .push(Some(result(sunlight_domain::flow::case_event::echo_id(&raw.id), &Outcome::Rejected(reason)))),
        }
    }
    if !requests.is_empty() {
        let job = Job { principal: principal.clone(), requests, audit: Audit::Batch };
        let outcomes = desk::submit(store, job).await?.outcomes;
        for ((at, id), outcome) in waiting.into_iter().zip(&outcomes) {
            results[at] = Some(result(id, outcome));
        }
    }
    let results: Vec<EventResult> = results.into_iter().flatten().collect();
    let count = |s: EventStatus| results.iter().filter(|r| r.status == s).count();
    Ok(IngestReport {
        accepted: count(EventStatus::Accepted),
        duplicate: count(EventStatus::Duplicate),
        rejected: count(EventStatus::Rejected),
        results,
    })
}

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub cases: usize,
    /// Events stored (the `apply` of each case and a `finish` under `--closed`
    /// included).
    pub accepted: usize,
    /// Events stored by an earlier import of the same file.
    pub duplicate: usize,
    /// Events whose transition records no work (`schedule`, `assign`, …).
    pub skipped: usize,
    pub alerts_raised: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("case {case}: an event without time:timestamp")]
    NoTimestamp { case: String },
    #[error("{count} event(s) refused, nothing imported; first: {}", first.join("; "))]
    Rejected { count: usize, first: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A client id for an imported event: stable across imports of the same file, so
/// importing it again stores nothing twice.
fn import_id(case: &str, what: &str) -> String {
    let id = format!("import:{case}:{what}");
    if id.chars().count() <= 100 {
        return id;
    }
    let digest = crate::accounts::sha256_hex(case);
    format!("import:{}:{what}", &digest[..40])
}

/// The events of one case of a log as pushed events of `power`; the number of
/// events skipped.
fn case_events(
    log: &EventLog,
    case: &Case,
    power: &str,
    actor: &str,
    closed: bool,
) -> Result<(Vec<RawCaseEvent>, usize), ImportError> {
    let no_time = || ImportError::NoTimestamp { case: case.id.clone() };
    let first = case.events.iter().filter_map(|e| e.time).min();
    let start = case.application.or(first).ok_or_else(no_time)?;
    let mut out = vec![RawCaseEvent {
        id: import_id(&case.id, "apply"),
        case: case.id.clone(),
        power: power.to_owned(),
        action: CaseAction::Apply.as_str().to_owned(),
        actor: actor.to_owned(),
        at: start.to_rfc3339(),
        deadline: case.deadline.map(|d| d.to_rfc3339()),
        ..RawCaseEvent::default()
    }];
    let mut skipped = 0;
    let mut last = start;
    // Ids count the events imported, not those skipped: the export of an import
    // (its `apply` and `finish` written as transitions that record no work) reads
    // back with the same ids.
    for (i, e) in case
        .events
        .iter()
        .filter(|e| {
            let works = CaseAction::from_lifecycle(e.lifecycle).is_some();
            skipped += usize::from(!works);
            works
        })
        .enumerate()
    {
        let Some(action) = CaseAction::from_lifecycle(e.lifecycle) else { continue };
        let at = e.time.ok_or_else(no_time)?;
        last = last.max(at);
        out.push(RawCaseEvent {
            id: import_id(&case.id, &i.to_string()),
            case: case.id.clone(),
            power: power.to_owned(),
            step: log.name(e.activity).to_owned(),
            action: action.as_str().to_owned(),
            actor: e.resource.map_or("unknown", |r| log.name(r)).to_owned(),
            group: e.group.map(|g| log.name(g).to_owned()),
            at: at.to_rfc3339(),
            fee_due: e.fee_due,
            fee_paid: e.fee_paid,
            documents: e.documents.iter().map(|d| log.name(*d).to_owned()).collect(),
            ..RawCaseEvent::default()
        });
    }
    if closed {
        out.push(RawCaseEvent {
            id: import_id(&case.id, "finish"),
            case: case.id.clone(),
            power: power.to_owned(),
            action: CaseAction::Finish.as_str().to_owned(),
            actor: actor.to_owned(),
            at: last.to_rfc3339(),
            ..RawCaseEvent::default()
        });
    }
    Ok((out, skipped))
}

#[derive(Serialize)]
struct ImportView<'a> {
    power: &'a str,
    closed: bool,
    #[serde(flatten)]
    summary: &'a ImportSummary,
}

/// Imports every case of `log` as a case of the power `power_code`, in one
/// transaction; `closed` finishes each case at its last event.
pub async fn import_log(
    store: &Store,
    principal: &Principal,
    power_code: &str,
    log: &EventLog,
    closed: bool,
) -> Result<ImportSummary, ImportError> {
    authorize(principal, Action::PushEvents, Target::County).map_err(StoreError::from)?;
    let mut summary = ImportSummary { cases: log.cases.len(), ..ImportSummary::default() };
    let mut raws = Vec::new();
    for case in &log.cases {
        let (events, skipped) = case_events(log, case, power_code, &principal.actor, closed)?;
        summary.skipped += skipped;
        raws.extend(events);
    }
    let mut rejected: Vec<String> = Vec::new();
    let mut count = 0;
    let mut requests = Vec::with_capacity(raws.len());
    let mut ids = Vec::with_capacity(raws.len());
    for raw in &raws {
        match CaseEventInput::parse(raw) {
            Ok(e) => {
                ids.push((e.case_number.clone(), e.client_id.clone()));
                requests.push(Request::Event(e));
            }
            Err(reason) => {
                count += 1;
                if rejected.len() < 10 {
                    rejected.push(format!("case {:?} step {:?}: {}", raw.case, raw.step, reason.as_str()));
                }
            }
        }
    }
    let mut write = Write::begin(store, principal).await?;
    let rules = Rules::current(store, write.txn()).await?;
    let principals = [principal.clone()];
    let items: Vec<Item<'_>> =
        requests.iter().map(|request| Item { principal: 0, source: Source::Import, request }).collect();
    for (chunk, chunk_ids) in items.chunks(IMPORT_CHUNK).zip(ids.chunks(IMPORT_CHUNK)) {
        let applied = engine::apply(&mut write, store, &rules, &principals, chunk).await?;
        summary.alerts_raised += applied.refreshed.alerts.raised;
        for (outcome, (case, id)) in applied.outcomes.iter().zip(chunk_ids) {
            match outcome {
                Outcome::Accepted { .. } => summary.accepted += 1,
                Outcome::Duplicate => summary.duplicate += 1,
                other => {
                    count += 1;
                    if rejected.len() < 10 {
                        let mut line = format!("case {case:?} event {id:?}: ");
                        let _ = write!(line, "{}", result(String::new(), other).reason.unwrap_or("rejected"));
                        rejected.push(line);
                    }
                }
            }
        }
    }
    if count > 0 {
        // Dropping the write rolls everything back.
        return Err(ImportError::Rejected { count, first: rejected });
    }
    if summary.accepted == 0 {
        return Ok(summary);
    }
    let view = ImportView { power: power_code, closed, summary: &summary };
    write.record("case_event.import", "case_event", power_code, None::<&()>, Some(&view))?;
    write.commit().await?;
    Ok(summary)
}
