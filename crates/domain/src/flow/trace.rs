//! A case's run laid over its flowchart (办理轨迹): for every step whether the case
//! has not reached it, is at it, has done it or went past it without it; the
//! events at it, how long it took against its limit, and what the rules found
//! there. The drawing ([`super::svg::render_svg_with_trace`]) and the case page
//! read it; it is worked out from the same replay and findings as the rules', so
//! the two never disagree.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::calendar::TimeLimit;
use super::eventlog::{Case, EventLog, Lifecycle};
use super::evidence::Evidence;
use super::flowchart::{Flowchart, Node, NodeKind};
use super::online::{Evaluation, Evaluator, OnlineChart};
use super::replay::Deviation;
use super::rules::{Finding, RuleId};

/// Where a case stands at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not reached yet, or on a branch the case did not take.
    NotReached,
    /// Expected next, or in progress.
    Current,
    /// Done at least once.
    Done,
    /// The case went on (or closed) without it although the flowchart required it.
    Skipped,
}

impl StepState {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotReached => "not_reached",
            Self::Current => "current",
            Self::Done => "done",
            Self::Skipped => "skipped",
        }
    }
}

/// The time a step has taken, measured as its limit measures it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTime {
    pub step: String,
    /// Office minutes (natural minutes for a limit in natural days).
    pub used_minutes: i64,
    /// The time taken in the limit's unit (working days without a limit).
    pub used_amount: f64,
    pub limit: Option<TimeLimit>,
    /// More time taken than the limit allows.
    pub overdue: bool,
    /// The step's clock still runs.
    pub running: bool,
}

/// A finding of the rules, where the trace shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceFinding {
    pub rule: RuleId,
    /// The evidence in English; `words` is the same as a message to translate.
    pub evidence: String,
    #[serde(skip)]
    pub words: Evidence,
    /// The order number of the event that is the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<u32>,
}

/// One step of the flowchart with the case's run over it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTrace {
    pub state: StepState,
    /// Order numbers of the events at the step, in order.
    pub events: Vec<u32>,
    /// How many times the step was done (more than once after a return).
    pub times_done: u32,
    pub time: Option<StepTime>,
    pub findings: Vec<TraceFinding>,
}

impl StepTrace {
    /// Whether a rule found something wrong at the step; a reminder that its
    /// limit is near is a notice, not a deviation.
    #[must_use]
    pub fn deviates(&self) -> bool {
        self.findings.iter().any(|f| f.rule != RuleId::TimeReminder)
    }
}

/// An event at an activity the flowchart does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownEvent {
    pub event: u32,
    pub activity: String,
}

/// A case's run over its flowchart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CaseTrace {
    /// Every step of the chart, by its name (as the drawing keys steps).
    pub steps: BTreeMap<String, StepTrace>,
    pub unknown: Vec<UnknownEvent>,
    /// Findings at no step of the chart: the whole case's (its limit, returns,
    /// closing incomplete) and those at unknown activities.
    pub other_findings: Vec<TraceFinding>,
    /// Ids of the sequence flows the case has gone along.
    pub taken_flows: BTreeSet<String>,
}

impl CaseTrace {
    /// Every finding, at a step or not, with the step's name.
    pub fn findings(&self) -> impl Iterator<Item = (Option<&str>, &TraceFinding)> {
        self.steps
            .iter()
            .flat_map(|(name, s)| s.findings.iter().map(move |f| (Some(name.as_str()), f)))
            .chain(self.other_findings.iter().map(|f| (None, f)))
    }
}

/// A case as the rules read it, for [`case_trace`].
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub log: &'a EventLog,
    /// The chart's replay labels of the log's names ([`OnlineChart::labels`]).
    pub labels: &'a [Option<u32>],
    pub case: &'a Case,
    pub closed: bool,
    /// The order number shown for each event of the case (its position from 1
    /// where missing).
    pub numbers: &'a [u32],
}

impl Run<'_> {
    fn number(&self, event: usize) -> u32 {
        self.numbers.get(event).copied().unwrap_or_else(|| u32::try_from(event + 1).unwrap_or(u32::MAX))
    }
}

/// The trace of `run` over `chart`, with `evaluation` the rules' verdict on it as
/// of `at.now` ([`OnlineChart::evaluate`] with the same arguments).
#[must_use]
pub fn case_trace(chart: &OnlineChart, at: &Evaluator<'_>, run: &Run<'_>, evaluation: &Evaluation) -> CaseTrace {
    let mut steps: BTreeMap<String, StepTrace> = chart
        .chart()
        .steps()
        .map(|(node, _)| {
            let trace = StepTrace {
                state: StepState::NotReached,
                events: Vec::new(),
                times_done: 0,
                time: None,
                findings: Vec::new(),
            };
            (node.name.trim().to_owned(), trace)
        })
        .collect();
    let mut unknown = Vec::new();
    for (i, event) in run.case.events.iter().enumerate() {
        let name = run.log.name(event.activity).trim();
        if name.is_empty() {
            // Filing, closing or terminating the whole case: at no step.
            continue;
        }
        match steps.get_mut(name) {
            Some(step) => {
                step.events.push(run.number(i));
                step.times_done += u32::from(event.lifecycle == Lifecycle::Complete);
            }
            None => unknown.push(UnknownEvent { event: run.number(i), activity: name.to_owned() }),
        }
    }
    let (outcome, _) = chart.replay_case(run.labels, run.case, run.closed);
    let mut passed_over: BTreeSet<&str> = BTreeSet::new();
    for deviation in &outcome.deviations {
        match deviation {
            Deviation::Skipped { skipped: names, .. } | Deviation::Incomplete { missing: names } => {
                passed_over.extend(names.iter().map(String::as_str));
            }
            Deviation::NotAllowed { .. } | Deviation::Unknown { .. } => {}
        }
    }
    let current: BTreeSet<&str> = evaluation.current_steps.iter().map(|s| s.trim()).collect();
    for (name, step) in &mut steps {
        step.state = if current.contains(name.as_str()) {
            StepState::Current
        } else if step.times_done > 0 {
            StepState::Done
        } else if passed_over.contains(name.as_str()) {
            StepState::Skipped
        } else if !step.events.is_empty() {
            // Started or paused but never completed, and no longer expected.
            StepState::Current
        } else {
            StepState::NotReached
        };
    }
    for time in chart.step_times(at, run.log, run.labels, run.case, run.closed) {
        if let Some(step) = steps.get_mut(time.step.trim()) {
            step.time = Some(time);
        }
    }
    let mut other_findings = Vec::new();
    for finding in &evaluation.findings {
        let shown = shown(finding, run);
        match finding.step.as_deref().and_then(|s| steps.get_mut(s.trim())) {
            Some(step) => step.findings.push(shown),
            None => other_findings.push(shown),
        }
    }
    let ended = run.closed && outcome.finished;
    let taken_flows = taken_flows(chart.chart(), &steps, ended);
    CaseTrace { steps, unknown, other_findings, taken_flows }
}

/// The flows between steps the case has been at or stands at. A gateway (or another node the
/// log never names) counts as passed when the case was at a node before it and at
/// one after it, through other such nodes; the start always, an end once the case
/// closed there.
fn taken_flows(chart: &Flowchart, steps: &BTreeMap<String, StepTrace>, ended: bool) -> BTreeSet<String> {
    let nodes = chart.nodes();
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let flows: Vec<Option<(usize, usize)>> =
        chart.flows().iter().map(|f| Some((*index.get(f.source.as_str())?, *index.get(f.target.as_str())?))).collect();
    let silent = |n: &Node| match &n.kind {
        NodeKind::Task(_) => n.name.trim().is_empty(),
        NodeKind::Exclusive { .. } | NodeKind::Parallel | NodeKind::Intermediate => true,
        NodeKind::Start | NodeKind::End => false,
    };
    let anchor: Vec<bool> = nodes
        .iter()
        .map(|n| match &n.kind {
            NodeKind::Start => true,
            NodeKind::End => ended,
            _ if silent(n) => false,
            _ => steps.get(n.name.trim()).is_some_and(|s| !s.events.is_empty() || s.state == StepState::Current),
        })
        .collect();
    // Silent nodes reached forwards from an anchor, and backwards from one.
    let spread = |forward: bool| {
        let mut reached = vec![false; nodes.len()];
        let mut queue: Vec<usize> = (0..nodes.len()).filter(|&i| anchor[i]).collect();
        while let Some(at) = queue.pop() {
            for &(s, t) in flows.iter().flatten() {
                let (from, to) = if forward { (s, t) } else { (t, s) };
                if from == at && !reached[to] && !anchor[to] && silent(&nodes[to]) {
                    reached[to] = true;
                    queue.push(to);
                }
            }
        }
        reached
    };
    let (after, before) = (spread(true), spread(false));
    let visited: Vec<bool> = (0..nodes.len()).map(|i| anchor[i] || (after[i] && before[i])).collect();
    chart
        .flows()
        .iter()
        .zip(&flows)
        .filter(|(_, ends)| ends.is_some_and(|(s, t)| visited[s] && visited[t]))
        .map(|(f, _)| f.id.as_str().to_owned())
        .collect()
}

fn shown(finding: &Finding, run: &Run<'_>) -> TraceFinding {
    TraceFinding {
        rule: finding.rule,
        evidence: finding.evidence.clone(),
        words: finding.words.clone(),
        event: finding.event.map(|i| run.number(i)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use chrono::{DateTime, FixedOffset, TimeDelta};

    use super::*;
    use crate::flow::calendar::Calendar;
    use crate::flow::case_event::{CaseAction, RecordedEvent};
    use crate::flow::flowchart::Flowchart;
    use crate::flow::generator::generator_flowchart;
    use crate::flow::rules::RuleConfig;

    /// The generator chart's main path (step, role).
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

    fn t0() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2025-03-03T09:30:00+08:00").unwrap()
    }

    fn later(minutes: i64) -> DateTime<FixedOffset> {
        Calendar::china().add_working_time(t0(), TimeDelta::minutes(minutes)).unwrap()
    }

    /// The trace of events (step name, action, working minutes after the start) as
    /// of `now` minutes; events numbered from 11 to tell numbers from positions.
    fn traced(events: &[(&str, CaseAction, i64)], closed: bool, now: i64) -> (Evaluation, CaseTrace) {
        let chart = OnlineChart::new(Flowchart::new(generator_flowchart()).unwrap());
        let mut log = EventLog::default();
        let docs = vec!["Application form".to_owned(), "Identity card".to_owned()];
        let mut case = Case { id: "c".into(), deadline: None, application: Some(t0()), events: Vec::new() };
        for &(step, action, minutes) in events {
            let role = PATH.iter().find(|(s, _)| *s == step).map_or("clerk", |(_, r)| *r);
            let e = RecordedEvent {
                step,
                action,
                actor: role,
                group: Some(role),
                at: later(minutes),
                fee_due_cents: None,
                fee_paid_cents: None,
                documents: if step == PATH[0].0 { &docs } else { &[] },
            };
            case.events.push(e.to_event(&mut log));
        }
        let calendar = Calendar::china();
        let rules = RuleConfig::default();
        let at = Evaluator { calendar: &calendar, rules: &rules, now: later(now) };
        let labels = chart.labels(&log);
        let numbers: Vec<u32> = (11..).take(case.events.len()).collect();
        let evaluation = chart.evaluate(&at, &log, &labels, &case, closed);
        let run = Run { log: &log, labels: &labels, case: &case, closed, numbers: &numbers };
        let trace = case_trace(&chart, &at, &run, &evaluation);
        (evaluation, trace)
    }

    fn path(upto: usize) -> Vec<(&'static str, CaseAction, i64)> {
        PATH.iter().take(upto).zip(1_i64..).map(|(&(step, _), i)| (step, CaseAction::Complete, 30 * i)).collect()
    }

    #[test]
    fn a_conforming_run_is_done_then_current_then_not_reached() {
        let (evaluation, trace) = traced(&path(4), false, 150);
        assert!(evaluation.findings.is_empty(), "{:?}", evaluation.findings);
        let state = |s: &str| trace.steps[s].state;
        assert_eq!(state("Register application"), StepState::Done);
        assert_eq!(state("Site inspection"), StepState::Done);
        assert_eq!(state("Technical review"), StepState::Current);
        assert_eq!(state("Issue licence"), StepState::NotReached);
        assert_eq!(trace.steps["Check completeness"].events, [12]);
        assert_eq!(trace.steps["Check completeness"].times_done, 1);
        assert!(trace.steps.values().all(|s| s.findings.is_empty()) && trace.unknown.is_empty());
        // Half an hour of a one-working-day limit, measured in working days.
        let time = trace.steps["Check completeness"].time.clone().unwrap();
        assert_eq!(time.used_minutes, 30);
        assert!(!time.overdue && !time.running);
        assert!(time.limit.is_some() && (time.used_amount - 30.0 / 480.0).abs() < 0.01, "{time:?}");
        // The review's clock runs.
        assert!(trace.steps["Technical review"].time.as_ref().is_some_and(|t| t.running));
    }

    #[test]
    fn a_skipped_step_is_marked_and_the_finding_sits_where_it_was_found() {
        let mut events = path(3);
        // Decided with neither the inspection nor the review done.
        events.push(("Decide", CaseAction::Approve, 120));
        let (_, trace) = traced(&events, false, 130);
        assert_eq!(trace.steps["Site inspection"].state, StepState::Skipped);
        assert_eq!(trace.steps["Technical review"].state, StepState::Skipped);
        let decide = &trace.steps["Decide"];
        assert_eq!(decide.state, StepState::Done);
        assert!(decide.deviates());
        let f = &decide.findings[0];
        assert_eq!(f.rule, RuleId::ProcessNotAllowed);
        assert_eq!(f.event, Some(14));
        assert!(f.evidence.contains("Site inspection"), "{}", f.evidence);
        assert!(!trace.steps["Site inspection"].deviates());
        // Nothing went through the parallel split: no flow of it is drawn as taken.
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let split: Vec<&str> = chart
            .flows()
            .iter()
            .filter(|f| f.source.as_str() == "p_split" || f.target.as_str() == "p_join")
            .map(|f| f.id.as_str())
            .collect();
        assert!(split.iter().all(|id| !trace.taken_flows.contains(*id)), "{:?}", trace.taken_flows);
        // A one-day step due now is in its last day: a reminder, not a deviation.
        let fee = &trace.steps["Collect fee"];
        assert_eq!(fee.state, StepState::Current);
        assert!(fee.findings.iter().all(|f| f.rule == RuleId::TimeReminder) && !fee.findings.is_empty());
        assert!(!fee.deviates());
    }

    #[test]
    fn a_return_loop_done_twice_counts_both_times() {
        // Incomplete twice: the correction loop back to the check.
        let events = [
            ("Register application", CaseAction::Complete, 30),
            ("Check completeness", CaseAction::Complete, 60),
            ("Request correction", CaseAction::Correct, 90),
            ("Check completeness", CaseAction::Complete, 120),
            ("Request correction", CaseAction::Correct, 150),
            ("Check completeness", CaseAction::Complete, 180),
            ("Accept application", CaseAction::Accept, 210),
        ];
        let (evaluation, trace) = traced(&events, false, 220);
        assert_eq!(evaluation.returns, 2);
        let check = &trace.steps["Check completeness"];
        assert_eq!(check.state, StepState::Done);
        assert_eq!(check.times_done, 3);
        assert_eq!(check.events, [12, 14, 16]);
        assert_eq!(trace.steps["Request correction"].times_done, 2);
        // Returning is the whole case's: it is listed apart from the steps.
        assert!(trace.other_findings.iter().any(|f| f.rule == RuleId::ProcessReturnedRepeatedly));
        // The second correction is one too many, at its step, with its event.
        assert!(
            trace.steps["Request correction"]
                .findings
                .iter()
                .any(|f| f.rule == RuleId::ProcessCorrectionRepeated && f.event == Some(15))
        );
        // The loop back was taken, then the way on to the steps due now.
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let flow = |from: &str, to: &str| {
            let f = chart.flows().iter().find(|f| f.source.as_str() == from && f.target.as_str() == to).unwrap();
            trace.taken_flows.contains(f.id.as_str())
        };
        assert!(flow("t3", "x_check") && flow("x_complete", "t3") && flow("x_complete", "t4"));
        assert!(flow("start", "t1") && flow("t4", "p_split") && flow("p_split", "t5"));
        assert!(!flow("p_join", "t7") && !flow("x_done", "end"));
        // Both spells at the check add up.
        assert_eq!(trace.steps["Check completeness"].time.as_ref().unwrap().used_minutes, 90);
    }

    #[test]
    fn an_unknown_activity_is_listed_with_its_number() {
        let mut events = path(2);
        events.push(("Lunch", CaseAction::Complete, 70));
        let (_, trace) = traced(&events, false, 80);
        assert_eq!(trace.unknown, [UnknownEvent { event: 13, activity: "Lunch".into() }]);
        assert!(!trace.steps.contains_key("Lunch"));
        let f = trace.other_findings.iter().find(|f| f.rule == RuleId::ProcessUnknownActivity).unwrap();
        assert_eq!(f.event, Some(13));
    }

    #[test]
    fn an_overdue_step_says_so_with_its_card() {
        // Accepted, then the review (2 working days) left open for five.
        let (evaluation, trace) = traced(&path(3), false, 90 + 5 * 480);
        let review = &trace.steps["Technical review"];
        assert_eq!(review.state, StepState::Current);
        let time = review.time.as_ref().unwrap();
        assert!(time.overdue && time.running, "{time:?}");
        assert!(time.used_amount > 4.9, "{time:?}");
        assert!(review.findings.iter().any(|f| f.rule == RuleId::TimeRedCard), "{:?}", review.findings);
        assert!(evaluation.findings.iter().any(|f| f.rule == RuleId::TimeRedCard));
        assert!(trace.findings().any(|(step, f)| step == Some("Technical review") && f.rule == RuleId::TimeRedCard));
    }

    #[test]
    fn a_closed_case_that_stopped_short_skips_the_rest() {
        let mut events = path(3);
        events.push(("", CaseAction::Finish, 100));
        let (_, trace) = traced(&events, true, 110);
        assert!(trace.steps.values().all(|s| s.state != StepState::Current));
        assert_eq!(trace.steps["Decide"].state, StepState::Skipped);
        assert_eq!(trace.steps["Accept application"].state, StepState::Done);
        assert!(trace.other_findings.iter().any(|f| f.rule == RuleId::ProcessIncomplete));
    }
}
