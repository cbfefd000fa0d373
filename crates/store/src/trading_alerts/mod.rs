//! Red flags become alerts (预警), and the trading centre's dashboard.
//!
//! [`run_red_flags`] reads every stored compiled release in pages, runs the domain's
//! indicators over them, and keeps one alert per flag (indicator, group, subject):
//! a new flag is `raised` with its first event; a flag raised before has its value
//! and evidence refreshed and keeps its state, except that a **closed** alert flagged
//! again is reopened to `raised` (with an event and an audit record), because the
//! situation it was closed on has recurred. Alerts no longer flagged are left as they
//! are: handling them is a person's decision.
//!
//! [`transition_alert`] moves an alert through its lifecycle
//! ([`sunlight_domain::trading::alert_state`]).

mod evidence;
#[cfg(feature = "testing")]
pub mod fixture;

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::text::Note;
use sunlight_domain::trading::alert_state::{self, AlertState};
use sunlight_domain::trading::{Group, IndicatorRun, Settings};

pub use evidence::{Evidence, Fact};

use crate::entity::{trading_alert, trading_alert_event, trading_party, trading_release};
use crate::{Store, StoreError, Write};

/// Releases read a round trip.
const PAGE: u64 = 1000;
/// Values an `IN (…)` list.
const IN_CHUNK: usize = 500;
/// Rows an `INSERT` statement (alerts have twelve columns).
const INSERT_CHUNK: usize = 500;
/// The subject column's width.
const SUBJECT_MAX: usize = 200;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Compiled releases read.
    pub releases: u64,
    /// (indicator, group, subject) flags the indicators gave.
    pub flags: u64,
    pub created: u64,
    /// Flagged before: value or evidence changed.
    pub updated: u64,
    /// Flagged before, nothing changed.
    pub unchanged: u64,
    /// Closed alerts flagged again, back to `raised`.
    pub reopened: u64,
}

/// Runs the red-flag engine over every stored release (needs `ImportTrading`).
pub async fn run_red_flags(
    store: &Store,
    principal: &Principal,
    settings: &Settings,
) -> Result<RunSummary, StoreError> {
    authorize(principal, Action::ImportTrading, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let summary = run_into(&mut write, settings).await?;
    write.commit().await?;
    Ok(summary)
}

fn subject_of(id: &str) -> String {
    id.chars().take(SUBJECT_MAX).collect()
}

/// Runs the engine inside a write the caller opened (the demo builder does); the
/// caller authorises and commits. Records `trading_alert.run` with the summary.
#[allow(clippy::too_many_lines)] // read, run, match parties, write: one pass each
pub async fn run_into(write: &mut Write, settings: &Settings) -> Result<RunSummary, StoreError> {
    // 1. Every compiled release, a page at a time, pushed through the indicators: only
    //    their accumulator and the parties' names are kept, never every release.
    let mut run = IndicatorRun::new(settings);
    let mut release_ids: HashMap<String, i64> = HashMap::new();
    let mut parties: HashMap<String, evidence::PartySeen> = HashMap::new();
    let mut last = 0_i64;
    loop {
        let page: Vec<(i64, String, String)> = trading_release::Entity::find()
            .select_only()
            .column(trading_release::Column::Id)
            .column(trading_release::Column::Ocid)
            .column(trading_release::Column::Compiled)
            .filter(trading_release::Column::Id.gt(last))
            .order_by_asc(trading_release::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(write.txn())
            .await?;
        let Some((id, _, _)) = page.last() else { break };
        last = *id;
        for (id, ocid, compiled) in page {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&compiled) {
                evidence::collect_parties(&value, &mut parties);
            }
            run.push(&compiled);
            release_ids.insert(ocid, id);
        }
    }
    let output = run.finish();
    let mut summary = RunSummary { releases: release_ids.len() as u64, ..RunSummary::default() };

    // 2. The compiled releases of flagged processes, for their evidence.
    let flagged_ocids: Vec<String> = output.ids(Group::Ocid).into_iter().map(str::to_owned).collect();
    let mut compiled: HashMap<String, serde_json::Value> = HashMap::new();
    for chunk in flagged_ocids.chunks(IN_CHUNK) {
        let rows: Vec<(String, String)> = trading_release::Entity::find()
            .select_only()
            .column(trading_release::Column::Ocid)
            .column(trading_release::Column::Compiled)
            .filter(trading_release::Column::Ocid.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(write.txn())
            .await?;
        for (ocid, text) in rows {
            if let Ok(value) = serde_json::from_str(&text) {
                compiled.insert(ocid, value);
            }
        }
    }

    // 3. Flagged parties matched to stored ones, by key or by name.
    let party_flags: Vec<&str> = output
        .groups()
        .iter()
        .filter(|(g, _)| *g != Group::Ocid)
        .flat_map(|(_, f)| f.iter().map(|f| f.id.as_str()))
        .collect();
    let mut candidates: Vec<String> = Vec::new();
    for id in &party_flags {
        candidates.push((*id).to_owned());
        if let Some(seen) = parties.get(*id) {
            candidates.extend(seen.key.iter().cloned());
            candidates.extend(seen.name.iter().cloned());
        }
    }
    candidates.sort();
    candidates.dedup();
    let mut by_key: HashMap<String, (i64, String)> = HashMap::new();
    let mut by_name: HashMap<String, (i64, String)> = HashMap::new();
    for chunk in candidates.chunks(IN_CHUNK) {
        let rows = trading_party::Entity::find()
            .filter(
                Condition::any()
                    .add(trading_party::Column::PartyKey.is_in(chunk.iter().cloned()))
                    .add(trading_party::Column::Name.is_in(chunk.iter().cloned())),
            )
            .all(write.txn())
            .await?;
        for p in rows {
            by_name.entry(p.name.clone()).or_insert((p.id, p.name.clone()));
            by_key.insert(p.party_key, (p.id, p.name));
        }
    }
    let party_of = |id: &str| -> Option<(i64, String)> {
        let seen = parties.get(id);
        let keys = [Some(id.to_owned()), seen.and_then(|s| s.key.clone())];
        keys.iter()
            .flatten()
            .find_map(|k| by_key.get(k))
            .or_else(|| seen.and_then(|s| s.name.as_ref()).and_then(|n| by_name.get(n)))
            .or_else(|| by_name.get(id))
            .cloned()
    };

    // 4. One alert per flag.
    let existing: HashMap<(String, String, String), trading_alert::Model> = trading_alert::Entity::find()
        .all(write.txn())
        .await?
        .into_iter()
        .map(|a| ((a.indicator.clone(), a.flag_group.clone(), a.subject.clone()), a))
        .collect();
    // Ids only grow: the alerts created below are those above the largest one now.
    let last_id = existing.values().map(|a| a.id).max().unwrap_or(0);
    let now = write.now();
    let mut new_rows: Vec<trading_alert::ActiveModel> = Vec::new();
    let mut new_keys: Vec<(String, String, String)> = Vec::new();
    for (group, flagged) in output.groups() {
        for f in flagged {
            for (indicator, value) in &f.values {
                summary.flags += 1;
                let subject = subject_of(&f.id);
                let (release_id, party_id, facts) = if *group == Group::Ocid {
                    let facts = compiled.get(&f.id).map(|r| evidence::release_facts(*indicator, r)).unwrap_or_default();
                    (release_ids.get(&f.id).copied(), None, facts)
                } else {
                    let party = party_of(&f.id);
                    let name = party.as_ref().map(|(_, n)| n.clone()).or_else(|| parties.get(&f.id)?.name.clone());
                    (None, party.map(|(id, _)| id), evidence::party_facts(name.as_deref(), &f.id))
                };
                let threshold = evidence::threshold(settings, *indicator, &output);
                let evidence = evidence::evidence(*indicator, *group, *value, threshold, facts);
                let evidence_text = serde_json::to_string(&evidence)
                    .map_err(|e| StoreError::Internal(format!("alert evidence: {e}")))?;
                let value = value.is_finite().then_some(*value);
                let key = (indicator.code().to_owned(), group.key().to_owned(), subject.clone());
                match existing.get(&key) {
                    None => {
                        new_rows.push(trading_alert::ActiveModel {
                            indicator: Set(key.0.clone()),
                            flag_group: Set(key.1.clone()),
                            subject: Set(subject),
                            release_id: Set(release_id),
                            party_id: Set(party_id),
                            value: Set(value),
                            evidence: Set(evidence_text),
                            state: Set(AlertState::Raised.key().to_owned()),
                            explanation: Set(None),
                            created_at: Set(now),
                            updated_at: Set(now),
                            ..Default::default()
                        });
                        new_keys.push(key);
                    }
                    Some(before) => {
                        let state: AlertState = before.state.parse().map_err(|_| {
                            StoreError::Internal(format!("trading alert {}: bad state {}", before.id, before.state))
                        })?;
                        let reopen = alert_state::on_flagged_again(state);
                        let changed = before.value != value
                            || before.evidence != evidence_text
                            || before.release_id != release_id
                            || before.party_id != party_id;
                        if !changed && reopen.is_none() {
                            summary.unchanged += 1;
                            continue;
                        }
                        let mut model: trading_alert::ActiveModel = before.clone().into();
                        model.value = Set(value);
                        model.evidence = Set(evidence_text);
                        model.release_id = Set(release_id);
                        model.party_id = Set(party_id);
                        model.updated_at = Set(now);
                        if let Some(to) = reopen {
                            model.state = Set(to.key().to_owned());
                            model.explanation = Set(None);
                        }
                        let after = model.update(write.txn()).await?;
                        if let Some(to) = reopen {
                            summary.reopened += 1;
                            insert_event(write, after.id, Some(state), to, None).await?;
                            write.record(
                                "trading_alert.raise",
                                "trading_alert",
                                after.id,
                                Some(before),
                                Some(&after),
                            )?;
                        } else {
                            summary.updated += 1;
                            write.record(
                                "trading_alert.update",
                                "trading_alert",
                                after.id,
                                Some(before),
                                Some(&after),
                            )?;
                        }
                    }
                }
            }
        }
    }
    summary.created = new_rows.len() as u64;
    let mut rows = new_rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<trading_alert::ActiveModel> = rows.by_ref().take(INSERT_CHUNK).collect();
        trading_alert::Entity::insert_many(chunk).exec(write.txn()).await.map_err(StoreError::unique("subject"))?;
    }
    if !new_keys.is_empty() {
        let created: HashMap<(String, String, String), trading_alert::Model> = trading_alert::Entity::find()
            .filter(trading_alert::Column::Id.gt(last_id))
            .all(write.txn())
            .await?
            .into_iter()
            .map(|a| ((a.indicator.clone(), a.flag_group.clone(), a.subject.clone()), a))
            .collect();
        let mut events = Vec::with_capacity(new_keys.len());
        for key in &new_keys {
            let alert =
                created.get(key).ok_or_else(|| StoreError::Internal(format!("created alert {key:?} not found")))?;
            events.push(trading_alert_event::ActiveModel {
                alert_id: Set(alert.id),
                from_state: Set(None),
                to_state: Set(AlertState::Raised.key().to_owned()),
                actor: Set(write.actor().to_owned()),
                at: Set(now),
                comment: Set(None),
                ..Default::default()
            });
            write.record("trading_alert.raise", "trading_alert", alert.id, None::<&()>, Some(alert))?;
        }
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<trading_alert_event::ActiveModel> = events.by_ref().take(INSERT_CHUNK).collect();
            trading_alert_event::Entity::insert_many(chunk).exec(write.txn()).await?;
        }
    }
    write.record("trading_alert.run", "trading_alert", "run", None::<&()>, Some(&summary))?;
    Ok(summary)
}

async fn insert_event(
    write: &Write,
    alert_id: i64,
    from: Option<AlertState>,
    to: AlertState,
    comment: Option<String>,
) -> Result<trading_alert_event::Model, StoreError> {
    Ok(trading_alert_event::ActiveModel {
        alert_id: Set(alert_id),
        from_state: Set(from.map(|s| s.key().to_owned())),
        to_state: Set(to.key().to_owned()),
        actor: Set(write.actor().to_owned()),
        at: Set(write.now()),
        comment: Set(comment),
        ..Default::default()
    }
    .insert(write.txn())
    .await?)
}

// ---------------------------------------------------------------- lifecycle

/// Moves an alert to `to` (needs `HandleTradingAlerts`). An explanation needs
/// `comment`, which is kept as the alert's explanation.
pub async fn transition_alert(
    store: &Store,
    principal: &Principal,
    id: i64,
    to: AlertState,
    comment: Option<Note>,
) -> Result<trading_alert::Model, StoreError> {
    authorize(principal, Action::HandleTradingAlerts, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let before = trading_alert::Entity::find_by_id(id)
        .one(write.txn())
        .await?
        .ok_or_else(|| StoreError::not_found("trading_alert"))?;
    let from: AlertState = before
        .state
        .parse()
        .map_err(|_| StoreError::Internal(format!("trading alert {id}: bad state {}", before.state)))?;
    alert_state::transition(from, to, comment.as_ref().map(Note::as_str))
        .map_err(|(field, error)| StoreError::invalid(field, error))?;
    let mut model: trading_alert::ActiveModel = before.clone().into();
    model.state = Set(to.key().to_owned());
    if to == AlertState::Explained {
        model.explanation = Set(comment.as_ref().map(ToString::to_string));
    }
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    let event = insert_event(&write, id, Some(from), to, comment.map(|c| c.to_string())).await?;
    write.record("trading_alert.transition", "trading_alert", id, Some(&before), Some(&after))?;
    write.record("trading_alert_event.create", "trading_alert_event", event.id, None::<&()>, Some(&event))?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- queries

/// Filters of the alert list; empty means any.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub state: Option<AlertState>,
    /// Only alerts not closed.
    pub open: bool,
    pub indicator: Option<String>,
    pub group: Option<String>,
    /// Part of the subject (an ocid or party id).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    pub total: u64,
    pub alerts: Vec<trading_alert::Model>,
}

pub async fn list_alerts(
    store: &Store,
    principal: &Principal,
    filter: &AlertFilter,
    page: u64,
    per_page: u64,
) -> Result<AlertPage, StoreError> {
    authorize(principal, Action::ViewTrading, Target::County)?;
    let mut query = trading_alert::Entity::find();
    if let Some(state) = filter.state {
        query = query.filter(trading_alert::Column::State.eq(state.key()));
    }
    if filter.open {
        query = query.filter(trading_alert::Column::State.ne(AlertState::Closed.key()));
    }
    if let Some(indicator) = filter.indicator.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(trading_alert::Column::Indicator.eq(indicator));
    }
    if let Some(group) = filter.group.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(trading_alert::Column::FlagGroup.eq(group));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(trading_alert::Column::Subject.contains(text));
    }
    let total = query.clone().count(store.connection()).await?;
    let alerts = query
        .order_by_desc(trading_alert::Column::UpdatedAt)
        .order_by_desc(trading_alert::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(store.connection())
        .await?;
    Ok(AlertPage { total, alerts })
}

/// An alert with its events, the process or party it is about, and its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    pub alert: trading_alert::Model,
    pub evidence: Option<serde_json::Value>,
    pub events: Vec<trading_alert_event::Model>,
    /// `(id, ocid, title)` of the process.
    pub release: Option<(i64, String, Option<String>)>,
    /// `(id, name)` of the party.
    pub party: Option<(i64, String)>,
    /// Where a person may move it next.
    pub next: Vec<String>,
}

pub async fn alert_detail(store: &Store, principal: &Principal, id: i64) -> Result<AlertDetail, StoreError> {
    authorize(principal, Action::ViewTrading, Target::County)?;
    let db = store.connection();
    let alert =
        trading_alert::Entity::find_by_id(id).one(db).await?.ok_or_else(|| StoreError::not_found("trading_alert"))?;
    let events = trading_alert_event::Entity::find()
        .filter(trading_alert_event::Column::AlertId.eq(id))
        .order_by_asc(trading_alert_event::Column::At)
        .order_by_asc(trading_alert_event::Column::Id)
        .all(db)
        .await?;
    let release = match alert.release_id {
        Some(rid) => {
            trading_release::Entity::find_by_id(rid)
                .select_only()
                .column(trading_release::Column::Id)
                .column(trading_release::Column::Ocid)
                .column(trading_release::Column::Title)
                .into_tuple::<(i64, String, Option<String>)>()
                .one(db)
                .await?
        }
        None => None,
    };
    let party = match alert.party_id {
        Some(pid) => trading_party::Entity::find_by_id(pid).one(db).await?.map(|p| (p.id, p.name)),
        None => None,
    };
    let next = alert
        .state
        .parse::<AlertState>()
        .map(|s| s.next().into_iter().map(|n| n.key().to_owned()).collect())
        .unwrap_or_default();
    let evidence = serde_json::from_str(&alert.evidence).ok();
    Ok(AlertDetail { alert, evidence, events, release, party, next })
}

/// One supplier's share of a buyer's awarded value.
#[derive(Debug, Clone, Serialize)]
pub struct SupplierShare {
    pub supplier_id: i64,
    pub supplier: String,
    pub amount: f64,
    pub share: f64,
}

/// A buyer's awarded value and its biggest suppliers.
#[derive(Debug, Clone, Serialize)]
pub struct BuyerShares {
    pub buyer_id: i64,
    pub buyer: String,
    pub currency: Option<String>,
    pub total: f64,
    pub suppliers: Vec<SupplierShare>,
}

/// The trading centre's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// `(stage, processes)` in the order planning → implementation, then others.
    pub releases_by_stage: Vec<(String, u64)>,
    /// `(indicator, alerts not closed)`, most first.
    pub open_by_indicator: Vec<(String, u64)>,
    /// `(state, alerts)`.
    pub alerts_by_state: Vec<(String, u64)>,
    /// Buyers by awarded value, most first, each with its top suppliers.
    pub supplier_shares: Vec<BuyerShares>,
}

type BuyerCurrency = (i64, Option<String>);

const STAGES: [&str; 5] = ["planning", "tender", "award", "contract", "implementation"];

/// The dashboard: `buyers` biggest buyers, `top` suppliers each.
pub async fn dashboard(
    store: &Store,
    principal: &Principal,
    buyers: usize,
    top: usize,
) -> Result<Dashboard, StoreError> {
    authorize(principal, Action::ViewTrading, Target::County)?;
    let db = store.connection();
    let mut stages: Vec<(String, i64)> = trading_release::Entity::find()
        .select_only()
        .column(trading_release::Column::Stage)
        .column_as(trading_release::Column::Id.count(), "n")
        .group_by(trading_release::Column::Stage)
        .into_tuple()
        .all(db)
        .await?;
    stages.sort_by_key(|(s, _)| (STAGES.iter().position(|k| k == s).unwrap_or(STAGES.len()), s.clone()));
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut by_indicator: Vec<(String, i64)> = trading_alert::Entity::find()
        .select_only()
        .column(trading_alert::Column::Indicator)
        .column_as(trading_alert::Column::Id.count(), "n")
        .filter(trading_alert::Column::State.ne(AlertState::Closed.key()))
        .group_by(trading_alert::Column::Indicator)
        .into_tuple()
        .all(db)
        .await?;
    by_indicator.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let by_state: Vec<(String, i64)> = trading_alert::Entity::find()
        .select_only()
        .column(trading_alert::Column::State)
        .column_as(trading_alert::Column::Id.count(), "n")
        .group_by(trading_alert::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_state: Vec<(String, u64)> = by_state.into_iter().map(|(s, n)| (s, count(n))).collect();
    by_state.sort_by_key(|(s, _)| AlertState::ALL.iter().position(|k| k.key() == s).unwrap_or(usize::MAX));
    Ok(Dashboard {
        releases_by_stage: stages.into_iter().map(|(s, n)| (s, count(n))).collect(),
        open_by_indicator: by_indicator.into_iter().map(|(s, n)| (s, count(n))).collect(),
        alerts_by_state: by_state,
        supplier_shares: supplier_shares(store, buyers, top).await?,
    })
}

/// Active (or status-less) awards summed by buyer, supplier and currency; shares are
/// within one buyer and one currency, never across currencies.
async fn supplier_shares(store: &Store, buyers: usize, top: usize) -> Result<Vec<BuyerShares>, StoreError> {
    let db = store.connection();
    let sql = "SELECT r.buyer_id AS buyer_id, a.supplier_id AS supplier_id, a.currency AS currency, \
               SUM(a.amount) AS amount FROM trading_award a JOIN trading_release r ON r.id = a.release_id \
               WHERE r.buyer_id IS NOT NULL AND a.supplier_id IS NOT NULL AND a.amount IS NOT NULL \
               AND (a.status IS NULL OR a.status = 'active') GROUP BY r.buyer_id, a.supplier_id, a.currency";
    let rows = db.query_all_raw(Statement::from_string(store.db_backend(), sql)).await?;
    // (buyer, currency) → [(supplier, amount)]
    let mut groups: HashMap<BuyerCurrency, Vec<(i64, f64)>> = HashMap::new();
    for row in rows {
        let buyer: i64 = row.try_get("", "buyer_id")?;
        let supplier: i64 = row.try_get("", "supplier_id")?;
        let currency: Option<String> = row.try_get("", "currency")?;
        let amount: f64 = row.try_get("", "amount")?;
        groups.entry((buyer, currency)).or_default().push((supplier, amount));
    }
    let mut list: Vec<BuyerShares> = groups
        .into_iter()
        .map(|((buyer_id, currency), mut suppliers)| {
            let total: f64 = suppliers.iter().map(|(_, a)| a).sum();
            suppliers.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            suppliers.truncate(top);
            BuyerShares {
                buyer_id,
                buyer: String::new(),
                currency,
                total,
                suppliers: suppliers
                    .into_iter()
                    .map(|(supplier_id, amount)| SupplierShare {
                        supplier_id,
                        supplier: String::new(),
                        amount,
                        share: if total > 0.0 { amount / total } else { 0.0 },
                    })
                    .collect(),
            }
        })
        .collect();
    list.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.buyer_id.cmp(&b.buyer_id)));
    list.truncate(buyers);
    let mut ids: Vec<i64> = list
        .iter()
        .flat_map(|b| std::iter::once(b.buyer_id).chain(b.suppliers.iter().map(|s| s.supplier_id)))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(i64, String)> = trading_party::Entity::find()
            .select_only()
            .column(trading_party::Column::Id)
            .column(trading_party::Column::Name)
            .filter(trading_party::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    for buyer in &mut list {
        buyer.buyer = names.get(&buyer.buyer_id).cloned().unwrap_or_default();
        for s in &mut buyer.suppliers {
            s.supplier = names.get(&s.supplier_id).cloned().unwrap_or_default();
        }
    }
    Ok(list)
}
