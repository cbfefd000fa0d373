//! The five-step method (五步法) of finding risks: each risk point goes through
//! 自己找 → 领导提 → 群众帮 → 集中评 → 组织审, and every step is on record.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;
use crate::text::Note;

keyed_enum! {
    /// A step of the method, in order.
    FindingStep {
        /// 自己找: the holder finds his own risks.
        SelfFound => "self_found",
        /// 领导提: his leader adds or corrects.
        LeaderProposed => "leader_proposed",
        /// 群众帮: the public and colleagues help.
        PublicHelped => "public_helped",
        /// 集中评: evaluated together in a meeting.
        CollectivelyEvaluated => "collectively_evaluated",
        /// 组织审: reviewed by the organization.
        OrganizationReviewed => "organization_reviewed",
    }
}

impl FindingStep {
    #[must_use]
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::SelfFound => "自己找",
            Self::LeaderProposed => "领导提",
            Self::PublicHelped => "群众帮",
            Self::CollectivelyEvaluated => "集中评",
            Self::OrganizationReviewed => "组织审",
        }
    }
}

/// Who did a step, when, and what they said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: FindingStep,
    /// As written in the audit chain: `user:<login>`.
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<Note>,
}

/// The steps a risk point has been through, always a prefix of the method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<StepRecord>", into = "Vec<StepRecord>")]
pub struct Finding(Vec<StepRecord>);

impl Finding {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The step that may be recorded next, `None` once reviewed.
    #[must_use]
    pub fn next_step(&self) -> Option<FindingStep> {
        FindingStep::ALL.get(self.0.len()).copied()
    }

    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.next_step().is_none()
    }

    #[must_use]
    pub fn steps(&self) -> &[StepRecord] {
        &self.0
    }

    /// Records `record` if it is the next step and not dated before the last one.
    ///
    /// Codes: `workflow_complete`, `step_out_of_order`, `time_before_previous`.
    pub fn record(&mut self, record: StepRecord) -> Result<(), FieldError> {
        let Some(next) = self.next_step() else {
            return Err(FieldError::new("workflow_complete"));
        };
        if record.step != next {
            return Err(FieldError::new("step_out_of_order"));
        }
        if self.0.last().is_some_and(|last| record.at < last.at) {
            return Err(FieldError::new("time_before_previous"));
        }
        self.0.push(record);
        Ok(())
    }
}

impl TryFrom<Vec<StepRecord>> for Finding {
    type Error = &'static str;
    fn try_from(records: Vec<StepRecord>) -> Result<Self, Self::Error> {
        let mut finding = Self::new();
        for record in records {
            finding.record(record).map_err(|e| e.code)?;
        }
        Ok(finding)
    }
}

impl From<Finding> for Vec<StepRecord> {
    fn from(value: Finding) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;

    fn step(step: FindingStep, day: u32) -> StepRecord {
        StepRecord {
            step,
            actor: "user:zhang".into(),
            at: Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap(),
            comment: None,
        }
    }

    #[test]
    fn only_the_next_step_is_allowed() {
        let mut finding = Finding::new();
        assert_eq!(finding.record(step(FindingStep::LeaderProposed, 1)), Err(FieldError::new("step_out_of_order")));
        for (day, s) in (1..).zip(FindingStep::ALL) {
            finding.record(step(*s, day)).unwrap();
        }
        assert!(finding.is_complete());
        assert_eq!(finding.record(step(FindingStep::SelfFound, 9)), Err(FieldError::new("workflow_complete")));
    }

    #[test]
    fn steps_cannot_go_back_in_time() {
        let mut finding = Finding::new();
        finding.record(step(FindingStep::SelfFound, 5)).unwrap();
        assert_eq!(finding.record(step(FindingStep::LeaderProposed, 4)), Err(FieldError::new("time_before_previous")));
        assert_eq!(finding.next_step(), Some(FindingStep::LeaderProposed));
    }

    #[test]
    fn deserialising_replays_the_rules() {
        let bad = serde_json::to_value(vec![step(FindingStep::PublicHelped, 1)]).unwrap();
        assert!(serde_json::from_value::<Finding>(bad).is_err());
        let good = serde_json::to_value(vec![step(FindingStep::SelfFound, 1)]).unwrap();
        assert_eq!(serde_json::from_value::<Finding>(good).unwrap().steps().len(), 1);
    }
}
