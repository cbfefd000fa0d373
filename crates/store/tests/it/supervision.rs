//! Supervision alerts after the rules raised them: the lifecycle by role and scope,
//! the lists and the console, and the figures.

use std::collections::BTreeSet;

use chrono::Utc;
use sea_orm::EntityTrait;
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_domain::supervision::lifecycle::AlertState;
use sunlight_domain::supervision::{AlertLevel, Party};
use sunlight_domain::text::Note;
use sunlight_store::entity::{outbox, supervision_alert};
use sunlight_store::supervision::alerts::{self, AlertFilter};
use sunlight_store::supervision::fixture::{self, CaseSpec};
use sunlight_store::testing::TestDb;
use sunlight_store::{StoreError, audit, demo, figures, org};

pub fn person(login: &str, role: Role, units: &[i64]) -> Principal {
    let scope = if role == Role::CommissionAdmin { Scope::All } else { Scope::Units(units.iter().copied().collect()) };
    Principal { actor: format!("user:{login}"), user_id: Some(1), role, scope, is_token: false }
}

pub async fn unit(db: &TestDb, code: &str) -> i64 {
    org::unit_by_code(&db.store, &Principal::system("test"), code).await.unwrap().id
}

/// SCJG with two alerts on one case and a red card on another; ZRZY with one.
struct Setup {
    scjg: i64,
    zrzy: i64,
    late: supervision_alert::Model,
    skipped: supervision_alert::Model,
    red: supervision_alert::Model,
    other_unit: supervision_alert::Model,
}

async fn setup(db: &TestDb) -> Setup {
    demo::build_organization(&db.store).await.unwrap();
    let scjg = unit(db, "SCJG").await;
    let zrzy = unit(db, "ZRZY").await;
    let food = fixture::chart(&db.store, scjg, "SV-SCJG-1", "食品经营许可").await;
    let land = fixture::chart(&db.store, zrzy, "SV-ZRZY-1", "不动产登记").await;
    let now = Utc::now();
    let first = fixture::case(&db.store, &food, CaseSpec::open("SCJG-2026-0001", now)).await;
    let second = fixture::case(&db.store, &food, CaseSpec::open("SCJG-2026-0002", now)).await;
    let third = fixture::case(&db.store, &land, CaseSpec::open("ZRZY-2026-0001", now)).await;
    Setup {
        scjg,
        zrzy,
        late: fixture::alert(&db.store, &first, "time.yellow_card", "yellow").await,
        skipped: fixture::alert(&db.store, &first, "process.not_allowed", "warning").await,
        red: fixture::alert(&db.store, &second, "time.red_card", "red").await,
        other_unit: fixture::alert(&db.store, &third, "time.reminder", "reminder").await,
    }
}

/// A comment as the lifecycle takes it.
#[allow(clippy::unnecessary_wraps)] // every call site passes an optional comment
fn note(text: &str) -> Option<Note> {
    Some(Note::parse(text).unwrap())
}

fn field_error(result: Result<supervision_alert::Model, StoreError>, field: &str, code: &str) {
    match result {
        Err(StoreError::Invalid(errors)) => assert_eq!(errors.get(field).map(|e| e.code), Some(code), "{errors:?}"),
        other => panic!("expected {field}: {code}, got {other:?}"),
    }
}

/// The unit acknowledges and explains; the sub-commission closes; each move is an
/// event and an audit record; wrong moves, roles and units are refused.
async fn the_unit_explains_and_the_commission_closes(db: TestDb) {
    let s = setup(&db).await;
    let store = &db.store;
    let unit_admin = person("scjg-admin", Role::UnitAdmin, &[s.scjg]);
    let watcher = person("jgw1", Role::SubCommissionStaff, &[s.scjg]);
    let supervisor = person("supervisor", Role::Supervisor, &[s.scjg, s.zrzy]);
    let id = s.late.id;

    let before = audit::head(store).await.unwrap();
    let acknowledged = alerts::transition_alert(store, &unit_admin, id, AlertState::Acknowledged, None).await.unwrap();
    assert_eq!((acknowledged.state.as_str(), acknowledged.must_act.as_str()), ("acknowledged", "unit"));
    assert_eq!(audit::head(store).await.unwrap().0, before.0 + 2, "the move and its event are audited");

    field_error(
        alerts::transition_alert(store, &unit_admin, id, AlertState::Explained, None).await,
        "comment",
        "required",
    );
    field_error(
        alerts::transition_alert(store, &unit_admin, id, AlertState::Acknowledged, None).await,
        "to",
        "alert_transition_not_allowed",
    );
    assert!(matches!(
        alerts::transition_alert(store, &unit_admin, id, AlertState::Closed, None).await,
        Err(StoreError::Denied(_))
    ));
    assert!(matches!(
        alerts::transition_alert(store, &supervisor, id, AlertState::Explained, note("说明")).await,
        Err(StoreError::Denied(_))
    ));
    let explanation = "申请人补正材料耗时3个工作日，已于次日办结。";
    let explained =
        alerts::transition_alert(store, &unit_admin, id, AlertState::Explained, note(explanation)).await.unwrap();
    assert_eq!((explained.state.as_str(), explained.must_act.as_str()), ("explained", "commission"));

    let closed = alerts::transition_alert(store, &watcher, id, AlertState::Closed, None).await.unwrap();
    assert_eq!(closed.state, "closed");
    assert_eq!(closed.close_reason.as_deref(), Some("explained"));
    assert!(closed.closed_at.is_some());
    field_error(
        alerts::transition_alert(store, &watcher, id, AlertState::Escalated, None).await,
        "to",
        "alert_transition_not_allowed",
    );

    let detail = alerts::alert_detail(store, &watcher, id).await.unwrap();
    let moves: Vec<(Option<&str>, &str, &str)> =
        detail.events.iter().map(|e| (e.from_state.as_deref(), e.to_state.as_str(), e.actor.as_str())).collect();
    assert_eq!(
        moves,
        vec![
            (None, "raised", "system:rules"),
            (Some("raised"), "acknowledged", "user:scjg-admin"),
            (Some("acknowledged"), "explained", "user:scjg-admin"),
            (Some("explained"), "closed", "user:jgw1"),
        ]
    );
    assert_eq!(detail.events[2].comment.as_deref(), Some(explanation));
    assert_eq!(detail.case.as_ref().unwrap().case_number, "SCJG-2026-0001");
    assert_eq!(detail.case.as_ref().unwrap().power_name.as_deref(), Some("食品经营许可"));
    assert_eq!(detail.unit_name, "演示县市场监督管理局");
    assert!(detail.next.is_empty());
    assert!(matches!(audit::verify(store).await.unwrap(), audit::Verification::Intact { .. }));
}
both_backends!(the_unit_explains_and_the_commission_closes);

/// Escalation goes to the commission, which closes it; each caller is offered only
/// the moves the policy lets it make; alerts of other units are not found.
async fn escalation_and_scope(db: TestDb) {
    let s = setup(&db).await;
    let store = &db.store;
    let admin = person("admin", Role::CommissionAdmin, &[]);
    let unit_admin = person("scjg-admin", Role::UnitAdmin, &[s.scjg]);
    let watcher = person("jgw1", Role::SubCommissionStaff, &[s.scjg]);

    let keys = |d: alerts::AlertDetail| d.next.iter().map(|s| s.key()).collect::<Vec<_>>();
    assert_eq!(keys(alerts::alert_detail(store, &unit_admin, s.red.id).await.unwrap()), vec!["acknowledged"]);
    assert_eq!(keys(alerts::alert_detail(store, &watcher, s.red.id).await.unwrap()), vec!["escalated"]);
    assert_eq!(keys(alerts::alert_detail(store, &admin, s.red.id).await.unwrap()), vec!["acknowledged", "escalated"]);

    field_error(
        alerts::transition_alert(store, &watcher, s.red.id, AlertState::Closed, None).await,
        "to",
        "alert_transition_not_allowed",
    );
    let escalated = alerts::transition_alert(
        store,
        &watcher,
        s.red.id,
        AlertState::Escalated,
        note("连续两次红牌，提请县纪委督办"),
    )
    .await
    .unwrap();
    assert_eq!((escalated.state.as_str(), escalated.must_act.as_str()), ("escalated", "commission"));
    let queued = outbox::Entity::find().all(store.connection()).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].topic, "alert_escalated");
    let payload: serde_json::Value = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!(
        (payload["alert_id"].as_i64(), payload["case_number"].as_str()),
        (Some(s.red.id), Some("SCJG-2026-0002"))
    );
    let closed = alerts::transition_alert(store, &admin, s.red.id, AlertState::Closed, None).await.unwrap();
    assert_eq!(closed.close_reason.as_deref(), Some("resolved"));

    // Another unit's alert does not exist for the unit admin or its watcher.
    for caller in [&unit_admin, &watcher] {
        assert!(matches!(alerts::alert_detail(store, caller, s.other_unit.id).await, Err(StoreError::NotFound { .. })));
        let to = if caller.role == Role::UnitAdmin { AlertState::Acknowledged } else { AlertState::Escalated };
        assert!(matches!(
            alerts::transition_alert(store, caller, s.other_unit.id, to, None).await,
            Err(StoreError::NotFound { .. })
        ));
    }
    let cadre = person("scjg-cadre", Role::Cadre, &[s.scjg]);
    assert!(matches!(alerts::alert_detail(store, &cadre, s.red.id).await, Err(StoreError::Denied(_))));
    assert!(matches!(
        alerts::transition_alert(store, &cadre, s.red.id, AlertState::Acknowledged, None).await,
        Err(StoreError::Denied(_))
    ));
}
both_backends!(escalation_and_scope);

/// Lists filter by unit, level, family, state, who must act and case number, within
/// the caller's units; the console counts open alerts by unit and level; the figures
/// count them too.
async fn lists_console_and_figures(db: TestDb) {
    let s = setup(&db).await;
    let store = &db.store;
    let admin = person("admin", Role::CommissionAdmin, &[]);
    let unit_admin = person("scjg-admin", Role::UnitAdmin, &[s.scjg]);
    alerts::transition_alert(store, &unit_admin, s.skipped.id, AlertState::Acknowledged, None).await.unwrap();
    alerts::transition_alert(store, &unit_admin, s.skipped.id, AlertState::Explained, note("窗口误操作，已纠正"))
        .await
        .unwrap();
    alerts::transition_alert(store, &admin, s.skipped.id, AlertState::Closed, None).await.unwrap();

    let ids = |page: alerts::AlertPage| page.alerts.iter().map(|r| r.alert.id).collect::<BTreeSet<_>>();
    let list = |principal: Principal, filter: AlertFilter| async move {
        alerts::list_alerts(store, &principal, &filter, 1, 50).await.unwrap()
    };
    let all = list(admin.clone(), AlertFilter::default()).await;
    assert_eq!(all.total, 4);
    assert!(!all.alerts[0].case_number.is_empty());
    assert_eq!(
        ids(list(unit_admin.clone(), AlertFilter::default()).await),
        BTreeSet::from([s.late.id, s.skipped.id, s.red.id])
    );
    let f = |filter: AlertFilter| list(admin.clone(), filter);
    assert_eq!(
        ids(f(AlertFilter { unit_id: Some(s.zrzy), ..Default::default() }).await),
        BTreeSet::from([s.other_unit.id])
    );
    assert_eq!(
        ids(f(AlertFilter { level: Some(AlertLevel::Red), ..Default::default() }).await),
        BTreeSet::from([s.red.id])
    );
    assert_eq!(
        ids(f(AlertFilter { family: Some("process".into()), ..Default::default() }).await),
        BTreeSet::from([s.skipped.id])
    );
    assert_eq!(
        ids(f(AlertFilter { open: true, ..Default::default() }).await),
        BTreeSet::from([s.late.id, s.red.id, s.other_unit.id])
    );
    assert_eq!(
        ids(f(AlertFilter { state: Some(AlertState::Closed), ..Default::default() }).await),
        BTreeSet::from([s.skipped.id])
    );
    assert_eq!(
        ids(f(AlertFilter { must_act: Some(Party::Unit), ..Default::default() }).await),
        BTreeSet::from([s.late.id, s.red.id, s.other_unit.id])
    );
    assert_eq!(
        ids(f(AlertFilter { case_number: Some("2026-0002".into()), ..Default::default() }).await),
        BTreeSet::from([s.red.id])
    );
    assert_eq!(ids(f(AlertFilter { case_number: Some("%".into()), ..Default::default() }).await).len(), 4);
    assert!(matches!(
        alerts::list_alerts(store, &admin, &AlertFilter { family: Some("x%".into()), ..Default::default() }, 1, 10)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        alerts::list_alerts(store, &unit_admin, &AlertFilter { unit_id: Some(s.zrzy), ..Default::default() }, 1, 10)
            .await,
        Err(StoreError::Denied(_))
    ));
    let page_two = alerts::list_alerts(store, &admin, &AlertFilter::default(), 2, 3).await.unwrap();
    assert_eq!((page_two.total, page_two.alerts.len()), (4, 1));

    let console = alerts::console(store, &admin, 10).await.unwrap();
    let level = |l: AlertLevel| AlertLevel::ALL.iter().position(|x| *x == l).unwrap();
    assert_eq!(console.units.len(), 2);
    assert_eq!(console.units[0].unit_id, s.scjg, "red cards first");
    assert_eq!(console.units[0].counts[level(AlertLevel::Red)], 1);
    assert_eq!(console.units[0].counts[level(AlertLevel::Yellow)], 1);
    assert_eq!(console.units[0].counts[level(AlertLevel::Warning)], 0, "closed alerts are not live");
    assert_eq!(console.units[0].total, 2);
    assert_eq!(console.totals, vec![1, 1, 1, 0]);
    assert_eq!((console.waiting_on_unit, console.waiting_on_commission), (3, 0));
    assert_eq!(console.latest.len(), 4);
    let theirs = alerts::console(store, &unit_admin, 10).await.unwrap();
    assert_eq!(theirs.units.len(), 1);
    assert_eq!(theirs.latest.len(), 3);

    let system = Principal::system("test");
    let county = figures::figures(store, &system, None).await.unwrap();
    assert_eq!(county.get("alerts_open"), Some(3));
    let by_level: Vec<(&str, i64)> = county.breakdown("alerts_by_level").unwrap().clone();
    assert_eq!(by_level, vec![("reminder", 1), ("yellow", 1), ("red", 1), ("warning", 0)]);
    let json = serde_json::to_value(&county).unwrap();
    assert_eq!(json["alerts_by_level"], serde_json::json!({"reminder": 1, "yellow": 1, "red": 1, "warning": 0}));
    assert_eq!(json["alerts_open"], 3);
    let one = figures::figures(store, &system, Some(s.zrzy)).await.unwrap();
    assert_eq!(one.get("alerts_open"), Some(1));
    assert_eq!(one.breakdown("alerts_by_level").unwrap()[0], ("reminder", 1));
}
both_backends!(lists_console_and_figures);
