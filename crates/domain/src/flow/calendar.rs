//! The working-day calendar: weekends, statutory holidays, make-up working days (调休)
//! and office hours.
//!
//! The shipped holiday list (`data/cn-holidays.csv`, 2020–2026) was extracted from the
//! chinese-calendar 1.11.0 package (MIT licence), which follows the State Council's
//! yearly notices. An admin-edited list of days is layered over it, so a new year's
//! notice can be entered without a release.
//!
//! Working time is counted in seconds of office hours. "N working days" is N times
//! the length of one office day, so adding and measuring agree exactly
//! (`elapsed(a, add(a, n)) == n`) and additions compose; the deadline of an instant
//! outside office hours starts with the next office period.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};

const EMBEDDED_CN: &str = include_str!("../../data/cn-holidays.csv");
const SECONDS_PER_DAY: u32 = 86_400;
/// Bounds loops over days: a century is far beyond any administrative limit.
const MAX_SCAN_DAYS: u32 = 36_600;
/// Largest amount of a time limit (ten years of days); keeps arithmetic in range.
pub const MAX_LIMIT_AMOUNT: u32 = 3_650;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("office hours are invalid: {0}")]
    InvalidOfficeHours(&'static str),
    #[error("the result is outside the supported date range")]
    OutOfRange,
    #[error("time limit amount must be between 1 and {MAX_LIMIT_AMOUNT}")]
    InvalidLimit,
    #[error("unknown time limit unit {0:?}")]
    InvalidUnit(String),
}

impl CalendarError {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidOfficeHours(_) => "invalid_office_hours",
            Self::OutOfRange => "out_of_range",
            Self::InvalidLimit => "invalid_limit",
            Self::InvalidUnit(_) => "invalid_limit_unit",
        }
    }
}

/// What a listed date is: a day off on a weekday, or a working Saturday/Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Holiday,
    Workday,
}

impl DayKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
        }
    }
}

/// One row of the holiday list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub festival: String,
}

/// A refused row of a holiday CSV; `line` is 1-based and counts the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub code: &'static str,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.code)
    }
}

/// The outcome of reading a holiday CSV: good rows are kept so that one typo does
/// not block a whole year's list, and every bad row is reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParsedDays {
    pub days: Vec<SpecialDay>,
    pub errors: Vec<RowError>,
}

/// Parses `date,kind,festival` (the shipped file's form). Blank lines and lines
/// starting with `#` are skipped; a repeated date is an error.
#[must_use]
pub fn parse_holiday_csv(text: &str) -> ParsedDays {
    let mut out = ParsedDays::default();
    let mut seen = HashMap::new();
    let mut header_seen = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let cols: Vec<&str> = row.split(',').map(str::trim).collect();
            if cols.len() < 2 || cols[0] != "date" || cols[1] != "kind" {
                out.errors.push(RowError { line, code: "bad_header" });
                return out;
            }
            continue;
        }
        let mut cols = row.splitn(3, ',');
        let date = cols.next().unwrap_or("").trim();
        let kind = cols.next().unwrap_or("").trim();
        let festival = cols.next().unwrap_or("").trim();
        let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
            out.errors.push(RowError { line, code: "bad_date" });
            continue;
        };
        let kind = match kind {
            "holiday" => DayKind::Holiday,
            "workday" => DayKind::Workday,
            _ => {
                out.errors.push(RowError { line, code: "bad_kind" });
                continue;
            }
        };
        if seen.insert(date, line).is_some() {
            out.errors.push(RowError { line, code: "duplicate_date" });
            continue;
        }
        out.days.push(SpecialDay { date, kind, festival: festival.to_owned() });
    }
    if !header_seen {
        out.errors.push(RowError { line: 1, code: "bad_header" });
    }
    out
}

/// Writes days in the form [`parse_holiday_csv`] reads.
#[must_use]
pub fn write_holiday_csv(days: &[SpecialDay]) -> String {
    let mut out = String::from("date,kind,festival\n");
    for day in days {
        // A festival name is free text: commas and line breaks would split the row.
        let festival: String = day.festival.chars().map(|c| if c == ',' || c.is_control() { ' ' } else { c }).collect();
        out.push_str(&day.date.format("%Y-%m-%d").to_string());
        out.push(',');
        out.push_str(day.kind.as_str());
        out.push(',');
        out.push_str(festival.trim());
        out.push('\n');
    }
    out
}

/// Daily office periods, sorted, non-overlapping, non-empty; seconds of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    periods: Vec<(u32, u32)>,
    day_seconds: u32,
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self { periods: vec![(9 * 3600, 12 * 3600), (13 * 3600 + 1800, 17 * 3600 + 1800)], day_seconds: 7 * 3600 }
    }
}

impl OfficeHours {
    /// Periods as `(start, end)` seconds since midnight.
    pub fn new(mut periods: Vec<(u32, u32)>) -> Result<Self, CalendarError> {
        if periods.is_empty() {
            return Err(CalendarError::InvalidOfficeHours("no_periods"));
        }
        periods.sort_unstable();
        let mut previous_end = 0;
        let mut total = 0;
        for &(start, end) in &periods {
            if start >= end || end > SECONDS_PER_DAY {
                return Err(CalendarError::InvalidOfficeHours("bad_period"));
            }
            if start < previous_end {
                return Err(CalendarError::InvalidOfficeHours("overlapping_periods"));
            }
            previous_end = end;
            total += end - start;
        }
        Ok(Self { periods, day_seconds: total })
    }

    /// Parses `09:00-12:00,13:30-17:30`.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let mut periods = Vec::new();
        for part in text.split(',') {
            let (a, b) = part.trim().split_once('-').ok_or(CalendarError::InvalidOfficeHours("bad_syntax"))?;
            periods.push((parse_hhmm(a)?, parse_hhmm(b)?));
        }
        Self::new(periods)
    }

    /// Length of one office day.
    #[must_use]
    pub fn day_length(&self) -> TimeDelta {
        TimeDelta::seconds(i64::from(self.day_seconds))
    }

    /// Office seconds within `[from, to)` seconds of one working day.
    fn overlap(&self, from: u32, to: u32) -> u32 {
        self.periods.iter().map(|&(s, e)| e.min(to).saturating_sub(s.max(from))).sum()
    }
}

fn parse_hhmm(text: &str) -> Result<u32, CalendarError> {
    let bad = CalendarError::InvalidOfficeHours("bad_time");
    let (h, m) = text.trim().split_once(':').ok_or(bad.clone())?;
    let h: u32 = h.parse().map_err(|_| bad.clone())?;
    let m: u32 = m.parse().map_err(|_| bad.clone())?;
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad);
    }
    Ok(h * 3600 + m * 60)
}

/// The unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    WorkingDays,
    NaturalDays,
    WorkingHours,
}

impl LimitUnit {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WorkingDays => "working_days",
            Self::NaturalDays => "natural_days",
            Self::WorkingHours => "working_hours",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        match text.trim() {
            "working_days" => Ok(Self::WorkingDays),
            "natural_days" => Ok(Self::NaturalDays),
            "working_hours" => Ok(Self::WorkingHours),
            other => Err(CalendarError::InvalidUnit(other.chars().take(40).collect())),
        }
    }
}

/// A time limit of 1..=`MAX_LIMIT_AMOUNT` units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawLimit", into = "RawLimit")]
pub struct TimeLimit {
    amount: u32,
    unit: LimitUnit,
}

#[derive(Serialize, Deserialize)]
struct RawLimit {
    amount: u32,
    unit: LimitUnit,
}

impl TryFrom<RawLimit> for TimeLimit {
    type Error = CalendarError;
    fn try_from(raw: RawLimit) -> Result<Self, Self::Error> {
        Self::new(raw.amount, raw.unit)
    }
}

impl From<TimeLimit> for RawLimit {
    fn from(limit: TimeLimit) -> Self {
        Self { amount: limit.amount, unit: limit.unit }
    }
}

impl TimeLimit {
    pub fn new(amount: u32, unit: LimitUnit) -> Result<Self, CalendarError> {
        if amount == 0 || amount > MAX_LIMIT_AMOUNT {
            return Err(CalendarError::InvalidLimit);
        }
        Ok(Self { amount, unit })
    }

    #[must_use]
    pub const fn amount(self) -> u32 {
        self.amount
    }

    #[must_use]
    pub const fn unit(self) -> LimitUnit {
        self.unit
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.unit.as_str())
    }
}

/// Working days, holidays and office hours in one fixed UTC offset.
#[derive(Debug, Clone)]
pub struct Calendar {
    special: HashMap<NaiveDate, DayKind>,
    /// The listed days as a dense table from `dense_from` on: the check asks about
    /// every day of every step of every case.
    dense: Vec<Option<DayKind>>,
    dense_from: i32,
    hours: OfficeHours,
    offset: FixedOffset,
}

/// Asia/Shanghai has had no daylight saving time since 1991.
const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

impl Default for Calendar {
    fn default() -> Self {
        Self::china()
    }
}

/// The shipped list of China's official holidays and make-up working days (调休),
/// as published by the State Council's General Office each year.
#[must_use]
pub fn official_days() -> Vec<SpecialDay> {
    parse_holiday_csv(EMBEDDED_CN).days
}

/// China's time zone (UTC+8), in which dates and office hours are read.
#[must_use]
pub fn china_time() -> FixedOffset {
    china_offset()
}

impl Calendar {
    /// China's calendar from the shipped list, default office hours, UTC+8.
    #[must_use]
    pub fn china() -> Self {
        // The embedded list is checked by a test to parse without errors.
        let parsed = parse_holiday_csv(EMBEDDED_CN);
        let mut calendar = Self::weekends_only(china_offset());
        for day in parsed.days {
            calendar.special.insert(day.date, day.kind);
        }
        calendar.rebuild();
        calendar
    }

    fn rebuild(&mut self) {
        let days = self.special.keys().map(Datelike::num_days_from_ce);
        let (Some(from), Some(to)) = (days.clone().min(), days.max()) else {
            self.dense.clear();
            return;
        };
        let mut dense = vec![None; usize::try_from(to - from + 1).unwrap_or(0)];
        for (date, kind) in &self.special {
            if let Ok(i) = usize::try_from(date.num_days_from_ce() - from) {
                dense[i] = Some(*kind);
            }
        }
        self.dense = dense;
        self.dense_from = from;
    }

    /// Saturdays and Sundays off, nothing else.
    #[must_use]
    pub fn weekends_only(offset: FixedOffset) -> Self {
        Self { special: HashMap::new(), dense: Vec::new(), dense_from: 0, hours: OfficeHours::default(), offset }
    }

    #[must_use]
    pub fn with_office_hours(mut self, hours: OfficeHours) -> Self {
        self.hours = hours;
        self
    }

    /// Adds or replaces days (an admin's list over the shipped one).
    pub fn apply(&mut self, days: &[SpecialDay]) {
        for day in days {
            self.special.insert(day.date, day.kind);
        }
        self.rebuild();
    }

    /// Returns a date to the weekday/weekend default.
    pub fn clear(&mut self, date: NaiveDate) {
        self.special.remove(&date);
        self.rebuild();
    }

    /// The listed days (shipped and admin-entered), by date, for an admin page.
    #[must_use]
    pub fn listed_days(&self) -> Vec<(NaiveDate, DayKind)> {
        let mut days: Vec<_> = self.special.iter().map(|(d, k)| (*d, *k)).collect();
        days.sort_unstable_by_key(|(d, _)| *d);
        days
    }

    #[must_use]
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    #[must_use]
    pub fn office_hours(&self) -> &OfficeHours {
        &self.hours
    }

    #[must_use]
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let listed = usize::try_from(date.num_days_from_ce() - self.dense_from)
            .ok()
            .and_then(|i| self.dense.get(i).copied().flatten());
        match listed {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// Whether any listed day falls in `year`: outside the covered years only
    /// weekends are known, which a caller may want to warn about.
    #[must_use]
    pub fn covers_year(&self, year: i32) -> bool {
        self.special.keys().any(|d| d.year() == year)
    }

    fn local(&self, t: DateTime<FixedOffset>) -> NaiveDateTime {
        t.with_timezone(&self.offset).naive_local()
    }

    fn zoned(&self, t: NaiveDateTime) -> Result<DateTime<FixedOffset>, CalendarError> {
        t.and_local_timezone(self.offset).single().ok_or(CalendarError::OutOfRange)
    }

    /// Office time between two instants (zero when `b <= a`).
    #[must_use]
    pub fn working_time_between(&self, a: DateTime<FixedOffset>, b: DateTime<FixedOffset>) -> TimeDelta {
        if b <= a {
            return TimeDelta::zero();
        }
        TimeDelta::seconds(self.work_seconds(self.local(a), self.local(b)))
    }

    fn work_seconds(&self, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
        let (da, db) = (a.date(), b.date());
        let sa = seconds_of_day(a);
        let sb = seconds_of_day(b);
        if da == db {
            return if self.is_working_day(da) { i64::from(self.hours.overlap(sa, sb)) } else { 0 };
        }
        let mut total = 0_i64;
        if self.is_working_day(da) {
            total += i64::from(self.hours.overlap(sa, SECONDS_PER_DAY));
        }
        if self.is_working_day(db) {
            total += i64::from(self.hours.overlap(0, sb));
        }
        let full_days = self.working_days_in(da.num_days_from_ce() + 1, db.num_days_from_ce());
        total + full_days * i64::from(self.hours.day_seconds)
    }

    /// Working days among day numbers `from..to` (days from the common era).
    fn working_days_in(&self, from: i32, to: i32) -> i64 {
        if to <= from {
            return 0;
        }
        // Short spans are counted day by day; long ones (a bogus timestamp decades
        // off) by whole weeks plus the listed days, so no input makes this slow.
        if to - from < 64 {
            return (from..to)
                .map(|n| i64::from(NaiveDate::from_num_days_from_ce_opt(n).is_some_and(|d| self.is_working_day(d))))
                .sum();
        }
        let is_weekday = |n: i32| (n - 1).rem_euclid(7) < 5;
        let span = i64::from(to) - i64::from(from);
        let mut count = span / 7 * 5;
        let rest = i32::try_from(span % 7).unwrap_or(0);
        count += (0..rest).map(|k| i64::from(is_weekday(to - 1 - k))).sum::<i64>();
        let start = from.max(self.dense_from);
        let end = to.min(self.dense_from.saturating_add(i32::try_from(self.dense.len()).unwrap_or(i32::MAX)));
        for n in start..end {
            let listed = usize::try_from(n - self.dense_from).ok().and_then(|i| self.dense.get(i).copied().flatten());
            match (listed, is_weekday(n)) {
                (Some(DayKind::Holiday), true) => count -= 1,
                (Some(DayKind::Workday), false) => count += 1,
                _ => {}
            }
        }
        count
    }

    /// Office time covered by several intervals (a step's spells between returns and
    /// pauses); overlapping spells count once.
    #[must_use]
    pub fn working_time_over(&self, intervals: &[(DateTime<FixedOffset>, DateTime<FixedOffset>)]) -> TimeDelta {
        let mut spans: Vec<_> = intervals.iter().filter(|(a, b)| a < b).copied().collect();
        spans.sort_unstable();
        let mut total = TimeDelta::zero();
        let mut current: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> = None;
        for (a, b) in spans {
            current = match current {
                Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
                Some((ca, cb)) => {
                    total += self.working_time_between(ca, cb);
                    Some((a, b))
                }
                None => Some((a, b)),
            };
        }
        if let Some((ca, cb)) = current {
            total += self.working_time_between(ca, cb);
        }
        total
    }

    /// The earliest instant at which `amount` of office time has passed since `t`.
    pub fn add_working_time(
        &self,
        t: DateTime<FixedOffset>,
        amount: TimeDelta,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        let local = self.local(t);
        let mut remaining = amount.num_seconds();
        if remaining <= 0 {
            return self.zoned(local);
        }
        let mut date = local.date();
        let mut from = seconds_of_day(local);
        let day_seconds = i64::from(self.hours.day_seconds);
        for _ in 0..=MAX_SCAN_DAYS {
            if self.is_working_day(date) {
                if from == 0 && remaining > day_seconds {
                    remaining -= day_seconds;
                } else {
                    for &(s, e) in &self.hours.periods {
                        let start = s.max(from);
                        if start >= e {
                            continue;
                        }
                        let available = i64::from(e - start);
                        if remaining <= available {
                            let at = date
                                .and_time(chrono::NaiveTime::MIN)
                                .checked_add_signed(TimeDelta::seconds(i64::from(start) + remaining))
                                .ok_or(CalendarError::OutOfRange)?;
                            return self.zoned(at);
                        }
                        remaining -= available;
                    }
                }
            }
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
            from = 0;
        }
        Err(CalendarError::OutOfRange)
    }

    pub fn add_working_days(
        &self,
        t: DateTime<FixedOffset>,
        days: u32,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        self.add_working_time(t, self.hours.day_length() * i32::try_from(days).map_err(|_| CalendarError::OutOfRange)?)
    }

    pub fn add_working_hours(
        &self,
        t: DateTime<FixedOffset>,
        hours: u32,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        self.add_working_time(t, TimeDelta::hours(i64::from(hours)))
    }

    pub fn add_natural_days(
        &self,
        t: DateTime<FixedOffset>,
        days: u32,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        let local = self.local(t);
        let at = local.checked_add_days(Days::new(u64::from(days))).ok_or(CalendarError::OutOfRange)?;
        self.zoned(at)
    }

    /// When a limit started at `t` runs out.
    pub fn deadline(&self, t: DateTime<FixedOffset>, limit: TimeLimit) -> Result<DateTime<FixedOffset>, CalendarError> {
        match limit.unit {
            LimitUnit::WorkingDays => self.add_working_days(t, limit.amount),
            LimitUnit::NaturalDays => self.add_natural_days(t, limit.amount),
            LimitUnit::WorkingHours => self.add_working_hours(t, limit.amount),
        }
    }

    /// A span of office time in working days (fractional).
    #[must_use]
    pub fn in_working_days(&self, span: TimeDelta) -> f64 {
        span.num_seconds() as f64 / f64::from(self.hours.day_seconds)
    }
}

fn china_offset() -> FixedOffset {
    use chrono::{Offset, Utc};
    FixedOffset::east_opt(CHINA_OFFSET_SECONDS).unwrap_or_else(|| Utc.fix())
}

fn seconds_of_day(t: NaiveDateTime) -> u32 {
    use chrono::Timelike;
    t.num_seconds_from_midnight()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn embedded_list_parses_cleanly() {
        let parsed = parse_holiday_csv(EMBEDDED_CN);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.days.len(), 256);
    }

    #[test]
    fn holidays_and_make_up_days() {
        let cal = Calendar::china();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // National Day 2024 on a Tuesday; the Sunday before it was a make-up day.
        assert!(!cal.is_working_day(d("2024-10-01")));
        assert!(cal.is_working_day(d("2024-09-29")));
        assert!(!cal.is_working_day(d("2025-01-04")));
        assert!(cal.is_working_day(d("2025-01-06")));
        assert!(cal.covers_year(2026));
        assert!(!cal.covers_year(2030));
    }

    #[test]
    fn admin_overrides_win() {
        let mut cal = Calendar::china();
        let day = NaiveDate::from_ymd_opt(2027, 2, 8).unwrap();
        assert!(cal.is_working_day(day));
        cal.apply(&[SpecialDay { date: day, kind: DayKind::Holiday, festival: "Spring Festival".into() }]);
        assert!(!cal.is_working_day(day));
        cal.clear(day);
        assert!(cal.is_working_day(day));
    }

    #[test]
    fn holiday_csv_round_trips() {
        let days = parse_holiday_csv(EMBEDDED_CN).days;
        assert_eq!(parse_holiday_csv(&write_holiday_csv(&days)).days, days);
        let cal = Calendar::china();
        assert_eq!(cal.listed_days().len(), days.len());
        assert!(cal.listed_days().windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn csv_row_errors_name_their_line() {
        let parsed = parse_holiday_csv(
            "date,kind,festival\n2027-01-01,holiday,New Year\nnot-a-date,holiday,x\n2027-01-02,maybe,\n2027-01-01,workday,\n",
        );
        assert_eq!(parsed.days.len(), 1);
        let codes: Vec<_> = parsed.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(codes, vec![(3, "bad_date"), (4, "bad_kind"), (5, "duplicate_date")]);
        assert_eq!(parse_holiday_csv("x,y\n").errors[0].code, "bad_header");
        assert_eq!(parse_holiday_csv("").errors[0].code, "bad_header");
    }

    #[test]
    fn office_hours_count() {
        let cal = Calendar::china();
        // Friday 2025-03-07 16:30 to Monday 10:00: 1h Friday + 1h Monday.
        let a = at("2025-03-07T16:30:00+08:00");
        let b = at("2025-03-10T10:00:00+08:00");
        assert_eq!(cal.working_time_between(a, b), TimeDelta::hours(2));
        // Lunch break does not count.
        let a = at("2025-03-10T11:00:00+08:00");
        let b = at("2025-03-10T14:30:00+08:00");
        assert_eq!(cal.working_time_between(a, b), TimeDelta::hours(2));
        // The same instant in another offset counts the same.
        let a2 = at("2025-03-10T03:00:00+00:00");
        assert_eq!(cal.working_time_between(a2, b), TimeDelta::hours(2));
    }

    #[test]
    fn deadlines_skip_the_golden_week() {
        let cal = Calendar::china();
        // Monday 2024-09-30 10:00 + 1 working day: Oct 1–7 are off, Oct 12 (Sat) works.
        let t = at("2024-09-30T10:00:00+08:00");
        let limit = TimeLimit::new(1, LimitUnit::WorkingDays).unwrap();
        assert_eq!(cal.deadline(t, limit).unwrap(), at("2024-10-08T10:00:00+08:00"));
        // Saturday start: the limit begins on Monday morning and ends Monday evening.
        let t = at("2025-03-08T10:00:00+08:00");
        assert_eq!(cal.deadline(t, limit).unwrap(), at("2025-03-10T17:30:00+08:00"));
        let hours = TimeLimit::new(4, LimitUnit::WorkingHours).unwrap();
        assert_eq!(cal.deadline(at("2025-03-10T11:00:00+08:00"), hours).unwrap(), at("2025-03-10T16:30:00+08:00"));
        let natural = TimeLimit::new(3, LimitUnit::NaturalDays).unwrap();
        assert_eq!(cal.deadline(at("2025-03-10T11:00:00+08:00"), natural).unwrap(), at("2025-03-13T11:00:00+08:00"));
    }

    #[test]
    fn long_spans_count_like_short_ones() {
        let cal = Calendar::china();
        let a = at("2019-12-20T10:00:00+08:00");
        let b = at("2027-01-10T10:00:00+08:00");
        let mut by_day = 0;
        let mut d = a.date_naive().succ_opt().unwrap();
        while d < b.date_naive() {
            by_day += i64::from(cal.is_working_day(d));
            d = d.succ_opt().unwrap();
        }
        // Friday 10:00 leaves 6 office hours; Sunday has none.
        let edges = TimeDelta::hours(6);
        assert_eq!(
            cal.working_time_between(a, b),
            cal.office_hours().day_length() * i32::try_from(by_day).unwrap() + edges
        );
        // Centuries apart still answers at once.
        let far = at("2999-01-01T00:00:00+08:00");
        assert!(cal.working_time_between(at("1000-01-01T00:00:00+08:00"), far) > TimeDelta::zero());
    }

    #[test]
    fn intervals_are_summed_without_double_counting() {
        let cal = Calendar::china();
        let spells = [
            (at("2025-03-10T09:00:00+08:00"), at("2025-03-10T10:00:00+08:00")),
            (at("2025-03-10T09:30:00+08:00"), at("2025-03-10T11:00:00+08:00")),
            (at("2025-03-11T14:00:00+08:00"), at("2025-03-11T15:00:00+08:00")),
        ];
        assert_eq!(cal.working_time_over(&spells), TimeDelta::hours(3));
    }

    #[test]
    fn office_hours_are_validated() {
        assert!(OfficeHours::parse("08:30-12:00,14:00-18:00").is_ok());
        assert!(OfficeHours::parse("12:00-09:00").is_err());
        assert!(OfficeHours::parse("09:00-12:00,11:00-13:00").is_err());
        assert!(OfficeHours::parse("9-12").is_err());
        assert!(OfficeHours::new(vec![]).is_err());
        assert!(TimeLimit::new(0, LimitUnit::WorkingDays).is_err());
    }

    fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
        // 2020-01-01 .. 2026-12-31 in seconds, any offset between -12h and +14h.
        (1_577_836_800_i64..1_798_675_200, -12_i32..=14).prop_map(|(s, h)| {
            DateTime::from_timestamp(s, 0).unwrap().with_timezone(&FixedOffset::east_opt(h * 3600).unwrap())
        })
    }

    proptest! {
        #[test]
        fn adding_composes(a in instant(), n in 0_u32..40, m in 0_u32..40) {
            let cal = Calendar::china();
            let once = cal.add_working_days(a, n + m).unwrap();
            let twice = cal.add_working_days(cal.add_working_days(a, n).unwrap(), m).unwrap();
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn elapsed_inverts_add(a in instant(), secs in 0_i64..2_000_000) {
            let cal = Calendar::china();
            let span = TimeDelta::seconds(secs);
            let b = cal.add_working_time(a, span).unwrap();
            prop_assert_eq!(cal.working_time_between(a, b), span);
        }

        #[test]
        fn adding_is_monotonic(a in instant(), d in 0_i64..1_000_000, n in 1_u32..30) {
            let cal = Calendar::china();
            let b = a + TimeDelta::seconds(d);
            prop_assert!(cal.add_working_days(a, n).unwrap() <= cal.add_working_days(b, n).unwrap());
            prop_assert!(cal.add_working_days(a, n).unwrap() > a);
        }

        #[test]
        fn elapsed_is_additive(a in instant(), d1 in 0_i64..3_000_000, d2 in 0_i64..3_000_000) {
            let cal = Calendar::china();
            let b = a + TimeDelta::seconds(d1);
            let c = b + TimeDelta::seconds(d2);
            prop_assert_eq!(
                cal.working_time_between(a, c),
                cal.working_time_between(a, b) + cal.working_time_between(b, c)
            );
        }

        #[test]
        fn csv_parser_never_panics(s in ".{0,400}") {
            let _ = parse_holiday_csv(&s);
        }
    }
}
