//! Power catalogue pages (职权目录): the list with search and filters, drafting and
//! editing, the lifecycle buttons the caller may use, versions and their comparison,
//! Excel import (upload → preview → confirm), template and export, and the public
//! catalogue.
//!
//! The import preview keeps the uploaded file on the server, keyed by a random
//! 128-bit id, for [`UPLOAD_TTL`], bound to the account and unit that uploaded it;
//! the confirmation names only that id, so what is imported is exactly the file
//! that was checked, and it is checked again inside the import's transaction. The
//! browser never sends the rows back. The cache is per process: behind a load
//! balancer without sticky sessions a confirmation that lands elsewhere is told to
//! upload again.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::catalogue::xlsx_export::{export_xlsx, template_xlsx};
use sunlight_domain::catalogue::xlsx_import::{ImportIssue, ImportedPower};
use sunlight_domain::catalogue::{
    Column, PowerAction, PowerActionKind, PowerCode, PowerDraft, PowerType, PowerTypes, RowContext, parse_row,
};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_store::catalogue::{self, ImportError, PowerFilter, PowerRecord, STATE_KEYS};
use sunlight_store::entity::unit;
use sunlight_store::org::{self, UnitFilter};

use super::{
    Block, DetailPage, FormPage, TablePage, paginate, render, render_status, require, see_other, table_response, yes_no,
};
use crate::AppState;
use crate::auth::{CSRF_FIELD, Caller, StaffForm, same_token};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::import_text::{column_label, issue_message, issue_place};
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table};

const PER_PAGE: u64 = 50;
/// How long an uploaded catalogue waits for its confirmation.
pub const UPLOAD_TTL: Duration = Duration::from_mins(30);
const MAX_UPLOADS: usize = 64;

// ---------------------------------------------------------------- words

pub fn state_label(lang: Lang, key: &str) -> String {
    lang.t(&format!("state-power-{key}"))
}

pub fn type_label(lang: Lang, power_type: PowerType) -> String {
    lang.t(&format!("power-type-{}", power_type.key().replace('_', "-")))
}

pub(crate) fn type_label_of(lang: Lang, stored: &str) -> String {
    PowerType::from_code(stored)
        .or_else(|| stored.parse().ok())
        .map_or_else(|| stored.to_owned(), |t| type_label(lang, t))
}

fn action_label(lang: Lang, kind: PowerActionKind) -> String {
    lang.t(&format!("action-power-{}", kind.key()))
}

fn state_badge(lang: Lang, key: &str) -> Cell {
    let class = match key {
        "published" => "on",
        "abolished" | "merged" => "off",
        _ => "hot",
    };
    Cell::Badge { class, text: state_label(lang, key) }
}

fn any_option(lang: Lang) -> Vec<(String, String)> {
    vec![(String::new(), lang.t("option-any"))]
}

fn type_options(lang: Lang, first: (String, String)) -> Vec<(String, String)> {
    let types = PowerTypes::default();
    let mut options = vec![first];
    options.extend(
        PowerType::ALL.iter().filter(|t| types.admits(**t)).map(|t| (t.key().to_owned(), type_label(lang, *t))),
    );
    options
}

fn bool_options(lang: Lang) -> Vec<(String, String)> {
    let mut options = any_option(lang);
    options.push(("true".into(), lang.t("yes")));
    options.push(("false".into(), lang.t("no")));
    options
}

fn can_edit_somewhere(principal: &Principal) -> bool {
    authorize(principal, Action::EditCatalogue, Target::County).is_ok()
}

/// The units the caller may draft powers for.
async fn editable_units(state: &AppState, principal: &Principal) -> Result<Vec<unit::Model>, AppError> {
    let units = org::list_units(&state.store, principal, &UnitFilter::default()).await?;
    Ok(units.into_iter().filter(|u| authorize(principal, Action::EditCatalogue, Target::Unit(u.id)).is_ok()).collect())
}

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PowerQuery {
    q: String,
    unit_id: String,
    power_type: String,
    state: String,
    unit_head: String,
    public: String,
    page: String,
}

fn flag(raw: &str) -> Option<bool> {
    match raw {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

impl PowerQuery {
    fn filter(&self) -> PowerFilter {
        PowerFilter {
            q: Some(self.q.clone()),
            unit_id: self.unit_id.parse().ok(),
            power_type: Some(self.power_type.clone()),
            state: Some(self.state.clone()),
            unit_head: flag(&self.unit_head),
            public: flag(&self.public),
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone()),
            ("unit_id", self.unit_id.clone()),
            ("power_type", self.power_type.clone()),
            ("state", self.state.clone()),
            ("unit_head", self.unit_head.clone()),
            ("public", self.public.clone()),
        ]
    }

    fn query_string(&self) -> String {
        let kept: Vec<(&str, String)> = self.pairs().into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }

    fn page(&self) -> u64 {
        self.page.parse().unwrap_or(1).max(1)
    }
}

pub async fn powers(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<PowerQuery>,
) -> Result<Response, AppError> {
    let page = q.page();
    let found = catalogue::list_powers(&state.store, &caller.principal, &q.filter(), page, PER_PAGE).await?;
    let filtered = q.pairs().iter().any(|(_, v)| !v.is_empty());
    let mut table = Table::new(
        lang,
        "powers",
        &[
            "col-power-code",
            "col-power-name",
            "col-power-type",
            "col-power-unit",
            "col-state",
            "col-power-unit-head",
            "col-power-public",
        ],
        if filtered { "empty-powers-filtered" } else { "empty-powers" },
    );
    table.counted(lang, found.total);
    for r in &found.powers {
        table.rows.push(vec![
            Cell::Mono(r.power.code.clone()),
            Cell::Link { href: format!("/staff/powers/{}", r.power.id), text: r.power.name.clone() },
            Cell::Text(type_label_of(lang, &r.power.power_type)),
            Cell::Text(r.unit_name.clone()),
            state_badge(lang, &r.power.state),
            Cell::Text(yes_no(lang, r.power.unit_head)),
            Cell::Text(yes_no(lang, r.power.public)),
        ]);
    }
    paginate(&mut table, "/staff/powers", &q.pairs(), page, PER_PAGE);
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let mut unit_options = any_option(lang);
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let mut state_options = any_option(lang);
    state_options.extend(STATE_KEYS.iter().map(|k| ((*k).to_owned(), state_label(lang, k))));
    let filter = Form::new(
        lang,
        "/staff/powers".into(),
        vec![
            Field::new(lang, "q", "field-search", FieldKind::Text).value(q.q.clone()),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options)).value(q.unit_id.clone()),
            Field::new(
                lang,
                "power_type",
                "field-power-type",
                FieldKind::Select(type_options(lang, any_option(lang).remove(0))),
            )
            .value(q.power_type.clone()),
            Field::new(lang, "state", "field-power-state", FieldKind::Select(state_options)).value(q.state.clone()),
            Field::new(lang, "unit_head", "field-unit-head", FieldKind::Select(bool_options(lang)))
                .value(q.unit_head.clone()),
            Field::new(lang, "public", "field-public", FieldKind::Select(bool_options(lang))).value(q.public.clone()),
        ],
        "action-filter",
    );
    let mut actions = Vec::new();
    if can_edit_somewhere(&caller.principal) {
        actions.push(("/staff/powers/new".to_owned(), lang.t("action-new-power")));
        actions.push(("/staff/powers/import".to_owned(), lang.t("action-import-powers")));
    }
    actions.push(("/staff/powers/template.xlsx".to_owned(), lang.t("action-download-template")));
    actions.push((format!("/staff/exports/powers.xlsx?{}", q.query_string()), lang.t("action-export")));
    table_response(&TablePage {
        c: Chrome::new(lang, &caller, "page-powers", "powers"),
        actions,
        filter: Some(filter),
        table,
        create: None,
    })
}

/// The list as the catalogue's own Excel columns, with the page's filters.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PowerQuery>,
) -> Result<Response, AppError> {
    // A county's catalogue is a few thousand powers: one sheet holds it.
    let found = catalogue::list_powers(&state.store, &caller.principal, &q.filter(), 1, 1_000_000).await?;
    let drafts: Vec<PowerDraft> = found.powers.into_iter().map(|r| r.draft).collect();
    let bytes = export_xlsx(&drafts).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx(bytes, "powers.xlsx"))
}

fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnitQuery {
    unit_id: String,
}

/// The empty catalogue for a unit (the caller's own when none is named).
pub async fn template(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let chosen = q.unit_id.parse::<i64>().ok().and_then(|id| units.iter().find(|u| u.id == id));
    let single = (units.len() == 1).then(|| &units[0]);
    let code = chosen.or(single).and_then(|u| UnitCode::parse(&u.code).ok());
    let code = match code {
        Some(code) => code,
        None => UnitCode::parse("DWBM").map_err(|_| AppError::Internal("placeholder unit code".into()))?,
    };
    let bytes = template_xlsx(&code).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx(bytes, "catalogue-template.xlsx"))
}

// ---------------------------------------------------------------- form

/// What the form holds, as typed.
#[derive(Debug, Clone, Default)]
struct PowerInput {
    unit_id: String,
    cells: BTreeMap<Column, String>,
}

impl PowerInput {
    fn from_form(form: &crate::auth::FormData) -> Self {
        let mut cells = BTreeMap::new();
        for column in Column::ALL {
            let value = match column {
                Column::Fee | Column::UnitHead | Column::Public => {
                    (if form.flag(column.key()) { "是" } else { "否" }).to_owned()
                }
                Column::Unit => continue,
                other => form.get(other.key()).to_owned(),
            };
            cells.insert(*column, value);
        }
        Self { unit_id: form.get("unit").to_owned(), cells }
    }

    fn from_draft(unit_id: i64, draft: &PowerDraft) -> Self {
        let mut cells = BTreeMap::new();
        for column in Column::ALL {
            if let Some(value) = draft.cell(*column) {
                cells.insert(*column, value);
            }
        }
        // The form's type is a select of keys.
        cells.insert(Column::Type, draft.parts().power_type.key().to_owned());
        Self { unit_id: unit_id.to_string(), cells }
    }

    fn cell(&self, column: Column) -> &str {
        self.cells.get(&column).map_or("", String::as_str)
    }

    fn checked(&self, column: Column, default: bool) -> String {
        match self.cells.get(&column).map(String::as_str) {
            Some("是") => "true".into(),
            Some(_) => "false".into(),
            None => default.to_string(),
        }
    }
}

/// Parses the form for the chosen unit, checking its sections.
async fn parse_input(state: &AppState, principal: &Principal, input: &PowerInput) -> Result<PowerDraft, AppError> {
    let Ok(unit_id) = input.unit_id.parse::<i64>() else {
        return Err(FieldErrors::from(("unit", FieldError::new("required"))).into());
    };
    let unit = org::get_unit(&state.store, principal, unit_id).await?;
    let sections = org::list_sections(&state.store, principal, unit_id).await?;
    parse_for_unit(&unit, &sections.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), &|c| Some(input.cell(c)))
}

/// Cell texts → a draft of `unit`; errors keyed by column.
pub fn parse_for_unit<'a>(
    unit: &unit::Model,
    sections: &[&str],
    cell: &dyn Fn(Column) -> Option<&'a str>,
) -> Result<PowerDraft, AppError> {
    let code = UnitCode::parse(&unit.code).map_err(|_| AppError::Internal("unit code".into()))?;
    let known = |name: &str| sections.contains(&name);
    let context = RowContext {
        unit: &code,
        unit_name: Some(&unit.name),
        power_types: PowerTypes::default(),
        known_section: &known,
    };
    Ok(parse_row(cell, &context)?)
}

fn power_form(lang: Lang, action: String, input: &PowerInput, units: &[unit::Model], sections: &[String]) -> Form {
    let text = |column: Column| {
        Field::new(lang, column.key(), &format!("col-power-{}", column.key().replace('_', "-")), FieldKind::Text)
            .value(input.cell(column))
    };
    let check = |column: Column, default: bool| {
        Field::new(lang, column.key(), &format!("col-power-{}", column.key().replace('_', "-")), FieldKind::Checkbox)
            .value(input.checked(column, default))
    };
    let mut unit_options = vec![(String::new(), lang.t("option-choose"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), format!("{}（{}）", u.name, u.code))));
    let mut section = text(Column::Section);
    if !sections.is_empty() {
        // The unit's sections, so the name is typed as the unit page spells it.
        section = section.help(sections.join("、"));
    }
    let fields = vec![
        Field::new(lang, "unit", "col-power-unit", FieldKind::Select(unit_options)).required().value(&input.unit_id),
        text(Column::Code).help(lang.t("help-power-code")),
        text(Column::Name).required(),
        Field::new(
            lang,
            "type",
            "col-power-type",
            FieldKind::Select(type_options(lang, (String::new(), lang.t("option-choose")))),
        )
        .required()
        .value(input.cell(Column::Type)),
        text(Column::LegalBasis).required().help(lang.t("help-legal-basis")),
        section,
        text(Column::Position),
        text(Column::LegalLimit).help(lang.t("help-power-limit")),
        text(Column::PromisedLimit).help(lang.t("help-power-limit")),
        check(Column::Fee, false),
        text(Column::FeeStandard),
        check(Column::UnitHead, false),
        check(Column::Public, true),
        text(Column::Notes),
    ];
    let mut form = Form::new(lang, action, fields, "action-save");
    form.cancel = Some(("/staff/powers".into(), lang.t("action-cancel")));
    form
}

async fn section_names(state: &AppState, principal: &Principal, unit_id: &str) -> Vec<String> {
    match unit_id.parse::<i64>() {
        Ok(id) => org::list_sections(&state.store, principal, id)
            .await
            .map(|list| list.into_iter().filter(|s| s.active).map(|s| s.name).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

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

pub async fn new_power(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::EditCatalogue, Target::County)?;
    let units = editable_units(&state, &caller.principal).await?;
    let unit_id = if q.unit_id.is_empty() && units.len() == 1 { units[0].id.to_string() } else { q.unit_id };
    let mut input = PowerInput { unit_id, ..Default::default() };
    input.cells.insert(Column::Public, "是".into());
    let sections = section_names(&state, &caller.principal, &input.unit_id).await;
    let form = power_form(lang, "/staff/powers".into(), &input, &units, &sections);
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-new-power", "powers"), intro: None, form })?
        .into_response())
}

pub async fn create_power(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::EditCatalogue, Target::County)?;
    let input = PowerInput::from_form(&form);
    let result = match parse_input(&state, &caller.principal, &input).await {
        Ok(draft) => catalogue::create_power(&state.store, &caller.principal, draft).await.map_err(AppError::from),
        Err(err) => Err(err),
    };
    match result {
        Ok(created) => Ok(see_other(&format!("/staff/powers/{}", created.power.id))),
        Err(err) => {
            let units = editable_units(&state, &caller.principal).await?;
            let sections = section_names(&state, &caller.principal, &input.unit_id).await;
            form_failure(err, |errors, status| {
                let form =
                    power_form(lang, "/staff/powers".into(), &input, &units, &sections).with_errors(lang, errors);
                super::form_response(lang, &caller, "page-new-power", "powers", form, status)
            })
        }
    }
}

pub async fn edit_power(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let record = catalogue::get_power(&state.store, &caller.principal, id).await?;
    require(&caller, Action::EditCatalogue, Target::Unit(record.power.unit_id))?;
    if !record.state.is_editable() {
        return Err(FieldErrors::from(("state", FieldError::new("transition_not_allowed"))).into());
    }
    let units = own_unit(&state, &caller.principal, record.power.unit_id).await?;
    let input = PowerInput::from_draft(record.power.unit_id, &record.draft);
    let sections = section_names(&state, &caller.principal, &input.unit_id).await;
    let form = power_form(lang, format!("/staff/powers/{id}"), &input, &units, &sections);
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-edit-power", "powers"), intro: None, form })?
        .into_response())
}

async fn own_unit(state: &AppState, principal: &Principal, unit_id: i64) -> Result<Vec<unit::Model>, AppError> {
    Ok(vec![org::get_unit(&state.store, principal, unit_id).await?])
}

pub async fn update_power(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    let record = catalogue::get_power(&state.store, &caller.principal, id).await?;
    require(&caller, Action::EditCatalogue, Target::Unit(record.power.unit_id))?;
    let mut input = PowerInput::from_form(&form);
    // The unit of a power does not change.
    input.unit_id = record.power.unit_id.to_string();
    let result = match parse_input(&state, &caller.principal, &input).await {
        Ok(draft) => catalogue::update_power(&state.store, &caller.principal, id, draft).await.map_err(AppError::from),
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/powers/{id}"))),
        Err(err) => {
            let units = own_unit(&state, &caller.principal, record.power.unit_id).await?;
            let sections = section_names(&state, &caller.principal, &input.unit_id).await;
            form_failure(err, |errors, status| {
                let form = power_form(lang, format!("/staff/powers/{id}"), &input, &units, &sections)
                    .with_errors(lang, errors);
                super::form_response(lang, &caller, "page-edit-power", "powers", form, status)
            })
        }
    }
}

// ---------------------------------------------------------------- detail and lifecycle

pub(crate) fn limit_text(lang: Lang, draft: &PowerDraft, column: Column) -> String {
    let limit = match column {
        Column::LegalLimit => draft.parts().legal_limit,
        _ => draft.parts().promised_limit,
    };
    limit.map(|l| if lang == Lang::En { l.to_english() } else { l.to_string() }).unwrap_or_default()
}

fn facts(lang: Lang, r: &PowerRecord) -> Vec<(String, String)> {
    let p = r.draft.parts();
    let mut state = state_label(lang, &r.power.state);
    if let Some(into) = &r.power.merged_into {
        state = format!("{state} → {into}");
    }
    vec![
        (column_label(lang, Column::Code), r.power.code.clone()),
        (column_label(lang, Column::Name), r.power.name.clone()),
        (column_label(lang, Column::Type), type_label(lang, p.power_type)),
        (column_label(lang, Column::Unit), format!("{}（{}）", r.unit_name, r.unit_code)),
        (column_label(lang, Column::LegalBasis), p.legal_basis.to_string()),
        (column_label(lang, Column::Section), r.draft.cell(Column::Section).unwrap_or_default()),
        (column_label(lang, Column::Position), r.draft.cell(Column::Position).unwrap_or_default()),
        (column_label(lang, Column::LegalLimit), limit_text(lang, &r.draft, Column::LegalLimit)),
        (column_label(lang, Column::PromisedLimit), limit_text(lang, &r.draft, Column::PromisedLimit)),
        (column_label(lang, Column::Fee), yes_no(lang, p.fee.is_charged())),
        (column_label(lang, Column::FeeStandard), p.fee.standard().unwrap_or_default().to_owned()),
        (column_label(lang, Column::UnitHead), yes_no(lang, p.unit_head)),
        (column_label(lang, Column::Public), yes_no(lang, p.public)),
        (column_label(lang, Column::Notes), r.draft.cell(Column::Notes).unwrap_or_default()),
        (lang.t("col-state"), state),
        (lang.t("col-version"), r.power.version.to_string()),
    ]
}

fn version_action_label(lang: Lang, action: &str) -> String {
    match action.parse::<PowerActionKind>() {
        Ok(kind) => action_label(lang, kind),
        Err(_) => lang.t(&format!("audit-power-{action}")),
    }
}

pub async fn power(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let record = catalogue::get_power(&state.store, &caller.principal, id).await?;
    let versions = catalogue::list_versions(&state.store, &caller.principal, id).await?;
    let allowed = catalogue::actions_for(&caller.principal, &record);

    let mut lifecycle = Table::new(lang, "lifecycle", &["col-actions"], "empty-power-actions");
    let mut merge_form = None;
    for kind in &allowed {
        if *kind == PowerActionKind::Merge {
            let into = Field::new(lang, "into", "field-merge-into", FieldKind::Text).required();
            merge_form = Some(Form::new(
                lang,
                format!("/staff/powers/{id}/actions?action=merge"),
                vec![into],
                "action-power-merge",
            ));
            continue;
        }
        lifecycle.rows.push(vec![Cell::Post {
            action: format!("/staff/powers/{id}/actions?action={}", kind.key()),
            label: action_label(lang, *kind),
            confirm: lang.t(&format!("confirm-power-{}", kind.key())),
        }]);
    }
    lifecycle.total = lifecycle.rows.len() as u64;

    let mut history = Table::new(
        lang,
        "versions",
        &["col-version", "col-version-action", "col-state", "col-actor", "col-at", "col-actions"],
        "empty-versions",
    );
    history.counted(lang, versions.len() as u64);
    for v in versions.iter().rev() {
        let compare = if v.version > 1 {
            Cell::Link {
                href: format!("/staff/powers/{id}/versions?a={}&b={}", v.version - 1, v.version),
                text: lang.t("action-compare"),
            }
        } else {
            Cell::Text(String::new())
        };
        history.rows.push(vec![
            Cell::Text(v.version.to_string()),
            Cell::Text(version_action_label(lang, &v.action)),
            state_badge(lang, &v.state),
            Cell::Text(v.actor.clone()),
            Cell::Text(crate::views::local_time(&v.at.to_rfc3339())),
            compare,
        ]);
    }
    let mut actions = Vec::new();
    if record.state.is_editable()
        && authorize(&caller.principal, Action::EditCatalogue, Target::Unit(record.power.unit_id)).is_ok()
    {
        actions.push((format!("/staff/powers/{id}/edit"), lang.t("action-edit")));
    }
    actions.push((format!("/staff/powers/{id}/versions"), lang.t("page-power-versions")));
    actions.push(("/staff/powers".to_owned(), lang.t("action-back")));
    let mut c = Chrome::new(lang, &caller, "page-power", "powers");
    c.title = format!("{} · {}", record.power.name, record.power.code);
    Ok(render(&DetailPage {
        c,
        actions,
        facts: facts(lang, &record),
        blocks: vec![
            Block { heading: lang.t("heading-power-lifecycle"), table: lifecycle, form: merge_form },
            Block { heading: lang.t("heading-power-versions"), table: history, form: None },
        ],
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionQuery {
    action: String,
}

/// Whether the caller may take any lifecycle step at all (the unit's or the commission's).
fn may_move_powers(principal: &Principal) -> bool {
    can_edit_somewhere(principal) || authorize(principal, Action::ReviewCatalogue, Target::County).is_ok()
}

/// Builds an action from its key and the merge target.
pub fn parse_action(key: &str, into: Option<&str>) -> Result<PowerAction, FieldErrors> {
    let kind: PowerActionKind =
        key.parse().map_err(|_| FieldErrors::from(("action", FieldError::new("unknown_value"))))?;
    Ok(match kind {
        PowerActionKind::Submit => PowerAction::Submit,
        PowerActionKind::Return => PowerAction::Return,
        PowerActionKind::Review => PowerAction::Review,
        PowerActionKind::Publish => PowerAction::Publish,
        PowerActionKind::Abolish => PowerAction::Abolish,
        PowerActionKind::Merge => PowerAction::Merge {
            into: PowerCode::parse(into.unwrap_or_default()).map_err(|e| FieldErrors::from(("into", e)))?,
        },
    })
}

pub async fn power_action(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<ActionQuery>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    if !may_move_powers(&caller.principal) {
        return Err(AppError::Forbidden);
    }
    let key = if q.action.is_empty() { form.get("action").to_owned() } else { q.action };
    let into = form.get("into").to_owned();
    let result = match parse_action(&key, Some(&into)) {
        Ok(action) => catalogue::apply_action(&state.store, &caller.principal, id, &action)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/powers/{id}"))),
        Err(AppError::Invalid(errors)) if key == "merge" => {
            let into_field = Field::new(lang, "into", "field-merge-into", FieldKind::Text).required().value(into);
            let form = Form::new(
                lang,
                format!("/staff/powers/{id}/actions?action=merge"),
                vec![into_field],
                "action-power-merge",
            )
            .with_errors(lang, &errors);
            super::form_response(lang, &caller, "action-power-merge", "powers", form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(err) => Err(err),
    }
}

// ---------------------------------------------------------------- versions

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionQuery {
    a: String,
    b: String,
}

pub async fn versions(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let record = catalogue::get_power(&state.store, &caller.principal, id).await?;
    let versions = catalogue::list_versions(&state.store, &caller.principal, id).await?;
    let last = versions.last().map_or(1, |v| v.version);
    let b = q.b.parse().unwrap_or(last);
    let a = q.a.parse().unwrap_or((b - 1).max(1));
    let changes = catalogue::compare_versions(&state.store, &caller.principal, id, a, b).await?;
    let mut table = Table::new(lang, "changes", &["col-field", "col-before", "col-after"], "empty-changes");
    table.counted(lang, changes.len() as u64);
    for change in changes {
        table.rows.push(vec![
            Cell::Text(column_label(lang, change.column)),
            Cell::Text(change.before.unwrap_or_default()),
            Cell::Text(change.after.unwrap_or_default()),
        ]);
    }
    let options: Vec<(String, String)> = versions
        .iter()
        .map(|v| (v.version.to_string(), format!("{} · {}", v.version, version_action_label(lang, &v.action))))
        .collect();
    let filter = Form::new(
        lang,
        format!("/staff/powers/{id}/versions"),
        vec![
            Field::new(lang, "a", "field-version-a", FieldKind::Select(options.clone())).value(a.to_string()),
            Field::new(lang, "b", "field-version-b", FieldKind::Select(options)).value(b.to_string()),
        ],
        "action-compare",
    );
    let mut c = Chrome::new(lang, &caller, "page-power-versions", "powers");
    c.title = format!("{} · {}", c.title, record.power.code);
    table_response(&TablePage {
        c,
        actions: vec![(format!("/staff/powers/{id}"), lang.t("action-back"))],
        filter: Some(filter),
        table,
        create: None,
    })
}

// ---------------------------------------------------------------- import

struct Upload {
    actor: String,
    unit_code: String,
    bytes: Vec<u8>,
    at: Instant,
}

fn uploads() -> &'static Mutex<HashMap<String, Upload>> {
    static UPLOADS: OnceLock<Mutex<HashMap<String, Upload>>> = OnceLock::new();
    UPLOADS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn keep_upload(upload: Upload) -> String {
    let id = hex::encode(rand::random::<[u8; 16]>());
    let mut map = uploads().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.retain(|_, u| u.at.elapsed() < UPLOAD_TTL);
    while map.len() >= MAX_UPLOADS {
        let Some(oldest) = map.iter().min_by_key(|(_, u)| u.at).map(|(k, _)| k.clone()) else { break };
        map.remove(&oldest);
    }
    map.insert(id.clone(), upload);
    id
}

/// The upload, once, if it is the caller's and still fresh.
fn take_upload(id: &str, actor: &str) -> Option<Upload> {
    let mut map = uploads().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.retain(|_, u| u.at.elapsed() < UPLOAD_TTL);
    if map.get(id).is_some_and(|u| u.actor == actor) { map.remove(id) } else { None }
}

#[derive(Template)]
#[template(path = "catalogue_import.html")]
struct ImportPage {
    c: Chrome,
    units: Vec<(String, String)>,
    unit: String,
    notice: Option<String>,
    errors: Option<Table>,
    rows: Option<Table>,
    confirm: Option<String>,
}

impl ImportPage {
    fn new(lang: Lang, caller: &Caller, units: &[unit::Model], unit: String) -> Self {
        Self {
            c: Chrome::new(lang, caller, "page-power-import", "power-import"),
            units: units.iter().map(|u| (u.code.clone(), format!("{}（{}）", u.name, u.code))).collect(),
            unit,
            notice: None,
            errors: None,
            rows: None,
            confirm: None,
        }
    }

    fn rejected(mut self, lang: Lang, issues: &[ImportIssue]) -> Self {
        self.notice = Some(lang.t_args("notice-import-rejected", &[("count", issues.len().into())]));
        let mut table =
            Table::new(lang, "import-errors", &["col-sheet", "col-row", "col-column", "col-message"], "empty-changes");
        table.counted(lang, issues.len() as u64);
        for issue in issues {
            let (sheet, row, column) = issue_place(lang, issue);
            table.rows.push(vec![
                Cell::Text(sheet),
                Cell::Text(row),
                Cell::Text(column),
                Cell::Text(issue_message(lang, issue)),
            ]);
        }
        self.errors = Some(table);
        self
    }
}

fn lines_of(lang: Lang, rows: &[ImportedPower]) -> Table {
    let mut table = Table::new(
        lang,
        "import-rows",
        &[
            "col-row",
            "col-power-code",
            "col-power-name",
            "col-power-type",
            "col-power-section",
            "col-power-promised-limit",
        ],
        "empty-powers",
    );
    table.counted(lang, rows.len() as u64);
    for r in rows {
        table.rows.push(vec![
            Cell::Text(format!("{}!{}", r.sheet, r.row)),
            Cell::Mono(r.draft.cell(Column::Code).unwrap_or_default()),
            Cell::Text(r.draft.parts().name.to_string()),
            Cell::Text(type_label(lang, r.draft.parts().power_type)),
            Cell::Text(r.draft.cell(Column::Section).unwrap_or_default()),
            Cell::Text(limit_text(lang, &r.draft, Column::PromisedLimit)),
        ]);
    }
    table
}

pub async fn import_page(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::EditCatalogue, Target::County)?;
    let units = editable_units(&state, &caller.principal).await?;
    let unit = if units.len() == 1 { units[0].code.clone() } else { String::new() };
    Ok(render(&ImportPage::new(lang, &caller, &units, unit))?.into_response())
}

/// Reads the upload's fields: the CSRF token, the unit code and the file.
async fn read_upload(mut multipart: Multipart) -> Result<(String, String, Vec<u8>), AppError> {
    let (mut csrf, mut unit, mut file) = (String::new(), String::new(), Vec::new());
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("bad_form", e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            CSRF_FIELD => csrf = field.text().await.map_err(bad)?,
            "unit" => unit = field.text().await.map_err(bad)?,
            "file" => file = field.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, unit, file))
}

pub async fn import_upload(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    require(&caller, Action::EditCatalogue, Target::County)?;
    let multipart = multipart.map_err(|e| AppError::BadRequest("bad_form", e.body_text()))?;
    let (csrf, unit_code, bytes) = read_upload(multipart).await?;
    if !same_token(&csrf, caller.csrf()) {
        return Err(AppError::Csrf);
    }
    let units = editable_units(&state, &caller.principal).await?;
    let page = ImportPage::new(lang, &caller, &units, unit_code.clone());
    if unit_code.is_empty() {
        let issue = ImportIssue {
            sheet: None,
            row: None,
            column: Some(Column::Unit),
            header: None,
            code: "required",
            args: BTreeMap::new(),
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page.rejected(lang, &[issue]));
    }
    match catalogue::check_import(&state.store, &caller.principal, &unit_code, &bytes).await {
        Ok(preview) => {
            let mut page = page;
            page.notice = Some(lang.t_args(
                "notice-import-checked",
                &[
                    ("count", preview.rows.len().into()),
                    ("created", preview.created.into()),
                    ("updated", preview.updated.into()),
                ],
            ));
            page.rows = Some(lines_of(lang, &preview.rows));
            page.confirm = Some(keep_upload(Upload {
                actor: caller.principal.actor.clone(),
                unit_code,
                bytes,
                at: Instant::now(),
            }));
            render_status(StatusCode::OK, &page)
        }
        Err(ImportError::Rejected(issues)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page.rejected(lang, &issues))
        }
        Err(ImportError::Store(err)) => Err(err.into()),
    }
}

pub async fn import_confirm(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::EditCatalogue, Target::County)?;
    let units = editable_units(&state, &caller.principal).await?;
    let Some(upload) = take_upload(form.get("upload"), &caller.principal.actor) else {
        let mut page = ImportPage::new(lang, &caller, &units, String::new());
        page.notice = Some(lang.t("notice-import-expired"));
        return render_status(StatusCode::GONE, &page);
    };
    let mut page = ImportPage::new(lang, &caller, &units, upload.unit_code.clone());
    match catalogue::import_powers(&state.store, &caller.principal, &upload.unit_code, &upload.bytes).await {
        Ok(report) => {
            page.notice = Some(lang.t_args(
                "notice-import-done",
                &[("created", report.created.into()), ("updated", report.updated.into())],
            ));
            render_status(StatusCode::OK, &page)
        }
        Err(ImportError::Rejected(issues)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page.rejected(lang, &issues))
        }
        Err(ImportError::Store(err)) => Err(err.into()),
    }
}

// ---------------------------------------------------------------- public catalogue

#[derive(Template)]
#[template(path = "public_catalogue.html")]
struct PublicCatalogue {
    lang: Lang,
    county: String,
    q: String,
    table: Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublicQuery {
    q: String,
    page: String,
}

/// The published catalogue (职权公开目录), for anyone.
pub async fn public_catalogue(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<PublicQuery>,
) -> Result<Response, AppError> {
    let page = q.page.parse().unwrap_or(1).max(1);
    let filter = PowerFilter { q: Some(q.q.clone()), ..Default::default() };
    let found = catalogue::list_public_powers(&state.store, &filter, page, PER_PAGE).await?;
    let mut table = Table::new(
        lang,
        "catalogue",
        &[
            "col-power-code",
            "col-power-name",
            "col-power-type",
            "col-power-unit",
            "col-power-legal-basis",
            "col-power-promised-limit",
        ],
        "empty-public-catalogue",
    );
    table.counted(lang, found.total);
    for r in &found.powers {
        table.rows.push(vec![
            Cell::Mono(r.power.code.clone()),
            Cell::Link { href: format!("/catalogue/{}", r.power.id), text: r.power.name.clone() },
            Cell::Text(type_label(lang, r.draft.parts().power_type)),
            Cell::Text(r.unit_name.clone()),
            Cell::Text(r.draft.parts().legal_basis.to_string()),
            Cell::Text(limit_text(lang, &r.draft, Column::PromisedLimit)),
        ]);
    }
    paginate(&mut table, "/catalogue", &[("q", q.q.clone())], page, PER_PAGE);
    let county = org::county_name(&state.store).await?.unwrap_or_default();
    Ok(render(&PublicCatalogue { lang, county, q: q.q, table })?.into_response())
}
