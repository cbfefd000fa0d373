//! The power catalogue over JSON: search and filters, one power, drafting, editing
//! and lifecycle actions.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sunlight_domain::catalogue::{Column, PowerDraft};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_store::catalogue::{self, PowerFilter, PowerRecord};
use sunlight_store::org;
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::catalogue::{parse_action, parse_for_unit};

/// A power as the API shows it; texts are as a catalogue writes them.
#[derive(Serialize, ToSchema)]
pub struct PowerDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Key: `licensing`, `penalty`, … (see the OpenAPI description of `PowerBody.type`).
    pub power_type: String,
    /// The Chinese name of the type (`行政许可`).
    pub power_type_name: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// References, one per element.
    pub legal_basis: Vec<String>,
    pub section: Option<String>,
    pub position: Option<String>,
    /// `20个工作日`, `15日`, `3个月`.
    pub legal_limit: Option<String>,
    pub promised_limit: Option<String>,
    pub fee: bool,
    pub fee_standard: Option<String>,
    pub unit_head: bool,
    pub public: bool,
    pub notes: Option<String>,
    /// `draft`, `submitted`, `reviewed`, `published`, `abolished` or `merged`.
    pub state: String,
    pub merged_into: Option<String>,
    pub version: i32,
    /// The actions this caller may take now (`submit`, `return`, `review`, `publish`, `abolish`, `merge`).
    pub actions: Vec<String>,
}

fn dto(principal: &Principal, r: &PowerRecord) -> PowerDto {
    let p = r.draft.parts();
    PowerDto {
        id: r.power.id,
        code: r.power.code.clone(),
        name: r.power.name.clone(),
        power_type: p.power_type.key().to_owned(),
        power_type_name: p.power_type.name_zh().to_owned(),
        unit_id: r.power.unit_id,
        unit_code: r.unit_code.clone(),
        unit_name: r.unit_name.clone(),
        legal_basis: p.legal_basis.references().iter().map(ToString::to_string).collect(),
        section: r.draft.cell(Column::Section),
        position: r.draft.cell(Column::Position),
        legal_limit: r.draft.cell(Column::LegalLimit),
        promised_limit: r.draft.cell(Column::PromisedLimit),
        fee: p.fee.is_charged(),
        fee_standard: r.draft.cell(Column::FeeStandard),
        unit_head: p.unit_head,
        public: p.public,
        notes: r.draft.cell(Column::Notes),
        state: r.power.state.clone(),
        merged_into: r.power.merged_into.clone(),
        version: r.power.version,
        actions: catalogue::actions_for(principal, r).iter().map(|k| k.key().to_owned()).collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PowerPageDto {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub powers: Vec<PowerDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct PowerQuery {
    /// Chinese substring of the name or the legal basis.
    pub q: Option<String>,
    pub unit_id: Option<i64>,
    /// Type key (`licensing`) or two-letter code (`XK`).
    pub power_type: Option<String>,
    pub state: Option<String>,
    pub unit_head: Option<bool>,
    pub public: Option<bool>,
    /// 1-based; default 1.
    pub page: Option<u64>,
    /// Default 50, at most 500.
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/powers", tag = "catalogue", params(PowerQuery),
    responses((status = 200, body = PowerPageDto), (status = 403, body = super::ErrorBody)))]
pub async fn list_powers(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PowerQuery>,
) -> Result<Json<PowerPageDto>, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let filter = PowerFilter {
        q: q.q,
        unit_id: q.unit_id,
        power_type: q.power_type,
        state: q.state,
        unit_head: q.unit_head,
        public: q.public,
    };
    let found = catalogue::list_powers(&state.store, &caller.principal, &filter, page, per_page).await?;
    Ok(Json(PowerPageDto {
        total: found.total,
        page,
        per_page,
        powers: found.powers.iter().map(|r| dto(&caller.principal, r)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/powers/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = PowerDto), (status = 404, body = super::ErrorBody)))]
pub async fn get_power(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PowerDto>, AppError> {
    let record = catalogue::get_power(&state.store, &caller.principal, id).await?;
    Ok(Json(dto(&caller.principal, &record)))
}

/// A power's fields as cell texts, the way a catalogue row writes them.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PowerBody {
    /// The unit's code (`SCJG`); on `PUT` it must be the power's unit (or left empty).
    pub unit: String,
    /// Empty: assigned (unit code + type letters + sequence).
    pub code: Option<String>,
    pub name: String,
    /// `行政许可`, `XK` or `licensing`; likewise for the other types.
    #[serde(rename = "type")]
    pub power_type: String,
    /// References separated by `；` or line breaks.
    pub legal_basis: String,
    pub section: Option<String>,
    pub position: Option<String>,
    /// `20个工作日`, `15日`, `20 working days`.
    pub legal_limit: Option<String>,
    pub promised_limit: Option<String>,
    pub fee: bool,
    pub fee_standard: Option<String>,
    pub unit_head: bool,
    /// Default true.
    pub public: Option<bool>,
    pub notes: Option<String>,
}

impl PowerBody {
    fn cell(&self, column: Column) -> Option<String> {
        let flag = |b: bool| Some(if b { "是" } else { "否" }.to_owned());
        match column {
            Column::Code => self.code.clone(),
            Column::Name => Some(self.name.clone()),
            Column::Type => Some(self.power_type.clone()),
            Column::Unit => None,
            Column::LegalBasis => Some(self.legal_basis.clone()),
            Column::LegalLimit => self.legal_limit.clone(),
            Column::PromisedLimit => self.promised_limit.clone(),
            Column::Fee => flag(self.fee),
            Column::FeeStandard => self.fee_standard.clone(),
            Column::Section => self.section.clone(),
            Column::Position => self.position.clone(),
            Column::UnitHead => flag(self.unit_head),
            Column::Public => flag(self.public.unwrap_or(true)),
            Column::Notes => self.notes.clone(),
        }
    }

    async fn parse(&self, state: &AppState, principal: &Principal, unit_code: &str) -> Result<PowerDraft, AppError> {
        // Unit codes are public (the public catalogue prints them): look the unit up
        // county-wide so a unit outside the caller's scope is a 403, not "no such unit".
        let unit =
            org::unit_by_code(&state.store, &Principal::system("api"), unit_code).await.map_err(|e| match e {
                sunlight_store::StoreError::NotFound { .. } => {
                    AppError::Invalid(("unit", sunlight_domain::field::FieldError::new("not_found")).into())
                }
                other => other.into(),
            })?;
        authorize(principal, Action::EditCatalogue, Target::Unit(unit.id)).map_err(|_| AppError::Forbidden)?;
        let sections = org::list_sections(&state.store, principal, unit.id).await?;
        let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
        let cells: Vec<(Column, Option<String>)> = Column::ALL.iter().map(|c| (*c, self.cell(*c))).collect();
        parse_for_unit(&unit, &names, &|c| cells.iter().find(|(k, _)| *k == c).and_then(|(_, v)| v.as_deref()))
    }
}

#[utoipa::path(post, path = "/api/v1/powers", tag = "catalogue", request_body = PowerBody,
    responses((status = 201, body = PowerDto), (status = 403, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_power(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PowerBody>,
) -> Result<Response, AppError> {
    crate::pages::require(&caller, Action::EditCatalogue, Target::County)?;
    let draft = body.parse(&state, &caller.principal, &body.unit).await?;
    let created = catalogue::create_power(&state.store, &caller.principal, draft).await?;
    Ok((StatusCode::CREATED, Json(dto(&caller.principal, &created))).into_response())
}

#[utoipa::path(put, path = "/api/v1/powers/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = PowerBody,
    responses((status = 200, body = PowerDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update_power(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PowerBody>,
) -> Result<Json<PowerDto>, AppError> {
    crate::pages::require(&caller, Action::EditCatalogue, Target::County)?;
    let before = catalogue::get_power(&state.store, &caller.principal, id).await?;
    let unit = if body.unit.trim().is_empty() { before.unit_code.clone() } else { body.unit.clone() };
    let draft = body.parse(&state, &caller.principal, &unit).await?;
    let updated = catalogue::update_power(&state.store, &caller.principal, id, draft).await?;
    Ok(Json(dto(&caller.principal, &updated)))
}

/// A lifecycle step: `submit`, `return`, `review`, `publish`, `abolish`, or `merge`
/// with `into` (the code of the power it becomes part of).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    pub action: String,
    pub into: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/powers/{id}/actions", tag = "catalogue", params(("id" = i64, Path)), request_body = ActionBody,
    responses((status = 200, body = PowerDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn power_action(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Json<PowerDto>, AppError> {
    let principal = &caller.principal;
    if authorize(principal, Action::EditCatalogue, Target::County).is_err()
        && authorize(principal, Action::ReviewCatalogue, Target::County).is_err()
    {
        return Err(AppError::Forbidden);
    }
    let action = parse_action(&body.action, body.into.as_deref())?;
    let record = catalogue::apply_action(&state.store, principal, id, &action).await?;
    Ok(Json(dto(principal, &record)))
}
