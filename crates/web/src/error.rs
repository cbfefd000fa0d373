//! One error type for every handler. It carries a stable `snake_case` code; the
//! `render` middleware turns it into JSON for the API or an HTML page for people,
//! in the language of the request.

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_store::StoreError;

use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not logged in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("conflict on {0}")]
    Conflict(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str, String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many attempts")]
    Throttled(u64),
    #[error("wrong login or password")]
    BadCredentials,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => Self::NotFound,
            StoreError::Invalid(fields) => Self::Invalid(fields),
            StoreError::Conflict { field } => Self::Conflict(field),
            StoreError::Denied(_) => Self::Forbidden,
            StoreError::BadCredentials => Self::BadCredentials,
            StoreError::Throttled { retry_after_secs } => Self::Throttled(retry_after_secs),
            StoreError::Db(e) => Self::Internal(e.to_string()),
            StoreError::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(fields: FieldErrors) -> Self {
        Self::Invalid(fields)
    }
}

/// What the renderer needs, carried in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub fields: FieldErrors,
    pub detail: Option<String>,
}

impl AppError {
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::BadRequest(..) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients and catalogues key on.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf_failed",
            Self::NotFound => "not_found",
            Self::Invalid(_) => "invalid_input",
            Self::Conflict(_) => "conflict",
            Self::BadRequest(code, _) => code,
            Self::PayloadTooLarge => "payload_too_large",
            Self::Throttled(_) => "too_many_attempts",
            Self::BadCredentials => "bad_credentials",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut fields = FieldErrors::new();
        let mut detail = None;
        match &self {
            Self::Invalid(f) => fields = f.clone(),
            Self::Conflict(field) => fields.add(field, FieldError::new("already_exists")),
            Self::BadRequest(_, text) => detail = Some(text.clone()),
            Self::Internal(text) => tracing::error!(error = %text, "internal error"),
            _ => {}
        }
        let mut response = status.into_response();
        if let Self::Throttled(secs) = self
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(ErrorInfo { code: self.code(), fields, detail });
        response
    }
}

/// A field error in words.
#[must_use]
pub fn field_message(lang: Lang, error: &FieldError) -> String {
    let key = format!("field-{}", error.code.replace('_', "-"));
    match error.limit {
        Some(limit) => lang.t_args(&key, &[("limit", limit.into())]),
        None => lang.t(&key),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    status: u16,
    title: String,
    message: String,
}

/// Renders errors (ours and the framework's: 404 of unknown routes, 413 of the body
/// limit, 405) for the client that asked: JSON under `/api/`, HTML elsewhere.
pub async fn render(request: Request, next: Next) -> Response {
    let lang = request.extensions().get::<Lang>().copied().unwrap_or_default();
    let wants_json = request.uri().path().starts_with("/api/")
        || request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"));
    let is_page = !wants_json;
    let next_url = request.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let info = response.extensions().get::<ErrorInfo>().cloned();
    // Pages and JSON we rendered ourselves (a form with its errors) pass; the
    // framework's plain-text errors (413 of the body limit, 404, 405) are rendered.
    let ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if info.is_none() && (ours || path == "/healthz") {
        return response;
    }
    let info = info.unwrap_or_else(|| ErrorInfo {
        code: match status {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::REQUEST_TIMEOUT => "timeout",
            _ if status.is_server_error() => "internal_error",
            _ => "bad_request",
        },
        fields: FieldErrors::new(),
        detail: None,
    });
    // People who are not logged in are sent to the log-in page and come back after.
    if is_page && info.code == "unauthenticated" {
        let target = format!("/login?next={}", urlencode(&next_url));
        return (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
    }
    let message = lang.t(&format!("error-{}", info.code.replace('_', "-")));
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut rendered = if wants_json {
        let mut fields = Map::new();
        for (name, error) in info.fields.iter() {
            fields.insert(name.clone(), json!({"code": error.code, "message": field_message(lang, error)}));
        }
        let mut body = json!({"error": info.code, "message": message, "fields": Value::Object(fields)});
        if let Some(detail) = info.detail {
            body["detail"] = Value::String(detail);
        }
        (status, Json(body)).into_response()
    } else {
        let mut text = message.clone();
        for (name, error) in info.fields.iter() {
            text.push(' ');
            text.push_str(name);
            text.push_str(&lang.t("colon"));
            text.push_str(&field_message(lang, error));
        }
        let page = ErrorPage { lang, status: status.as_u16(), title: lang.t("error-title"), message: text };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    };
    if let Some(value) = retry_after {
        rendered.headers_mut().insert(header::RETRY_AFTER, value);
    }
    rendered
}

/// Percent-encodes a query value.
#[must_use]
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).map(|s| s[2..].to_owned()).unwrap_or_default()
}
