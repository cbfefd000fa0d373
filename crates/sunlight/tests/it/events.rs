//! `sunlight import events` and `sunlight export events`: a real log imported as
//! closed cases, exported and read back; a malformed file and a refused event import
//! nothing. And durability: a server killed (SIGKILL) while clients push batches has
//! stored every event it acknowledged.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{EntityTrait, PaginatorTrait, QuerySelect};
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::flow::{Flowchart, import_bpmn, read_xes};
use sunlight_domain::policy::Principal;
use sunlight_store::cases::setup::ready_power;
use sunlight_store::entity::{case_event, handling_case};
use sunlight_store::testing::TestDb;
use sunlight_store::{Store, accounts, demo, org};

use crate::{TempDir, shared_data, text};

fn run(database_url: &str, args: &[&str]) -> Output {
    let scratch = TempDir::new("events-data");
    Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .arg("--data-dir")
        .arg(scratch.path().join("unused"))
        .arg("--database-url")
        .arg(database_url)
        .args(args)
        .env("SUNLIGHT_LOG", "warn")
        .output()
        .unwrap()
}

async fn count_cases(store: &Store) -> u64 {
    handling_case::Entity::find().count(store.connection()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_imports_exports_and_a_bad_one_imports_nothing() {
    let db = TestDb::sqlite().await;
    demo::build_organization(&db.store).await.unwrap();
    let chart = import_bpmn(&std::fs::read_to_string(shared_data().join("eventlogs/receipt.bpmn")).unwrap()).unwrap();
    let power = ready_power(&db.store, &Principal::system("test"), "SCJG", "环境许可受理", &chart).await.unwrap();
    let files = TempDir::new("events-files");

    // A malformed CSV (a bad timestamp on its third row) imports nothing, naming the row.
    let bad = files.path().join("bad.csv");
    std::fs::write(
        &bad,
        "case:concept:name,concept:name,time:timestamp\nc1,Confirmation of receipt,2011-10-11T13:45:40+02:00\nc1,T02 Check confirmation of receipt,later\n",
    )
    .unwrap();
    let out = run(&db.url(), &["import", "events", bad.to_str().unwrap(), "--power", &power.code]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("row 3"), "{stderr}");
    // A well-formed file with a step the flowchart lacks: refused whole.
    let lunch = files.path().join("lunch.csv");
    std::fs::write(
        &lunch,
        "case:concept:name,concept:name,time:timestamp\nc1,Confirmation of receipt,2011-10-11T13:45:40+02:00\nc2,Lunch,2011-10-11T14:45:40+02:00\n",
    )
    .unwrap();
    let out = run(&db.url(), &["import", "events", lunch.to_str().unwrap(), "--power", &power.code]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("unknown_step") && stderr.contains("nothing imported"), "{stderr}");
    assert_eq!(count_cases(&db.store).await, 0);

    let receipt = shared_data().join("eventlogs/receipt.csv");
    let out = run(&db.url(), &["import", "events", receipt.to_str().unwrap(), "--power", &power.code, "--closed"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("1434 cases: 11445 events stored"), "{stdout}");
    let out = run(&db.url(), &["import", "events", receipt.to_str().unwrap(), "--power", &power.code, "--closed"]);
    assert!(text(&out).0.contains("0 events stored, 11445 already stored"), "{}", text(&out).0);

    let xes = files.path().join("out.xes");
    let out =
        run(&db.url(), &["export", "events", "--power", &power.code, "--unit", "SCJG", "--out", xes.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1434 cases written"), "{stdout}");
    let log = read_xes(&std::fs::read_to_string(&xes).unwrap(), china_time()).unwrap();
    assert_eq!(log.cases.len(), 1434);
    assert_eq!(log.event_count(), 11445);
    let out = run(&db.url(), &["figures", "--json"]);
    let figures: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(figures["cases"], 1434);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(data_dir: &Path, port: u16) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("SUNLIGHT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not come up");
}

/// Ten events of one case: applied, the eight steps, finished.
fn case_events(client: usize, case: usize, power: &str) -> Vec<serde_json::Value> {
    let number = format!("DUR-{client}-{case}");
    let steps = [
        ("", "apply"),
        ("Register application", "complete"),
        ("Check completeness", "complete"),
        ("Accept application", "accept"),
        ("Site inspection", "complete"),
        ("Technical review", "complete"),
        ("Decide", "approve"),
        ("Collect fee", "complete"),
        ("Issue licence", "complete"),
        ("", "finish"),
    ];
    let start = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    steps
        .iter()
        .enumerate()
        .map(|(i, (step, action))| {
            serde_json::json!({
                "id": format!("{number}-{i}"), "case": number, "power": power, "step": step,
                "action": action, "actor": format!("P{}", i % 4), "at": (start + chrono::TimeDelta::seconds(i64::try_from(i).unwrap())).to_rfc3339(),
            })
        })
        .collect()
}

/// Posts batches until the server stops answering; the ids it acknowledged.
async fn push_until_down(base: String, bearer: String, client_no: usize, power: String) -> Vec<String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut acknowledged = Vec::new();
    for batch in 0.. {
        let events: Vec<serde_json::Value> =
            (0..20).flat_map(|c| case_events(client_no, batch * 20 + c, &power)).collect();
        let Ok(response) = client
            .post(format!("{base}/api/v1/events"))
            .header("authorization", &bearer)
            .json(&serde_json::json!({"events": events}))
            .send()
            .await
        else {
            break;
        };
        if !response.status().is_success() {
            break;
        }
        let Ok(body) = response.json::<serde_json::Value>().await else { break };
        for r in body["results"].as_array().into_iter().flatten() {
            if matches!(r["status"].as_str(), Some("accepted" | "duplicate")) {
                acknowledged.push(r["id"].as_str().unwrap_or_default().to_owned());
            } else {
                panic!("a good event was refused: {r}");
            }
        }
    }
    acknowledged
}

/// Every event acknowledged before a SIGKILL is in the database after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_a_kill() {
    let dir = TempDir::new("durability");
    let (power, bearer) = {
        let store = Store::open_sqlite(&dir.path().join("sunlight.db"), 2).await.unwrap();
        store.migrate().await.unwrap();
        demo::build_organization(&store).await.unwrap();
        let system = Principal::system("test");
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let power = ready_power(&store, &system, "SCJG", "食品经营许可（持久性测试）", &chart).await.unwrap();
        let scjg = org::unit_by_code(&store, &system, "SCJG").await.unwrap().id;
        let (_, secret) = accounts::create_token(&store, &system, scjg, "审批系统").await.unwrap();
        store.close().await.unwrap();
        (power.code, format!("Bearer {secret}"))
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = serve(dir.path(), port);
    wait_healthy(&client, &base).await;
    let pushers: Vec<_> =
        (0..2).map(|n| tokio::spawn(push_until_down(base.clone(), bearer.clone(), n, power.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush beyond what was committed
    server.wait().unwrap();
    let mut acknowledged: Vec<String> = Vec::new();
    for p in pushers {
        acknowledged.extend(p.await.unwrap());
    }
    assert!(acknowledged.len() >= 200, "the clients got answers before the kill ({})", acknowledged.len());

    // The server starts again on the same file, and every acknowledged event is there.
    let mut server = serve(dir.path(), port);
    wait_healthy(&client, &base).await;
    let store = Store::open_sqlite(&dir.path().join("sunlight.db"), 1).await.unwrap();
    let stored: HashSet<String> = case_event::Entity::find()
        .select_only()
        .column(case_event::Column::ClientEventId)
        .into_tuple::<Option<String>>()
        .all(store.connection())
        .await
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost, e.g. {:?}", lost.len(), lost.first());
    // Pushed again, the first acknowledged batch is all duplicates.
    let again: Vec<serde_json::Value> = (0..20).flat_map(|c| case_events(0, c, &power)).collect();
    let body: serde_json::Value = client
        .post(format!("{base}/api/v1/events"))
        .header("authorization", &bearer)
        .json(&serde_json::json!({ "events": again }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["duplicate"], 200, "{body}");
    server.kill().ok();
    server.wait().ok();
}
