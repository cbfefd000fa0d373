//! Organization pages: sub-commissions, units and their sections, positions and
//! persons. Lists filter in the URL; forms keep what was typed and show errors in place.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::org::{
    PersonInput, PersonTier, PositionInput, RawNamed, RawPerson, RawPosition, RawUnit, UnitCategory, UnitInput,
};
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_store::entity::{position, section, sub_commission, unit};
use sunlight_store::org::{self, PersonFilter, UnitFilter};

use super::{
    Block, DetailPage, FormPage, TablePage, form_response, paginate, render, render_status, require, see_other,
    table_response, yes_no,
};
use crate::AppState;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table};

// ---------------------------------------------------------------- helpers

fn category_label(lang: Lang, key: &str) -> String {
    lang.t(&format!("category-{}", key.replace('_', "-")))
}

fn tier_label(lang: Lang, key: &str) -> String {
    lang.t(&format!("tier-{}", key.replace('_', "-")))
}

fn category_options(lang: Lang, with_any: bool) -> Vec<(String, String)> {
    let mut options = if with_any { vec![(String::new(), lang.t("option-any"))] } else { Vec::new() };
    options.extend(UnitCategory::ALL.iter().map(|c| (c.key().to_owned(), category_label(lang, c.key()))));
    options
}

fn tier_options(lang: Lang, with_any: bool) -> Vec<(String, String)> {
    let mut options = if with_any { vec![(String::new(), lang.t("option-any"))] } else { Vec::new() };
    options.extend(PersonTier::ALL.iter().map(|t| (t.key().to_owned(), tier_label(lang, t.key()))));
    options
}

/// A required choice starts unselected, so nothing is saved by default.
fn choose_first(lang: Lang, options: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut all = vec![(String::new(), lang.t("option-choose"))];
    all.extend(options);
    all
}

fn id_options<T>(
    lang: Lang,
    items: &[T],
    id: impl Fn(&T) -> i64,
    name: impl Fn(&T) -> String,
) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), lang.t("option-none"))];
    options.extend(items.iter().map(|i| (id(i).to_string(), name(i))));
    options
}

fn active_badge(lang: Lang, active: bool) -> Cell {
    if active {
        Cell::Badge { class: "on", text: lang.t("state-active") }
    } else {
        Cell::Badge { class: "off", text: lang.t("state-inactive") }
    }
}

/// Turns a failed save into the form again (422/409, with what was typed), and
/// passes every other error on.
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

fn take_id(form: &FormData, errors: &mut FieldErrors, name: &str) -> Option<i64> {
    errors.take(name, form.id(name)).flatten()
}

// ---------------------------------------------------------------- sub-commissions

pub async fn sub_commissions(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let list = org::list_sub_commissions(&state.store, &caller.principal).await?;
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let mut table = Table::new(
        lang,
        "sub-commissions",
        &["col-name", "col-units", "col-state", "col-actions"],
        "empty-sub-commissions",
    );
    table.counted(lang, list.len() as u64);
    for sc in list {
        let watched = units.iter().filter(|u| u.sub_commission_id == Some(sc.id)).count();
        table.rows.push(vec![
            Cell::Text(sc.name.clone()),
            Cell::Link { href: format!("/staff/units?sub_commission_id={}", sc.id), text: watched.to_string() },
            active_badge(lang, sc.active),
            Cell::Link { href: format!("/staff/sub-commissions/{}/edit", sc.id), text: lang.t("action-edit") },
        ]);
    }
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-sub-commissions", "sub-commissions"),
        actions: vec![("/staff/sub-commissions/new".into(), lang.t("action-new-sub-commission"))],
        filter: None,
        table,
        create: None,
    };
    table_response(&page)
}

fn sub_commission_form(lang: Lang, action: String, name: &str, active: Option<bool>) -> Form {
    let mut fields = vec![Field::new(lang, "name", "field-name", FieldKind::Text).required().value(name)];
    if let Some(active) = active {
        fields.push(Field::new(lang, "active", "field-active", FieldKind::Checkbox).value(active.to_string()));
    }
    let mut form = Form::new(lang, action, fields, "action-save");
    form.cancel = Some(("/staff/sub-commissions".into(), lang.t("action-cancel")));
    form
}

pub async fn new_sub_commission(lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let form = sub_commission_form(lang, "/staff/sub-commissions".into(), "", None);
    Ok(render(&FormPage {
        c: Chrome::new(lang, &caller, "page-new-sub-commission", "sub-commissions"),
        intro: None,
        form,
    })?
    .into_response())
}

pub async fn create_sub_commission(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let raw = RawNamed { name: form.get("name").to_owned() };
    let result = match raw.parse() {
        Ok(name) => org::create_sub_commission(&state.store, &caller.principal, &name).await.map_err(AppError::from),
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(_) => Ok(see_other("/staff/sub-commissions")),
        Err(err) => form_failure(err, |errors, status| {
            let form =
                sub_commission_form(lang, "/staff/sub-commissions".into(), &raw.name, None).with_errors(lang, errors);
            render_status(
                status,
                &FormPage {
                    c: Chrome::new(lang, &caller, "page-new-sub-commission", "sub-commissions"),
                    intro: None,
                    form,
                },
            )
        }),
    }
}

pub async fn edit_sub_commission(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let sc: sub_commission::Model = org::get_sub_commission(&state.store, &caller.principal, id).await?;
    let form = sub_commission_form(lang, format!("/staff/sub-commissions/{id}"), &sc.name, Some(sc.active));
    Ok(render(&FormPage {
        c: Chrome::new(lang, &caller, "page-edit-sub-commission", "sub-commissions"),
        intro: None,
        form,
    })?
    .into_response())
}

pub async fn update_sub_commission(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let raw = RawNamed { name: form.get("name").to_owned() };
    let active = form.flag("active");
    let result = match raw.parse() {
        Ok(name) => {
            org::update_sub_commission(&state.store, &caller.principal, id, &name, active).await.map_err(AppError::from)
        }
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(_) => Ok(see_other("/staff/sub-commissions")),
        Err(err) => form_failure(err, |errors, status| {
            let form = sub_commission_form(lang, format!("/staff/sub-commissions/{id}"), &raw.name, Some(active))
                .with_errors(lang, errors);
            render_status(
                status,
                &FormPage {
                    c: Chrome::new(lang, &caller, "page-edit-sub-commission", "sub-commissions"),
                    intro: None,
                    form,
                },
            )
        }),
    }
}

// ---------------------------------------------------------------- units

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnitQuery {
    q: String,
    category: String,
    sub_commission_id: String,
    pilot: String,
    include_inactive: String,
}

impl UnitQuery {
    fn filter(&self) -> UnitFilter {
        UnitFilter {
            q: Some(self.q.clone()),
            category: Some(self.category.clone()),
            sub_commission_id: self.sub_commission_id.parse().ok(),
            pilot: match self.pilot.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            include_inactive: self.include_inactive == "true",
        }
    }

    /// The same filters as a query string, for the export link.
    fn query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("category", &self.category),
            ("sub_commission_id", &self.sub_commission_id),
            ("pilot", &self.pilot),
            ("include_inactive", &self.include_inactive),
        ];
        let kept: Vec<(&str, &String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// The unit list as an Excel file, with the filters of the page.
pub async fn export_units(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    let list = org::list_units(&state.store, &caller.principal, &q.filter()).await?;
    let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
    let sc_names: HashMap<i64, String> = scs.into_iter().map(|s| (s.id, s.name)).collect();
    let columns: Vec<String> = ["col-code", "col-name", "col-category", "col-sub-commission", "col-pilot", "col-state"]
        .iter()
        .map(|k| lang.t(k))
        .collect();
    let rows = list
        .into_iter()
        .map(|u| {
            vec![
                u.code,
                u.name,
                category_label(lang, &u.category),
                u.sub_commission_id.and_then(|id| sc_names.get(&id).cloned()).unwrap_or_default(),
                yes_no(lang, u.pilot),
                lang.t(if u.active { "state-active" } else { "state-inactive" }),
            ]
        })
        .collect();
    super::export::xlsx_response(&lang.t("page-units"), &columns, rows, "units.xlsx")
}

/// The person list as an Excel file, with the filters of the page.
pub async fn export_persons(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<PersonQuery>,
) -> Result<Response, AppError> {
    let filter = PersonFilter {
        unit_id: q.unit_id.parse().ok(),
        q: Some(q.q.clone()),
        tier: Some(q.tier.clone()),
        include_inactive: false,
    };
    // One sheet of a county's cadres: far below Excel's row limit.
    let found = org::list_persons(&state.store, &caller.principal, &filter, 1, 100_000).await?;
    let units =
        org::list_units(&state.store, &caller.principal, &UnitFilter { include_inactive: true, ..Default::default() })
            .await?;
    let unit_names: HashMap<i64, String> = units.into_iter().map(|u| (u.id, u.name)).collect();
    let columns: Vec<String> = ["col-person-name", "col-unit", "col-tier"].iter().map(|k| lang.t(k)).collect();
    let rows = found
        .persons
        .into_iter()
        .map(|p| vec![p.name, unit_names.get(&p.unit_id).cloned().unwrap_or_default(), tier_label(lang, &p.tier)])
        .collect();
    super::export::xlsx_response(&lang.t("page-persons"), &columns, rows, "persons.xlsx")
}

pub async fn units(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    let list = org::list_units(&state.store, &caller.principal, &q.filter()).await?;
    let export_href = format!("/staff/exports/units.xlsx?{}", q.query_string());
    let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
    let sc_names: HashMap<i64, String> = scs.iter().map(|s| (s.id, s.name.clone())).collect();
    let filtered = !(q.q.is_empty() && q.category.is_empty() && q.sub_commission_id.is_empty() && q.pilot.is_empty());
    let mut table = Table::new(
        lang,
        "units",
        &["col-code", "col-name", "col-category", "col-sub-commission", "col-pilot", "col-state"],
        if filtered { "empty-units-filtered" } else { "empty-units" },
    );
    table.counted(lang, list.len() as u64);
    for u in list {
        table.rows.push(vec![
            Cell::Mono(u.code.clone()),
            Cell::Link { href: format!("/staff/units/{}", u.id), text: u.name.clone() },
            Cell::Text(category_label(lang, &u.category)),
            Cell::Text(u.sub_commission_id.and_then(|id| sc_names.get(&id).cloned()).unwrap_or_default()),
            Cell::Text(yes_no(lang, u.pilot)),
            active_badge(lang, u.active),
        ]);
    }
    let pilot_options =
        vec![(String::new(), lang.t("option-any")), ("true".into(), lang.t("yes")), ("false".into(), lang.t("no"))];
    let mut sc_options = vec![(String::new(), lang.t("option-any"))];
    sc_options.extend(scs.iter().map(|s| (s.id.to_string(), s.name.clone())));
    let filter = Form::new(
        lang,
        "/staff/units".into(),
        vec![
            Field::new(lang, "q", "field-search", FieldKind::Text).value(q.q),
            Field::new(lang, "category", "field-category", FieldKind::Select(category_options(lang, true)))
                .value(q.category),
            Field::new(lang, "sub_commission_id", "field-sub-commission", FieldKind::Select(sc_options))
                .value(q.sub_commission_id),
            Field::new(lang, "pilot", "field-pilot", FieldKind::Select(pilot_options)).value(q.pilot),
            Field::new(lang, "include_inactive", "field-include-inactive", FieldKind::Checkbox)
                .value(q.include_inactive),
        ],
        "action-filter",
    );
    let can_manage = authorize(&caller.principal, Action::ManageUnits, Target::County).is_ok();
    let mut actions =
        if can_manage { vec![("/staff/units/new".into(), lang.t("action-new-unit"))] } else { Vec::new() };
    actions.push((export_href, lang.t("action-export")));
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-units", "units"),
        actions,
        filter: Some(filter),
        table,
        create: None,
    };
    table_response(&page)
}

fn raw_unit(form: &FormData, errors: &mut FieldErrors) -> RawUnit {
    RawUnit {
        code: form.get("code").to_owned(),
        name: form.get("name").to_owned(),
        category: form.get("category").to_owned(),
        pilot: form.flag("pilot"),
        sub_commission_id: take_id(form, errors, "sub_commission_id"),
    }
}

fn unit_form(lang: Lang, action: String, raw: &RawUnit, scs: &[sub_commission::Model]) -> Form {
    let fields = vec![
        Field::new(lang, "code", "field-unit-code", FieldKind::Text)
            .required()
            .value(&raw.code)
            .help(lang.t("help-unit-code")),
        Field::new(lang, "name", "field-name", FieldKind::Text).required().value(&raw.name),
        Field::new(
            lang,
            "category",
            "field-category",
            FieldKind::Select(choose_first(lang, category_options(lang, false))),
        )
        .required()
        .value(&raw.category),
        Field::new(
            lang,
            "sub_commission_id",
            "field-sub-commission",
            FieldKind::Select(id_options(lang, scs, |s| s.id, |s| s.name.clone())),
        )
        .value(raw.sub_commission_id.map(|i| i.to_string()).unwrap_or_default()),
        Field::new(lang, "pilot", "field-pilot", FieldKind::Checkbox).value(raw.pilot.to_string()),
    ];
    let mut form = Form::new(lang, action, fields, "action-save");
    form.cancel = Some(("/staff/units".into(), lang.t("action-cancel")));
    form
}

pub async fn new_unit(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
    let form = unit_form(lang, "/staff/units".into(), &RawUnit::default(), &scs);
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-new-unit", "units"), intro: None, form })?
        .into_response())
}

pub async fn create_unit(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let mut errors = FieldErrors::new();
    let raw = raw_unit(&form, &mut errors);
    let result = match UnitInput::parse(&raw) {
        Ok(input) if errors.is_empty() => {
            org::create_unit(&state.store, &caller.principal, &input).await.map_err(AppError::from)
        }
        Ok(_) => Err(errors.into()),
        Err(more) => {
            errors.merge(&more);
            Err(errors.into())
        }
    };
    match result {
        Ok(u) => Ok(see_other(&format!("/staff/units/{}", u.id))),
        Err(err) => {
            let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
            form_failure(err, |errors, status| {
                let form = unit_form(lang, "/staff/units".into(), &raw, &scs).with_errors(lang, errors);
                form_response(lang, &caller, "page-new-unit", "units", form, status)
            })
        }
    }
}

pub async fn edit_unit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let u = org::get_unit(&state.store, &caller.principal, id).await?;
    let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
    let raw = RawUnit {
        code: u.code,
        name: u.name,
        category: u.category,
        pilot: u.pilot,
        sub_commission_id: u.sub_commission_id,
    };
    let form = unit_form(lang, format!("/staff/units/{id}"), &raw, &scs);
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-edit-unit", "units"), intro: None, form })?
        .into_response())
}

pub async fn update_unit(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnits, Target::County)?;
    let mut errors = FieldErrors::new();
    let raw = raw_unit(&form, &mut errors);
    let result = match UnitInput::parse(&raw) {
        Ok(input) if errors.is_empty() => {
            org::update_unit(&state.store, &caller.principal, id, &input).await.map_err(AppError::from)
        }
        Ok(_) => Err(errors.into()),
        Err(more) => {
            errors.merge(&more);
            Err(errors.into())
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/units/{id}"))),
        Err(err) => {
            let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
            form_failure(err, |errors, status| {
                let form = unit_form(lang, format!("/staff/units/{id}"), &raw, &scs).with_errors(lang, errors);
                form_response(lang, &caller, "page-edit-unit", "units", form, status)
            })
        }
    }
}

pub async fn set_unit_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    org::set_unit_active(&state.store, &caller.principal, id, form.flag("active")).await?;
    Ok(see_other(&format!("/staff/units/{id}")))
}

/// A unit with its sections, positions and persons, and forms to add to each.
#[allow(clippy::too_many_lines)] // three related tables, each with its add form
pub async fn unit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let u = org::get_unit(&state.store, &caller.principal, id).await?;
    let sections = org::list_sections(&state.store, &caller.principal, id).await?;
    let positions = org::list_positions(&state.store, &caller.principal, id).await?;
    let persons = org::list_persons(
        &state.store,
        &caller.principal,
        &PersonFilter { unit_id: Some(id), ..Default::default() },
        1,
        50,
    )
    .await?;
    let can_manage_unit = authorize(&caller.principal, Action::ManageUnits, Target::County).is_ok();
    let can_manage_staff = authorize(&caller.principal, Action::ManageUnitStaff, Target::Unit(id)).is_ok();
    let sc_name = match u.sub_commission_id {
        Some(sc) => {
            org::get_sub_commission(&state.store, &caller.principal, sc).await.map(|s| s.name).unwrap_or_default()
        }
        None => String::new(),
    };
    let facts = vec![
        (lang.t("col-code"), u.code.clone()),
        (lang.t("col-category"), category_label(lang, &u.category)),
        (lang.t("col-sub-commission"), sc_name),
        (lang.t("col-pilot"), yes_no(lang, u.pilot)),
        (lang.t("col-state"), lang.t(if u.active { "state-active" } else { "state-inactive" })),
    ];
    let section_names: HashMap<i64, String> = sections.iter().map(|s| (s.id, s.name.clone())).collect();
    let position_names: HashMap<i64, String> = positions.iter().map(|p| (p.id, p.name.clone())).collect();

    let mut section_table = Table::new(lang, "sections", &["col-name", "col-state", "col-actions"], "empty-sections");
    section_table.counted(lang, sections.len() as u64);
    for s in &sections {
        let action = if can_manage_staff {
            Cell::Link { href: format!("/staff/sections/{}/edit", s.id), text: lang.t("action-edit") }
        } else {
            Cell::Text(String::new())
        };
        section_table.rows.push(vec![Cell::Text(s.name.clone()), active_badge(lang, s.active), action]);
    }
    let mut position_table = Table::new(
        lang,
        "positions",
        &["col-name", "col-section", "col-hot", "col-state", "col-actions"],
        "empty-positions",
    );
    position_table.counted(lang, positions.len() as u64);
    for p in &positions {
        let action = if can_manage_staff {
            Cell::Link { href: format!("/staff/positions/{}/edit", p.id), text: lang.t("action-edit") }
        } else {
            Cell::Text(String::new())
        };
        position_table.rows.push(vec![
            Cell::Text(p.name.clone()),
            Cell::Text(p.section_id.and_then(|s| section_names.get(&s).cloned()).unwrap_or_default()),
            hot_cell(lang, p),
            active_badge(lang, p.active),
            action,
        ]);
    }
    let mut person_table = Table::new(
        lang,
        "persons",
        &["col-person-name", "col-tier", "col-section", "col-position", "col-actions"],
        "empty-persons",
    );
    person_table.counted(lang, persons.total);
    for p in &persons.persons {
        let action = if can_manage_staff {
            Cell::Link { href: format!("/staff/persons/{}/edit", p.id), text: lang.t("action-edit") }
        } else {
            Cell::Text(String::new())
        };
        person_table.rows.push(vec![
            Cell::Text(p.name.clone()),
            Cell::Text(tier_label(lang, &p.tier)),
            Cell::Text(p.section_id.and_then(|s| section_names.get(&s).cloned()).unwrap_or_default()),
            Cell::Text(p.position_id.and_then(|s| position_names.get(&s).cloned()).unwrap_or_default()),
            action,
        ]);
    }
    if persons.total > 50 {
        let label = lang.t_args("more-persons", &[("count", persons.total.into())]);
        person_table.more = Some((format!("/staff/persons?unit_id={id}"), label));
    }
    let staff_forms = can_manage_staff.then(|| {
        (
            section_form(lang, format!("/staff/units/{id}/sections"), "", None, "action-add-section"),
            position_form(
                lang,
                format!("/staff/units/{id}/positions"),
                &RawPosition::default(),
                &sections,
                None,
                "action-add-position",
            ),
            person_form(
                lang,
                format!("/staff/units/{id}/persons"),
                &RawPerson::default(),
                &sections,
                &positions,
                None,
                "action-add-person",
            ),
        )
    });
    let (section_add, position_add, person_add) = match staff_forms {
        Some((a, b, c)) => (Some(a), Some(b), Some(c)),
        None => (None, None, None),
    };
    let mut actions = Vec::new();
    if can_manage_unit {
        actions.push((format!("/staff/units/{id}/edit"), lang.t("action-edit")));
    }
    let mut c = Chrome::new(lang, &caller, "page-unit", "units");
    c.title.clone_from(&u.name);
    let page = DetailPage {
        c,
        actions,
        facts,
        blocks: vec![
            Block { heading: lang.t("heading-sections"), table: section_table, form: section_add },
            Block { heading: lang.t("heading-positions"), table: position_table, form: position_add },
            Block { heading: lang.t("heading-persons"), table: person_table, form: person_add },
        ],
    };
    Ok(render(&page)?.into_response())
}

fn hot_cell(lang: Lang, p: &position::Model) -> Cell {
    let mut words = Vec::new();
    if p.hot_personnel {
        words.push(lang.t("hot-personnel"));
    }
    if p.hot_finance {
        words.push(lang.t("hot-finance"));
    }
    if p.hot_affairs {
        words.push(lang.t("hot-affairs"));
    }
    if words.is_empty() { Cell::Text(String::new()) } else { Cell::Badge { class: "hot", text: words.join("、") } }
}

// ---------------------------------------------------------------- sections

fn section_form(lang: Lang, action: String, name: &str, active: Option<bool>, submit: &str) -> Form {
    let mut fields = vec![Field::new(lang, "name", "field-name", FieldKind::Text).required().value(name)];
    if let Some(active) = active {
        fields.push(Field::new(lang, "active", "field-active", FieldKind::Checkbox).value(active.to_string()));
    }
    Form::new(lang, action, fields, submit)
}

pub async fn create_section(
    State(state): State<AppState>,
    lang: Lang,
    Path(unit_id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnitStaff, Target::Unit(unit_id))?;
    let raw = RawNamed { name: form.get("name").to_owned() };
    let result = match raw.parse() {
        Ok(name) => org::create_section(&state.store, &caller.principal, unit_id, &name).await.map_err(AppError::from),
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/units/{unit_id}"))),
        Err(err) => form_failure(err, |errors, status| {
            let form =
                section_form(lang, format!("/staff/units/{unit_id}/sections"), &raw.name, None, "action-add-section")
                    .with_errors(lang, errors);
            form_response(lang, &caller, "page-new-section", "units", form, status)
        }),
    }
}

pub async fn edit_section(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let s: section::Model = org::get_section(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(s.unit_id))?;
    let mut form = section_form(lang, format!("/staff/sections/{id}"), &s.name, Some(s.active), "action-save");
    form.cancel = Some((format!("/staff/units/{}", s.unit_id), lang.t("action-cancel")));
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-edit-section", "units"), intro: None, form })?
        .into_response())
}

pub async fn update_section(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    let existing = org::get_section(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(existing.unit_id))?;
    let raw = RawNamed { name: form.get("name").to_owned() };
    let active = form.flag("active");
    let result = match raw.parse() {
        Ok(name) => {
            org::update_section(&state.store, &caller.principal, id, &name, active).await.map_err(AppError::from)
        }
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(s) => Ok(see_other(&format!("/staff/units/{}", s.unit_id))),
        Err(err) => form_failure(err, |errors, status| {
            let form = section_form(lang, format!("/staff/sections/{id}"), &raw.name, Some(active), "action-save")
                .with_errors(lang, errors);
            form_response(lang, &caller, "page-edit-section", "units", form, status)
        }),
    }
}

// ---------------------------------------------------------------- positions

fn raw_position(form: &FormData, errors: &mut FieldErrors) -> RawPosition {
    RawPosition {
        name: form.get("name").to_owned(),
        section_id: take_id(form, errors, "section_id"),
        hot_personnel: form.flag("hot_personnel"),
        hot_finance: form.flag("hot_finance"),
        hot_affairs: form.flag("hot_affairs"),
    }
}

fn position_form(
    lang: Lang,
    action: String,
    raw: &RawPosition,
    sections: &[section::Model],
    active: Option<bool>,
    submit: &str,
) -> Form {
    let mut fields = vec![
        Field::new(lang, "name", "field-name", FieldKind::Text).required().value(&raw.name),
        Field::new(
            lang,
            "section_id",
            "field-section",
            FieldKind::Select(id_options(lang, sections, |s| s.id, |s| s.name.clone())),
        )
        .value(raw.section_id.map(|i| i.to_string()).unwrap_or_default()),
        Field::new(lang, "hot_personnel", "field-hot-personnel", FieldKind::Checkbox)
            .value(raw.hot_personnel.to_string()),
        Field::new(lang, "hot_finance", "field-hot-finance", FieldKind::Checkbox).value(raw.hot_finance.to_string()),
        Field::new(lang, "hot_affairs", "field-hot-affairs", FieldKind::Checkbox).value(raw.hot_affairs.to_string()),
    ];
    if let Some(active) = active {
        fields.push(Field::new(lang, "active", "field-active", FieldKind::Checkbox).value(active.to_string()));
    }
    Form::new(lang, action, fields, submit)
}

async fn save_position(
    state: &AppState,
    caller: &Caller,
    form: &FormData,
    unit_or_id: (Option<i64>, Option<i64>),
) -> (RawPosition, Result<position::Model, AppError>) {
    let mut errors = FieldErrors::new();
    let raw = raw_position(form, &mut errors);
    let result = match PositionInput::parse(&raw) {
        Ok(input) if errors.is_empty() => match unit_or_id {
            (Some(unit_id), _) => {
                org::create_position(&state.store, &caller.principal, unit_id, &input).await.map_err(AppError::from)
            }
            (None, Some(id)) => org::update_position(&state.store, &caller.principal, id, &input, form.flag("active"))
                .await
                .map_err(AppError::from),
            (None, None) => Err(AppError::NotFound),
        },
        Ok(_) => Err(errors.into()),
        Err(more) => Err(more.into()),
    };
    (raw, result)
}

pub async fn create_position(
    State(state): State<AppState>,
    lang: Lang,
    Path(unit_id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnitStaff, Target::Unit(unit_id))?;
    let (raw, result) = save_position(&state, &caller, &form, (Some(unit_id), None)).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/units/{unit_id}"))),
        Err(err) => {
            let sections = org::list_sections(&state.store, &caller.principal, unit_id).await?;
            form_failure(err, |errors, status| {
                let form = position_form(
                    lang,
                    format!("/staff/units/{unit_id}/positions"),
                    &raw,
                    &sections,
                    None,
                    "action-add-position",
                )
                .with_errors(lang, errors);
                form_response(lang, &caller, "page-new-position", "units", form, status)
            })
        }
    }
}

pub async fn edit_position(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = org::get_position(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(p.unit_id))?;
    let sections = org::list_sections(&state.store, &caller.principal, p.unit_id).await?;
    let raw = RawPosition {
        name: p.name,
        section_id: p.section_id,
        hot_personnel: p.hot_personnel,
        hot_finance: p.hot_finance,
        hot_affairs: p.hot_affairs,
    };
    let mut form =
        position_form(lang, format!("/staff/positions/{id}"), &raw, &sections, Some(p.active), "action-save");
    form.cancel = Some((format!("/staff/units/{}", p.unit_id), lang.t("action-cancel")));
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-edit-position", "units"), intro: None, form })?
        .into_response())
}

pub async fn update_position(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    let existing = org::get_position(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(existing.unit_id))?;
    let (raw, result) = save_position(&state, &caller, &form, (None, Some(id))).await;
    match result {
        Ok(p) => Ok(see_other(&format!("/staff/units/{}", p.unit_id))),
        Err(err) => {
            let sections = org::list_sections(&state.store, &caller.principal, existing.unit_id).await?;
            form_failure(err, |errors, status| {
                let form = position_form(
                    lang,
                    format!("/staff/positions/{id}"),
                    &raw,
                    &sections,
                    Some(form.flag("active")),
                    "action-save",
                )
                .with_errors(lang, errors);
                form_response(lang, &caller, "page-edit-position", "units", form, status)
            })
        }
    }
}

// ---------------------------------------------------------------- persons

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonQuery {
    unit_id: String,
    q: String,
    tier: String,
    page: Option<u64>,
}

const PER_PAGE: u64 = 50;

pub async fn persons(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<PersonQuery>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let filter = PersonFilter {
        unit_id: q.unit_id.parse().ok(),
        q: Some(q.q.clone()),
        tier: Some(q.tier.clone()),
        include_inactive: false,
    };
    let found = org::list_persons(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let units =
        org::list_units(&state.store, &caller.principal, &UnitFilter { include_inactive: true, ..Default::default() })
            .await?;
    let unit_names: HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let mut table =
        Table::new(lang, "persons", &["col-person-name", "col-unit", "col-tier", "col-actions"], "empty-persons");
    table.counted(lang, found.total);
    for p in found.persons {
        let can_edit = authorize(&caller.principal, Action::ManageUnitStaff, Target::Unit(p.unit_id)).is_ok();
        table.rows.push(vec![
            Cell::Text(p.name.clone()),
            unit_names.get(&p.unit_id).map_or(Cell::Text(String::new()), |u| Cell::Link {
                href: format!("/staff/units/{}", u.id),
                text: u.name.clone(),
            }),
            Cell::Text(tier_label(lang, &p.tier)),
            if can_edit {
                Cell::Link { href: format!("/staff/persons/{}/edit", p.id), text: lang.t("action-edit") }
            } else {
                Cell::Text(String::new())
            },
        ]);
    }
    let query = [("unit_id", q.unit_id.clone()), ("q", q.q.clone()), ("tier", q.tier.clone())];
    paginate(&mut table, "/staff/persons", &query, page, PER_PAGE);
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let export_query = [("unit_id", &q.unit_id), ("q", &q.q), ("tier", &q.tier)];
    let export_href = format!(
        "/staff/exports/persons.xlsx?{}",
        serde_urlencoded::to_string(export_query.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>())
            .unwrap_or_default()
    );
    let filter = Form::new(
        lang,
        "/staff/persons".into(),
        vec![
            Field::new(lang, "q", "field-search", FieldKind::Text).value(q.q),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options)).value(q.unit_id),
            Field::new(lang, "tier", "field-tier", FieldKind::Select(tier_options(lang, true))).value(q.tier),
        ],
        "action-filter",
    );
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-persons", "persons"),
        actions: vec![(export_href, lang.t("action-export"))],
        filter: Some(filter),
        table,
        create: None,
    };
    table_response(&page)
}

fn raw_person(form: &FormData, errors: &mut FieldErrors) -> RawPerson {
    RawPerson {
        name: form.get("name").to_owned(),
        tier: form.get("tier").to_owned(),
        section_id: take_id(form, errors, "section_id"),
        position_id: take_id(form, errors, "position_id"),
    }
}

fn person_form(
    lang: Lang,
    action: String,
    raw: &RawPerson,
    sections: &[section::Model],
    positions: &[position::Model],
    active: Option<bool>,
    submit: &str,
) -> Form {
    let mut fields = vec![
        Field::new(lang, "name", "field-person-name", FieldKind::Text).required().value(&raw.name),
        Field::new(lang, "tier", "field-tier", FieldKind::Select(choose_first(lang, tier_options(lang, false))))
            .required()
            .value(&raw.tier),
        Field::new(
            lang,
            "section_id",
            "field-section",
            FieldKind::Select(id_options(lang, sections, |s| s.id, |s| s.name.clone())),
        )
        .value(raw.section_id.map(|i| i.to_string()).unwrap_or_default()),
        Field::new(
            lang,
            "position_id",
            "field-position",
            FieldKind::Select(id_options(lang, positions, |p| p.id, |p| p.name.clone())),
        )
        .value(raw.position_id.map(|i| i.to_string()).unwrap_or_default()),
    ];
    if let Some(active) = active {
        fields.push(Field::new(lang, "active", "field-active", FieldKind::Checkbox).value(active.to_string()));
    }
    Form::new(lang, action, fields, submit)
}

pub async fn create_person(
    State(state): State<AppState>,
    lang: Lang,
    Path(unit_id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUnitStaff, Target::Unit(unit_id))?;
    let mut errors = FieldErrors::new();
    let raw = raw_person(&form, &mut errors);
    let result = match PersonInput::parse(&raw) {
        Ok(input) if errors.is_empty() => {
            org::create_person(&state.store, &caller.principal, unit_id, &input).await.map_err(AppError::from)
        }
        Ok(_) => Err(errors.into()),
        Err(more) => Err(more.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/units/{unit_id}"))),
        Err(err) => {
            let sections = org::list_sections(&state.store, &caller.principal, unit_id).await?;
            let positions = org::list_positions(&state.store, &caller.principal, unit_id).await?;
            form_failure(err, |errors, status| {
                let form = person_form(
                    lang,
                    format!("/staff/units/{unit_id}/persons"),
                    &raw,
                    &sections,
                    &positions,
                    None,
                    "action-add-person",
                )
                .with_errors(lang, errors);
                form_response(lang, &caller, "page-new-person", "units", form, status)
            })
        }
    }
}

pub async fn edit_person(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = org::get_person(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(p.unit_id))?;
    let sections = org::list_sections(&state.store, &caller.principal, p.unit_id).await?;
    let positions = org::list_positions(&state.store, &caller.principal, p.unit_id).await?;
    let raw = RawPerson { name: p.name, tier: p.tier, section_id: p.section_id, position_id: p.position_id };
    let mut form =
        person_form(lang, format!("/staff/persons/{id}"), &raw, &sections, &positions, Some(p.active), "action-save");
    form.cancel = Some((format!("/staff/units/{}", p.unit_id), lang.t("action-cancel")));
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-edit-person", "persons"), intro: None, form })?
        .into_response())
}

pub async fn update_person(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    let existing = org::get_person(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageUnitStaff, Target::Unit(existing.unit_id))?;
    let mut errors = FieldErrors::new();
    let raw = raw_person(&form, &mut errors);
    let active = form.flag("active");
    let result = match PersonInput::parse(&raw) {
        Ok(input) if errors.is_empty() => {
            org::update_person(&state.store, &caller.principal, id, &input, active).await.map_err(AppError::from)
        }
        Ok(_) => Err(errors.into()),
        Err(more) => Err(more.into()),
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/staff/units/{}", p.unit_id))),
        Err(err) => {
            let sections = org::list_sections(&state.store, &caller.principal, existing.unit_id).await?;
            let positions = org::list_positions(&state.store, &caller.principal, existing.unit_id).await?;
            form_failure(err, |errors, status| {
                let form = person_form(
                    lang,
                    format!("/staff/persons/{id}"),
                    &raw,
                    &sections,
                    &positions,
                    Some(active),
                    "action-save",
                )
                .with_errors(lang, errors);
                form_response(lang, &caller, "page-edit-person", "persons", form, status)
            })
        }
    }
}
