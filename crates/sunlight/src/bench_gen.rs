//! Benchmarks of the offline engines: generators of synthetic inputs
//! (`bench gen-log`, `bench gen-ocds`) and timed runs of `check-log` and `redflags` on
//! them (`bench check-log`, `bench redflags`). None of them needs a database.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use sunlight_domain::flow::RuleId;
use sunlight_domain::flow::generator::{GeneratedLog, Injected, generate_log};
use sunlight_domain::trading::{DEFAULT_SETTINGS, Settings, generate_releases, run_indicators_on_jsonl};

use crate::{check_log, redflags};

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("sunlight-bench-{label}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// `SkippedStep` → `skipped_step`.
fn snake(kind: Injected) -> String {
    let mut out = String::new();
    for (i, c) in format!("{kind:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn injected_json(generated: &GeneratedLog, cases: usize, seed: u64) -> serde_json::Value {
    let injected: serde_json::Map<String, serde_json::Value> = generated
        .injected
        .iter()
        .map(|(case, kind)| {
            let rule = kind.rule();
            let value = serde_json::json!({
                "kind": snake(*kind),
                "rule": rule.as_str(),
                "process_deviation": rule.is_conformance(),
            });
            (case.clone(), value)
        })
        .collect();
    let expected: serde_json::Map<String, serde_json::Value> = generated
        .expected
        .iter()
        .map(|(case, rules)| (case.clone(), rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().into()))
        .collect();
    let process = generated.injected.values().filter(|k| k.rule().is_conformance()).count();
    serde_json::json!({
        "cases": cases,
        "seed": seed,
        "check_as_of": generated.end.to_rfc3339(),
        "injected_cases": generated.injected.len(),
        "injected_process_deviations": process,
        "injected": injected,
        "expected_findings": expected,
    })
}

/// Writes `log.xes`, `flowchart.bpmn` and `injected.json` into `dir`.
fn write_generated(dir: &Path, cases: usize, seed: u64) -> anyhow::Result<GeneratedLog> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let generated = generate_log(cases, seed);
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write("log.xes", &generated.xes)?;
    write("flowchart.bpmn", &generated.bpmn)?;
    write("injected.json", &serde_json::to_string_pretty(&injected_json(&generated, cases, seed))?)?;
    Ok(generated)
}

/// `bench gen-log`.
pub fn gen_log(cases: usize, seed: u64, out_dir: &Path) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let generated = write_generated(out_dir, cases, seed)?;
    let process = generated.injected.values().filter(|k| k.rule().is_conformance()).count();
    println!(
        "wrote {}/{{log.xes, flowchart.bpmn, injected.json}}: {cases} cases, {:.1} MiB of XES, {} cases with an \
         injected deviation ({process} of them process deviations), in {:.2} s",
        out_dir.display(),
        mib(generated.xes.len() as u64),
        generated.injected.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Compares what a check found with what the generator says must be found.
fn compare(
    expected: &BTreeMap<String, Vec<RuleId>>,
    found: &BTreeMap<String, Vec<RuleId>>,
) -> (Vec<String>, Vec<String>) {
    let mut missed = Vec::new();
    let mut invented = Vec::new();
    for (case, rules) in expected {
        let got = found.get(case).map_or(&[][..], Vec::as_slice);
        for rule in rules.iter().filter(|r| !got.contains(r)) {
            missed.push(format!("{case}: {rule}"));
        }
    }
    for (case, rules) in found {
        let want = expected.get(case).map_or(&[][..], Vec::as_slice);
        for rule in rules.iter().filter(|r| !want.contains(r)) {
            invented.push(format!("{case}: {rule}"));
        }
    }
    (missed, invented)
}

/// `bench check-log`: generate, then time reading and checking as `check-log --closed` does.
pub fn check_log_bench(cases: usize, seed: u64) -> anyhow::Result<ExitCode> {
    let scratch = Scratch::new("check-log")?;
    let generated = write_generated(&scratch.0, cases, seed)?;
    let xes_bytes = generated.xes.len() as u64;
    let log = scratch.0.join("log.xes");
    let chart = scratch.0.join("flowchart.bpmn");
    let started = Instant::now();
    let (report, timings) = check_log::run_check(&log, &chart, true, check_log::now())?;
    let total = started.elapsed();
    println!(
        "check-log --closed of {} cases, {} events ({:.1} MiB of XES, {} variants): {:.3} s (read {:.3} s, check {:.3} s)",
        report.cases,
        report.events,
        mib(xes_bytes),
        report.variants,
        total.as_secs_f64(),
        timings.read.as_secs_f64(),
        timings.check.as_secs_f64()
    );
    let found: BTreeMap<String, Vec<RuleId>> =
        report.cases_detail.iter().map(|c| (c.case.clone(), c.rules.clone())).collect();
    let (missed, invented) = compare(&generated.expected, &found);
    let caught =
        generated.injected.iter().filter(|(case, kind)| found.get(*case).is_some_and(|r| r.contains(&kind.rule())));
    println!(
        "injected deviations: {}, found: {}, missed: {}, invented: {} (cases with process deviations {})",
        generated.injected.len(),
        caught.count(),
        missed.len(),
        invented.len(),
        report.cases_with_process_deviations
    );
    for line in missed.iter().take(10) {
        println!("  missed   {line}");
    }
    for line in invented.iter().take(10) {
        println!("  invented {line}");
    }
    Ok(if missed.is_empty() && invented.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Writes `count` compiled releases as JSON Lines; returns the bytes written.
fn write_releases(path: &Path, count: usize, seed: u64) -> anyhow::Result<u64> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut bytes = 0_u64;
    for line in generate_releases(count, seed) {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        bytes += line.len() as u64 + 1;
    }
    out.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(bytes)
}

/// `bench gen-ocds`.
pub fn gen_ocds(releases: usize, seed: u64, out: &Path) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bytes = write_releases(out, releases, seed)?;
    println!(
        "wrote {releases} compiled releases ({:.1} MiB) to {} in {:.2} s",
        mib(bytes),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// A line of `/proc/self/status`, in KiB.
fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak resident set size (`VmHWM`), so that it measures what follows.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[allow(clippy::cast_precision_loss)] // sizes far below 2^52
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `bench redflags`: generate into a temporary file, then run every indicator on it.
pub fn redflags_bench(releases: usize, seed: u64, settings: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = match settings {
        Some(path) => redflags::load_settings(Some(path))?,
        None => Settings::from_ini(DEFAULT_SETTINGS).map_err(|e| anyhow::anyhow!("default settings: {e}"))?,
    };
    let scratch = Scratch::new("redflags")?;
    let path = scratch.0.join("releases.jsonl");
    let bytes = write_releases(&path, releases, seed)?;
    let reset = reset_peak();
    let before = status_kib("VmRSS:");
    let started = Instant::now();
    let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let output = run_indicators_on_jsonl(file, &settings);
    let elapsed = started.elapsed();
    let peak = status_kib("VmHWM:");
    let json = output.to_cardinal_json(true);
    let flagged: usize = output.groups().iter().map(|(_, list)| list.len()).sum();
    let mut line = format!(
        "redflags over {releases} compiled releases ({:.1} MiB): {:.3} s, {} threads",
        mib(bytes),
        elapsed.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    match peak {
        Some(kib) => {
            let _ = write!(line, "; peak memory {:.1} MiB", mib(kib * 1024));
            if !reset {
                line.push_str(" (peak of the whole process, generation included)");
            }
        }
        None => line.push_str("; peak memory unknown (no /proc/self/status)"),
    }
    if let Some(kib) = before {
        let _ = write!(line, ", {:.1} MiB before the run", mib(kib * 1024));
    }
    println!("{line}");
    println!(
        "{} releases read, {} flagged ids, {} invalid lines, {:.1} MiB of JSON output",
        output.summary.releases,
        flagged,
        output.summary.invalid_lines,
        mib(json.len() as u64)
    );
    Ok(ExitCode::SUCCESS)
}
