//! A case's timeline drawn over its flowchart (办理轨迹): the step the case went
//! past is marked skipped, the step where the rules found the deviation carries
//! its event numbers and a "!" with the rule's words, in both languages; the
//! supervision pages link the case; another unit's case stays closed.

use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::policy::Principal;
use sunlight_store::cases::setup::ready_power;
use sunlight_store::cases::{self, NewCase};

use crate::support::TestApp;

fn new_case(power_code: &str) -> NewCase {
    NewCase {
        power_code: power_code.to_owned(),
        applicant: Some("王五".into()),
        subject: None,
        deadline: None,
        at: None,
    }
}

/// The drawn group of the step named `name`.
fn step_group<'a>(svg: &'a str, name: &str) -> &'a str {
    svg.split("<g class=\"node ")
        .find(|g| g.contains(&format!(">{name}</text>")))
        .unwrap_or_else(|| panic!("no step {name} in {svg}"))
}

fn trace_section(html: &str) -> &str {
    let from = html.find("class=\"block flowchart case-trace\"").expect("the timeline block");
    let rest = &html[from..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

async fn case_timeline(app: TestApp) {
    let system = Principal::system("test");
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    let power = ready_power(&app.db.store, &system, "SCJG", "食品经营许可（轨迹测试）", &chart).await.unwrap();
    let other = ready_power(&app.db.store, &system, "ZRZY", "采矿许可（轨迹测试）", &chart).await.unwrap();
    let mine = cases::create_case(&app.db.store, &system, &new_case(&power.code)).await.unwrap();
    let theirs = cases::create_case(&app.db.store, &system, &new_case(&other.code)).await.unwrap();
    let number = mine.case.case_number.clone();

    // Registered, checked, accepted, then decided with neither inspection nor review.
    let cadre = app.login("scjg-cadre").await;
    let path = format!("/staff/cases/{number}/actions");
    let steps = [
        ("complete", "Register application", "Application form\nIdentity card"),
        ("complete", "Check completeness", ""),
        ("accept", "Accept application", ""),
        ("approve", "Decide", ""),
    ];
    for (action, step, documents) in steps {
        let response =
            app.post_form(&path, Some(&cadre), &[("action", action), ("step", step), ("documents", documents)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{action} {step}");
    }

    let html = app.get(&format!("/staff/cases/{number}"), Some(&cadre)).await.text().await.unwrap();
    assert!(html.contains("<h2>办理轨迹</h2>"), "the block's heading");
    let trace_at = html.find("id=\"case-trace\"").unwrap();
    assert!(trace_at < html.find("<h2>办理过程</h2>").unwrap(), "the timeline comes before the events");
    let section = trace_section(&html);
    let svg = &section[section.find("<svg").unwrap()..section.find("</svg>").unwrap()];
    // The filing is event 1; the decision, event 5, was out of order.
    let decide = step_group(svg, "Decide");
    assert!(decide.starts_with("task trace-done"), "{decide}");
    assert!(decide.contains("✓ 已办理"), "the state in words: {decide}");
    assert!(decide.contains("class=\"event-badge\"") && decide.contains(">5</text>"), "{decide}");
    assert!(decide.contains("<g class=\"deviation\">"), "{decide}");
    assert!(
        decide.contains("<title>环节顺序不符（第5条）：在必经环节之前办理：Site inspection、Technical review"),
        "the rule and its evidence, in Chinese, in the badge's tooltip: {decide}"
    );
    for skipped in ["Site inspection", "Technical review"] {
        let group = step_group(svg, skipped);
        assert!(group.starts_with("task trace-skipped") && group.contains("⊘ 被跳过"), "{group}");
        assert!(!group.contains("class=\"deviation\""), "the finding is at the decision, not here");
    }
    let register = step_group(svg, "Register application");
    assert!(register.starts_with("task trace-done") && register.contains(">2</text>"), "{register}");
    // Due now and in its last day: reminded in the tooltip, but no deviation mark.
    let fee = step_group(svg, "Collect fee");
    assert!(fee.starts_with("task trace-current") && fee.contains("▶ 办理中"), "{fee}");
    assert!(fee.contains("时限提醒") && !fee.contains("class=\"deviation\""), "{fee}");
    assert!(step_group(svg, "Issue licence").contains("○ 未到达"));
    let marks: Vec<&str> =
        svg.split("<g class=\"deviation\">").skip(1).map(|g| &g[..g.find("</g>").unwrap_or(0)]).collect();
    assert_eq!(marks.len(), 1, "one step deviates: {marks:?}");
    // Under the drawing, the legend and the finding in words.
    assert!(section.contains("被跳过：红色虚线框"), "the legend");
    // The way taken is drawn heavier: into the check, not through the parallel split.
    assert!(svg.contains("class=\"flow taken\""));
    assert!(svg.matches("class=\"flow taken\"").count() < svg.matches("class=\"flow").count());
    assert!(section.contains("环节“Decide”：环节顺序不符（第5条）"), "{section}");

    // In English: the same marks in English words.
    let english = app
        .client
        .get(app.url(&format!("/staff/cases/{number}")))
        .header(COOKIE, &cadre.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<h2>Case timeline</h2>"));
    let section = trace_section(&english);
    assert!(step_group(section, "Site inspection").contains("⊘ Skipped"));
    assert!(section.contains("Step “Decide”: Steps out of order (event 5)"), "{section}");
    assert!(section.contains("Done before required steps: Site inspection、Technical review"), "{section}");
    assert!(!section.contains("环节"), "no Chinese left in the English timeline");

    // The supervision pages link the case to this page.
    let supervisor = app.login("supervisor").await;
    let href = format!("href=\"/staff/cases/{number}\"");
    let alerts = app.get(&format!("/staff/supervision/alerts?case_number={number}"), Some(&supervisor)).await;
    assert!(alerts.text().await.unwrap().contains(&href), "the alert list links the case");
    let console = app.get("/staff/supervision", Some(&supervisor)).await.text().await.unwrap();
    assert!(console.contains(&href), "the console's latest alerts link the case");

    // Another unit's case: neither its page nor its timeline.
    let response = app.get(&format!("/staff/cases/{}", theirs.case.case_number), Some(&cadre)).await;
    let status = response.status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    assert!(!response.text().await.unwrap().contains("case-trace"));
}
both_backends!(case_timeline);
