//! The working-day calendar for the commission (节假日与调休): a year's holidays and
//! make-up working days, added, changed and removed one at a time or imported as a
//! CSV, exported, and the office hours.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::calendar::{RowError, china_time};
use sunlight_domain::policy::{Action, Target};
use sunlight_store::calendar::{self, CsvImport};
use sunlight_store::entity::calendar_day;
use sunlight_store::{StoreError, settings};

use super::{render, render_status, require, see_other};
use crate::AppState;
use crate::auth::{CSRF_FIELD, Caller, StaffForm, same_token};
use crate::error::{AppError, field_message};
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table};

/// A festival's name in the reader's language: the shipped list's English names
/// (`Spring Festival`) have words in the catalogues; others are shown as typed.
#[must_use]
pub fn festival_words(lang: Lang, name: &str) -> String {
    let mut key = String::from("festival-");
    for c in name.trim().chars().filter(|c| *c != '\'' && *c != '’') {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('-') {
            key.push('-');
        }
    }
    let key = key.trim_end_matches('-');
    let text = lang.t(key);
    if text == key { name.to_owned() } else { text }
}

fn this_year() -> i32 {
    Utc::now().with_timezone(&china_time()).year()
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub c: Chrome,
    pub intro: String,
    pub notice: Option<String>,
    pub years_label: String,
    /// `(link, year, is this one)`.
    pub years: Vec<(String, String, bool)>,
    pub export_href: String,
    pub export_label: String,
    pub import_failed: String,
    pub import_errors: Option<Table>,
    pub days_heading: String,
    pub days: Table,
    pub day_form: Form,
    pub import_label: String,
    pub import_help: String,
    pub import_confirm: String,
    pub file_label: String,
    pub hours_form: Form,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CalendarQuery {
    year: Option<i32>,
    /// A listed date to change: its values fill the form.
    date: String,
    saved: String,
    imported: String,
    removed: String,
    hours: String,
}

/// What the page shows besides the list: a notice, or a failed form or import.
#[derive(Default)]
struct Extra<'a> {
    notice: Option<String>,
    day: Option<(&'a FieldErrors, [String; 3])>,
    hours: Option<(&'a FieldErrors, String)>,
    import: Option<&'a [RowError]>,
}

fn days_table(lang: Lang, year: i32, rows: &[calendar_day::Model]) -> Table {
    let mut days = Table::new(
        lang,
        "calendar-days",
        &[
            "col-calendar-date",
            "col-calendar-weekday",
            "col-calendar-kind",
            "col-calendar-festival",
            "col-calendar-change",
            "col-calendar-remove",
        ],
        "empty-calendar-days",
    );
    days.counted(lang, rows.len() as u64);
    for row in rows {
        let date = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d").ok();
        let weekday = date.map(|d| lang.t(&format!("calendar-weekday-{}", d.weekday().number_from_monday())));
        days.rows.push(vec![
            Cell::Mono(row.day.clone()),
            Cell::Text(weekday.unwrap_or_default()),
            Cell::Badge {
                class: if row.kind == "holiday" { "ok" } else { "warn" },
                text: lang.t(&format!("calendar-kind-{}", row.kind)),
            },
            Cell::Text(festival_words(lang, &row.name)),
            Cell::Link {
                href: format!("/staff/calendar?year={year}&date={}#day-form", row.day),
                text: lang.t("action-edit"),
            },
            Cell::Post {
                action: format!("/staff/calendar/days/{}/delete", row.id),
                label: lang.t("action-calendar-remove"),
                confirm: lang.t_args("confirm-calendar-remove", &[("date", row.day.clone().into())]),
            },
        ]);
    }
    days
}

/// The day form: what was typed (with its errors), a listed day to change, or empty.
fn day_form(lang: Lang, typed: Option<(&FieldErrors, [String; 3])>, listed: Option<&calendar_day::Model>) -> Form {
    let (errors, [date, kind, festival]) = typed.map_or_else(
        || {
            let values = listed.map_or_else(
                || [String::new(), "holiday".to_owned(), String::new()],
                |r| [r.day.clone(), r.kind.clone(), r.name.clone()],
            );
            (None, values)
        },
        |(errors, values)| (Some(errors), values),
    );
    let kinds = vec![
        ("holiday".to_owned(), lang.t("calendar-kind-holiday")),
        ("workday".to_owned(), lang.t("calendar-kind-workday")),
    ];
    let form = Form::new(
        lang,
        "/staff/calendar/days".to_owned(),
        vec![
            Field::new(lang, "date", "field-calendar-date", FieldKind::Date).value(date).required(),
            Field::new(lang, "kind", "field-calendar-kind", FieldKind::Select(kinds)).value(kind).required(),
            Field::new(lang, "festival", "field-calendar-festival", FieldKind::Text)
                .value(festival)
                .help(lang.t("help-calendar-festival")),
        ],
        "action-calendar-save-day",
    );
    match errors {
        Some(errors) => form.with_errors(lang, errors),
        None => form,
    }
}

fn hours_form(lang: Lang, value: String, errors: Option<&FieldErrors>) -> Form {
    let form = Form::new(
        lang,
        "/staff/calendar/office-hours".to_owned(),
        vec![
            Field::new(lang, "office_hours", "field-calendar-office-hours", FieldKind::Text)
                .value(value)
                .required()
                .help(lang.t("help-calendar-office-hours")),
        ],
        "action-calendar-save-hours",
    );
    match errors {
        Some(errors) => form.with_errors(lang, errors),
        None => form,
    }
}

fn import_errors_table(lang: Lang, errors: &[RowError]) -> Table {
    let mut table =
        Table::new(lang, "import-errors", &["col-calendar-line", "col-calendar-problem"], "empty-calendar-days");
    table.counted(lang, errors.len() as u64);
    for e in errors {
        let problem = field_message(lang, &FieldError::new(e.code));
        table.rows.push(vec![Cell::Text(e.line.to_string()), Cell::Text(problem)]);
    }
    table
}

async fn page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    year: i32,
    edit: Option<&str>,
    extra: Extra<'_>,
) -> Result<CalendarPage, AppError> {
    let conn = state.store.connection();
    let rows = calendar::days_of_year(conn, year).await?;
    let mut years = calendar::years(conn).await?;
    years.extend([this_year() - 1, this_year(), this_year() + 1, year]);
    years.sort_unstable();
    years.dedup();
    let years = years
        .into_iter()
        .filter(|y| calendar::check_year(*y).is_ok())
        .map(|y| (format!("/staff/calendar?year={y}"), y.to_string(), y == year))
        .collect();
    let listed = edit.and_then(|d| rows.iter().find(|r| r.day == d));
    let hours = if let Some((errors, typed)) = extra.hours {
        hours_form(lang, typed, Some(errors))
    } else {
        let stored = settings::value(conn, settings::OFFICE_HOURS).await?;
        hours_form(lang, stored.unwrap_or_else(|| "09:00-12:00,13:30-17:30".to_owned()), None)
    };
    let mut c = Chrome::new(lang, caller, "page-calendar", "calendar");
    c.title = lang.t_args("page-calendar-year", &[("year", year.to_string().into())]);
    Ok(CalendarPage {
        c,
        intro: lang.t("intro-calendar"),
        notice: extra.notice,
        years_label: lang.t("calendar-years"),
        years,
        export_href: format!("/staff/calendar/export.csv?year={year}"),
        export_label: lang.t("action-calendar-export"),
        import_failed: lang.t("heading-calendar-import-failed"),
        import_errors: extra.import.map(|errors| import_errors_table(lang, errors)),
        days_heading: lang.t_args("heading-calendar-days", &[("year", year.to_string().into())]),
        days: days_table(lang, year, &rows),
        day_form: day_form(lang, extra.day, listed),
        import_label: lang.t("action-calendar-import"),
        import_help: lang.t("help-calendar-import"),
        import_confirm: lang.t("confirm-calendar-import"),
        file_label: lang.t("field-calendar-file"),
        hours_form: hours,
    })
}

fn year_of(year: Option<i32>) -> Result<i32, AppError> {
    calendar::check_year(year.unwrap_or_else(this_year)).map_err(|e| AppError::Invalid(FieldErrors::from(("year", e))))
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let year = year_of(q.year)?;
    let notice = if !q.saved.is_empty() {
        Some(lang.t_args("notice-calendar-saved", &[("date", q.saved.clone().into())]))
    } else if !q.removed.is_empty() {
        Some(lang.t_args("notice-calendar-removed", &[("date", q.removed.clone().into())]))
    } else if !q.hours.is_empty() {
        Some(lang.t("notice-calendar-hours-saved"))
    } else if let Some((added, changed, removed)) = parse_counts(&q.imported) {
        Some(lang.t_args(
            "notice-calendar-imported",
            &[("added", added.into()), ("changed", changed.into()), ("removed", removed.into())],
        ))
    } else {
        None
    };
    let extra = Extra { notice, ..Extra::default() };
    let edit = Some(q.date.as_str()).filter(|d| !d.is_empty());
    Ok(render(&page(&state, lang, &caller, year, edit, extra).await?)?.into_response())
}

/// `added-changed-removed` of the import notice.
fn parse_counts(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('-').map(|p| p.parse::<u64>().ok());
    match (parts.next()??, parts.next()??, parts.next()??, parts.next()) {
        (a, c, r, None) => Some((a, c, r)),
        _ => None,
    }
}

pub async fn save_day(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let values = [form.get("date").to_owned(), form.get("kind").to_owned(), form.get("festival").to_owned()];
    let result = match calendar::parse_day(&values[0], &values[1], &values[2]) {
        Ok(day) => calendar::set_day(&state.store, &caller.principal, &day).await.map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(saved) => {
            let year = saved.day.get(..4).unwrap_or_default().to_owned();
            Ok(see_other(&format!("/staff/calendar?year={year}&saved={}", saved.day)))
        }
        Err(AppError::Invalid(errors)) => {
            let year = NaiveDate::parse_from_str(values[0].trim(), "%Y-%m-%d")
                .ok()
                .map(|d| d.year())
                .filter(|y| calendar::check_year(*y).is_ok())
                .unwrap_or_else(this_year);
            let extra = Extra { day: Some((&errors, values)), ..Extra::default() };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, lang, &caller, year, None, extra).await?)
        }
        Err(other) => Err(other),
    }
}

pub async fn remove_day(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm { caller, .. }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let removed = calendar::remove_day(&state.store, &caller.principal, id).await?;
    let year = removed.day.get(..4).unwrap_or_default().to_owned();
    Ok(see_other(&format!("/staff/calendar?year={year}&removed={}", removed.day)))
}

pub async fn save_hours(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let typed = form.get("office_hours").to_owned();
    let result = if typed.trim().is_empty() {
        Err(StoreError::Invalid(FieldErrors::from(("office_hours", FieldError::new("required")))))
    } else {
        settings::set_office_hours(&state.store, &caller.principal, &typed).await.map(|_| ())
    };
    match result {
        Ok(()) => Ok(see_other("/staff/calendar?hours=1")),
        Err(StoreError::Invalid(errors)) => {
            let extra = Extra { hours: Some((&errors, typed)), ..Extra::default() };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, lang, &caller, this_year(), None, extra).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn read_upload(mut multipart: Multipart) -> Result<(String, Vec<u8>), AppError> {
    let (mut csrf, mut file) = (String::new(), Vec::new());
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("bad_form", e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            CSRF_FIELD => csrf = field.text().await.map_err(bad)?,
            "file" => file = field.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file))
}

pub async fn import(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let multipart = multipart.map_err(|e| AppError::BadRequest("bad_form", e.body_text()))?;
    let (csrf, bytes) = read_upload(multipart).await?;
    if !same_token(&csrf, caller.csrf()) {
        return Err(AppError::Csrf);
    }
    let errors = match String::from_utf8(bytes) {
        Err(_) => vec![RowError { line: 1, code: "not_utf8" }],
        Ok(text) => match calendar::import_csv(&state.store, &caller.principal, &text).await? {
            CsvImport::Imported(s) => {
                let year = s.years.first().copied().unwrap_or_else(this_year);
                let counts = format!("{}-{}-{}", s.added, s.changed, s.removed);
                return Ok(see_other(&format!("/staff/calendar?year={year}&imported={counts}")));
            }
            CsvImport::Refused { errors } => errors,
        },
    };
    let extra = Extra { import: Some(&errors), ..Extra::default() };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, lang, &caller, this_year(), None, extra).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    year: Option<i32>,
}

/// The year's days as `date,kind,festival` (the form the import reads), with a BOM
/// so that Excel reads it as UTF-8.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageCalendar, Target::County)?;
    let year = year_of(q.year)?;
    let csv = calendar::export_csv(state.store.connection(), Some(year)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"calendar-{year}.csv\"")),
        ],
        format!("\u{feff}{csv}"),
    )
        .into_response())
}
