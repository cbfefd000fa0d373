//! How a risk point's level is settled: proposed by the holder (自己定), evaluated
//! by the leader (领导评), approved by the organization (组织审). Every decision is
//! kept; an approved level stays in force while a new round runs.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;
use crate::risk::model::{RiskModel, Score};
use crate::text::Note;

keyed_enum! {
    /// A stage of settling a level, in order.
    LevelStage {
        /// 自己定
        Proposed => "proposed",
        /// 领导评
        LeaderEvaluated => "leader_evaluated",
        /// 组织审
        Approved => "approved",
    }
}

/// One decision on a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelDecision {
    pub stage: LevelStage,
    pub rank: u8,
    /// The model the level refers to, so a later model change can tell old from new.
    pub model_version: u32,
    /// The model's score when the decision was taken, if it was computed.
    pub score: Option<Score>,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<Note>,
}

/// The history of a risk point's level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<LevelDecision>", into = "Vec<LevelDecision>")]
pub struct LevelHistory(Vec<LevelDecision>);

impl LevelHistory {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn decisions(&self) -> &[LevelDecision] {
        &self.0
    }

    /// The stage the next decision must be: a proposal to start (or restart after
    /// an approval), then the leader's evaluation, then the approval.
    #[must_use]
    pub fn next_stage(&self) -> LevelStage {
        match self.0.last().map(|d| d.stage) {
            None | Some(LevelStage::Approved) => LevelStage::Proposed,
            Some(LevelStage::Proposed) => LevelStage::LeaderEvaluated,
            Some(LevelStage::LeaderEvaluated) => LevelStage::Approved,
        }
    }

    /// The level in force: the last approved one.
    #[must_use]
    pub fn approved(&self) -> Option<&LevelDecision> {
        self.0.iter().rev().find(|d| d.stage == LevelStage::Approved)
    }

    /// Records `decision` when it is the next stage, names a level of `model`, and
    /// is not dated before the previous decision.
    ///
    /// Codes: `stage_out_of_order`, `unknown_level`, `model_version_mismatch`,
    /// `time_before_previous`.
    pub fn decide(&mut self, decision: LevelDecision, model: &RiskModel) -> Result<(), FieldError> {
        if model.level(decision.rank).is_none() {
            return Err(FieldError::new("unknown_level"));
        }
        if decision.model_version != model.version() {
            return Err(FieldError::new("model_version_mismatch"));
        }
        self.push(decision)
    }

    fn push(&mut self, decision: LevelDecision) -> Result<(), FieldError> {
        if decision.stage != self.next_stage() {
            return Err(FieldError::new("stage_out_of_order"));
        }
        if self.0.last().is_some_and(|last| decision.at < last.at) {
            return Err(FieldError::new("time_before_previous"));
        }
        self.0.push(decision);
        Ok(())
    }
}

impl TryFrom<Vec<LevelDecision>> for LevelHistory {
    type Error = &'static str;
    /// Replays the order rules; levels are not checked against a model here because
    /// old decisions refer to old models.
    fn try_from(decisions: Vec<LevelDecision>) -> Result<Self, Self::Error> {
        let mut history = Self::new();
        for decision in decisions {
            history.push(decision).map_err(|e| e.code)?;
        }
        Ok(history)
    }
}

impl From<LevelHistory> for Vec<LevelDecision> {
    fn from(value: LevelHistory) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;

    fn decision(stage: LevelStage, rank: u8, hour: u32) -> LevelDecision {
        LevelDecision {
            stage,
            rank,
            model_version: 1,
            score: None,
            actor: "user:li".into(),
            at: Utc.with_ymd_and_hms(2026, 4, 1, hour, 0, 0).unwrap(),
            comment: None,
        }
    }

    #[test]
    fn three_stages_in_order_and_approval_stays_in_force() {
        let model = RiskModel::default();
        let mut history = LevelHistory::new();
        assert_eq!(
            history.decide(decision(LevelStage::Approved, 1, 8), &model),
            Err(FieldError::new("stage_out_of_order"))
        );
        history.decide(decision(LevelStage::Proposed, 3, 8), &model).unwrap();
        history.decide(decision(LevelStage::LeaderEvaluated, 2, 9), &model).unwrap();
        history.decide(decision(LevelStage::Approved, 2, 10), &model).unwrap();
        assert_eq!(history.approved().map(|d| d.rank), Some(2));
        history.decide(decision(LevelStage::Proposed, 1, 11), &model).unwrap();
        assert_eq!(history.approved().map(|d| d.rank), Some(2));
        assert_eq!(history.next_stage(), LevelStage::LeaderEvaluated);
    }

    #[test]
    fn refuses_unknown_levels_old_models_and_back_dating() {
        let model = RiskModel::default();
        let mut history = LevelHistory::new();
        assert_eq!(history.decide(decision(LevelStage::Proposed, 4, 8), &model), Err(FieldError::new("unknown_level")));
        let mut old = decision(LevelStage::Proposed, 1, 8);
        old.model_version = 0;
        assert_eq!(history.decide(old, &model), Err(FieldError::new("model_version_mismatch")));
        history.decide(decision(LevelStage::Proposed, 1, 8), &model).unwrap();
        assert_eq!(
            history.decide(decision(LevelStage::LeaderEvaluated, 1, 7), &model),
            Err(FieldError::new("time_before_previous"))
        );
    }
}
