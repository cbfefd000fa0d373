//! Cases and alerts inserted directly, for tests of supervision: a power with a
//! published flowchart per unit, cases received when the test says, alerts raised
//! as the rules raise them (`raised`, the unit to act, an event by `system:rules`),
//! outbox rows, and a notifier that records what it was given.

#![allow(clippy::missing_panics_doc, clippy::expect_used)] // test support: a failed set-up must fail loudly

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use sunlight_domain::flow::{Flowchart, export_bpmn, generator::generator_flowchart};

use super::outbox::Notifier;
use crate::Store;
use crate::entity::{
    flowchart, flowchart_version, handling_case, outbox, power, supervision_alert, supervision_alert_event,
};

/// A unit's power and its published flowchart version.
#[derive(Debug, Clone)]
pub struct Chart {
    pub unit_id: i64,
    pub power_id: i64,
    pub power_code: String,
    pub version_id: i64,
}

/// Stores a power of `unit_id` coded `code` with a published flowchart (the
/// generator's approval flow).
pub async fn chart(store: &Store, unit_id: i64, code: &str, name: &str) -> Chart {
    let db = store.connection();
    let now = Utc::now();
    let power = power::ActiveModel {
        unit_id: Set(unit_id),
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        power_type: Set("XK".to_owned()),
        legal_basis: Set("《中华人民共和国行政许可法》".to_owned()),
        section_id: Set(None),
        position: Set(None),
        legal_limit_amount: Set(Some(20)),
        legal_limit_unit: Set(Some("working_days".to_owned())),
        promised_limit_amount: Set(Some(10)),
        promised_limit_unit: Set(Some("working_days".to_owned())),
        fee_charged: Set(false),
        fee_standard: Set(None),
        unit_head: Set(false),
        public: Set(true),
        notes: Set(None),
        state: Set("published".to_owned()),
        merged_into: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert power");
    let chart = Flowchart::new(generator_flowchart()).expect("the generator's flowchart is valid");
    let flowchart = flowchart::ActiveModel {
        power_id: Set(power.id),
        unit_id: Set(unit_id),
        power_code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert flowchart");
    let version = flowchart_version::ActiveModel {
        flowchart_id: Set(flowchart.id),
        version: Set(1),
        state: Set("published".to_owned()),
        bpmn: Set(export_bpmn(&chart)),
        step_count: Set(i32::try_from(chart.steps().count()).expect("few steps")),
        created_by: Set("system:test".to_owned()),
        created_at: Set(now),
        published_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert flowchart version");
    Chart { unit_id, power_id: power.id, power_code: code.to_owned(), version_id: version.id }
}

/// How a case stands, as the clock and the rules left it.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    pub number: String,
    pub received_at: DateTime<Utc>,
    /// `open`, `paused`, `finished` or `terminated`.
    pub status: &'static str,
    pub overdue: bool,
    pub conformant: bool,
    /// Working minutes from receipt to finish, for finished cases.
    pub handling_minutes: Option<i64>,
}

impl CaseSpec {
    /// An open, conformant case received at `received_at`.
    #[must_use]
    pub fn open(number: &str, received_at: DateTime<Utc>) -> Self {
        Self {
            number: number.to_owned(),
            received_at,
            status: "open",
            overdue: false,
            conformant: true,
            handling_minutes: None,
        }
    }
}

pub async fn case(store: &Store, chart: &Chart, spec: CaseSpec) -> handling_case::Model {
    let finished = spec.status == "finished";
    handling_case::ActiveModel {
        case_number: Set(spec.number.clone()),
        verification_hash: Set("0".repeat(64)),
        unit_id: Set(chart.unit_id),
        power_id: Set(chart.power_id),
        power_code: Set(chart.power_code.clone()),
        flowchart_version_id: Set(chart.version_id),
        applicant: Set(Some("张三".to_owned())),
        subject: Set(Some("食品经营许可".to_owned())),
        source: Set("online".to_owned()),
        status: Set(spec.status.to_owned()),
        current_step: Set((!finished).then(|| "Review".to_owned())),
        received_at: Set(spec.received_at),
        promised_deadline: Set(None),
        legal_deadline: Set(None),
        finished_at: Set(finished.then_some(spec.received_at)),
        fee_due_cents: Set(None),
        fee_paid_cents: Set(None),
        card: Set("none".to_owned()),
        overdue: Set(spec.overdue),
        process_conformant: Set(spec.conformant),
        returns: Set(0),
        event_count: Set(1),
        handling_minutes: Set(spec.handling_minutes),
        next_due_at: Set(None),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .expect("insert case")
}

/// An alert of `rule` at `level` on `case`, as the rules raise it.
pub async fn alert(store: &Store, case: &handling_case::Model, rule: &str, level: &str) -> supervision_alert::Model {
    let now = Utc::now();
    let alert = supervision_alert::ActiveModel {
        rule: Set(rule.to_owned()),
        level: Set(level.to_owned()),
        case_id: Set(case.id),
        unit_id: Set(case.unit_id),
        step: Set(Some("Review".to_owned())),
        person: Set(Some("李晓东".to_owned())),
        evidence: Set("审查环节已超过承诺时限2个工作日".to_owned()),
        state: Set("raised".to_owned()),
        must_act: Set("unit".to_owned()),
        close_reason: Set(None),
        raised_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .expect("insert alert");
    supervision_alert_event::ActiveModel {
        alert_id: Set(alert.id),
        from_state: Set(None),
        to_state: Set("raised".to_owned()),
        actor: Set("system:rules".to_owned()),
        comment: Set(None),
        at: Set(now),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .expect("insert alert event");
    alert
}

/// A queued notification, due at `due`.
pub async fn queued(store: &Store, topic: &str, payload: &serde_json::Value, due: DateTime<Utc>) -> outbox::Model {
    outbox::ActiveModel {
        topic: Set(topic.to_owned()),
        payload: Set(payload.to_string()),
        created_at: Set(due),
        attempts: Set(0),
        next_attempt_at: Set(due),
        delivered_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .expect("insert outbox row")
}

/// Records the ids it delivers; fails every delivery while `failing` is set; takes
/// `delay` over each (so that passes overlap).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    pub failing: AtomicBool,
    pub delay: std::time::Duration,
    delivered: Mutex<Vec<i64>>,
}

impl RecordingNotifier {
    #[must_use]
    pub fn slow(delay: std::time::Duration) -> Self {
        Self { delay, ..Self::default() }
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    #[must_use]
    pub fn delivered(&self) -> Vec<i64> {
        self.delivered.lock().expect("not poisoned").clone()
    }
}

impl Notifier for RecordingNotifier {
    async fn deliver(&self, message: &outbox::Model) -> Result<(), String> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if self.failing.load(Ordering::SeqCst) {
            return Err("通知网关无响应 (connection refused)".to_owned());
        }
        self.delivered.lock().expect("not poisoned").push(message.id);
        Ok(())
    }
}
