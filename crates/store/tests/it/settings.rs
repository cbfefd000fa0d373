use chrono::NaiveDate;
use sunlight_domain::flow::RuleSettings;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, audit, calendar, settings};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The migration seeds the official holidays; settings change the calendar and
/// rules in force, audited, and refuse bad values and the wrong callers.
async fn calendar_and_rules_come_from_the_settings(db: TestDb) {
    let store = &db.store;
    let cal = calendar::load(store.connection()).await.unwrap();
    assert!(!cal.is_working_day(date(2026, 10, 1)), "National Day");
    assert!(cal.is_working_day(date(2026, 9, 28)) || cal.is_working_day(date(2026, 10, 10)), "a 调休 Saturday");
    assert!(cal.covers_year(2024) && cal.covers_year(2025) && cal.covers_year(2026));

    let admin = Principal::system("test");
    let unit_admin = Principal {
        actor: "user:u".into(),
        user_id: Some(9),
        role: Role::UnitAdmin,
        scope: Scope::Units([1].into()),
        is_token: false,
    };
    assert!(matches!(settings::set_office_hours(store, &unit_admin, "08:30-12:00").await, Err(StoreError::Denied(_))));
    assert!(matches!(settings::set_office_hours(store, &admin, "12:00-09:00").await, Err(StoreError::Invalid(_))));
    let before = audit::verify(store).await.unwrap();
    settings::set_office_hours(store, &admin, "08:30-12:00,14:00-18:00").await.unwrap();
    let cal = calendar::load(store.connection()).await.unwrap();
    assert_eq!(cal.office_hours().day_length().num_minutes(), 7 * 60 + 30);
    assert_ne!(audit::verify(store).await.unwrap(), before, "the change is in the audit chain");

    let mut rules = settings::supervision_rules(store.connection()).await.unwrap().settings();
    assert!((rules.reminder_share - 0.8).abs() < 1e-9);
    rules.disabled = vec!["time.reminder".into()];
    rules.returned_repeatedly_at = 3;
    settings::set_supervision_rules(store, &admin, &rules).await.unwrap();
    let bad = RuleSettings { reminder_share: 1.5, ..rules.clone() };
    assert!(matches!(settings::set_supervision_rules(store, &admin, &bad).await, Err(StoreError::Invalid(_))));
    let stored = settings::supervision_rules(store.connection()).await.unwrap();
    assert_eq!(stored.settings(), rules);
}
both_backends!(calendar_and_rules_come_from_the_settings);
