//! `sunlight check-log` on the shared event logs, and on malformed input.

use std::ffi::OsStr;
use std::path::Path;

use crate::{TempDir, shared_data, sunlight, text};

fn check_log(log: &Path, chart: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![OsStr::new("check-log"), log.as_os_str(), OsStr::new("--flowchart"), chart.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    sunlight(&args)
}

fn json_report(log: &Path, chart: &Path, extra: &[&str]) -> serde_json::Value {
    let mut extra = extra.to_vec();
    extra.push("--json");
    let output = check_log(log, chart, &extra);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn assert_report_shape(report: &serde_json::Value, cases: u64) {
    for key in ["cases", "overdue_cases", "cases_with_process_deviations", "by_rule", "cases_detail"] {
        assert!(report.get(key).is_some(), "{key} missing from {report}");
    }
    assert_eq!(report["cases"], cases);
    let by_rule = report["by_rule"].as_object().unwrap();
    for (rule, count) in by_rule {
        let family = rule.split('.').next().unwrap();
        assert!(["time", "process", "content", "discretion"].contains(&family), "{rule}");
        assert!(count.as_u64().unwrap() > 0, "{rule}");
    }
    let detail = report["cases_detail"].as_array().unwrap();
    assert!(detail.len() as u64 <= cases);
    let deviating = report["cases_with_process_deviations"].as_u64().unwrap();
    assert!(deviating <= detail.len() as u64);
    for case in detail {
        assert!(case["case"].is_string(), "{case}");
        assert!(case["rules"].is_array(), "{case}");
    }
    // Every finding is counted under its rule.
    let findings: usize = detail.iter().map(|c| c["findings"].as_array().unwrap().len()).sum();
    let counted: u64 = by_rule.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(findings as u64, counted);
}

#[test]
fn running_example_xes() {
    let dir = shared_data().join("eventlogs");
    let (log, chart) = (dir.join("running-example.xes"), dir.join("running-example.bpmn"));
    let report = json_report(&log, &chart, &["--closed"]);
    assert_report_shape(&report, 6);

    let output = check_log(&log, &chart, &["--closed"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("cases: 6 "), "{stdout}");
    assert!(stdout.contains("findings by rule:"), "{stdout}");
    for case in report["cases_detail"].as_array().unwrap() {
        assert!(stdout.contains(&format!("case {}", case["case"].as_str().unwrap())), "{stdout}");
    }
    for rule in report["by_rule"].as_object().unwrap().keys() {
        assert!(stdout.contains(rule.as_str()), "{rule} missing from {stdout}");
    }
}

#[test]
fn receipt_csv() {
    let dir = shared_data().join("eventlogs");
    let (log, chart) = (dir.join("receipt.csv"), dir.join("receipt.bpmn"));
    let closed = json_report(&log, &chart, &["--closed"]);
    assert_report_shape(&closed, 1_434);
    // The receipt log carries promised deadlines: some cases are past theirs.
    let open = json_report(&log, &chart, &[]);
    assert_report_shape(&open, 1_434);
    assert!(open["overdue_cases"].as_u64().unwrap() > 0, "{}", open["overdue_cases"]);
    // Closing every case can only add `process.incomplete`, never remove a deviation.
    let deviating = |r: &serde_json::Value| r["cases_with_process_deviations"].as_u64().unwrap();
    assert!(deviating(&closed) >= deviating(&open), "closed {} open {}", deviating(&closed), deviating(&open));
    assert_eq!(open["by_rule"].get("process.incomplete"), None, "an open case is not incomplete: {}", open["by_rule"]);
}

#[test]
fn malformed_bpmn_names_the_line_and_exits_2() {
    let scratch = TempDir::new("bad-bpmn");
    let chart = scratch.path().join("bad.bpmn");
    std::fs::write(
        &chart,
        "<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n\
         <process id=\"p\">\n<startEvent id=\"s\">\n</process>\n</definitions>\n",
    )
    .unwrap();
    let log = shared_data().join("eventlogs/running-example.xes");
    let output = check_log(&log, &chart, &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("bad.bpmn") && stderr.contains("line 5"), "{stderr}");
}

#[test]
fn malformed_xes_names_the_line_and_exits_2() {
    let scratch = TempDir::new("bad-xes");
    let log = scratch.path().join("bad.xes");
    std::fs::write(
        &log,
        "<?xml version=\"1.0\"?>\n<log>\n<trace>\n<string key=\"concept:name\" value=\"c1\"/>\n\
         <event><string key=\"concept:name\" value=\"a\"/></trace>\n</log>\n",
    )
    .unwrap();
    let chart = shared_data().join("eventlogs/running-example.bpmn");
    let output = check_log(&log, &chart, &["--json"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("bad.xes") && stderr.contains("line 5"), "{stderr}");
}

#[test]
fn malformed_csv_names_the_row_and_exits_2() {
    let scratch = TempDir::new("bad-csv");
    let log = scratch.path().join("bad.csv");
    std::fs::write(
        &log,
        "case:concept:name,concept:name,time:timestamp\nc1,a,2024-01-02T09:00:00+08:00\nc1,b,not a time\n",
    )
    .unwrap();
    let chart = shared_data().join("eventlogs/receipt.bpmn");
    let output = check_log(&log, &chart, &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("bad.csv") && stderr.contains("row "), "{stderr}");
}

#[test]
fn a_missing_log_exits_2() {
    let chart = shared_data().join("eventlogs/receipt.bpmn");
    let output = check_log(Path::new("/nonexistent/log.xes"), &chart, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(text(&output).1.contains("/nonexistent/log.xes"));
}
