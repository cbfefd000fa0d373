//! A power's lifecycle: draft → submitted → reviewed → published; abolished or merged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::catalogue::code::PowerCode;
use crate::field::FieldError;
use crate::org::keyed_enum;

/// Where a power stands. Abolished and merged powers are final and keep their
/// history: the catalogue never deletes a published power.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PowerState {
    Draft,
    /// Sent by the unit to the commission for review.
    Submitted,
    /// Checked by the commission (or the legal office), ready to publish.
    Reviewed,
    Published,
    /// 取消: no longer exercised.
    Abolished,
    /// 合并: now part of the power `into`.
    Merged {
        into: PowerCode,
    },
}

/// What someone does to a power.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PowerAction {
    Submit,
    /// Sends a submitted or reviewed power back to the unit for changes.
    Return,
    Review,
    Publish,
    Abolish,
    Merge {
        into: PowerCode,
    },
}

keyed_enum! {
    /// An action without its arguments: what the UI offers as buttons.
    PowerActionKind {
        Submit => "submit",
        Return => "return",
        Review => "review",
        Publish => "publish",
        Abolish => "abolish",
        Merge => "merge",
    }
}

impl PowerAction {
    #[must_use]
    pub const fn kind(&self) -> PowerActionKind {
        match self {
            Self::Submit => PowerActionKind::Submit,
            Self::Return => PowerActionKind::Return,
            Self::Review => PowerActionKind::Review,
            Self::Publish => PowerActionKind::Publish,
            Self::Abolish => PowerActionKind::Abolish,
            Self::Merge { .. } => PowerActionKind::Merge,
        }
    }
}

impl PowerState {
    /// The actions [`Self::apply`] accepts in this state.
    #[must_use]
    pub const fn allowed_actions(&self) -> &'static [PowerActionKind] {
        use PowerActionKind as K;
        match self {
            Self::Draft => &[K::Submit],
            Self::Submitted => &[K::Review, K::Return],
            Self::Reviewed => &[K::Publish, K::Return],
            Self::Published => &[K::Abolish, K::Merge],
            Self::Abolished | Self::Merged { .. } => &[],
        }
    }

    /// The state after `action`, taken on the power `own_code`.
    ///
    /// Codes: `transition_not_allowed`, `merge_into_itself`.
    pub fn apply(&self, action: &PowerAction, own_code: Option<&PowerCode>) -> Result<Self, FieldError> {
        use PowerAction as A;
        use PowerState as S;
        match (self, action) {
            (S::Draft, A::Submit) => Ok(S::Submitted),
            (S::Submitted | S::Reviewed, A::Return) => Ok(S::Draft),
            (S::Submitted, A::Review) => Ok(S::Reviewed),
            (S::Reviewed, A::Publish) => Ok(S::Published),
            (S::Published, A::Abolish) => Ok(S::Abolished),
            (S::Published, A::Merge { into }) if Some(into) == own_code => Err(FieldError::new("merge_into_itself")),
            (S::Published, A::Merge { into }) => Ok(S::Merged { into: into.clone() }),
            _ => Err(FieldError::new("transition_not_allowed")),
        }
    }

    /// Whether no action can change this state any more.
    #[must_use]
    pub const fn is_final(&self) -> bool {
        matches!(self, Self::Abolished | Self::Merged { .. })
    }

    /// Whether the power's fields may still be edited in place; a published power
    /// changes through a new version instead, so the published text stays on record.
    #[must_use]
    pub const fn is_editable(&self) -> bool {
        matches!(self, Self::Draft)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn happy_path_and_returns() {
        let s = PowerState::Draft;
        let s = s.apply(&PowerAction::Submit, None).unwrap();
        assert_eq!(s.apply(&PowerAction::Return, None), Ok(PowerState::Draft));
        let s = s.apply(&PowerAction::Review, None).unwrap();
        let s = s.apply(&PowerAction::Publish, None).unwrap();
        assert_eq!(s, PowerState::Published);
        assert_eq!(s.apply(&PowerAction::Abolish, None), Ok(PowerState::Abolished));
    }

    #[test]
    fn refuses_skips_and_changes_to_final_states() {
        let no = Err(FieldError::new("transition_not_allowed"));
        assert_eq!(PowerState::Draft.apply(&PowerAction::Publish, None), no);
        assert_eq!(PowerState::Submitted.apply(&PowerAction::Publish, None), no);
        assert_eq!(PowerState::Abolished.apply(&PowerAction::Submit, None), no);
        assert_eq!(PowerState::Published.apply(&PowerAction::Return, None), no);
        assert!(PowerState::Abolished.is_final());
        assert!(!PowerState::Published.is_editable());
    }

    #[test]
    fn allowed_actions_match_apply() {
        let own = PowerCode::parse("SCJGXK002").unwrap();
        let other = PowerCode::parse("SCJGXK001").unwrap();
        let states = [
            PowerState::Draft,
            PowerState::Submitted,
            PowerState::Reviewed,
            PowerState::Published,
            PowerState::Abolished,
            PowerState::Merged { into: other.clone() },
        ];
        let actions = [
            PowerAction::Submit,
            PowerAction::Return,
            PowerAction::Review,
            PowerAction::Publish,
            PowerAction::Abolish,
            PowerAction::Merge { into: other },
        ];
        for state in &states {
            for action in &actions {
                let allowed = state.allowed_actions().contains(&action.kind());
                assert_eq!(state.apply(action, Some(&own)).is_ok(), allowed, "{state:?} {action:?}");
            }
        }
    }

    #[test]
    fn merge_names_another_power() {
        let own = PowerCode::parse("SCJGXK002").unwrap();
        let other = PowerCode::parse("SCJGXK001").unwrap();
        let merge = |into: &PowerCode| PowerAction::Merge { into: into.clone() };
        assert_eq!(PowerState::Published.apply(&merge(&own), Some(&own)), Err(FieldError::new("merge_into_itself")));
        let merged = PowerState::Published.apply(&merge(&other), Some(&own)).unwrap();
        assert_eq!(merged, PowerState::Merged { into: other.clone() });
        assert!(merged.is_final());
        assert!(merged.apply(&merge(&other), Some(&own)).is_err());
    }
}
