//! Flowcharts: uploading a BPMN draft (errors naming the line and element, nothing
//! written), publishing under the four clarities, the drawing and the steps on the
//! staff page and on the public power page (its cache following), and the JSON API.

use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Method, Response, StatusCode};
use sunlight_domain::flow::generator::generator_flowchart;
use sunlight_domain::flow::{Flowchart, export_bpmn, import_bpmn};
use sunlight_domain::policy::Principal;
use sunlight_store::flowcharts::{self, PowerRef};
use sunlight_store::{accounts, audit};

use crate::support::{Session, TestApp, location};

const BOUNDARY: &str = "----sunlight-flowchart-boundary";
const BROKEN: &str = "<definitions>\n<process id=\"p\">\n<task name=\"x\"/>\n</process></definitions>";

fn shared(name: &str) -> String {
    let path = format!("{}/../../../shared/data/eventlogs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The generator's chart: every step states the four clarities.
fn complete() -> String {
    export_bpmn(&Flowchart::new(generator_flowchart()).unwrap())
}

/// The same chart with its first step renamed, as a later version.
fn complete_renamed(name: &str) -> String {
    let mut parts = generator_flowchart();
    name.clone_into(&mut parts.nodes[1].name);
    export_bpmn(&Flowchart::new(parts).unwrap())
}

async fn upload(app: &TestApp, session: &Session, power: &str, file: &str) -> Response {
    let mut body = Vec::new();
    for (name, value) in [("_csrf", session.csrf.as_str()), ("power", power)] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chart.bpmn\"\r\nContent-Type: application/xml\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    app.client
        .post(app.url("/staff/flowcharts/upload"))
        .header(COOKIE, &session.cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn power_code(app: &TestApp, id: i64) -> String {
    sunlight_store::catalogue::get_power(&app.db.store, &Principal::system("test"), id).await.unwrap().power.code
}

/// A published flowchart of a published public power of SCJG, for the route matrix.
pub async fn sample_flowchart(app: &TestApp) -> i64 {
    let system = Principal::system("test");
    let power = crate::screens::sample_public_power(app).await;
    if let Ok(found) = flowcharts::for_power(&app.db.store, &system, PowerRef::Id(power)).await {
        return found.flowchart.id;
    }
    let imported = flowcharts::import_draft(&app.db.store, &system, PowerRef::Id(power), &complete()).await.unwrap();
    flowcharts::publish(&app.db.store, &system, imported.flowchart.id, 1).await.unwrap();
    imported.flowchart.id
}

async fn upload_publish_and_show(app: TestApp) {
    let power = crate::screens::published_power(&app, "SCJG", "食品经营许可（流程图）").await;
    let code = power_code(&app, power).await;
    let admin = app.login("scjg-admin").await;
    let list = app.get("/staff/flowcharts", Some(&admin)).await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(list.text().await.unwrap().contains("还没有流程图"));
    assert_eq!(app.get(&format!("/staff/flowcharts/upload?power={code}"), Some(&admin)).await.status(), StatusCode::OK);

    // A broken file: its line and element are named, nothing is written.
    let head = audit::head(&app.db.store).await.unwrap();
    let response = upload(&app, &admin, &code, BROKEN).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("第 3 行：元素 &#60;task&#62; 缺少属性 id"), "{html}");
    let response = upload(&app, &admin, "NOSUCH", &complete()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("职权编码：不存在"));
    assert_eq!(audit::head(&app.db.store).await.unwrap(), head, "nothing may have been written");

    // The permit chart lacks supervisors: a draft that cannot be published.
    let response = upload(&app, &admin, &code.to_lowercase(), &shared("permit-minimal.bpmn")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    assert!(to.ends_with("?version=1&uploaded=1"), "{to}");
    let id: i64 = to.trim_start_matches("/staff/flowcharts/").split('?').next().unwrap().parse().unwrap();
    let html = app.get(&to, Some(&admin)).await.text().await.unwrap();
    assert!(html.contains("已导入第 1 版（草稿）"));
    assert!(html.contains("<svg") && html.contains("role=\"img\""), "the drawing is inline");
    assert!(html.contains("Check completeness") && html.contains("未明确"));
    assert!(html.contains("缺少：时限、监督人"), "the gaps are listed");
    let publish = format!("/staff/flowcharts/{id}/versions/1/publish");
    assert!(html.contains(&publish));
    let response = app.post_form(&publish, Some(&admin), &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("第 1 版不能发布"));

    // A complete chart is published; the public page shows it.
    let response = upload(&app, &admin, &code, &complete()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app.post_form(&format!("/staff/flowcharts/{id}/versions/2/publish"), Some(&admin), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.get(&location(&response), Some(&admin)).await.text().await.unwrap();
    assert!(html.contains("第 2 版已发布"), "{html}");
    assert!(html.contains(&format!("/catalogue/{power}")), "links to the public page");

    let public = app.get(&format!("/catalogue/{power}"), None).await;
    assert_eq!(public.status(), StatusCode::OK);
    let etag = public.headers()["etag"].to_str().unwrap().to_owned();
    let html = public.text().await.unwrap();
    assert!(html.contains("办理流程图") && html.contains("四个明确"));
    assert!(html.contains("<svg") && html.contains("Register application"));
    assert!(html.contains("Discipline inspection group 2"), "the supervisor is public");
    assert!(html.contains("1个工作日"));
    let english = app.client.get(app.url(&format!("/catalogue/{power}"))).header("accept-language", "en").send().await;
    let english = english.unwrap().text().await.unwrap();
    assert!(english.contains("The four clarities") && english.contains("1 working day<"), "{english}");
    for key in [
        "flowchart-limit",
        "flowchart-svg-",
        "flowchart-clarity",
        "flowchart-next",
        "portal-flowchart-",
        "col-flowchart",
    ] {
        assert!(!english.contains(key) && !html.contains(key), "{key}: every word is in the catalogues");
    }

    // Publishing a new version changes the public page (the cache follows).
    upload(&app, &admin, &code, &complete_renamed("Register and scan")).await;
    app.post_form(&format!("/staff/flowcharts/{id}/versions/3/publish"), Some(&admin), &[]).await;
    let again = app.client.get(app.url(&format!("/catalogue/{power}"))).header("if-none-match", &etag).send().await;
    let again = again.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.text().await.unwrap().contains("Register and scan"));

    // The list: filters and the htmx partial.
    let html =
        app.get("/staff/flowcharts?state=published&q=%E7%BB%8F%E8%90%A5", Some(&admin)).await.text().await.unwrap();
    assert!(html.contains(&code) && html.contains("已发布第 3 版"), "{html}");
    let html = app.get("/staff/flowcharts?state=draft", Some(&admin)).await.text().await.unwrap();
    assert!(html.contains(&code), "version 1 is still a draft");
    let partial = app
        .client
        .get(app.url("/staff/flowcharts?state=unpublished"))
        .header(COOKIE, &admin.cookie)
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(partial.headers()["vary"], "HX-Request");
    assert!(!partial.text().await.unwrap().contains(&code));

    // A cadre reads but neither uploads nor publishes.
    let cadre = app.login("scjg-cadre").await;
    let html = app.get(&format!("/staff/flowcharts/{id}"), Some(&cadre)).await.text().await.unwrap();
    assert!(!html.contains("/publish") && !html.contains("multipart"));
    let response = app.post_form(&format!("/staff/flowcharts/{id}/versions/1/publish"), Some(&cadre), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(upload(&app, &cadre, &code, &complete()).await.status(), StatusCode::FORBIDDEN);
}
both_backends!(upload_publish_and_show);

async fn json(response: Response) -> serde_json::Value {
    response.json().await.unwrap()
}

async fn post_bpmn(app: &TestApp, session: &Session, code: &str, body: &str) -> Response {
    app.client
        .post(app.url(&format!("/api/v1/powers/{code}/flowchart")))
        .header(COOKIE, &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .header(CONTENT_TYPE, "application/xml")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn the_json_api(app: TestApp) {
    let power = crate::screens::published_power(&app, "SCJG", "特种设备使用登记（接口）").await;
    let code = power_code(&app, power).await;
    let admin = app.login("scjg-admin").await;

    let response = post_bpmn(&app, &admin, &code, BROKEN).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    assert_eq!(
        (body["error"].as_str(), body["line"].as_u64(), body["element"].as_str()),
        (Some("invalid_bpmn"), Some(3), Some("task"))
    );
    assert_eq!(body["fields"]["bpmn"]["code"], "missing_attribute");

    let response = post_bpmn(&app, &admin, &code, &complete()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = json(response).await;
    assert_eq!((body["created"].as_bool(), body["version"]["version"].as_i64()), (Some(true), Some(1)));
    assert_eq!(body["version"]["state"], "draft");
    let id = body["flowchart_id"].as_i64().unwrap();
    let publish = |v: i32| format!("/api/v1/flowcharts/{id}/versions/{v}/publish");
    let response = app.send_json(Method::POST, &publish(1), Some(&admin), &serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["state"], "published");
    let response = app.send_json(Method::POST, &publish(1), Some(&admin), &serde_json::json!({})).await;
    assert_eq!(json(response).await["fields"]["version"]["code"], "not_a_draft");
    let response = app.send_json(Method::POST, &publish(7), Some(&admin), &serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let response = post_bpmn(&app, &admin, &code, &shared("permit-minimal.bpmn")).await;
    assert_eq!(json(response).await["created"], false);
    let response = app.send_json(Method::POST, &publish(2), Some(&admin), &serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    assert_eq!(body["fields"]["step.check.supervisor"]["code"], "four_clarities_missing", "{body}");

    let list = json(app.get("/api/v1/flowcharts?state=draft", Some(&admin)).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(
        (list["flowcharts"][0]["published_version"].as_i64(), list["flowcharts"][0]["latest_version"].as_i64()),
        (Some(1), Some(2))
    );
    let detail = json(app.get(&format!("/api/v1/flowcharts/{id}?version=2"), Some(&admin)).await).await;
    assert_eq!(detail["shown_version"], 2);
    assert_eq!(detail["complete"], false);
    let check = detail["steps"].as_array().unwrap().iter().find(|s| s["id"] == "check").unwrap();
    assert_eq!(check["missing"], serde_json::json!(["time_limit", "supervisor"]));
    let detail = json(app.get(&format!("/api/v1/flowcharts/{id}"), Some(&admin)).await).await;
    assert_eq!((detail["shown_version"].as_i64(), detail["complete"].as_bool()), (Some(1), Some(true)));
    assert_eq!(detail["steps"][0]["limit"], "1个工作日");

    let response = app.get(&format!("/api/v1/flowcharts/{id}/bpmn"), Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("-v1.bpmn"));
    assert_eq!(import_bpmn(&response.text().await.unwrap()).unwrap(), import_bpmn(&complete()).unwrap());
    let text = app.get(&format!("/api/v1/flowcharts/{id}/bpmn?version=2"), Some(&admin)).await.text().await.unwrap();
    assert_eq!(import_bpmn(&text).unwrap(), import_bpmn(&shared("permit-minimal.bpmn")).unwrap());
    let response = app.get(&format!("/api/v1/flowcharts/{id}/svg"), Some(&admin)).await;
    assert_eq!(response.headers()["content-type"], "image/svg+xml; charset=utf-8");
    assert!(response.text().await.unwrap().starts_with("<svg"));

    // A unit's machine client reads its flowcharts but cannot upload.
    let (_, secret) =
        accounts::create_token(&app.db.store, &Principal::system("t"), app.unit_id("SCJG").await, "审批系统")
            .await
            .unwrap();
    let response = app.client.get(app.url("/api/v1/flowcharts")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(json(response).await["total"], 1);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/powers/{code}/flowchart")))
        .bearer_auth(&secret)
        .body(complete())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let docs = json(app.get("/api/openapi.json", None).await).await;
    assert!(docs["paths"]["/api/v1/powers/{code}/flowchart"]["post"].is_object());
}
both_backends!(the_json_api);
