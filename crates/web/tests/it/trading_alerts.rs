//! The trading centre's alerts through pages and API: releases inserted directly, the
//! engine run from the dashboard, the alert's evidence in words, its handling by the
//! commission only; bad transitions are refused in words and write nothing.

use reqwest::{Method, StatusCode};
use sunlight_domain::policy::Principal;
use sunlight_store::trading_alerts::{self, AlertFilter, fixture};

use crate::support::{TestApp, location};

/// An alert to visit (the access matrix asks for one): the fixture's releases, run once.
pub async fn sample_alert(app: &TestApp) -> i64 {
    let system = Principal::system("test");
    let found = trading_alerts::list_alerts(&app.db.store, &system, &AlertFilter::default(), 1, 1).await.unwrap();
    if let Some(alert) = found.alerts.first() {
        return alert.id;
    }
    fixture::insert_releases(&app.db.store).await;
    let settings = sunlight_domain::trading::Settings::from_ini(sunlight_domain::trading::DEFAULT_SETTINGS).unwrap();
    trading_alerts::run_red_flags(&app.db.store, &system, &settings).await.unwrap();
    trading_alerts::list_alerts(&app.db.store, &system, &AlertFilter::default(), 1, 1).await.unwrap().alerts[0].id
}

async fn alert_id(app: &TestApp, indicator: &str, subject: &str) -> i64 {
    let system = Principal::system("test");
    let filter = AlertFilter { indicator: Some(indicator.into()), text: Some(subject.into()), ..Default::default() };
    trading_alerts::list_alerts(&app.db.store, &system, &filter, 1, 10).await.unwrap().alerts[0].id
}

async fn run_dashboard_evidence_and_handling(app: TestApp) {
    fixture::insert_releases(&app.db.store).await;
    let admin = app.login("admin").await;
    let watcher = app.login("jgw1").await;

    // Before a run: the dashboard draws the stages, and no flags.
    let page = app.get("/staff/trading", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg class=\"bar-chart\"") && html.contains("定标"), "{html}");
    assert!(!html.contains("单一投标人"));

    // Only the commission runs the engine.
    assert_eq!(app.post_form("/staff/trading/run", Some(&watcher), &[]).await.status(), StatusCode::FORBIDDEN);
    let ran = app.post_form("/staff/trading/run", Some(&admin), &[]).await;
    assert_eq!(ran.status(), StatusCode::SEE_OTHER);
    let to = location(&ran);
    assert!(to.starts_with("/staff/trading?flags="), "{to}");
    let html = app.get(&to, Some(&admin)).await.text().await.unwrap();
    assert!(html.contains("单一投标人") && html.contains("投标期过短") && html.contains("超限额未公开招标"), "{html}");
    assert!(html.contains("甲公司") && html.contains("99.4%"), "{html}");
    assert!(html.contains("已运行"), "the run's notice");

    // The list, filtered, and the alert with its evidence in words.
    let list = app.get("/staff/trading/alerts?indicator=R018", Some(&watcher)).await.text().await.unwrap();
    assert!(list.contains("ocds-t-1") && !list.contains("ocds-t-2"), "{list}");
    let id = alert_id(&app, "R018", "ocds-t-1").await;
    let page = app.get(&format!("/staff/trading/alerts/{id}"), Some(&admin)).await.text().await.unwrap();
    assert!(page.contains("投标人数") && page.contains("采购方式") && page.contains("医疗设备采购"), "{page}");
    assert!(page.contains("已预警") && page.contains("/transition"), "{page}");
    // Sub-commission staff read it without the handling form.
    let page = app.get(&format!("/staff/trading/alerts/{id}"), Some(&watcher)).await.text().await.unwrap();
    assert!(page.contains("投标人数") && !page.contains("/transition"));
    let short = alert_id(&app, "R003", "ocds-t-1").await;
    let page = app.get(&format!("/staff/trading/alerts/{short}"), Some(&admin)).await.text().await.unwrap();
    assert!(page.contains("投标期（天）") && page.contains("<td>4</td>"), "{page}");

    // Bad transitions: refused in words, nothing written.
    let path = format!("/staff/trading/alerts/{id}/transition");
    let refused = app.post_form(&path, Some(&admin), &[("to", "closed")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("当前状态下不能这样处置"));
    assert_eq!(app.post_form(&path, Some(&watcher), &[("to", "acknowledged")]).await.status(), StatusCode::FORBIDDEN);
    let detail = trading_alerts::alert_detail(&app.db.store, &Principal::system("test"), id).await.unwrap();
    assert_eq!((detail.alert.state.as_str(), detail.events.len()), ("raised", 1));

    // The happy path, by form and by API.
    assert_eq!(app.post_form(&path, Some(&admin), &[("to", "acknowledged")]).await.status(), StatusCode::SEE_OTHER);
    let missing = app.post_form(&path, Some(&admin), &[("to", "explained"), ("comment", " ")]).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let api = format!("/api/v1/trading/alerts/{id}/transition");
    let body = serde_json::json!({"to": "explained", "comment": "仅一家报名，已延长公告期重新招标"});
    let response = app.send_json(Method::POST, &api, Some(&admin), &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let dto: serde_json::Value = response.json().await.unwrap();
    assert_eq!(dto["state"], "explained");
    let response = app.send_json(Method::POST, &api, Some(&admin), &serde_json::json!({"to": "raised"})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["fields"]["to"]["code"], "alert_transition_not_allowed");
    let response = app.send_json(Method::POST, &api, Some(&watcher), &serde_json::json!({"to": "closed"})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form(&path, Some(&admin), &[("to", "closed")]).await.status(), StatusCode::SEE_OTHER);
    let detail: serde_json::Value =
        app.get(&format!("/api/v1/trading/alerts/{id}"), Some(&watcher)).await.json().await.unwrap();
    assert_eq!(detail["alert"]["state"], "closed");
    assert_eq!(detail["alert"]["explanation"], "仅一家报名，已延长公告期重新招标");
    assert_eq!(detail["events"].as_array().unwrap().len(), 4);
    assert_eq!(detail["ocid"], "ocds-t-1");
    assert!(detail["evidence"]["facts"].as_array().unwrap().iter().any(|f| f["fact"] == "number_of_tenderers"));
    let page = app.get(&format!("/staff/trading/alerts/{id}"), Some(&admin)).await.text().await.unwrap();
    assert!(page.contains("已办结") && page.contains("仅一家报名") && !page.contains("/transition\""), "{page}");

    // The JSON list and dashboard.
    let list: serde_json::Value =
        app.get("/api/v1/trading/alerts?state=closed", Some(&watcher)).await.json().await.unwrap();
    assert_eq!(list["total"], 1);
    let bad = app.get("/api/v1/trading/alerts?state=nonsense", Some(&watcher)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let dashboard: serde_json::Value = app.get("/api/v1/trading/dashboard", Some(&watcher)).await.json().await.unwrap();
    assert_eq!(dashboard["supplier_shares"][0]["suppliers"][0]["supplier"], "甲公司");
    assert!(dashboard["open_by_indicator"].as_array().unwrap().iter().all(|c| c["key"] != "R018"));

    // A unit admin has no business here.
    let unit_admin = app.login("scjg-admin").await;
    for path in
        ["/staff/trading", "/staff/trading/alerts", &format!("/staff/trading/alerts/{id}"), "/api/v1/trading/alerts"]
    {
        assert_eq!(app.get(path, Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let spec: serde_json::Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    assert!(spec["paths"]["/api/v1/trading/alerts/{id}/transition"]["post"].is_object());
}
both_backends!(run_dashboard_evidence_and_handling);
