//! Online handling (网上办理) and its electronic supervision (电子监察).
//!
//! A case (办件) is created by staff, by a client with a unit's token, or by an
//! `apply` event pushed from a unit's own approval system; it then moves along its
//! power's published flowchart through events (accept, approve, return, correct,
//! pause, resume, terminate, finish, complete a step). Every change goes through
//! one engine ([`engine`]): the requests are checked in order, the accepted events
//! appended, and each touched case re-evaluated once by the supervision rules
//! ([`sunlight_domain::flow::OnlineChart`]) — its row (status, current step, card,
//! overdue, conformance, next due time) rewritten and its alerts raised or taken
//! down ([`alerts`]). Changes are committed in groups by the store's desk
//! ([`desk`]); the clock ([`clock`]) re-evaluates the cases falling due.
//!
//! - [`ingest`]: a batch of events from a unit's system, idempotent on client ids.
//! - [`create_case`], [`act`]: the online hall's create and act.
//! - [`list`], [`detail`], [`public_status`], [`export_xes`]: reading.
//! - [`import_log`]: an XES/CSV log as cases of one power, all or nothing.
//! - [`clock_pass`], [`ClockLease`]: the time rules' background pass.

mod alerts;
mod charts;
mod clock;
mod desk;
mod engine;
mod handle;
mod histories;
mod ingest;
mod number;
mod powers;
mod query;
mod refresh;
mod seed;
pub mod setup;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sunlight_domain::flow::OnlineChart;

pub use alerts::{AlertChanges, RULES_ACTOR, level_of};
pub use clock::{CLOCK_LOCK_KEY, ClockLease, ClockStats, clock_pass};
pub use engine::ActionInput;
pub use handle::{CreatedCase, NewCase, RawAction, RawNewCase, act, create_case};
pub use ingest::{EventResult, EventStatus, ImportError, ImportSummary, IngestReport, MAX_BATCH, import_log, ingest};
pub use number::{CODE_DIGITS, SEQUENCE_DIGITS, drawn_number, hash_code};
pub use query::{
    CaseDetail, CaseFilter, CasePage, CaseRow, PublicCase, PublicStep, detail, export_xes, list, public_status,
};
pub(crate) use seed::{SeedCase, seed};

/// What online handling keeps in memory per store (and the tokens its clients
/// send); all of it can be rebuilt.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    /// Published flowchart versions prepared for evaluation, by version id.
    charts: Mutex<HashMap<i64, Arc<OnlineChart>>>,
    /// The group-commit task, started on first use (`None` outside a runtime).
    desk: OnceLock<Option<desk::Desk>>,
    /// The calendar and rule settings as last read ([`refresh::Rules::current`]).
    rules: refresh::RulesCache,
    /// The events of open cases as last committed by the desk.
    histories: histories::Histories,
    /// Powers with their flowchart version in force and unit code, as last read.
    powers: powers::PowersCache,
    /// The API tokens units' systems push with, found valid.
    pub(crate) tokens: crate::accounts::TokenCache,
}

impl Caches {
    /// Called after a write that changed the calendar or a setting has committed.
    pub(crate) fn rules_changed(&self) {
        self.rules.changed();
    }

    /// Called after a write that changed a power, a flowchart or a unit has committed.
    pub(crate) fn powers_changed(&self) {
        self.powers.changed();
    }

    /// Called after a write that changed an API token has committed.
    pub(crate) fn tokens_changed(&self) {
        self.tokens.changed();
    }
}

/// Where a case or event came from (`source` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The public portal's application form.
    Online,
    /// Staff in the online hall.
    Staff,
    /// A unit's system with its API token.
    Api,
    /// An imported event log.
    Import,
    /// The demo builder.
    Demo,
}

impl Source {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Staff => "staff",
            Self::Api => "api",
            Self::Import => "import",
            Self::Demo => "demo",
        }
    }

    /// `api` for a token, `staff` for a person.
    #[must_use]
    pub const fn of(principal: &sunlight_domain::policy::Principal) -> Self {
        if principal.is_token { Self::Api } else { Self::Staff }
    }
}

/// Compares two hashes in time independent of where they differ.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
