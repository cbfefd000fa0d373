//! The trading centre's data over JSON: contracting processes with their bids,
//! awards, contracts, amendments and payments, and the parties' histories.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::policy::{Action, Target};
use sunlight_store::entity::{
    trading_amendment, trading_award, trading_bid, trading_contract, trading_party, trading_payment,
};
use sunlight_store::trading::{self, ReleaseFilter, ReleaseRow};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Serialize, ToSchema)]
pub struct TradingReleaseDto {
    pub id: i64,
    pub ocid: String,
    pub title: Option<String>,
    /// `planning`, `tender`, `award`, `contract` or `implementation`: how far it got.
    pub stage: String,
    /// `open`, `selective`, `limited` or `direct`.
    pub procurement_method: Option<String>,
    /// `goods`, `works` or `services`.
    pub category: Option<String>,
    pub value_amount: Option<f64>,
    pub value_currency: Option<String>,
    pub buyer_id: Option<i64>,
    pub buyer_name: Option<String>,
    pub tender_end: Option<DateTime<Utc>>,
    pub number_of_tenderers: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

impl From<ReleaseRow> for TradingReleaseDto {
    fn from(r: ReleaseRow) -> Self {
        Self {
            id: r.id,
            ocid: r.ocid,
            title: r.title,
            stage: r.stage,
            procurement_method: r.procurement_method,
            category: r.category,
            value_amount: r.value_amount,
            value_currency: r.value_currency,
            buyer_id: r.buyer_id,
            buyer_name: r.buyer_name,
            tender_end: r.tender_end,
            number_of_tenderers: r.number_of_tenderers,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TradingReleasePageDto {
    pub total: u64,
    pub releases: Vec<TradingReleaseDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TradingPartyDto {
    pub id: i64,
    /// `scheme-id` of the party's identifier, else its normalised name, else `id:` and its OCDS id.
    pub party_key: String,
    pub name: String,
    pub identifier: Option<String>,
}

impl From<trading_party::Model> for TradingPartyDto {
    fn from(p: trading_party::Model) -> Self {
        Self { id: p.id, party_key: p.party_key, name: p.name, identifier: p.identifier }
    }
}

/// A bid (`party_*` is the tenderer) or an award (`party_*` is the supplier); a bid of
/// a consortium, or an award to several suppliers, is one row per party.
#[derive(Serialize, ToSchema)]
pub struct TradingOfferDto {
    pub id: i64,
    pub release_id: i64,
    /// The OCDS bid or award id.
    pub ocds_id: Option<String>,
    pub party_id: Option<i64>,
    pub party_name: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub date: Option<DateTime<Utc>>,
    pub status: Option<String>,
    /// The process's ocid and title (on a party's page).
    pub ocid: Option<String>,
    pub title: Option<String>,
}

fn bid_dto(
    b: trading_bid::Model,
    party_name: Option<String>,
    place: Option<(String, Option<String>)>,
) -> TradingOfferDto {
    let (ocid, title) = place.map_or((None, None), |(o, t)| (Some(o), t));
    TradingOfferDto {
        id: b.id,
        release_id: b.release_id,
        ocds_id: b.bid_id,
        party_id: b.tenderer_id,
        party_name,
        amount: b.amount,
        currency: b.currency,
        date: b.date,
        status: b.status,
        ocid,
        title,
    }
}

fn award_dto(
    a: trading_award::Model,
    party_name: Option<String>,
    place: Option<(String, Option<String>)>,
) -> TradingOfferDto {
    let (ocid, title) = place.map_or((None, None), |(o, t)| (Some(o), t));
    TradingOfferDto {
        id: a.id,
        release_id: a.release_id,
        ocds_id: a.award_id,
        party_id: a.supplier_id,
        party_name,
        amount: a.amount,
        currency: a.currency,
        date: a.date,
        status: a.status,
        ocid,
        title,
    }
}

#[derive(Serialize, ToSchema)]
pub struct TradingContractDto {
    pub contract_id: Option<String>,
    pub award_id: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub date_signed: Option<DateTime<Utc>>,
    pub status: Option<String>,
}

impl From<trading_contract::Model> for TradingContractDto {
    fn from(c: trading_contract::Model) -> Self {
        Self {
            contract_id: c.contract_id,
            award_id: c.award_id,
            amount: c.amount,
            currency: c.currency,
            date_signed: c.date_signed,
            status: c.status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TradingAmendmentDto {
    pub contract_id: Option<String>,
    pub date: Option<DateTime<Utc>>,
    pub description: Option<String>,
    /// The contract value before (OCDS 1.0 `changes.former_value`), when published.
    pub former_amount: Option<f64>,
    /// The contract value now.
    pub amount: Option<f64>,
}

impl From<trading_amendment::Model> for TradingAmendmentDto {
    fn from(m: trading_amendment::Model) -> Self {
        Self {
            contract_id: m.contract_id,
            date: m.date,
            description: m.description,
            former_amount: m.former_amount,
            amount: m.amount,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TradingPaymentDto {
    pub contract_id: Option<String>,
    pub payment_id: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub date: Option<DateTime<Utc>>,
}

impl From<trading_payment::Model> for TradingPaymentDto {
    fn from(p: trading_payment::Model) -> Self {
        Self {
            contract_id: p.contract_id,
            payment_id: p.payment_id,
            amount: p.amount,
            currency: p.currency,
            date: p.date,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TradingReleaseDetailDto {
    pub release: TradingReleaseDto,
    pub procuring_entity_id: Option<i64>,
    pub procuring_entity_name: Option<String>,
    pub procurement_method_details: Option<String>,
    pub tender_start: Option<DateTime<Utc>>,
    pub bids: Vec<TradingOfferDto>,
    pub awards: Vec<TradingOfferDto>,
    pub contracts: Vec<TradingContractDto>,
    pub amendments: Vec<TradingAmendmentDto>,
    pub payments: Vec<TradingPaymentDto>,
    pub parties: Vec<TradingPartyDto>,
    /// The compiled release exactly as stored (OCDS 1.1 JSON).
    #[schema(value_type = Object)]
    pub compiled: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct TradingSupplierShareDto {
    pub supplier_id: Option<i64>,
    pub supplier_name: Option<String>,
    pub currency: String,
    pub awards: u64,
    pub amount: f64,
    /// Of the buyer's awarded total in that currency, 0–1.
    pub share: f64,
}

#[derive(Serialize, ToSchema)]
pub struct TradingPartyDetailDto {
    pub party: TradingPartyDto,
    /// Processes it bought, newest first (at most 200).
    pub processes: Vec<TradingReleaseDto>,
    pub processes_total: u64,
    pub suppliers: Vec<TradingSupplierShareDto>,
    pub bids: Vec<TradingOfferDto>,
    pub awards: Vec<TradingOfferDto>,
    pub processes_bid: u64,
    pub processes_won: u64,
    pub win_ratio: Option<f64>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct TradingReleaseQuery {
    /// Part of the title or ocid.
    pub q: Option<String>,
    pub stage: Option<String>,
    pub method: Option<String>,
    pub category: Option<String>,
    /// The buyer's party id.
    pub buyer: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/trading/releases", tag = "trading", params(TradingReleaseQuery), responses((status = 200, body = TradingReleasePageDto)))]
pub async fn list_releases(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradingReleaseQuery>,
) -> ApiResult<TradingReleasePageDto> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let filter = ReleaseFilter { q: q.q, stage: q.stage, method: q.method, category: q.category, buyer: q.buyer };
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found = trading::list_releases(&state.store, &caller.principal, &filter, page, per_page).await?;
    Ok(Json(TradingReleasePageDto {
        total: found.total,
        releases: found.releases.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/trading/releases/{id}", tag = "trading", responses((status = 200, body = TradingReleaseDetailDto), (status = 404, body = super::ErrorBody)))]
pub async fn get_release(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<TradingReleaseDetailDto> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let d = trading::get_release(&state.store, &caller.principal, id).await?;
    let compiled = trading::compiled_release(&state.store, &caller.principal, &d.release.ocid).await?;
    Ok(Json(TradingReleaseDetailDto {
        release: d.release.into(),
        procuring_entity_id: d.procuring_entity_id,
        procuring_entity_name: d.procuring_entity_name,
        procurement_method_details: d.procurement_method_details,
        tender_start: d.tender_start,
        bids: d.bids.into_iter().map(|b| bid_dto(b.row, b.party_name, None)).collect(),
        awards: d.awards.into_iter().map(|a| award_dto(a.row, a.party_name, None)).collect(),
        contracts: d.contracts.into_iter().map(Into::into).collect(),
        amendments: d.amendments.into_iter().map(Into::into).collect(),
        payments: d.payments.into_iter().map(Into::into).collect(),
        parties: d.parties.into_iter().map(Into::into).collect(),
        compiled,
    }))
}

#[utoipa::path(get, path = "/api/v1/trading/parties/{id}", tag = "trading", responses((status = 200, body = TradingPartyDetailDto), (status = 404, body = super::ErrorBody)))]
pub async fn get_party(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<TradingPartyDetailDto> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let d = trading::get_party(&state.store, &caller.principal, id).await?;
    let name = Some(d.party.name.clone());
    Ok(Json(TradingPartyDetailDto {
        processes: d.processes.into_iter().map(Into::into).collect(),
        processes_total: d.processes_total,
        suppliers: d
            .suppliers
            .into_iter()
            .map(|s| TradingSupplierShareDto {
                supplier_id: s.supplier_id,
                supplier_name: s.supplier_name,
                currency: s.currency,
                awards: s.awards,
                amount: s.amount,
                share: s.share,
            })
            .collect(),
        bids: d.bids.into_iter().map(|b| bid_dto(b.row, name.clone(), Some((b.ocid, b.title)))).collect(),
        awards: d.awards.into_iter().map(|a| award_dto(a.row, name.clone(), Some((a.ocid, a.title)))).collect(),
        processes_bid: d.processes_bid,
        processes_won: d.processes_won,
        win_ratio: d.win_ratio,
        party: d.party.into(),
    }))
}
