//! The lifecycle of a red-flag alert (预警处置): raised → acknowledged → explained →
//! closed, with escalation to the commission from any open state.
//!
//! ```text
//! raised ──► acknowledged ──► explained ──► closed
//!    │            │               │            ▲
//!    └────────────┴───────┬───────┘            │
//!                         ▼                    │
//!                     escalated ───────────────┘
//! ```
//!
//! An explanation needs its text. A closed alert is reopened (to `raised`) only by the
//! engine flagging it again, never by hand.

use std::fmt;
use std::str::FromStr;

use crate::field::FieldError;

/// Where an alert is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertState {
    Raised,
    Acknowledged,
    Explained,
    Closed,
    Escalated,
}

impl AlertState {
    pub const ALL: [Self; 5] = [Self::Raised, Self::Acknowledged, Self::Explained, Self::Closed, Self::Escalated];

    /// The stored key.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Acknowledged => "acknowledged",
            Self::Explained => "explained",
            Self::Closed => "closed",
            Self::Escalated => "escalated",
        }
    }

    /// Still waiting for someone to handle it (counted on the dashboard).
    #[must_use]
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Closed)
    }

    /// The states a person may move the alert to from here.
    #[must_use]
    pub fn next(self) -> Vec<Self> {
        Self::ALL.into_iter().filter(|to| allowed(self, *to)).collect()
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for AlertState {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" => Err(FieldError::new("required")),
            key => Self::ALL.into_iter().find(|st| st.key() == key).ok_or(FieldError::new("unknown_alert_state")),
        }
    }
}

const fn allowed(from: AlertState, to: AlertState) -> bool {
    use AlertState as S;
    matches!(
        (from, to),
        (S::Raised, S::Acknowledged)
            | (S::Acknowledged, S::Explained)
            | (S::Explained | S::Escalated, S::Closed)
            | (S::Raised | S::Acknowledged | S::Explained, S::Escalated)
    )
}

/// Checks one transition by a person. `explanation` is the text given with it;
/// moving to `explained` needs one. Errors: `alert_transition_not_allowed` (on the
/// target state) or `required` (on the explanation).
pub fn transition(
    from: AlertState,
    to: AlertState,
    explanation: Option<&str>,
) -> Result<(), (&'static str, FieldError)> {
    if !allowed(from, to) {
        return Err(("to", FieldError::new("alert_transition_not_allowed")));
    }
    if to == AlertState::Explained && explanation.is_none_or(|e| e.trim().is_empty()) {
        return Err(("comment", FieldError::new("required")));
    }
    Ok(())
}

/// What the engine does to an alert it flags again: a closed one is reopened.
#[must_use]
pub const fn on_flagged_again(state: AlertState) -> Option<AlertState> {
    match state {
        AlertState::Closed => Some(AlertState::Raised),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::AlertState as S;
    use super::*;

    #[test]
    fn happy_path_and_escalation() {
        assert_eq!(transition(S::Raised, S::Acknowledged, None), Ok(()));
        assert_eq!(transition(S::Acknowledged, S::Explained, Some("招标文件已公示")), Ok(()));
        assert_eq!(transition(S::Explained, S::Closed, None), Ok(()));
        for from in [S::Raised, S::Acknowledged, S::Explained] {
            assert_eq!(transition(from, S::Escalated, None), Ok(()));
        }
        assert_eq!(transition(S::Escalated, S::Closed, None), Ok(()));
    }

    #[test]
    fn everything_else_is_refused() {
        let allowed_pairs = [
            (S::Raised, S::Acknowledged),
            (S::Acknowledged, S::Explained),
            (S::Explained, S::Closed),
            (S::Raised, S::Escalated),
            (S::Acknowledged, S::Escalated),
            (S::Explained, S::Escalated),
            (S::Escalated, S::Closed),
        ];
        for from in S::ALL {
            for to in S::ALL {
                let result = transition(from, to, Some("说明"));
                if allowed_pairs.contains(&(from, to)) {
                    assert_eq!(result, Ok(()), "{from} → {to}");
                } else {
                    assert_eq!(result, Err(("to", FieldError::new("alert_transition_not_allowed"))), "{from} → {to}");
                }
            }
        }
        assert!(S::Closed.next().is_empty());
        assert_eq!(S::Raised.next(), vec![S::Acknowledged, S::Escalated]);
    }

    #[test]
    fn an_explanation_needs_text() {
        assert_eq!(transition(S::Acknowledged, S::Explained, None), Err(("comment", FieldError::new("required"))));
        assert_eq!(
            transition(S::Acknowledged, S::Explained, Some("  ")),
            Err(("comment", FieldError::new("required")))
        );
    }

    #[test]
    fn keys_round_trip_and_closed_alerts_reopen() {
        for state in S::ALL {
            assert_eq!(state.key().parse::<S>(), Ok(state));
        }
        assert_eq!("".parse::<S>(), Err(FieldError::new("required")));
        assert_eq!("open".parse::<S>(), Err(FieldError::new("unknown_alert_state")));
        assert_eq!(on_flagged_again(S::Closed), Some(S::Raised));
        assert_eq!(on_flagged_again(S::Escalated), None);
        assert!(!S::Closed.is_open() && S::Escalated.is_open());
    }
}
