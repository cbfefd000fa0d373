//! `sunlight import flowchart FILE.bpmn --power CODE [--publish]` and
//! `sunlight export flowchart --power CODE [--out FILE]`: a power's flowchart as
//! BPMN 2.0, in and out. A malformed file imports nothing and names its line and
//! element (exit 1); so does `--publish` of a chart whose steps lack a clarity.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use sunlight_domain::flow::import_bpmn;
use sunlight_domain::policy::Principal;
use sunlight_store::StoreError;
use sunlight_store::flowcharts::{self, ImportError, PowerRef};
use sunlight_web::flowchart_text::{bpmn_error, gap_lines};
use sunlight_web::i18n::Lang;

use crate::config::Config;
use crate::open_store;

#[derive(Args)]
pub struct ImportArgs {
    /// The BPMN 2.0 file.
    file: PathBuf,
    /// The power's code (e.g. SCJGXK001); a power without a flowchart gets one.
    #[arg(long)]
    power: String,
    /// Publish the imported version at once (every step must state the four clarities).
    #[arg(long)]
    publish: bool,
    /// Language of the messages: zh (default) or en.
    #[arg(long, default_value = "zh")]
    lang: String,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The power's code.
    #[arg(long)]
    power: String,
    /// A version number; default the published one.
    #[arg(long)]
    version: Option<i32>,
    /// Where to write the BPMN; default standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn import(args: &ImportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let lang = Lang::from_tag(&args.lang).unwrap_or_default();
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("{}: {}", args.file.display(), lang.t("bpmn-error-not-utf8"));
        return Ok(ExitCode::FAILURE);
    };
    // Checked before the database is opened: a bad file, or one that cannot be
    // published when `--publish` asks for it, writes nothing.
    let chart = match import_bpmn(&text) {
        Ok(chart) => chart,
        Err(e) => {
            eprintln!("{}: {}", args.file.display(), bpmn_error(lang, &e));
            return Ok(ExitCode::FAILURE);
        }
    };
    if args.publish && !chart.four_clarities().is_empty() {
        for line in gap_lines(lang, &chart) {
            eprintln!("{}: {line}", args.file.display());
        }
        eprintln!(
            "{}",
            lang.t_args("cli-flowchart-not-publishable", &[("count", chart.four_clarities().len().into())])
        );
        return Ok(ExitCode::FAILURE);
    }
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    let imported = match flowcharts::import_draft(&store, &system, PowerRef::Code(&args.power), &text).await {
        Ok(imported) => imported,
        Err(ImportError::Bpmn(e)) => {
            eprintln!("{}: {}", args.file.display(), bpmn_error(lang, &e));
            return Ok(ExitCode::FAILURE);
        }
        Err(ImportError::Store(StoreError::NotFound { .. })) => bail!("power {} not found", args.power),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    let version = imported.version.version;
    println!(
        "{} {}",
        imported.flowchart.power_code,
        lang.t_args("notice-flowchart-uploaded", &[("version", version.into())])
    );
    if args.publish {
        flowcharts::publish(&store, &system, imported.flowchart.id, version).await?;
        println!(
            "{} {}",
            imported.flowchart.power_code,
            lang.t_args("notice-flowchart-published", &[("version", version.into())])
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn export(args: &ExportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    let detail = match flowcharts::for_power(&store, &system, PowerRef::Code(&args.power)).await {
        Ok(detail) => detail,
        Err(StoreError::NotFound { .. }) => bail!("power {} has no flowchart", args.power),
        Err(e) => return Err(e.into()),
    };
    let (info, text) = match flowcharts::export(&store, &system, detail.flowchart.id, args.version).await {
        Ok(found) => found,
        Err(StoreError::NotFound { .. }) => match args.version {
            Some(n) => bail!("the flowchart of {} has no version {n}", args.power),
            None => bail!("the flowchart of {} has no published version", args.power),
        },
        Err(e) => return Err(e.into()),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "{} v{} ({}) written to {}",
                detail.flowchart.power_code,
                info.version,
                info.state,
                path.display()
            );
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
