//! Releases inserted directly, for tests of the alerts and the dashboard: one buyer,
//! two suppliers, six processes on which R018, R003, S005 and S002 fire.

#![allow(clippy::missing_panics_doc, clippy::expect_used)] // test support: a failed set-up must fail loudly

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::json;

use crate::Store;
use crate::entity::{trading_award, trading_party, trading_release};

/// The ids of what [`insert_releases`] stored.
#[derive(Debug, Clone)]
pub struct TradingFixture {
    pub buyer: i64,
    pub big_supplier: i64,
    pub small_supplier: i64,
    /// `ocid → trading_release.id`, in insertion order.
    pub releases: Vec<(String, i64)>,
}

impl TradingFixture {
    #[must_use]
    pub fn release(&self, ocid: &str) -> i64 {
        self.releases.iter().find(|(o, _)| o == ocid).map(|(_, id)| *id).expect("fixture release")
    }
}

async fn party(store: &Store, key: &str, name: &str) -> i64 {
    trading_party::ActiveModel {
        party_key: Set(key.to_owned()),
        name: Set(name.to_owned()),
        identifier: Set(Some(key.to_owned())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .expect("insert party")
    .id
}

fn org(id: &str, name: &str) -> serde_json::Value {
    json!({"id": id, "name": name, "identifier": {"scheme": "USCC", "id": id}})
}

/// Stores one compiled release as it is, at `stage`, and gives its id.
pub async fn insert_release(store: &Store, compiled: &serde_json::Value, stage: &str) -> i64 {
    trading_release::ActiveModel {
        ocid: Set(compiled["ocid"].as_str().expect("an ocid").to_owned()),
        stage: Set(stage.to_owned()),
        compiled: Set(compiled.to_string()),
        imported_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .expect("insert release")
    .id
}

/// Six processes of one buyer (县人民医院, OCDS id `B1`):
/// - `ocds-t-1`: open, one tenderer (R018), a four-day tender period (R003);
/// - `ocds-t-2`: limited procedure worth 3,000,000 CNY (S005);
/// - `ocds-t-3`…`6`: open, three tenderers, thirty days.
///
/// Supplier 甲公司 (`S1`) wins 3,500,000 of 3,520,000 awarded (S002).
pub async fn insert_releases(store: &Store) -> TradingFixture {
    let buyer = party(store, "USCC-B1", "县人民医院").await;
    let big = party(store, "USCC-S1", "甲公司").await;
    let small = party(store, "USCC-S2", "乙公司").await;
    #[allow(clippy::type_complexity)] // one row a process, read as a table
    let specs: [(&str, &str, i64, i64, &str, f64, &str, i64, &str); 6] = [
        ("ocds-t-1", "open", 1, 4, "S1", 100_000.0, "award", big, "医疗设备采购"),
        ("ocds-t-2", "limited", 1, 20, "S1", 3_000_000.0, "contract", big, "信息系统运维"),
        ("ocds-t-3", "open", 3, 30, "S1", 200_000.0, "award", big, "办公家具"),
        ("ocds-t-4", "open", 3, 30, "S1", 200_000.0, "implementation", big, "食堂食材"),
        ("ocds-t-5", "open", 3, 30, "S2", 10_000.0, "tender", small, "印刷服务"),
        ("ocds-t-6", "open", 3, 30, "S2", 10_000.0, "award", small, "绿化养护"),
    ];
    let mut releases = Vec::new();
    for (ocid, method, tenderers, days, supplier, amount, stage, supplier_id, title) in specs {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let end = start + chrono::Duration::days(days);
        let supplier_name = if supplier == "S1" { "甲公司" } else { "乙公司" };
        let compiled = json!({
            "ocid": ocid,
            "id": format!("{ocid}-compiled"),
            "date": "2026-04-01T00:00:00Z",
            "tag": ["compiled"],
            "parties": [org("B1", "县人民医院"), org(supplier, supplier_name)],
            "buyer": {"id": "B1", "name": "县人民医院"},
            "tender": {
                "id": "t",
                "title": title,
                "status": "complete",
                "procurementMethod": method,
                "numberOfTenderers": tenderers,
                "value": {"amount": amount, "currency": "CNY"},
                "tenderPeriod": {"startDate": format!("{start}T00:00:00Z"), "endDate": format!("{end}T00:00:00Z")}
            },
            "awards": [{
                "id": "a1",
                "status": "active",
                "date": format!("{end}T00:00:00Z"),
                "value": {"amount": amount, "currency": "CNY"},
                "suppliers": [{"id": supplier, "name": supplier_name}]
            }]
        });
        let row = trading_release::ActiveModel {
            ocid: Set(ocid.to_owned()),
            title: Set(Some(title.to_owned())),
            buyer_id: Set(Some(buyer)),
            procuring_entity_id: Set(None),
            category: Set(Some("goods".to_owned())),
            stage: Set(stage.to_owned()),
            procurement_method: Set(Some(method.to_owned())),
            procurement_method_details: Set(None),
            value_amount: Set(Some(amount)),
            value_currency: Set(Some("CNY".to_owned())),
            tender_start: Set(None),
            tender_end: Set(None),
            number_of_tenderers: Set(i32::try_from(tenderers).ok()),
            compiled: Set(compiled.to_string()),
            imported_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(store.connection())
        .await
        .expect("insert release");
        trading_award::ActiveModel {
            release_id: Set(row.id),
            award_id: Set(Some("a1".to_owned())),
            supplier_id: Set(Some(supplier_id)),
            amount: Set(Some(amount)),
            currency: Set(Some("CNY".to_owned())),
            date: Set(None),
            status: Set(Some("active".to_owned())),
            ..Default::default()
        }
        .insert(store.connection())
        .await
        .expect("insert award");
        releases.push((ocid.to_owned(), row.id));
    }
    TradingFixture { buyer, big_supplier: big, small_supplier: small, releases }
}
