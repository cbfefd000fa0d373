//! The trading centre's data pages (一中心): contracting processes, their bids,
//! awards, contracts, amendments and payments, the parties' histories, and the OCDS
//! upload. County data: the roles with `ViewTrading` see it, the commission imports.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_store::StoreError;
use sunlight_store::trading::{self, ImportSummary, ReleaseFilter};

use super::{Block, DetailPage, TablePage, paginate, render_status, require, table_response};
use crate::AppState;
use crate::auth::{CSRF_FIELD, Caller, same_token};
use crate::error::{AppError, field_message};
use crate::i18n::Lang;
use crate::import_text::{ocds_issue_line, ocds_summary_lines};
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, shanghai};

const PER_PAGE: u64 = 50;
/// Problems of an upload listed on the page (the count names all of them).
const MAX_ISSUES: usize = 500;
const METHODS: &[&str] = &["open", "selective", "limited", "direct"];
const CATEGORIES: &[&str] = &["goods", "works", "services"];

/// A coded value in words (`trading-stage-award`), or the code itself when unknown.
fn word(lang: Lang, family: &str, code: &str) -> String {
    let key = format!("trading-{family}-{}", code.replace('_', "-"));
    let text = lang.t(&key);
    if text == key { code.to_owned() } else { text }
}

fn choices(lang: Lang, family: &str, codes: &[&str]) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), lang.t("option-any"))];
    out.extend(codes.iter().map(|c| ((*c).to_owned(), word(lang, family, c))));
    out
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

fn money(amount: Option<f64>, currency: Option<&str>) -> String {
    match amount {
        Some(amount) => format!("{amount:.2} {}", currency.unwrap_or_default()).trim_end().to_owned(),
        None => String::new(),
    }
}

fn text(value: Option<&str>) -> Cell {
    Cell::Text(value.unwrap_or_default().to_owned())
}

fn party_cell(id: Option<i64>, name: Option<&str>) -> Cell {
    match id {
        Some(id) => Cell::Link { href: format!("/staff/trading/parties/{id}"), text: name.unwrap_or("—").to_owned() },
        None => Cell::Text(String::new()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReleaseQuery {
    q: String,
    stage: String,
    method: String,
    category: String,
    buyer: String,
    page: Option<u64>,
}

pub async fn releases(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ReleaseQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let page = q.page.unwrap_or(1).max(1);
    let filter = ReleaseFilter {
        q: Some(q.q.clone()),
        stage: Some(q.stage.clone()),
        method: Some(q.method.clone()),
        category: Some(q.category.clone()),
        buyer: q.buyer.trim().parse().ok(),
    };
    let found = trading::list_releases(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let stages = trading::stage_counts(&state.store, &caller.principal).await?;
    let mut stage_options = vec![(String::new(), lang.t("option-any"))];
    stage_options.extend(stages.iter().map(|(s, n)| ((*s).to_owned(), format!("{}（{n}）", word(lang, "stage", s)))));
    let mut form = Form::new(
        lang,
        "/staff/trading/releases".into(),
        vec![
            Field::new(lang, "q", "field-trading-q", FieldKind::Text).value(q.q.clone()),
            Field::new(lang, "stage", "field-trading-stage", FieldKind::Select(stage_options)).value(q.stage.clone()),
            Field::new(lang, "method", "field-trading-method", FieldKind::Select(choices(lang, "method", METHODS)))
                .value(q.method.clone()),
            Field::new(
                lang,
                "category",
                "field-trading-category",
                FieldKind::Select(choices(lang, "category", CATEGORIES)),
            )
            .value(q.category.clone()),
        ],
        "action-filter",
    );
    if !q.buyer.is_empty() {
        form.fields.push(Field::new(lang, "buyer", "field-trading-buyer", FieldKind::Number).value(q.buyer.clone()));
    }
    let mut table = Table::new(
        lang,
        "trading-releases",
        &[
            "col-trading-ocid",
            "col-trading-title",
            "col-trading-buyer",
            "col-trading-stage",
            "col-trading-method",
            "col-trading-value",
            "col-trading-tender-end",
            "col-trading-tenderers",
        ],
        "empty-trading-releases",
    );
    table.counted(lang, found.total);
    for r in &found.releases {
        table.rows.push(vec![
            Cell::Link { href: format!("/staff/trading/releases/{}", r.id), text: r.ocid.clone() },
            text(r.title.as_deref()),
            party_cell(r.buyer_id, r.buyer_name.as_deref()),
            Cell::Badge { class: "state", text: word(lang, "stage", &r.stage) },
            Cell::Text(r.procurement_method.as_deref().map(|m| word(lang, "method", m)).unwrap_or_default()),
            Cell::Text(money(r.value_amount, r.value_currency.as_deref())),
            Cell::Text(when(r.tender_end)),
            Cell::Text(r.number_of_tenderers.map(|n| n.to_string()).unwrap_or_default()),
        ]);
    }
    let query = [
        ("q", q.q.clone()),
        ("stage", q.stage.clone()),
        ("method", q.method.clone()),
        ("category", q.category.clone()),
        ("buyer", q.buyer.clone()),
    ];
    paginate(&mut table, "/staff/trading/releases", &query, page, PER_PAGE);
    let mut actions = Vec::new();
    if authorize(&caller.principal, Action::ImportTrading, Target::County).is_ok() {
        actions.push(("/staff/trading/import".to_owned(), lang.t("nav-trading-import")));
    }
    table_response(&TablePage {
        c: Chrome::new(lang, &caller, "title-trading-releases", "trading-releases"),
        actions,
        filter: Some(form),
        table,
        create: None,
    })
}

#[allow(clippy::too_many_lines)] // one block per OCDS section
pub async fn release(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let d = trading::get_release(&state.store, &caller.principal, id).await?;
    let r = &d.release;
    let mut c = Chrome::new(lang, &caller, "title-trading-release", "trading-releases");
    c.title = format!("{}：{}", c.title, r.title.clone().unwrap_or_else(|| r.ocid.clone()));
    let facts = vec![
        (lang.t("col-trading-ocid"), r.ocid.clone()),
        (lang.t("col-trading-title"), r.title.clone().unwrap_or_default()),
        (lang.t("col-trading-buyer"), r.buyer_name.clone().unwrap_or_default()),
        (lang.t("col-trading-procuring-entity"), d.procuring_entity_name.clone().unwrap_or_default()),
        (lang.t("col-trading-stage"), word(lang, "stage", &r.stage)),
        (
            lang.t("col-trading-method"),
            [r.procurement_method.as_deref().map(|m| word(lang, "method", m)), d.procurement_method_details.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
        ),
        (lang.t("col-trading-category"), r.category.as_deref().map(|m| word(lang, "category", m)).unwrap_or_default()),
        (lang.t("col-trading-value"), money(r.value_amount, r.value_currency.as_deref())),
        (lang.t("col-trading-tender-start"), when(d.tender_start)),
        (lang.t("col-trading-tender-end"), when(r.tender_end)),
        (lang.t("col-trading-tenderers"), r.number_of_tenderers.map(|n| n.to_string()).unwrap_or_default()),
        (lang.t("col-trading-imported"), when(Some(r.updated_at))),
    ];
    let mut bids = Table::new(
        lang,
        "trading-bids",
        &["col-trading-bid", "col-trading-tenderer", "col-trading-amount", "col-trading-date", "col-state"],
        "empty-trading-bids",
    );
    bids.counted(lang, d.bids.len() as u64);
    for b in &d.bids {
        bids.rows.push(vec![
            text(b.row.bid_id.as_deref()),
            party_cell(b.row.tenderer_id, b.party_name.as_deref()),
            Cell::Text(money(b.row.amount, b.row.currency.as_deref())),
            Cell::Text(when(b.row.date)),
            text(b.row.status.as_deref()),
        ]);
    }
    let mut awards = Table::new(
        lang,
        "trading-awards",
        &["col-trading-award", "col-trading-supplier", "col-trading-amount", "col-trading-date", "col-state"],
        "empty-trading-awards",
    );
    awards.counted(lang, d.awards.len() as u64);
    for a in &d.awards {
        awards.rows.push(vec![
            text(a.row.award_id.as_deref()),
            party_cell(a.row.supplier_id, a.party_name.as_deref()),
            Cell::Text(money(a.row.amount, a.row.currency.as_deref())),
            Cell::Text(when(a.row.date)),
            text(a.row.status.as_deref()),
        ]);
    }
    let mut contracts = Table::new(
        lang,
        "trading-contracts",
        &["col-trading-contract", "col-trading-award", "col-trading-amount", "col-trading-signed", "col-state"],
        "empty-trading-contracts",
    );
    contracts.counted(lang, d.contracts.len() as u64);
    for k in &d.contracts {
        contracts.rows.push(vec![
            text(k.contract_id.as_deref()),
            text(k.award_id.as_deref()),
            Cell::Text(money(k.amount, k.currency.as_deref())),
            Cell::Text(when(k.date_signed)),
            text(k.status.as_deref()),
        ]);
    }
    let mut amendments = Table::new(
        lang,
        "trading-amendments",
        &[
            "col-trading-contract",
            "col-trading-date",
            "col-trading-description",
            "col-trading-former-amount",
            "col-trading-amount",
        ],
        "empty-trading-amendments",
    );
    amendments.counted(lang, d.amendments.len() as u64);
    for m in &d.amendments {
        amendments.rows.push(vec![
            text(m.contract_id.as_deref()),
            Cell::Text(when(m.date)),
            text(m.description.as_deref()),
            Cell::Text(money(m.former_amount, None)),
            Cell::Text(money(m.amount, None)),
        ]);
    }
    let mut payments = Table::new(
        lang,
        "trading-payments",
        &["col-trading-contract", "col-trading-payment", "col-trading-amount", "col-trading-date"],
        "empty-trading-payments",
    );
    payments.counted(lang, d.payments.len() as u64);
    for p in &d.payments {
        payments.rows.push(vec![
            text(p.contract_id.as_deref()),
            text(p.payment_id.as_deref()),
            Cell::Text(money(p.amount, p.currency.as_deref())),
            Cell::Text(when(p.date)),
        ]);
    }
    let mut parties =
        Table::new(lang, "trading-parties", &["col-trading-party", "col-trading-identifier"], "empty-trading-parties");
    parties.counted(lang, d.parties.len() as u64);
    for p in &d.parties {
        parties
            .rows
            .push(vec![party_cell(Some(p.id), Some(&p.name)), Cell::Mono(p.identifier.clone().unwrap_or_default())]);
    }
    let block = |key: &str, table: Table| Block { heading: lang.t(key), table, form: None };
    let page = DetailPage {
        c,
        actions: vec![
            (format!("/staff/trading/releases/{id}/compiled.json"), lang.t("action-trading-compiled")),
            ("/staff/trading/releases".into(), lang.t("action-back")),
        ],
        facts,
        blocks: vec![
            block("heading-trading-bids", bids),
            block("heading-trading-awards", awards),
            block("heading-trading-contracts", contracts),
            block("heading-trading-amendments", amendments),
            block("heading-trading-payments", payments),
            block("heading-trading-parties", parties),
        ],
    };
    render_status(StatusCode::OK, &page)
}

/// The compiled release exactly as stored.
pub async fn compiled_json(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let text = trading::compiled_text(&state.store, &caller.principal, id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json; charset=utf-8")], text).into_response())
}

#[allow(clippy::too_many_lines)] // buyer side, then supplier side
pub async fn party(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewTrading, Target::County)?;
    let d = trading::get_party(&state.store, &caller.principal, id).await?;
    let mut c = Chrome::new(lang, &caller, "title-trading-party", "trading-releases");
    c.title = format!("{}：{}", c.title, d.party.name);
    let facts = vec![
        (lang.t("col-trading-party"), d.party.name.clone()),
        (lang.t("col-trading-identifier"), d.party.identifier.clone().unwrap_or_default()),
        (lang.t("col-trading-party-key"), d.party.party_key.clone()),
        (lang.t("col-trading-processes-bought"), d.processes_total.to_string()),
        (lang.t("col-trading-processes-bid"), d.processes_bid.to_string()),
        (lang.t("col-trading-processes-won"), d.processes_won.to_string()),
        (lang.t("col-trading-win-ratio"), d.win_ratio.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default()),
    ];
    let mut processes = Table::new(
        lang,
        "trading-party-processes",
        &["col-trading-ocid", "col-trading-title", "col-trading-stage", "col-trading-value"],
        "empty-trading-releases",
    );
    processes.counted(lang, d.processes_total);
    for r in &d.processes {
        processes.rows.push(vec![
            Cell::Link { href: format!("/staff/trading/releases/{}", r.id), text: r.ocid.clone() },
            text(r.title.as_deref()),
            Cell::Text(word(lang, "stage", &r.stage)),
            Cell::Text(money(r.value_amount, r.value_currency.as_deref())),
        ]);
    }
    if d.processes_total > d.processes.len() as u64 {
        processes.more = Some((format!("/staff/trading/releases?buyer={id}"), lang.t("action-trading-all-processes")));
    }
    let mut suppliers = Table::new(
        lang,
        "trading-party-suppliers",
        &["col-trading-supplier", "col-trading-awards", "col-trading-amount", "col-trading-share"],
        "empty-trading-awards",
    );
    suppliers.counted(lang, d.suppliers.len() as u64);
    for s in &d.suppliers {
        suppliers.rows.push(vec![
            party_cell(s.supplier_id, s.supplier_name.as_deref()),
            Cell::Text(s.awards.to_string()),
            Cell::Text(money(Some(s.amount), Some(&s.currency))),
            Cell::Text(format!("{:.1}%", s.share * 100.0)),
        ]);
    }
    let mut bids = Table::new(
        lang,
        "trading-party-bids",
        &["col-trading-ocid", "col-trading-title", "col-trading-amount", "col-state"],
        "empty-trading-bids",
    );
    bids.counted(lang, d.bids.len() as u64);
    for b in &d.bids {
        bids.rows.push(vec![
            Cell::Link { href: format!("/staff/trading/releases/{}", b.row.release_id), text: b.ocid.clone() },
            text(b.title.as_deref()),
            Cell::Text(money(b.row.amount, b.row.currency.as_deref())),
            text(b.row.status.as_deref()),
        ]);
    }
    let mut awards = Table::new(
        lang,
        "trading-party-awards",
        &["col-trading-ocid", "col-trading-title", "col-trading-amount", "col-trading-date"],
        "empty-trading-awards",
    );
    awards.counted(lang, d.awards.len() as u64);
    for a in &d.awards {
        awards.rows.push(vec![
            Cell::Link { href: format!("/staff/trading/releases/{}", a.row.release_id), text: a.ocid.clone() },
            text(a.title.as_deref()),
            Cell::Text(money(a.row.amount, a.row.currency.as_deref())),
            Cell::Text(when(a.row.date)),
        ]);
    }
    let block = |key: &str, table: Table| Block { heading: lang.t(key), table, form: None };
    let page = DetailPage {
        c,
        actions: vec![("/staff/trading/releases".into(), lang.t("action-back"))],
        facts,
        blocks: vec![
            block("heading-trading-processes-bought", processes),
            block("heading-trading-suppliers", suppliers),
            block("heading-trading-party-bids", bids),
            block("heading-trading-party-awards", awards),
        ],
    };
    render_status(StatusCode::OK, &page)
}

/// The OCDS upload: the form, and after an upload what it did.
#[derive(Template)]
#[template(path = "trading_import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub notices: Vec<String>,
    pub error: Option<String>,
    pub issues: Option<Table>,
}

impl ImportPage {
    fn new(lang: Lang, caller: &Caller) -> Self {
        Self {
            c: Chrome::new(lang, caller, "title-trading-import", "trading-import"),
            notices: Vec::new(),
            error: None,
            issues: None,
        }
    }

    fn with_summary(mut self, lang: Lang, summary: &ImportSummary) -> Self {
        self.notices = ocds_summary_lines(lang, summary);
        if !summary.issues.is_empty() {
            let mut table = Table::new(lang, "trading-import-issues", &["col-trading-issue"], "empty-trading-issues");
            table.counted(lang, summary.issues.len() as u64);
            // A file of many bad lines: the first problems, and the count of all.
            table.rows =
                summary.issues.iter().take(MAX_ISSUES).map(|i| vec![Cell::Text(ocds_issue_line(lang, i))]).collect();
            self.issues = Some(table);
        }
        self
    }
}

pub async fn import_page(lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ImportTrading, Target::County)?;
    render_status(StatusCode::OK, &ImportPage::new(lang, &caller))
}

async fn read_upload(mut multipart: Multipart) -> Result<(String, Vec<u8>), AppError> {
    let (mut csrf, mut file) = (String::new(), Vec::new());
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
            "file" => file = field.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file))
}

pub async fn import_upload(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    require(&caller, Action::ImportTrading, Target::County)?;
    let multipart = multipart.map_err(|e| AppError::BadRequest("bad_form", e.body_text()))?;
    let (csrf, bytes) = read_upload(multipart).await?;
    if !same_token(&csrf, caller.csrf()) {
        return Err(AppError::Csrf);
    }
    let mut page = ImportPage::new(lang, &caller);
    let Ok(text) = String::from_utf8(bytes) else {
        page.error = Some(lang.t("field-ocds-not-utf8"));
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match trading::import_ocds(&state.store, &caller.principal, &text).await {
        Ok(summary) => render_status(StatusCode::OK, &page.with_summary(lang, &summary)),
        Err(StoreError::Invalid(fields)) => {
            page.error = Some(fields.iter().map(|(_, e)| field_message(lang, e)).collect::<Vec<_>>().join(" "));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
