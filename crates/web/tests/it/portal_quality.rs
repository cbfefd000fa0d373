//! What every public page owes its readers: security headers, the page's language,
//! no inline script, a skip link on the portal's pages, and a label for every field.

use reqwest::StatusCode;

use crate::screens::{sample_public_power, sample_screen};
use crate::support::TestApp;

/// The fields of a page that are not hidden, each with what precedes it.
fn unlabelled_fields(html: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for tag in ["<input", "<select", "<textarea"] {
        for (at, _) in html.match_indices(tag) {
            let element = &html[at..at + html[at..].find('>').unwrap_or(0)];
            if element.contains("type=\"hidden\"") {
                continue;
            }
            let id = element.split("id=\"").nth(1).and_then(|rest| rest.split('"').next());
            let labelled_by_for = id.is_some_and(|id| html.contains(&format!("for=\"{id}\"")));
            let wrapped = html[..at].ends_with("<label>");
            if !labelled_by_for && !wrapped {
                missing.push(element.to_owned());
            }
        }
    }
    missing
}

async fn public_pages_are_accessible_and_locked_down(app: TestApp) {
    let power = sample_public_power(&app).await;
    let screen = sample_screen(&app).await;
    let portal = [
        "/".to_owned(),
        "/catalogue?q=许可".to_owned(),
        format!("/catalogue/{power}"),
        "/risks".to_owned(),
        "/complaints/new".to_owned(),
        "/complaints/status".to_owned(),
    ];
    let halls = [
        format!("/screen/{screen}"),
        "/kiosk".to_owned(),
        "/kiosk/case".to_owned(),
        // The keypad: the sample power's unit.
        "/kiosk/case?unit=SCJG".to_owned(),
    ];
    for path in portal.iter().chain(&halls) {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        let csp = headers["content-security-policy"].to_str().unwrap();
        let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe-inline") && !scripts.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        let html = response.text().await.unwrap();
        assert!(html.trim_start().starts_with("<!doctype html>") && html.contains("<html lang=\"zh-CN\">"), "{path}");
        assert!(html.contains("<main"), "{path}: one main landmark");
        for (at, _) in html.match_indices("<script") {
            assert!(html[at..at + 80.min(html.len() - at)].contains(" src=\"/assets/"), "{path}: inline script");
        }
        assert!(html.contains("name=\"viewport\""), "{path}");
        let missing = unlabelled_fields(&html);
        assert!(missing.is_empty(), "{path}: fields without a label: {missing:?}");
    }
    for path in &portal {
        let html = app.get(path, None).await.text().await.unwrap();
        assert!(html.contains("<a class=\"skip\" href=\"#content\">跳到正文</a>"), "{path}: skip link");
        assert!(html.contains("<main id=\"content\""), "{path}: the skip link's target");
        assert!(html.contains("lang=\"en\">English</a>"), "{path}: the English link says its language");
    }
}
both_backends!(public_pages_are_accessible_and_locked_down);
