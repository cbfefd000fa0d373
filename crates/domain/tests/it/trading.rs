//! The trading red-flag engine against cardinal's own fixtures and OCDS samples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use sunlight_domain::trading::{Settings, ocds, run_indicators_on_jsonl, run_indicators_on_releases};

/// `shared/data` beside the repository, where the project keeps third-party test data.
fn shared_data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.is_dir(),
        "test data not found at {}: clone the repository next to `shared/` (see shared/data/README.md)",
        dir.display()
    );
    dir
}

/// The settings a fixture's name stands for: `CODE`, `CODE-key-value`, or
/// `CODE-field-k1-v1-k2-v2` for a `[CODE.field]` subsection; `+` stands for `|`. A single
/// word after the code (`R038-tenderer`) only labels the case. Every fixture also sets
/// `no_price_comparison_procurement_methods = NPC` and excludes details `EXC`.
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

/// Top-level keys of a JSON object text, in order.
struct KeyOrder(Vec<String>);

impl<'de> Deserialize<'de> for KeyOrder {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = KeyOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(KeyOrder(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

#[test]
fn all_cardinal_fixtures_match() {
    let dir = shared_data().join("ocds/cardinal-indicators");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "jsonl").then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    stems.sort();
    assert_eq!(stems.len(), 15, "expected cardinal's 15 indicator fixtures in {}", dir.display());
    let mut failures = Vec::new();
    for stem in &stems {
        let ini = settings_for(stem);
        let settings = Settings::from_ini(&ini).unwrap_or_else(|e| panic!("{stem}: {e}\n{ini}"));
        let input = std::fs::read(dir.join(format!("{stem}.jsonl"))).unwrap();
        let output = run_indicators_on_jsonl(input.as_slice(), &settings);
        let actual_text = output.to_cardinal_json(false);
        let expected_text = std::fs::read_to_string(dir.join(format!("{stem}.expected"))).unwrap();
        let actual: serde_json::Value = serde_json::from_str(&actual_text).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap();
        // cardinal orders ids by thread scheduling, but groups always come in this order.
        let actual_groups = serde_json::from_str::<KeyOrder>(&actual_text).unwrap().0;
        let expected_groups = serde_json::from_str::<KeyOrder>(&expected_text).unwrap().0;
        if actual != expected || actual_groups != expected_groups {
            failures.push(format!("{stem}:\n  expected {expected_text}\n  actual   {actual_text}"));
        }
        assert_eq!(output.summary.invalid_lines, 0, "{stem}");
    }
    assert!(failures.is_empty(), "{} of 15 fixtures differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn fixtures_give_the_same_results_from_memory_and_from_lines() {
    let dir = shared_data().join("ocds/cardinal-indicators");
    let text = std::fs::read_to_string(dir.join("R024.jsonl")).unwrap();
    let settings = Settings::from_ini(&settings_for("R024")).unwrap();
    let values: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let from_memory = run_indicators_on_releases(&values, &settings);
    let from_lines = run_indicators_on_jsonl(text.as_bytes(), &settings);
    assert_eq!(from_memory.to_cardinal_json(true), from_lines.to_cardinal_json(true));
    assert!(
        from_lines
            .to_cardinal_json(true)
            .ends_with(r#""Meta":{"R024":{"q1":66.6667,"q3":100.0,"lower_fence":16.6667}}}"#)
    );
}

#[test]
fn ocdskit_samples_parse() {
    let dir = shared_data().join("ocds/ocdskit-samples");
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let imported = ocds::read_ocds(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if name.starts_with("compiled") {
            assert!(!imported.compiled_releases.is_empty(), "{name}");
        } else {
            assert!(!imported.releases.is_empty() || !imported.compiled_releases.is_empty(), "{name}");
        }
        let compiled = imported.into_compiled();
        assert!(!compiled.is_empty(), "{name}");
        let is_compiled = |r: &serde_json::Value| {
            r["ocid"].is_string() && r["tag"].as_array().is_some_and(|tags| tags.iter().any(|t| t == "compiled"))
        };
        assert!(compiled.iter().all(is_compiled), "{name}");
        // The engine reads what the importer produced.
        let settings = Settings::from_ini("[R003]\n[R018]\n[R024]\n[R035]\n[R038]\n[S005]\n").unwrap();
        let output = run_indicators_on_releases(&compiled, &settings);
        assert_eq!(output.summary.releases, compiled.len() as u64, "{name}");
        names.push(name);
    }
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
}
