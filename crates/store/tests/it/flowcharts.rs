//! Flowcharts: BPMN drafts, publication under the four clarities, supersession,
//! export, scope, the loaders other parts use, and the risk levels of steps.

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use sunlight_domain::catalogue::{Column, PowerDraft, PowerTypes, RowContext, parse_row};
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::flow::{Flowchart, export_bpmn, import_bpmn};
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_store::audit::{self, Verification};
use sunlight_store::entity::{flowchart, flowchart_version, risk_point};
use sunlight_store::flowcharts::{self, FlowchartFilter, ImportError, PowerRef};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, catalogue, demo, org};

fn shared(name: &str) -> String {
    let path = format!("{}/../../../shared/data/eventlogs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn principal(role: Role, unit_id: i64) -> Principal {
    Principal {
        actor: format!("user:{}", role.key()),
        user_id: None,
        role,
        scope: Scope::Units([unit_id].into()),
        is_token: false,
    }
}

fn licence(unit: &str, name: &str) -> PowerDraft {
    let unit = UnitCode::parse(unit).unwrap();
    let cells: BTreeMap<Column, &str> = [
        (Column::Name, name),
        (Column::Type, "行政许可"),
        (Column::LegalBasis, "《中华人民共和国食品安全法》第三十五条"),
        (Column::LegalLimit, "20个工作日"),
        (Column::PromisedLimit, "10个工作日"),
    ]
    .into_iter()
    .collect();
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    parse_row(|c| cells.get(&c).copied(), &context).unwrap()
}

/// The demo organization and one power of SCJG: (SCJG's id, the power's id and code).
async fn power(db: &TestDb) -> (i64, i64, String) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap().id;
    let created = catalogue::create_power(&db.store, &system, licence("SCJG", "食品经营许可")).await.unwrap();
    (scjg, created.power.id, created.power.code)
}

fn complete_bpmn() -> String {
    export_bpmn(&Flowchart::new(generator_flowchart()).unwrap())
}

fn field_codes(err: &StoreError) -> Vec<(String, &'static str)> {
    match err {
        StoreError::Invalid(fields) => fields.iter().map(|(k, e)| (k.clone(), e.code)).collect(),
        other => panic!("not invalid: {other:?}"),
    }
}

async fn drafts_publication_and_supersession(db: TestDb) {
    let (scjg, power_id, code) = power(&db).await;
    let admin = principal(Role::UnitAdmin, scjg);

    // The permit chart lacks supervisors: it imports as a draft but cannot be published.
    let first = flowcharts::import_draft(&db.store, &admin, PowerRef::Code(&code), &shared("permit-minimal.bpmn"))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!((first.version.version, first.version.state.as_str(), first.version.step_count), (1, "draft", 4));
    let id = first.flowchart.id;
    assert_eq!((first.flowchart.power_code.as_str(), first.flowchart.unit_id), (code.as_str(), scjg));
    let err = flowcharts::publish(&db.store, &admin, id, 1).await.unwrap_err();
    let codes = field_codes(&err);
    assert!(codes.contains(&("step.check.supervisor".to_owned(), "four_clarities_missing")), "{codes:?}");
    assert!(codes.iter().all(|(_, c)| *c == "four_clarities_missing"));
    assert!(flowcharts::published_for_power(db.store.connection(), power_id).await.unwrap().is_none());

    // A complete chart is published; the stored text is the canonical form.
    let second = flowcharts::import_draft(&db.store, &admin, PowerRef::Id(power_id), &complete_bpmn()).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.version.version, 2);
    let published = flowcharts::publish(&db.store, &admin, id, 2).await.unwrap();
    assert_eq!(published.state, "published");
    assert!(published.published_at.is_some());
    let chart = flowcharts::published_for_power(db.store.connection(), power_id).await.unwrap().unwrap();
    assert_eq!(chart, Flowchart::new(generator_flowchart()).unwrap());
    let again = flowcharts::publish(&db.store, &admin, id, 2).await.unwrap_err();
    assert_eq!(field_codes(&again), vec![("version".to_owned(), "not_a_draft")]);
    let missing = flowcharts::publish(&db.store, &admin, id, 9).await.unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing:?}");

    // A third version supersedes the second: one published at a time.
    let mut parts = generator_flowchart();
    parts.nodes[1].name = "Register and scan application".into();
    let third_text = export_bpmn(&Flowchart::new(parts).unwrap());
    flowcharts::import_draft(&db.store, &admin, PowerRef::Code(&code.to_lowercase()), &third_text).await.unwrap();
    flowcharts::publish(&db.store, &admin, id, 3).await.unwrap();
    let detail = flowcharts::get(&db.store, &admin, id).await.unwrap();
    let states: Vec<(i32, &str)> = detail.versions.iter().map(|v| (v.version, v.state.as_str())).collect();
    assert_eq!(states, vec![(1, "draft"), (2, "superseded"), (3, "published")]);
    assert_eq!(detail.shown().map(|v| v.version), Some(3));
    let (info, text) = flowcharts::export(&db.store, &admin, id, None).await.unwrap();
    assert_eq!((info.version, text.as_str()), (3, third_text.as_str()));
    let (_, first_text) = flowcharts::export(&db.store, &admin, id, Some(1)).await.unwrap();
    assert_eq!(import_bpmn(&first_text).unwrap(), import_bpmn(&shared("permit-minimal.bpmn")).unwrap());
    let v2 = detail.versions.iter().find(|v| v.version == 2).unwrap().id;
    let old = flowcharts::by_version_id(db.store.connection(), v2).await.unwrap().unwrap();
    assert_eq!(old.nodes()[1].name, "Register application");
    assert!(flowcharts::by_version_id(db.store.connection(), 999_999).await.unwrap().is_none());
    let (shown, drawn, _) = flowcharts::version_chart(&db.store, &admin, id, None).await.unwrap();
    assert_eq!((shown.version, drawn.nodes()[1].name.as_str()), (3, "Register and scan application"));

    // The list: scope, state, search by code and by name.
    let system = Principal::system("test");
    let all = flowcharts::list(&db.store, &system, &FlowchartFilter::default(), 1, 50).await.unwrap();
    assert_eq!(all.total, 1);
    let row = &all.rows[0];
    assert_eq!((row.published.as_ref().map(|v| v.version), row.latest.as_ref().map(|v| v.version)), (Some(3), Some(3)));
    assert_eq!(row.unit_name, "演示县市场监督管理局");
    for (state, expected) in [("published", 1), ("unpublished", 0), ("draft", 1), ("nonsense", 0)] {
        let filter = FlowchartFilter { state: Some(state.into()), ..Default::default() };
        assert_eq!(flowcharts::list(&db.store, &system, &filter, 1, 50).await.unwrap().total, expected, "{state}");
    }
    for (q, expected) in [(code.to_lowercase(), 1), ("经营许".to_owned(), 1), ("100%_".to_owned(), 0)] {
        let filter = FlowchartFilter { q: Some(q.clone()), ..Default::default() };
        assert_eq!(flowcharts::list(&db.store, &system, &filter, 1, 50).await.unwrap().total, expected, "{q}");
    }
    let figures = sunlight_store::figures::figures(&db.store, &system, None).await.unwrap();
    assert_eq!(figures.get("flowcharts_published"), Some(1));
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap().id;
    let other = principal(Role::UnitAdmin, zrzy);
    assert_eq!(flowcharts::list(&db.store, &other, &FlowchartFilter::default(), 1, 50).await.unwrap().total, 0);
    assert!(matches!(flowcharts::get(&db.store, &other, id).await, Err(StoreError::NotFound { .. })));
    assert!(matches!(audit::verify(&db.store).await.unwrap(), Verification::Intact { .. }));
}
both_backends!(drafts_publication_and_supersession);

async fn bad_files_and_callers_write_nothing(db: TestDb) {
    let (scjg, _, code) = power(&db).await;
    let admin = principal(Role::UnitAdmin, scjg);
    let head = audit::head(&db.store).await.unwrap();
    let broken = "<definitions>\n<process id=\"p\">\n<task name=\"x\"/>\n</process></definitions>";
    match flowcharts::import_draft(&db.store, &admin, PowerRef::Code(&code), broken).await {
        Err(ImportError::Bpmn(e)) => {
            assert_eq!(e.code(), "missing_attribute");
            assert!(e.to_string().contains("line 3") && e.to_string().contains("task"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let unclosed = "<definitions><process id=\"p\"><startEvent id=\"s\">";
    assert!(matches!(
        flowcharts::import_draft(&db.store, &admin, PowerRef::Code(&code), unclosed).await,
        Err(ImportError::Bpmn(_))
    ));
    // A cadre may not draw; another unit's admin does not see the power; no such power.
    let cadre = principal(Role::Cadre, scjg);
    assert!(matches!(
        flowcharts::import_draft(&db.store, &cadre, PowerRef::Code(&code), &complete_bpmn()).await,
        Err(ImportError::Store(StoreError::Denied(_)))
    ));
    let zrzy = org::unit_by_code(&db.store, &Principal::system("t"), "ZRZY").await.unwrap().id;
    let other = principal(Role::UnitAdmin, zrzy);
    assert!(matches!(
        flowcharts::import_draft(&db.store, &other, PowerRef::Code(&code), &complete_bpmn()).await,
        Err(ImportError::Store(StoreError::NotFound { .. }))
    ));
    assert!(matches!(
        flowcharts::import_draft(&db.store, &admin, PowerRef::Code("NOSUCH-XK-001"), &complete_bpmn()).await,
        Err(ImportError::Store(StoreError::NotFound { .. }))
    ));
    assert_eq!(audit::head(&db.store).await.unwrap(), head, "nothing may have been written");
    assert!(flowchart::Entity::find().all(db.store.connection()).await.unwrap().is_empty());
    assert!(flowchart_version::Entity::find().all(db.store.connection()).await.unwrap().is_empty());

    // An empty flowchart, once; a second is a conflict.
    let created = flowcharts::create(&db.store, &admin, PowerRef::Code(&code)).await.unwrap();
    assert!(matches!(
        flowcharts::create(&db.store, &admin, PowerRef::Id(created.power_id)).await,
        Err(StoreError::Conflict { field: "power" })
    ));
    assert!(flowcharts::get(&db.store, &admin, created.id).await.unwrap().shown().is_none());
}
both_backends!(bad_files_and_callers_write_nothing);

async fn the_shared_models_import(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    for (i, file) in ["permit-minimal.bpmn", "receipt.bpmn", "running-example.bpmn"].iter().enumerate() {
        let created =
            catalogue::create_power(&db.store, &system, licence("SCJG", &format!("测试许可{i}"))).await.unwrap();
        let imported =
            flowcharts::import_draft(&db.store, &system, PowerRef::Id(created.power.id), &shared(file)).await.unwrap();
        let (_, text) = flowcharts::export(&db.store, &system, imported.flowchart.id, Some(1)).await.unwrap();
        assert_eq!(import_bpmn(&text).unwrap(), import_bpmn(&shared(file)).unwrap(), "{file}");
    }
}
both_backends!(the_shared_models_import);

async fn steps_take_the_levels_of_their_risks(db: TestDb) {
    let (scjg, power_id, _) = power(&db).await;
    let system = Principal::system("test");
    let clerk_position = org::list_positions(&db.store, &system, scjg)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name.contains("经办"))
        .unwrap();
    let now = chrono::Utc::now();
    let at =
        |kind: &str, target: i64, description: &str, rank: Option<i32>, step: Option<&str>| risk_point::ActiveModel {
            unit_id: Set(scjg),
            scope_kind: Set(kind.to_owned()),
            scope_target: Set(target),
            kind: Set("process".to_owned()),
            description: Set(description.to_owned()),
            holder_tier: Set("ordinary_cadre".to_owned()),
            method: Set("个人自查".to_owned()),
            level_rank: Set(rank),
            flow_step: Set(step.map(str::to_owned)),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
    let point =
        |kind: &str, target: i64, description: &str, rank: Option<i32>| at(kind, target, description, rank, None);
    for p in [
        point("power", power_id, "对申请材料审查不严，受理不符合条件的申请", Some(2)),
        point("power", power_id, "受理后拖延不办", Some(1)),
        point("power", power_id, "决定未集体研究", None),
        point("position", clerk_position.id, "经办岗随意要求补正", Some(3)),
        // It names its step: the 审查 its description mentions is not it.
        at("power", power_id, "审查意见被人为改写后作出决定", Some(1), Some("决定")),
    ] {
        p.insert(db.store.connection()).await.unwrap();
    }
    let mut parts = generator_flowchart();
    for node in &mut parts.nodes {
        if let sunlight_domain::flow::flowchart::NodeKind::Task(step) = &mut node.kind {
            match node.id.as_str() {
                "t4" => node.name = "受理".into(),
                "t2" => node.name = "审查".into(),
                "t7" => node.name = "决定".into(),
                "t9" => step.position = Some(clerk_position.name.clone()),
                _ => {}
            }
        }
    }
    let chart = Flowchart::new(parts).unwrap();
    let power = sunlight_store::entity::power::Entity::find_by_id(power_id).one(db.store.connection()).await.unwrap();
    let levels = flowcharts::step_levels(db.store.connection(), &power.unwrap(), &chart).await.unwrap();
    let expected: BTreeMap<String, i32> =
        [("受理".to_owned(), 1), ("审查".to_owned(), 2), ("决定".to_owned(), 1), ("Issue licence".to_owned(), 3)]
            .into_iter()
            .collect();
    assert_eq!(levels, expected, "an unapproved point gives no level; a named step is the point's only step");
}
both_backends!(steps_take_the_levels_of_their_risks);

async fn a_risk_point_names_a_step_of_its_powers_published_chart(db: TestDb) {
    let (scjg, power_id, _) = power(&db).await;
    let system = Principal::system("test");
    let raw = |scope_kind: &str, target: i64, step: &str| sunlight_store::risk::RawRisk {
        scope_kind: scope_kind.into(),
        scope_target: Some(target),
        kind: "power".into(),
        description: "现场核查走过场，未按规定核实经营场所".into(),
        holder_tier: "ordinary_cadre".into(),
        method: "五步法".into(),
        flow_step: Some(step.into()),
        ..Default::default()
    };
    let codes = |errors: sunlight_domain::field::FieldErrors| {
        errors.iter().map(|(f, e)| (f.clone(), e.code)).collect::<Vec<_>>()
    };
    // Only a point of a power lies in one of its steps.
    let of_unit = raw("unit", scjg, "Site inspection").parse().unwrap_err();
    assert_eq!(codes(of_unit), vec![("flow_step".to_owned(), "only_for_power_scope")]);
    let long = raw("power", power_id, &"环".repeat(201)).parse().unwrap_err();
    assert_eq!(codes(long), vec![("flow_step".to_owned(), "too_long")]);
    // Before the power has a published chart any name is kept; after, it must be a step of it.
    let early = sunlight_store::risk::create_risk(
        &db.store,
        &system,
        scjg,
        &raw("power", power_id, "现场核查").parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(early.flow_step.as_deref(), Some("现场核查"));
    let imported =
        flowcharts::import_draft(&db.store, &system, PowerRef::Id(power_id), &complete_bpmn()).await.unwrap();
    flowcharts::publish(&db.store, &system, imported.flowchart.id, 1).await.unwrap();
    let before = audit::head(&db.store).await.unwrap();
    let unknown = raw("power", power_id, "现场核查").parse().unwrap();
    let err = sunlight_store::risk::create_risk(&db.store, &system, scjg, &unknown).await.unwrap_err();
    assert_eq!(field_codes(&err), vec![("flow_step".to_owned(), "unknown_step")]);
    assert_eq!(audit::head(&db.store).await.unwrap(), before, "nothing written");
    let named = raw("power", power_id, " Site inspection ").parse().unwrap();
    let saved = sunlight_store::risk::create_risk(&db.store, &system, scjg, &named).await.unwrap();
    assert_eq!(saved.flow_step.as_deref(), Some("Site inspection"));
    let chart = flowcharts::published_for_power(db.store.connection(), power_id).await.unwrap().unwrap();
    let power = sunlight_store::entity::power::Entity::find_by_id(power_id).one(db.store.connection()).await.unwrap();
    let levels = flowcharts::step_levels(db.store.connection(), &power.unwrap(), &chart).await.unwrap();
    assert!(levels.is_empty(), "points without an approved level colour nothing: {levels:?}");
}
both_backends!(a_risk_point_names_a_step_of_its_powers_published_chart);
