//! The working-day calendar in force: China's weekends, the stored holidays and
//! make-up working days (seeded with the official list, edited by the commission)
//! and the office hours; the commission's edits of the list (each audited) and its
//! CSV import and export.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::Calendar;
use sunlight_domain::flow::calendar::{
    DayKind, RowError, SpecialDay, china_time, parse_holiday_csv, write_holiday_csv,
};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::calendar_day;
use crate::{Store, StoreError, Write, settings};

/// The calendar every deadline and elapsed working time is computed with.
pub async fn load(conn: &impl ConnectionTrait) -> Result<Calendar, StoreError> {
    let rows = calendar_day::Entity::find().all(conn).await?;
    let days: Vec<SpecialDay> = rows.iter().filter_map(special_day).collect();
    let mut calendar = Calendar::weekends_only(china_time()).with_office_hours(settings::office_hours(conn).await?);
    calendar.apply(&days);
    Ok(calendar)
}

/// A stored row as the domain's day; rows are written checked, so a bad one is skipped.
pub(crate) fn special_day(row: &calendar_day::Model) -> Option<SpecialDay> {
    let date = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d").ok()?;
    let kind = match row.kind.as_str() {
        "holiday" => DayKind::Holiday,
        "workday" => DayKind::Workday,
        _ => return None,
    };
    Some(SpecialDay { date, kind, festival: row.name.clone() })
}

// ---------------------------------------------------------------- the commission's list

/// The first and last years the list may hold.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

/// Checks a year given in a path or a form. Errors: `year_out_of_range`.
pub fn check_year(year: i32) -> Result<i32, FieldError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) { Ok(year) } else { Err(FieldError::new("year_out_of_range")) }
}

/// The listed days of `year`, in date order (the list is public knowledge: no policy).
pub async fn days_of_year(conn: &impl ConnectionTrait, year: i32) -> Result<Vec<calendar_day::Model>, StoreError> {
    Ok(calendar_day::Entity::find()
        .filter(calendar_day::Column::Day.starts_with(format!("{year:04}-")))
        .order_by_asc(calendar_day::Column::Day)
        .all(conn)
        .await?)
}

/// The years the list holds days of, ascending.
pub async fn years(conn: &impl ConnectionTrait) -> Result<Vec<i32>, StoreError> {
    let days: Vec<String> =
        calendar_day::Entity::find().select_only().column(calendar_day::Column::Day).into_tuple().all(conn).await?;
    let mut years: Vec<i32> = days.iter().filter_map(|d| d.get(..4)?.parse().ok()).collect();
    years.sort_unstable();
    years.dedup();
    Ok(years)
}

/// A day as the commission types it: `date` (`YYYY-MM-DD`), `kind` (`holiday` or
/// `workday`) and the festival's name. Errors on those fields: `required`,
/// `bad_date`, `year_out_of_range`, `unknown_value`, `too_long`, `control_characters`.
pub fn parse_day(date: &str, kind: &str, festival: &str) -> Result<SpecialDay, FieldErrors> {
    let mut errors = FieldErrors::new();
    let date = match date.trim() {
        "" => {
            errors.add("date", FieldError::new("required"));
            None
        }
        text => {
            if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                errors.take("date", check_year(d.year()).map(|_| d))
            } else {
                errors.add("date", FieldError::new("bad_date"));
                None
            }
        }
    };
    let kind = match kind.trim() {
        "holiday" => Some(DayKind::Holiday),
        "workday" => Some(DayKind::Workday),
        "" => {
            errors.add("kind", FieldError::new("required"));
            None
        }
        _ => {
            errors.add("kind", FieldError::new("unknown_value"));
            None
        }
    };
    let name = festival.trim();
    if name.chars().count() > NAME_MAX {
        errors.add("festival", FieldError::with_limit("too_long", NAME_MAX));
    } else if name.chars().any(char::is_control) {
        errors.add("festival", FieldError::new("control_characters"));
    }
    match (date, kind) {
        (Some(date), Some(kind)) if errors.is_empty() => Ok(SpecialDay { date, kind, festival: name.to_owned() }),
        _ => Err(errors),
    }
}

/// The name column's width.
const NAME_MAX: usize = 100;

fn day_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Adds a day or changes the listed one of that date (the commission only).
pub async fn set_day(
    store: &Store,
    principal: &Principal,
    day: &SpecialDay,
) -> Result<calendar_day::Model, StoreError> {
    authorize(principal, Action::ManageCalendar, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let saved = upsert(&mut write, day).await?;
    write.commit().await?;
    Ok(saved)
}

async fn upsert(write: &mut Write, day: &SpecialDay) -> Result<calendar_day::Model, StoreError> {
    let key = day_key(day.date);
    let before = calendar_day::Entity::find().filter(calendar_day::Column::Day.eq(&key)).one(write.txn()).await?;
    let name: String = day.festival.chars().filter(|c| !c.is_control()).take(NAME_MAX).collect();
    if let Some(before) = before {
        let mut model: calendar_day::ActiveModel = before.clone().into();
        model.kind = Set(day.kind.as_str().to_owned());
        model.name = Set(name);
        model.updated_at = Set(write.now());
        let after = model.update(write.txn()).await?;
        write.record("calendar_day.update", "calendar_day", &after.day, Some(&before), Some(&after))?;
        Ok(after)
    } else {
        let after = calendar_day::ActiveModel {
            day: Set(key),
            kind: Set(day.kind.as_str().to_owned()),
            name: Set(name),
            updated_at: Set(write.now()),
            ..Default::default()
        }
        .insert(write.txn())
        .await
        .map_err(StoreError::unique("date"))?;
        write.record("calendar_day.create", "calendar_day", &after.day, None::<&()>, Some(&after))?;
        Ok(after)
    }
}

/// Removes a listed day by its row id: the date becomes an ordinary weekday or
/// weekend day again (the commission only).
pub async fn remove_day(store: &Store, principal: &Principal, id: i64) -> Result<calendar_day::Model, StoreError> {
    authorize(principal, Action::ManageCalendar, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let before = calendar_day::Entity::find_by_id(id)
        .one(write.txn())
        .await?
        .ok_or_else(|| StoreError::not_found("calendar_day"))?;
    calendar_day::Entity::delete_by_id(id).exec(write.txn()).await?;
    write.record("calendar_day.delete", "calendar_day", &before.day, Some(&before), None::<&()>)?;
    write.commit().await?;
    Ok(before)
}

/// What replacing years of the list changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplaceSummary {
    pub years: Vec<i32>,
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    pub unchanged: u64,
}

/// Makes the listed days of each of `years` exactly `days` (which must all fall in
/// those years): days not given are removed, new ones added, others changed. One
/// write; nothing is recorded for days that stay as they were.
async fn replace_years(
    store: &Store,
    principal: &Principal,
    years: &[i32],
    days: &[SpecialDay],
) -> Result<ReplaceSummary, StoreError> {
    authorize(principal, Action::ManageCalendar, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let mut summary = ReplaceSummary { years: years.to_vec(), ..ReplaceSummary::default() };
    let mut stored: BTreeMap<String, calendar_day::Model> = BTreeMap::new();
    for year in years {
        stored.extend(days_of_year(write.txn(), *year).await?.into_iter().map(|d| (d.day.clone(), d)));
    }
    for day in days {
        match stored.remove(&day_key(day.date)) {
            Some(before) if before.kind == day.kind.as_str() && before.name == day.festival => summary.unchanged += 1,
            Some(_) => {
                upsert(&mut write, day).await?;
                summary.changed += 1;
            }
            None => {
                upsert(&mut write, day).await?;
                summary.added += 1;
            }
        }
    }
    for (_, gone) in stored {
        calendar_day::Entity::delete_by_id(gone.id).exec(write.txn()).await?;
        write.record("calendar_day.delete", "calendar_day", &gone.day, Some(&gone), None::<&()>)?;
        summary.removed += 1;
    }
    write.record("calendar_day.replace", "calendar_day", "years", None::<&()>, Some(&summary))?;
    write.commit().await?;
    Ok(summary)
}

/// Replaces the days of one year (`PUT /api/v1/calendar/{year}`). Errors, per day
/// (`days[i].date`): those of [`parse_day`], `not_in_year`, `duplicate_date`.
pub async fn replace_year(
    store: &Store,
    principal: &Principal,
    year: i32,
    days: &[SpecialDay],
) -> Result<ReplaceSummary, StoreError> {
    authorize(principal, Action::ManageCalendar, Target::County)?;
    let year = check_year(year).map_err(|e| StoreError::invalid("year", e))?;
    let mut errors = FieldErrors::new();
    let mut seen = BTreeSet::new();
    for (i, day) in days.iter().enumerate() {
        if day.date.year() != year {
            errors.add(&format!("days[{i}].date"), FieldError::new("not_in_year"));
        } else if !seen.insert(day.date) {
            errors.add(&format!("days[{i}].date"), FieldError::new("duplicate_date"));
        }
    }
    errors.into_result()?;
    replace_years(store, principal, &[year], days).await
}

/// What a CSV import did, or why it did nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CsvImport {
    /// The years in the file now hold exactly its days.
    Imported(ReplaceSummary),
    /// Every bad row with its line (1-based, counting the header); nothing was written.
    Refused { errors: Vec<RowError> },
}

/// Imports `date,kind,festival` rows (the shipped file's form): every year the file
/// has days of is replaced by the file's days of that year, so a corrected list or a
/// new year's notice is imported as it is. A file with any bad row (or a date outside
/// 2000–2100, or no day at all) imports nothing.
pub async fn import_csv(store: &Store, principal: &Principal, text: &str) -> Result<CsvImport, StoreError> {
    authorize(principal, Action::ManageCalendar, Target::County)?;
    // A file saved by Excel starts with a byte-order mark; the export writes one too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = parse_holiday_csv(text);
    let mut errors = parsed.errors;
    let mut years = BTreeSet::new();
    for (index, day) in parsed.days.iter().enumerate() {
        if check_year(day.date.year()).is_ok() {
            years.insert(day.date.year());
        } else {
            errors.push(RowError { line: line_of(text, day.date).unwrap_or(index + 2), code: "year_out_of_range" });
        }
        if day.festival.chars().count() > NAME_MAX {
            errors.push(RowError { line: line_of(text, day.date).unwrap_or(index + 2), code: "too_long" });
        }
    }
    if errors.is_empty() && parsed.days.is_empty() {
        errors.push(RowError { line: 1, code: "no_days" });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(CsvImport::Refused { errors });
    }
    let years: Vec<i32> = years.into_iter().collect();
    Ok(CsvImport::Imported(replace_years(store, principal, &years, &parsed.days).await?))
}

/// The line a parsed date came from (the parser keeps days, not their lines).
fn line_of(text: &str, date: NaiveDate) -> Option<usize> {
    let key = day_key(date);
    text.lines().position(|l| l.trim().starts_with(&key)).map(|i| i + 1)
}

/// The listed days of `year` (or every year) as `date,kind,festival` CSV.
pub async fn export_csv(conn: &impl ConnectionTrait, year: Option<i32>) -> Result<String, StoreError> {
    let rows = match year {
        Some(year) => days_of_year(conn, year).await?,
        None => calendar_day::Entity::find().order_by_asc(calendar_day::Column::Day).all(conn).await?,
    };
    let days: Vec<SpecialDay> = rows.iter().filter_map(special_day).collect();
    Ok(write_holiday_csv(&days))
}
