//! The power catalogue (职权目录): drafting, lifecycle, versions, search, and Excel
//! import and export. Every query is filtered by the caller's unit scope; every
//! change writes a new `power_version` row and an audit record in one transaction.
//!
//! Import rule for codes already in the database: a row whose code belongs to a
//! power of the same unit that is still editable (a draft, or returned) updates
//! that power; any other existing code is a `duplicate_code` error on its row.
//! A file with any error writes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use sunlight_domain::catalogue::xlsx_import::{ImportIssue, ImportLimits, ImportedPower, import_xlsx};
use sunlight_domain::catalogue::{
    Column, Fee, FieldChange, LegalBasis, LimitUnit, PowerAction, PowerActionKind, PowerCode, PowerDraft,
    PowerDraftParts, PowerName, PowerState, PowerType, PowerTypes, RowContext, TimeLimit, assign_missing_codes, diff,
    next_code,
};
use sunlight_domain::field::FieldError;
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::text::{Name, Note};

use crate::entity::{power, power_version, section, unit};
use crate::{Backend, Store, StoreError, Write};

/// Rows per multi-row `INSERT`: 22 columns × 500 stays under every backend's
/// parameter limit.
const BATCH: usize = 500;

// ---------------------------------------------------------------- conversion

/// The stored key of a state (`merged` keeps its target in `merged_into`).
#[must_use]
pub const fn state_key(state: &PowerState) -> &'static str {
    match state {
        PowerState::Draft => "draft",
        PowerState::Submitted => "submitted",
        PowerState::Reviewed => "reviewed",
        PowerState::Published => "published",
        PowerState::Abolished => "abolished",
        PowerState::Merged { .. } => "merged",
    }
}

/// Every state key, in lifecycle order (for filters).
pub const STATE_KEYS: &[&str] = &["draft", "submitted", "reviewed", "published", "abolished", "merged"];

/// The state of a stored power.
pub fn state_of(model: &power::Model) -> Result<PowerState, StoreError> {
    Ok(match model.state.as_str() {
        "draft" => PowerState::Draft,
        "submitted" => PowerState::Submitted,
        "reviewed" => PowerState::Reviewed,
        "published" => PowerState::Published,
        "abolished" => PowerState::Abolished,
        "merged" => {
            let into = model.merged_into.as_deref().unwrap_or_default();
            PowerState::Merged { into: PowerCode::parse(into).map_err(|_| corrupt(model, "merged_into"))? }
        }
        _ => return Err(corrupt(model, "state")),
    })
}

fn corrupt(model: &power::Model, column: &str) -> StoreError {
    StoreError::Internal(format!("power {} has an unreadable {column}", model.id))
}

const fn unit_key(unit: LimitUnit) -> &'static str {
    match unit {
        LimitUnit::Natural => "natural",
        LimitUnit::Working => "working",
        LimitUnit::Months => "months",
    }
}

fn limit_of(amount: Option<i32>, unit: Option<&str>) -> Option<TimeLimit> {
    let unit = match unit? {
        "natural" => LimitUnit::Natural,
        "working" => LimitUnit::Working,
        "months" => LimitUnit::Months,
        _ => return None,
    };
    TimeLimit::new(u16::try_from(amount?).ok()?, unit).ok()
}

/// A power type as stored: its two-letter code (the key is read too).
fn power_type_of(raw: &str) -> Option<PowerType> {
    PowerType::from_code(raw).or_else(|| raw.parse().ok())
}

/// The one place a stored power becomes a [`PowerDraft`].
pub fn draft_of(model: &power::Model, unit_code: &str, section: Option<&str>) -> Result<PowerDraft, StoreError> {
    let bad = |column: &str| corrupt(model, column);
    let limit = |amount, unit: &Option<String>, column: &str| match (amount, unit.as_deref()) {
        (None, None) => Ok(None),
        (amount, unit) => limit_of(amount, unit).map(Some).ok_or_else(|| bad(column)),
    };
    let parts = PowerDraftParts {
        code: Some(PowerCode::parse(&model.code).map_err(|_| bad("code"))?),
        name: PowerName::parse(&model.name).map_err(|_| bad("name"))?,
        power_type: power_type_of(&model.power_type).ok_or_else(|| bad("power_type"))?,
        legal_basis: LegalBasis::parse(&model.legal_basis).map_err(|_| bad("legal_basis"))?,
        unit: UnitCode::parse(unit_code).map_err(|_| bad("unit"))?,
        section: Name::parse_optional(section).map_err(|_| bad("section"))?,
        position: Name::parse_optional(model.position.as_deref()).map_err(|_| bad("position"))?,
        legal_limit: limit(model.legal_limit_amount, &model.legal_limit_unit, "legal_limit")?,
        promised_limit: limit(model.promised_limit_amount, &model.promised_limit_unit, "promised_limit")?,
        fee: Fee::parse(model.fee_charged, model.fee_standard.as_deref()).map_err(|_| bad("fee"))?,
        unit_head: model.unit_head,
        public: model.public,
        notes: Note::parse_optional(model.notes.as_deref()).map_err(|_| bad("notes"))?,
    };
    PowerDraft::new(parts).map_err(|_| bad("fields"))
}

/// The one place a [`PowerDraft`] becomes stored columns (all but ids, state,
/// version and times).
fn set_fields(model: &mut power::ActiveModel, draft: &PowerDraft, section_id: Option<i64>) {
    let p = draft.parts();
    let limit = |l: Option<TimeLimit>| (l.map(|l| i32::from(l.amount())), l.map(|l| unit_key(l.unit()).to_owned()));
    let (legal_amount, legal_unit) = limit(p.legal_limit);
    let (promised_amount, promised_unit) = limit(p.promised_limit);
    if let Some(code) = &p.code {
        model.code = Set(code.to_string());
    }
    model.name = Set(p.name.to_string());
    model.power_type = Set(p.power_type.code().to_owned());
    // One reference per line.
    model.legal_basis =
        Set(p.legal_basis.references().iter().map(|r| r.as_str().to_owned()).collect::<Vec<_>>().join("\n"));
    model.section_id = Set(section_id);
    model.position = Set(p.position.as_ref().map(ToString::to_string));
    model.legal_limit_amount = Set(legal_amount);
    model.legal_limit_unit = Set(legal_unit);
    model.promised_limit_amount = Set(promised_amount);
    model.promised_limit_unit = Set(promised_unit);
    model.fee_charged = Set(p.fee.is_charged());
    model.fee_standard = Set(p.fee.standard().map(str::to_owned));
    model.unit_head = Set(p.unit_head);
    model.public = Set(p.public);
    model.notes = Set(p.notes.as_ref().map(ToString::to_string));
}

/// A stored power with what its page shows: the draft, the state and its unit.
#[derive(Debug, Clone, Serialize)]
pub struct PowerRecord {
    pub power: power::Model,
    pub draft: PowerDraft,
    pub state: PowerState,
    pub unit_code: String,
    pub unit_name: String,
}

impl PowerRecord {
    /// The actions the state allows (the caller's rights are checked separately).
    #[must_use]
    pub const fn allowed_actions(&self) -> &'static [PowerActionKind] {
        self.state.allowed_actions()
    }
}

async fn records(db: &impl ConnectionTrait, models: Vec<power::Model>) -> Result<Vec<PowerRecord>, StoreError> {
    let unit_ids: HashSet<i64> = models.iter().map(|m| m.unit_id).collect();
    let section_ids: HashSet<i64> = models.iter().filter_map(|m| m.section_id).collect();
    let units: HashMap<i64, unit::Model> = if unit_ids.is_empty() {
        HashMap::new()
    } else {
        unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let mut sections: HashMap<i64, String> = HashMap::new();
    let ids: Vec<i64> = section_ids.into_iter().collect();
    for chunk in ids.chunks(BATCH) {
        sections.extend(
            section::Entity::find()
                .filter(section::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s.id, s.name)),
        );
    }
    models
        .into_iter()
        .map(|power| {
            let unit = units.get(&power.unit_id).ok_or_else(|| corrupt(&power, "unit_id"))?;
            let section = power.section_id.and_then(|id| sections.get(&id)).map(String::as_str);
            let draft = draft_of(&power, &unit.code, section)?;
            let state = state_of(&power)?;
            Ok(PowerRecord { draft, state, unit_code: unit.code.clone(), unit_name: unit.name.clone(), power })
        })
        .collect()
}

fn in_scope(query: Select<power::Entity>, principal: &Principal) -> Select<power::Entity> {
    match principal.scope.unit_ids() {
        Some(ids) => query.filter(power::Column::UnitId.is_in(ids)),
        None => query,
    }
}

// ---------------------------------------------------------------- reading

/// Filters of the power list; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PowerFilter {
    /// Chinese substring of the name or the legal basis.
    pub q: Option<String>,
    pub unit_id: Option<i64>,
    /// A type key (`licensing`) or code (`XK`).
    pub power_type: Option<String>,
    /// A state key (`draft`, …, `merged`).
    pub state: Option<String>,
    pub unit_head: Option<bool>,
    pub public: Option<bool>,
}

/// A page of powers and the count of all that match.
#[derive(Debug, Clone, Serialize)]
pub struct PowerPage {
    pub total: u64,
    pub powers: Vec<PowerRecord>,
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

/// An FTS5 string: the query in double quotes, inner quotes doubled, so no
/// character of it is FTS syntax.
fn fts_string(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// Name or legal basis contains `q`: FTS5 trigram on SQLite (three characters or
/// more; shorter queries fall back to `LIKE`), `LIKE`/`ILIKE` served by `pg_trgm` on PostgreSQL.
fn search_condition(backend: Backend, q: &str) -> SimpleExpr {
    match backend {
        Backend::Sqlite if q.chars().count() >= 3 => Expr::cust_with_values(
            "\"power\".\"id\" IN (SELECT rowid FROM power_search WHERE power_search MATCH ?)",
            [fts_string(q)],
        ),
        Backend::Sqlite => {
            let pattern = like_pattern(q);
            Expr::cust_with_values(
                "(\"power\".\"name\" LIKE ? ESCAPE '!' OR \"power\".\"legal_basis\" LIKE ? ESCAPE '!')",
                [pattern.clone(), pattern],
            )
        }
        // Chinese has no case: ILIKE (three times slower on multi-byte text) only
        // when the query has ASCII letters to fold. pg_trgm's GIN indexes serve both.
        Backend::Postgres if q.chars().any(|c| c.is_ascii_alphabetic()) => {
            let pattern = like_pattern(q);
            Expr::cust_with_values(
                "(\"power\".\"name\" ILIKE $1 ESCAPE '!' OR \"power\".\"legal_basis\" ILIKE $2 ESCAPE '!')",
                [pattern.clone(), pattern],
            )
        }
        Backend::Postgres => {
            let pattern = like_pattern(q);
            Expr::cust_with_values(
                "(\"power\".\"name\" LIKE $1 ESCAPE '!' OR \"power\".\"legal_basis\" LIKE $2 ESCAPE '!')",
                [pattern.clone(), pattern],
            )
        }
    }
}

fn filtered(store: &Store, mut query: Select<power::Entity>, filter: &PowerFilter) -> Select<power::Entity> {
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(search_condition(store.backend(), q));
    }
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(power::Column::UnitId.eq(unit_id));
    }
    if let Some(raw) = filter.power_type.as_deref().filter(|t| !t.is_empty()) {
        // An unknown type matches nothing rather than everything.
        let code = power_type_of(raw).map_or("", PowerType::code);
        query = query.filter(power::Column::PowerType.eq(code));
    }
    if let Some(state) = filter.state.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(power::Column::State.eq(state));
    }
    if let Some(unit_head) = filter.unit_head {
        query = query.filter(power::Column::UnitHead.eq(unit_head));
    }
    if let Some(public) = filter.public {
        query = query.filter(power::Column::Public.eq(public));
    }
    query
}

/// One page and the count of all matches in one pass: `COUNT(*) OVER ()` beside
/// the ids of the page, so a substring search scans the table (or the trigram
/// index) once, and only the page's rows are read whole.
async fn page_of(
    store: &Store,
    query: Select<power::Entity>,
    page: u64,
    per_page: u64,
) -> Result<PowerPage, StoreError> {
    let db = store.connection();
    let ids: Vec<(i64, i64)> = query
        .clone()
        .select_only()
        .column(power::Column::Id)
        .column_as(Expr::cust("COUNT(*) OVER ()"), "total")
        .order_by_asc(power::Column::Code)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .into_tuple()
        .all(db)
        .await?;
    let total = match ids.first() {
        Some((_, total)) => u64::try_from(*total).unwrap_or_default(),
        // Past the last page: the count needs its own query.
        None if page > 1 => query.count(db).await?,
        None => 0,
    };
    let mut models = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let mut found: HashMap<i64, power::Model> = power::Entity::find()
            .filter(power::Column::Id.is_in(ids.iter().map(|(id, _)| *id)))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        models.extend(ids.iter().filter_map(|(id, _)| found.remove(id)));
    }
    Ok(PowerPage { total, powers: records(db, models).await? })
}

/// The powers the caller may see that match `filter`, by code, one page.
pub async fn list_powers(
    store: &Store,
    principal: &Principal,
    filter: &PowerFilter,
    page: u64,
    per_page: u64,
) -> Result<PowerPage, StoreError> {
    authorize(principal, Action::ViewCatalogue, filter.unit_id.map_or(Target::County, Target::Unit))?;
    let query = filtered(store, in_scope(power::Entity::find(), principal), filter);
    page_of(store, query, page, per_page).await
}

/// The public catalogue (职权公开目录): published powers marked public, of every
/// unit, for anyone. `filter.state` and `filter.public` are ignored.
pub async fn list_public_powers(
    store: &Store,
    filter: &PowerFilter,
    page: u64,
    per_page: u64,
) -> Result<PowerPage, StoreError> {
    let filter = PowerFilter { state: Some("published".into()), public: Some(true), ..filter.clone() };
    let query = filtered(store, power::Entity::find(), &filter);
    page_of(store, query, page, per_page).await
}

/// One power of the public catalogue (published and public), for anyone.
pub async fn get_public_power(store: &Store, id: i64) -> Result<PowerRecord, StoreError> {
    let found = power::Entity::find_by_id(id)
        .filter(power::Column::State.eq("published"))
        .filter(power::Column::Public.eq(true))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("power"))?;
    records(store.connection(), vec![found]).await?.pop().ok_or_else(|| StoreError::not_found("power"))
}

pub async fn get_power(store: &Store, principal: &Principal, id: i64) -> Result<PowerRecord, StoreError> {
    let found = in_scope(power::Entity::find_by_id(id), principal)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("power"))?;
    authorize(principal, Action::ViewCatalogue, Target::Unit(found.unit_id))?;
    records(store.connection(), vec![found]).await?.pop().ok_or_else(|| StoreError::not_found("power"))
}

/// Every version of a power, oldest first.
pub async fn list_versions(
    store: &Store,
    principal: &Principal,
    power_id: i64,
) -> Result<Vec<power_version::Model>, StoreError> {
    get_power(store, principal, power_id).await?;
    Ok(power_version::Entity::find()
        .filter(power_version::Column::PowerId.eq(power_id))
        .order_by_asc(power_version::Column::Version)
        .all(store.connection())
        .await?)
}

/// The draft a version recorded.
pub fn version_draft(version: &power_version::Model) -> Result<PowerDraft, StoreError> {
    serde_json::from_str(&version.draft)
        .map_err(|e| StoreError::Internal(format!("power version {} is unreadable: {e}", version.id)))
}

/// The fields that differ between versions `a` and `b` of a power.
pub async fn compare_versions(
    store: &Store,
    principal: &Principal,
    power_id: i64,
    a: i32,
    b: i32,
) -> Result<Vec<FieldChange>, StoreError> {
    let versions = list_versions(store, principal, power_id).await?;
    let find = |n: i32| versions.iter().find(|v| v.version == n).ok_or_else(|| StoreError::not_found("power_version"));
    Ok(diff(&version_draft(find(a)?)?, &version_draft(find(b)?)?))
}

/// The drafts of the powers in scope (of one unit, or all), by code, without
/// abolished or merged ones; `public_only` keeps published public powers.
pub async fn export_drafts(
    store: &Store,
    principal: &Principal,
    unit_id: Option<i64>,
    public_only: bool,
) -> Result<Vec<PowerDraft>, StoreError> {
    authorize(principal, Action::ViewCatalogue, unit_id.map_or(Target::County, Target::Unit))?;
    let mut query =
        in_scope(power::Entity::find(), principal).filter(power::Column::State.is_not_in(["abolished", "merged"]));
    if let Some(unit_id) = unit_id {
        query = query.filter(power::Column::UnitId.eq(unit_id));
    }
    if public_only {
        query = query.filter(power::Column::State.eq("published")).filter(power::Column::Public.eq(true));
    }
    let models = query.order_by_asc(power::Column::Code).all(store.connection()).await?;
    Ok(records(store.connection(), models).await?.into_iter().map(|r| r.draft).collect())
}

// ---------------------------------------------------------------- writing

async fn unit_of_draft(store: &Store, principal: &Principal, draft: &PowerDraft) -> Result<unit::Model, StoreError> {
    let code = draft.parts().unit.as_str();
    let found = unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::invalid(Column::Unit.key(), FieldError::new("unit_mismatch")))?;
    authorize(principal, Action::EditCatalogue, Target::Unit(found.id))?;
    Ok(found)
}

/// The sections of a unit by name.
async fn sections_by_name(db: &impl ConnectionTrait, unit_id: i64) -> Result<HashMap<String, i64>, StoreError> {
    Ok(section::Entity::find()
        .filter(section::Column::UnitId.eq(unit_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.name, s.id))
        .collect())
}

fn section_id(sections: &HashMap<String, i64>, draft: &PowerDraft) -> Result<Option<i64>, StoreError> {
    match &draft.parts().section {
        None => Ok(None),
        Some(name) => sections
            .get(name.as_str())
            .copied()
            .map(Some)
            .ok_or_else(|| StoreError::invalid(Column::Section.key(), FieldError::new("unknown_section"))),
    }
}

/// Codes that count when a new one is chosen for `unit`: its own, and any that
/// start with its code (a power moved or a unit renamed keeps its code).
async fn codes_of_unit(db: &impl ConnectionTrait, unit: &unit::Model) -> Result<Vec<PowerCode>, StoreError> {
    let rows: Vec<String> = power::Entity::find()
        .select_only()
        .column(power::Column::Code)
        .filter(
            Condition::any()
                .add(power::Column::UnitId.eq(unit.id))
                .add(power::Column::Code.starts_with(unit.code.as_str())),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.iter().filter_map(|c| PowerCode::parse(c).ok()).collect())
}

async fn code_taken(db: &impl ConnectionTrait, code: &str, except: Option<i64>) -> Result<bool, StoreError> {
    let mut query = power::Entity::find().filter(power::Column::Code.eq(code));
    if let Some(id) = except {
        query = query.filter(power::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

fn version_row(
    power_id: i64,
    version: i32,
    state: &PowerState,
    action: &str,
    draft: &PowerDraft,
    write: &Write,
    actor: &str,
) -> Result<power_version::ActiveModel, StoreError> {
    Ok(power_version::ActiveModel {
        power_id: Set(power_id),
        version: Set(version),
        state: Set(state_key(state).to_owned()),
        action: Set(action.to_owned()),
        draft: Set(serde_json::to_string(draft).map_err(|e| StoreError::Internal(format!("draft json: {e}")))?),
        actor: Set(actor.to_owned()),
        at: Set(write.now()),
        ..Default::default()
    })
}

/// What the audit chain keeps of a power change.
#[derive(Serialize)]
struct Audited<'a> {
    code: &'a str,
    state: &'static str,
    version: i32,
    draft: &'a PowerDraft,
}

/// Drafts a new power; the code is assigned when the draft has none.
pub async fn create_power(store: &Store, principal: &Principal, draft: PowerDraft) -> Result<PowerRecord, StoreError> {
    let unit = unit_of_draft(store, principal, &draft).await?;
    let sections = sections_by_name(store.connection(), unit.id).await?;
    let section_id = section_id(&sections, &draft)?;
    let mut write = Write::begin(store, principal).await?;
    let wanted = draft.parts().code.clone();
    let draft = if let Some(code) = wanted {
        if code_taken(write.txn(), &code.to_string(), None).await? {
            return Err(StoreError::Conflict { field: "code" });
        }
        draft
    } else {
        let existing = codes_of_unit(write.txn(), &unit).await?;
        let p = draft.parts();
        let code = next_code(&p.unit, p.power_type, &existing).map_err(|e| StoreError::invalid("code", e))?;
        draft.with_code(code)?
    };
    let mut model = power::ActiveModel {
        unit_id: Set(unit.id),
        state: Set(state_key(&PowerState::Draft).to_owned()),
        merged_into: Set(None),
        version: Set(1),
        created_at: Set(write.now()),
        updated_at: Set(write.now()),
        ..Default::default()
    };
    set_fields(&mut model, &draft, section_id);
    let created = model.insert(write.txn()).await.map_err(StoreError::unique("code"))?;
    version_row(created.id, 1, &PowerState::Draft, "create", &draft, &write, &principal.actor)?
        .insert(write.txn())
        .await?;
    let audited = Audited { code: &created.code, state: "draft", version: 1, draft: &draft };
    write.record("power.create", "power", created.id, None::<&()>, Some(&audited))?;
    write.commit().await?;
    Ok(PowerRecord { draft, state: PowerState::Draft, unit_code: unit.code, unit_name: unit.name, power: created })
}

/// Changes a draft (or returned) power's fields. The code stays unless the type
/// changes (a new code of the new type is given) or the draft names another free code.
pub async fn update_power(
    store: &Store,
    principal: &Principal,
    id: i64,
    draft: PowerDraft,
) -> Result<PowerRecord, StoreError> {
    let before = get_power(store, principal, id).await?;
    authorize(principal, Action::EditCatalogue, Target::Unit(before.power.unit_id))?;
    if !before.state.is_editable() {
        return Err(StoreError::invalid("state", FieldError::new("transition_not_allowed")));
    }
    if draft.parts().unit.as_str() != before.unit_code {
        return Err(StoreError::invalid(Column::Unit.key(), FieldError::new("unit_mismatch")));
    }
    let unit = unit::Entity::find_by_id(before.power.unit_id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))?;
    let sections = sections_by_name(store.connection(), unit.id).await?;
    let section_id = section_id(&sections, &draft)?;
    let mut write = Write::begin(store, principal).await?;
    let current = before.draft.parts().code.clone();
    let wanted = draft.parts().code.clone();
    let draft = match (wanted, current) {
        (Some(code), _) if code.to_string() != before.power.code => {
            if code_taken(write.txn(), &code.to_string(), Some(id)).await? {
                return Err(StoreError::Conflict { field: "code" });
            }
            draft
        }
        (_, Some(current)) if current.power_type() == draft.parts().power_type => draft.with_code(current)?,
        _ => {
            let existing = codes_of_unit(write.txn(), &unit).await?;
            let p = draft.parts();
            let code = next_code(&p.unit, p.power_type, &existing).map_err(|e| StoreError::invalid("code", e))?;
            draft.with_code(code)?
        }
    };
    let version = before.power.version + 1;
    let mut model: power::ActiveModel = before.power.clone().into();
    set_fields(&mut model, &draft, section_id);
    model.version = Set(version);
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await.map_err(StoreError::unique("code"))?;
    version_row(id, version, &before.state, "update", &draft, &write, &principal.actor)?.insert(write.txn()).await?;
    let old = Audited {
        code: &before.power.code,
        state: state_key(&before.state),
        version: before.power.version,
        draft: &before.draft,
    };
    let new = Audited { code: &after.code, state: state_key(&before.state), version, draft: &draft };
    write.record("power.update", "power", id, Some(&old), Some(&new))?;
    write.commit().await?;
    Ok(PowerRecord {
        draft,
        state: before.state,
        unit_code: before.unit_code,
        unit_name: before.unit_name,
        power: after,
    })
}

/// The right an action needs: the unit submits, the commission checks.
#[must_use]
pub const fn action_right(kind: PowerActionKind) -> Action {
    match kind {
        PowerActionKind::Submit => Action::EditCatalogue,
        PowerActionKind::Return
        | PowerActionKind::Review
        | PowerActionKind::Publish
        | PowerActionKind::Abolish
        | PowerActionKind::Merge => Action::ReviewCatalogue,
    }
}

/// The actions the caller may take on the power now.
#[must_use]
pub fn actions_for(principal: &Principal, record: &PowerRecord) -> Vec<PowerActionKind> {
    record
        .allowed_actions()
        .iter()
        .copied()
        .filter(|&kind| authorize(principal, action_right(kind), Target::Unit(record.power.unit_id)).is_ok())
        .collect()
}

/// Moves a power through its lifecycle; the new state is a new version.
pub async fn apply_action(
    store: &Store,
    principal: &Principal,
    id: i64,
    action: &PowerAction,
) -> Result<PowerRecord, StoreError> {
    let before = get_power(store, principal, id).await?;
    authorize(principal, action_right(action.kind()), Target::Unit(before.power.unit_id))?;
    let state =
        before.state.apply(action, before.draft.parts().code.as_ref()).map_err(|e| StoreError::invalid("action", e))?;
    let mut write = Write::begin(store, principal).await?;
    if let PowerAction::Merge { into } = action {
        let target = power::Entity::find()
            .filter(power::Column::Code.eq(into.to_string()))
            .one(write.txn())
            .await?
            .filter(|t| !matches!(t.state.as_str(), "abolished" | "merged"));
        if target.is_none() {
            return Err(StoreError::invalid("into", FieldError::new("not_found")));
        }
    }
    let version = before.power.version + 1;
    let mut model: power::ActiveModel = before.power.clone().into();
    model.state = Set(state_key(&state).to_owned());
    model.merged_into = Set(match &state {
        PowerState::Merged { into } => Some(into.to_string()),
        _ => None,
    });
    model.version = Set(version);
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    let verb = action.kind().key();
    version_row(id, version, &state, verb, &before.draft, &write, &principal.actor)?.insert(write.txn()).await?;
    let old = Audited {
        code: &before.power.code,
        state: state_key(&before.state),
        version: before.power.version,
        draft: &before.draft,
    };
    let new = Audited { code: &after.code, state: state_key(&state), version, draft: &before.draft };
    write.record(&format!("power.{verb}"), "power", id, Some(&old), Some(&new))?;
    write.commit().await?;
    Ok(PowerRecord {
        draft: before.draft,
        state,
        unit_code: before.unit_code,
        unit_name: before.unit_name,
        power: after,
    })
}

// ---------------------------------------------------------------- import

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
}

/// Why an import wrote nothing: every problem, each where it is.
#[derive(Debug)]
pub enum ImportError {
    Rejected(Vec<ImportIssue>),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Store(err.into())
    }
}

/// A checked file: its rows (with the codes they will get) and what importing
/// them would do.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub rows: Vec<ImportedPower>,
    pub created: usize,
    pub updated: usize,
}

/// The rows of a file, checked against the unit's sections and the catalogue,
/// without writing: the preview of the web import.
pub async fn check_import(
    store: &Store,
    principal: &Principal,
    unit_code: &str,
    bytes: &[u8],
) -> Result<ImportPreview, ImportError> {
    let unit = import_unit(store, principal, unit_code).await?;
    let parsed = parse_file(store, &unit, bytes).await?;
    let planned = plan(store.connection(), &unit, parsed).await?;
    let updated = planned.iter().filter(|p| p.existing.is_some()).count();
    let created = planned.len() - updated;
    Ok(ImportPreview { rows: planned.into_iter().map(|p| p.row).collect(), created, updated })
}

/// Imports a unit's catalogue file: all rows in one transaction, or nothing and
/// every problem.
pub async fn import_powers(
    store: &Store,
    principal: &Principal,
    unit_code: &str,
    bytes: &[u8],
) -> Result<ImportReport, ImportError> {
    let unit = import_unit(store, principal, unit_code).await?;
    let parsed = parse_file(store, &unit, bytes).await?;
    write_rows(store, principal, &unit, parsed).await
}

/// Imports rows already parsed (by [`import_powers`], or generated): the same
/// checks against the catalogue, in one transaction.
pub async fn import_rows(
    store: &Store,
    principal: &Principal,
    unit_code: &str,
    rows: Vec<ImportedPower>,
) -> Result<ImportReport, ImportError> {
    let unit = import_unit(store, principal, unit_code).await?;
    let sections = sections_by_name(store.connection(), unit.id).await?;
    let mut issues = Vec::new();
    for row in &rows {
        if row.draft.parts().unit.as_str() != unit.code {
            issues.push(issue_on(row, Column::Unit, "unit_mismatch"));
        } else if section_id(&sections, &row.draft).is_err() {
            issues.push(issue_on(row, Column::Section, "unknown_section"));
        }
    }
    if !issues.is_empty() {
        return Err(ImportError::Rejected(issues));
    }
    write_rows(store, principal, &unit, rows).await
}

async fn write_rows(
    store: &Store,
    principal: &Principal,
    unit: &unit::Model,
    parsed: Vec<ImportedPower>,
) -> Result<ImportReport, ImportError> {
    let sections = sections_by_name(store.connection(), unit.id).await?;
    let mut write = Write::begin(store, principal).await?;
    // Planned inside the write transaction: the codes cannot change underneath.
    let planned = plan(write.txn(), unit, parsed).await?;
    let now = write.now();
    let mut report = ImportReport::default();
    let mut new_rows = Vec::new();
    let mut updates = Vec::new();
    for p in planned {
        let section_id = section_id(&sections, &p.row.draft)?;
        match p.existing {
            Some(existing) => updates.push((existing, p.row.draft, section_id)),
            None => new_rows.push((p.row.draft, section_id)),
        }
    }
    for chunk in new_rows.chunks(BATCH) {
        let models = chunk.iter().map(|(draft, section_id)| {
            let mut model = power::ActiveModel {
                unit_id: Set(unit.id),
                state: Set("draft".to_owned()),
                merged_into: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            set_fields(&mut model, draft, *section_id);
            model
        });
        power::Entity::insert_many(models).exec(write.txn()).await.map_err(StoreError::unique("code"))?;
        let codes: Vec<String> =
            chunk.iter().filter_map(|(draft, _)| draft.parts().code.as_ref().map(ToString::to_string)).collect();
        let ids: HashMap<String, i64> = power::Entity::find()
            .select_only()
            .column(power::Column::Code)
            .column(power::Column::Id)
            .filter(power::Column::Code.is_in(codes))
            .into_tuple::<(String, i64)>()
            .all(write.txn())
            .await?
            .into_iter()
            .collect();
        let mut versions = Vec::with_capacity(chunk.len());
        for (draft, _) in chunk {
            let code = draft.parts().code.as_ref().map(ToString::to_string).unwrap_or_default();
            let id = *ids.get(&code).ok_or_else(|| StoreError::Internal(format!("imported {code} not found")))?;
            versions.push(version_row(id, 1, &PowerState::Draft, "import", draft, &write, &principal.actor)?);
            let audited = Audited { code: &code, state: "draft", version: 1, draft };
            write.record("power.import", "power", id, None::<&()>, Some(&audited))?;
        }
        power_version::Entity::insert_many(versions).exec(write.txn()).await?;
        report.created += chunk.len();
    }
    for (before, draft, section_id) in updates {
        let old_draft = records(write.txn(), vec![before.clone()]).await?.pop().map(|r| r.draft);
        let version = before.version + 1;
        let mut model: power::ActiveModel = before.clone().into();
        set_fields(&mut model, &draft, section_id);
        model.version = Set(version);
        model.updated_at = Set(now);
        model.update(write.txn()).await?;
        version_row(before.id, version, &PowerState::Draft, "import", &draft, &write, &principal.actor)?
            .insert(write.txn())
            .await?;
        let old = old_draft.as_ref().map(|d| Audited {
            code: &before.code,
            state: "draft",
            version: before.version,
            draft: d,
        });
        let new = Audited { code: &before.code, state: "draft", version, draft: &draft };
        write.record("power.import", "power", before.id, old.as_ref(), Some(&new))?;
        report.updated += 1;
    }
    write.commit().await?;
    Ok(report)
}

async fn import_unit(store: &Store, principal: &Principal, unit_code: &str) -> Result<unit::Model, StoreError> {
    let found = unit::Entity::find()
        .filter(unit::Column::Code.eq(unit_code.trim().to_ascii_uppercase()))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("unit"))?;
    authorize(principal, Action::EditCatalogue, Target::Unit(found.id))?;
    Ok(found)
}

async fn parse_file(store: &Store, unit: &unit::Model, bytes: &[u8]) -> Result<Vec<ImportedPower>, ImportError> {
    let code = UnitCode::parse(&unit.code)
        .map_err(|_| StoreError::Internal(format!("unit {} has an unreadable code", unit.id)))?;
    let sections = sections_by_name(store.connection(), unit.id).await?;
    let known = |name: &str| sections.contains_key(name);
    let context = RowContext {
        unit: &code,
        unit_name: Some(&unit.name),
        power_types: PowerTypes::default(),
        known_section: &known,
    };
    import_xlsx(bytes, &context, &ImportLimits::default()).map_err(ImportError::Rejected)
}

struct Planned {
    row: ImportedPower,
    /// The editable power of this unit the row updates.
    existing: Option<power::Model>,
}

/// Checks the file's codes against the catalogue and gives codes to new rows.
async fn plan(
    db: &impl ConnectionTrait,
    unit: &unit::Model,
    rows: Vec<ImportedPower>,
) -> Result<Vec<Planned>, ImportError> {
    let carried: Vec<String> =
        rows.iter().filter_map(|r| r.draft.parts().code.as_ref().map(ToString::to_string)).collect();
    let mut found: HashMap<String, power::Model> = HashMap::new();
    for chunk in carried.chunks(BATCH) {
        found.extend(
            power::Entity::find()
                .filter(power::Column::Code.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.code.clone(), m)),
        );
    }
    let mut issues = Vec::new();
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let code = row.draft.parts().code.as_ref().map(ToString::to_string);
        let existing = code.as_ref().and_then(|c| found.get(c));
        match existing {
            Some(m) if m.unit_id == unit.id && m.state == "draft" => {
                planned.push(Planned { existing: Some(m.clone()), row });
            }
            Some(_) => issues.push(duplicate_in_catalogue(&row)),
            None => planned.push(Planned { existing: None, row }),
        }
    }
    if !issues.is_empty() {
        return Err(ImportError::Rejected(issues));
    }
    let existing = codes_of_unit(db, unit).await?;
    let (fresh, kept): (Vec<Planned>, Vec<Planned>) = planned.into_iter().partition(|p| p.existing.is_none());
    let drafts: Vec<PowerDraft> = fresh.iter().map(|p| p.row.draft.clone()).collect();
    let coded = assign_missing_codes(drafts, &existing).map_err(|e| {
        let args = e.limit.map(|l| ("limit", l.to_string())).into_iter().collect();
        let issue =
            ImportIssue { sheet: None, row: None, column: Some(Column::Code), header: None, code: e.code, args };
        ImportError::Rejected(vec![issue])
    })?;
    let mut out = kept;
    out.extend(fresh.into_iter().zip(coded).map(|(mut p, draft)| {
        p.row.draft = draft;
        p
    }));
    out.sort_by(|a, b| (&a.row.sheet, a.row.row).cmp(&(&b.row.sheet, b.row.row)));
    Ok(out)
}

fn duplicate_in_catalogue(row: &ImportedPower) -> ImportIssue {
    issue_on(row, Column::Code, "duplicate_code")
}

fn issue_on(row: &ImportedPower, column: Column, code: &'static str) -> ImportIssue {
    ImportIssue {
        sheet: Some(row.sheet.clone()),
        row: Some(row.row),
        column: Some(column),
        header: None,
        code,
        args: BTreeMap::new(),
    }
}
