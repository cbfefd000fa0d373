//! The public resource trading centre (一中心): OCDS contracting processes imported as
//! compiled releases, and the queries of its data pages. County data: every query
//! needs `ViewTrading` on the county, imports need `ImportTrading`.

mod import;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sunlight_domain::policy::{Action, Principal, Target, authorize};

pub use import::{
    CurrencyTotal, ImportSummary, NO_CURRENCY, PartyRef, STAGES, SummaryIssue, import_into, import_ocds, party_ref,
};

use crate::entity::{
    trading_amendment, trading_award, trading_bid, trading_contract, trading_party, trading_payment, trading_release,
};
use crate::{Backend, Store, StoreError};

/// Most processes a party page lists as buyer (the newest first).
pub const PARTY_PROCESSES: u64 = 200;

fn may_view(principal: &Principal) -> Result<(), StoreError> {
    Ok(authorize(principal, Action::ViewTrading, Target::County)?)
}

/// Filters of the release list; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReleaseFilter {
    /// Part of the title or the ocid.
    pub q: Option<String>,
    /// One of [`STAGES`].
    pub stage: Option<String>,
    /// `open`, `selective`, `limited`, `direct`.
    pub method: Option<String>,
    /// The buyer's party id.
    pub buyer: Option<i64>,
    /// `goods`, `works`, `services`.
    pub category: Option<String>,
}

/// A release as lists show it (without its compiled JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseRow {
    pub id: i64,
    pub ocid: String,
    pub title: Option<String>,
    pub stage: String,
    pub procurement_method: Option<String>,
    pub category: Option<String>,
    pub value_amount: Option<f64>,
    pub value_currency: Option<String>,
    pub buyer_id: Option<i64>,
    pub buyer_name: Option<String>,
    pub tender_end: Option<DateTime<Utc>>,
    pub number_of_tenderers: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

/// A page of releases and the count of all that match.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasePage {
    pub total: u64,
    pub releases: Vec<ReleaseRow>,
}

/// A child row with the name of its party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WithParty<T> {
    #[serde(flatten)]
    pub row: T,
    pub party_name: Option<String>,
}

/// One contracting process with everything derived from it.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseDetail {
    pub release: ReleaseRow,
    pub procuring_entity_id: Option<i64>,
    pub procuring_entity_name: Option<String>,
    pub procurement_method_details: Option<String>,
    pub tender_start: Option<DateTime<Utc>>,
    pub imported_at: DateTime<Utc>,
    pub bids: Vec<WithParty<trading_bid::Model>>,
    pub awards: Vec<WithParty<trading_award::Model>>,
    pub contracts: Vec<trading_contract::Model>,
    pub amendments: Vec<trading_amendment::Model>,
    pub payments: Vec<trading_payment::Model>,
    /// Every party the process refers to, by name.
    pub parties: Vec<trading_party::Model>,
}

/// What a buyer awarded to one supplier, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierShare {
    pub supplier_id: Option<i64>,
    pub supplier_name: Option<String>,
    pub currency: String,
    pub awards: u64,
    pub amount: f64,
    /// Of the buyer's awarded total in that currency, 0–1. A consortium's award counts
    /// fully for each member, so shares can add up to more than 1.
    pub share: f64,
}

/// A bid or award of a supplier, with its process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InProcess<T> {
    #[serde(flatten)]
    pub row: T,
    pub ocid: String,
    pub title: Option<String>,
}

/// A party's history: as buyer and as tenderer/supplier.
#[derive(Debug, Clone, Serialize)]
pub struct PartyDetail {
    pub party: trading_party::Model,
    /// Processes it bought (or procured for), newest first, at most [`PARTY_PROCESSES`].
    pub processes: Vec<ReleaseRow>,
    pub processes_total: u64,
    pub suppliers: Vec<SupplierShare>,
    pub bids: Vec<InProcess<trading_bid::Model>>,
    pub awards: Vec<InProcess<trading_award::Model>>,
    /// Processes it bid in.
    pub processes_bid: u64,
    /// Of those, the processes it was awarded.
    pub processes_won: u64,
    /// `processes_won / processes_bid`, when it bid at all.
    pub win_ratio: Option<f64>,
}

fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn filtered(
    store: &Store,
    mut query: Select<trading_release::Entity>,
    filter: &ReleaseFilter,
) -> Select<trading_release::Entity> {
    let some = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    if let Some(q) = some(&filter.q) {
        let pattern = like_pattern(&q);
        let sql = match store.backend() {
            Backend::Sqlite => {
                "(\"trading_release\".\"title\" LIKE ? ESCAPE '!' OR \"trading_release\".\"ocid\" LIKE ? ESCAPE '!')"
            }
            Backend::Postgres => {
                "(\"trading_release\".\"title\" ILIKE $1 ESCAPE '!' OR \"trading_release\".\"ocid\" ILIKE $2 ESCAPE '!')"
            }
        };
        query = query.filter(Expr::cust_with_values(sql, [pattern.clone(), pattern]));
    }
    if let Some(stage) = some(&filter.stage) {
        query = query.filter(trading_release::Column::Stage.eq(stage));
    }
    if let Some(method) = some(&filter.method) {
        query = query.filter(trading_release::Column::ProcurementMethod.eq(method));
    }
    if let Some(category) = some(&filter.category) {
        query = query.filter(trading_release::Column::Category.eq(category));
    }
    if let Some(buyer) = filter.buyer {
        query = query.filter(trading_release::Column::BuyerId.eq(buyer));
    }
    query
}

/// The names of the parties `ids`.
async fn party_names(
    db: &impl sea_orm::ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, StoreError> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    let mut names = HashMap::new();
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(500) {
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
    Ok(names)
}

async fn rows_of(
    db: &impl sea_orm::ConnectionTrait,
    models: Vec<trading_release::Model>,
) -> Result<Vec<ReleaseRow>, StoreError> {
    let names = party_names(db, models.iter().filter_map(|m| m.buyer_id)).await?;
    Ok(models
        .into_iter()
        .map(|m| ReleaseRow {
            buyer_name: m.buyer_id.and_then(|id| names.get(&id).cloned()),
            id: m.id,
            ocid: m.ocid,
            title: m.title,
            stage: m.stage,
            procurement_method: m.procurement_method,
            category: m.category,
            value_amount: m.value_amount,
            value_currency: m.value_currency,
            buyer_id: m.buyer_id,
            tender_end: m.tender_end,
            number_of_tenderers: m.number_of_tenderers,
            updated_at: m.updated_at,
        })
        .collect())
}

/// The releases that match `filter`, newest import first, one page (from 1).
pub async fn list_releases(
    store: &Store,
    principal: &Principal,
    filter: &ReleaseFilter,
    page: u64,
    per_page: u64,
) -> Result<ReleasePage, StoreError> {
    may_view(principal)?;
    let db = store.connection();
    let query = filtered(store, trading_release::Entity::find(), filter);
    let total = query.clone().count(db).await?;
    let models = query
        .order_by_desc(trading_release::Column::UpdatedAt)
        .order_by_desc(trading_release::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok(ReleasePage { total, releases: rows_of(db, models).await? })
}

/// How many processes are at each stage, in [`STAGES`] order.
pub async fn stage_counts(store: &Store, principal: &Principal) -> Result<Vec<(&'static str, u64)>, StoreError> {
    may_view(principal)?;
    let rows: Vec<(String, i64)> = trading_release::Entity::find()
        .select_only()
        .column(trading_release::Column::Stage)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(trading_release::Column::Stage)
        .into_tuple()
        .all(store.connection())
        .await?;
    let counts: HashMap<String, i64> = rows.into_iter().collect();
    Ok(STAGES.iter().map(|s| (*s, counts.get(*s).map_or(0, |n| u64::try_from(*n).unwrap_or_default()))).collect())
}

async fn release_model(store: &Store, id: i64) -> Result<trading_release::Model, StoreError> {
    trading_release::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("trading_release"))
}

/// One process with its bids, awards, contracts, amendments, payments and parties.
pub async fn get_release(store: &Store, principal: &Principal, id: i64) -> Result<ReleaseDetail, StoreError> {
    may_view(principal)?;
    let db = store.connection();
    let model = release_model(store, id).await?;
    let bids = trading_bid::Entity::find()
        .filter(trading_bid::Column::ReleaseId.eq(id))
        .order_by_asc(trading_bid::Column::Id)
        .all(db)
        .await?;
    let awards = trading_award::Entity::find()
        .filter(trading_award::Column::ReleaseId.eq(id))
        .order_by_asc(trading_award::Column::Id)
        .all(db)
        .await?;
    let contracts = trading_contract::Entity::find()
        .filter(trading_contract::Column::ReleaseId.eq(id))
        .order_by_asc(trading_contract::Column::Id)
        .all(db)
        .await?;
    let amendments = trading_amendment::Entity::find()
        .filter(trading_amendment::Column::ReleaseId.eq(id))
        .order_by_asc(trading_amendment::Column::Id)
        .all(db)
        .await?;
    let payments = trading_payment::Entity::find()
        .filter(trading_payment::Column::ReleaseId.eq(id))
        .order_by_asc(trading_payment::Column::Id)
        .all(db)
        .await?;
    let party_ids: BTreeSet<i64> = model
        .buyer_id
        .into_iter()
        .chain(model.procuring_entity_id)
        .chain(bids.iter().filter_map(|b| b.tenderer_id))
        .chain(awards.iter().filter_map(|a| a.supplier_id))
        .collect();
    let parties = trading_party::Entity::find()
        .filter(trading_party::Column::Id.is_in(party_ids))
        .order_by_asc(trading_party::Column::Name)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = parties.iter().map(|p| (p.id, p.name.clone())).collect();
    let name = |id: Option<i64>| id.and_then(|id| names.get(&id).cloned());
    let procuring_entity_id = model.procuring_entity_id;
    let procurement_method_details = model.procurement_method_details.clone();
    let tender_start = model.tender_start;
    let imported_at = model.imported_at;
    let release = rows_of(db, vec![model]).await?.pop().ok_or_else(|| StoreError::not_found("trading_release"))?;
    Ok(ReleaseDetail {
        release,
        procuring_entity_id,
        procuring_entity_name: name(procuring_entity_id),
        procurement_method_details,
        tender_start,
        imported_at,
        bids: bids.into_iter().map(|b| WithParty { party_name: name(b.tenderer_id), row: b }).collect(),
        awards: awards.into_iter().map(|a| WithParty { party_name: name(a.supplier_id), row: a }).collect(),
        contracts,
        amendments,
        payments,
        parties,
    })
}

/// The stored compiled release of process `id`, as text exactly as stored.
pub async fn compiled_text(store: &Store, principal: &Principal, id: i64) -> Result<String, StoreError> {
    may_view(principal)?;
    Ok(release_model(store, id).await?.compiled)
}

/// The compiled release of `ocid`, rebuilt from the store.
pub async fn compiled_release(store: &Store, principal: &Principal, ocid: &str) -> Result<Value, StoreError> {
    may_view(principal)?;
    let model = trading_release::Entity::find()
        .filter(trading_release::Column::Ocid.eq(ocid))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("trading_release"))?;
    serde_json::from_str(&model.compiled).map_err(|e| StoreError::Internal(format!("stored release {ocid}: {e}")))
}

/// Every stored compiled release, by id (for the red-flag engine).
pub async fn all_compiled_releases(store: &Store, principal: &Principal) -> Result<Vec<(i64, Value)>, StoreError> {
    may_view(principal)?;
    let rows: Vec<(i64, String)> = trading_release::Entity::find()
        .select_only()
        .column(trading_release::Column::Id)
        .column(trading_release::Column::Compiled)
        .order_by_asc(trading_release::Column::Id)
        .into_tuple()
        .all(store.connection())
        .await?;
    rows.into_iter()
        .map(|(id, text)| {
            serde_json::from_str(&text)
                .map(|value| (id, value))
                .map_err(|e| StoreError::Internal(format!("stored release {id}: {e}")))
        })
        .collect()
}

/// Per supplier and currency, what buyer `id` awarded over all its processes.
async fn supplier_shares(db: &impl sea_orm::ConnectionTrait, id: i64) -> Result<Vec<SupplierShare>, StoreError> {
    let buyer_awards: Vec<trading_award::Model> = trading_award::Entity::find()
        .filter(
            trading_award::Column::ReleaseId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(trading_release::Column::Id)
                    .from(trading_release::Entity)
                    .and_where(trading_release::Column::BuyerId.eq(id))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?;
    let mut per: BTreeMap<(Option<i64>, String), (u64, f64)> = BTreeMap::new();
    let mut totals: HashMap<String, f64> = HashMap::new();
    let mut counted: BTreeSet<(i64, Option<String>, Option<i64>)> = BTreeSet::new();
    for award in &buyer_awards {
        let Some(amount) = award.amount else { continue };
        let currency = award.currency.clone().unwrap_or_else(|| NO_CURRENCY.into());
        // The award's value counts once in the total, fully for each supplier.
        if counted.insert((award.release_id, award.award_id.clone(), award.award_id.is_none().then_some(award.id))) {
            *totals.entry(currency.clone()).or_default() += amount;
        }
        let entry = per.entry((award.supplier_id, currency)).or_default();
        entry.0 += 1;
        entry.1 += amount;
    }
    let names = party_names(db, per.keys().filter_map(|(s, _)| *s)).await?;
    let mut suppliers: Vec<SupplierShare> = per
        .into_iter()
        .map(|((supplier_id, currency), (awards, amount))| {
            let total = totals.get(&currency).copied().unwrap_or_default();
            SupplierShare {
                supplier_id,
                supplier_name: supplier_id.and_then(|s| names.get(&s).cloned()),
                share: if total > 0.0 { amount / total } else { 0.0 },
                currency,
                awards,
                amount,
            }
        })
        .collect();
    suppliers.sort_by(|a, b| a.currency.cmp(&b.currency).then(b.amount.total_cmp(&a.amount)));
    Ok(suppliers)
}

/// A party's history as buyer (processes, awarded value and share per supplier) and as
/// tenderer/supplier (bids, awards, win ratio).
pub async fn get_party(store: &Store, principal: &Principal, id: i64) -> Result<PartyDetail, StoreError> {
    may_view(principal)?;
    let db = store.connection();
    let party =
        trading_party::Entity::find_by_id(id).one(db).await?.ok_or_else(|| StoreError::not_found("trading_party"))?;
    let bought = trading_release::Entity::find().filter(
        sea_orm::Condition::any()
            .add(trading_release::Column::BuyerId.eq(id))
            .add(trading_release::Column::ProcuringEntityId.eq(id)),
    );
    let processes_total = bought.clone().count(db).await?;
    let processes = bought
        .clone()
        .order_by_desc(trading_release::Column::UpdatedAt)
        .order_by_desc(trading_release::Column::Id)
        .limit(PARTY_PROCESSES)
        .all(db)
        .await?;
    let processes = rows_of(db, processes).await?;

    let suppliers = supplier_shares(db, id).await?;

    // As tenderer and supplier.
    let bids = trading_bid::Entity::find()
        .filter(trading_bid::Column::TendererId.eq(id))
        .order_by_asc(trading_bid::Column::Id)
        .all(db)
        .await?;
    let awards = trading_award::Entity::find()
        .filter(trading_award::Column::SupplierId.eq(id))
        .order_by_asc(trading_award::Column::Id)
        .all(db)
        .await?;
    let release_ids: BTreeSet<i64> =
        bids.iter().map(|b| b.release_id).chain(awards.iter().map(|a| a.release_id)).collect();
    let mut titles: HashMap<i64, (String, Option<String>)> = HashMap::new();
    let release_ids: Vec<i64> = release_ids.into_iter().collect();
    for chunk in release_ids.chunks(500) {
        let rows: Vec<(i64, String, Option<String>)> = trading_release::Entity::find()
            .select_only()
            .column(trading_release::Column::Id)
            .column(trading_release::Column::Ocid)
            .column(trading_release::Column::Title)
            .filter(trading_release::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        titles.extend(rows.into_iter().map(|(id, ocid, title)| (id, (ocid, title))));
    }
    let bid_in: BTreeSet<i64> = bids.iter().map(|b| b.release_id).collect();
    let won: BTreeSet<i64> = awards.iter().map(|a| a.release_id).collect();
    let processes_bid = bid_in.len() as u64;
    let processes_won = bid_in.intersection(&won).count() as u64;
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let win_ratio = (processes_bid > 0).then(|| processes_won as f64 / processes_bid as f64);
    let place = |release_id: i64| titles.get(&release_id).cloned().unwrap_or_default();
    Ok(PartyDetail {
        party,
        processes,
        processes_total,
        suppliers,
        bids: bids
            .into_iter()
            .map(|row| {
                let (ocid, title) = place(row.release_id);
                InProcess { row, ocid, title }
            })
            .collect(),
        awards: awards
            .into_iter()
            .map(|row| {
                let (ocid, title) = place(row.release_id);
                InProcess { row, ocid, title }
            })
            .collect(),
        processes_bid,
        processes_won,
        win_ratio,
    })
}

/// The party stored under `key` (see [`PartyRef::key`]), if any.
pub async fn party_by_key(
    store: &Store,
    principal: &Principal,
    key: &str,
) -> Result<Option<trading_party::Model>, StoreError> {
    may_view(principal)?;
    Ok(trading_party::Entity::find().filter(trading_party::Column::PartyKey.eq(key)).one(store.connection()).await?)
}
