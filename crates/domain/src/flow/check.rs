//! The offline check: a flowchart and an event log in, one report out.
//!
//! Traces are replayed once per distinct variant (most cases follow a handful of
//! paths); the per-case rules then run on chunks of cases in parallel.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::calendar::Calendar;
use super::eventlog::{EventLog, Lifecycle};
use super::flowchart::{Flowchart, Step, StepGaps};
use super::replay::{ReplayOutcome, Replayer};
use super::rules::{Context, Finding, RuleConfig, RuleId, check_case};
use crate::fast_hash::FastMap as FxMap;

/// How to check: whether the log's cases are all closed, the instant "now" for
/// open ones, the calendar and the rules.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub closed: bool,
    pub now: DateTime<FixedOffset>,
    pub calendar: Calendar,
    pub rules: RuleConfig,
}

impl CheckOptions {
    /// Closed cases, China's calendar, default rules.
    #[must_use]
    pub fn new(now: DateTime<FixedOffset>) -> Self {
        Self { closed: true, now, calendar: Calendar::china(), rules: RuleConfig::default() }
    }
}

/// The findings of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseReport {
    pub case: String,
    /// Distinct rules found, in id order.
    pub rules: Vec<RuleId>,
    pub overdue: bool,
    pub findings: Vec<Finding>,
}

/// Problems of the flowchart itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowchartReport {
    /// Steps lacking one of the four clarities.
    pub four_clarities: Vec<StepGaps>,
    /// Whether the promised case limit runs out after the legal one (from `now`).
    pub promise_exceeds_legal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub cases: usize,
    pub events: usize,
    /// Distinct traces replayed.
    pub variants: usize,
    /// Cases past their deadline, finished or not.
    pub overdue_cases: usize,
    /// Cases whose steps depart from the flowchart (order, unknown step, not ended).
    pub cases_with_process_deviations: usize,
    pub cases_with_findings: usize,
    /// Rule id → number of findings.
    pub by_rule: BTreeMap<String, usize>,
    pub flowchart: FlowchartReport,
    /// Every case with a finding or overdue, in log order.
    pub cases_detail: Vec<CaseReport>,
}

impl CheckReport {
    /// The report as one JSON object.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// A plain-text rendering for the command line and e-mail.
    #[must_use]
    pub fn render_text(&self, max_cases: usize) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(out, "cases: {}  events: {}  variants: {}", self.cases, self.events, self.variants);
        let _ = writeln!(
            out,
            "overdue cases: {}  cases with process deviations: {}  cases with findings: {}",
            self.overdue_cases, self.cases_with_process_deviations, self.cases_with_findings
        );
        if self.flowchart.promise_exceeds_legal {
            let _ = writeln!(out, "flowchart: the promised limit is longer than the legal one");
        }
        for gap in &self.flowchart.four_clarities {
            let missing: Vec<String> = gap
                .missing
                .iter()
                .map(|m| serde_json::to_value(m).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
                .collect();
            let _ = writeln!(out, "flowchart: step {} ({}) lacks {}", gap.step, gap.name, missing.join(", "));
        }
        let _ = writeln!(out, "findings by rule:");
        for (rule, count) in &self.by_rule {
            let _ = writeln!(out, "  {rule:<32} {count}");
        }
        for case in self.cases_detail.iter().take(max_cases) {
            let _ = writeln!(out, "case {}{}", case.case, if case.overdue { " (overdue)" } else { "" });
            for f in &case.findings {
                let _ = write!(out, "  {}", f.rule);
                if let Some(step) = &f.step {
                    let _ = write!(out, " [{step}]");
                }
                if let Some(person) = &f.person {
                    let _ = write!(out, " by {person}");
                }
                if let Some(at) = f.at {
                    let _ = write!(out, " at {}", at.to_rfc3339());
                }
                let _ = writeln!(out, ": {}", f.evidence);
            }
        }
        if self.cases_detail.len() > max_cases {
            let _ = writeln!(out, "… and {} more cases", self.cases_detail.len() - max_cases);
        }
        out
    }
}

/// Distinct traces of replayed (completed) events, and for each case its variant
/// and the event indices that were replayed.
struct Variants {
    traces: Vec<Vec<Option<u32>>>,
    variant_of: Vec<usize>,
    positions: Vec<Vec<usize>>,
}

/// The replay label of every name of the log, looked up once.
fn sym_labels(replayer: &Replayer, log: &EventLog) -> Vec<Option<u32>> {
    log.symbols().map(|s| replayer.label(log.name(s))).collect()
}

fn variants(replayer: &Replayer, log: &EventLog) -> Variants {
    // Replay labels of the log's names, resolved once per name, not per event.
    let labels = sym_labels(replayer, log);
    let mut variant_of: Vec<usize> = Vec::with_capacity(log.cases.len());
    let mut positions: Vec<Vec<usize>> = Vec::with_capacity(log.cases.len());
    let mut variants: FxMap<Vec<Option<u32>>, usize> = FxMap::default();
    let mut traces: Vec<Vec<Option<u32>>> = Vec::new();
    for case in &log.cases {
        let mut trace = Vec::with_capacity(case.events.len());
        let mut at = Vec::with_capacity(case.events.len());
        for (i, e) in case.events.iter().enumerate() {
            if e.lifecycle == Lifecycle::Complete {
                trace.push(labels.get(e.activity.index()).copied().flatten());
                at.push(i);
            }
        }
        let v = if let Some(&v) = variants.get(&trace) {
            v
        } else {
            traces.push(trace.clone());
            variants.insert(trace, traces.len() - 1);
            traces.len() - 1
        };
        variant_of.push(v);
        positions.push(at);
    }
    Variants { traces, variant_of, positions }
}

/// Runs `run` over `0..n` in one chunk per core, keeping order.
fn in_chunks<T: Send>(n: usize, run: &(dyn Fn(std::ops::Range<usize>) -> Vec<T> + Sync)) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if n < 2_000 || threads < 2 {
        return run(0..n);
    }
    let size = n.div_ceil(threads);
    let chunk = |t: usize| (t * size).min(n)..((t + 1) * size).min(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|t| scope.spawn(move || run(chunk(t)))).collect();
        // A worker can only fail by panicking; its chunk is then checked here.
        handles.into_iter().enumerate().flat_map(|(t, h)| h.join().unwrap_or_else(|_| run(chunk(t)))).collect()
    })
}

/// Checks every case of `log` against `chart`.
#[must_use]
pub fn check_log(chart: &Flowchart, log: &EventLog, options: &CheckOptions) -> CheckReport {
    let replayer = Replayer::new(chart);
    let Variants { traces, variant_of, positions } = variants(&replayer, log);
    let outcomes: Vec<ReplayOutcome> = traces.iter().map(|t| replayer.replay(t, options.closed)).collect();

    let mut steps: Vec<Option<&Step>> = vec![None; replayer.label_count()];
    for (node, step) in chart.steps() {
        if let Some(l) = replayer.label(&node.name) {
            steps[l as usize].get_or_insert(step);
        }
    }
    let labels = sym_labels(&replayer, log);
    let name_of =
        |id: &super::flowchart::ElementId| chart.node(id.as_str()).map(|n| n.name.clone()).unwrap_or_default();
    let separations: Vec<(String, String)> =
        chart.parts().separations.iter().map(|(a, b)| (name_of(a), name_of(b))).collect();
    let ctx = Context {
        chart,
        replayer: &replayer,
        log,
        calendar: &options.calendar,
        config: &options.rules,
        closed: options.closed,
        now: options.now,
        steps: &steps,
        labels: &labels,
        separations: &separations,
    };
    let run = |range: std::ops::Range<usize>| -> Vec<Option<CaseReport>> {
        range
            .map(|i| {
                let case = &log.cases[i];
                let result = check_case(&ctx, case, &positions[i], &outcomes[variant_of[i]]);
                if result.findings.is_empty() && !result.overdue {
                    return None;
                }
                let mut rules: Vec<RuleId> = result.findings.iter().map(|f| f.rule).collect();
                rules.sort_unstable();
                rules.dedup();
                Some(CaseReport { case: case.id.clone(), rules, overdue: result.overdue, findings: result.findings })
            })
            .collect()
    };
    let n = log.cases.len();
    let reports = in_chunks(n, &run);
    let mut report = CheckReport {
        cases: n,
        events: log.event_count(),
        variants: traces.len(),
        overdue_cases: 0,
        cases_with_process_deviations: 0,
        cases_with_findings: 0,
        by_rule: BTreeMap::new(),
        flowchart: FlowchartReport {
            four_clarities: chart.four_clarities(),
            promise_exceeds_legal: chart.promise_exceeds_legal(&options.calendar, options.now),
        },
        cases_detail: Vec::new(),
    };
    for case in reports.into_iter().flatten() {
        report.overdue_cases += usize::from(case.overdue);
        report.cases_with_process_deviations += usize::from(case.rules.iter().any(|r| r.is_conformance()));
        report.cases_with_findings += usize::from(!case.findings.is_empty());
        for f in &case.findings {
            *report.by_rule.entry(f.rule.as_str().to_owned()).or_default() += 1;
        }
        report.cases_detail.push(case);
    }
    report
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::flow::bpmn::import_bpmn;
    use crate::flow::eventlog::tests::{cst, shared};
    use crate::flow::eventlog::{read_csv, read_xes};

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2012-06-30T12:00:00+08:00").unwrap()
    }

    #[test]
    fn receipt_log_against_its_model() {
        let chart = import_bpmn(&shared("receipt.bpmn")).unwrap();
        let log = read_csv(&shared("receipt.csv"), cst()).unwrap();
        let report = check_log(&chart, &log, &CheckOptions::new(now()));
        assert_eq!(report.cases, 1434);
        assert_eq!(report.events, 8577);
        assert_eq!(report.cases_with_process_deviations, 0);
        // Cases that ran past their promised deadline exist in the real log.
        assert!(report.overdue_cases > 0);
        assert!(report.overdue_cases < report.cases);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        for key in ["cases", "overdue_cases", "cases_with_process_deviations", "by_rule", "cases_detail"] {
            assert!(json.get(key).is_some(), "{key}");
        }
        let first = &json["cases_detail"][0];
        assert!(first["case"].is_string() && first["rules"].is_array());
        assert!(report.render_text(5).contains("overdue cases:"));
        // No step of the mined model states any of the four clarities.
        assert_eq!(report.flowchart.four_clarities.len(), 27);
    }

    #[test]
    fn running_example_with_a_deviating_case() {
        let chart = import_bpmn(&shared("running-example.bpmn")).unwrap();
        let mut text = shared("running-example.xes");
        // Case 3's first examination is removed: its check happens alone.
        text = text.replacen(
            "<string key=\"concept:name\" value=\"examine casually\"/>",
            "<string key=\"concept:name\" value=\"have lunch\"/>",
            1,
        );
        let log = read_xes(&text, cst()).unwrap();
        let report = check_log(&chart, &log, &CheckOptions::new(now()));
        assert_eq!(report.cases_with_process_deviations, 1);
        let case = report.cases_detail.iter().find(|c| c.case == "3").unwrap();
        assert!(case.rules.contains(&RuleId::ProcessUnknownActivity), "{case:?}");
        assert!(case.rules.contains(&RuleId::ProcessNotAllowed), "{case:?}");
        assert!(case.rules.contains(&RuleId::ProcessReturned), "{case:?}");
    }

    struct Row<'a> {
        case: &'a str,
        activity: &'a str,
        role: &'a str,
        at: DateTime<FixedOffset>,
        lifecycle: &'a str,
        extra: &'a str,
    }

    fn csv(rows: &[Row<'_>]) -> String {
        let mut out = String::from(
            "case:concept:name,concept:name,org:resource,org:group,time:timestamp,lifecycle:transition,case:deadline,case:application,fee:due,fee:paid,documents\n",
        );
        for r in rows {
            let extra = if r.extra.is_empty() { ",,,," } else { r.extra };
            let docs = if r.activity == "Register application" && r.extra.is_empty() {
                "Application form;Identity card"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{},{},P-{},{},{},{},{}{}",
                r.case,
                r.activity,
                r.role,
                r.role,
                r.at.to_rfc3339(),
                r.lifecycle,
                extra,
                docs
            );
        }
        out
    }

    fn path(
        case: &str,
        start: DateTime<FixedOffset>,
        gap_hours: i64,
        steps: &[(&'static str, &'static str)],
    ) -> Vec<(String, &'static str, &'static str, DateTime<FixedOffset>)> {
        let cal = Calendar::china();
        let mut t = start;
        steps
            .iter()
            .map(|&(a, r)| {
                let row = (case.to_owned(), a, r, t);
                t = cal.add_working_time(t, chrono::TimeDelta::hours(gap_hours)).unwrap();
                row
            })
            .collect()
    }

    const APPROVE: [(&str, &str); 8] = [
        ("Register application", "clerk"),
        ("Check completeness", "clerk"),
        ("Accept application", "clerk"),
        ("Site inspection", "inspector"),
        ("Technical review", "reviewer"),
        ("Decide", "leader"),
        ("Collect fee", "cashier"),
        ("Issue licence", "clerk"),
    ];

    fn rules_of(report: &CheckReport, case: &str) -> Vec<&'static str> {
        report
            .cases_detail
            .iter()
            .find(|c| c.case == case)
            .map(|c| c.rules.iter().map(|r| r.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    #[allow(clippy::too_many_lines)] // five handmade cases, each with its own comment
    fn every_rule_family_on_handmade_cases() {
        let chart = Flowchart::new(crate::flow::generator::generator_flowchart()).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2025-03-03T09:30:00+08:00").unwrap();
        let mut rows = Vec::new();
        let plain = |v: Vec<(String, &'static str, &'static str, DateTime<FixedOffset>)>| {
            v.into_iter().map(|(c, a, r, t)| (c, a, r, t, "complete", String::new())).collect::<Vec<_>>()
        };
        // Paused, then terminated: the flowchart is never finished either.
        let mut a = plain(path("pause", t0, 1, &APPROVE[..3]));
        a[1].4 = "suspend";
        a.insert(2, (a[1].0.clone(), a[1].1, a[1].2, a[1].3 + chrono::TimeDelta::minutes(20), "resume", String::new()));
        a.insert(
            3,
            (a[1].0.clone(), a[1].1, a[1].2, a[1].3 + chrono::TimeDelta::minutes(30), "complete", String::new()),
        );
        a.last_mut().unwrap().4 = "pi_abort";
        rows.extend(a);
        // Two corrections: returned twice, correction repeated.
        let mut steps = vec![APPROVE[0], APPROVE[1]];
        for _ in 0..2 {
            steps.extend([("Request correction", "clerk"), ("Check completeness", "clerk")]);
        }
        steps.extend_from_slice(&APPROVE[2..]);
        rows.extend(plain(path("corrections", t0, 1, &steps)));
        // Documents missing and an event before the application was filed.
        let mut c = plain(path("papers", t0, 1, &APPROVE));
        let filed = (t0 + chrono::TimeDelta::minutes(30)).to_rfc3339();
        for row in &mut c {
            row.5 = format!(",{filed},,,");
        }
        c[0].5 = format!(",{filed},,,Application form");
        rows.extend(c);
        // Every step on time or at most a day late, the whole case 14 days: red.
        rows.extend(plain(path("slow", t0, 14, &APPROVE)));
        // A promise beyond the legal limit; a fee within 5%.
        let promised = Calendar::china().add_working_days(t0, 30).unwrap().to_rfc3339();
        let mut f = plain(path("promise", t0, 1, &APPROVE));
        for row in &mut f {
            row.5 = format!("{promised},,,,");
        }
        f[0].5 = format!("{promised},,,,Application form;Identity card");
        f[6].5 = format!("{promised},,200,205,");
        rows.extend(f);
        let text = csv(&rows
            .iter()
            .map(|(c, a, r, t, l, e)| Row { case: c, activity: a, role: r, at: *t, lifecycle: l, extra: e })
            .collect::<Vec<_>>());
        let log = read_csv(&text, cst()).unwrap();
        let now = t0 + chrono::TimeDelta::days(60);
        let report = check_log(&chart, &log, &CheckOptions::new(now));
        assert_eq!(rules_of(&report, "pause"), ["process.incomplete", "process.paused", "process.terminated"]);
        assert_eq!(
            rules_of(&report, "corrections"),
            ["process.returned", "process.returned_repeatedly", "process.correction_repeated"]
        );
        assert_eq!(rules_of(&report, "papers"), ["content.before_application", "content.missing_documents"]);
        assert_eq!(rules_of(&report, "slow"), ["time.red_card"]);
        assert_eq!(rules_of(&report, "promise"), ["time.promise_exceeds_legal"]);
        assert_eq!(report.overdue_cases, 1);
        let slow = report.cases_detail.iter().find(|c| c.case == "slow").unwrap();
        assert!(slow.overdue && slow.findings[0].step.is_none());

        let quiet =
            CheckOptions { rules: RuleConfig::default().disable("process.paused").unwrap(), ..CheckOptions::new(now) };
        let report = check_log(&chart, &log, &quiet);
        assert_eq!(rules_of(&report, "pause"), ["process.incomplete", "process.terminated"]);
    }

    #[test]
    fn open_cases_get_reminders_and_the_strongest_card() {
        let chart = Flowchart::new(crate::flow::generator::generator_flowchart()).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2025-03-03T09:30:00+08:00").unwrap();
        let rows: Vec<_> = path("open", t0, 1, &APPROVE[..2]);
        let text = csv(&rows
            .iter()
            .map(|(c, a, r, t)| Row { case: c, activity: a, role: r, at: *t, lifecycle: "complete", extra: "" })
            .collect::<Vec<_>>());
        let log = read_csv(&text, cst()).unwrap();
        let cal = Calendar::china();
        // 8.5 of the 10 promised working days have passed.
        let now = cal.add_working_time(t0, cal.office_hours().day_length() * 17 / 2).unwrap();
        let options = CheckOptions { closed: false, ..CheckOptions::new(now) };
        let report = check_log(&chart, &log, &options);
        let case = &report.cases_detail[0];
        assert!(!case.overdue);
        let summary: Vec<(&str, Option<&str>)> =
            case.findings.iter().map(|f| (f.rule.as_str(), f.step.as_deref())).collect();
        // The pending steps after the check are far past their one-day limits: only
        // the red card each, no yellow card or reminder beside it.
        assert_eq!(
            summary,
            [
                ("time.red_card", Some("Request correction")),
                ("time.red_card", Some("Accept application")),
                ("time.reminder", None),
            ]
        );
        let closed = check_log(&chart, &log, &CheckOptions::new(now));
        assert_eq!(closed.cases_detail[0].rules, [RuleId::ProcessIncomplete]);
    }
}
