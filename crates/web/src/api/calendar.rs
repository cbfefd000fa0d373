//! The working-day calendar over JSON: a year's holidays and 调休 working days, and
//! the office hours.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Target};
use sunlight_store::{calendar, settings};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::pages::require;

type ApiResult<T> = Result<Json<T>, AppError>;

#[derive(Serialize, Deserialize, ToSchema, Default, Clone)]
#[serde(default)]
pub struct CalendarDayDto {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday` (a weekday off) or `workday` (调休: a weekend day worked).
    pub kind: String,
    /// The festival, as the State Council's notice names it (e.g. `Spring Festival`).
    pub festival: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarYearDto {
    pub year: i32,
    pub days: Vec<CalendarDayDto>,
    /// `09:00-12:00,13:30-17:30`.
    pub office_hours: String,
    /// Working minutes of one office day.
    pub day_minutes: i64,
}

fn check_year(year: i32) -> Result<i32, AppError> {
    calendar::check_year(year).map_err(|e| AppError::Invalid(FieldErrors::from(("year", e))))
}

async fn year_dto(state: &AppState, year: i32) -> Result<CalendarYearDto, AppError> {
    let conn = state.store.connection();
    let days = calendar::days_of_year(conn, year).await?;
    let hours = settings::value(conn, settings::OFFICE_HOURS).await?;
    let in_force = settings::office_hours(conn).await?;
    Ok(CalendarYearDto {
        year,
        days: days.into_iter().map(|d| CalendarDayDto { date: d.day, kind: d.kind, festival: d.name }).collect(),
        office_hours: hours.unwrap_or_else(|| "09:00-12:00,13:30-17:30".to_owned()),
        day_minutes: in_force.day_length().num_minutes(),
    })
}

/// The listed days of a year (weekends not listed are days off, other days working).
/// Public knowledge: any logged-in caller or API token may read it.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "calendar",
    responses((status = 200, body = CalendarYearDto), (status = 422, body = super::ErrorBody)))]
pub async fn get_year(
    State(state): State<AppState>,
    _caller: Caller,
    Path(year): Path<i32>,
) -> ApiResult<CalendarYearDto> {
    Ok(Json(year_dto(&state, check_year(year)?).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarYearBody {
    /// The year's days, all of them: days not listed are removed.
    pub days: Vec<CalendarDayDto>,
}

/// Replaces a year's days (the commission). Errors per day: `days[i].date`,
/// `days[i].kind`, `days[i].festival`.
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "calendar", request_body = CalendarYearBody,
    responses((status = 200, body = CalendarYearDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_year(
    State(state): State<AppState>,
    caller: Caller,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<CalendarYearBody>,
) -> ApiResult<CalendarYearDto> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let year = check_year(year)?;
    let mut errors = FieldErrors::new();
    let mut days = Vec::with_capacity(body.days.len());
    for (i, d) in body.days.iter().enumerate() {
        match calendar::parse_day(&d.date, &d.kind, &d.festival) {
            Ok(day) => days.push(day),
            Err(bad) => {
                for (field, error) in bad.iter() {
                    errors.add(&format!("days[{i}].{field}"), error.clone());
                }
            }
        }
    }
    errors.into_result()?;
    calendar::replace_year(&state.store, &caller.principal, year, &days).await?;
    Ok(Json(year_dto(&state, year).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OfficeHoursBody {
    /// `09:00-12:00,13:30-17:30`: sorted, non-overlapping periods of one day.
    pub office_hours: String,
}

#[derive(Serialize, ToSchema)]
pub struct OfficeHoursDto {
    pub office_hours: String,
    pub day_minutes: i64,
}

#[utoipa::path(put, path = "/api/v1/office-hours", tag = "calendar", request_body = OfficeHoursBody,
    responses((status = 200, body = OfficeHoursDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn put_office_hours(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<OfficeHoursBody>,
) -> ApiResult<OfficeHoursDto> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    if body.office_hours.trim().is_empty() {
        return Err(AppError::Invalid(FieldErrors::from(("office_hours", FieldError::new("required")))));
    }
    let hours = settings::set_office_hours(&state.store, &caller.principal, &body.office_hours).await?;
    Ok(Json(OfficeHoursDto {
        office_hours: body.office_hours.trim().to_owned(),
        day_minutes: hours.day_length().num_minutes(),
    }))
}
