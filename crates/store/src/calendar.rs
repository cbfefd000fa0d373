//! The working-day calendar in force: China's weekends, the stored holidays and
//! make-up working days (seeded with the official list, edited by the commission)
//! and the office hours.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, EntityTrait};
use sunlight_domain::flow::Calendar;
use sunlight_domain::flow::calendar::{DayKind, SpecialDay, china_time};

use crate::StoreError;
use crate::entity::calendar_day;
use crate::settings;

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
