//! Times the trading red-flag engine on synthetic releases.
//!
//! `cargo run --release -p sunlight-domain --example trading_bench -- [COUNT] [FILE]`
//! writes COUNT (default 1,000,000) generated compiled releases to FILE (default in the
//! temporary directory), then runs every indicator with its defaults over the file and
//! prints the time taken, the CPU time used and the process's peak resident memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use sunlight_domain::trading::{DEFAULT_SETTINGS, Settings, generate_releases, run_indicators_on_jsonl};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let path =
        args.next().map_or_else(|| std::env::temp_dir().join("sunlight-trading-bench.jsonl"), std::path::PathBuf::from);

    let mut writer = BufWriter::new(File::create(&path)?);
    let mut bytes = 0;
    for line in generate_releases(count, 42) {
        bytes += line.len() + 1;
        writeln!(writer, "{line}")?;
    }
    writer.flush()?;
    drop(writer);

    let settings = Settings::from_ini(DEFAULT_SETTINGS)?;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let output = run_indicators_on_jsonl(File::open(&path)?, &settings);
    let elapsed = started.elapsed();
    let cpu = cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);

    let flagged: usize = output.groups().iter().map(|(_, ids)| ids.len()).sum();
    println!(
        "{count} releases, {:.1} MB: {:.2} s wall, {} s CPU (user + system), {} results, peak memory {}",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        cpu.map_or_else(|| "unknown".into(), |c| format!("{c:.2}")),
        flagged,
        peak_memory().unwrap_or_else(|| "unknown".into()),
    );
    println!("{:?}", output.summary);
    Ok(())
}

/// The process's peak resident set size, from Linux's `/proc`.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}

/// CPU time used by the process so far, from Linux's `/proc` (in clock ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}
