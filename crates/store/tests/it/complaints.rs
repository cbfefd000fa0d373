use chrono::NaiveDate;
use sunlight_domain::complaint::{RawSubmission, ReceiptCode, Submission, TransitionRequest};
use sunlight_domain::field::FieldError;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_store::complaints::{self, ComplaintFilter};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, demo, org};

fn principal(role: Role, units: &[i64]) -> Principal {
    Principal {
        actor: format!("user:{}", role.key()),
        user_id: None,
        role,
        scope: Scope::Units(units.iter().copied().collect()),
        is_token: false,
    }
}

fn step(to: &str, comment: &str, public: bool, unit: Option<i64>) -> TransitionRequest {
    TransitionRequest::parse(to, comment, public, &unit.map(|u| u.to_string()).unwrap_or_default()).unwrap()
}

/// Submitting, the public view by receipt code, scoped handling, overdue acceptance.
async fn complaint_lifecycle_and_scope(db: TestDb) {
    demo::build_organization(&db.store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(&db.store, &system, "SCJG").await.unwrap().id;
    let zrzy = org::unit_by_code(&db.store, &system, "ZRZY").await.unwrap().id;
    let raw = RawSubmission {
        name: "王五".into(),
        phone: "13800001111".into(),
        category: "misconduct".into(),
        unit_id: scjg.to_string(),
        text: "执法态度粗暴".into(),
        ..RawSubmission::default()
    };
    // Received on Monday 2 March 2026: acceptance due Monday 9 March.
    let monday = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let receipt = complaints::submit(&db.store, &Submission::parse(&raw).unwrap(), monday).await.unwrap();
    let status = complaints::status(&db.store, &receipt.code).await.unwrap().unwrap();
    assert_eq!((status.state.as_str(), status.accept_due), ("received", NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()));
    assert!(status.events.is_empty());
    let unknown = ReceiptCode::parse("2222-3333-4444").unwrap();
    assert!(complaints::status(&db.store, &unknown).await.unwrap().is_none());

    // Overdue from the day after its due day, until accepted.
    let filter = ComplaintFilter { overdue: true, ..Default::default() };
    let on_due = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    let after = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    assert_eq!(complaints::list(&db.store, &system, &filter, on_due, 1, 10).await.unwrap().total, 0);
    assert_eq!(complaints::list(&db.store, &system, &filter, after, 1, 10).await.unwrap().overdue, 1);

    // Who sees it: the commission, a sub-commission watching SCJG; not ZRZY's admin.
    let watcher = principal(Role::SubCommissionStaff, &[scjg]);
    let other_admin = principal(Role::UnitAdmin, &[zrzy]);
    let scjg_admin = principal(Role::UnitAdmin, &[scjg]);
    assert_eq!(
        complaints::list(&db.store, &watcher, &ComplaintFilter::default(), after, 1, 10).await.unwrap().total,
        1
    );
    assert_eq!(
        complaints::list(&db.store, &scjg_admin, &ComplaintFilter::default(), after, 1, 10).await.unwrap().total,
        0,
        "not routed yet"
    );
    assert!(matches!(complaints::detail(&db.store, &other_admin, receipt.id, after).await, Err(StoreError::Denied(_))));
    let supervisor = principal(Role::Supervisor, &[scjg]);
    assert!(matches!(complaints::detail(&db.store, &supervisor, receipt.id, after).await, Err(StoreError::Denied(_))));

    // The sub-commission accepts and may not route outside its units.
    complaints::transition(&db.store, &watcher, receipt.id, &step("accepted", "", false, None)).await.unwrap();
    let outside = complaints::transition(&db.store, &watcher, receipt.id, &step("routed", "", false, Some(zrzy))).await;
    assert!(matches!(outside, Err(StoreError::Denied(_))), "{outside:?}");
    complaints::transition(&db.store, &watcher, receipt.id, &step("routed", "内部：请核实", false, Some(scjg)))
        .await
        .unwrap();
    // The unit admin replies; closing is the commission's.
    let closing = complaints::transition(&db.store, &scjg_admin, receipt.id, &step("closed", "", false, None)).await;
    assert!(matches!(closing, Err(StoreError::Denied(_))));
    complaints::transition(&db.store, &scjg_admin, receipt.id, &step("replied", "已约谈执法人员", false, None))
        .await
        .unwrap();
    let again = complaints::transition(&db.store, &system, receipt.id, &step("replied", "再答复", false, None)).await;
    let Err(StoreError::Invalid(errors)) = again else { panic!("{again:?}") };
    assert_eq!(errors.get("to"), Some(&FieldError::new("complaint_transition_not_allowed")));
    complaints::transition(&db.store, &system, receipt.id, &step("closed", "", false, None)).await.unwrap();

    // The public sees the reply only; staff see the whole history.
    let status = complaints::status(&db.store, &receipt.code).await.unwrap().unwrap();
    assert_eq!(status.state, "closed");
    let replies: Vec<_> = status.events.iter().filter_map(|e| e.comment.clone()).collect();
    assert_eq!(replies, vec!["已约谈执法人员".to_owned()]);
    let detail = complaints::detail(&db.store, &system, receipt.id, after).await.unwrap();
    assert_eq!(detail.events.len(), 5);
    assert_eq!(detail.complaint.name.as_deref(), Some("王五"));
    assert!(detail.next.is_empty());
}
both_backends!(complaint_lifecycle_and_scope);
