//! The power catalogue through pages and the API: drafting and the lifecycle, Excel
//! import with its preview, unit scope, and the public catalogue.

use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Method, Response, StatusCode};
use sunlight_domain::catalogue::xlsx_export::export_xlsx;
use sunlight_domain::catalogue::{Column, PowerAction, PowerDraft, PowerTypes, RowContext, parse_row};
use sunlight_domain::org::UnitCode;
use sunlight_domain::policy::Principal;
use sunlight_store::catalogue::{self, PowerFilter};

use crate::support::{Session, TestApp, location};

fn draft(unit: &str, name: &str) -> PowerDraft {
    let unit = UnitCode::parse(unit).unwrap();
    let cells = [
        (Column::Name, name),
        (Column::Type, "行政许可"),
        (Column::LegalBasis, "《中华人民共和国行政许可法》第十二条"),
    ];
    let known = |_: &str| true;
    let context =
        RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
    parse_row(|c| cells.iter().find(|(k, _)| *k == c).map(|(_, v)| *v), &context).unwrap()
}

/// A draft power of 市场监督管理局 (SCJG) for the route matrix, made once.
pub async fn sample_power(app: &TestApp) -> i64 {
    let system = Principal::system("test");
    // A draft, so that its edit page can be asked for (the public pages publish one).
    let filter =
        PowerFilter { unit_id: Some(app.unit_id("SCJG").await), state: Some("draft".into()), ..Default::default() };
    let found = catalogue::list_powers(&app.db.store, &system, &filter, 1, 1).await.unwrap();
    if let Some(first) = found.powers.first() {
        return first.power.id;
    }
    catalogue::create_power(&app.db.store, &system, draft("SCJG", "矩阵测试许可")).await.unwrap().power.id
}

async fn text(response: Response) -> String {
    response.text().await.unwrap()
}

async fn count(app: &TestApp) -> u64 {
    catalogue::list_powers(&app.db.store, &Principal::system("test"), &PowerFilter::default(), 1, 1)
        .await
        .unwrap()
        .total
}

fn id_from(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

async fn create_submit_review_publish(app: TestApp) {
    let scjg = app.unit_id("SCJG").await.to_string();
    let unit_admin = app.login("scjg-admin").await;

    // A form with mistakes comes back with each one next to its field.
    let bad = app
        .post_form(
            "/staff/powers",
            Some(&unit_admin),
            &[
                ("unit", &scjg),
                ("name", "食品经营许可（页面）"),
                ("type", ""),
                ("legal_basis", "《食品安全法》"),
                ("promised_limit", "二十"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(bad).await;
    assert!(body.contains("请写明单位"), "limit error shown");
    assert!(body.contains("食品经营许可（页面）"), "what was typed is kept");

    let created = app
        .post_form(
            "/staff/powers",
            Some(&unit_admin),
            &[
                ("unit", &scjg),
                ("name", "食品经营许可（页面）"),
                ("type", "licensing"),
                ("legal_basis", "《中华人民共和国食品安全法》第三十五条"),
                ("legal_limit", "20个工作日"),
                ("promised_limit", "10个工作日"),
                ("public", "true"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER, "{}", text(created).await);
    let path = location(&created);
    let id = id_from(&path);
    let page = text(app.get(&path, Some(&unit_admin)).await).await;
    assert!(page.contains("SCJGXK"), "the code was assigned");
    assert!(page.contains("报送审核"), "the unit may submit");
    assert!(!page.contains("审核通过"), "the unit may not review");

    // Edit, then compare the two versions.
    let edited = app
        .post_form(
            &path,
            Some(&unit_admin),
            &[
                ("name", "食品经营许可（页面）"),
                ("type", "licensing"),
                ("legal_basis", "《中华人民共和国食品安全法》第三十五条"),
                ("legal_limit", "20个工作日"),
                ("promised_limit", "5个工作日"),
                ("public", "true"),
            ],
        )
        .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    let versions = text(app.get(&format!("{path}/versions?a=1&b=2"), Some(&unit_admin)).await).await;
    assert!(versions.contains("10个工作日") && versions.contains("5个工作日"), "{versions}");

    let submitted = app.post_form(&format!("{path}/actions?action=submit"), Some(&unit_admin), &[]).await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let denied = app.post_form(&format!("{path}/actions?action=review"), Some(&unit_admin), &[]).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);

    // The sub-commission reviews over the API; the commission publishes on the page.
    let watcher = app.login("jgw1").await;
    let reviewed = app
        .send_json(
            Method::POST,
            &format!("/api/v1/powers/{id}/actions"),
            Some(&watcher),
            &serde_json::json!({"action": "review"}),
        )
        .await;
    assert_eq!(reviewed.status(), StatusCode::OK);
    let json: serde_json::Value = reviewed.json().await.unwrap();
    assert_eq!(json["state"], "reviewed");
    let admin = app.login("admin").await;
    let published = app.post_form(&format!("{path}/actions?action=publish"), Some(&admin), &[]).await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let power: serde_json::Value = app.get(&format!("/api/v1/powers/{id}"), Some(&admin)).await.json().await.unwrap();
    assert_eq!(power["state"], "published");
    assert_eq!(power["version"], 5);
    assert_eq!(power["actions"], serde_json::json!(["abolish", "merge"]));

    // The API drafts too, and refuses what does not parse.
    let body = serde_json::json!({"unit": "SCJG", "name": "药品零售许可（接口）", "type": "XK", "legal_basis": "《药品管理法》第五十二条"});
    let made = app.send_json(Method::POST, "/api/v1/powers", Some(&unit_admin), &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let bad = serde_json::json!({"unit": "SCJG", "name": "x", "type": "行政审批", "legal_basis": "《法》"});
    let refused = app.send_json(Method::POST, "/api/v1/powers", Some(&unit_admin), &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let json: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(json["fields"]["type"]["code"], "unknown_power_type");
    let list: serde_json::Value =
        app.get("/api/v1/powers?q=%E8%8D%AF%E5%93%81", Some(&unit_admin)).await.json().await.unwrap();
    assert_eq!(list["total"], 1);
}
both_backends!(create_submit_review_publish);

/// A multipart upload of the import form.
async fn upload(app: &TestApp, session: &Session, unit: &str, file: &[u8]) -> Response {
    let boundary = "sunlightboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in [("_csrf", session.csrf.as_str()), ("unit", unit)] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"catalogue.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    app.client
        .post(app.url("/staff/powers/import"))
        .header(COOKIE, &session.cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn bad_file() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 4]; 3] = [
        ["事项名称", "权力类型", "设定依据", "承诺时限"],
        ["食品经营许可（导入）", "行政许可", "《食品安全法》第三十五条", "10个工作日"],
        ["坏行", "行政审批", "《食品安全法》", "二十天左右"],
    ];
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            sheet.write_string(r, c, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import_previews_then_confirms(app: TestApp) {
    let admin = app.login("scjg-admin").await;
    let before = count(&app).await;
    let head = sunlight_store::audit::head(&app.db.store).await.unwrap();

    let response = upload(&app, &admin, "SCJG", &bad_file()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(page.contains("不是可识别的权力类型"), "{page}");
    assert!(page.contains("无法识别的时限"), "{page}");
    assert!(page.contains("<td>3</td>"), "the row is named");
    assert!(!page.contains("name=\"upload\""), "nothing to confirm");
    assert_eq!(count(&app).await, before);
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), head, "nothing written");

    let garbage = text(upload(&app, &admin, "SCJG", b"PK\x03\x04 not really").await).await;
    assert!(garbage.contains("不是有效的 .xlsx 文件"), "{garbage}");

    let good = export_xlsx(&[draft("SCJG", "导入许可甲"), draft("SCJG", "导入许可乙")]).unwrap();
    let preview = upload(&app, &admin, "SCJG", &good).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let page = text(preview).await;
    assert!(page.contains("导入许可乙"));
    assert_eq!(count(&app).await, before, "a preview writes nothing");
    let id = page.split("name=\"upload\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    // Another account cannot confirm someone else's upload.
    let other = app.login("admin").await;
    let stolen = app.post_form("/staff/powers/import/confirm", Some(&other), &[("upload", &id)]).await;
    assert_eq!(stolen.status(), StatusCode::GONE);

    let done = app.post_form("/staff/powers/import/confirm", Some(&admin), &[("upload", &id)]).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(text(done).await.contains("新建 2 项"));
    assert_eq!(count(&app).await, before + 2);
    let again = app.post_form("/staff/powers/import/confirm", Some(&admin), &[("upload", &id)]).await;
    assert_eq!(again.status(), StatusCode::GONE, "an upload is imported once");

    // Another unit's catalogue cannot be uploaded by this unit's admin.
    let foreign = upload(&app, &admin, "ZRZY", &good).await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let template = app.get("/staff/powers/template.xlsx", Some(&admin)).await;
    assert_eq!(template.status(), StatusCode::OK);
    assert!(template.bytes().await.unwrap().starts_with(b"PK"));
}
both_backends!(import_previews_then_confirms);

async fn unit_admin_cannot_touch_another_units_power(app: TestApp) {
    let system = Principal::system("test");
    let theirs = catalogue::create_power(&app.db.store, &system, draft("ZRZY", "他单位许可")).await.unwrap().power.id;
    let admin = app.login("scjg-admin").await;
    let head = sunlight_store::audit::head(&app.db.store).await.unwrap();
    for path in
        [format!("/staff/powers/{theirs}"), format!("/staff/powers/{theirs}/edit"), format!("/api/v1/powers/{theirs}")]
    {
        let status = app.get(&path, Some(&admin)).await.status();
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "GET {path}: {status}");
    }
    let status = app
        .post_form(
            &format!("/staff/powers/{theirs}"),
            Some(&admin),
            &[("name", "改名"), ("type", "licensing"), ("legal_basis", "《法》")],
        )
        .await
        .status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    let status =
        app.post_form(&format!("/staff/powers/{theirs}/actions?action=submit"), Some(&admin), &[]).await.status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    let body = serde_json::json!({"name": "改名", "type": "XK", "legal_basis": "《法》"});
    let status = app.send_json(Method::PUT, &format!("/api/v1/powers/{theirs}"), Some(&admin), &body).await.status();
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
    let body = serde_json::json!({"unit": "ZRZY", "name": "越权", "type": "XK", "legal_basis": "《法》"});
    let status = app.send_json(Method::POST, "/api/v1/powers", Some(&admin), &body).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let list = text(app.get("/staff/powers", Some(&admin)).await).await;
    assert!(!list.contains("他单位许可"));
    assert_eq!(sunlight_store::audit::head(&app.db.store).await.unwrap(), head, "nothing written");
}
both_backends!(unit_admin_cannot_touch_another_units_power);

async fn public_catalogue_shows_only_published(app: TestApp) {
    let system = Principal::system("test");
    let shown =
        catalogue::create_power(&app.db.store, &system, draft("SCJG", "公开目录许可甲")).await.unwrap().power.id;
    catalogue::create_power(&app.db.store, &system, draft("SCJG", "公开目录许可乙")).await.unwrap();
    let mut private = draft("SCJG", "公开目录许可丙").into_parts();
    private.public = false;
    let hidden =
        catalogue::create_power(&app.db.store, &system, PowerDraft::new(private).unwrap()).await.unwrap().power.id;
    for id in [shown, hidden] {
        for action in [PowerAction::Submit, PowerAction::Review, PowerAction::Publish] {
            catalogue::apply_action(&app.db.store, &system, id, &action).await.unwrap();
        }
    }
    let page = app.get("/catalogue?q=%E5%85%AC%E5%BC%80%E7%9B%AE%E5%BD%95", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = text(page).await;
    assert!(page.contains("公开目录许可甲"));
    assert!(!page.contains("公开目录许可乙"), "a draft is not public");
    assert!(!page.contains("公开目录许可丙"), "a power marked not public is not shown");
    let none = text(app.get("/catalogue?q=%25", None).await).await;
    assert!(!none.contains("公开目录许可甲"), "% is not a wildcard");
}
both_backends!(public_catalogue_shows_only_published);

#[test]
fn every_catalogue_error_code_has_words_in_both_languages() {
    use sunlight_web::i18n::{Lang, keys};
    for lang in [Lang::Zh, Lang::En] {
        let known = keys(lang);
        let missing: Vec<&&str> = sunlight_domain::catalogue::ERROR_CODES
            .iter()
            .filter(|code| !known.contains(&format!("field-{}", code.replace('_', "-"))))
            .collect();
        assert!(missing.is_empty(), "{lang:?}: {missing:?}");
    }
}

/// A published power's public page: its facts, legal basis and approved risk levels in
/// words; drafts are not found.
async fn the_portal_shows_a_published_power_with_its_risk_levels(app: TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use sunlight_store::entity::{power, risk_point};

    sunlight_store::demo::build(&app.db.store).await.unwrap();
    let point = risk_point::Entity::find()
        .filter(risk_point::Column::ScopeKind.eq("power"))
        .filter(risk_point::Column::LevelRank.eq(1))
        .one(app.db.store.connection())
        .await
        .unwrap()
        .unwrap();
    let shown = power::Entity::find_by_id(point.scope_target).one(app.db.store.connection()).await.unwrap().unwrap();
    let response = app.get(&format!("/catalogue/{}", shown.id), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains(&shown.code), "{page}");
    assert!(page.contains("设定依据"));
    assert!(page.contains("一级（红）"), "the level in words beside its colour");
    assert!(page.contains(&point.description));

    let list = app.get("/catalogue", None).await.text().await.unwrap();
    assert!(list.contains(r#"href="/catalogue/"#), "the list links to the powers' pages");
    assert_eq!(app.get("/catalogue/999999", None).await.status(), StatusCode::NOT_FOUND);
}
both_backends!(the_portal_shows_a_published_power_with_its_risk_levels);

/// The public risk register lists approved points with their levels in words, filtered
/// by unit and level, and never a holder's name.
async fn the_public_risk_register_filters_by_unit_and_level(app: TestApp) {
    sunlight_store::demo::build(&app.db.store).await.unwrap();
    let all = app.get("/risks", None).await.text().await.unwrap();
    assert!(all.contains("1,557") || all.contains("1557"), "every approved point is counted");
    assert!(all.contains("一级（红）"));
    let scjg = app.unit_id("SCJG").await;
    let page = app.get(&format!("/risks?unit={scjg}&level=3"), None).await.text().await.unwrap();
    assert!(page.contains("三级（黄）"));
    // Level 1 stays only in the introduction and in the filter's choices.
    assert_eq!(page.matches("一级（红）").count(), 2, "only level 3 rows");
    assert!(!page.contains("持有人"), "the holder is not a default column");
}
both_backends!(the_public_risk_register_filters_by_unit_and_level);
