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
