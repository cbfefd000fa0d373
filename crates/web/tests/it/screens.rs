//! Display screens and the touch kiosk: the commission keeps the screens, a screen
//! shows panels computed from the records, the kiosk stays on the site.

use reqwest::StatusCode;
use sunlight_domain::catalogue::{Column, PowerAction, PowerDraft, PowerTypes, RowContext, parse_row};
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::Principal;
use sunlight_domain::screen::{Panel, ScreenInput};
use sunlight_domain::text::Name;
use sunlight_store::cases::setup::{install_flowchart, ready_power};
use sunlight_store::catalogue;
use sunlight_store::entity::display_screen;
use sunlight_store::screens;

use crate::support::{TestApp, location};

fn draft(unit: &str, name: &str) -> PowerDraft {
    let unit = UnitCode::parse(unit).unwrap();
    let cells = [
        (Column::Name, name),
        (Column::Type, "行政许可"),
        (Column::LegalBasis, "《中华人民共和国行政许可法》第十二条"),
        (Column::LegalLimit, "20个工作日"),
    ];
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    parse_row(|c| cells.iter().find(|(k, _)| *k == c).map(|(_, v)| *v), &context).unwrap()
}

/// Creates and publishes a public power of `unit`.
pub async fn published_power(app: &TestApp, unit: &str, name: &str) -> i64 {
    let system = Principal::system("test");
    let id = catalogue::create_power(&app.db.store, &system, draft(unit, name)).await.unwrap().power.id;
    for action in [PowerAction::Submit, PowerAction::Review, PowerAction::Publish] {
        catalogue::apply_action(&app.db.store, &system, id, &action).await.unwrap();
    }
    id
}

/// A published power for the route matrix, made once.
pub async fn sample_public_power(app: &TestApp) -> i64 {
    let found = catalogue::list_public_powers(&app.db.store, &catalogue::PowerFilter::default(), 1, 1).await.unwrap();
    match found.powers.first() {
        Some(r) => r.power.id,
        None => published_power(app, "SCJG", "矩阵公开许可").await,
    }
}

/// An active screen for the route matrix, made once.
pub async fn sample_screen(app: &TestApp) -> i64 {
    let system = Principal::system("test");
    if let Some(s) = screens::list_screens(&app.db.store, &system, false).await.unwrap().first() {
        return s.id;
    }
    let input = ScreenInput {
        name: Name::parse("矩阵测试屏").unwrap(),
        location: Name::parse("县政务服务中心大厅").unwrap(),
        unit_id: None,
        panels: Panel::ALL.to_vec(),
        seconds: 15,
    };
    screens::create_screen(&app.db.store, &system, &input).await.unwrap().id
}

async fn screen_count(app: &TestApp) -> usize {
    screens::list_screens(&app.db.store, &Principal::system("test"), true).await.unwrap().len()
}

#[allow(clippy::too_many_lines)] // one story: refuse, create, show, follow the records, deactivate
async fn commission_keeps_screens(app: TestApp) {
    let admin = app.login("admin").await;
    let head = sunlight_store::audit::head(&app.db.store).await.unwrap();

    // Bad input: every field named, in words, nothing written.
    let bad = app
        .post_form(
            "/staff/screens",
            Some(&admin),
            &[
                ("name", ""),
                ("location", "大厅"),
                ("panel_1", "risk_levels"),
                ("panel_2", "risk_levels"),
                ("seconds", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("每个栏目只能选择一次"), "{page}");
    assert!(page.contains("请填写 5 至 300 之间的整数秒"));
    let none =
        app.post_form("/staff/screens", Some(&admin), &[("name", "屏"), ("location", "大厅"), ("seconds", "10")]).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().await.unwrap().contains("请至少选择一个栏目"));
    assert_eq!(screen_count(&app).await, 0);
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), head);

    // A unit admin may not.
    let unit_admin = app.login("scjg-admin").await;
    let denied = app
        .post_form(
            "/staff/screens",
            Some(&unit_admin),
            &[("name", "屏"), ("location", "大厅"), ("panel_1", "risk_levels"), ("seconds", "10")],
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/staff/screens", Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(screen_count(&app).await, 0);

    // The commission creates one, in the order chosen.
    let scjg = app.unit_id("SCJG").await.to_string();
    let created = app
        .post_form(
            "/staff/screens",
            Some(&admin),
            &[
                ("name", "市场监管局办事大厅屏"),
                ("location", "县市场监督管理局办事大厅"),
                ("unit_id", scjg.as_str()),
                ("panel_1", "published_powers"),
                ("panel_2", "catalogue_figures"),
                ("panel_3", "trading_alerts"),
                ("seconds", "12"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&created), "/staff/screens");
    let list = screens::list_screens(&app.db.store, &Principal::system("test"), true).await.unwrap();
    let screen: &display_screen::Model = &list[0];
    assert_eq!(screens::panels_of(screen), vec![Panel::PublishedPowers, Panel::CatalogueFigures, Panel::TradingAlerts]);
    let listing = app.get("/staff/screens", Some(&admin)).await.text().await.unwrap();
    assert!(listing.contains("市场监管局办事大厅屏"));

    // The page shows its panels in words.
    let page = app.get(&format!("/screen/{}", screen.id), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    for words in ["已公开职权及办理时限", "职权目录数据", "公共资源交易在办预警", "尚未公布职权", "/assets/screen.js"]
    {
        assert!(page.contains(words), "{words}");
    }
    assert!(!page.contains("<script>"), "no inline script");

    // The data follow the records: publish a power of the unit and see it counted.
    let before = data(&app, screen.id).await;
    assert_eq!(before["panels"][0]["key"], "published_powers");
    assert_eq!(before["panels"][0]["rows"].as_array().unwrap().len(), 0);
    let figure = |v: &serde_json::Value, label: &str| {
        v["panels"][1]["rows"].as_array().unwrap().iter().find(|r| r[0] == label).unwrap()[1].clone()
    };
    assert_eq!(figure(&before, "公开目录职权"), "0");
    published_power(&app, "SCJG", "屏幕测试许可").await;
    let after = data(&app, screen.id).await;
    assert_eq!(figure(&after, "公开目录职权"), "1");
    let rows = after["panels"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0][0].as_str().unwrap().starts_with("屏幕测试许可"));
    assert_eq!(rows[0][1], "20个工作日");

    // Deactivated: the screen and its data are gone, in words.
    let id = screen.id.to_string();
    let off = app
        .post_form(
            &format!("/staff/screens/{id}"),
            Some(&admin),
            &[
                ("name", "市场监管局办事大厅屏"),
                ("location", "县市场监督管理局办事大厅"),
                ("panel_1", "published_powers"),
                ("seconds", "12"),
            ],
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let gone = app.get(&format!("/screen/{id}"), None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(gone.text().await.unwrap().contains("<html"), "a page, not a bare status");
    assert_eq!(app.get(&format!("/screen/{id}/data"), None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/screen/999999", None).await.status(), StatusCode::NOT_FOUND);
    let audit = app.get("/staff/audit", Some(&admin)).await.text().await.unwrap();
    assert!(audit.contains("新增电子显示屏") && audit.contains("修改电子显示屏"));
}
both_backends!(commission_keeps_screens);

async fn data(app: &TestApp, id: i64) -> serde_json::Value {
    let response = app.get(&format!("/screen/{id}/data"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<serde_json::Value>().await.unwrap()
}

fn hrefs(page: &str) -> Vec<String> {
    page.split("href=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect()
}

fn assert_stays_on_kiosk(page: &str) {
    let links = hrefs(page);
    assert!(!links.is_empty());
    for href in links {
        assert!(href.starts_with('/') && !href.starts_with("//"), "{href}");
        assert!(!href.starts_with("/lang/") && !href.starts_with("/login"), "{href}");
    }
    assert!(page.contains(r#"<meta http-equiv="refresh" content="60;url=/kiosk">"#));
    assert!(page.contains("/assets/kiosk.js"));
}

async fn kiosk_browses_the_catalogue(app: TestApp) {
    let start = app.get("/kiosk", None).await;
    assert_eq!(start.status(), StatusCode::OK);
    let start = start.text().await.unwrap();
    assert!(start.contains("尚未公布职权"));
    assert_stays_on_kiosk(&start);

    let id = published_power(&app, "SCJG", "查询机测试许可").await;
    let start = app.get("/kiosk", None).await.text().await.unwrap();
    assert_stays_on_kiosk(&start);
    let scjg = app.unit_id("SCJG").await;
    assert!(start.contains(&format!("/kiosk/units/{scjg}")) && start.contains("演示县市场监督管理局"));

    let unit = app.get(&format!("/kiosk/units/{scjg}"), None).await.text().await.unwrap();
    assert_stays_on_kiosk(&unit);
    assert!(unit.contains("行政许可") && unit.contains("type=licensing"), "{unit}");

    let list = app.get(&format!("/kiosk/units/{scjg}?type=licensing"), None).await.text().await.unwrap();
    assert_stays_on_kiosk(&list);
    assert!(list.contains("查询机测试许可") && list.contains(&format!("/kiosk/powers/{id}")));

    let power = app.get(&format!("/kiosk/powers/{id}"), None).await;
    assert_eq!(power.status(), StatusCode::OK);
    let power = power.text().await.unwrap();
    assert_stays_on_kiosk(&power);
    for words in ["《中华人民共和国行政许可法》第十二条", "20个工作日", "不收费"] {
        assert!(power.contains(words), "{words}");
    }

    // A draft is not on the kiosk.
    let system = Principal::system("test");
    let hidden = catalogue::create_power(&app.db.store, &system, draft("SCJG", "查询机草稿")).await.unwrap().power.id;
    assert_eq!(app.get(&format!("/kiosk/powers/{hidden}"), None).await.status(), StatusCode::NOT_FOUND);

    // The case look-up starts from the units: this one has a published power.
    let units = app.get("/kiosk/case", None).await.text().await.unwrap();
    assert_stays_on_kiosk(&units);
    assert!(units.contains("/kiosk/case?unit=SCJG") && units.contains("编号以 SCJG- 开头"), "{units}");
    let keypad = app.get("/kiosk/case?unit=SCJG", None).await.text().await.unwrap();
    assert_stays_on_kiosk(&keypad);
    assert!(keypad.contains("data-key=\"7\"") && keypad.contains("SCJG-</span>"));
}
both_backends!(kiosk_browses_the_catalogue);

/// The supervision panels: time cards by level in words and colour, cases today,
/// public replies without the complainant; a clock and the time of the figures.
async fn supervision_panels_on_a_screen(app: TestApp) {
    let admin = app.login("admin").await;
    let created = app
        .post_form(
            "/staff/screens",
            Some(&admin),
            &[
                ("name", "纪委接访大厅屏"),
                ("location", "县纪委监委信访接待大厅"),
                ("panel_1", "cards_open"),
                ("panel_5", "cases_today"),
                ("panel_8", "recent_replies"),
                ("seconds", "15"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let system = Principal::system("test");
    let screen = screens::list_screens(&app.db.store, &system, false).await.unwrap().pop().unwrap();
    assert_eq!(screens::panels_of(&screen), vec![Panel::CardsOpen, Panel::CasesToday, Panel::RecentReplies]);

    let id = crate::complaints::sample_complaint(&app).await;
    let reply =
        sunlight_domain::complaint::TransitionRequest::parse("replied", "已约谈窗口负责人并整改。", true, "").unwrap();
    sunlight_store::complaints::transition(&app.db.store, &system, id, &reply).await.unwrap();

    let page = app.get(&format!("/screen/{}", screen.id), None).await.text().await.unwrap();
    for words in [
        "报警（红牌）",
        "预警（黄牌）",
        "提醒",
        "class=\"card-red\"",
        "今日办结",
        "按时办结率",
        "已约谈窗口负责人并整改",
        "数据更新于",
        "id=\"screen-clock\"",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    assert!(!page.contains("窗口办事拖延"), "a complaint's own text never reaches a screen");
    let json = data(&app, screen.id).await;
    assert_eq!(json["panels"][0]["rows"][0], serde_json::json!(["报警（红牌）", "0", "card-red"]));
    assert_eq!(json["panels"][1]["rows"][3][1], "—");
    assert_eq!(json["panels"][2]["rows"][0][1], "已约谈窗口负责人并整改。");
    assert!(json["panels"][2]["rows"][0][0].as_str().unwrap().contains("演示县市场监督管理局 · 慢作为"));
    let updated = json["updated"].as_str().unwrap();
    assert!(updated.len() == 8 && updated.as_bytes()[2] == b':', "{updated}");
}
both_backends!(supervision_panels_on_a_screen);

/// The flowchart panel: offered on the form, absent while no public power has a
/// published chart, then that chart drawn large with its power and unit; unknown
/// panel keys are still refused.
async fn flowchart_panel_on_a_screen(app: TestApp) {
    let admin = app.login("admin").await;
    let form = app.get("/staff/screens/new", Some(&admin)).await.text().await.unwrap();
    assert!(form.contains("value=\"flowchart\"") && form.contains("办事流程图"), "{form}");
    let unknown = app
        .post_form(
            "/staff/screens",
            Some(&admin),
            &[("name", "屏"), ("location", "大厅"), ("panel_1", "flowcharts"), ("seconds", "10")],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text().await.unwrap().contains("不是可选的值"));
    assert_eq!(screen_count(&app).await, 0);

    let scjg = app.unit_id("SCJG").await.to_string();
    let created = app
        .post_form(
            "/staff/screens",
            Some(&admin),
            &[
                ("name", "市场监管局流程图屏"),
                ("location", "县市场监督管理局办事大厅"),
                ("unit_id", scjg.as_str()),
                ("panel_1", "flowchart"),
                ("panel_2", "catalogue_figures"),
                ("seconds", "20"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let system = Principal::system("test");
    let screen = screens::list_screens(&app.db.store, &system, false).await.unwrap().pop().unwrap();
    assert_eq!(screens::panels_of(&screen), vec![Panel::Flowchart, Panel::CatalogueFigures]);

    // A chart of a power not yet published is not on a public screen.
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    ready_power(&app.db.store, &system, "SCJG", "未公开流程图许可", &chart).await.unwrap();
    let page = app.get(&format!("/screen/{}", screen.id), None).await.text().await.unwrap();
    assert!(!page.contains("data-key=\"flowchart\"") && !page.contains("<svg"), "{page}");
    assert!(!page.contains("未公开流程图许可"));
    let json = data(&app, screen.id).await;
    assert_eq!(json["panels"].as_array().unwrap().len(), 1);
    assert_eq!(json["panels"][0]["key"], "catalogue_figures");

    let id = published_power(&app, "SCJG", "流程图上屏许可").await;
    install_flowchart(&app.db.store, &system, id, &chart).await.unwrap();
    let page = app.get(&format!("/screen/{}", screen.id), None).await.text().await.unwrap();
    let panel = &page[page.find("data-key=\"flowchart\"").expect("the flowchart panel")..];
    let panel = &panel[..panel.find("</section>").unwrap()];
    for words in
        ["办事流程图", "流程图上屏许可", "演示县市场监督管理局", "<figure class=\"screen-figure\"><svg", "</svg>"]
    {
        assert!(panel.contains(words), "{words}: {panel}");
    }
    assert!(panel.contains(&format!("data-chart=\"{id}-")), "{panel}");
    assert!(!page.contains("未公开流程图许可"));
    let json = data(&app, screen.id).await;
    assert_eq!(json["panels"][0]["key"], "flowchart");
    assert_eq!(json["panels"][0]["rows"][0], serde_json::json!(["流程图上屏许可", "演示县市场监督管理局", ""]));
    assert!(json["panels"][0]["chart"].as_str().unwrap().starts_with(&format!("{id}-")));
    assert!(json["panels"][0].get("svg").is_none(), "refreshes carry the chart's identity, not its drawing");
}
both_backends!(flowchart_panel_on_a_screen);
