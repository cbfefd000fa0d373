//! Electronic supervision rules: time (reminder, yellow and red cards, promise vs
//! law), process (order, role, separation of duties, returns, pauses, termination,
//! corrections), content (timestamps, documents) and discretion (fees).
//!
//! Each rule has a stable id starting with its family, can be switched off, and
//! takes its thresholds from [`RuleConfig`]. Rules read one case at a time together
//! with the replay of its trace, so cases can be checked in parallel.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde::{Serialize, Serializer};

use super::calendar::{Calendar, LimitUnit, TimeLimit};
use super::eventlog::{Case, EventLog, Lifecycle, Sym};
use super::evidence::{Evidence, instant, names};
use super::flowchart::{Flowchart, Step, StepMarker};
use super::replay::{Deviation, ReplayOutcome, Replayer};
use super::trace::StepTime;

macro_rules! rules {
    ($($variant:ident => $id:literal,)*) => {
        /// A supervision rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId { $($variant,)* }

        impl RuleId {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stable id, `family.name`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($id => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

rules! {
    TimeReminder => "time.reminder",
    TimeYellowCard => "time.yellow_card",
    TimeRedCard => "time.red_card",
    TimePromiseExceedsLegal => "time.promise_exceeds_legal",
    ProcessNotAllowed => "process.not_allowed",
    ProcessUnknownActivity => "process.unknown_activity",
    ProcessIncomplete => "process.incomplete",
    ProcessWrongRole => "process.wrong_role",
    ProcessSeparationOfDuties => "process.separation_of_duties",
    ProcessReturned => "process.returned",
    ProcessReturnedRepeatedly => "process.returned_repeatedly",
    ProcessPaused => "process.paused",
    ProcessTerminated => "process.terminated",
    ProcessCorrectionRepeated => "process.correction_repeated",
    ContentTimestampBackwards => "content.timestamp_backwards",
    ContentBeforeApplication => "content.before_application",
    ContentMissingDocuments => "content.missing_documents",
    DiscretionFeeDeviation => "discretion.fee_deviation",
}

impl RuleId {
    /// The family: `time`, `process`, `content` or `discretion`.
    #[must_use]
    pub fn family(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or("")
    }

    /// Whether the rule reports a departure from the flowchart's order of steps.
    #[must_use]
    pub const fn is_conformance(self) -> bool {
        matches!(self, Self::ProcessNotAllowed | Self::ProcessUnknownActivity | Self::ProcessIncomplete)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleConfigError {
    #[error("the reminder share must be above 0 and at most 1")]
    BadShare,
    #[error("card thresholds must be finite, not negative, yellow not above red")]
    BadCardThresholds,
    #[error("the repeated-return threshold must be at least 1")]
    BadReturnThreshold,
    #[error("the fee tolerance must be between 0 and 1")]
    BadFeeTolerance,
    #[error("unknown rule id {0:?}")]
    UnknownRule(String),
}

impl RuleConfigError {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BadShare => "bad_share",
            Self::BadCardThresholds => "bad_card_thresholds",
            Self::BadReturnThreshold => "bad_return_threshold",
            Self::BadFeeTolerance => "bad_fee_tolerance",
            Self::UnknownRule(_) => "unknown_rule",
        }
    }
}

/// Which rules run and their thresholds; only valid settings can be built.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleConfig {
    disabled: BTreeSet<RuleId>,
    reminder_share: f64,
    yellow_after_days: f64,
    red_after_days: f64,
    returned_repeatedly_at: u32,
    fee_tolerance: f64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        Self {
            disabled: BTreeSet::new(),
            reminder_share: 0.8,
            yellow_after_days: 1.0,
            red_after_days: 2.0,
            returned_repeatedly_at: 2,
            fee_tolerance: 0.05,
        }
    }
}

impl RuleConfig {
    pub fn disable(mut self, rule: &str) -> Result<Self, RuleConfigError> {
        let id = RuleId::parse(rule).ok_or_else(|| RuleConfigError::UnknownRule(rule.chars().take(60).collect()))?;
        self.disabled.insert(id);
        Ok(self)
    }

    pub fn enable(mut self, rule: &str) -> Result<Self, RuleConfigError> {
        let id = RuleId::parse(rule).ok_or_else(|| RuleConfigError::UnknownRule(rule.chars().take(60).collect()))?;
        self.disabled.remove(&id);
        Ok(self)
    }

    /// The share of a limit at which a reminder is raised (default 0.8).
    pub fn with_reminder_share(mut self, share: f64) -> Result<Self, RuleConfigError> {
        if !(share > 0.0 && share <= 1.0) {
            return Err(RuleConfigError::BadShare);
        }
        self.reminder_share = share;
        Ok(self)
    }

    /// Working days past a limit that raise a yellow and a red card (default 1, 2).
    pub fn with_cards(mut self, yellow_after_days: f64, red_after_days: f64) -> Result<Self, RuleConfigError> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(yellow_after_days) || !ok(red_after_days) || yellow_after_days > red_after_days {
            return Err(RuleConfigError::BadCardThresholds);
        }
        self.yellow_after_days = yellow_after_days;
        self.red_after_days = red_after_days;
        Ok(self)
    }

    /// Returns from which a case counts as returned repeatedly (default 2).
    pub fn with_returned_repeatedly_at(mut self, returns: u32) -> Result<Self, RuleConfigError> {
        if returns == 0 {
            return Err(RuleConfigError::BadReturnThreshold);
        }
        self.returned_repeatedly_at = returns;
        Ok(self)
    }

    /// The share by which a paid fee may differ from the due one (default 0.05).
    pub fn with_fee_tolerance(mut self, tolerance: f64) -> Result<Self, RuleConfigError> {
        if !(0.0..=1.0).contains(&tolerance) {
            return Err(RuleConfigError::BadFeeTolerance);
        }
        self.fee_tolerance = tolerance;
        Ok(self)
    }

    #[must_use]
    pub fn is_enabled(&self, rule: RuleId) -> bool {
        !self.disabled.contains(&rule)
    }

    /// The settings as stored and edited (the `supervision_rules` setting).
    #[must_use]
    pub fn settings(&self) -> RuleSettings {
        RuleSettings {
            disabled: self.disabled.iter().map(|r| r.as_str().to_owned()).collect(),
            reminder_share: self.reminder_share,
            yellow_after_days: self.yellow_after_days,
            red_after_days: self.red_after_days,
            returned_repeatedly_at: self.returned_repeatedly_at,
            fee_tolerance: self.fee_tolerance,
        }
    }
}

/// The rule settings in plain fields, as JSON stores and forms carry them; only
/// [`RuleSettings::to_config`] turns them into a [`RuleConfig`], checking each.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RuleSettings {
    /// Ids of switched-off rules.
    #[serde(default)]
    pub disabled: Vec<String>,
    pub reminder_share: f64,
    pub yellow_after_days: f64,
    pub red_after_days: f64,
    pub returned_repeatedly_at: u32,
    pub fee_tolerance: f64,
}

impl RuleSettings {
    pub fn to_config(&self) -> Result<RuleConfig, RuleConfigError> {
        let mut config = RuleConfig::default()
            .with_reminder_share(self.reminder_share)?
            .with_cards(self.yellow_after_days, self.red_after_days)?
            .with_returned_repeatedly_at(self.returned_repeatedly_at)?
            .with_fee_tolerance(self.fee_tolerance)?;
        for rule in &self.disabled {
            config = config.disable(rule)?;
        }
        Ok(config)
    }
}

/// One thing a rule found in a case: the rule, the step and person concerned, when,
/// and evidence in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Index of the event in the case, when one event is the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<FixedOffset>>,
    /// The evidence in English (the offline check's report).
    pub evidence: String,
    /// The same as a message, for pages in the reader's language.
    #[serde(skip)]
    pub words: Evidence,
}

/// What the rules of one case need besides the case itself.
pub(crate) struct Context<'a> {
    pub chart: &'a Flowchart,
    pub replayer: &'a Replayer,
    pub log: &'a EventLog,
    pub calendar: &'a Calendar,
    pub config: &'a RuleConfig,
    pub closed: bool,
    pub now: DateTime<FixedOffset>,
    /// Steps by replay label.
    pub steps: &'a [Option<&'a Step>],
    /// Replay labels by the log's symbols.
    pub labels: &'a [Option<u32>],
    /// Pairs of step names that must be done by different persons.
    pub separations: &'a [(String, String)],
}

impl Context<'_> {
    fn label(&self, sym: Sym) -> Option<u32> {
        self.labels.get(sym.index()).copied().flatten()
    }

    fn step(&self, label: u32) -> Option<&Step> {
        self.steps.get(label as usize).copied().flatten()
    }
}

/// A case's findings, whether it ran past its deadline, and its running clocks.
pub(crate) struct CaseResult {
    pub findings: Vec<Finding>,
    pub overdue: bool,
    /// Office time from the application to the end (or `now`), pauses left out.
    pub handling: Option<TimeDelta>,
    /// Limits whose time still runs (none for a closed or paused case).
    pub running: Vec<RunningLimit>,
    /// Paused (suspended and not resumed) at `now`.
    pub paused: bool,
}

struct Sink<'a> {
    config: &'a RuleConfig,
    findings: Vec<Finding>,
}

impl Sink<'_> {
    fn push(&mut self, rule: RuleId, finding: impl FnOnce() -> Finding) {
        if self.config.is_enabled(rule) {
            let mut f = finding();
            f.rule = rule;
            self.findings.push(f);
        }
    }
}

fn finding(step: Option<&str>, event: Option<usize>, words: Evidence) -> Finding {
    Finding {
        rule: RuleId::ProcessNotAllowed,
        step: step.map(str::to_owned),
        event,
        person: None,
        at: None,
        evidence: words.english(),
        words,
    }
}

/// Checks one case. `replayed` maps replay positions to event indices.
pub(crate) fn check_case(ctx: &Context<'_>, case: &Case, replayed: &[usize], outcome: &ReplayOutcome) -> CaseResult {
    let mut sink = Sink { config: ctx.config, findings: Vec::new() };
    process_rules(ctx, case, replayed, outcome, &mut sink);
    content_rules(ctx, case, &mut sink);
    let time = time_rules(ctx, case, outcome, &mut sink);
    CaseResult {
        findings: sink.findings,
        overdue: time.overdue,
        handling: time.handling,
        running: time.running,
        paused: time.paused,
    }
}

fn activity(ctx: &Context<'_>, case: &Case, i: usize) -> String {
    case.events.get(i).map_or_else(String::new, |e| ctx.log.name(e.activity).to_owned())
}

fn person(ctx: &Context<'_>, case: &Case, i: usize) -> Option<String> {
    case.events.get(i).and_then(|e| e.resource).map(|r| ctx.log.name(r).to_owned())
}

#[allow(clippy::too_many_lines)] // one block per process rule, read top to bottom
fn process_rules(ctx: &Context<'_>, case: &Case, replayed: &[usize], outcome: &ReplayOutcome, sink: &mut Sink<'_>) {
    let at = |i: usize| replayed.get(i).copied().unwrap_or(usize::MAX);
    for deviation in &outcome.deviations {
        match deviation {
            Deviation::Skipped { event, skipped } => {
                let i = at(*event);
                sink.push(RuleId::ProcessNotAllowed, || Finding {
                    person: person(ctx, case, i),
                    at: case.events.get(i).and_then(|e| e.time),
                    ..finding(
                        Some(&activity(ctx, case, i)),
                        Some(i),
                        Evidence::new("done_before_required", [("steps", names(skipped))]),
                    )
                });
            }
            Deviation::NotAllowed { event } => {
                let i = at(*event);
                sink.push(RuleId::ProcessNotAllowed, || Finding {
                    person: person(ctx, case, i),
                    at: case.events.get(i).and_then(|e| e.time),
                    ..finding(Some(&activity(ctx, case, i)), Some(i), Evidence::new("not_allowed", []))
                });
            }
            Deviation::Unknown { event } => {
                let i = at(*event);
                sink.push(RuleId::ProcessUnknownActivity, || Finding {
                    person: person(ctx, case, i),
                    at: case.events.get(i).and_then(|e| e.time),
                    ..finding(Some(&activity(ctx, case, i)), Some(i), Evidence::new("unknown_activity", []))
                });
            }
            Deviation::Incomplete { missing } => {
                sink.push(RuleId::ProcessIncomplete, || {
                    let evidence = if missing.is_empty() {
                        Evidence::new("closed_before_end", [])
                    } else {
                        Evidence::new("closed_without", [("steps", names(missing))])
                    };
                    finding(None, None, evidence)
                });
            }
        }
    }
    if outcome.returns >= 1 {
        let returned = || Evidence::new("returned", [("count", outcome.returns.to_string())]);
        sink.push(RuleId::ProcessReturned, || finding(None, None, returned()));
    }
    if outcome.returns >= ctx.config.returned_repeatedly_at {
        sink.push(RuleId::ProcessReturnedRepeatedly, || {
            finding(None, None, Evidence::new("returned", [("count", outcome.returns.to_string())]))
        });
    }
    let mut corrections = 0;
    let mut accepted = false;
    // (event, step name, person) of steps that take part in a separation.
    let mut done_by: Vec<(usize, &str, &str)> = Vec::new();
    for (i, event) in case.events.iter().enumerate() {
        let name = ctx.log.name(event.activity);
        match event.lifecycle {
            Lifecycle::Suspend => sink.push(RuleId::ProcessPaused, || Finding {
                at: event.time,
                ..finding(Some(name), Some(i), Evidence::new("paused", []))
            }),
            Lifecycle::Abort | Lifecycle::Withdraw => {
                sink.push(RuleId::ProcessTerminated, || Finding {
                    at: event.time,
                    person: person(ctx, case, i),
                    ..finding(
                        Some(name),
                        Some(i),
                        Evidence::new(
                            if event.lifecycle == Lifecycle::Withdraw { "withdrawn" } else { "terminated" },
                            [],
                        ),
                    )
                });
            }
            _ => {}
        }
        if event.lifecycle != Lifecycle::Complete {
            continue;
        }
        let step = ctx.label(event.activity).and_then(|l| ctx.step(l));
        if let Some(step) = step {
            if let (Some(role), Some(group)) = (&step.role, event.group) {
                let group = ctx.log.name(group);
                if !role.trim().eq_ignore_ascii_case(group.trim()) {
                    sink.push(RuleId::ProcessWrongRole, || Finding {
                        person: person(ctx, case, i),
                        at: event.time,
                        ..finding(
                            Some(name),
                            Some(i),
                            Evidence::new("wrong_role", [("group", group.to_owned()), ("role", role.clone())]),
                        )
                    });
                }
            }
            match step.marker {
                Some(StepMarker::Correction) => {
                    corrections += 1;
                    if corrections >= 2 || accepted {
                        let why = if accepted { "correction_after_acceptance" } else { "correction_again" };
                        sink.push(RuleId::ProcessCorrectionRepeated, || Finding {
                            person: person(ctx, case, i),
                            at: event.time,
                            ..finding(Some(name), Some(i), Evidence::new(why, []))
                        });
                    }
                }
                Some(StepMarker::Acceptance) => accepted = true,
                None => {}
            }
        }
        if let Some(r) = event.resource
            && ctx.separations.iter().any(|(a, b)| a == name || b == name)
        {
            done_by.push((i, name, ctx.log.name(r)));
        }
    }
    for (a, b) in ctx.separations {
        let mut reported: Vec<&str> = Vec::new();
        for &(i, step, who) in &done_by {
            let did_first = || done_by.iter().any(|&(_, s, p)| s == a && p == who);
            if step == b && !reported.contains(&who) && did_first() {
                reported.push(who);
                sink.push(RuleId::ProcessSeparationOfDuties, || Finding {
                    person: Some(who.to_owned()),
                    at: case.events.get(i).and_then(|e| e.time),
                    ..finding(
                        Some(b),
                        Some(i),
                        Evidence::new("also_did", [("person", who.to_owned()), ("step", a.clone())]),
                    )
                });
            }
        }
    }
}

fn content_rules(ctx: &Context<'_>, case: &Case, sink: &mut Sink<'_>) {
    let mut previous: Option<DateTime<FixedOffset>> = None;
    for (i, event) in case.events.iter().enumerate() {
        let name = ctx.log.name(event.activity);
        if let Some(t) = event.time {
            if let Some(p) = previous.filter(|&p| t < p) {
                sink.push(RuleId::ContentTimestampBackwards, || Finding {
                    at: Some(t),
                    person: person(ctx, case, i),
                    ..finding(Some(name), Some(i), Evidence::new("after_later_event", [("at", instant(p))]))
                });
            }
            if let Some(filed) = case.application.filter(|&a| t < a) {
                sink.push(RuleId::ContentBeforeApplication, || Finding {
                    at: Some(t),
                    person: person(ctx, case, i),
                    ..finding(Some(name), Some(i), Evidence::new("before_application", [("at", instant(filed))]))
                });
            }
            previous = Some(previous.map_or(t, |p| p.max(t)));
        }
        if event.lifecycle == Lifecycle::Complete
            && let Some(step) = ctx.label(event.activity).and_then(|l| ctx.step(l))
            && !step.documents.is_empty()
        {
            let missing: Vec<&str> = step
                .documents
                .iter()
                .map(String::as_str)
                .filter(|d| !event.documents.iter().any(|g| ctx.log.name(*g) == *d))
                .collect();
            if !missing.is_empty() {
                sink.push(RuleId::ContentMissingDocuments, || Finding {
                    at: event.time,
                    person: person(ctx, case, i),
                    ..finding(Some(name), Some(i), Evidence::new("missing_documents", [("documents", names(&missing))]))
                });
            }
        }
        if let (Some(due), Some(paid)) = (event.fee_due, event.fee_paid) {
            let off = (paid - due).abs();
            let deviates = if due > 0.0 { off > ctx.config.fee_tolerance * due } else { off > 0.0 };
            if deviates {
                sink.push(RuleId::DiscretionFeeDeviation, || Finding {
                    at: event.time,
                    person: person(ctx, case, i),
                    ..finding(
                        Some(name),
                        Some(i),
                        Evidence::new("fee_differs", [("paid", paid.to_string()), ("due", due.to_string())]),
                    )
                });
            }
        }
    }
}

/// How far a span of work went past its limit.
struct Usage {
    /// Work done, in the limit's own measure.
    used: TimeDelta,
    allowed: TimeDelta,
    /// Working time past the limit.
    overdue: TimeDelta,
}

type Spell = (DateTime<FixedOffset>, DateTime<FixedOffset>);

fn usage(calendar: &Calendar, limit: TimeLimit, spells: &[Spell]) -> Usage {
    let amount = i32::try_from(limit.amount()).unwrap_or(i32::MAX);
    if limit.unit() == LimitUnit::NaturalDays {
        let used = spells.iter().map(|(a, b)| *b - *a).fold(TimeDelta::zero(), |x, y| x + y);
        let allowed = TimeDelta::days(i64::from(amount));
        let end = spells.iter().map(|s| s.1).max();
        let overdue = match end {
            Some(end) if used > allowed => calendar.working_time_between(end - (used - allowed), end),
            _ => TimeDelta::zero(),
        };
        return Usage { used, allowed, overdue };
    }
    let allowed = match limit.unit() {
        LimitUnit::WorkingHours => TimeDelta::hours(i64::from(amount)),
        _ => calendar.office_hours().day_length() * amount,
    };
    let used = calendar.working_time_over(spells);
    let overdue = if used > allowed { used - allowed } else { TimeDelta::zero() };
    Usage { used, allowed, overdue }
}

/// A limit whose time still runs at `now`: how much of it is used, so that the
/// instant its card changes can be worked out ([`next_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RunningLimit {
    /// Counted in natural time (a limit in natural days) rather than office time.
    pub natural: bool,
    /// The case's own limit (not a step's): it also decides whether it is overdue.
    pub whole_case: bool,
    pub used: TimeDelta,
    pub allowed: TimeDelta,
}

/// The thresholds of [`card`], in seconds of `used`, each the least value at which
/// its condition holds; `None` for a switched-off rule.
struct Thresholds {
    reminder: Option<i64>,
    /// Overdue seconds (beyond `allowed`) that raise a yellow and a red card.
    yellow: Option<i64>,
    red: Option<i64>,
}

/// The least `s` in `0..` with `holds(s)`, for a monotone `holds`, starting the
/// search at `guess` (a float estimate off by a few units at most).
fn least(guess: f64, holds: impl Fn(i64) -> bool) -> i64 {
    #[allow(clippy::cast_possible_truncation)] // guesses are seconds of a bounded limit
    let mut s = if guess.is_finite() { (guess.ceil() as i64).max(0) } else { 0 };
    let mut steps = 0;
    while s > 0 && holds(s - 1) && steps < 64 {
        s -= 1;
        steps += 1;
    }
    while !holds(s) && steps < 128 {
        s += 1;
        steps += 1;
    }
    s
}

fn thresholds(calendar: &Calendar, config: &RuleConfig, allowed: TimeDelta) -> Thresholds {
    let allowed_secs = allowed.num_seconds();
    let day = calendar.office_hours().day_length().num_seconds().max(1) as f64;
    let share = config.reminder_share;
    let by_share = least(share * allowed_secs.max(1) as f64, |s| s as f64 / allowed_secs.max(1) as f64 >= share);
    let last_day = (allowed_secs - calendar.office_hours().day_length().num_seconds()).max(0);
    let over = |days: f64| least(days * day, |o| o as f64 / day > days);
    Thresholds {
        reminder: config.is_enabled(RuleId::TimeReminder).then_some(by_share.min(last_day)),
        yellow: config.is_enabled(RuleId::TimeYellowCard).then(|| over(config.yellow_after_days)),
        red: config.is_enabled(RuleId::TimeRedCard).then(|| over(config.red_after_days)),
    }
}

/// The earliest instant after `now` at which a running limit's card changes (a
/// reminder, a yellow or a red card is due), or `None` when none can be.
///
/// The inverse of [`card`]: the running spell grows by office time (natural time
/// for natural days) from `now`, so a threshold of `used` is reached when that much
/// more has passed.
pub(crate) fn next_change(
    calendar: &Calendar,
    config: &RuleConfig,
    limit: &RunningLimit,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let t = thresholds(calendar, config, limit.allowed);
    let used = limit.used.num_seconds();
    let allowed = limit.allowed.num_seconds();
    let overdue_now = if limit.natural {
        // Natural limits measure lateness in office time from the instant the
        // natural time ran out.
        calendar.working_time_between(now - (limit.used - limit.allowed), now).num_seconds()
    } else {
        (used - allowed).max(0)
    };
    let mut candidates: Vec<DateTime<FixedOffset>> = Vec::new();
    let after = |extra: i64| -> Option<DateTime<FixedOffset>> {
        if limit.natural {
            now.checked_add_signed(TimeDelta::seconds(extra))
        } else {
            calendar.add_working_time(now, TimeDelta::seconds(extra)).ok()
        }
    };
    // A stronger card already shown hides the weaker thresholds.
    let red_now = t.red.is_some_and(|r| overdue_now >= r);
    let yellow_now = t.yellow.is_some_and(|y| overdue_now >= y);
    if let Some(r) = t.reminder.filter(|&r| r > used && !red_now && !yellow_now) {
        candidates.extend(after(r - used));
    }
    for card in [t.yellow.filter(|_| !red_now && !yellow_now), t.red.filter(|_| !red_now)].into_iter().flatten() {
        if card <= overdue_now {
            continue;
        }
        let at = if limit.natural {
            let ran_out = now + (limit.allowed - limit.used);
            calendar.add_working_time(ran_out, TimeDelta::seconds(card)).ok()
        } else {
            after(allowed + card - used)
        };
        candidates.extend(at);
    }
    if limit.whole_case && allowed >= used {
        // The case turns overdue the moment its time is used up.
        candidates.extend(after(allowed - used + 1));
    }
    candidates.into_iter().filter(|&at| at > now).min()
}

/// Raises the strongest card a span deserves (a stronger one replaces a weaker).
fn card(ctx: &Context<'_>, usage: &Usage, open: bool, step: Option<&str>, sink: &mut Sink<'_>) {
    let days = ctx.calendar.in_working_days(usage.overdue);
    // Formatted only for a finding: most evaluations raise none, and formatting was
    // a few per cent of a clock pass.
    let used = || format!("{:.2}", ctx.calendar.in_working_days(usage.used));
    let allowed = || format!("{:.2}", ctx.calendar.in_working_days(usage.allowed));
    let overdue =
        || Evidence::new("overdue", [("days", format!("{days:.2}")), ("used", used()), ("allowed", allowed())]);
    let config = ctx.config;
    if days > config.red_after_days && config.is_enabled(RuleId::TimeRedCard) {
        sink.push(RuleId::TimeRedCard, || finding(step, None, overdue()));
    } else if days > config.yellow_after_days && config.is_enabled(RuleId::TimeYellowCard) {
        sink.push(RuleId::TimeYellowCard, || finding(step, None, overdue()));
    } else if open {
        let share = usage.used.num_seconds() as f64 / usage.allowed.num_seconds().max(1) as f64;
        let last_day = usage.allowed - usage.used <= ctx.calendar.office_hours().day_length();
        if share >= config.reminder_share || last_day {
            sink.push(RuleId::TimeReminder, || {
                finding(step, None, Evidence::new("nearly_reached", [("used", used()), ("allowed", allowed())]))
            });
        }
    }
}

/// What the time rules found besides findings.
#[derive(Default)]
struct TimeResult {
    overdue: bool,
    /// Office time from the application to the end (or `now`), pauses left out.
    handling: Option<TimeDelta>,
    running: Vec<RunningLimit>,
    paused: bool,
}

/// Spans during which the case was paused: from a suspension to the next
/// resumption (or to `now`, still paused).
fn paused_spans(case: &Case, now: DateTime<FixedOffset>) -> (Vec<Spell>, Option<DateTime<FixedOffset>>) {
    let mut spans = Vec::new();
    let mut since: Option<DateTime<FixedOffset>> = None;
    for event in &case.events {
        let Some(t) = event.time else { continue };
        match event.lifecycle {
            Lifecycle::Suspend if since.is_none() => since = Some(t),
            Lifecycle::Resume => {
                if let Some(s) = since.take() {
                    spans.push((s, t));
                }
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        spans.push((s, now.max(s)));
    }
    (spans, since)
}

/// The spells of work on each step (by replay label) and what the clocks of a case
/// depend on.
struct StepSpells {
    spells: Vec<Vec<Spell>>,
    /// Steps whose time still runs (pending, not suspended) at `now`.
    open_labels: Vec<u32>,
    paused: bool,
    finished: bool,
    stops: Vec<Spell>,
}

/// Time on a step adds up over its spells (a return reopens it); a suspended step,
/// or a paused case, does not run.
fn step_spells(ctx: &Context<'_>, case: &Case, outcome: &ReplayOutcome) -> StepSpells {
    let labels = ctx.steps.len();
    let mut spells: Vec<Vec<Spell>> = vec![Vec::new(); labels];
    let mut open_since: Vec<Option<DateTime<FixedOffset>>> = vec![None; labels];
    let mut suspended = vec![false; labels];
    let mut previous: Option<DateTime<FixedOffset>> = None;
    for event in &case.events {
        let Some(t) = event.time else { continue };
        if let Some(label) = ctx.label(event.activity).map(|l| l as usize).filter(|&l| l < labels) {
            match event.lifecycle {
                Lifecycle::Start | Lifecycle::Resume => {
                    open_since[label] = Some(t);
                    suspended[label] = false;
                }
                Lifecycle::Suspend | Lifecycle::Complete => {
                    let from = open_since[label].take().or(previous).unwrap_or(t);
                    spells[label].push((from, t));
                    suspended[label] = event.lifecycle == Lifecycle::Suspend;
                }
                _ => {}
            }
        }
        previous = Some(t);
    }
    let finished = ctx.closed || outcome.finished;
    let (stops, pause_began) = paused_spans(case, ctx.now);
    let paused = !finished && pause_began.is_some();
    let mut open_labels: Vec<u32> = Vec::new();
    if !finished {
        let from = previous.unwrap_or(ctx.now);
        // A paused case stops every step's clock where the pause began.
        let until = pause_began.unwrap_or(ctx.now);
        for &label in &outcome.pending {
            let l = label as usize;
            if l >= labels || suspended[l] {
                continue;
            }
            let since = open_since[l].unwrap_or(from);
            // A step pending since this very instant has used nothing yet, but its
            // limit runs: an empty spell keeps it in view.
            if since <= until {
                spells[l].push((since, until));
            }
            open_labels.push(label);
        }
    }
    StepSpells { spells, open_labels, paused, finished, stops }
}

/// Step and case limits.
fn time_rules(ctx: &Context<'_>, case: &Case, outcome: &ReplayOutcome, sink: &mut Sink<'_>) -> TimeResult {
    let StepSpells { spells, open_labels, paused, finished, stops } = step_spells(ctx, case, outcome);
    let mut result = TimeResult { paused, ..TimeResult::default() };
    for (label, list) in (0_u32..).zip(&spells) {
        if list.is_empty() {
            continue;
        }
        let Some(limit) = ctx.step(label).and_then(|s| s.limit) else {
            continue;
        };
        let open = open_labels.contains(&label);
        let u = usage(ctx.calendar, limit, list);
        if open && !paused {
            let natural = limit.unit() == LimitUnit::NaturalDays;
            result.running.push(RunningLimit { natural, whole_case: false, used: u.used, allowed: u.allowed });
        }
        card(ctx, &u, open, Some(ctx.replayer.label_name(label)), sink);
    }
    case_limit(ctx, case, finished, &stops, &mut result, sink);
    result
}

/// The time each step has taken so far (steps never worked on left out), measured
/// as its limit measures it; a step without a limit in working time.
pub(crate) fn step_times(ctx: &Context<'_>, case: &Case, outcome: &ReplayOutcome) -> Vec<StepTime> {
    let StepSpells { spells, open_labels, .. } = step_spells(ctx, case, outcome);
    let mut times = Vec::new();
    for (label, list) in (0_u32..).zip(&spells) {
        if list.is_empty() {
            continue;
        }
        let limit = ctx.step(label).and_then(|s| s.limit);
        let (used, amount, overdue) = if let Some(limit) = limit {
            let u = usage(ctx.calendar, limit, list);
            let amount = match limit.unit() {
                LimitUnit::WorkingDays => ctx.calendar.in_working_days(u.used),
                LimitUnit::WorkingHours => u.used.num_seconds() as f64 / 3_600.0,
                LimitUnit::NaturalDays => u.used.num_seconds() as f64 / 86_400.0,
            };
            (u.used, amount, u.used > u.allowed)
        } else {
            let used = ctx.calendar.working_time_over(list);
            (used, ctx.calendar.in_working_days(used), false)
        };
        times.push(StepTime {
            step: ctx.replayer.label_name(label).to_owned(),
            used_minutes: used.num_minutes(),
            used_amount: amount,
            limit,
            overdue,
            running: open_labels.contains(&label),
        });
    }
    times
}

fn case_limit(
    ctx: &Context<'_>,
    case: &Case,
    finished: bool,
    pauses: &[Spell],
    result: &mut TimeResult,
    sink: &mut Sink<'_>,
) {
    let parts = ctx.chart.parts();
    let first = case.events.iter().filter_map(|e| e.time).min();
    let last = case.events.iter().filter_map(|e| e.time).max();
    let Some(start) = case.application.or(first) else {
        return;
    };
    let end = if finished { last.unwrap_or(start).max(start) } else { ctx.now };
    let within: Vec<Spell> = pauses.iter().map(|&(a, b)| (a.max(start), b.min(end))).filter(|(a, b)| a < b).collect();
    let used = ctx.calendar.working_time_between(start, end) - ctx.calendar.working_time_over(&within);
    result.handling = Some(used);
    let legal = parts.legal_limit.and_then(|l| ctx.calendar.deadline(start, l).ok());
    if let (Some(promised), Some(legal)) = (case.deadline, legal)
        && promised > legal
    {
        sink.push(RuleId::TimePromiseExceedsLegal, || {
            finding(
                None,
                None,
                Evidence::new("promise_exceeds_legal", [("promised", instant(promised)), ("legal", instant(legal))]),
            )
        });
    }
    let limit = parts.promised_limit.or(parts.legal_limit);
    let deadline = case.deadline.or_else(|| limit.and_then(|l| ctx.calendar.deadline(start, l).ok()));
    let Some(deadline) = deadline else {
        return;
    };
    let allowed = ctx.calendar.working_time_between(start, deadline);
    let overdue = if used > allowed { used - allowed } else { TimeDelta::zero() };
    if !finished && !result.paused {
        result.running.push(RunningLimit { natural: false, whole_case: true, used, allowed });
    }
    card(ctx, &Usage { used, allowed, overdue }, !finished, None, sink);
    result.overdue = used > allowed;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn ids_are_stable_and_prefixed_by_family() {
        for rule in RuleId::ALL {
            assert_eq!(RuleId::parse(rule.as_str()), Some(*rule));
            assert!(["time", "process", "content", "discretion"].contains(&rule.family()));
        }
        assert_eq!(RuleId::DiscretionFeeDeviation.as_str(), "discretion.fee_deviation");
    }

    #[test]
    fn settings_round_trip_and_are_checked() {
        let config = RuleConfig::default().disable("time.reminder").unwrap().with_cards(0.5, 3.0).unwrap();
        let settings = config.settings();
        let text = serde_json::to_string(&settings).unwrap();
        let back: RuleSettings = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_config().unwrap(), config);
        let bad = RuleSettings { red_after_days: 0.1, ..back.clone() };
        assert_eq!(bad.to_config(), Err(RuleConfigError::BadCardThresholds));
        let unknown = RuleSettings { disabled: vec!["time.nap".into()], ..back };
        assert_eq!(unknown.to_config().unwrap_err().code(), "unknown_rule");
    }

    #[test]
    fn config_refuses_bad_thresholds() {
        let c = RuleConfig::default();
        assert_eq!(c.clone().with_reminder_share(0.0).unwrap_err().code(), "bad_share");
        assert_eq!(c.clone().with_cards(3.0, 2.0).unwrap_err().code(), "bad_card_thresholds");
        assert_eq!(c.clone().with_returned_repeatedly_at(0).unwrap_err().code(), "bad_return_threshold");
        assert_eq!(c.clone().with_fee_tolerance(f64::NAN).unwrap_err().code(), "bad_fee_tolerance");
        assert_eq!(c.clone().disable("time.nope").unwrap_err().code(), "unknown_rule");
        let off = c.disable("time.reminder").unwrap();
        assert!(!off.is_enabled(RuleId::TimeReminder));
        assert!(off.enable("time.reminder").unwrap().is_enabled(RuleId::TimeReminder));
    }
}
