//! `sunlight import flowchart` and `sunlight export flowchart`: the shared BPMN
//! models import; a malformed file, or `--publish` of an incomplete chart, imports
//! nothing and says where; an export imports back unchanged.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use sunlight_domain::catalogue::{Column, PowerTypes, RowContext, parse_row};
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::flow::{Flowchart, export_bpmn, import_bpmn};
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::Principal;
use sunlight_store::audit;
use sunlight_store::flowcharts::{self, PowerRef};
use sunlight_store::testing::TestDb;
use sunlight_store::{Store, catalogue, demo};

use crate::{TempDir, shared_data, text};

fn run(database_url: &str, args: &[&str]) -> Output {
    let scratch = TempDir::new("flowchart-data");
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

/// A new licence of SCJG; its code.
async fn power(store: &Store, name: &str) -> String {
    let unit = UnitCode::parse("SCJG").unwrap();
    let cells: BTreeMap<Column, &str> = [
        (Column::Name, name),
        (Column::Type, "行政许可"),
        (Column::LegalBasis, "《中华人民共和国行政许可法》第十二条"),
        (Column::PromisedLimit, "10个工作日"),
    ]
    .into_iter()
    .collect();
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    let draft = parse_row(|c| cells.get(&c).copied(), &context).unwrap();
    catalogue::create_power(store, &Principal::system("test"), draft).await.unwrap().power.code
}

async fn versions(store: &Store, code: &str) -> usize {
    match flowcharts::for_power(store, &Principal::system("test"), PowerRef::Code(code)).await {
        Ok(detail) => detail.versions.len(),
        Err(_) => 0,
    }
}

async fn import_export_round_trip(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let url = db.url();
    let files = TempDir::new("flowchart-files");
    let models = shared_data().join("eventlogs");

    // The three shared models import as drafts, each into its own power.
    for (i, file) in ["permit-minimal.bpmn", "receipt.bpmn", "running-example.bpmn"].iter().enumerate() {
        let code = power(&db.store, &format!("共享模型许可{i}")).await;
        let path = models.join(file);
        let out = run(&url, &["import", "flowchart", path.to_str().unwrap(), "--power", &code]);
        assert!(out.status.success(), "{file}: {:?}", text(&out));
        assert!(text(&out).0.contains("已导入第 1 版（草稿）"), "{:?}", text(&out));
        let exported = files.path().join(format!("{i}.bpmn"));
        let out = run(
            &url,
            &["export", "flowchart", "--power", &code, "--version", "1", "--out", exported.to_str().unwrap()],
        );
        assert!(out.status.success(), "{:?}", text(&out));
        let original = import_bpmn(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(import_bpmn(&std::fs::read_to_string(&exported).unwrap()).unwrap(), original, "{file}");
    }

    // A malformed file: exit 1, the line and element named, nothing written.
    let code = power(&db.store, "命令行许可").await;
    let broken = files.path().join("broken.bpmn");
    std::fs::write(&broken, "<definitions>\n<process id=\"p\">\n<task name=\"x\"/>\n</process></definitions>").unwrap();
    let head = audit::head(&db.store).await.unwrap();
    let out = run(&url, &["import", "flowchart", broken.to_str().unwrap(), "--power", &code]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(text(&out).1.contains("第 3 行：元素 <task> 缺少属性 id"), "{:?}", text(&out));
    let out = run(&url, &["import", "flowchart", broken.to_str().unwrap(), "--power", &code, "--lang", "en"]);
    assert!(text(&out).1.contains("line 3: element <task> lacks the attribute id"), "{:?}", text(&out));
    // An incomplete chart cannot be published: nothing is imported either.
    let permit = models.join("permit-minimal.bpmn");
    let out = run(&url, &["import", "flowchart", permit.to_str().unwrap(), "--power", &code, "--publish"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("缺少：时限、监督人"), "{:?}", text(&out));
    assert_eq!(audit::head(&db.store).await.unwrap(), head, "nothing may have been written");
    assert_eq!(versions(&db.store, &code).await, 0);
    // No such power: an error, not a panic.
    let out = run(&url, &["import", "flowchart", permit.to_str().unwrap(), "--power", "NOPEXK001"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("power NOPEXK001 not found"), "{:?}", text(&out));

    // A complete chart is published; its export (to standard output) imports back unchanged.
    let complete = files.path().join("complete.bpmn");
    std::fs::write(&complete, export_bpmn(&Flowchart::new(generator_flowchart()).unwrap())).unwrap();
    let out = run(&url, &["import", "flowchart", complete.to_str().unwrap(), "--power", &code, "--publish"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("第 1 版已发布"), "{:?}", text(&out));
    let out = run(&url, &["export", "flowchart", "--power", &code]);
    assert!(out.status.success(), "{:?}", text(&out));
    let again = files.path().join("again.bpmn");
    std::fs::write(&again, &out.stdout).unwrap();
    let other = power(&db.store, "往返许可").await;
    let out = run(&url, &["import", "flowchart", again.to_str().unwrap(), "--power", &other, "--publish"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let back = flowcharts::published_for_power(db.store.connection(), {
        let detail = flowcharts::for_power(&db.store, &Principal::system("t"), PowerRef::Code(&other)).await.unwrap();
        detail.power.id
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(back, Flowchart::new(generator_flowchart()).unwrap());
    let out = run(&url, &["export", "flowchart", "--power", &other, "--version", "9"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("has no version 9"), "{:?}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_export_round_trip_sqlite() {
    import_export_round_trip(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_export_round_trip_postgres() {
    if let Some(db) = TestDb::postgres().await {
        import_export_round_trip(db).await;
    }
}
