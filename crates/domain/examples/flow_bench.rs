//! Times the offline check of a generated log: `cargo run --release -p
//! sunlight-domain --example flow_bench -- [cases] [seed]` (default 100,000 cases).
//! The log goes through a file, as a real one would.

use std::time::Instant;

use chrono::FixedOffset;
use sunlight_domain::flow::bpmn::import_bpmn;
use sunlight_domain::flow::check::{CheckOptions, check_log};
use sunlight_domain::flow::eventlog::read_xes;
use sunlight_domain::flow::generator::generate_log;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let cases: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(42), |a| a.parse())?;
    let started = Instant::now();
    let generated = generate_log(cases, seed);
    let path = std::env::temp_dir().join(format!("sunlight-flow-bench-{cases}-{seed}.xes"));
    std::fs::write(&path, &generated.xes)?;
    println!(
        "generated {cases} cases, {:.1} MB of XES, in {:.2} s",
        generated.xes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    drop(generated.xes);

    let offset = FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
    let t0 = Instant::now();
    let text = std::fs::read_to_string(&path)?;
    let t_file = t0.elapsed();
    let log = read_xes(&text, offset)?;
    let t_read = t0.elapsed();
    let chart = import_bpmn(&generated.bpmn)?;
    let report = check_log(&chart, &log, &CheckOptions::new(generated.end));
    let total = t0.elapsed();
    std::fs::remove_file(&path)?;

    println!(
        "events {}  variants {}  findings in {} cases  (injected {})",
        report.events,
        report.variants,
        report.cases_detail.len(),
        generated.injected.len()
    );
    println!(
        "file {:.3} s  + XES read {:.3} s  + replay and rules {:.3} s  = {:.3} s",
        t_file.as_secs_f64(),
        t_read.as_secs_f64() - t_file.as_secs_f64(),
        total.as_secs_f64() - t_read.as_secs_f64(),
        total.as_secs_f64()
    );
    let found: std::collections::BTreeMap<_, _> =
        report.cases_detail.iter().map(|c| (c.case.clone(), c.rules.clone())).collect();
    println!("findings match the injected deviations: {}", found == generated.expected);
    Ok(())
}
