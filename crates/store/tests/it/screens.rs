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
