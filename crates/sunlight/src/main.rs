//! `sunlight`: the server and the administrator's command line.

// Doc comments on the commands are clap's help text, shown to users as written.
#![allow(clippy::doc_markdown)]

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sunlight_domain::policy::Principal;
use sunlight_store::accounts::{self, NewUser};
use sunlight_store::audit::{self, Verification};
use sunlight_store::{Backend, Store, demo, org};

mod bench;
mod bench_cases;
mod bench_gen;
mod catalogue;
mod check_log;
mod config;
mod events;
mod flowchart;
mod ocds;
mod redflags;
mod serve;

use config::{Config, Overrides};

/// The server's work is many small allocations on two threads handing them to each
/// other (requests, rows, findings); glibc's allocator spent a quarter of the
/// online hall's time there, mimalloc a fraction of it (BENCHMARKS.md). With its
/// `override` feature it also serves the SQLite library compiled in, whose
/// `malloc` calls were a quarter of its thread's time in a clock pass.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "sunlight", version, about = "Sunlight (阳光权力运行监控平台): monitor how public power is exercised")]
struct Cli {
    /// Data directory (SQLite database, lock file, sunlight.toml). Default ./sunlight-data.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host/db); without it the embedded SQLite file is used.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Configuration file (default: <data-dir>/sunlight.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server.
    Serve {
        /// Listen address (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Build the demo county (演示县) first when the database has none, and print its log-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Build or complete the demo county and print its log-ins.
    Demo,
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens for units' own systems.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// List units: code, name, category, sub-commission.
    Units {
        #[arg(long)]
        json: bool,
    },
    /// The county's figures (设计科学化 and risk figures of the report), one count per key.
    Figures {
        /// Only this unit (code).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent snapshot of the SQLite database.
    Backup {
        /// Target file (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an event log (XES or CSV) against a BPMN flowchart, without a database.
    CheckLog(check_log::Args),
    /// Trading red flags over OCDS compiled releases (JSON Lines), printed as cardinal's JSON.
    Redflags(redflags::Args),
    /// Import from Excel (the power catalogue), OCDS (the trading centre) or BPMN (a flowchart).
    Import {
        #[command(subcommand)]
        command: catalogue::ImportCommand,
    },
    /// Export to Excel (the power catalogue) or BPMN (a flowchart).
    Export {
        #[command(subcommand)]
        command: catalogue::ExportCommand,
    },
    /// Benchmarks that print figures (see BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is asked for, or read from standard input.
    Add {
        /// commission_admin, sub_commission_staff, unit_admin, cadre or supervisor.
        #[arg(long)]
        role: String,
        /// The unit (code) of a unit admin or cadre, or the unit a supervisor watches.
        #[arg(long)]
        unit: Option<String>,
        /// The sub-commission (name) of sub-commission staff.
        #[arg(long)]
        sub_commission: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        login: String,
    },
    /// Set a new password (asked for, or read from standard input); ends the account's sessions.
    Password { login: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a unit; the secret is printed once.
    Create {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-compute every hash; exit 1 at the first bad record.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        bind: match &cli.command {
            Command::Serve { bind, .. } => bind.clone(),
            _ => None,
        },
    };
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// Opens the configured database and brings its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = if let Some(url) = &config.database_url {
        Store::connect_url(url, config.max_connections).await.context("connecting to the database")?
    } else {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let path = config.data_dir.join("sunlight.db");
        Store::open_sqlite(&path, config.max_connections)
            .await
            .with_context(|| format!("opening {}", path.display()))?
    };
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { demo, .. } => serve::run(config, demo).await,
        Command::Bench { command } => bench::run(command, &config).await,
        Command::Import { command } => catalogue::import(command, &config).await,
        Command::Export { command } => catalogue::export(command, &config).await,
        Command::CheckLog(args) => Ok(check_log::run(&args)),
        Command::Redflags(args) => Ok(redflags::run(&args)),
        Command::Migrate => {
            open_store(&config).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let store = open_store(&config).await?;
            let report = demo::build(&store).await?;
            print_demo(&report);
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => user(command, &config).await,
        Command::Token { command: TokenCommand::Create { unit, name } } => {
            let store = open_store(&config).await?;
            let system = Principal::system("cli");
            let unit = org::unit_by_code(&store, &system, &unit).await.with_context(|| format!("unit {unit}"))?;
            let (info, secret) = accounts::create_token(&store, &system, unit.id, &name).await?;
            eprintln!(
                "token #{} \"{}\" for {} ({}) — shown once, store it now:",
                info.id, info.name, unit.name, unit.code
            );
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Units { json } => units(&config, json).await,
        Command::Figures { unit, json } => figures(&config, unit.as_deref(), json).await,
        Command::Audit { command: AuditCommand::Verify } => {
            let store = open_store(&config).await?;
            match audit::verify(&store).await? {
                Verification::Intact { records, head } => {
                    println!("audit chain intact: {records} records, head {head}");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("audit chain broken at record {seq}: {reason:?}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Backup { out } => backup(&config, &out).await,
    }
}

pub fn print_demo(report: &demo::DemoReport) {
    println!(
        "demo county {}: {} sub-commissions, {} units, {} sections, {} positions, {} persons created this run",
        demo::COUNTY_NAME,
        report.sub_commissions,
        report.units,
        report.sections,
        report.positions,
        report.persons
    );
    println!(
        "  {} powers, {} risk points, {} creation standards, {} trading projects, {} display screens, {} complaints, \
         {} flowcharts, {} cases created this run",
        report.powers,
        report.risk_points,
        report.standards,
        report.trading_projects,
        report.screens,
        report.complaints,
        report.flowcharts,
        report.cases
    );
    println!("demo log-ins (password {}):", demo::DEMO_PASSWORD);
    for account in &report.accounts {
        println!("  {:<12} {:<22} {}", account.login, account.role, account.scope);
    }
    if !report.case_lookups.is_empty() {
        println!("demo cases to look up at /cases/status or on a kiosk (number, verification code):");
        for case in &report.case_lookups {
            println!("  {}  {}  ({}, card {})", case.number, case.code, case.status, case.card);
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ")?;
        let second = rpassword::prompt_password("again: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut text = String::new();
        std::io::stdin().take(1024).read_to_string(&mut text)?;
        Ok(text.lines().next().unwrap_or_default().to_owned())
    }
}

async fn user(command: UserCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    match command {
        UserCommand::Add { role, unit, sub_commission, name, login } => {
            let unit_id = match &unit {
                Some(code) => {
                    Some(org::unit_by_code(&store, &system, code).await.with_context(|| format!("unit {code}"))?.id)
                }
                None => None,
            };
            let sub_commission_id = match &sub_commission {
                Some(wanted) => {
                    let all = org::list_sub_commissions(&store, &system).await?;
                    Some(
                        all.into_iter()
                            .find(|s| &s.name == wanted)
                            .with_context(|| format!("sub-commission {wanted}"))?
                            .id,
                    )
                }
                None => None,
            };
            let password = read_password()?;
            let new = NewUser {
                login,
                password,
                supervised_unit_ids: if role == "supervisor" { unit_id.into_iter().collect() } else { Vec::new() },
                role,
                unit_id,
                sub_commission_id,
                display_name: name,
            };
            match accounts::create_user(&store, &system, new).await {
                Ok(user) => {
                    println!("account {} created ({})", user.login, user.role);
                    Ok(ExitCode::SUCCESS)
                }
                Err(sunlight_store::StoreError::Invalid(fields)) => {
                    for (field, error) in fields.iter() {
                        eprintln!(
                            "{field}: {}{}",
                            error.code,
                            error.limit.map(|l| format!(" ({l})")).unwrap_or_default()
                        );
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        UserCommand::Password { login } => {
            let password = read_password()?;
            accounts::reset_password(&store, &system, &login, &password).await?;
            println!("password of {login} changed");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn units(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    let units =
        org::list_units(&store, &system, &org::UnitFilter { include_inactive: true, ..Default::default() }).await?;
    let scs = org::list_sub_commissions(&store, &system).await?;
    let sc_name = |id: Option<i64>| id.and_then(|id| scs.iter().find(|s| s.id == id)).map(|s| s.name.clone());
    if json {
        let list: Vec<serde_json::Value> = units
            .iter()
            .map(|u| {
                serde_json::json!({
                    "code": u.code, "name": u.name, "category": u.category,
                    "sub_commission": sc_name(u.sub_commission_id), "pilot": u.pilot, "active": u.active,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for u in &units {
            println!(
                "{:<8} {:<24} {:<20} {}",
                u.code,
                u.name,
                u.category,
                sc_name(u.sub_commission_id).unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn figures(config: &Config, unit: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let system = Principal::system("cli");
    let unit_id = match unit {
        Some(code) => Some(org::unit_by_code(&store, &system, code).await.with_context(|| format!("unit {code}"))?.id),
        None => None,
    };
    let figures = sunlight_store::figures::figures(&store, &system, unit_id).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        let lang = sunlight_web::i18n::Lang::Zh;
        for (key, value) in &figures.0 {
            let label = lang.t(&format!("figure-{}", key.replace('_', "-")));
            println!("{key:<26} {value:>8}  {label}");
        }
        for (key, parts) in &figures.1 {
            let label = lang.t(&format!("figure-{}", key.replace('_', "-")));
            let values: Vec<String> = parts.iter().map(|(part, n)| format!("{part}={n}")).collect();
            println!("{key:<26} {}  {label}", values.join(" "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn backup(config: &Config, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    if store.backend() == Backend::Postgres {
        bail!("backup of PostgreSQL is pg_dump's job: pg_dump --format=custom <database>");
    }
    if out.exists() {
        bail!("{} already exists", out.display());
    }
    store.backup_sqlite(out).await?;
    println!("snapshot written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
