//! The trading centre's data pages: the OCDS upload, the list, a process with its
//! bids, a party's history, the JSON API, and who may see them.

use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Response, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use sunlight_domain::policy::Principal;
use sunlight_store::entity::trading_release;
use sunlight_store::trading::{self, ReleaseFilter};

use crate::support::{Session, TestApp};

const SAMPLES: &str = "/work/shared/data/ocds/ocdskit-samples";

fn sample(name: &str) -> Vec<u8> {
    let dir = std::env::var("SUNLIGHT_OCDS_SAMPLES").unwrap_or_else(|_| SAMPLES.into());
    std::fs::read(format!("{dir}/{name}")).unwrap()
}

/// A process with two priced bids and an award, as JSON Lines.
fn with_bids() -> Vec<u8> {
    let release = serde_json::json!({
        "ocid": "ocds-test-bids-1",
        "date": "2026-03-01T00:00:00Z",
        "tender": {"title": "办公楼维修工程", "procurementMethod": "open", "mainProcurementCategory": "works",
                   "value": {"amount": 1_000_000, "currency": "CNY"}},
        "buyer": {"id": "B1", "name": "县机关事务服务中心"},
        "parties": [
            {"id": "B1", "name": "县机关事务服务中心", "roles": ["buyer"]},
            {"id": "T1", "name": "甲建设有限公司", "identifier": {"scheme": "CN-USCC", "id": "91330100AAAA"}},
            {"id": "T2", "name": "乙建设有限公司"}
        ],
        "bids": {"details": [
            {"id": "bid-1", "status": "valid", "tenderers": [{"id": "T1", "name": "甲建设有限公司"}],
             "value": {"amount": 950_000, "currency": "CNY"}},
            {"id": "bid-2", "status": "valid", "tenderers": [{"id": "T2", "name": "乙建设有限公司"}],
             "value": {"amount": 990_000, "currency": "CNY"}}
        ]},
        "awards": [{"id": "award-1", "status": "active", "value": {"amount": 950_000, "currency": "CNY"},
                    "suppliers": [{"id": "T1", "name": "甲建设有限公司"}]}]
    });
    format!("{release}\nnot json at all\n").into_bytes()
}

async fn upload(app: &TestApp, session: &Session, file: &[u8], lang: &str) -> Response {
    let boundary = "sunlightboundaryOCDS4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n", session.csrf).bytes(),
    );
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ocds.json\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    app.client
        .post(app.url("/staff/trading/import"))
        .header(COOKIE, &session.cookie)
        .header("accept-language", lang)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp) -> u64 {
    trading_release::Entity::find().count(app.db.store.connection()).await.unwrap()
}

/// A release id and its buyer's party id for the route matrix (imports a sample once).
pub async fn sample_ids(app: &TestApp) -> (i64, i64) {
    let system = Principal::system("test");
    let found = trading::list_releases(&app.db.store, &system, &ReleaseFilter::default(), 1, 1).await.unwrap();
    let release = if let Some(release) = found.releases.into_iter().next() {
        release
    } else {
        let text = String::from_utf8(sample("release-package-1.json")).unwrap();
        trading::import_ocds(&app.db.store, &system, &text).await.unwrap();
        trading::list_releases(&app.db.store, &system, &ReleaseFilter::default(), 1, 1)
            .await
            .unwrap()
            .releases
            .remove(0)
    };
    (release.id, release.buyer_id.unwrap())
}

async fn upload_list_detail(app: TestApp) {
    let admin = app.login("admin").await;
    let page = upload(&app, &admin, &sample("release-package-1.json"), "zh-CN").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("读取发布 2 条：新建项目 1 个，更新项目 0 个。"), "{html}");

    let page = upload(&app, &admin, &with_bids(), "en").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("1 invalid lines skipped."), "{html}");
    assert!(html.contains("line 2, /: not JSON, skipped"), "{html}");
    assert!(html.contains("Awarded (CNY): 1 awards, 950000.00 in total"), "{html}");

    // A supervisor (ViewTrading) sees the list and the detail.
    let supervisor = app.login("supervisor").await;
    let list = app.get("/staff/trading/releases", Some(&supervisor)).await;
    assert_eq!(list.status(), StatusCode::OK);
    let html = list.text().await.unwrap();
    assert!(html.contains("OCDS-87SD3T-AD-SF-DRM-063-2015") && html.contains("办公楼维修工程"), "{html}");
    let filtered = app.get("/staff/trading/releases?stage=award&method=open", Some(&supervisor)).await;
    let html = filtered.text().await.unwrap();
    assert!(html.contains("办公楼维修工程") && !html.contains("OCDS-87SD3T-AD-SF-DRM-063-2015"), "{html}");

    let api: serde_json::Value =
        app.get("/api/v1/trading/releases?q=bids", Some(&supervisor)).await.json().await.unwrap();
    assert_eq!(api["total"], 1);
    let id = api["releases"][0]["id"].as_i64().unwrap();
    let detail = app.get(&format!("/staff/trading/releases/{id}"), Some(&supervisor)).await;
    assert_eq!(detail.status(), StatusCode::OK);
    let html = detail.text().await.unwrap();
    for text in ["bid-1", "甲建设有限公司", "乙建设有限公司", "950000.00 CNY", "990000.00 CNY", "award-1"]
    {
        assert!(html.contains(text), "{text} in {html}");
    }
    let compiled = app.get(&format!("/staff/trading/releases/{id}/compiled.json"), Some(&supervisor)).await;
    assert_eq!(compiled.status(), StatusCode::OK);
    let compiled: serde_json::Value = compiled.json().await.unwrap();
    assert_eq!(compiled["bids"]["details"][1]["id"], "bid-2");
    let json: serde_json::Value =
        app.get(&format!("/api/v1/trading/releases/{id}"), Some(&supervisor)).await.json().await.unwrap();
    assert_eq!(json["bids"].as_array().unwrap().len(), 2);
    assert_eq!(json["compiled"], compiled);

    // The winner's history: two processes? one bid, one award, won the one it bid in.
    let winner = json["awards"][0]["party_id"].as_i64().unwrap();
    let party: serde_json::Value =
        app.get(&format!("/api/v1/trading/parties/{winner}"), Some(&supervisor)).await.json().await.unwrap();
    assert_eq!((party["processes_bid"].as_u64(), party["processes_won"].as_u64()), (Some(1), Some(1)));
    assert_eq!(party["party"]["party_key"], "CN-USCC-91330100AAAA");
    let buyer = json["release"]["buyer_id"].as_i64().unwrap();
    let page = app.get(&format!("/staff/trading/parties/{buyer}"), Some(&supervisor)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("甲建设有限公司") && html.contains("100.0%"), "{html}");
}
both_backends!(upload_list_detail);

async fn a_bad_upload_writes_nothing(app: TestApp) {
    let admin = app.login("admin").await;
    let head = sunlight_store::audit::head(&app.db.store).await.unwrap();
    let page = upload(&app, &admin, b"{\"releases\": [", "zh-CN").await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.unwrap().contains("文件不是有效的 JSON，未导入任何内容。"));
    let page = upload(&app, &admin, b"{\"releases\": []}", "en").await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.unwrap().contains("The file holds no OCDS release to import"));
    assert_eq!(count(&app).await, 0);
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), head);
}
both_backends!(a_bad_upload_writes_nothing);

async fn others_are_turned_away(app: TestApp) {
    let (release, party) = sample_ids(&app).await;
    let unit_admin = app.login("scjg-admin").await;
    for path in [
        "/staff/trading/releases".to_owned(),
        format!("/staff/trading/releases/{release}"),
        format!("/staff/trading/releases/{release}/compiled.json"),
        format!("/staff/trading/parties/{party}"),
        "/staff/trading/import".to_owned(),
        "/api/v1/trading/releases".to_owned(),
        format!("/api/v1/trading/parties/{party}"),
    ] {
        assert_eq!(app.get(&path, Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let before = count(&app).await;
    let page = upload(&app, &unit_admin, &with_bids(), "zh-CN").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    // The supervisor sees the data but does not import.
    let supervisor = app.login("supervisor").await;
    assert_eq!(upload(&app, &supervisor, &with_bids(), "zh-CN").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app).await, before);
}
both_backends!(others_are_turned_away);
