//! The online hall: creating a case and acting on it, by staff (`HandleCases`) or
//! by a unit's system with its token (`PushEvents`).

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::case_event::{CaseEventInput, RawCaseEvent, RejectReason};
use sunlight_domain::flow::eventlog::parse_timestamp;
use sunlight_domain::policy::{Action, Denied, Principal, Target, authorize};

use super::Source;
use super::desk::{self, Answer, Audit, Job};
use super::engine::{ActionInput, Outcome, Request};
use crate::entity::handling_case;
use crate::{Store, StoreError};

const TEXT_CHARS: usize = 200;

/// A new case as a form or a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawNewCase {
    /// The power's code.
    pub power: String,
    /// Who applies (personal data: staff only).
    pub applicant: Option<String>,
    pub subject: Option<String>,
    /// A promised deadline, when the window promised one.
    pub deadline: Option<String>,
}

/// A checked new case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub power_code: String,
    pub applicant: Option<String>,
    pub subject: Option<String>,
    pub deadline: Option<DateTime<FixedOffset>>,
    /// When the application was received; `None`: now.
    pub at: Option<DateTime<FixedOffset>>,
}

fn text(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    if value.chars().count() > TEXT_CHARS {
        errors.add(field, FieldError::with_limit("too_long", TEXT_CHARS));
        return None;
    }
    if value.chars().any(char::is_control) {
        errors.add(field, FieldError::new("control_characters"));
        return None;
    }
    Some(value.to_owned())
}

impl RawNewCase {
    pub fn parse(&self) -> Result<NewCase, FieldErrors> {
        let mut errors = FieldErrors::new();
        let power = self.power.trim();
        if power.is_empty() {
            errors.add("power", FieldError::new("required"));
        } else if power.chars().count() > 32 || power.chars().any(|c| c.is_control() || c == ' ') {
            errors.add("power", FieldError::new("unknown_power"));
        }
        let applicant = text(&mut errors, "applicant", self.applicant.as_deref());
        let subject = text(&mut errors, "subject", self.subject.as_deref());
        let deadline = match self.deadline.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => {
                let parsed = parse_timestamp(d, china_time());
                if parsed.is_none() {
                    errors.add("deadline", FieldError::new("bad_deadline"));
                }
                parsed
            }
        };
        errors.into_result()?;
        Ok(NewCase { power_code: power.to_owned(), applicant, subject, deadline, at: None })
    }
}

/// An action as a form or a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawAction {
    /// `accept`, `approve`, `return`, `correct`, `pause`, `resume`, `terminate`,
    /// `finish`, `complete` or `start`.
    pub action: String,
    /// The step of the flowchart acted on.
    pub step: String,
    /// The role the actor acts in (checked against the step's role).
    pub group: Option<String>,
    pub comment: Option<String>,
    pub documents: Vec<String>,
    pub fee_due: Option<f64>,
    pub fee_paid: Option<f64>,
}

/// The field an event's reason is about.
const fn field_of(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::BadAction | RejectReason::CaseExists | RejectReason::CaseClosed => "action",
        RejectReason::BadGroup => "group",
        RejectReason::BadFee => "fee",
        RejectReason::BadDocuments => "documents",
        RejectReason::BadComment => "comment",
        RejectReason::BadDeadline => "deadline",
        RejectReason::UnknownPower | RejectReason::NoPublishedFlowchart | RejectReason::MissingPower => "power",
        RejectReason::BadCaseNumber | RejectReason::UnknownCase => "case",
        _ => "step",
    }
}

fn invalid(reason: RejectReason) -> StoreError {
    StoreError::invalid(field_of(reason), FieldError::new(reason.as_str()))
}

impl RawAction {
    /// Checks the fields with the same rules as a pushed event's.
    pub fn parse(&self) -> Result<ActionInput, FieldErrors> {
        let raw = RawCaseEvent {
            id: "hall".into(),
            case: "hall".into(),
            power: "hall".into(),
            step: self.step.clone(),
            action: self.action.clone(),
            actor: "hall".into(),
            group: self.group.clone(),
            at: "2000-01-01T00:00:00Z".into(),
            fee_due: self.fee_due,
            fee_paid: self.fee_paid,
            documents: self.documents.clone(),
            comment: self.comment.clone(),
            deadline: None,
        };
        let e = CaseEventInput::parse(&raw)
            .map_err(|reason| FieldErrors::from((field_of(reason), FieldError::new(reason.as_str()))))?;
        Ok(ActionInput {
            action: e.action,
            step: e.step,
            group: e.group,
            comment: e.comment,
            documents: e.documents,
            fee_due_cents: e.fee_due_cents,
            fee_paid_cents: e.fee_paid_cents,
        })
    }
}

/// A case just created and the verification code its applicant keeps (shown once).
#[derive(Debug, Clone)]
pub struct CreatedCase {
    pub case: handling_case::Model,
    pub verification_code: String,
}

fn may_try(principal: &Principal) -> Result<(), StoreError> {
    let action = if principal.is_token { Action::PushEvents } else { Action::HandleCases };
    authorize(principal, action, Target::County)?;
    Ok(())
}

/// The one outcome of a one-request job, and the row of its case when accepted.
fn only(answer: Answer) -> Result<(Outcome, Option<handling_case::Model>), StoreError> {
    let Answer { mut outcomes, mut cases } = answer;
    let outcome = outcomes.pop().ok_or_else(|| StoreError::Internal("no outcome".into()))?;
    Ok((outcome, cases.pop()))
}

fn written(row: Option<handling_case::Model>) -> Result<handling_case::Model, StoreError> {
    row.ok_or_else(|| StoreError::Internal("an accepted request without its case".into()))
}

/// Creates a case of a power with a published flowchart in the caller's units.
pub async fn create_case(store: &Store, principal: &Principal, new: &NewCase) -> Result<CreatedCase, StoreError> {
    may_try(principal)?;
    let job = Job {
        principal: principal.clone(),
        requests: vec![(Source::of(principal), Request::Create(new.clone()))],
        audit: Audit::Create,
    };
    match only(desk::submit(store, job).await?)? {
        (Outcome::Accepted { code: Some(code), .. }, row) => {
            Ok(CreatedCase { case: written(row)?, verification_code: code })
        }
        (Outcome::Rejected(reason), _) => Err(invalid(reason)),
        (Outcome::Denied, _) => Err(Denied::Scope.into()),
        (other, _) => Err(StoreError::Internal(format!("create: {other:?}"))),
    }
}

/// Records an action on the case `number` by the caller; the case as it is after.
pub async fn act(
    store: &Store,
    principal: &Principal,
    number: &str,
    input: &ActionInput,
) -> Result<handling_case::Model, StoreError> {
    may_try(principal)?;
    let job = Job {
        principal: principal.clone(),
        requests: vec![(
            Source::of(principal),
            Request::Act { number: number.trim().to_owned(), input: input.clone() },
        )],
        audit: Audit::Act,
    };
    match only(desk::submit(store, job).await?)? {
        (Outcome::Accepted { .. }, row) => written(row),
        (Outcome::Rejected(reason), _) => Err(invalid(reason)),
        (Outcome::Denied, _) => Err(Denied::Role.into()),
        (Outcome::NotFound, _) => Err(StoreError::not_found("handling_case")),
        (Outcome::Duplicate, _) => Err(StoreError::Internal("an action cannot be a duplicate".into())),
    }
}
