//! Online handling's benchmarks (figures in BENCHMARKS.md):
//!
//! - `sunlight bench ingest`: events per second through `POST /api/v1/events`,
//!   batches from concurrent clients, every rule on, on a server this command starts
//!   over a fresh database (SQLite by default, durable: WAL and `synchronous=FULL`).
//! - `sunlight bench handle`: eight-step cases completed per second through the case
//!   API (create, then one request per step), by concurrent clients.
//! - `sunlight bench clock`: one clock pass over a million open cases, timed, with
//!   the cards it raised.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::policy::Principal;
use sunlight_store::cases::setup::{ReadyPower, open_cases, ready_power};
use sunlight_store::entity::{case_event, handling_case, outbox, supervision_alert};
use sunlight_store::{Store, accounts, demo, org};

#[derive(Args)]
pub struct IngestBench {
    /// Events pushed in all.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// Events a batch (a request).
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Run on PostgreSQL: the server at this URL gets a fresh database for the run.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
}

#[derive(Args)]
pub struct HandleBench {
    /// Cases created and completed.
    #[arg(long, default_value_t = 3_000)]
    cases: usize,
    /// Concurrent clients, each working one case at a time.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
}

#[derive(Args)]
pub struct ClockBench {
    /// Open cases stored.
    #[arg(long, default_value_t = 1_000_000)]
    cases: usize,
    /// Of which this many have a card falling due.
    #[arg(long, default_value_t = 10_000)]
    due: usize,
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
}

/// A database for one run, removed afterwards.
struct Scratch {
    dir: PathBuf,
    /// The fresh PostgreSQL database: (server URL, name).
    postgres: Option<(String, String)>,
}

impl Scratch {
    async fn new(label: &str, postgres: Option<&str>) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("sunlight-bench-{label}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir)?;
        let postgres = match postgres {
            None => None,
            Some(url) => {
                let name = format!("sunlight_bench_{label}_{}", std::process::id());
                let admin = Store::connect_url(url, 1).await.context("connecting to PostgreSQL")?;
                admin.connection().execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await?;
                admin.connection().execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
                admin.close().await.ok();
                Some((url.to_owned(), name))
            }
        };
        Ok(Self { dir, postgres })
    }

    fn url(&self) -> Option<String> {
        self.postgres.as_ref().map(|(url, name)| {
            let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
            let server =
                base.rfind('/').filter(|&i| i > base.find("://").map_or(0, |s| s + 2)).map_or(base, |i| &base[..i]);
            query.map_or_else(|| format!("{server}/{name}"), |q| format!("{server}/{name}?{q}"))
        })
    }

    async fn open(&self, connections: u32) -> anyhow::Result<Store> {
        let store = match self.url() {
            Some(url) => Store::connect_url(&url, connections).await?,
            None => Store::open_sqlite(&self.dir.join("sunlight.db"), connections).await?,
        };
        store.migrate().await?;
        Ok(store)
    }

    fn backend(&self) -> &'static str {
        if self.postgres.is_some() { "PostgreSQL" } else { "SQLite (WAL, synchronous=FULL)" }
    }

    async fn remove(self) {
        std::fs::remove_dir_all(&self.dir).ok();
        if let Some((url, name)) = self.postgres
            && let Ok(admin) = Store::connect_url(&url, 1).await
        {
            admin.connection().execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
        }
    }
}

/// The county's organisation, a licence power with the generator's flowchart (eight
/// steps on its main path) and an API token of its unit.
async fn prepare(store: &Store) -> anyhow::Result<(ReadyPower, String)> {
    demo::build_organization(store).await?;
    let system = Principal::system("bench");
    let chart = Flowchart::new(generator_flowchart())?;
    let power = ready_power(store, &system, "SCJG", "食品经营许可（性能测试）", &chart).await?;
    let scjg = org::unit_by_code(store, &system, "SCJG").await?.id;
    let (_, secret) = accounts::create_token(store, &system, scjg, "性能测试").await?;
    Ok((power, format!("Bearer {secret}")))
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

async fn start_server(scratch: &Scratch) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("--data-dir")
        .arg(&scratch.dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("SUNLIGHT_LOG", "warn")
        // The clock would compete with what is measured; its own benchmark times it.
        .env("SUNLIGHT_CLOCK_INTERVAL_SECS", "0")
        .env("SUNLIGHT_MAX_CONNECTIONS", "16")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = scratch.url() {
        command.arg("--database-url").arg(url);
    }
    let server = Server {
        child: command.spawn().context("starting `sunlight serve`")?,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        if client.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("the server did not come up")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // p in [0, 1]: an index within bounds
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "?".into(), |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

const STEPS: [(&str, &str, &str); 8] = [
    ("Register application", "complete", "clerk"),
    ("Check completeness", "complete", "clerk"),
    ("Accept application", "accept", "clerk"),
    ("Site inspection", "complete", "inspector"),
    ("Technical review", "complete", "reviewer"),
    ("Decide", "approve", "leader"),
    ("Collect fee", "complete", "cashier"),
    ("Issue licence", "complete", "clerk"),
];

/// One case's events as a unit's system pushes them: applied, the eight steps,
/// finished; every twentieth case decided before its review (a process finding)
/// and every tenth charged 3% over its fee (no finding: within 5%) or 8% (one).
fn case_json(client: usize, n: usize, power: &str, start: chrono::DateTime<chrono::Utc>) -> Vec<serde_json::Value> {
    let number = format!("ING-{client}-{n:07}");
    let mut steps: Vec<(&str, &str, &str)> = STEPS.to_vec();
    if n % 20 == 7 {
        steps.swap(4, 5);
    }
    let mut out = Vec::with_capacity(10);
    let at = |k: i64| (start + chrono::TimeDelta::minutes(k * 17)).to_rfc3339();
    out.push(serde_json::json!({"id": format!("{number}-a"), "case": number, "power": power, "action": "apply", "actor": "网上申请", "at": at(0)}));
    for (k, (step, action, role)) in steps.iter().enumerate() {
        let mut e = serde_json::json!({
            "id": format!("{number}-{k}"), "case": number, "power": power, "step": step, "action": action,
            "actor": format!("{role}-{}", (n + k) % 7), "group": role, "at": at(i64::try_from(k).unwrap_or(0) + 1),
        });
        if *step == "Register application" {
            e["documents"] = serde_json::json!(["Application form", "Identity card"]);
        }
        if *step == "Collect fee" {
            let paid = if n % 10 == 3 {
                206.0
            } else if n % 10 == 5 {
                216.0
            } else {
                200.0
            };
            e["fee_due"] = serde_json::json!(200.0);
            e["fee_paid"] = serde_json::json!(paid);
        }
        out.push(e);
    }
    out.push(serde_json::json!({"id": format!("{number}-f"), "case": number, "power": power, "action": "finish", "actor": "clerk-1", "at": at(10)}));
    out
}

pub async fn ingest(args: &IngestBench) -> anyhow::Result<ExitCode> {
    let scratch = Scratch::new("ingest", args.postgres.as_deref()).await?;
    let result = ingest_in(args, &scratch).await;
    scratch.remove().await;
    result
}

async fn ingest_in(args: &IngestBench, scratch: &Scratch) -> anyhow::Result<ExitCode> {
    let store = scratch.open(4).await?;
    let (power, bearer) = prepare(&store).await?;
    store.close().await.ok();
    let clients = args.clients.max(1);
    let per_client = args.events.div_ceil(clients);
    let first_event = chrono::Utc::now() - chrono::TimeDelta::days(3);
    // Bodies are serialised before the clock starts: the server is measured.
    let mut bodies: Vec<Vec<Vec<u8>>> = Vec::with_capacity(clients);
    for c in 0..clients {
        let events: Vec<serde_json::Value> = (0..per_client.div_ceil(10))
            .flat_map(|n| case_json(c, n, &power.code, first_event))
            .take(per_client)
            .collect();
        let batches = events
            .chunks(args.batch.max(1))
            .map(|b| serde_json::to_vec(&serde_json::json!({ "events": b })))
            .collect::<Result<Vec<_>, _>>()?;
        bodies.push(batches);
    }
    let server = start_server(scratch).await?;
    let load_before = load_average();
    let began = Instant::now();
    let mut workers = Vec::new();
    for batches in bodies {
        let url = format!("{}/api/v1/events", server.base);
        let bearer = bearer.clone();
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::with_capacity(batches.len());
            let mut accepted = 0_u64;
            for body in batches {
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("authorization", &bearer)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("the server answered {}", response.status());
                }
                let answer: serde_json::Value = response.json().await?;
                latencies.push(sent.elapsed());
                accepted += answer["accepted"].as_u64().unwrap_or(0);
                if answer["rejected"].as_u64() != Some(0) {
                    bail!("events refused: {}", answer["results"]);
                }
            }
            anyhow::Ok((accepted, latencies))
        }));
    }
    let mut accepted = 0;
    let mut latencies = Vec::new();
    for worker in workers {
        let (a, l) = worker.await??;
        accepted += a;
        latencies.extend(l);
    }
    let wall = began.elapsed();
    latencies.sort();
    drop(server);
    let store = scratch.open(2).await?;
    let db = store.connection();
    let stored = case_event::Entity::find().count(db).await?;
    let cases = handling_case::Entity::find().count(db).await?;
    let alerts = supervision_alert::Entity::find().count(db).await?;
    let messages = outbox::Entity::find().count(db).await?;
    println!("event ingest through POST /api/v1/events, {}, every rule on:", scratch.backend());
    println!(
        "  {accepted} events accepted ({stored} stored) in {} batches of {} from {clients} clients",
        latencies.len(),
        args.batch
    );
    println!("  {cases} cases, {alerts} alerts raised ({messages} outbox messages)");
    println!(
        "  {:.2} s: {:.0} events/s   batch latency p50 {}  p95 {}  max {}",
        wall.as_secs_f64(),
        accepted as f64 / wall.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.95)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!("  load average before the run: {load_before}; after: {}", load_average());
    store.close().await.ok();
    Ok(ExitCode::SUCCESS)
}

pub async fn handle(args: &HandleBench) -> anyhow::Result<ExitCode> {
    let scratch = Scratch::new("handle", args.postgres.as_deref()).await?;
    let result = handle_in(args, &scratch).await;
    scratch.remove().await;
    result
}

/// One case through the API: created, then each of the eight steps (the last one
/// finishing it). The time each request took.
async fn one_case(client: &reqwest::Client, base: &str, bearer: &str, power: &str) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(9);
    let sent = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/cases"))
        .header("authorization", bearer)
        .json(&serde_json::json!({"power": power, "subject": "性能测试"}))
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::CREATED {
        bail!("create answered {}", response.status());
    }
    let created: serde_json::Value = response.json().await?;
    times.push(sent.elapsed());
    let number = created["case"]["case_number"].as_str().context("no case number")?.to_owned();
    let url = format!("{base}/api/v1/cases/{number}/actions");
    for (i, (step, action, role)) in STEPS.iter().enumerate() {
        let action = if i == STEPS.len() - 1 { "finish" } else { action };
        let mut body = serde_json::json!({"action": action, "step": step, "group": role});
        if *step == "Register application" {
            body["documents"] = serde_json::json!(["Application form", "Identity card"]);
        }
        let sent = Instant::now();
        let response = client.post(&url).header("authorization", bearer).json(&body).send().await?;
        if !response.status().is_success() {
            bail!("{action} {step} answered {}: {}", response.status(), response.text().await.unwrap_or_default());
        }
        times.push(sent.elapsed());
    }
    Ok(times)
}

async fn handle_in(args: &HandleBench, scratch: &Scratch) -> anyhow::Result<ExitCode> {
    let store = scratch.open(4).await?;
    let (power, bearer) = prepare(&store).await?;
    store.close().await.ok();
    let server = start_server(scratch).await?;
    let clients = args.clients.max(1);
    let per_client = args.cases.div_ceil(clients);
    let load_before = load_average();
    let began = Instant::now();
    let mut workers = Vec::new();
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    for _ in 0..clients {
        let (client, base, bearer, power) = (client.clone(), server.base.clone(), bearer.clone(), power.code.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in 0..per_client {
                times.extend(one_case(&client, &base, &bearer, &power).await?);
            }
            anyhow::Ok(times)
        }));
    }
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await??);
    }
    let wall = began.elapsed();
    times.sort();
    drop(server);
    let store = scratch.open(2).await?;
    let finished = handling_case::Entity::find().filter_status("finished").count(store.connection()).await?;
    let completed = per_client * clients;
    println!("online handling through the case API, {}, every rule on:", scratch.backend());
    println!(
        "  {completed} eight-step cases (create + 8 actions = {} requests) by {clients} concurrent clients; {finished} finished",
        times.len()
    );
    println!(
        "  {:.2} s: {:.0} cases/s, {:.0} requests/s   request latency p50 {}  p95 {}  max {}",
        wall.as_secs_f64(),
        completed as f64 / wall.as_secs_f64(),
        times.len() as f64 / wall.as_secs_f64(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(times.last().copied().unwrap_or_default())
    );
    println!("  load average before the run: {load_before}; after: {}", load_average());
    store.close().await.ok();
    Ok(ExitCode::SUCCESS)
}

trait StatusFilter {
    fn filter_status(self, status: &str) -> Self;
}

impl StatusFilter for sea_orm::Select<handling_case::Entity> {
    fn filter_status(self, status: &str) -> Self {
        use sea_orm::{ColumnTrait, QueryFilter};
        self.filter(handling_case::Column::Status.eq(status))
    }
}

pub async fn clock(args: &ClockBench) -> anyhow::Result<ExitCode> {
    let scratch = Scratch::new("clock", args.postgres.as_deref()).await?;
    let result = clock_in(args, &scratch).await;
    scratch.remove().await;
    result
}

fn file_mib(path: &Path) -> f64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = path.with_extension("db-wal");
    (size(path) + size(&wal)) as f64 / (1024.0 * 1024.0)
}

async fn clock_in(args: &ClockBench, scratch: &Scratch) -> anyhow::Result<ExitCode> {
    let store = scratch.open(4).await?;
    demo::build_organization(&store).await?;
    let system = Principal::system("bench");
    let chart = Flowchart::new(generator_flowchart())?;
    let power = ready_power(&store, &system, "SCJG", "食品经营许可（时钟测试）", &chart).await?;
    let began = Instant::now();
    let open = open_cases(&store, &system, &power, args.cases, args.due).await?;
    let fill = began.elapsed();
    if scratch.postgres.is_some() {
        store.connection().execute_unprepared("ANALYZE").await?;
    }
    println!(
        "clock pass, {}: {} open cases stored in {:.1} s{}; {} of them with a card due",
        scratch.backend(),
        open.cases,
        fill.as_secs_f64(),
        if scratch.postgres.is_some() {
            String::new()
        } else {
            format!(" ({:.0} MiB)", file_mib(&scratch.dir.join("sunlight.db")))
        },
        open.due
    );
    let load_before = load_average();
    let stats = sunlight_store::cases::clock_pass(&store, open.due_at).await?;
    println!(
        "  one pass: {} ms, {} cases re-evaluated in {} chunks, {} cards changed, {} alerts raised, {} closed",
        stats.elapsed_ms, stats.evaluated, stats.chunks, stats.cards_changed, stats.alerts_raised, stats.alerts_closed
    );
    let again = sunlight_store::cases::clock_pass(&store, open.due_at).await?;
    println!("  the next pass at the same instant: {} ms, {} cases", again.elapsed_ms, again.evaluated);
    println!("  load average before the pass: {load_before}; after: {}", load_average());
    store.close().await.ok();
    Ok(ExitCode::SUCCESS)
}
