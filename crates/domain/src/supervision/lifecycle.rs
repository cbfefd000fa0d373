//! The lifecycle of a supervision alert (预警处置) on a case, and who moves it.
//!
//! The states and the moves between them are those of every alert in Sunlight
//! ([`AlertState`], shared with the trading centre's red flags); what electronic
//! supervision adds is **who** acts:
//!
//! ```text
//!            unit                unit               commission
//! raised ──────────► acknowledged ──────► explained ──────────► closed
//!    │                    │                  │                    ▲
//!    └────────────────────┴──────┬───────────┘                    │ commission
//!                       commission ▼                              │
//!                             escalated ──────────────────────────┘
//! ```
//!
//! The unit acknowledges an alert on its case and explains it (情况说明, a comment is
//! required); the commission or the sub-commission watching the unit closes an
//! explained alert or escalates an alert still open, and closes an escalated one.
//! After each move the alert names the party that must act next (`must_act`). Rules
//! close alerts themselves when a stronger card supersedes them or a card is taken
//! down; people never reopen a closed alert.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::flow::{Card, RuleId};
use crate::org::keyed_enum;
use crate::policy::Action;
pub use crate::trading::alert_state::AlertState;

keyed_enum! {
    /// Who must act on an alert next.
    Party {
        /// The unit whose case it is: acknowledge and explain.
        Unit => "unit",
        /// The commission or its sub-commission: close or escalate.
        Commission => "commission",
    }
}

keyed_enum! {
    /// How serious an alert is: the three time cards, or a warning of another family.
    AlertLevel {
        /// 提醒: a limit is nearly used up.
        Reminder => "reminder",
        /// 黄牌预警: overdue.
        Yellow => "yellow",
        /// 红牌报警: overdue for longer.
        Red => "red",
        /// 预警: a process, content or discretion rule found something.
        Warning => "warning",
    }
}

impl AlertLevel {
    /// The colour of the level's badge (never shown without its words).
    #[must_use]
    pub const fn colour(self) -> &'static str {
        match self {
            Self::Reminder => "#2563eb",
            Self::Yellow => "#ca8a04",
            Self::Red => "#dc2626",
            Self::Warning => "#ea580c",
        }
    }

    /// The level of an alert of `rule`: its time card, or a warning for every other rule.
    #[must_use]
    pub const fn of_rule(rule: RuleId) -> Self {
        match Card::of_rule(rule) {
            Some(Card::Reminder) => Self::Reminder,
            Some(Card::Yellow) => Self::Yellow,
            Some(Card::Red) => Self::Red,
            Some(Card::None) | None => Self::Warning,
        }
    }

    /// Whether the level counts towards a unit's warning rate (a yellow or red card).
    #[must_use]
    pub const fn is_card(self) -> bool {
        matches!(self, Self::Yellow | Self::Red)
    }
}

keyed_enum! {
    /// Why an alert closed.
    CloseReason {
        /// Escalated, then settled by the commission.
        Resolved => "resolved",
        /// A stronger card of the same case replaced it (set by the rules).
        Superseded => "superseded",
        /// The case was finished in time or the card no longer applies (set by the rules).
        TakenDown => "taken_down",
        /// The unit's explanation was accepted.
        Explained => "explained",
    }
}

/// What the policy must allow for a person to move an alert to `to`.
#[must_use]
pub const fn right_to_move(to: AlertState) -> Action {
    match to {
        AlertState::Acknowledged | AlertState::Explained => Action::ExplainAlerts,
        AlertState::Raised | AlertState::Closed | AlertState::Escalated => Action::ReviewAlerts,
    }
}

/// The party that must act on an alert in `state`. A closed alert needs no one; it
/// keeps the commission, which closed it or watches the rules that did.
#[must_use]
pub const fn must_act(state: AlertState) -> Party {
    match state {
        AlertState::Raised | AlertState::Acknowledged => Party::Unit,
        AlertState::Explained | AlertState::Escalated | AlertState::Closed => Party::Commission,
    }
}

/// One move a person makes, as it is to be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertMove {
    pub to: AlertState,
    pub must_act: Party,
    /// Set when the move closes the alert.
    pub close_reason: Option<CloseReason>,
}

/// Checks a person's move from `from` to `to` with the comment given. Errors:
/// `alert_transition_not_allowed` on `to`, `required` on `comment` (an explanation
/// needs its text). Whether this person may make it is the policy's
/// ([`right_to_move`]).
pub fn plan(from: AlertState, to: AlertState, comment: Option<&str>) -> Result<AlertMove, (&'static str, FieldError)> {
    crate::trading::alert_state::transition(from, to, comment)?;
    let close_reason = match (from, to) {
        (AlertState::Escalated, AlertState::Closed) => Some(CloseReason::Resolved),
        (_, AlertState::Closed) => Some(CloseReason::Explained),
        _ => None,
    };
    Ok(AlertMove { to, must_act: must_act(to), close_reason })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::AlertState as S;
    use super::*;
    use crate::policy::{Principal, Role, Scope, Target, authorize};

    fn person(role: Role) -> Principal {
        let scope = if role == Role::CommissionAdmin { Scope::All } else { Scope::Units([7].into()) };
        Principal { actor: "user:t".into(), user_id: Some(1), role, scope, is_token: false }
    }

    #[test]
    fn the_unit_explains_and_the_commission_closes() {
        let ack = plan(S::Raised, S::Acknowledged, None).unwrap();
        assert_eq!((ack.must_act, ack.close_reason), (Party::Unit, None));
        let explained = plan(S::Acknowledged, S::Explained, Some("申请材料补正后已办结")).unwrap();
        assert_eq!(explained.must_act, Party::Commission);
        let closed = plan(S::Explained, S::Closed, None).unwrap();
        assert_eq!((closed.must_act, closed.close_reason), (Party::Commission, Some(CloseReason::Explained)));
        for from in [S::Raised, S::Acknowledged, S::Explained] {
            let escalated = plan(from, S::Escalated, None).unwrap();
            assert_eq!((escalated.must_act, escalated.close_reason), (Party::Commission, None));
        }
        assert_eq!(plan(S::Escalated, S::Closed, None).unwrap().close_reason, Some(CloseReason::Resolved));
    }

    #[test]
    fn bad_moves_and_missing_explanations_are_refused() {
        let not_allowed = Err(("to", FieldError::new("alert_transition_not_allowed")));
        assert_eq!(plan(S::Raised, S::Closed, None), not_allowed);
        assert_eq!(plan(S::Raised, S::Explained, Some("说明")), not_allowed);
        assert_eq!(plan(S::Closed, S::Raised, None), not_allowed);
        assert_eq!(plan(S::Escalated, S::Acknowledged, None), not_allowed);
        for to in S::ALL {
            assert!(plan(S::Closed, to, Some("说明")).is_err(), "a closed alert stays closed ({to})");
        }
        assert_eq!(plan(S::Acknowledged, S::Explained, Some("  ")), Err(("comment", FieldError::new("required"))));
    }

    #[test]
    fn the_policy_decides_who_moves() {
        let unit_admin = person(Role::UnitAdmin);
        let watcher = person(Role::SubCommissionStaff);
        let supervisor = person(Role::Supervisor);
        for to in [S::Acknowledged, S::Explained] {
            assert_eq!(authorize(&unit_admin, right_to_move(to), Target::Unit(7)), Ok(()));
            assert!(authorize(&unit_admin, right_to_move(to), Target::Unit(8)).is_err());
            assert!(authorize(&watcher, right_to_move(to), Target::Unit(7)).is_err());
        }
        for to in [S::Closed, S::Escalated] {
            assert_eq!(authorize(&watcher, right_to_move(to), Target::Unit(7)), Ok(()));
            assert!(authorize(&unit_admin, right_to_move(to), Target::Unit(7)).is_err());
        }
        for to in S::ALL {
            assert!(authorize(&supervisor, right_to_move(to), Target::Unit(7)).is_err());
            assert_eq!(authorize(&person(Role::CommissionAdmin), right_to_move(to), Target::Unit(99)), Ok(()));
        }
    }

    #[test]
    fn time_rules_raise_their_card_and_the_rest_a_warning() {
        assert_eq!(AlertLevel::of_rule(RuleId::TimeReminder), AlertLevel::Reminder);
        assert_eq!(AlertLevel::of_rule(RuleId::TimeYellowCard), AlertLevel::Yellow);
        assert_eq!(AlertLevel::of_rule(RuleId::TimeRedCard), AlertLevel::Red);
        assert_eq!(AlertLevel::of_rule(RuleId::ProcessNotAllowed), AlertLevel::Warning);
        assert_eq!(AlertLevel::of_rule(RuleId::TimePromiseExceedsLegal), AlertLevel::Warning);
    }

    #[test]
    fn keys_round_trip() {
        for level in AlertLevel::ALL {
            assert_eq!(level.key().parse::<AlertLevel>(), Ok(*level));
        }
        for reason in CloseReason::ALL {
            assert_eq!(reason.key().parse::<CloseReason>(), Ok(*reason));
        }
        assert_eq!("unit".parse::<Party>(), Ok(Party::Unit));
        assert_eq!("orange".parse::<AlertLevel>(), Err(FieldError::new("unknown_value")));
        assert!(AlertLevel::Red.is_card() && !AlertLevel::Reminder.is_card() && !AlertLevel::Warning.is_card());
    }
}
