//! Time limits (法定时限, 承诺时限) as catalogues write them: `20个工作日`, `15日`,
//! `3个月`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;

/// What a limit counts: every day, working days of the county's calendar, or
/// calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    /// 日/天: natural days.
    Natural,
    /// 工作日: working days, per the holiday calendar.
    Working,
    /// 个月: calendar months.
    Months,
}

impl LimitUnit {
    /// Ten years in the unit: anything longer is a typing error, not a limit.
    #[must_use]
    pub const fn max(self) -> u16 {
        match self {
            Self::Natural | Self::Working => 3650,
            Self::Months => 120,
        }
    }
}

/// A limit: a number of natural days, working days or months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "TimeLimitRepr", into = "TimeLimitRepr")]
pub struct TimeLimit {
    amount: u16,
    unit: LimitUnit,
}

#[derive(Serialize, Deserialize)]
struct TimeLimitRepr {
    amount: u16,
    unit: LimitUnit,
}

impl TryFrom<TimeLimitRepr> for TimeLimit {
    type Error = &'static str;
    fn try_from(repr: TimeLimitRepr) -> Result<Self, Self::Error> {
        Self::new(repr.amount, repr.unit).map_err(|e| e.code)
    }
}

impl From<TimeLimit> for TimeLimitRepr {
    fn from(value: TimeLimit) -> Self {
        Self { amount: value.amount, unit: value.unit }
    }
}

impl TimeLimit {
    /// Codes: `limit_out_of_range` (with the unit's maximum).
    pub fn new(amount: u16, unit: LimitUnit) -> Result<Self, FieldError> {
        if amount == 0 || amount > unit.max() {
            return Err(FieldError::with_limit("limit_out_of_range", usize::from(unit.max())));
        }
        Ok(Self { amount, unit })
    }

    /// Parses `20个工作日`, `20工作日`, `15日`, `15天`, `15个自然日`, `3个月`,
    /// `20 working days`, `3 days`, `2 months`, with ASCII, full-width or Chinese
    /// numerals (`二十个工作日`).
    ///
    /// Codes: `required`, `limit_unit_missing` (a bare number), `unreadable_limit`,
    /// `limit_out_of_range`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text: String =
            raw.chars().map(fold_full_width).filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
        if text.is_empty() {
            return Err(FieldError::new("required"));
        }
        let number_len = text
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit() && chinese_digit(*c).is_none())
            .map_or(text.len(), |(i, _)| i);
        let (number, unit) = text.split_at(number_len);
        let amount = parse_number(number).ok_or(FieldError::new("unreadable_limit"))?;
        let unit = unit.strip_prefix('个').unwrap_or(unit);
        let unit = match unit {
            "" => return Err(FieldError::new("limit_unit_missing")),
            "工作日" | "workingdays" | "workingday" | "workdays" | "workday" => LimitUnit::Working,
            "日" | "天" | "自然日" | "days" | "day" | "naturaldays" | "calendardays" => LimitUnit::Natural,
            "月" | "months" | "month" => LimitUnit::Months,
            _ => return Err(FieldError::new("unreadable_limit")),
        };
        let amount =
            u16::try_from(amount).map_err(|_| FieldError::with_limit("limit_out_of_range", usize::from(unit.max())))?;
        Self::new(amount, unit)
    }

    #[must_use]
    pub const fn amount(self) -> u16 {
        self.amount
    }

    #[must_use]
    pub const fn unit(self) -> LimitUnit {
        self.unit
    }

    /// Rough length in natural days, to compare limits of different units: five
    /// working days per seven, thirty days a month. The calendar decides real
    /// deadlines; this only orders limits.
    #[must_use]
    pub const fn approx_natural_days(self) -> u32 {
        let amount = self.amount as u32;
        match self.unit {
            LimitUnit::Natural => amount,
            LimitUnit::Working => (amount * 7).div_ceil(5),
            LimitUnit::Months => amount * 30,
        }
    }

    /// Whether this limit is longer than `other`: exactly when both count the same
    /// unit, by [`Self::approx_natural_days`] otherwise.
    #[must_use]
    pub fn exceeds(self, other: Self) -> bool {
        if self.unit == other.unit {
            self.amount > other.amount
        } else {
            self.approx_natural_days() > other.approx_natural_days()
        }
    }

    /// The English rendering: `20 working days`, `1 day`, `3 months`.
    #[must_use]
    pub fn to_english(self) -> String {
        let plural = if self.amount == 1 { "" } else { "s" };
        match self.unit {
            LimitUnit::Natural => format!("{} day{plural}", self.amount),
            LimitUnit::Working => format!("{} working day{plural}", self.amount),
            LimitUnit::Months => format!("{} month{plural}", self.amount),
        }
    }
}

/// The Chinese rendering, as catalogues print it: `20个工作日`, `15日`, `3个月`.
impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            LimitUnit::Natural => write!(f, "{}日", self.amount),
            LimitUnit::Working => write!(f, "{}个工作日", self.amount),
            LimitUnit::Months => write!(f, "{}个月", self.amount),
        }
    }
}

fn fold_full_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

fn parse_number(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    if text.chars().all(|c| c.is_ascii_digit()) {
        return if text.len() > 6 { None } else { text.parse().ok() };
    }
    // Chinese numerals up to 9999: 二十, 十五, 一百二十, 三百零五.
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    for c in text.chars() {
        let value = chinese_digit(c)?;
        if value >= 10 {
            let factor = pending.take().unwrap_or(1);
            total = total.checked_add(factor.checked_mul(value)?)?;
        } else {
            if pending.is_some() && value != 0 {
                return None;
            }
            pending = if value == 0 { None } else { Some(value) };
        }
    }
    Some(total + pending.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn limit(amount: u16, unit: LimitUnit) -> TimeLimit {
        TimeLimit::new(amount, unit).unwrap()
    }

    #[test]
    fn parses_the_usual_spellings() {
        let working = limit(20, LimitUnit::Working);
        let natural = limit(15, LimitUnit::Natural);
        for raw in ["20个工作日", "20工作日", "２０个工作日", " 20 working days", "二十个工作日"] {
            assert_eq!(TimeLimit::parse(raw), Ok(working), "{raw}");
        }
        for raw in ["15日", "15天", "15个自然日", "15 days", "十五日", "１５天"] {
            assert_eq!(TimeLimit::parse(raw), Ok(natural), "{raw}");
        }
        assert_eq!(TimeLimit::parse("1 day"), Ok(limit(1, LimitUnit::Natural)));
        assert_eq!(TimeLimit::parse("一百二十日"), Ok(limit(120, LimitUnit::Natural)));
        assert_eq!(TimeLimit::parse("三百零五日"), Ok(limit(305, LimitUnit::Natural)));
        assert_eq!(TimeLimit::parse("3个月"), Ok(limit(3, LimitUnit::Months)));
        assert_eq!(TimeLimit::parse("三个月"), Ok(limit(3, LimitUnit::Months)));
        assert_eq!(TimeLimit::parse("1 month"), Ok(limit(1, LimitUnit::Months)));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let err = |raw: &str| TimeLimit::parse(raw).unwrap_err().code;
        assert_eq!(err(""), "required");
        assert_eq!(err("20"), "limit_unit_missing");
        assert_eq!(err("即办"), "unreadable_limit");
        assert_eq!(err("20个星期"), "unreadable_limit");
        assert_eq!(err("121个月"), "limit_out_of_range");
        assert_eq!(err("0日"), "limit_out_of_range");
        assert_eq!(err("9999日"), "limit_out_of_range");
        assert_eq!(err("99999999999日"), "unreadable_limit");
        assert_eq!(err("二三日"), "unreadable_limit");
    }

    #[test]
    fn serde_checks_the_range() {
        let json = serde_json::to_value(limit(20, LimitUnit::Working)).unwrap();
        assert_eq!(json, serde_json::json!({ "amount": 20, "unit": "working" }));
        let zero = serde_json::json!({ "amount": 0, "unit": "natural" });
        assert!(serde_json::from_value::<TimeLimit>(zero).is_err());
    }

    #[test]
    fn renders_in_both_languages() {
        assert_eq!(limit(20, LimitUnit::Working).to_string(), "20个工作日");
        assert_eq!(limit(15, LimitUnit::Natural).to_string(), "15日");
        assert_eq!(limit(20, LimitUnit::Working).to_english(), "20 working days");
        assert_eq!(limit(1, LimitUnit::Natural).to_english(), "1 day");
    }

    #[test]
    fn compares_across_kinds() {
        assert!(limit(21, LimitUnit::Working).exceeds(limit(20, LimitUnit::Working)));
        assert!(!limit(20, LimitUnit::Working).exceeds(limit(28, LimitUnit::Natural)));
        assert!(limit(20, LimitUnit::Working).exceeds(limit(27, LimitUnit::Natural)));
        assert!(!limit(20, LimitUnit::Natural).exceeds(limit(20, LimitUnit::Working)));
        assert!(limit(3, LimitUnit::Months).exceeds(limit(60, LimitUnit::Working)));
        assert!(!limit(60, LimitUnit::Natural).exceeds(limit(2, LimitUnit::Months)));
    }

    proptest! {
        #[test]
        fn both_renderings_parse_back(amount in 1..=3650u16, unit in 0..3usize) {
            let unit = [LimitUnit::Natural, LimitUnit::Working, LimitUnit::Months][unit];
            let l = limit(amount.min(unit.max()), unit);
            prop_assert_eq!(TimeLimit::parse(&l.to_string()), Ok(l));
            prop_assert_eq!(TimeLimit::parse(&l.to_english()), Ok(l));
        }

        #[test]
        fn parse_never_panics(raw in ".{0,20}") {
            let _ = TimeLimit::parse(&raw);
        }
    }
}
