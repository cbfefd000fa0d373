//! `sunlight redflags` against cardinal's own fixtures, and its bad input.

use std::ffi::OsStr;
use std::fmt::Write as _;

use crate::{TempDir, shared_data, sunlight, text};

/// The settings a fixture's name stands for (`shared/data/README.md`): `CODE`,
/// `CODE-key-value` (in `[CODE]`), or `CODE-field-k1-v1-k2-v2` (in `[CODE.field]`); `+`
/// stands for `|`; a single word after the code only labels the case. Every fixture also
/// sets `no_price_comparison_procurement_methods = NPC` and excludes details `EXC`.
fn settings_for(stem: &str) -> String {
    let mut parts = stem.split('-');
    let code = parts.next().unwrap();
    let rest: Vec<String> = parts.map(|p| p.replace('+', "|")).collect();
    let mut ini = format!(
        "no_price_comparison_procurement_methods = NPC\n[exclusions]\nprocurement_method_details = EXC\n[{code}]\n"
    );
    match rest.len() {
        0 | 1 => {}
        n if n % 2 == 0 => {
            for pair in rest.chunks(2) {
                writeln!(ini, "{} = {}", pair[0], pair[1]).unwrap();
            }
        }
        _ => {
            writeln!(ini, "[{code}.{}]", rest[0]).unwrap();
            for pair in rest[1..].chunks(2) {
                writeln!(ini, "{} = {}", pair[0], pair[1]).unwrap();
            }
        }
    }
    ini
}

#[test]
fn settings_names_follow_the_readme() {
    assert!(settings_for("R003-threshold-10").ends_with("[R003]\nthreshold = 10\n"));
    assert!(
        settings_for("R003-procurement_methods-open+selective").ends_with("procurement_methods = open|selective\n")
    );
    assert!(
        settings_for("R003-procurement_method_details-x-5-y-10")
            .ends_with("[R003.procurement_method_details]\nx = 5\ny = 10\n")
    );
    assert!(settings_for("R038-tenderer").ends_with("[R038]\n"));
}

#[test]
fn every_cardinal_fixture_matches_its_expected_output() {
    let dir = shared_data().join("ocds/cardinal-indicators");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "jsonl").then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    stems.sort();
    assert_eq!(stems.len(), 15, "cardinal's 15 indicator fixtures in {}", dir.display());
    let scratch = TempDir::new("redflags");
    let mut failures = Vec::new();
    for stem in &stems {
        let ini = scratch.path().join(format!("{stem}.ini"));
        std::fs::write(&ini, settings_for(stem)).unwrap();
        let input = dir.join(format!("{stem}.jsonl"));
        let output = sunlight(&[
            OsStr::new("redflags"),
            input.as_os_str(),
            OsStr::new("--settings"),
            ini.as_os_str(),
            OsStr::new("--no-meta"),
        ]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stem}: {:?}\n{stderr}", output.status);
        assert!(stderr.contains("0 invalid lines skipped"), "{stem}: {stderr}");
        let actual: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{stem}: stdout is not JSON ({e}): {stdout}"));
        let expected_text = std::fs::read_to_string(dir.join(format!("{stem}.expected"))).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap();
        if actual != expected {
            failures.push(format!("{stem}:\n  expected {expected_text}\n  actual   {stdout}"));
        }
    }
    assert!(failures.is_empty(), "{} of 15 fixtures differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn meta_is_printed_unless_no_meta_and_settings_default_to_every_indicator() {
    let input = shared_data().join("ocds/cardinal-indicators/R024.jsonl");
    let output = sunlight(&[OsStr::new("redflags"), input.as_os_str()]);
    assert!(output.status.success(), "{:?}", text(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let meta = value["Meta"].as_object().expect("Meta with the default settings");
    assert!(meta.contains_key("R024"), "{meta:?}");
}

#[test]
fn a_bad_setting_is_named_and_exits_2() {
    let scratch = TempDir::new("redflags-bad");
    let ini = scratch.path().join("bad.ini");
    std::fs::write(&ini, "[R003]\nthreshold = 10\nbogus_key = 1\n").unwrap();
    let input = shared_data().join("ocds/cardinal-indicators/R003.jsonl");
    let output = sunlight(&[OsStr::new("redflags"), input.as_os_str(), OsStr::new("--settings"), ini.as_os_str()]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("bogus_key") && stderr.contains("line 3"), "{stderr}");

    std::fs::write(&ini, "[R003]\nthreshold = many\n").unwrap();
    let output = sunlight(&[OsStr::new("redflags"), input.as_os_str(), OsStr::new("--settings"), ini.as_os_str()]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("threshold") && stderr.contains("many"), "{stderr}");
}

#[test]
fn invalid_lines_are_reported_with_their_numbers_and_the_rest_still_printed() {
    let scratch = TempDir::new("redflags-lines");
    let fixture = shared_data().join("ocds/cardinal-indicators/R024.jsonl");
    let good = std::fs::read_to_string(&fixture).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(1, "{not json");
    lines.push("[1, 2");
    let input = scratch.path().join("mixed.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let last = lines.len();
    let output = sunlight(&[OsStr::new("redflags"), input.as_os_str(), OsStr::new("--no-meta")]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("line 2: invalid JSON"), "{stderr}");
    assert!(stderr.contains(&format!("line {last}: invalid JSON")), "{stderr}");
    assert!(stderr.contains("2 invalid lines skipped"), "{stderr}");
    // The valid lines give what they give alone.
    let alone = sunlight(&[OsStr::new("redflags"), fixture.as_os_str(), OsStr::new("--no-meta")]);
    let expected: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
    let actual: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(actual, expected);
    assert_ne!(actual, serde_json::json!({}));
}

#[test]
fn a_missing_input_file_exits_2() {
    let output = sunlight(&[OsStr::new("redflags"), OsStr::new("/nonexistent/releases.jsonl")]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("/nonexistent/releases.jsonl"), "{stderr}");
}
