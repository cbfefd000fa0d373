//! `sunlight import events FILE --power CODE [--closed]` and `sunlight export events
//! --power CODE [--unit U] [--out FILE.xes]`: event logs in and out of online
//! handling.
//!
//! An imported log becomes cases of the power: each trace a case (its
//! `concept:name` the case number, `case:deadline` its promised deadline), each
//! event an action on its step (`lifecycle:transition` `complete` a step done,
//! `start`, `suspend` a pause, `resume`, `ate_abort`/`pi_abort`/`withdraw` a
//! termination; `schedule` and `assign` record no work and are skipped). The file is
//! imported whole or not at all: a malformed file (named line, row or element) or
//! one refused event stores nothing. Importing a file again stores nothing twice.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sunlight_domain::policy::Principal;
use sunlight_store::cases::{self, CaseFilter, ImportError};
use sunlight_store::org;

use crate::config::Config;
use crate::open_store;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The log: XES (.xes) or CSV with XES attribute names (.csv).
    pub file: PathBuf,
    /// The power (code) the cases are of; it needs a published flowchart.
    #[arg(long)]
    pub power: String,
    /// Every case is finished at its last event.
    #[arg(long)]
    pub closed: bool,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The power (code) whose cases are written.
    #[arg(long)]
    pub power: String,
    /// Only this unit's cases (code).
    #[arg(long)]
    pub unit: Option<String>,
    /// The XES file to write (default: standard output).
    #[arg(long, value_name = "FILE.xes")]
    pub out: Option<PathBuf>,
}

pub async fn import(args: &ImportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let log = crate::check_log::read_log(&args.file)?;
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    match cases::import_log(&store, &system, args.power.trim(), &log, args.closed).await {
        Ok(summary) => {
            println!(
                "{} cases: {} events stored, {} already stored, {} skipped (no work recorded); {} alerts raised",
                summary.cases, summary.accepted, summary.duplicate, summary.skipped, summary.alerts_raised
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Rejected { count, first }) => {
            eprintln!("{}: {count} event(s) refused, nothing imported:", args.file.display());
            for line in first {
                eprintln!("  {line}");
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(anyhow::anyhow!("{}: {e}", args.file.display())),
    }
}

pub async fn export(args: &ExportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    let unit_id = match &args.unit {
        Some(code) => Some(org::unit_by_code(&store, &system, code).await.with_context(|| format!("unit {code}"))?.id),
        None => None,
    };
    let filter = CaseFilter { unit_id, power_code: Some(args.power.trim().to_owned()), ..CaseFilter::default() };
    let xes = cases::export_xes(&store, &system, &filter).await?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &xes).with_context(|| format!("writing {}", path.display()))?;
            let traces = xes.matches("<trace>").count();
            println!("{traces} cases written to {}", path.display());
        }
        None => print!("{xes}"),
    }
    Ok(ExitCode::SUCCESS)
}
