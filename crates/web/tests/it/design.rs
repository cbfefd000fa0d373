//! Design records through the pages and the API, and the figures endpoint.

use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use sunlight_domain::catalogue::design::{FocusItemInput, RawFocusItem, RawStandard, StandardInput};
use sunlight_domain::catalogue::optimization::{OptimizationInput, RawOptimization};
use sunlight_domain::policy::Principal;
use sunlight_store::design::{self, DesignFilter};
use sunlight_store::entity::power;
use sunlight_store::{accounts, audit, org};

use crate::support::{TestApp, location};

/// A record for the route matrix's `{id}` paths (in SCJG, which every demo account sees).
pub async fn sample_record(app: &TestApp, pattern: &str) -> i64 {
    let system = Principal::system("test");
    let scjg = app.unit_id("SCJG").await;
    let in_scjg = DesignFilter { unit_id: Some(scjg), q: None };
    if pattern.contains("/standards/") {
        if let Some(s) = design::list_standards(&app.db.store, &system, true).await.unwrap().first() {
            return s.id;
        }
        let raw = RawStandard { seq: "9001".into(), title: "矩阵测试标准".into(), description: None };
        design::create_standard(&app.db.store, &system, &StandardInput::parse(&raw).unwrap()).await.unwrap().id
    } else if pattern.contains("/focus-items/") {
        if let Some(f) = design::list_focus_items(&app.db.store, &system, &in_scjg).await.unwrap().first() {
            return f.id;
        }
        let raw = RawFocusItem { title: "矩阵测试重点".into(), description: None };
        design::create_focus_item(&app.db.store, &system, scjg, &FocusItemInput::parse(&raw).unwrap()).await.unwrap().id
    } else {
        if let Some(o) = design::list_optimizations(&app.db.store, &system, &in_scjg).await.unwrap().first() {
            return o.record.id;
        }
        let raw = RawOptimization {
            title: "矩阵测试流程".into(),
            power_id: None,
            steps_before: "受理\n审核\n审批".into(),
            steps_after: "受理\n审批".into(),
        };
        let input = OptimizationInput::parse(&raw).unwrap();
        design::create_optimization(&app.db.store, &system, scjg, &input).await.unwrap().record.id
    }
}

async fn insert_power(app: &TestApp, unit_id: i64, code: &str) -> i64 {
    let now = chrono::Utc::now();
    power::ActiveModel {
        unit_id: Set(unit_id),
        code: Set(code.into()),
        name: Set("食品经营许可".into()),
        power_type: Set("permit".into()),
        legal_basis: Set("《中华人民共和国食品安全法》第三十五条".into()),
        fee_charged: Set(false),
        unit_head: Set(false),
        public: Set(true),
        state: Set("published".into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db.store.connection())
    .await
    .unwrap()
    .id
}

async fn head(app: &TestApp) -> (i64, String) {
    audit::head(&app.db.store).await.unwrap()
}

async fn standards_and_compliance_through_the_pages(app: TestApp) {
    let admin = app.login("admin").await;
    let unit_admin = app.login("scjg-admin").await;
    let scjg = app.unit_id("SCJG").await;
    let zrzy = app.unit_id("ZRZY").await;

    // Bad input: every field named in Chinese, nothing written.
    let before = head(&app).await;
    let response = app.post_form("/staff/standards", Some(&admin), &[("seq", "abc"), ("title", " ")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("须为 1 到 9999 之间的整数"), "{page}");
    assert!(page.contains("必填"), "{page}");
    assert_eq!(head(&app).await, before);
    // Only the commission keeps the checklist.
    let response = app.post_form("/staff/standards", Some(&unit_admin), &[("seq", "1"), ("title", "自定标准")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response =
        app.post_form("/staff/standards", Some(&admin), &[("seq", "1"), ("title", "建立职权目录并公开")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = app.get("/staff/standards", Some(&unit_admin)).await.text().await.unwrap();
    assert!(list.contains("建立职权目录并公开"));
    let again = app.post_form("/staff/standards", Some(&admin), &[("seq", "1"), ("title", "重复")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let standard = design::list_standards(&app.db.store, &Principal::system("t"), false).await.unwrap()[0].id;
    let response = app
        .post_form(
            &format!("/staff/standards/{standard}"),
            Some(&admin),
            &[("seq", "1"), ("title", "编制职权目录"), ("active", "true")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (sid, uid) = (standard.to_string(), scjg.to_string());

    // Compliance: a met standard needs evidence.
    let before = head(&app).await;
    let fields = [("unit_id", uid.as_str()), ("standard_id", sid.as_str()), ("compliant", "true"), ("evidence", "")];
    let response = app.post_form("/staff/compliance", Some(&unit_admin), &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("达标时须填写佐证材料"));
    assert_eq!(head(&app).await, before);
    let fields = [
        ("unit_id", uid.as_str()),
        ("standard_id", sid.as_str()),
        ("compliant", "true"),
        ("evidence", "县市场监管局职权目录（2026 版）"),
    ];
    let response = app.post_form("/staff/compliance", Some(&unit_admin), &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app.get(&format!("/staff/compliance?unit_id={scjg}"), Some(&unit_admin)).await.text().await.unwrap();
    assert!(page.contains("县市场监管局职权目录（2026 版）") && page.contains("1 / 1"), "{page}");
    // Not for another unit.
    let other = zrzy.to_string();
    let fields = [("unit_id", other.as_str()), ("standard_id", sid.as_str()), ("evidence", "x")];
    let response = app.post_form("/staff/compliance", Some(&unit_admin), &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let supervisor = app.login("supervisor").await;
    let response = app.post_form("/staff/compliance", Some(&supervisor), &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
both_backends!(standards_and_compliance_through_the_pages);

async fn focus_items_and_optimizations_through_the_pages(app: TestApp) {
    let unit_admin = app.login("scjg-admin").await;
    let scjg = app.unit_id("SCJG").await;
    let zrzy = app.unit_id("ZRZY").await;
    let uid = scjg.to_string();

    let before = head(&app).await;
    let response = app.post_form("/staff/focus-items", Some(&unit_admin), &[("unit_id", &uid), ("title", "")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(head(&app).await, before);
    let other = zrzy.to_string();
    let response =
        app.post_form("/staff/focus-items", Some(&unit_admin), &[("unit_id", &other), ("title", "越权")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .post_form("/staff/focus-items", Some(&unit_admin), &[("unit_id", &uid), ("title", "食品抽检结果处置")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let items =
        design::list_focus_items(&app.db.store, &Principal::system("t"), &DesignFilter::default()).await.unwrap();
    let id = items.iter().find(|f| f.title == "食品抽检结果处置").unwrap().id;
    let response =
        app.post_form(&format!("/staff/focus-items/{id}"), Some(&unit_admin), &[("title", "食品抽检不合格处置")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = app.get("/staff/focus-items?q=不合格", Some(&unit_admin)).await.text().await.unwrap();
    assert!(list.contains("食品抽检不合格处置"));
    let response = app.post_form(&format!("/staff/focus-items/{id}/delete"), Some(&unit_admin), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(!app.get("/staff/focus-items", Some(&unit_admin)).await.text().await.unwrap().contains("不合格处置"));

    // A process optimization: steps one per line; the removed ones are shown.
    insert_power(&app, scjg, "SCJGXK001").await;
    insert_power(&app, zrzy, "ZRZYXK001").await;
    let before = head(&app).await;
    let bad = [("unit_id", uid.as_str()), ("title", "食品经营许可"), ("power_code", "ZRZYXK001"), ("steps_before", "")];
    let response = app.post_form("/staff/optimizations", Some(&unit_admin), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("不存在") && page.contains("必填"), "{page}");
    assert_eq!(head(&app).await, before);
    let good = [
        ("unit_id", uid.as_str()),
        ("title", "食品经营许可"),
        ("power_code", "scjgxk001"),
        ("steps_before", "申请\n受理\n初审\n现场核查\n复审\n审批\n发证"),
        ("steps_after", "申请受理\n现场核查\n审批\n发证"),
    ];
    let response = app.post_form("/staff/optimizations", Some(&unit_admin), &good).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let detail = location(&response);
    let page = app.get(&detail, Some(&app.login("supervisor").await)).await.text().await.unwrap();
    for text in ["SCJGXK001", "初审（已减少）", "复审（已减少）", "申请受理"] {
        assert!(page.contains(text), "{text} in {page}");
    }
    let list = app.get("/staff/optimizations", Some(&unit_admin)).await.text().await.unwrap();
    assert!(list.contains("食品经营许可"));
}
both_backends!(focus_items_and_optimizations_through_the_pages);

async fn decomposition_and_its_check(app: TestApp) {
    let unit_admin = app.login("scjg-admin").await;
    let system = Principal::system("t");
    let scjg = app.unit_id("SCJG").await;
    let zrzy = app.unit_id("ZRZY").await;
    let power = insert_power(&app, scjg, "SCJGXK001").await.to_string();
    let sections = org::list_sections(&app.db.store, &system, scjg).await.unwrap();
    let foreign = org::list_sections(&app.db.store, &system, zrzy).await.unwrap()[0].id.to_string();
    let (a, b, c) = (sections[0].id.to_string(), sections[1].id.to_string(), sections[2].id.to_string());
    let path = format!("/staff/decomposition?unit_id={scjg}");

    let before = head(&app).await;
    let bad = [("power_id", power.as_str()), ("decide", foreign.as_str()), ("execute", b.as_str())];
    let response = app.post_form(&path, Some(&unit_admin), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("不属于该单位"));
    assert_eq!(head(&app).await, before);

    let mixed = [("power_id", power.as_str()), ("decide", &a), ("execute", &b), ("supervise", &b), ("supervise", &c)];
    assert_eq!(app.post_form(&path, Some(&unit_admin), &mixed).await.status(), StatusCode::SEE_OTHER);
    let page = app.get(&path, Some(&unit_admin)).await.text().await.unwrap();
    assert!(page.contains("未分离") && page.contains(&sections[1].name), "{page}");
    let json: serde_json::Value =
        app.get(&format!("/api/v1/decomposition?unit_id={scjg}"), Some(&unit_admin)).await.json().await.unwrap();
    assert_eq!(json["conflicts"][0]["roles"], serde_json::json!(["execute", "supervise"]));

    let fixed = [("power_id", power.as_str()), ("decide", &a), ("execute", &b), ("supervise", &c)];
    assert_eq!(app.post_form(&path, Some(&unit_admin), &fixed).await.status(), StatusCode::SEE_OTHER);
    let json: serde_json::Value = app.get("/api/v1/decomposition", Some(&unit_admin)).await.json().await.unwrap();
    assert_eq!(json["conflicts"], serde_json::json!([]));
    assert_eq!(json["powers"].as_array().unwrap().len(), 1);
    // Another unit's admin cannot set it.
    let other = app.login("supervisor").await;
    assert_eq!(app.post_form(&path, Some(&other), &fixed).await.status(), StatusCode::FORBIDDEN);
}
both_backends!(decomposition_and_its_check);

async fn design_records_over_json(app: TestApp) {
    let admin = app.login("admin").await;
    let unit_admin = app.login("scjg-admin").await;
    let scjg = app.unit_id("SCJG").await;
    let zrzy = app.unit_id("ZRZY").await;

    let response = app
        .send_json(Method::POST, "/api/v1/standards", Some(&admin), &serde_json::json!({"seq": 0, "title": ""}))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["seq"]["code"], "bad_sequence");
    let body = serde_json::json!({"seq": 3, "title": "绘制权力运行流程图"});
    let response = app.send_json(Method::POST, "/api/v1/standards", Some(&admin), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let standard: serde_json::Value = response.json().await.unwrap();

    let body = serde_json::json!({"unit_id": scjg, "standard_id": standard["id"], "compliant": false});
    let response = app.send_json(Method::POST, "/api/v1/compliance", Some(&unit_admin), &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: serde_json::Value = app.get("/api/v1/compliance", Some(&unit_admin)).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let body = serde_json::json!({"unit_id": zrzy, "title": "越权"});
    let response = app.send_json(Method::POST, "/api/v1/focus-items", Some(&unit_admin), &body).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = serde_json::json!({"unit_id": scjg, "title": "特种设备检验"});
    let response = app.send_json(Method::POST, "/api/v1/focus-items", Some(&unit_admin), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let body = serde_json::json!({
        "unit_id": scjg, "title": "个体工商户登记",
        "steps_before": ["申请", "受理", "审核", "核准", "发照"], "steps_after": ["申请", "核准", "发照"]
    });
    let response = app.send_json(Method::POST, "/api/v1/optimizations", Some(&unit_admin), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: serde_json::Value = response.json().await.unwrap();
    assert_eq!(created["steps_removed"], serde_json::json!(["受理", "审核"]));
    let list: serde_json::Value = app.get("/api/v1/optimizations", Some(&admin)).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
both_backends!(design_records_over_json);

async fn figures_for_the_commission_and_tokens(app: TestApp) {
    let admin = app.login("admin").await;
    let scjg = app.unit_id("SCJG").await;
    let response = app.get("/api/v1/figures", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.starts_with("{\"standards\":"), "in the report's order: {text}");
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in sunlight_store::figures::keys() {
        assert!(all[key].is_i64(), "{key} in {all}");
    }

    let unit: serde_json::Value = app.get("/api/v1/figures?unit=scjg", Some(&admin)).await.json().await.unwrap();
    assert!(unit["pilot_units"].as_i64().unwrap() <= 1);
    let response = app.get("/api/v1/figures?unit=NOSUCH", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_found");

    let unit_admin = app.login("scjg-admin").await;
    assert_eq!(app.get("/api/v1/figures", Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN);

    let (_, secret) = accounts::create_token(&app.db.store, &Principal::system("t"), scjg, "统计大屏").await.unwrap();
    let response = app.client.get(app.url("/api/v1/figures")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token_figures: serde_json::Value = response.json().await.unwrap();
    assert_eq!(token_figures, unit, "a token counts its own unit");

    // The dashboard shows them to the commission, in words.
    let page = app.get("/staff", Some(&admin)).await.text().await.unwrap();
    assert!(page.contains("一把手风险点") && page.contains("减少环节"), "{page}");
    let page = app.get("/staff", Some(&unit_admin)).await.text().await.unwrap();
    assert!(!page.contains("一把手风险点"));
}
both_backends!(figures_for_the_commission_and_tokens);

async fn pages_show_the_demo_countys_records(app: TestApp) {
    sunlight_store::demo::build(&app.db.store).await.unwrap();
    let admin = app.login("admin").await;
    let unit_admin = app.login("scjg-admin").await;
    for (path, session) in [
        ("/staff/standards", &admin),
        ("/staff/compliance", &admin),
        ("/staff/focus-items", &admin),
        ("/staff/optimizations", &admin),
        ("/staff/decomposition", &admin),
        ("/staff/compliance", &unit_admin),
        ("/staff/focus-items", &unit_admin),
        ("/staff/optimizations", &unit_admin),
        ("/staff/decomposition", &unit_admin),
        ("/staff", &admin),
    ] {
        let response = app.get(path, Some(session)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page = response.text().await.unwrap();
        for key in ["design-", "figure-", "page-", "nav-"] {
            assert!(!page.contains(&format!(">{key}")), "an untranslated {key}… key on {path}");
        }
    }
    for path in ["/staff/standards/new", "/staff/optimizations/new"] {
        let page = app.get(path, Some(&admin)).await.text().await.unwrap();
        assert!(!page.contains(">design-"), "an untranslated key on {path}");
    }
    let standards = app.get("/staff/standards", Some(&admin)).await.text().await.unwrap();
    assert!(standards.contains("43"), "the count of the checklist");
    let decomposed: serde_json::Value = app.get("/api/v1/decomposition", Some(&admin)).await.json().await.unwrap();
    assert_eq!(decomposed["powers"].as_array().unwrap().len(), 19);
    let figures: serde_json::Value = app.get("/api/v1/figures", Some(&admin)).await.json().await.unwrap();
    assert_eq!((figures["powers"].as_i64(), figures["risk_points"].as_i64()), (Some(492), Some(1557)));
    let dashboard = app.get("/staff", Some(&admin)).await.text().await.unwrap();
    assert!(dashboard.contains("1,557"), "figures with thousands separators");
}
both_backends!(pages_show_the_demo_countys_records);
