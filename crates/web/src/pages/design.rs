//! Design records (设计科学化): creation standards and each unit's compliance,
//! monitoring focus items, process optimizations and power decomposition with its
//! separation check. Lists filter in the URL; forms keep what was typed.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::catalogue::decomposition::PowerRole;
use sunlight_domain::catalogue::design::{ComplianceInput, FocusItemInput, RawFocusItem, RawStandard, StandardInput};
use sunlight_domain::catalogue::optimization::{OptimizationInput, RawOptimization};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_store::design::{self, DesignFilter, PartSections};
use sunlight_store::entity::{design_standard, power, section, unit};
use sunlight_store::org::{self, UnitFilter};

use super::{Block, DetailPage, FormPage, TablePage, render, render_status, require, see_other, table_response};
use crate::AppState;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

/// A page of several tables under one filter (the compliance and decomposition pages).
#[derive(Template)]
#[template(path = "blocks_page.html")]
pub struct BlocksPage {
    pub c: Chrome,
    pub actions: Vec<(String, String)>,
    pub filter: Option<Form>,
    pub blocks: Vec<Block>,
}

// ---------------------------------------------------------------- helpers

/// Turns a failed save into the form again (422/409), passing other errors on.
fn form_failure(
    err: AppError,
    rerender: impl FnOnce(&FieldErrors, StatusCode) -> Result<Response, AppError>,
) -> Result<Response, AppError> {
    match err {
        AppError::Invalid(fields) => rerender(&fields, StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Conflict(field) => {
            rerender(&FieldErrors::from((field, FieldError::new("already_exists"))), StatusCode::CONFLICT)
        }
        other => Err(other),
    }
}

fn form_page(lang: Lang, caller: &Caller, title_key: &str, active: &'static str, form: Form) -> FormPage {
    FormPage { c: Chrome::new(lang, caller, title_key, active), intro: None, form }
}

fn active_badge(lang: Lang, active: bool) -> Cell {
    if active {
        Cell::Badge { class: "on", text: lang.t("state-active") }
    } else {
        Cell::Badge { class: "off", text: lang.t("state-inactive") }
    }
}

fn role_label(lang: Lang, role: PowerRole) -> String {
    lang.t(&format!("design-role-{}", role.key()))
}

/// The units the caller sees (active), for unit choices and names.
async fn visible_units(state: &AppState, caller: &Caller) -> Result<Vec<unit::Model>, AppError> {
    Ok(org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?)
}

fn unit_names(units: &[unit::Model]) -> HashMap<i64, String> {
    units.iter().map(|u| (u.id, u.name.clone())).collect()
}

/// A unit choice; `any` adds "all" (filters) instead of "please choose" (forms).
fn unit_options(lang: Lang, units: &[unit::Model], any: bool) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), lang.t(if any { "option-any" } else { "option-choose" }))];
    options.extend(units.iter().map(|u| (u.id.to_string(), format!("{} {}", u.code, u.name))));
    options
}

/// The unit a form or filter names: the one given, or the caller's only unit.
fn chosen_unit(raw: &str, units: &[unit::Model]) -> Option<i64> {
    raw.trim().parse().ok().or_else(|| (units.len() == 1).then(|| units[0].id))
}

fn id_field(form: &FormData, errors: &mut FieldErrors, name: &str, required: bool) -> Option<i64> {
    let id = errors.take(name, form.id(name)).flatten();
    if id.is_none() && required && errors.get(name).is_none() {
        errors.add(name, FieldError::new("required"));
    }
    id
}

/// Whether the caller's role may record design records at all (the unit is checked
/// by the store); asked first, so others learn nothing from validation.
fn require_records(caller: &Caller) -> Result<(), AppError> {
    require(caller, Action::ManageDesignRecords, Target::County)
}

fn can_record(caller: &Caller) -> bool {
    authorize(&caller.principal, Action::ManageDesignRecords, Target::County).is_ok()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    unit_id: String,
    q: String,
    include_inactive: String,
}

impl ListQuery {
    fn filter(&self) -> DesignFilter {
        DesignFilter { unit_id: self.unit_id.parse().ok(), q: Some(self.q.clone()) }
    }
}

fn list_filter(lang: Lang, action: &str, q: &ListQuery, units: &[unit::Model], with_search: bool) -> Form {
    let mut fields = vec![
        Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options(lang, units, true)))
            .value(q.unit_id.clone()),
    ];
    if with_search {
        fields.push(Field::new(lang, "q", "field-search", FieldKind::Text).value(q.q.clone()));
    }
    Form::new(lang, action.to_owned(), fields, "action-filter")
}

// ---------------------------------------------------------------- standards

pub async fn standards(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let list = design::list_standards(&state.store, &caller.principal, q.include_inactive == "true").await?;
    let can_manage = authorize(&caller.principal, Action::ManageStandards, Target::County).is_ok();
    let mut table = Table::new(
        lang,
        "standards",
        &["design-col-seq", "design-col-title", "design-col-description", "col-state", "col-actions"],
        "design-empty-standards",
    );
    table.counted(lang, list.len() as u64);
    for s in list {
        let action = if can_manage {
            Cell::Link { href: format!("/staff/standards/{}/edit", s.id), text: lang.t("action-edit") }
        } else {
            Cell::Text(String::new())
        };
        table.rows.push(vec![
            Cell::Mono(s.seq.to_string()),
            Cell::Text(s.title),
            Cell::Text(s.description.unwrap_or_default()),
            active_badge(lang, s.active),
            action,
        ]);
    }
    let filter = Form::new(
        lang,
        "/staff/standards".into(),
        vec![
            Field::new(lang, "include_inactive", "field-include-inactive", FieldKind::Checkbox)
                .value(q.include_inactive),
        ],
        "action-filter",
    );
    let mut actions = vec![("/staff/compliance".into(), lang.t("nav-compliance"))];
    if can_manage {
        actions.insert(0, ("/staff/standards/new".into(), lang.t("design-action-new-standard")));
    }
    table_response(&TablePage {
        c: Chrome::new(lang, &caller, "page-standards", "standards"),
        actions,
        filter: Some(filter),
        table,
        create: None,
    })
}

fn standard_form(lang: Lang, action: String, raw: &RawStandard, active: Option<bool>) -> Form {
    let mut fields = vec![
        Field::new(lang, "seq", "design-field-seq", FieldKind::Number).required().value(&raw.seq),
        Field::new(lang, "title", "design-field-title", FieldKind::Text).required().value(&raw.title),
        Field::new(lang, "description", "design-field-description", FieldKind::TextArea)
            .value(raw.description.clone().unwrap_or_default()),
    ];
    if let Some(active) = active {
        fields.push(Field::new(lang, "active", "field-active", FieldKind::Checkbox).value(active.to_string()));
    }
    let mut form = Form::new(lang, action, fields, "action-save");
    form.cancel = Some(("/staff/standards".into(), lang.t("action-cancel")));
    form
}

fn raw_standard(form: &FormData) -> RawStandard {
    RawStandard {
        seq: form.get("seq").to_owned(),
        title: form.get("title").to_owned(),
        description: Some(form.get("description").to_owned()),
    }
}

pub async fn new_standard(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ManageStandards, Target::County)?;
    let next = design::list_standards(&state.store, &caller.principal, true).await?.iter().map(|s| s.seq).max();
    let raw = RawStandard { seq: next.map_or(1, |n| n + 1).to_string(), ..Default::default() };
    let form = standard_form(lang, "/staff/standards".into(), &raw, None);
    Ok(render(&form_page(lang, &caller, "page-new-standard", "standards", form))?.into_response())
}

pub async fn create_standard(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageStandards, Target::County)?;
    let raw = raw_standard(&form);
    let result = match StandardInput::parse(&raw) {
        Ok(input) => design::create_standard(&state.store, &caller.principal, &input).await.map_err(AppError::from),
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(_) => Ok(see_other("/staff/standards")),
        Err(err) => form_failure(err, |errors, status| {
            let form = standard_form(lang, "/staff/standards".into(), &raw, None).with_errors(lang, errors);
            render_status(status, &form_page(lang, &caller, "page-new-standard", "standards", form))
        }),
    }
}

pub async fn edit_standard(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageStandards, Target::County)?;
    let s: design_standard::Model = design::get_standard(&state.store, &caller.principal, id).await?;
    let raw = RawStandard { seq: s.seq.to_string(), title: s.title, description: s.description };
    let form = standard_form(lang, format!("/staff/standards/{id}"), &raw, Some(s.active));
    Ok(render(&form_page(lang, &caller, "page-edit-standard", "standards", form))?.into_response())
}

pub async fn update_standard(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageStandards, Target::County)?;
    let raw = raw_standard(&form);
    let active = form.flag("active");
    let result = match StandardInput::parse(&raw) {
        Ok(input) => {
            design::update_standard(&state.store, &caller.principal, id, &input, active).await.map_err(AppError::from)
        }
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(_) => Ok(see_other("/staff/standards")),
        Err(err) => form_failure(err, |errors, status| {
            let form =
                standard_form(lang, format!("/staff/standards/{id}"), &raw, Some(active)).with_errors(lang, errors);
            render_status(status, &form_page(lang, &caller, "page-edit-standard", "standards", form))
        }),
    }
}

// ---------------------------------------------------------------- compliance

struct ComplianceRaw {
    unit_id: String,
    standard_id: String,
    compliant: bool,
    evidence: String,
}

fn compliance_form(
    lang: Lang,
    raw: &ComplianceRaw,
    units: &[unit::Model],
    standards: &[design_standard::Model],
) -> Form {
    let mut standard_options = vec![(String::new(), lang.t("option-choose"))];
    standard_options.extend(standards.iter().map(|s| (s.id.to_string(), format!("{}. {}", s.seq, s.title))));
    let fields = vec![
        Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options(lang, units, false)))
            .required()
            .value(raw.unit_id.clone()),
        Field::new(lang, "standard_id", "design-field-standard", FieldKind::Select(standard_options))
            .required()
            .value(raw.standard_id.clone()),
        Field::new(lang, "compliant", "design-field-compliant", FieldKind::Checkbox).value(raw.compliant.to_string()),
        Field::new(lang, "evidence", "design-field-evidence", FieldKind::TextArea)
            .value(raw.evidence.clone())
            .help(lang.t("design-help-evidence")),
    ];
    Form::new(lang, "/staff/compliance".into(), fields, "design-action-record-compliance")
}

/// The matrix: per unit how many standards it meets; with a unit, its checklist
/// and the form that records compliance.
pub async fn compliance(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    compliance_page(&state, lang, &caller, &q, None).await
}

async fn compliance_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    q: &ListQuery,
    failed: Option<(&ComplianceRaw, &FieldErrors, StatusCode)>,
) -> Result<Response, AppError> {
    let units = visible_units(state, caller).await?;
    let unit_id = chosen_unit(&q.unit_id, &units);
    let matrix = design::compliance_matrix(&state.store, &caller.principal, None).await?;
    let total = matrix.standards.len();
    let mut summary = Table::new(
        lang,
        "compliance",
        &["col-code", "col-unit", "design-col-met", "design-col-not-met", "design-col-unchecked"],
        "empty-units",
    );
    summary.counted(lang, matrix.units.len() as u64);
    for u in &matrix.units {
        let checked = matrix.standards.iter().filter(|s| matrix.cell(u.id, s.id).is_some()).count();
        let met = matrix.met(u.id);
        summary.rows.push(vec![
            Cell::Mono(u.code.clone()),
            Cell::Link { href: format!("/staff/compliance?unit_id={}", u.id), text: u.name.clone() },
            Cell::Text(format!("{met} / {total}")),
            Cell::Text((checked - met).to_string()),
            Cell::Text((total - checked).to_string()),
        ]);
    }
    let mut blocks = vec![Block { heading: lang.t("design-heading-matrix"), table: summary, form: None }];
    if let Some(unit) = unit_id.and_then(|id| matrix.units.iter().find(|u| u.id == id)) {
        let mut list = Table::new(
            lang,
            "unit-compliance",
            &[
                "design-col-seq",
                "design-col-title",
                "design-col-compliance",
                "design-col-evidence",
                "design-col-checked-at",
            ],
            "design-empty-standards",
        );
        list.counted(lang, total as u64);
        for s in &matrix.standards {
            let cell = matrix.cell(unit.id, s.id);
            let badge = match cell {
                Some(c) if c.compliant => Cell::Badge { class: "on", text: lang.t("design-compliant") },
                Some(_) => Cell::Badge { class: "off", text: lang.t("design-not-compliant") },
                None => Cell::Text(lang.t("design-unchecked")),
            };
            list.rows.push(vec![
                Cell::Mono(s.seq.to_string()),
                Cell::Text(s.title.clone()),
                badge,
                Cell::Text(cell.and_then(|c| c.evidence.clone()).unwrap_or_default()),
                Cell::Text(cell.map(|c| local_time(&c.checked_at.to_rfc3339())).unwrap_or_default()),
            ]);
        }
        let can = authorize(&caller.principal, Action::ManageDesignRecords, Target::Unit(unit.id)).is_ok();
        let form = can.then(|| {
            let blank = ComplianceRaw {
                unit_id: unit.id.to_string(),
                standard_id: String::new(),
                compliant: false,
                evidence: String::new(),
            };
            match failed {
                Some((raw, errors, _)) => {
                    compliance_form(lang, raw, &units, &matrix.standards).with_errors(lang, errors)
                }
                None => compliance_form(lang, &blank, &units, &matrix.standards),
            }
        });
        blocks.push(Block { heading: format!("{} {}", unit.code, unit.name), table: list, form });
    }
    let page = BlocksPage {
        c: Chrome::new(lang, caller, "page-compliance", "compliance"),
        actions: vec![("/staff/standards".into(), lang.t("nav-standards"))],
        filter: Some(list_filter(lang, "/staff/compliance", q, &units, false)),
        blocks,
    };
    let status = failed.map_or(StatusCode::OK, |(_, _, s)| s);
    render_status(status, &page)
}

pub async fn record_compliance(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    let raw = ComplianceRaw {
        unit_id: form.get("unit_id").to_owned(),
        standard_id: form.get("standard_id").to_owned(),
        compliant: form.flag("compliant"),
        evidence: form.get("evidence").to_owned(),
    };
    let mut errors = FieldErrors::new();
    let unit_id = id_field(&form, &mut errors, "unit_id", true);
    let standard_id = id_field(&form, &mut errors, "standard_id", true);
    let input = match ComplianceInput::parse(raw.compliant, Some(&raw.evidence)) {
        Ok(input) => Some(input),
        Err(more) => {
            errors.merge(&more);
            None
        }
    };
    let result = match (unit_id, standard_id, input) {
        (Some(unit_id), Some(standard_id), Some(input)) if errors.is_empty() => {
            design::record_compliance(&state.store, &caller.principal, standard_id, unit_id, &input)
                .await
                .map_err(AppError::from)
        }
        _ => Err(errors.into()),
    };
    let q = ListQuery { unit_id: raw.unit_id.clone(), ..Default::default() };
    match result {
        Ok(c) => Ok(see_other(&format!("/staff/compliance?unit_id={}", c.unit_id))),
        Err(AppError::Invalid(fields)) => {
            compliance_page(&state, lang, &caller, &q, Some((&raw, &fields, StatusCode::UNPROCESSABLE_ENTITY))).await
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------- focus items

fn focus_form(lang: Lang, action: String, unit_id: Option<&str>, raw: &RawFocusItem, units: &[unit::Model]) -> Form {
    let mut fields = Vec::new();
    if let Some(unit_id) = unit_id {
        fields.push(
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options(lang, units, false)))
                .required()
                .value(unit_id),
        );
    }
    fields.push(Field::new(lang, "title", "design-field-focus-title", FieldKind::Text).required().value(&raw.title));
    fields.push(
        Field::new(lang, "description", "design-field-description", FieldKind::TextArea)
            .value(raw.description.clone().unwrap_or_default()),
    );
    Form::new(lang, action, fields, "design-action-add-focus-item")
}

fn raw_focus(form: &FormData) -> RawFocusItem {
    RawFocusItem { title: form.get("title").to_owned(), description: Some(form.get("description").to_owned()) }
}

pub async fn focus_items(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let units = visible_units(&state, &caller).await?;
    let list = design::list_focus_items(&state.store, &caller.principal, &q.filter()).await?;
    let names = unit_names(&units);
    let mut table = Table::new(
        lang,
        "focus-items",
        &["col-unit", "design-col-title", "design-col-description", "col-actions", ""],
        "design-empty-focus-items",
    );
    table.counted(lang, list.len() as u64);
    for item in list {
        let can = authorize(&caller.principal, Action::ManageDesignRecords, Target::Unit(item.unit_id)).is_ok();
        let (edit, delete) = if can {
            (
                Cell::Link { href: format!("/staff/focus-items/{}/edit", item.id), text: lang.t("action-edit") },
                Cell::Post {
                    action: format!("/staff/focus-items/{}/delete", item.id),
                    label: lang.t("design-action-delete"),
                    confirm: lang.t("design-confirm-delete"),
                },
            )
        } else {
            (Cell::Text(String::new()), Cell::Text(String::new()))
        };
        table.rows.push(vec![
            Cell::Text(names.get(&item.unit_id).cloned().unwrap_or_default()),
            Cell::Text(item.title),
            Cell::Text(item.description.unwrap_or_default()),
            edit,
            delete,
        ]);
    }
    let create = can_record(&caller).then(|| {
        let unit = chosen_unit(&q.unit_id, &units).map(|id| id.to_string()).unwrap_or_default();
        focus_form(lang, "/staff/focus-items".into(), Some(&unit), &RawFocusItem::default(), &units)
    });
    table_response(&TablePage {
        c: Chrome::new(lang, &caller, "page-focus-items", "focus-items"),
        actions: Vec::new(),
        filter: Some(list_filter(lang, "/staff/focus-items", &q, &units, true)),
        table,
        create,
    })
}

pub async fn create_focus_item(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    let raw = raw_focus(&form);
    let mut errors = FieldErrors::new();
    let unit_id = id_field(&form, &mut errors, "unit_id", true);
    let result = match (FocusItemInput::parse(&raw), unit_id) {
        (Ok(input), Some(unit_id)) if errors.is_empty() => {
            design::create_focus_item(&state.store, &caller.principal, unit_id, &input).await.map_err(AppError::from)
        }
        (parsed, _) => {
            if let Err(more) = parsed {
                errors.merge(&more);
            }
            Err(errors.into())
        }
    };
    match result {
        Ok(item) => Ok(see_other(&format!("/staff/focus-items?unit_id={}", item.unit_id))),
        Err(err) => {
            let units = visible_units(&state, &caller).await?;
            form_failure(err, |errors, status| {
                let form = focus_form(lang, "/staff/focus-items".into(), Some(form.get("unit_id")), &raw, &units)
                    .with_errors(lang, errors);
                render_status(status, &form_page(lang, &caller, "page-new-focus-item", "focus-items", form))
            })
        }
    }
}

fn focus_edit_form(lang: Lang, id: i64, raw: &RawFocusItem) -> Form {
    let mut form = focus_form(lang, format!("/staff/focus-items/{id}"), None, raw, &[]);
    form.submit = lang.t("action-save");
    form.cancel = Some(("/staff/focus-items".into(), lang.t("action-cancel")));
    form
}

pub async fn edit_focus_item(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    let item = design::get_focus_item(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageDesignRecords, Target::Unit(item.unit_id))?;
    let form = focus_edit_form(lang, id, &RawFocusItem { title: item.title, description: item.description });
    Ok(render(&form_page(lang, &caller, "page-edit-focus-item", "focus-items", form))?.into_response())
}

pub async fn update_focus_item(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    let raw = raw_focus(&form);
    let result = match FocusItemInput::parse(&raw) {
        Ok(input) => {
            design::update_focus_item(&state.store, &caller.principal, id, &input).await.map_err(AppError::from)
        }
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(item) => Ok(see_other(&format!("/staff/focus-items?unit_id={}", item.unit_id))),
        Err(err) => form_failure(err, |errors, status| {
            let form = focus_edit_form(lang, id, &raw).with_errors(lang, errors);
            render_status(status, &form_page(lang, &caller, "page-edit-focus-item", "focus-items", form))
        }),
    }
}

pub async fn delete_focus_item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm { caller, .. }: StaffForm,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    design::delete_focus_item(&state.store, &caller.principal, id).await?;
    Ok(see_other("/staff/focus-items"))
}

// ---------------------------------------------------------------- process optimizations

struct OptimizationRaw {
    unit_id: String,
    title: String,
    power_code: String,
    steps_before: String,
    steps_after: String,
}

fn optimization_form(lang: Lang, raw: &OptimizationRaw, units: &[unit::Model]) -> Form {
    let fields = vec![
        Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options(lang, units, false)))
            .required()
            .value(raw.unit_id.clone()),
        Field::new(lang, "title", "design-field-process", FieldKind::Text).required().value(raw.title.clone()),
        Field::new(lang, "power_code", "design-field-power-code", FieldKind::Text)
            .value(raw.power_code.clone())
            .help(lang.t("design-help-power-code")),
        Field::new(lang, "steps_before", "design-field-steps-before", FieldKind::TextArea)
            .required()
            .value(raw.steps_before.clone())
            .help(lang.t("design-help-steps")),
        Field::new(lang, "steps_after", "design-field-steps-after", FieldKind::TextArea)
            .required()
            .value(raw.steps_after.clone())
            .help(lang.t("design-help-steps")),
    ];
    let mut form = Form::new(lang, "/staff/optimizations".into(), fields, "action-save");
    form.cancel = Some(("/staff/optimizations".into(), lang.t("action-cancel")));
    form
}

pub async fn optimizations(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let units = visible_units(&state, &caller).await?;
    let list = design::list_optimizations(&state.store, &caller.principal, &q.filter()).await?;
    let power_ids: Vec<i64> = list.iter().filter_map(|o| o.record.power_id).collect();
    let powers = design::powers_by_id(&state.store, &caller.principal, &power_ids).await?;
    let names = unit_names(&units);
    let mut table = Table::new(
        lang,
        "optimizations",
        &[
            "col-unit",
            "design-col-process",
            "design-col-power",
            "design-col-steps-before",
            "design-col-steps-after",
            "design-col-steps-removed",
        ],
        "design-empty-optimizations",
    );
    table.counted(lang, list.len() as u64);
    for o in list {
        table.rows.push(vec![
            Cell::Text(names.get(&o.record.unit_id).cloned().unwrap_or_default()),
            Cell::Link { href: format!("/staff/optimizations/{}", o.record.id), text: o.record.title.clone() },
            Cell::Mono(o.record.power_id.and_then(|id| powers.get(&id)).map(|p| p.code.clone()).unwrap_or_default()),
            Cell::Text(o.before.len().to_string()),
            Cell::Text(o.after.len().to_string()),
            Cell::Text(o.record.steps_removed.to_string()),
        ]);
    }
    let actions = if can_record(&caller) {
        vec![("/staff/optimizations/new".into(), lang.t("design-action-new-optimization"))]
    } else {
        Vec::new()
    };
    table_response(&TablePage {
        c: Chrome::new(lang, &caller, "page-optimizations", "optimizations"),
        actions,
        filter: Some(list_filter(lang, "/staff/optimizations", &q, &units, true)),
        table,
        create: None,
    })
}

pub async fn new_optimization(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require_records(&caller)?;
    let units = visible_units(&state, &caller).await?;
    let raw = OptimizationRaw {
        unit_id: chosen_unit("", &units).map(|id| id.to_string()).unwrap_or_default(),
        title: String::new(),
        power_code: String::new(),
        steps_before: String::new(),
        steps_after: String::new(),
    };
    let form = optimization_form(lang, &raw, &units);
    Ok(render(&form_page(lang, &caller, "page-new-optimization", "optimizations", form))?.into_response())
}

pub async fn create_optimization(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    let raw = OptimizationRaw {
        unit_id: form.get("unit_id").to_owned(),
        title: form.get("title").to_owned(),
        power_code: form.get("power_code").trim().to_owned(),
        steps_before: form.get("steps_before").to_owned(),
        steps_after: form.get("steps_after").to_owned(),
    };
    let mut errors = FieldErrors::new();
    let unit_id = id_field(&form, &mut errors, "unit_id", true);
    let power_id = if raw.power_code.is_empty() {
        None
    } else {
        match design::power_by_code(&state.store, &caller.principal, &raw.power_code).await {
            Ok(p) => Some(p.id),
            Err(sunlight_store::StoreError::NotFound { .. }) => {
                errors.add("power_code", FieldError::new("not_found"));
                None
            }
            Err(other) => return Err(other.into()),
        }
    };
    let parsed = OptimizationInput::parse(&RawOptimization {
        title: raw.title.clone(),
        power_id,
        steps_before: raw.steps_before.clone(),
        steps_after: raw.steps_after.clone(),
    });
    let result = match (parsed, unit_id) {
        (Ok(input), Some(unit_id)) if errors.is_empty() => {
            design::create_optimization(&state.store, &caller.principal, unit_id, &input).await.map_err(AppError::from)
        }
        (parsed, _) => {
            if let Err(more) = parsed {
                errors.merge(&more);
            }
            Err(errors.into())
        }
    };
    match result {
        Ok(o) => Ok(see_other(&format!("/staff/optimizations/{}", o.record.id))),
        Err(err) => {
            let units = visible_units(&state, &caller).await?;
            form_failure(err, |errors, status| {
                // The store names the power by id; the form by its code.
                let mut shown = FieldErrors::new();
                for (name, error) in errors.iter() {
                    shown.add(if name == "power_id" { "power_code" } else { name }, error.clone());
                }
                let form = optimization_form(lang, &raw, &units).with_errors(lang, &shown);
                render_status(status, &form_page(lang, &caller, "page-new-optimization", "optimizations", form))
            })
        }
    }
}

pub async fn optimization(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let o = design::get_optimization(&state.store, &caller.principal, id).await?;
    let unit = org::get_unit(&state.store, &caller.principal, o.record.unit_id).await?;
    let power = match o.record.power_id {
        Some(pid) => design::powers_by_id(&state.store, &caller.principal, &[pid]).await?.remove(&pid),
        None => None,
    };
    let facts = vec![
        (lang.t("col-unit"), unit.name),
        (lang.t("design-col-power"), power.map(|p| format!("{} {}", p.code, p.name)).unwrap_or_default()),
        (lang.t("design-col-steps-before"), o.before.len().to_string()),
        (lang.t("design-col-steps-after"), o.after.len().to_string()),
        (lang.t("design-col-steps-removed"), o.record.steps_removed.to_string()),
        (lang.t("design-col-created-at"), local_time(&o.record.created_at.to_rfc3339())),
    ];
    let steps = |id: &'static str, list: &[String], removed: bool| {
        let mut table = Table::new(lang, id, &["design-col-step-no", "design-col-step"], "design-empty-steps");
        table.counted(lang, list.len() as u64);
        for (i, step) in list.iter().enumerate() {
            let cell = if removed && o.removed.contains(step) {
                Cell::Badge { class: "off", text: format!("{step}（{}）", lang.t("design-step-removed")) }
            } else {
                Cell::Text(step.clone())
            };
            table.rows.push(vec![Cell::Text((i + 1).to_string()), cell]);
        }
        table
    };
    let mut c = Chrome::new(lang, &caller, "page-optimization", "optimizations");
    c.title.clone_from(&o.record.title);
    let page = DetailPage {
        c,
        actions: vec![("/staff/optimizations".into(), lang.t("action-back"))],
        facts,
        blocks: vec![
            Block { heading: lang.t("design-heading-before"), table: steps("before", &o.before, true), form: None },
            Block { heading: lang.t("design-heading-after"), table: steps("after", &o.after, false), form: None },
            Block { heading: lang.t("design-heading-removed"), table: steps("removed", &o.removed, false), form: None },
        ],
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------- power decomposition

fn decomposition_form(
    lang: Lang,
    unit_id: i64,
    powers: &[power::Model],
    sections: &[section::Model],
    chosen: (&str, &PartSections),
) -> Form {
    let mut power_options = vec![(String::new(), lang.t("option-choose"))];
    power_options.extend(powers.iter().map(|p| (p.id.to_string(), format!("{} {}", p.code, p.name))));
    let section_options: Vec<(String, String)> =
        sections.iter().filter(|s| s.active).map(|s| (s.id.to_string(), s.name.clone())).collect();
    let mut fields = vec![
        Field::new(lang, "power_id", "design-field-power", FieldKind::Select(power_options)).required().value(chosen.0),
    ];
    for role in PowerRole::ALL {
        let values = chosen.1.of_role(*role).iter().map(ToString::to_string).collect();
        fields.push(
            Field::new(
                lang,
                role.key(),
                &format!("design-role-{}", role.key()),
                FieldKind::MultiSelect(section_options.clone()),
            )
            .values(values),
        );
    }
    Form::new(lang, format!("/staff/decomposition?unit_id={unit_id}"), fields, "design-action-set-parts")
}

fn names_of(ids: &[i64], sections: &HashMap<i64, String>) -> String {
    ids.iter().filter_map(|id| sections.get(id).cloned()).collect::<Vec<_>>().join("、")
}

pub async fn decomposition(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    decomposition_page(&state, lang, &caller, &q, None).await
}

async fn decomposition_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    q: &ListQuery,
    failed: Option<(&str, &PartSections, &FieldErrors)>,
) -> Result<Response, AppError> {
    let units = visible_units(state, caller).await?;
    let unit_id = chosen_unit(&q.unit_id, &units);
    let list = design::list_decompositions(&state.store, &caller.principal, unit_id).await?;
    let conflicts = design::separation_check(&state.store, &caller.principal, unit_id).await?;
    let mut section_names: HashMap<i64, String> = HashMap::new();
    for u in units.iter().filter(|u| unit_id.is_none_or(|id| id == u.id)) {
        for s in org::list_sections(&state.store, &caller.principal, u.id).await? {
            section_names.insert(s.id, s.name);
        }
    }
    let names = unit_names(&units);
    let mut table = Table::new(
        lang,
        "decomposition",
        &[
            "col-unit",
            "design-col-power",
            "design-role-decide",
            "design-role-execute",
            "design-role-supervise",
            "design-col-check",
        ],
        "design-empty-decomposition",
    );
    table.counted(lang, list.len() as u64);
    for d in &list {
        let conflicted = conflicts.iter().any(|c| c.power_id == d.power.id);
        let check = if conflicted {
            Cell::Badge { class: "off", text: lang.t("design-check-conflict") }
        } else {
            Cell::Badge { class: "on", text: lang.t("design-check-ok") }
        };
        table.rows.push(vec![
            Cell::Text(names.get(&d.power.unit_id).cloned().unwrap_or_default()),
            Cell::Text(format!("{} {}", d.power.code, d.power.name)),
            Cell::Text(names_of(&d.parts.decide, &section_names)),
            Cell::Text(names_of(&d.parts.execute, &section_names)),
            Cell::Text(names_of(&d.parts.supervise, &section_names)),
            check,
        ]);
    }
    let mut conflict_table = Table::new(
        lang,
        "conflicts",
        &["design-col-power", "col-section", "design-col-roles"],
        "design-empty-conflicts",
    );
    conflict_table.counted(lang, conflicts.len() as u64);
    for c in &conflicts {
        let roles: Vec<String> = c.roles.iter().map(|r| role_label(lang, *r)).collect();
        conflict_table.rows.push(vec![
            Cell::Text(format!("{} {}", c.power_code, c.power_name)),
            Cell::Text(c.section_name.clone()),
            Cell::Badge { class: "off", text: roles.join(" + ") },
        ]);
    }
    let form = match unit_id {
        Some(id) if authorize(&caller.principal, Action::ManageDesignRecords, Target::Unit(id)).is_ok() => {
            let powers = design::decomposable_powers(&state.store, &caller.principal, id).await?;
            let sections = org::list_sections(&state.store, &caller.principal, id).await?;
            let empty = PartSections::default();
            Some(match failed {
                Some((power, parts, errors)) => {
                    decomposition_form(lang, id, &powers, &sections, (power, parts)).with_errors(lang, errors)
                }
                None => decomposition_form(lang, id, &powers, &sections, ("", &empty)),
            })
        }
        _ => None,
    };
    let page = BlocksPage {
        c: Chrome::new(lang, caller, "page-decomposition", "decomposition"),
        actions: Vec::new(),
        filter: Some(list_filter(lang, "/staff/decomposition", q, &units, false)),
        blocks: vec![
            Block { heading: lang.t("design-heading-decomposed"), table, form },
            Block { heading: lang.t("design-heading-conflicts"), table: conflict_table, form: None },
        ],
    };
    let status = if failed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(status, &page)
}

fn section_ids(form: &FormData, errors: &mut FieldErrors, role: PowerRole) -> Vec<i64> {
    let mut ids = Vec::new();
    for raw in form.all(role.key()) {
        match raw.trim().parse() {
            Ok(id) => ids.push(id),
            Err(_) => errors.add(role.key(), FieldError::new("not_a_number")),
        }
    }
    ids
}

pub async fn set_parts(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<ListQuery>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_records(&caller)?;
    let mut errors = FieldErrors::new();
    let power_id = id_field(&form, &mut errors, "power_id", true);
    let parts = PartSections {
        decide: section_ids(&form, &mut errors, PowerRole::Decide),
        execute: section_ids(&form, &mut errors, PowerRole::Execute),
        supervise: section_ids(&form, &mut errors, PowerRole::Supervise),
    };
    let result = match power_id {
        Some(power_id) if errors.is_empty() => {
            design::set_power_parts(&state.store, &caller.principal, power_id, &parts).await.map_err(AppError::from)
        }
        _ => Err(errors.into()),
    };
    match result {
        Ok(d) => Ok(see_other(&format!("/staff/decomposition?unit_id={}", d.power.unit_id))),
        Err(AppError::Invalid(fields)) => {
            decomposition_page(&state, lang, &caller, &q, Some((form.get("power_id"), &parts, &fields))).await
        }
        Err(other) => Err(other),
    }
}
