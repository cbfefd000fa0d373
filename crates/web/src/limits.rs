//! Request body limits: every route gets the configured `body_limit`, except the
//! upload routes, which carry files and get a limit sized for them.
//!
//! An upload route's limit is enforced while the body streams (axum's
//! `DefaultBodyLimit`, read by the multipart extractor), not by refusing a large
//! `Content-Length` up front: the handler then sees the overflow and answers with its
//! own form, in words, keeping what was typed, instead of a bare 413.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;
use sunlight_domain::complaint::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use tower::{Layer, ServiceExt};

use crate::AppState;
use crate::error::AppError;

/// The public complaint form: its files at their largest, plus room for the text
/// fields (5,000 characters of up to 4 bytes) and the multipart framing.
pub const COMPLAINT_BODY_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 64 * 1024;

// Three files at their largest fit, with room for the form.
const _: () = assert!(COMPLAINT_BODY_LIMIT > MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 20 * 1024);

/// The routes that take files beyond `body_limit`, with their own limit.
const UPLOADS: &[(&str, &str, usize)] = &[("POST", "/complaints", COMPLAINT_BODY_LIMIT)];

/// The limit of an upload route, if `method` and `path` name one.
#[must_use]
pub fn upload_limit(method: &Method, path: &str) -> Option<usize> {
    UPLOADS.iter().find(|(m, p, _)| method.as_str() == *m && path == *p).map(|(_, _, limit)| *limit)
}

pub async fn body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(limit) = upload_limit(request.method(), request.uri().path()) {
        return match DefaultBodyLimit::max(limit).layer(next).oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    // Everything else: a declared length over the limit is refused before reading,
    // and a body without one is cut off where it passes the limit.
    let limit = state.config.body_limit;
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    next.run(request.map(|b| Body::new(Limited::new(b, limit)))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_complaint_post_is_an_upload() {
        assert_eq!(upload_limit(&Method::POST, "/complaints"), Some(COMPLAINT_BODY_LIMIT));
        assert_eq!(upload_limit(&Method::GET, "/complaints"), None);
        assert_eq!(upload_limit(&Method::POST, "/complaints/new"), None);
        assert_eq!(upload_limit(&Method::POST, "/login"), None);
    }
}
