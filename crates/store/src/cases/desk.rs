//! The online hall's desk: one thread per store that commits case changes in groups.
//!
//! Every request that changes cases (a batch of pushed events, a new case, an
//! action) is queued here. The desk takes what is waiting — up to a few thousand
//! events — and applies it in one transaction: one commit (one `fsync` on SQLite)
//! for many callers, and no two writers fighting over SQLite's lock. Each caller is
//! answered only after the commit, so an answered request is durable. If a group
//! fails, its requests are retried one by one, so one bad request cannot sink the
//! others. When no desk can run (no runtime), the request is applied directly.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sunlight_domain::policy::Principal;
use tokio::sync::{mpsc, oneshot};

use super::Source;
use super::alerts::RULES_ACTOR;
use super::engine::{self, Item, Outcome, Request};
use super::refresh::Rules;
use crate::{Store, StoreError, Write};

/// Requests waiting before callers are made to wait for room.
const QUEUE: usize = 1_024;
/// Requests (events) committed together at most.
const GROUP_ITEMS: usize = 6_000;
/// Callers answered by one commit at most.
const GROUP_JOBS: usize = 512;

/// What the audit chain keeps of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audit {
    /// One summary record for a batch of events.
    Batch,
    /// One record per created case.
    Create,
    /// One record per action.
    Act,
}

/// One caller's requests.
pub(super) struct Job {
    pub principal: Principal,
    pub requests: Vec<(Source, Request)>,
    pub audit: Audit,
}

/// What became of a job: an outcome per request and, for the hall's jobs (a case
/// created or acted on), the rows of its cases as written, so that the answer needs
/// no second read.
#[derive(Debug, Default)]
pub(super) struct Answer {
    pub outcomes: Vec<Outcome>,
    pub cases: Vec<crate::entity::handling_case::Model>,
}

struct Queued {
    job: Job,
    reply: oneshot::Sender<Result<Answer, StoreError>>,
}

#[derive(Debug)]
pub(crate) struct Desk {
    queue: mpsc::Sender<Queued>,
}

impl Desk {
    /// Starts the desk on a thread of its own. As a task among the server's, each of
    /// its many awaits on the database queued behind every request being served,
    /// and the desk, which all writes pass through, spent more time waiting for its
    /// turn than working.
    fn start(store: Store) -> Option<Self> {
        let origin = tokio::runtime::Handle::try_current().ok()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
        let (queue, waiting) = mpsc::channel::<Queued>(QUEUE);
        // The desk lives as long as the runtime that started it: this task is
        // dropped when that runtime shuts down, and with it `alive`.
        let (alive, origin_gone) = oneshot::channel::<()>();
        origin.spawn(async move {
            let _alive = alive;
            std::future::pending::<()>().await;
        });
        std::thread::Builder::new()
            .name("sunlight-desk".into())
            .spawn(move || runtime.block_on(serve(store, waiting, origin_gone)))
            .ok()?;
        Some(Self { queue })
    }
}

/// Takes what is waiting, a group at a time, until the desk is no longer needed.
async fn serve(store: Store, mut waiting: mpsc::Receiver<Queued>, mut origin_gone: oneshot::Receiver<()>) {
    loop {
        let first = tokio::select! {
            biased;
            _ = &mut origin_gone => return,
            first = waiting.recv() => match first {
                Some(first) => first,
                None => return,
            },
        };
        let mut size = first.job.requests.len();
        let mut group = vec![first];
        while size < GROUP_ITEMS && group.len() < GROUP_JOBS {
            match waiting.try_recv() {
                Ok(next) => {
                    size += next.job.requests.len();
                    group.push(next);
                }
                Err(_) => break,
            }
        }
        run_and_answer(&store, group).await;
    }
}

async fn run_and_answer(store: &Store, group: Vec<Queued>) {
    let jobs: Vec<&Job> = group.iter().map(|q| &q.job).collect();
    match run(store, &jobs).await {
        Ok(outcomes) => {
            for (queued, outcome) in group.into_iter().zip(outcomes) {
                queued.reply.send(Ok(outcome)).ok();
            }
        }
        Err(error) if group.len() == 1 => {
            if let Some(queued) = group.into_iter().next() {
                queued.reply.send(Err(error)).ok();
            }
        }
        Err(_) => {
            for queued in group {
                let result = run(store, &[&queued.job]).await.map(|mut all| all.pop().unwrap_or_default());
                queued.reply.send(result).ok();
            }
        }
    }
}

/// Applies one job through the store's desk (started on first use).
pub(super) async fn submit(store: &Store, job: Job) -> Result<Answer, StoreError> {
    let desk = store.cases.desk.get_or_init(|| Desk::start(store.clone()));
    let Some(desk) = desk else {
        return run(store, &[&job]).await.map(|mut all| all.pop().unwrap_or_default());
    };
    let (reply, answer) = oneshot::channel();
    if let Err(mpsc::error::SendError(queued)) = desk.queue.send(Queued { job, reply }).await {
        // The desk's runtime is gone (a store outliving it): apply here instead.
        return run(store, &[&queued.job]).await.map(|mut all| all.pop().unwrap_or_default());
    }
    answer.await.map_err(|_| StoreError::Internal("the online hall's desk stopped".into()))?
}

#[derive(Serialize)]
struct BatchSummary {
    accepted: usize,
    duplicate: usize,
    rejected: usize,
    cases: usize,
    /// SHA-256 of the accepted client event ids, one a line, in order.
    accepted_ids_sha256: String,
}

#[derive(Serialize)]
struct CaseView<'a> {
    case_number: &'a str,
    power_code: &'a str,
    unit_id: i64,
    source: &'a str,
    received_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize)]
struct EventView<'a> {
    case_number: &'a str,
    seq: i32,
    action: &'a str,
    step: &'a str,
}

/// Applies the jobs in one write; the answer to each job, in order.
pub(super) async fn run(store: &Store, jobs: &[&Job]) -> Result<Vec<Answer>, StoreError> {
    let mut write = Write::begin(store, &Principal::system("cases")).await?;
    let rules = Rules::current(store, write.txn()).await?;
    let principals: Vec<Principal> = jobs.iter().map(|j| j.principal.clone()).collect();
    let items: Vec<Item<'_>> = jobs
        .iter()
        .enumerate()
        .flat_map(|(p, job)| {
            job.requests.iter().map(move |(source, request)| Item { principal: p, source: *source, request })
        })
        .collect();
    let applied = engine::apply(&mut write, store, &rules, &principals, &items).await?;
    let mut outcomes = applied.outcomes.into_iter();
    let mut per_job = Vec::with_capacity(jobs.len());
    let mut changed = false;
    for job in jobs {
        let mine: Vec<Outcome> = outcomes.by_ref().take(job.requests.len()).collect();
        changed |= record(&mut write, job, &mine, &applied.refreshed.cases)?;
        let cases = if job.audit == Audit::Batch {
            Vec::new()
        } else {
            mine.iter()
                .filter_map(|o| match o {
                    Outcome::Accepted { case_id, .. } => applied.refreshed.cases.get(case_id).cloned(),
                    _ => None,
                })
                .collect()
        };
        per_job.push(Answer { outcomes: mine, cases });
    }
    let refreshed = applied.refreshed;
    let alerts = refreshed.alerts;
    if alerts.raised + alerts.closed > 0 {
        write.record_as(
            RULES_ACTOR,
            "supervision_alert.sync",
            "supervision_alert",
            "batch",
            None::<&()>,
            Some(&alerts),
        )?;
    }
    if changed {
        write.commit().await?;
        store.cases.histories.keep(&refreshed.cases, refreshed.histories);
    }
    Ok(per_job)
}

/// Audit records of one job; whether it changed anything.
fn record(
    write: &mut Write,
    job: &Job,
    outcomes: &[Outcome],
    cases: &std::collections::HashMap<i64, crate::entity::handling_case::Model>,
) -> Result<bool, StoreError> {
    let actor = job.principal.actor.as_str();
    let accepted = outcomes.iter().filter(|o| matches!(o, Outcome::Accepted { .. })).count();
    if accepted == 0 {
        return Ok(false);
    }
    match job.audit {
        Audit::Batch => {
            let mut digest = Sha256::new();
            let mut touched = std::collections::HashSet::new();
            for ((_, request), outcome) in job.requests.iter().zip(outcomes) {
                if let (Request::Event(e), Outcome::Accepted { case_id, .. }) = (request, outcome) {
                    digest.update(e.client_id.as_bytes());
                    digest.update(b"\n");
                    touched.insert(*case_id);
                }
            }
            let summary = BatchSummary {
                accepted,
                duplicate: outcomes.iter().filter(|o| matches!(o, Outcome::Duplicate)).count(),
                rejected: outcomes.len()
                    - accepted
                    - outcomes.iter().filter(|o| matches!(o, Outcome::Duplicate)).count(),
                cases: touched.len(),
                accepted_ids_sha256: hex::encode(digest.finalize()),
            };
            write.record_as(actor, "case_event.ingest", "case_event", "batch", None::<&()>, Some(&summary))?;
        }
        Audit::Create | Audit::Act => {
            for ((_, request), outcome) in job.requests.iter().zip(outcomes) {
                let Outcome::Accepted { case_id, number, seq, .. } = outcome else { continue };
                if job.audit == Audit::Create
                    && let Some(case) = cases.get(case_id)
                {
                    let view = CaseView {
                        case_number: &case.case_number,
                        power_code: &case.power_code,
                        unit_id: case.unit_id,
                        source: &case.source,
                        received_at: case.received_at,
                    };
                    write.record_as(
                        actor,
                        "handling_case.create",
                        "handling_case",
                        case_id,
                        None::<&()>,
                        Some(&view),
                    )?;
                }
                let (action, step) = match request {
                    Request::Act { input, .. } => (input.action.as_str(), input.step.as_str()),
                    Request::Event(e) => (e.action.as_str(), e.step.as_str()),
                    Request::Create(_) => ("apply", ""),
                };
                let view = EventView { case_number: number, seq: *seq, action, step };
                write.record_as(
                    actor,
                    "case_event.create",
                    "case_event",
                    format!("{number}#{seq}"),
                    None::<&()>,
                    Some(&view),
                )?;
            }
        }
    }
    Ok(true)
}
