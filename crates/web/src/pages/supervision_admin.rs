//! The commission's side of electronic supervision: the monthly rates per unit and
//! per power, the rules' switches and thresholds, and the notifications still
//! waiting in the outbox.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::{RuleConfig, RuleId, RuleSettings};
use sunlight_domain::policy::{Action, Target};
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::settings;
use sunlight_store::supervision::outbox;
use sunlight_store::supervision::rates::{self, RateRow, RatesBy};

use super::design::BlocksPage;
use super::supervision::{rule_name, word};
use super::{Block, paginate, render, render_status, require, see_other, table_response};
use crate::AppState;
use crate::api::supervision::parse_rates_query;
use crate::auth::{Caller, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::TablePage;
use crate::pages::dashboard::format_count;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

const PER_PAGE: u64 = 50;

// ---------------------------------------------------------------- rates

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RatesForm {
    by: String,
    from: String,
    to: String,
    unit_id: String,
    power_id: String,
    power_code: String,
}

/// A share as a percentage with one decimal; a dash when there is nothing to share.
fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_owned(), |s| format!("{:.1}%", s * 100.0))
}

fn rate_cells(lang: Lang, r: &RateRow, by: RatesBy, range: &(String, String)) -> Vec<Cell> {
    let mut cells = Vec::new();
    // A unit's name opens its powers' rates over the same months.
    let drill = serde_urlencoded::to_string([
        ("by", "power"),
        ("from", range.0.as_str()),
        ("to", range.1.as_str()),
        ("unit_id", &r.unit_id.to_string()),
    ])
    .unwrap_or_default();
    cells.push(Cell::Link { href: format!("/staff/supervision/rates?{drill}"), text: r.unit_name.clone() });
    if by == RatesBy::Power {
        let code = r.power_code.clone().unwrap_or_default();
        let one = serde_urlencoded::to_string([
            ("by", "power"),
            ("from", range.0.as_str()),
            ("to", range.1.as_str()),
            ("power_code", code.as_str()),
        ])
        .unwrap_or_default();
        let text = format!("{} ({code})", r.power_name.clone().unwrap_or_default());
        cells.push(Cell::Link { href: format!("/staff/supervision/rates?{one}"), text });
    }
    if r.month.is_some() {
        cells.push(Cell::Mono(r.month.clone().unwrap_or_default()));
    }
    cells.push(Cell::Text(format_count(r.counts.cases)));
    cells.push(Cell::Text(percent(r.overdue_rate)));
    cells.push(Cell::Text(percent(r.warning_rate)));
    cells.push(Cell::Text(percent(r.conformity_rate)));
    cells.push(Cell::Text(r.average_working_days.map_or_else(
        || "—".to_owned(),
        |d| lang.t_args("supervision-working-days", &[("days", format!("{d:.1}").into())]),
    )));
    cells
}

fn rate_columns(by: RatesBy, monthly: bool) -> Vec<&'static str> {
    let mut columns = vec!["col-unit"];
    if by == RatesBy::Power {
        columns.push("col-supervision-power");
    }
    if monthly {
        columns.push("col-supervision-month");
    }
    columns.extend([
        "col-supervision-cases",
        "col-supervision-overdue-rate",
        "col-supervision-warning-rate",
        "col-supervision-conformity-rate",
        "col-supervision-average-days",
    ]);
    columns
}

pub async fn rates_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<RatesForm>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewSupervision, Target::County)?;
    let parsed = parse_rates_query(&q.by, &q.from, &q.to, &q.unit_id, &q.power_id, &q.power_code);
    let errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let (found, by) = match parsed {
        Ok(query) => match rates::rates(&state.store, &caller.principal, &query).await {
            Ok(found) => (Some(found), query.by),
            Err(sunlight_store::StoreError::Invalid(bad)) => {
                return render_rates(&state, lang, &caller, &q, None, RatesBy::Unit, &bad).await;
            }
            Err(e) => return Err(e.into()),
        },
        Err(_) => (None, RatesBy::Unit),
    };
    render_rates(&state, lang, &caller, &q, found, by, &errors).await
}

async fn render_rates(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    q: &RatesForm,
    found: Option<rates::Rates>,
    by: RatesBy,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let (from, to) = found.as_ref().map_or_else(|| (q.from.clone(), q.to.clone()), |f| (f.from.clone(), f.to.clone()));
    let by_options = vec![
        ("unit".to_owned(), lang.t("option-supervision-by-unit")),
        ("power".to_owned(), lang.t("option-supervision-by-power")),
    ];
    let filter = Form::new(
        lang,
        "/staff/supervision/rates".to_owned(),
        vec![
            Field::new(lang, "by", "field-supervision-by", FieldKind::Select(by_options)).value(by.key()),
            Field::new(lang, "from", "field-supervision-from", FieldKind::Text)
                .value(from.clone())
                .help(lang.t("help-month")),
            Field::new(lang, "to", "field-supervision-to", FieldKind::Text)
                .value(to.clone())
                .help(lang.t("help-month")),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options)).value(q.unit_id.clone()),
            Field::new(lang, "power_code", "field-supervision-power-code", FieldKind::Text).value(q.power_code.clone()),
        ],
        "action-filter",
    )
    .with_errors(lang, errors);
    let mut totals = Table::new(lang, "rate-totals", &rate_columns(by, false), "empty-supervision-rates");
    let mut monthly = Table::new(lang, "rate-months", &rate_columns(by, true), "empty-supervision-rates");
    let range = (from, to);
    if let Some(found) = &found {
        totals.counted(lang, found.totals.len() as u64);
        totals.rows = found.totals.iter().map(|r| rate_cells(lang, r, by, &range)).collect();
        monthly.counted(lang, found.rows.len() as u64);
        monthly.rows = found.rows.iter().map(|r| rate_cells(lang, r, by, &range)).collect();
    }
    let page = BlocksPage {
        c: Chrome::new(lang, caller, "page-supervision-rates", "supervision-rates"),
        actions: vec![("/staff/supervision".to_owned(), lang.t("nav-supervision"))],
        filter: Some(filter),
        blocks: vec![
            Block { heading: lang.t("heading-supervision-rate-totals"), table: totals, form: None },
            Block { heading: lang.t("heading-supervision-rate-months"), table: monthly, form: None },
        ],
    };
    if errors.is_empty() {
        Ok(render(&page)?.into_response())
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

// ---------------------------------------------------------------- rules

pub struct RuleRow {
    pub id: &'static str,
    pub name: String,
    pub family: String,
    pub description: String,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "supervision_rules.html")]
pub struct RulesPage {
    pub c: Chrome,
    pub intro: String,
    pub notice: Option<String>,
    pub rules_heading: String,
    pub thresholds_heading: String,
    pub columns: Vec<String>,
    pub rules: Vec<RuleRow>,
    /// The thresholds (text fields) with the errors and the summary.
    pub form: Form,
}

const THRESHOLDS: [(&str, &str); 5] = [
    ("reminder_share", "help-supervision-reminder-share"),
    ("yellow_after_days", "help-supervision-yellow-after-days"),
    ("red_after_days", "help-supervision-red-after-days"),
    ("returned_repeatedly_at", "help-supervision-returned-repeatedly-at"),
    ("fee_tolerance", "help-supervision-fee-tolerance"),
];

fn number(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn rules_page(
    lang: Lang,
    caller: &Caller,
    enabled: &dyn Fn(RuleId) -> bool,
    values: &[String; 5],
    errors: &FieldErrors,
    notice: Option<String>,
) -> RulesPage {
    let fields = THRESHOLDS
        .iter()
        .zip(values)
        .map(|((name, help), value)| {
            Field::new(lang, name, &format!("field-supervision-{}", name.replace('_', "-")), FieldKind::Text)
                .value(value.clone())
                .help(lang.t(help))
                .required()
        })
        .collect();
    let form = Form::new(lang, "/staff/supervision/rules".to_owned(), fields, "action-save").with_errors(lang, errors);
    RulesPage {
        c: Chrome::new(lang, caller, "page-supervision-rules", "supervision-rules"),
        intro: lang.t("intro-supervision-rules"),
        notice,
        rules_heading: lang.t("heading-supervision-rules"),
        thresholds_heading: lang.t("heading-supervision-thresholds"),
        columns: [
            "col-supervision-enabled",
            "col-name",
            "col-supervision-rule-id",
            "col-supervision-family",
            "col-supervision-rule-says",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect(),
        rules: RuleId::ALL
            .iter()
            .map(|r| RuleRow {
                id: r.as_str(),
                name: rule_name(lang, r.as_str()),
                family: word(lang, "rule-family", r.family()),
                description: word(lang, "rule-desc", r.as_str()),
                enabled: enabled(*r),
            })
            .collect(),
        form,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn rules(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageSupervisionRules, Target::County)?;
    let config = settings::supervision_rules(state.store.connection()).await?;
    let s = config.settings();
    let values = [
        number(s.reminder_share),
        number(s.yellow_after_days),
        number(s.red_after_days),
        s.returned_repeatedly_at.to_string(),
        number(s.fee_tolerance),
    ];
    let notice = q.saved.is_some().then(|| lang.t("notice-supervision-rules-saved"));
    let page = rules_page(lang, &caller, &|r| config.is_enabled(r), &values, &FieldErrors::new(), notice);
    Ok(render(&page)?.into_response())
}

pub async fn save_rules(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageSupervisionRules, Target::County)?;
    let mut errors = FieldErrors::new();
    let mut real = |name: &str| {
        let text = form.get(name).trim();
        if text.is_empty() {
            errors.add(name, FieldError::new("required"));
            return None;
        }
        errors.take(name, text.parse::<f64>().map_err(|_| FieldError::new("not_a_number")))
    };
    let reminder_share = real("reminder_share");
    let yellow = real("yellow_after_days");
    let red = real("red_after_days");
    let fee = real("fee_tolerance");
    let returns = match form.get("returned_repeatedly_at").trim() {
        "" => {
            errors.add("returned_repeatedly_at", FieldError::new("required"));
            None
        }
        text => errors.take("returned_repeatedly_at", text.parse::<u32>().map_err(|_| FieldError::new("not_a_number"))),
    };
    let enabled: Vec<&str> = form.all("enabled");
    let disabled: Vec<String> =
        RuleId::ALL.iter().filter(|r| !enabled.contains(&r.as_str())).map(|r| r.as_str().to_owned()).collect();
    // The numbers that were read are checked too, so that every bad field is told at
    // once (one not read stands in with its default, and its own error stays).
    let defaults = RuleConfig::default().settings();
    let wanted = RuleSettings {
        disabled,
        reminder_share: reminder_share.unwrap_or(defaults.reminder_share),
        yellow_after_days: yellow.unwrap_or(defaults.yellow_after_days),
        red_after_days: red.unwrap_or(defaults.red_after_days),
        returned_repeatedly_at: returns.unwrap_or(defaults.returned_repeatedly_at),
        fee_tolerance: fee.unwrap_or(defaults.fee_tolerance),
    };
    if let Err(bad) = settings::check_rules(&wanted) {
        for (field, error) in bad.iter() {
            if errors.get(field).is_none() {
                errors.add(field, error.clone());
            }
        }
    }
    let result = if errors.is_empty() {
        match settings::set_supervision_rules(&state.store, &caller.principal, &wanted).await {
            Ok(_) => Ok(()),
            Err(sunlight_store::StoreError::Invalid(bad)) => Err(bad),
            Err(e) => return Err(e.into()),
        }
    } else {
        Err(errors)
    };
    match result {
        Ok(()) => Ok(see_other("/staff/supervision/rules?saved=1")),
        Err(errors) => {
            let values = THRESHOLDS.map(|(name, _)| form.get(name).to_owned());
            let page = rules_page(lang, &caller, &|r| enabled.contains(&r.as_str()), &values, &errors, None);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------------------------------------------------------------- outbox

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OutboxQuery {
    all: String,
    page: Option<u64>,
}

pub async fn outbox_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageSupervisionRules, Target::County)?;
    let everything = matches!(q.all.as_str(), "true" | "on" | "1");
    let page = q.page.unwrap_or(1).max(1);
    let found = outbox::list(&state.store, &caller.principal, !everything, page, PER_PAGE).await?;
    let mut table = Table::new(
        lang,
        "list",
        &[
            "col-supervision-outbox-id",
            "col-supervision-topic",
            "col-supervision-payload",
            "col-created",
            "col-supervision-attempts",
            "col-supervision-next-attempt",
            "col-supervision-delivered",
            "col-supervision-last-error",
        ],
        if everything { "empty-supervision-outbox-all" } else { "empty-supervision-outbox" },
    );
    table.counted(lang, found.total);
    for row in &found.rows {
        table.rows.push(vec![
            Cell::Mono(row.id.to_string()),
            Cell::Text(word(lang, "outbox-topic", &row.topic)),
            Cell::Mono(row.payload.clone()),
            Cell::Text(local_time(&row.created_at.to_rfc3339())),
            Cell::Text(row.attempts.to_string()),
            Cell::Text(if row.delivered_at.is_some() {
                String::new()
            } else {
                local_time(&row.next_attempt_at.to_rfc3339())
            }),
            match row.delivered_at {
                Some(at) => Cell::Badge { class: "ok", text: local_time(&at.to_rfc3339()) },
                None if row.attempts > 0 => Cell::Badge { class: "warn", text: lang.t("supervision-outbox-failing") },
                None => Cell::Badge { class: "muted", text: lang.t("supervision-outbox-waiting") },
            },
            Cell::Text(row.last_error.clone().unwrap_or_default()),
        ]);
    }
    paginate(&mut table, "/staff/supervision/outbox", &[("all", q.all.clone())], page, PER_PAGE);
    let filter = Form::new(
        lang,
        "/staff/supervision/outbox".to_owned(),
        vec![Field::new(lang, "all", "field-supervision-outbox-all", FieldKind::Checkbox).value(q.all.clone())],
        "action-filter",
    );
    let mut c = Chrome::new(lang, &caller, "page-supervision-outbox", "supervision-outbox");
    c.title = lang.t_args(
        "page-supervision-outbox-counts",
        &[("pending", found.pending.into()), ("failing", found.failing.into())],
    );
    let page = TablePage {
        c,
        actions: vec![("/staff/supervision/rules".to_owned(), lang.t("nav-supervision-rules"))],
        filter: Some(filter),
        table,
        create: None,
    };
    table_response(&page)
}
