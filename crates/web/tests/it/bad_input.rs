//! Bad input gets a clear, per-field answer in the user's language, and nothing is written.

use reqwest::{Method, StatusCode};

use crate::support::TestApp;

async fn missing_and_malformed_fields_are_named(app: TestApp) {
    let admin = app.login("admin").await;
    let before = sunlight_store::audit::head(&app.db.store).await.unwrap();
    let body = serde_json::json!({"code": "9X", "category": "mayor"});
    let response = app
        .client
        .post(app.url("/api/v1/units"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .header("accept-language", "en-GB,en;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_input");
    assert_eq!(body["fields"]["code"]["code"], "code_format");
    assert_eq!(body["fields"]["name"]["code"], "required");
    assert_eq!(body["fields"]["category"]["code"], "unknown_value");
    assert_eq!(body["fields"]["name"]["message"], "Required.");
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), before);

    // The same in Chinese by default.
    let response = app.send_json(Method::POST, "/api/v1/units", Some(&admin), &serde_json::json!({})).await;
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["name"]["message"], "必填。");
}
both_backends!(missing_and_malformed_fields_are_named);

async fn duplicates_are_conflicts_on_the_field(app: TestApp) {
    let admin = app.login("admin").await;
    let body = serde_json::json!({"code": "SCJG", "name": "重复的局", "category": "law_enforcement"});
    let response = app.send_json(Method::POST, "/api/v1/units", Some(&admin), &body).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["fields"]["code"]["code"], "already_exists");

    // The form keeps what was typed and marks the field.
    let response = app
        .post_form(
            "/staff/units",
            Some(&admin),
            &[("code", "SCJG"), ("name", "重复的局"), ("category", "law_enforcement")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert!(html.contains("value=\"重复的局\""), "typed values are kept");
    assert!(html.contains("已存在"), "the field error is shown");
}
both_backends!(duplicates_are_conflicts_on_the_field);

async fn oversized_and_broken_bodies(app: TestApp) {
    let admin = app.login("admin").await;
    let huge = "权".repeat(100_000);
    let response =
        app.send_json(Method::POST, "/api/v1/sub-commissions", Some(&admin), &serde_json::json!({"name": huge})).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");

    // The server answers 413 without reading the body and closes that connection; a
    // fresh client keeps the next request off the pooled connection being closed.
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/sub-commissions"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_json");

    let long_name = "局".repeat(101);
    let response = app.post_form("/staff/sub-commissions", Some(&admin), &[("name", long_name.as_str())]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("不能超过 100 个字符"));
}
both_backends!(oversized_and_broken_bodies);

async fn repeated_failed_logins_are_throttled(app: TestApp) {
    for _ in 0..5 {
        let response = app.login_attempt("admin", "not-the-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app.login_attempt("admin", sunlight_store::demo::DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry));
}
both_backends!(repeated_failed_logins_are_throttled);
