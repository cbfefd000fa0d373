//! Around the alerts: the outbox's delivery, the monthly rates, the calendar's list.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, SubsecRound, TimeDelta, Utc};
use sea_orm::EntityTrait;
use sunlight_domain::flow::calendar::{DayKind, SpecialDay};
use sunlight_domain::policy::{Principal, Role};
use sunlight_domain::supervision::Month;
use sunlight_store::calendar::{self, CsvImport};
use sunlight_store::entity::{calendar_day, outbox};
use sunlight_store::supervision::fixture::{self, CaseSpec, RecordingNotifier};
use sunlight_store::supervision::outbox as mailer;
use sunlight_store::supervision::rates::{self, RatesBy, RatesQuery};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, audit, demo};

use crate::supervision::{person, unit};

async fn row(db: &TestDb, id: i64) -> outbox::Model {
    outbox::Entity::find_by_id(id).one(db.store.connection()).await.unwrap().unwrap()
}

/// A failing notifier keeps the rows and they are retried after a back-off; a
/// delivered row is never delivered again; a row that keeps failing is kept.
async fn the_outbox_retries_and_never_drops(db: TestDb) {
    let store = &db.store;
    // PostgreSQL keeps microseconds.
    let now = Utc::now().trunc_subsecs(6);
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(fixture::queued(store, "alert_raised", &serde_json::json!({"alert_id": n}), now).await.id);
    }
    let later =
        fixture::queued(store, "alert_raised", &serde_json::json!({"alert_id": 9}), now + TimeDelta::hours(1)).await;
    let notifier = RecordingNotifier::default();

    notifier.set_failing(true);
    let report = mailer::deliver_pending(store, &notifier, now).await.unwrap();
    assert_eq!((report.delivered, report.failed), (0, 3));
    let failed = row(&db, ids[0]).await;
    assert_eq!(failed.attempts, 1);
    assert!(failed.delivered_at.is_none());
    assert!(failed.last_error.as_deref().unwrap().contains("connection refused"));
    assert_eq!(failed.next_attempt_at, now + TimeDelta::seconds(10));
    assert_eq!(mailer::deliver_pending(store, &notifier, now).await.unwrap(), mailer::DeliveryReport::default());

    notifier.set_failing(false);
    let report = mailer::deliver_pending(store, &notifier, now + TimeDelta::seconds(11)).await.unwrap();
    assert_eq!((report.delivered, report.failed), (3, 0));
    assert_eq!(notifier.delivered(), ids, "in id order");
    let delivered = row(&db, ids[1]).await;
    assert_eq!((delivered.attempts, delivered.delivered_at), (2, Some(now + TimeDelta::seconds(11))));
    let again = mailer::deliver_pending(store, &notifier, now + TimeDelta::minutes(30)).await.unwrap();
    assert_eq!(again.delivered, 0, "delivered rows are not delivered again");
    assert_eq!(notifier.delivered(), ids);

    // The late row keeps failing for a day: still there, still retried, listed.
    notifier.set_failing(true);
    let mut at = now + TimeDelta::hours(1);
    for _ in 0..30 {
        mailer::deliver_pending(store, &notifier, at).await.unwrap();
        at += TimeDelta::hours(1);
    }
    let stubborn = row(&db, later.id).await;
    assert_eq!(stubborn.attempts, 30);
    assert!(stubborn.delivered_at.is_none());
    assert!(stubborn.next_attempt_at <= at, "still due again within the hour");
    let admin = person("admin", Role::CommissionAdmin, &[]);
    let pending = mailer::list(store, &admin, true, 1, 50).await.unwrap();
    assert_eq!((pending.total, pending.pending, pending.failing), (1, 1, 1));
    assert_eq!(pending.rows[0].id, later.id);
    assert_eq!(mailer::list(store, &admin, false, 1, 50).await.unwrap().total, 4, "delivered rows are kept");
    let unit_admin = person("scjg-admin", Role::UnitAdmin, &[1]);
    assert!(matches!(mailer::list(store, &unit_admin, true, 1, 50).await, Err(StoreError::Denied(_))));
}
both_backends!(the_outbox_retries_and_never_drops);

/// Two passes at once (two instances on PostgreSQL, two tasks on SQLite) deliver
/// every row exactly once.
async fn concurrent_passes_deliver_once(db: TestDb) {
    let now = Utc::now();
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(fixture::queued(&db.store, "alert_raised", &serde_json::json!({"alert_id": n}), now).await.id);
    }
    let other = sunlight_store::Store::connect_url(&db.url(), 2).await.unwrap();
    let notifier = RecordingNotifier::slow(Duration::from_millis(20));
    let (a, b) = tokio::join!(
        mailer::deliver_pending(&db.store, &notifier, now),
        mailer::deliver_pending(&other, &notifier, now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.delivered + b.delivered, 12);
    let mut delivered = notifier.delivered();
    delivered.sort_unstable();
    assert_eq!(delivered, ids, "each row once");
}
both_backends!(concurrent_passes_deliver_once);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// Rates per unit and per power per month (China time), from the cases' flags, their
/// cards and the finished cases' working minutes.
async fn monthly_rates(db: TestDb) {
    let store = &db.store;
    demo::build_organization(store).await.unwrap();
    let scjg = unit(&db, "SCJG").await;
    let zrzy = unit(&db, "ZRZY").await;
    let food = fixture::chart(store, scjg, "SV-SCJG-1", "食品经营许可").await;
    let drugs = fixture::chart(store, scjg, "SV-SCJG-2", "药品零售许可").await;
    let land = fixture::chart(store, zrzy, "SV-ZRZY-1", "不动产登记").await;
    let spec = |number: &str, received: &str| CaseSpec::open(number, at(received));
    // March (China time): the last one is April in UTC+8 but still March 31 in UTC.
    let m1 = fixture::case(store, &food, CaseSpec { overdue: true, ..spec("C-1", "2026-03-02T10:00:00+08:00") }).await;
    let m2 = fixture::case(
        store,
        &food,
        CaseSpec { status: "finished", handling_minutes: Some(420), ..spec("C-2", "2026-03-31T23:30:00+08:00") },
    )
    .await;
    let m3 = fixture::case(
        store,
        &drugs,
        CaseSpec {
            status: "finished",
            handling_minutes: Some(840),
            conformant: false,
            ..spec("C-3", "2026-03-15T09:00:00+08:00")
        },
    )
    .await;
    let a1 = fixture::case(store, &food, spec("C-4", "2026-04-01T07:00:00+08:00")).await;
    fixture::case(store, &land, spec("C-5", "2026-03-10T09:00:00+08:00")).await;
    fixture::case(store, &food, spec("C-6", "2026-02-27T09:00:00+08:00")).await;
    // Cards raise the warning rate in any state; a reminder or a warning does not.
    let yellow = fixture::alert(store, &m1, "time.yellow_card", "yellow").await;
    fixture::alert(store, &m1, "time.red_card", "red").await;
    fixture::alert(store, &m2, "time.reminder", "reminder").await;
    fixture::alert(store, &m3, "process.not_allowed", "warning").await;
    fixture::alert(store, &a1, "time.red_card", "red").await;
    let admin = person("admin", Role::CommissionAdmin, &[]);
    let unit_admin = person("scjg-admin", Role::UnitAdmin, &[scjg]);
    let _ = yellow;

    let month = |s: &str| Month::parse(s).unwrap();
    let query = RatesQuery {
        by: RatesBy::Unit,
        from: month("2026-03"),
        to: month("2026-04"),
        unit_id: None,
        power_id: None,
        power_code: None,
    };
    let r = rates::rates(store, &admin, &query).await.unwrap();
    assert_eq!(r.day_minutes, 420);
    let find = |unit: i64, m: &str| r.rows.iter().find(|x| x.unit_id == unit && x.month.as_deref() == Some(m)).unwrap();
    let march = find(scjg, "2026-03");
    assert_eq!((march.counts.cases, march.counts.overdue, march.counts.warned, march.counts.conformant), (3, 1, 1, 2));
    assert_eq!((march.counts.finished, march.counts.handling_minutes), (2, 1260));
    assert!((march.overdue_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert!((march.warning_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert!((march.conformity_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((march.average_working_days.unwrap() - 1.5).abs() < 1e-9);
    let april = find(scjg, "2026-04");
    assert_eq!((april.counts.cases, april.counts.warned), (1, 1));
    assert_eq!(april.average_working_days, None, "no finished case");
    assert_eq!(find(zrzy, "2026-03").counts.cases, 1);
    assert_eq!(r.rows.len(), 3, "February is outside the range");
    let total = r.totals.iter().find(|t| t.unit_id == scjg).unwrap();
    assert_eq!((total.month.as_deref(), total.counts.cases, total.counts.warned), (None, 4, 2));

    let by_power = rates::rates(store, &admin, &RatesQuery { by: RatesBy::Power, ..query.clone() }).await.unwrap();
    let drug_march = by_power
        .rows
        .iter()
        .find(|x| x.power_id == Some(drugs.power_id) && x.month.as_deref() == Some("2026-03"))
        .unwrap();
    assert_eq!((drug_march.counts.cases, drug_march.power_code.as_deref()), (1, Some("SV-SCJG-2")));
    assert_eq!(drug_march.power_name.as_deref(), Some("药品零售许可"));
    assert_eq!(by_power.rows.len(), 4);

    let theirs = rates::rates(store, &unit_admin, &query).await.unwrap();
    assert!(theirs.rows.iter().all(|x| x.unit_id == scjg));
    let one_power = RatesQuery { power_id: Some(drugs.power_id), ..query.clone() };
    assert_eq!(rates::rates(store, &admin, &one_power).await.unwrap().rows.len(), 1);
    let by_code = RatesQuery { power_code: Some(" sv-scjg-2 ".into()), ..query.clone() };
    assert_eq!(rates::rates(store, &admin, &by_code).await.unwrap().rows[0].counts.cases, 1);
    assert!(matches!(
        rates::rates(store, &unit_admin, &RatesQuery { unit_id: Some(zrzy), ..query.clone() }).await,
        Err(StoreError::Denied(_))
    ));
    let cadre = person("scjg-cadre", Role::Cadre, &[scjg]);
    assert!(matches!(rates::rates(store, &cadre, &query).await, Err(StoreError::Denied(_))));
    let reversed = RatesQuery { from: month("2026-05"), ..query.clone() };
    match rates::rates(store, &admin, &reversed).await {
        Err(StoreError::Invalid(errors)) => assert_eq!(errors.get("to").unwrap().code, "month_range_reversed"),
        other => panic!("{other:?}"),
    }
}
both_backends!(monthly_rates);

fn day(date: &str, kind: DayKind, name: &str) -> SpecialDay {
    SpecialDay { date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(), kind, festival: name.to_owned() }
}

async fn count_days(db: &TestDb) -> usize {
    calendar_day::Entity::find().all(db.store.connection()).await.unwrap().len()
}

/// The commission adds, changes and removes days (audited); a CSV with any bad row
/// imports nothing and names every bad line; a good one replaces its years.
async fn the_commission_keeps_the_calendar(db: TestDb) {
    let store = &db.store;
    let admin = Principal::system("test");
    let unit_admin = person("scjg-admin", Role::UnitAdmin, &[1]);
    let new_year = day("2027-01-01", DayKind::Holiday, "New Year's Day");
    assert!(matches!(calendar::set_day(store, &unit_admin, &new_year).await, Err(StoreError::Denied(_))));

    let head = audit::head(store).await.unwrap();
    let saved = calendar::set_day(store, &admin, &new_year).await.unwrap();
    assert_eq!(audit::head(store).await.unwrap().0, head.0 + 1);
    let date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    assert!(!calendar::load(store.connection()).await.unwrap().is_working_day(date));
    let changed = calendar::set_day(store, &admin, &day("2027-01-01", DayKind::Holiday, "元旦")).await.unwrap();
    assert_eq!((changed.id, changed.name.as_str()), (saved.id, "元旦"));
    assert!(matches!(calendar::remove_day(store, &unit_admin, saved.id).await, Err(StoreError::Denied(_))));
    calendar::remove_day(store, &admin, saved.id).await.unwrap();
    assert!(calendar::load(store.connection()).await.unwrap().is_working_day(date), "a Friday again");
    assert!(matches!(calendar::remove_day(store, &admin, saved.id).await, Err(StoreError::NotFound { .. })));

    let errors = calendar::parse_day("2027-02-30", "leave", &"节".repeat(101)).unwrap_err();
    let codes: Vec<(&str, &str)> = errors.iter().map(|(f, e)| (f.as_str(), e.code)).collect();
    assert_eq!(codes, vec![("date", "bad_date"), ("festival", "too_long"), ("kind", "unknown_value")]);
    assert_eq!(
        calendar::parse_day("1999-01-01", "holiday", "").unwrap_err().get("date").unwrap().code,
        "year_out_of_range"
    );

    let before = count_days(&db).await;
    let bad = "date,kind,festival\n2027-01-01,holiday,New Year's Day\n2027-13-01,holiday,x\n\n2027-02-06,weekend,Spring Festival\n2027-01-01,workday,dup\n";
    match calendar::import_csv(store, &admin, bad).await.unwrap() {
        CsvImport::Refused { errors } => {
            let lines: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.code)).collect();
            assert_eq!(lines, vec![(3, "bad_date"), (5, "bad_kind"), (6, "duplicate_date")]);
        }
        other @ CsvImport::Imported(_) => panic!("{other:?}"),
    }
    assert_eq!(count_days(&db).await, before, "nothing of a bad file is imported");
    assert!(matches!(
        calendar::import_csv(store, &admin, "date,kind,festival\n").await.unwrap(),
        CsvImport::Refused { .. }
    ));

    let good = "date,kind,festival\n2027-01-01,holiday,New Year's Day\n2027-02-06,holiday,Spring Festival\n2027-02-07,holiday,Spring Festival\n2027-02-20,workday,Spring Festival\n";
    match calendar::import_csv(store, &admin, good).await.unwrap() {
        CsvImport::Imported(summary) => assert_eq!((summary.years, summary.added, summary.removed), (vec![2027], 4, 0)),
        other @ CsvImport::Refused { .. } => panic!("{other:?}"),
    }
    assert_eq!(calendar::export_csv(store.connection(), Some(2027)).await.unwrap(), good);
    let fewer = "date,kind,festival\n2027-01-01,holiday,New Year's Day\n2027-02-06,holiday,Spring Festival\n2027-02-20,holiday,Spring Festival\n";
    match calendar::import_csv(store, &admin, fewer).await.unwrap() {
        CsvImport::Imported(s) => assert_eq!((s.added, s.changed, s.removed, s.unchanged), (0, 1, 1, 2)),
        other @ CsvImport::Refused { .. } => panic!("{other:?}"),
    }
    assert_eq!(calendar::days_of_year(store.connection(), 2027).await.unwrap().len(), 3);
    assert!(calendar::years(store.connection()).await.unwrap().contains(&2027));
    assert!(!calendar::days_of_year(store.connection(), 2026).await.unwrap().is_empty(), "other years untouched");

    match calendar::replace_year(store, &admin, 2027, &[day("2028-01-01", DayKind::Holiday, "x")]).await {
        Err(StoreError::Invalid(errors)) => assert_eq!(errors.get("days[0].date").unwrap().code, "not_in_year"),
        other => panic!("{other:?}"),
    }
    let summary = calendar::replace_year(store, &admin, 2027, &[new_year]).await.unwrap();
    assert_eq!((summary.unchanged, summary.removed), (1, 2));
    assert!(matches!(audit::verify(store).await.unwrap(), audit::Verification::Intact { .. }));
}
both_backends!(the_commission_keeps_the_calendar);
