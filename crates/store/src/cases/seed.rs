//! Cases stored with their whole history at once: the demo county's six months of
//! online handling. Each case goes in as a unit's system pushes it — an `apply`
//! and the events after it — through the same engine and rules as every other
//! change, so the cards, alerts and rates the demo shows are computed, never typed
//! in. A case is never split between two engine passes: it is evaluated once, on
//! its whole history, as a case imported from a unit's log would be.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sunlight_domain::flow::case_event::{CaseEventInput, RawCaseEvent};
use sunlight_domain::policy::Principal;

use super::Source;
use super::engine::{self, Item, Outcome, Request};
use super::number::hash_code;
use super::refresh::Rules;
use crate::entity::handling_case;
use crate::{Store, StoreError, Write};

/// Events one engine pass takes (whole cases only).
const CHUNK: usize = 5_000;

/// A case and what happened to it, its `apply` first; the events' `id`, `case` and
/// `power` are filled here.
#[derive(Debug, Clone)]
pub(crate) struct SeedCase {
    pub number: String,
    pub power_code: String,
    pub applicant: Option<String>,
    pub subject: Option<String>,
    /// The verification code (stored as its hash).
    pub code: String,
    pub events: Vec<RawCaseEvent>,
}

/// What [`seed`] stored.
#[derive(Debug, Default)]
pub(crate) struct Seeded {
    pub cases: usize,
    pub events: usize,
    pub alerts_raised: usize,
}

fn refused(outcome: &Outcome) -> StoreError {
    StoreError::Internal(format!("a seeded event was refused: {outcome:?}"))
}

/// Stores `cases` within `write`, as `source`. Every event must be accepted: a
/// refusal is a fault of the seed, and the write is then left to roll back.
pub(crate) async fn seed(
    write: &mut Write,
    store: &Store,
    principal: &Principal,
    source: Source,
    cases: &[SeedCase],
) -> Result<Seeded, StoreError> {
    let rules = Rules::current(store, write.txn()).await?;
    let principals = [principal.clone()];
    let mut seeded = Seeded::default();
    let mut start = 0;
    while start < cases.len() {
        let mut end = start;
        let mut size = 0;
        while end < cases.len() && (end == start || size + cases[end].events.len() <= CHUNK) {
            size += cases[end].events.len();
            end += 1;
        }
        let mut requests = Vec::with_capacity(size);
        for case in &cases[start..end] {
            for (i, raw) in case.events.iter().enumerate() {
                let raw = RawCaseEvent {
                    id: format!("{}:{}:{i}", source.as_str(), case.number),
                    case: case.number.clone(),
                    power: case.power_code.clone(),
                    ..raw.clone()
                };
                let event = CaseEventInput::parse(&raw).map_err(|reason| {
                    StoreError::Internal(format!("a seeded event is malformed: {}", reason.as_str()))
                })?;
                requests.push(Request::Event(event));
            }
        }
        let items: Vec<Item<'_>> = requests.iter().map(|request| Item { principal: 0, source, request }).collect();
        let applied = engine::apply(write, store, &rules, &principals, &items).await?;
        seeded.alerts_raised += applied.refreshed.alerts.raised;
        seeded.events += items.len();
        if let Some(other) = applied.outcomes.iter().find(|o| !matches!(o, Outcome::Accepted { .. })) {
            return Err(refused(other));
        }
        for case in &cases[start..end] {
            handling_case::Entity::update_many()
                .col_expr(handling_case::Column::VerificationHash, Expr::value(hash_code(&case.code)))
                .col_expr(handling_case::Column::Applicant, Expr::value(case.applicant.clone()))
                .col_expr(handling_case::Column::Subject, Expr::value(case.subject.clone()))
                .filter(handling_case::Column::CaseNumber.eq(case.number.as_str()))
                .exec(write.txn())
                .await?;
        }
        seeded.cases += end - start;
        start = end;
    }
    Ok(seeded)
}
