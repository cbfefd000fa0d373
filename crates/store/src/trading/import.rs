//! Importing OCDS data: compiled releases upserted by ocid, their parties, and the
//! child rows (bids, awards, contracts, amendments, payments) derived from them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use serde_json::Value;
use sunlight_domain::field::FieldError;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::trading::merge;
use sunlight_domain::trading::ocds::{self, Issue};

use crate::entity::{
    trading_amendment, trading_award, trading_bid, trading_contract, trading_party, trading_payment, trading_release,
};
use crate::{Store, StoreError, Write};

/// Rows per multi-row `INSERT` (17 columns × 500 stays under every backend's limit),
/// and ids per `IN (…)` list.
const BATCH: usize = 500;

/// The ISO 4217 code for "no currency": amounts published without one.
pub const NO_CURRENCY: &str = "XXX";

/// The stages of a contracting process, in order.
pub const STAGES: &[&str] = &["planning", "tender", "award", "contract", "implementation"];

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    /// Releases (and compiled releases) read from the file.
    pub releases_read: u64,
    /// Contracting processes (ocids) new to the store.
    pub ocids_created: u64,
    /// Contracting processes already stored, merged with the new releases.
    pub ocids_updated: u64,
    /// Lines of a JSON Lines file that were not JSON (skipped).
    pub invalid_lines: u64,
    /// Every problem found, with its line (JSON Lines) and JSON path.
    pub issues: Vec<SummaryIssue>,
    /// Awarded amounts of the imported processes by currency ([`NO_CURRENCY`] when
    /// none was given): never added across currencies.
    pub awarded: BTreeMap<String, CurrencyTotal>,
}

/// A problem of the input, as the summary reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryIssue {
    pub line: Option<u64>,
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

impl From<Issue> for SummaryIssue {
    fn from(issue: Issue) -> Self {
        Self { line: issue.line, path: issue.path, code: issue.code, message: issue.message }
    }
}

/// How many awards in one currency, and their total.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CurrencyTotal {
    pub awards: u64,
    pub amount: f64,
}

/// Imports an OCDS file (release package, record package, compiled releases, or JSON
/// Lines of any of these) in one transaction, one audit record per contracting process.
///
/// Merge rule for an ocid already stored: when the file holds a compiled release of it,
/// that compiled release replaces the stored one (the last one in the file wins);
/// otherwise the stored compiled release is the base. The file's individual releases of
/// the ocid are then merged onto the base with the OCDS merge rules
/// (`merge::compile([base, releases…])`, ordered by date). Re-importing the same file
/// therefore changes nothing but the audit trail.
///
/// A file that is not JSON at all, or holds no release, is an error and writes nothing;
/// bad lines of a JSON Lines file are skipped and reported in the summary.
pub async fn import_ocds(store: &Store, principal: &Principal, text: &str) -> Result<ImportSummary, StoreError> {
    authorize(principal, Action::ImportTrading, Target::County)?;
    let mut write = Write::begin(store, principal).await?;
    let summary = import_into(&mut write, principal, text).await?;
    write.commit().await?;
    Ok(summary)
}

/// [`import_ocds`] inside the caller's transaction (the caller commits).
pub async fn import_into(write: &mut Write, principal: &Principal, text: &str) -> Result<ImportSummary, StoreError> {
    authorize(principal, Action::ImportTrading, Target::County)?;
    let mut imported = ocds::read_ocds(text).map_err(|e| StoreError::invalid("file", FieldError::new(e.code())))?;
    let mut summary = ImportSummary {
        releases_read: (imported.releases.len() + imported.compiled_releases.len()) as u64,
        invalid_lines: imported.invalid_lines,
        ..ImportSummary::default()
    };
    summary.issues.extend(std::mem::take(&mut imported.issues).into_iter().map(SummaryIssue::from));
    if summary.releases_read == 0 {
        return Err(StoreError::invalid("file", FieldError::new("ocds_empty")));
    }

    let (order, mut inputs) = group_by_ocid(imported, &mut summary)?;

    let txn = write.txn();
    let mut stored: HashMap<String, trading_release::Model> = HashMap::new();
    for chunk in order.chunks(BATCH) {
        for model in trading_release::Entity::find()
            .filter(trading_release::Column::Ocid.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?
        {
            stored.insert(model.ocid.clone(), model);
        }
    }

    // The compiled release of every ocid, by the merge rule above.
    let compiled = compile_each(&order, &mut inputs, &stored)?;

    // Parties: every organization referred to, created when new.
    let mut parties: BTreeMap<String, PartyRef> = BTreeMap::new();
    let extracted: Vec<Extracted> = compiled.iter().map(|(_, value)| extract(value)).collect();
    for release in &extracted {
        for party in release.parties() {
            parties.entry(party.key.clone()).or_insert_with(|| party.clone());
        }
    }
    let party_ids = ensure_parties(write, &parties).await?;
    let id_of = |party: Option<&PartyRef>| party.and_then(|p| party_ids.get(&p.key).copied());

    // Releases: update the stored ones, insert the new ones.
    let now = write.now();
    let txn = write.txn();
    let mut new_models = Vec::new();
    let mut audits: Vec<(String, Option<ReleaseAudit>, ReleaseAudit)> = Vec::with_capacity(order.len());
    for ((ocid, value), release) in compiled.iter().zip(&extracted) {
        let text = serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("release {ocid}: {e}")))?;
        let mut model = release_model(ocid, text, release, &id_of, now);
        let after = ReleaseAudit::of(ocid, release, &model);
        if let Some(old) = stored.get(ocid) {
            model.id = Set(old.id);
            model.imported_at = Set(old.imported_at);
            let before = ReleaseAudit::of_model(old);
            trading_release::Entity::update(model).exec(txn).await?;
            audits.push((ocid.clone(), Some(before), after));
            summary.ocids_updated += 1;
        } else {
            new_models.push(model);
            audits.push((ocid.clone(), None, after));
            summary.ocids_created += 1;
        }
    }
    let new_ocids: Vec<String> = new_models
        .iter()
        .filter_map(|m| match &m.ocid {
            Set(ocid) => Some(ocid.clone()),
            _ => None,
        })
        .collect();
    let mut models = new_models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<_> = models.by_ref().take(BATCH).collect();
        trading_release::Entity::insert_many(chunk).exec(txn).await.map_err(StoreError::unique("ocid"))?;
    }
    let mut release_ids: HashMap<String, i64> = stored.iter().map(|(ocid, m)| (ocid.clone(), m.id)).collect();
    for chunk in new_ocids.chunks(BATCH) {
        let rows: Vec<(i64, String)> = trading_release::Entity::find()
            .select_only()
            .column(trading_release::Column::Id)
            .column(trading_release::Column::Ocid)
            .filter(trading_release::Column::Ocid.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await?;
        release_ids.extend(rows.into_iter().map(|(id, ocid)| (ocid, id)));
    }

    // Children: derived again from scratch for every imported release.
    let old_ids: Vec<i64> = stored.values().map(|m| m.id).collect();
    delete_children(write, &old_ids).await?;
    let mut children = Children::default();
    for ((ocid, _), release) in compiled.iter().zip(&extracted) {
        let Some(&release_id) = release_ids.get(ocid) else {
            return Err(StoreError::Internal(format!("release {ocid} was not stored")));
        };
        children.add(release_id, release, &party_ids, &mut summary.awarded);
    }
    children.insert(write).await?;

    for (ocid, before, after) in audits {
        let id = release_ids.get(&ocid).copied().unwrap_or_default();
        write.record("trading_release.import", "trading_release", id, before.as_ref(), Some(&after))?;
    }
    Ok(summary)
}

/// What the file gives for each ocid.
type Inputs = HashMap<String, (Option<Value>, Vec<Value>)>;

/// Per ocid, in order of first appearance: the last compiled release and the releases.
fn group_by_ocid(imported: ocds::Imported, summary: &mut ImportSummary) -> Result<(Vec<String>, Inputs), StoreError> {
    let mut order: Vec<String> = Vec::new();
    let mut inputs: Inputs = HashMap::new();
    let mut add = |ocid: String, compiled: Option<Value>, release: Option<Value>| {
        let slot = inputs.entry(ocid.clone()).or_insert_with(|| {
            order.push(ocid);
            (None, Vec::new())
        });
        if compiled.is_some() {
            slot.0 = compiled;
        }
        slot.1.extend(release);
    };
    for compiled in imported.compiled_releases {
        if let Some(ocid) = ocid_of(&compiled) {
            add(ocid, Some(compiled), None);
        }
    }
    for release in imported.releases {
        if let Some(ocid) = ocid_of(&release) {
            add(ocid, None, Some(release));
        }
    }
    order.retain(|ocid| {
        let fits = ocid.chars().count() <= 200;
        if !fits {
            summary.issues.push(SummaryIssue {
                line: None,
                path: "/ocid".into(),
                code: "ocid_too_long",
                message: format!("an ocid of more than 200 characters, skipped: {}", clip(ocid, 40)),
            });
        }
        fits
    });
    if order.is_empty() {
        return Err(StoreError::invalid("file", FieldError::new("ocds_empty")));
    }
    Ok((order, inputs))
}

/// The compiled release of each ocid: the file's compiled release, else the stored
/// one, with the file's releases merged onto it.
fn compile_each(
    order: &[String],
    inputs: &mut Inputs,
    stored: &HashMap<String, trading_release::Model>,
) -> Result<Vec<(String, Value)>, StoreError> {
    let mut compiled: Vec<(String, Value)> = Vec::with_capacity(order.len());
    for ocid in order {
        let (given, releases) = inputs.remove(ocid).unwrap_or_default();
        let base = match given {
            Some(value) => Some(value),
            None => match stored.get(ocid) {
                Some(model) => Some(
                    serde_json::from_str::<Value>(&model.compiled)
                        .map_err(|e| StoreError::Internal(format!("stored release {ocid}: {e}")))?,
                ),
                None => None,
            },
        };
        let value = if releases.is_empty() {
            base.unwrap_or_default()
        } else {
            let mut all = Vec::with_capacity(releases.len() + 1);
            all.extend(base);
            all.extend(releases);
            merge::compile(&all).pop().unwrap_or_default()
        };
        compiled.push((ocid.clone(), value));
    }
    Ok(compiled)
}

/// The row of a compiled release (`text`) and what was drawn from it.
fn release_model(
    ocid: &str,
    text: String,
    release: &Extracted,
    id_of: &impl Fn(Option<&PartyRef>) -> Option<i64>,
    now: DateTime<Utc>,
) -> trading_release::ActiveModel {
    trading_release::ActiveModel {
        id: NotSet,
        ocid: Set(ocid.to_owned()),
        title: Set(release.title.clone()),
        buyer_id: Set(id_of(release.buyer.as_ref())),
        procuring_entity_id: Set(id_of(release.procuring_entity.as_ref())),
        category: Set(release.category.clone()),
        stage: Set(release.stage.to_owned()),
        procurement_method: Set(release.method.clone()),
        procurement_method_details: Set(release.method_details.clone()),
        value_amount: Set(release.value_amount),
        value_currency: Set(release.value_currency.clone()),
        tender_start: Set(release.tender_start),
        tender_end: Set(release.tender_end),
        number_of_tenderers: Set(release.number_of_tenderers),
        compiled: Set(text),
        imported_at: Set(now),
        updated_at: Set(now),
    }
}

fn ocid_of(release: &Value) -> Option<String> {
    release.get("ocid").and_then(Value::as_str).map(str::to_owned)
}

/// At most `max` characters of `text`, without NUL (which PostgreSQL's text refuses;
/// the compiled JSON keeps it escaped).
fn clip(text: &str, max: usize) -> String {
    text.chars().filter(|c| *c != '\0').take(max).collect()
}

/// What the audit chain keeps of an imported release: its columns (the compiled JSON
/// itself is in the row).
#[derive(Debug, Serialize)]
struct ReleaseAudit {
    ocid: String,
    title: Option<String>,
    stage: String,
    buyer_id: Option<i64>,
    value_amount: Option<f64>,
    value_currency: Option<String>,
    compiled_bytes: usize,
}

impl ReleaseAudit {
    fn of(ocid: &str, release: &Extracted, model: &trading_release::ActiveModel) -> Self {
        let take = |v: &sea_orm::ActiveValue<Option<i64>>| match v {
            Set(x) => *x,
            _ => None,
        };
        let compiled_bytes = match &model.compiled {
            Set(text) => text.len(),
            _ => 0,
        };
        Self {
            ocid: ocid.to_owned(),
            title: release.title.clone(),
            stage: release.stage.to_owned(),
            buyer_id: take(&model.buyer_id),
            value_amount: release.value_amount,
            value_currency: release.value_currency.clone(),
            compiled_bytes,
        }
    }

    fn of_model(model: &trading_release::Model) -> Self {
        Self {
            ocid: model.ocid.clone(),
            title: model.title.clone(),
            stage: model.stage.clone(),
            buyer_id: model.buyer_id,
            value_amount: model.value_amount,
            value_currency: model.value_currency.clone(),
            compiled_bytes: model.compiled.len(),
        }
    }
}

// ---------------------------------------------------------------- extraction

/// An organization a release refers to, resolved through its `parties`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyRef {
    /// `scheme-id` of its identifier, else its normalised name, else `id:` and the
    /// release's id for it.
    pub key: String,
    pub name: String,
    pub identifier: Option<String>,
}

/// The party key and name of the organization `reference` (an `OrganizationReference`,
/// or an inline organization as in OCDS 1.0) within `release`.
#[must_use]
pub fn party_ref(release: &Value, reference: &Value) -> Option<PartyRef> {
    let id = reference.get("id").and_then(scalar_text);
    let party = id.as_deref().and_then(|id| {
        release
            .get("parties")
            .and_then(Value::as_array)
            .and_then(|parties| parties.iter().find(|p| p.get("id").and_then(scalar_text).as_deref() == Some(id)))
    });
    let field = |name: &str| party.and_then(|p| p.get(name)).or_else(|| reference.get(name));
    let name = field("name").and_then(Value::as_str).map(normalise).filter(|n| !n.is_empty());
    let identifier = field("identifier").and_then(|identifier| {
        let id = identifier.get("id").and_then(scalar_text).map(|t| normalise(&t)).filter(|t| !t.is_empty())?;
        Some(match identifier.get("scheme").and_then(Value::as_str).map(normalise).filter(|s| !s.is_empty()) {
            Some(scheme) => format!("{scheme}-{id}"),
            None => id,
        })
    });
    let key = match (&identifier, &name, &id) {
        (Some(identifier), _, _) => identifier.clone(),
        (None, Some(name), _) => name.to_lowercase(),
        (None, None, Some(id)) => format!("id:{id}"),
        (None, None, None) => return None,
    };
    let display = name.clone().or_else(|| id.clone()).unwrap_or_else(|| key.clone());
    Some(PartyRef { key: clip(&key, 200), name: display, identifier: identifier.map(|i| clip(&i, 200)) })
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Trimmed, inner whitespace collapsed to one space, without NUL.
fn normalise(text: &str) -> String {
    clip(text, usize::MAX).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_at(value: &Value, pointer: &str, max: usize) -> Option<String> {
    value.pointer(pointer).and_then(Value::as_str).map(|t| clip(t, max))
}

fn amount_at(value: &Value, pointer: &str) -> Option<f64> {
    value.pointer(pointer).and_then(Value::as_f64)
}

fn date_at(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn items<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value.pointer(pointer).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The columns and child rows of one compiled release.
#[derive(Debug, Default)]
struct Extracted {
    title: Option<String>,
    buyer: Option<PartyRef>,
    procuring_entity: Option<PartyRef>,
    category: Option<String>,
    stage: &'static str,
    method: Option<String>,
    method_details: Option<String>,
    value_amount: Option<f64>,
    value_currency: Option<String>,
    tender_start: Option<DateTime<Utc>>,
    tender_end: Option<DateTime<Utc>>,
    number_of_tenderers: Option<i32>,
    bids: Vec<trading_bid::Model>,
    bid_parties: Vec<Option<PartyRef>>,
    awards: Vec<trading_award::Model>,
    award_parties: Vec<Option<PartyRef>>,
    contracts: Vec<trading_contract::Model>,
    amendments: Vec<trading_amendment::Model>,
    payments: Vec<trading_payment::Model>,
}

impl Extracted {
    fn parties(&self) -> impl Iterator<Item = &PartyRef> {
        self.buyer
            .iter()
            .chain(&self.procuring_entity)
            .chain(self.bid_parties.iter().flatten())
            .chain(self.award_parties.iter().flatten())
    }
}

/// How far a process got: the furthest stage with data.
fn stage_of(release: &Value) -> &'static str {
    let contracts = items(release, "/contracts");
    if contracts.iter().any(|c| c.get("implementation").is_some_and(|i| i.as_object().is_some_and(|o| !o.is_empty()))) {
        "implementation"
    } else if !contracts.is_empty() {
        "contract"
    } else if !items(release, "/awards").is_empty() {
        "award"
    } else if release.get("tender").is_some() || release.get("bids").is_some() {
        "tender"
    } else {
        "planning"
    }
}

#[allow(clippy::too_many_lines)] // one OCDS section after another
fn extract(release: &Value) -> Extracted {
    let organization = |pointer: &str| release.pointer(pointer).and_then(|r| party_ref(release, r));
    let mut out = Extracted {
        title: text_at(release, "/tender/title", 10_000),
        buyer: organization("/buyer"),
        procuring_entity: organization("/tender/procuringEntity"),
        category: text_at(release, "/tender/mainProcurementCategory", 32),
        stage: stage_of(release),
        method: text_at(release, "/tender/procurementMethod", 32),
        method_details: text_at(release, "/tender/procurementMethodDetails", 10_000),
        value_amount: amount_at(release, "/tender/value/amount"),
        value_currency: text_at(release, "/tender/value/currency", 8),
        tender_start: date_at(release, "/tender/tenderPeriod/startDate"),
        tender_end: date_at(release, "/tender/tenderPeriod/endDate"),
        number_of_tenderers: release
            .pointer("/tender/numberOfTenderers")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok()),
        ..Extracted::default()
    };
    for bid in items(release, "/bids/details") {
        let tenderers: Vec<Option<PartyRef>> = items(bid, "/tenderers").iter().map(|t| party_ref(release, t)).collect();
        let tenderers = if tenderers.is_empty() { vec![None] } else { tenderers };
        for tenderer in tenderers {
            out.bids.push(trading_bid::Model {
                id: 0,
                release_id: 0,
                bid_id: bid.get("id").and_then(scalar_text).map(|t| clip(&t, 200)),
                tenderer_id: None,
                amount: amount_at(bid, "/value/amount"),
                currency: text_at(bid, "/value/currency", 8),
                date: date_at(bid, "/date"),
                status: text_at(bid, "/status", 32),
            });
            out.bid_parties.push(tenderer);
        }
    }
    for award in items(release, "/awards") {
        let suppliers: Vec<Option<PartyRef>> =
            items(award, "/suppliers").iter().map(|s| party_ref(release, s)).collect();
        let suppliers = if suppliers.is_empty() { vec![None] } else { suppliers };
        for supplier in suppliers {
            out.awards.push(trading_award::Model {
                id: 0,
                release_id: 0,
                award_id: award.get("id").and_then(scalar_text).map(|t| clip(&t, 200)),
                supplier_id: None,
                amount: amount_at(award, "/value/amount"),
                currency: text_at(award, "/value/currency", 8),
                date: date_at(award, "/date"),
                status: text_at(award, "/status", 32),
            });
            out.award_parties.push(supplier);
        }
    }
    for contract in items(release, "/contracts") {
        let contract_id = contract.get("id").and_then(scalar_text).map(|t| clip(&t, 200));
        let amount = amount_at(contract, "/value/amount");
        let currency = text_at(contract, "/value/currency", 8);
        out.contracts.push(trading_contract::Model {
            id: 0,
            release_id: 0,
            contract_id: contract_id.clone(),
            award_id: contract.get("awardID").and_then(scalar_text).map(|t| clip(&t, 200)),
            amount,
            currency: currency.clone(),
            date_signed: date_at(contract, "/dateSigned"),
            status: text_at(contract, "/status", 32),
        });
        for amendment in items(contract, "/amendments") {
            let former = items(amendment, "/changes")
                .iter()
                .filter(|c| c.get("property").and_then(Value::as_str).is_some_and(|p| p.starts_with("value")))
                .find_map(|c| {
                    let former = c.get("former_value")?;
                    former.as_f64().or_else(|| former.pointer("/amount").and_then(Value::as_f64))
                });
            let description =
                text_at(amendment, "/description", 10_000).or_else(|| text_at(amendment, "/rationale", 10_000));
            out.amendments.push(trading_amendment::Model {
                id: 0,
                release_id: 0,
                contract_id: contract_id.clone(),
                date: date_at(amendment, "/date"),
                description,
                former_amount: former,
                // The contract's value now: what the amendments led to.
                amount,
            });
        }
        for transaction in items(contract, "/implementation/transactions") {
            let value = if transaction.get("value").is_some() { "/value" } else { "/amount" };
            out.payments.push(trading_payment::Model {
                id: 0,
                release_id: 0,
                contract_id: contract_id.clone(),
                payment_id: transaction.get("id").and_then(scalar_text).map(|t| clip(&t, 200)),
                amount: amount_at(transaction, &format!("{value}/amount")),
                currency: text_at(transaction, &format!("{value}/currency"), 8),
                date: date_at(transaction, "/date"),
            });
        }
    }
    out
}

// ---------------------------------------------------------------- writing

/// The id of every party in `parties`, inserting those not stored yet.
async fn ensure_parties(
    write: &Write,
    parties: &BTreeMap<String, PartyRef>,
) -> Result<HashMap<String, i64>, StoreError> {
    let txn = write.txn();
    let keys: Vec<String> = parties.keys().cloned().collect();
    let mut ids: HashMap<String, i64> = HashMap::new();
    let find = |chunk: Vec<String>| {
        trading_party::Entity::find()
            .select_only()
            .column(trading_party::Column::PartyKey)
            .column(trading_party::Column::Id)
            .filter(trading_party::Column::PartyKey.is_in(chunk))
            .into_tuple::<(String, i64)>()
            .all(txn)
    };
    for chunk in keys.chunks(BATCH) {
        ids.extend(find(chunk.to_vec()).await?);
    }
    let missing: Vec<&PartyRef> = parties.values().filter(|p| !ids.contains_key(&p.key)).collect();
    for chunk in missing.chunks(BATCH) {
        let models = chunk.iter().map(|p| trading_party::ActiveModel {
            id: NotSet,
            party_key: Set(p.key.clone()),
            name: Set(p.name.clone()),
            identifier: Set(p.identifier.clone()),
            created_at: Set(write.now()),
        });
        trading_party::Entity::insert_many(models).exec(txn).await.map_err(StoreError::unique("party_key"))?;
        ids.extend(find(chunk.iter().map(|p| p.key.clone()).collect()).await?);
    }
    Ok(ids)
}

async fn delete_children(write: &Write, release_ids: &[i64]) -> Result<(), StoreError> {
    let txn = write.txn();
    for chunk in release_ids.chunks(BATCH) {
        let ids = || chunk.iter().copied();
        trading_bid::Entity::delete_many().filter(trading_bid::Column::ReleaseId.is_in(ids())).exec(txn).await?;
        trading_award::Entity::delete_many().filter(trading_award::Column::ReleaseId.is_in(ids())).exec(txn).await?;
        trading_contract::Entity::delete_many()
            .filter(trading_contract::Column::ReleaseId.is_in(ids()))
            .exec(txn)
            .await?;
        trading_amendment::Entity::delete_many()
            .filter(trading_amendment::Column::ReleaseId.is_in(ids()))
            .exec(txn)
            .await?;
        trading_payment::Entity::delete_many()
            .filter(trading_payment::Column::ReleaseId.is_in(ids()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

#[derive(Default)]
struct Children {
    bids: Vec<trading_bid::ActiveModel>,
    awards: Vec<trading_award::ActiveModel>,
    contracts: Vec<trading_contract::ActiveModel>,
    amendments: Vec<trading_amendment::ActiveModel>,
    payments: Vec<trading_payment::ActiveModel>,
}

impl Children {
    fn add(
        &mut self,
        release_id: i64,
        release: &Extracted,
        party_ids: &HashMap<String, i64>,
        awarded: &mut BTreeMap<String, CurrencyTotal>,
    ) {
        let id_of = |party: &Option<PartyRef>| party.as_ref().and_then(|p| party_ids.get(&p.key).copied());
        for (bid, party) in release.bids.iter().zip(&release.bid_parties) {
            let model = trading_bid::Model { release_id, tenderer_id: id_of(party), ..bid.clone() };
            let mut active: trading_bid::ActiveModel = model.into();
            active.id = NotSet;
            self.bids.push(active);
        }
        let mut counted: HashSet<Option<&str>> = HashSet::new();
        for (award, party) in release.awards.iter().zip(&release.award_parties) {
            // One row per supplier; the award's amount counts once.
            if (counted.insert(award.award_id.as_deref()) || award.award_id.is_none())
                && let Some(amount) = award.amount
            {
                let total = awarded.entry(award.currency.clone().unwrap_or_else(|| NO_CURRENCY.into())).or_default();
                total.awards += 1;
                total.amount += amount;
            }
            let model = trading_award::Model { release_id, supplier_id: id_of(party), ..award.clone() };
            let mut active: trading_award::ActiveModel = model.into();
            active.id = NotSet;
            self.awards.push(active);
        }
        for contract in &release.contracts {
            let mut active: trading_contract::ActiveModel =
                trading_contract::Model { release_id, ..contract.clone() }.into();
            active.id = NotSet;
            self.contracts.push(active);
        }
        for amendment in &release.amendments {
            let mut active: trading_amendment::ActiveModel =
                trading_amendment::Model { release_id, ..amendment.clone() }.into();
            active.id = NotSet;
            self.amendments.push(active);
        }
        for payment in &release.payments {
            let mut active: trading_payment::ActiveModel =
                trading_payment::Model { release_id, ..payment.clone() }.into();
            active.id = NotSet;
            self.payments.push(active);
        }
    }

    async fn insert(self, write: &Write) -> Result<(), StoreError> {
        let txn = write.txn();
        for chunk in self.bids.chunks(BATCH) {
            trading_bid::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        }
        for chunk in self.awards.chunks(BATCH) {
            trading_award::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        }
        for chunk in self.contracts.chunks(BATCH) {
            trading_contract::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        }
        for chunk in self.amendments.chunks(BATCH) {
            trading_amendment::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        }
        for chunk in self.payments.chunks(BATCH) {
            trading_payment::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        }
        Ok(())
    }
}
