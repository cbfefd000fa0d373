//! `sunlight import ocds`: a sample imports with a Chinese summary and shows in
//! `sunlight figures`; an unreadable file exits 1 and writes nothing.

use std::process::{Command, Output};

use sunlight_store::testing::TestDb;

use crate::{TempDir, shared_data, text};

fn run(database_url: &str, args: &[&str]) -> Output {
    let scratch = TempDir::new("ocds-data");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_imports_and_counts_in_the_figures() {
    let db = TestDb::sqlite().await;
    let sample = shared_data().join("ocds/ocdskit-samples/release-package-1.json");
    let out = run(&db.url(), &["import", "ocds", sample.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("读取发布 2 条：新建项目 1 个，更新项目 0 个。"), "{stdout}");
    // Again: the same process, updated, nothing new.
    let out = run(&db.url(), &["import", "ocds", sample.to_str().unwrap(), "--lang", "en"]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("2 releases read: 0 processes created, 1 updated."), "{stdout}");

    let out = run(&db.url(), &["figures", "--json"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let figures: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(figures["trading_projects"], 1);
    assert_eq!(figures["redflags_open"], 0);
    let out = run(&db.url(), &["figures"]);
    assert!(text(&out).0.contains("交易项目"), "{}", text(&out).0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_are_named_and_an_unreadable_file_fails() {
    let db = TestDb::sqlite().await;
    let files = TempDir::new("ocds-files");
    let lines = files.path().join("releases.jsonl");
    std::fs::write(
        &lines,
        "{\"ocid\": \"a\", \"tender\": {\"tenderPeriod\": {\"endDate\": \"下周\"}}}\n{oops\n{\"ocid\": \"b\"}\n",
    )
    .unwrap();
    let out = run(&db.url(), &["import", "ocds", lines.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("跳过无效行 1 行。"), "{stdout}");
    assert!(stdout.contains("第 2 行 /：不是 JSON，已跳过"), "{stdout}");
    assert!(stdout.contains("第 1 行 /tender/tenderPeriod/endDate：日期应为 RFC 3339 格式"), "{stdout}");

    let broken = files.path().join("broken.json");
    std::fs::write(&broken, "{\"releases\": [").unwrap();
    let out = run(&db.url(), &["import", "ocds", broken.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("文件不是有效的 JSON，未导入任何内容。"), "{stderr}");
    let out = run(&db.url(), &["figures", "--json"]);
    let figures: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(figures["trading_projects"], 2);
}
