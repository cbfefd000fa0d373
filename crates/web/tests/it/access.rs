//! Who may reach what: the route × role matrix from the route table, and unit scope.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use sunlight_domain::policy::{Principal, Role};
use sunlight_store::{accounts, org};
use sunlight_web::routes::{Access, TABLE};

use crate::support::{Session, TestApp, location};

const LOGINS: [(Role, &str); 5] = [
    (Role::CommissionAdmin, "admin"),
    (Role::SubCommissionStaff, "jgw1"),
    (Role::UnitAdmin, "scjg-admin"),
    (Role::Cadre, "scjg-cadre"),
    (Role::Supervisor, "supervisor"),
];

#[test]
fn the_router_serves_exactly_the_route_table() {
    let (_, registered) = sunlight_web::routes::build();
    let registered: BTreeSet<(&str, &str)> = registered.into_iter().collect();
    let table: BTreeSet<(&str, &str)> = TABLE.iter().map(|r| (r.method, r.path)).collect();
    assert_eq!(
        registered.difference(&table).collect::<Vec<_>>(),
        Vec::<&(&str, &str)>::new(),
        "routes without a table entry"
    );
    assert_eq!(
        table.difference(&registered).collect::<Vec<_>>(),
        Vec::<&(&str, &str)>::new(),
        "table entries without a route"
    );
    assert_eq!(table.len(), TABLE.len(), "duplicate table entries");
}

#[test]
fn every_api_route_is_in_the_openapi_document() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(sunlight_web::api::ApiDoc::openapi()).unwrap();
    for route in TABLE.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let method = route.method.to_ascii_lowercase();
        assert!(doc["paths"][route.path][&method].is_object(), "{} {} is not documented", route.method, route.path);
    }
}

/// Concrete paths for the patterns, on the demo's 市场监督管理局 (SCJG), which every
/// demo account can see.
async fn sample_path(app: &TestApp, pattern: &str, token_id: i64) -> String {
    if pattern.contains("{number}") {
        return pattern.replace("{number}", &crate::cases::sample_case(app).await);
    }
    let system = Principal::system("test");
    let scjg = app.unit_id("SCJG").await;
    let id = if pattern.contains("/flowcharts/{id}") {
        crate::flowcharts::sample_flowchart(app).await
    } else if pattern.contains("/screen") {
        crate::screens::sample_screen(app).await
    } else if pattern.contains("/kiosk/powers/") || pattern == "/catalogue/{id}" {
        crate::screens::sample_public_power(app).await
    } else if pattern.contains("/sub-commissions/") {
        org::list_sub_commissions(&app.db.store, &system).await.unwrap()[0].id
    } else if pattern.contains("/sections/") {
        org::list_sections(&app.db.store, &system, scjg).await.unwrap()[0].id
    } else if pattern.contains("/positions/") {
        org::list_positions(&app.db.store, &system, scjg).await.unwrap()[0].id
    } else if pattern.contains("/persons/") {
        let filter = org::PersonFilter { unit_id: Some(scjg), ..Default::default() };
        org::list_persons(&app.db.store, &system, &filter, 1, 1).await.unwrap().persons[0].id
    } else if pattern.contains("/users/") {
        accounts::list_users(&app.db.store, &system)
            .await
            .unwrap()
            .iter()
            .find(|u| u.login == "matrix-spare")
            .unwrap()
            .id
    } else if pattern.contains("/tokens/") {
        token_id
    } else if pattern.contains("/powers/{id}") {
        crate::catalogue::sample_power(app).await
    } else if pattern.contains("/standards/{id}")
        || pattern.contains("/focus-items/{id}")
        || pattern.contains("/optimizations/{id}")
    {
        crate::design::sample_record(app, pattern).await
    } else if pattern.contains("/risks/") {
        sample_risk(app, scjg).await
    } else if pattern.contains("/complaints/{id}") {
        crate::complaints::sample_complaint(app).await
    } else if pattern.contains("/supervision/alerts/") {
        crate::supervision::sample_alert(app).await
    } else if pattern.contains("/trading/alerts/") {
        crate::trading_alerts::sample_alert(app).await
    } else if pattern.contains("/trading/releases/{id}") {
        crate::trading::sample_ids(app).await.0
    } else if pattern.contains("/trading/parties/{id}") {
        crate::trading::sample_ids(app).await.1
    } else {
        scjg
    };
    pattern
        .replace("{id}", &id.to_string())
        .replace("{n}", "1")
        .replace("{tag}", "en")
        .replace("{*path}", "app.css")
        .replace("{version}", "1")
        .replace("{code}", "SCJGXK001")
        .replace("{year}", "2026")
}

/// A risk point of SCJG (the demo may hold some; otherwise one is recorded).
async fn sample_risk(app: &TestApp, scjg: i64) -> i64 {
    use sunlight_store::risk;
    let system = Principal::system("test");
    let filter = risk::RiskFilter { unit_id: Some(scjg), ..Default::default() };
    if let Some(point) = risk::list_risks(&app.db.store, &system, &filter, 1, 1).await.unwrap().points.first() {
        return point.id;
    }
    let raw = risk::RawRisk {
        scope_kind: "unit".into(),
        scope_target: Some(scjg),
        kind: "management".into(),
        description: "财务报销审核不严".into(),
        holder_tier: "unit_head".into(),
        method: "五步法".into(),
        ..Default::default()
    };
    risk::create_risk(&app.db.store, &system, scjg, &raw.parse().unwrap()).await.unwrap().id
}

fn allowed(access: Access, role: Role) -> bool {
    match access {
        Access::Public | Access::Staff => true,
        Access::Roles(roles) => roles.contains(&role),
    }
}

async fn route_role_matrix(app: TestApp) {
    let system = Principal::system("test");
    let (token, _) =
        accounts::create_token(&app.db.store, &system, app.unit_id("SCJG").await, "矩阵测试").await.unwrap();
    let spare = accounts::NewUser {
        login: "matrix-spare".into(),
        password: "Spare-Password-2026".into(),
        role: "cadre".into(),
        unit_id: Some(app.unit_id("SCJG").await),
        ..Default::default()
    };
    accounts::create_user(&app.db.store, &system, spare).await.unwrap();
    let mut sessions: Vec<(Role, Session)> = Vec::new();
    for (role, login) in LOGINS {
        sessions.push((role, app.login(login).await));
    }
    let mut failures = Vec::new();
    for route in TABLE {
        let path = sample_path(&app, route.path, token.id).await;
        let api = path.starts_with("/api/");
        let method = Method::from_bytes(route.method.as_bytes()).unwrap();
        // Anonymous.
        let response = if method == Method::GET {
            app.get(&path, None).await
        } else if api {
            app.send_json(method.clone(), &path, None, &serde_json::json!({})).await
        } else {
            app.post_form(&path, None, &[]).await
        };
        let status = response.status();
        let ok = match route.access {
            Access::Public => {
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) || route.path == "/login"
            }
            _ if api => status == StatusCode::UNAUTHORIZED,
            _ => status == StatusCode::SEE_OTHER && location(&response).starts_with("/login"),
        };
        if !ok {
            failures.push(format!("anonymous {} {path}: {status}", route.method));
        }
        // Each role.
        for (role, session) in &sessions {
            let expected_ok = allowed(route.access, *role);
            // Allowed changes are not sent: they would alter the records the rest of
            // the matrix reads (the other tests exercise them). `/logout` would end the
            // session, and `/login` has its own pre-session CSRF cookie.
            if (method != Method::GET && expected_ok) || route.path == "/logout" || route.path == "/login" {
                continue;
            }
            let response = if method == Method::GET {
                app.get(&path, Some(session)).await
            } else if api {
                app.send_json(method.clone(), &path, Some(session), &serde_json::json!({})).await
            } else {
                app.post_form(&path, Some(session), &[]).await
            };
            let status = response.status();
            let ok = if method == Method::GET {
                if expected_ok {
                    status.is_success() || (route.access == Access::Public && status.is_redirection())
                } else {
                    status == StatusCode::FORBIDDEN
                }
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                failures.push(format!("{role} {} {path}: {status}", route.method));
            }
        }
    }
    assert!(failures.is_empty(), "route × role matrix:\n{}", failures.join("\n"));
}
both_backends!(route_role_matrix);

async fn unit_admin_cannot_reach_another_unit(app: TestApp) {
    let system = Principal::system("test");
    let zrzy = app.unit_id("ZRZY").await;
    let scjg = app.unit_id("SCJG").await;
    let section = org::list_sections(&app.db.store, &system, zrzy).await.unwrap()[0].id;
    let position = org::list_positions(&app.db.store, &system, zrzy).await.unwrap()[0].id;
    let filter = org::PersonFilter { unit_id: Some(zrzy), ..Default::default() };
    let person = org::list_persons(&app.db.store, &system, &filter, 1, 1).await.unwrap().persons[0].id;
    let admin = app.login("scjg-admin").await;
    let head_before = sunlight_store::audit::head(&app.db.store).await.unwrap();

    for path in [
        format!("/staff/units/{zrzy}"),
        format!("/staff/sections/{section}/edit"),
        format!("/staff/positions/{position}/edit"),
        format!("/staff/persons/{person}/edit"),
        format!("/staff/persons?unit_id={zrzy}"),
        format!("/api/v1/units/{zrzy}"),
        format!("/api/v1/units/{zrzy}/sections"),
        format!("/api/v1/units/{zrzy}/positions"),
        format!("/api/v1/persons?unit_id={zrzy}"),
    ] {
        let status = app.get(&path, Some(&admin)).await.status();
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "GET {path}: {status}");
    }
    for (path, fields) in [
        (format!("/staff/units/{zrzy}/sections"), vec![("name", "新科室")]),
        (format!("/staff/units/{zrzy}/positions"), vec![("name", "新岗位")]),
        (format!("/staff/units/{zrzy}/persons"), vec![("name", "新人"), ("tier", "ordinary_cadre")]),
        (format!("/staff/sections/{section}"), vec![("name", "改名")]),
        (format!("/staff/positions/{position}"), vec![("name", "改名")]),
        (format!("/staff/persons/{person}"), vec![("name", "改名"), ("tier", "ordinary_cadre")]),
    ] {
        let status = app.post_form(&path, Some(&admin), &fields).await.status();
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "POST {path}: {status}");
    }
    let body = serde_json::json!({"name": "改名", "tier": "ordinary_cadre"});
    let status = app.send_json(Method::PUT, &format!("/api/v1/persons/{person}"), Some(&admin), &body).await.status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "PUT person: {status}");
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), head_before, "nothing may have been written");

    // Its own unit works, and lists show only it.
    let units: serde_json::Value = app.get("/api/v1/units", Some(&admin)).await.json().await.unwrap();
    let ids: Vec<i64> = units.as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![scjg]);
    let persons: serde_json::Value = app.get("/api/v1/persons?per_page=500", Some(&admin)).await.json().await.unwrap();
    assert!(persons["persons"].as_array().unwrap().iter().all(|p| p["unit_id"].as_i64() == Some(scjg)));
    let response =
        app.post_form(&format!("/staff/units/{scjg}/sections"), Some(&admin), &[("name", "廉政监督股")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
both_backends!(unit_admin_cannot_reach_another_unit);

async fn api_tokens_see_their_unit_and_never_administer(app: TestApp) {
    let system = Principal::system("test");
    let scjg = app.unit_id("SCJG").await;
    let (info, secret) = accounts::create_token(&app.db.store, &system, scjg, "审批系统").await.unwrap();
    let bearer = format!("Bearer {secret}");
    let units: serde_json::Value = app
        .client
        .get(app.url("/api/v1/units"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(units.as_array().unwrap().len(), 1);
    let status = app
        .client
        .post(app.url(&format!("/api/v1/units/{scjg}/sections")))
        .header("authorization", &bearer)
        .json(&serde_json::json!({"name": "机器建的科室"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    accounts::revoke_token(&app.db.store, &system, info.id).await.unwrap();
    let status =
        app.client.get(app.url("/api/v1/units")).header("authorization", &bearer).send().await.unwrap().status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
both_backends!(api_tokens_see_their_unit_and_never_administer);

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let admin = app.login("admin").await;
    let response = app
        .client
        .post(app.url("/staff/sub-commissions"))
        .header("cookie", &admin.cookie)
        .form(&[("name", "伪造的纪工委")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .client
        .post(app.url("/api/v1/sub-commissions"))
        .header("cookie", &admin.cookie)
        .json(&serde_json::json!({"name": "伪造的纪工委"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "csrf_failed");
}
both_backends!(forms_without_the_csrf_token_are_refused);
