//! `sunlight bench …`: benchmarks that print figures (recorded in BENCHMARKS.md).
//! They start this same binary as a server on a free local port, on a fresh demo
//! database in a temporary directory, and measure it from outside.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::bench_gen;
use crate::config::Config;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Start to `/healthz` 200 on an existing database, and idle memory.
    Startup {
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
    /// Log-in latency (GET the form, POST the credentials) with the chosen argon2 parameters.
    Login {
        #[arg(long, default_value_t = 200)]
        requests: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Write a synthetic approval log (log.xes), its flowchart (flowchart.bpmn) and the injected deviations
    /// (injected.json).
    GenLog {
        #[arg(long)]
        cases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
    /// Generate a log, time `check-log --closed` on it (read + check), and compare with the injected deviations.
    CheckLog {
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write synthetic OCDS compiled releases as JSON Lines.
    GenOcds {
        #[arg(long)]
        releases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Generate compiled releases, then time every red-flag indicator on them and report peak memory.
    Redflags {
        #[arg(long, default_value_t = 1_000_000)]
        releases: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Settings file (default: every indicator with its defaults).
        #[arg(long, value_name = "FILE.ini")]
        settings: Option<PathBuf>,
    },
    /// Generate a catalogue, write it as .xlsx and time its import into a fresh database.
    CatalogueImport(crate::catalogue::ImportBench),
    /// Fill a fresh database with powers and time Chinese substring searches (p50/p95/p99).
    CatalogueSearch(crate::catalogue::SearchBench),
    /// Events/s through POST /api/v1/events (batches, concurrent clients, every rule on) on a server started here.
    Ingest(crate::bench_cases::IngestBench),
    /// Eight-step cases completed/s through the case API by concurrent clients.
    Handle(crate::bench_cases::HandleBench),
    /// One supervision clock pass over a million open cases, timed, with the cards it raised.
    Clock(crate::bench_cases::ClockBench),
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("sunlight-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn prepare(data_dir: &Path, config: &Config) -> anyhow::Result<()> {
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("--data-dir").arg(data_dir).arg("demo").stdout(Stdio::null()).env("SUNLIGHT_LOG", "warn");
    if let Some(url) = &config.database_url {
        command.arg("--database-url").arg(url);
    }
    let status = command.status().context("running `sunlight demo`")?;
    if !status.success() {
        bail!("`sunlight demo` failed");
    }
    Ok(())
}

fn start(data_dir: &Path, config: &Config) -> anyhow::Result<(Server, Instant)> {
    let port = free_port()?;
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env("SUNLIGHT_LOG", "warn");
    if let Some(url) = &config.database_url {
        command.arg("--database-url").arg(url);
    }
    let started = Instant::now();
    let child = command.spawn().context("starting `sunlight serve`")?;
    Ok((Server { child, base: format!("http://127.0.0.1:{port}") }, started))
}

async fn wait_healthy(client: &reqwest::Client, server: &Server) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bail!("server did not become healthy within 30 s")
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // p in [0, 1], index within bounds
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub async fn run(command: BenchCommand, config: &Config) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::GenLog { cases, seed, out_dir } => return bench_gen::gen_log(cases, seed, &out_dir),
        BenchCommand::CheckLog { cases, seed } => return bench_gen::check_log_bench(cases, seed),
        BenchCommand::GenOcds { releases, seed, out } => return bench_gen::gen_ocds(releases, seed, &out),
        BenchCommand::Redflags { releases, seed, settings } => {
            return bench_gen::redflags_bench(releases, seed, settings.as_deref());
        }
        BenchCommand::CatalogueImport(args) => return crate::catalogue::import_bench(&args, config).await,
        BenchCommand::CatalogueSearch(args) => return crate::catalogue::search_bench(&args, config).await,
        BenchCommand::Ingest(args) => return crate::bench_cases::ingest(&args).await,
        BenchCommand::Handle(args) => return crate::bench_cases::handle(&args).await,
        BenchCommand::Clock(args) => return crate::bench_cases::clock(&args).await,
        BenchCommand::Startup { .. } | BenchCommand::Login { .. } => {}
    }
    let dir = scratch_dir()?;
    prepare(&dir, config)?;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let result = match command {
        BenchCommand::Startup { runs } => startup(&client, &dir, config, runs).await,
        BenchCommand::Login { requests, concurrency } => login(&client, &dir, config, requests, concurrency).await,
        BenchCommand::GenLog { .. }
        | BenchCommand::CheckLog { .. }
        | BenchCommand::GenOcds { .. }
        | BenchCommand::Redflags { .. }
        | BenchCommand::CatalogueImport(_)
        | BenchCommand::CatalogueSearch(_)
        | BenchCommand::Ingest(_)
        | BenchCommand::Handle(_)
        | BenchCommand::Clock(_) => Ok(()),
    };
    std::fs::remove_dir_all(&dir).ok();
    result.map(|()| ExitCode::SUCCESS)
}

async fn startup(client: &reqwest::Client, dir: &Path, config: &Config, runs: usize) -> anyhow::Result<()> {
    let mut times = Vec::new();
    let mut idle_rss = Vec::new();
    for _ in 0..runs.max(1) {
        let (server, started) = start(dir, config)?;
        wait_healthy(client, &server).await?;
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_secs(2)).await;
        if let Some(rss) = rss_mib(server.child.id()) {
            idle_rss.push(rss);
        }
    }
    times.sort();
    println!("start to /healthz 200 on an existing database ({} runs):", times.len());
    println!("  min {}  median {}  max {}", ms(times[0]), ms(percentile(&times, 0.5)), ms(times[times.len() - 1]));
    if let Some(max) = idle_rss.iter().copied().reduce(f64::max) {
        println!("idle resident memory after 2 s: max {max:.1} MiB");
    }
    Ok(())
}

async fn one_login(client: &reqwest::Client, base: &str) -> anyhow::Result<Duration> {
    let form = client.get(format!("{base}/login")).send().await?;
    let cookie = form
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sunlight_login_csrf="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .context("no CSRF cookie")?;
    let token = cookie.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default();
    let started = Instant::now();
    let response = client
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, cookie)
        .form(&[
            ("_csrf", token.as_str()),
            ("login", "admin"),
            ("password", sunlight_store::demo::DEMO_PASSWORD),
            ("next", "/staff"),
        ])
        .send()
        .await?;
    let elapsed = started.elapsed();
    if response.status() != reqwest::StatusCode::SEE_OTHER {
        bail!("log-in answered {}", response.status());
    }
    Ok(elapsed)
}

async fn login(
    client: &reqwest::Client,
    dir: &Path,
    config: &Config,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let (server, _) = start(dir, config)?;
    wait_healthy(client, &server).await?;
    let per_worker = requests.div_ceil(concurrency.max(1));
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let client = client.clone();
        let base = server.base.clone();
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in 0..per_worker {
                times.push(one_login(&client, &base).await?);
            }
            anyhow::Ok(times)
        }));
    }
    let started = Instant::now();
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await??);
    }
    let wall = started.elapsed();
    times.sort();
    println!("log-in POST latency, {} log-ins, {} concurrent clients:", times.len(), concurrency);
    println!(
        "  p50 {}  p95 {}  p99 {}  max {}  ({:.1} log-ins/s)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
        ms(times[times.len() - 1]),
        times.len() as f64 / wall.as_secs_f64()
    );
    println!("  argon2id m=19456 KiB, t=2, p=1");
    Ok(())
}
