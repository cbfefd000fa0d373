//! `sunlight import powers` and `sunlight export powers`: a bad file imports nothing
//! and names every problem; an export imports back into another database unchanged.

use std::path::Path;
use std::process::{Command, Output};

use sunlight_domain::catalogue::xlsx_import::{ImportLimits, import_xlsx};
use sunlight_domain::catalogue::{PowerDraft, PowerTypes, RowContext};
use sunlight_domain::org::UnitCode;
use sunlight_store::demo;
use sunlight_store::testing::TestDb;

use crate::{TempDir, text};

fn run(database_url: &str, args: &[&str]) -> Output {
    let scratch = TempDir::new("catalogue-data");
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

fn drafts_in(file: &Path) -> Vec<PowerDraft> {
    let bytes = std::fs::read(file).unwrap();
    let unit = UnitCode::parse("SCJG").unwrap();
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    import_xlsx(&bytes, &context, &ImportLimits::default()).unwrap().into_iter().map(|p| p.draft).collect()
}

fn bad_file(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 4]; 3] = [
        ["事项名称", "权力类型", "设定依据", "责任科室"],
        ["食品经营许可（命令行）", "行政许可", "《食品安全法》第三十五条", "登记注册股"],
        ["坏行", "行政审批", "《食品安全法》", "没有这个股"],
    ];
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            sheet.write_string(r, c, cell).unwrap();
        }
    }
    std::fs::write(path, book.save_to_buffer().unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_imports_back_and_a_bad_file_imports_nothing() {
    let files = TempDir::new("catalogue-files");
    // The full demo county: its catalogue is published.
    let source = TestDb::sqlite().await;
    demo::build(&source.store).await.unwrap();
    let exported = files.path().join("scjg.xlsx");
    let out = run(&source.url(), &["export", "powers", "--unit", "SCJG", "--out", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{:?}", text(&out));
    let original = drafts_in(&exported);
    assert!(original.len() > 10, "{}", original.len());
    let public = files.path().join("public.xlsx");
    let out = run(&source.url(), &["export", "powers", "--public", "--out", public.to_str().unwrap()]);
    assert!(out.status.success(), "{:?}", text(&out));

    // Another county database with the same units but no catalogue.
    let target = TestDb::sqlite().await;
    demo::build_organization(&target.store).await.unwrap();
    let bad = files.path().join("bad.xlsx");
    bad_file(&bad);
    let out = run(&target.url(), &["import", "powers", bad.to_str().unwrap(), "--unit", "SCJG"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let (_, stderr) = text(&out);
    assert!(stderr.contains("Sheet1!3 权力类型：不是可识别的权力类型"), "{stderr}");
    assert!(stderr.contains("Sheet1!3 责任科室：本单位没有这个科室"), "{stderr}");
    let out = run(&target.url(), &["import", "powers", bad.to_str().unwrap(), "--unit", "SCJG", "--lang", "en"]);
    assert!(text(&out).1.contains("Sheet1!3 权力类型: Not a known power type"), "{:?}", text(&out));
    let empty = files.path().join("empty.xlsx");
    let out = run(&target.url(), &["export", "powers", "--unit", "SCJG", "--out", empty.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(text(&out).0.starts_with("0 powers"), "nothing was imported: {:?}", text(&out));

    let out = run(&target.url(), &["import", "powers", exported.to_str().unwrap(), "--unit", "SCJG"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains(&format!("新建 {} 项", original.len())), "{:?}", text(&out));
    let back = files.path().join("back.xlsx");
    let out = run(&target.url(), &["export", "powers", "--unit", "SCJG", "--out", back.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(drafts_in(&back), original, "export → import → export gives the same catalogue");

    // Unknown unit: an error, not a panic.
    let out = run(&target.url(), &["import", "powers", exported.to_str().unwrap(), "--unit", "NOPE"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("unit NOPE not found"), "{:?}", text(&out));
}
