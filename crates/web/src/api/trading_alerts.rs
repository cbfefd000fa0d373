//! The trading centre's red-flag alerts and dashboard over JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::FieldErrors;
use sunlight_domain::policy::{Action, Target};
use sunlight_domain::text::Note;
use sunlight_domain::trading::alert_state::AlertState;
use sunlight_store::entity::{trading_alert, trading_alert_event};
use sunlight_store::trading_alerts::{self, AlertFilter};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Serialize, ToSchema)]
pub struct AlertDto {
    pub id: i64,
    /// `R003`…`R058`, `S001`…`S005`.
    pub indicator: String,
    /// `OCID`, `Buyer`, `ProcuringEntity` or `Tenderer`.
    pub flag_group: String,
    /// The ocid or the OCDS party id flagged.
    pub subject: String,
    pub release_id: Option<i64>,
    pub party_id: Option<i64>,
    pub value: Option<f64>,
    /// `raised`, `acknowledged`, `explained`, `closed` or `escalated`.
    pub state: String,
    pub explanation: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<trading_alert::Model> for AlertDto {
    fn from(m: trading_alert::Model) -> Self {
        Self {
            id: m.id,
            indicator: m.indicator,
            flag_group: m.flag_group,
            subject: m.subject,
            release_id: m.release_id,
            party_id: m.party_id,
            value: m.value,
            state: m.state,
            explanation: m.explanation,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertPageDto {
    pub total: u64,
    pub alerts: Vec<AlertDto>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertEventDto {
    pub id: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
}

impl From<trading_alert_event::Model> for AlertEventDto {
    fn from(m: trading_alert_event::Model) -> Self {
        Self { id: m.id, from_state: m.from_state, to_state: m.to_state, actor: m.actor, at: m.at, comment: m.comment }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertDetailDto {
    pub alert: AlertDto,
    /// `{indicator, group, value, threshold, facts: [{fact, text}]}`: the facts the flag
    /// rests on, from the compiled release.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub events: Vec<AlertEventDto>,
    pub ocid: Option<String>,
    pub release_title: Option<String>,
    pub party_name: Option<String>,
    /// The states a person may move it to.
    pub next: Vec<String>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct AlertQuery {
    pub state: Option<String>,
    /// `true`: only alerts not closed.
    pub open: Option<bool>,
    pub indicator: Option<String>,
    pub group: Option<String>,
    /// Part of the subject (ocid or party id).
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/trading/alerts", tag = "trading", params(AlertQuery),
    responses((status = 200, body = AlertPageDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AlertQuery>,
) -> ApiResult<AlertPageDto> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let alert_state = match q.state.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(s.parse::<AlertState>().map_err(|e| AppError::Invalid(FieldErrors::from(("state", e))))?),
        None => None,
    };
    let filter = AlertFilter {
        state: alert_state,
        open: q.open.unwrap_or(false),
        indicator: q.indicator,
        group: q.group,
        text: q.q,
    };
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found = trading_alerts::list_alerts(&state.store, &caller.principal, &filter, page, per_page).await?;
    Ok(Json(AlertPageDto { total: found.total, alerts: found.alerts.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(get, path = "/api/v1/trading/alerts/{id}", tag = "trading",
    responses((status = 200, body = AlertDetailDto), (status = 404, body = super::ErrorBody)))]
pub async fn get_alert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<AlertDetailDto> {
    let detail = trading_alerts::alert_detail(&state.store, &caller.principal, id).await?;
    Ok(Json(AlertDetailDto {
        alert: detail.alert.into(),
        evidence: detail.evidence.unwrap_or(serde_json::Value::Null),
        events: detail.events.into_iter().map(Into::into).collect(),
        ocid: detail.release.as_ref().map(|r| r.1.clone()),
        release_title: detail.release.and_then(|r| r.2),
        party_name: detail.party.map(|p| p.1),
        next: detail.next,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TransitionBody {
    /// `acknowledged`, `explained` (needs `comment`), `closed` or `escalated`.
    pub to: String,
    pub comment: Option<String>,
}

/// Parses a transition's fields, reporting every error at once.
pub fn parse_transition(to: &str, comment: Option<&str>) -> Result<(AlertState, Option<Note>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let to = errors.take("to", to.parse::<AlertState>());
    let comment = errors.take("comment", Note::parse_optional(comment)).flatten();
    match to {
        Some(to) if errors.is_empty() => Ok((to, comment)),
        _ => Err(errors),
    }
}

#[utoipa::path(post, path = "/api/v1/trading/alerts/{id}/transition", tag = "trading", request_body = TransitionBody,
    responses((status = 200, body = AlertDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> ApiResult<AlertDto> {
    require(&caller, Action::HandleTradingAlerts, Target::County)?;
    let (to, comment) = parse_transition(&body.to, body.comment.as_deref()).map_err(AppError::Invalid)?;
    let after = trading_alerts::transition_alert(&state.store, &caller.principal, id, to, comment).await?;
    Ok(Json(after.into()))
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    pub key: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SupplierShareDto {
    pub supplier_id: i64,
    pub supplier: String,
    pub amount: f64,
    /// Of the buyer's awarded value in this currency, 0–1.
    pub share: f64,
}

#[derive(Serialize, ToSchema)]
pub struct BuyerSharesDto {
    pub buyer_id: i64,
    pub buyer: String,
    pub currency: Option<String>,
    pub total: f64,
    pub suppliers: Vec<SupplierShareDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TradingDashboardDto {
    pub releases_by_stage: Vec<CountDto>,
    /// Alerts not closed, by indicator.
    pub open_by_indicator: Vec<CountDto>,
    pub alerts_by_state: Vec<CountDto>,
    pub supplier_shares: Vec<BuyerSharesDto>,
}

fn counts(list: Vec<(String, u64)>) -> Vec<CountDto> {
    list.into_iter().map(|(key, count)| CountDto { key, count }).collect()
}

#[utoipa::path(get, path = "/api/v1/trading/dashboard", tag = "trading",
    responses((status = 200, body = TradingDashboardDto), (status = 403, body = super::ErrorBody)))]
pub async fn dashboard(State(state): State<AppState>, caller: Caller) -> ApiResult<TradingDashboardDto> {
    let d = trading_alerts::dashboard(&state.store, &caller.principal, 20, 5).await?;
    Ok(Json(TradingDashboardDto {
        releases_by_stage: counts(d.releases_by_stage),
        open_by_indicator: counts(d.open_by_indicator),
        alerts_by_state: counts(d.alerts_by_state),
        supplier_shares: d
            .supplier_shares
            .into_iter()
            .map(|b| BuyerSharesDto {
                buyer_id: b.buyer_id,
                buyer: b.buyer,
                currency: b.currency,
                total: b.total,
                suppliers: b
                    .suppliers
                    .into_iter()
                    .map(|s| SupplierShareDto {
                        supplier_id: s.supplier_id,
                        supplier: s.supplier,
                        amount: s.amount,
                        share: s.share,
                    })
                    .collect(),
            })
            .collect(),
    }))
}
