//! Online handling over the API: a unit's system pushes events with its token
//! (answered event by event, idempotent, size-limited); staff create and move cases
//! in the online hall; lists, details and the XES export keep to the caller's units.

use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::flow::{Flowchart, read_xes};
use sunlight_domain::policy::Principal;
use sunlight_store::accounts;
use sunlight_store::cases::setup::{ReadyPower, ready_power};

use crate::support::TestApp;

/// SCJG's licence power with the generator's flowchart in force (made once).
async fn licence(app: &TestApp) -> ReadyPower {
    use sea_orm::EntityTrait;
    use sunlight_store::entity::{flowchart, flowchart_version};
    let db = app.db.store.connection();
    if let (Some(chart), Some(version)) =
        (flowchart::Entity::find().one(db).await.unwrap(), flowchart_version::Entity::find().one(db).await.unwrap())
    {
        return ReadyPower {
            power_id: chart.power_id,
            code: chart.power_code,
            unit_id: chart.unit_id,
            version_id: version.id,
        };
    }
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    ready_power(&app.db.store, &Principal::system("test"), "SCJG", "食品经营许可（接口测试）", &chart).await.unwrap()
}

async fn token(app: &TestApp, unit: &str) -> String {
    let unit_id = app.unit_id(unit).await;
    let (_, secret) =
        accounts::create_token(&app.db.store, &Principal::system("test"), unit_id, "审批系统").await.unwrap();
    format!("Bearer {secret}")
}

async fn push(app: &TestApp, bearer: &str, body: &Value) -> (StatusCode, Value) {
    let response =
        app.client.post(app.url("/api/v1/events")).header("authorization", bearer).json(body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ev(id: &str, case: &str, power: &str, step: &str, action: &str, minutes_ago: i64) -> Value {
    json!({
        "id": id, "case": case, "power": power, "step": step, "action": action,
        "actor": "窗口-王芳", "group": "clerk",
        "at": (Utc::now() - TimeDelta::minutes(minutes_ago)).to_rfc3339(),
    })
}

/// A case of SCJG's licence with a few events, for the route matrix.
pub async fn sample_case(app: &TestApp) -> String {
    let power = licence(app).await;
    let bearer = token(app, "SCJG").await;
    let events = json!({"events": [
        ev("m-0", "MATRIX-1", &power.code, "", "apply", 5),
        ev("m-1", "MATRIX-1", &power.code, "Register application", "complete", 4),
    ]});
    let (status, _) = push(app, &bearer, &events).await;
    assert_eq!(status, StatusCode::OK);
    "MATRIX-1".to_owned()
}

async fn events_are_answered_one_by_one(app: TestApp) {
    let power = licence(&app).await;
    let p = power.code.as_str();
    let bearer = token(&app, "SCJG").await;
    let batch = json!({"events": [
        ev("e-0", "API-1", p, "", "apply", 10),
        ev("e-1", "API-1", p, "Register application", "complete", 9),
        ev("e-2", "API-1", p, "Check completeness", "complete", 8),
        ev("e-3", "API-1", p, "Lunch", "complete", 7),
        ev("e-4", "API-404", p, "Decide", "approve", 7),
        {"id": 17, "case": "API-1"},
        {"id": "e-6", "case": "API-1", "power": p, "step": "Decide", "action": "approve", "actor": "x", "at": "明天"},
        ev("e-7", "API-1", "NOPE", "Decide", "approve", 6),
    ]});
    let (status, body) = push(&app, &bearer, &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicate"].as_u64(), body["rejected"].as_u64()),
        (Some(3), Some(0), Some(5))
    );
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 8, "one answer per event, in order");
    let reason = |i: usize| results[i]["reason"].as_str().unwrap_or_default().to_owned();
    assert_eq!(results[0]["status"], "accepted");
    assert_eq!(results[0]["verification_code"].as_str().unwrap().len(), 6);
    assert_eq!(reason(3), "unknown_step");
    assert_eq!(reason(4), "unknown_case");
    assert_eq!(reason(5), "malformed");
    assert_eq!(reason(6), "bad_timestamp");
    assert_eq!(reason(7), "unknown_power");
    assert_eq!(results[6]["id"], "e-6");

    let (_, again) = push(&app, &bearer, &batch).await;
    assert_eq!((again["accepted"].as_u64(), again["duplicate"].as_u64()), (Some(0), Some(3)));
    assert_eq!(again["results"][1]["status"], "duplicate");

    // Another unit's token cannot push for this power, nor see the case.
    let other = token(&app, "ZRZY").await;
    let (_, foreign) =
        push(&app, &other, &json!({"events": [ev("z-1", "API-1", p, "Accept application", "accept", 1)]})).await;
    assert_eq!(foreign["results"][0]["reason"], "unknown_power");
    let status =
        app.client.get(app.url("/api/v1/cases/API-1")).header("authorization", &other).send().await.unwrap().status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");

    // The case as its unit's system sees it.
    let detail: Value = app
        .client
        .get(app.url("/api/v1/cases/API-1"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["case"]["status"], "open");
    assert_eq!(detail["case"]["current_step"], "Request correction / Accept application");
    assert_eq!(detail["events"].as_array().unwrap().len(), 3);
    assert_eq!(detail["events"][1]["client_event_id"], "e-1");

    // Too big a batch is refused whole, saying the limit.
    let many: Vec<Value> = (0..5_001).map(|_| json!({})).collect();
    let (status, body) = push(&app, &bearer, &json!({ "events": many })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"]["events"]["code"], "too_many_events");
    // Not JSON, no token, the wrong role.
    let status = app
        .client
        .post(app.url("/api/v1/events"))
        .header("authorization", &bearer)
        .header("content-type", "application/json")
        .body("{\"events\": [")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let status = app.client.post(app.url("/api/v1/events")).json(&batch).send().await.unwrap().status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let cadre = app.login("scjg-cadre").await;
    let status = app.send_json(Method::POST, "/api/v1/events", Some(&cadre), &batch).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN);
}
both_backends!(events_are_answered_one_by_one);

async fn the_online_hall_over_the_api(app: TestApp) {
    let power = licence(&app).await;
    let cadre = app.login("scjg-cadre").await;
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/cases",
            Some(&cadre),
            &json!({"power": power.code, "applicant": "张三", "subject": "新办"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let number = created["case"]["case_number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("SCJG-"), "{number}");
    assert_eq!(created["verification_code"].as_str().unwrap().len(), 6);

    let act = |action: &str, step: &str| json!({"action": action, "step": step, "documents": if step == "Register application" { json!(["Application form", "Identity card"]) } else { json!([]) }});
    let path = format!("/api/v1/cases/{number}/actions");
    let response = app.send_json(Method::POST, &path, Some(&cadre), &act("complete", "Lunch")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["step"]["code"], "unknown_step");
    assert!(!body["fields"]["step"]["message"].as_str().unwrap().is_empty());
    let response = app.send_json(Method::POST, &path, Some(&cadre), &act("fly", "Decide")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for (action, step) in [
        ("complete", "Register application"),
        ("complete", "Check completeness"),
        ("accept", "Accept application"),
        ("complete", "Site inspection"),
        ("complete", "Technical review"),
        ("approve", "Decide"),
        ("complete", "Collect fee"),
        ("finish", "Issue licence"),
    ] {
        let response = app.send_json(Method::POST, &path, Some(&cadre), &act(action, step)).await;
        assert_eq!(response.status(), StatusCode::OK, "{action} {step}");
    }
    let detail: Value = app.get(&format!("/api/v1/cases/{number}"), Some(&cadre)).await.json().await.unwrap();
    assert_eq!(detail["case"]["status"], "finished");
    assert_eq!(detail["applicant"], "张三");
    assert_eq!(detail["events"].as_array().unwrap().len(), 9);
    assert!(detail["case"]["handling_minutes"].is_number());
    // The separation of duties (review and decision by one person) is an alert.
    let alerts = detail["alerts"].as_array().unwrap();
    assert!(
        alerts.iter().any(|a| a["rule"] == "process.separation_of_duties" && a["level"] == "warning"),
        "{alerts:?}"
    );
    let response = app.send_json(Method::POST, &path, Some(&cadre), &act("complete", "Decide")).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["action"]["code"], "case_closed");

    // The list and its filters; the supervisor reads, cannot act.
    let list: Value = app.get("/api/v1/cases?status=finished", Some(&cadre)).await.json().await.unwrap();
    assert_eq!(list["total"], 1);
    let bad = app.get("/api/v1/cases?status=asleep&month=2026-13", Some(&cadre)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let supervisor = app.login("supervisor").await;
    let list: Value = app.get("/api/v1/cases", Some(&supervisor)).await.json().await.unwrap();
    assert_eq!(list["total"], 1);
    let status = app.send_json(Method::POST, &path, Some(&supervisor), &act("complete", "Decide")).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The export is an XES log of the case.
    let response = app.get(&format!("/api/v1/cases.xes?power={}", power.code), Some(&cadre)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    let log = read_xes(&response.text().await.unwrap(), sunlight_domain::flow::calendar::china_time()).unwrap();
    assert_eq!(log.cases.len(), 1);
    assert_eq!(log.cases[0].id, number);
    assert_eq!(log.cases[0].events.len(), 9);
}
both_backends!(the_online_hall_over_the_api);

/// One clock per database: a second server runs no pass while the first holds the
/// clock's lock (PostgreSQL), and takes over once it is gone.
async fn one_clock_runs_at_a_time(app: TestApp) {
    use sunlight_web::clock::Clock;
    let mut first = Clock::new(app.db.store.clone());
    assert!(first.tick(Utc::now()).await.unwrap().is_some(), "the first server runs the clock");
    let other = sunlight_store::Store::connect_url(&app.db.url(), 2).await.unwrap();
    let mut second = Clock::new(other);
    let got = second.tick(Utc::now()).await.unwrap();
    if app.db.store.backend() == sunlight_store::Backend::Sqlite {
        // One server per SQLite file (the data directory's lock): nothing to share.
        assert!(got.is_some());
        return;
    }
    assert!(got.is_none() && !second.is_leader(), "the second server waits");
    drop(first);
    let mut took_over = false;
    for _ in 0..100 {
        if second.tick(Utc::now()).await.unwrap().is_some() {
            took_over = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(took_over && second.is_leader());
}
both_backends!(one_clock_runs_at_a_time);
