use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use sunlight_domain::catalogue::design::{ComplianceInput, FocusItemInput, RawFocusItem, RawStandard, StandardInput};
use sunlight_domain::catalogue::optimization::{OptimizationInput, RawOptimization};
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_store::design::{self, DesignFilter, PartSections};
use sunlight_store::entity::{power, risk_point, standard_compliance};
use sunlight_store::figures::figures;
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, audit, demo, org};

fn unit_admin_of(unit_id: i64) -> Principal {
    Principal {
        actor: "user:t".into(),
        user_id: None,
        role: Role::UnitAdmin,
        scope: Scope::Units([unit_id].into()),
        is_token: false,
    }
}

fn standard(seq: &str, title: &str) -> StandardInput {
    StandardInput::parse(&RawStandard { seq: seq.into(), title: title.into(), description: None }).unwrap()
}

async fn insert_power(db: &TestDb, unit_id: i64, code: &str, state: &str, unit_head: bool) -> power::Model {
    let now = Utc::now();
    power::ActiveModel {
        unit_id: Set(unit_id),
        code: Set(code.into()),
        name: Set(format!("{code} 行政许可")),
        power_type: Set("permit".into()),
        legal_basis: Set("《行政许可法》".into()),
        fee_charged: Set(false),
        unit_head: Set(unit_head),
        public: Set(true),
        state: Set(state.into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.store.connection())
    .await
    .unwrap()
}

async fn insert_risk(db: &TestDb, unit_id: i64, tier: &str, person: Option<i64>, rank: Option<i32>, active: bool) {
    let now = Utc::now();
    risk_point::ActiveModel {
        unit_id: Set(unit_id),
        scope_kind: Set("unit".into()),
        scope_target: Set(unit_id),
        kind: Set("power".into()),
        description: Set("审批环节随意性大".into()),
        holder_tier: Set(tier.into()),
        holder_person_id: Set(person),
        method: Set("自己找".into()),
        level_rank: Set(rank),
        active: Set(active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.store.connection())
    .await
    .unwrap();
}

async fn standards_are_the_commissions_and_compliance_is_upserted(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap();
    let admin = unit_admin_of(scjg.id);

    let first = design::create_standard(&db.store, &system, &standard("1", "建立职权目录")).await.unwrap();
    let second = design::create_standard(&db.store, &system, &standard("2", "绘制权力运行流程图")).await.unwrap();
    let err = design::create_standard(&db.store, &system, &standard("2", "重复编号")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { field: "seq" }), "{err:?}");
    assert!(matches!(
        design::create_standard(&db.store, &admin, &standard("3", "单位自定")).await,
        Err(StoreError::Denied(_))
    ));
    let renamed =
        design::update_standard(&db.store, &system, first.id, &standard("1", "编制职权目录"), true).await.unwrap();
    assert_eq!(renamed.title, "编制职权目录");
    design::set_standard_active(&db.store, &system, second.id, false).await.unwrap();
    let listed = design::list_standards(&db.store, &admin, false).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![first.id]);
    assert_eq!(design::list_standards(&db.store, &admin, true).await.unwrap().len(), 2);

    // Compliance: one row per (standard, unit), changed in place.
    let met = ComplianceInput::parse(true, Some("见《职权目录》2026 版")).unwrap();
    let c1 = design::record_compliance(&db.store, &admin, first.id, scjg.id, &met).await.unwrap();
    let not_met = ComplianceInput::parse(false, None).unwrap();
    let c2 = design::record_compliance(&db.store, &admin, first.id, scjg.id, &not_met).await.unwrap();
    assert_eq!(c1.id, c2.id);
    assert!(!c2.compliant);
    assert_eq!(standard_compliance::Entity::find().all(db.store.connection()).await.unwrap().len(), 1);
    // Not another unit's, not an inactive standard.
    assert!(matches!(
        design::record_compliance(&db.store, &admin, first.id, zrzy.id, &met).await,
        Err(StoreError::Denied(_))
    ));
    assert!(matches!(
        design::record_compliance(&db.store, &admin, second.id, scjg.id, &met).await,
        Err(StoreError::Invalid(_))
    ));
    design::record_compliance(&db.store, &system, first.id, zrzy.id, &met).await.unwrap();
    let matrix = design::compliance_matrix(&db.store, &admin, None).await.unwrap();
    assert_eq!(matrix.units.iter().map(|u| u.id).collect::<Vec<_>>(), vec![scjg.id]);
    assert_eq!(matrix.met(scjg.id), 0);
    assert!(matrix.cell(scjg.id, first.id).is_some());
    let county = design::compliance_matrix(&db.store, &system, None).await.unwrap();
    assert_eq!(county.met(zrzy.id), 1);

    let log = audit::list(&db.store, &system, &audit::AuditFilter::default(), 1, 100).await.unwrap();
    let actions: Vec<&str> = log.records.iter().map(|r| r.action.as_str()).collect();
    for action in ["design_standard.create", "design_standard.update", "standard_compliance.record"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}
both_backends!(standards_are_the_commissions_and_compliance_is_upserted);

async fn focus_items_and_optimizations_stay_in_their_unit(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap();
    let admin = unit_admin_of(scjg.id);

    let item = FocusItemInput::parse(&RawFocusItem { title: "行政处罚自由裁量".into(), description: None }).unwrap();
    let mine = design::create_focus_item(&db.store, &admin, scjg.id, &item).await.unwrap();
    assert!(design::create_focus_item(&db.store, &admin, zrzy.id, &item).await.is_err());
    let theirs = design::create_focus_item(&db.store, &system, zrzy.id, &item).await.unwrap();
    let changed = FocusItemInput::parse(&RawFocusItem {
        title: "行政处罚自由裁量权".into(),
        description: Some("案件审理".into()),
    })
    .unwrap();
    assert_eq!(
        design::update_focus_item(&db.store, &admin, mine.id, &changed).await.unwrap().title,
        "行政处罚自由裁量权"
    );
    assert!(matches!(
        design::update_focus_item(&db.store, &admin, theirs.id, &changed).await,
        Err(StoreError::NotFound { .. })
    ));
    let listed = design::list_focus_items(&db.store, &admin, &DesignFilter::default()).await.unwrap();
    assert_eq!(listed.iter().map(|f| f.id).collect::<Vec<_>>(), vec![mine.id]);
    let found = design::list_focus_items(&db.store, &system, &DesignFilter { unit_id: None, q: Some("裁量权".into()) })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    design::delete_focus_item(&db.store, &admin, mine.id).await.unwrap();
    assert!(design::list_focus_items(&db.store, &admin, &DesignFilter::default()).await.unwrap().is_empty());

    let own_power = insert_power(&db, scjg.id, "SCJGXK001", "published", false).await;
    let other_power = insert_power(&db, zrzy.id, "ZRZYXK001", "published", false).await;
    let raw = RawOptimization {
        title: "食品经营许可".into(),
        power_id: Some(own_power.id),
        steps_before: "受理\n初审\n现场核查\n复审\n审批\n送达".into(),
        steps_after: "受理\n现场核查\n审批\n送达\n网上公示".into(),
    };
    let created = design::create_optimization(&db.store, &admin, scjg.id, &OptimizationInput::parse(&raw).unwrap())
        .await
        .unwrap();
    assert_eq!(created.record.steps_removed, 2);
    assert_eq!(created.removed, vec!["初审", "复审"]);
    let read = design::get_optimization(&db.store, &admin, created.record.id).await.unwrap();
    assert_eq!(read.before.len(), 6);
    assert_eq!(read.after.last().map(String::as_str), Some("网上公示"));
    let foreign = RawOptimization { power_id: Some(other_power.id), ..raw };
    let err = design::create_optimization(&db.store, &admin, scjg.id, &OptimizationInput::parse(&foreign).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f.get("power_id").is_some()), "{err:?}");
    assert_eq!(design::list_optimizations(&db.store, &admin, &DesignFilter::default()).await.unwrap().len(), 1);
}
both_backends!(focus_items_and_optimizations_stay_in_their_unit);

async fn decomposition_check_finds_sections_holding_two_parts(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap();
    let admin = unit_admin_of(scjg.id);
    let sections = org::list_sections(&db.store, &system, scjg.id).await.unwrap();
    let foreign = org::list_sections(&db.store, &system, zrzy.id).await.unwrap()[0].id;
    let (a, b, c) = (sections[0].id, sections[1].id, sections[2].id);
    let clean = insert_power(&db, scjg.id, "SCJGXK001", "published", true).await;
    let mixed = insert_power(&db, scjg.id, "SCJGCF001", "published", false).await;

    let parts = PartSections { decide: vec![a], execute: vec![b], supervise: vec![c] };
    design::set_power_parts(&db.store, &admin, clean.id, &parts).await.unwrap();
    let parts = PartSections { decide: vec![a], execute: vec![b], supervise: vec![b, c] };
    design::set_power_parts(&db.store, &admin, mixed.id, &parts).await.unwrap();
    let conflicts = design::separation_check(&db.store, &admin, None).await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!((conflicts[0].power_id, conflicts[0].section_id), (mixed.id, b));
    assert_eq!(conflicts[0].roles.len(), 2);
    assert_eq!(conflicts[0].section_name, sections[1].name);

    // A section of another unit is refused and nothing changes.
    let bad = PartSections { decide: vec![foreign], execute: vec![b], supervise: vec![c] };
    let err = design::set_power_parts(&db.store, &admin, clean.id, &bad).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f.get("decide").is_some()), "{err:?}");
    let listed = design::list_decompositions(&db.store, &admin, None).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().find(|d| d.power.id == clean.id).unwrap().parts.decide, vec![a]);

    // Fixing it clears the check; another unit's admin cannot touch it.
    let fixed = PartSections { decide: vec![a], execute: vec![b], supervise: vec![c] };
    design::set_power_parts(&db.store, &admin, mixed.id, &fixed).await.unwrap();
    assert!(design::separation_check(&db.store, &admin, None).await.unwrap().is_empty());
    assert!(design::set_power_parts(&db.store, &unit_admin_of(zrzy.id), mixed.id, &fixed).await.is_err());
}
both_backends!(decomposition_check_finds_sections_holding_two_parts);

async fn figures_count_each_key_within_scope(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap();
    let before = figures(&db.store, &system, None).await.unwrap();
    let base = |key: &str| before.get(key).unwrap();

    design::create_standard(&db.store, &system, &standard("1", "建立职权目录")).await.unwrap();
    let inactive = design::create_standard(&db.store, &system, &standard("2", "已废止")).await.unwrap();
    design::set_standard_active(&db.store, &system, inactive.id, false).await.unwrap();
    let item = FocusItemInput::parse(&RawFocusItem { title: "重点".into(), description: None }).unwrap();
    design::create_focus_item(&db.store, &system, scjg.id, &item).await.unwrap();
    design::create_focus_item(&db.store, &system, zrzy.id, &item).await.unwrap();
    for (unit, before, after) in [(scjg.id, "a\nb\nc", "a"), (scjg.id, "a\nb", "a\nb\nc"), (zrzy.id, "x\ny", "z")] {
        let raw = RawOptimization {
            title: "流程".into(),
            power_id: None,
            steps_before: before.into(),
            steps_after: after.into(),
        };
        design::create_optimization(&db.store, &system, unit, &OptimizationInput::parse(&raw).unwrap()).await.unwrap();
    }
    let p1 = insert_power(&db, scjg.id, "SCJGXK001", "draft", true).await;
    insert_power(&db, scjg.id, "SCJGXK002", "published", false).await;
    insert_power(&db, scjg.id, "SCJGXK003", "abolished", true).await;
    insert_power(&db, scjg.id, "SCJGXK004", "merged", false).await;
    insert_power(&db, zrzy.id, "ZRZYXK001", "submitted", true).await;
    let sections = org::list_sections(&db.store, &system, scjg.id).await.unwrap();
    let parts = PartSections { decide: vec![sections[0].id], execute: vec![sections[1].id], supervise: vec![] };
    design::set_power_parts(&db.store, &system, p1.id, &parts).await.unwrap();
    let people = org::list_persons(
        &db.store,
        &system,
        &org::PersonFilter { unit_id: Some(scjg.id), ..Default::default() },
        1,
        10,
    )
    .await
    .unwrap()
    .persons;
    let (x, y) = (people[0].id, people[1].id);
    insert_risk(&db, scjg.id, "unit_head", Some(x), Some(1), true).await;
    insert_risk(&db, scjg.id, "leadership", Some(y), Some(2), true).await;
    insert_risk(&db, scjg.id, "leadership", Some(y), Some(3), true).await;
    insert_risk(&db, scjg.id, "ordinary_cadre", None, None, true).await;
    insert_risk(&db, scjg.id, "unit_head", Some(x), Some(1), false).await;
    insert_risk(&db, zrzy.id, "unit_head", None, Some(1), true).await;

    let all = figures(&db.store, &system, None).await.unwrap();
    let expected = [
        ("standards", 1),
        ("focus_items", 2),
        ("optimized_processes", 3),
        ("steps_removed", 4), // 2 + 0 + 2
        ("decomposed_powers", 1),
        ("pilot_units", 0),
        ("powers", 3),
        ("unit_head_powers", 2),
        ("cadres_in_risk_search", 2),
        ("risk_points", 5),
        ("risk_points_unit_heads", 2),
        ("risk_points_leadership", 2),
        ("risk_points_level_1", 2),
        ("risk_points_level_2", 1),
        ("risk_points_level_3", 1),
        ("trading_projects", 0),
        ("redflags_open", 0),
    ];
    for (key, added) in expected {
        assert_eq!(all.get(key), Some(base(key) + added), "{key}");
    }
    assert_eq!(all.0.iter().map(|(k, _)| *k).collect::<Vec<_>>(), sunlight_store::figures::keys());

    // One unit: its own records; the county's standards; pilot 1 or 0.
    let unit = figures(&db.store, &system, Some(scjg.id)).await.unwrap();
    let pilot = i64::from(scjg.pilot);
    for (key, value) in [
        ("standards", 1),
        ("focus_items", 1),
        ("optimized_processes", 2),
        ("steps_removed", 2),
        ("decomposed_powers", 1),
        ("pilot_units", pilot),
        ("powers", 2),
        ("unit_head_powers", 1),
        ("cadres_in_risk_search", 2),
        ("risk_points", 4),
        ("risk_points_unit_heads", 1),
        ("risk_points_leadership", 2),
        ("risk_points_level_1", 1),
        ("risk_points_level_2", 1),
        ("risk_points_level_3", 1),
        ("trading_projects", 0),
        ("redflags_open", 0),
    ] {
        assert_eq!(unit.get(key), Some(value), "{key} of SCJG");
    }
    // Figures are for the commission and tokens; a token sees its unit only.
    assert!(matches!(figures(&db.store, &unit_admin_of(scjg.id), None).await, Err(StoreError::Denied(_))));
    let token = Principal { is_token: true, ..unit_admin_of(scjg.id) };
    assert_eq!(figures(&db.store, &token, None).await.unwrap(), unit);
    assert!(matches!(figures(&db.store, &token, Some(zrzy.id)).await, Err(StoreError::Denied(_))));
}
both_backends!(figures_count_each_key_within_scope);

/// The demo county's figures are the report's, each counted by its query.
async fn demo_figures_are_the_reports(db: TestDb) {
    demo::build(&db.store).await.unwrap();
    let all = figures(&db.store, &Principal::system("test"), None).await.unwrap();
    let expected = [
        ("standards", 43),
        ("focus_items", 29),
        ("optimized_processes", 317),
        ("steps_removed", 439),
        ("decomposed_powers", 19),
        ("powers", 492),
        ("unit_head_powers", 65),
        ("cadres_in_risk_search", 353),
        ("risk_points", 1557),
        ("risk_points_unit_heads", 135),
        ("risk_points_leadership", 347),
        ("risk_points_level_1", 358),
        ("risk_points_level_2", 472),
        ("risk_points_level_3", 727),
    ];
    for (key, value) in expected {
        assert_eq!(all.get(key), Some(value), "{key}");
    }
    // The separation check runs over the demo's decompositions.
    let decomposed = design::list_decompositions(&db.store, &Principal::system("test"), None).await.unwrap();
    assert_eq!(decomposed.len(), 19);
}
both_backends!(demo_figures_are_the_reports);
