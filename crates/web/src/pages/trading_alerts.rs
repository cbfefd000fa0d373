//! The trading centre's dashboard and its red-flag alerts: the list, an alert with its
//! evidence in words and its timeline, and the forms that move it through its
//! lifecycle. Charts are drawn here as SVG, with every label and number written out.

use std::fmt::Write as _;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::field::FieldErrors;
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_domain::text::xml_escape;
use sunlight_domain::trading::alert_state::AlertState;
use sunlight_domain::trading::{DEFAULT_SETTINGS, Settings};
use sunlight_store::trading_alerts::{self, AlertFilter};

use super::{Block, DetailPage, TablePage, paginate, render, render_status, require, see_other, table_response};
use crate::AppState;
use crate::api::trading_alerts::parse_transition;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

const PER_PAGE: u64 = 50;
/// Every indicator the engine has, for the filter.
const INDICATORS: [&str; 16] = [
    "R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058", "S001", "S002", "S003",
    "S004", "S005",
];
const GROUPS: [&str; 4] = ["OCID", "Buyer", "ProcuringEntity", "Tenderer"];

// ---------------------------------------------------------------- words

/// A word from a family (`indicator-R018`), or the key itself when the catalogue has none.
fn word(lang: Lang, family: &str, key: &str) -> String {
    let id = format!("{family}-{key}");
    let text = lang.t(&id);
    if text == id { key.to_owned() } else { text }
}

pub(crate) fn indicator_words(lang: Lang, code: &str) -> String {
    match lang.t(&format!("indicator-{code}")) {
        text if text == format!("indicator-{code}") => code.to_owned(),
        text => format!("{code} {text}"),
    }
}

fn state_badge(lang: Lang, state: &str) -> Cell {
    let class = match state {
        "raised" | "escalated" => "warn",
        "closed" => "muted",
        _ => "ok",
    };
    Cell::Badge { class, text: word(lang, "alert-state", state) }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { format!("{value:.4}") }
}

/// A horizontal bar chart: a label, a bar and the number on every row; a row with a
/// link makes its label a link.
#[must_use]
pub fn bar_chart(id: &str, title: &str, rows: &[(String, u64, Option<String>)], empty: &str) -> String {
    const LABEL: u32 = 330;
    const BAR: u32 = 360;
    const ROW: u32 = 28;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = ROW * u32::try_from(rows.len().max(1)).unwrap_or(u32::MAX / ROW - 1) + 8;
    let width = LABEL + BAR + 80;
    let mut svg = format!(
        r#"<svg class="bar-chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        xml_escape(title)
    );
    if rows.is_empty() {
        let _ = write!(svg, r##"<text x="0" y="20" fill="#4b5563">{}</text>"##, xml_escape(empty));
    }
    for (i, (label, value, href)) in rows.iter().enumerate() {
        let y = ROW * u32::try_from(i).unwrap_or(0) + 4;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bar = ((*value as f64 / max as f64) * f64::from(BAR)).round() as u32;
        let text = format!(
            r##"<text x="{}" y="{}" text-anchor="end" fill="#111827">{}</text>"##,
            LABEL - 8,
            y + 15,
            xml_escape(label)
        );
        match href {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{text}</a>"#, xml_escape(href));
            }
            None => svg.push_str(&text),
        }
        let _ = write!(
            svg,
            r##"<rect x="{LABEL}" y="{y}" width="{}" height="20" rx="2" fill="#1d4ed8"/><text x="{}" y="{}" fill="#111827">{value}</text>"##,
            bar.max(1),
            LABEL + bar.max(1) + 6,
            y + 15
        );
    }
    svg.push_str("</svg>");
    svg
}

// ---------------------------------------------------------------- dashboard

pub struct ShareRow {
    pub buyer: String,
    pub supplier: String,
    pub amount: String,
    pub share: String,
    /// Bar width out of 120.
    pub bar: u32,
}

#[derive(Template)]
#[template(path = "trading_dashboard.html")]
pub struct DashboardPage {
    pub c: Chrome,
    pub actions: Vec<(String, String)>,
    pub run: Option<String>,
    pub run_confirm: String,
    pub notice: Option<String>,
    pub charts: Vec<(String, String)>,
    pub shares_heading: String,
    pub shares_empty: String,
    pub share_columns: Vec<String>,
    pub shares: Vec<ShareRow>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    /// Set after a run: how many alerts it created and reopened.
    created: Option<u64>,
    reopened: Option<u64>,
    flags: Option<u64>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let d = trading_alerts::dashboard(&state.store, &caller.principal, 20, 5).await?;
    let stages: Vec<(String, u64, Option<String>)> =
        d.releases_by_stage.iter().map(|(s, n)| (word(lang, "trading-stage", s), *n, None)).collect();
    let indicators: Vec<(String, u64, Option<String>)> = d
        .open_by_indicator
        .iter()
        .map(|(i, n)| (indicator_words(lang, i), *n, Some(format!("/staff/trading/alerts?indicator={i}&open=true"))))
        .collect();
    let by_state: Vec<(String, u64, Option<String>)> = d
        .alerts_by_state
        .iter()
        .map(|(s, n)| (word(lang, "alert-state", s), *n, Some(format!("/staff/trading/alerts?state={s}"))))
        .collect();
    let empty = lang.t("trading-chart-empty");
    let charts = vec![
        (
            lang.t("heading-trading-stages"),
            bar_chart("chart-stages", &lang.t("heading-trading-stages"), &stages, &empty),
        ),
        (
            lang.t("heading-trading-open-flags"),
            bar_chart("chart-flags", &lang.t("heading-trading-open-flags"), &indicators, &empty),
        ),
        (
            lang.t("heading-trading-alert-states"),
            bar_chart("chart-states", &lang.t("heading-trading-alert-states"), &by_state, &empty),
        ),
    ];
    let mut shares = Vec::new();
    for buyer in &d.supplier_shares {
        for s in &buyer.suppliers {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let bar = (s.share.clamp(0.0, 1.0) * 120.0).round() as u32;
            shares.push(ShareRow {
                buyer: buyer.buyer.clone(),
                supplier: s.supplier.clone(),
                amount: format!("{} {}", number(s.amount), buyer.currency.clone().unwrap_or_default())
                    .trim()
                    .to_owned(),
                share: format!("{:.1}%", s.share * 100.0),
                bar,
            });
        }
    }
    let notice = match (q.flags, q.created, q.reopened) {
        (Some(flags), Some(created), Some(reopened)) => Some(lang.t_args(
            "trading-run-done",
            &[("flags", flags.into()), ("created", created.into()), ("reopened", reopened.into())],
        )),
        _ => None,
    };
    let may_run = authorize(&caller.principal, Action::ImportTrading, Target::County).is_ok();
    let page = DashboardPage {
        c: Chrome::new(lang, &caller, "page-trading", "trading"),
        actions: vec![
            ("/staff/trading/alerts?open=true".to_owned(), lang.t("action-trading-open-alerts")),
            ("/staff/trading/alerts".to_owned(), lang.t("action-trading-alerts")),
            ("/staff/trading/releases".to_owned(), lang.t("action-trading-releases")),
        ],
        run: may_run.then(|| lang.t("action-trading-run")),
        run_confirm: lang.t("confirm-trading-run"),
        notice,
        charts,
        shares_heading: lang.t("heading-trading-supplier-shares"),
        shares_empty: lang.t("empty-trading-supplier-shares"),
        share_columns: ["col-alert-buyer", "col-alert-supplier", "col-alert-awarded-value", "col-alert-share"]
            .iter()
            .map(|k| lang.t(k))
            .collect(),
        shares,
    };
    Ok(render(&page)?.into_response())
}

/// Runs the engine with the default settings, then shows what it did.
pub async fn run(State(state): State<AppState>, StaffForm { caller, .. }: StaffForm) -> Result<Response, AppError> {
    require(&caller, Action::ImportTrading, Target::County)?;
    let settings =
        Settings::from_ini(DEFAULT_SETTINGS).map_err(|e| AppError::Internal(format!("default settings: {e}")))?;
    let summary = trading_alerts::run_red_flags(&state.store, &caller.principal, &settings).await?;
    Ok(see_other(&format!(
        "/staff/trading?flags={}&created={}&reopened={}",
        summary.flags, summary.created, summary.reopened
    )))
}

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AlertQuery {
    state: String,
    indicator: String,
    group: String,
    q: String,
    open: String,
    page: Option<u64>,
}

fn options(lang: Lang, family: &str, keys: &[&str], first: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), lang.t(first)))
        .chain(keys.iter().map(|k| {
            let text = if family == "indicator" { indicator_words(lang, k) } else { word(lang, family, k) };
            ((*k).to_owned(), text)
        }))
        .collect()
}

pub async fn alerts(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<AlertQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let mut errors = FieldErrors::new();
    let alert_state =
        if q.state.trim().is_empty() { None } else { errors.take("state", q.state.parse::<AlertState>()) };
    let filter = AlertFilter {
        state: alert_state,
        open: matches!(q.open.as_str(), "true" | "on" | "1"),
        indicator: Some(q.indicator.clone()).filter(|s| INDICATORS.contains(&s.as_str())),
        group: Some(q.group.clone()).filter(|s| GROUPS.contains(&s.as_str())),
        text: Some(q.q.clone()),
    };
    let page = q.page.unwrap_or(1).max(1);
    let found = trading_alerts::list_alerts(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let states: Vec<&str> = AlertState::ALL.iter().map(|s| s.key()).collect();
    let filter_form = Form::new(
        lang,
        "/staff/trading/alerts".to_owned(),
        vec![
            Field::new(lang, "q", "field-trading-subject", FieldKind::Text).value(q.q.clone()),
            Field::new(
                lang,
                "state",
                "field-alert-state",
                FieldKind::Select(options(lang, "alert-state", &states, "option-any")),
            )
            .value(q.state.clone()),
            Field::new(lang, "open", "field-alert-open", FieldKind::Checkbox).value(q.open.clone()),
            Field::new(
                lang,
                "indicator",
                "field-indicator",
                FieldKind::Select(options(lang, "indicator", &INDICATORS, "option-any")),
            )
            .value(q.indicator.clone()),
            Field::new(
                lang,
                "group",
                "field-flag-group",
                FieldKind::Select(options(lang, "flag-group", &GROUPS, "option-any")),
            )
            .value(q.group.clone()),
        ],
        "action-filter",
    )
    .with_errors(lang, &errors);
    let mut table = Table::new(
        lang,
        "list",
        &[
            "col-alert-indicator",
            "col-alert-group",
            "col-alert-subject",
            "col-alert-value",
            "col-state",
            "col-alert-updated",
        ],
        "empty-trading-alerts",
    );
    table.counted(lang, found.total);
    for a in found.alerts {
        table.rows.push(vec![
            Cell::Link { href: format!("/staff/trading/alerts/{}", a.id), text: indicator_words(lang, &a.indicator) },
            Cell::Text(word(lang, "flag-group", &a.flag_group)),
            Cell::Mono(a.subject),
            Cell::Text(a.value.map(number).unwrap_or_default()),
            state_badge(lang, &a.state),
            Cell::Text(local_time(&a.updated_at.to_rfc3339())),
        ]);
    }
    let query = [
        ("state", q.state.clone()),
        ("indicator", q.indicator.clone()),
        ("group", q.group.clone()),
        ("q", q.q.clone()),
        ("open", q.open.clone()),
    ];
    paginate(&mut table, "/staff/trading/alerts", &query, page, PER_PAGE);
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-trading-alerts", "trading-alerts"),
        actions: vec![("/staff/trading".to_owned(), lang.t("action-trading-dashboard"))],
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
    let d = trading_alerts::alert_detail(&state.store, &caller.principal, id).await?;
    let a = &d.alert;
    let mut facts = vec![
        (lang.t("col-alert-indicator"), indicator_words(lang, &a.indicator)),
        (lang.t("col-alert-group"), word(lang, "flag-group", &a.flag_group)),
        (lang.t("col-alert-subject"), a.subject.clone()),
        (lang.t("col-state"), word(lang, "alert-state", &a.state)),
        (lang.t("col-alert-value"), a.value.map(number).unwrap_or_default()),
    ];
    if let Some(threshold) = d.evidence.as_ref().and_then(|e| e.get("threshold")).and_then(serde_json::Value::as_f64) {
        facts.push((lang.t("col-alert-threshold"), number(threshold)));
    }
    if let Some(explanation) = &a.explanation {
        facts.push((lang.t("col-alert-explanation"), explanation.clone()));
    }
    facts.push((lang.t("col-created"), local_time(&a.created_at.to_rfc3339())));

    let mut evidence =
        Table::new(lang, "alert-evidence", &["col-alert-fact", "col-alert-fact-text"], "empty-alert-evidence");
    if let Some((rid, ocid, title)) = &d.release {
        evidence.rows.push(vec![
            Cell::Text(lang.t("evidence-release")),
            Cell::Link {
                href: format!("/staff/trading/releases/{rid}"),
                text: title.as_ref().map_or_else(|| ocid.clone(), |t| format!("{t} ({ocid})")),
            },
        ]);
    }
    if let Some((pid, name)) = &d.party {
        evidence.rows.push(vec![
            Cell::Text(lang.t("evidence-party-record")),
            Cell::Link { href: format!("/staff/trading/parties/{pid}"), text: name.clone() },
        ]);
    }
    let listed = d.evidence.as_ref().and_then(|e| e.get("facts")).and_then(serde_json::Value::as_array);
    for f in listed.into_iter().flatten() {
        let key = f.get("fact").and_then(serde_json::Value::as_str).unwrap_or_default().replace('_', "-");
        let text = f.get("text").and_then(serde_json::Value::as_str).unwrap_or_default();
        evidence.rows.push(vec![Cell::Text(word(lang, "evidence", &key)), Cell::Text(text.to_owned())]);
    }
    evidence.counted(lang, evidence.rows.len() as u64);

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
    let may_handle = authorize(&caller.principal, Action::HandleTradingAlerts, Target::County).is_ok();
    let form = (may_handle && !d.next.is_empty()).then(|| {
        let choices: Vec<(String, String)> =
            d.next.iter().map(|s| (s.clone(), lang.t(&format!("alert-transition-{s}")))).collect();
        let mut form = Form::new(
            lang,
            format!("/staff/trading/alerts/{id}/transition"),
            vec![
                Field::new(lang, "to", "field-alert-to", FieldKind::Select(choices)).required(),
                Field::new(lang, "comment", "field-alert-comment", FieldKind::TextArea)
                    .help(lang.t("help-alert-comment")),
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
    let mut c = Chrome::new(lang, caller, "page-trading-alert", "trading-alerts");
    c.title = format!("{} · {}", c.title, indicator_words(lang, &a.indicator));
    Ok(DetailPage {
        c,
        actions: vec![("/staff/trading/alerts".to_owned(), lang.t("action-trading-alerts"))],
        facts,
        blocks: vec![
            Block { heading: lang.t("heading-alert-evidence"), table: evidence, form: None },
            Block { heading: lang.t("heading-alert-events"), table: events, form },
        ],
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
    require(&caller, Action::HandleTradingAlerts, Target::County)?;
    let result = match parse_transition(form.get("to"), Some(form.get("comment"))) {
        Ok((to, comment)) => trading_alerts::transition_alert(&state.store, &caller.principal, id, to, comment)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/trading/alerts/{id}"))),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &alert_page(&state, lang, &caller, id, Some((&errors, &form))).await?,
        ),
        Err(other) => Err(other),
    }
}
