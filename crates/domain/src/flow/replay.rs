//! Conformance replay: the token game of a flowchart, played along each trace.
//!
//! Tokens sit on sequence flows. A task is enabled when a token is on one of its
//! incoming flows; it puts a token on every outgoing flow. An exclusive gateway
//! moves one token to one branch of its choice, a parallel gateway waits for a token
//! on every incoming flow and feeds every outgoing one, an end event swallows one.
//! Gateways, intermediate events and nameless tasks move silently.
//!
//! Replay keeps every marking the trace so far can have led to (choices are not
//! guessed). For an event, a search finds the cheapest way to enable its activity:
//! silent moves are free, doing a step that the log does not show costs one. Cost 0
//! is conformance; a higher cost means steps were skipped; no way at all means the
//! activity was not allowed there (out of order), and the event is set aside.
//! Passing a flow that closes a cycle (found by depth-first search from the start)
//! counts as a return.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::flowchart::{Flowchart, NodeKind};

/// More than this many tokens on one flow means a runaway loop of parallel splits.
const MAX_TOKENS: u8 = 4;
/// Bounds one search; a flowchart that needs more is reported as not allowing it.
const MAX_STATES: usize = 50_000;
/// Markings kept between events.
const MAX_FRONTIER: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Task,
    Exclusive,
    Parallel,
    End,
    Start,
}

#[derive(Debug, Clone)]
struct CNode {
    kind: Kind,
    label: Option<u32>,
    incoming: Vec<usize>,
    outgoing: Vec<usize>,
}

/// A flowchart compiled for replay.
#[derive(Debug, Clone)]
pub struct Replayer {
    nodes: Vec<CNode>,
    back_edge: Vec<bool>,
    labels: Vec<String>,
    label_index: HashMap<String, u32>,
    initial: Vec<Marking>,
}

type Marking = Box<[u8]>;

/// Why a trace does not fit the flowchart. `event` indexes the replayed trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deviation {
    /// The activity came before steps the flowchart puts first.
    Skipped { event: usize, skipped: Vec<String> },
    /// The activity could not happen at that point at all.
    NotAllowed { event: usize },
    /// The flowchart has no such activity.
    Unknown { event: usize },
    /// The case is closed but the flowchart was not run to an end.
    Incomplete { missing: Vec<String> },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplayOutcome {
    pub deviations: Vec<Deviation>,
    /// The fewest returns (cycles taken) that explain the trace.
    pub returns: u32,
    /// Whether the flowchart can end right after the trace without another step.
    pub finished: bool,
    /// Steps the flowchart expects next (labels), in label order.
    pub pending: Vec<u32>,
}

#[derive(Clone)]
struct State {
    marking: Marking,
    returns: u32,
}

impl Replayer {
    #[must_use]
    pub fn new(chart: &Flowchart) -> Self {
        let index: HashMap<&str, usize> = chart.nodes().iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
        let mut labels = Vec::new();
        let mut label_index: HashMap<String, u32> = HashMap::new();
        let mut nodes: Vec<CNode> = chart
            .nodes()
            .iter()
            .map(|n| {
                let (kind, visible) = match &n.kind {
                    NodeKind::Task(_) => (Kind::Task, !n.name.trim().is_empty()),
                    NodeKind::Intermediate => (Kind::Task, false),
                    NodeKind::Exclusive { .. } => (Kind::Exclusive, false),
                    NodeKind::Parallel => (Kind::Parallel, false),
                    NodeKind::End => (Kind::End, false),
                    NodeKind::Start => (Kind::Start, false),
                };
                let label = visible.then(|| {
                    let name = n.name.trim();
                    *label_index.entry(name.to_owned()).or_insert_with(|| {
                        labels.push(name.to_owned());
                        u32::try_from(labels.len() - 1).unwrap_or(u32::MAX)
                    })
                });
                CNode { kind, label, incoming: Vec::new(), outgoing: Vec::new() }
            })
            .collect();
        for (f, flow) in chart.flows().iter().enumerate() {
            if let (Some(&s), Some(&t)) = (index.get(flow.source.as_str()), index.get(flow.target.as_str())) {
                nodes[s].outgoing.push(f);
                nodes[t].incoming.push(f);
            }
        }
        let flows = chart.flows().len();
        let targets: Vec<usize> =
            chart.flows().iter().map(|f| index.get(f.target.as_str()).copied().unwrap_or(0)).collect();
        let back_edge = back_edges(&nodes, &targets, flows);
        let initial = nodes
            .iter()
            .filter(|n| n.kind == Kind::Start)
            .map(|n| {
                let mut m = vec![0_u8; flows];
                for &f in &n.outgoing {
                    m[f] = 1;
                }
                m.into_boxed_slice()
            })
            .collect();
        Self { nodes, back_edge, labels, label_index, initial }
    }

    /// The label id of an activity name, if the flowchart has it.
    #[must_use]
    pub fn label(&self, name: &str) -> Option<u32> {
        self.label_index.get(name.trim()).copied()
    }

    /// How many distinct activity names the flowchart has.
    #[must_use]
    pub fn label_count(&self) -> usize {
        self.labels.len()
    }

    #[must_use]
    pub fn label_name(&self, label: u32) -> &str {
        self.labels.get(label as usize).map_or("", String::as_str)
    }

    /// Replays a trace of activity labels (`None`: not in the flowchart).
    #[must_use]
    pub fn replay(&self, trace: &[Option<u32>], closed: bool) -> ReplayOutcome {
        let mut outcome = ReplayOutcome::default();
        let mut frontier: Vec<State> = self.initial.iter().map(|m| State { marking: m.clone(), returns: 0 }).collect();
        for (event, label) in trace.iter().enumerate() {
            let Some(label) = *label else {
                outcome.deviations.push(Deviation::Unknown { event });
                continue;
            };
            match self.search(&frontier, Goal::Enable(label)) {
                None => outcome.deviations.push(Deviation::NotAllowed { event }),
                Some((goals, skipped)) => {
                    if !skipped.is_empty() {
                        outcome.deviations.push(Deviation::Skipped { event, skipped });
                    }
                    frontier = self.fire_label(&goals, label);
                }
            }
        }
        outcome.returns = frontier.iter().map(|s| s.returns).min().unwrap_or(0);
        let settled = self.silent_closure(&frontier);
        outcome.finished = settled.iter().any(|m| m.iter().all(|&t| t == 0));
        let mut pending: Vec<u32> = self
            .nodes
            .iter()
            .filter_map(|n| n.label.filter(|_| settled.iter().any(|m| n.incoming.iter().any(|&f| m[f] > 0))))
            .collect();
        pending.sort_unstable();
        pending.dedup();
        outcome.pending = pending;
        if closed {
            match self.search(&frontier, Goal::Final) {
                Some((goals, missing)) => {
                    if !missing.is_empty() {
                        outcome.deviations.push(Deviation::Incomplete { missing });
                    }
                    outcome.returns = goals.iter().map(|s| s.returns).min().unwrap_or(0);
                }
                None => outcome.deviations.push(Deviation::Incomplete { missing: Vec::new() }),
            }
        }
        outcome
    }

    /// Every marking reachable from `frontier` by silent moves alone.
    fn silent_closure(&self, frontier: &[State]) -> Vec<Marking> {
        let mut seen: HashSet<Marking> = frontier.iter().map(|s| s.marking.clone()).collect();
        let mut queue: Vec<State> = frontier.to_vec();
        let mut out = Vec::new();
        while let Some(state) = queue.pop() {
            for (n, node) in self.nodes.iter().enumerate() {
                if node.label.is_some() {
                    continue;
                }
                out.clear();
                self.fire(&state, n, &mut out);
                for s in out.drain(..) {
                    if seen.len() < MAX_STATES && seen.insert(s.marking.clone()) {
                        queue.push(s);
                    }
                }
            }
        }
        seen.into_iter().collect()
    }

    fn enabled(&self, marking: &[u8], label: u32) -> bool {
        self.nodes.iter().any(|n| n.label == Some(label) && n.incoming.iter().any(|&f| marking[f] > 0))
    }

    /// Successor markings of firing node `n` (one per choice), with the returns taken.
    fn fire(&self, state: &State, n: usize, out: &mut Vec<State>) {
        let node = &self.nodes[n];
        let mut base = state.marking.to_vec();
        let consume_one: Vec<usize> = match node.kind {
            Kind::Start => return,
            Kind::Parallel => {
                if node.incoming.is_empty() || node.incoming.iter().any(|&f| base[f] == 0) {
                    return;
                }
                for &f in &node.incoming {
                    base[f] -= 1;
                }
                vec![usize::MAX]
            }
            _ => node.incoming.iter().copied().filter(|&f| base[f] > 0).collect(),
        };
        for f_in in consume_one {
            let mut m = base.clone();
            if f_in != usize::MAX {
                m[f_in] -= 1;
            }
            let mut push = |targets: &[usize], m: &mut Vec<u8>| {
                let mut returns = state.returns;
                for &f in targets {
                    if m[f] >= MAX_TOKENS {
                        return;
                    }
                    m[f] += 1;
                    returns += u32::from(self.back_edge[f]);
                }
                out.push(State { marking: m.clone().into_boxed_slice(), returns });
            };
            match node.kind {
                Kind::Exclusive => {
                    for &f in &node.outgoing {
                        let mut choice = m.clone();
                        push(&[f], &mut choice);
                    }
                }
                Kind::End => push(&[], &mut m),
                _ => push(&node.outgoing, &mut m),
            }
        }
    }

    fn fire_label(&self, goals: &[State], label: u32) -> Vec<State> {
        let mut next = Vec::new();
        let mut seen = HashSet::new();
        for state in goals {
            for (n, node) in self.nodes.iter().enumerate() {
                if node.label == Some(label) {
                    let mut out = Vec::new();
                    self.fire(state, n, &mut out);
                    for s in out {
                        if next.len() < MAX_FRONTIER && seen.insert(s.marking.clone()) {
                            next.push(s);
                        }
                    }
                }
            }
        }
        next
    }

    /// Cheapest ways from `frontier` to a goal marking: all goal states of the
    /// least cost, and the steps done without a log entry on one such way.
    fn search(&self, frontier: &[State], goal: Goal) -> Option<(Vec<State>, Vec<String>)> {
        struct Visit {
            state: State,
            cost: u32,
            parent: usize,
            via: Option<u32>,
        }
        let mut visits: Vec<Visit> = Vec::new();
        let mut seen: HashMap<Marking, usize> = HashMap::new();
        let mut queue: VecDeque<(usize, u32)> = VecDeque::new();
        for state in frontier {
            if !seen.contains_key(&state.marking) {
                seen.insert(state.marking.clone(), visits.len());
                visits.push(Visit { state: state.clone(), cost: 0, parent: usize::MAX, via: None });
                queue.push_back((visits.len() - 1, 0));
            }
        }
        let mut best: Option<u32> = None;
        let mut goals: Vec<usize> = Vec::new();
        let mut successors = Vec::new();
        while let Some((v, cost)) = queue.pop_front() {
            if cost != visits[v].cost {
                continue;
            }
            if best.is_some_and(|b| cost > b) {
                break;
            }
            let reached = match goal {
                Goal::Enable(label) => self.enabled(&visits[v].state.marking, label),
                Goal::Final => visits[v].state.marking.iter().all(|&t| t == 0),
            };
            if reached {
                best = Some(cost);
                goals.push(v);
                continue;
            }
            for (n, node) in self.nodes.iter().enumerate() {
                successors.clear();
                self.fire(&visits[v].state, n, &mut successors);
                let step = u32::from(node.label.is_some());
                let next_cost = cost + step;
                for s in successors.drain(..) {
                    let id = match seen.get(&s.marking) {
                        Some(&id) if visits[id].cost <= next_cost => continue,
                        Some(&id) => {
                            visits[id] = Visit { state: s, cost: next_cost, parent: v, via: node.label };
                            id
                        }
                        None => {
                            if visits.len() >= MAX_STATES {
                                return None;
                            }
                            seen.insert(s.marking.clone(), visits.len());
                            visits.push(Visit { state: s, cost: next_cost, parent: v, via: node.label });
                            visits.len() - 1
                        }
                    };
                    // 0-1 breadth-first search: free moves go to the front.
                    if step == 0 {
                        queue.push_front((id, next_cost));
                    } else {
                        queue.push_back((id, next_cost));
                    }
                }
            }
        }
        let first = *goals.first()?;
        let mut skipped = Vec::new();
        let mut at = first;
        while at != usize::MAX {
            if let Some(label) = visits[at].via {
                skipped.push(self.label_name(label).to_owned());
            }
            at = visits[at].parent;
        }
        skipped.reverse();
        Some((goals.into_iter().map(|g| visits[g].state.clone()).collect(), skipped))
    }
}

#[derive(Clone, Copy)]
enum Goal {
    Enable(u32),
    Final,
}

/// Flows that close a cycle, by iterative depth-first search from the start events.
fn back_edges(nodes: &[CNode], targets: &[usize], flows: usize) -> Vec<bool> {
    let mut back = vec![false; flows];
    let mut colour = vec![0_u8; nodes.len()];
    for (start, node) in nodes.iter().enumerate() {
        if node.kind != Kind::Start || colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = 1;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if let Some(&f) = nodes[n].outgoing.get(*next) {
                *next += 1;
                let t = targets[f];
                match colour[t] {
                    0 => {
                        colour[t] = 1;
                        stack.push((t, 0));
                    }
                    1 => back[f] = true,
                    _ => {}
                }
            } else {
                colour[n] = 2;
                stack.pop();
            }
        }
    }
    back
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::flow::bpmn::import_bpmn;
    use crate::flow::eventlog::tests::{cst, shared};
    use crate::flow::eventlog::{read_csv, read_xes};

    fn trace(r: &Replayer, names: &[&str]) -> Vec<Option<u32>> {
        names.iter().map(|n| r.label(n)).collect()
    }

    #[test]
    fn running_example_conforms_with_loops_and_parallelism() {
        let chart = import_bpmn(&shared("running-example.bpmn")).unwrap();
        let r = Replayer::new(&chart);
        let log = read_xes(&shared("running-example.xes"), cst()).unwrap();
        let mut returns = Vec::new();
        for case in &log.cases {
            let t: Vec<_> = case.events.iter().map(|e| r.label(log.name(e.activity))).collect();
            let outcome = r.replay(&t, true);
            assert!(outcome.deviations.is_empty(), "case {}: {:?}", case.id, outcome);
            returns.push((case.id.as_str(), outcome.returns));
        }
        // Case 3 is reinitiated once, case 2... none, case 1 twice (the classic log).
        assert!(returns.contains(&("3", 1)), "{returns:?}");
        assert!(returns.contains(&("1", 0)), "{returns:?}");
        assert!(returns.iter().any(|&(_, n)| n == 2), "{returns:?}");
    }

    #[test]
    fn parallel_join_needs_both_branches() {
        let chart = import_bpmn(&shared("running-example.bpmn")).unwrap();
        let r = Replayer::new(&chart);
        let t = trace(&r, &["register request", "check ticket", "decide", "reject request"]);
        let outcome = r.replay(&t, true);
        assert_eq!(outcome.deviations.len(), 1, "{outcome:?}");
        let Deviation::Skipped { event, skipped } = &outcome.deviations[0] else {
            panic!("{outcome:?}");
        };
        assert_eq!(*event, 2);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].starts_with("examine"));
    }

    #[test]
    fn out_of_order_unknown_and_incomplete() {
        let chart = import_bpmn(&shared("permit-minimal.bpmn")).unwrap();
        let r = Replayer::new(&chart);
        let ok = trace(
            &r,
            &["Check completeness", "Review application", "Check completeness", "Review application", "Sign decision"],
        );
        let outcome = r.replay(&ok, true);
        assert!(outcome.deviations.is_empty(), "{outcome:?}");
        assert_eq!(outcome.returns, 1);
        let bad =
            trace(&r, &["Check completeness", "Review application", "Sign decision", "Review application", "Lunch"]);
        let outcome = r.replay(&bad, true);
        assert_eq!(outcome.deviations, vec![Deviation::NotAllowed { event: 3 }, Deviation::Unknown { event: 4 }]);
        let open = trace(&r, &["Check completeness"]);
        assert!(r.replay(&open, false).deviations.is_empty());
        assert_eq!(
            r.replay(&open, true).deviations,
            vec![Deviation::Incomplete { missing: vec!["Review application".into(), "Sign decision".into()] }]
        );
    }

    #[test]
    fn receipt_log_replays_on_its_model() {
        let chart = import_bpmn(&shared("receipt.bpmn")).unwrap();
        let r = Replayer::new(&chart);
        let log = read_csv(&shared("receipt.csv"), cst()).unwrap();
        let mut variants: HashMap<Vec<Option<u32>>, ReplayOutcome> = HashMap::new();
        let mut fitting = 0;
        for case in &log.cases {
            let t: Vec<_> = case.events.iter().map(|e| r.label(log.name(e.activity))).collect();
            assert!(t.iter().all(Option::is_some));
            let outcome = variants.entry(t.clone()).or_insert_with(|| r.replay(&t, true));
            fitting += usize::from(outcome.deviations.is_empty());
        }
        // The model was mined from this log by the inductive miner, which always fits.
        assert_eq!(fitting, log.cases.len());
        assert!(variants.len() > 50, "{}", variants.len());
        let mut broken: Vec<_> = log.cases[0].events.iter().map(|e| r.label(log.name(e.activity))).collect();
        broken.swap(0, 1);
        assert!(!r.replay(&broken, true).deviations.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_trace_replays_without_panic(labels in proptest::collection::vec(0_u32..10, 0..25), closed: bool) {
            let chart = import_bpmn(&shared("running-example.bpmn")).unwrap();
            let r = Replayer::new(&chart);
            // Labels 8 and 9 do not exist: they stand for unknown activities.
            let trace: Vec<Option<u32>> = labels.iter().map(|&l| (l < 8).then_some(l)).collect();
            let outcome = r.replay(&trace, closed);
            for d in &outcome.deviations {
                match d {
                    Deviation::Skipped { event, .. } | Deviation::NotAllowed { event } | Deviation::Unknown { event } => {
                        proptest::prop_assert!(*event < trace.len());
                    }
                    Deviation::Incomplete { .. } => proptest::prop_assert!(closed),
                }
            }
            let unknown = trace.iter().filter(|l| l.is_none()).count();
            let reported = outcome.deviations.iter().filter(|d| matches!(d, Deviation::Unknown { .. })).count();
            proptest::prop_assert_eq!(unknown, reported);
        }
    }
}
