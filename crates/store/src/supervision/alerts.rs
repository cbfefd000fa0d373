//! Supervision alerts after the rules raised them: a person's moves through the
//! lifecycle ([`sunlight_domain::supervision::lifecycle`]), the scoped lists, one
//! alert with its events and its case, and the console's live counts.
//!
//! Every query is limited to the caller's units; an alert outside them is answered
//! as not found, so its existence is not revealed either.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use sunlight_domain::field::FieldError;
use sunlight_domain::flow::RuleId;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::supervision::lifecycle::{self, AlertLevel, AlertState, Party};
use sunlight_domain::text::Note;

use crate::entity::{handling_case, outbox, power, supervision_alert, supervision_alert_event, unit};
use crate::{Store, StoreError, Write};

/// The outbox topic of an alert a watcher escalated to the commission.
pub const TOPIC_ESCALATED: &str = "alert_escalated";

/// The scope of `principal` as a condition on `unit_id`.
fn in_scope(principal: &Principal) -> Condition {
    match principal.scope.unit_ids() {
        Some(ids) => Condition::all().add(supervision_alert::Column::UnitId.is_in(ids)),
        None => Condition::all(),
    }
}

/// The alert if the caller's units hold it (inside a write or not).
async fn find_in_scope(
    conn: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    id: i64,
) -> Result<supervision_alert::Model, StoreError> {
    supervision_alert::Entity::find_by_id(id)
        .filter(in_scope(principal))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::not_found("supervision_alert"))
}

fn state_of(alert: &supervision_alert::Model) -> Result<AlertState, StoreError> {
    alert
        .state
        .parse()
        .map_err(|_| StoreError::Internal(format!("supervision alert {}: bad state {}", alert.id, alert.state)))
}

// ---------------------------------------------------------------- lifecycle

/// Moves an alert to `to`: the unit acknowledges and explains (`ExplainAlerts`; an
/// explanation needs `comment`), the commission and its sub-commissions close and
/// escalate (`ReviewAlerts`). Records the event and the audit record in one write;
/// an escalation also queues an `alert_escalated` notification.
pub async fn transition_alert(
    store: &Store,
    principal: &Principal,
    id: i64,
    to: AlertState,
    comment: Option<Note>,
) -> Result<supervision_alert::Model, StoreError> {
    let right = lifecycle::right_to_move(to);
    // The role first: a caller who may never make this move learns nothing more.
    authorize(principal, right, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let before = find_in_scope(write.txn(), principal, id).await?;
    authorize(principal, right, Target::Unit(before.unit_id))?;
    let from = state_of(&before)?;
    let step = lifecycle::plan(from, to, comment.as_ref().map(Note::as_str))
        .map_err(|(field, error)| StoreError::invalid(field, error))?;
    let now = write.now();
    let mut model: supervision_alert::ActiveModel = before.clone().into();
    model.state = Set(step.to.key().to_owned());
    model.must_act = Set(step.must_act.key().to_owned());
    model.updated_at = Set(now);
    if let Some(reason) = step.close_reason {
        model.close_reason = Set(Some(reason.key().to_owned()));
        model.closed_at = Set(Some(now));
    }
    let after = model.update(write.txn()).await?;
    let event = supervision_alert_event::ActiveModel {
        alert_id: Set(id),
        from_state: Set(Some(from.key().to_owned())),
        to_state: Set(to.key().to_owned()),
        actor: Set(write.actor().to_owned()),
        comment: Set(comment.map(String::from)),
        at: Set(now),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    write.record("supervision_alert.transition", "supervision_alert", id, Some(&before), Some(&after))?;
    write.record("supervision_alert_event.create", "supervision_alert_event", event.id, None::<&()>, Some(&event))?;
    if to == AlertState::Escalated {
        let case_number = handling_case::Entity::find_by_id(after.case_id)
            .select_only()
            .column(handling_case::Column::CaseNumber)
            .into_tuple::<String>()
            .one(write.txn())
            .await?
            .unwrap_or_default();
        let payload = serde_json::json!({
            "alert_id": after.id,
            "rule": after.rule,
            "level": after.level,
            "case_number": case_number,
            "unit_id": after.unit_id,
            "step": after.step,
            "person": after.person,
            "by": write.actor(),
            "comment": event.comment,
        });
        let row = outbox::ActiveModel {
            topic: Set(TOPIC_ESCALATED.to_owned()),
            payload: Set(payload.to_string()),
            created_at: Set(now),
            attempts: Set(0),
            next_attempt_at: Set(now),
            delivered_at: Set(None),
            last_error: Set(None),
            ..Default::default()
        }
        .insert(write.txn())
        .await?;
        write.record("outbox.create", "outbox", row.id, None::<&()>, Some(&row))?;
    }
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- lists

/// Filters of the alert list; empty means any.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub unit_id: Option<i64>,
    pub level: Option<AlertLevel>,
    /// A rule family: `time`, `process`, `content` or `discretion`.
    pub family: Option<String>,
    pub state: Option<AlertState>,
    /// Only alerts not closed.
    pub open: bool,
    pub must_act: Option<Party>,
    /// Part of the case number (办件编号).
    pub case_number: Option<String>,
}

/// The rule families, in the order the rules are listed.
#[must_use]
pub fn families() -> Vec<&'static str> {
    let mut families: Vec<&'static str> = Vec::new();
    for rule in RuleId::ALL {
        if !families.contains(&rule.family()) {
            families.push(rule.family());
        }
    }
    families
}

/// An alert as lists show it: with its case number and its unit's name.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    #[serde(flatten)]
    pub alert: supervision_alert::Model,
    pub case_number: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    pub total: u64,
    pub alerts: Vec<AlertRow>,
}

fn filter_condition(principal: &Principal, filter: &AlertFilter) -> Result<Condition, StoreError> {
    use supervision_alert::Column as A;
    let mut condition = in_scope(principal);
    if let Some(unit) = filter.unit_id {
        condition = condition.add(A::UnitId.eq(unit));
    }
    if let Some(level) = filter.level {
        condition = condition.add(A::Level.eq(level.key()));
    }
    if let Some(family) = filter.family.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        if !families().contains(&family) {
            return Err(StoreError::invalid("family", FieldError::new("unknown_value")));
        }
        condition = condition.add(A::Rule.starts_with(format!("{family}.")));
    }
    if let Some(state) = filter.state {
        condition = condition.add(A::State.eq(state.key()));
    }
    if filter.open {
        condition = condition.add(A::State.ne(AlertState::Closed.key()));
    }
    if let Some(party) = filter.must_act {
        condition = condition.add(A::MustAct.eq(party.key())).add(A::State.ne(AlertState::Closed.key()));
    }
    if let Some(number) = filter.case_number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let cases = Query::select()
            .column(handling_case::Column::Id)
            .from(handling_case::Entity)
            .and_where(Expr::col(handling_case::Column::CaseNumber).like(format!("%{}%", without_wildcards(number))))
            .to_owned();
        condition = condition.add(A::CaseId.in_subquery(cases));
    }
    Ok(condition)
}

/// Wildcards typed into the search box are dropped (case numbers never hold them),
/// so a search means the same on both backends, whose `LIKE` escapes differ.
fn without_wildcards(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect()
}

/// Case numbers and unit names of the alerts shown.
async fn rows(
    conn: &impl sea_orm::ConnectionTrait,
    alerts: Vec<supervision_alert::Model>,
) -> Result<Vec<AlertRow>, StoreError> {
    let case_ids: Vec<i64> = alerts.iter().map(|a| a.case_id).collect();
    let unit_ids: Vec<i64> = alerts.iter().map(|a| a.unit_id).collect();
    let numbers: HashMap<i64, String> = handling_case::Entity::find()
        .select_only()
        .column(handling_case::Column::Id)
        .column(handling_case::Column::CaseNumber)
        .filter(handling_case::Column::Id.is_in(case_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let names = unit_names(conn, unit_ids).await?;
    Ok(alerts
        .into_iter()
        .map(|alert| AlertRow {
            case_number: numbers.get(&alert.case_id).cloned().unwrap_or_default(),
            unit_name: names.get(&alert.unit_id).cloned().unwrap_or_default(),
            alert,
        })
        .collect())
}

pub(crate) async fn unit_names(
    conn: &impl sea_orm::ConnectionTrait,
    mut ids: Vec<i64>,
) -> Result<HashMap<i64, String>, StoreError> {
    ids.sort_unstable();
    ids.dedup();
    Ok(unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::Name)
        .filter(unit::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// The alerts of the caller's units, newest first (needs `ViewSupervision`).
pub async fn list_alerts(
    store: &Store,
    principal: &Principal,
    filter: &AlertFilter,
    page: u64,
    per_page: u64,
) -> Result<AlertPage, StoreError> {
    authorize(principal, Action::ViewSupervision, filter.unit_id.map_or(Target::County, Target::Unit))?;
    let db = store.connection();
    let query = supervision_alert::Entity::find().filter(filter_condition(principal, filter)?);
    let total = query.clone().count(db).await?;
    let alerts = query
        .order_by_desc(supervision_alert::Column::RaisedAt)
        .order_by_desc(supervision_alert::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok(AlertPage { total, alerts: rows(db, alerts).await? })
}

// ---------------------------------------------------------------- one alert

/// What an alert page shows of its case (never the applicant: the alert is about
/// how the unit handled it).
#[derive(Debug, Clone, Serialize)]
pub struct CaseBasics {
    pub id: i64,
    pub case_number: String,
    pub power_code: String,
    pub power_name: Option<String>,
    pub subject: Option<String>,
    pub status: String,
    pub current_step: Option<String>,
    pub card: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub promised_deadline: Option<chrono::DateTime<chrono::Utc>>,
    pub legal_deadline: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    pub alert: supervision_alert::Model,
    pub unit_name: String,
    pub case: Option<CaseBasics>,
    /// Oldest first.
    pub events: Vec<supervision_alert_event::Model>,
    /// Where this caller may move it.
    #[serde(serialize_with = "state_keys")]
    pub next: Vec<AlertState>,
}

fn state_keys<S: serde::Serializer>(states: &[AlertState], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(states.iter().map(|s| s.key()))
}

pub async fn alert_detail(store: &Store, principal: &Principal, id: i64) -> Result<AlertDetail, StoreError> {
    authorize(principal, Action::ViewSupervision, Target::County)?;
    let db = store.connection();
    let alert = find_in_scope(db, principal, id).await?;
    let events = supervision_alert_event::Entity::find()
        .filter(supervision_alert_event::Column::AlertId.eq(id))
        .order_by_asc(supervision_alert_event::Column::At)
        .order_by_asc(supervision_alert_event::Column::Id)
        .all(db)
        .await?;
    let case = match handling_case::Entity::find_by_id(alert.case_id).one(db).await? {
        Some(c) => {
            let power_name = power::Entity::find_by_id(c.power_id)
                .select_only()
                .column(power::Column::Name)
                .into_tuple::<String>()
                .one(db)
                .await?;
            Some(CaseBasics {
                id: c.id,
                case_number: c.case_number,
                power_code: c.power_code,
                power_name,
                subject: c.subject,
                status: c.status,
                current_step: c.current_step,
                card: c.card,
                received_at: c.received_at,
                promised_deadline: c.promised_deadline,
                legal_deadline: c.legal_deadline,
                finished_at: c.finished_at,
            })
        }
        None => None,
    };
    let unit_name = unit_names(db, vec![alert.unit_id]).await?.remove(&alert.unit_id).unwrap_or_default();
    let next = state_of(&alert)?
        .next()
        .into_iter()
        .filter(|to| authorize(principal, lifecycle::right_to_move(*to), Target::Unit(alert.unit_id)).is_ok())
        .collect();
    Ok(AlertDetail { alert, unit_name, case, events, next })
}

// ---------------------------------------------------------------- console

/// One unit's open alerts by level, in [`AlertLevel::ALL`]'s order.
#[derive(Debug, Clone, Serialize)]
pub struct UnitLevels {
    pub unit_id: i64,
    pub unit_name: String,
    pub counts: Vec<u64>,
    pub total: u64,
}

/// The console's live picture of the caller's units.
#[derive(Debug, Clone, Serialize)]
pub struct Console {
    /// Units with open alerts, most first.
    pub units: Vec<UnitLevels>,
    /// Open alerts by level, in [`AlertLevel::ALL`]'s order.
    pub totals: Vec<u64>,
    /// Open alerts waiting for the unit, and for the commission.
    pub waiting_on_unit: u64,
    pub waiting_on_commission: u64,
    /// The latest alerts raised, open or not.
    pub latest: Vec<AlertRow>,
}

/// Open alerts by unit and level, by who must act, and the `latest` newest alerts.
pub async fn console(store: &Store, principal: &Principal, latest: u64) -> Result<Console, StoreError> {
    use supervision_alert::Column as A;
    authorize(principal, Action::ViewSupervision, Target::County)?;
    let db = store.connection();
    let open = || in_scope(principal).add(A::State.ne(AlertState::Closed.key()));
    let grouped: Vec<(i64, String, i64)> = supervision_alert::Entity::find()
        .select_only()
        .column(A::UnitId)
        .column(A::Level)
        .column_as(A::Id.count(), "n")
        .filter(open())
        .group_by(A::UnitId)
        .group_by(A::Level)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_unit: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    let mut totals = vec![0; AlertLevel::ALL.len()];
    for (unit_id, level, n) in grouped {
        let Some(index) = AlertLevel::ALL.iter().position(|l| l.key() == level) else { continue };
        let n = u64::try_from(n).unwrap_or(0);
        by_unit.entry(unit_id).or_insert_with(|| vec![0; AlertLevel::ALL.len()])[index] += n;
        totals[index] += n;
    }
    let names = unit_names(db, by_unit.keys().copied().collect()).await?;
    let mut units: Vec<UnitLevels> = by_unit
        .into_iter()
        .map(|(unit_id, counts)| UnitLevels {
            unit_id,
            unit_name: names.get(&unit_id).cloned().unwrap_or_default(),
            total: counts.iter().sum(),
            counts,
        })
        .collect();
    // The most serious first: red cards, then yellow, then the total.
    let rank = |u: &UnitLevels| {
        let at = |level: AlertLevel| {
            AlertLevel::ALL.iter().position(|l| *l == level).and_then(|i| u.counts.get(i)).copied().unwrap_or(0)
        };
        (at(AlertLevel::Red), at(AlertLevel::Yellow), u.total)
    };
    units.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.unit_name.cmp(&b.unit_name)));
    let waiting: Vec<(String, i64)> = supervision_alert::Entity::find()
        .select_only()
        .column(A::MustAct)
        .column_as(A::Id.count(), "n")
        .filter(open())
        .group_by(A::MustAct)
        .into_tuple()
        .all(db)
        .await?;
    let waiting_on = |party: Party| {
        waiting.iter().find(|(p, _)| p == party.key()).map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))
    };
    let recent = supervision_alert::Entity::find()
        .filter(in_scope(principal))
        .order_by_desc(A::RaisedAt)
        .order_by_desc(A::Id)
        .limit(latest)
        .all(db)
        .await?;
    Ok(Console {
        units,
        totals,
        waiting_on_unit: waiting_on(Party::Unit),
        waiting_on_commission: waiting_on(Party::Commission),
        latest: rows(db, recent).await?,
    })
}
