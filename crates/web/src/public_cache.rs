//! Revalidation for the public pages: citizens' phones, halls' kiosks and proxies in
//! between ask again with `If-None-Match` and get a bodiless 304 when nothing changed.
//!
//! The tag is a hash of the page as rendered, so it changes with the records shown and
//! with the language; the pages are the same for everyone but for the language, hence
//! `Vary: Cookie, Accept-Language`. A minute of freshness is what a public page of
//! figures and catalogues can afford.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CACHE_CONTROL: &str = "public, max-age=60";
/// Larger pages are passed through untagged rather than held in memory.
const MAX_TAGGED_BYTES: usize = 4 * 1024 * 1024;

fn is_public_page(path: &str) -> bool {
    path == "/"
        || path == "/catalogue"
        || path.starts_with("/catalogue/")
        || path == "/kiosk"
        || path.starts_with("/kiosk/")
}

pub async fn revalidate(request: Request, next: Next) -> Response {
    if request.method() != Method::GET || !is_public_page(request.uri().path()) {
        return next.run(request).await;
    }
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::OK || !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_TAGGED_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let digest = Sha256::digest(&bytes);
    let tag = format!("\"{}\"", hex::encode(&digest[..12]));
    let Ok(etag) = HeaderValue::from_str(&tag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, etag.clone());
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    parts.headers.append(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
    if asked.as_ref().and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == tag)) {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            for value in parts.headers.get_all(&name) {
                not_modified.headers_mut().append(name.clone(), value.clone());
            }
        }
        return not_modified;
    }
    Response::from_parts(parts, Body::from(bytes))
}
