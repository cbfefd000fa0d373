use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use sunlight_store::audit::{self, Verification};
use sunlight_store::demo;
use sunlight_store::entity::{
    complaint, design_standard, display_screen, focus_item, power, power_part, power_version, process_optimization,
    risk_level_decision, risk_measure, risk_point, risk_step, trading_alert, trading_release,
};
use sunlight_store::testing::TestDb;

async fn count<E: EntityTrait>(db: &TestDb, query: sea_orm::Select<E>) -> u64
where
    E::Model: Sync,
{
    query.count(db.store.connection()).await.unwrap()
}

/// Complaints in every state, anonymous and named, some overdue for acceptance.
async fn demo_complaints(db: &TestDb, created: usize) {
    assert_eq!(created, 36);
    let states: Vec<String> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::State)
        .distinct()
        .into_tuple()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(states.len(), 6, "complaints in every state: {states:?}");
    let anonymous = count(db, complaint::Entity::find().filter(complaint::Column::Anonymous.eq(true))).await;
    assert!(anonymous > 20 && anonymous < 36, "{anonymous}");
    let leaked = complaint::Entity::find().filter(complaint::Column::Anonymous.eq(true)).filter(
        sea_orm::Condition::any()
            .add(complaint::Column::Name.is_not_null())
            .add(complaint::Column::Phone.is_not_null()),
    );
    assert_eq!(count(db, leaked).await, 0);
    let system = sunlight_domain::policy::Principal::system("test");
    let today = sunlight_store::risk::today_in_county();
    let all = sunlight_store::complaints::list(
        &db.store,
        &system,
        &sunlight_store::complaints::ComplaintFilter::default(),
        today,
        1,
        100,
    )
    .await
    .unwrap();
    assert_eq!(all.total, 36);
    assert!(all.overdue >= 5 && all.overdue < 12, "overdue acceptance: {}", all.overdue);
    let figures = sunlight_store::figures::figures(&db.store, &system, None).await.unwrap();
    assert_eq!((figures.get("complaints"), figures.get("complaints_open")), (Some(36), Some(28)));
}

/// 224 published flowcharts of pilot powers, each complete in the four clarities.
async fn demo_flowcharts(db: &TestDb, created: usize) {
    use sunlight_store::entity::{flowchart, flowchart_version};
    assert_eq!(created, 224);
    let published = flowchart_version::Entity::find().filter(flowchart_version::Column::State.eq("published"));
    assert_eq!(count(db, published).await, 224);
    let system = sunlight_domain::policy::Principal::system("test");
    let figures = sunlight_store::figures::figures(&db.store, &system, None).await.unwrap();
    assert_eq!(figures.get("flowcharts_published"), Some(224));
    let charts = flowchart::Entity::find().all(db.store.connection()).await.unwrap();
    let units: std::collections::BTreeSet<i64> = charts.iter().map(|c| c.unit_id).collect();
    assert_eq!(units.len(), 7, "every pilot unit has flowcharts");
    let mut parallel = 0;
    let mut types = std::collections::BTreeSet::new();
    for chart in &charts {
        let loaded = sunlight_store::flowcharts::published_for_power(db.store.connection(), chart.power_id)
            .await
            .unwrap()
            .unwrap();
        assert!(loaded.four_clarities().is_empty(), "{}", chart.power_code);
        if loaded.nodes().iter().any(|n| n.kind == sunlight_domain::flow::flowchart::NodeKind::Parallel) {
            parallel += 1;
        }
    }
    let ids: Vec<i64> = charts.iter().map(|c| c.power_id).collect();
    for p in power::Entity::find().filter(power::Column::Id.is_in(ids)).all(db.store.connection()).await.unwrap() {
        assert_eq!(p.state, "published");
        types.insert(p.power_type);
    }
    assert!(parallel > 30 && parallel < 200, "{parallel} charts with parallel steps");
    assert!(types.len() >= 4, "{types:?}");
}

/// The demo county reproduces the report's figures from its records.
async fn demo_county_reproduces_the_report(db: TestDb) {
    let report = demo::build(&db.store).await.unwrap();
    assert_eq!((report.powers, report.risk_points, report.standards), (492, 1557, 43));

    assert_eq!(count(&db, power::Entity::find()).await, 492);
    assert_eq!(count(&db, power::Entity::find().filter(power::Column::UnitHead.eq(true))).await, 65);
    assert_eq!(count(&db, power_version::Entity::find()).await, 492);
    assert_eq!(count(&db, design_standard::Entity::find()).await, 43);
    assert_eq!(count(&db, focus_item::Entity::find()).await, 29);
    assert_eq!(count(&db, process_optimization::Entity::find()).await, 317);
    let removed: Vec<i32> = process_optimization::Entity::find()
        .select_only()
        .column(process_optimization::Column::StepsRemoved)
        .into_tuple()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(removed.iter().sum::<i32>(), 439);
    let decomposed: Vec<i64> = power_part::Entity::find()
        .select_only()
        .column(power_part::Column::PowerId)
        .distinct()
        .into_tuple()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(decomposed.len(), 19);

    assert_eq!(count(&db, risk_point::Entity::find()).await, 1557);
    let tier = |t: &str| risk_point::Entity::find().filter(risk_point::Column::HolderTier.eq(t.to_owned()));
    assert_eq!(count(&db, tier("unit_head")).await, 135);
    assert_eq!(count(&db, tier("leadership")).await, 347);
    let level = |r: i32| risk_point::Entity::find().filter(risk_point::Column::LevelRank.eq(r));
    assert_eq!((count(&db, level(1)).await, count(&db, level(2)).await, count(&db, level(3)).await), (358, 472, 727));
    let holders: Vec<Option<i64>> = risk_point::Entity::find()
        .select_only()
        .column(risk_point::Column::HolderPersonId)
        .distinct()
        .into_tuple()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(holders.iter().flatten().count(), 353);
    assert_eq!(count(&db, risk_step::Entity::find()).await, 1557 * 5);
    assert_eq!(count(&db, risk_level_decision::Entity::find()).await, 1557 * 3);
    let measures = count(&db, risk_measure::Entity::find()).await;
    assert!(measures > 1500 && measures < 1557, "{measures}: a few points lack a measure");

    assert_eq!(report.trading_projects, 175);
    assert_eq!(count(&db, trading_release::Entity::find()).await, 175);
    let indicators: Vec<String> = trading_alert::Entity::find()
        .select_only()
        .column(trading_alert::Column::Indicator)
        .distinct()
        .into_tuple()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(indicators.len(), 16, "every red flag has a demo alert: {indicators:?}");
    let states: Vec<String> = trading_alert::Entity::find()
        .select_only()
        .column(trading_alert::Column::State)
        .distinct()
        .into_tuple()
        .all(db.store.connection())
        .await
        .unwrap();
    assert_eq!(states.len(), 5, "alerts in every state of their lifecycle: {states:?}");

    assert_eq!(report.screens, 16);
    assert_eq!(count(&db, display_screen::Entity::find()).await, 16);
    let system = sunlight_domain::policy::Principal::system("test");
    let figures = sunlight_store::figures::figures(&db.store, &system, None).await.unwrap();
    assert_eq!(figures.get("public_catalogue_items"), Some(492));
    assert_eq!(figures.get("display_screens"), Some(16));
    demo_complaints(&db, report.complaints).await;
    demo_flowcharts(&db, report.flowcharts).await;

    let again = demo::build(&db.store).await.unwrap();
    assert_eq!(
        (again.powers, again.risk_points, again.standards, again.trading_projects, again.screens, again.complaints),
        (0, 0, 0, 0, 0, 0)
    );
    assert_eq!(again.flowcharts, 0);
    assert_eq!(count(&db, sunlight_store::entity::flowchart::Entity::find()).await, 224);
    assert_eq!(count(&db, risk_point::Entity::find()).await, 1557);
    assert!(matches!(audit::verify(&db.store).await.unwrap(), Verification::Intact { .. }));
}
both_backends!(demo_county_reproduces_the_report);
