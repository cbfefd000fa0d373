//! Complaints and reports (群众举报/投诉): the public form, the receipt, the status
//! look-up by receipt code, and the staff list and detail with their transitions.
//!
//! The public form is anonymous-friendly: nothing about the sender's connection is
//! stored or logged. The client address is held in memory only, for the rate limit
//! ([`RateLimiter`]), and forgotten when its window passes. A honeypot field, hidden
//! by CSS, must stay empty.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::complaint::{
    Category, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, RawFile, RawSubmission, ReceiptCode, State as CState, Submission,
    TransitionRequest,
};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Principal, Target};
use sunlight_store::complaints::{self, ComplaintFilter};
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::risk::today_in_county;

use super::{Block, DetailPage, TablePage, paginate, render, render_status, require, see_other, table_response};
use crate::AppState;
use crate::auth::{CSRF_FIELD, Caller, FormData, StaffForm, same_token, set_cookie};
use crate::error::{AppError, field_message};
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

/// The CSRF cookie of the public form (no session: the form repeats the cookie).
pub const COMPLAINT_CSRF_COOKIE: &str = "sunlight_complaint_csrf";
/// The honeypot: a field people never see (hidden by CSS) and bots fill in.
const HONEYPOT: &str = "website";
const PER_PAGE: u64 = 50;
/// Submissions a client address may make in [`RATE_WINDOW`].
pub const RATE_LIMIT: usize = 5;
pub const RATE_WINDOW: Duration = Duration::from_mins(10);

/// Submissions per client address in the last window, in memory only.
#[derive(Default)]
pub struct RateLimiter {
    seen: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl RateLimiter {
    /// Counts one submission; `Err(seconds)` to wait when the address is over the limit.
    pub fn allow(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        self.allow_up_to(address, now, RATE_LIMIT)
    }

    /// [`Self::allow`] with `limit` submissions in [`RATE_WINDOW`].
    pub fn allow_up_to(&self, address: IpAddr, now: Instant, limit: usize) -> Result<(), u64> {
        let Ok(mut seen) = self.seen.lock() else { return Ok(()) };
        // Forget what is past the window, so the map holds no address for long.
        seen.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < RATE_WINDOW);
            !times.is_empty()
        });
        let times = seen.entry(address).or_default();
        if times.len() >= limit {
            let oldest = times.first().copied().unwrap_or(now);
            return Err(RATE_WINDOW.saturating_sub(now.duration_since(oldest)).as_secs().max(1));
        }
        times.push(now);
        Ok(())
    }
}

fn word(lang: Lang, family: &str, key: &str) -> String {
    let id = format!("{family}-{key}");
    let text = lang.t(&id);
    if text == id { key.to_owned() } else { text }
}

fn state_badge(lang: Lang, state: &str) -> Cell {
    let class = match state {
        "received" => "warn",
        "closed" | "declined" => "muted",
        _ => "ok",
    };
    Cell::Badge { class, text: word(lang, "complaint-state", state) }
}

// ---------------------------------------------------------------- public form

#[derive(Template)]
#[template(path = "complaint_new.html")]
struct NewPage {
    lang: Lang,
    county: String,
    csrf: String,
    categories: Vec<(String, String)>,
    units: Vec<(String, String)>,
    values: HashMap<&'static str, String>,
    anonymous: bool,
    errors: Vec<(String, String)>,
    error: Option<String>,
}

impl NewPage {
    fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    fn error_for(&self, name: &str) -> Option<String> {
        self.errors.iter().find(|(field, _)| field == name).map(|(_, message)| message.clone())
    }
}

const TEXT_FIELDS: [&str; 7] = ["name", "phone", "category", "unit_id", "power_code", "case_number", "text"];

async fn new_page(
    state: &AppState,
    lang: Lang,
    raw: Option<&RawSubmission>,
    errors: &FieldErrors,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let portal = Principal::system("portal");
    let units = org::list_units(&state.store, &portal, &UnitFilter::default())
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let categories =
        Category::ALL.iter().map(|c| (c.key().to_owned(), word(lang, "complaint-category", c.key()))).collect();
    let mut values = HashMap::new();
    if let Some(raw) = raw {
        let fields = [&raw.name, &raw.phone, &raw.category, &raw.unit_id, &raw.power_code, &raw.case_number, &raw.text];
        for (name, value) in TEXT_FIELDS.iter().zip(fields) {
            values.insert(*name, value.clone());
        }
    }
    let csrf = hex::encode(rand::random::<[u8; 32]>());
    let page = NewPage {
        lang,
        county: org::county_name(&state.store).await?.unwrap_or_default(),
        csrf: csrf.clone(),
        categories,
        units,
        values,
        anonymous: raw.is_none_or(|r| r.anonymous),
        errors: errors.iter().map(|(f, e)| (f.clone(), field_message(lang, e))).collect(),
        error,
    };
    let cookie = set_cookie(COMPLAINT_CSRF_COOKIE, &csrf, 3600, state.config.secure_cookies);
    Ok((status, [(header::SET_COOKIE, cookie)], render(&page)?).into_response())
}

pub async fn new_complaint(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    new_page(&state, lang, None, &FieldErrors::new(), None, StatusCode::OK).await
}

/// The form's text fields and files; `honeypot` is what the hidden field held;
/// `too_large` when the body went past the upload limit (what came before is kept).
struct Posted {
    raw: RawSubmission,
    csrf: String,
    honeypot: String,
    too_large: bool,
}

async fn read_form(mut multipart: Multipart) -> Result<Posted, AppError> {
    let mut posted =
        Posted { raw: RawSubmission::default(), csrf: String::new(), honeypot: String::new(), too_large: false };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                posted.too_large = true;
                break;
            }
            Err(e) => return Err(AppError::BadRequest("bad_multipart", e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let declared_type = field.content_type().unwrap_or_default().to_owned();
            match field.bytes().await {
                Ok(bytes) => posted.raw.files.push(RawFile { name: file_name, declared_type, bytes: bytes.to_vec() }),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    posted.too_large = true;
                    break;
                }
                Err(e) => return Err(AppError::BadRequest("bad_multipart", e.body_text())),
            }
            continue;
        }
        let text = match field.text().await {
            Ok(text) => text,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                posted.too_large = true;
                break;
            }
            Err(e) => return Err(AppError::BadRequest("bad_multipart", e.body_text())),
        };
        let raw = &mut posted.raw;
        match name.as_str() {
            "anonymous" => raw.anonymous = !text.is_empty(),
            "name" => raw.name = text,
            "phone" => raw.phone = text,
            "category" => raw.category = text,
            "unit_id" => raw.unit_id = text,
            "power_code" => raw.power_code = text,
            "case_number" => raw.case_number = text,
            "text" => raw.text = text,
            CSRF_FIELD => posted.csrf = text,
            HONEYPOT => posted.honeypot = text,
            _ => {}
        }
    }
    Ok(posted)
}

#[derive(Template)]
#[template(path = "complaint_receipt.html")]
struct ReceiptPage {
    lang: Lang,
    county: String,
    code: String,
}

/// Receives a complaint. The client address is used for the in-memory rate limit
/// and nothing else: it is neither stored nor logged.
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let multipart = multipart.map_err(|e| AppError::BadRequest("bad_multipart", e.body_text()))?;
    let posted = read_form(multipart).await?;
    if posted.too_large {
        // Nothing was checked or kept; the form comes back with what was typed
        // before the files, and says what fits.
        let message = lang.t_args(
            "complaint-too-large",
            &[("count", MAX_ATTACHMENTS.into()), ("mib", (MAX_ATTACHMENT_BYTES / (1024 * 1024)).into())],
        );
        return new_page(
            &state,
            lang,
            Some(&posted.raw),
            &FieldErrors::new(),
            Some(message),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    let expected = crate::i18n::cookie(&headers, COMPLAINT_CSRF_COOKIE).unwrap_or_default();
    if !same_token(&posted.csrf, &expected) {
        return Err(AppError::Csrf);
    }
    if !posted.honeypot.trim().is_empty() {
        let errors = FieldErrors::new();
        let message = lang.t("complaint-rejected");
        return new_page(&state, lang, Some(&posted.raw), &errors, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    if let Err(seconds) = state.complaint_limiter.allow(address.ip(), Instant::now()) {
        let message = lang.t_args("complaint-rate-limited", &[("seconds", seconds.into())]);
        let mut response = new_page(
            &state,
            lang,
            Some(&posted.raw),
            &FieldErrors::new(),
            Some(message),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let submission = match Submission::parse(&posted.raw) {
        Ok(s) => s,
        Err(errors) => {
            return new_page(&state, lang, Some(&posted.raw), &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match complaints::submit(&state.store, &submission, today_in_county()).await {
        Ok(receipt) => {
            let page = ReceiptPage {
                lang,
                county: org::county_name(&state.store).await?.unwrap_or_default(),
                code: receipt.code.grouped(),
            };
            Ok((StatusCode::CREATED, render(&page)?).into_response())
        }
        Err(sunlight_store::StoreError::Invalid(errors)) => {
            new_page(&state, lang, Some(&posted.raw), &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------- public status

#[derive(Template)]
#[template(path = "complaint_status.html")]
struct StatusPage {
    lang: Lang,
    county: String,
    code: String,
    error: Option<String>,
    /// (state words, received, accept by)
    found: Option<(String, String, String)>,
    /// (state words, at, reply)
    events: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusQuery {
    code: Option<String>,
}

pub async fn status(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<StatusQuery>,
) -> Result<Response, AppError> {
    let county = org::county_name(&state.store).await?.unwrap_or_default();
    let typed = q.code.unwrap_or_default();
    let mut page = StatusPage { lang, county, code: typed.clone(), error: None, found: None, events: Vec::new() };
    if typed.trim().is_empty() {
        return Ok(render(&page)?.into_response());
    }
    let code = match ReceiptCode::parse(&typed) {
        Ok(code) => code,
        Err(e) => {
            page.error = Some(field_message(lang, &e));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let Some(s) = complaints::status(&state.store, &code).await? else {
        page.error = Some(lang.t("complaint-unknown-code"));
        return render_status(StatusCode::NOT_FOUND, &page);
    };
    page.code.clone_from(&s.code);
    page.found = Some((
        word(lang, "complaint-state", &s.state),
        local_time(&s.received_at.to_rfc3339()),
        s.accept_due.to_string(),
    ));
    page.events = s
        .events
        .into_iter()
        .map(|e| {
            (word(lang, "complaint-state", &e.state), local_time(&e.at.to_rfc3339()), e.comment.unwrap_or_default())
        })
        .collect();
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------- staff list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub state: String,
    pub category: String,
    pub unit_id: String,
    pub overdue: String,
    pub page: Option<u64>,
}

/// Parses the list's filter, reporting every error at once.
pub fn parse_filter(state: &str, category: &str, unit_id: &str, overdue: bool) -> Result<ComplaintFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let optional = |s: &str| if s.trim().is_empty() { None } else { Some(s.to_owned()) };
    let state = optional(state).and_then(|s| errors.take("state", s.parse::<CState>()));
    let category = optional(category).and_then(|s| errors.take("category", s.parse::<Category>()));
    let unit_id = optional(unit_id)
        .and_then(|s| errors.take("unit_id", s.trim().parse::<i64>().map_err(|_| FieldError::new("not_a_number"))));
    errors.into_result()?;
    Ok(ComplaintFilter { state, category, unit_id, overdue })
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
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewComplaints, Target::County)?;
    let overdue = !q.overdue.is_empty();
    let (filter, errors) = match parse_filter(&q.state, &q.category, &q.unit_id, overdue) {
        Ok(f) => (f, FieldErrors::new()),
        Err(errors) => (ComplaintFilter::default(), errors),
    };
    let page = q.page.unwrap_or(1).max(1);
    let found = complaints::list(&state.store, &caller.principal, &filter, today_in_county(), page, PER_PAGE).await?;
    let units: Vec<(String, String)> = std::iter::once((String::new(), lang.t("option-any")))
        .chain(
            org::list_units(&state.store, &caller.principal, &UnitFilter::default())
                .await?
                .into_iter()
                .map(|u| (u.id.to_string(), u.name)),
        )
        .collect();
    let states: Vec<&str> = CState::ALL.iter().map(|s| s.key()).collect();
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
    let filter_form = Form::new(
        lang,
        "/staff/complaints".to_owned(),
        vec![
            Field::new(
                lang,
                "state",
                "field-complaint-state",
                FieldKind::Select(options(lang, "complaint-state", &states)),
            )
            .value(q.state.clone()),
            Field::new(
                lang,
                "category",
                "field-complaint-category",
                FieldKind::Select(options(lang, "complaint-category", &categories)),
            )
            .value(q.category.clone()),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(units)).value(q.unit_id.clone()),
            Field::new(lang, "overdue", "field-complaint-overdue", FieldKind::Checkbox).value(q.overdue.clone()),
        ],
        "action-filter",
    )
    .with_errors(lang, &errors);
    let mut table = Table::new(
        lang,
        "list",
        &[
            "col-complaint-code",
            "col-complaint-category",
            "col-unit",
            "col-state",
            "col-complaint-due",
            "col-created",
            "col-complaint-summary",
        ],
        "empty-complaints",
    );
    table.counted(lang, found.total);
    for c in found.complaints {
        let due = if c.overdue {
            Cell::Badge { class: "warn", text: format!("{} · {}", c.accept_due, lang.t("complaint-overdue")) }
        } else {
            Cell::Text(c.accept_due.to_string())
        };
        table.rows.push(vec![
            Cell::Link {
                href: format!("/staff/complaints/{}", c.id),
                text: ReceiptCode::parse(&c.receipt_code).map_or(c.receipt_code.clone(), |r| r.grouped()),
            },
            Cell::Text(word(lang, "complaint-category", &c.category)),
            Cell::Text(c.unit.unwrap_or_default()),
            state_badge(lang, &c.state),
            due,
            Cell::Text(local_time(&c.created_at.to_rfc3339())),
            Cell::Text(c.summary),
        ]);
    }
    let query = [
        ("state", q.state.clone()),
        ("category", q.category.clone()),
        ("unit_id", q.unit_id.clone()),
        ("overdue", q.overdue.clone()),
    ];
    paginate(&mut table, "/staff/complaints", &query, page, PER_PAGE);
    let overdue_link = (
        "/staff/complaints?overdue=on".to_owned(),
        lang.t_args("complaint-overdue-count", &[("count", found.overdue.into())]),
    );
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-complaints", "complaints"),
        actions: vec![overdue_link, ("/complaints/new".to_owned(), lang.t("action-complaint-new"))],
        filter: Some(filter_form),
        table,
        create: None,
    };
    if errors.is_empty() { table_response(&page) } else { render_status(StatusCode::UNPROCESSABLE_ENTITY, &page) }
}

// ---------------------------------------------------------------- staff detail

#[allow(clippy::too_many_lines)] // the facts, the files, the history and the form of one page
async fn detail_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    failed: Option<(&FieldErrors, &FormData)>,
) -> Result<DetailPage, AppError> {
    let d = complaints::detail(&state.store, &caller.principal, id, today_in_county()).await?;
    let c = &d.complaint;
    let code = ReceiptCode::parse(&c.receipt_code).map_or(c.receipt_code.clone(), |r| r.grouped());
    let mut facts = vec![
        (lang.t("col-complaint-code"), code.clone()),
        (lang.t("col-state"), word(lang, "complaint-state", &c.state)),
        (lang.t("col-complaint-category"), word(lang, "complaint-category", &c.category)),
        (
            lang.t("col-complaint-complainant"),
            if c.anonymous {
                lang.t("complaint-anonymous")
            } else {
                format!("{} · {}", c.name.clone().unwrap_or_default(), c.phone.clone().unwrap_or_default())
            },
        ),
        (lang.t("col-unit"), d.unit.clone().unwrap_or_default()),
        (lang.t("col-complaint-routed"), d.routed_unit.clone().unwrap_or_default()),
        (
            lang.t("col-complaint-power"),
            match &d.power {
                Some((_, code, name)) => format!("{code} {name}"),
                None => c.power_code.clone().unwrap_or_default(),
            },
        ),
        (lang.t("col-complaint-case"), c.case_number.clone().unwrap_or_default()),
        (lang.t("col-complaint-text"), c.text.clone()),
        (lang.t("col-created"), local_time(&c.created_at.to_rfc3339())),
        (
            lang.t("col-complaint-due"),
            if d.overdue {
                format!("{} · {}", c.accept_due, lang.t("complaint-overdue"))
            } else {
                c.accept_due.to_string()
            },
        ),
    ];
    facts.retain(|(_, v)| !v.is_empty());
    let mut files = Table::new(
        lang,
        "complaint-files",
        &["col-file-name", "col-file-type", "col-file-size"],
        "empty-complaint-files",
    );
    files.counted(lang, d.attachments.len() as u64);
    for a in &d.attachments {
        files.rows.push(vec![
            Cell::Link { href: format!("/staff/complaints/{id}/attachments/{}", a.n), text: a.file_name.clone() },
            Cell::Text(a.content_type.clone()),
            Cell::Text(a.size.to_string()),
        ]);
    }
    let mut events = Table::new(
        lang,
        "complaint-events",
        &["col-alert-from", "col-alert-to", "col-actor", "col-at", "col-comment", "col-complaint-public"],
        "empty-alert-events",
    );
    events.counted(lang, d.events.len() as u64);
    for e in &d.events {
        events.rows.push(vec![
            Cell::Text(e.from_state.as_deref().map(|s| word(lang, "complaint-state", s)).unwrap_or_default()),
            state_badge(lang, &e.to_state),
            Cell::Text(e.actor.clone()),
            Cell::Text(local_time(&e.at.to_rfc3339())),
            Cell::Text(e.comment.clone().unwrap_or_default()),
            Cell::Text(if e.public { lang.t("yes") } else { String::new() }),
        ]);
    }
    let form = if d.next.is_empty() {
        None
    } else {
        let choices: Vec<(String, String)> =
            d.next.iter().map(|s| (s.clone(), lang.t(&format!("complaint-transition-{s}")))).collect();
        let mut fields = vec![
            Field::new(lang, "to", "field-alert-to", FieldKind::Select(choices)).required(),
            Field::new(lang, "comment", "field-complaint-comment", FieldKind::TextArea)
                .help(lang.t("help-complaint-comment")),
            Field::new(lang, "public", "field-complaint-public", FieldKind::Checkbox),
        ];
        if d.next.iter().any(|s| s == CState::Routed.key()) {
            let units = std::iter::once((String::new(), String::new()))
                .chain(
                    org::list_units(&state.store, &caller.principal, &UnitFilter::default())
                        .await?
                        .into_iter()
                        .map(|u| (u.id.to_string(), u.name)),
                )
                .collect();
            fields.push(Field::new(lang, "routed_unit_id", "field-complaint-routed-unit", FieldKind::Select(units)));
        }
        let mut form = Form::new(lang, format!("/staff/complaints/{id}/transition"), fields, "action-alert-transition");
        if let Some((errors, data)) = failed {
            for field in &mut form.fields {
                field.value = data.get(field.name).to_owned();
            }
            form = form.with_errors(lang, errors);
        }
        Some(form)
    };
    let mut chrome = Chrome::new(lang, caller, "page-complaint", "complaints");
    chrome.title = format!("{} · {code}", chrome.title);
    Ok(DetailPage {
        c: chrome,
        actions: vec![("/staff/complaints".to_owned(), lang.t("nav-complaints"))],
        facts,
        blocks: vec![
            Block { heading: lang.t("heading-complaint-files"), table: files, form: None },
            Block { heading: lang.t("heading-alert-events"), table: events, form },
        ],
    })
}

pub async fn detail(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&detail_page(&state, lang, &caller, id, None).await?)?.into_response())
}

pub async fn attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, AppError> {
    let file = complaints::attachment(&state.store, &caller.principal, id, n).await?;
    // The name is cleaned on upload (no quotes, no control characters); the
    // RFC 5987 form carries non-ASCII names.
    let ascii: String =
        file.file_name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::error::urlencode(&file.file_name).replace('+', "%20")
    );
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

pub async fn transition(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewComplaints, Target::County)?;
    let result = match TransitionRequest::parse(
        form.get("to"),
        form.get("comment"),
        form.flag("public"),
        form.get("routed_unit_id"),
    ) {
        Ok(request) => complaints::transition(&state.store, &caller.principal, id, &request)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/complaints/{id}"))),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &detail_page(&state, lang, &caller, id, Some((&errors, &form))).await?,
        ),
        Err(other) => Err(other),
    }
}
