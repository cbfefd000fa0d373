//! The kiosk's case look-up: the unit from its tiles, the number's date and
//! sequence and the verification code from the keypad; the portal's answer, its
//! one words for every miss and its limit per address.

use reqwest::StatusCode;
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::policy::Principal;
use sunlight_store::cases::setup::ready_power;
use sunlight_store::cases::{self, NewCase};

use crate::support::TestApp;

fn message(html: &str) -> &str {
    let from = html.find("role=\"status\">").map_or(html.len(), |i| i + "role=\"status\">".len());
    let rest = &html[from..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

async fn answer(app: &TestApp, query: &str) -> (StatusCode, String) {
    let response = app.get(&format!("/kiosk/case?{query}"), None).await;
    (response.status(), response.text().await.unwrap())
}

#[allow(clippy::too_many_lines)] // one story: choose, type, read, miss, mistype, wait
async fn kiosk_looks_up_a_case(app: TestApp) {
    let system = Principal::system("test");
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    let power = ready_power(&app.db.store, &system, "SCJG", "食品经营许可（查询机测试）", &chart).await.unwrap();
    let new = NewCase {
        power_code: power.code.clone(),
        applicant: Some("王五".into()),
        subject: Some("新办食品经营许可".into()),
        deadline: None,
        at: None,
    };
    let created = cases::create_case(&app.db.store, &system, &new).await.unwrap();
    let number = created.case.case_number.clone();
    let code = created.verification_code.clone();
    // As the keypad shows them (`20261125-000012`), and as typed on a keyboard.
    let shown = number.strip_prefix("SCJG-").expect("a number drawn for SCJG").to_owned();
    assert_eq!(shown.len(), 15, "{number}");
    let typed = shown.replace('-', "");
    let wrong_code = if code == "000000" { "111111" } else { "000000" };

    // The unit with a case is a tile (it has no public power).
    let (status, units) = answer(&app, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(units.contains("href=\"/kiosk/case?unit=SCJG\""), "{units}");
    assert!(message(&units).contains("请选择受理单位"));
    let (status, keypad) = answer(&app, "unit=SCJG").await;
    assert_eq!(status, StatusCode::OK);
    assert!(keypad.contains("SCJG-</span>") && keypad.contains("name=\"code\"") && keypad.contains("data-key=\"0\""));
    assert!(keypad.contains("href=\"/kiosk/case\""), "back to the units");

    // Malformed input: words saying what is wrong, what was typed kept, no look-up counted.
    let (status, short) = answer(&app, "unit=SCJG&number=2026112&code=123456").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&short).contains("8 位日期加 6 位序号"), "{short}");
    assert!(short.contains("value=\"2026112\""), "the typed digits are kept");
    let (status, date) = answer(&app, "unit=SCJG&number=20261345-000001&code=123456").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&date).contains("日期 20261345 不是有效日期"), "{date}");
    assert!(date.contains("value=\"20261345-000001\""));
    let (status, bad_code) = answer(&app, &format!("unit=SCJG&number={typed}&code=12a")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&bad_code).contains("查询码应为 6 位数字"), "{bad_code}");
    let (status, empty) = answer(&app, "unit=SCJG&number=&code=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&empty).contains("请用数字键输入办件编号和查询码"));
    let (status, unit) = answer(&app, "unit=NOPE&number=20261125000001&code=123456").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&unit).contains("没有代码为 NOPE 的单位") && unit.contains("/kiosk/case?unit=SCJG"), "{unit}");
    let english = app
        .client
        .get(app.url("/kiosk/case?unit=SCJG&number=1&code=1"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let english = english.text().await.unwrap();
    assert!(message(&english).contains("14 digits"), "{english}");

    // The right number (typed with or without its hyphen) and code: the status in words.
    let (status, found) = answer(&app, &format!("unit=SCJG&number={shown}&code={code}")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    for words in [number.as_str(), "食品经营许可（查询机测试）", "演示县市场监督管理局", "在办", "办理进度", "申请"]
    {
        assert!(found.contains(words), "{words}: {found}");
    }
    assert!(found.contains("id=\"case-steps\"") && found.contains("/kiosk/case?unit=SCJG"));
    assert!(!found.contains("王五") && !found.contains("新办食品经营许可"), "nothing personal");
    assert!(!found.contains("id=\"keypad\""));

    // A wrong code: the portal's words for every miss, on the kiosk too.
    let (status, wrong) = answer(&app, &format!("unit=SCJG&number={typed}&code={wrong_code}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let portal = app.get(&format!("/cases/status?number=SCJG-20200101-000001&code={code}"), None).await;
    assert_eq!(portal.status(), StatusCode::NOT_FOUND);
    let portal = portal.text().await.unwrap();
    let portal_words = portal.split("role=\"alert\">").nth(1).unwrap().split('<').next().unwrap();
    assert_eq!(message(&wrong), portal_words);
    assert!(wrong.contains("id=\"keypad\""), "the keypad again, to correct");
    let (status, wrong_number) = answer(&app, &format!("unit=SCJG&number=20200101000001&code={code}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(message(&wrong_number), message(&wrong));

    // Kiosk and portal share one limit per address: five look-ups so far; the sixth waits.
    let (status, _) = answer(&app, &format!("unit=SCJG&number={typed}&code={code}")).await;
    assert_eq!(status, StatusCode::OK);
    let limited = app.get(&format!("/kiosk/case?unit=SCJG&number={typed}&code={code}"), None).await;
    assert!(!limited.headers().contains_key("etag"), "an answer is never kept to be replayed");
    let (status, limited) = (limited.status(), limited.text().await.unwrap());
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(message(&limited).contains("查询过于频繁"), "{limited}");
}
both_backends!(kiosk_looks_up_a_case);

/// A hall's kiosk serves everyone in the hall: a configured kiosk address gets a
/// kiosk's allowance of look-ups, not one person's five.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_kiosk_has_a_kiosks_allowance() {
    let config = sunlight_web::WebConfig {
        kiosk_addresses: vec!["127.0.0.1".parse().unwrap()],
        ..sunlight_web::WebConfig::default()
    };
    let app = TestApp::spawn_with(sunlight_store::testing::TestDb::sqlite().await, config).await;
    for n in 0..12 {
        let miss = app.get("/cases/status?number=SCJG-20200101-000001&code=123456", None).await;
        assert_eq!(miss.status(), StatusCode::NOT_FOUND, "look-up {n}");
    }
}
