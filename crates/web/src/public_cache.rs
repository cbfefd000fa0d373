//! Revalidation for the public pages: citizens' phones, halls' kiosks and proxies in
//! between ask again with `If-None-Match` and get a bodiless 304 when nothing changed.
//!
//! The tag is a hash of the page as rendered, so it changes with the records shown and
//! with the language; the pages are the same for everyone but for the language, hence
//! `Vary: Cookie, Accept-Language`. A minute of freshness is what a public page of
//! figures and catalogues can afford.
//!
//! Rendered pages are also kept in memory, each with the sequence number of the audit
//! chain's head it was rendered under. Every change to the records appends to the chain
//! in its own transaction, so while the head has not moved the page cannot have changed:
//! serving it again costs one read of the head instead of the page's queries.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::i18n::LANG_COOKIE;

/// Beyond this many pages the cache starts again empty: a crawler walking every page
/// must not hold memory.
const MAX_ENTRIES: usize = 4096;

struct Cached {
    head_seq: i64,
    headers: HeaderMap,
    body: Bytes,
}

/// Rendered public pages by path, query and language.
#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, Cached>>,
}

impl PageCache {
    fn get(&self, key: &str, head_seq: i64) -> Option<(HeaderMap, Bytes)> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|c| c.head_seq == head_seq).map(|c| (c.headers.clone(), c.body.clone()))
    }

    fn put(&self, key: String, head_seq: i64, headers: HeaderMap, body: Bytes) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, Cached { head_seq, headers, body });
        }
    }
}

/// What a public page depends on besides the records: where it is and the language
/// asked for (by cookie or by the browser).
fn cache_key(request: &Request) -> String {
    let headers = request.headers();
    let lang_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .map_or("", |(_, value)| value);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let target = request.uri().path_and_query().map_or("", |p| p.as_str());
    format!("{target}\u{1f}{lang_cookie}\u{1f}{accept}")
}

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

pub async fn revalidate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET || !is_public_page(request.uri().path()) {
        return next.run(request).await;
    }
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let key = cache_key(&request);
    // Read before rendering: a page rendered now is at least as new as this head.
    let head_seq = sunlight_store::audit::head(&state.store).await.ok().map(|(seq, _)| seq);
    if let Some((headers, body)) = head_seq.and_then(|seq| state.page_cache.get(&key, seq)) {
        return answer(headers, body, asked.as_ref());
    }
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
    parts.headers.insert(header::ETAG, etag);
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    parts.headers.append(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
    // A page that sets a cookie is someone's own: never replayed to others.
    if let Some(seq) = head_seq
        && !parts.headers.contains_key(header::SET_COOKIE)
    {
        state.page_cache.put(key, seq, parts.headers.clone(), bytes.clone());
    }
    answer(parts.headers, bytes, asked.as_ref())
}

/// The page, or a bodiless 304 when the client already holds this version.
fn answer(headers: HeaderMap, body: Bytes, asked: Option<&HeaderValue>) -> Response {
    let tag = headers.get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let fresh =
        !tag.is_empty() && asked.and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    if fresh {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            for value in headers.get_all(&name) {
                not_modified.headers_mut().append(name.clone(), value.clone());
            }
        }
        return not_modified;
    }
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}
