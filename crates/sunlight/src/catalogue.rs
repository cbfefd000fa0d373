//! `sunlight import powers`, `sunlight export powers`, and the catalogue benchmarks
//! (`sunlight bench catalogue-import`, `sunlight bench catalogue-search`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sunlight_domain::catalogue::generator::{SplitMix, department_for, generate_catalogue};
use sunlight_domain::catalogue::xlsx_export::export_xlsx;
use sunlight_domain::catalogue::xlsx_import::{ImportLimits, ImportedPower, import_xlsx};
use sunlight_domain::catalogue::{PowerDraft, PowerTypes, RowContext};
use sunlight_domain::org::{RawUnit, UnitCode, UnitInput};
use sunlight_domain::policy::Principal;
use sunlight_domain::text::Name;
use sunlight_store::catalogue::{self, ImportError, PowerFilter};
use sunlight_store::{Store, org};
use sunlight_web::i18n::Lang;
use sunlight_web::import_text::issue_line;

use crate::config::Config;
use crate::open_store;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a unit's power catalogue (.xlsx): every row, or nothing and every problem (exit 1).
    Powers {
        file: PathBuf,
        /// The unit (code) the catalogue belongs to.
        #[arg(long)]
        unit: String,
        /// Language of the messages: zh (default) or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
    /// Import the trading centre's OCDS data (release or record package, compiled
    /// releases, or JSON Lines) in one transaction; exit 1 when nothing could be read.
    Ocds {
        file: PathBuf,
        /// Language of the summary: zh (default) or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
    /// Import a power's flowchart (BPMN 2.0) as a new draft; a malformed file imports nothing (exit 1).
    Flowchart(crate::flowchart::ImportArgs),
    /// Import an event log (XES, or CSV with XES attribute names) as cases of a power, all or nothing.
    Events(crate::events::ImportArgs),
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Write the power catalogue (.xlsx, the import's columns): one unit's, or every unit's.
    Powers {
        #[arg(long)]
        out: PathBuf,
        /// Only this unit (code).
        #[arg(long)]
        unit: Option<String>,
        /// Only published powers marked public (the public catalogue).
        #[arg(long)]
        public: bool,
    },
    /// Write a power's flowchart (BPMN 2.0): the published version, or --version N.
    Flowchart(crate::flowchart::ExportArgs),
    /// Write the cases of a power and their events as an XES log.
    Events(crate::events::ExportArgs),
}

pub async fn import(command: ImportCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let (file, unit, lang) = match command {
        ImportCommand::Powers { file, unit, lang } => (file, unit, lang),
        ImportCommand::Ocds { file, lang } => return crate::ocds::import(&file, &lang, config).await,
        ImportCommand::Flowchart(args) => return crate::flowchart::import(&args, config).await,
        ImportCommand::Events(args) => return crate::events::import(&args, config).await,
    };
    let lang = Lang::from_tag(&lang).unwrap_or_default();
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    match catalogue::import_powers(&store, &system, &unit, &bytes).await {
        Ok(report) => {
            println!(
                "{}",
                lang.t_args(
                    "notice-import-done",
                    &[("created", report.created.into()), ("updated", report.updated.into())]
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Rejected(issues)) => {
            for issue in &issues {
                eprintln!("{}", issue_line(lang, issue));
            }
            eprintln!("{}", lang.t_args("notice-import-rejected", &[("count", issues.len().into())]));
            Ok(ExitCode::FAILURE)
        }
        Err(ImportError::Store(sunlight_store::StoreError::NotFound { .. })) => bail!("unit {unit} not found"),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

pub async fn export(command: ExportCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let (out, unit, public) = match command {
        ExportCommand::Powers { out, unit, public } => (out, unit, public),
        ExportCommand::Flowchart(args) => return crate::flowchart::export(&args, config).await,
        ExportCommand::Events(args) => return crate::events::export(&args, config).await,
    };
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    let unit_id = match &unit {
        Some(code) => Some(org::unit_by_code(&store, &system, code).await.with_context(|| format!("unit {code}"))?.id),
        None => None,
    };
    let drafts = catalogue::export_drafts(&store, &system, unit_id, public).await?;
    let bytes = export_xlsx(&drafts)?;
    std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("{} powers written to {}", drafts.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- benchmarks

#[derive(Args)]
pub struct ImportBench {
    #[arg(long, default_value_t = 10_000)]
    rows: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Args)]
pub struct SearchBench {
    #[arg(long, default_value_t = 100_000)]
    powers: usize,
    /// Queries to time (half two-character, half longer).
    #[arg(long, default_value_t = 400)]
    queries: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn scratch(label: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("sunlight-bench-{label}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A fresh migrated store: the configured PostgreSQL database, or SQLite in `dir`.
async fn bench_store(config: &Config, dir: &Path) -> anyhow::Result<Store> {
    let store = match &config.database_url {
        Some(url) => Store::connect_url(url, 4).await.context("connecting to the database")?,
        None => Store::open_sqlite(&dir.join("sunlight.db"), 4).await?,
    };
    store.migrate().await?;
    Ok(store)
}

/// A unit with the sections its generated catalogue names.
async fn bench_unit(store: &Store, code: &str) -> anyhow::Result<()> {
    let system = Principal::system("bench");
    if org::unit_by_code(store, &system, code).await.is_ok() {
        bail!("unit {code} already exists: run the benchmark on an empty database");
    }
    let unit_code = UnitCode::parse(code).map_err(|e| anyhow::anyhow!("unit code {code}: {}", e.code))?;
    let dept = department_for(&unit_code);
    let raw = RawUnit {
        code: code.to_owned(),
        name: format!("{}（{code}）", dept.name),
        category: dept.category.key().to_owned(),
        ..Default::default()
    };
    let input = UnitInput::parse(&raw).map_err(|e| anyhow::anyhow!("unit {code}: {e:?}"))?;
    let unit = org::create_unit(store, &system, &input).await?;
    for section in dept.sections {
        let name = Name::parse(section).map_err(|e| anyhow::anyhow!("section {section}: {}", e.code))?;
        org::create_section(store, &system, unit.id, &name).await?;
    }
    Ok(())
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub async fn import_bench(args: &ImportBench, config: &Config) -> anyhow::Result<ExitCode> {
    let dir = scratch("catalogue-import")?;
    let result = import_bench_in(args, config, &dir).await;
    std::fs::remove_dir_all(&dir).ok();
    result
}

async fn import_bench_in(args: &ImportBench, config: &Config, dir: &Path) -> anyhow::Result<ExitCode> {
    let unit = UnitCode::parse("SCJG").map_err(|e| anyhow::anyhow!(e.code))?;
    let drafts = generate_catalogue(&unit, args.rows, args.seed);
    let started = Instant::now();
    let bytes = export_xlsx(&drafts)?;
    let write_time = started.elapsed();
    let file = dir.join("catalogue.xlsx");
    std::fs::write(&file, &bytes)?;

    let sections = department_for(&unit).sections;
    let known = |name: &str| sections.contains(&name);
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    let started = Instant::now();
    let parsed = import_xlsx(&bytes, &context, &ImportLimits::default())
        .map_err(|issues| anyhow::anyhow!("generated file refused: {} issues", issues.len()))?;
    let parse_time = started.elapsed();

    let store = bench_store(config, dir).await?;
    bench_unit(&store, unit.as_str()).await?;
    let system = Principal::system("bench");
    let started = Instant::now();
    let report = match catalogue::import_powers(&store, &system, unit.as_str(), &bytes).await {
        Ok(report) => report,
        Err(ImportError::Rejected(issues)) => bail!("import refused: {} issues", issues.len()),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    let import_time = started.elapsed();
    let backend = if config.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("catalogue import, {} rows ({:.2} MiB .xlsx), {backend}:", parsed.len(), mib(bytes.len()));
    println!("  write the file (rust_xlsxwriter)         {}", secs(write_time));
    println!("  read and check the file (calamine)       {}", secs(parse_time));
    println!(
        "  import_powers: read + check + write      {}  ({} created, {:.0} rows/s)",
        secs(import_time),
        report.created,
        report.created as f64 / import_time.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // p in [0, 1], index within bounds
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Unit codes of the demo departments: each gets its own names and legal bases.
const SEARCH_UNITS: &[&str] = &["SCJG", "ZRZY", "ZJ", "JTYS", "STHJ", "WSJK", "JY", "RSJ", "MZ", "NYNC"];

pub async fn search_bench(args: &SearchBench, config: &Config) -> anyhow::Result<ExitCode> {
    let dir = scratch("catalogue-search")?;
    let result = search_bench_in(args, config, &dir).await;
    std::fs::remove_dir_all(&dir).ok();
    result
}

async fn search_bench_in(args: &SearchBench, config: &Config, dir: &Path) -> anyhow::Result<ExitCode> {
    let store = bench_store(config, dir).await?;
    let system = Principal::system("bench");
    let per_unit = args.powers.div_ceil(SEARCH_UNITS.len());
    let started = Instant::now();
    let mut all: Vec<PowerDraft> = Vec::with_capacity(args.powers);
    for (i, code) in SEARCH_UNITS.iter().enumerate() {
        bench_unit(&store, code).await?;
        let unit = UnitCode::parse(code).map_err(|e| anyhow::anyhow!(e.code))?;
        let drafts = generate_catalogue(&unit, per_unit.min(args.powers - all.len()), args.seed + i as u64);
        let rows: Vec<ImportedPower> = drafts
            .iter()
            .zip(2u32..)
            .map(|(draft, row)| ImportedPower { sheet: "bench".into(), row, draft: draft.clone() })
            .collect();
        match catalogue::import_rows(&store, &system, code, rows).await {
            Ok(_) => {}
            Err(ImportError::Rejected(issues)) => bail!("fill refused: {:?}", issues.first()),
            Err(ImportError::Store(e)) => return Err(e.into()),
        }
        all.extend(drafts);
    }
    let fill = started.elapsed();
    let queries = queries(&all, args.queries, args.seed);
    let mut short = Vec::new();
    let mut long = Vec::new();
    let mut hits = 0u64;
    for q in &queries {
        let filter = PowerFilter { q: Some(q.clone()), ..Default::default() };
        let started = Instant::now();
        let page = catalogue::list_powers(&store, &system, &filter, 1, 20).await?;
        let elapsed = started.elapsed();
        hits += page.total;
        if q.chars().count() < 3 { short.push(elapsed) } else { long.push(elapsed) }
    }
    let mut every: Vec<Duration> = short.iter().chain(&long).copied().collect();
    for list in [&mut short, &mut long, &mut every] {
        list.sort();
    }
    let backend = if config.database_url.is_some() {
        "PostgreSQL (LIKE, ILIKE for Latin letters; pg_trgm)"
    } else {
        "SQLite (FTS5 trigram; LIKE under 3 characters)"
    };
    println!("catalogue search over {} powers of {} units, {backend}:", all.len(), SEARCH_UNITS.len());
    println!("  fill (generate + import_rows)            {}", secs(fill));
    println!("  one query = count + first page of 20 + conversion, as the list page and the API do");
    for (label, list) in [("2-character queries", &short), ("3+ character queries", &long), ("all queries", &every)] {
        println!(
            "  {label:<22} n={:<4} p50 {}  p95 {}  p99 {}  max {}",
            list.len(),
            ms(percentile(list, 0.5)),
            ms(percentile(list, 0.95)),
            ms(percentile(list, 0.99)),
            ms(list.last().copied().unwrap_or_default())
        );
    }
    println!("  mean matches per query: {:.0}", hits as f64 / queries.len().max(1) as f64);
    Ok(ExitCode::SUCCESS)
}

/// Substrings of names and legal bases: half two characters long, half three to
/// eight, each from a random power, at a random place.
fn queries(drafts: &[PowerDraft], n: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix::new(seed ^ 0x5eed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !drafts.is_empty() {
        let draft = &drafts[rng.below(drafts.len())];
        let text = if rng.chance(60) {
            draft.parts().name.to_string()
        } else {
            draft.parts().legal_basis.references()[0].to_string()
        };
        let chars: Vec<char> =
            text.chars().filter(|c| !c.is_ascii_punctuation() && !"《》（）、".contains(*c)).collect();
        let len = if out.len() % 2 == 0 { 2 } else { 3 + rng.below(6) };
        if chars.len() < len {
            continue;
        }
        let start = rng.below(chars.len() - len + 1);
        out.push(chars[start..start + len].iter().collect());
    }
    out
}
