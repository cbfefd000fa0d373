use sunlight_domain::catalogue::{Column, PowerAction, PowerDraft, PowerTypes, RowContext, parse_row};
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::screen::{Panel, RawScreen, ScreenInput};
use sunlight_store::entity::display_screen;
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::screens::{self, PanelData};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, audit, catalogue, demo};

fn draft(unit: &str, name: &str) -> PowerDraft {
    let unit = UnitCode::parse(unit).unwrap();
    let cells = [(Column::Name, name), (Column::Type, "行政许可"), (Column::LegalBasis, "《行政许可法》第十二条")];
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    parse_row(|c| cells.iter().find(|(k, _)| *k == c).map(|(_, v)| *v), &context).unwrap()
}

async fn publish(db: &TestDb, unit: &str, name: &str) {
    let system = Principal::system("test");
    let id = catalogue::create_power(&db.store, &system, draft(unit, name)).await.unwrap().power.id;
    for action in [PowerAction::Submit, PowerAction::Review, PowerAction::Publish] {
        catalogue::apply_action(&db.store, &system, id, &action).await.unwrap();
    }
}

fn input(unit_id: Option<i64>, panels: &[Panel]) -> ScreenInput {
    let raw = RawScreen {
        name: "办事大厅屏".into(),
        location: "办事大厅".into(),
        unit_id: unit_id.map(|u| u.to_string()).unwrap_or_default(),
        panels: panels.iter().map(|p| p.key().to_owned()).collect(),
        seconds: "10".into(),
    };
    ScreenInput::parse(&raw).unwrap()
}

/// A unit's screen counts its unit's records, a page of powers at a time, wrapping.
async fn screen_panels_follow_the_records(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let units = org::list_units(&db.store, &system, &UnitFilter::default()).await.unwrap();
    let scjg = units.iter().find(|u| u.code == "SCJG").unwrap().id;

    // Only the commission; an unknown unit is a field error; nothing written.
    let head = audit::head(&db.store).await.unwrap();
    let admin = Principal {
        actor: "user:a".into(),
        user_id: None,
        role: Role::UnitAdmin,
        scope: Scope::Units([scjg].into()),
        is_token: false,
    };
    let denied = screens::create_screen(&db.store, &admin, &input(Some(scjg), &[Panel::RiskLevels])).await;
    assert!(matches!(denied, Err(StoreError::Denied(_))));
    let unknown = screens::create_screen(&db.store, &system, &input(Some(999_999), &[Panel::RiskLevels])).await;
    assert!(matches!(unknown, Err(StoreError::Invalid(e)) if e.get("unit_id").unwrap().code == "not_found"));
    assert_eq!(audit::head(&db.store).await.unwrap(), head);

    let screen: display_screen::Model = screens::create_screen(
        &db.store,
        &system,
        &input(Some(scjg), &[Panel::PublishedPowers, Panel::CatalogueFigures, Panel::TradingAlerts]),
    )
    .await
    .unwrap();
    for n in 0..9 {
        publish(&db, "SCJG", &format!("大厅屏许可{n}")).await;
    }
    publish(&db, "ZRZY", "别的单位的许可").await;
    let page = |data: &screens::ScreenData| match &data.panels[0] {
        PanelData::PublishedPowers { total, page, powers } => (*total, *page, powers.len()),
        other => panic!("{other:?}"),
    };
    let first = screens::screen_data(&db.store, &screen, 1).await.unwrap();
    assert_eq!(page(&first), (9, 1, 8));
    assert_eq!(page(&screens::screen_data(&db.store, &screen, 2).await.unwrap()), (9, 2, 1));
    assert_eq!(page(&screens::screen_data(&db.store, &screen, 3).await.unwrap()), (9, 1, 8), "wraps around");
    match &first.panels[1] {
        PanelData::CatalogueFigures { figures } => {
            assert!(figures.contains(&("public_catalogue_items", 9)), "{figures:?}");
            assert!(figures.contains(&("powers", 9)));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&first.panels[2], PanelData::TradingAlerts { open } if open.is_empty()));

    // The county's screen counts every unit.
    let county = screens::create_screen(&db.store, &system, &input(None, &[Panel::CatalogueFigures])).await.unwrap();
    match &screens::screen_data(&db.store, &county, 1).await.unwrap().panels[0] {
        PanelData::CatalogueFigures { figures } => assert!(figures.contains(&("public_catalogue_items", 10))),
        other => panic!("{other:?}"),
    }

    // Deactivated: gone for the public, kept for the commission.
    screens::update_screen(&db.store, &system, screen.id, &input(Some(scjg), &[Panel::RiskLevels]), false)
        .await
        .unwrap();
    assert!(matches!(screens::public_screen(&db.store, screen.id).await, Err(StoreError::NotFound { .. })));
    assert_eq!(screens::list_screens(&db.store, &system, false).await.unwrap().len(), 1);
    assert_eq!(screens::list_screens(&db.store, &system, true).await.unwrap().len(), 2);
    assert!(matches!(audit::verify(&db.store).await.unwrap(), audit::Verification::Intact { .. }));
}
both_backends!(screen_panels_follow_the_records);

/// Rows of the supervision tables, inserted as the cases' and alerts' own code will.
mod supervision_rows {
    use chrono::{DateTime, Utc};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    use sunlight_domain::flow::{Flowchart, export_bpmn, generator::generator_flowchart};
    use sunlight_store::entity::{flowchart, flowchart_version, handling_case, supervision_alert};
    use sunlight_store::testing::TestDb;

    /// A published flowchart of `power_id`; its version's id.
    pub async fn flowchart_version(db: &TestDb, power_id: i64, unit_id: i64, code: &str) -> i64 {
        let now = Utc::now();
        let chart = flowchart::ActiveModel {
            power_id: Set(power_id),
            unit_id: Set(unit_id),
            power_code: Set(code.to_owned()),
            name: Set("登记流程".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db.store.connection())
        .await
        .unwrap();
        let bpmn = export_bpmn(&Flowchart::new(generator_flowchart()).unwrap());
        flowchart_version::ActiveModel {
            flowchart_id: Set(chart.id),
            version: Set(1),
            state: Set("published".to_owned()),
            bpmn: Set(bpmn),
            step_count: Set(5),
            created_by: Set("test".to_owned()),
            created_at: Set(now),
            published_at: Set(Some(now)),
            ..Default::default()
        }
        .insert(db.store.connection())
        .await
        .unwrap()
        .id
    }

    pub struct Case<'a> {
        pub number: &'a str,
        pub unit_id: i64,
        pub power_id: i64,
        pub version_id: i64,
        pub status: &'a str,
        pub finished_at: Option<DateTime<Utc>>,
        pub overdue: bool,
    }

    pub async fn case(db: &TestDb, c: Case<'_>) -> i64 {
        let received = c.finished_at.unwrap_or_else(Utc::now) - chrono::Duration::days(3);
        handling_case::ActiveModel {
            case_number: Set(c.number.to_owned()),
            verification_hash: Set("0".repeat(64)),
            unit_id: Set(c.unit_id),
            power_id: Set(c.power_id),
            power_code: Set("SCJGXK001".to_owned()),
            flowchart_version_id: Set(c.version_id),
            applicant: Set(Some("不应显示的申请人".to_owned())),
            subject: Set(None),
            source: Set("demo".to_owned()),
            status: Set(c.status.to_owned()),
            current_step: Set(None),
            received_at: Set(received),
            promised_deadline: Set(None),
            legal_deadline: Set(None),
            finished_at: Set(c.finished_at),
            fee_due_cents: Set(None),
            fee_paid_cents: Set(None),
            card: Set("none".to_owned()),
            overdue: Set(c.overdue),
            process_conformant: Set(true),
            returns: Set(0),
            event_count: Set(3),
            handling_minutes: Set(None),
            next_due_at: Set(None),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db.store.connection())
        .await
        .unwrap()
        .id
    }

    pub async fn alert(db: &TestDb, case_id: i64, unit_id: i64, level: &str, state: &str) {
        let now = Utc::now();
        supervision_alert::ActiveModel {
            rule: Set(format!("time.{level}")),
            level: Set(level.to_owned()),
            case_id: Set(case_id),
            unit_id: Set(unit_id),
            step: Set(None),
            person: Set(None),
            evidence: Set("{}".to_owned()),
            state: Set(state.to_owned()),
            must_act: Set("unit".to_owned()),
            close_reason: Set(None),
            raised_at: Set(now),
            updated_at: Set(now),
            closed_at: Set(None),
            ..Default::default()
        }
        .insert(db.store.connection())
        .await
        .unwrap();
    }
}

/// Cases finished today and in time, open time cards by level, the latest public
/// replies: counted per unit or county-wide, today in China time, nothing personal.
#[allow(clippy::too_many_lines)] // one story: empty, filled, per unit, the day's bounds
async fn supervision_panels_follow_the_records(db: TestDb) {
    use sunlight_domain::complaint::{RawSubmission, Submission, TransitionRequest};
    use sunlight_store::complaints;
    use supervision_rows::{Case, alert, case, flowchart_version};

    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let units = org::list_units(&db.store, &system, &UnitFilter::default()).await.unwrap();
    let scjg = units.iter().find(|u| u.code == "SCJG").unwrap().id;
    let zrzy = units.iter().find(|u| u.code == "ZRZY").unwrap().id;
    let power = catalogue::create_power(&db.store, &system, draft("SCJG", "食品经营许可")).await.unwrap().power;
    let version = flowchart_version(&db, power.id, scjg, &power.code).await;

    // Nothing yet: every panel says so, every level listed with 0.
    let county = screens::create_screen(
        &db.store,
        &system,
        &input(None, &[Panel::CasesToday, Panel::CardsOpen, Panel::RecentReplies]),
    )
    .await
    .unwrap();
    let empty = screens::screen_data(&db.store, &county, 1).await.unwrap();
    assert!(matches!(empty.panels[0], PanelData::CasesToday { finished: 0, in_time: 0 }));
    assert!(
        matches!(&empty.panels[1], PanelData::CardsOpen { levels } if *levels == vec![("red", 0), ("yellow", 0), ("reminder", 0)])
    );
    assert!(matches!(&empty.panels[2], PanelData::RecentReplies { replies } if replies.is_empty()));

    let now = chrono::Utc::now();
    let (_, start, end) = screens::china_day(now);
    assert!(start <= now && now < end && end - start == chrono::Duration::days(1));
    let today = start + chrono::Duration::hours(1);
    let yesterday = start - chrono::Duration::hours(1);
    let mut ids = Vec::new();
    for (number, unit_id, status, finished_at, overdue) in [
        ("2026001", scjg, "finished", Some(today), false),
        ("2026002", scjg, "finished", Some(today), false),
        ("2026003", scjg, "finished", Some(today), true),
        ("2026004", scjg, "finished", Some(yesterday), false),
        ("2026005", scjg, "open", None, false),
        ("2026006", scjg, "terminated", Some(today), false),
        ("2026007", zrzy, "finished", Some(today), false),
    ] {
        let c = Case { number, unit_id, power_id: power.id, version_id: version, status, finished_at, overdue };
        ids.push((unit_id, case(&db, c).await));
    }
    for (i, level, state) in [
        (0, "red", "raised"),
        (1, "red", "acknowledged"),
        (2, "yellow", "escalated"),
        (3, "reminder", "closed"),
        (4, "red", "closed"),
        (4, "warning", "raised"),
        (6, "yellow", "raised"),
        (6, "reminder", "explained"),
    ] {
        let (unit_id, case_id) = ids[i];
        alert(&db, case_id, unit_id, level, state).await;
    }

    // Complaints: an internal comment stays off the screen; public replies show,
    // newest first, with the unit and category but nothing of the complainant.
    let mut receipts = Vec::new();
    for (unit_id, reply) in [(scjg, "经核实，已责令窗口一次性告知所需材料。"), (zrzy, "已督促限期办结确权登记。")]
    {
        let raw = RawSubmission {
            anonymous: false,
            name: "王秘密".into(),
            phone: "13900000000".into(),
            category: "delay".into(),
            unit_id: unit_id.to_string(),
            text: "投诉正文不上屏".into(),
            ..RawSubmission::default()
        };
        let receipt = complaints::submit(&db.store, &Submission::parse(&raw).unwrap(), now.date_naive()).await.unwrap();
        for (to, comment, public) in [("accepted", "内部：请核实", false), ("replied", reply, true)] {
            let request = TransitionRequest::parse(to, comment, public, "").unwrap();
            complaints::transition(&db.store, &system, receipt.id, &request).await.unwrap();
        }
        receipts.push(receipt);
    }

    let data = screens::screen_data(&db.store, &county, 1).await.unwrap();
    assert!(matches!(data.panels[0], PanelData::CasesToday { finished: 4, in_time: 3 }), "{:?}", data.panels[0]);
    assert!(
        matches!(&data.panels[1], PanelData::CardsOpen { levels } if *levels == vec![("red", 2), ("yellow", 2), ("reminder", 1)]),
        "{:?}",
        data.panels[1]
    );
    let PanelData::RecentReplies { replies } = &data.panels[2] else { panic!("{:?}", data.panels[2]) };
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0].reply, "已督促限期办结确权登记。");
    assert_eq!(replies[0].unit.as_deref(), Some(units.iter().find(|u| u.id == zrzy).unwrap().name.as_str()));
    assert_eq!(replies[1].category, "delay");
    let shown = serde_json::to_string(&data).unwrap();
    for private in ["王秘密", "13900000000", "投诉正文", "内部", "不应显示的申请人", receipts[0].code.as_str()]
    {
        assert!(!shown.contains(private), "{private} on a screen: {shown}");
    }

    // A unit's screen counts its unit only.
    let unit = screens::create_screen(
        &db.store,
        &system,
        &input(Some(scjg), &[Panel::CasesToday, Panel::CardsOpen, Panel::RecentReplies]),
    )
    .await
    .unwrap();
    let data = screens::screen_data(&db.store, &unit, 1).await.unwrap();
    assert!(matches!(data.panels[0], PanelData::CasesToday { finished: 3, in_time: 2 }), "{:?}", data.panels[0]);
    assert!(
        matches!(&data.panels[1], PanelData::CardsOpen { levels } if *levels == vec![("red", 2), ("yellow", 1), ("reminder", 0)])
    );
    assert!(
        matches!(&data.panels[2], PanelData::RecentReplies { replies } if replies.len() == 1 && replies[0].reply.contains("一次性告知"))
    );

    // "Today" is the China day: a case finished at 23:30 China time yesterday is not.
    let late_evening = start - chrono::Duration::minutes(30);
    let c = Case {
        number: "2026008",
        unit_id: scjg,
        power_id: power.id,
        version_id: version,
        status: "finished",
        finished_at: Some(late_evening),
        overdue: false,
    };
    case(&db, c).await;
    assert!(matches!(
        screens::cases_today(&db.store, Some(scjg), now).await.unwrap(),
        PanelData::CasesToday { finished: 3, in_time: 2 }
    ));
    assert!(matches!(
        screens::cases_today(&db.store, Some(scjg), yesterday).await.unwrap(),
        PanelData::CasesToday { finished: 2, in_time: 2 }
    ));
}
both_backends!(supervision_panels_follow_the_records);

/// The flowchart panel turns hourly through the published charts of public powers
/// (of the screen's unit, or all), in power-code order; none without a chart.
async fn the_flowchart_panel_turns_each_hour(db: TestDb) {
    use chrono::{Duration, TimeZone, Utc};
    use sunlight_domain::flow::{Flowchart, generator::generator_flowchart};
    use sunlight_store::cases::setup::{install_flowchart, ready_power};

    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::list_units(&db.store, &system, &UnitFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code == "SCJG")
        .unwrap()
        .id;
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    assert!(screens::screen_flowchart(&db.store, None, at).await.unwrap().is_none());

    let chart = Flowchart::new(generator_flowchart()).unwrap();
    // A power not published: its chart is not for a public screen.
    ready_power(&db.store, &system, "SCJG", "未公开许可", &chart).await.unwrap();
    assert!(screens::screen_flowchart(&db.store, None, at).await.unwrap().is_none());
    let mut codes = Vec::new();
    for (unit, name) in [("SCJG", "甲许可"), ("ZRZY", "乙许可"), ("SCJG", "丙许可")] {
        publish(&db, unit, name).await;
        let found = catalogue::list_public_powers(
            &db.store,
            &catalogue::PowerFilter { q: Some(name.to_owned()), ..Default::default() },
            1,
            1,
        )
        .await
        .unwrap();
        let power = &found.powers[0].power;
        install_flowchart(&db.store, &system, power.id, &chart).await.unwrap();
        codes.push(power.code.clone());
    }
    codes.sort();
    let mut shown = Vec::new();
    for hour in 0..4 {
        let chart = screens::screen_flowchart(&db.store, None, at + Duration::hours(hour)).await.unwrap().unwrap();
        assert_eq!(chart.version, 1);
        assert!(!chart.unit_name.is_empty());
        shown.push(chart.power.code);
    }
    // Three charts, one an hour, the same again in the fourth hour; each hour is whole.
    let start = shown.iter().position(|c| *c == codes[0]).unwrap();
    let turned: Vec<&String> = (0..3).map(|i| &shown[(start + i) % 3]).collect();
    assert_eq!(turned, codes.iter().collect::<Vec<_>>());
    assert_eq!(shown[3], shown[0]);
    let later = screens::screen_flowchart(&db.store, None, at + Duration::minutes(59)).await.unwrap().unwrap();
    assert_eq!(later.power.code, shown[0]);

    // A unit's screen turns through its unit's charts only.
    for hour in 0..3 {
        let chart =
            screens::screen_flowchart(&db.store, Some(scjg), at + Duration::hours(hour)).await.unwrap().unwrap();
        assert!(chart.power.code.starts_with("SCJG"), "{}", chart.power.code);
        assert_eq!(chart.power.unit_id, scjg);
    }
}
both_backends!(the_flowchart_panel_turns_each_hour);
