//! Flowcharts (流程图) of powers: one per power, its drawings kept as versions.
//!
//! A version is imported from BPMN 2.0 as a draft (stored in Sunlight's canonical
//! form, the text `export_bpmn` writes), published once every step states the four
//! clarities (四个明确), and superseded when a later version is published; at most
//! one version of a flowchart is published at a time. Every query keeps to the
//! caller's unit scope; every change is authorised and audited in its own
//! transaction. Other parts (online handling, electronic supervision) load the
//! published chart with [`published_for_power`] and a case's chart with
//! [`by_version_id`].

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::bpmn::BpmnError;
use sunlight_domain::flow::flowchart::Clarity;
use sunlight_domain::flow::{Flowchart, export_bpmn, import_bpmn};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::{ScopeKind, mentions_step};

use crate::entity::{flowchart, flowchart_version, position, power, risk_point, unit};
use crate::{Store, StoreError, Write};

/// The states of a version.
pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";
pub const SUPERSEDED: &str = "superseded";

/// The list's state filter: a published version, none, or a draft waiting.
pub const STATE_FILTERS: &[&str] = &["published", "unpublished", "draft"];

/// How a caller names a power: by id or by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerRef<'a> {
    Id(i64),
    Code(&'a str),
}

/// Why an import wrote nothing: the file (with its line and element), or the store.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Bpmn(BpmnError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Store(err.into())
    }
}

/// A version without its BPMN text: what lists and pages show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub id: i64,
    pub flowchart_id: i64,
    pub version: i32,
    pub state: String,
    pub step_count: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<&flowchart_version::Model> for VersionInfo {
    fn from(m: &flowchart_version::Model) -> Self {
        Self {
            id: m.id,
            flowchart_id: m.flowchart_id,
            version: m.version,
            state: m.state.clone(),
            step_count: m.step_count,
            created_by: m.created_by.clone(),
            created_at: m.created_at,
            published_at: m.published_at,
        }
    }
}

/// What the audit chain keeps of a version: its facts and the hash of its BPMN
/// (the text itself is in the row; a hash keeps the chain small and still binds it).
#[derive(Serialize)]
pub(crate) struct AuditedVersion<'a> {
    #[serde(flatten)]
    info: &'a VersionInfo,
    bpmn_sha256: String,
}

pub(crate) fn audited<'a>(info: &'a VersionInfo, bpmn: &str) -> AuditedVersion<'a> {
    AuditedVersion { info, bpmn_sha256: crate::accounts::sha256_hex(bpmn) }
}

fn in_scope<E: EntityTrait>(query: Select<E>, column: impl ColumnTrait, principal: &Principal) -> Select<E> {
    match principal.scope.unit_ids() {
        Some(ids) => query.filter(column.is_in(ids)),
        None => query,
    }
}

/// The stored BPMN read back; a row that no longer parses is a fault of the store.
fn parse_stored(version: &flowchart_version::Model) -> Result<Flowchart, StoreError> {
    import_bpmn(&version.bpmn)
        .map_err(|e| StoreError::Internal(format!("flowchart version {} is unreadable: {e}", version.id)))
}

/// A version's columns but its BPMN text.
type VersionRow = (i64, i64, i32, String, i32, String, DateTime<Utc>, Option<DateTime<Utc>>);

async fn version_infos(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<VersionInfo>, StoreError> {
    use flowchart_version::Column as V;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<VersionRow> = flowchart_version::Entity::find()
        .select_only()
        .columns([
            V::Id,
            V::FlowchartId,
            V::Version,
            V::State,
            V::StepCount,
            V::CreatedBy,
            V::CreatedAt,
            V::PublishedAt,
        ])
        .filter(V::FlowchartId.is_in(ids.iter().copied()))
        .order_by_asc(V::FlowchartId)
        .order_by_asc(V::Version)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, flowchart_id, version, state, step_count, created_by, created_at, published_at)| VersionInfo {
            id,
            flowchart_id,
            version,
            state,
            step_count,
            created_by,
            created_at,
            published_at,
        })
        .collect())
}

// ---------------------------------------------------------------- loaders for other parts

/// The published version of a power's flowchart, parsed, with its row.
pub async fn published_version(
    conn: &impl ConnectionTrait,
    power_id: i64,
) -> Result<Option<(flowchart_version::Model, Flowchart)>, StoreError> {
    let Some(chart) = flowchart::Entity::find().filter(flowchart::Column::PowerId.eq(power_id)).one(conn).await? else {
        return Ok(None);
    };
    let version = flowchart_version::Entity::find()
        .filter(flowchart_version::Column::FlowchartId.eq(chart.id))
        .filter(flowchart_version::Column::State.eq(PUBLISHED))
        .order_by_desc(flowchart_version::Column::Version)
        .one(conn)
        .await?;
    match version {
        Some(version) => {
            let parsed = parse_stored(&version)?;
            Ok(Some((version, parsed)))
        }
        None => Ok(None),
    }
}

/// The published flowchart of a power, if it has one (no scope: the caller has
/// already decided the power may be seen, or the chart is public anyway).
pub async fn published_for_power(conn: &impl ConnectionTrait, power_id: i64) -> Result<Option<Flowchart>, StoreError> {
    Ok(published_version(conn, power_id).await?.map(|(_, chart)| chart))
}

/// The flowchart of one version (a case keeps the version it was started under).
pub async fn by_version_id(conn: &impl ConnectionTrait, version_id: i64) -> Result<Option<Flowchart>, StoreError> {
    match flowchart_version::Entity::find_by_id(version_id).one(conn).await? {
        Some(version) => parse_stored(&version).map(Some),
        None => Ok(None),
    }
}

// ---------------------------------------------------------------- reading

/// Filters of the flowchart list; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FlowchartFilter {
    pub unit_id: Option<i64>,
    /// `published`, `unpublished` or `draft` (see [`STATE_FILTERS`]).
    pub state: Option<String>,
    /// Part of the power's code or name.
    pub q: Option<String>,
}

/// A flowchart as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FlowchartRow {
    pub flowchart: flowchart::Model,
    pub unit_name: String,
    pub published: Option<VersionInfo>,
    /// The newest version, whatever its state.
    pub latest: Option<VersionInfo>,
    pub versions: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowchartPage {
    pub total: u64,
    pub rows: Vec<FlowchartRow>,
}

/// The text of a LIKE pattern matching `q` anywhere, with `!` as escape character.
fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn with_state(state: &str) -> Expr {
    Expr::col((flowchart::Entity, flowchart::Column::Id)).in_subquery(
        Query::select()
            .column(flowchart_version::Column::FlowchartId)
            .from(flowchart_version::Entity)
            .and_where(flowchart_version::Column::State.eq(state))
            .to_owned(),
    )
}

/// Flowcharts with a published version (a condition on `flowchart`).
pub(crate) fn with_published() -> Expr {
    with_state(PUBLISHED)
}

/// The figure `flowcharts_published`: flowcharts of the units (all when `None`)
/// with a published version.
pub(crate) fn published_count(units: Option<&[i64]>) -> SelectStatement {
    let mut condition = Condition::all().add(with_published());
    if let Some(ids) = units {
        condition = condition.add(flowchart::Column::UnitId.is_in(ids.iter().copied()));
    }
    Query::select().expr(Expr::cust("COUNT(*)")).from(flowchart::Entity).cond_where(condition).to_owned()
}

fn filtered(principal: &Principal, filter: &FlowchartFilter) -> Select<flowchart::Entity> {
    let mut query = in_scope(flowchart::Entity::find(), flowchart::Column::UnitId, principal);
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(flowchart::Column::UnitId.eq(unit_id));
    }
    match filter.state.as_deref().map(str::trim) {
        Some("published") => query = query.filter(with_published()),
        Some("unpublished") => query = query.filter(with_published().not()),
        Some("draft") => query = query.filter(with_state(DRAFT)),
        // An unknown state matches nothing rather than everything.
        Some(other) if !other.is_empty() => query = query.filter(Expr::cust("1 = 0")),
        _ => {}
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(flowchart::Column::PowerCode.like(LikeExpr::new(like_pattern(&q.to_uppercase())).escape('!')))
                .add(flowchart::Column::Name.like(LikeExpr::new(like_pattern(q)).escape('!'))),
        );
    }
    query
}

pub async fn list(
    store: &Store,
    principal: &Principal,
    filter: &FlowchartFilter,
    page: u64,
    per_page: u64,
) -> Result<FlowchartPage, StoreError> {
    authorize(principal, Action::ViewCatalogue, filter.unit_id.map_or(Target::County, Target::Unit))?;
    let db = store.connection();
    let query = filtered(principal, filter);
    let total = query.clone().count(db).await?;
    let charts = query
        .order_by_asc(flowchart::Column::PowerCode)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let rows = rows_of(db, charts).await?;
    Ok(FlowchartPage { total, rows })
}

async fn rows_of(db: &impl ConnectionTrait, charts: Vec<flowchart::Model>) -> Result<Vec<FlowchartRow>, StoreError> {
    let ids: Vec<i64> = charts.iter().map(|c| c.id).collect();
    let mut versions: HashMap<i64, Vec<VersionInfo>> = HashMap::new();
    for info in version_infos(db, &ids).await? {
        versions.entry(info.flowchart_id).or_default().push(info);
    }
    let unit_ids: HashSet<i64> = charts.iter().map(|c| c.unit_id).collect();
    let units: HashMap<i64, String> = if unit_ids.is_empty() {
        HashMap::new()
    } else {
        unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(charts
        .into_iter()
        .map(|chart| {
            let list = versions.remove(&chart.id).unwrap_or_default();
            FlowchartRow {
                unit_name: units.get(&chart.unit_id).cloned().unwrap_or_default(),
                published: list.iter().rev().find(|v| v.state == PUBLISHED).cloned(),
                latest: list.last().cloned(),
                versions: list.len(),
                flowchart: chart,
            }
        })
        .collect())
}

/// A flowchart with its power, unit and every version (oldest first).
#[derive(Debug, Clone, Serialize)]
pub struct FlowchartDetail {
    pub flowchart: flowchart::Model,
    pub power: power::Model,
    pub unit_name: String,
    pub versions: Vec<VersionInfo>,
}

impl FlowchartDetail {
    #[must_use]
    pub fn published(&self) -> Option<&VersionInfo> {
        self.versions.iter().rev().find(|v| v.state == PUBLISHED)
    }

    /// The version a page shows when none is asked for: the published one, else the newest.
    #[must_use]
    pub fn shown(&self) -> Option<&VersionInfo> {
        self.published().or_else(|| self.versions.last())
    }
}

async fn chart_in_scope(store: &Store, principal: &Principal, id: i64) -> Result<flowchart::Model, StoreError> {
    let found = in_scope(flowchart::Entity::find_by_id(id), flowchart::Column::UnitId, principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("flowchart"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    Ok(found)
}

pub async fn get(store: &Store, principal: &Principal, id: i64) -> Result<FlowchartDetail, StoreError> {
    let chart = chart_in_scope(store, principal, id).await?;
    let db = store.connection();
    let power =
        power::Entity::find_by_id(chart.power_id).one(db).await?.ok_or_else(|| StoreError::not_found("power"))?;
    let unit_name = unit::Entity::find_by_id(chart.unit_id).one(db).await?.map(|u| u.name).unwrap_or_default();
    let versions = version_infos(db, &[chart.id]).await?;
    Ok(FlowchartDetail { flowchart: chart, power, unit_name, versions })
}

/// The flowchart of a power the caller may see, by the power's id or code.
pub async fn for_power(
    store: &Store,
    principal: &Principal,
    power_ref: PowerRef<'_>,
) -> Result<FlowchartDetail, StoreError> {
    let power = find_power(store.connection(), power_ref).await?;
    let chart = in_scope(
        flowchart::Entity::find().filter(flowchart::Column::PowerId.eq(power.id)),
        flowchart::Column::UnitId,
        principal,
    )
    .one(store.connection())
    .await?
    .ok_or_else(|| StoreError::not_found("flowchart"))?;
    get(store, principal, chart.id).await
}

/// One version of a flowchart, parsed: `version`, or the one shown by default.
pub async fn version_chart(
    store: &Store,
    principal: &Principal,
    id: i64,
    version: Option<i32>,
) -> Result<(VersionInfo, Flowchart, String), StoreError> {
    let detail = get(store, principal, id).await?;
    let wanted = match version {
        Some(n) => detail.versions.iter().find(|v| v.version == n),
        None => detail.shown(),
    }
    .ok_or_else(|| StoreError::not_found("flowchart_version"))?;
    let row = flowchart_version::Entity::find_by_id(wanted.id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("flowchart_version"))?;
    let chart = parse_stored(&row)?;
    Ok((VersionInfo::from(&row), chart, row.bpmn))
}

/// The BPMN of the published version, or of `version`.
pub async fn export(
    store: &Store,
    principal: &Principal,
    id: i64,
    version: Option<i32>,
) -> Result<(VersionInfo, String), StoreError> {
    let detail = get(store, principal, id).await?;
    let wanted = match version {
        Some(n) => detail.versions.iter().find(|v| v.version == n),
        None => detail.published(),
    }
    .ok_or_else(|| StoreError::not_found("flowchart_version"))?;
    let row = flowchart_version::Entity::find_by_id(wanted.id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("flowchart_version"))?;
    Ok((VersionInfo::from(&row), row.bpmn))
}

// ---------------------------------------------------------------- writing

async fn find_power(conn: &impl ConnectionTrait, power_ref: PowerRef<'_>) -> Result<power::Model, StoreError> {
    let query = match power_ref {
        PowerRef::Id(id) => power::Entity::find_by_id(id),
        PowerRef::Code(code) => power::Entity::find().filter(power::Column::Code.eq(code.trim().to_uppercase())),
    };
    query.one(conn).await?.ok_or_else(|| StoreError::not_found("power"))
}

/// The power, if the caller may draw its flowchart: in scope, allowed, and not
/// abolished or merged (a power that no longer exists gets no new drawing).
async fn power_to_manage(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    power_ref: PowerRef<'_>,
) -> Result<power::Model, StoreError> {
    let power = find_power(conn, power_ref).await?;
    if !principal.scope.contains(power.unit_id) {
        return Err(StoreError::not_found("power"));
    }
    authorize(principal, Action::ManageFlowcharts, Target::Unit(power.unit_id))?;
    if matches!(power.state.as_str(), "abolished" | "merged") {
        return Err(StoreError::invalid("power", FieldError::new("power_not_live")));
    }
    Ok(power)
}

async fn insert_chart(write: &mut Write, power: &power::Model) -> Result<flowchart::Model, StoreError> {
    let created = flowchart::ActiveModel {
        power_id: Set(power.id),
        unit_id: Set(power.unit_id),
        power_code: Set(power.code.clone()),
        name: Set(power.name.chars().take(200).collect()),
        created_at: Set(write.now()),
        updated_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("power"))?;
    write.record("flowchart.create", "flowchart", created.id, None::<&()>, Some(&created))?;
    Ok(created)
}

/// Creates the (empty) flowchart of a power; a power has one at most.
pub async fn create(
    store: &Store,
    principal: &Principal,
    power_ref: PowerRef<'_>,
) -> Result<flowchart::Model, StoreError> {
    let power = power_to_manage(store.connection(), principal, power_ref).await?;
    let mut write = Write::begin(store, principal).await?;
    if flowchart::Entity::find().filter(flowchart::Column::PowerId.eq(power.id)).one(write.txn()).await?.is_some() {
        return Err(StoreError::Conflict { field: "power" });
    }
    let created = insert_chart(&mut write, &power).await?;
    write.commit().await?;
    Ok(created)
}

/// What an import created.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub flowchart: flowchart::Model,
    pub version: VersionInfo,
    /// Whether the flowchart itself was created by this import.
    pub created: bool,
}

/// Imports BPMN text as a new draft version of the power's flowchart (created when
/// the power has none). The file is checked before anything is written; it is
/// stored in canonical form.
pub async fn import_draft(
    store: &Store,
    principal: &Principal,
    power_ref: PowerRef<'_>,
    bpmn: &str,
) -> Result<Imported, ImportError> {
    let power = power_to_manage(store.connection(), principal, power_ref).await?;
    let chart = import_bpmn(bpmn).map_err(ImportError::Bpmn)?;
    let mut write = Write::begin(store, principal).await?;
    let imported = add_version(&mut write, &power, &chart).await?;
    write.commit().await?;
    Ok(imported)
}

/// Adds `chart` as the next draft of the power's flowchart inside a write.
pub(crate) async fn add_version(
    write: &mut Write,
    power: &power::Model,
    chart: &Flowchart,
) -> Result<Imported, StoreError> {
    let existing = flowchart::Entity::find().filter(flowchart::Column::PowerId.eq(power.id)).one(write.txn()).await?;
    let (owner, created) = match existing {
        Some(found) => (found, false),
        None => (insert_chart(write, power).await?, true),
    };
    let last: Option<i32> = flowchart_version::Entity::find()
        .select_only()
        .column_as(flowchart_version::Column::Version.max(), "max")
        .filter(flowchart_version::Column::FlowchartId.eq(owner.id))
        .into_tuple()
        .one(write.txn())
        .await?
        .flatten();
    let text = export_bpmn(chart);
    let version = flowchart_version::ActiveModel {
        flowchart_id: Set(owner.id),
        version: Set(last.unwrap_or(0) + 1),
        state: Set(DRAFT.to_owned()),
        bpmn: Set(text.clone()),
        step_count: Set(i32::try_from(chart.steps().count()).unwrap_or(i32::MAX)),
        created_by: Set(write.actor().chars().take(100).collect()),
        created_at: Set(write.now()),
        published_at: Set(None),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("version"))?;
    let info = VersionInfo::from(&version);
    write.record(
        "flowchart_version.create",
        "flowchart_version",
        version.id,
        None::<&()>,
        Some(&audited(&info, &text)),
    )?;
    Ok(Imported { flowchart: owner, version: info, created })
}

/// The stable name of a clarity, as field keys and messages use it.
#[must_use]
pub const fn clarity_key(clarity: Clarity) -> &'static str {
    match clarity {
        Clarity::Procedure => "procedure",
        Clarity::ResponsiblePerson => "responsible_person",
        Clarity::TimeLimit => "time_limit",
        Clarity::Supervisor => "supervisor",
    }
}

/// The gaps in the four clarities as field errors: `step.<id>.<clarity>`, each
/// `four_clarities_missing`.
#[must_use]
pub fn clarity_errors(chart: &Flowchart) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for gap in chart.four_clarities() {
        for clarity in gap.missing {
            errors
                .add(&format!("step.{}.{}", gap.step, clarity_key(clarity)), FieldError::new("four_clarities_missing"));
        }
    }
    errors
}

/// Publishes a draft: every step must state the four clarities; the version
/// published before becomes `superseded`.
pub async fn publish(store: &Store, principal: &Principal, id: i64, version: i32) -> Result<VersionInfo, StoreError> {
    let owner = chart_in_scope(store, principal, id).await?;
    authorize(principal, Action::ManageFlowcharts, Target::Unit(owner.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let row = flowchart_version::Entity::find()
        .filter(flowchart_version::Column::FlowchartId.eq(id))
        .filter(flowchart_version::Column::Version.eq(version))
        .one(write.txn())
        .await?
        .ok_or_else(|| StoreError::not_found("flowchart_version"))?;
    if row.state != DRAFT {
        return Err(StoreError::invalid("version", FieldError::new("not_a_draft")));
    }
    clarity_errors(&parse_stored(&row)?).into_result()?;
    let previous = flowchart_version::Entity::find()
        .filter(flowchart_version::Column::FlowchartId.eq(id))
        .filter(flowchart_version::Column::State.eq(PUBLISHED))
        .all(write.txn())
        .await?;
    for old in previous {
        let before = VersionInfo::from(&old);
        let mut model: flowchart_version::ActiveModel = old.into();
        model.state = Set(SUPERSEDED.to_owned());
        let after = VersionInfo::from(&model.update(write.txn()).await?);
        write.record("flowchart_version.supersede", "flowchart_version", after.id, Some(&before), Some(&after))?;
    }
    let before = VersionInfo::from(&row);
    let mut model: flowchart_version::ActiveModel = row.into();
    model.state = Set(PUBLISHED.to_owned());
    model.published_at = Set(Some(write.now()));
    let after = VersionInfo::from(&model.update(write.txn()).await?);
    write.record("flowchart_version.publish", "flowchart_version", after.id, Some(&before), Some(&after))?;
    let mut chart: flowchart::ActiveModel = owner.into();
    chart.updated_at = Set(write.now());
    chart.update(write.txn()).await?;
    write.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- risk levels of steps

/// The approved risk level (rank; 1 is the highest) of each named step of `chart`,
/// for the drawing. A point of the power counts for the step it names (its
/// `flow_step`); one that names none, for every step its description mentions
/// (受理, 现场核查, …). A point of a position counts for the steps that name the
/// position as responsible. A step takes its highest level.
pub async fn step_levels(
    conn: &impl ConnectionTrait,
    power: &power::Model,
    chart: &Flowchart,
) -> Result<BTreeMap<String, i32>, StoreError> {
    let points = risk_point::Entity::find()
        .filter(risk_point::Column::Active.eq(true))
        .filter(risk_point::Column::LevelRank.is_not_null())
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(risk_point::Column::ScopeKind.eq(ScopeKind::Power.key()))
                        .add(risk_point::Column::ScopeTarget.eq(power.id)),
                )
                .add(
                    Condition::all()
                        .add(risk_point::Column::ScopeKind.eq(ScopeKind::Position.key()))
                        .add(risk_point::Column::UnitId.eq(power.unit_id)),
                ),
        )
        .all(conn)
        .await?;
    let positions: HashMap<String, i64> = position::Entity::find()
        .filter(position::Column::UnitId.eq(power.unit_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.name, p.id))
        .collect();
    let mut levels = BTreeMap::new();
    for (node, step) in chart.steps() {
        let name = node.name.trim();
        let position_id = step.position.as_deref().and_then(|p| positions.get(p.trim())).copied();
        let best = points
            .iter()
            .filter(|p| {
                if p.scope_kind == ScopeKind::Power.key() {
                    match p.flow_step.as_deref().map(str::trim) {
                        Some(named) => named == name,
                        None => mentions_step(&p.description, name),
                    }
                } else {
                    Some(p.scope_target) == position_id
                }
            })
            .filter_map(|p| p.level_rank)
            .min();
        if let Some(rank) = best {
            levels.insert(name.to_owned(), rank);
        }
    }
    Ok(levels)
}
