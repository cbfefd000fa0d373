//! The organization: county → sub-commissions → units → sections, positions, persons.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::{FieldError, FieldErrors};
use crate::text::Name;

/// A unit's human-facing code: 2–16 upper-case ASCII letters or digits, starting
/// with a letter (`ZRZY`, `SCJG`). Power codes are built from it, so it stays short.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

impl UnitCode {
    pub const MAX_LEN: usize = 16;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(FieldError::new("required"));
        }
        if code.len() < 2 || code.len() > Self::MAX_LEN {
            return Err(FieldError::with_limit("code_length", Self::MAX_LEN));
        }
        let mut chars = code.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        if !starts_with_letter || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            return Err(FieldError::new("code_format"));
        }
        Ok(Self(code))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UnitCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.code.to_owned())
    }
}

impl From<UnitCode> for String {
    fn from(value: UnitCode) -> Self {
        value.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a closed set of values stored and exchanged by a stable `snake_case` key.
/// Every enum gets `ALL`, `key()`, `FromStr` and serde by key, so forms, JSON and
/// the database all speak the same words.
macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            #[must_use]
            pub const fn key(self) -> &'static str {
                match self { $(Self::$variant => $key),+ }
            }
        }

        impl FromStr for $name {
            type Err = FieldError;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                match raw.trim() {
                    $($key => Ok(Self::$variant),)+
                    "" => Err(FieldError::new("required")),
                    _ => Err(FieldError::new("unknown_value")),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}
pub(crate) use keyed_enum;

keyed_enum! {
    /// The three categories of units the county's rollout distinguishes.
    UnitCategory {
        /// 综合执法类
        LawEnforcement => "law_enforcement",
        /// 经济社会管理类
        EconomicSocial => "economic_social",
        /// 公益企事业单位类
        PublicInstitution => "public_institution",
    }
}

keyed_enum! {
    /// A person's tier in the unit; risk points and warnings are counted by tier.
    PersonTier {
        /// 一把手
        UnitHead => "unit_head",
        /// 班子成员
        Leadership => "leadership",
        /// 中层正职
        SectionHead => "section_head",
        /// 一般干部
        OrdinaryCadre => "ordinary_cadre",
    }
}

keyed_enum! {
    /// What kind of concentrated power makes a position hot (热点岗位).
    HotPower {
        /// 人权
        Personnel => "personnel",
        /// 财权
        Finance => "finance",
        /// 事权
        Affairs => "affairs",
    }
}

/// The hot-power flags of a position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotFlags {
    pub personnel: bool,
    pub finance: bool,
    pub affairs: bool,
}

impl HotFlags {
    #[must_use]
    pub const fn is_hot(self) -> bool {
        self.personnel || self.finance || self.affairs
    }

    #[must_use]
    pub fn powers(self) -> Vec<HotPower> {
        let mut powers = Vec::new();
        if self.personnel {
            powers.push(HotPower::Personnel);
        }
        if self.finance {
            powers.push(HotPower::Finance);
        }
        if self.affairs {
            powers.push(HotPower::Affairs);
        }
        powers
    }
}

/// A unit as the user typed it, before parsing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawUnit {
    pub code: String,
    pub name: String,
    pub category: String,
    pub pilot: bool,
    pub sub_commission_id: Option<i64>,
}

/// A unit that can be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitInput {
    pub code: UnitCode,
    pub name: Name,
    pub category: UnitCategory,
    pub pilot: bool,
    pub sub_commission_id: Option<i64>,
}

impl UnitInput {
    pub fn parse(raw: &RawUnit) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let code = errors.take("code", UnitCode::parse(&raw.code));
        let name = errors.take("name", Name::parse(&raw.name));
        let category = errors.take("category", raw.category.parse());
        match (code, name, category) {
            (Some(code), Some(name), Some(category)) if errors.is_empty() => {
                Ok(Self { code, name, category, pilot: raw.pilot, sub_commission_id: raw.sub_commission_id })
            }
            _ => Err(errors),
        }
    }
}

/// A section, position or sub-commission needs only a name; a position adds its
/// section and hot-power flags.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawPosition {
    pub name: String,
    pub section_id: Option<i64>,
    pub hot_personnel: bool,
    pub hot_finance: bool,
    pub hot_affairs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionInput {
    pub name: Name,
    pub section_id: Option<i64>,
    pub hot: HotFlags,
}

impl PositionInput {
    pub fn parse(raw: &RawPosition) -> Result<Self, FieldErrors> {
        let name = Name::parse(&raw.name).map_err(|e| FieldErrors::from(("name", e)))?;
        Ok(Self {
            name,
            section_id: raw.section_id,
            hot: HotFlags { personnel: raw.hot_personnel, finance: raw.hot_finance, affairs: raw.hot_affairs },
        })
    }
}

/// A person as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawPerson {
    pub name: String,
    pub tier: String,
    pub section_id: Option<i64>,
    pub position_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonInput {
    pub name: Name,
    pub tier: PersonTier,
    pub section_id: Option<i64>,
    pub position_id: Option<i64>,
}

impl PersonInput {
    pub fn parse(raw: &RawPerson) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take("name", Name::parse(&raw.name));
        let tier = errors.take("tier", raw.tier.parse());
        match (name, tier) {
            (Some(name), Some(tier)) => {
                Ok(Self { name, tier, section_id: raw.section_id, position_id: raw.position_id })
            }
            _ => Err(errors),
        }
    }
}

/// Only a name: sections and sub-commissions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawNamed {
    pub name: String,
}

impl RawNamed {
    pub fn parse(&self) -> Result<Name, FieldErrors> {
        Name::parse(&self.name).map_err(|e| FieldErrors::from(("name", e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unit_codes_are_normalised_and_checked() {
        assert_eq!(UnitCode::parse(" zrzy ").map(|c| c.0), Ok("ZRZY".to_owned()));
        assert_eq!(UnitCode::parse("1ABC").map(|c| c.0), Err(FieldError::new("code_format")));
        assert_eq!(UnitCode::parse("A").map(|c| c.0), Err(FieldError::with_limit("code_length", 16)));
        assert_eq!(UnitCode::parse("住建局").map(|c| c.0), Err(FieldError::new("code_format")));
    }

    #[test]
    fn keyed_enums_round_trip() {
        for tier in PersonTier::ALL {
            assert_eq!(tier.key().parse::<PersonTier>(), Ok(*tier));
        }
        assert_eq!("mayor".parse::<PersonTier>(), Err(FieldError::new("unknown_value")));
    }

    proptest! {
        #[test]
        fn unit_code_parse_never_panics(raw in ".{0,40}") {
            if let Ok(code) = UnitCode::parse(&raw) {
                prop_assert!(code.as_str().len() <= UnitCode::MAX_LEN);
            }
        }
    }
}
