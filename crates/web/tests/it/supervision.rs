//! Electronic supervision in the browser and over JSON: the console, the alerts and
//! their handling by role, the rates, the rules, the outbox and the calendar.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Method, Response, StatusCode};
use sunlight_domain::policy::Principal;
use sunlight_store::accounts;
use sunlight_store::supervision::alerts::{self, AlertFilter};
use sunlight_store::supervision::fixture::{self, CaseSpec, RecordingNotifier};
use sunlight_store::supervision::outbox;

use crate::support::{Session, TestApp, location};

/// Two SCJG alerts (a red card, a process warning) and a ZRZY reminder.
struct Alerts {
    red: i64,
    skipped: i64,
    other_unit: i64,
}

async fn raise(app: &TestApp) -> Alerts {
    let scjg = app.unit_id("SCJG").await;
    let zrzy = app.unit_id("ZRZY").await;
    let food = fixture::chart(&app.db.store, scjg, "SV-SCJG-1", "食品经营许可").await;
    let land = fixture::chart(&app.db.store, zrzy, "SV-ZRZY-1", "不动产登记").await;
    let now = Utc::now();
    let a = fixture::case(&app.db.store, &food, CaseSpec::open("SCJG-2026-0001", now)).await;
    let b = fixture::case(&app.db.store, &land, CaseSpec::open("ZRZY-2026-0001", now)).await;
    Alerts {
        red: fixture::alert(&app.db.store, &a, "time.red_card", "red").await.id,
        skipped: fixture::alert(&app.db.store, &a, "process.not_allowed", "warning").await.id,
        other_unit: fixture::alert(&app.db.store, &b, "time.reminder", "reminder").await.id,
    }
}

/// An alert of SCJG for the route matrix (raised once).
pub async fn sample_alert(app: &TestApp) -> i64 {
    let system = Principal::system("test");
    let found = alerts::list_alerts(&app.db.store, &system, &AlertFilter::default(), 1, 100).await.unwrap();
    let scjg = app.unit_id("SCJG").await;
    if let Some(row) = found.alerts.iter().find(|r| r.alert.unit_id == scjg) {
        return row.alert.id;
    }
    raise(app).await.red
}

async fn text(response: Response) -> String {
    response.text().await.unwrap()
}

async fn json(response: Response) -> serde_json::Value {
    response.json().await.unwrap()
}

async fn console_and_alert_pages(app: TestApp) {
    let a = raise(&app).await;
    let admin = app.login("admin").await;
    let unit_admin = app.login("scjg-admin").await;

    let response = app.get("/staff/supervision", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = text(response).await;
    for expected in [
        "红牌报警",
        "提醒",
        "演示县市场监督管理局",
        "演示县自然资源和规划局",
        "hx-trigger=\"every 10s\"",
        "SCJG-2026-0001",
        "/staff/cases/SCJG-2026-0001",
    ] {
        assert!(page.contains(expected), "{expected} on the console");
    }
    assert!(page.contains("#dc2626"), "the red card's colour beside its words");
    let theirs = text(app.get("/staff/supervision", Some(&unit_admin)).await).await;
    assert!(theirs.contains("演示县市场监督管理局") && !theirs.contains("演示县自然资源和规划局"));

    let list = text(app.get("/staff/supervision/alerts?level=red&open=true", Some(&admin)).await).await;
    assert!(list.contains("SCJG-2026-0001") && list.contains("红牌报警") && !list.contains("ZRZY-2026-0001"));
    let by_case = text(app.get("/staff/supervision/alerts?case_number=ZRZY", Some(&admin)).await).await;
    assert!(by_case.contains("ZRZY-2026-0001") && !by_case.contains("SCJG-2026-0001"));
    assert_eq!(
        app.get("/staff/supervision/alerts?level=orange", Some(&admin)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The unit acknowledges and explains; it is offered nothing else.
    let path = format!("/staff/supervision/alerts/{}", a.red);
    let page = text(app.get(&path, Some(&unit_admin)).await).await;
    assert!(page.contains("value=\"acknowledged\"") && !page.contains("value=\"closed\""), "{page}");
    assert!(page.contains("超过时限达到设定的工作日数"), "the rule says what it checks");
    let post = |to: &'static str, comment: &'static str, who: Session| {
        let app = &app;
        let path = format!("{path}/transition");
        async move { app.post_form(&path, Some(&who), &[("to", to), ("comment", comment)]).await }
    };
    let response = post("acknowledged", "", unit_admin.clone()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), path);
    let response = post("explained", "", unit_admin.clone()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(response).await.contains("field-error"), "the error beside the comment");
    assert_eq!(post("closed", "", unit_admin.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        post("explained", "申请人补正材料用了3个工作日", unit_admin.clone()).await.status(),
        StatusCode::SEE_OTHER
    );
    let supervisor = app.login("supervisor").await;
    assert_eq!(post("closed", "", supervisor).await.status(), StatusCode::FORBIDDEN);
    let watcher = app.login("jgw1").await;
    assert_eq!(post("closed", "说明属实", watcher.clone()).await.status(), StatusCode::SEE_OTHER);
    let page = text(app.get(&path, Some(&watcher)).await).await;
    assert!(page.contains("说明已采纳") && page.contains("申请人补正材料用了3个工作日"));

    // Another unit's alert is not there for the unit.
    let other = format!("/staff/supervision/alerts/{}", a.other_unit);
    assert_eq!(app.get(&other, Some(&unit_admin)).await.status(), StatusCode::NOT_FOUND);
    let cadre = app.login("scjg-cadre").await;
    assert_eq!(app.get("/staff/supervision", Some(&cadre)).await.status(), StatusCode::FORBIDDEN);

    // The menu follows the policy.
    let menu = text(app.get("/staff", Some(&unit_admin)).await).await;
    assert!(
        menu.contains("网上监察") && menu.contains("/staff/supervision/rates") && !menu.contains("/staff/calendar")
    );
    let menu = text(app.get("/staff", Some(&admin)).await).await;
    for href in ["/staff/supervision/rules", "/staff/calendar", "/staff/supervision/outbox"] {
        assert!(menu.contains(href), "{href} in the commission's menu");
    }
    assert!(!text(app.get("/staff", Some(&cadre)).await).await.contains("网上监察"));
    let _ = a.skipped;
}
both_backends!(console_and_alert_pages);

async fn alerts_over_json(app: TestApp) {
    let a = raise(&app).await;
    let admin = app.login("admin").await;
    let unit_admin = app.login("scjg-admin").await;
    let all = json(app.get("/api/v1/supervision/alerts?open=true", Some(&admin)).await).await;
    assert_eq!(all["total"], 3);
    let red = json(app.get("/api/v1/supervision/alerts?level=red", Some(&admin)).await).await;
    assert_eq!(red["alerts"][0]["case_number"], "SCJG-2026-0001");
    assert_eq!(red["alerts"][0]["must_act"], "unit");
    let bad = app.get("/api/v1/supervision/alerts?family=weather", Some(&admin)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(bad).await["fields"]["family"]["code"], "unknown_value");

    let path = format!("/api/v1/supervision/alerts/{}/transition", a.skipped);
    let refused = app.send_json(Method::POST, &path, Some(&admin), &serde_json::json!({"to": "closed"})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(refused).await;
    assert_eq!(body["fields"]["to"]["code"], "alert_transition_not_allowed");
    assert!(body["fields"]["to"]["message"].as_str().unwrap().contains("不能"));
    let moved = app.send_json(Method::POST, &path, Some(&unit_admin), &serde_json::json!({"to": "acknowledged"})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let detail = json(moved).await;
    assert_eq!(detail["alert"]["state"], "acknowledged");
    assert_eq!(detail["events"].as_array().unwrap().len(), 2);
    assert_eq!(detail["next"], serde_json::json!(["explained"]));
    assert_eq!(detail["case"]["power_code"], "SV-SCJG-1");

    // A token reads its unit's alerts and moves none.
    let scjg = app.unit_id("SCJG").await;
    let (_, secret) = accounts::create_token(&app.db.store, &Principal::system("t"), scjg, "审批系统").await.unwrap();
    let listed: serde_json::Value = app
        .client
        .get(app.url("/api/v1/supervision/alerts"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 2);
    let other = app
        .client
        .get(app.url(&format!("/api/v1/supervision/alerts/{}", a.other_unit)))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let moved = app
        .client
        .post(app.url(&path))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"to": "explained", "comment": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);

    // The figures: the open alerts, and by level as an object.
    let figures = json(app.get("/api/v1/figures", Some(&admin)).await).await;
    assert_eq!(figures["alerts_open"], 3);
    assert_eq!(figures["alerts_by_level"], serde_json::json!({"reminder": 1, "yellow": 0, "red": 1, "warning": 1}));
    let doc = json(app.get("/api/openapi.json", None).await).await;
    assert!(doc["components"]["schemas"]["FigureValue"].is_object());
}
both_backends!(alerts_over_json);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

async fn rates_page_and_api(app: TestApp) {
    let scjg = app.unit_id("SCJG").await;
    let zrzy = app.unit_id("ZRZY").await;
    let food = fixture::chart(&app.db.store, scjg, "SV-SCJG-1", "食品经营许可").await;
    let land = fixture::chart(&app.db.store, zrzy, "SV-ZRZY-1", "不动产登记").await;
    let store = &app.db.store;
    let late = fixture::case(
        store,
        &food,
        CaseSpec { overdue: true, ..CaseSpec::open("C-1", at("2026-03-02T10:00:00+08:00")) },
    )
    .await;
    fixture::alert(store, &late, "time.yellow_card", "yellow").await;
    fixture::case(
        store,
        &food,
        CaseSpec {
            status: "finished",
            handling_minutes: Some(630),
            ..CaseSpec::open("C-2", at("2026-03-20T10:00:00+08:00"))
        },
    )
    .await;
    fixture::case(store, &food, CaseSpec::open("C-3", at("2026-04-02T10:00:00+08:00"))).await;
    fixture::case(
        store,
        &land,
        CaseSpec { conformant: false, ..CaseSpec::open("C-4", at("2026-03-05T10:00:00+08:00")) },
    )
    .await;
    let admin = app.login("admin").await;

    let r = json(app.get("/api/v1/rates?by=unit&from=2026-03&to=2026-04", Some(&admin)).await).await;
    assert_eq!(
        (r["by"].as_str(), r["from"].as_str(), r["to"].as_str()),
        (Some("unit"), Some("2026-03"), Some("2026-04"))
    );
    let rows = r["rows"].as_array().unwrap();
    let march = rows.iter().find(|x| x["unit_id"] == scjg && x["month"] == "2026-03").unwrap();
    assert_eq!(
        (march["cases"].as_u64(), march["overdue"].as_u64(), march["warned"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(march["overdue_rate"].as_f64(), Some(0.5));
    assert_eq!(march["average_working_days"].as_f64(), Some(1.5));
    let zr = rows.iter().find(|x| x["unit_id"] == zrzy).unwrap();
    assert_eq!(zr["conformity_rate"].as_f64(), Some(0.0));
    let by_power = json(app.get("/api/v1/rates?by=power&from=2026-03&to=2026-03", Some(&admin)).await).await;
    assert_eq!(by_power["rows"][0]["power_code"], "SV-SCJG-1");
    let one = json(app.get("/api/v1/rates?from=2026-03&to=2026-04&power_code=SV-ZRZY-1", Some(&admin)).await).await;
    assert_eq!(one["totals"].as_array().unwrap().len(), 1);
    assert_eq!(one["totals"][0]["unit_id"], zrzy);

    let bad = app.get("/api/v1/rates?from=2026-3", Some(&admin)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(bad).await["fields"]["from"]["code"], "bad_month");
    let reversed = app.get("/api/v1/rates?from=2026-05&to=2026-03", Some(&admin)).await;
    assert_eq!(json(reversed).await["fields"]["to"]["code"], "month_range_reversed");

    let (_, secret) = accounts::create_token(&app.db.store, &Principal::system("t"), zrzy, "统计").await.unwrap();
    let theirs: serde_json::Value = app
        .client
        .get(app.url("/api/v1/rates?from=2026-03&to=2026-04"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs["rows"].as_array().unwrap().iter().all(|x| x["unit_id"] == zrzy));
    assert_eq!(theirs["rows"].as_array().unwrap().len(), 1);

    let page = text(app.get("/staff/supervision/rates?from=2026-03&to=2026-04", Some(&admin)).await).await;
    for expected in ["50.0%", "1.5 个工作日", "演示县自然资源和规划局", "2026-04", "by=power"] {
        assert!(page.contains(expected), "{expected} on the rates page");
    }
    let bad_page = app.get("/staff/supervision/rates?from=soon", Some(&admin)).await;
    assert_eq!(bad_page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(bad_page).await.contains("月份格式应为 2026-03"));
    let cadre = app.login("scjg-cadre").await;
    assert_eq!(app.get("/api/v1/rates", Some(&cadre)).await.status(), StatusCode::FORBIDDEN);
}
both_backends!(rates_page_and_api);

async fn rules_page_and_api(app: TestApp) {
    let admin = app.login("admin").await;
    let page = text(app.get("/staff/supervision/rules", Some(&admin)).await).await;
    for rule in sunlight_domain::flow::RuleId::ALL {
        assert!(page.contains(&format!("value=\"{}\" checked", rule.as_str())), "{rule} listed and on");
    }
    assert!(page.contains("红牌报警") && page.contains("收费偏差"));

    let mut fields: Vec<(&str, &str)> = sunlight_domain::flow::RuleId::ALL
        .iter()
        .filter(|r| r.as_str() != "time.reminder")
        .map(|r| ("enabled", r.as_str()))
        .collect();
    let bad = [
        ("reminder_share", "1.5"),
        ("yellow_after_days", "3"),
        ("red_after_days", "2"),
        ("returned_repeatedly_at", "两次"),
        ("fee_tolerance", "0.05"),
    ];
    let mut form = fields.clone();
    form.extend(bad);
    let response = app.post_form("/staff/supervision/rules", Some(&admin), &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    for id in ["e-reminder_share", "e-red_after_days", "e-returned_repeatedly_at"] {
        assert!(page.contains(id), "{id}: an error beside its field");
    }
    assert!(!page.contains("e-fee_tolerance"));
    assert!(page.contains("value=\"两次\""), "what was typed is kept");
    assert!(!page.contains("value=\"time.reminder\" checked"), "and the switches too");

    fields.extend([
        ("reminder_share", "0.75"),
        ("yellow_after_days", "1"),
        ("red_after_days", "3"),
        ("returned_repeatedly_at", "3"),
        ("fee_tolerance", "0.1"),
    ]);
    let response = app.post_form("/staff/supervision/rules", Some(&admin), &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let rules = json(app.get("/api/v1/supervision/rules", Some(&admin)).await).await;
    assert_eq!(rules["reminder_share"].as_f64(), Some(0.75));
    assert_eq!(rules["red_after_days"].as_f64(), Some(3.0));
    let reminder = rules["rules"].as_array().unwrap().iter().find(|r| r["id"] == "time.reminder").unwrap().clone();
    assert_eq!(reminder["enabled"], false);

    let partial = app
        .send_json(Method::PUT, "/api/v1/supervision/rules", Some(&admin), &serde_json::json!({"reminder_share": 0.8}))
        .await;
    assert_eq!(partial.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(partial).await["fields"]["fee_tolerance"]["code"], "required");
    let body = serde_json::json!({
        "disabled": ["discretion.fee_deviation"],
        "reminder_share": 0.8,
        "yellow_after_days": 1,
        "red_after_days": 2,
        "returned_repeatedly_at": 2,
        "fee_tolerance": 0.05
    });
    let saved = app.send_json(Method::PUT, "/api/v1/supervision/rules", Some(&admin), &body).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved = json(saved).await;
    let enabled: Vec<bool> =
        saved["rules"].as_array().unwrap().iter().map(|r| r["enabled"].as_bool().unwrap()).collect();
    assert_eq!(enabled.iter().filter(|e| !**e).count(), 1);
    let unknown = serde_json::json!({
        "disabled": ["time.nap"],
        "reminder_share": 0.8,
        "yellow_after_days": 1,
        "red_after_days": 2,
        "returned_repeatedly_at": 2,
        "fee_tolerance": 0.05
    });
    let refused = app.send_json(Method::PUT, "/api/v1/supervision/rules", Some(&admin), &unknown).await;
    assert_eq!(json(refused).await["fields"]["disabled"]["code"], "unknown_rule");
    let unit_admin = app.login("scjg-admin").await;
    assert_eq!(app.get("/staff/supervision/rules", Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.send_json(Method::PUT, "/api/v1/supervision/rules", Some(&unit_admin), &body).await.status(),
        StatusCode::FORBIDDEN
    );
}
both_backends!(rules_page_and_api);

async fn outbox_page(app: TestApp) {
    let now = Utc::now();
    let stuck = fixture::queued(&app.db.store, "alert_raised", &serde_json::json!({"alert_id": 7}), now).await;
    let fine = fixture::queued(&app.db.store, "alert_escalated", &serde_json::json!({"alert_id": 8}), now).await;
    let notifier = RecordingNotifier::default();
    notifier.set_failing(true);
    outbox::deliver_pending(&app.db.store, &notifier, now).await.unwrap();
    notifier.set_failing(false);
    // Only the second is due again: the first is pushed back further.
    let _ = fine;
    let admin = app.login("admin").await;
    let page = text(app.get("/staff/supervision/outbox", Some(&admin)).await).await;
    assert!(page.contains("connection refused") && page.contains("新预警") && page.contains("发送失败"));
    assert!(page.contains(&format!("<code>{}</code>", stuck.id)));
    outbox::deliver_pending(&app.db.store, &notifier, now + TimeDelta::minutes(5)).await.unwrap();
    let page = text(app.get("/staff/supervision/outbox", Some(&admin)).await).await;
    assert!(page.contains("没有待发送的通知"));
    let all = text(app.get("/staff/supervision/outbox?all=true", Some(&admin)).await).await;
    assert!(all.contains("预警上报"), "delivered rows are kept and shown");
    let unit_admin = app.login("scjg-admin").await;
    assert_eq!(app.get("/staff/supervision/outbox", Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN);
}
both_backends!(outbox_page);

/// A multipart upload of the calendar import form.
async fn upload(app: &TestApp, session: &Session, file: &str) -> Response {
    let boundary = "sunlightboundaryCal2026";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"holidays.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n",
        session.csrf
    );
    app.client
        .post(app.url("/staff/calendar/import"))
        .header(COOKIE, &session.cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn calendar_page_and_api(app: TestApp) {
    let admin = app.login("admin").await;
    let page = text(app.get("/staff/calendar?year=2026", Some(&admin)).await).await;
    for expected in ["国庆节", "春节", "调休上班", "2026-10-01", "星期四", "09:00-12:00,13:30-17:30"] {
        assert!(page.contains(expected), "{expected} on the calendar page");
    }
    let english = app
        .client
        .get(app.url("/staff/calendar?year=2026"))
        .header(COOKIE, format!("{}; sunlight_lang=en", admin.cookie))
        .send()
        .await
        .unwrap();
    assert!(text(english).await.contains("National Day"));

    let saved = app
        .post_form(
            "/staff/calendar/days",
            Some(&admin),
            &[("date", "2027-01-01"), ("kind", "holiday"), ("festival", "New Year's Day")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), "/staff/calendar?year=2027&saved=2027-01-01");
    let page = text(app.get(&location(&saved), Some(&admin)).await).await;
    assert!(page.contains("<td>元旦</td>") && page.contains("已保存 2027-01-01"));
    let bad = app.post_form("/staff/calendar/days", Some(&admin), &[("date", "2027-02-30"), ("kind", "nap")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = text(bad).await;
    assert!(bad.contains("e-date") && bad.contains("e-kind") && bad.contains("value=\"2027-02-30\""));

    let year: serde_json::Value = json(app.get("/api/v1/calendar/2027", Some(&admin)).await).await;
    assert_eq!(
        year["days"],
        serde_json::json!([{"date": "2027-01-01", "kind": "holiday", "festival": "New Year's Day"}])
    );
    let id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        sunlight_store::entity::calendar_day::Entity::find()
            .filter(sunlight_store::entity::calendar_day::Column::Day.eq("2027-01-01"))
            .one(app.db.store.connection())
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let removed = app.post_form(&format!("/staff/calendar/days/{id}/delete"), Some(&admin), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(json(app.get("/api/v1/calendar/2027", Some(&admin)).await).await["days"], serde_json::json!([]));

    // A file with bad rows imports nothing and names each line.
    let response = upload(
        &app,
        &admin,
        "date,kind,festival\n2027-01-01,holiday,New Year's Day\n2027-02-31,holiday,x\n2027-02-06,off,Spring Festival\n",
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(page.contains("<td>3</td>") && page.contains("<td>4</td>") && page.contains("类型只能是"));
    assert_eq!(json(app.get("/api/v1/calendar/2027", Some(&admin)).await).await["days"], serde_json::json!([]));
    let good = "\u{feff}date,kind,festival\n2027-01-01,holiday,New Year's Day\n2027-02-06,holiday,Spring Festival\n";
    let response = upload(&app, &admin, good).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/staff/calendar?year=2027&imported=2-0-0");
    let export = app.get("/staff/calendar/export.csv?year=2027", Some(&admin)).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(export.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(text(export).await, good);

    let hours = app.post_form("/staff/calendar/office-hours", Some(&admin), &[("office_hours", "12:00-09:00")]).await;
    assert_eq!(hours.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(hours).await.contains("e-office_hours"));
    let hours = app
        .post_form("/staff/calendar/office-hours", Some(&admin), &[("office_hours", "08:30-12:00,14:00-18:00")])
        .await;
    assert_eq!(hours.status(), StatusCode::SEE_OTHER);

    let unit_admin = app.login("scjg-admin").await;
    assert_eq!(app.get("/staff/calendar", Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN);
}
both_backends!(calendar_page_and_api);

/// Anyone reads a year; the commission replaces it and sets the office hours.
async fn calendar_over_json(app: TestApp) {
    let admin = app.login("admin").await;
    let scjg = app.unit_id("SCJG").await;
    let (_, secret) = accounts::create_token(&app.db.store, &Principal::system("t"), scjg, "审批系统").await.unwrap();
    let read = |path: &'static str| {
        let request = app.client.get(app.url(path)).bearer_auth(&secret);
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let year = read("/api/v1/calendar/2026").await;
    assert!(
        year["days"].as_array().unwrap().iter().any(|d| d["date"] == "2026-10-01" && d["festival"] == "National Day")
    );
    assert_eq!(year["day_minutes"], 420);
    let body = serde_json::json!({"days": [
        {"date": "2027-10-01", "kind": "holiday", "festival": "National Day"},
        {"date": "2028-01-01", "kind": "holiday", "festival": "New Year's Day"},
        {"date": "2027-10-09", "kind": "weekday", "festival": ""}
    ]});
    let refused = app.send_json(Method::PUT, "/api/v1/calendar/2027", Some(&admin), &body).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = json(refused).await["fields"].clone();
    assert_eq!(fields["days[2].kind"]["code"], "unknown_value");
    assert_eq!(read("/api/v1/calendar/2027").await["days"], serde_json::json!([]), "nothing was written");
    let body = serde_json::json!({"days": [{"date": "2027-10-01", "kind": "holiday", "festival": "National Day"}]});
    let replaced = app.send_json(Method::PUT, "/api/v1/calendar/2027", Some(&admin), &body).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(read("/api/v1/calendar/2027").await["days"].as_array().unwrap().len(), 1);
    let unit_admin = app.login("scjg-admin").await;
    let status = app.send_json(Method::PUT, "/api/v1/calendar/2027", Some(&unit_admin), &body).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let hours = serde_json::json!({"office_hours": "09:00-12:00,13:00-17:00"});
    let saved = app.send_json(Method::PUT, "/api/v1/office-hours", Some(&admin), &hours).await;
    assert_eq!(json(saved).await["day_minutes"], 420);
    let bad = serde_json::json!({"office_hours": "9-12"});
    let refused = app.send_json(Method::PUT, "/api/v1/office-hours", Some(&admin), &bad).await;
    assert_eq!(json(refused).await["fields"]["office_hours"]["code"], "invalid_office_hours");
    assert_eq!(app.get("/api/v1/calendar/1999", Some(&admin)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both_backends!(calendar_over_json);
