//! Findings become supervision alerts (电子监察预警), and time cards come down.
//!
//! An alert is keyed by its case, rule, step and finding key (`e<seq>` for a
//! finding about one event, empty for one about a step or the case). A finding is
//! raised once: an alert of the same key that a person handled (or that is still
//! open) is never raised again; one that the rules took down (`taken_down`,
//! `superseded`) is raised anew when its condition returns. A time card whose
//! condition no longer holds is closed `taken_down`, or `superseded` when a stronger
//! card on the same step replaced it. Each raise and close gets an alert event by
//! `system:rules`; each raise an `alert_raised` row in the outbox.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, Value};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, QueryFilter, QueryTrait, Statement};
use serde::Serialize;
use sunlight_domain::flow::rules::Finding;
use sunlight_domain::flow::{Card, RuleId};
use sunlight_domain::supervision::AlertLevel;

use super::charts::IN_CHUNK;
use super::refresh::Evaluated;
use crate::entity::{outbox, supervision_alert, supervision_alert_event};
use crate::rows::Rows;
use crate::{StoreError, Write};

/// Who raises and takes down alerts.
pub const RULES_ACTOR: &str = "system:rules";
/// Alert rows an insert (13 columns each).
const INSERT_CHUNK: usize = 500;
const STEP_CHARS: usize = 200;
const PERSON_CHARS: usize = 100;

/// How many alerts a write raised and closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AlertChanges {
    pub raised: usize,
    pub closed: usize,
}

/// `reminder`, `yellow` and `red` for time cards; `warning` for the rest.
#[must_use]
pub fn level_of(rule: RuleId) -> &'static str {
    AlertLevel::of_rule(rule).key()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    case_id: i64,
    rule: String,
    step: Option<String>,
    finding: String,
}

pub(super) struct Existing {
    id: i64,
    key: Key,
    state: String,
    close_reason: Option<String>,
}

impl Existing {
    fn is_open(&self) -> bool {
        self.state != "closed"
    }

    /// Closed by the rules themselves: the finding may be raised again.
    fn taken_down_by_rules(&self) -> bool {
        !self.is_open() && matches!(self.close_reason.as_deref(), Some("taken_down" | "superseded"))
    }
}

struct Raise<'a> {
    key: Key,
    case: &'a crate::entity::handling_case::Model,
    finding: &'a Finding,
}

fn clip(text: Option<&str>, max: usize) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(|t| t.chars().take(max).collect())
}

fn key_of(case_id: i64, finding: &Finding, seqs: &[i32]) -> Key {
    let event = finding.event.and_then(|i| seqs.get(i)).map_or_else(String::new, |seq| format!("e{seq}"));
    Key {
        case_id,
        rule: finding.rule.as_str().to_owned(),
        step: clip(finding.step.as_deref(), STEP_CHARS),
        finding: event,
    }
}

/// The alerts of the evaluated cases that can have any to raise or take down: a
/// case with no finding now and no card before has none (every open time alert is
/// of a card the case shows) — most cases of a busy hall, and no query for them.
pub(super) async fn existing_of(
    conn: &impl ConnectionTrait,
    cases: &[Evaluated<'_>],
) -> Result<Vec<Existing>, StoreError> {
    use supervision_alert::Column as A;
    let ids: Vec<i64> = cases.iter().filter(|c| c.had_card || !c.findings.is_empty()).map(|c| c.case.id).collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let statement = Query::select()
            .columns([A::Id, A::CaseId, A::Rule, A::Step, A::State, A::CloseReason])
            .column(Alias::new("finding_key"))
            .from(supervision_alert::Entity)
            .and_where(Expr::col(A::CaseId).is_in(chunk.iter().copied()))
            .to_owned();
        for row in conn.query_all(&statement).await? {
            out.push(Existing {
                id: row.try_get("", "id")?,
                key: Key {
                    case_id: row.try_get("", "case_id")?,
                    rule: row.try_get("", "rule")?,
                    step: row.try_get("", "step")?,
                    finding: row.try_get::<Option<String>>("", "finding_key")?.unwrap_or_default(),
                },
                state: row.try_get("", "state")?,
                close_reason: row.try_get("", "close_reason")?,
            });
        }
    }
    Ok(out)
}

/// What bringing the alerts in line takes: the findings to raise and the time
/// alerts to close (with why).
pub(super) struct Plan<'a> {
    raises: Vec<Raise<'a>>,
    closes: Vec<(&'a Existing, &'static str)>,
}

/// Compares the findings of the evaluated cases with their `existing` alerts (as
/// read by [`existing_of`]); needs no database.
pub(super) fn plan<'a>(cases: &'a [Evaluated<'a>], existing: &'a [Existing]) -> Plan<'a> {
    let mut by_key: HashMap<&Key, Vec<&Existing>> = HashMap::new();
    for alert in existing {
        by_key.entry(&alert.key).or_default().push(alert);
    }
    let mut raises: Vec<Raise<'_>> = Vec::new();
    let mut wanted: HashSet<Key> = HashSet::new();
    // The strongest card each (case, step) shows now.
    let mut cards: HashMap<(i64, Option<String>), Card> = HashMap::new();
    for c in cases {
        for finding in c.findings {
            let key = key_of(c.case.id, finding, c.seqs);
            if let Some(card) = Card::of_rule(finding.rule) {
                let slot = cards.entry((key.case_id, key.step.clone())).or_insert(Card::None);
                *slot = (*slot).max(card);
            }
            let blocked = by_key.get(&key).is_some_and(|list| list.iter().any(|a| !a.taken_down_by_rules()));
            if !blocked && !wanted.contains(&key) {
                raises.push(Raise { key: key.clone(), case: c.case, finding });
            }
            wanted.insert(key);
        }
    }
    let mut closes: Vec<(&Existing, &'static str)> = Vec::new();
    for alert in existing {
        let Some(card) = RuleId::parse(&alert.key.rule).and_then(Card::of_rule) else { continue };
        if !alert.is_open() || wanted.contains(&alert.key) {
            continue;
        }
        let shown = cards.get(&(alert.key.case_id, alert.key.step.clone())).copied().unwrap_or(Card::None);
        closes.push((alert, if shown > card { "superseded" } else { "taken_down" }));
    }
    Plan { raises, closes }
}

/// Raises and closes what `plan` says.
/// Only the alerts' inserts run at once (their ids are needed); their events and
/// outbox messages, and the closes, go with the commit.
pub(super) async fn carry_out(
    write: &mut Write,
    plan: &Plan<'_>,
    now: DateTime<Utc>,
) -> Result<AlertChanges, StoreError> {
    let raised = insert_raises(write, &plan.raises, now).await?;
    close(write, &plan.closes, now)?;
    Ok(AlertChanges { raised, closed: plan.closes.len() })
}

/// The outbox message of a raised alert (fields in the order of their names).
#[derive(Serialize)]
struct AlertRaised<'a> {
    alert_id: i64,
    case_number: &'a str,
    level: &'static str,
    person: Option<String>,
    rule: &'a str,
    step: Option<&'a str>,
    unit_id: i64,
}

/// The insert of a chunk of alerts, returning what identifies each.
fn alerts_insert(backend: DbBackend, chunk: &[Raise<'_>], now: DateTime<Utc>) -> Result<Statement, StoreError> {
    let columns = [
        "rule",
        "level",
        "case_id",
        "unit_id",
        "step",
        "person",
        "evidence",
        "evidence_words",
        "state",
        "must_act",
        "raised_at",
        "updated_at",
        "finding_key",
    ];
    let mut rows = Rows::new(backend, columns.len(), chunk.len());
    for r in chunk {
        let level = RuleId::parse(&r.key.rule).map_or("warning", level_of);
        rows.push([
            r.key.rule.clone().into(),
            level.into(),
            r.case.id.into(),
            r.case.unit_id.into(),
            r.key.step.clone().into(),
            clip(r.finding.person.as_deref(), PERSON_CHARS).into(),
            r.finding.evidence.clone().into(),
            serde_json::to_string(&r.finding.words).unwrap_or_default().into(),
            "raised".into(),
            "unit".into(),
            now.into(),
            now.into(),
            Some(r.key.finding.clone()).filter(|k| !k.is_empty()).into(),
        ])?;
    }
    Ok(rows.insert(supervision_alert::Entity.table_name(), &columns, " RETURNING id, case_id, rule, step, finding_key"))
}

/// The columns of a raised alert's event, as [`insert_raises`] fills them.
const EVENT_COLUMNS: [&str; 6] = ["alert_id", "from_state", "to_state", "actor", "comment", "at"];
/// The columns of a raised alert's outbox message, as [`insert_raises`] fills them.
const OUTBOX_COLUMNS: [&str; 7] =
    ["topic", "payload", "created_at", "attempts", "next_attempt_at", "delivered_at", "last_error"];

async fn insert_raises(write: &mut Write, raises: &[Raise<'_>], now: DateTime<Utc>) -> Result<usize, StoreError> {
    let backend = write.txn().get_database_backend();
    let mut count = 0;
    for chunk in raises.chunks(INSERT_CHUNK) {
        let insert = alerts_insert(backend, chunk, now)?;
        let by_key: HashMap<Key, &Raise<'_>> = chunk.iter().map(|r| (r.key.clone(), r)).collect();
        // The alert events and the outbox messages of the chunk.
        let mut events = Rows::new(backend, EVENT_COLUMNS.len(), chunk.len());
        let mut messages = Rows::new(backend, OUTBOX_COLUMNS.len(), chunk.len());
        let none = || Value::String(None);
        let never = || Value::from(None::<DateTime<Utc>>);
        for row in write.txn().query_all_raw(insert).await? {
            let id: i64 = row.try_get_by_index(0)?;
            let key = Key {
                case_id: row.try_get_by_index(1)?,
                rule: row.try_get_by_index(2)?,
                step: row.try_get_by_index(3)?,
                finding: row.try_get_by_index::<Option<String>>(4)?.unwrap_or_default(),
            };
            let Some(raise) = by_key.get(&key) else {
                return Err(StoreError::Internal(format!("alert {id}: inserted row not recognised")));
            };
            events.push([id.into(), none(), "raised".into(), RULES_ACTOR.into(), none(), now.into()])?;
            let payload = AlertRaised {
                alert_id: id,
                case_number: &raise.case.case_number,
                level: RuleId::parse(&raise.key.rule).map_or("warning", level_of),
                person: clip(raise.finding.person.as_deref(), PERSON_CHARS),
                rule: &raise.key.rule,
                step: raise.key.step.as_deref(),
                unit_id: raise.case.unit_id,
            };
            let payload = serde_json::to_string(&payload).map_err(|e| StoreError::Internal(e.to_string()))?;
            messages.push([
                "alert_raised".into(),
                payload.into(),
                now.into(),
                0i32.into(),
                now.into(),
                never(),
                none(),
            ])?;
            count += 1;
        }
        if !events.is_empty() {
            // One row each per alert: the two texts vary together.
            write.defer(vec![
                events.insert(supervision_alert_event::Entity.table_name(), &EVENT_COLUMNS, ""),
                messages.insert(outbox::Entity.table_name(), &OUTBOX_COLUMNS, ""),
            ]);
        }
    }
    Ok(count)
}

fn close(write: &mut Write, closes: &[(&Existing, &'static str)], now: DateTime<Utc>) -> Result<(), StoreError> {
    use supervision_alert::Column as A;
    let backend = write.txn().get_database_backend();
    // One round trip on SQLite: the texts vary with the number of closes of each
    // reason, and one of the two is nearly always none.
    let mut statements = Vec::new();
    for reason in ["taken_down", "superseded"] {
        let ids: Vec<i64> = closes.iter().filter(|(_, r)| *r == reason).map(|(a, _)| a.id).collect();
        for chunk in ids.chunks(IN_CHUNK) {
            statements.push(
                supervision_alert::Entity::update_many()
                    .col_expr(A::State, Expr::value("closed"))
                    .col_expr(A::CloseReason, Expr::value(reason))
                    .col_expr(A::ClosedAt, Expr::value(now))
                    .col_expr(A::UpdatedAt, Expr::value(now))
                    .filter(A::Id.is_in(chunk.iter().copied()))
                    .build(backend),
            );
        }
    }
    for chunk in closes.chunks(INSERT_CHUNK) {
        let mut events = Rows::new(backend, EVENT_COLUMNS.len(), chunk.len());
        for (alert, reason) in chunk {
            events.push([
                alert.id.into(),
                Some(alert.state.clone()).into(),
                "closed".into(),
                RULES_ACTOR.into(),
                Some((*reason).to_owned()).into(),
                now.into(),
            ])?;
        }
        statements.push(events.insert(supervision_alert_event::Entity.table_name(), &EVENT_COLUMNS, ""));
    }
    write.defer(statements);
    Ok(())
}
