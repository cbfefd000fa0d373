//! Design records (设计科学化): the county's creation standards, each unit's
//! compliance with them, and monitoring focus items.

use serde::{Deserialize, Serialize};

use super::optimization::Title;
use crate::field::{FieldError, FieldErrors};
use crate::text::Note;

/// The highest checklist number.
pub const MAX_SEQ: i32 = 9999;

/// A checklist number: a whole number from 1 to [`MAX_SEQ`].
pub fn parse_seq(raw: &str) -> Result<i32, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new("required"));
    }
    match raw.parse::<i32>() {
        Ok(n) if (1..=MAX_SEQ).contains(&n) => Ok(n),
        _ => Err(FieldError::with_limit("bad_sequence", 9999)),
    }
}

/// A creation standard as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawStandard {
    pub seq: String,
    pub title: String,
    pub description: Option<String>,
}

/// A creation standard (创建标准) of the county's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardInput {
    pub seq: i32,
    pub title: Title,
    pub description: Option<Note>,
}

impl StandardInput {
    pub fn parse(raw: &RawStandard) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let seq = errors.take("seq", parse_seq(&raw.seq));
        let title = errors.take("title", Title::parse(&raw.title));
        let description = errors.take("description", Note::parse_optional(raw.description.as_deref()));
        match (seq, title, description) {
            (Some(seq), Some(title), Some(description)) if errors.is_empty() => Ok(Self { seq, title, description }),
            _ => Err(errors),
        }
    }
}

/// A focus item as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawFocusItem {
    pub title: String,
    pub description: Option<String>,
}

/// A monitoring focus item (监控重点) of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FocusItemInput {
    pub title: Title,
    pub description: Option<Note>,
}

impl FocusItemInput {
    pub fn parse(raw: &RawFocusItem) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take("title", Title::parse(&raw.title));
        let description = errors.take("description", Note::parse_optional(raw.description.as_deref()));
        match (title, description) {
            (Some(title), Some(description)) if errors.is_empty() => Ok(Self { title, description }),
            _ => Err(errors),
        }
    }
}

/// A unit's compliance with one standard: met or not, and the evidence. Meeting a
/// standard must say how (the evidence is what the commission checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceInput {
    pub compliant: bool,
    pub evidence: Option<Note>,
}

impl ComplianceInput {
    pub fn parse(compliant: bool, evidence: Option<&str>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let evidence = errors.take("evidence", Note::parse_optional(evidence)).flatten();
        if errors.is_empty() && compliant && evidence.is_none() {
            errors.add("evidence", FieldError::new("evidence_required"));
        }
        errors.into_result()?;
        Ok(Self { compliant, evidence })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn standards_need_a_number_and_a_title() {
        let errors = StandardInput::parse(&RawStandard { seq: "0".into(), ..Default::default() }).unwrap_err();
        assert_eq!(errors.get("seq"), Some(&FieldError::with_limit("bad_sequence", 9999)));
        assert_eq!(errors.get("title").map(|e| e.code), Some("required"));
        assert_eq!(parse_seq("abc").unwrap_err().code, "bad_sequence");
        let ok = StandardInput::parse(&RawStandard {
            seq: " 12 ".into(),
            title: "建立权力清单".into(),
            description: Some(" ".into()),
        })
        .unwrap();
        assert_eq!((ok.seq, ok.title.as_str(), ok.description), (12, "建立权力清单", None));
    }

    #[test]
    fn compliance_needs_evidence_when_met() {
        assert_eq!(
            ComplianceInput::parse(true, Some("  ")).unwrap_err().get("evidence").map(|e| e.code),
            Some("evidence_required")
        );
        assert!(ComplianceInput::parse(false, None).is_ok());
        assert_eq!(ComplianceInput::parse(true, Some("见附件")).unwrap().evidence.unwrap().as_str(), "见附件");
    }

    #[test]
    fn focus_items_need_a_title() {
        assert!(FocusItemInput::parse(&RawFocusItem::default()).is_err());
        assert!(FocusItemInput::parse(&RawFocusItem { title: "行政处罚自由裁量".into(), description: None }).is_ok());
    }
}
