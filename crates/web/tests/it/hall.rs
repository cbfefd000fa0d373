//! The online hall's pages (网上办理): create a case, act on it, read its page;
//! another unit's case stays closed; a bad action is answered in words; the
//! applicant's public look-up shows nothing personal and one answer for every miss.

use reqwest::StatusCode;
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::policy::Principal;
use sunlight_store::cases::setup::ready_power;
use sunlight_store::cases::{self, NewCase};

use crate::support::{TestApp, location};

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).map_or(html.len(), |i| i + start.len());
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[allow(clippy::too_many_lines)] // one story: create, act, read, refuse, look up
async fn hall_pages(app: TestApp) {
    let system = Principal::system("test");
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    let power = ready_power(&app.db.store, &system, "SCJG", "食品经营许可（大厅测试）", &chart).await.unwrap();
    let other = ready_power(&app.db.store, &system, "ZRZY", "采矿许可（大厅测试）", &chart).await.unwrap();
    let theirs = cases::create_case(
        &app.db.store,
        &system,
        &NewCase {
            power_code: other.code.clone(),
            applicant: Some("赵六".into()),
            subject: None,
            deadline: None,
            at: None,
        },
    )
    .await
    .unwrap();

    let cadre = app.login("scjg-cadre").await;
    let page = app.get("/staff/cases/new", Some(&cadre)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&power.code) && !html.contains(&other.code), "only the caller's powers are offered");

    // Create: the number and the code, once.
    let response = app
        .post_form(
            "/staff/cases",
            Some(&cadre),
            &[("power", &power.code), ("applicant", "张三"), ("subject", "新办食品经营许可")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let number = format!("SCJG-{}", between(&html, "/staff/cases/SCJG-", "\""));
    assert!(number.starts_with("SCJG-"), "{number}");
    let code = between(&html, "<code class=\"secret\">", "<").to_owned();
    assert_eq!(code.len(), 6, "{html}");

    // Act: a good step, then a bad one answered in words with what was typed kept.
    let path = format!("/staff/cases/{number}/actions");
    let response = app
        .post_form(
            &path,
            Some(&cadre),
            &[
                ("action", "complete"),
                ("step", "Register application"),
                ("documents", "Application form\nIdentity card"),
                ("comment", "材料齐全"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/staff/cases/{number}"));
    let response = app.post_form(&path, Some(&cadre), &[("action", "complete"), ("step", "Lunch")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("流程图中没有该环节"), "the error in words");
    assert!(html.contains("value=\"Lunch\""), "what was typed is kept");

    // The page: the facts, the events in words.
    let html = app.get(&format!("/staff/cases/{number}"), Some(&cadre)).await.text().await.unwrap();
    for text in ["张三", "新办食品经营许可", "Register application", "完成环节", "材料齐全", "Identity card", "在办"]
    {
        assert!(html.contains(text), "{text} on the case page");
    }
    // The list, its filters, a bad filter in words.
    let html = app.get("/staff/cases?status=open", Some(&cadre)).await.text().await.unwrap();
    assert!(html.contains(&number) && !html.contains(&theirs.case.case_number));
    let bad = app.get("/staff/cases?month=2026-13", Some(&cadre)).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed = app.get("/staff/cases", Some(&cadre)).await;
    assert_eq!(listed.headers()["vary"], "HX-Request", "htmx selects the table of the same page");
    assert!(listed.text().await.unwrap().contains("id=\"list\""));

    // Another unit's case: not readable, not movable.
    let status = app.get(&format!("/staff/cases/{}", theirs.case.case_number), Some(&cadre)).await.status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    let status = app
        .post_form(
            &format!("/staff/cases/{}/actions", theirs.case.case_number),
            Some(&cadre),
            &[("action", "complete"), ("step", "Register application")],
        )
        .await
        .status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    // The supervisor reads but is offered no action.
    let supervisor = app.login("supervisor").await;
    let html = app.get(&format!("/staff/cases/{number}"), Some(&supervisor)).await.text().await.unwrap();
    assert!(html.contains("Register application") && !html.contains("/actions\""));

    // The applicant's look-up: the power, the steps, no name; a miss says the same either way.
    let html = app.get("/", None).await.text().await.unwrap();
    assert!(html.contains("/cases/status"), "the portal links to the look-up");
    let response = app.get(&format!("/cases/status?number={number}&code={code}"), None).await;
    assert_eq!(response.status(), StatusCode::OK, "code {code}");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("食品经营许可（大厅测试）") && html.contains("Register application") && html.contains("在办")
    );
    assert!(!html.contains("张三") && !html.contains("材料齐全") && !html.contains("李晓东"), "nothing personal");
    let wrong_code = app.get(&format!("/cases/status?number={number}&code=000000"), None).await;
    assert_eq!(wrong_code.status(), StatusCode::NOT_FOUND);
    let wrong_code = wrong_code.text().await.unwrap();
    let wrong_number = app.get(&format!("/cases/status?number=SCJG-0&code={code}"), None).await.text().await.unwrap();
    assert_eq!(between(&wrong_code, "role=\"alert\">", "<"), between(&wrong_number, "role=\"alert\">", "<"));
    // The sixth look-up in the window from one address waits.
    app.get(&format!("/cases/status?number={number}&code={code}"), None).await;
    app.get(&format!("/cases/status?number={number}&code={code}"), None).await;
    let limited = app.get(&format!("/cases/status?number={number}&code={code}"), None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
}
both_backends!(hall_pages);
