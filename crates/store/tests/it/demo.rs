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
    // Points of charted powers name the step they lie in, a step of the chart.
    let named = sunlight_store::entity::risk_point::Entity::find()
        .filter(sunlight_store::entity::risk_point::Column::FlowStep.is_not_null())
        .all(db.store.connection())
        .await
        .unwrap();
    assert!(named.len() > 20, "{} points name their step", named.len());
    for point in &named {
        let chart = sunlight_store::flowcharts::published_for_power(db.store.connection(), point.scope_target)
            .await
            .unwrap()
            .unwrap();
        let step = point.flow_step.as_deref().unwrap_or_default();
        assert!(chart.steps().any(|(n, _)| n.name.trim() == step), "{step}");
        assert!(point.description.contains(step));
    }
}

/// Six months of online handling: thousands of cases, most handled in time and in
/// order, a realistic share with cards and deviations, the older alerts dealt with.
async fn demo_cases(db: &TestDb, report: &demo::DemoReport) {
    use std::collections::BTreeSet;
    use sunlight_store::entity::{handling_case, supervision_alert};
    let conn = db.store.connection();
    assert!(report.cases >= 2_500, "{} demo cases", report.cases);
    assert_eq!(count(db, handling_case::Entity::find()).await, report.cases as u64);
    let status = |s: &str| handling_case::Entity::find().filter(handling_case::Column::Status.eq(s.to_owned()));
    let (open, finished, terminated) =
        (count(db, status("open")).await, count(db, status("finished")).await, count(db, status("terminated")).await);
    let paused = count(db, status("paused")).await;
    assert_eq!(open + finished + terminated + paused, report.cases as u64);
    assert!(finished * 100 > report.cases as u64 * 75, "most cases are finished: {finished} of {}", report.cases);
    assert!(open > 50 && terminated > 5, "open {open}, terminated {terminated}");
    let live = |card: &str| status("open").filter(handling_case::Column::Card.eq(card.to_owned()));
    assert!(count(db, live("red")).await > 5 && count(db, live("yellow")).await > 0, "live cards on open cases");
    let carded = status("finished").filter(handling_case::Column::Card.is_in(["yellow", "red"]));
    let late = count(db, carded).await;
    assert!(late > 20 && late * 100 < finished * 15, "finished with a step past its limit: {late} of {finished}");
    let overdue = count(db, status("finished").filter(handling_case::Column::Overdue.eq(true))).await;
    assert!(overdue > 0 && overdue < late, "finished past the case's own deadline: {overdue}");
    let deviating =
        count(db, handling_case::Entity::find().filter(handling_case::Column::ProcessConformant.eq(false))).await;
    assert!(
        deviating * 100 > report.cases as u64 * 3 && deviating * 100 < report.cases as u64 * 30,
        "process deviations in {deviating} of {} cases",
        report.cases
    );
    let rules: BTreeSet<String> = supervision_alert::Entity::find()
        .select_only()
        .column(supervision_alert::Column::Rule)
        .distinct()
        .into_tuple()
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for rule in [
        "time.yellow_card",
        "time.red_card",
        "process.not_allowed",
        "process.wrong_role",
        "process.separation_of_duties",
        "process.returned",
        "process.paused",
        "process.terminated",
        "content.missing_documents",
        "content.timestamp_backwards",
        "discretion.fee_deviation",
    ] {
        assert!(rules.contains(rule), "no demo alert of {rule}: {rules:?}");
    }
    let alert_states: BTreeSet<String> = supervision_alert::Entity::find()
        .select_only()
        .column(supervision_alert::Column::State)
        .distinct()
        .into_tuple()
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for state in ["raised", "acknowledged", "explained", "closed", "escalated"] {
        assert!(alert_states.contains(state), "no demo alert {state}: {alert_states:?}");
    }
    let system = sunlight_domain::policy::Principal::system("test");
    let figures = sunlight_store::figures::figures(&db.store, &system, None).await.unwrap();
    assert_eq!(figures.get("cases"), i64::try_from(report.cases).ok());
    assert!(figures.get("alerts_open").is_some_and(|n| n > 0));
    // Each printed lookup answers on the portal with its code, and only with it.
    assert_eq!(report.case_lookups.len(), 3, "{:?}", report.case_lookups);
    for lookup in &report.case_lookups {
        let found = sunlight_store::cases::public_status(&db.store, &lookup.number, &lookup.code).await.unwrap();
        assert_eq!(found.map(|c| c.status), Some(lookup.status.clone()));
        let wrong = format!("{:06}", (lookup.code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert!(sunlight_store::cases::public_status(&db.store, &lookup.number, &wrong).await.unwrap().is_none());
    }
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
    demo_cases(&db, &report).await;

    let again = demo::build(&db.store).await.unwrap();
    assert_eq!(
        (again.powers, again.risk_points, again.standards, again.trading_projects, again.screens, again.complaints),
        (0, 0, 0, 0, 0, 0)
    );
    assert_eq!((again.flowcharts, again.cases), (0, 0));
    assert_eq!(count(&db, sunlight_store::entity::flowchart::Entity::find()).await, 224);
    assert_eq!(count(&db, risk_point::Entity::find()).await, 1557);
    assert!(matches!(audit::verify(&db.store).await.unwrap(), Verification::Intact { .. }));
}
both_backends!(demo_county_reproduces_the_report);
