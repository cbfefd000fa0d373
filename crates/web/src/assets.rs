//! Static files, embedded in the binary: the site works with no internet.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { path: "app.css", content_type: "text/css; charset=utf-8", body: include_bytes!("../assets/app.css") },
    Asset { path: "app.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../assets/app.js") },
    Asset { path: "screen.css", content_type: "text/css; charset=utf-8", body: include_bytes!("../assets/screen.css") },
    Asset {
        path: "screen.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/screen.js"),
    },
    Asset {
        path: "kiosk.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/kiosk.js"),
    },
    Asset {
        path: "swagger-init.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/swagger-init.js"),
    },
    Asset {
        path: "vendor/htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/htmx.min.js"),
    },
    Asset {
        path: "vendor/swagger-ui-bundle.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/vendor/swagger-ui-bundle.js"),
    },
    Asset {
        path: "vendor/swagger-ui.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/vendor/swagger-ui.css"),
    },
];

/// The build's version stands in for a content hash: assets change only with it.
const ETAG: &str = concat!("\"", env!("CARGO_PKG_VERSION"), "\"");

pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let asset = ASSETS.iter().find(|a| a.path == path).ok_or(AppError::NotFound)?;
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(ETAG) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::ETAG, ETAG),
        ],
        asset.body,
    )
        .into_response())
}
