//! Events of online handling (网上办理): the actions taken on a case (办件), their
//! meaning for the supervision rules, and the checks an incoming event from a unit's
//! own approval system must pass before it is stored.
//!
//! An action is a step's life in XES terms: `accept`, `approve`, `return`,
//! `correct` and `complete` finish the step they name (the flowchart decides what
//! the step is: a correction step, an acceptance step, a step on a return loop);
//! `start`, `pause` and `resume` open, suspend and reopen it; `terminate` aborts the
//! case; `finish` closes it (completing its step when it names one); `apply` files
//! the application and is never replayed.

use chrono::{DateTime, FixedOffset};

use super::calendar::china_time;
use super::eventlog::{Event, EventLog, Lifecycle, parse_timestamp};

const MAX_ID_CHARS: usize = 100;
const MAX_CASE_NUMBER_CHARS: usize = 64;
const MAX_POWER_CODE_CHARS: usize = 32;
const MAX_STEP_CHARS: usize = 200;
const MAX_ACTOR_CHARS: usize = 100;
const MAX_COMMENT_CHARS: usize = 2_000;
const MAX_DOCUMENTS: usize = 50;
const MAX_DOCUMENT_CHARS: usize = 200;
/// Fees are yuan; a hundred billion is far above any administrative fee.
const MAX_FEE: f64 = 1e11;

macro_rules! keyed {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $key:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $key,)* }
            }

            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                match text.trim() { $($key => Some(Self::$variant),)* _ => None }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

keyed! {
    /// What was done to a case at one event.
    CaseAction {
        Apply => "apply",
        Accept => "accept",
        Approve => "approve",
        Return => "return",
        Correct => "correct",
        Pause => "pause",
        Resume => "resume",
        Terminate => "terminate",
        Finish => "finish",
        Complete => "complete",
        Start => "start",
    }
}

keyed! {
    /// Where a case stands.
    CaseStatus {
        Open => "open",
        Paused => "paused",
        Finished => "finished",
        Terminated => "terminated",
    }
}

keyed! {
    /// Why an incoming event was refused; the code is the API's `reason`.
    RejectReason {
        Malformed => "malformed",
        BadId => "bad_id",
        BadCaseNumber => "bad_case_number",
        MissingPower => "missing_power",
        MissingStep => "missing_step",
        BadStep => "bad_step",
        BadAction => "bad_action",
        MissingActor => "missing_actor",
        BadGroup => "bad_group",
        BadTimestamp => "bad_timestamp",
        BadFee => "bad_fee",
        BadDocuments => "bad_documents",
        BadComment => "bad_comment",
        BadDeadline => "bad_deadline",
        UnknownPower => "unknown_power",
        NoPublishedFlowchart => "no_published_flowchart",
        UnknownCase => "unknown_case",
        UnknownStep => "unknown_step",
        CaseClosed => "case_closed",
        CaseExists => "case_exists",
        CaseNumberTaken => "case_number_taken",
        CasePowerMismatch => "case_power_mismatch",
    }
}

impl CaseAction {
    /// Whether the event must name a step of the flowchart.
    #[must_use]
    pub const fn needs_step(self) -> bool {
        !matches!(self, Self::Apply | Self::Finish | Self::Terminate)
    }

    /// The step's life at this event, as the rules read it. `finish` completes its
    /// step when it names one; without one it only closes the case.
    #[must_use]
    pub const fn lifecycle(self, names_step: bool) -> Lifecycle {
        match self {
            Self::Apply => Lifecycle::Schedule,
            Self::Accept | Self::Approve | Self::Return | Self::Correct | Self::Complete => Lifecycle::Complete,
            Self::Finish if names_step => Lifecycle::Complete,
            Self::Finish => Lifecycle::Other,
            Self::Start => Lifecycle::Start,
            Self::Pause => Lifecycle::Suspend,
            Self::Resume => Lifecycle::Resume,
            Self::Terminate => Lifecycle::Abort,
        }
    }

    /// The action an event of an imported log stands for; `None` for transitions
    /// that record no work (`schedule`, `assign`, unknown ones).
    #[must_use]
    pub const fn from_lifecycle(lifecycle: Lifecycle) -> Option<Self> {
        match lifecycle {
            Lifecycle::Complete => Some(Self::Complete),
            Lifecycle::Start => Some(Self::Start),
            Lifecycle::Suspend => Some(Self::Pause),
            Lifecycle::Resume => Some(Self::Resume),
            Lifecycle::Abort | Lifecycle::Withdraw => Some(Self::Terminate),
            Lifecycle::Schedule | Lifecycle::Other => None,
        }
    }
}

impl CaseStatus {
    #[must_use]
    pub const fn is_closed(self) -> bool {
        matches!(self, Self::Finished | Self::Terminated)
    }

    /// The status after `action`; a closed case stays closed.
    #[must_use]
    pub const fn after(self, action: CaseAction) -> Self {
        match (self, action) {
            (Self::Finished | Self::Terminated, _) => self,
            (_, CaseAction::Finish) => Self::Finished,
            (_, CaseAction::Terminate) => Self::Terminated,
            (Self::Open, CaseAction::Pause) => Self::Paused,
            (Self::Paused, CaseAction::Resume) => Self::Open,
            _ => self,
        }
    }
}

/// An event as a client sends it: every field as text or number, unchecked.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct RawCaseEvent {
    /// The sender's own event id (idempotency key).
    pub id: String,
    /// The case number.
    pub case: String,
    /// The power's code.
    pub power: String,
    pub step: String,
    pub action: String,
    pub actor: String,
    pub group: Option<String>,
    /// RFC 3339 (or XES) timestamp; without an offset, China time.
    pub at: String,
    pub fee_due: Option<f64>,
    pub fee_paid: Option<f64>,
    pub documents: Vec<String>,
    pub comment: Option<String>,
    /// The promised deadline (with `apply`).
    pub deadline: Option<String>,
}

/// A checked event: every field within bounds, the time parsed, fees in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEventInput {
    pub client_id: String,
    pub case_number: String,
    pub power_code: String,
    /// Empty when the action needs none and names none.
    pub step: String,
    pub action: CaseAction,
    pub actor: String,
    pub group: Option<String>,
    pub at: DateTime<FixedOffset>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
    pub documents: Vec<String>,
    pub comment: Option<String>,
    pub deadline: Option<DateTime<FixedOffset>>,
}

/// Text of at most `max` characters without control characters (tabs and line
/// breaks allowed in comments only).
fn clean(text: &str, max: usize, multiline: bool) -> Option<String> {
    let text = text.trim();
    let ok = text.chars().count() <= max
        && text.chars().all(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t')));
    ok.then(|| text.to_owned())
}

/// Text that must be present and be one token (ids, numbers, codes).
fn token(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    let ok = !text.is_empty() && text.chars().count() <= max && !text.chars().any(|c| c.is_control() || c == ' ');
    ok.then(|| text.to_owned())
}

fn cents(fee: Option<f64>) -> Result<Option<i64>, RejectReason> {
    match fee {
        None => Ok(None),
        Some(f) if f.is_finite() && (0.0..MAX_FEE).contains(&f) => {
            #[allow(clippy::cast_possible_truncation)] // bounded by MAX_FEE above
            let cents = (f * 100.0).round() as i64;
            Ok(Some(cents))
        }
        Some(_) => Err(RejectReason::BadFee),
    }
}

/// A client id as sent, trimmed and cut to its column's width, for the answer
/// about an event whose id itself was refused.
#[must_use]
pub fn echo_id(raw: &str) -> String {
    raw.trim().chars().take(MAX_ID_CHARS).collect()
}

impl CaseEventInput {
    /// Checks the fields of one event; the first problem is the reason.
    pub fn parse(raw: &RawCaseEvent) -> Result<Self, RejectReason> {
        let client_id = token(&raw.id, MAX_ID_CHARS).ok_or(RejectReason::BadId)?;
        let case_number = token(&raw.case, MAX_CASE_NUMBER_CHARS).ok_or(RejectReason::BadCaseNumber)?;
        let power_code = token(&raw.power, MAX_POWER_CODE_CHARS).ok_or(RejectReason::MissingPower)?;
        let action = CaseAction::parse(&raw.action).ok_or(RejectReason::BadAction)?;
        let step = clean(&raw.step, MAX_STEP_CHARS, false).ok_or(RejectReason::BadStep)?;
        if step.is_empty() && action.needs_step() {
            return Err(RejectReason::MissingStep);
        }
        let actor =
            clean(&raw.actor, MAX_ACTOR_CHARS, false).filter(|a| !a.is_empty()).ok_or(RejectReason::MissingActor)?;
        let group = match raw.group.as_deref() {
            None => None,
            Some(g) => Some(clean(g, MAX_ACTOR_CHARS, false).ok_or(RejectReason::BadGroup)?).filter(|g| !g.is_empty()),
        };
        let at = parse_timestamp(&raw.at, china_time()).ok_or(RejectReason::BadTimestamp)?;
        let fee_due_cents = cents(raw.fee_due)?;
        let fee_paid_cents = cents(raw.fee_paid)?;
        if raw.documents.len() > MAX_DOCUMENTS {
            return Err(RejectReason::BadDocuments);
        }
        let mut documents = Vec::with_capacity(raw.documents.len());
        for doc in &raw.documents {
            let doc = clean(doc, MAX_DOCUMENT_CHARS, false).ok_or(RejectReason::BadDocuments)?;
            // `;` separates documents in event logs.
            if doc.is_empty() || doc.contains(';') {
                return Err(RejectReason::BadDocuments);
            }
            documents.push(doc);
        }
        let comment = match raw.comment.as_deref() {
            None => None,
            Some(c) => {
                Some(clean(c, MAX_COMMENT_CHARS, true).ok_or(RejectReason::BadComment)?).filter(|c| !c.is_empty())
            }
        };
        let deadline = match raw.deadline.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(parse_timestamp(d, china_time()).ok_or(RejectReason::BadDeadline)?),
        };
        Ok(Self {
            client_id,
            case_number,
            power_code,
            step,
            action,
            actor,
            group,
            at,
            fee_due_cents,
            fee_paid_cents,
            documents,
            comment,
            deadline,
        })
    }
}

/// A stored event, as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct RecordedEvent<'a> {
    pub step: &'a str,
    pub action: CaseAction,
    pub actor: &'a str,
    pub group: Option<&'a str>,
    pub at: DateTime<FixedOffset>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
    pub documents: &'a [String],
}

impl RecordedEvent<'_> {
    /// The event in `log`'s terms (names interned there).
    pub fn to_event(&self, log: &mut EventLog) -> Event {
        let yuan = |c: Option<i64>| c.map(|c| c as f64 / 100.0);
        Event {
            activity: log.intern(self.step),
            resource: Some(log.intern(self.actor)),
            group: self.group.map(|g| log.intern(g)),
            time: Some(self.at),
            lifecycle: self.action.lifecycle(!self.step.is_empty()),
            fee_due: yuan(self.fee_due_cents),
            fee_paid: yuan(self.fee_paid_cents),
            documents: self.documents.iter().map(|d| log.intern(d)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn raw() -> RawCaseEvent {
        RawCaseEvent {
            id: "e-1".into(),
            case: "SCJG-20260302-000001".into(),
            power: "XK-001".into(),
            step: "受理".into(),
            action: "accept".into(),
            actor: "张三".into(),
            at: "2026-03-02T09:30:00+08:00".into(),
            ..RawCaseEvent::default()
        }
    }

    #[test]
    fn actions_and_statuses_round_trip() {
        for a in CaseAction::ALL {
            assert_eq!(CaseAction::parse(a.as_str()), Some(*a));
        }
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(*s));
        }
        for r in RejectReason::ALL {
            assert_eq!(RejectReason::parse(r.as_str()), Some(*r));
        }
        assert_eq!(CaseStatus::Open.after(CaseAction::Pause), CaseStatus::Paused);
        assert_eq!(CaseStatus::Paused.after(CaseAction::Resume), CaseStatus::Open);
        assert_eq!(CaseStatus::Paused.after(CaseAction::Finish), CaseStatus::Finished);
        assert_eq!(CaseStatus::Finished.after(CaseAction::Resume), CaseStatus::Finished);
        assert_eq!(CaseAction::Finish.lifecycle(true), Lifecycle::Complete);
        assert_eq!(CaseAction::Finish.lifecycle(false), Lifecycle::Other);
        assert_eq!(CaseAction::from_lifecycle(Lifecycle::Withdraw), Some(CaseAction::Terminate));
        assert_eq!(CaseAction::from_lifecycle(Lifecycle::Schedule), None);
    }

    #[test]
    fn a_good_event_is_parsed() {
        let mut r = raw();
        r.fee_due = Some(200.0);
        r.fee_paid = Some(199.995);
        r.documents = vec!["申请书".into()];
        r.at = "2026-03-02 09:30".into();
        let e = CaseEventInput::parse(&r).unwrap();
        assert_eq!(e.action, CaseAction::Accept);
        assert_eq!((e.fee_due_cents, e.fee_paid_cents), (Some(20_000), Some(20_000)));
        assert_eq!(e.at.offset(), &china_time());
    }

    #[test]
    fn each_bad_field_has_its_reason() {
        type Spoil = fn(&mut RawCaseEvent);
        let cases: Vec<(Spoil, RejectReason)> = vec![
            (|r| r.id = String::new(), RejectReason::BadId),
            (|r| r.id = "a b".into(), RejectReason::BadId),
            (|r| r.case = "x".repeat(65), RejectReason::BadCaseNumber),
            (|r| r.power = String::new(), RejectReason::MissingPower),
            (|r| r.action = "approve!".into(), RejectReason::BadAction),
            (|r| r.step = String::new(), RejectReason::MissingStep),
            (|r| r.step = "a\u{0}b".into(), RejectReason::BadStep),
            (|r| r.actor = " ".into(), RejectReason::MissingActor),
            (|r| r.at = "yesterday".into(), RejectReason::BadTimestamp),
            (|r| r.fee_paid = Some(f64::NAN), RejectReason::BadFee),
            (|r| r.fee_due = Some(-1.0), RejectReason::BadFee),
            (|r| r.documents = vec!["a;b".into()], RejectReason::BadDocuments),
            (|r| r.comment = Some("x".repeat(2001)), RejectReason::BadComment),
            (|r| r.deadline = Some("soon".into()), RejectReason::BadDeadline),
        ];
        for (spoil, reason) in cases {
            let mut r = raw();
            spoil(&mut r);
            assert_eq!(CaseEventInput::parse(&r), Err(reason), "{r:?}");
        }
        let mut apply = raw();
        apply.action = "apply".into();
        apply.step = String::new();
        assert!(CaseEventInput::parse(&apply).is_ok());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(id in ".{0,120}", case in ".{0,80}", step in ".{0,30}", action in "[a-z]{0,10}", at in ".{0,40}", fee in proptest::num::f64::ANY, docs in proptest::collection::vec(".{0,20}", 0..60)) {
            let r = RawCaseEvent { id, case, power: "P".into(), step, action, actor: "a".into(), at, fee_due: Some(fee), documents: docs, ..RawCaseEvent::default() };
            let _ = CaseEventInput::parse(&r);
        }
    }
}
