//! Whether exercising a power costs a fee, and by which standard.

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::text::BoundedText;

/// The fee standard as the pricing document states it (收费标准).
pub type FeeStandard = BoundedText<500>;

/// A charged fee always names its standard, so the e-supervision rule that compares
/// a collected fee with the due fee has something to compare with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fee", content = "standard", rename_all = "snake_case")]
pub enum Fee {
    Free,
    Charged(FeeStandard),
}

impl Fee {
    /// Parses the yes/no flag and the standard together.
    ///
    /// Codes: `fee_standard_required` (charged without a standard),
    /// `fee_standard_without_fee` (a standard on a free power), and the standard's
    /// own text codes.
    pub fn parse(charged: bool, standard: Option<&str>) -> Result<Self, FieldError> {
        let standard = FeeStandard::parse_optional(standard)?;
        match (charged, standard) {
            (true, Some(standard)) => Ok(Self::Charged(standard)),
            (true, None) => Err(FieldError::new("fee_standard_required")),
            (false, None) => Ok(Self::Free),
            (false, Some(_)) => Err(FieldError::new("fee_standard_without_fee")),
        }
    }

    #[must_use]
    pub const fn is_charged(&self) -> bool {
        matches!(self, Self::Charged(_))
    }

    #[must_use]
    pub fn standard(&self) -> Option<&str> {
        match self {
            Self::Free => None,
            Self::Charged(standard) => Some(standard.as_str()),
        }
    }
}

/// Parses a yes/no cell: 是/否, 有/无, 收费/不收费, yes/no, y/n, true/false, 1/0.
///
/// Codes: `required`, `unreadable_flag`.
pub fn parse_flag(raw: &str) -> Result<bool, FieldError> {
    let text = raw.trim().to_lowercase();
    match text.as_str() {
        "" => Err(FieldError::new("required")),
        "是" | "有" | "收费" | "yes" | "y" | "true" | "1" | "√" | "✓" => Ok(true),
        "否" | "无" | "不收费" | "免费" | "no" | "n" | "false" | "0" | "×" => Ok(false),
        _ => Err(FieldError::new("unreadable_flag")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charged_fees_need_a_standard() {
        assert!(Fee::parse(true, Some("按《XX收费标准》每件50元")).is_ok_and(|f| f.is_charged()));
        assert_eq!(Fee::parse(false, Some(" ")), Ok(Fee::Free));
        assert_eq!(Fee::parse(true, None), Err(FieldError::new("fee_standard_required")));
        assert_eq!(Fee::parse(false, Some("50元")), Err(FieldError::new("fee_standard_without_fee")));
    }

    #[test]
    fn reads_flags() {
        for yes in ["是", "YES", "true", "1", " y "] {
            assert_eq!(parse_flag(yes), Ok(true), "{yes}");
        }
        for no in ["否", "No", "FALSE", "0", "不收费"] {
            assert_eq!(parse_flag(no), Ok(false), "{no}");
        }
        assert_eq!(parse_flag("也许"), Err(FieldError::new("unreadable_flag")));
        assert_eq!(parse_flag(""), Err(FieldError::new("required")));
    }
}
