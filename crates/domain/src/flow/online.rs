//! Live supervision of one case (办件) at a time: the same rules as the offline
//! check ([`super::check`]), run on a case's events as they arrive, plus what the
//! clock needs — the instant the case must be looked at again.
//!
//! A published flowchart version is prepared once into an [`OnlineChart`] (its
//! replayer, steps by label, separations) and reused for every case of it; replay
//! outcomes are kept per distinct trace, since most cases walk the same few paths.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::calendar::Calendar;
use super::eventlog::{Case, EventLog, Lifecycle};
use super::flowchart::{Flowchart, Step};
use super::replay::{ReplayOutcome, Replayer};
use super::rules::{Context, Finding, RuleConfig, RuleId, check_case, next_change, step_times};
use super::trace::StepTime;

/// Distinct (trace, closed) replays kept per chart before the memory is reset.
const MAX_CACHED_REPLAYS: usize = 20_000;

/// The strongest time card a case shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Card {
    None,
    Reminder,
    Yellow,
    Red,
}

impl Card {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Reminder => "reminder",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "none" => Some(Self::None),
            "reminder" => Some(Self::Reminder),
            "yellow" => Some(Self::Yellow),
            "red" => Some(Self::Red),
            _ => None,
        }
    }

    /// The card a time rule raises, if it is one.
    #[must_use]
    pub const fn of_rule(rule: RuleId) -> Option<Self> {
        match rule {
            RuleId::TimeReminder => Some(Self::Reminder),
            RuleId::TimeYellowCard => Some(Self::Yellow),
            RuleId::TimeRedCard => Some(Self::Red),
            _ => None,
        }
    }
}

/// A flowchart version prepared for live evaluation.
#[derive(Debug)]
pub struct OnlineChart {
    chart: Flowchart,
    replayer: Replayer,
    /// The step of each replay label (index into the chart's nodes).
    step_nodes: Vec<Option<usize>>,
    separations: Vec<(String, String)>,
    replays: Mutex<HashMap<ReplayKey, ReplayOutcome>>,
}

/// A trace of replay labels and whether the case is closed.
type ReplayKey = (Vec<Option<u32>>, bool);

/// When and against what a case is evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Evaluator<'a> {
    pub calendar: &'a Calendar,
    pub rules: &'a RuleConfig,
    pub now: DateTime<FixedOffset>,
}

/// What the rules say about one case now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Every finding, as the offline check would report it.
    pub findings: Vec<Finding>,
    /// The strongest time card among the findings.
    pub card: Card,
    /// Past its deadline, finished or not.
    pub overdue: bool,
    /// No departure from the flowchart's order of steps.
    pub conformant: bool,
    /// The steps the flowchart expects next (none once closed).
    pub current_steps: Vec<String>,
    pub returns: u32,
    /// Office minutes from the application to the end (or now), pauses left out.
    pub handling_minutes: Option<i64>,
    /// The earliest instant after now at which a time rule's outcome can change;
    /// `None` when nothing can fall due (closed, paused or no limit running).
    pub next_due: Option<DateTime<FixedOffset>>,
}

impl Evaluation {
    /// The time findings as (rule, step) pairs, sorted: what the clock compares.
    #[must_use]
    pub fn time_state(&self) -> Vec<(RuleId, Option<String>)> {
        let mut state: Vec<(RuleId, Option<String>)> =
            self.findings.iter().filter(|f| f.rule.family() == "time").map(|f| (f.rule, f.step.clone())).collect();
        state.sort();
        state
    }
}

impl OnlineChart {
    #[must_use]
    pub fn new(chart: Flowchart) -> Self {
        let replayer = Replayer::new(&chart);
        let mut step_nodes = vec![None; replayer.label_count()];
        for (i, node) in chart.nodes().iter().enumerate() {
            if node.step().is_some()
                && let Some(label) = replayer.label(&node.name)
                && let Some(slot) = step_nodes.get_mut(label as usize)
            {
                slot.get_or_insert(i);
            }
        }
        let name_of = |id: &super::flowchart::ElementId| chart.node(id.as_str()).map(|n| n.name.trim().to_owned());
        let separations =
            chart.parts().separations.iter().filter_map(|(a, b)| Some((name_of(a)?, name_of(b)?))).collect();
        Self { chart, replayer, step_nodes, separations, replays: Mutex::new(HashMap::new()) }
    }

    #[must_use]
    pub fn chart(&self) -> &Flowchart {
        &self.chart
    }

    /// Whether the flowchart has a step of this name.
    #[must_use]
    pub fn has_step(&self, name: &str) -> bool {
        self.replayer.label(name).is_some()
    }

    /// The replay label of every name of `log` (compute once per log and chart).
    #[must_use]
    pub fn labels(&self, log: &EventLog) -> Vec<Option<u32>> {
        log.symbols().map(|s| self.replayer.label(log.name(s))).collect()
    }

    fn replay(&self, trace: Vec<Option<u32>>, closed: bool) -> ReplayOutcome {
        let key = (trace, closed);
        if let Some(found) = self.replays.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return found.clone();
        }
        let outcome = self.replayer.replay(&key.0, closed);
        let mut cache = self.replays.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_CACHED_REPLAYS {
            cache.clear();
        }
        cache.insert(key, outcome.clone());
        outcome
    }

    /// The replay of `case`'s completed steps, with the event index of each.
    pub(crate) fn replay_case(&self, labels: &[Option<u32>], case: &Case, closed: bool) -> (ReplayOutcome, Vec<usize>) {
        let mut trace = Vec::with_capacity(case.events.len());
        let mut positions = Vec::with_capacity(case.events.len());
        for (i, e) in case.events.iter().enumerate() {
            if e.lifecycle == Lifecycle::Complete {
                trace.push(labels.get(e.activity.index()).copied().flatten());
                positions.push(i);
            }
        }
        (self.replay(trace, closed), positions)
    }

    fn steps(&self) -> Vec<Option<&Step>> {
        self.step_nodes.iter().map(|n| n.and_then(|i| self.chart.nodes().get(i)).and_then(|n| n.step())).collect()
    }

    fn context<'a>(
        &'a self,
        at: &Evaluator<'a>,
        log: &'a EventLog,
        labels: &'a [Option<u32>],
        closed: bool,
        steps: &'a [Option<&'a Step>],
    ) -> Context<'a> {
        Context {
            chart: &self.chart,
            replayer: &self.replayer,
            log,
            calendar: at.calendar,
            config: at.rules,
            closed,
            now: at.now,
            steps,
            labels,
            separations: &self.separations,
        }
    }

    /// The time each step of `case` has taken as of `at.now` (see [`Self::evaluate`]).
    #[must_use]
    pub fn step_times(
        &self,
        at: &Evaluator<'_>,
        log: &EventLog,
        labels: &[Option<u32>],
        case: &Case,
        closed: bool,
    ) -> Vec<StepTime> {
        let (outcome, _) = self.replay_case(labels, case, closed);
        let steps = self.steps();
        step_times(&self.context(at, log, labels, closed, &steps), case, &outcome)
    }

    /// Runs every rule on `case` (whose names live in `log`, labelled by
    /// [`Self::labels`]) as of `at.now`; `closed` when the case is finished or
    /// terminated.
    #[must_use]
    pub fn evaluate(
        &self,
        at: &Evaluator<'_>,
        log: &EventLog,
        labels: &[Option<u32>],
        case: &Case,
        closed: bool,
    ) -> Evaluation {
        let (outcome, positions) = self.replay_case(labels, case, closed);
        let steps = self.steps();
        let ctx = self.context(at, log, labels, closed, &steps);
        let result = check_case(&ctx, case, &positions, &outcome);
        let card = result.findings.iter().filter_map(|f| Card::of_rule(f.rule)).max().unwrap_or(Card::None);
        let conformant = !result.findings.iter().any(|f| f.rule.is_conformance());
        let open = !closed && !outcome.finished;
        let current_steps = if open {
            outcome.pending.iter().map(|&l| self.replayer.label_name(l).to_owned()).collect()
        } else {
            Vec::new()
        };
        let next_due = if open && !result.paused {
            result.running.iter().filter_map(|limit| next_change(at.calendar, at.rules, limit, at.now)).min()
        } else {
            None
        };
        Evaluation {
            card,
            overdue: result.overdue,
            conformant,
            current_steps,
            returns: outcome.returns,
            handling_minutes: result.handling.map(|h| h.num_minutes()),
            next_due,
            findings: result.findings,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;
    use crate::flow::case_event::{CaseAction, RecordedEvent};
    use crate::flow::generator::generator_flowchart;

    const PATH: [(&str, &str); 8] = [
        ("Register application", "clerk"),
        ("Check completeness", "clerk"),
        ("Accept application", "clerk"),
        ("Site inspection", "inspector"),
        ("Technical review", "reviewer"),
        ("Decide", "leader"),
        ("Collect fee", "cashier"),
        ("Issue licence", "clerk"),
    ];

    fn chart() -> OnlineChart {
        OnlineChart::new(Flowchart::new(generator_flowchart()).unwrap())
    }

    fn t0() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2025-03-03T09:30:00+08:00").unwrap()
    }

    /// A case of `events` (step index, action, working minutes after the start).
    fn case(events: &[(usize, CaseAction, i64)]) -> (EventLog, Case) {
        let cal = Calendar::china();
        let mut log = EventLog::default();
        let docs = vec!["Application form".to_owned(), "Identity card".to_owned()];
        let mut c = Case { id: "c".into(), deadline: None, application: Some(t0()), events: Vec::new() };
        for &(step, action, minutes) in events {
            let (name, role) = PATH.get(step).copied().unwrap_or(("Lunch", "clerk"));
            let at = cal.add_working_time(t0(), TimeDelta::minutes(minutes)).unwrap();
            let e = RecordedEvent {
                step: name,
                action,
                actor: role,
                group: Some(role),
                at,
                fee_due_cents: None,
                fee_paid_cents: None,
                documents: if step == 0 { &docs } else { &[] },
            };
            c.events.push(e.to_event(&mut log));
        }
        (log, c)
    }

    fn eval(chart: &OnlineChart, log: &EventLog, c: &Case, closed: bool, now: DateTime<FixedOffset>) -> Evaluation {
        let cal = Calendar::china();
        let rules = RuleConfig::default();
        let at = Evaluator { calendar: &cal, rules: &rules, now };
        chart.evaluate(&at, log, &chart.labels(log), c, closed)
    }

    fn minutes_later(minutes: i64) -> DateTime<FixedOffset> {
        Calendar::china().add_working_time(t0(), TimeDelta::minutes(minutes)).unwrap()
    }

    /// Registered, checked and accepted in the first hours: the inspection (5
    /// working days) and the review (2) run side by side.
    const ACCEPTED: [(usize, CaseAction, i64); 3] =
        [(0, CaseAction::Complete, 30), (1, CaseAction::Complete, 60), (2, CaseAction::Accept, 90)];

    #[test]
    fn an_open_case_on_time_is_clean_and_due_later() {
        let chart = chart();
        let (log, c) = case(&ACCEPTED);
        let now = minutes_later(120);
        let e = eval(&chart, &log, &c, false, now);
        assert!(e.findings.is_empty(), "{:?}", e.findings);
        assert_eq!(e.card, Card::None);
        assert!(e.conformant && !e.overdue);
        assert_eq!(e.current_steps, ["Site inspection", "Technical review"]);
        let due = e.next_due.unwrap();
        assert!(due > now);
        // At that instant the review reaches its last working day: a reminder.
        let later = eval(&chart, &log, &c, false, due);
        assert_ne!(later.time_state(), e.time_state());
        assert_eq!(later.card, Card::Reminder);
        assert_eq!(later.findings[0].step.as_deref(), Some("Technical review"));
        let before = eval(&chart, &log, &c, false, due - TimeDelta::seconds(1));
        assert_eq!(before.time_state(), e.time_state());
    }

    #[test]
    fn cards_grow_then_finishing_in_time_takes_the_reminder_down() {
        let chart = chart();
        let (log, c) = case(&ACCEPTED);
        let mut now = minutes_later(120);
        let mut cards = vec![eval(&chart, &log, &c, false, now).card];
        // Follow the clock: each next_due moves the case on to its next card.
        for _ in 0..20 {
            let Some(due) = eval(&chart, &log, &c, false, now).next_due else { break };
            now = due;
            cards.push(eval(&chart, &log, &c, false, now).card);
        }
        assert!(cards.windows(2).all(|w| w[0] <= w[1]), "{cards:?}");
        assert_eq!(cards.first(), Some(&Card::None));
        assert_eq!(cards.last(), Some(&Card::Red));
        assert!(cards.contains(&Card::Reminder) && cards.contains(&Card::Yellow), "{cards:?}");
        // Reviewed within its last day: the review's reminder is gone.
        let mut events = ACCEPTED.to_vec();
        events.push((4, CaseAction::Complete, 90 + 420 + 300));
        let (log, c) = case(&events);
        let done_in_time = eval(&chart, &log, &c, false, minutes_later(90 + 420 + 301));
        assert!(!done_in_time.findings.iter().any(|f| f.step.as_deref() == Some("Technical review")));
        let (log, c) = case(&ACCEPTED);
        let open = eval(&chart, &log, &c, false, minutes_later(90 + 420 + 301));
        assert!(open.findings.iter().any(|f| f.step.as_deref() == Some("Technical review")), "{:?}", open.findings);
    }

    #[test]
    fn closed_and_paused_cases_fall_due_never() {
        let chart = chart();
        let mut events: Vec<(usize, CaseAction, i64)> = PATH
            .iter()
            .enumerate()
            .map(|(i, _)| (i, CaseAction::Complete, 60 * (i64::try_from(i).unwrap() + 1)))
            .collect();
        let (log, c) = case(&events);
        let done = eval(&chart, &log, &c, true, minutes_later(600));
        assert!(done.next_due.is_none() && done.current_steps.is_empty());
        assert!(done.findings.is_empty(), "{:?}", done.findings);
        assert_eq!(done.handling_minutes, Some(480));
        events.truncate(3);
        events.push((3, CaseAction::Pause, 200));
        let (log, c) = case(&events);
        let paused = eval(&chart, &log, &c, false, minutes_later(300));
        assert!(paused.next_due.is_none());
        assert!(paused.findings.iter().any(|f| f.rule == RuleId::ProcessPaused));
        // A paused case's clock stands still: much later, the same time findings.
        let much_later = eval(&chart, &log, &c, false, minutes_later(300 + 420 * 30));
        assert_eq!(much_later.time_state(), paused.time_state());
        assert_eq!(much_later.handling_minutes, paused.handling_minutes);
    }

    #[test]
    fn process_and_content_rules_run_live() {
        let chart = chart();
        // Decided before anything was accepted, by an unknown step, going backwards.
        let (log, mut c) =
            case(&[(0, CaseAction::Complete, 30), (5, CaseAction::Approve, 60), (9, CaseAction::Complete, 90)]);
        c.events[1].time = Some(t0() - TimeDelta::hours(1));
        let e = eval(&chart, &log, &c, false, minutes_later(100));
        let rules: Vec<RuleId> = e.findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&RuleId::ProcessNotAllowed), "{rules:?}");
        assert!(rules.contains(&RuleId::ProcessUnknownActivity), "{rules:?}");
        assert!(rules.contains(&RuleId::ContentTimestampBackwards), "{rules:?}");
        assert!(rules.contains(&RuleId::ContentBeforeApplication), "{rules:?}");
        assert!(!e.conformant);
        // The same trace again is answered from the replay cache, identically.
        assert_eq!(eval(&chart, &log, &c, false, minutes_later(100)), e);
    }

    fn arbitrary_events() -> impl Strategy<Value = Vec<(usize, CaseAction, i64)>> {
        let action = prop::sample::select(CaseAction::ALL.to_vec());
        proptest::collection::vec((0_usize..10, action, 0_i64..20_000), 0..14)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn evaluation_never_panics_and_next_due_is_ahead(events in arbitrary_events(), closed: bool, at in 0_i64..40_000) {
            let chart = chart();
            let (log, c) = case(&events);
            let now = minutes_later(at);
            let e = eval(&chart, &log, &c, closed, now);
            if let Some(due) = e.next_due {
                prop_assert!(due > now);
                prop_assert!(!closed);
            }
        }

        /// Events all in the past: nothing changes before next_due, and at next_due
        /// the time findings change or the case falls due again later.
        #[test]
        fn the_clock_misses_nothing(mut steps in proptest::collection::vec(0_usize..8, 1..9), gaps in proptest::collection::vec(1_i64..900, 9), extra in 0_i64..6_000) {
            let chart = chart();
            steps.sort_unstable();
            let mut minute = 0;
            let events: Vec<(usize, CaseAction, i64)> = steps.iter().zip(&gaps).map(|(&s, &g)| { minute += g; (s, CaseAction::Complete, minute) }).collect();
            let (log, c) = case(&events);
            let now = minutes_later(minute + extra);
            let e = eval(&chart, &log, &c, false, now);
            if let Some(due) = e.next_due {
                let at_due = eval(&chart, &log, &c, false, due);
                let changed = at_due.time_state() != e.time_state() || at_due.overdue != e.overdue;
                prop_assert!(changed || at_due.next_due.is_some_and(|d| d > due));
                let mid = now + (due - now) / 2;
                for probe in [due - TimeDelta::seconds(1), mid] {
                    if probe > now {
                        let p = eval(&chart, &log, &c, false, probe);
                        prop_assert_eq!(p.time_state(), e.time_state());
                        prop_assert_eq!(p.overdue, e.overdue);
                    }
                }
            }
        }
    }
}
