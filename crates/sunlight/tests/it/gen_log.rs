//! `sunlight bench gen-log` then `sunlight check-log`: every injected deviation found, none invented.

use std::collections::BTreeMap;
use std::ffi::OsStr;

use crate::{TempDir, sunlight, text};

#[test]
fn generated_log_checks_to_exactly_its_injected_deviations() {
    let scratch = TempDir::new("gen-log");
    let out = scratch.path().join("out");
    let output = sunlight(&[
        OsStr::new("bench"),
        OsStr::new("gen-log"),
        OsStr::new("--cases"),
        OsStr::new("600"),
        OsStr::new("--seed"),
        OsStr::new("11"),
        OsStr::new("--out-dir"),
        out.as_os_str(),
    ]);
    assert!(output.status.success(), "{:?}", text(&output));
    let injected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("injected.json")).unwrap()).unwrap();
    assert_eq!(injected["cases"], 600);
    let by_case = injected["injected"].as_object().unwrap();
    assert!(!by_case.is_empty());
    let process = by_case.values().filter(|v| v["process_deviation"] == true).count();
    assert!(process > 0, "{injected}");
    assert_eq!(injected["injected_process_deviations"], process);

    let output = sunlight(&[
        OsStr::new("check-log"),
        out.join("log.xes").as_os_str(),
        OsStr::new("--flowchart"),
        out.join("flowchart.bpmn").as_os_str(),
        OsStr::new("--closed"),
        OsStr::new("--json"),
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["cases"], 600);
    assert_eq!(report["cases_with_process_deviations"], process);
    // Each case's rules are exactly what the generator says must be found.
    let found: BTreeMap<String, serde_json::Value> = report["cases_detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["case"].as_str().unwrap().to_owned(), c["rules"].clone()))
        .collect();
    let expected: BTreeMap<String, serde_json::Value> =
        injected["expected_findings"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(found, expected);
    for (case, what) in by_case {
        assert!(found[case].as_array().unwrap().contains(&what["rule"]), "{case}: {what}");
    }
}

#[test]
fn same_seed_same_files() {
    let scratch = TempDir::new("gen-log-seed");
    let run = |dir: &str, seed: &str| {
        let out = scratch.path().join(dir);
        let output = sunlight(&[
            OsStr::new("bench"),
            OsStr::new("gen-log"),
            OsStr::new("--cases"),
            OsStr::new("40"),
            OsStr::new("--seed"),
            OsStr::new(seed),
            OsStr::new("--out-dir"),
            out.as_os_str(),
        ]);
        assert!(output.status.success(), "{:?}", text(&output));
        std::fs::read_to_string(out.join("log.xes")).unwrap()
    };
    assert_eq!(run("a", "3"), run("b", "3"));
    assert_ne!(run("a", "3"), run("c", "4"));
}

#[test]
fn gen_ocds_writes_the_releases_asked_for() {
    let scratch = TempDir::new("gen-ocds");
    let out = scratch.path().join("releases.jsonl");
    let output = sunlight(&[
        OsStr::new("bench"),
        OsStr::new("gen-ocds"),
        OsStr::new("--releases"),
        OsStr::new("300"),
        OsStr::new("--out"),
        out.as_os_str(),
    ]);
    assert!(output.status.success(), "{:?}", text(&output));
    let body = std::fs::read_to_string(&out).unwrap();
    assert_eq!(body.lines().count(), 300);
    assert!(body.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["ocid"].is_string()));
    let flags = sunlight(&[OsStr::new("redflags"), out.as_os_str()]);
    let (stdout, stderr) = text(&flags);
    assert!(flags.status.success(), "{stderr}");
    assert!(stderr.contains("300 releases") && stderr.contains("0 invalid lines"), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(value.get("OCID").is_some(), "{stdout}");
}
