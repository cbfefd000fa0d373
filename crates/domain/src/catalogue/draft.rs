//! A power as a unit drafts it: every field of a catalogue item, checked together.

use serde::{Deserialize, Serialize};

use crate::catalogue::code::PowerCode;
use crate::catalogue::column::Column;
use crate::catalogue::fee::Fee;
use crate::catalogue::legal_basis::LegalBasis;
use crate::catalogue::power_type::PowerType;
use crate::catalogue::time_limit::TimeLimit;
use crate::field::{FieldError, FieldErrors};
use crate::org::UnitCode;
use crate::text::{BoundedText, Name, Note};

/// A power's name: long, because penalty items name the violation
/// (`对未取得食品经营许可从事食品经营活动的行政处罚`).
pub type PowerName = BoundedText<300>;

/// The fields of a power, each already parsed; [`PowerDraft::new`] checks how they
/// fit together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerDraftParts {
    /// Absent until the catalogue assigns one (see [`crate::catalogue::next_code`]).
    pub code: Option<PowerCode>,
    pub name: PowerName,
    pub power_type: PowerType,
    pub legal_basis: LegalBasis,
    pub unit: UnitCode,
    pub section: Option<Name>,
    pub position: Option<Name>,
    pub legal_limit: Option<TimeLimit>,
    pub promised_limit: Option<TimeLimit>,
    pub fee: Fee,
    /// 一把手职权: exercised by the unit head himself.
    pub unit_head: bool,
    /// Shown on the public portal.
    pub public: bool,
    pub notes: Option<Note>,
}

/// A power whose fields agree with each other: its code belongs to its unit and
/// type, and its promised limit is not longer than its legal limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PowerDraftParts", into = "PowerDraftParts")]
pub struct PowerDraft(PowerDraftParts);

impl PowerDraft {
    /// Codes (by field): `code`: `code_unit_mismatch`, `code_type_mismatch`;
    /// `promised_limit`: `promised_exceeds_legal`.
    pub fn new(parts: PowerDraftParts) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(code) = &parts.code {
            if code.unit() != &parts.unit {
                errors.add(Column::Code.key(), FieldError::new("code_unit_mismatch"));
            } else if code.power_type() != parts.power_type {
                errors.add(Column::Code.key(), FieldError::new("code_type_mismatch"));
            }
        }
        if let (Some(legal), Some(promised)) = (parts.legal_limit, parts.promised_limit)
            && promised.exceeds(legal)
        {
            errors.add(Column::PromisedLimit.key(), FieldError::new("promised_exceeds_legal"));
        }
        errors.into_result().map(|()| Self(parts))
    }

    #[must_use]
    pub const fn parts(&self) -> &PowerDraftParts {
        &self.0
    }

    #[must_use]
    pub fn into_parts(self) -> PowerDraftParts {
        self.0
    }

    /// The same draft with `code`; fails when the code is another unit's or type's.
    pub fn with_code(self, code: PowerCode) -> Result<Self, FieldErrors> {
        let mut parts = self.0;
        parts.code = Some(code);
        Self::new(parts)
    }

    /// The column's value as a catalogue cell shows it (Chinese), `None` when blank.
    /// Import parses these texts back into the same draft.
    #[must_use]
    pub fn cell(&self, column: Column) -> Option<String> {
        let p = &self.0;
        let flag = |b: bool| Some(if b { "是" } else { "否" }.to_owned());
        match column {
            Column::Code => p.code.as_ref().map(ToString::to_string),
            Column::Name => Some(p.name.to_string()),
            Column::Type => Some(p.power_type.name_zh().to_owned()),
            Column::Unit => Some(p.unit.to_string()),
            Column::LegalBasis => Some(p.legal_basis.to_string()),
            Column::LegalLimit => p.legal_limit.map(|l| l.to_string()),
            Column::PromisedLimit => p.promised_limit.map(|l| l.to_string()),
            Column::Fee => flag(p.fee.is_charged()),
            Column::FeeStandard => p.fee.standard().map(str::to_owned),
            Column::Section => p.section.as_ref().map(ToString::to_string),
            Column::Position => p.position.as_ref().map(ToString::to_string),
            Column::UnitHead => flag(p.unit_head),
            Column::Public => flag(p.public),
            Column::Notes => p.notes.as_ref().map(ToString::to_string),
        }
    }
}

impl TryFrom<PowerDraftParts> for PowerDraft {
    type Error = String;
    fn try_from(parts: PowerDraftParts) -> Result<Self, Self::Error> {
        Self::new(parts).map_err(|errors| {
            errors.iter().map(|(field, e)| format!("{field}: {}", e.code)).collect::<Vec<_>>().join(", ")
        })
    }
}

impl From<PowerDraft> for PowerDraftParts {
    fn from(value: PowerDraft) -> Self {
        value.0
    }
}

/// One field that differs between two versions of a power, as cell texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub column: Column,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The fields that differ between two versions, in column order.
#[must_use]
pub fn diff(before: &PowerDraft, after: &PowerDraft) -> Vec<FieldChange> {
    Column::ALL
        .iter()
        .filter_map(|&column| {
            let (old, new) = (before.cell(column), after.cell(column));
            (old != new).then_some(FieldChange { column, before: old, after: new })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::catalogue::time_limit::LimitUnit;

    pub(crate) fn sample() -> PowerDraft {
        PowerDraft::new(PowerDraftParts {
            code: Some(PowerCode::parse("SCJGXK001").unwrap()),
            name: PowerName::parse("食品经营许可").unwrap(),
            power_type: PowerType::Licensing,
            legal_basis: LegalBasis::parse("《中华人民共和国食品安全法》第三十五条").unwrap(),
            unit: UnitCode::parse("SCJG").unwrap(),
            section: Some(Name::parse("食品经营监管股").unwrap()),
            position: None,
            legal_limit: Some(TimeLimit::new(20, LimitUnit::Working).unwrap()),
            promised_limit: Some(TimeLimit::new(10, LimitUnit::Working).unwrap()),
            fee: Fee::Free,
            unit_head: false,
            public: true,
            notes: None,
        })
        .unwrap()
    }

    #[test]
    fn promised_limit_may_not_exceed_legal() {
        let mut parts = sample().into_parts();
        parts.promised_limit = Some(TimeLimit::new(21, LimitUnit::Working).unwrap());
        let errors = PowerDraft::new(parts).unwrap_err();
        assert_eq!(errors.get("promised_limit"), Some(&FieldError::new("promised_exceeds_legal")));
    }

    #[test]
    fn code_must_match_unit_and_type() {
        let draft = sample();
        let other_unit = draft.clone().with_code(PowerCode::parse("ZRZYXK001").unwrap());
        assert_eq!(other_unit.unwrap_err().get("code"), Some(&FieldError::new("code_unit_mismatch")));
        let other_type = draft.with_code(PowerCode::parse("SCJGCF001").unwrap());
        assert_eq!(other_type.unwrap_err().get("code"), Some(&FieldError::new("code_type_mismatch")));
    }

    #[test]
    fn diff_lists_changed_fields_only() {
        let old = sample();
        assert!(diff(&old, &old).is_empty());
        let mut parts = old.clone().into_parts();
        parts.promised_limit = Some(TimeLimit::new(5, LimitUnit::Working).unwrap());
        parts.unit_head = true;
        let new = PowerDraft::new(parts).unwrap();
        let changes = diff(&old, &new);
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    column: Column::PromisedLimit,
                    before: Some("10个工作日".into()),
                    after: Some("5个工作日".into()),
                },
                FieldChange { column: Column::UnitHead, before: Some("否".into()), after: Some("是".into()) },
            ]
        );
    }

    #[test]
    fn serde_refuses_inconsistent_parts() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(serde_json::from_value::<PowerDraft>(json.clone()).unwrap(), sample());
        let mut bad = json;
        bad["unit"] = "ZRZY".into();
        assert!(serde_json::from_value::<PowerDraft>(bad).is_err());
    }
}
