use sunlight_domain::org::{PersonInput, RawPerson, RawUnit, UnitInput};
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::text::Name;
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, demo, org};

fn unit_admin_of(unit_id: i64) -> Principal {
    Principal {
        actor: "user:t".into(),
        user_id: None,
        role: Role::UnitAdmin,
        scope: Scope::Units([unit_id].into()),
        is_token: false,
    }
}

async fn unit_admin_sees_and_changes_only_its_unit(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap();
    let admin = unit_admin_of(scjg.id);

    let units = org::list_units(&db.store, &admin, &org::UnitFilter::default()).await.unwrap();
    assert_eq!(units.iter().map(|u| u.id).collect::<Vec<_>>(), vec![scjg.id]);
    assert!(matches!(org::get_unit(&db.store, &admin, zrzy.id).await, Err(StoreError::Denied(_))));
    assert!(matches!(org::list_sections(&db.store, &admin, zrzy.id).await, Err(StoreError::Denied(_))));

    let foreign_section = org::list_sections(&db.store, &system, zrzy.id).await.unwrap()[0].clone();
    assert!(matches!(org::get_section(&db.store, &admin, foreign_section.id).await, Err(StoreError::NotFound { .. })));
    let renamed = Name::parse("改名").unwrap();
    assert!(org::update_section(&db.store, &admin, foreign_section.id, &renamed, true).await.is_err());

    let persons = org::list_persons(&db.store, &admin, &org::PersonFilter::default(), 1, 1000).await.unwrap();
    assert!(persons.total > 0);
    assert!(persons.persons.iter().all(|p| p.unit_id == scjg.id));

    let raw = RawPerson { name: "新同志".into(), tier: "ordinary_cadre".into(), ..Default::default() };
    let input = PersonInput::parse(&raw).unwrap();
    assert!(org::create_person(&db.store, &admin, zrzy.id, &input).await.is_err());
    org::create_person(&db.store, &admin, scjg.id, &input).await.unwrap();
}
both_backends!(unit_admin_sees_and_changes_only_its_unit);

async fn duplicate_unit_code_is_a_conflict_on_code(db: TestDb) {
    let system = Principal::system("test");
    let raw = RawUnit {
        code: "scjg".into(),
        name: "市场监管局".into(),
        category: "law_enforcement".into(),
        ..Default::default()
    };
    org::create_unit(&db.store, &system, &UnitInput::parse(&raw).unwrap()).await.unwrap();
    let again = RawUnit { name: "另一个局".into(), ..raw };
    let err = org::create_unit(&db.store, &system, &UnitInput::parse(&again).unwrap()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { field: "code" }), "{err:?}");
}
both_backends!(duplicate_unit_code_is_a_conflict_on_code);

async fn a_person_cannot_point_to_another_units_section(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap();
    let foreign = org::list_sections(&db.store, &system, zrzy.id).await.unwrap()[0].id;
    let raw =
        RawPerson { name: "张三".into(), tier: "section_head".into(), section_id: Some(foreign), position_id: None };
    let err = org::create_person(&db.store, &system, scjg.id, &PersonInput::parse(&raw).unwrap()).await.unwrap_err();
    match err {
        StoreError::Invalid(fields) => assert_eq!(fields.get("section_id").map(|e| e.code), Some("not_in_unit")),
        other => panic!("{other:?}"),
    }
}
both_backends!(a_person_cannot_point_to_another_units_section);

async fn demo_is_idempotent(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let again = demo::build_organization(&db.store).await.unwrap();
    assert_eq!((again.units, again.persons, again.sections), (0, 0, 0));
    let counts = org::counts(&db.store, &Principal::system("test")).await.unwrap();
    assert_eq!(counts.units, 22);
    assert_eq!(counts.pilot_units, 7);
    assert_eq!(counts.sub_commissions, 3);
}
both_backends!(demo_is_idempotent);

async fn demo_cadres_hold_positions_of_their_own_section(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let positions = org::list_positions(&db.store, &system, scjg.id).await.unwrap();
    let filter = org::PersonFilter { unit_id: Some(scjg.id), ..Default::default() };
    let persons = org::list_persons(&db.store, &system, &filter, 1, 1000).await.unwrap().persons;
    let mut checked = 0;
    for person in persons.iter().filter(|p| p.position_id.is_some()) {
        let position = positions.iter().find(|p| Some(p.id) == person.position_id).unwrap();
        assert_eq!(position.section_id, person.section_id, "{} holds {}", person.name, position.name);
        checked += 1;
    }
    assert!(checked > 40, "{checked}");
}
both_backends!(demo_cadres_hold_positions_of_their_own_section);
