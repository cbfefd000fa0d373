//! Arbitrary input never panics the readers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{Settings, ini, ocds, run_indicators_on_jsonl, run_indicators_on_releases};

const EVERY_INDICATOR: &str = "[R003]\n[R018]\n[R024]\n[R025]\n[R028]\n[R030]\n[R035]\n[R036]\n[R038]\n[R048]\n[R058]\n[S001]\n[S002]\n[S003]\n[S004]\n[S005]\nthreshold = 1\n";

/// Keys the indicators read, so generated objects reach deep into the model.
const KEYS: &[&str] = &[
    "ocid",
    "tender",
    "bids",
    "details",
    "awards",
    "contracts",
    "status",
    "value",
    "amount",
    "currency",
    "tenderers",
    "suppliers",
    "id",
    "items",
    "classification",
    "buyer",
    "procuringEntity",
    "tenderPeriod",
    "startDate",
    "endDate",
    "date",
    "dateSigned",
    "procurementMethod",
    "procurementMethodDetails",
    "numberOfTenderers",
    "awardID",
    "implementation",
    "transactions",
    "milestones",
    "type",
    "dateMet",
    "amendments",
    "changes",
    "property",
    "former_value",
    "releases",
    "records",
    "compiledRecord",
    "tag",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        prop_oneof![
            Just("valid".to_owned()),
            Just("disqualified".to_owned()),
            Just("active".to_owned()),
            Just("open".to_owned()),
            Just("USD".to_owned()),
            Just("2024-01-01T00:00:00Z".to_owned()),
            Just("compiled".to_owned()),
            ".{0,8}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| ((*k).to_owned(), v)).collect::<Map<String, Value>>())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn jsonl_reader_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let settings = Settings::from_ini(EVERY_INDICATOR).unwrap();
        let output = run_indicators_on_jsonl(bytes.as_slice(), &settings);
        let summary = &output.summary;
        prop_assert_eq!(summary.lines, summary.releases + summary.not_releases + summary.invalid_lines);
        let _ = output.to_cardinal_json(true);
    }

    #[test]
    fn jsonl_reader_takes_any_json(values in prop::collection::vec(json_value(), 0..12)) {
        let settings = Settings::from_ini(EVERY_INDICATOR).unwrap();
        let text = values.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
        let output = run_indicators_on_jsonl(text.as_bytes(), &settings);
        prop_assert_eq!(output.summary.invalid_lines, 0);
        let from_memory = run_indicators_on_releases(&values, &settings);
        prop_assert_eq!(from_memory.to_cardinal_json(true), output.to_cardinal_json(true));
    }

    #[test]
    fn package_reader_takes_any_text(text in ".{0,512}") {
        let _ = ocds::read_ocds(&text);
    }

    #[test]
    fn package_reader_takes_any_json(value in json_value()) {
        if let Ok(imported) = ocds::read_ocds(&value.to_string()) {
            let _ = imported.into_compiled();
        }
    }

    #[test]
    fn ini_reader_takes_any_text(text in "(\\PC{0,20}\n){0,8}") {
        let _ = ini::parse(&text);
        let _ = Settings::from_ini(&text);
    }

    #[test]
    fn ini_reader_takes_any_section_and_key(section in "[A-Za-z0-9_.]{0,8}", key in "[a-z_]{1,12}", value in "[ -~]{0,10}") {
        let text = format!("[{section}]\n{key} = {value}\n");
        let _ = Settings::from_ini(&text);
    }
}
