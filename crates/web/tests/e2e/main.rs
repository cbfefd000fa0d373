//! End-to-end tests in headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over `WebDriver` from Rust: what a citizen, a hall's
//! screen, a kiosk and the commission's staff do in a browser, against the demo
//! county served in-process.
//!
//! They run only when `SUNLIGHT_E2E` is set (`.ci/run` sets it and runs this target
//! after the workspace's tests); then a missing browser fails them. Without it each
//! test says it was skipped, so `cargo test --workspace` needs no browser.
//!
//! ```sh
//! SUNLIGHT_E2E=1 cargo test -p sunlight-web --test e2e -- --test-threads=1
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

mod harness;
mod webdriver;

use std::time::Duration;

use serde_json::json;
use sunlight_domain::policy::Principal;
use sunlight_domain::screen::{Panel, RawScreen, ScreenInput};
use sunlight_store::cases::{self, NewCase};
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::screens;

use harness::{App, KIOSK_IDLE_SECS, run};
use webdriver::{Browser, ENTER};

/// No sideways scrolling: the page fits the window's width.
async fn fits_width(b: &Browser) -> bool {
    b.run("return document.documentElement.scrollWidth <= window.innerWidth;", json!([])).await == json!(true)
}

/// (a) A citizen searches the catalogue from the home page in Chinese for a power
/// with a published flowchart, opens it and reads it with its chart; on a phone
/// nothing scrolls sideways.
async fn search_to_power_page(b: Browser, app: App) {
    // The demo publishes flowcharts; the one a county screen shows at a fixed hour
    // is a public power's, chosen the same way every run.
    let noon = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 4, 0, 0).unwrap();
    let charted = screens::screen_flowchart(&app.store, None, noon).await.unwrap().expect("a published flowchart");
    let (id, name) = (charted.power.id, charted.power.name.clone());
    b.goto(&app.url("/")).await;
    let q = b.element("#home-q").await;
    b.type_into(&q, &name).await;
    b.type_into(&q, ENTER).await;
    b.wait_for_url("the catalogue's results", |u| u.contains("/catalogue?q=")).await;
    let link = b.element(&format!("#catalogue tbody a[href='/catalogue/{id}']")).await;
    assert_eq!(b.text(&link).await, name);
    b.click(&link).await;
    b.wait_for_url("a power's page", |u| u.ends_with(&format!("/catalogue/{id}"))).await;
    assert_eq!(b.text(&b.element("main h2").await).await, name);
    let text = b.page_text().await;
    assert!(text.contains("设定依据") && text.contains("廉政风险点及等级"), "{text}");
    let chart = b.element("#flowchart svg").await;
    assert!(b.displayed(&chart).await, "the flowchart is on the page but not visible");
    let power_page = b.url().await;
    b.set_size(390, 844).await;
    assert!(fits_width(&b).await, "the power's page scrolls sideways on a phone");
    b.goto(&app.url("/")).await;
    b.element("#home-q").await;
    assert!(fits_width(&b).await, "the home page scrolls sideways on a phone");
    b.goto(&power_page).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_to_power_page() {
    run("search_to_power_page", search_to_power_page).await;
}

/// (b) An anonymous complaint gets a receipt code; the commission's staff log in,
/// accept it and reply; the citizen looks the code up and reads the reply.
async fn complaint_to_public_reply(b: Browser, app: App) {
    b.goto(&app.url("/complaints/new")).await;
    b.click(&b.element("#f-category option[value=delay]").await).await;
    b.click(&b.element("#f-unit_id option:nth-child(2)").await).await;
    b.type_into(&b.element("#f-text").await, "窗口要求重复提交材料，跑了三趟。").await;
    b.click(&b.element("button.primary").await).await;
    let code = b.text(&b.element("#receipt-code").await).await;
    assert_eq!(code.len(), 14, "{code}");

    b.goto(&app.url("/login")).await;
    b.type_into(&b.element("#login").await, "admin").await;
    b.type_into(&b.element("#password").await, sunlight_store::demo::DEMO_PASSWORD).await;
    b.type_into(&b.element("#password").await, ENTER).await;
    b.wait_for_url("the staff workspace", |u| u.contains("/staff")).await;
    b.goto(&app.url("/staff/complaints?state=received")).await;
    b.element("#list").await;
    let link = b.find_link(&code).await.expect("the new complaint in the list");
    b.click(&link).await;
    b.wait_for_url("the complaint's page", |u| u.contains("/staff/complaints/")).await;
    let detail = b.url().await;
    // The transition form folds under its summary, as staff see it.
    b.click(&b.element("details summary").await).await;
    b.click(&b.element("#f-to option[value=accepted]").await).await;
    b.click(&b.element("form[action$='/transition'] button[type=submit]").await).await;
    b.element("#f-to option[value=replied]").await;
    b.click(&b.element("details summary").await).await;
    b.click(&b.element("#f-to option[value=replied]").await).await;
    b.type_into(&b.element("#f-comment").await, "经核实，已责令窗口一次性告知所需材料。").await;
    b.click(&b.element("form[action$='/transition'] button[type=submit]").await).await;
    b.wait_for_url("the complaint's page again", |u| u == detail).await;
    b.wait_for_text("the reply's new state", "已答复").await;

    b.goto(&app.url("/complaints/status")).await;
    let field = b.element("#f-code").await;
    b.type_into(&field, &code.to_lowercase()).await;
    b.type_into(&field, ENTER).await;
    b.wait_for_url("the status page", |u| u.contains("code=")).await;
    let state = b.text(&b.element("#complaint-state").await).await;
    assert_eq!(state, "已答复");
    let text = b.page_text().await;
    assert!(text.contains("一次性告知所需材料"), "{text}");
    assert!(!text.contains("跑了三趟"), "the complaint's own text is never shown publicly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_complaint_to_public_reply() {
    run("complaint_to_public_reply", complaint_to_public_reply).await;
}

/// (c) A hall's screen turns to its next panel within its seconds, at 1920×1080
/// with no text under 32 px.
async fn screen_rotates(b: Browser, app: App) {
    let raw = RawScreen {
        name: "测试大厅屏".into(),
        location: "县政务服务中心大厅".into(),
        unit_id: String::new(),
        panels: vec![
            Panel::CatalogueFigures.key().into(),
            Panel::CardsOpen.key().into(),
            Panel::RecentReplies.key().into(),
        ],
        seconds: "5".into(),
    };
    let input = ScreenInput::parse(&raw).unwrap();
    let screen = screens::create_screen(&app.store, &Principal::system("test"), &input).await.unwrap();
    b.set_size(1920, 1080).await;
    b.goto(&app.url(&format!("/screen/{}", screen.id))).await;
    b.element(".screen-panel").await;
    let shown = "var p = document.querySelector('.screen-panel:not([hidden])'); return p ? p.dataset.key : null;";
    assert_eq!(b.run(shown, json!([])).await, json!("catalogue_figures"));
    // The smallest text anywhere on the screen.
    let smallest = "var min = 1e9; document.querySelectorAll('h1,h2,p,th,td,span,time').forEach(function (e) { \
                    if (e.offsetParent !== null && e.textContent.trim()) { min = Math.min(min, parseFloat(getComputedStyle(e).fontSize)); } }); \
                    return min;";
    let px = b.run(smallest, json!([])).await.as_f64().unwrap();
    assert!(px >= 32.0, "text of {px} px on a 1920×1080 screen");
    let mut seen = Vec::new();
    for _ in 0..120 {
        let key = b.run(shown, json!([])).await;
        if key != json!("catalogue_figures") {
            seen.push(key);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, vec![json!("cards_open")], "the screen did not turn to its second panel within 12 s");
    let clock = b.text(&b.element("#screen-clock").await).await;
    assert_eq!(clock.len(), 8, "the clock shows HH:MM:SS: {clock}");
    let text = b.page_text().await;
    assert!(text.contains("报警（红牌）"), "{text}");

    // After a round the panels are refreshed in place: the same number of nodes.
    let nodes = "return document.getElementsByTagName('*').length;";
    let updated = "return document.getElementById('screen-updated').textContent;";
    let (before, first_update) = (b.run(nodes, json!([])).await, b.run(updated, json!([])).await);
    let mut refreshed = false;
    for _ in 0..250 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if b.run(updated, json!([])).await != first_update {
            refreshed = true;
            break;
        }
    }
    assert!(refreshed, "the figures were not refreshed after a round of 15 s");
    assert_eq!(b.run(nodes, json!([])).await, before, "a refresh added or lost nodes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_screen_rotates() {
    run("screen_rotates", screen_rotates).await;
}

/// (d) The kiosk: a touch on a unit's tile, then nothing; after its idle time it is
/// back on its start page.
async fn kiosk_resets_when_idle(b: Browser, app: App) {
    b.goto(&app.url("/kiosk")).await;
    let tile = b.element(".kiosk-tiles a[href^='/kiosk/units/']").await;
    b.click(&tile).await;
    b.wait_for_url("a unit's page", |u| u.contains("/kiosk/units/")).await;
    let left = std::time::Instant::now();
    b.wait_for_url("the kiosk's start page", |u| u.ends_with("/kiosk")).await;
    let idle = left.elapsed();
    assert!(
        idle >= Duration::from_secs(u64::from(KIOSK_IDLE_SECS) - 1),
        "back after {idle:?}, before the idle time of {KIOSK_IDLE_SECS} s"
    );
    assert!(b.page_text().await.contains("办件查询"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_kiosk_resets_when_idle() {
    run("kiosk_resets_when_idle", kiosk_resets_when_idle).await;
}

/// (e) A case looked up on the kiosk by touch only: the unit's tile, then the
/// number's date and sequence and the verification code on the keypad; the answer
/// reads the case's status and steps.
async fn kiosk_case_lookup(b: Browser, app: App) {
    // A case of a demo power with a published flowchart, made now with a known code.
    let noon = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 4, 0, 0).unwrap();
    let charted = screens::screen_flowchart(&app.store, None, noon).await.unwrap().expect("a published flowchart");
    let system = Principal::system("test");
    let unit = org::list_units(&app.store, &system, &UnitFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.id == charted.power.unit_id)
        .unwrap();
    let new = NewCase {
        power_code: charted.power.code.clone(),
        applicant: Some("王五".into()),
        subject: None,
        deadline: None,
        at: None,
    };
    let created = cases::create_case(&app.store, &system, &new).await.unwrap();
    let number = created.case.case_number;
    let shown = number.strip_prefix(&format!("{}-", unit.code)).unwrap().to_owned();
    let code = created.verification_code;

    b.goto(&app.url("/kiosk")).await;
    b.click(&b.element(".kiosk-tiles a[href='/kiosk/case']").await).await;
    b.wait_for_url("the units to choose from", |u| u.ends_with("/kiosk/case")).await;
    b.click(&b.element(&format!(".kiosk-tiles a[href='/kiosk/case?unit={}']", unit.code)).await).await;
    b.wait_for_url("the keypad", |u| u.contains("unit=")).await;
    assert_eq!(b.text(&b.element("#case-prefix").await).await, format!("{}-", unit.code));
    let press = |key: char| {
        let b = b.clone();
        async move { b.click(&b.element(&format!("#keypad button[data-key='{key}']")).await).await }
    };
    // A slip corrected with the delete key.
    press('9').await;
    b.click(&b.element("#keypad button[data-key='back']").await).await;
    for digit in shown.chars().filter(char::is_ascii_digit) {
        press(digit).await;
    }
    let value = |id: &'static str| {
        let b = b.clone();
        async move { b.run(&format!("return document.getElementById('{id}').value;"), json!([])).await }
    };
    assert_eq!(value("case-number").await, json!(shown), "the hyphen is put in as the digits come");
    let focused = b.run("return document.activeElement && document.activeElement.id;", json!([])).await;
    assert_eq!(focused, json!("case-code"), "a whole number moves the keys on to the code");
    for digit in code.chars() {
        press(digit).await;
    }
    assert_eq!(value("case-code").await, json!(code));
    let size = b
        .run(
            "var r = document.querySelector(\"#keypad button[data-key='5']\").getBoundingClientRect(); return [r.width, r.height];",
            json!([]),
        )
        .await;
    assert!(size[0].as_f64().unwrap() >= 48.0 && size[1].as_f64().unwrap() >= 48.0, "keys of {size}");
    b.click(&b.element("#keypad .kiosk-go").await).await;
    b.wait_for_url("the case's answer", |u| u.contains("code=")).await;
    let facts = b.text(&b.element("#kiosk-facts").await).await;
    for words in [number.as_str(), charted.power.name.as_str(), "在办"] {
        assert!(facts.contains(words), "{words}: {facts}");
    }
    assert!(b.displayed(&b.element("#case-steps").await).await);
    assert!(!b.page_text().await.contains("王五"), "nothing personal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_kiosk_case_lookup() {
    run("kiosk_case_lookup", kiosk_case_lookup).await;
}
