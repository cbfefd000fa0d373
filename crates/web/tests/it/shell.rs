//! The web shell: health, metrics, OpenAPI, assets, pages in both languages.

use reqwest::StatusCode;

use crate::support::TestApp;

async fn health_metrics_and_docs(app: TestApp) {
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");

    let spec: serde_json::Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    assert!(spec["paths"]["/api/v1/units"]["get"].is_object());
    let docs = app.get("/api/docs", None).await;
    assert!(docs.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(docs.text().await.unwrap().contains("/assets/vendor/swagger-ui-bundle.js"));
    let asset = app.get("/assets/vendor/htmx.min.js", None).await;
    assert_eq!(asset.status(), StatusCode::OK);
    let etag = asset.headers()["etag"].to_str().unwrap().to_owned();
    let again =
        app.client.get(app.url("/assets/vendor/htmx.min.js")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("sunlight_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("sunlight_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("sunlight_db_pool_connections{state=\"open\"}"));

    let missing = app.get("/no/such/page", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("找不到"));
}
both_backends!(health_metrics_and_docs);

async fn pages_follow_the_language_choice(app: TestApp) {
    let admin = app.login("admin").await;
    let zh = app.get("/staff/units", Some(&admin)).await.text().await.unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("综合执法类") && zh.contains("演示县市场监督管理局"));
    let en = app
        .client
        .get(app.url("/staff/units"))
        .header("cookie", format!("{}; sunlight_lang=en", admin.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Law enforcement") && en.contains("22 records"), "{en}");

    // The filter stays in the URL and narrows the list.
    let filtered = app.get("/staff/units?category=public_institution", Some(&admin)).await.text().await.unwrap();
    assert!(filtered.contains("演示县人民医院") && !filtered.contains("演示县市场监督管理局"));
}
both_backends!(pages_follow_the_language_choice);

async fn changes_are_audited_and_listed(app: TestApp) {
    let admin = app.login("admin").await;
    let scjg = app.unit_id("SCJG").await;
    let response =
        app.post_form(&format!("/staff/units/{scjg}/sections"), Some(&admin), &[("name", "网络交易监管股")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app.get("/staff/audit?action=section.create", Some(&admin)).await.text().await.unwrap();
    assert!(page.contains("user:admin") && page.contains("section.create"));
    assert!(matches!(
        sunlight_store::audit::verify(&app.db.store).await.unwrap(),
        sunlight_store::audit::Verification::Intact { .. }
    ));
}
both_backends!(changes_are_audited_and_listed);

async fn password_change_and_logout(app: TestApp) {
    let cadre = app.login("scjg-cadre").await;
    let response = app
        .post_form(
            "/staff/account/password",
            Some(&cadre),
            &[
                ("current_password", "wrong-one-entirely"),
                ("new_password", "New-Password-2026"),
                ("confirm_password", "New-Password-2026"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_form(
            "/staff/account/password",
            Some(&cadre),
            &[
                ("current_password", sunlight_store::demo::DEMO_PASSWORD),
                ("new_password", "New-Password-2026"),
                ("confirm_password", "New-Password-2026"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.post_form("/logout", Some(&cadre), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/staff", Some(&cadre)).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.login_attempt("scjg-cadre", "New-Password-2026").await.status(), StatusCode::SEE_OTHER);
}
both_backends!(password_change_and_logout);

async fn lists_export_to_excel_within_scope(app: TestApp) {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let read = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect()
    };
    let admin = app.login("admin").await;
    let response = app.get("/staff/exports/units.xlsx?category=public_institution", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("units.xlsx"));
    let rows = read(response.bytes().await.unwrap().to_vec());
    assert_eq!(rows[0][0], "编码");
    assert!(rows.iter().any(|r| r[1] == "演示县人民医院"));
    assert!(rows.iter().all(|r| r[1] != "演示县市场监督管理局"), "the filter applies");

    let unit_admin = app.login("scjg-admin").await;
    let rows = read(app.get("/staff/exports/persons.xlsx", Some(&unit_admin)).await.bytes().await.unwrap().to_vec());
    assert!(rows.len() > 50);
    assert!(rows.iter().skip(1).all(|r| r[1] == "演示县市场监督管理局"), "only the caller's unit");
}
both_backends!(lists_export_to_excel_within_scope);

/// The portal's headline figures are counted from the records and follow them.
async fn home_counts_its_figures_from_the_records(app: TestApp) {
    let page = app.get("/", None).await.text().await.unwrap();
    assert!(page.contains(r#"action="/catalogue""#), "the search box leads to the catalogue");
    assert!(page.contains("<span class=\"figure\">0</span><span class=\"label\">职权事项</span>"), "{page}");
    sunlight_store::demo::build(&app.db.store).await.unwrap();
    let page = app.get("/", None).await.text().await.unwrap();
    assert!(page.contains("<span class=\"figure\">492</span><span class=\"label\">职权事项</span>"));
    assert!(page.contains("<span class=\"figure\">358</span><span class=\"label\">一级风险点</span>"));
}
both_backends!(home_counts_its_figures_from_the_records);

/// Public pages carry a tag; asking again with it costs a bodiless 304, and a change in
/// the records changes the tag.
async fn public_pages_revalidate(app: TestApp) {
    let first = app.get("/catalogue", None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["cache-control"], "public, max-age=60");
    assert!(first.headers().get_all("vary").iter().any(|v| v.to_str().unwrap().contains("Accept-Language")));
    let again = app.client.get(app.url("/catalogue")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.text().await.unwrap().is_empty());
    sunlight_store::demo::build(&app.db.store).await.unwrap();
    let changed = app.client.get(app.url("/catalogue")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "the published catalogue changed, so does the tag");
    let staff = app.get("/login", None).await;
    assert!(staff.headers().get("etag").is_none(), "only the public pages are tagged");
}
both_backends!(public_pages_revalidate);
