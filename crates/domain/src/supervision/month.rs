//! A calendar month, the unit of the county's monthly rates. A case belongs to the
//! month it was received in, in China time (UTC+8): a case received at 23:30 on the
//! last evening of March is a March case though it is April in UTC.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

use crate::field::FieldError;

/// The longest range the rates are computed over at once (three years).
pub const MAX_MONTHS: usize = 36;
const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2100;

/// `YYYY-MM`, between 2000-01 and 2100-12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// Errors: `month_out_of_range`.
    pub fn new(year: i32, month: u32) -> Result<Self, FieldError> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) || !(1..=12).contains(&month) {
            return Err(FieldError::new("month_out_of_range"));
        }
        Ok(Self { year, month })
    }

    /// Parses `YYYY-MM`. Errors: `required`, `bad_month`, `month_out_of_range`.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new("required"));
        }
        let bad = || FieldError::new("bad_month");
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 || !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Self::new(year.parse().map_err(|_| bad())?, month.parse().map_err(|_| bad())?)
    }

    /// The month `instant` falls in, read in `offset`'s time (clamped to the range).
    #[must_use]
    pub fn of(instant: DateTime<Utc>, offset: FixedOffset) -> Self {
        let local = instant.with_timezone(&offset);
        Self { year: local.year().clamp(FIRST_YEAR, LAST_YEAR), month: local.month() }
    }

    #[must_use]
    pub const fn year(self) -> i32 {
        self.year
    }

    #[must_use]
    pub const fn month(self) -> u32 {
        self.month
    }

    /// The month after (2101-01 stays representable only as an end bound).
    #[must_use]
    pub const fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    /// The month `n` months before (not before 2000-01).
    #[must_use]
    pub fn minus(self, n: u32) -> Self {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 - i64::from(n);
        let first = i64::from(FIRST_YEAR) * 12;
        let index = index.max(first);
        Self {
            year: i32::try_from(index.div_euclid(12)).unwrap_or(FIRST_YEAR),
            month: u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1,
        }
    }

    /// The first instant of the month in `offset`'s time, in UTC.
    #[must_use]
    pub fn start(self, offset: FixedOffset) -> DateTime<Utc> {
        let midnight = NaiveDate::from_ymd_opt(self.year, self.month, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        midnight
            .and_then(|t| offset.from_local_datetime(&t).single())
            .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
    }

    /// Every month from `from` to `to`, both included. Errors (on `to`):
    /// `month_range_reversed`, `month_range_too_long` (over [`MAX_MONTHS`]).
    pub fn range(from: Self, to: Self) -> Result<Vec<Self>, FieldError> {
        if to < from {
            return Err(FieldError::new("month_range_reversed"));
        }
        let mut months = vec![from];
        let mut month = from;
        while month < to {
            if months.len() == MAX_MONTHS {
                return Err(FieldError::with_limit("month_range_too_long", MAX_MONTHS));
            }
            month = month.next();
            months.push(month);
        }
        Ok(months)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn china() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn months_are_read_in_china_time() {
        let late_march = DateTime::parse_from_rfc3339("2026-03-31T23:30:00+08:00").unwrap().with_timezone(&Utc);
        assert_eq!(Month::of(late_march, china()).to_string(), "2026-03");
        let april = Month::parse("2026-04").unwrap();
        assert_eq!(april.start(china()).to_rfc3339(), "2026-03-31T16:00:00+00:00");
        assert!(late_march < april.start(china()));
        assert_eq!(Month::parse("2026-12").unwrap().next().to_string(), "2027-01");
        assert_eq!(Month::parse("2026-02").unwrap().minus(5).to_string(), "2025-09");
        assert_eq!(Month::parse("2000-02").unwrap().minus(50).to_string(), "2000-01");
    }

    #[test]
    fn bad_months_and_ranges_are_refused() {
        for (text, code) in [
            ("", "required"),
            ("2026-4", "bad_month"),
            ("2026/04", "bad_month"),
            ("+026-04", "bad_month"),
            ("2026-13", "month_out_of_range"),
            ("1999-12", "month_out_of_range"),
        ] {
            assert_eq!(Month::parse(text).unwrap_err().code, code, "{text}");
        }
        let jan = Month::parse("2026-01").unwrap();
        let jun = Month::parse("2026-06").unwrap();
        assert_eq!(Month::range(jan, jun).unwrap().len(), 6);
        assert_eq!(Month::range(jun, jun).unwrap(), vec![jun]);
        assert_eq!(Month::range(jun, jan).unwrap_err().code, "month_range_reversed");
        let far = Month::parse("2030-01").unwrap();
        assert_eq!(Month::range(jan, far).unwrap_err().code, "month_range_too_long");
        assert_eq!(Month::range(jan, Month::parse("2028-12").unwrap()).unwrap().len(), MAX_MONTHS);
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_round_trips(s in ".{0,12}", y in 2000_i32..=2100, m in 1_u32..=12) {
            let _ = Month::parse(&s);
            let month = Month::new(y, m).unwrap();
            prop_assert_eq!(Month::parse(&month.to_string()), Ok(month));
            prop_assert_eq!(Month::of(month.start(china()), china()), month);
        }
    }
}
