use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::risk::{FindingStep, LevelStage, MeasureStatus, RiskModel};
use sunlight_domain::text::Note;
use sunlight_store::entity::{risk_level_decision, risk_point, risk_step};
use sunlight_store::risk::{self, RawMeasure, RawRisk, RiskFilter};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, demo, org};

fn principal(role: Role, unit_id: i64) -> Principal {
    Principal {
        actor: format!("user:{}", role.key()),
        user_id: None,
        role,
        scope: Scope::Units([unit_id].into()),
        is_token: false,
    }
}

struct Fixture {
    unit: i64,
    other: i64,
    section: i64,
    other_section: i64,
    person: i64,
}

async fn fixture(db: &TestDb) -> Fixture {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let unit = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap().id;
    let other = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap().id;
    let section = org::list_sections(&db.store, &system, unit).await.unwrap()[0].id;
    let other_section = org::list_sections(&db.store, &system, other).await.unwrap()[0].id;
    let filter = org::PersonFilter { unit_id: Some(unit), ..Default::default() };
    let person = org::list_persons(&db.store, &system, &filter, 1, 1).await.unwrap().persons[0].id;
    Fixture { unit, other, section, other_section, person }
}

fn raw(section: i64, person: Option<i64>, grades: Option<i64>) -> RawRisk {
    RawRisk {
        scope_kind: "section".into(),
        scope_target: Some(section),
        kind: "power".into(),
        description: "审批时对不符合条件的申请予以受理".into(),
        holder_tier: "section_head".into(),
        holder_person_id: person,
        method: "五步法".into(),
        importance: grades,
        frequency: grades,
        probability: grades,
        harm: grades,
        flow_step: None,
    }
}

fn field_code(err: &StoreError, field: &str) -> Option<&'static str> {
    match err {
        StoreError::Invalid(fields) => fields.get(field).map(|e| e.code),
        _ => None,
    }
}

async fn steps_in_order_and_review_needs_approval_right(db: TestDb) {
    let f = fixture(&db).await;
    let admin = principal(Role::UnitAdmin, f.unit);
    let watcher = principal(Role::SubCommissionStaff, f.unit);
    let point = risk::create_risk(&db.store, &admin, f.unit, &raw(f.section, Some(f.person), None).parse().unwrap())
        .await
        .unwrap();
    assert_eq!(point.finding_step, None);

    let err = risk::record_step(&db.store, &admin, point.id, FindingStep::LeaderProposed, None).await.unwrap_err();
    assert_eq!(field_code(&err, "step"), Some("step_out_of_order"), "{err:?}");
    for step in &FindingStep::ALL[..4] {
        let comment = Note::parse(&format!("{} done", step.key())).ok();
        risk::record_step(&db.store, &admin, point.id, *step, comment).await.unwrap();
    }
    let err =
        risk::record_step(&db.store, &admin, point.id, FindingStep::OrganizationReviewed, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)), "{err:?}");
    let cadre = principal(Role::Cadre, f.unit);
    let err =
        risk::record_step(&db.store, &cadre, point.id, FindingStep::OrganizationReviewed, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)), "{err:?}");
    risk::record_step(&db.store, &watcher, point.id, FindingStep::OrganizationReviewed, None).await.unwrap();
    let err =
        risk::record_step(&db.store, &watcher, point.id, FindingStep::OrganizationReviewed, None).await.unwrap_err();
    assert_eq!(field_code(&err, "step"), Some("workflow_complete"), "{err:?}");

    let detail = risk::risk_detail(&db.store, &admin, point.id).await.unwrap();
    assert_eq!(detail.steps.len(), 5);
    assert_eq!(detail.steps[0].comment.as_deref(), Some("self_found done"));
    assert_eq!(detail.point.finding_step.as_deref(), Some("organization_reviewed"));
    assert_eq!(detail.next_step, None);
}
both_backends!(steps_in_order_and_review_needs_approval_right);

async fn levels_go_proposal_evaluation_approval(db: TestDb) {
    let f = fixture(&db).await;
    let admin = principal(Role::UnitAdmin, f.unit);
    let watcher = principal(Role::SubCommissionStaff, f.unit);
    let point =
        risk::create_risk(&db.store, &admin, f.unit, &raw(f.section, None, Some(4)).parse().unwrap()).await.unwrap();
    let err = risk::decide_level(&db.store, &watcher, point.id, LevelStage::Approved, 1, None).await.unwrap_err();
    assert_eq!(field_code(&err, "stage"), Some("stage_out_of_order"), "{err:?}");
    let err = risk::decide_level(&db.store, &admin, point.id, LevelStage::Proposed, 7, None).await.unwrap_err();
    assert_eq!(field_code(&err, "rank"), Some("unknown_level"), "{err:?}");
    let proposed = risk::decide_level(&db.store, &admin, point.id, LevelStage::Proposed, 2, None).await.unwrap();
    assert!(proposed.score.is_some(), "a graded point is scored");
    risk::decide_level(&db.store, &admin, point.id, LevelStage::LeaderEvaluated, 1, None).await.unwrap();
    let err = risk::decide_level(&db.store, &admin, point.id, LevelStage::Approved, 1, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)), "{err:?}");
    risk::decide_level(&db.store, &watcher, point.id, LevelStage::Approved, 1, None).await.unwrap();
    let detail = risk::risk_detail(&db.store, &admin, point.id).await.unwrap();
    assert_eq!(detail.point.level_rank, Some(1));
    assert_eq!(detail.point.level_stage.as_deref(), Some("approved"));
    assert_eq!(detail.levels.len(), 3);
    assert_eq!(detail.next_stage, LevelStage::Proposed);

    let approved = RiskFilter { level_rank: Some(1), unit_id: Some(f.unit), ..Default::default() };
    let page = risk::list_risks(&db.store, &admin, &approved, 1, 100).await.unwrap();
    assert!(page.points.iter().any(|p| p.id == point.id));
}
both_backends!(levels_go_proposal_evaluation_approval);

async fn scope_is_enforced(db: TestDb) {
    let f = fixture(&db).await;
    let admin = principal(Role::UnitAdmin, f.unit);
    let system = Principal::system("test");
    let input = raw(f.other_section, None, None).parse().unwrap();
    let err = risk::create_risk(&db.store, &admin, f.other, &input).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)), "{err:?}");
    let err = risk::create_risk(&db.store, &admin, f.unit, &input).await.unwrap_err();
    assert_eq!(field_code(&err, "scope_target"), Some("not_in_unit"), "{err:?}");
    let mut foreign_holder = raw(f.section, None, None);
    let other_filter = org::PersonFilter { unit_id: Some(f.other), ..Default::default() };
    foreign_holder.holder_person_id =
        Some(org::list_persons(&db.store, &system, &other_filter, 1, 1).await.unwrap().persons[0].id);
    let err = risk::create_risk(&db.store, &admin, f.unit, &foreign_holder.parse().unwrap()).await.unwrap_err();
    assert_eq!(field_code(&err, "holder_person_id"), Some("not_in_unit"), "{err:?}");

    let foreign = risk::create_risk(&db.store, &system, f.other, &input).await.unwrap();
    let err = risk::get_risk(&db.store, &admin, foreign.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let err = risk::record_step(&db.store, &admin, foreign.id, FindingStep::SelfFound, None).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let page = risk::list_risks(&db.store, &admin, &RiskFilter::default(), 1, 10_000).await.unwrap();
    assert!(page.points.iter().all(|p| p.unit_id == f.unit));

    let bad = RawRisk { description: "  ".into(), importance: Some(11), ..raw(f.section, None, None) };
    let errors = bad.parse().unwrap_err();
    assert_eq!(errors.get("description").map(|e| e.code), Some("required"));
    assert_eq!(errors.get("importance").map(|e| e.code), Some("grade_out_of_range"));
    let six = raw(f.section, None, Some(6)).parse().unwrap();
    let err = risk::create_risk(&db.store, &admin, f.unit, &six).await.unwrap_err();
    assert_eq!(field_code(&err, "harm"), Some("grade_out_of_range"), "{err:?}");
}
both_backends!(scope_is_enforced);

async fn publishing_a_model_never_changes_approved_levels(db: TestDb) {
    let f = fixture(&db).await;
    let system = Principal::system("test");
    risk::ensure_default_model(&db.store, &system).await.unwrap();
    assert!(!risk::ensure_default_model(&db.store, &system).await.unwrap());
    let admin = principal(Role::UnitAdmin, f.unit);
    let point =
        risk::create_risk(&db.store, &admin, f.unit, &raw(f.section, None, Some(3)).parse().unwrap()).await.unwrap();
    for stage in [LevelStage::Proposed, LevelStage::LeaderEvaluated, LevelStage::Approved] {
        risk::decide_level(&db.store, &system, point.id, stage, 2, None).await.unwrap();
    }
    let mut config = RiskModel::default().config().clone();
    config.version = 2;
    config.levels[0].min_score = 50;
    config.levels[1].min_score = 30;
    let json = serde_json::to_string(&config).unwrap();

    let err = risk::publish_model(&db.store, &admin, &json).await.unwrap_err();
    assert!(matches!(err, StoreError::Denied(_)), "{err:?}");
    let (model, changes) = risk::preview_model(&db.store, &system, &json).await.unwrap();
    assert_eq!(model.version(), 2);
    let change = changes.iter().find(|c| c.id == point.id).expect("the point moves to level 1");
    assert!(change.needs_review);
    assert_eq!(change.approved_rank, Some(2));

    let mut broken = config.clone();
    broken.levels[2].min_score = 10;
    let err = risk::publish_model(&db.store, &system, &serde_json::to_string(&broken).unwrap()).await.unwrap_err();
    assert_eq!(field_code(&err, "levels[2]"), Some("threshold_order"), "{err:?}");
    let err = risk::publish_model(&db.store, &system, "{not json").await.unwrap_err();
    assert_eq!(field_code(&err, "config"), Some("model_json"), "{err:?}");
    let mut old = config.clone();
    old.version = 1;
    let err = risk::publish_model(&db.store, &system, &serde_json::to_string(&old).unwrap()).await.unwrap_err();
    assert_eq!(field_code(&err, "version"), Some("version_not_newer"), "{err:?}");

    risk::publish_model(&db.store, &system, &json).await.unwrap();
    assert_eq!(risk::active_model(&db.store).await.unwrap().version(), 2);
    let versions = risk::model_versions(&db.store, &system).await.unwrap();
    assert_eq!(versions.iter().map(|v| (v.version, v.active)).collect::<Vec<_>>(), vec![(2, true), (1, false)]);
    let after = risk::get_risk(&db.store, &system, point.id).await.unwrap();
    assert_eq!(after.level_rank, Some(2), "approved level untouched");
    let detail = risk::risk_detail(&db.store, &system, point.id).await.unwrap();
    assert_eq!(detail.assessment.map(|a| a.rank), Some(1), "the new model suggests level 1");
    assert_eq!(detail.levels.last().map(|l| l.model_version), Some(1));
}
both_backends!(publishing_a_model_never_changes_approved_levels);

async fn measure_gaps_list_uncovered_points_and_overdue_measures(db: TestDb) {
    let f = fixture(&db).await;
    let admin = principal(Role::UnitAdmin, f.unit);
    let input = raw(f.section, None, None).parse().unwrap();
    let covered = risk::create_risk(&db.store, &admin, f.unit, &input).await.unwrap();
    let bare = risk::create_risk(&db.store, &admin, f.unit, &input).await.unwrap();
    let measure = |due: &str| RawMeasure {
        phase: "before".into(),
        mechanism: "oversight".into(),
        description: "实行受理、审查、决定分岗办理".into(),
        owner: "张科长".into(),
        due: due.into(),
        status: String::new(),
    };
    let bad = RawMeasure { due: "2026-13-01".into(), ..measure("") }.parse().unwrap_err();
    assert_eq!(bad.get("due").map(|e| e.code), Some("date_format"));
    let late =
        risk::create_measure(&db.store, &admin, covered.id, &measure("2026-01-31").parse().unwrap()).await.unwrap();
    let done =
        risk::create_measure(&db.store, &admin, covered.id, &measure("2026-01-01").parse().unwrap()).await.unwrap();
    risk::set_measure_status(&db.store, &admin, done.id, MeasureStatus::Done).await.unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let gaps = risk::measure_gaps(&db.store, &admin, Some(f.unit), today).await.unwrap();
    assert!(gaps.without_measure.iter().any(|p| p.id == bare.id));
    assert!(!gaps.without_measure.iter().any(|p| p.id == covered.id));
    assert!(gaps.overdue.iter().any(|m| m.id == late.id));
    assert!(!gaps.overdue.iter().any(|m| m.id == done.id));
    let cadre = principal(Role::Cadre, f.unit);
    let err = risk::create_measure(&db.store, &cadre, bare.id, &measure("2026-05-01").parse().unwrap()).await;
    assert!(matches!(err, Err(StoreError::Denied(_))), "{err:?}");

    let summary = risk::search_summary(&db.store, &admin, f.unit).await.unwrap();
    assert!(summary.cadres.len() > 10);
    assert!(risk::search_summary(&db.store, &admin, f.other).await.is_err());
}
both_backends!(measure_gaps_list_uncovered_points_and_overdue_measures);

/// Rows written directly, as the demo builder does, are read back by the workflows.
async fn directly_inserted_rows_are_understood(db: TestDb) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let f = fixture(&db).await;
    let conn = db.store.connection();
    let now = chrono::Utc::now() - chrono::Duration::days(1);
    sunlight_store::entity::risk_model::ActiveModel {
        version: Set(1),
        config: Set(serde_json::to_string(RiskModel::default().config()).unwrap()),
        active: Set(true),
        actor: Set("system:demo".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .unwrap();
    let point = risk_point::ActiveModel {
        unit_id: Set(f.unit),
        scope_kind: Set("unit".into()),
        scope_target: Set(f.unit),
        kind: Set("management".into()),
        description: Set("财务报销审核不严".into()),
        holder_tier: Set("unit_head".into()),
        holder_person_id: Set(None),
        method: Set("五步法".into()),
        importance: Set(Some(5)),
        frequency: Set(Some(4)),
        probability: Set(Some(4)),
        harm: Set(Some(5)),
        finding_step: Set(Some("organization_reviewed".into())),
        level_stage: Set(Some("approved".into())),
        level_rank: Set(Some(1)),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .unwrap();
    for (i, step) in FindingStep::ALL.iter().enumerate() {
        risk_step::ActiveModel {
            risk_point_id: Set(point.id),
            step: Set(step.key().into()),
            actor: Set("system:demo".into()),
            at: Set(now + chrono::Duration::minutes(i64::try_from(i).unwrap())),
            comment: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await
        .unwrap();
    }
    for (i, stage) in LevelStage::ALL.iter().enumerate() {
        risk_level_decision::ActiveModel {
            risk_point_id: Set(point.id),
            stage: Set(stage.key().into()),
            rank: Set(1),
            model_version: Set(1),
            score: Set(Some(900)),
            actor: Set("system:demo".into()),
            at: Set(now + chrono::Duration::minutes(10 + i64::try_from(i).unwrap())),
            comment: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await
        .unwrap();
    }
    let system = Principal::system("test");
    let detail = risk::risk_detail(&db.store, &system, point.id).await.unwrap();
    assert_eq!((detail.next_step, detail.next_stage), (None, LevelStage::Proposed));
    risk::decide_level(&db.store, &system, point.id, LevelStage::Proposed, 2, None).await.unwrap();
    assert!(!risk::ensure_default_model(&db.store, &system).await.unwrap());
    let map = risk::levels_by_unit(&db.store, &system, &RiskModel::default()).await.unwrap();
    assert!(map.iter().any(|(_, counts)| counts[0] >= 1));
}
both_backends!(directly_inserted_rows_are_understood);
