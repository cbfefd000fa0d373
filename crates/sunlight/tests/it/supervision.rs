//! `sunlight figures` shows the open supervision alerts, and their breakdown by level
//! as one line (text) or an object (JSON).

use std::process::{Command, Output};

use sunlight_store::supervision::fixture::{self, CaseSpec};
use sunlight_store::testing::TestDb;

use crate::{TempDir, text};

fn figures(database_url: &str, json: bool) -> Output {
    let scratch = TempDir::new("supervision-data");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sunlight"));
    command.arg("--data-dir").arg(scratch.path().join("unused")).arg("--database-url").arg(database_url);
    command.arg("figures");
    if json {
        command.arg("--json");
    }
    command.env("SUNLIGHT_LOG", "warn").output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_show_open_alerts_by_level() {
    let db = TestDb::sqlite().await;
    sunlight_store::demo::build_organization(&db.store).await.unwrap();
    let unit = sunlight_store::org::unit_by_code(&db.store, &sunlight_domain::policy::Principal::system("t"), "SCJG")
        .await
        .unwrap()
        .id;
    let chart = fixture::chart(&db.store, unit, "SV-SCJG-1", "食品经营许可").await;
    let case = fixture::case(&db.store, &chart, CaseSpec::open("SCJG-2026-0001", chrono::Utc::now())).await;
    fixture::alert(&db.store, &case, "time.red_card", "red").await;
    fixture::alert(&db.store, &case, "process.returned", "warning").await;

    let out = figures(&db.url(), true);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let all: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(all["alerts_open"], 2);
    assert_eq!(all["alerts_by_level"], serde_json::json!({"reminder": 0, "yellow": 0, "red": 1, "warning": 1}));
    let out = figures(&db.url(), false);
    let (stdout, _) = text(&out);
    let line = stdout.lines().find(|l| l.starts_with("alerts_by_level")).unwrap_or_default();
    assert!(line.contains("reminder=0 yellow=0 red=1 warning=1") && line.contains("待处置预警（按级别）"), "{stdout}");
}
