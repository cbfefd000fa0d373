//! Electronic supervision (网上监察) for staff: the live console of open alerts by
//! unit and level (polled by htmx every ten seconds), the alert list with its
//! filters, and one alert with its case, its timeline and the moves the caller may
//! make.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use sunlight_domain::field::FieldErrors;
use sunlight_domain::flow::RuleId;
use sunlight_domain::policy::{Action, Target};
use sunlight_domain::supervision::AlertLevel;
use sunlight_domain::supervision::lifecycle::AlertState;
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::supervision::alerts::{self, AlertRow};

use super::{Block, DetailPage, TablePage, paginate, render, render_status, require, see_other, table_response};
use crate::AppState;
use crate::api::supervision::{parse_alert_filter, parse_transition};
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::{AppError, urlencode};
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

const PER_PAGE: u64 = 50;
/// Alerts on the console's latest list.
const LATEST: u64 = 15;

// ---------------------------------------------------------------- words

/// A word of a family (`alert-level-red`), or the key itself when the catalogue has none.
pub(crate) fn word(lang: Lang, family: &str, key: &str) -> String {
    let id = format!("{family}-{}", key.replace(['_', '.'], "-"));
    let text = lang.t(&id);
    if text == id { key.to_owned() } else { text }
}

/// A rule's name in words (`time.red_card` → 红牌报警).
pub(crate) fn rule_name(lang: Lang, rule: &str) -> String {
    word(lang, "rule", rule)
}

pub(crate) fn level_cell(lang: Lang, level: &str) -> Cell {
    let colour = level.parse::<AlertLevel>().map_or("#6b7280", AlertLevel::colour);
    Cell::Level { colour: colour.to_owned(), text: word(lang, "alert-level", level) }
}

fn state_badge(lang: Lang, state: &str) -> Cell {
    let class = match state {
        "raised" | "escalated" => "warn",
        "closed" => "muted",
        _ => "ok",
    };
    Cell::Badge { class, text: word(lang, "alert-state", state) }
}

/// Where a case's page will be (the case timeline over its flowchart).
fn case_href(number: &str) -> String {
    format!("/staff/cases/{}", urlencode(number))
}

fn alerts_href(pairs: &[(&str, String)]) -> String {
    let pairs: Vec<&(&str, String)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    format!("/staff/supervision/alerts?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

fn alert_cells(lang: Lang, row: &AlertRow) -> Vec<Cell> {
    let a = &row.alert;
    vec![
        Cell::Link { href: format!("/staff/supervision/alerts/{}", a.id), text: local_time(&a.raised_at.to_rfc3339()) },
        Cell::Text(row.unit_name.clone()),
        Cell::Link { href: case_href(&row.case_number), text: row.case_number.clone() },
        Cell::Text(rule_name(lang, &a.rule)),
        level_cell(lang, &a.level),
        Cell::Text(a.step.clone().unwrap_or_default()),
        Cell::Text(a.person.clone().unwrap_or_default()),
        state_badge(lang, &a.state),
        Cell::Text(if a.state == "closed" { String::new() } else { word(lang, "must-act", &a.must_act) }),
    ]
}

const ALERT_COLUMNS: [&str; 9] = [
    "col-supervision-raised",
    "col-unit",
    "col-supervision-case",
    "col-supervision-rule",
    "col-supervision-level",
    "col-supervision-step",
    "col-supervision-person",
    "col-state",
    "col-supervision-must-act",
];

// ---------------------------------------------------------------- console

pub struct GridRow {
    pub unit: String,
    pub href: String,
    /// `(count, link)` per level.
    pub cells: Vec<(u64, String)>,
    pub total: u64,
}

#[derive(Template)]
#[template(path = "supervision_console.html")]
pub struct ConsolePage {
    pub c: Chrome,
    pub actions: Vec<(String, String)>,
    pub updated: String,
    pub figures: Vec<(String, String, String)>,
    pub grid_heading: String,
    pub grid_empty: String,
    pub unit_column: String,
    pub total_column: String,
    /// `(word, colour)` per level.
    pub levels: Vec<(String, &'static str)>,
    pub grid: Vec<GridRow>,
    pub totals: Vec<(u64, String)>,
    pub grand_total: u64,
    pub latest_heading: String,
    pub latest: Table,
}

pub async fn console(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ViewSupervision, Target::County)?;
    let live = alerts::console(&state.store, &caller.principal, LATEST).await?;
    let level_href = |unit: Option<i64>, level: AlertLevel| {
        alerts_href(&[
            ("unit_id", unit.map(|u| u.to_string()).unwrap_or_default()),
            ("level", level.key().to_owned()),
            ("open", "true".to_owned()),
        ])
    };
    let grid = live
        .units
        .iter()
        .map(|u| GridRow {
            unit: u.unit_name.clone(),
            href: alerts_href(&[("unit_id", u.unit_id.to_string()), ("open", "true".to_owned())]),
            cells: AlertLevel::ALL.iter().zip(&u.counts).map(|(l, n)| (*n, level_href(Some(u.unit_id), *l))).collect(),
            total: u.total,
        })
        .collect();
    let totals: Vec<(u64, String)> =
        AlertLevel::ALL.iter().zip(&live.totals).map(|(l, n)| (*n, level_href(None, *l))).collect();
    let mut latest = Table::new(lang, "latest", &ALERT_COLUMNS, "empty-supervision-alerts");
    latest.counted(lang, live.latest.len() as u64);
    latest.rows = live.latest.iter().map(|r| alert_cells(lang, r)).collect();
    latest.more = Some(("/staff/supervision/alerts".to_owned(), lang.t("action-supervision-all-alerts")));
    let open = |party: &str| alerts_href(&[("must_act", party.to_owned())]);
    let page = ConsolePage {
        c: Chrome::new(lang, &caller, "page-supervision-console", "supervision"),
        actions: vec![
            ("/staff/supervision/alerts?open=true".to_owned(), lang.t("action-supervision-open-alerts")),
            ("/staff/supervision/rates".to_owned(), lang.t("nav-supervision-rates")),
        ],
        updated: lang.t_args("supervision-updated", &[("time", local_time(&Utc::now().to_rfc3339()).into())]),
        figures: vec![
            (
                lang.t("figure-alerts-open"),
                live.totals.iter().sum::<u64>().to_string(),
                "/staff/supervision/alerts?open=true".to_owned(),
            ),
            (lang.t("figure-supervision-waiting-unit"), live.waiting_on_unit.to_string(), open("unit")),
            (
                lang.t("figure-supervision-waiting-commission"),
                live.waiting_on_commission.to_string(),
                open("commission"),
            ),
        ],
        grid_heading: lang.t("heading-supervision-grid"),
        grid_empty: lang.t("empty-supervision-grid"),
        unit_column: lang.t("col-unit"),
        total_column: lang.t("col-supervision-total"),
        levels: AlertLevel::ALL.iter().map(|l| (word(lang, "alert-level", l.key()), l.colour())).collect(),
        grid,
        grand_total: live.totals.iter().sum(),
        totals,
        latest_heading: lang.t("heading-supervision-latest"),
        latest,
    };
    let mut response = render(&page)?.into_response();
    // htmx polls the same page for `#live`; caches keep the two apart.
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("HX-Request"));
    Ok(response)
}

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AlertQuery {
    unit_id: String,
    level: String,
    family: String,
    state: String,
    open: String,
    must_act: String,
    case_number: String,
    page: Option<u64>,
}

fn options(lang: Lang, family: &str, keys: &[&str]) -> Vec<(String, String)> {
    std::iter::once((String::new(), lang.t("option-any")))
        .chain(keys.iter().map(|k| ((*k).to_owned(), word(lang, family, k))))
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<AlertQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewSupervision, Target::County)?;
    let open = matches!(q.open.as_str(), "true" | "on" | "1");
    let (filter, errors) =
        match parse_alert_filter(&q.unit_id, &q.level, &q.family, &q.state, open, &q.must_act, &q.case_number) {
            Ok(filter) => (filter, FieldErrors::new()),
            Err(errors) => (alerts::AlertFilter::default(), errors),
        };
    let page = q.page.unwrap_or(1).max(1);
    let found = alerts::list_alerts(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let levels: Vec<&str> = AlertLevel::ALL.iter().map(|l| l.key()).collect();
    let states: Vec<&str> = AlertState::ALL.iter().map(|s| s.key()).collect();
    let filter_form = Form::new(
        lang,
        "/staff/supervision/alerts".to_owned(),
        vec![
            Field::new(lang, "case_number", "field-supervision-case-number", FieldKind::Text)
                .value(q.case_number.clone()),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options)).value(q.unit_id.clone()),
            Field::new(
                lang,
                "level",
                "field-supervision-level",
                FieldKind::Select(options(lang, "alert-level", &levels)),
            )
            .value(q.level.clone()),
            Field::new(
                lang,
                "family",
                "field-supervision-family",
                FieldKind::Select(options(lang, "rule-family", &alerts::families())),
            )
            .value(q.family.clone()),
            Field::new(lang, "state", "field-alert-state", FieldKind::Select(options(lang, "alert-state", &states)))
                .value(q.state.clone()),
            Field::new(
                lang,
                "must_act",
                "field-supervision-must-act",
                FieldKind::Select(options(lang, "must-act", &["unit", "commission"])),
            )
            .value(q.must_act.clone()),
            Field::new(lang, "open", "field-alert-open", FieldKind::Checkbox).value(q.open.clone()),
        ],
        "action-filter",
    )
    .with_errors(lang, &errors);
    let mut table = Table::new(lang, "list", &ALERT_COLUMNS, "empty-supervision-alerts");
    table.counted(lang, found.total);
    table.rows = found.alerts.iter().map(|r| alert_cells(lang, r)).collect();
    let query = [
        ("unit_id", q.unit_id.clone()),
        ("level", q.level.clone()),
        ("family", q.family.clone()),
        ("state", q.state.clone()),
        ("open", q.open.clone()),
        ("must_act", q.must_act.clone()),
        ("case_number", q.case_number.clone()),
    ];
    paginate(&mut table, "/staff/supervision/alerts", &query, page, PER_PAGE);
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-supervision-alerts", "supervision-alerts"),
        actions: vec![("/staff/supervision".to_owned(), lang.t("nav-supervision"))],
        filter: Some(filter_form),
        table,
        create: None,
    };
    if errors.is_empty() { table_response(&page) } else { render_status(StatusCode::UNPROCESSABLE_ENTITY, &page) }
}

// ---------------------------------------------------------------- one alert

async fn alert_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    failed: Option<(&FieldErrors, &FormData)>,
) -> Result<DetailPage, AppError> {
    let d = alerts::alert_detail(&state.store, &caller.principal, id).await?;
    let a = &d.alert;
    let rule_words = RuleId::parse(&a.rule)
        .map_or_else(|| a.rule.clone(), |r| format!("{} ({})", rule_name(lang, r.as_str()), r.as_str()));
    let mut facts = vec![
        (lang.t("col-supervision-rule"), rule_words),
        (lang.t("col-supervision-rule-says"), word(lang, "rule-desc", &a.rule)),
        (lang.t("col-supervision-level"), word(lang, "alert-level", &a.level)),
        (lang.t("col-state"), word(lang, "alert-state", &a.state)),
    ];
    if a.state == "closed" {
        let reason = a.close_reason.as_deref().map(|r| word(lang, "close-reason", r)).unwrap_or_default();
        facts.push((lang.t("col-supervision-close-reason"), reason));
        if let Some(at) = a.closed_at {
            facts.push((lang.t("col-supervision-closed"), local_time(&at.to_rfc3339())));
        }
    } else {
        facts.push((lang.t("col-supervision-must-act"), word(lang, "must-act", &a.must_act)));
    }
    facts.push((lang.t("col-unit"), d.unit_name.clone()));
    if let Some(case) = &d.case {
        facts.push((lang.t("col-supervision-case"), case.case_number.clone()));
        let power =
            case.power_name.as_ref().map_or_else(|| case.power_code.clone(), |n| format!("{n} ({})", case.power_code));
        facts.push((lang.t("col-supervision-power"), power));
        if let Some(subject) = &case.subject {
            facts.push((lang.t("col-supervision-subject"), subject.clone()));
        }
        facts.push((lang.t("col-supervision-case-status"), word(lang, "supervision-case-status", &case.status)));
        facts.push((lang.t("col-supervision-received"), local_time(&case.received_at.to_rfc3339())));
        if let Some(deadline) = case.promised_deadline {
            facts.push((lang.t("col-supervision-promised-deadline"), local_time(&deadline.to_rfc3339())));
        }
    }
    facts.push((lang.t("col-supervision-step"), a.step.clone().unwrap_or_default()));
    facts.push((lang.t("col-supervision-person"), a.person.clone().unwrap_or_default()));
    facts.push((lang.t("col-supervision-evidence"), lang.evidence(&a.evidence_words, &a.evidence)));
    facts.push((lang.t("col-supervision-raised"), local_time(&a.raised_at.to_rfc3339())));

    let mut events = Table::new(
        lang,
        "alert-events",
        &["col-alert-from", "col-alert-to", "col-actor", "col-at", "col-comment"],
        "empty-alert-events",
    );
    events.counted(lang, d.events.len() as u64);
    for e in &d.events {
        events.rows.push(vec![
            Cell::Text(e.from_state.as_deref().map(|s| word(lang, "alert-state", s)).unwrap_or_default()),
            state_badge(lang, &e.to_state),
            Cell::Text(e.actor.clone()),
            Cell::Text(local_time(&e.at.to_rfc3339())),
            Cell::Text(e.comment.clone().unwrap_or_default()),
        ]);
    }
    let form = (!d.next.is_empty()).then(|| {
        let choices: Vec<(String, String)> =
            d.next.iter().map(|s| (s.key().to_owned(), lang.t(&format!("alert-transition-{}", s.key())))).collect();
        let mut form = Form::new(
            lang,
            format!("/staff/supervision/alerts/{id}/transition"),
            vec![
                Field::new(lang, "to", "field-alert-to", FieldKind::Select(choices)).required(),
                Field::new(lang, "comment", "field-alert-comment", FieldKind::TextArea)
                    .help(lang.t("help-supervision-comment")),
            ],
            "action-alert-transition",
        );
        if let Some((errors, data)) = failed {
            for field in &mut form.fields {
                field.value = data.get(field.name).to_owned();
            }
            form = form.with_errors(lang, errors);
        }
        form
    });
    let mut actions = vec![("/staff/supervision/alerts".to_owned(), lang.t("nav-supervision-alerts"))];
    if let Some(case) = &d.case {
        actions.push((case_href(&case.case_number), lang.t("action-supervision-case")));
    }
    let mut c = Chrome::new(lang, caller, "page-supervision-alert", "supervision-alerts");
    c.title = format!("{} · {}", c.title, rule_name(lang, &a.rule));
    Ok(DetailPage {
        c,
        actions,
        facts,
        blocks: vec![Block { heading: lang.t("heading-alert-events"), table: events, form }],
    })
}

pub async fn alert(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&alert_page(&state, lang, &caller, id, None).await?)?.into_response())
}

pub async fn transition(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    // Anyone who may move some alert; the store checks this move on this unit.
    if require(&caller, Action::ExplainAlerts, Target::County).is_err() {
        require(&caller, Action::ReviewAlerts, Target::County)?;
    }
    let result = match parse_transition(form.get("to"), Some(form.get("comment"))) {
        Ok((to, comment)) => alerts::transition_alert(&state.store, &caller.principal, id, to, comment)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/supervision/alerts/{id}"))),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &alert_page(&state, lang, &caller, id, Some((&errors, &form))).await?,
        ),
        Err(other) => Err(other),
    }
}
