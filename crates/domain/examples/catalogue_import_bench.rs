//! Times the import of a generated catalogue.
//!
//! `CARGO_TARGET_DIR=… cargo run --release -p sunlight-domain --example catalogue_import_bench [rows]`

use std::time::Instant;

use sunlight_domain::catalogue::generator::generate_catalogue;
use sunlight_domain::catalogue::xlsx_export::export_xlsx;
use sunlight_domain::catalogue::xlsx_import::{ImportLimits, import_xlsx};
use sunlight_domain::catalogue::{PowerTypes, RowContext};
use sunlight_domain::org::UnitCode;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args().nth(1).map_or(Ok(10_000), |n| n.parse())?;
    let unit = UnitCode::parse("SCJG").map_err(|e| e.code)?;
    let powers = generate_catalogue(&unit, rows, 42);
    let started = Instant::now();
    let bytes = export_xlsx(&powers)?;
    let export = started.elapsed();
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    let mut timings = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let imported = import_xlsx(&bytes, &context, &ImportLimits::default())
            .map_err(|issues| format!("{} import issues", issues.len()))?;
        timings.push(started.elapsed());
        assert_eq!(imported.len(), powers.len());
    }
    timings.sort();
    let ms = |d: std::time::Duration| d.as_millis();
    println!(
        "{rows} rows, {} KiB xlsx: export {} ms; import of 5 runs: min {} ms, median {} ms, max {} ms",
        bytes.len() / 1024,
        ms(export),
        ms(timings[0]),
        ms(timings[timings.len() / 2]),
        ms(timings[timings.len() - 1]),
    );
    Ok(())
}
