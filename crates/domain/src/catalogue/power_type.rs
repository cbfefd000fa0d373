//! The types of administrative power (权力类型) a catalogue item can have.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;

keyed_enum! {
    /// A power's type. The two-letter code is part of the power code, so it never changes.
    PowerType {
        /// 行政许可
        Licensing => "licensing",
        /// 行政处罚
        Penalty => "penalty",
        /// 行政强制
        Coercion => "coercion",
        /// 行政征收
        Levy => "levy",
        /// 行政给付
        Payment => "payment",
        /// 行政检查
        Inspection => "inspection",
        /// 行政确认
        Confirmation => "confirmation",
        /// 行政奖励
        Reward => "reward",
        /// 行政裁决
        Adjudication => "adjudication",
        /// 其他行政权力
        Other => "other",
        /// 公共服务: only where the province lists public services in the catalogue.
        PublicService => "public_service",
    }
}

impl PowerType {
    /// The two-letter code used inside power codes (`XK` in `SCJGXK001`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Licensing => "XK",
            Self::Penalty => "CF",
            Self::Coercion => "QZ",
            Self::Levy => "ZS",
            Self::Payment => "JF",
            Self::Inspection => "JC",
            Self::Confirmation => "QR",
            Self::Reward => "JL",
            Self::Adjudication => "CJ",
            Self::Other => "QT",
            Self::PublicService => "FW",
        }
    }

    /// The Chinese name, as catalogues and the public portal print it.
    #[must_use]
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Licensing => "行政许可",
            Self::Penalty => "行政处罚",
            Self::Coercion => "行政强制",
            Self::Levy => "行政征收",
            Self::Payment => "行政给付",
            Self::Inspection => "行政检查",
            Self::Confirmation => "行政确认",
            Self::Reward => "行政奖励",
            Self::Adjudication => "行政裁决",
            Self::Other => "其他行政权力",
            Self::PublicService => "公共服务",
        }
    }

    /// The type whose two-letter code is `code` (upper or lower case).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.code().eq_ignore_ascii_case(code))
    }
}

/// Which power types this county's catalogue admits: the ten statutory types always,
/// 公共服务 only when the province's catalogue standard lists public services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerTypes {
    #[serde(default)]
    pub public_service: bool,
}

impl PowerTypes {
    #[must_use]
    pub const fn admits(self, power_type: PowerType) -> bool {
        !matches!(power_type, PowerType::PublicService) || self.public_service
    }

    /// Parses a type as people write it in a catalogue: the Chinese name (with or
    /// without the 行政 prefix), the two-letter code or the English key.
    ///
    /// Codes: `required`, `unknown_power_type`, `power_type_disabled`.
    pub fn parse(self, raw: &str) -> Result<PowerType, FieldError> {
        let text: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            return Err(FieldError::new("required"));
        }
        let found = PowerType::ALL.iter().copied().find(|t| {
            let zh = t.name_zh();
            text == zh
                || zh.strip_prefix("行政").is_some_and(|short| text == short)
                || t.code().eq_ignore_ascii_case(&text)
                || t.key().eq_ignore_ascii_case(&text)
        });
        match found {
            Some(t) if self.admits(t) => Ok(t),
            Some(_) => Err(FieldError::new("power_type_disabled")),
            None => Err(FieldError::new("unknown_power_type")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chinese_code_and_key() {
        let types = PowerTypes::default();
        assert_eq!(types.parse("行政许可"), Ok(PowerType::Licensing));
        assert_eq!(types.parse(" 处罚 "), Ok(PowerType::Penalty));
        assert_eq!(types.parse("qz"), Ok(PowerType::Coercion));
        assert_eq!(types.parse("adjudication"), Ok(PowerType::Adjudication));
        assert_eq!(types.parse("其他行政权力"), Ok(PowerType::Other));
        assert_eq!(types.parse("行政审批"), Err(FieldError::new("unknown_power_type")));
        assert_eq!(types.parse(""), Err(FieldError::new("required")));
    }

    #[test]
    fn public_service_needs_configuration() {
        assert_eq!(PowerTypes::default().parse("公共服务"), Err(FieldError::new("power_type_disabled")));
        let with = PowerTypes { public_service: true };
        assert_eq!(with.parse("FW"), Ok(PowerType::PublicService));
    }

    #[test]
    fn codes_are_unique_two_letters() {
        let mut codes: Vec<_> = PowerType::ALL.iter().map(|t| t.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PowerType::ALL.len());
        for t in PowerType::ALL {
            assert_eq!(PowerType::from_code(t.code()), Some(*t));
            assert_eq!(t.code().len(), 2);
        }
    }
}
