//! The one way cases change: a list of requests (events from units' systems, new
//! cases, actions of staff) checked against each other and the database, the
//! accepted ones appended as events in few statements, and every touched case
//! re-evaluated once.
//!
//! Each statement is a round trip to the database's thread, and in the online
//! hall's groups these, not the work, were most of the time: the pass reads the
//! cases it names and their stored events once, and re-evaluates them from what it
//! holds (rows as read or inserted, events as read plus those it appended).
//!
//! Requests are taken in order, so an `apply` and the events after it may come in
//! the same batch. Each request is authorised with its own caller's principal.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic, QueryFilter, Statement};
use sunlight_domain::flow::OnlineChart;
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::case_event::{CaseAction, CaseEventInput, CaseStatus, RejectReason};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use super::charts::{self, IN_CHUNK};
use super::number::{Numbers, hash_code, verification_code};
use super::powers::PowerInForce;
use super::refresh::{self, HistoryEvent, Refreshed, Rules};
use super::{NewCase, Source};
use crate::entity::{case_event, handling_case, power};
use crate::rows::Rows;
use crate::{Store, StoreError, Write};

/// Event rows an insert (16 columns each: within both backends' bind limits).
const EVENT_CHUNK: usize = 1_000;

/// An action by staff (or a client) on a case that exists: the fields of an event
/// the server completes (who, when).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInput {
    pub action: CaseAction,
    pub step: String,
    pub group: Option<String>,
    pub comment: Option<String>,
    pub documents: Vec<String>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
}

/// What one request asks.
#[derive(Debug, Clone)]
pub(super) enum Request {
    /// An event from a unit's system or an imported log (idempotent on its id).
    Event(CaseEventInput),
    /// A new case; its number is drawn here.
    Create(NewCase),
    /// An action on the case of this number.
    Act { number: String, input: ActionInput },
}

/// A request and who sent it.
#[derive(Debug, Clone)]
pub(super) struct Item<'a> {
    /// Index into the principals of the call.
    pub principal: usize,
    pub source: Source,
    /// Borrowed: a batch is thousands of requests, and copying them cost a tenth
    /// of the desk's time.
    pub request: &'a Request,
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Accepted {
        case_id: i64,
        number: String,
        seq: i32,
        /// The verification code of a case this request created (shown once).
        code: Option<String>,
    },
    Duplicate,
    Rejected(RejectReason),
    Denied,
    NotFound,
}

/// What one call of [`apply`] did.
#[derive(Debug, Default)]
pub(super) struct Applied {
    pub outcomes: Vec<Outcome>,
    pub refreshed: Refreshed,
}

/// A case known to the pass: stored, or created by an earlier request of it.
struct Slot {
    /// `None` until a created case is inserted.
    id: Option<i64>,
    /// The row as read, or as inserted for a created case.
    row: Option<handling_case::Model>,
    number: String,
    power_id: i64,
    unit_id: i64,
    version_id: i64,
    status: CaseStatus,
    /// Events accepted for it so far in this call.
    added: i32,
    created: Option<Created>,
}

struct Created {
    power_code: String,
    source: Source,
    received_at: DateTime<Utc>,
    deadline: Option<DateTime<FixedOffset>>,
    applicant: Option<String>,
    subject: Option<String>,
    code: String,
}

/// An accepted event waiting to be inserted.
struct Accepted {
    item: usize,
    slot: usize,
    client_id: Option<String>,
    step: String,
    action: CaseAction,
    actor: String,
    group: Option<String>,
    at: DateTime<Utc>,
    comment: Option<String>,
    documents: Vec<String>,
    fee_due_cents: Option<i64>,
    fee_paid_cents: Option<i64>,
    source: Source,
}

fn may_handle(principal: &Principal, unit_id: i64) -> bool {
    // A unit's system acts through its token (PushEvents); people act in the hall.
    let action = if principal.is_token { Action::PushEvents } else { Action::HandleCases };
    authorize(principal, action, Target::Unit(unit_id)).is_ok()
}

/// What the requests refer to, read in one query each.
struct Known {
    powers: HashMap<String, Arc<PowerInForce>>,
    charts: HashMap<i64, Arc<OnlineChart>>,
    /// (unit, client id) already stored.
    stored_ids: HashSet<(i64, String)>,
}

async fn read_known(write: &Write, store: &Store, items: &[Item<'_>], slots: &[Slot]) -> Result<Known, StoreError> {
    let txn = write.txn();
    let mut codes: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.request {
            Request::Event(e) => Some(e.power_code.as_str()),
            Request::Create(c) => Some(c.power_code.as_str()),
            Request::Act { .. } => None,
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let powers = store.cases.powers.of(txn, &codes).await?;
    let mut versions: Vec<i64> =
        powers.values().filter_map(|p| p.published).chain(slots.iter().map(|s| s.version_id)).collect();
    versions.sort_unstable();
    versions.dedup();
    let charts = charts::prepared(store, txn, &versions).await?;
    // Client ids already stored, per unit of the power they name.
    let mut wanted: HashMap<i64, Vec<&str>> = HashMap::new();
    for item in items {
        if let Request::Event(e) = &item.request
            && let Some(p) = powers.get(&e.power_code)
        {
            wanted.entry(p.power.unit_id).or_default().push(e.client_id.as_str());
        }
    }
    let mut stored_ids = HashSet::new();
    for (unit_id, ids) in wanted {
        for chunk in ids.chunks(IN_CHUNK) {
            let found: Vec<String> = case_event::Entity::find()
                .select_only_client_ids()
                .filter(case_event::Column::UnitId.eq(unit_id))
                .filter(case_event::Column::ClientEventId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(txn)
                .await?;
            stored_ids.extend(found.into_iter().map(|id| (unit_id, id)));
        }
    }
    Ok(Known { powers, charts, stored_ids })
}

/// `SELECT client_event_id` only.
trait ClientIds {
    fn select_only_client_ids(self) -> Self;
}

impl ClientIds for sea_orm::Select<case_event::Entity> {
    fn select_only_client_ids(self) -> Self {
        use sea_orm::QuerySelect;
        self.select_only().column(case_event::Column::ClientEventId)
    }
}

/// The stored cases the requests name, as slots.
async fn read_cases(write: &Write, items: &[Item<'_>]) -> Result<Vec<Slot>, StoreError> {
    let mut numbers: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.request {
            Request::Event(e) => Some(e.case_number.as_str()),
            Request::Act { number, .. } => Some(number.as_str()),
            Request::Create(_) => None,
        })
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut slots = Vec::new();
    for chunk in numbers.chunks(IN_CHUNK) {
        let rows = handling_case::Entity::find()
            .filter(handling_case::Column::CaseNumber.is_in(chunk.iter().copied()))
            .all(write.txn())
            .await?;
        for row in rows {
            slots.push(Slot {
                id: Some(row.id),
                status: CaseStatus::parse(&row.status).unwrap_or(CaseStatus::Open),
                number: row.case_number.clone(),
                power_id: row.power_id,
                unit_id: row.unit_id,
                version_id: row.flowchart_version_id,
                added: 0,
                created: None,
                row: Some(row),
            });
        }
    }
    Ok(slots)
}

/// The pass over the requests, in order.
struct Pass<'a> {
    principals: &'a [Principal],
    known: &'a Known,
    slots: Vec<Slot>,
    by_number: HashMap<String, usize>,
    seen_ids: HashSet<(i64, String)>,
    numbers: Numbers,
    accepted: Vec<Accepted>,
    outcomes: Vec<Outcome>,
    now: DateTime<Utc>,
}

impl Pass<'_> {
    fn chart(&self, version: i64) -> Option<&OnlineChart> {
        self.known.charts.get(&version).map(AsRef::as_ref)
    }

    fn step_known(&self, version: i64, step: &str) -> bool {
        step.is_empty() || self.chart(version).is_some_and(|c| c.has_step(step))
    }

    fn new_slot(&mut self, number: String, power: &power::Model, version: i64, created: Created) -> usize {
        self.slots.push(Slot {
            id: None,
            row: None,
            number: number.clone(),
            power_id: power.id,
            unit_id: power.unit_id,
            version_id: version,
            status: CaseStatus::Open,
            added: 0,
            created: Some(created),
        });
        self.by_number.insert(number, self.slots.len() - 1);
        self.slots.len() - 1
    }

    fn accept(&mut self, item: usize, slot: usize, event: Accepted) -> Outcome {
        let s = &mut self.slots[slot];
        s.status = s.status.after(event.action);
        s.added += 1;
        self.accepted.push(Accepted { item, slot, ..event });
        Outcome::Accepted { case_id: 0, number: String::new(), seq: 0, code: None }
    }

    fn event(&mut self, item: usize, principal: &Principal, source: Source, e: &CaseEventInput) -> Outcome {
        let known = self.known;
        let Some(in_force) = known
            .powers
            .get(&e.power_code)
            .filter(|p| authorize(principal, Action::PushEvents, Target::Unit(p.power.unit_id)).is_ok())
        else {
            return Outcome::Rejected(RejectReason::UnknownPower);
        };
        let power = &in_force.power;
        let id_key = (power.unit_id, e.client_id.clone());
        if known.stored_ids.contains(&id_key) || self.seen_ids.contains(&id_key) {
            return Outcome::Duplicate;
        }
        let slot = if let Some(slot) = self.by_number.get(&e.case_number).copied() {
            let s = &self.slots[slot];
            if s.power_id != power.id {
                let visible = authorize(principal, Action::ViewCases, Target::Unit(s.unit_id)).is_ok();
                return Outcome::Rejected(match (e.action, visible) {
                    (CaseAction::Apply, _) => RejectReason::CaseNumberTaken,
                    (_, true) => RejectReason::CasePowerMismatch,
                    (_, false) => RejectReason::UnknownCase,
                });
            }
            if e.action == CaseAction::Apply {
                return Outcome::Rejected(RejectReason::CaseExists);
            }
            if !self.step_known(s.version_id, &e.step) {
                return Outcome::Rejected(RejectReason::UnknownStep);
            }
            if s.status.is_closed() {
                return Outcome::Rejected(RejectReason::CaseClosed);
            }
            slot
        } else {
            if e.action != CaseAction::Apply {
                return Outcome::Rejected(RejectReason::UnknownCase);
            }
            let Some(version) = in_force.published else {
                return Outcome::Rejected(RejectReason::NoPublishedFlowchart);
            };
            if !self.step_known(version, &e.step) {
                return Outcome::Rejected(RejectReason::UnknownStep);
            }
            let created = Created {
                power_code: power.code.clone(),
                source,
                received_at: e.at.with_timezone(&Utc).trunc_subsecs(6),
                deadline: e.deadline,
                applicant: None,
                subject: None,
                code: verification_code(),
            };
            self.new_slot(e.case_number.clone(), power, version, created)
        };
        self.seen_ids.insert(id_key);
        self.accept(
            item,
            slot,
            Accepted {
                item,
                slot,
                client_id: Some(e.client_id.clone()),
                step: e.step.clone(),
                action: e.action,
                actor: e.actor.clone(),
                group: e.group.clone(),
                at: e.at.with_timezone(&Utc).trunc_subsecs(6),
                comment: e.comment.clone(),
                documents: e.documents.clone(),
                fee_due_cents: e.fee_due_cents,
                fee_paid_cents: e.fee_paid_cents,
                source,
            },
        )
    }

    async fn create(
        &mut self,
        conn: &impl ConnectionTrait,
        item: usize,
        principal: &Principal,
        source: Source,
        c: &NewCase,
    ) -> Result<Outcome, StoreError> {
        let known = self.known;
        let Some(in_force) = known.powers.get(&c.power_code).filter(|p| may_handle(principal, p.power.unit_id)) else {
            return Ok(Outcome::Rejected(RejectReason::UnknownPower));
        };
        let power = &in_force.power;
        let Some(version) = in_force.published else {
            return Ok(Outcome::Rejected(RejectReason::NoPublishedFlowchart));
        };
        let unit_code = in_force.unit_code.clone().unwrap_or_else(|| format!("U{}", power.unit_id));
        let received_at = c.at.map_or(self.now, |t| t.with_timezone(&Utc).trunc_subsecs(6));
        let number = self.numbers.next(conn, &unit_code, received_at).await?;
        let created = Created {
            power_code: power.code.clone(),
            source,
            received_at,
            deadline: c.deadline,
            applicant: c.applicant.clone(),
            subject: c.subject.clone(),
            code: verification_code(),
        };
        let slot = self.new_slot(number, power, version, created);
        Ok(self.accept(
            item,
            slot,
            Accepted {
                item,
                slot,
                client_id: None,
                step: String::new(),
                action: CaseAction::Apply,
                actor: principal.actor.clone(),
                group: None,
                at: received_at,
                comment: None,
                documents: Vec::new(),
                fee_due_cents: None,
                fee_paid_cents: None,
                source,
            },
        ))
    }

    fn act(&mut self, item: usize, principal: &Principal, source: Source, number: &str, a: &ActionInput) -> Outcome {
        let Some(slot) = self.by_number.get(number).copied() else { return Outcome::NotFound };
        let s = &self.slots[slot];
        if authorize(principal, Action::ViewCases, Target::Unit(s.unit_id)).is_err() {
            return Outcome::NotFound;
        }
        if !may_handle(principal, s.unit_id) {
            return Outcome::Denied;
        }
        if a.action == CaseAction::Apply {
            return Outcome::Rejected(RejectReason::CaseExists);
        }
        if !self.step_known(s.version_id, &a.step) {
            return Outcome::Rejected(RejectReason::UnknownStep);
        }
        if s.status.is_closed() {
            return Outcome::Rejected(RejectReason::CaseClosed);
        }
        self.accept(
            item,
            slot,
            Accepted {
                item,
                slot,
                client_id: None,
                step: a.step.clone(),
                action: a.action,
                actor: principal.actor.clone(),
                group: a.group.clone(),
                at: self.now,
                comment: a.comment.clone(),
                documents: a.documents.clone(),
                fee_due_cents: a.fee_due_cents,
                fee_paid_cents: a.fee_paid_cents,
                source,
            },
        )
    }
}

/// Applies `items` inside `write` and re-evaluates every case they touched.
pub(super) async fn apply(
    write: &mut Write,
    store: &Store,
    rules: &Rules,
    principals: &[Principal],
    items: &[Item<'_>],
) -> Result<Applied, StoreError> {
    // Microseconds: what both backends store, so that an event recorded now and
    // the evaluation now are the same instant when read back.
    let now = write.now().trunc_subsecs(6);
    // What an earlier call in this write deferred, before reading what it changed.
    write.flush().await?;
    let slots = read_cases(write, items).await?;
    let known = read_known(write, store, items, &slots).await?;
    let by_number = slots.iter().enumerate().map(|(i, s)| (s.number.clone(), i)).collect();
    let mut pass = Pass {
        principals,
        known: &known,
        slots,
        by_number,
        seen_ids: HashSet::new(),
        numbers: Numbers::default(),
        accepted: Vec::new(),
        outcomes: Vec::with_capacity(items.len()),
        now,
    };
    for (i, item) in items.iter().enumerate() {
        let Some(principal) = pass.principals.get(item.principal) else {
            return Err(StoreError::Internal("request without a caller".into()));
        };
        let outcome = match &item.request {
            Request::Event(e) => pass.event(i, principal, item.source, e),
            Request::Create(c) => pass.create(write.txn(), i, principal, item.source, c).await?,
            Request::Act { number, input } => pass.act(i, principal, item.source, number, input),
        };
        pass.outcomes.push(outcome);
    }
    let Pass { mut slots, accepted, mut outcomes, .. } = pass;
    // The stored events of the stored cases that get new ones: their last seq, and
    // with the new ones the history the rules read.
    // Those the desk committed last are in memory, as they are in the database.
    let stored = slots.iter().filter(|s| s.added > 0 && s.created.is_none()).filter_map(|s| s.row.as_ref());
    let (mut events, missing) = store.cases.histories.take(stored);
    events.extend(refresh::events_of(write.txn(), &missing).await?);
    insert_cases(write, &known, rules, &mut slots, now).await?;
    let seqs = place_events(&slots, &accepted, &mut events)?;
    let inserts = event_inserts(write.txn().get_database_backend(), &slots, &accepted, &seqs, now)?;
    for (event, seq) in accepted.iter().zip(seqs) {
        let slot = &slots[event.slot];
        let code = slot.created.as_ref().filter(|_| matches!(event.action, CaseAction::Apply)).map(|c| c.code.clone());
        outcomes[event.item] =
            Outcome::Accepted { case_id: slot.id.unwrap_or_default(), number: slot.number.clone(), seq, code };
    }
    let touched: Vec<handling_case::Model> = slots.into_iter().filter(|s| s.added > 0).filter_map(|s| s.row).collect();
    let charts = refresh::charts_of(store, write, &touched).await?;
    // The cases are evaluated while the database stores their new events.
    let (inserted, assessed) = tokio::join!(biased;
        insert_events(write, inserts),
        async { refresh::assess(&charts, rules, touched, &events, now) },
    );
    inserted?;
    let refreshed = refresh::write_back(write, assessed?, events, now).await?;
    Ok(Applied { outcomes, refreshed })
}

/// Inserts the cases created by the pass and gives their slots the new ids.
async fn insert_cases(
    write: &Write,
    known: &Known,
    rules: &Rules,
    slots: &mut [Slot],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    for slot in slots.iter().filter(|s| s.id.is_none()) {
        let Some(c) = &slot.created else { continue };
        let chart = known.charts.get(&slot.version_id).map(|c| c.chart().parts());
        let start = c.received_at.with_timezone(&china_time());
        let deadline = |limit: Option<sunlight_domain::flow::TimeLimit>| {
            limit.and_then(|l| rules.calendar.deadline(start, l).ok())
        };
        let promised = c.deadline.or_else(|| deadline(chart.and_then(|p| p.promised_limit)));
        let legal = deadline(chart.and_then(|p| p.legal_limit));
        rows.push(handling_case::ActiveModel {
            case_number: Set(slot.number.clone()),
            verification_hash: Set(hash_code(&c.code)),
            unit_id: Set(slot.unit_id),
            power_id: Set(slot.power_id),
            power_code: Set(c.power_code.clone()),
            flowchart_version_id: Set(slot.version_id),
            applicant: Set(c.applicant.clone()),
            subject: Set(c.subject.clone()),
            source: Set(c.source.as_str().to_owned()),
            status: Set(CaseStatus::Open.as_str().to_owned()),
            current_step: Set(None),
            received_at: Set(c.received_at),
            promised_deadline: Set(promised.map(|d| d.with_timezone(&Utc))),
            legal_deadline: Set(legal.map(|d| d.with_timezone(&Utc))),
            finished_at: Set(None),
            fee_due_cents: Set(None),
            fee_paid_cents: Set(None),
            card: Set("none".to_owned()),
            overdue: Set(false),
            process_conformant: Set(true),
            returns: Set(0),
            event_count: Set(0),
            handling_minutes: Set(None),
            next_due_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    let mut inserted: HashMap<String, handling_case::Model> = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(400) {
        let back = handling_case::Entity::insert_many(chunk.to_vec())
            .exec_with_returning(write.txn())
            .await
            .map_err(StoreError::unique("case_number"))?;
        inserted.extend(back.into_iter().map(|m| (m.case_number.clone(), m)));
    }
    for slot in slots.iter_mut().filter(|s| s.id.is_none()) {
        slot.row = inserted.remove(&slot.number);
        slot.id = slot.row.as_ref().map(|r| r.id);
        if slot.id.is_none() && slot.created.is_some() {
            return Err(StoreError::Internal(format!("case {} was not stored", slot.number)));
        }
    }
    Ok(())
}

/// Places the accepted events, in order, after the events of their cases in
/// `events` (the stored ones, read by the caller); the seq each got.
fn place_events(
    slots: &[Slot],
    accepted: &[Accepted],
    events: &mut HashMap<i64, Vec<HistoryEvent>>,
) -> Result<Vec<i32>, StoreError> {
    let mut seqs = Vec::with_capacity(accepted.len());
    for a in accepted {
        let slot = &slots[a.slot];
        let Some(case_id) = slot.id else {
            return Err(StoreError::Internal(format!("case {} has no id", slot.number)));
        };
        let history = events.entry(case_id).or_default();
        let seq = history.last().map_or(0, |e| e.seq) + 1;
        seqs.push(seq);
        history.push(HistoryEvent {
            seq,
            step: a.step.clone(),
            action: Some(a.action),
            actor: a.actor.clone(),
            group: a.group.clone(),
            at: a.at,
            documents: a.documents.clone(),
            fee_due_cents: a.fee_due_cents,
            fee_paid_cents: a.fee_paid_cents,
        });
    }
    Ok(seqs)
}

/// The inserts of the `accepted` events with their `seqs`, in that order.
fn event_inserts(
    backend: DbBackend,
    slots: &[Slot],
    accepted: &[Accepted],
    seqs: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<Statement>, StoreError> {
    use case_event::Column as C;
    let columns = [
        C::CaseId,
        C::UnitId,
        C::ClientEventId,
        C::Seq,
        C::Step,
        C::Action,
        C::Actor,
        C::ActorGroup,
        C::At,
        C::Comment,
        C::Documents,
        C::FeeDueCents,
        C::FeePaidCents,
        C::Source,
        C::RecordedAt,
    ]
    .map(|c| c.as_str());
    let mut inserts = Vec::with_capacity(accepted.len().div_ceil(EVENT_CHUNK));
    for (chunk, chunk_seqs) in accepted.chunks(EVENT_CHUNK).zip(seqs.chunks(EVENT_CHUNK)) {
        let mut rows = Rows::new(backend, columns.len(), chunk.len());
        for (a, seq) in chunk.iter().zip(chunk_seqs) {
            let slot = &slots[a.slot];
            let documents = serde_json::to_string(&a.documents).unwrap_or_else(|_| "[]".into());
            rows.push([
                slot.id.into(),
                slot.unit_id.into(),
                a.client_id.clone().into(),
                (*seq).into(),
                a.step.clone().into(),
                a.action.as_str().into(),
                a.actor.clone().into(),
                a.group.clone().into(),
                a.at.into(),
                a.comment.clone().into(),
                documents.into(),
                a.fee_due_cents.into(),
                a.fee_paid_cents.into(),
                a.source.as_str().into(),
                now.into(),
            ])?;
        }
        inserts.push(rows.insert(case_event::Entity.table_name(), &columns, ""));
    }
    Ok(inserts)
}

/// Runs the event inserts; a client event id stored meanwhile is a conflict.
async fn insert_events(write: &Write, inserts: Vec<Statement>) -> Result<(), StoreError> {
    for insert in inserts {
        write.txn().execute_raw(insert).await.map_err(StoreError::unique("client_event_id"))?;
    }
    Ok(())
}
