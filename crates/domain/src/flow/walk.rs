//! One possible run of a flowchart: the order in which its steps get done when a
//! case follows it, choosing a branch at each exclusive gateway and doing every
//! branch of a parallel one. The demo county's cases are made of such runs, so
//! they conform to their flowcharts unless a deviation is put in on purpose.

use std::collections::HashMap;

use super::flowchart::{Flowchart, NodeKind};

/// Bounds a walk of a chart whose loops keep being chosen.
const MAX_FIRINGS: usize = 400;

/// What the walker asks its caller at an exclusive gateway.
pub trait Chooser {
    /// Index into `branches` of the branch to take; `branches[i]` is true when that
    /// branch can only go on through a step already done (a return).
    fn choose(&mut self, branches: &[bool]) -> usize;
}

/// Indices into `chart.nodes()` of the named steps done, in order. A walk that
/// cannot reach an end (a malformed chart, or a loop chosen for ever) stops after
/// a bounded number of moves with what it has.
#[must_use]
pub fn walk(chart: &Flowchart, chooser: &mut impl Chooser) -> Vec<usize> {
    let nodes = chart.nodes();
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut targets = Vec::with_capacity(chart.flows().len());
    for (f, flow) in chart.flows().iter().enumerate() {
        let (s, t) = (index.get(flow.source.as_str()).copied(), index.get(flow.target.as_str()).copied());
        targets.push(t.unwrap_or(usize::MAX));
        if let (Some(s), Some(t)) = (s, t) {
            outgoing[s].push(f);
            incoming[t].push(f);
        }
    }
    let mut tokens = vec![0_u32; chart.flows().len()];
    let mut done = vec![false; nodes.len()];
    let mut steps = Vec::new();
    let Some(start) = nodes.iter().position(|n| n.kind == NodeKind::Start) else {
        return steps;
    };
    for &f in &outgoing[start] {
        tokens[f] += 1;
    }
    // A branch returns when every way from it to the end passes a step already
    // done: straight back, or through a correction step and a merge.
    let leads_back = |target: usize, done: &[bool]| {
        let mut seen = vec![false; nodes.len()];
        let mut stack = vec![target];
        while let Some(n) = stack.pop() {
            if n >= nodes.len() || seen[n] || done[n] {
                continue;
            }
            if nodes[n].kind == NodeKind::End {
                return false;
            }
            seen[n] = true;
            stack.extend(outgoing[n].iter().map(|&f| targets[f]));
        }
        true
    };
    for _ in 0..MAX_FIRINGS {
        // The first node able to fire, in flow order: deterministic for a given chooser.
        let Some(node) = (0..tokens.len()).filter(|&f| tokens[f] > 0).map(|f| targets[f]).find(|&n| {
            n < nodes.len()
                && match nodes[n].kind {
                    NodeKind::Parallel if incoming[n].len() > 1 => incoming[n].iter().all(|&f| tokens[f] > 0),
                    _ => true,
                }
        }) else {
            break;
        };
        let consume_all = matches!(nodes[node].kind, NodeKind::Parallel) && incoming[node].len() > 1;
        if consume_all {
            for &f in &incoming[node] {
                tokens[f] -= 1;
            }
        } else if let Some(&f) = incoming[node].iter().find(|&&f| tokens[f] > 0) {
            tokens[f] -= 1;
        }
        match &nodes[node].kind {
            NodeKind::End | NodeKind::Start => {}
            NodeKind::Exclusive { .. } => {
                let branches: Vec<bool> = outgoing[node].iter().map(|&f| leads_back(targets[f], &done)).collect();
                if !branches.is_empty() {
                    let pick = chooser.choose(&branches).min(branches.len() - 1);
                    tokens[outgoing[node][pick]] += 1;
                }
            }
            NodeKind::Parallel | NodeKind::Intermediate => {
                for &f in &outgoing[node] {
                    tokens[f] += 1;
                }
            }
            NodeKind::Task(_) => {
                if !nodes[node].name.trim().is_empty() {
                    steps.push(node);
                }
                done[node] = true;
                for &f in &outgoing[node] {
                    tokens[f] += 1;
                }
            }
        }
        if tokens.iter().all(|&t| t == 0) {
            break;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::format_push_string)]

    use super::*;
    use crate::flow::check::{CheckOptions, check_log};
    use crate::flow::eventlog::read_csv;
    use crate::flow::generator::generator_flowchart;

    struct Fixed(Vec<usize>);

    impl Chooser for Fixed {
        fn choose(&mut self, branches: &[bool]) -> usize {
            if self.0.is_empty() {
                branches.iter().position(|&back| !back).unwrap_or(0)
            } else {
                self.0.remove(0) % branches.len()
            }
        }
    }

    fn assert_conforms(choices: &[usize]) {
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        {
            let choices = choices.to_vec();
            let steps = walk(&chart, &mut Fixed(choices.clone()));
            assert!(steps.len() >= 3, "{choices:?}: {steps:?}");
            let mut csv = String::from("case:concept:name,concept:name,time:timestamp\n");
            for (i, &s) in steps.iter().enumerate() {
                csv.push_str(&format!("c1,{},2026-03-02T09:{:02}:00+08:00\n", chart.nodes()[s].name, i));
            }
            let log = read_csv(&csv, chrono::FixedOffset::east_opt(8 * 3600).unwrap()).unwrap();
            let now = chrono::DateTime::parse_from_rfc3339("2026-03-02T18:00:00+08:00").unwrap();
            let report = check_log(&chart, &log, &CheckOptions::new(now));
            assert_eq!(report.cases_with_process_deviations, 0, "{choices:?}: {:?}", report.by_rule);
        }
    }

    /// Every walk of the generator's chart replays without a process finding.
    #[test]
    fn walks_conform_to_their_flowchart() {
        for choices in [vec![], vec![1, 0, 1], vec![1, 1, 0, 0], vec![0, 1, 1, 1, 1]] {
            assert_conforms(&choices);
        }
    }

    /// A chooser never returning goes through each step once, the correction step
    /// of a loop (which leads back through itself) included in the returns.
    #[test]
    fn a_branch_back_through_one_step_is_a_return() {
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let steps = walk(&chart, &mut Fixed(vec![]));
        let mut unique = steps.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), steps.len(), "no step twice: {steps:?}");
        let names: Vec<&str> = steps.iter().map(|&s| chart.nodes()[s].name.as_str()).collect();
        assert!(!names.contains(&"Request correction"), "{names:?}");
    }

    proptest::proptest! {
        #[test]
        fn any_choices_give_a_conforming_walk(choices in proptest::collection::vec(0_usize..4, 0..12)) {
            assert_conforms(&choices);
        }
    }
}
