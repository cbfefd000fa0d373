//! Complaints and reports from the public (群众举报/投诉).
//!
//! [`submit`] is the public's: it runs as the system principal `system:public` and
//! writes the complaint, its files, its first event and their audit records in one
//! transaction. An anonymous complaint stores no name and no phone, and the audit
//! records of any complaint leave the complainant's name and phone out (the audit
//! chain cannot be edited later). [`status`] answers a receipt code with the state
//! and the public replies only.
//!
//! Staff see complaints by role: the commission all of them; a sub-commission those
//! about or routed to its units; a unit admin those routed to his unit, which he
//! may reply to. A complaint not accepted or declined by its `accept_due` day is
//! **overdue**: the list filters and counts them (there is no alert table yet, so
//! the filter and the count on the list page are the alert).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use sunlight_domain::complaint::{
    self as rules, Category, Complainant, ReceiptCode, State, Submission, TransitionRequest,
};
use sunlight_domain::field::FieldError;
use sunlight_domain::flow::Calendar;
use sunlight_domain::policy::{Action, Denied, Principal, Role, Scope, Target, authorize};

use crate::entity::{complaint, complaint_attachment, complaint_event, power, unit};
use crate::{Store, StoreError, Write};

/// What the audit chain keeps of a complaint: everything but who complained.
#[derive(Serialize)]
struct AuditView<'a> {
    id: i64,
    receipt_code: &'a str,
    anonymous: bool,
    category: &'a str,
    unit_id: Option<i64>,
    power_id: Option<i64>,
    power_code: Option<&'a str>,
    case_number: Option<&'a str>,
    text: &'a str,
    state: &'a str,
    routed_unit_id: Option<i64>,
    accept_due: NaiveDate,
}

impl<'a> From<&'a complaint::Model> for AuditView<'a> {
    fn from(c: &'a complaint::Model) -> Self {
        Self {
            id: c.id,
            receipt_code: &c.receipt_code,
            anonymous: c.anonymous,
            category: &c.category,
            unit_id: c.unit_id,
            power_id: c.power_id,
            power_code: c.power_code.as_deref(),
            case_number: c.case_number.as_deref(),
            text: &c.text,
            state: &c.state,
            routed_unit_id: c.routed_unit_id,
            accept_due: c.accept_due,
        }
    }
}

/// A complaint just stored: its id and the code the citizen keeps.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: i64,
    pub code: ReceiptCode,
}

fn new_code() -> Result<ReceiptCode, StoreError> {
    // 64 random bytes leave far more than 12 usable ones (each is kept with p≈0.97).
    ReceiptCode::from_random(&rand::random::<[u8; 64]>())
        .ok_or_else(|| StoreError::Internal("could not draw a receipt code".into()))
}

/// Stores a checked submission received on `today` (the county's date).
pub async fn submit(store: &Store, submission: &Submission, today: NaiveDate) -> Result<Receipt, StoreError> {
    let public = Principal::system("public");
    let mut write = Write::begin(store, &public).await?;
    let receipt = submit_into(&mut write, submission, today, None).await?;
    write.commit().await?;
    Ok(receipt)
}

/// Stores a submission inside a write the caller opened (the demo builder does, with
/// its own received time); the caller commits.
pub(crate) async fn submit_into(
    write: &mut Write,
    submission: &Submission,
    today: NaiveDate,
    at: Option<DateTime<Utc>>,
) -> Result<Receipt, StoreError> {
    let txn = write.txn();
    if let Some(unit_id) = submission.unit_id {
        let active = unit::Entity::find_by_id(unit_id).one(txn).await?.is_some_and(|u| u.active);
        if !active {
            return Err(StoreError::invalid("unit_id", FieldError::new("not_found")));
        }
    }
    // The power, when the typed code names one (of the unit, if one was named).
    let power_id = match &submission.power_code {
        Some(code) => {
            let mut query = power::Entity::find().filter(power::Column::Code.eq(code.as_str()));
            if let Some(unit_id) = submission.unit_id {
                query = query.filter(power::Column::UnitId.eq(unit_id));
            }
            query.one(txn).await?.map(|p| p.id)
        }
        None => None,
    };
    let (name, phone) = match &submission.complainant {
        Complainant::Anonymous => (None, None),
        Complainant::Named { name, phone } => (Some(name.as_str().to_owned()), Some(phone.as_str().to_owned())),
    };
    let code = new_code()?;
    let now = at.unwrap_or_else(|| write.now());
    let model = complaint::ActiveModel {
        receipt_code: Set(code.as_str().to_owned()),
        anonymous: Set(name.is_none()),
        name: Set(name),
        phone: Set(phone),
        category: Set(submission.category.key().to_owned()),
        unit_id: Set(submission.unit_id),
        power_id: Set(power_id),
        power_code: Set(submission.power_code.as_ref().map(|c| c.as_str().to_owned())),
        case_number: Set(submission.case_number.as_ref().map(|c| c.as_str().to_owned())),
        text: Set(submission.text.as_str().to_owned()),
        state: Set(State::Received.key().to_owned()),
        routed_unit_id: Set(None),
        accept_due: Set(rules::accept_due(&Calendar::china(), today)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(StoreError::unique("receipt_code"))?;
    write.record("complaint.create", "complaint", model.id, None::<&()>, Some(&AuditView::from(&model)))?;
    for attachment in &submission.attachments {
        let file = complaint_attachment::ActiveModel {
            complaint_id: Set(model.id),
            file_name: Set(attachment.name.clone()),
            content_type: Set(attachment.kind.content_type().to_owned()),
            size: Set(i64::try_from(attachment.bytes.len()).unwrap_or(i64::MAX)),
            bytes: Set(attachment.bytes.clone()),
            ..Default::default()
        }
        .insert(write.txn())
        .await?;
        write.record("complaint_attachment.create", "complaint_attachment", file.id, None::<&()>, Some(&file))?;
    }
    let event = insert_event(write, model.id, None, State::Received, None, false, now).await?;
    write.record("complaint_event.create", "complaint_event", event.id, None::<&()>, Some(&event))?;
    Ok(Receipt { id: model.id, code })
}

async fn insert_event(
    write: &Write,
    complaint_id: i64,
    from: Option<State>,
    to: State,
    comment: Option<String>,
    public: bool,
    at: DateTime<Utc>,
) -> Result<complaint_event::Model, StoreError> {
    Ok(complaint_event::ActiveModel {
        complaint_id: Set(complaint_id),
        from_state: Set(from.map(|s| s.key().to_owned())),
        to_state: Set(to.key().to_owned()),
        actor: Set(write.actor().to_owned()),
        at: Set(at),
        comment: Set(comment),
        public: Set(public),
        ..Default::default()
    }
    .insert(write.txn())
    .await?)
}

// ---------------------------------------------------------------- public status

/// One public reply or state change, as the citizen sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicEvent {
    pub state: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
}

/// What a receipt code shows: no name, no phone, no text, no files.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    pub code: String,
    pub state: String,
    pub category: String,
    pub received_at: DateTime<Utc>,
    pub accept_due: NaiveDate,
    /// The events marked public, oldest first.
    pub events: Vec<PublicEvent>,
}

/// The state and public replies of the complaint with this code, if any.
pub async fn status(store: &Store, code: &ReceiptCode) -> Result<Option<PublicStatus>, StoreError> {
    let db = store.connection();
    let Some(c) = complaint::Entity::find().filter(complaint::Column::ReceiptCode.eq(code.as_str())).one(db).await?
    else {
        return Ok(None);
    };
    let events = complaint_event::Entity::find()
        .filter(complaint_event::Column::ComplaintId.eq(c.id))
        .filter(complaint_event::Column::Public.eq(true))
        .order_by_asc(complaint_event::Column::At)
        .order_by_asc(complaint_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| PublicEvent { state: e.to_state, at: e.at, comment: e.comment })
        .collect();
    Ok(Some(PublicStatus {
        code: code.grouped(),
        state: c.state,
        category: c.category,
        received_at: c.created_at,
        accept_due: c.accept_due,
        events,
    }))
}

// ---------------------------------------------------------------- staff

/// The units whose complaints a scoped caller sees, and through which column:
/// sub-commissions see those about or routed to their units, unit admins those
/// routed to their unit. `None`: everything.
fn visibility(principal: &Principal) -> Option<Condition> {
    let Scope::Units(units) = &principal.scope else { return None };
    let ids: Vec<i64> = units.iter().copied().collect();
    let routed = complaint::Column::RoutedUnitId.is_in(ids.clone());
    Some(match principal.role {
        Role::UnitAdmin => Condition::all().add(routed),
        _ => Condition::any().add(routed).add(complaint::Column::UnitId.is_in(ids)),
    })
}

/// Whether the caller may do `action` on `c` (see [`visibility`]).
fn check(principal: &Principal, action: Action, c: &complaint::Model) -> Result<(), StoreError> {
    authorize(principal, action, Target::County)?;
    if principal.scope == Scope::All {
        return Ok(());
    }
    let units = match principal.role {
        Role::UnitAdmin => vec![c.routed_unit_id],
        _ => vec![c.unit_id, c.routed_unit_id],
    };
    if units.into_iter().flatten().any(|u| authorize(principal, action, Target::Unit(u)).is_ok()) {
        Ok(())
    } else {
        Err(Denied::Scope.into())
    }
}

/// Filters of the staff list; empty means any.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub state: Option<State>,
    pub category: Option<Category>,
    /// The unit complained about or routed to.
    pub unit_id: Option<i64>,
    /// Only those not accepted or declined in time.
    pub overdue: bool,
}

/// A complaint in the staff list (no name or phone: those are on the detail page).
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintRow {
    pub id: i64,
    pub receipt_code: String,
    pub anonymous: bool,
    pub category: String,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub routed_unit_id: Option<i64>,
    pub state: String,
    pub accept_due: NaiveDate,
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    /// The first characters of the text.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplaintPage {
    pub total: u64,
    /// Overdue acceptance among all the caller sees (whatever the filter).
    pub overdue: u64,
    pub complaints: Vec<ComplaintRow>,
}

fn overdue_condition(today: NaiveDate) -> Condition {
    Condition::all().add(complaint::Column::State.eq(State::Received.key())).add(complaint::Column::AcceptDue.lt(today))
}

fn is_overdue(c: &complaint::Model, today: NaiveDate) -> bool {
    c.state == State::Received.key() && c.accept_due < today
}

/// The complaints the caller sees; `today` is the county's date.
pub async fn list(
    store: &Store,
    principal: &Principal,
    filter: &ComplaintFilter,
    today: NaiveDate,
    page: u64,
    per_page: u64,
) -> Result<ComplaintPage, StoreError> {
    authorize(principal, Action::ViewComplaints, Target::County)?;
    let db = store.connection();
    let mut scoped = complaint::Entity::find();
    if let Some(condition) = visibility(principal) {
        scoped = scoped.filter(condition);
    }
    let overdue = scoped.clone().filter(overdue_condition(today)).count(db).await?;
    let mut query = scoped;
    if let Some(state) = filter.state {
        query = query.filter(complaint::Column::State.eq(state.key()));
    }
    if let Some(category) = filter.category {
        query = query.filter(complaint::Column::Category.eq(category.key()));
    }
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(
            Condition::any()
                .add(complaint::Column::UnitId.eq(unit_id))
                .add(complaint::Column::RoutedUnitId.eq(unit_id)),
        );
    }
    if filter.overdue {
        query = query.filter(overdue_condition(today));
    }
    let total = query.clone().count(db).await?;
    let models = query
        .order_by_desc(complaint::Column::CreatedAt)
        .order_by_desc(complaint::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let unit_ids: Vec<i64> = models.iter().filter_map(|c| c.unit_id).collect();
    let names: std::collections::HashMap<i64, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let complaints = models
        .into_iter()
        .map(|c| ComplaintRow {
            overdue: is_overdue(&c, today),
            unit: c.unit_id.and_then(|u| names.get(&u).cloned()),
            summary: c.text.chars().take(60).collect(),
            id: c.id,
            receipt_code: c.receipt_code,
            anonymous: c.anonymous,
            category: c.category,
            unit_id: c.unit_id,
            routed_unit_id: c.routed_unit_id,
            state: c.state,
            accept_due: c.accept_due,
            created_at: c.created_at,
        })
        .collect();
    Ok(ComplaintPage { total, overdue, complaints })
}

/// A file of a complaint, without its bytes.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentInfo {
    /// 1-based position, as in the download address.
    pub n: usize,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// A complaint with its files, events, units, and where the caller may move it.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintDetail {
    pub complaint: complaint::Model,
    pub overdue: bool,
    pub unit: Option<String>,
    pub routed_unit: Option<String>,
    pub power: Option<(i64, String, String)>,
    pub attachments: Vec<AttachmentInfo>,
    pub events: Vec<complaint_event::Model>,
    /// The states the caller may move it to.
    pub next: Vec<String>,
}

async fn find(store: &Store, id: i64) -> Result<complaint::Model, StoreError> {
    complaint::Entity::find_by_id(id).one(store.connection()).await?.ok_or_else(|| StoreError::not_found("complaint"))
}

async fn unit_name(store: &Store, id: Option<i64>) -> Result<Option<String>, StoreError> {
    Ok(match id {
        Some(id) => unit::Entity::find_by_id(id).one(store.connection()).await?.map(|u| u.name),
        None => None,
    })
}

pub async fn detail(
    store: &Store,
    principal: &Principal,
    id: i64,
    today: NaiveDate,
) -> Result<ComplaintDetail, StoreError> {
    let c = find(store, id).await?;
    check(principal, Action::ViewComplaints, &c)?;
    let db = store.connection();
    let attachments = complaint_attachment::Entity::find()
        .select_only()
        .column(complaint_attachment::Column::FileName)
        .column(complaint_attachment::Column::ContentType)
        .column(complaint_attachment::Column::Size)
        .filter(complaint_attachment::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_attachment::Column::Id)
        .into_tuple::<(String, String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, (file_name, content_type, size))| AttachmentInfo { n: i + 1, file_name, content_type, size })
        .collect();
    let events = complaint_event::Entity::find()
        .filter(complaint_event::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_event::Column::At)
        .order_by_asc(complaint_event::Column::Id)
        .all(db)
        .await?;
    let power = match c.power_id {
        Some(pid) => power::Entity::find_by_id(pid).one(db).await?.map(|p| (p.id, p.code, p.name)),
        None => None,
    };
    let state: State = c.state.parse().map_err(|_| StoreError::Internal(format!("complaint {id}: bad state")))?;
    let next = state
        .next()
        .into_iter()
        .filter(|to| check(principal, action_for(*to), &c).is_ok())
        .map(|s| s.key().to_owned())
        .collect();
    Ok(ComplaintDetail {
        overdue: is_overdue(&c, today),
        unit: unit_name(store, c.unit_id).await?,
        routed_unit: unit_name(store, c.routed_unit_id).await?,
        power,
        attachments,
        events,
        next,
        complaint: c,
    })
}

/// The `n`th file (1-based) of a complaint the caller sees.
pub async fn attachment(
    store: &Store,
    principal: &Principal,
    id: i64,
    n: usize,
) -> Result<complaint_attachment::Model, StoreError> {
    let c = find(store, id).await?;
    check(principal, Action::ViewComplaints, &c)?;
    complaint_attachment::Entity::find()
        .filter(complaint_attachment::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_attachment::Column::Id)
        .offset(u64::try_from(n.saturating_sub(1)).unwrap_or(u64::MAX))
        .limit(1)
        .one(store.connection())
        .await?
        .filter(|_| n >= 1)
        .ok_or_else(|| StoreError::not_found("complaint_attachment"))
}

/// Replying is also the unit's; everything else is the commission's.
const fn action_for(to: State) -> Action {
    if to.is_reply() { Action::ReplyComplaints } else { Action::HandleComplaints }
}

/// Moves a complaint (audited, with its event). Routing needs a unit the caller
/// may hand it to.
pub async fn transition(
    store: &Store,
    principal: &Principal,
    id: i64,
    request: &TransitionRequest,
) -> Result<complaint::Model, StoreError> {
    let mut write = Write::begin(store, principal).await?;
    let after = transition_into(&mut write, principal, id, request, None).await?;
    write.commit().await?;
    Ok(after)
}

/// [`transition`] inside a write the caller opened (the demo builder does, with the
/// time the step happened); the caller commits.
pub(crate) async fn transition_into(
    write: &mut Write,
    principal: &Principal,
    id: i64,
    request: &TransitionRequest,
    at: Option<DateTime<Utc>>,
) -> Result<complaint::Model, StoreError> {
    let at = at.unwrap_or_else(|| write.now());
    let before =
        complaint::Entity::find_by_id(id).one(write.txn()).await?.ok_or_else(|| StoreError::not_found("complaint"))?;
    check(principal, action_for(request.to), &before)?;
    let from: State = before
        .state
        .parse()
        .map_err(|_| StoreError::Internal(format!("complaint {id}: bad state {}", before.state)))?;
    let comment = request.comment.as_ref().map(|c| c.as_str().to_owned());
    rules::transition(from, request.to, comment.as_deref(), request.routed_unit_id)
        .map_err(|(field, error)| StoreError::invalid(field, error))?;
    let mut model: complaint::ActiveModel = before.clone().into();
    if request.to == State::Routed {
        let routed =
            request.routed_unit_id.ok_or_else(|| StoreError::invalid("routed_unit_id", FieldError::new("required")))?;
        let active = unit::Entity::find_by_id(routed).one(write.txn()).await?.is_some_and(|u| u.active);
        if !active {
            return Err(StoreError::invalid("routed_unit_id", FieldError::new("not_found")));
        }
        authorize(principal, Action::HandleComplaints, Target::Unit(routed))?;
        model.routed_unit_id = Set(Some(routed));
    }
    model.state = Set(request.to.key().to_owned());
    model.updated_at = Set(at);
    let after = model.update(write.txn()).await?;
    let event = insert_event(write, id, Some(from), request.to, comment, request.public, at).await?;
    write.record(
        "complaint.transition",
        "complaint",
        id,
        Some(&AuditView::from(&before)),
        Some(&AuditView::from(&after)),
    )?;
    write.record("complaint_event.create", "complaint_event", event.id, None::<&()>, Some(&event))?;
    Ok(after)
}
