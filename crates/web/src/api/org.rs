//! Organization, accounts and audit over JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sunlight_domain::org::{PersonInput, PositionInput, RawNamed, RawPerson, RawPosition, RawUnit, UnitInput};
use sunlight_store::entity::{person, position, section, sub_commission, unit, user_account};
use sunlight_store::org::{self, PersonFilter, UnitFilter};
use sunlight_store::{accounts, audit};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;
use sunlight_domain::policy::{Action, Target};

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub actor: String,
    pub role: String,
    /// Unit ids the caller may see; absent when it sees all.
    pub units: Option<Vec<i64>>,
    pub csrf_token: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = Me), (status = 401, body = super::ErrorBody)))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        actor: caller.principal.actor.clone(),
        role: caller.principal.role.key().to_owned(),
        units: caller.principal.scope.unit_ids(),
        csrf_token: caller.session.as_ref().map(|s| s.csrf_token.clone()),
    })
}

#[derive(Serialize, ToSchema)]
pub struct SubCommissionDto {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

impl From<sub_commission::Model> for SubCommissionDto {
    fn from(m: sub_commission::Model) -> Self {
        Self { id: m.id, name: m.name, active: m.active }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NamedBody {
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/sub-commissions", tag = "organization", responses((status = 200, body = Vec<SubCommissionDto>)))]
pub async fn list_sub_commissions(State(state): State<AppState>, caller: Caller) -> ApiResult<Vec<SubCommissionDto>> {
    Ok(Json(org::list_sub_commissions(&state.store, &caller.principal).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/sub-commissions", tag = "organization", request_body = NamedBody,
    responses((status = 201, body = SubCommissionDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_sub_commission(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NamedBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let name = RawNamed { name: body.name }.parse()?;
    let created = org::create_sub_commission(&state.store, &caller.principal, &name).await?;
    Ok((StatusCode::CREATED, Json(SubCommissionDto::from(created))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `law_enforcement`, `economic_social` or `public_institution`.
    pub category: String,
    pub pilot: bool,
    pub sub_commission_id: Option<i64>,
    pub active: bool,
}

impl From<unit::Model> for UnitDto {
    fn from(m: unit::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            category: m.category,
            pilot: m.pilot,
            sub_commission_id: m.sub_commission_id,
            active: m.active,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct UnitBody {
    pub code: String,
    pub name: String,
    pub category: String,
    pub pilot: bool,
    pub sub_commission_id: Option<i64>,
}

impl UnitBody {
    fn parse(self) -> Result<UnitInput, AppError> {
        let raw = RawUnit {
            code: self.code,
            name: self.name,
            category: self.category,
            pilot: self.pilot,
            sub_commission_id: self.sub_commission_id,
        };
        Ok(UnitInput::parse(&raw)?)
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct UnitQuery {
    /// Substring of the name or code.
    pub q: Option<String>,
    pub category: Option<String>,
    pub sub_commission_id: Option<i64>,
    pub pilot: Option<bool>,
    pub include_inactive: bool,
}

#[utoipa::path(get, path = "/api/v1/units", tag = "organization", params(UnitQuery), responses((status = 200, body = Vec<UnitDto>)))]
pub async fn list_units(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UnitQuery>,
) -> ApiResult<Vec<UnitDto>> {
    let filter = UnitFilter {
        q: q.q,
        category: q.category,
        sub_commission_id: q.sub_commission_id,
        pilot: q.pilot,
        include_inactive: q.include_inactive,
    };
    Ok(Json(org::list_units(&state.store, &caller.principal, &filter).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/units", tag = "organization", request_body = UnitBody,
    responses((status = 201, body = UnitDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_unit(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<UnitBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let input = body.parse()?;
    let created = org::create_unit(&state.store, &caller.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(UnitDto::from(created))).into_response())
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "organization", params(("id" = i64, Path)), responses((status = 200, body = UnitDto), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn get_unit(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<UnitDto> {
    Ok(Json(org::get_unit(&state.store, &caller.principal, id).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "organization", params(("id" = i64, Path)), request_body = UnitBody,
    responses((status = 200, body = UnitDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update_unit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UnitBody>,
) -> ApiResult<UnitDto> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let input = body.parse()?;
    Ok(Json(org::update_unit(&state.store, &caller.principal, id, &input).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/units/{id}/deactivate", tag = "organization", params(("id" = i64, Path)), responses((status = 200, body = UnitDto)))]
pub async fn deactivate_unit(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<UnitDto> {
    Ok(Json(org::set_unit_active(&state.store, &caller.principal, id, false).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct SectionDto {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub active: bool,
}

impl From<section::Model> for SectionDto {
    fn from(m: section::Model) -> Self {
        Self { id: m.id, unit_id: m.unit_id, name: m.name, active: m.active }
    }
}

#[utoipa::path(get, path = "/api/v1/units/{id}/sections", tag = "organization", params(("id" = i64, Path)), responses((status = 200, body = Vec<SectionDto>)))]
pub async fn list_sections(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Vec<SectionDto>> {
    Ok(Json(org::list_sections(&state.store, &caller.principal, id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/units/{id}/sections", tag = "organization", params(("id" = i64, Path)), request_body = NamedBody,
    responses((status = 201, body = SectionDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_section(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NamedBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnitStaff, Target::Unit(id))?;
    let name = RawNamed { name: body.name }.parse()?;
    let created = org::create_section(&state.store, &caller.principal, id, &name).await?;
    Ok((StatusCode::CREATED, Json(SectionDto::from(created))).into_response())
}

#[derive(Serialize, ToSchema)]
#[allow(clippy::struct_excessive_bools)] // the three hot-power flags are independent
pub struct PositionDto {
    pub id: i64,
    pub unit_id: i64,
    pub section_id: Option<i64>,
    pub name: String,
    pub hot_personnel: bool,
    pub hot_finance: bool,
    pub hot_affairs: bool,
    pub active: bool,
}

impl From<position::Model> for PositionDto {
    fn from(m: position::Model) -> Self {
        Self {
            id: m.id,
            unit_id: m.unit_id,
            section_id: m.section_id,
            name: m.name,
            hot_personnel: m.hot_personnel,
            hot_finance: m.hot_finance,
            hot_affairs: m.hot_affairs,
            active: m.active,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)] // the three hot-power flags are independent
pub struct PositionBody {
    pub name: String,
    pub section_id: Option<i64>,
    pub hot_personnel: bool,
    pub hot_finance: bool,
    pub hot_affairs: bool,
}

#[utoipa::path(get, path = "/api/v1/units/{id}/positions", tag = "organization", params(("id" = i64, Path)), responses((status = 200, body = Vec<PositionDto>)))]
pub async fn list_positions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Vec<PositionDto>> {
    Ok(Json(org::list_positions(&state.store, &caller.principal, id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/units/{id}/positions", tag = "organization", params(("id" = i64, Path)), request_body = PositionBody,
    responses((status = 201, body = PositionDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_position(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PositionBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnitStaff, Target::Unit(id))?;
    let raw = RawPosition {
        name: body.name,
        section_id: body.section_id,
        hot_personnel: body.hot_personnel,
        hot_finance: body.hot_finance,
        hot_affairs: body.hot_affairs,
    };
    let input = PositionInput::parse(&raw)?;
    let created = org::create_position(&state.store, &caller.principal, id, &input).await?;
    Ok((StatusCode::CREATED, Json(PositionDto::from(created))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    /// `unit_head`, `leadership`, `section_head` or `ordinary_cadre`.
    pub tier: String,
    pub section_id: Option<i64>,
    pub position_id: Option<i64>,
    pub active: bool,
}

impl From<person::Model> for PersonDto {
    fn from(m: person::Model) -> Self {
        Self {
            id: m.id,
            unit_id: m.unit_id,
            name: m.name,
            tier: m.tier,
            section_id: m.section_id,
            position_id: m.position_id,
            active: m.active,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PersonBody {
    pub name: String,
    pub tier: String,
    pub section_id: Option<i64>,
    pub position_id: Option<i64>,
    /// Only for updates; a person is deactivated, never deleted.
    pub active: Option<bool>,
}

impl PersonBody {
    fn parse(self) -> Result<(PersonInput, bool), AppError> {
        let raw =
            RawPerson { name: self.name, tier: self.tier, section_id: self.section_id, position_id: self.position_id };
        Ok((PersonInput::parse(&raw)?, self.active.unwrap_or(true)))
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonPageDto {
    pub total: u64,
    pub persons: Vec<PersonDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct PersonQuery {
    pub unit_id: Option<i64>,
    pub q: Option<String>,
    pub tier: Option<String>,
    pub page: Option<u64>,
    /// At most 500.
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/persons", tag = "organization", params(PersonQuery), responses((status = 200, body = PersonPageDto)))]
pub async fn list_persons(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PersonQuery>,
) -> ApiResult<PersonPageDto> {
    let filter = PersonFilter { unit_id: q.unit_id, q: q.q, tier: q.tier, include_inactive: false };
    let per_page = q.per_page.unwrap_or(100).clamp(1, 500);
    let found =
        org::list_persons(&state.store, &caller.principal, &filter, q.page.unwrap_or(1).max(1), per_page).await?;
    Ok(Json(PersonPageDto { total: found.total, persons: found.persons.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(post, path = "/api/v1/units/{id}/persons", tag = "organization", params(("id" = i64, Path)), request_body = PersonBody,
    responses((status = 201, body = PersonDto), (status = 422, body = super::ErrorBody)))]
pub async fn create_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PersonBody>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnitStaff, Target::Unit(id))?;
    let (input, _) = body.parse()?;
    let created = org::create_person(&state.store, &caller.principal, id, &input).await?;
    Ok((StatusCode::CREATED, Json(PersonDto::from(created))).into_response())
}

#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "organization", params(("id" = i64, Path)), request_body = PersonBody,
    responses((status = 200, body = PersonDto), (status = 422, body = super::ErrorBody)))]
pub async fn update_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PersonBody>,
) -> ApiResult<PersonDto> {
    let existing = org::get_person(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(existing.unit_id))?;
    let (input, active) = body.parse()?;
    Ok(Json(org::update_person(&state.store, &caller.principal, id, &input, active).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub login: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub sub_commission_id: Option<i64>,
    pub display_name: Option<String>,
    pub active: bool,
}

impl From<user_account::Model> for UserDto {
    fn from(m: user_account::Model) -> Self {
        Self {
            id: m.id,
            login: m.login,
            role: m.role,
            unit_id: m.unit_id,
            sub_commission_id: m.sub_commission_id,
            display_name: m.display_name,
            active: m.active,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "account", responses((status = 200, body = Vec<UserDto>), (status = 403, body = super::ErrorBody)))]
pub async fn list_users(State(state): State<AppState>, caller: Caller) -> ApiResult<Vec<UserDto>> {
    Ok(Json(accounts::list_users(&state.store, &caller.principal).await?.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct AuditRecordDto {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPageDto {
    pub total: u64,
    pub head_seq: i64,
    pub head_hash: String,
    pub records: Vec<AuditRecordDto>,
    pub generated_at: DateTime<Utc>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = AuditPageDto), (status = 403, body = super::ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<AuditPageDto> {
    let filter = audit::AuditFilter { actor: q.actor, action: q.action, entity: q.entity, entity_id: q.entity_id };
    let page = audit::list(&state.store, &caller.principal, &filter, q.page.unwrap_or(1).max(1), 100).await?;
    let (head_seq, head_hash) = audit::head(&state.store).await?;
    Ok(Json(AuditPageDto {
        total: page.total,
        head_seq,
        head_hash,
        generated_at: Utc::now(),
        records: page
            .records
            .into_iter()
            .map(|r| AuditRecordDto {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                before: r.before,
                after: r.after,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect(),
    }))
}
