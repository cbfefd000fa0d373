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
//!
//! Under load even that read is shared: one read of the head answers every request
//! that arrived before the read began (see [`HeadReader`]), so a busy portal reads the
//! head once per batch of requests, not once per request, and no page is older than
//! the records were when its request arrived.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

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
    head: HeadReader,
}

/// Reads of the audit chain's head, shared by the requests waiting for one.
///
/// A read that began after a request arrived sees every change committed before it
/// arrived, so that request may take its answer instead of reading again. Reads run
/// one at a time: requests arriving during a read wait for the next one, which serves
/// them all.
#[derive(Default)]
pub struct HeadReader {
    /// When the latest read began, and what it read.
    latest: Mutex<Option<(Instant, i64)>>,
    turn: tokio::sync::Mutex<()>,
}

impl HeadReader {
    fn taken_since(&self, arrived: Instant) -> Option<i64> {
        let latest = self.latest.lock().ok()?;
        latest.filter(|(began, _)| *began >= arrived).map(|(_, seq)| seq)
    }

    /// The head's sequence number as of no earlier than this call, by `read` or by a
    /// read another caller began after this one arrived.
    pub async fn seq<F, Fut>(&self, read: F) -> Option<i64>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<i64>>,
    {
        let arrived = Instant::now();
        if let Some(seq) = self.taken_since(arrived) {
            return Some(seq);
        }
        let _turn = self.turn.lock().await;
        if let Some(seq) = self.taken_since(arrived) {
            return Some(seq);
        }
        let began = Instant::now();
        let seq = read().await?;
        if let Ok(mut latest) = self.latest.lock()
            && latest.is_none_or(|(before, _)| before < began)
        {
            *latest = Some((began, seq));
        }
        Some(seq)
    }
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

/// The kiosk's case look-up is not one: each answer counts against the look-up
/// limit, and an answer names one applicant's case.
fn is_public_page(path: &str) -> bool {
    path == "/"
        || path == "/catalogue"
        || path.starts_with("/catalogue/")
        || path == "/kiosk"
        || (path.starts_with("/kiosk/") && path != "/kiosk/case")
}

pub async fn revalidate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET || !is_public_page(request.uri().path()) {
        return next.run(request).await;
    }
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let key = cache_key(&request);
    // Read before rendering: a page rendered now is at least as new as this head.
    let store = &state.store;
    let head_seq =
        state.page_cache.head.seq(|| async { sunlight_store::audit::head(store).await.ok().map(|(seq, _)| seq) }).await;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::time::Duration;

    use super::HeadReader;

    /// A head that takes a while to read, counting its reads.
    struct Slow {
        head: AtomicI64,
        reads: AtomicUsize,
    }

    impl Slow {
        async fn read(&self) -> Option<i64> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            let seen = self.head.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some(seen)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_read_serves_the_requests_that_waited_for_it() {
        let reader = Arc::new(HeadReader::default());
        let slow = Arc::new(Slow { head: AtomicI64::new(7), reads: AtomicUsize::new(0) });
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (reader, slow) = (reader.clone(), slow.clone());
            tasks.push(tokio::spawn(async move { reader.seq(|| slow.read()).await }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), Some(7));
        }
        let reads = slow.reads.load(Ordering::SeqCst);
        assert!((1..=3).contains(&reads), "{reads} reads for 200 requests");
    }

    #[tokio::test]
    async fn a_request_after_a_change_sees_it() {
        let reader = HeadReader::default();
        let slow = Slow { head: AtomicI64::new(1), reads: AtomicUsize::new(0) };
        assert_eq!(reader.seq(|| slow.read()).await, Some(1));
        // A change committed, then a request: it reads again and sees the change.
        slow.head.store(2, Ordering::SeqCst);
        assert_eq!(reader.seq(|| slow.read()).await, Some(2));
        assert_eq!(slow.reads.load(Ordering::SeqCst), 2);
        // A failed read answers nothing and leaves the last answer to later reads.
        assert_eq!(reader.seq(|| async { None }).await, None);
        assert_eq!(reader.seq(|| slow.read()).await, Some(2));
    }
}
