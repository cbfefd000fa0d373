use std::collections::BTreeSet;

use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::text::Note;
use sunlight_domain::trading::alert_state::AlertState;
use sunlight_domain::trading::{DEFAULT_SETTINGS, Settings};
use sunlight_store::StoreError;
use sunlight_store::entity::trading_alert;
use sunlight_store::testing::TestDb;
use sunlight_store::trading_alerts::{self, AlertFilter, fixture};

fn principal(role: Role) -> Principal {
    let scope = if role == Role::CommissionAdmin { Scope::All } else { Scope::Units(BTreeSet::from([1])) };
    Principal { actor: format!("user:{}", role.key()), user_id: None, role, scope, is_token: false }
}

async fn all_alerts(db: &TestDb) -> Vec<trading_alert::Model> {
    let admin = principal(Role::CommissionAdmin);
    trading_alerts::list_alerts(&db.store, &admin, &AlertFilter::default(), 1, 1000).await.unwrap().alerts
}

fn find<'a>(
    alerts: &'a [trading_alert::Model],
    indicator: &str,
    group: &str,
    subject: &str,
) -> &'a trading_alert::Model {
    alerts
        .iter()
        .find(|a| a.indicator == indicator && a.flag_group == group && a.subject == subject)
        .unwrap_or_else(|| panic!("no {indicator} alert on {group} {subject}: {alerts:#?}"))
}

fn fact(alert: &trading_alert::Model, key: &str) -> Vec<String> {
    let evidence: serde_json::Value = serde_json::from_str(&alert.evidence).unwrap();
    evidence["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fact"] == key)
        .map(|f| f["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn flags_become_alerts_once(db: TestDb) {
    let fx = fixture::insert_releases(&db.store).await;
    let admin = principal(Role::CommissionAdmin);
    let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap();
    let first = trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    assert_eq!(first.releases, 6);
    assert!(first.created >= 5, "{first:?}");
    assert_eq!(first.created, first.flags);
    assert_eq!((first.updated, first.reopened), (0, 0));

    let alerts = all_alerts(&db).await;
    let single = find(&alerts, "R018", "OCID", "ocds-t-1");
    assert_eq!(single.release_id, Some(fx.release("ocds-t-1")));
    assert_eq!(single.state, "raised");
    assert_eq!(fact(single, "number_of_tenderers"), vec!["1"]);
    assert_eq!(fact(single, "procurement_method"), vec!["open"]);
    let short = find(&alerts, "R003", "OCID", "ocds-t-1");
    assert_eq!(fact(short, "period_days"), vec!["4"]);
    assert_eq!(fact(short, "tender_end"), vec!["2026-03-05T00:00:00Z"]);
    let evidence: serde_json::Value = serde_json::from_str(&short.evidence).unwrap();
    assert_eq!(evidence["threshold"], 15.0);
    let non_open = find(&alerts, "S005", "OCID", "ocds-t-2");
    assert_eq!(non_open.value, Some(3_000_000.0));
    assert_eq!(fact(non_open, "procurement_method"), vec!["limited"]);
    assert_eq!(fact(non_open, "tender_value"), vec!["3000000 CNY"]);
    let evidence: serde_json::Value = serde_json::from_str(&non_open.evidence).unwrap();
    assert_eq!(evidence["threshold"], 2_000_000.0);
    // A process with three tenderers and thirty days is not flagged for either.
    assert!(!alerts.iter().any(|a| a.subject == "ocds-t-3" && ["R018", "R003"].contains(&a.indicator.as_str())));
    let share = find(&alerts, "S002", "Buyer", "B1");
    assert_eq!(share.party_id, Some(fx.buyer));
    assert_eq!(fact(share, "party"), vec!["县人民医院"]);
    let supplier = find(&alerts, "S002", "Tenderer", "S1");
    assert_eq!(supplier.party_id, Some(fx.big_supplier));
    assert!(supplier.value.unwrap() > 0.99);

    let detail = trading_alerts::alert_detail(&db.store, &admin, single.id).await.unwrap();
    assert_eq!(detail.events.len(), 1);
    assert_eq!((detail.events[0].from_state.as_deref(), detail.events[0].to_state.as_str()), (None, "raised"));
    assert_eq!(detail.release.as_ref().map(|r| r.1.as_str()), Some("ocds-t-1"));
    assert_eq!(detail.next, vec!["acknowledged", "escalated"]);

    // Again: nothing new, nothing duplicated.
    let second = trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    assert_eq!((second.created, second.updated, second.reopened), (0, 0, 0));
    assert_eq!(second.unchanged, first.flags);
    assert_eq!(all_alerts(&db).await.len(), alerts.len());
    let detail = trading_alerts::alert_detail(&db.store, &admin, single.id).await.unwrap();
    assert_eq!(detail.events.len(), 1);

    let dashboard = trading_alerts::dashboard(&db.store, &admin, 10, 3).await.unwrap();
    assert_eq!(
        dashboard.releases_by_stage,
        vec![
            ("tender".to_owned(), 1),
            ("award".to_owned(), 3),
            ("contract".to_owned(), 1),
            ("implementation".to_owned(), 1)
        ]
    );
    assert!(dashboard.open_by_indicator.iter().any(|(i, n)| i == "R018" && *n == 1));
    let buyer = &dashboard.supplier_shares[0];
    assert_eq!((buyer.buyer.as_str(), buyer.total), ("县人民医院", 3_520_000.0));
    assert_eq!(buyer.suppliers[0].supplier, "甲公司");
    assert!((buyer.suppliers[0].share - 3_500_000.0 / 3_520_000.0).abs() < 1e-9);
    assert_eq!(buyer.suppliers[1].supplier_id, fx.small_supplier);

    let filtered = trading_alerts::list_alerts(
        &db.store,
        &admin,
        &AlertFilter { indicator: Some("R018".into()), text: Some("t-1".into()), ..Default::default() },
        1,
        50,
    )
    .await
    .unwrap();
    assert_eq!(filtered.total, 1);
}
both_backends!(flags_become_alerts_once);

async fn the_lifecycle(db: TestDb) {
    fixture::insert_releases(&db.store).await;
    let admin = principal(Role::CommissionAdmin);
    let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap();
    trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    let alerts = all_alerts(&db).await;
    let id = find(&alerts, "R018", "OCID", "ocds-t-1").id;
    let escalate = find(&alerts, "S005", "OCID", "ocds-t-2").id;
    let note = |s: &str| Some(Note::parse(s).unwrap());

    // Refused: skipping a step, and an explanation without text; nothing written.
    let err = trading_alerts::transition_alert(&db.store, &admin, id, AlertState::Closed, None).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(e) if e.get("to").unwrap().code == "alert_transition_not_allowed"));
    trading_alerts::transition_alert(&db.store, &admin, id, AlertState::Acknowledged, None).await.unwrap();
    let err = trading_alerts::transition_alert(&db.store, &admin, id, AlertState::Explained, None).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(e) if e.get("comment").unwrap().code == "required"));
    let after = trading_alerts::transition_alert(
        &db.store,
        &admin,
        id,
        AlertState::Explained,
        note("仅一家报名，已延长公告期"),
    )
    .await
    .unwrap();
    assert_eq!(after.explanation.as_deref(), Some("仅一家报名，已延长公告期"));
    trading_alerts::transition_alert(&db.store, &admin, id, AlertState::Closed, note("核实无误")).await.unwrap();
    let err =
        trading_alerts::transition_alert(&db.store, &admin, id, AlertState::Acknowledged, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    let detail = trading_alerts::alert_detail(&db.store, &admin, id).await.unwrap();
    let states: Vec<&str> = detail.events.iter().map(|e| e.to_state.as_str()).collect();
    assert_eq!(states, vec!["raised", "acknowledged", "explained", "closed"]);
    assert_eq!(detail.events[3].comment.as_deref(), Some("核实无误"));
    assert!(detail.next.is_empty());

    trading_alerts::transition_alert(&db.store, &admin, escalate, AlertState::Escalated, None).await.unwrap();
    trading_alerts::transition_alert(&db.store, &admin, escalate, AlertState::Closed, None).await.unwrap();

    // Flagged again: closed alerts reopen, with an event.
    let again = trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    assert_eq!((again.created, again.reopened), (0, 2));
    let detail = trading_alerts::alert_detail(&db.store, &admin, id).await.unwrap();
    assert_eq!(detail.alert.state, "raised");
    assert_eq!(detail.alert.explanation, None);
    assert_eq!(
        detail.events.last().map(|e| (e.from_state.as_deref(), e.to_state.as_str())),
        Some((Some("closed"), "raised"))
    );

    let audit = sunlight_store::audit::list(&db.store, &admin, &sunlight_store::audit::AuditFilter::default(), 1, 500)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.records.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"trading_alert.raise") && actions.contains(&"trading_alert.transition"), "{actions:?}");

    // Sub-commission staff and supervisors read; only the commission handles.
    for role in [Role::SubCommissionStaff, Role::Supervisor] {
        let watcher = principal(role);
        assert!(trading_alerts::list_alerts(&db.store, &watcher, &AlertFilter::default(), 1, 10).await.is_ok());
        assert!(trading_alerts::alert_detail(&db.store, &watcher, id).await.is_ok());
        assert!(trading_alerts::dashboard(&db.store, &watcher, 10, 3).await.is_ok());
        let err = trading_alerts::transition_alert(&db.store, &watcher, id, AlertState::Acknowledged, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Denied(_)));
        let err = trading_alerts::run_red_flags(&db.store, &watcher, &settings).await.unwrap_err();
        assert!(matches!(err, StoreError::Denied(_)));
    }
    let unit_admin = principal(Role::UnitAdmin);
    let err = trading_alerts::list_alerts(&db.store, &unit_admin, &AlertFilter::default(), 1, 10).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)));
    assert_eq!(all_alerts(&db).await.iter().find(|a| a.id == id).unwrap().state, "raised");
}
both_backends!(the_lifecycle);

async fn bids_are_shown_as_evidence(db: TestDb) {
    let bid = |id: &str, tenderer: &str, amount: f64, status: &str| {
        serde_json::json!({"id": id, "status": status, "value": {"amount": amount, "currency": "CNY"},
            "tenderers": [{"id": tenderer, "name": format!("{tenderer}公司")}]})
    };
    let release = serde_json::json!({
        "ocid": "ocds-bids-1",
        "tender": {"procurementMethod": "open", "numberOfTenderers": 3, "title": "道路维修"},
        "bids": {"details": [
            bid("b1", "A", 500_000.0, "disqualified"),
            bid("b2", "B", 650_000.0, "valid"),
            bid("b3", "C", 650_000.0, "valid")
        ]},
        "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": "B", "name": "B公司"}],
            "value": {"amount": 650_000.0, "currency": "CNY"}}]
    });
    let id = fixture::insert_release(&db.store, &release, "award").await;
    let admin = principal(Role::CommissionAdmin);
    let settings = Settings::from_ini("[R028]\n[R036]\n").unwrap();
    let summary = trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    // R028 flags the process and each tenderer that bid the same.
    assert_eq!(summary.created, 4, "{summary:?}");
    let alerts = all_alerts(&db).await;
    let tenderer = find(&alerts, "R028", "Tenderer", "B");
    assert_eq!(fact(tenderer, "party"), vec!["B公司"]);
    assert_eq!(tenderer.party_id, None, "no stored party B");
    let identical = find(&alerts, "R028", "OCID", "ocds-bids-1");
    assert_eq!(identical.release_id, Some(id));
    assert_eq!(fact(identical, "identical_bid"), vec!["B公司: 650000 CNY (valid)", "C公司: 650000 CNY (valid)"]);
    let lowest = find(&alerts, "R036", "OCID", "ocds-bids-1");
    assert_eq!(fact(lowest, "bid")[0], "A公司: 500000 CNY (disqualified)");
    assert_eq!(fact(lowest, "title"), vec!["道路维修"]);
}
both_backends!(bids_are_shown_as_evidence);

/// More releases than one page: every one is read, and the alerts are exactly the
/// domain engine's flags over the same lines.
async fn many_releases_are_read_in_pages(db: TestDb) {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    use sunlight_store::entity::trading_release;

    let lines: Vec<String> = sunlight_domain::trading::generate_releases(2_500, 7).collect();
    for chunk in lines.chunks(500) {
        let rows = chunk.iter().map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            trading_release::ActiveModel {
                ocid: Set(value["ocid"].as_str().unwrap().to_owned()),
                stage: Set("award".to_owned()),
                compiled: Set(line.clone()),
                imported_at: Set(chrono::Utc::now()),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
        });
        trading_release::Entity::insert_many(rows).exec(db.store.connection()).await.unwrap();
    }
    let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap();
    let expected = sunlight_domain::trading::run_indicators_on_jsonl(lines.join("\n").as_bytes(), &settings);
    let flags: usize = expected.groups().iter().flat_map(|(_, f)| f.iter().map(|f| f.values.len())).sum();
    assert!(flags > 100, "the generated releases exercise the indicators: {flags}");
    let admin = principal(Role::CommissionAdmin);
    let summary = trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    assert_eq!(summary.releases, 2_500);
    assert_eq!((summary.flags, summary.created), (flags as u64, flags as u64));
    let page = trading_alerts::list_alerts(&db.store, &admin, &AlertFilter::default(), 1, 1).await.unwrap();
    assert_eq!(page.total, flags as u64);
    let again = trading_alerts::run_red_flags(&db.store, &admin, &settings).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, flags as u64));
}
both_backends!(many_releases_are_read_in_pages);
