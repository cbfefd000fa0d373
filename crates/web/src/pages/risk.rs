//! The risk register's pages: risk points with their five-step finding, level
//! decisions and prevention measures; a unit's risk search; the risk model and its
//! versions; heat maps; the measure list with its gaps. Levels are always written in
//! words beside their colour, both from the model in force.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::org::PersonTier;
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_domain::risk::heatmap::{self, HeatMap};
use sunlight_domain::risk::model::Scale;
use sunlight_domain::risk::{
    Factor, FindingStep, LevelStage, MeasureStatus, Mechanism, Outcome, Phase, RiskKind, RiskModel, ScopeKind,
};
use sunlight_domain::text::Note;
use sunlight_store::entity::{person, risk_measure, risk_point, unit};
use sunlight_store::org::{self, PersonFilter, UnitFilter};
use sunlight_store::risk::{self, MeasureFilter, RawMeasure, RawRisk, RiskFilter};

use super::{
    Block, DetailPage, FormPage, TablePage, paginate, render, render_status, require, see_other, table_response,
};
use crate::AppState;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

const PER_PAGE: u64 = 50;

// ---------------------------------------------------------------- words

pub(crate) fn key_label(lang: Lang, family: &str, key: &str) -> String {
    lang.t(&format!("{family}-{}", key.replace('_', "-")))
}

fn options<T: Copy>(
    lang: Lang,
    family: &str,
    all: &[T],
    key: impl Fn(T) -> &'static str,
    first: Option<&str>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = first.map(|k| (String::new(), lang.t(k))).into_iter().collect();
    out.extend(all.iter().map(|v| (key(*v).to_owned(), key_label(lang, family, key(*v)))));
    out
}

/// A level in words: its name and its colour's name, in the page's language.
#[must_use]
pub fn level_words(lang: Lang, model: &RiskModel, rank: i32) -> String {
    match u8::try_from(rank).ok().and_then(|r| model.level(r)) {
        Some(level) => match lang {
            Lang::Zh => format!("{}（{}）", level.name_zh, level.colour_zh),
            Lang::En => format!("{} ({})", level.name_en, level.colour_en),
        },
        None => lang.t_args("risk-level-unknown", &[("rank", rank.into())]),
    }
}

pub(crate) fn level_cell(lang: Lang, model: &RiskModel, rank: Option<i32>) -> Cell {
    match rank.and_then(|r| u8::try_from(r).ok()).and_then(|r| model.level(r)) {
        Some(level) => Cell::Level {
            colour: level.colour.as_str().to_owned(),
            text: level_words(lang, model, i32::from(level.rank)),
        },
        None => Cell::Text(rank.map_or_else(|| lang.t("risk-level-none"), |r| level_words(lang, model, r))),
    }
}

fn level_options(lang: Lang, model: &RiskModel, first: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = first.map(|k| (String::new(), lang.t(k))).into_iter().collect();
    out.extend(model.levels().iter().map(|l| (l.rank.to_string(), level_words(lang, model, i32::from(l.rank)))));
    out
}

fn grade_max(model: &RiskModel, factor: Factor) -> u8 {
    model
        .config()
        .factors
        .iter()
        .find(|f| f.factor == factor)
        .and_then(|f| match f.scale {
            Scale::Grade { max } => Some(max),
            Scale::Count { .. } => None,
        })
        .unwrap_or(5)
}

fn optional_text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

fn grade_text(value: Option<i32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

async fn unit_names(state: &AppState, caller: &Caller) -> Result<HashMap<i64, String>, AppError> {
    let units =
        org::list_units(&state.store, &caller.principal, &UnitFilter { include_inactive: true, ..Default::default() })
            .await?;
    Ok(units.into_iter().map(|u| (u.id, u.name)).collect())
}

fn may(caller: &Caller, action: Action, unit_id: i64) -> bool {
    authorize(&caller.principal, action, Target::Unit(unit_id)).is_ok()
}

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RiskQuery {
    q: String,
    unit_id: String,
    kind: String,
    scope_kind: String,
    holder_tier: String,
    level_rank: String,
    finding_step: String,
    /// A cadre holding the points (from a unit's risk search).
    holder: String,
    page: Option<u64>,
}

#[allow(clippy::too_many_lines)] // seven filters and the table they filter
pub async fn risks(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<RiskQuery>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let filter = RiskFilter {
        unit_id: q.unit_id.parse().ok(),
        kind: Some(q.kind.clone()),
        scope_kind: Some(q.scope_kind.clone()),
        holder_tier: Some(q.holder_tier.clone()),
        holder_person_id: q.holder.parse().ok(),
        level_rank: q.level_rank.parse().ok(),
        finding_step: Some(q.finding_step.clone()),
        q: Some(q.q.clone()),
    };
    let found = risk::list_risks(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let model = risk::active_model(&state.store).await?;
    let names = unit_names(&state, &caller).await?;
    let mut table = Table::new(
        lang,
        "risks",
        &[
            "col-risk-description",
            "col-unit",
            "col-risk-kind",
            "col-risk-scope",
            "col-holder-tier",
            "col-finding-step",
            "col-level",
        ],
        "empty-risks",
    );
    table.counted(lang, found.total);
    for p in found.points {
        table.rows.push(vec![
            Cell::Link { href: format!("/staff/risks/{}", p.id), text: p.description.clone() },
            Cell::Text(names.get(&p.unit_id).cloned().unwrap_or_default()),
            Cell::Text(key_label(lang, "risk-kind", &p.kind)),
            Cell::Text(key_label(lang, "scope-kind", &p.scope_kind)),
            Cell::Text(key_label(lang, "tier", &p.holder_tier)),
            Cell::Text(
                p.finding_step
                    .as_deref()
                    .map_or_else(|| lang.t("finding-step-none"), |s| key_label(lang, "finding-step", s)),
            ),
            level_cell(lang, &model, p.level_rank),
        ]);
    }
    let query = [
        ("q", q.q.clone()),
        ("unit_id", q.unit_id.clone()),
        ("kind", q.kind.clone()),
        ("scope_kind", q.scope_kind.clone()),
        ("holder_tier", q.holder_tier.clone()),
        ("level_rank", q.level_rank.clone()),
        ("finding_step", q.finding_step.clone()),
        ("holder", q.holder.clone()),
    ];
    paginate(&mut table, "/staff/risks", &query, page, PER_PAGE);
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    let mut sorted: Vec<(&i64, &String)> = names.iter().collect();
    sorted.sort();
    unit_options.extend(sorted.into_iter().map(|(id, name)| (id.to_string(), name.clone())));
    let mut levels = level_options(lang, &model, Some("option-any"));
    levels.push(("0".into(), lang.t("risk-level-none")));
    let mut steps = options(lang, "finding-step", FindingStep::ALL, FindingStep::key, Some("option-any"));
    steps.push(("none".into(), lang.t("finding-step-none")));
    let filter = Form::new(
        lang,
        "/staff/risks".into(),
        vec![
            Field::new(lang, "q", "field-search", FieldKind::Text).value(q.q),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options)).value(q.unit_id),
            Field::new(
                lang,
                "kind",
                "field-risk-kind",
                FieldKind::Select(options(lang, "risk-kind", RiskKind::ALL, RiskKind::key, Some("option-any"))),
            )
            .value(q.kind),
            Field::new(
                lang,
                "scope_kind",
                "field-scope-kind",
                FieldKind::Select(options(lang, "scope-kind", ScopeKind::ALL, ScopeKind::key, Some("option-any"))),
            )
            .value(q.scope_kind),
            Field::new(
                lang,
                "holder_tier",
                "field-holder-tier",
                FieldKind::Select(options(lang, "tier", PersonTier::ALL, PersonTier::key, Some("option-any"))),
            )
            .value(q.holder_tier),
            Field::new(lang, "level_rank", "field-level", FieldKind::Select(levels)).value(q.level_rank),
            Field::new(lang, "finding_step", "field-finding-step", FieldKind::Select(steps)).value(q.finding_step),
        ],
        "action-filter",
    );
    let mut actions = Vec::new();
    if authorize(&caller.principal, Action::ManageRisks, Target::County).is_ok() {
        actions.push(("/staff/risks/new".to_owned(), lang.t("action-new-risk")));
    }
    actions.push(("/staff/measures".to_owned(), lang.t("nav-measures")));
    actions.push(("/staff/risk-heatmap".to_owned(), lang.t("nav-risk-heatmap")));
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-risks", "risks"),
        actions,
        filter: Some(filter),
        table,
        create: None,
    };
    table_response(&page)
}

// ---------------------------------------------------------------- create and edit

/// Values a risk form shows: what was stored or typed.
#[derive(Debug, Clone, Default)]
struct RiskValues {
    unit_id: String,
    scope: String,
    kind: String,
    description: String,
    holder_tier: String,
    holder_person_id: String,
    method: String,
    importance: String,
    frequency: String,
    probability: String,
    harm: String,
    flow_step: String,
}

impl RiskValues {
    fn of(point: &risk_point::Model) -> Self {
        Self {
            unit_id: point.unit_id.to_string(),
            scope: format!("{}:{}", point.scope_kind, point.scope_target),
            kind: point.kind.clone(),
            description: point.description.clone(),
            holder_tier: point.holder_tier.clone(),
            holder_person_id: point.holder_person_id.map(|p| p.to_string()).unwrap_or_default(),
            method: point.method.clone(),
            importance: grade_text(point.importance),
            frequency: grade_text(point.frequency),
            probability: grade_text(point.probability),
            harm: grade_text(point.harm),
            flow_step: point.flow_step.clone().unwrap_or_default(),
        }
    }

    fn from_form(form: &FormData) -> Self {
        Self {
            unit_id: form.get("unit_id").to_owned(),
            scope: form.get("scope").to_owned(),
            kind: form.get("kind").to_owned(),
            description: form.get("description").to_owned(),
            holder_tier: form.get("holder_tier").to_owned(),
            holder_person_id: form.get("holder_person_id").to_owned(),
            method: form.get("method").to_owned(),
            importance: form.get("importance").to_owned(),
            frequency: form.get("frequency").to_owned(),
            probability: form.get("probability").to_owned(),
            harm: form.get("harm").to_owned(),
            flow_step: form.get("flow_step").to_owned(),
        }
    }

    /// The raw input; form-level errors (numbers, the scope choice) go to `errors`.
    fn raw(&self, errors: &mut FieldErrors) -> (Option<i64>, RawRisk) {
        let number = |errors: &mut FieldErrors, name: &str, value: &str| -> Option<i64> {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            errors.take(name, value.parse::<i64>().map_err(|_| FieldError::new("not_a_number")))
        };
        let unit_id = number(errors, "unit_id", &self.unit_id);
        if unit_id.is_none() && self.unit_id.trim().is_empty() {
            errors.add("unit_id", FieldError::new("required"));
        }
        let (scope_kind, scope_target) = match self.scope.split_once(':') {
            Some((kind, id)) => (kind.to_owned(), number(errors, "scope", id)),
            None if self.scope.trim().is_empty() => (String::new(), None),
            None => {
                errors.add("scope", FieldError::new("unknown_value"));
                (String::new(), None)
            }
        };
        let raw = RawRisk {
            scope_kind,
            scope_target,
            kind: self.kind.clone(),
            description: self.description.clone(),
            holder_tier: self.holder_tier.clone(),
            holder_person_id: number(errors, "holder_person_id", &self.holder_person_id),
            method: self.method.clone(),
            importance: number(errors, "importance", &self.importance),
            frequency: number(errors, "frequency", &self.frequency),
            probability: number(errors, "probability", &self.probability),
            harm: number(errors, "harm", &self.harm),
            flow_step: Some(self.flow_step.clone()),
        };
        (unit_id, raw)
    }
}

/// The store names the scope's two parts; the form has one choice for both.
fn form_errors(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (name, error) in errors.iter() {
        let name = if matches!(name.as_str(), "scope_kind" | "scope_target") { "scope" } else { name.as_str() };
        out.add(name, error.clone());
    }
    out
}

async fn risk_form(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    action: String,
    unit_id: i64,
    values: &RiskValues,
) -> Result<Form, AppError> {
    let model = risk::active_model(&state.store).await?;
    let unit = org::get_unit(&state.store, &caller.principal, unit_id).await?;
    let targets = risk::scope_targets(&state.store, &caller.principal, unit_id).await?;
    let mut scope_options = vec![(String::new(), lang.t("option-choose"))];
    scope_options.extend(targets.iter().map(|t| {
        (format!("{}:{}", t.kind.key(), t.id), format!("{} · {}", key_label(lang, "scope-kind", t.kind.key()), t.name))
    }));
    let persons = org::list_persons(
        &state.store,
        &caller.principal,
        &PersonFilter { unit_id: Some(unit_id), ..Default::default() },
        1,
        10_000,
    )
    .await?
    .persons;
    let mut person_options = vec![(String::new(), lang.t("option-none"))];
    person_options.extend(
        persons.iter().map(|p| (p.id.to_string(), format!("{}（{}）", p.name, key_label(lang, "tier", &p.tier)))),
    );
    let grade = |name: &'static str, label: &str, factor: Factor, value: &str| {
        let mut options = vec![(String::new(), lang.t("option-none"))];
        options.extend((1..=grade_max(&model, factor)).map(|g| (g.to_string(), g.to_string())));
        Field::new(lang, name, label, FieldKind::Select(options)).value(value)
    };
    let method = if values.method.is_empty() { lang.t("risk-method-default") } else { values.method.clone() };
    let fields = vec![
        Field::new(lang, "unit_id", "field-unit", FieldKind::Select(vec![(unit.id.to_string(), unit.name.clone())]))
            .required()
            .value(unit.id.to_string()),
        Field::new(lang, "scope", "field-risk-scope", FieldKind::Select(scope_options))
            .required()
            .value(values.scope.clone()),
        Field::new(
            lang,
            "kind",
            "field-risk-kind",
            FieldKind::Select(options(lang, "risk-kind", RiskKind::ALL, RiskKind::key, Some("option-choose"))),
        )
        .required()
        .value(values.kind.clone()),
        Field::new(lang, "description", "field-risk-description", FieldKind::TextArea)
            .required()
            .value(values.description.clone()),
        Field::new(lang, "flow_step", "field-risk-flow-step", FieldKind::Text)
            .value(values.flow_step.clone())
            .help(lang.t("help-risk-flow-step")),
        Field::new(
            lang,
            "holder_tier",
            "field-holder-tier",
            FieldKind::Select(options(lang, "tier", PersonTier::ALL, PersonTier::key, Some("option-choose"))),
        )
        .required()
        .value(values.holder_tier.clone()),
        Field::new(lang, "holder_person_id", "field-holder", FieldKind::Select(person_options))
            .value(values.holder_person_id.clone()),
        Field::new(lang, "method", "field-risk-method", FieldKind::Text).required().value(method),
        grade("importance", "field-importance", Factor::Importance, &values.importance),
        grade("frequency", "field-frequency", Factor::Frequency, &values.frequency),
        grade("probability", "field-probability", Factor::Probability, &values.probability),
        grade("harm", "field-harm", Factor::Harm, &values.harm).help(lang.t("help-risk-grades")),
    ];
    let mut form = Form::new(lang, action, fields, "action-save");
    form.cancel = Some(("/staff/risks".into(), lang.t("action-cancel")));
    Ok(form)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewRiskQuery {
    unit_id: String,
}

/// Units the caller may record risks for.
async fn manageable_units(state: &AppState, caller: &Caller) -> Result<Vec<unit::Model>, AppError> {
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    Ok(units.into_iter().filter(|u| may(caller, Action::ManageRisks, u.id)).collect())
}

pub async fn new_risk(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<NewRiskQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let units = manageable_units(&state, &caller).await?;
    let chosen = q.unit_id.parse::<i64>().ok().or_else(|| (units.len() == 1).then(|| units[0].id));
    let Some(unit_id) = chosen else {
        // First choose the unit: its sections, positions, powers and cadres fill the form.
        let mut table = Table::new(lang, "units", &["col-unit", "col-actions"], "empty-units");
        table.counted(lang, units.len() as u64);
        for u in units {
            table.rows.push(vec![
                Cell::Text(u.name.clone()),
                Cell::Link { href: format!("/staff/risks/new?unit_id={}", u.id), text: lang.t("action-new-risk") },
            ]);
        }
        let page = TablePage {
            c: Chrome::new(lang, &caller, "page-new-risk", "risks"),
            actions: Vec::new(),
            filter: None,
            table,
            create: None,
        };
        return table_response(&page);
    };
    require(&caller, Action::ManageRisks, Target::Unit(unit_id))?;
    let form = risk_form(&state, lang, &caller, "/staff/risks".into(), unit_id, &RiskValues::default()).await?;
    Ok(render(&FormPage {
        c: Chrome::new(lang, &caller, "page-new-risk", "risks"),
        intro: Some(lang.t("intro-new-risk")),
        form,
    })?
    .into_response())
}

pub async fn create_risk(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let values = RiskValues::from_form(&form);
    let mut errors = FieldErrors::new();
    let (unit_id, raw) = values.raw(&mut errors);
    let Some(unit_id) = unit_id else {
        return Err(AppError::Invalid(errors));
    };
    require(&caller, Action::ManageRisks, Target::Unit(unit_id))?;
    let result = match raw.parse_for(&risk::active_model(&state.store).await?) {
        Ok(input) if errors.is_empty() => {
            risk::create_risk(&state.store, &caller.principal, unit_id, &input).await.map_err(AppError::from)
        }
        Ok(_) => Err(AppError::Invalid(errors)),
        Err(more) => {
            errors.merge(&more);
            Err(AppError::Invalid(errors))
        }
    };
    match result {
        Ok(created) => Ok(see_other(&format!("/staff/risks/{}", created.id))),
        Err(AppError::Invalid(errors)) => {
            let form = risk_form(&state, lang, &caller, "/staff/risks".into(), unit_id, &values)
                .await?
                .with_errors(lang, &form_errors(&errors));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage { c: Chrome::new(lang, &caller, "page-new-risk", "risks"), intro: None, form },
            )
        }
        Err(other) => Err(other),
    }
}

pub async fn edit_risk(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let point = risk::get_risk(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageRisks, Target::Unit(point.unit_id))?;
    let form =
        risk_form(&state, lang, &caller, format!("/staff/risks/{id}"), point.unit_id, &RiskValues::of(&point)).await?;
    Ok(render(&FormPage { c: Chrome::new(lang, &caller, "page-edit-risk", "risks"), intro: None, form })?
        .into_response())
}

pub async fn update_risk(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let point = risk::get_risk(&state.store, &caller.principal, id).await?;
    require(&caller, Action::ManageRisks, Target::Unit(point.unit_id))?;
    let mut values = RiskValues::from_form(&form);
    values.unit_id = point.unit_id.to_string();
    let mut errors = FieldErrors::new();
    let (_, raw) = values.raw(&mut errors);
    let result = match raw.parse_for(&risk::active_model(&state.store).await?) {
        Ok(input) if errors.is_empty() => {
            risk::update_risk(&state.store, &caller.principal, id, &input).await.map_err(AppError::from)
        }
        Ok(_) => Err(AppError::Invalid(errors)),
        Err(more) => {
            errors.merge(&more);
            Err(AppError::Invalid(errors))
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/risks/{id}"))),
        Err(AppError::Invalid(errors)) => {
            let form = risk_form(&state, lang, &caller, format!("/staff/risks/{id}"), point.unit_id, &values)
                .await?
                .with_errors(lang, &form_errors(&errors));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage { c: Chrome::new(lang, &caller, "page-edit-risk", "risks"), intro: None, form },
            )
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------- detail

/// A form of the detail page that failed, shown again with its errors.
struct Failed {
    block: &'static str,
    errors: FieldErrors,
    form: FormData,
}

impl Failed {
    fn value(&self, block: &str, name: &str) -> Option<String> {
        (self.block == block).then(|| self.form.get(name).to_owned())
    }
}

fn step_form(lang: Lang, id: i64, next: FindingStep, failed: Option<&Failed>) -> Form {
    let fields = vec![
        Field::new(
            lang,
            "step",
            "field-finding-step",
            FieldKind::Select(options(lang, "finding-step", FindingStep::ALL, FindingStep::key, None)),
        )
        .required()
        .value(failed.and_then(|f| f.value("step", "step")).unwrap_or_else(|| next.key().to_owned())),
        Field::new(lang, "comment", "field-comment", FieldKind::TextArea)
            .value(failed.and_then(|f| f.value("step", "comment")).unwrap_or_default()),
    ];
    let form = Form::new(lang, format!("/staff/risks/{id}/steps"), fields, "action-record-step");
    match failed.filter(|f| f.block == "step") {
        Some(f) => form.with_errors(lang, &f.errors),
        None => form,
    }
}

fn level_form(
    lang: Lang,
    model: &RiskModel,
    id: i64,
    next: LevelStage,
    suggested: Option<u8>,
    failed: Option<&Failed>,
) -> Form {
    let fields = vec![
        Field::new(
            lang,
            "stage",
            "field-level-stage",
            FieldKind::Select(options(lang, "level-stage", LevelStage::ALL, LevelStage::key, None)),
        )
        .required()
        .value(failed.and_then(|f| f.value("level", "stage")).unwrap_or_else(|| next.key().to_owned())),
        Field::new(lang, "rank", "field-level", FieldKind::Select(level_options(lang, model, Some("option-choose"))))
            .required()
            .value(
                failed
                    .and_then(|f| f.value("level", "rank"))
                    .unwrap_or_else(|| suggested.map(|r| r.to_string()).unwrap_or_default()),
            ),
        Field::new(lang, "decision_comment", "field-comment", FieldKind::TextArea)
            .value(failed.and_then(|f| f.value("level", "decision_comment")).unwrap_or_default()),
    ];
    let form = Form::new(lang, format!("/staff/risks/{id}/levels"), fields, "action-decide-level");
    match failed.filter(|f| f.block == "level") {
        Some(f) => form.with_errors(lang, &f.errors),
        None => form,
    }
}

fn measure_form(lang: Lang, id: i64, failed: Option<&Failed>) -> Form {
    let value = |name: &str| failed.and_then(|f| f.value("measure", name)).unwrap_or_default();
    let fields = vec![
        Field::new(
            lang,
            "phase",
            "field-phase",
            FieldKind::Select(options(lang, "phase", Phase::ALL, Phase::key, Some("option-choose"))),
        )
        .required()
        .value(value("phase")),
        Field::new(
            lang,
            "mechanism",
            "field-mechanism",
            FieldKind::Select(options(lang, "mechanism", Mechanism::ALL, Mechanism::key, Some("option-choose"))),
        )
        .required()
        .value(value("mechanism")),
        Field::new(lang, "description", "field-measure-description", FieldKind::TextArea)
            .required()
            .value(value("description")),
        Field::new(lang, "owner", "field-owner", FieldKind::Text).required().value(value("owner")),
        Field::new(lang, "due", "field-due", FieldKind::Date).required().value(value("due")),
        Field::new(
            lang,
            "status",
            "field-measure-status",
            FieldKind::Select(options(lang, "measure-status", MeasureStatus::ALL, MeasureStatus::key, None)),
        )
        .value(value("status")),
    ];
    let form = Form::new(lang, format!("/staff/risks/{id}/measures"), fields, "action-add-measure");
    match failed.filter(|f| f.block == "measure") {
        Some(f) => form.with_errors(lang, &f.errors),
        None => form,
    }
}

fn measure_row(lang: Lang, m: &risk_measure::Model, today: chrono::NaiveDate, can_manage: bool) -> Vec<Cell> {
    let overdue = m.status != "done" && today > m.due;
    // One step forward: planned → in progress → done.
    let actions = match m.status.as_str() {
        "planned" if can_manage => Cell::Post {
            action: format!("/staff/measures/{}/status?status=in_progress", m.id),
            label: lang.t("action-start-measure"),
            confirm: lang.t("confirm-start-measure"),
        },
        "in_progress" if can_manage => Cell::Post {
            action: format!("/staff/measures/{}/status?status=done", m.id),
            label: lang.t("action-mark-done"),
            confirm: lang.t("confirm-mark-done"),
        },
        _ => Cell::Text(String::new()),
    };
    vec![
        Cell::Text(key_label(lang, "phase", &m.phase)),
        Cell::Text(key_label(lang, "mechanism", &m.mechanism)),
        Cell::Text(m.description.clone()),
        Cell::Text(m.owner.clone()),
        Cell::Text(m.due.to_string()),
        if overdue {
            Cell::Badge {
                class: "off",
                text: format!("{} · {}", key_label(lang, "measure-status", &m.status), lang.t("state-overdue")),
            }
        } else {
            Cell::Text(key_label(lang, "measure-status", &m.status))
        },
        actions,
    ]
}

#[allow(clippy::too_many_lines)] // the facts, then three related tables each with its form
async fn detail_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    failed: Option<&Failed>,
) -> Result<DetailPage, AppError> {
    let detail = risk::risk_detail(&state.store, &caller.principal, id).await?;
    let model = risk::active_model(&state.store).await?;
    let p = &detail.point;
    let unit = org::get_unit(&state.store, &caller.principal, p.unit_id).await?;
    let target = risk::scope_target_name(&state.store, p).await?.unwrap_or_default();
    let holder: Option<person::Model> = match p.holder_person_id {
        Some(pid) => org::get_person(&state.store, &caller.principal, pid).await.ok(),
        None => None,
    };
    let grades = [
        ("field-importance", p.importance),
        ("field-frequency", p.frequency),
        ("field-probability", p.probability),
        ("field-harm", p.harm),
    ]
    .iter()
    .map(|(k, v)| format!("{} {}", lang.t(k), v.map_or_else(|| "—".to_owned(), |g| g.to_string())))
    .collect::<Vec<_>>()
    .join(" · ");
    let assessment = detail.assessment.map_or_else(
        || lang.t("risk-not-scored"),
        |a| {
            lang.t_args(
                "risk-assessment",
                &[
                    ("score", a.score.to_string().into()),
                    ("level", level_words(lang, &model, i32::from(a.rank)).into()),
                    ("version", detail.model_version.into()),
                ],
            )
        },
    );
    let facts = vec![
        (lang.t("field-unit"), unit.name.clone()),
        (lang.t("field-risk-scope"), format!("{} · {target}", key_label(lang, "scope-kind", &p.scope_kind))),
        (lang.t("field-risk-kind"), key_label(lang, "risk-kind", &p.kind)),
        (lang.t("field-risk-description"), p.description.clone()),
        (lang.t("field-risk-flow-step"), p.flow_step.clone().unwrap_or_else(|| "—".into())),
        (lang.t("field-holder-tier"), key_label(lang, "tier", &p.holder_tier)),
        (lang.t("field-holder"), holder.map_or_else(|| "—".into(), |h| h.name)),
        (lang.t("field-risk-method"), p.method.clone()),
        (lang.t("heading-risk-grades"), grades),
        (lang.t("heading-risk-score"), assessment),
        (
            lang.t("field-level"),
            p.level_rank.map_or_else(|| lang.t("risk-level-none"), |r| level_words(lang, &model, r)),
        ),
        (
            lang.t("field-finding-step"),
            p.finding_step
                .as_deref()
                .map_or_else(|| lang.t("finding-step-none"), |s| key_label(lang, "finding-step", s)),
        ),
    ];

    let mut steps =
        Table::new(lang, "risk-steps", &["col-finding-step", "col-actor", "col-at", "col-comment"], "empty-risk-steps");
    steps.counted(lang, detail.steps.len() as u64);
    for s in &detail.steps {
        steps.rows.push(vec![
            Cell::Text(format!(
                "{}. {}",
                FindingStep::ALL.iter().position(|f| f.key() == s.step).map_or(0, |i| i + 1),
                key_label(lang, "finding-step", &s.step)
            )),
            Cell::Text(s.actor.clone()),
            Cell::Text(local_time(&s.at.to_rfc3339())),
            Cell::Text(optional_text(s.comment.as_deref())),
        ]);
    }
    let step_form = detail
        .next_step
        .filter(|next| may(caller, risk::step_action(*next), p.unit_id))
        .map(|next| step_form(lang, id, next, failed));

    let mut levels = Table::new(
        lang,
        "risk-levels",
        &["col-level-stage", "col-level", "col-score", "col-model-version", "col-actor", "col-at", "col-comment"],
        "empty-risk-levels",
    );
    levels.counted(lang, detail.levels.len() as u64);
    for l in &detail.levels {
        levels.rows.push(vec![
            Cell::Text(key_label(lang, "level-stage", &l.stage)),
            level_cell(lang, &model, Some(l.rank)),
            Cell::Text(l.score.map(|s| format!("{}.{}", s / 10, s % 10)).unwrap_or_default()),
            Cell::Text(l.model_version.to_string()),
            Cell::Text(l.actor.clone()),
            Cell::Text(local_time(&l.at.to_rfc3339())),
            Cell::Text(optional_text(l.comment.as_deref())),
        ]);
    }
    let level_form = may(caller, risk::stage_action(detail.next_stage), p.unit_id)
        .then(|| level_form(lang, &model, id, detail.next_stage, detail.assessment.map(|a| a.rank), failed));

    let can_manage = may(caller, Action::ManageRisks, p.unit_id);
    let today = risk::today_in_county();
    let mut measures = Table::new(
        lang,
        "risk-measures",
        &["col-phase", "col-mechanism", "col-measure", "col-owner", "col-due", "col-state", "col-actions"],
        "empty-measures",
    );
    measures.counted(lang, detail.measures.len() as u64);
    for m in &detail.measures {
        measures.rows.push(measure_row(lang, m, today, can_manage));
    }
    let mut actions = Vec::new();
    if can_manage {
        actions.push((format!("/staff/risks/{id}/edit"), lang.t("action-edit")));
    }
    actions.push((format!("/staff/risk-search?unit={}", p.unit_id), lang.t("nav-risk-search")));
    let mut c = Chrome::new(lang, caller, "page-risk", "risks");
    c.title = format!("{} · {}", c.title, unit.name);
    Ok(DetailPage {
        c,
        actions,
        facts,
        blocks: vec![
            Block { heading: lang.t("heading-finding-steps"), table: steps, form: step_form },
            Block { heading: lang.t("heading-level-history"), table: levels, form: level_form },
            Block {
                heading: lang.t("heading-measures"),
                table: measures,
                form: can_manage.then(|| measure_form(lang, id, failed)),
            },
        ],
    })
}

pub async fn risk_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&detail_page(&state, lang, &caller, id, None).await?)?.into_response())
}

/// The detail page again with the failed form's errors (422), or the error itself.
async fn detail_failure(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    block: &'static str,
    form: FormData,
    err: AppError,
) -> Result<Response, AppError> {
    match err {
        AppError::Invalid(errors) => {
            let failed = Failed { block, errors, form };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(state, lang, caller, id, Some(&failed)).await?)
        }
        other => Err(other),
    }
}

/// Only roles that take part in the workflow reach the workflow's forms.
fn require_workflow_role(caller: &Caller) -> Result<(), AppError> {
    let manage = authorize(&caller.principal, Action::ManageRisks, Target::County).is_ok();
    let approve = authorize(&caller.principal, Action::ApproveRisks, Target::County).is_ok();
    if manage || approve { Ok(()) } else { Err(AppError::Forbidden) }
}

pub async fn record_step(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_workflow_role(&caller)?;
    let mut errors = FieldErrors::new();
    let step = errors.take("step", form.get("step").parse::<FindingStep>());
    let comment = errors.take("comment", Note::parse_optional(Some(form.get("comment")))).flatten();
    let result = match step {
        Some(step) if errors.is_empty() => risk::record_step(&state.store, &caller.principal, id, step, comment)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        _ => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/risks/{id}"))),
        Err(err) => detail_failure(&state, lang, &caller, id, "step", form, err).await,
    }
}

/// Parses a level decision's fields.
pub fn parse_level(stage: &str, rank: &str, comment: &str) -> Result<(LevelStage, u8, Option<Note>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let stage = errors.take("stage", stage.parse::<LevelStage>());
    let rank = errors.take(
        "rank",
        match rank.trim() {
            "" => Err(FieldError::new("required")),
            r => r.parse::<u8>().map_err(|_| FieldError::new("unknown_level")),
        },
    );
    let comment = errors.take("comment", Note::parse_optional(Some(comment))).flatten();
    match (stage, rank) {
        (Some(stage), Some(rank)) if errors.is_empty() => Ok((stage, rank, comment)),
        _ => Err(errors),
    }
}

pub async fn decide_level(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require_workflow_role(&caller)?;
    let result = match parse_level(form.get("stage"), form.get("rank"), form.get("decision_comment")) {
        Ok((level_stage, rank, comment)) => {
            risk::decide_level(&state.store, &caller.principal, id, level_stage, rank, comment)
                .await
                .map(|_| ())
                .map_err(AppError::from)
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/risks/{id}"))),
        Err(AppError::Invalid(errors)) => {
            // The page has two comment fields; this form's is `decision_comment`.
            let mut renamed = FieldErrors::new();
            for (name, error) in errors.iter() {
                renamed.add(if name == "comment" { "decision_comment" } else { name }, error.clone());
            }
            detail_failure(&state, lang, &caller, id, "level", form, AppError::Invalid(renamed)).await
        }
        Err(err) => detail_failure(&state, lang, &caller, id, "level", form, err).await,
    }
}

fn raw_measure(form: &FormData) -> RawMeasure {
    RawMeasure {
        phase: form.get("phase").to_owned(),
        mechanism: form.get("mechanism").to_owned(),
        description: form.get("description").to_owned(),
        owner: form.get("owner").to_owned(),
        due: form.get("due").to_owned(),
        status: form.get("status").to_owned(),
    }
}

pub async fn create_measure(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let result = match raw_measure(&form).parse() {
        Ok(input) => {
            risk::create_measure(&state.store, &caller.principal, id, &input).await.map(|_| ()).map_err(AppError::from)
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/risks/{id}"))),
        Err(err) => detail_failure(&state, lang, &caller, id, "measure", form, err).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusQuery {
    status: String,
}

pub async fn set_measure_status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<StatusQuery>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRisks, Target::County)?;
    let raw = if form.get("status").is_empty() { q.status.as_str() } else { form.get("status") };
    let status = raw.parse::<MeasureStatus>().map_err(|e| AppError::Invalid(FieldErrors::from(("status", e))))?;
    let measure = risk::set_measure_status(&state.store, &caller.principal, id, status).await?;
    Ok(see_other(&format!("/staff/risks/{}", measure.risk_point_id)))
}

// ---------------------------------------------------------------- measures

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeasureQuery {
    /// `all` (default), `without` (risk points without a measure) or `overdue`.
    view: String,
    unit_id: String,
    phase: String,
    mechanism: String,
    status: String,
    q: String,
    page: Option<u64>,
}

#[allow(clippy::too_many_lines)] // three views of one list: all, without measure, overdue
pub async fn measures(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<MeasureQuery>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let names = unit_names(&state, &caller).await?;
    let unit_id = q.unit_id.parse::<i64>().ok();
    let today = risk::today_in_county();
    let view = match q.view.as_str() {
        "without" | "overdue" => q.view.as_str(),
        _ => "all",
    };
    let tab = |key: &str, label: &str| {
        let mut pairs = vec![("view", key.to_owned())];
        if !q.unit_id.is_empty() {
            pairs.push(("unit_id", q.unit_id.clone()));
        }
        let marker = if key == view { "▸ " } else { "" };
        (
            format!("/staff/measures?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default()),
            format!("{marker}{}", lang.t(label)),
        )
    };
    let actions = vec![
        tab("all", "tab-measures-all"),
        tab("without", "tab-measures-without"),
        tab("overdue", "tab-measures-overdue"),
    ];
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    let mut sorted: Vec<(&i64, &String)> = names.iter().collect();
    sorted.sort();
    unit_options.extend(sorted.into_iter().map(|(id, name)| (id.to_string(), name.clone())));
    let mut fields = vec![
        Field::new(
            lang,
            "view",
            "field-view",
            FieldKind::Select(vec![
                ("all".into(), lang.t("tab-measures-all")),
                ("without".into(), lang.t("tab-measures-without")),
                ("overdue".into(), lang.t("tab-measures-overdue")),
            ]),
        )
        .value(view),
        Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options)).value(q.unit_id.clone()),
    ];
    let table = if view == "without" {
        let gaps = risk::measure_gaps(&state.store, &caller.principal, unit_id, today).await?;
        let model = risk::active_model(&state.store).await?;
        let mut table =
            Table::new(lang, "measures", &["col-risk-description", "col-unit", "col-level"], "empty-gaps-without");
        table.counted(lang, gaps.without_measure.len() as u64);
        for p in gaps.without_measure {
            table.rows.push(vec![
                Cell::Link { href: format!("/staff/risks/{}", p.id), text: p.description.clone() },
                Cell::Text(names.get(&p.unit_id).cloned().unwrap_or_default()),
                level_cell(lang, &model, p.level_rank),
            ]);
        }
        table
    } else {
        let rows: Vec<risk_measure::Model>;
        let total;
        let mut paged = false;
        if view == "overdue" {
            rows = risk::measure_gaps(&state.store, &caller.principal, unit_id, today).await?.overdue;
            total = rows.len() as u64;
        } else {
            fields.extend([
                Field::new(lang, "q", "field-search", FieldKind::Text).value(q.q.clone()),
                Field::new(
                    lang,
                    "phase",
                    "field-phase",
                    FieldKind::Select(options(lang, "phase", Phase::ALL, Phase::key, Some("option-any"))),
                )
                .value(q.phase.clone()),
                Field::new(
                    lang,
                    "mechanism",
                    "field-mechanism",
                    FieldKind::Select(options(lang, "mechanism", Mechanism::ALL, Mechanism::key, Some("option-any"))),
                )
                .value(q.mechanism.clone()),
                Field::new(
                    lang,
                    "status",
                    "field-measure-status",
                    FieldKind::Select(options(
                        lang,
                        "measure-status",
                        MeasureStatus::ALL,
                        MeasureStatus::key,
                        Some("option-any"),
                    )),
                )
                .value(q.status.clone()),
            ]);
            let filter = MeasureFilter {
                unit_id,
                risk_point_id: None,
                phase: Some(q.phase.clone()),
                mechanism: Some(q.mechanism.clone()),
                status: Some(q.status.clone()),
                q: Some(q.q.clone()),
            };
            let found = risk::list_measures(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
            rows = found.measures;
            total = found.total;
            paged = true;
        }
        let mut table = Table::new(
            lang,
            "measures",
            &[
                "col-risk",
                "col-unit",
                "col-phase",
                "col-mechanism",
                "col-measure",
                "col-owner",
                "col-due",
                "col-state",
                "col-actions",
            ],
            "empty-measures",
        );
        table.counted(lang, total);
        for m in &rows {
            let mut row = vec![
                Cell::Link { href: format!("/staff/risks/{}", m.risk_point_id), text: lang.t("action-open") },
                Cell::Text(names.get(&m.unit_id).cloned().unwrap_or_default()),
            ];
            row.extend(measure_row(lang, m, today, may(&caller, Action::ManageRisks, m.unit_id)));
            table.rows.push(row);
        }
        if paged {
            let query = [
                ("view", "all".to_owned()),
                ("unit_id", q.unit_id.clone()),
                ("phase", q.phase.clone()),
                ("mechanism", q.mechanism.clone()),
                ("status", q.status.clone()),
                ("q", q.q.clone()),
            ];
            paginate(&mut table, "/staff/measures", &query, page, PER_PAGE);
        }
        table
    };
    let filter = Form::new(lang, "/staff/measures".into(), fields, "action-filter");
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-measures", "measures"),
        actions,
        filter: Some(filter),
        table,
        create: None,
    };
    table_response(&page)
}

// ---------------------------------------------------------------- a unit's risk search

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    unit: String,
}

pub async fn risk_search(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let chosen = q.unit.parse::<i64>().ok().or_else(|| (units.len() == 1).then(|| units[0].id));
    let mut unit_options = vec![(String::new(), lang.t("option-choose"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let filter = Form::new(
        lang,
        "/staff/risk-search".into(),
        vec![
            Field::new(lang, "unit", "field-unit", FieldKind::Select(unit_options))
                .value(chosen.map(|c| c.to_string()).unwrap_or_default()),
        ],
        "action-show",
    );
    let mut table = Table::new(
        lang,
        "risk-search",
        &["col-person-name", "col-tier", "col-found-count", "col-found"],
        "empty-risk-search",
    );
    let mut c = Chrome::new(lang, &caller, "page-risk-search", "risk-search");
    if let Some(unit_id) = chosen {
        let summary = risk::search_summary(&state.store, &caller.principal, unit_id).await?;
        c.title = format!("{} · {}", c.title, summary.unit.name);
        table.total = summary.cadres.len() as u64;
        table.count_text = lang.t_args(
            "risk-search-count",
            &[
                ("cadres", summary.cadres.len().into()),
                ("took_part", summary.took_part.into()),
                ("unheld", summary.unheld.len().into()),
            ],
        );
        for cadre in &summary.cadres {
            let found = cadre.found.iter().map(|p| p.description.clone()).collect::<Vec<_>>().join("；");
            table.rows.push(vec![
                Cell::Link {
                    href: format!("/staff/risks?unit_id={unit_id}&holder={}", cadre.person.id),
                    text: cadre.person.name.clone(),
                },
                Cell::Text(key_label(lang, "tier", &cadre.person.tier)),
                if cadre.found.is_empty() {
                    Cell::Text("0".into())
                } else {
                    Cell::Badge { class: "on", text: cadre.found.len().to_string() }
                },
                Cell::Text(found),
            ]);
        }
    }
    let page = TablePage { c, actions: Vec::new(), filter: Some(filter), table, create: None };
    table_response(&page)
}

// ---------------------------------------------------------------- the model

fn model_blocks(lang: Lang, model: &RiskModel) -> Vec<Block> {
    let mut factors = Table::new(lang, "model-factors", &["col-factor", "col-weight", "col-scale"], "empty-model");
    factors.counted(lang, model.config().factors.len() as u64);
    for f in &model.config().factors {
        let scale = match &f.scale {
            Scale::Grade { max } => lang.t_args("risk-scale-grade", &[("max", (*max).into())]),
            Scale::Count { breaks } => lang.t_args(
                "risk-scale-count",
                &[("breaks", breaks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ").into())],
            ),
        };
        factors.rows.push(vec![
            Cell::Text(key_label(lang, "factor", f.factor.key())),
            Cell::Text(f.weight.to_string()),
            Cell::Text(scale),
        ]);
    }
    let mut levels =
        Table::new(lang, "model-levels", &["col-level", "col-rank", "col-min-score", "col-colour"], "empty-model");
    levels.counted(lang, model.levels().len() as u64);
    for (l, config) in model.levels().iter().zip(&model.config().levels) {
        levels.rows.push(vec![
            level_cell(lang, model, Some(i32::from(l.rank))),
            Cell::Text(l.rank.to_string()),
            Cell::Text(config.min_score.to_string()),
            Cell::Mono(l.colour.as_str().to_owned()),
        ]);
    }
    vec![
        Block { heading: lang.t("heading-model-factors"), table: factors, form: None },
        Block { heading: lang.t("heading-model-levels"), table: levels, form: None },
    ]
}

fn publish_form(lang: Lang, action: &str, json: &str, submit: &str) -> Form {
    let fields = vec![
        Field::new(lang, "config", "field-model-config", FieldKind::TextArea)
            .required()
            .value(json)
            .help(lang.t("help-model-config")),
    ];
    Form::new(lang, action.to_owned(), fields, submit)
}

async fn model_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    draft: Option<(&str, Option<&FieldErrors>, Option<Block>)>,
) -> Result<DetailPage, AppError> {
    let model = risk::active_model(&state.store).await?;
    let versions = risk::model_versions(&state.store, &caller.principal).await?;
    let mut blocks = model_blocks(lang, &model);
    let mut table = Table::new(
        lang,
        "model-versions",
        &["col-model-version", "col-state", "col-actor", "col-at"],
        "empty-model-versions",
    );
    table.counted(lang, versions.len() as u64);
    for v in &versions {
        table.rows.push(vec![
            Cell::Text(v.version.to_string()),
            if v.active {
                Cell::Badge { class: "on", text: lang.t("state-in-force") }
            } else {
                Cell::Text(lang.t("state-superseded"))
            },
            Cell::Text(v.actor.clone()),
            Cell::Text(local_time(&v.created_at.to_rfc3339())),
        ]);
    }
    let can_publish = authorize(&caller.principal, Action::ManageRiskModel, Target::County).is_ok();
    let mut preview_block = None;
    let form = can_publish.then(|| {
        let (json, errors) = if let Some((json, errors, _)) = &draft {
            ((*json).to_owned(), *errors)
        } else {
            let mut next = model.config().clone();
            next.version += 1;
            (serde_json::to_string_pretty(&next).unwrap_or_default(), None)
        };
        let form = publish_form(lang, "/staff/risk-model/preview", &json, "action-preview-model");
        match errors {
            Some(e) => form.with_errors(lang, e),
            None => form,
        }
    });
    if let Some((_, _, block)) = draft {
        preview_block = block;
    }
    blocks.push(Block { heading: lang.t("heading-model-versions"), table, form });
    if let Some(block) = preview_block {
        blocks.push(block);
    }
    let facts = vec![
        (lang.t("field-model-version"), model.version().to_string()),
        (
            lang.t("field-level"),
            model.levels().iter().map(|l| level_words(lang, &model, i32::from(l.rank))).collect::<Vec<_>>().join(" · "),
        ),
    ];
    Ok(DetailPage { c: Chrome::new(lang, caller, "page-risk-model", "risk-model"), actions: Vec::new(), facts, blocks })
}

pub async fn risk_model(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    Ok(render(&model_page(&state, lang, &caller, None).await?)?.into_response())
}

pub async fn preview_model(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRiskModel, Target::County)?;
    let json = form.get("config").to_owned();
    match risk::preview_model(&state.store, &caller.principal, &json).await {
        Ok((new, changes)) => {
            let old = risk::active_model(&state.store).await?;
            let mut table = Table::new(
                lang,
                "model-preview",
                &["col-risk", "col-score", "col-suggested-old", "col-suggested-new", "col-level", "col-needs-review"],
                "empty-model-preview",
            );
            table.counted(lang, changes.len() as u64);
            for change in &changes {
                let mut row =
                    vec![Cell::Link { href: format!("/staff/risks/{}", change.id), text: format!("#{}", change.id) }];
                match &change.outcome {
                    Outcome::Rescored { old_score, new_score, old_rank, new_rank } => {
                        row.push(Cell::Text(format!(
                            "{} → {new_score}",
                            old_score.map_or_else(|| "—".into(), |s| s.to_string())
                        )));
                        row.push(level_cell(lang, &old, old_rank.map(i32::from)));
                        row.push(level_cell(lang, &new, Some(i32::from(*new_rank))));
                    }
                    Outcome::Unscorable { code } => {
                        let text = crate::error::field_message(lang, &FieldError::new(code));
                        row.extend([Cell::Text(text), Cell::Text(String::new()), Cell::Text(String::new())]);
                    }
                }
                row.push(level_cell(lang, &old, change.approved_rank.map(i32::from)));
                row.push(Cell::Text(lang.t(if change.needs_review { "yes" } else { "no" })));
                table.rows.push(row);
            }
            let confirm = publish_form(lang, "/staff/risk-model", &json, "action-publish-model");
            let heading = lang.t_args("heading-model-preview", &[("version", new.version().into())]);
            let block = Block { heading, table, form: Some(confirm) };
            Ok(render(&model_page(&state, lang, &caller, Some((&json, None, Some(block)))).await?)?.into_response())
        }
        Err(sunlight_store::StoreError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &model_page(&state, lang, &caller, Some((&json, Some(&errors), None))).await?,
        ),
        Err(other) => Err(other.into()),
    }
}

pub async fn publish_model(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageRiskModel, Target::County)?;
    let json = form.get("config").to_owned();
    match risk::publish_model(&state.store, &caller.principal, &json).await {
        Ok(_) => Ok(see_other("/staff/risk-model")),
        Err(sunlight_store::StoreError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &model_page(&state, lang, &caller, Some((&json, Some(&errors), None))).await?,
        ),
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------- heat maps

#[derive(Template)]
#[template(path = "risk_heatmap.html")]
pub struct HeatmapPage {
    pub c: Chrome,
    /// Drawn by the domain with every text escaped; levels in words on every cell.
    pub maps: Vec<(String, String)>,
    pub legend: Table,
}

/// The map's words in the page's language (the domain draws Chinese).
fn localize(lang: Lang, mut map: HeatMap, title: &str, rows: &str, columns: &str, model: &RiskModel) -> HeatMap {
    map.title = lang.t(title);
    map.row_axis = lang.t(rows);
    map.column_axis = lang.t(columns);
    if lang == Lang::En {
        for row in &mut map.cells {
            for cell in row.iter_mut() {
                if let Some(level) = cell.level.as_mut() {
                    level.name_zh.clone_from(&level.name_en);
                }
            }
        }
        if map.columns.len() == model.levels().len() && title == "heading-heatmap-units" {
            map.columns = model.levels().iter().map(|l| level_words(lang, model, i32::from(l.rank))).collect();
        }
    }
    map
}

pub async fn heatmap(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    let model = risk::active_model(&state.store).await?;
    let by_unit = risk::levels_by_unit(&state.store, &caller.principal, &model).await?;
    let points = risk::harm_probability(&state.store, &caller.principal).await?;
    let units = localize(
        lang,
        heatmap::levels_by_unit(&model, &by_unit),
        "heading-heatmap-units",
        "col-unit",
        "col-level",
        &model,
    );
    let matrix = localize(
        lang,
        heatmap::harm_by_probability(&model, &points),
        "heading-heatmap-matrix",
        "field-harm",
        "field-probability",
        &model,
    );
    let mut legend = Table::new(lang, "heatmap-legend", &["col-level", "col-min-score"], "empty-model");
    legend.counted(lang, model.levels().len() as u64);
    for (l, config) in model.levels().iter().zip(&model.config().levels) {
        legend
            .rows
            .push(vec![level_cell(lang, &model, Some(i32::from(l.rank))), Cell::Text(config.min_score.to_string())]);
    }
    let page = HeatmapPage {
        c: Chrome::new(lang, &caller, "page-risk-heatmap", "risk-heatmap"),
        // Two drawings on one page: each needs its own title id.
        maps: vec![
            (units.title.clone(), heatmap::render_svg(&units).replace("heatmap-title", "heatmap-title-units")),
            (matrix.title.clone(), heatmap::render_svg(&matrix).replace("heatmap-title", "heatmap-title-matrix")),
        ],
        legend,
    };
    Ok(render(&page)?.into_response())
}
