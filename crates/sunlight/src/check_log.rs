//! `sunlight check-log LOG --flowchart FILE.bpmn [--closed] [--json]`: the offline
//! check of an event log against a flowchart, without any database.
//!
//! The log is XES (`.xes`) or CSV with XES attribute names (`.csv`; any other name is
//! read as XES when its first non-blank character is `<`). Timestamps without an
//! offset are taken as China Standard Time (+08:00), the calendar's.
//!
//! Without `--closed` a case that has not reached an end of the flowchart is still
//! open: it is not a deviation, and its pending steps' time runs until now. With
//! `--closed` every case is finished at its last event: one that stopped short of an
//! end is `process.incomplete`, and no time runs after its last event.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use sunlight_domain::flow::{
    CheckOptions, CheckReport, EventLog, Flowchart, check_log, import_bpmn, read_csv, read_xes,
};

/// The offset given to timestamps that carry none: China Standard Time.
pub const DEFAULT_OFFSET_SECS: i32 = 8 * 3600;

#[derive(clap::Args)]
pub struct Args {
    /// The event log: XES (.xes) or CSV with XES attribute names (.csv).
    pub log: PathBuf,
    /// The flowchart the log must follow (BPMN 2.0).
    #[arg(long, value_name = "FILE.bpmn")]
    pub flowchart: PathBuf,
    /// Every case is finished at its last event: one that stopped before an end of the flowchart is a deviation
    /// (process.incomplete), and no time runs after its last event. Without it, unfinished cases are open as of now.
    #[arg(long)]
    pub closed: bool,
    /// Print one JSON object (cases, overdue_cases, cases_with_process_deviations, by_rule, cases_detail, …).
    #[arg(long)]
    pub json: bool,
}

/// What the check took, for the benchmark.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub read: Duration,
    pub check: Duration,
}

fn offset() -> FixedOffset {
    FixedOffset::east_opt(DEFAULT_OFFSET_SECS).unwrap_or_else(|| Utc.fix())
}

/// The current instant, in the calendar's offset.
#[must_use]
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&offset())
}

fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{what} {}: {e}", path.display()))
}

fn is_csv(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => true,
        Some("xes") => false,
        _ => !text.trim_start_matches('\u{feff}').trim_start().starts_with('<'),
    }
}

/// Reads an event log (XES or CSV); an error names the file and the line or row.
pub fn read_log(log_path: &Path) -> anyhow::Result<EventLog> {
    let text = read_text(log_path, "log")?;
    if is_csv(log_path, &text) { read_csv(&text, offset()) } else { read_xes(&text, offset()) }
        .map_err(|e| anyhow::anyhow!("log {}: {e}", log_path.display()))
}

/// Reads the flowchart and the log; every error names the file and the line, row or element.
pub fn read_inputs(log_path: &Path, chart_path: &Path) -> anyhow::Result<(Flowchart, EventLog)> {
    let bpmn = read_text(chart_path, "flowchart")?;
    let chart = import_bpmn(&bpmn).map_err(|e| anyhow::anyhow!("flowchart {}: {e}", chart_path.display()))?;
    Ok((chart, read_log(log_path)?))
}

/// Reads and checks, timing both halves.
pub fn run_check(
    log_path: &Path,
    chart_path: &Path,
    closed: bool,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<(CheckReport, Timings)> {
    let started = Instant::now();
    let (chart, log) = read_inputs(log_path, chart_path)?;
    let read = started.elapsed();
    let mut options = CheckOptions::new(now);
    options.closed = closed;
    let started = Instant::now();
    let report = check_log(&chart, &log, &options);
    Ok((report, Timings { read, check: started.elapsed() }))
}

/// Runs the command: exit 0 after printing the report, 2 on unreadable or malformed input
/// (the message on standard error, nothing on standard output).
pub fn run(args: &Args) -> ExitCode {
    match run_check(&args.log, &args.flowchart, args.closed, now()) {
        Ok((report, _)) => {
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.render_text(usize::MAX));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
