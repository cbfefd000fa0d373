//! Risk points (风险点): what can go wrong, where, and who holds it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::{PersonTier, keyed_enum};
use crate::text::BoundedText;

keyed_enum! {
    /// What a risk point is attached to.
    ScopeKind {
        Power => "power",
        Position => "position",
        Section => "section",
        Unit => "unit",
    }
}

keyed_enum! {
    /// The three kinds of risk the county's search distinguishes.
    RiskKind {
        /// 权力风险: in exercising the power itself (discretion, approval).
        Power => "power",
        /// 管理风险: in internal management (money, people, assets).
        Management => "management",
        /// 流程风险: in the procedure (steps skipped, limits exceeded).
        Process => "process",
    }
}

impl RiskKind {
    #[must_use]
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Power => "权力风险",
            Self::Management => "管理风险",
            Self::Process => "流程风险",
        }
    }
}

/// The record a risk point belongs to: a power, position, section or unit by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RiskScope {
    pub kind: ScopeKind,
    pub target: i64,
}

/// A risk point's description: what could happen and how.
pub type RiskDescription = BoundedText<1000>;

/// The name of the flowchart step (环节) a risk point of a power lies in.
pub type FlowStepName = BoundedText<200>;

/// Whether a description speaks of the step of this name: how a point that names
/// no step is matched to steps (a one-character name would match by accident).
#[must_use]
pub fn mentions_step(description: &str, step: &str) -> bool {
    step.chars().count() >= 2 && description.contains(step)
}

/// One risk point of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskPoint {
    pub scope: RiskScope,
    pub kind: RiskKind,
    pub description: RiskDescription,
    /// The tier of whoever holds the risk; counts by tier are reported (unit heads,
    /// leadership teams).
    pub holder_tier: PersonTier,
    /// The person holding it, when one person does.
    pub holder: Option<i64>,
}
