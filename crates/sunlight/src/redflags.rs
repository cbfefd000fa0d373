//! `sunlight redflags FILE.jsonl [--settings FILE.ini] [--no-meta]`: the trading
//! red-flag indicators over JSON Lines of OCDS compiled releases, printed as the Open
//! Contracting Partnership's cardinal prints them.
//!
//! Without `--settings` the indicators run with `DEFAULT_SETTINGS` (every indicator on,
//! each with its default). Lines that are not JSON are reported on standard error with
//! their line numbers, counted in the summary there, and skipped; the results of the
//! other lines are still printed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sunlight_domain::trading::{DEFAULT_SETTINGS, Output, Settings, run_indicators_on_jsonl};

#[derive(clap::Args)]
pub struct Args {
    /// JSON Lines of OCDS compiled releases, one contracting process a line.
    pub file: PathBuf,
    /// cardinal's settings file (INI, one [Rxxx] section per indicator to run). Default: every indicator with its
    /// defaults.
    #[arg(long, value_name = "FILE.ini")]
    pub settings: Option<PathBuf>,
    /// Leave out `Meta` (the quartiles and fences).
    #[arg(long)]
    pub no_meta: bool,
}

/// Reads the settings file, or the defaults without one; errors name the line and key.
pub fn load_settings(path: Option<&Path>) -> anyhow::Result<Settings> {
    match path {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("settings file {}: {e}", path.display()))?;
            Settings::from_ini(&text).map_err(|e| anyhow::anyhow!("settings file {}: {e}", path.display()))
        }
        None => Settings::from_ini(DEFAULT_SETTINGS).map_err(|e| anyhow::anyhow!("default settings: {e}")),
    }
}

/// Writes the summary and the invalid lines to standard error.
pub fn report_summary(file: &Path, output: &Output) {
    let s = &output.summary;
    for sample in &s.invalid_line_samples {
        eprintln!("{}: line {}: invalid JSON: {}", file.display(), sample.line, sample.message);
    }
    if s.invalid_lines > s.invalid_line_samples.len() as u64 {
        eprintln!(
            "{}: … and {} more invalid lines",
            file.display(),
            s.invalid_lines - s.invalid_line_samples.len() as u64
        );
    }
    eprintln!(
        "summary: {} lines, {} releases, {} excluded, {} not releases, {} invalid lines skipped",
        s.lines, s.releases, s.excluded_releases, s.not_releases, s.invalid_lines
    );
    if s.amounts_in_other_currencies > 0 {
        eprintln!(
            "summary: {} amounts in a currency other than {} left out of comparisons",
            s.amounts_in_other_currencies,
            s.currency.as_deref().unwrap_or("the main one")
        );
    }
    if let Some(error) = &s.read_error {
        eprintln!("error: reading {} stopped early: {error}", file.display());
    }
}

/// Runs the command: exit 0 with the JSON on standard output (even when some lines were
/// invalid), 1 when reading stopped on an I/O error (results cover the lines before),
/// 2 when the settings or the file cannot be used (nothing on standard output).
pub fn run(args: &Args) -> ExitCode {
    let settings = match load_settings(args.settings.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let file = match std::fs::File::open(&args.file) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let output = run_indicators_on_jsonl(file, &settings);
    println!("{}", output.to_cardinal_json(!args.no_meta));
    report_summary(&args.file, &output);
    if output.summary.read_error.is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
