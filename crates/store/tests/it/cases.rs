//! Online handling: pushed events (idempotent, rejected with reasons), the online
//! hall's create and act with unit scope, live alerts (raised once, superseded,
//! taken down), the clock over the next-due index and its lock, import and export.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sunlight_domain::flow::case_event::RawCaseEvent;
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::flow::trace::StepState;
use sunlight_domain::flow::{Calendar, Flowchart, import_bpmn, read_csv, read_xes};
use sunlight_domain::policy::{Principal, Role, Scope};
use sunlight_store::cases::setup::{ReadyPower, ready_power};
use sunlight_store::cases::{
    self, CaseFilter, ClockLease, EventStatus, ImportError, NewCase, RawAction, RawNewCase, Source,
};
use sunlight_store::entity::{case_event, handling_case, outbox, supervision_alert, supervision_alert_event};
use sunlight_store::testing::TestDb;
use sunlight_store::{Store, StoreError, calendar, demo, org, settings};

fn person(role: Role, unit: i64) -> Principal {
    Principal {
        actor: format!("user:{}", role.key()),
        user_id: Some(1),
        role,
        scope: Scope::Units([unit].into()),
        is_token: false,
    }
}

fn token(unit: i64) -> Principal {
    Principal { actor: format!("token:审批系统#{unit}"), is_token: true, ..person(Role::UnitAdmin, unit) }
}

struct County {
    scjg: i64,
    zrzy: i64,
    licence: ReadyPower,
}

async fn county(store: &Store) -> County {
    demo::build_organization(store).await.unwrap();
    let system = Principal::system("test");
    let scjg = org::unit_by_code(store, &system, "SCJG").await.unwrap().id;
    let zrzy = org::unit_by_code(store, &system, "ZRZY").await.unwrap().id;
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    let licence = ready_power(store, &system, "SCJG", "食品经营许可（网上办理测试）", &chart).await.unwrap();
    County { scjg, zrzy, licence }
}

fn event(id: &str, case: &str, power: &str, step: &str, action: &str, at: DateTime<Utc>) -> RawCaseEvent {
    RawCaseEvent {
        id: id.into(),
        case: case.into(),
        power: power.into(),
        step: step.into(),
        action: action.into(),
        actor: "窗口-王芳".into(),
        group: Some("clerk".into()),
        at: at.to_rfc3339(),
        ..RawCaseEvent::default()
    }
}

/// Applied, registered, checked and accepted just now: inspection (5 working days)
/// and review (2) run.
fn accepted_case(number: &str, power: &str, now: DateTime<Utc>) -> Vec<RawCaseEvent> {
    let mut register =
        event(&format!("{number}-1"), number, power, "Register application", "complete", now - TimeDelta::minutes(3));
    register.documents = vec!["Application form".into(), "Identity card".into()];
    vec![
        event(&format!("{number}-0"), number, power, "", "apply", now - TimeDelta::minutes(4)),
        register,
        event(&format!("{number}-2"), number, power, "Check completeness", "complete", now - TimeDelta::minutes(2)),
        event(&format!("{number}-3"), number, power, "Accept application", "accept", now - TimeDelta::minutes(1)),
    ]
}

async fn case_row(store: &Store, number: &str) -> handling_case::Model {
    handling_case::Entity::find()
        .filter(handling_case::Column::CaseNumber.eq(number))
        .one(store.connection())
        .await
        .unwrap()
        .unwrap()
}

async fn alerts_of(store: &Store, case_id: i64) -> Vec<supervision_alert::Model> {
    supervision_alert::Entity::find()
        .filter(supervision_alert::Column::CaseId.eq(case_id))
        .all(store.connection())
        .await
        .unwrap()
}

fn reasons(report: &cases::IngestReport) -> Vec<(String, EventStatus, Option<&'static str>)> {
    report.results.iter().map(|r| (r.id.clone(), r.status, r.reason)).collect()
}

/// A batch with good and bad events: the good ones are kept, each bad one says why;
/// sending it again answers `duplicate` for what was stored.
async fn events_are_idempotent_and_rejected_with_reasons(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let system = Principal::system("test");
    let other = ready_power(
        store,
        &system,
        "ZRZY",
        "建设用地规划许可（测试）",
        &Flowchart::new(generator_flowchart()).unwrap(),
    )
    .await
    .unwrap();
    let draft_only = {
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let ready = ready_power(store, &system, "SCJG", "无流程图事项（测试）", &chart).await.unwrap();
        // Take its flowchart out of force again.
        sunlight_store::entity::flowchart_version::Entity::update_many()
            .col_expr(
                sunlight_store::entity::flowchart_version::Column::State,
                sea_orm::sea_query::Expr::value("draft"),
            )
            .filter(sunlight_store::entity::flowchart_version::Column::Id.eq(ready.version_id))
            .exec(store.connection())
            .await
            .unwrap();
        ready.code
    };
    let now = Utc::now();
    let p = c.licence.code.as_str();
    let mut batch = accepted_case("WB-1", p, now);
    batch.extend([
        event("bad-step", "WB-1", p, "Lunch", "complete", now),
        event("no-case", "WB-404", p, "Decide", "complete", now),
        event("no-power", "WB-1", "NOPE-1", "Decide", "complete", now),
        event("other-unit", "WB-9", &other.code, "", "apply", now),
        event("no-chart", "WB-8", &draft_only, "", "apply", now),
        RawCaseEvent { at: "not a time".into(), ..event("bad-time", "WB-1", p, "Decide", "complete", now) },
        event("again", "WB-1", p, "", "apply", now),
        event("WB-1-3", "WB-1", p, "Decide", "complete", now),
    ]);
    let token = token(c.scjg);
    let report = cases::ingest(store, &token, &batch, Source::Api).await.unwrap();
    assert_eq!((report.accepted, report.duplicate, report.rejected), (4, 1, 7), "{:?}", reasons(&report));
    let got = reasons(&report);
    for (id, reason) in [
        ("bad-step", "unknown_step"),
        ("no-case", "unknown_case"),
        ("no-power", "unknown_power"),
        ("other-unit", "unknown_power"),
        ("no-chart", "no_published_flowchart"),
        ("bad-time", "bad_timestamp"),
        ("again", "case_exists"),
    ] {
        assert!(got.contains(&(id.to_owned(), EventStatus::Rejected, Some(reason))), "{id}: {got:?}");
    }
    // The id used twice in one batch: the second is the duplicate.
    assert_eq!(got.last().unwrap().1, EventStatus::Duplicate);
    let code = report.results[0].verification_code.clone().expect("the apply answers its code");

    let row = case_row(store, "WB-1").await;
    assert_eq!((row.status.as_str(), row.event_count, row.source.as_str()), ("open", 4, "api"));
    assert_eq!(row.current_step.as_deref(), Some("Site inspection / Technical review"));
    assert!(row.next_due_at.is_some_and(|d| d > now));
    assert!(row.promised_deadline.is_some() && row.legal_deadline > row.promised_deadline);
    assert_eq!((row.card.as_str(), row.overdue, row.process_conformant), ("none", false, true));

    let again = cases::ingest(store, &token, &batch, Source::Api).await.unwrap();
    assert_eq!((again.accepted, again.duplicate, again.rejected), (0, 5, 7));
    let stored = case_event::Entity::find().count(store.connection()).await.unwrap();
    assert_eq!(stored, 4);

    // The applicant follows the case with its code; a wrong code shows nothing.
    let public = cases::public_status(store, "WB-1", &code).await.unwrap().expect("the right code");
    assert_eq!(public.steps.len(), 4);
    assert_eq!(public.current_step.as_deref(), Some("Site inspection / Technical review"));
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert!(cases::public_status(store, "WB-1", wrong).await.unwrap().is_none());
    let json = serde_json::to_string(&public).unwrap();
    assert!(!json.contains("王芳"), "no names on the portal: {json}");

    // Pushing needs the right: a cadre's session may not push.
    let cadre = person(Role::Cadre, c.scjg);
    assert!(matches!(cases::ingest(store, &cadre, &batch, Source::Api).await, Err(StoreError::Denied(_))));
    let too_many = vec![RawCaseEvent::default(); cases::MAX_BATCH + 1];
    assert!(matches!(cases::ingest(store, &token, &too_many, Source::Api).await, Err(StoreError::Invalid(_))));
    let _ = c.zrzy;
}
both_backends!(events_are_idempotent_and_rejected_with_reasons);

/// The time cards of an open case follow the clock: a reminder on the review's last
/// day, superseded by a yellow card, then a red one; each raised once, each with an
/// alert event and an outbox message; finishing the step takes the card down.
async fn cards_follow_the_clock_and_come_down(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let now = Utc::now();
    let token = token(c.scjg);
    let report =
        cases::ingest(store, &token, &accepted_case("CLK-1", &c.licence.code, now), Source::Api).await.unwrap();
    assert_eq!(report.accepted, 4);
    let id = case_row(store, "CLK-1").await.id;
    let cal = calendar::load(store.connection()).await.unwrap();
    let day = cal.office_hours().day_length();
    let later = |days_x10: i32| {
        cal.add_working_time(now.with_timezone(&cal.offset()), day * days_x10 / 10).unwrap().with_timezone(&Utc)
    };

    // Nothing is due yet: the pass reads no case.
    let idle = cases::clock_pass(store, now).await.unwrap();
    assert_eq!(idle.evaluated, 0);

    let at = |stats: &cases::ClockStats| (stats.evaluated, stats.alerts_raised, stats.alerts_closed);
    let first = cases::clock_pass(store, later(15)).await.unwrap();
    assert_eq!(at(&first), (1, 1, 0));
    let row = case_row(store, "CLK-1").await;
    assert_eq!(row.card, "reminder");
    // Evaluated again at the same instant: nothing new, nothing raised twice.
    assert_eq!(cases::clock_pass(store, later(15)).await.unwrap().evaluated, 0);

    let second = cases::clock_pass(store, later(35)).await.unwrap();
    assert_eq!(at(&second), (1, 1, 1), "a yellow card supersedes the reminder");
    let third = cases::clock_pass(store, later(45)).await.unwrap();
    assert_eq!(third.evaluated, 1);
    let alerts = alerts_of(store, id).await;
    let view: Vec<(&str, &str, &str, Option<&str>)> = alerts
        .iter()
        .map(|a| (a.rule.as_str(), a.level.as_str(), a.state.as_str(), a.close_reason.as_deref()))
        .collect();
    assert!(view.contains(&("time.reminder", "reminder", "closed", Some("superseded"))), "{view:?}");
    assert!(view.contains(&("time.yellow_card", "yellow", "closed", Some("superseded"))), "{view:?}");
    assert!(view.contains(&("time.red_card", "red", "raised", None)), "{view:?}");
    assert!(alerts.iter().all(|a| a.must_act == "unit" && a.unit_id == c.scjg));
    let review: Vec<_> = alerts.iter().filter(|a| a.step.as_deref() == Some("Technical review")).collect();
    assert_eq!(review.len(), 3, "one alert per card: {view:?}");
    assert_eq!(case_row(store, "CLK-1").await.card, "red");

    // Every raise and close has its event by the rules; every raise one message.
    let events = supervision_alert_event::Entity::find().all(store.connection()).await.unwrap();
    let closed = alerts.iter().filter(|a| a.state == "closed").count();
    assert_eq!(events.len(), alerts.len() + closed);
    assert!(events.iter().all(|e| e.actor == cases::RULES_ACTOR));
    let messages = outbox::Entity::find().all(store.connection()).await.unwrap();
    assert_eq!(messages.len(), alerts.len());
    let payload: serde_json::Value = serde_json::from_str(&messages[0].payload).unwrap();
    for key in ["alert_id", "rule", "level", "case_number", "unit_id", "step", "person"] {
        assert!(payload.get(key).is_some(), "{key} in {payload}");
    }
    assert_eq!(payload["case_number"], "CLK-1");
    assert!(messages.iter().all(|m| m.topic == "alert_raised" && m.attempts == 0 && m.delivered_at.is_none()));

    // The review done (its timestamp in time): its red card comes down.
    let done = vec![event("CLK-1-4", "CLK-1", &c.licence.code, "Technical review", "complete", now)];
    cases::ingest(store, &token, &done, Source::Api).await.unwrap();
    let red = alerts_of(store, id).await.into_iter().find(|a| a.rule == "time.red_card").unwrap();
    assert_eq!((red.state.as_str(), red.close_reason.as_deref()), ("closed", Some("taken_down")));
}
both_backends!(cards_follow_the_clock_and_come_down);

/// Process findings become alerts once, however often the case is evaluated.
async fn process_alerts_are_raised_once(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let now = Utc::now();
    let p = c.licence.code.as_str();
    let token = token(c.scjg);
    let mut batch = accepted_case("PRC-1", p, now);
    batch.truncate(2);
    // Decided before it was even checked: out of order.
    batch.push(event("PRC-1-d", "PRC-1", p, "Decide", "approve", now));
    cases::ingest(store, &token, &batch, Source::Api).await.unwrap();
    for i in 0..3 {
        let pause = event(
            &format!("PRC-1-p{i}"),
            "PRC-1",
            p,
            "Check completeness",
            if i % 2 == 0 { "pause" } else { "resume" },
            now,
        );
        cases::ingest(store, &token, &[pause], Source::Api).await.unwrap();
    }
    let row = case_row(store, "PRC-1").await;
    assert!(!row.process_conformant);
    assert_eq!(row.status, "paused");
    assert!(row.next_due_at.is_none(), "a paused case falls due never");
    let alerts = alerts_of(store, row.id).await;
    let rules: Vec<&str> = alerts.iter().map(|a| a.rule.as_str()).collect();
    assert_eq!(rules.iter().filter(|r| **r == "process.not_allowed").count(), 1, "{rules:?}");
    assert_eq!(rules.iter().filter(|r| **r == "process.paused").count(), 2, "one per pause: {rules:?}");
    assert!(alerts.iter().filter(|a| a.rule.starts_with("process.")).all(|a| a.level == "warning"));
}
both_backends!(process_alerts_are_raised_once);

/// The rules are read once and kept, but a change by the commission applies to the
/// very next evaluation: a rule switched off raises nothing after the change.
async fn a_rule_change_applies_to_the_next_events(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let now = Utc::now();
    let p = c.licence.code.as_str();
    let token = token(c.scjg);
    let out_of_order = |number: &str| {
        let mut batch = accepted_case(number, p, now);
        batch.truncate(2);
        batch.push(event(&format!("{number}-d"), number, p, "Decide", "approve", now));
        batch
    };
    let rules_of = |alerts: Vec<supervision_alert::Model>| alerts.into_iter().map(|a| a.rule).collect::<Vec<_>>();
    cases::ingest(store, &token, &out_of_order("RUL-1"), Source::Api).await.unwrap();
    let first = rules_of(alerts_of(store, case_row(store, "RUL-1").await.id).await);
    assert!(first.contains(&"process.not_allowed".to_owned()), "{first:?}");

    let admin = Principal::system("test");
    let mut rules = settings::supervision_rules(store.connection()).await.unwrap().settings();
    rules.disabled = vec!["process.not_allowed".into()];
    settings::set_supervision_rules(store, &admin, &rules).await.unwrap();
    cases::ingest(store, &token, &out_of_order("RUL-2"), Source::Api).await.unwrap();
    let second = rules_of(alerts_of(store, case_row(store, "RUL-2").await.id).await);
    assert!(!second.contains(&"process.not_allowed".to_owned()), "{second:?}");
}
both_backends!(a_rule_change_applies_to_the_next_events);

/// The powers the desk reads are kept between groups, but a flowchart published
/// for a power applies to the very next case created for it.
async fn a_new_flowchart_version_applies_to_the_next_case(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let cadre = person(Role::Cadre, c.scjg);
    let raw = RawNewCase { power: c.licence.code.clone(), ..RawNewCase::default() };
    let first = cases::create_case(store, &cadre, &raw.parse().unwrap()).await.unwrap();
    assert_eq!(first.case.flowchart_version_id, c.licence.version_id);
    let chart = Flowchart::new(generator_flowchart()).unwrap();
    let system = Principal::system("test");
    let second_version =
        sunlight_store::cases::setup::install_flowchart(store, &system, c.licence.power_id, &chart).await.unwrap();
    assert_ne!(second_version, c.licence.version_id);
    let second = cases::create_case(store, &cadre, &raw.parse().unwrap()).await.unwrap();
    assert_eq!(second.case.flowchart_version_id, second_version, "the version in force now");
    assert_eq!(case_row(store, &first.case.case_number).await.flowchart_version_id, c.licence.version_id);
}
both_backends!(a_new_flowchart_version_applies_to_the_next_case);

/// Staff create a case (number drawn, code shown once) and move it to the end; other
/// units and read-only roles cannot act; bad actions are refused.
async fn the_online_hall_creates_and_acts_in_scope(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let cadre = person(Role::Cadre, c.scjg);
    let raw = RawNewCase {
        power: c.licence.code.clone(),
        applicant: Some("张三".into()),
        subject: Some("食品经营许可新办".into()),
        deadline: None,
    };
    let created = cases::create_case(store, &cadre, &raw.parse().unwrap()).await.unwrap();
    let number = created.case.case_number.clone();
    let today = Utc::now().with_timezone(&sunlight_domain::flow::calendar::china_time()).format("%Y%m%d");
    assert_eq!(number, format!("SCJG-{today}-000001"));
    assert_eq!(created.verification_code.len(), 6);
    assert_eq!(created.case.verification_hash, cases::hash_code(&created.verification_code));
    assert_eq!((created.case.source.as_str(), created.case.applicant.as_deref()), ("staff", Some("张三")));
    let second = cases::create_case(store, &cadre, &raw.parse().unwrap()).await.unwrap();
    assert_eq!(second.case.case_number, format!("SCJG-{today}-000002"));

    let act = |action: &str, step: &str| RawAction {
        action: action.into(),
        step: step.into(),
        group: None,
        ..RawAction::default()
    };
    let outsider = person(Role::Cadre, c.zrzy);
    let denied = cases::act(store, &outsider, &number, &act("complete", "Register application").parse().unwrap()).await;
    assert!(matches!(denied, Err(StoreError::NotFound { .. })), "{denied:?}");
    let supervisor = person(Role::Supervisor, c.scjg);
    let denied =
        cases::act(store, &supervisor, &number, &act("complete", "Register application").parse().unwrap()).await;
    assert!(matches!(denied, Err(StoreError::Denied(_))), "{denied:?}");
    let unknown = cases::act(store, &cadre, &number, &act("complete", "Lunch").parse().unwrap()).await;
    assert!(matches!(&unknown, Err(StoreError::Invalid(f)) if f.get("step").map(|e| e.code) == Some("unknown_step")));
    assert!(act("fly", "Decide").parse().is_err());

    let steps = [
        ("complete", "Register application"),
        ("complete", "Check completeness"),
        ("accept", "Accept application"),
        ("complete", "Site inspection"),
        ("complete", "Technical review"),
        ("approve", "Decide"),
        ("complete", "Collect fee"),
        ("finish", "Issue licence"),
    ];
    let mut row = created.case.clone();
    for (action, step) in steps {
        let mut a = act(action, step);
        if step == "Register application" {
            a.documents = vec!["Application form".into(), "Identity card".into()];
        }
        row = cases::act(store, &cadre, &number, &a.parse().unwrap()).await.unwrap();
    }
    assert_eq!(row.status, "finished");
    assert!(row.finished_at.is_some() && row.handling_minutes.is_some() && row.next_due_at.is_none());
    assert_eq!(row.event_count, 9);
    assert!(row.process_conformant);
    assert_eq!(row.current_step, None);
    let closed = cases::act(store, &cadre, &number, &act("complete", "Decide").parse().unwrap()).await;
    assert!(matches!(&closed, Err(StoreError::Invalid(f)) if f.get("action").map(|e| e.code) == Some("case_closed")));

    // The detail and the list, within scope.
    let detail = cases::detail(store, &supervisor, &number).await.unwrap();
    assert_eq!(detail.events.len(), 9);
    assert_eq!(detail.events[0].action, "apply");
    assert_eq!(detail.events[8].actor, "user:cadre");
    // Its run over the flowchart: the path taken done, the other branch not reached.
    let trace = &detail.trace;
    let register = &trace.steps["Register application"];
    assert_eq!(register.state, StepState::Done);
    assert_eq!(register.events, [u32::try_from(detail.events[1].seq).unwrap()]);
    assert_eq!(trace.steps["Issue licence"].state, StepState::Done);
    assert_eq!(trace.steps["Notify rejection"].state, StepState::NotReached);
    // One person reviewed and decided: the finding sits at the decision, on its event.
    let found: Vec<_> = trace.findings().map(|(step, f)| (step, f.rule.as_str(), f.event)).collect();
    let decided = u32::try_from(detail.events[6].seq).unwrap();
    assert_eq!(found, [(Some("Decide"), "process.separation_of_duties", Some(decided))]);
    assert!(trace.unknown.is_empty());
    assert!(matches!(cases::detail(store, &outsider, &number).await, Err(StoreError::Denied(_))));
    let mine = cases::list(store, &cadre, &CaseFilter::default(), 1, 10).await.unwrap();
    assert_eq!(mine.total, 2);
    let finished = CaseFilter::parse("", "", "finished", "", "").unwrap();
    assert_eq!(cases::list(store, &cadre, &finished, 1, 10).await.unwrap().total, 1);
    let month = Utc::now().with_timezone(&sunlight_domain::flow::calendar::china_time()).format("%Y-%m").to_string();
    let this_month = CaseFilter::parse(&c.scjg.to_string(), &c.licence.code, "", "", &month).unwrap();
    assert_eq!(cases::list(store, &cadre, &this_month, 1, 10).await.unwrap().total, 2);
    // The open case's first step has a one-day limit: it is on its last day at once.
    let reminded = CaseFilter::parse("", "", "", "reminder", "").unwrap();
    assert_eq!(
        cases::list(store, &cadre, &reminded, 1, 10).await.unwrap().cases[0].case_number,
        second.case.case_number
    );
    assert_eq!(cases::list(store, &outsider, &CaseFilter::default(), 1, 10).await.unwrap().total, 0);
    let other_unit = CaseFilter { unit_id: Some(c.scjg), ..CaseFilter::default() };
    assert!(matches!(cases::list(store, &outsider, &other_unit, 1, 10).await, Err(StoreError::Denied(_))));
    assert!(CaseFilter::parse("x", "", "sleeping", "purple", "2026-13").is_err());

    // Every change is in the audit chain, which still verifies.
    sunlight_store::audit::verify(store).await.unwrap();
    let figures = sunlight_store::figures::figures(store, &Principal::system("test"), None).await.unwrap();
    assert_eq!(figures.get("cases"), Some(2));
    let new_case = NewCase { power_code: "NOPE".into(), applicant: None, subject: None, deadline: None, at: None };
    assert!(matches!(cases::create_case(store, &cadre, &new_case).await, Err(StoreError::Invalid(_))));
}
both_backends!(the_online_hall_creates_and_acts_in_scope);

/// A server keeps the events of the cases its desk wrote. When another server on the
/// same database acts on such a case, the first one reads the case again: its next
/// action comes after the other's, and the flow conforms.
async fn a_case_changed_by_another_server_is_read_again(db: TestDb) {
    let store = &db.store;
    let c = county(store).await;
    let other = Store::connect_url(&db.url(), 2).await.unwrap();
    let cadre = person(Role::Cadre, c.scjg);
    let act = |action: &str, step: &str| RawAction {
        action: action.into(),
        step: step.into(),
        documents: vec!["Application form".into(), "Identity card".into()],
        ..RawAction::default()
    };
    let raw = RawNewCase { power: c.licence.code.clone(), ..RawNewCase::default() };
    let number = cases::create_case(store, &cadre, &raw.parse().unwrap()).await.unwrap().case.case_number;
    cases::act(store, &cadre, &number, &act("complete", "Register application").parse().unwrap()).await.unwrap();
    let elsewhere =
        cases::act(&other, &cadre, &number, &act("complete", "Check completeness").parse().unwrap()).await.unwrap();
    assert_eq!(elsewhere.event_count, 3);
    let row = cases::act(store, &cadre, &number, &act("accept", "Accept application").parse().unwrap()).await.unwrap();
    assert_eq!(row.event_count, 4);
    assert!(row.process_conformant, "the check done on the other server is seen");
    let detail = cases::detail(store, &cadre, &number).await.unwrap();
    let seqs: Vec<i32> = detail.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(detail.events[3].step, "Accept application");
    other.close().await.ok();
}
both_backends!(a_case_changed_by_another_server_is_read_again);

/// On PostgreSQL one server at a time holds the clock; on SQLite the lease is free.
async fn only_one_clock_runs(db: TestDb) {
    let first = ClockLease::try_acquire(&db.store).await.unwrap().expect("the first server gets the clock");
    if db.store.backend() == sunlight_store::Backend::Sqlite {
        return;
    }
    let other = Store::connect_url(&db.url(), 2).await.unwrap();
    assert!(ClockLease::try_acquire(&other).await.unwrap().is_none(), "a second server runs no pass");
    first.release().await.unwrap();
    let mut second = ClockLease::try_acquire(&other).await.unwrap().expect("free again");
    assert!(second.is_held().await);
    drop(second);
    // Dropping the lease closes its session: the lock is free once the server sees it.
    let mut got = None;
    for _ in 0..50 {
        got = ClockLease::try_acquire(&db.store).await.unwrap();
        if got.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(got.is_some());
}
both_backends!(only_one_clock_runs);

fn shared(name: &str) -> String {
    let path = format!("{}/../../../shared/data/eventlogs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A real log imported as closed cases, exported as XES and read back; importing it
/// twice stores nothing twice; a log with an unknown step stores nothing.
async fn logs_import_and_export(db: TestDb) {
    let store = &db.store;
    demo::build_organization(store).await.unwrap();
    let system = Principal::system("test");
    let chart = import_bpmn(&shared("receipt.bpmn")).unwrap();
    let power = ready_power(store, &system, "SCJG", "环境许可受理（导入测试）", &chart).await.unwrap();
    let china = sunlight_domain::flow::calendar::china_time();
    let mut log = read_csv(&shared("receipt.csv"), china).unwrap();
    log.cases.truncate(300);
    let events: usize = log.cases.iter().map(|c| c.events.len()).sum();
    let summary = cases::import_log(store, &system, &power.code, &log, true).await.unwrap();
    assert_eq!(summary.cases, 300);
    assert_eq!(summary.accepted, events + 2 * 300, "each case's apply and finish too");
    let finished = CaseFilter::parse("", &power.code, "finished", "", "").unwrap();
    assert_eq!(cases::list(store, &system, &finished, 1, 1).await.unwrap().total, 300);
    let again = cases::import_log(store, &system, &power.code, &log, true).await.unwrap();
    assert_eq!((again.accepted, again.duplicate), (0, events + 600));

    let filter = CaseFilter { power_code: Some(power.code.clone()), ..CaseFilter::default() };
    let xes = cases::export_xes(store, &system, &filter).await.unwrap();
    let back = read_xes(&xes, china).unwrap();
    assert_eq!(back.cases.len(), 300);
    let first = back.cases.iter().find(|c| c.id == log.cases[0].id).unwrap();
    assert_eq!(first.events.len(), log.cases[0].events.len() + 2);
    assert_eq!(first.deadline, log.cases[0].deadline);
    // Read back, the export imports as the same cases: all duplicates.
    let reimport = cases::import_log(store, &system, &power.code, &back, true).await;
    assert!(reimport.is_ok(), "{reimport:?}");

    let mut bad = read_csv(&shared("receipt.csv"), china).unwrap();
    bad.cases.drain(..300);
    bad.cases.truncate(20);
    let lunch = bad.intern("Lunch break");
    bad.cases[5].events[0].activity = lunch;
    let before = handling_case::Entity::find().count(store.connection()).await.unwrap();
    let refused = cases::import_log(store, &system, &power.code, &bad, false).await;
    assert!(matches!(&refused, Err(ImportError::Rejected { count: 1, .. })), "{refused:?}");
    assert_eq!(handling_case::Entity::find().count(store.connection()).await.unwrap(), before, "nothing imported");
    let _ = Calendar::china();
}
both_backends!(logs_import_and_export);
