//! The risk register (风险点), the five-step method of finding risks, the
//! configurable risk-level model, level decisions, prevention measures and heat maps.
//!
//! Error codes used here: `workflow_complete`, `step_out_of_order`,
//! `time_before_previous`, `stage_out_of_order`, `unknown_level`,
//! `model_version_mismatch`, `grade_out_of_range`, `colour_format`; and for model
//! configuration ([`model::ModelError`]): `version_zero`, `no_factors`,
//! `duplicate_factor`, `weight_out_of_range`, `bad_scale`, `level_count`,
//! `rank_order`, `threshold_order`, `level_words`, `colour_format`.

pub mod demo_text;
mod five_step;
pub mod heatmap;
mod level_workflow;
mod measure;
pub mod model;
mod point;
mod rescore;

pub use five_step::{Finding, FindingStep, StepRecord};
pub use level_workflow::{LevelDecision, LevelHistory, LevelStage};
pub use measure::{Measure, MeasureGaps, MeasureStatus, Mechanism, Phase, measure_gaps};
pub use model::{Factor, FactorValues, Level, RiskModel, RiskModelConfig, Score};
pub use point::{RiskDescription, RiskKind, RiskPoint, RiskScope, ScopeKind};
pub use rescore::{Change, Outcome, RescoreItem, rescore};
