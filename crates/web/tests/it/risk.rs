//! The risk register through its pages and API: a point is recorded, found by the
//! five steps, levelled and approved by the roles that may; bad input is refused in
//! words and writes nothing; the heat map and the model pages render.

use reqwest::{Method, StatusCode};
use sunlight_domain::risk::RiskModel;

use crate::support::{Session, TestApp, location};

async fn record_point(app: &TestApp, session: &Session, scjg: i64) -> i64 {
    let scope = format!("unit:{scjg}");
    let unit = scjg.to_string();
    let response = app
        .post_form(
            "/staff/risks",
            Some(session),
            &[
                ("unit_id", unit.as_str()),
                ("scope", scope.as_str()),
                ("kind", "management"),
                ("description", "“三重一大”事项未经集体研究，由个人决定"),
                ("holder_tier", "unit_head"),
                ("method", "五步法"),
                ("importance", "5"),
                ("frequency", "4"),
                ("probability", "4"),
                ("harm", "5"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    to.strip_prefix("/staff/risks/").unwrap().parse().unwrap()
}

async fn five_steps_levels_and_approval_by_the_right_roles(app: TestApp) {
    let scjg = app.unit_id("SCJG").await;
    let admin = app.login("scjg-admin").await;
    let watcher = app.login("jgw1").await;
    let cadre = app.login("scjg-cadre").await;
    let form = app.get("/staff/risks/new", Some(&admin)).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("name=\"scope\""));
    let id = record_point(&app, &admin, scjg).await;
    let steps = format!("/staff/risks/{id}/steps");
    let levels = format!("/staff/risks/{id}/levels");

    for step in ["self_found", "leader_proposed", "public_helped", "collectively_evaluated"] {
        let response = app.post_form(&steps, Some(&admin), &[("step", step), ("comment", "已查找")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{step}");
    }
    let review = [("step", "organization_reviewed"), ("comment", "")];
    assert_eq!(app.post_form(&steps, Some(&cadre), &review).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form(&steps, Some(&admin), &review).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form(&steps, Some(&watcher), &review).await.status(), StatusCode::SEE_OTHER);

    for (stage, rank) in [("proposed", "2"), ("leader_evaluated", "1")] {
        let response = app.post_form(&levels, Some(&admin), &[("stage", stage), ("rank", rank)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{stage}");
    }
    let approve = [("stage", "approved"), ("rank", "1"), ("decision_comment", "同意定为一级")];
    assert_eq!(app.post_form(&levels, Some(&admin), &approve).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form(&levels, Some(&watcher), &approve).await.status(), StatusCode::SEE_OTHER);

    let page = app.get(&format!("/staff/risks/{id}"), Some(&cadre)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for words in ["自己找", "组织审", "一级（红）", "同意定为一级", "fill=\"#d7191c\""] {
        assert!(html.contains(words), "{words} missing");
    }
    let detail: serde_json::Value = app.get(&format!("/api/v1/risks/{id}"), Some(&cadre)).await.json().await.unwrap();
    assert_eq!(detail["point"]["level_rank"], 1);
    assert_eq!(detail["point"]["level_name"], "一级（红）");
    assert_eq!(detail["point"]["finding_step"], "organization_reviewed");
    assert_eq!(detail["steps"].as_array().unwrap().len(), 5);
    assert_eq!(detail["levels"].as_array().unwrap().len(), 3);
    assert_eq!(detail["next_stage"], "proposed");
    assert!(detail["score"].as_u64().unwrap() >= 700, "{detail}");

    let list = app.get("/staff/risks?level_rank=1", Some(&admin)).await.text().await.unwrap();
    assert!(list.contains(&format!("/staff/risks/{id}")));
    let list: serde_json::Value =
        app.get("/api/v1/risks?finding_step=organization_reviewed", Some(&admin)).await.json().await.unwrap();
    assert!(list["points"].as_array().unwrap().iter().any(|p| p["id"] == id));

    // The API records measures; the measure list shows them.
    let body = serde_json::json!({
        "phase": "before", "mechanism": "oversight", "description": "重大事项一律集体研究并记录",
        "owner": "办公室主任", "due": "2020-01-31"
    });
    let response = app.send_json(Method::POST, &format!("/api/v1/risks/{id}/measures"), Some(&admin), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let measure: serde_json::Value = response.json().await.unwrap();
    let overdue = app.get("/staff/measures?view=overdue", Some(&admin)).await.text().await.unwrap();
    assert!(overdue.contains("重大事项一律集体研究并记录"));
    let status = format!("/staff/measures/{}/status", measure["id"]);
    let start = format!("{status}?status=in_progress");
    assert_eq!(app.post_form(&start, Some(&cadre), &[]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post_form(&start, Some(&admin), &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.post_form(&status, Some(&admin), &[("status", "done")]).await.status(), StatusCode::SEE_OTHER);
    let overdue = app.get("/staff/measures?view=overdue", Some(&admin)).await.text().await.unwrap();
    assert!(!overdue.contains("重大事项一律集体研究并记录"), "a done measure is not overdue");
    let search = app.get(&format!("/staff/risk-search?unit={scjg}"), Some(&admin)).await;
    assert_eq!(search.status(), StatusCode::OK);
}
both_backends!(five_steps_levels_and_approval_by_the_right_roles);

async fn bad_input_is_refused_in_words_and_writes_nothing(app: TestApp) {
    let scjg = app.unit_id("SCJG").await;
    let admin = app.login("scjg-admin").await;
    let id = record_point(&app, &admin, scjg).await;
    let before = sunlight_store::audit::head(&app.db.store).await.unwrap();

    let scope = format!("unit:{scjg}");
    let unit = scjg.to_string();
    let response = app
        .post_form(
            "/staff/risks",
            Some(&admin),
            &[
                ("unit_id", unit.as_str()),
                ("scope", scope.as_str()),
                ("kind", "management"),
                ("holder_tier", "unit_head"),
                ("method", "五步法"),
                ("flow_step", "受理"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("风险描述") && html.contains("必填"), "{html}");
    assert!(html.contains("所在环节") && html.contains("只有针对某项职权的风险点才能指定流程环节"), "{html}");

    let response = app.post_form(&format!("/staff/risks/{id}/steps"), Some(&admin), &[("step", "public_helped")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("这不是五步法的下一步"));

    let response = app
        .client
        .post(app.url("/api/v1/risks"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .header("accept-language", "en")
        .json(&serde_json::json!({"unit_id": scjg, "scope_kind": "unit", "scope_target": scjg, "kind": "power", "holder_tier": "unit_head", "method": "x", "harm": 9, "flow_step": "受理"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["description"]["code"], "required");
    assert_eq!(body["fields"]["harm"]["code"], "grade_out_of_range");
    assert_eq!(body["fields"]["flow_step"]["code"], "only_for_power_scope");
    assert_eq!(body["fields"]["harm"]["message"], "Must be a grade from 1 to 5.");

    let body = serde_json::json!({"step": "collectively_evaluated"});
    let response = app.send_json(Method::POST, &format!("/api/v1/risks/{id}/steps"), Some(&admin), &body).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["step"]["code"], "step_out_of_order");
    assert_eq!(body["fields"]["step"]["message"], "这不是五步法的下一步。");

    let response = app
        .post_form(
            &format!("/staff/risks/{id}/measures"),
            Some(&admin),
            &[
                ("phase", "before"),
                ("mechanism", "oversight"),
                ("description", "x"),
                ("owner", "y"),
                ("due", "31/01/2026"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("YYYY-MM-DD"));

    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), before, "nothing may have been written");
}
both_backends!(bad_input_is_refused_in_words_and_writes_nothing);

async fn heat_map_and_model_pages_speak_in_level_words(app: TestApp) {
    let scjg = app.unit_id("SCJG").await;
    let admin = app.login("admin").await;
    let id = record_point(&app, &admin, scjg).await;
    for (stage, rank) in [("proposed", "1"), ("leader_evaluated", "1"), ("approved", "1")] {
        let response = app
            .post_form(&format!("/staff/risks/{id}/levels"), Some(&admin), &[("stage", stage), ("rank", rank)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let response = app.get("/staff/risk-heatmap", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("<rect"), "inline SVG");
    assert!(html.contains("1 · 一级"), "a cell names its level in words");
    assert!(html.contains("一级（红）"));
    assert!(!html.contains("<script>"));

    let cadre = app.login("scjg-cadre").await;
    let model = app.get("/staff/risk-model", Some(&cadre)).await.text().await.unwrap();
    assert!(model.contains("一级（红）") && !model.contains("name=\"config\""), "cadres see the model, not the form");
    let model = app.get("/staff/risk-model", Some(&admin)).await.text().await.unwrap();
    assert!(model.contains("name=\"config\""));

    let mut config = RiskModel::default().config().clone();
    config.version = 2;
    config.levels[0].min_score = 95;
    config.levels[1].min_score = 90;
    let json = serde_json::to_string(&config).unwrap();
    let preview = app.post_form("/staff/risk-model/preview", Some(&admin), &[("config", json.as_str())]).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let html = preview.text().await.unwrap();
    assert!(html.contains(&format!("/staff/risks/{id}")), "the point would move");
    assert!(html.contains("action=\"/staff/risk-model\""));
    let mut broken = config.clone();
    broken.levels[0].colour = "red".into();
    let broken = serde_json::to_string(&broken).unwrap();
    let response = app.post_form("/staff/risk-model", Some(&admin), &[("config", broken.as_str())]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("levels[0]"));
    let response = app.post_form("/staff/risk-model", Some(&admin), &[("config", json.as_str())]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let api: serde_json::Value = app.get("/api/v1/risk-model", Some(&cadre)).await.json().await.unwrap();
    assert_eq!(api["version"], 2);
    let detail: serde_json::Value = app.get(&format!("/api/v1/risks/{id}"), Some(&admin)).await.json().await.unwrap();
    assert_eq!(detail["point"]["level_rank"], 1, "publishing never changes an approved level");

    let english = app
        .client
        .get(app.url("/staff/risk-heatmap"))
        .header("cookie", &admin.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("Level 1 (red)"));
}
both_backends!(heat_map_and_model_pages_speak_in_level_words);

async fn another_units_risks_stay_out_of_reach(app: TestApp) {
    use sunlight_domain::policy::Principal;
    use sunlight_store::risk::{self, RawRisk};
    let zrzy = app.unit_id("ZRZY").await;
    let raw = RawRisk {
        scope_kind: "unit".into(),
        scope_target: Some(zrzy),
        kind: "power".into(),
        description: "土地出让中违规降低条件".into(),
        holder_tier: "unit_head".into(),
        method: "五步法".into(),
        ..Default::default()
    };
    let system = Principal::system("test");
    let foreign = risk::create_risk(&app.db.store, &system, zrzy, &raw.parse().unwrap()).await.unwrap().id;
    let admin = app.login("scjg-admin").await;
    let before = sunlight_store::audit::head(&app.db.store).await.unwrap();
    for path in [
        format!("/staff/risks/{foreign}"),
        format!("/staff/risks/{foreign}/edit"),
        format!("/staff/risks/new?unit_id={zrzy}"),
        format!("/staff/risk-search?unit={zrzy}"),
        format!("/staff/risks?unit_id={zrzy}"),
        format!("/api/v1/risks/{foreign}"),
        format!("/api/v1/risks/{foreign}/measures"),
    ] {
        let status = app.get(&path, Some(&admin)).await.status();
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "GET {path}: {status}");
    }
    for (path, fields) in [
        (format!("/staff/risks/{foreign}/steps"), vec![("step", "self_found")]),
        (format!("/staff/risks/{foreign}/levels"), vec![("stage", "proposed"), ("rank", "1")]),
        (format!("/staff/risks/{foreign}"), vec![("description", "改")]),
    ] {
        let status = app.post_form(&path, Some(&admin), &fields).await.status();
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "POST {path}: {status}");
    }
    let body = serde_json::json!({"step": "self_found"});
    let status =
        app.send_json(Method::POST, &format!("/api/v1/risks/{foreign}/steps"), Some(&admin), &body).await.status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), before, "nothing may have been written");
    let list: serde_json::Value = app.get("/api/v1/risks", Some(&admin)).await.json().await.unwrap();
    assert!(list["points"].as_array().unwrap().iter().all(|p| p["id"] != foreign));
}
both_backends!(another_units_risks_stay_out_of_reach);

/// Codes, enumerations and audited actions of the risk register all have words.
#[test]
fn every_risk_word_exists_in_both_languages() {
    use std::collections::BTreeSet;
    use sunlight_domain::risk::{
        ERROR_CODES, Factor, FindingStep, LevelStage, MODEL_ERROR_CODES, MeasureStatus, Mechanism, Phase, RiskKind,
        ScopeKind,
    };
    use sunlight_web::i18n::{Lang, keys};

    let dashed = |s: &str| s.replace(['_', '.'], "-");
    let mut wanted: Vec<String> = ERROR_CODES
        .iter()
        .chain(MODEL_ERROR_CODES)
        .chain(&["model_json", "version_not_newer", "date_format"])
        .map(|c| format!("field-{}", dashed(c)))
        .collect();
    let families: [(&str, Vec<&str>); 8] = [
        ("risk-kind", RiskKind::ALL.iter().map(|v| v.key()).collect()),
        ("scope-kind", ScopeKind::ALL.iter().map(|v| v.key()).collect()),
        ("finding-step", FindingStep::ALL.iter().map(|v| v.key()).collect()),
        ("level-stage", LevelStage::ALL.iter().map(|v| v.key()).collect()),
        ("phase", Phase::ALL.iter().map(|v| v.key()).collect()),
        ("mechanism", Mechanism::ALL.iter().map(|v| v.key()).collect()),
        ("measure-status", MeasureStatus::ALL.iter().map(|v| v.key()).collect()),
        ("factor", Factor::ALL.iter().map(|v| v.key()).collect()),
    ];
    for (family, values) in &families {
        wanted.extend(values.iter().map(|v| format!("{family}-{}", dashed(v))));
    }
    let store = [
        include_str!("../../../store/src/risk/mod.rs"),
        include_str!("../../../store/src/risk/model.rs"),
        include_str!("../../../store/src/risk/workflow.rs"),
        include_str!("../../../store/src/risk/measures.rs"),
        include_str!("../../../store/src/risk/figures.rs"),
    ]
    .concat();
    let actions: Vec<&str> = store
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|l| l.starts_with("risk_") && l.matches('.').count() == 1 && !l.contains(' '))
        .collect();
    assert!(actions.len() >= 10, "{actions:?}");
    wanted.extend(actions.iter().map(|a| format!("audit-{}", dashed(a))));
    for lang in [Lang::Zh, Lang::En] {
        let have: BTreeSet<String> = keys(lang).into_iter().collect();
        let missing: Vec<&String> = wanted.iter().filter(|k| !have.contains(*k)).collect();
        assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
    }
}
