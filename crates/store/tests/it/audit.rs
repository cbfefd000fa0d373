use sea_orm::{ConnectionTrait, Statement};
use sunlight_domain::audit::ChainBreak;
use sunlight_domain::policy::Principal;
use sunlight_domain::text::Name;
use sunlight_store::audit::{self, Verification};
use sunlight_store::testing::TestDb;
use sunlight_store::{Backend, demo, org};

async fn demo_chain_verifies(db: TestDb) {
    let report = demo::build_organization(&db.store).await.unwrap();
    assert_eq!(report.units, 22);
    match audit::verify(&db.store).await.unwrap() {
        Verification::Intact { records, head } => {
            assert!(records > 500, "{records}");
            assert_eq!(head, audit::head(&db.store).await.unwrap().1);
        }
        broken @ Verification::Broken { .. } => panic!("{broken:?}"),
    }
}
both_backends!(demo_chain_verifies);

async fn tampering_is_found_at_the_record(db: TestDb) {
    let system = Principal::system("test");
    for name in ["甲纪工委", "乙纪工委", "丙纪工委"] {
        org::create_sub_commission(&db.store, &system, &Name::parse(name).unwrap()).await.unwrap();
    }
    let sql = "UPDATE audit_log SET actor = 'user:nobody' WHERE seq = 2";
    let backend = match db.store.backend() {
        Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        Backend::Postgres => sea_orm::DbBackend::Postgres,
    };
    db.store.connection().execute_raw(Statement::from_string(backend, sql)).await.unwrap();
    assert_eq!(
        audit::verify(&db.store).await.unwrap(),
        Verification::Broken { seq: 2, reason: ChainBreak::Content { seq: 2 } }
    );
}
both_backends!(tampering_is_found_at_the_record);

async fn deleting_the_newest_record_is_found(db: TestDb) {
    let system = Principal::system("test");
    org::create_sub_commission(&db.store, &system, &Name::parse("甲纪工委").unwrap()).await.unwrap();
    org::create_sub_commission(&db.store, &system, &Name::parse("乙纪工委").unwrap()).await.unwrap();
    let backend = match db.store.backend() {
        Backend::Sqlite => sea_orm::DbBackend::Sqlite,
        Backend::Postgres => sea_orm::DbBackend::Postgres,
    };
    db.store
        .connection()
        .execute_raw(Statement::from_string(backend, "DELETE FROM audit_log WHERE seq = 2"))
        .await
        .unwrap();
    assert!(matches!(audit::verify(&db.store).await.unwrap(), Verification::Broken { seq: 2, .. }));
}
both_backends!(deleting_the_newest_record_is_found);

async fn concurrent_writes_keep_one_chain(db: TestDb) {
    let system = Principal::system("test");
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = db.store.clone();
        let system = system.clone();
        tasks.push(tokio::spawn(async move {
            org::create_sub_commission(&store, &system, &Name::parse(&format!("第{i}纪工委")).unwrap()).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert!(matches!(audit::verify(&db.store).await.unwrap(), Verification::Intact { records: 16, .. }));
}
both_backends!(concurrent_writes_keep_one_chain);
