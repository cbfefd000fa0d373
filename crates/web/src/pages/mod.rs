//! Server-rendered pages: askama templates over the typed views in [`crate::views`].

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::views::{Cell, Chrome, FieldKind, Form, Table};

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod case_lookup;
pub mod cases;
pub mod catalogue;
pub mod complaints;
pub mod dashboard;
pub mod design;
pub mod export;
pub mod flowcharts;
pub mod org;
pub mod portal;
pub mod public;
pub mod risk;
pub mod screens;
pub mod supervision;
pub mod supervision_admin;
pub mod trading;
pub mod trading_alerts;

/// A list page: actions, filters, a table.
#[derive(Template)]
#[template(path = "table_page.html")]
pub struct TablePage {
    pub c: Chrome,
    pub actions: Vec<(String, String)>,
    pub filter: Option<Form>,
    pub table: Table,
    /// A form that adds to the list, below it.
    pub create: Option<Form>,
}

/// A form page; `intro` explains what happens on submit.
#[derive(Template)]
#[template(path = "form_page.html")]
pub struct FormPage {
    pub c: Chrome,
    pub intro: Option<String>,
    pub form: Form,
}

/// A table inside a detail page, with the form that adds to it.
pub struct Block {
    pub heading: String,
    pub table: Table,
    pub form: Option<Form>,
}

/// A record's page: facts, then its related lists.
#[derive(Template)]
#[template(path = "detail_page.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub actions: Vec<(String, String)>,
    pub facts: Vec<(String, String)>,
    pub blocks: Vec<Block>,
}

/// A secret shown exactly once (a new API token).
#[derive(Template)]
#[template(path = "secret_page.html")]
pub struct SecretPage {
    pub c: Chrome,
    pub notice: String,
    pub secret: String,
    pub back: String,
}

/// Asks the policy before anything else, so a caller without the right learns
/// nothing from validation messages.
pub fn require(
    caller: &crate::auth::Caller,
    action: sunlight_domain::policy::Action,
    target: sunlight_domain::policy::Target,
) -> Result<(), AppError> {
    sunlight_domain::policy::authorize(&caller.principal, action, target).map_err(|_| AppError::Forbidden)
}

pub fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template.render().map(Html).map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// Renders with a status (a form with errors answers 422, and keeps what was typed).
pub fn render_status(status: StatusCode, template: &impl Template) -> Result<Response, AppError> {
    Ok((status, render(template)?).into_response())
}

/// A form page again, with the status of what went wrong (the form carries the errors).
pub fn form_response(
    lang: crate::i18n::Lang,
    caller: &crate::auth::Caller,
    title_key: &str,
    active: &'static str,
    form: Form,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_status(status, &FormPage { c: Chrome::new(lang, caller, title_key, active), intro: None, form })
}

/// After a successful post: back to a page (303, so a reload does not repost).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Renders a table page; htmx takes its list from the same page.
pub fn table_response(page: &TablePage) -> Result<Response, AppError> {
    let mut response = render(page)?.into_response();
    // htmx asks for the same page and selects `#list`; caches keep the two apart.
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("HX-Request"));
    Ok(response)
}

/// Builds `?page=N` links, keeping the other query parameters.
#[must_use]
pub fn page_link(base: &str, query: &[(&str, String)], page: u64) -> String {
    let mut pairs: Vec<(&str, String)> = query.iter().filter(|(k, v)| *k != "page" && !v.is_empty()).cloned().collect();
    pairs.push(("page", page.to_string()));
    format!("{base}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

/// Sets previous/next links of a paged table.
pub fn paginate(table: &mut Table, base: &str, query: &[(&str, String)], page: u64, per_page: u64) {
    if page > 1 {
        table.prev = Some(page_link(base, query, page - 1));
    }
    if page * per_page < table.total {
        table.next = Some(page_link(base, query, page + 1));
    }
}

/// Yes or no in the page's language.
pub(crate) fn yes_no(lang: crate::i18n::Lang, value: bool) -> String {
    lang.t(if value { "yes" } else { "no" })
}
