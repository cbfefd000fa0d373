//! Process optimization (流程优化): a process's steps before and after; the steps
//! removed are computed, never typed in.

use serde::{Deserialize, Serialize};

use crate::field::{FieldError, FieldErrors};
use crate::text::BoundedText;

/// The longest step name.
pub const MAX_STEP_CHARS: usize = 100;
/// The most steps one process may list.
pub const MAX_STEPS: usize = 100;

/// A process's or record's title.
pub type Title = BoundedText<200>;

/// The steps of `before` that are not in `after`, in the order of `before`
/// (compared after trimming). Never more than `before.len()`.
#[must_use]
pub fn removed_steps<'a>(before: &'a [String], after: &[String]) -> Vec<&'a str> {
    before.iter().map(|s| s.trim()).filter(|step| !after.iter().any(|a| a.trim() == *step)).collect()
}

/// A list of step names, one per line: blank lines are skipped, each line trimmed.
pub fn parse_steps(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut steps = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let step = BoundedText::<MAX_STEP_CHARS>::parse(line)?;
        steps.push(step.to_string());
    }
    if steps.is_empty() {
        return Err(FieldError::new("required"));
    }
    if steps.len() > MAX_STEPS {
        return Err(FieldError::with_limit("too_many_steps", MAX_STEPS));
    }
    Ok(steps)
}

/// A process optimization as typed (steps one per line).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawOptimization {
    pub title: String,
    pub power_id: Option<i64>,
    pub steps_before: String,
    pub steps_after: String,
}

/// A process optimization that can be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptimizationInput {
    pub title: Title,
    pub power_id: Option<i64>,
    pub steps_before: Vec<String>,
    pub steps_after: Vec<String>,
}

impl OptimizationInput {
    pub fn parse(raw: &RawOptimization) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take("title", Title::parse(&raw.title));
        let before = errors.take("steps_before", parse_steps(&raw.steps_before));
        let after = errors.take("steps_after", parse_steps(&raw.steps_after));
        match (title, before, after) {
            (Some(title), Some(steps_before), Some(steps_after)) if errors.is_empty() => {
                Ok(Self { title, power_id: raw.power_id, steps_before, steps_after })
            }
            _ => Err(errors),
        }
    }

    /// The steps removed by this optimization.
    #[must_use]
    pub fn removed(&self) -> Vec<&str> {
        removed_steps(&self.steps_before, &self.steps_after)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn list(steps: &[&str]) -> Vec<String> {
        steps.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn removed_are_the_steps_not_kept() {
        let before = list(&["受理", "初审", "复审", "审批", "送达"]);
        let after = list(&["受理", "审批", "送达", "网上公示"]);
        assert_eq!(removed_steps(&before, &after), vec!["初审", "复审"]);
        assert!(removed_steps(&before, &before).is_empty());
        assert_eq!(removed_steps(&before, &[]).len(), 5);
    }

    #[test]
    fn steps_are_read_one_per_line() {
        assert_eq!(parse_steps(" 受理 \n\n 审批\r\n送达\n").unwrap(), list(&["受理", "审批", "送达"]));
        assert_eq!(parse_steps(" \n ").unwrap_err().code, "required");
        assert_eq!(parse_steps(&"长".repeat(101)).unwrap_err().code, "too_long");
        let many = (0..=MAX_STEPS).map(|i| format!("步骤{i}")).collect::<Vec<_>>().join("\n");
        assert_eq!(parse_steps(&many).unwrap_err(), FieldError::with_limit("too_many_steps", MAX_STEPS));
    }

    #[test]
    fn parse_reports_every_field() {
        let errors = OptimizationInput::parse(&RawOptimization::default()).unwrap_err();
        for field in ["title", "steps_before", "steps_after"] {
            assert_eq!(errors.get(field).map(|e| e.code), Some("required"), "{field}");
        }
        let ok = OptimizationInput::parse(&RawOptimization {
            title: "营业执照办理".into(),
            power_id: None,
            steps_before: "受理\n初审\n审批".into(),
            steps_after: "受理\n审批".into(),
        })
        .unwrap();
        assert_eq!(ok.removed(), vec!["初审"]);
    }

    proptest! {
        #[test]
        fn never_removes_more_than_before(
            before in proptest::collection::vec("[a-d]{1,2}", 0..20),
            after in proptest::collection::vec("[a-d]{1,2}", 0..20),
        ) {
            let removed = removed_steps(&before, &after);
            prop_assert!(removed.len() <= before.len());
            for step in &removed {
                prop_assert!(before.iter().any(|b| b == step));
                prop_assert!(!after.iter().any(|a| a == step));
            }
        }
    }
}
