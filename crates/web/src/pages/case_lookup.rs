//! The applicant's look-up of a case by number and verification code, shared by
//! the portal's `/cases/status` and the kiosk's keypad so both count against one
//! limit per address and answer alike: nothing personal, and the same words for a
//! wrong number as for a wrong code.

use std::net::IpAddr;
use std::time::Instant;

use axum::http::StatusCode;
use sunlight_store::cases::{self, PublicCase};

use super::cases::word;
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::local_time;

/// What a look-up came to.
pub enum Lookup {
    Found(Box<PublicCase>),
    /// A wrong number or a wrong code (or either missing): the answer does not say which.
    NotFound,
    /// Over the limit; the seconds to wait.
    Limited(u64),
}

impl Lookup {
    /// The HTTP status of the answer.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Found(_) => StatusCode::OK,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The words of a miss or a wait; none when found.
    #[must_use]
    pub fn error(&self, lang: Lang) -> Option<String> {
        match self {
            Self::Found(_) => None,
            Self::NotFound => Some(lang.t("case-lookup-not-found")),
            Self::Limited(seconds) => Some(lang.t_args("case-lookup-rate-limited", &[("seconds", (*seconds).into())])),
        }
    }
}

/// Look-ups a configured kiosk may make in the limiter's window (ten minutes): one
/// every five seconds, more than a queue of people typing at one screen can use,
/// and still far too few to guess a six-digit code.
const KIOSK_LOOKUPS: usize = 120;

/// Counts one look-up from `address`, then looks the case up.
pub async fn look_up(state: &AppState, address: IpAddr, number: &str, code: &str) -> Result<Lookup, AppError> {
    let allowance =
        if state.config.kiosk_addresses.contains(&address) { KIOSK_LOOKUPS } else { super::complaints::RATE_LIMIT };
    if let Err(seconds) = state.case_lookup_limiter.allow_up_to(address, Instant::now(), allowance) {
        return Ok(Lookup::Limited(seconds));
    }
    if number.trim().is_empty() || code.trim().is_empty() {
        return Ok(Lookup::NotFound);
    }
    Ok(cases::public_status(&state.store, number, code.trim())
        .await?
        .map_or(Lookup::NotFound, |c| Lookup::Found(Box::new(c))))
}

/// A found case in words.
pub struct CaseView {
    /// (label, value), empty values left out.
    pub facts: Vec<(String, String)>,
    /// (step, action in words, date), oldest first.
    pub steps: Vec<(String, String, String)>,
}

/// Whether the case keeps its promised limit, in words; none without a limit.
fn timing(lang: Lang, case: &PublicCase) -> String {
    if case.promised_deadline.is_none() {
        return String::new();
    }
    let key = match (case.finished_at.is_some(), case.overdue) {
        (false, false) => "case-timing-in-time",
        (false, true) => "case-timing-overdue",
        (true, false) => "case-timing-finished-in-time",
        (true, true) => "case-timing-finished-late",
    };
    lang.t(key)
}

#[must_use]
pub fn case_view(lang: Lang, case: &PublicCase) -> CaseView {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| local_time(&t.to_rfc3339())).unwrap_or_default();
    let mut facts = vec![
        (lang.t("col-case-number"), case.case_number.clone()),
        (lang.t("col-unit"), case.unit_name.clone()),
        (lang.t("col-case-power"), case.power_name.clone()),
        (lang.t("col-case-status"), word(lang, "case-status", &case.status)),
        (lang.t("col-case-step"), case.current_step.clone().unwrap_or_default()),
        (lang.t("col-case-timing"), timing(lang, case)),
        (lang.t("col-case-card"), word(lang, "case-card", &case.card)),
        (lang.t("col-case-received"), local_time(&case.received_at.to_rfc3339())),
        (lang.t("col-case-deadline"), time(case.promised_deadline)),
        (lang.t("col-case-finished"), time(case.finished_at)),
    ];
    facts.retain(|(_, v)| !v.is_empty());
    let steps = case
        .steps
        .iter()
        .map(|s| (s.step.clone(), word(lang, "case-action", &s.action), local_time(&s.at.to_rfc3339())))
        .collect();
    CaseView { facts, steps }
}
