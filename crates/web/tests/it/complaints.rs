//! Complaints and reports (群众举报): the public form (multipart, honeypot, file
//! checks, rate limit), the receipt code, the staff handling and the citizen seeing
//! the public reply; unit admins see only what is routed to their unit.

use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Method, Response, StatusCode};
use sea_orm::EntityTrait;
use sunlight_domain::complaint::{RawFile, RawSubmission, Submission, TransitionRequest};
use sunlight_domain::policy::Principal;
use sunlight_store::complaints;
use sunlight_store::entity::{complaint, complaint_attachment};

use crate::support::{TestApp, cookie_pair, location};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const BOUNDARY: &str = "----sunlight-test-boundary";

/// A multipart body of text fields and `(name, type, bytes)` files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Opens the form (for its CSRF cookie) and submits `fields` and `files`.
async fn submit(app: &TestApp, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Response {
    let form = app.get("/complaints/new", None).await;
    assert_eq!(form.status(), StatusCode::OK);
    let cookie = cookie_pair(&form, "sunlight_complaint_csrf").expect("csrf cookie");
    let token = cookie.split_once('=').unwrap().1.to_owned();
    let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    app.client
        .post(app.url("/complaints"))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(&all, files))
        .send()
        .await
        .unwrap()
}

async fn stored(app: &TestApp) -> (usize, usize) {
    let db = app.db.store.connection();
    (
        complaint::Entity::find().all(db).await.unwrap().len(),
        complaint_attachment::Entity::find().all(db).await.unwrap().len(),
    )
}

/// A complaint about SCJG routed to SCJG, with a file (the access matrix visits it).
pub async fn sample_complaint(app: &TestApp) -> i64 {
    let system = Principal::system("test");
    let scjg = app.unit_id("SCJG").await;
    let raw = RawSubmission {
        anonymous: true,
        category: "delay".into(),
        unit_id: scjg.to_string(),
        text: "窗口办事拖延".into(),
        files: vec![RawFile { name: "a.pdf".into(), declared_type: "application/pdf".into(), bytes: PDF.to_vec() }],
        ..RawSubmission::default()
    };
    let receipt = complaints::submit(&app.db.store, &Submission::parse(&raw).unwrap(), chrono::Utc::now().date_naive())
        .await
        .unwrap();
    for (to, unit) in [("accepted", String::new()), ("routed", scjg.to_string())] {
        let request = TransitionRequest::parse(to, "", false, &unit).unwrap();
        complaints::transition(&app.db.store, &system, receipt.id, &request).await.unwrap();
    }
    receipt.id
}

async fn anonymous_complaint_to_public_reply(app: TestApp) {
    let scjg = app.unit_id("SCJG").await.to_string();
    let response = submit(
        &app,
        &[
            ("anonymous", "on"),
            ("name", "不应保存"),
            ("phone", "13800000000"),
            ("category", "delay"),
            ("unit_id", &scjg),
            ("text", "营业执照变更要求重复提交材料，跑了三趟"),
            ("website", ""),
        ],
        &[("证明.pdf", "application/pdf", PDF)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let html = response.text().await.unwrap();
    let start = html.find("id=\"receipt-code\">").unwrap() + "id=\"receipt-code\">".len();
    let code = html[start..start + 14].to_owned();
    assert_eq!(code.matches('-').count(), 2, "{code}");

    // Nothing identifying is kept, and the file is.
    let all = complaint::Entity::find().all(app.db.store.connection()).await.unwrap();
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert!(c.anonymous && c.name.is_none() && c.phone.is_none());
    assert_eq!(c.state, "received");
    let audit: Vec<String> = sunlight_store::entity::audit_log::Entity::find()
        .all(app.db.store.connection())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.after)
        .collect();
    assert!(!audit.iter().any(|a| a.contains("不应保存") || a.contains("13800000000")));

    // The citizen sees it received, with no reply yet.
    let status = app.get(&format!("/complaints/status?code={}", code.to_lowercase()), None).await;
    assert_eq!(status.status(), StatusCode::OK);
    let html = status.text().await.unwrap();
    assert!(html.contains("已收到") && html.contains("暂无答复"), "{html}");

    // Staff: the list, the detail, the file.
    let admin = app.login("admin").await;
    let list = app.get("/staff/complaints", Some(&admin)).await.text().await.unwrap();
    assert!(list.contains(&code) && list.contains("慢作为"), "{list}");
    let detail = app.get(&format!("/staff/complaints/{}", c.id), Some(&admin)).await.text().await.unwrap();
    assert!(detail.contains("匿名") && detail.contains("证明.pdf") && detail.contains("受理"), "{detail}");
    let file = app.get(&format!("/staff/complaints/{}/attachments/1", c.id), Some(&admin)).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    assert!(file.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);

    // A reply before acceptance is refused in words; then accept, reply publicly.
    let path = format!("/staff/complaints/{}/transition", c.id);
    let refused = app.post_form(&path, Some(&admin), &[("to", "replied"), ("comment", "已处理")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("举报当前状态下不能进行此操作"));
    let accepted = app.post_form(&path, Some(&admin), &[("to", "accepted"), ("comment", "内部意见：请核实")]).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let reply = app
        .send_json(
            Method::POST,
            &format!("/api/v1/complaints/{}/transition", c.id),
            Some(&admin),
            &serde_json::json!({"to": "replied", "comment": "经核实，已责令窗口一次性告知所需材料。"}),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    let html = app.get(&format!("/complaints/status?code={code}"), None).await.text().await.unwrap();
    assert!(html.contains("已答复") && html.contains("一次性告知所需材料"), "{html}");
    assert!(!html.contains("内部意见"), "non-public comments stay internal: {html}");
    assert!(!html.contains("营业执照变更"), "the text is not shown publicly");

    // The API lists it with its state.
    let api: serde_json::Value = app.get("/api/v1/complaints?state=replied", Some(&admin)).await.json().await.unwrap();
    assert_eq!(api["total"], 1);
    let detail: serde_json::Value =
        app.get(&format!("/api/v1/complaints/{}", c.id), Some(&admin)).await.json().await.unwrap();
    assert_eq!(detail["attachments"][0]["file_name"], "证明.pdf");
    assert_eq!(detail["next"], serde_json::json!(["closed"]));

    // An unknown code: 404 in words; a malformed one: 422.
    let unknown = app.get("/complaints/status?code=2222-2222-2222", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("没有与该查询码对应的举报"));
    assert_eq!(app.get("/complaints/status?code=abc", None).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both_backends!(anonymous_complaint_to_public_reply);

async fn rejected_submissions_store_nothing(app: TestApp) {
    let base = [("anonymous", "on"), ("category", "misconduct"), ("text", "执法态度粗暴")];
    // The honeypot filled in.
    let mut with_bot = base.to_vec();
    with_bot.push(("website", "http://spam.example"));
    let response = submit(&app, &with_bot, &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("提交被拒绝"));
    // A file that is not what it says.
    let response = submit(&app, &base, &[("x.pdf", "application/pdf", b"MZ\x90\x00this is an exe")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("只接受 PDF、JPEG 和 PNG 文件"));
    // Named without a phone; an unknown category.
    let response = submit(&app, &[("name", "张三"), ("category", "rude"), ("text", "x")], &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("不是有效的举报类别") && html.contains("张三"), "{html}");
    // Without the form's CSRF cookie.
    let without_cookie = app
        .client
        .post(app.url("/complaints"))
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(&base, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(without_cookie.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&app).await, (0, 0));
}
both_backends!(rejected_submissions_store_nothing);

async fn rate_limited_per_address(app: TestApp) {
    let fields = [("anonymous", "on"), ("category", "other"), ("text", "测试限流")];
    for _ in 0..5 {
        assert_eq!(submit(&app, &fields, &[]).await.status(), StatusCode::CREATED);
    }
    let limited = submit(&app, &fields, &[]).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert!(limited.text().await.unwrap().contains("提交过于频繁"));
    assert_eq!(stored(&app).await.0, 5);
}
both_backends!(rate_limited_per_address);

async fn unit_admins_see_only_their_unit(app: TestApp) {
    let id = sample_complaint(&app).await;
    let system = Principal::system("test");
    let zrzy = app.unit_id("ZRZY").await;
    // A second complaint, routed to another unit.
    let raw = RawSubmission {
        anonymous: true,
        category: "inaction".into(),
        unit_id: zrzy.to_string(),
        text: "土地确权申请半年无人处理".into(),
        ..RawSubmission::default()
    };
    let other = complaints::submit(&app.db.store, &Submission::parse(&raw).unwrap(), chrono::Utc::now().date_naive())
        .await
        .unwrap();
    for (to, unit) in [("accepted", String::new()), ("routed", zrzy.to_string())] {
        let request = TransitionRequest::parse(to, "", false, &unit).unwrap();
        complaints::transition(&app.db.store, &system, other.id, &request).await.unwrap();
    }
    let unit_admin = app.login("scjg-admin").await;
    let list = app.get("/staff/complaints", Some(&unit_admin)).await.text().await.unwrap();
    assert!(
        list.contains(&format!("/staff/complaints/{id}\""))
            && !list.contains(&format!("/staff/complaints/{}\"", other.id)),
        "{list}"
    );
    for path in [
        format!("/staff/complaints/{}", other.id),
        format!("/staff/complaints/{}/attachments/1", other.id),
        format!("/api/v1/complaints/{}", other.id),
    ] {
        assert_eq!(app.get(&path, Some(&unit_admin)).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // He replies to his own unit's, but may not close or route it.
    let path = format!("/staff/complaints/{id}/transition");
    let closed = app.post_form(&path, Some(&unit_admin), &[("to", "closed")]).await;
    assert_eq!(closed.status(), StatusCode::FORBIDDEN);
    let replied = app.post_form(&path, Some(&unit_admin), &[("to", "replied"), ("comment", "已整改")]).await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER, "{}", location(&replied));
    // Cadres and supervisors see no complaints.
    let supervisor = app.login("supervisor").await;
    assert_eq!(app.get("/staff/complaints", Some(&supervisor)).await.status(), StatusCode::FORBIDDEN);
}
both_backends!(unit_admins_see_only_their_unit);

/// A PDF of `size` bytes (a valid header, then padding).
fn pdf_of(size: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.resize(size, b' ');
    bytes
}

async fn uploads_have_their_own_limit(app: TestApp) {
    // The app under test has a 64 KiB body limit; the complaint form has its own.
    let fields = [("anonymous", "on"), ("category", "delay"), ("text", "材料附后"), ("website", "")];
    let big = pdf_of(1_900 * 1024);
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("一.pdf", "application/pdf", &big),
        ("二.pdf", "application/pdf", &big),
        ("三.pdf", "application/pdf", &big),
    ];
    let response = submit(&app, &fields, &files).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(stored(&app).await, (1, 3));
    let kept = complaint_attachment::Entity::find().all(app.db.store.connection()).await.unwrap();
    assert!(kept.iter().all(|a| a.bytes.len() == big.len()));

    // One file over 2 MiB: the form again, the field named, nothing kept.
    let four = pdf_of(4 * 1024 * 1024);
    let response = submit(&app, &fields, &[("大.pdf", "application/pdf", &four)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("文件过大") && html.contains("材料附后"), "{html}");

    // A file of another type: named in words.
    let response = submit(&app, &fields, &[("a.gif", "image/gif", b"GIF89a\x01\x00\x01\x00")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("只接受 PDF、JPEG 和 PNG 文件"));

    // More than the route takes at all: its form, in words, with what was typed.
    let huge: Vec<(&str, &str, &[u8])> = (0..4).map(|_| ("x.pdf", "application/pdf", big.as_slice())).collect();
    let response = submit(&app, &fields, &huge).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("附件合计过大") && html.contains("材料附后") && html.contains("<form"), "{html}");
    assert_eq!(stored(&app).await, (1, 3));

    // Other routes keep the general limit.
    let admin = app.login("admin").await;
    let long = "字".repeat(40 * 1024);
    let refused = app.post_form("/staff/focus-items", Some(&admin), &[("title", long.as_str())]).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
both_backends!(uploads_have_their_own_limit);

async fn anonymous_submissions_leave_no_trace(app: TestApp) {
    let response = app
        .client
        .get(app.url("/complaints/new"))
        .header("user-agent", "Probe-Browser/9.9 (trace-me)")
        .send()
        .await
        .unwrap();
    let cookie = cookie_pair(&response, "sunlight_complaint_csrf").unwrap();
    let token = cookie.split_once('=').unwrap().1.to_owned();
    let body = multipart(&[("_csrf", &token), ("anonymous", "on"), ("category", "other"), ("text", "匿名测试")], &[]);
    let response = app
        .client
        .post(app.url("/complaints"))
        .header(COOKIE, &cookie)
        .header("user-agent", "Probe-Browser/9.9 (trace-me)")
        .header("x-forwarded-for", "203.0.113.77")
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    // Neither the records, the audit chain nor the metrics hold the address or the agent.
    let db = app.db.store.connection();
    let mut kept: Vec<String> = complaint::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| serde_json::to_string(&c).unwrap())
        .collect();
    kept.extend(
        sunlight_store::entity::audit_log::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| format!("{} {:?} {:?}", a.actor, a.before, a.after)),
    );
    kept.push(app.get("/metrics", None).await.text().await.unwrap());
    for text in &kept {
        for trace in ["127.0.0.1", "203.0.113.77", "Probe-Browser", "trace-me"] {
            assert!(!text.contains(trace), "{trace} in {text}");
        }
    }
}
both_backends!(anonymous_submissions_leave_no_trace);
