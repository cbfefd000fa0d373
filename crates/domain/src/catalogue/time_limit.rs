//! Time limits (法定时限, 承诺时限) as catalogues write them: `20个工作日`, `15日`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;

/// Whether a limit counts every day or only working days of the county's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 日/天: natural days.
    Natural,
    /// 工作日: working days, per the holiday calendar.
    Working,
}

/// A limit: a number of natural or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    days: u16,
    kind: DayKind,
}

impl TimeLimit {
    /// Ten years: anything longer is a typing error, not a limit.
    pub const MAX_DAYS: u16 = 3650;

    /// Codes: `limit_out_of_range`.
    pub fn new(days: u16, kind: DayKind) -> Result<Self, FieldError> {
        if days == 0 || days > Self::MAX_DAYS {
            return Err(FieldError::with_limit(
                "limit_out_of_range",
                usize::from(Self::MAX_DAYS),
            ));
        }
        Ok(Self { days, kind })
    }

    /// Parses `20个工作日`, `20工作日`, `15日`, `15天`, `15个自然日`, `20 working days`,
    /// `3 days`, with ASCII, full-width or Chinese numerals (`二十个工作日`).
    ///
    /// Codes: `required`, `limit_unit_missing` (a bare number), `unreadable_limit`,
    /// `limit_out_of_range`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text: String = raw
            .chars()
            .map(fold_full_width)
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        if text.is_empty() {
            return Err(FieldError::new("required"));
        }
        let number_len = text
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit() && chinese_digit(*c).is_none())
            .map_or(text.len(), |(i, _)| i);
        let (number, unit) = text.split_at(number_len);
        let days = parse_number(number).ok_or(FieldError::new("unreadable_limit"))?;
        let unit = unit.strip_prefix('个').unwrap_or(unit);
        let kind = match unit {
            "" => return Err(FieldError::new("limit_unit_missing")),
            "工作日" | "workingdays" | "workingday" | "workdays" | "workday" => DayKind::Working,
            "日" | "天" | "自然日" | "days" | "day" | "naturaldays" | "calendardays" => {
                DayKind::Natural
            }
            _ => return Err(FieldError::new("unreadable_limit")),
        };
        let days = u16::try_from(days).map_err(|_| {
            FieldError::with_limit("limit_out_of_range", usize::from(Self::MAX_DAYS))
        })?;
        Self::new(days, kind)
    }

    #[must_use]
    pub const fn days(self) -> u16 {
        self.days
    }

    #[must_use]
    pub const fn kind(self) -> DayKind {
        self.kind
    }

    /// Rough length in natural days, to compare limits of different kinds: five
    /// working days per seven. Holidays make working-day limits longer still, so
    /// this never calls a limit longer than it can be.
    #[must_use]
    pub const fn approx_natural_days(self) -> u32 {
        match self.kind {
            DayKind::Natural => self.days as u32,
            DayKind::Working => (self.days as u32 * 7).div_ceil(5),
        }
    }

    /// Whether this limit is certainly longer than `other`.
    #[must_use]
    pub fn exceeds(self, other: Self) -> bool {
        if self.kind == other.kind {
            self.days > other.days
        } else {
            self.approx_natural_days() > other.approx_natural_days()
        }
    }

    /// The English rendering: `20 working days`, `1 day`.
    #[must_use]
    pub fn to_english(self) -> String {
        let plural = if self.days == 1 { "" } else { "s" };
        match self.kind {
            DayKind::Natural => format!("{} day{plural}", self.days),
            DayKind::Working => format!("{} working day{plural}", self.days),
        }
    }
}

/// The Chinese rendering, as catalogues print it: `20个工作日`, `15日`.
impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DayKind::Natural => write!(f, "{}日", self.days),
            DayKind::Working => write!(f, "{}个工作日", self.days),
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
        return if text.len() > 6 {
            None
        } else {
            text.parse().ok()
        };
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

    fn limit(days: u16, kind: DayKind) -> TimeLimit {
        TimeLimit::new(days, kind).unwrap()
    }

    #[test]
    fn parses_the_usual_spellings() {
        let working = limit(20, DayKind::Working);
        let natural = limit(15, DayKind::Natural);
        for raw in [
            "20个工作日",
            "20工作日",
            "２０个工作日",
            " 20 working days",
            "二十个工作日",
        ] {
            assert_eq!(TimeLimit::parse(raw), Ok(working), "{raw}");
        }
        for raw in ["15日", "15天", "15个自然日", "15 days", "十五日", "１５天"] {
            assert_eq!(TimeLimit::parse(raw), Ok(natural), "{raw}");
        }
        assert_eq!(TimeLimit::parse("1 day"), Ok(limit(1, DayKind::Natural)));
        assert_eq!(
            TimeLimit::parse("一百二十日"),
            Ok(limit(120, DayKind::Natural))
        );
        assert_eq!(
            TimeLimit::parse("三百零五日"),
            Ok(limit(305, DayKind::Natural))
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let err = |raw: &str| TimeLimit::parse(raw).unwrap_err().code;
        assert_eq!(err(""), "required");
        assert_eq!(err("20"), "limit_unit_missing");
        assert_eq!(err("即办"), "unreadable_limit");
        assert_eq!(err("20个月"), "unreadable_limit");
        assert_eq!(err("0日"), "limit_out_of_range");
        assert_eq!(err("9999日"), "limit_out_of_range");
        assert_eq!(err("99999999999日"), "unreadable_limit");
        assert_eq!(err("二三日"), "unreadable_limit");
    }

    #[test]
    fn renders_in_both_languages() {
        assert_eq!(limit(20, DayKind::Working).to_string(), "20个工作日");
        assert_eq!(limit(15, DayKind::Natural).to_string(), "15日");
        assert_eq!(limit(20, DayKind::Working).to_english(), "20 working days");
        assert_eq!(limit(1, DayKind::Natural).to_english(), "1 day");
    }

    #[test]
    fn compares_across_kinds() {
        assert!(limit(21, DayKind::Working).exceeds(limit(20, DayKind::Working)));
        assert!(!limit(20, DayKind::Working).exceeds(limit(28, DayKind::Natural)));
        assert!(limit(20, DayKind::Working).exceeds(limit(27, DayKind::Natural)));
        assert!(!limit(20, DayKind::Natural).exceeds(limit(20, DayKind::Working)));
    }

    proptest! {
        #[test]
        fn both_renderings_parse_back(days in 1..=3650u16, working in any::<bool>()) {
            let kind = if working { DayKind::Working } else { DayKind::Natural };
            let l = limit(days, kind);
            prop_assert_eq!(TimeLimit::parse(&l.to_string()), Ok(l));
            prop_assert_eq!(TimeLimit::parse(&l.to_english()), Ok(l));
        }

        #[test]
        fn parse_never_panics(raw in ".{0,20}") {
            let _ = TimeLimit::parse(&raw);
        }
    }
}
