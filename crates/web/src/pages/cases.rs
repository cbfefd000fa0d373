//! The online hall (网上办理) for staff: the scoped case list, a new case (its
//! verification code shown once), a case's page with its events, alerts and the
//! actions the caller may take; and the applicant's public look-up by case number
//! and verification code (nothing personal, one answer for every miss).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::field::FieldErrors;
use sunlight_domain::flow::Card;
use sunlight_domain::flow::case_event::{CaseAction, CaseStatus};
use sunlight_domain::flow::svg::state_symbol;
use sunlight_domain::flow::trace::StepState;
use sunlight_domain::policy::{Action, Target};
use sunlight_store::cases::{self, CaseFilter, RawAction, RawNewCase};
use sunlight_store::flowcharts::{self, FlowchartFilter};
use sunlight_store::org::{self, UnitFilter};

use super::case_lookup::{self, Lookup};
use super::supervision;
use super::{
    Block, FormPage, SecretPage, TablePage, paginate, render, render_status, require, see_other, table_response,
};
use crate::AppState;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::flowchart_text;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

const PER_PAGE: u64 = 50;
/// Published flowcharts the new-case form offers at most.
const POWER_CHOICES: u64 = 1_000;
/// The actions staff take in the hall (`apply` is the new-case form).
const HALL_ACTIONS: [CaseAction; 10] = [
    CaseAction::Accept,
    CaseAction::Start,
    CaseAction::Complete,
    CaseAction::Approve,
    CaseAction::Return,
    CaseAction::Correct,
    CaseAction::Pause,
    CaseAction::Resume,
    CaseAction::Finish,
    CaseAction::Terminate,
];

pub(super) fn word(lang: Lang, family: &str, key: &str) -> String {
    let id = format!("{family}-{key}");
    let text = lang.t(&id);
    if text == id { key.to_owned() } else { text }
}

fn status_badge(lang: Lang, status: &str) -> Cell {
    let class = match status {
        "open" => "ok",
        "paused" => "warn",
        _ => "muted",
    };
    Cell::Badge { class, text: word(lang, "case-status", status) }
}

fn card_badge(lang: Lang, card: &str) -> Cell {
    let class = match card {
        "red" => "card-red",
        "yellow" => "card-yellow",
        "reminder" => "card-reminder",
        _ => "muted",
    };
    Cell::Badge { class, text: word(lang, "case-card", card) }
}

fn any_option(lang: Lang) -> (String, String) {
    (String::new(), lang.t("option-any"))
}

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub unit_id: String,
    pub power: String,
    pub status: String,
    pub card: String,
    pub month: String,
    pub page: Option<u64>,
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewCases, Target::County)?;
    let (filter, errors) = match CaseFilter::parse(&q.unit_id, &q.power, &q.status, &q.card, &q.month) {
        Ok(f) => (f, FieldErrors::new()),
        Err(errors) => (CaseFilter::default(), errors),
    };
    let page = q.page.unwrap_or(1).max(1);
    let found = cases::list(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let units: Vec<(String, String)> = std::iter::once(any_option(lang))
        .chain(
            org::list_units(&state.store, &caller.principal, &UnitFilter::default())
                .await?
                .into_iter()
                .map(|u| (u.id.to_string(), u.name)),
        )
        .collect();
    let statuses: Vec<(String, String)> = std::iter::once(any_option(lang))
        .chain(CaseStatus::ALL.iter().map(|s| (s.as_str().to_owned(), word(lang, "case-status", s.as_str()))))
        .collect();
    let cards: Vec<(String, String)> = std::iter::once(any_option(lang))
        .chain(
            [Card::None, Card::Reminder, Card::Yellow, Card::Red]
                .iter()
                .map(|c| (c.as_str().to_owned(), word(lang, "case-card", c.as_str()))),
        )
        .collect();
    let filter_form = Form::new(
        lang,
        "/staff/cases".to_owned(),
        vec![
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(units)).value(q.unit_id.clone()),
            Field::new(lang, "power", "field-case-power", FieldKind::Text).value(q.power.clone()),
            Field::new(lang, "status", "field-case-status", FieldKind::Select(statuses)).value(q.status.clone()),
            Field::new(lang, "card", "field-case-card", FieldKind::Select(cards)).value(q.card.clone()),
            Field::new(lang, "month", "field-case-month", FieldKind::Text)
                .value(q.month.clone())
                .help(lang.t("help-case-month")),
        ],
        "action-filter",
    )
    .with_errors(lang, &errors);
    let mut table = Table::new(
        lang,
        "list",
        &[
            "col-case-number",
            "col-case-power",
            "col-case-subject",
            "col-case-step",
            "col-case-status",
            "col-case-card",
            "col-case-received",
            "col-case-deadline",
        ],
        "empty-cases",
    );
    table.counted(lang, found.total);
    for c in found.cases {
        table.rows.push(vec![
            Cell::Link { href: format!("/staff/cases/{}", c.case_number), text: c.case_number.clone() },
            Cell::Text(c.power_code.clone()),
            Cell::Text(c.subject.clone().unwrap_or_default()),
            Cell::Text(c.current_step.clone().unwrap_or_default()),
            status_badge(lang, &c.status),
            card_badge(lang, &c.card),
            Cell::Text(local_time(&c.received_at.to_rfc3339())),
            Cell::Text(c.promised_deadline.map(|d| local_time(&d.to_rfc3339())).unwrap_or_default()),
        ]);
    }
    let query = [
        ("unit_id", q.unit_id.clone()),
        ("power", q.power.clone()),
        ("status", q.status.clone()),
        ("card", q.card.clone()),
        ("month", q.month.clone()),
    ];
    paginate(&mut table, "/staff/cases", &query, page, PER_PAGE);
    let mut actions = Vec::new();
    if sunlight_domain::policy::authorize(&caller.principal, Action::HandleCases, Target::County).is_ok() {
        actions.push(("/staff/cases/new".to_owned(), lang.t("action-case-new")));
    }
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-cases", "cases"),
        actions,
        filter: Some(filter_form),
        table,
        create: None,
    };
    if errors.is_empty() { table_response(&page) } else { render_status(StatusCode::UNPROCESSABLE_ENTITY, &page) }
}

// ---------------------------------------------------------------- new case

async fn new_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    failed: Option<(&FieldErrors, &FormData)>,
) -> Result<FormPage, AppError> {
    let filter = FlowchartFilter { state: Some("published".into()), ..FlowchartFilter::default() };
    let charts = flowcharts::list(&state.store, &caller.principal, &filter, 1, POWER_CHOICES).await?;
    let powers: Vec<(String, String)> = charts
        .rows
        .into_iter()
        .map(|r| (r.flowchart.power_code.clone(), format!("{} {}", r.flowchart.power_code, r.flowchart.name)))
        .collect();
    let fields = vec![
        Field::new(lang, "power", "field-case-power", FieldKind::Select(powers)).required(),
        Field::new(lang, "applicant", "field-case-applicant", FieldKind::Text),
        Field::new(lang, "subject", "field-case-subject", FieldKind::Text),
    ];
    let mut form = Form::new(lang, "/staff/cases".to_owned(), fields, "action-case-create");
    if let Some((errors, data)) = failed {
        for field in &mut form.fields {
            field.value = data.get(field.name).to_owned();
        }
        form = form.with_errors(lang, errors);
    }
    Ok(FormPage { c: Chrome::new(lang, caller, "page-case-new", "cases"), intro: Some(lang.t("intro-case-new")), form })
}

pub async fn new_case(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::HandleCases, Target::County)?;
    Ok(render(&new_page(&state, lang, &caller, None).await?)?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::HandleCases, Target::County)?;
    let raw = RawNewCase {
        power: form.get("power").to_owned(),
        applicant: Some(form.get("applicant").to_owned()),
        subject: Some(form.get("subject").to_owned()),
        deadline: None,
    };
    let result = match raw.parse() {
        Ok(new) => cases::create_case(&state.store, &caller.principal, &new).await.map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(created) => {
            let page = SecretPage {
                c: Chrome::new(lang, &caller, "page-case-created", "cases"),
                notice: lang.t_args("notice-case-code-once", &[("number", created.case.case_number.clone().into())]),
                secret: created.verification_code,
                back: format!("/staff/cases/{}", created.case.case_number),
            };
            Ok(render(&page)?.into_response())
        }
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&state, lang, &caller, Some((&errors, &form))).await?,
        ),
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------- detail

/// A case's page: its facts, its run over its flowchart, its events and alerts.
#[derive(Template)]
#[template(path = "case_page.html")]
struct CasePage {
    c: Chrome,
    actions: Vec<(String, String)>,
    facts: Vec<(String, String)>,
    trace: TraceView,
    blocks: Vec<Block>,
}

/// The case timeline (办理轨迹): the drawing, what its marks mean, and every
/// finding in words under it.
struct TraceView {
    svg: String,
    legend: Vec<(&'static str, String)>,
    findings: Vec<String>,
    /// Events at activities the flowchart does not have, in one line.
    unknown: String,
}

fn trace_view(lang: Lang, d: &cases::CaseDetail) -> TraceView {
    let title = format!("{} {}", d.case.case_number, d.power_name);
    let svg = flowchart_text::draw_trace(lang, d.chart.chart(), &title, &d.trace);
    let legend = [StepState::Done, StepState::Current, StepState::Skipped, StepState::NotReached]
        .into_iter()
        .map(|s| (state_symbol(s), lang.t(&format!("legend-trace-{}", s.as_str().replace('_', "-")))))
        .chain([
            ("1", lang.t("legend-trace-badge")),
            ("!", lang.t("legend-trace-deviation")),
            ("━", lang.t("legend-trace-path")),
        ])
        .collect();
    let findings = d
        .trace
        .findings()
        .map(|(step, f)| {
            let rule = supervision::rule_name(lang, f.rule.as_str());
            let event = f.event.map(|n| n.to_string()).unwrap_or_default();
            let args = [
                ("step", step.unwrap_or_default().to_owned().into()),
                ("rule", rule.into()),
                ("event", event.into()),
                ("evidence", lang.said(&f.words, &f.evidence).into()),
            ];
            let key = match (step, f.event) {
                (Some(_), Some(_)) => "trace-finding-step-event",
                (Some(_), None) => "trace-finding-step",
                (None, Some(_)) => "trace-finding-event",
                (None, None) => "trace-finding",
            };
            lang.t_args(key, &args)
        })
        .collect();
    let unknown = if d.trace.unknown.is_empty() {
        String::new()
    } else {
        let listed: Vec<String> = d.trace.unknown.iter().map(|u| format!("#{} {}", u.event, u.activity)).collect();
        format!("{}{}", lang.t("trace-unknown"), listed.join(&lang.t("flowchart-separator-strong")))
    };
    TraceView { svg, legend, findings, unknown }
}

#[allow(clippy::too_many_lines)] // the facts, the events, the alerts and the form of one page
async fn detail_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    number: &str,
    failed: Option<(&FieldErrors, &FormData)>,
) -> Result<CasePage, AppError> {
    let d = cases::detail(&state.store, &caller.principal, number).await?;
    let c = &d.case;
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| local_time(&t.to_rfc3339())).unwrap_or_default();
    let mut facts = vec![
        (lang.t("col-case-number"), c.case_number.clone()),
        (lang.t("col-unit"), d.unit_name.clone()),
        (lang.t("col-case-power"), format!("{} {}", c.power_code, d.power_name)),
        (lang.t("col-case-applicant"), c.applicant.clone().unwrap_or_default()),
        (lang.t("col-case-subject"), c.subject.clone().unwrap_or_default()),
        (lang.t("col-case-status"), word(lang, "case-status", &c.status)),
        (lang.t("col-case-step"), c.current_step.clone().unwrap_or_default()),
        (lang.t("col-case-card"), word(lang, "case-card", &c.card)),
        (lang.t("col-case-received"), local_time(&c.received_at.to_rfc3339())),
        (lang.t("col-case-deadline"), time(c.promised_deadline)),
        (lang.t("col-case-finished"), time(c.finished_at)),
    ];
    facts.retain(|(_, v)| !v.is_empty());
    let mut events = Table::new(
        lang,
        "case-events",
        &[
            "col-case-seq",
            "col-case-step",
            "col-case-action",
            "col-actor",
            "col-at",
            "col-comment",
            "col-case-documents",
        ],
        "empty-case-events",
    );
    events.counted(lang, d.events.len() as u64);
    for e in &d.events {
        let documents: Vec<String> = serde_json::from_str(&e.documents).unwrap_or_default();
        events.rows.push(vec![
            Cell::Text(e.seq.to_string()),
            Cell::Text(e.step.clone()),
            Cell::Text(word(lang, "case-action", &e.action)),
            Cell::Text(e.actor.clone()),
            Cell::Text(local_time(&e.at.to_rfc3339())),
            Cell::Text(e.comment.clone().unwrap_or_default()),
            Cell::Text(documents.join("、")),
        ]);
    }
    let mut alerts = Table::new(
        lang,
        "case-alerts",
        &["col-case-alert", "col-case-rule", "col-case-level", "col-case-step", "col-state", "col-at"],
        "empty-case-alerts",
    );
    alerts.counted(lang, d.alerts.len() as u64);
    for a in &d.alerts {
        alerts.rows.push(vec![
            Cell::Link { href: format!("/staff/supervision/alerts/{}", a.id), text: format!("#{}", a.id) },
            Cell::Text(a.rule.clone()),
            card_badge(lang, &a.level),
            Cell::Text(a.step.clone().unwrap_or_default()),
            Cell::Text(a.state.clone()),
            Cell::Text(local_time(&a.raised_at.to_rfc3339())),
        ]);
    }
    let status = CaseStatus::parse(&c.status);
    let may_act = sunlight_domain::policy::authorize(&caller.principal, Action::HandleCases, Target::Unit(c.unit_id))
        .is_ok()
        && status.is_some_and(|s| !s.is_closed());
    let form = if may_act {
        let choices: Vec<(String, String)> = HALL_ACTIONS
            .iter()
            .filter(|a| match status {
                Some(CaseStatus::Paused) => !matches!(a, CaseAction::Pause),
                _ => !matches!(a, CaseAction::Resume),
            })
            .map(|a| (a.as_str().to_owned(), word(lang, "case-action", a.as_str())))
            .collect();
        let fields = vec![
            Field::new(lang, "action", "field-case-action", FieldKind::Select(choices)).required(),
            Field::new(lang, "step", "field-case-step", FieldKind::Text)
                .value(c.current_step.clone().unwrap_or_default()),
            Field::new(lang, "comment", "field-comment", FieldKind::TextArea),
            Field::new(lang, "documents", "field-case-documents", FieldKind::TextArea)
                .help(lang.t("help-case-documents")),
        ];
        let mut form = Form::new(lang, format!("/staff/cases/{}/actions", c.case_number), fields, "action-case-act");
        if let Some((errors, data)) = failed {
            for field in &mut form.fields {
                field.value = data.get(field.name).to_owned();
            }
            form = form.with_errors(lang, errors);
        }
        Some(form)
    } else {
        None
    };
    let mut chrome = Chrome::new(lang, caller, "page-case", "cases");
    chrome.title = format!("{} · {}", chrome.title, c.case_number);
    Ok(CasePage {
        c: chrome,
        actions: vec![("/staff/cases".to_owned(), lang.t("nav-cases"))],
        facts,
        trace: trace_view(lang, &d),
        blocks: vec![
            Block { heading: lang.t("heading-case-events"), table: events, form },
            Block { heading: lang.t("heading-case-alerts"), table: alerts, form: None },
        ],
    })
}

pub async fn detail(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewCases, Target::County)?;
    Ok(render(&detail_page(&state, lang, &caller, &number, None).await?)?.into_response())
}

pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    Path(number): Path<String>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::HandleCases, Target::County)?;
    let documents = form.get("documents").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    let comment = Some(form.get("comment").trim().to_owned()).filter(|c| !c.is_empty());
    let raw = RawAction {
        action: form.get("action").to_owned(),
        step: form.get("step").to_owned(),
        group: None,
        comment,
        documents,
        fee_due: None,
        fee_paid: None,
    };
    let result = match raw.parse() {
        Ok(input) => cases::act(&state.store, &caller.principal, &number, &input).await.map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(case) => Ok(see_other(&format!("/staff/cases/{}", case.case_number))),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_page(&state, lang, &caller, &number, Some((&errors, &form))).await?,
        ),
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------- public status

#[derive(Template)]
#[template(path = "case_status.html")]
struct StatusPage {
    lang: Lang,
    county: String,
    number: String,
    error: Option<String>,
    /// (label, value) of the case, in words.
    facts: Vec<(String, String)>,
    /// (step, action in words, date)
    steps: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusQuery {
    number: String,
    code: String,
}

pub async fn public_status(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Query(q): Query<StatusQuery>,
) -> Result<Response, AppError> {
    let county = org::county_name(&state.store).await?.unwrap_or_default();
    let mut page =
        StatusPage { lang, county, number: q.number.clone(), error: None, facts: Vec::new(), steps: Vec::new() };
    if q.number.trim().is_empty() && q.code.trim().is_empty() {
        return Ok(render(&page)?.into_response());
    }
    let lookup = case_lookup::look_up(&state, address.ip(), &q.number, &q.code).await?;
    page.error = lookup.error(lang);
    let Lookup::Found(case) = lookup else { return render_status(lookup.status(), &page) };
    let view = case_lookup::case_view(lang, &case);
    page.facts = view.facts;
    page.steps = view.steps;
    Ok(render(&page)?.into_response())
}
