use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_store::accounts::{self, LoginAttempt, NewUser};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, demo, org};

async fn log_in_and_session_round_trip(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let attempt = LoginAttempt { login: "SCJG-admin", password: demo::DEMO_PASSWORD, address: "127.0.0.1" };
    let (user, session) = accounts::log_in(&db.store, attempt).await.unwrap();
    assert_eq!(user.login, "scjg-admin");
    let active = accounts::session_for(&db.store, &session.token).await.unwrap().unwrap();
    assert_eq!(active.principal.role, Role::UnitAdmin);
    assert_eq!(active.csrf_token, session.csrf_token);
    accounts::log_out(&db.store, &active).await.unwrap();
    assert!(accounts::session_for(&db.store, &session.token).await.unwrap().is_none());
}
both_backends!(log_in_and_session_round_trip);

async fn five_failures_throttle_the_account(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    for i in 0..5 {
        let attempt = LoginAttempt { login: "admin", password: "wrong-password", address: &format!("10.0.0.{i}") };
        assert!(matches!(accounts::log_in(&db.store, attempt).await, Err(StoreError::BadCredentials)));
    }
    let attempt = LoginAttempt { login: "admin", password: demo::DEMO_PASSWORD, address: "10.0.0.99" };
    match accounts::log_in(&db.store, attempt).await {
        Err(StoreError::Throttled { retry_after_secs }) => assert!((1..=300).contains(&retry_after_secs)),
        other => panic!("{other:?}"),
    }
    // Another account from a clean address is not affected.
    let attempt = LoginAttempt { login: "jgw1", password: demo::DEMO_PASSWORD, address: "10.0.0.100" };
    accounts::log_in(&db.store, attempt).await.unwrap();
}
both_backends!(five_failures_throttle_the_account);

async fn tokens_are_scoped_and_revocable(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let (info, secret) = accounts::create_token(&db.store, &system, scjg.id, "审批系统").await.unwrap();
    let principal = accounts::principal_for_token(&db.store, &secret).await.unwrap().unwrap();
    assert!(principal.is_token);
    assert_eq!(principal.scope, Scope::Units([scjg.id].into()));
    accounts::revoke_token(&db.store, &system, info.id).await.unwrap();
    assert!(accounts::principal_for_token(&db.store, &secret).await.unwrap().is_none());
}
both_backends!(tokens_are_scoped_and_revocable);

/// A token found valid is believed for two seconds without asking the database: a
/// revoke on another server sharing the database stops it within that time, and on
/// the revoking server at once (the test above).
async fn a_token_revoked_by_another_server_stops_within_two_seconds(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap();
    let (info, secret) = accounts::create_token(&db.store, &system, scjg.id, "审批系统").await.unwrap();
    assert!(accounts::principal_for_token(&db.store, &secret).await.unwrap().is_some());
    let other = sunlight_store::Store::connect_url(&db.url(), 2).await.unwrap();
    accounts::revoke_token(&other, &system, info.id).await.unwrap();
    other.close().await.ok();
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert!(accounts::principal_for_token(&db.store, &secret).await.unwrap().is_none());
}
both_backends!(a_token_revoked_by_another_server_stops_within_two_seconds);

async fn weak_passwords_and_bad_logins_are_refused_per_field(db: TestDb) {
    let system = Principal::system("test");
    let new =
        NewUser { login: "bad login!".into(), password: "short".into(), role: "cadre".into(), ..Default::default() };
    match accounts::create_user(&db.store, &system, new).await {
        Err(StoreError::Invalid(fields)) => {
            assert_eq!(fields.get("login").map(|e| e.code), Some("login_format"));
            assert_eq!(fields.get("password").map(|e| e.code), Some("password_too_short"));
            assert_eq!(fields.get("unit_id").map(|e| e.code), Some("required"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(accounts::count_users(db.store.connection()).await.unwrap(), 0);
}
both_backends!(weak_passwords_and_bad_logins_are_refused_per_field);

async fn an_administrator_cannot_deactivate_himself(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let attempt = LoginAttempt { login: "admin", password: demo::DEMO_PASSWORD, address: "127.0.0.1" };
    let (user, session) = accounts::log_in(&db.store, attempt).await.unwrap();
    let active = accounts::session_for(&db.store, &session.token).await.unwrap().unwrap();
    match accounts::set_user_active(&db.store, &active.principal, user.id, false).await {
        Err(StoreError::Invalid(fields)) => {
            assert_eq!(fields.get("active").map(|e| e.code), Some("cannot_deactivate_self"));
        }
        other => panic!("{other:?}"),
    }
}
both_backends!(an_administrator_cannot_deactivate_himself);
