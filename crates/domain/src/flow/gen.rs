//! A synthetic approval log for tests, demos and benchmarks: a licence procedure of
//! ten activities (a correction loop, two parallel reviews, approval or rejection),
//! about 5% of its cases carrying one injected deviation each. The generator
//! records what every case should be found guilty of, so a check can be held to
//! finding every injected deviation and inventing none.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, TimeDelta};

use super::bpmn::export_bpmn;
use super::calendar::{Calendar, LimitUnit, TimeLimit};
use super::eventlog::{Case, Event, EventLog, Lifecycle, write_xes};
use super::flowchart::{ElementId, Flow, Flowchart, FlowchartParts, Node, NodeKind, Step, StepMarker};
use super::rules::RuleId;

/// A deviation put into a case on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Injected {
    SkippedStep,
    SwappedSteps,
    UnknownActivity,
    WrongRole,
    SameReviewerAndDecider,
    LateStep,
    FeeDeviation,
    Incomplete,
    BackdatedEvent,
}

impl Injected {
    const ALL: [Self; 9] = [
        Self::SkippedStep,
        Self::SwappedSteps,
        Self::UnknownActivity,
        Self::WrongRole,
        Self::SameReviewerAndDecider,
        Self::LateStep,
        Self::FeeDeviation,
        Self::Incomplete,
        Self::BackdatedEvent,
    ];

    /// The rule that must catch it.
    #[must_use]
    pub const fn rule(self) -> RuleId {
        match self {
            Self::SkippedStep | Self::SwappedSteps => RuleId::ProcessNotAllowed,
            Self::UnknownActivity => RuleId::ProcessUnknownActivity,
            Self::WrongRole => RuleId::ProcessWrongRole,
            Self::SameReviewerAndDecider => RuleId::ProcessSeparationOfDuties,
            Self::LateStep => RuleId::TimeRedCard,
            Self::FeeDeviation => RuleId::DiscretionFeeDeviation,
            Self::Incomplete => RuleId::ProcessIncomplete,
            Self::BackdatedEvent => RuleId::ContentTimestampBackwards,
        }
    }
}

/// The generated log, its flowchart, and what a check must find.
#[derive(Debug, Clone)]
pub struct GeneratedLog {
    pub xes: String,
    pub bpmn: String,
    /// Cases given a deviation, and which.
    pub injected: BTreeMap<String, Injected>,
    /// Every case that must have findings, with exactly those rules (sorted).
    pub expected: BTreeMap<String, Vec<RuleId>>,
    /// An instant after every event, to check the log as of.
    pub end: DateTime<FixedOffset>,
}

const REGISTER: &str = "Register application";
const CHECK: &str = "Check completeness";
const CORRECT: &str = "Request correction";
const ACCEPT: &str = "Accept application";
const INSPECT: &str = "Site inspection";
const REVIEW: &str = "Technical review";
const DECIDE: &str = "Decide";
const FEE: &str = "Collect fee";
const ISSUE: &str = "Issue licence";
const REJECT: &str = "Notify rejection";
const DOCUMENTS: [&str; 2] = ["Application form", "Identity card"];
const FEE_DUE: f64 = 200.0;

/// splitmix64: small, seedable, good enough to vary synthetic cases (here and in
/// the demo county's cases); the same seed gives the same sequence everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn eid(text: &str) -> ElementId {
    // Every id below is a fixed, valid literal; the fallback is never taken.
    ElementId::parse(text).unwrap_or_else(|_| ElementId::generated(0))
}

fn limit(amount: u32, unit: LimitUnit) -> Option<TimeLimit> {
    TimeLimit::new(amount, unit).ok()
}

/// The flowchart the generated log follows.
#[must_use]
pub fn generator_flowchart() -> FlowchartParts {
    let task = |id: &str, name: &str, role: &str, days: u32, marker: Option<StepMarker>| Node {
        id: eid(id),
        name: name.to_owned(),
        kind: NodeKind::Task(Step {
            role: Some(role.to_owned()),
            limit: limit(days, LimitUnit::WorkingDays),
            supervisor: Some("Discipline inspection group 2".to_owned()),
            documents: if id == "t1" { DOCUMENTS.iter().map(|d| (*d).to_owned()).collect() } else { Vec::new() },
            marker,
            ..Step::default()
        }),
    };
    let plain = |id: &str, kind: NodeKind| Node { id: eid(id), name: String::new(), kind };
    let xor = || NodeKind::Exclusive { default: None };
    let nodes = vec![
        plain("start", NodeKind::Start),
        task("t1", REGISTER, "clerk", 1, None),
        plain("x_check", xor()),
        task("t2", CHECK, "clerk", 2, None),
        plain("x_complete", xor()),
        task("t3", CORRECT, "clerk", 1, Some(StepMarker::Correction)),
        task("t4", ACCEPT, "clerk", 1, Some(StepMarker::Acceptance)),
        plain("p_split", NodeKind::Parallel),
        task("t5", INSPECT, "inspector", 5, None),
        task("t6", REVIEW, "reviewer", 2, None),
        plain("p_join", NodeKind::Parallel),
        task("t7", DECIDE, "leader", 2, None),
        plain("x_decision", xor()),
        task("t8", FEE, "cashier", 1, None),
        task("t9", ISSUE, "clerk", 1, None),
        task("t10", REJECT, "clerk", 1, None),
        plain("x_done", xor()),
        plain("end", NodeKind::End),
    ];
    let edges = [
        ("start", "t1"),
        ("t1", "x_check"),
        ("x_check", "t2"),
        ("t2", "x_complete"),
        ("x_complete", "t3"),
        ("t3", "x_check"),
        ("x_complete", "t4"),
        ("t4", "p_split"),
        ("p_split", "t5"),
        ("p_split", "t6"),
        ("t5", "p_join"),
        ("t6", "p_join"),
        ("p_join", "t7"),
        ("t7", "x_decision"),
        ("x_decision", "t8"),
        ("t8", "t9"),
        ("t9", "x_done"),
        ("x_decision", "t10"),
        ("t10", "x_done"),
        ("x_done", "end"),
    ];
    let flows = edges
        .iter()
        .enumerate()
        .map(|(i, (s, t))| Flow {
            id: eid(&format!("f{}", i + 1)),
            source: eid(s),
            target: eid(t),
            name: String::new(),
            condition: None,
        })
        .collect();
    FlowchartParts {
        id: Some(eid("licence")),
        name: "Licence application".to_owned(),
        nodes,
        flows,
        timers: Vec::new(),
        separations: vec![(eid("t6"), eid("t7"))],
        legal_limit: limit(20, LimitUnit::WorkingDays),
        promised_limit: limit(10, LimitUnit::WorkingDays),
    }
}

struct Builder<'a> {
    log: EventLog,
    calendar: &'a Calendar,
    rng: Rng,
}

impl Builder<'_> {
    fn event(&mut self, activity: &str, role: &str, person: &str, time: DateTime<FixedOffset>) -> Event {
        let mut e = Event {
            activity: self.log.intern(activity),
            resource: Some(self.log.intern(person)),
            group: Some(self.log.intern(role)),
            time: Some(time),
            lifecycle: Lifecycle::Complete,
            fee_due: None,
            fee_paid: None,
            documents: Vec::new(),
        };
        if activity == REGISTER {
            e.documents = DOCUMENTS.iter().map(|d| self.log.intern(d)).collect();
        }
        e
    }

    fn person(&mut self, role: &str) -> String {
        let (prefix, count) = match role {
            "clerk" => ("C", 20),
            "inspector" => ("I", 10),
            "reviewer" => ("R", 10),
            "leader" => ("L", 5),
            _ => ("K", 5),
        };
        format!("{prefix}{:02}", self.rng.below(count) + 1)
    }

    fn later(&mut self, t: DateTime<FixedOffset>, minutes: (u64, u64)) -> DateTime<FixedOffset> {
        let span = minutes.0 + self.rng.below(minutes.1 - minutes.0);
        let span = TimeDelta::minutes(i64::try_from(span).unwrap_or(60));
        self.calendar.add_working_time(t, span).unwrap_or(t + span)
    }

    /// Builds one case; returns it and whether it went through a correction.
    fn case(&mut self, id: String, start: DateTime<FixedOffset>, injected: Option<Injected>) -> (Case, bool) {
        let mut steps: Vec<(&str, &str)> = vec![(REGISTER, "clerk"), (CHECK, "clerk")];
        let corrected = injected.is_none() && self.rng.chance(10);
        if corrected {
            steps.extend([(CORRECT, "clerk"), (CHECK, "clerk")]);
        }
        steps.push((ACCEPT, "clerk"));
        if self.rng.chance(50) {
            steps.extend([(INSPECT, "inspector"), (REVIEW, "reviewer")]);
        } else {
            steps.extend([(REVIEW, "reviewer"), (INSPECT, "inspector")]);
        }
        steps.push((DECIDE, "leader"));
        let approve_forced =
            matches!(injected, Some(Injected::SwappedSteps | Injected::FeeDeviation | Injected::Incomplete));
        if approve_forced || self.rng.chance(80) {
            steps.extend([(FEE, "cashier"), (ISSUE, "clerk")]);
        } else {
            steps.push((REJECT, "clerk"));
        }
        match injected {
            Some(Injected::SkippedStep) => steps.retain(|s| s.0 != CHECK),
            Some(Injected::UnknownActivity) => {
                let at = steps.iter().position(|s| s.0 == ACCEPT).map_or(0, |p| p + 1);
                steps.insert(at, ("Informal consultation", "clerk"));
            }
            Some(Injected::Incomplete) => steps.truncate(steps.len() - 2),
            _ => {}
        }
        let mut events = Vec::with_capacity(steps.len());
        let mut t = start;
        let mut reviewer = String::new();
        for (activity, role) in steps {
            t = if injected == Some(Injected::LateStep) && activity == REVIEW {
                self.calendar.add_working_days(t, 5).unwrap_or(t + TimeDelta::days(7))
            } else {
                self.later(t, (10, 120))
            };
            let (role, person) = match (injected, activity) {
                (Some(Injected::WrongRole), INSPECT) => ("clerk", self.person("clerk")),
                (Some(Injected::SameReviewerAndDecider), DECIDE) => (role, reviewer.clone()),
                _ => (role, self.person(role)),
            };
            if activity == REVIEW {
                reviewer.clone_from(&person);
            }
            let mut event = self.event(activity, role, &person, t);
            if activity == FEE {
                event.fee_due = Some(FEE_DUE);
                event.fee_paid = Some(if injected == Some(Injected::FeeDeviation) { FEE_DUE * 1.15 } else { FEE_DUE });
            }
            events.push(event);
        }
        match injected {
            Some(Injected::SwappedSteps) => {
                let d = events.iter().position(|e| self.log.name(e.activity) == DECIDE);
                let f = events.iter().position(|e| self.log.name(e.activity) == FEE);
                if let (Some(d), Some(f)) = (d, f) {
                    // The activities trade places; the clock keeps running forward.
                    let (td, tf) = (events[d].time, events[f].time);
                    events.swap(d, f);
                    events[d].time = td;
                    events[f].time = tf;
                }
            }
            Some(Injected::BackdatedEvent) => {
                let n = events.len();
                if let Some(previous) = events[n - 2].time {
                    events[n - 1].time = Some(previous - TimeDelta::hours(3));
                }
            }
            _ => {}
        }
        let case = Case { id, deadline: None, application: None, events };
        (case, corrected)
    }
}

/// Generates `cases` cases from `seed`: the same seed gives the same log.
#[must_use]
pub fn generate_log(cases: usize, seed: u64) -> GeneratedLog {
    let calendar = Calendar::china();
    let mut builder = Builder { log: EventLog::default(), calendar: &calendar, rng: Rng(seed) };
    let mut injected = BTreeMap::new();
    let mut expected = BTreeMap::new();
    let mut start = DateTime::parse_from_rfc3339("2023-01-03T09:00:00+08:00").unwrap_or_default();
    let mut end = start;
    for i in 0..cases {
        let id = format!("case-{:06}", i + 1);
        start = builder.later(start, (1, 4));
        let deviation =
            builder.rng.chance(5).then(|| Injected::ALL[usize::try_from(builder.rng.below(9)).unwrap_or(0)]);
        let (case, corrected) = builder.case(id.clone(), start, deviation);
        if let Some(t) = case.events.iter().filter_map(|e| e.time).max() {
            end = end.max(t);
        }
        if let Some(d) = deviation {
            injected.insert(id.clone(), d);
            expected.insert(id, vec![d.rule()]);
        } else if corrected {
            expected.insert(id, vec![RuleId::ProcessReturned]);
        }
        builder.log.cases.push(case);
    }
    let xes = write_xes(&builder.log, &builder.log.cases);
    let bpmn = Flowchart::new(generator_flowchart()).map(|chart| export_bpmn(&chart)).unwrap_or_default();
    GeneratedLog { xes, bpmn, injected, expected, end: end + TimeDelta::days(1) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::collections::BTreeSet;

    use super::*;
    use crate::flow::bpmn::import_bpmn;
    use crate::flow::check::{CheckOptions, check_log};
    use crate::flow::eventlog::read_xes;

    #[test]
    fn every_injected_deviation_is_found_and_none_invented() {
        let generated = generate_log(3_000, 7);
        let chart = import_bpmn(&generated.bpmn).unwrap();
        assert!(chart.four_clarities().is_empty());
        let log = read_xes(&generated.xes, FixedOffset::east_opt(8 * 3600).unwrap()).unwrap();
        assert_eq!(log.cases.len(), 3_000);
        let report = check_log(&chart, &log, &CheckOptions::new(generated.end));
        let found: BTreeMap<String, Vec<RuleId>> =
            report.cases_detail.iter().map(|c| (c.case.clone(), c.rules.clone())).collect();
        assert_eq!(found, generated.expected);
        let kinds: BTreeSet<Injected> = generated.injected.values().copied().collect();
        assert_eq!(kinds.len(), Injected::ALL.len());
        let share = generated.injected.len() as f64 / 3_000.0;
        assert!((0.03..0.07).contains(&share), "{share}");
        assert_eq!(report.overdue_cases, 0);
    }

    #[test]
    fn same_seed_same_log() {
        assert_eq!(generate_log(50, 1).xes, generate_log(50, 1).xes);
        assert_ne!(generate_log(50, 1).xes, generate_log(50, 2).xes);
    }
}
