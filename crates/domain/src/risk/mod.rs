//! The risk register (风险点), the five-step method of finding risks, the
//! configurable risk-level model, level decisions, prevention measures and heat maps.
//!
//! Error codes: see [`ERROR_CODES`] (fields and workflows) and
//! [`model::ModelError`] (model configuration).

pub mod demo_text;
mod five_step;
pub mod heatmap;
mod level_workflow;
mod measure;
pub mod model;
mod point;
mod public_fields;
mod rescore;

pub use five_step::{Finding, FindingStep, StepRecord};
pub use level_workflow::{LevelDecision, LevelHistory, LevelStage};
pub use measure::{Measure, MeasureGaps, MeasureStatus, Mechanism, Phase, measure_gaps};
pub use model::{Factor, FactorValues, Level, RiskModel, RiskModelConfig, Score};
pub use point::{FlowStepName, RiskDescription, RiskKind, RiskPoint, RiskScope, ScopeKind, mentions_step};
pub use public_fields::{DEFAULT_PUBLIC_RISK_FIELDS, PublicRiskField, parse_public_risk_fields};
pub use rescore::{Change, Outcome, RescoreItem, rescore};

/// Every error code this module reports for fields and workflows.
pub const ERROR_CODES: &[&str] = &[
    "workflow_complete",
    "step_out_of_order",
    "time_before_previous",
    "stage_out_of_order",
    "unknown_level",
    "model_version_mismatch",
    "grade_out_of_range",
    "colour_format",
];

/// Every code a model configuration can be refused with ([`model::ModelError`]).
pub const MODEL_ERROR_CODES: &[&str] = &[
    "version_zero",
    "no_factors",
    "duplicate_factor",
    "weight_out_of_range",
    "bad_scale",
    "level_count",
    "rank_order",
    "threshold_order",
    "level_words",
    "colour_format",
];

#[cfg(test)]
mod tests {
    use super::{ERROR_CODES, MODEL_ERROR_CODES};
    use crate::field::codes_in_sources;

    #[test]
    fn every_code_used_is_published() {
        let sources = [
            include_str!("five_step.rs"),
            include_str!("level_workflow.rs"),
            include_str!("model.rs"),
            include_str!("measure.rs"),
            include_str!("point.rs"),
        ];
        let fields = codes_in_sources(&sources, &["FieldError::new(", "FieldError::with_limit("]);
        assert!(fields.len() >= 8, "{fields:?}");
        for code in &fields {
            assert!(ERROR_CODES.contains(&code.as_str()), "{code}");
        }
        let model = codes_in_sources(&[include_str!("model.rs")], &["returnfail("]);
        assert!(model.len() >= 9, "{model:?}");
        for code in &model {
            assert!(MODEL_ERROR_CODES.contains(&code.as_str()), "{code}");
        }
    }
}
