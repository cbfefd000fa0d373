use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::trading::{
    DEFAULT_SETTINGS, Settings, generate_releases, merge, ocds, run_indicators_on_releases,
};
use sunlight_store::entity::{audit_log, trading_award, trading_bid, trading_contract, trading_party, trading_release};
use sunlight_store::testing::TestDb;
use sunlight_store::trading::{self, ReleaseFilter};
use sunlight_store::{Store, StoreError};

const SAMPLES: &str = "/work/shared/data/ocds/ocdskit-samples";
const CARDINAL: &str = "/work/shared/data/ocds/cardinal-indicators";

fn sample(name: &str) -> String {
    let dir = std::env::var("SUNLIGHT_OCDS_SAMPLES").unwrap_or_else(|_| SAMPLES.into());
    std::fs::read_to_string(format!("{dir}/{name}")).unwrap()
}

fn system() -> Principal {
    Principal::system("test")
}

async fn counts(store: &Store) -> [u64; 5] {
    let db = store.connection();
    [
        trading_release::Entity::find().count(db).await.unwrap(),
        trading_party::Entity::find().count(db).await.unwrap(),
        trading_bid::Entity::find().count(db).await.unwrap(),
        trading_award::Entity::find().count(db).await.unwrap(),
        trading_contract::Entity::find().count(db).await.unwrap(),
    ]
}

/// What the store should hold for `text`: `merge::compile` of its releases.
fn expected(text: &str) -> Vec<Value> {
    ocds::read_ocds(text).unwrap().into_compiled()
}

async fn every_sample_imports(db: TestDb) {
    // release-package-{1,2}: two releases of one ocid each (tender, then its update);
    // compiled-release-{1,2}: the same two processes compiled; record-package-1: one
    // record whose releases are linked (skipped) and whose compiledRelease is stored.
    let files = [
        ("release-package-1.json", 2, 1),
        ("release-package-2.json", 2, 1),
        ("compiled-release-1.json", 1, 0),
        ("compiled-release-2.json", 1, 0),
        ("record-package-1.json", 1, 1),
    ];
    let mut created_total = 0;
    for (name, read, created) in files {
        let text = sample(name);
        let summary = trading::import_ocds(&db.store, &system(), &text).await.unwrap();
        assert_eq!(summary.releases_read, read, "{name}");
        assert_eq!(summary.ocids_created, created, "{name}");
        assert_eq!(summary.ocids_created + summary.ocids_updated, 1, "{name}");
        created_total += created;
    }
    assert_eq!(counts(&db.store).await[0], created_total);
    // The compiled samples replace what the packages built: the file's compiled release wins.
    let compiled: Value = serde_json::from_str(&sample("compiled-release-1.json")).unwrap();
    let ocid = compiled["ocid"].as_str().unwrap();
    assert_eq!(trading::compiled_release(&db.store, &system(), ocid).await.unwrap(), compiled);
    let page = trading::list_releases(&db.store, &system(), &ReleaseFilter::default(), 1, 50).await.unwrap();
    assert_eq!(page.total, 3);
    let record = page.releases.iter().find(|r| r.ocid == "ocds-07smqs-993235").unwrap();
    let detail = trading::get_release(&db.store, &system(), record.id).await.unwrap();
    assert!(!detail.parties.is_empty());
    let buyer = detail.release.buyer_id.unwrap();
    let party = trading::get_party(&db.store, &system(), buyer).await.unwrap();
    assert!(party.processes.iter().any(|p| p.id == record.id));
    let stages = trading::stage_counts(&db.store, &system()).await.unwrap();
    assert_eq!(stages.iter().map(|(_, n)| n).sum::<u64>(), 3);
    // The county's figures count the processes; a unit's count none (county data).
    let county = sunlight_store::figures::figures(&db.store, &system(), None).await.unwrap();
    assert_eq!((county.get("trading_projects"), county.get("redflags_open")), (Some(3), Some(0)));
    let unit = sunlight_store::figures::figures(&db.store, &system(), Some(1)).await.unwrap();
    assert_eq!(unit.get("trading_projects"), Some(0));
}
both_backends!(every_sample_imports);

async fn stored_release_is_the_compiled_input_and_reimport_is_idempotent(db: TestDb) {
    let text = sample("release-package-1.json");
    trading::import_ocds(&db.store, &system(), &text).await.unwrap();
    let want = expected(&text);
    let ocid = want[0]["ocid"].as_str().unwrap();
    assert_eq!(trading::compiled_release(&db.store, &system(), ocid).await.unwrap(), want[0]);
    let before = counts(&db.store).await;
    assert!(before[3] > 0, "awards derived: {before:?}");
    let again = trading::import_ocds(&db.store, &system(), &text).await.unwrap();
    assert_eq!((again.ocids_created, again.ocids_updated), (0, 1));
    assert_eq!(counts(&db.store).await, before);
    assert_eq!(trading::compiled_release(&db.store, &system(), ocid).await.unwrap(), want[0]);
    // One audit record per release and import.
    let audits = audit_log::Entity::find().all(db.store.connection()).await.unwrap();
    assert_eq!(audits.iter().filter(|a| a.action == "trading_release.import").count(), 2);
}
both_backends!(stored_release_is_the_compiled_input_and_reimport_is_idempotent);

async fn releases_of_one_ocid_merge_across_imports(db: TestDb) {
    let package: Value = serde_json::from_str(&sample("release-package-1.json")).unwrap();
    let releases = package["releases"].as_array().unwrap();
    for release in releases {
        let one = serde_json::json!({"releases": [release]});
        trading::import_ocds(&db.store, &system(), &one.to_string()).await.unwrap();
    }
    let ocid = releases[0]["ocid"].as_str().unwrap();
    let stored = trading::compiled_release(&db.store, &system(), ocid).await.unwrap();
    assert_eq!(stored, merge::compile(releases)[0]);
    assert_eq!(counts(&db.store).await[0], 1);
}
both_backends!(releases_of_one_ocid_merge_across_imports);

async fn bad_lines_are_reported_and_skipped(db: TestDb) {
    let text = "{\"ocid\": \"a\", \"tender\": {\"title\": \"O\\u0000ne\"}, \"buyer\": {\"name\": \"N\\u0000\"}}\n{oops\n{\"ocid\": \"b\", \"awards\": [{\"id\": \"1\", \"value\": {\"amount\": 5, \"currency\": \"CNY\"}, \"suppliers\": [{\"name\": \"甲公司\"}]}]}\n{\"ocid\": \"c\", \"awards\": [{\"id\": \"1\", \"value\": {\"amount\": 7, \"currency\": \"USD\"}}]}\n";
    let summary = trading::import_ocds(&db.store, &system(), text).await.unwrap();
    assert_eq!(summary.releases_read, 3);
    assert_eq!(summary.invalid_lines, 1);
    assert_eq!(summary.issues[0].line, Some(2));
    assert_eq!(summary.issues[0].code, "invalid_json_line");
    let awarded: Vec<(&str, u64, String)> =
        summary.awarded.iter().map(|(c, t)| (c.as_str(), t.awards, format!("{:.2}", t.amount))).collect();
    assert_eq!(awarded, [("CNY", 1, "5.00".to_owned()), ("USD", 1, "7.00".to_owned())]);
    assert_eq!(counts(&db.store).await[0], 3);
    // NUL, which PostgreSQL's text refuses, is dropped from the columns, kept in the JSON.
    let a = trading::compiled_release(&db.store, &system(), "a").await.unwrap();
    assert_eq!(a["tender"]["title"], "O\u{0}ne");
    let page = trading::list_releases(
        &db.store,
        &system(),
        &ReleaseFilter { q: Some("One".into()), ..Default::default() },
        1,
        5,
    )
    .await
    .unwrap();
    assert_eq!(page.releases[0].title.as_deref(), Some("One"));

    // Nothing readable: an error, nothing written.
    let err = trading::import_ocds(&db.store, &system(), "{\"releases\": [").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(f) if f.get("file").map(|e| e.code) == Some("ocds_not_json")),
        "{err:?}"
    );
    let err = trading::import_ocds(&db.store, &system(), "{\"releases\": []}").await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(f) if f.get("file").map(|e| e.code) == Some("ocds_empty")), "{err:?}");
    assert_eq!(counts(&db.store).await[0], 3);
}
both_backends!(bad_lines_are_reported_and_skipped);

async fn indicators_over_the_store_match_the_input(db: TestDb) {
    let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap();
    let mut text = String::new();
    for name in ["R038.jsonl", "R024.jsonl", "R003.jsonl", "R058.jsonl"] {
        let dir = std::env::var("SUNLIGHT_OCDS_CARDINAL").unwrap_or_else(|_| CARDINAL.into());
        text.push_str(&std::fs::read_to_string(format!("{dir}/{name}")).unwrap());
        text.push('\n');
    }
    // Ocids repeat across the files: prefix them per file so they stay apart.
    let input = expected(&text);
    trading::import_ocds(&db.store, &system(), &text).await.unwrap();
    let stored: Vec<Value> =
        trading::all_compiled_releases(&db.store, &system()).await.unwrap().into_iter().map(|(_, v)| v).collect();
    assert_eq!(stored.len(), input.len());
    let want = run_indicators_on_releases(&input, &settings).to_cardinal_json(false);
    let got = run_indicators_on_releases(&stored, &settings).to_cardinal_json(false);
    assert_eq!(got, want);
    assert!(want.len() > 10, "{want}");
}
both_backends!(indicators_over_the_store_match_the_input);

async fn generated_releases_import_in_one_go(db: TestDb) {
    // `SUNLIGHT_OCDS_IMPORT_COUNT=10000` for the measurement in BENCHMARKS.md.
    let count = std::env::var("SUNLIGHT_OCDS_IMPORT_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let text: String = generate_releases(count, 3).collect::<Vec<_>>().join("\n");
    let started = std::time::Instant::now();
    let summary = trading::import_ocds(&db.store, &system(), &text).await.unwrap();
    let first = started.elapsed();
    assert_eq!(summary.ocids_created, count as u64);
    let started = std::time::Instant::now();
    let again = trading::import_ocds(&db.store, &system(), &text).await.unwrap();
    eprintln!("{count} generated releases: import {first:?}, re-import (all updates) {:?}", started.elapsed());
    assert_eq!(again.ocids_updated, count as u64);
    let page = trading::list_releases(
        &db.store,
        &system(),
        &ReleaseFilter { stage: Some("award".into()), ..ReleaseFilter::default() },
        1,
        10,
    )
    .await
    .unwrap();
    assert!(page.total > 0 && page.releases.iter().all(|r| r.stage == "award"));
    let by_text = trading::list_releases(
        &db.store,
        &system(),
        &ReleaseFilter { q: Some("o-17".into()), ..Default::default() },
        1,
        50,
    )
    .await
    .unwrap();
    assert!(by_text.releases.iter().all(|r| r.ocid.contains("o-17")) && by_text.total >= 11, "{}", by_text.total);
    // A supplier's history: its bids and awards, and a win ratio between 0 and 1.
    let tenderer = trading::party_by_key(&db.store, &system(), "id:T1").await.unwrap();
    if let Some(tenderer) = tenderer {
        let detail = trading::get_party(&db.store, &system(), tenderer.id).await.unwrap();
        assert!(detail.win_ratio.is_none_or(|r| (0.0..=1.0).contains(&r)));
    }
    let buyer = trading::party_by_key(&db.store, &system(), "id:B1").await.unwrap().unwrap();
    let detail = trading::get_party(&db.store, &system(), buyer.id).await.unwrap();
    assert!(detail.processes_total > 0);
    for share in &detail.suppliers {
        assert!((0.0..=1.0).contains(&share.share), "{share:?}");
    }
}
both_backends!(generated_releases_import_in_one_go);

async fn only_the_trading_roles_see_it(db: TestDb) {
    let unit_admin = Principal {
        actor: "user:ua".into(),
        user_id: None,
        role: Role::UnitAdmin,
        scope: Scope::Units([1].into()),
        is_token: false,
    };
    let err = trading::list_releases(&db.store, &unit_admin, &ReleaseFilter::default(), 1, 10).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)));
    let err = trading::import_ocds(&db.store, &unit_admin, &sample("release-package-1.json")).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)));
    let supervisor =
        Principal { actor: "user:s".into(), user_id: None, role: Role::Supervisor, scope: Scope::All, is_token: false };
    trading::list_releases(&db.store, &supervisor, &ReleaseFilter::default(), 1, 10).await.unwrap();
    let err = trading::import_ocds(&db.store, &supervisor, &sample("release-package-1.json")).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)));
    assert_eq!(counts(&db.store).await[0], 0);
}
both_backends!(only_the_trading_roles_see_it);

async fn contracts_amendments_payments_and_party_keys(db: TestDb) {
    let release = serde_json::json!({
        "ocid": "ocds-x-1", "date": "2026-01-05T00:00:00Z",
        "buyer": {"id": "b", "name": "  县教育局 "},
        "parties": [{"id": "b", "name": "县教育局"},
                    {"id": "s", "name": "丙公司", "identifier": {"scheme": "CN-USCC", "id": "9133X"}}],
        "tender": {"procuringEntity": {"id": "p"}, "tenderPeriod": {"startDate": "2026-01-01T08:00:00+08:00"}},
        "awards": [{"id": "a1", "suppliers": [{"id": "s"}], "value": {"amount": 100, "currency": "CNY"}}],
        "contracts": [{"id": "c1", "awardID": "a1", "value": {"amount": 120, "currency": "CNY"},
            "dateSigned": "2026-01-10T00:00:00Z",
            "amendments": [{"date": "2026-02-01T00:00:00Z", "rationale": "增加工程量",
                            "changes": [{"property": "value", "former_value": {"amount": 100}}]}],
            "implementation": {"transactions": [
                {"id": "t1", "date": "2026-03-01T00:00:00Z", "value": {"amount": 60, "currency": "CNY"}},
                {"id": "t2", "date": "2026-04-01T00:00:00Z", "amount": {"amount": 60, "currency": "CNY"}}]}}]
    });
    trading::import_ocds(&db.store, &system(), &release.to_string()).await.unwrap();
    let id =
        trading::list_releases(&db.store, &system(), &ReleaseFilter::default(), 1, 1).await.unwrap().releases[0].id;
    let detail = trading::get_release(&db.store, &system(), id).await.unwrap();
    assert_eq!(detail.release.stage, "implementation");
    assert_eq!(detail.tender_start.unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
    assert_eq!(detail.contracts.len(), 1);
    let amendment = &detail.amendments[0];
    assert_eq!((amendment.former_amount, amendment.amount), (Some(100.0), Some(120.0)));
    assert_eq!(amendment.description.as_deref(), Some("增加工程量"));
    let paid: Vec<_> = detail.payments.iter().map(|p| (p.payment_id.as_deref(), p.amount)).collect();
    assert_eq!(paid, [(Some("t1"), Some(60.0)), (Some("t2"), Some(60.0))]);
    // Keys: identifier, else normalised name, else the OCDS id.
    let mut keys: Vec<String> = detail.parties.iter().map(|p| p.party_key.clone()).collect();
    keys.sort();
    assert_eq!(keys, ["CN-USCC-9133X", "id:p", "县教育局"]);
    assert_eq!(detail.awards[0].party_name.as_deref(), Some("丙公司"));
    let err = trading::get_release(&db.store, &system(), id + 1000).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }));
}
both_backends!(contracts_amendments_payments_and_party_keys);
