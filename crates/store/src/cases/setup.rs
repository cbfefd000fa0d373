//! Puts a flowchart in force for a power in one step, for tests, benchmarks and
//! the command line. Staff draw, review and publish flowcharts in the flowchart
//! editor; this is the short way for data that arrives already decided.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use sunlight_domain::flow::{Flowchart, export_bpmn};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::{flowchart, flowchart_version, power};
use crate::{Store, StoreError, Write};

#[derive(Serialize)]
struct Installed<'a> {
    power_code: &'a str,
    version: i32,
    steps: i32,
}

/// Publishes `chart` as the power's flowchart in force (the one before, if any, is
/// superseded); returns the new version's id.
pub async fn install_flowchart(
    store: &Store,
    principal: &Principal,
    power_id: i64,
    chart: &Flowchart,
) -> Result<i64, StoreError> {
    let power = power::Entity::find_by_id(power_id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("power"))?;
    authorize(principal, Action::ManageFlowcharts, Target::Unit(power.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let now = write.now();
    let existing = flowchart::Entity::find().filter(flowchart::Column::PowerId.eq(power_id)).one(write.txn()).await?;
    let chart_row = match existing {
        Some(row) => row,
        None => {
            flowchart::ActiveModel {
                power_id: Set(power.id),
                unit_id: Set(power.unit_id),
                power_code: Set(power.code.clone()),
                name: Set(power.name.chars().take(200).collect()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(write.txn())
            .await?
        }
    };
    let previous = flowchart_version::Entity::find()
        .filter(flowchart_version::Column::FlowchartId.eq(chart_row.id))
        .order_by_desc(flowchart_version::Column::Version)
        .all(write.txn())
        .await?;
    for v in previous.iter().filter(|v| v.state == "published") {
        let mut superseded: flowchart_version::ActiveModel = v.clone().into();
        superseded.state = Set("superseded".to_owned());
        superseded.update(write.txn()).await?;
    }
    let version = previous.first().map_or(1, |v| v.version + 1);
    let steps = i32::try_from(chart.steps().count()).unwrap_or(i32::MAX);
    let row = flowchart_version::ActiveModel {
        flowchart_id: Set(chart_row.id),
        version: Set(version),
        state: Set("published".to_owned()),
        bpmn: Set(export_bpmn(chart)),
        step_count: Set(steps),
        created_by: Set(principal.actor.chars().take(100).collect()),
        created_at: Set(now),
        published_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    let view = Installed { power_code: &power.code, version, steps };
    write.record("flowchart_version.install", "flowchart_version", row.id, None::<&()>, Some(&view))?;
    write.commit().await?;
    Ok(row.id)
}

/// A power made ready for online handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyPower {
    pub power_id: i64,
    pub code: String,
    pub unit_id: i64,
    pub version_id: i64,
}

/// Drafts a licence power named `name` for the unit `unit_code` and puts `chart` in
/// force for it: what a test, a benchmark or a demo needs before cases can come.
pub async fn ready_power(
    store: &Store,
    principal: &Principal,
    unit_code: &str,
    name: &str,
    chart: &Flowchart,
) -> Result<ReadyPower, StoreError> {
    use sunlight_domain::catalogue::{Column, PowerTypes, RowContext, parse_row};
    use sunlight_domain::org::UnitCode;

    let unit = UnitCode::parse(unit_code).map_err(|e| StoreError::invalid("unit", e))?;
    let cells = [
        (Column::Name, name),
        (Column::Type, "行政许可"),
        (Column::LegalBasis, "《中华人民共和国行政许可法》第四十二条"),
    ];
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    let draft =
        parse_row(|c| cells.iter().find(|(k, _)| *k == c).map(|(_, v)| *v), &context).map_err(StoreError::Invalid)?;
    let record = crate::catalogue::create_power(store, principal, draft).await?;
    let version_id = install_flowchart(store, principal, record.power.id, chart).await?;
    Ok(ReadyPower { power_id: record.power.id, code: record.power.code, unit_id: record.power.unit_id, version_id })
}

/// What [`open_cases`] stored: the instant at which exactly its due cases have
/// fallen due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCases {
    pub cases: usize,
    pub due: usize,
    pub due_at: chrono::DateTime<chrono::Utc>,
}

/// Cases a bulk write carries.
const BULK_CASES: usize = 1_000;
/// Cases a transaction of [`open_cases`] carries.
const BULK_WRITE: usize = 50_000;

/// Stores `cases` open cases of `power` (made by [`ready_power`] with the
/// generator's flowchart) for the clock's benchmark, directly in bulk: each applied
/// and registered, its completeness check pending. `due` of them have been waiting
/// 3.5 working days on the two-day check, their reminder shown and their yellow card
/// due at `due_at`; the others were registered half a day before it and fall due
/// later. One audit record per transaction.
pub async fn open_cases(
    store: &Store,
    principal: &Principal,
    power: &ReadyPower,
    cases: usize,
    due: usize,
) -> Result<OpenCases, StoreError> {
    use chrono::{TimeDelta, Utc};
    use sunlight_domain::flow::calendar::china_time;

    use crate::entity::{case_event, handling_case};

    authorize(principal, Action::ManageFlowcharts, Target::Unit(power.unit_id))?;
    let calendar = crate::calendar::load(store.connection()).await?;
    let day = calendar.office_hours().day_length();
    let base = (Utc::now() - TimeDelta::days(60)).with_timezone(&china_time());
    let later = |from, span| calendar.add_working_time(from, span).map_err(|e| StoreError::Internal(e.to_string()));
    let due_at = later(base, day * 7 / 2)?;
    let fresh = later(base, day * 3)?;
    let mut done = 0;
    while done < cases {
        let mut write = Write::begin(store, principal).await?;
        let now = write.now();
        let batch_end = (done + BULK_WRITE).min(cases);
        for chunk_start in (done..batch_end).step_by(BULK_CASES) {
            let chunk_end = (chunk_start + BULK_CASES).min(batch_end);
            let mut rows = Vec::with_capacity(chunk_end - chunk_start);
            let mut registered = Vec::with_capacity(chunk_end - chunk_start);
            for i in chunk_start..chunk_end {
                let is_due = i < due;
                let spread = TimeDelta::seconds(i64::try_from(i % 3_600).unwrap_or(0));
                let received = if is_due { base - spread } else { fresh - spread };
                let register = received + TimeDelta::minutes(10);
                let next_due = if is_due { due_at - spread } else { later(register, day)? };
                registered.push(register.with_timezone(&Utc));
                rows.push(handling_case::ActiveModel {
                    case_number: Set(format!("BENCH-{i:08}")),
                    verification_hash: Set(String::new()),
                    unit_id: Set(power.unit_id),
                    power_id: Set(power.power_id),
                    power_code: Set(power.code.clone()),
                    flowchart_version_id: Set(power.version_id),
                    applicant: Set(None),
                    subject: Set(None),
                    source: Set("demo".to_owned()),
                    status: Set("open".to_owned()),
                    current_step: Set(Some("Check completeness".to_owned())),
                    received_at: Set(received.with_timezone(&Utc)),
                    promised_deadline: Set(later(received, day * 10).ok().map(|d| d.with_timezone(&Utc))),
                    legal_deadline: Set(later(received, day * 20).ok().map(|d| d.with_timezone(&Utc))),
                    finished_at: Set(None),
                    fee_due_cents: Set(None),
                    fee_paid_cents: Set(None),
                    card: Set(if is_due { "reminder" } else { "none" }.to_owned()),
                    overdue: Set(false),
                    process_conformant: Set(true),
                    returns: Set(0),
                    event_count: Set(2),
                    handling_minutes: Set(None),
                    next_due_at: Set(Some(next_due.with_timezone(&Utc))),
                    updated_at: Set(now),
                    ..Default::default()
                });
            }
            let inserted = handling_case::Entity::insert_many(rows).exec_with_returning(write.txn()).await?;
            let mut events = Vec::with_capacity(inserted.len() * 2);
            for (case, register) in inserted.iter().zip(&registered) {
                for (seq, step, action, at) in
                    [(1, "", "apply", case.received_at), (2, "Register application", "complete", *register)]
                {
                    events.push(case_event::ActiveModel {
                        case_id: Set(case.id),
                        unit_id: Set(case.unit_id),
                        client_event_id: Set(None),
                        seq: Set(seq),
                        step: Set(step.to_owned()),
                        action: Set(action.to_owned()),
                        actor: Set("窗口-王芳".to_owned()),
                        actor_group: Set(Some("clerk".to_owned())),
                        at: Set(at),
                        comment: Set(None),
                        documents: Set("[\"Application form\",\"Identity card\"]".to_owned()),
                        fee_due_cents: Set(None),
                        fee_paid_cents: Set(None),
                        source: Set("demo".to_owned()),
                        recorded_at: Set(now),
                        ..Default::default()
                    });
                }
            }
            case_event::Entity::insert_many(events).exec_without_returning(write.txn()).await?;
        }
        let count = batch_end - done;
        write.record("handling_case.bulk", "handling_case", power.code.as_str(), None::<&()>, Some(&count))?;
        write.commit().await?;
        done = batch_end;
    }
    Ok(OpenCases { cases, due: due.min(cases), due_at: due_at.with_timezone(&chrono::Utc) })
}
