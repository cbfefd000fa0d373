//! Flowcharts (流程图) in the staff workspace: the list, a flowchart with its drawing,
//! its steps' four clarities (what is missing marked), its versions, and the forms
//! that upload a BPMN draft and publish it.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sunlight_domain::flow::Flowchart;
use sunlight_domain::flow::flowchart::Clarity;
use sunlight_domain::flow::svg::{StepLevel, responsible_text};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_store::StoreError;
use sunlight_store::flowcharts::{self, FlowchartFilter, ImportError, PowerRef, STATE_FILTERS};
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::risk;

use super::{TablePage, paginate, render_status, require, see_other, table_response};
use crate::AppState;
use crate::auth::{CSRF_FIELD, Caller, StaffForm, same_token};
use crate::error::{AppError, field_message};
use crate::flowchart_text::{self, bpmn_error, gap_lines, limit_text, next_steps, state_name};
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, local_time};

const PER_PAGE: u64 = 50;

/// Whether the caller may upload and publish flowcharts (of some unit).
fn may_manage(principal: &Principal) -> bool {
    authorize(principal, Action::ManageFlowcharts, Target::County).is_ok()
}

fn state_badge(lang: Lang, state: &str) -> Cell {
    let class = match state {
        "published" => "on",
        "draft" => "hot",
        _ => "off",
    };
    Cell::Badge { class, text: state_name(lang, state) }
}

fn missing(lang: Lang) -> Cell {
    Cell::Badge { class: "missing", text: lang.t("flowchart-missing") }
}

// ---------------------------------------------------------------- the list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    unit_id: String,
    state: String,
    page: String,
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&caller, Action::ViewCatalogue, Target::County)?;
    let page = q.page.parse().unwrap_or(1).max(1);
    let filter = FlowchartFilter {
        unit_id: q.unit_id.parse().ok(),
        state: Some(q.state.clone()).filter(|s| STATE_FILTERS.contains(&s.as_str())),
        q: Some(q.q.clone()),
    };
    let found = flowcharts::list(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let mut state_options = vec![(String::new(), lang.t("option-any"))];
    state_options
        .extend(STATE_FILTERS.iter().map(|s| ((*s).to_owned(), lang.t(&format!("option-flowchart-state-{s}")))));
    let filter_form = Form::new(
        lang,
        "/staff/flowcharts".to_owned(),
        vec![
            Field::new(lang, "q", "field-flowchart-q", FieldKind::Text).value(q.q.clone()),
            Field::new(lang, "unit_id", "field-flowchart-unit", FieldKind::Select(unit_options))
                .value(q.unit_id.clone()),
            Field::new(lang, "state", "field-flowchart-state", FieldKind::Select(state_options)).value(q.state.clone()),
        ],
        "action-filter",
    );
    let mut table = Table::new(
        lang,
        "list",
        &[
            "col-flowchart-power-code",
            "col-flowchart-power-name",
            "col-flowchart-unit",
            "col-flowchart-state",
            "col-flowchart-versions",
            "col-flowchart-steps",
            "col-flowchart-updated",
        ],
        "empty-flowcharts",
    );
    table.counted(lang, found.total);
    for row in found.rows {
        let href = format!("/staff/flowcharts/{}", row.flowchart.id);
        let status = match (&row.published, &row.latest) {
            (Some(p), Some(l)) if l.version > p.version => Cell::Text(format!(
                "{} · {}",
                lang.t_args("flowchart-published-version", &[("version", p.version.into())]),
                lang.t_args("flowchart-draft-waiting", &[("version", l.version.into())])
            )),
            (Some(p), _) => Cell::Badge {
                class: "on",
                text: lang.t_args("flowchart-published-version", &[("version", p.version.into())]),
            },
            (None, Some(l)) => Cell::Badge {
                class: "hot",
                text: lang.t_args("flowchart-draft-waiting", &[("version", l.version.into())]),
            },
            (None, None) => Cell::Badge { class: "off", text: lang.t("flowchart-state-none") },
        };
        let steps = row.published.as_ref().or(row.latest.as_ref()).map(|v| v.step_count.to_string());
        table.rows.push(vec![
            Cell::Link { href: href.clone(), text: row.flowchart.power_code.clone() },
            Cell::Link { href, text: row.flowchart.name.clone() },
            Cell::Text(row.unit_name),
            status,
            Cell::Text(row.versions.to_string()),
            Cell::Text(steps.unwrap_or_default()),
            Cell::Text(local_time(&row.flowchart.updated_at.to_rfc3339())),
        ]);
    }
    paginate(
        &mut table,
        "/staff/flowcharts",
        &[("q", q.q), ("unit_id", q.unit_id), ("state", q.state)],
        page,
        PER_PAGE,
    );
    let actions = if may_manage(&caller.principal) {
        vec![("/staff/flowcharts/upload".to_owned(), lang.t("action-flowchart-upload"))]
    } else {
        Vec::new()
    };
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-flowcharts", "flowcharts"),
        actions,
        filter: Some(filter_form),
        table,
        create: None,
    };
    table_response(&page)
}

// ---------------------------------------------------------------- one flowchart

/// The four clarities of every step, what is missing marked, with its risk level.
pub(crate) fn clarity_table(
    lang: Lang,
    id: &'static str,
    chart: &Flowchart,
    levels: &BTreeMap<String, StepLevel>,
) -> Table {
    let mut table = Table::new(
        lang,
        id,
        &[
            "col-flowchart-step",
            "col-flowchart-procedure",
            "col-flowchart-responsible",
            "col-flowchart-limit",
            "col-flowchart-supervisor",
            "col-flowchart-documents",
            "col-flowchart-level",
        ],
        "empty-flowchart-steps",
    );
    let gaps = chart.four_clarities();
    for node in chart.nodes() {
        let Some(step) = node.step() else { continue };
        let lacks = |clarity: Clarity| gaps.iter().any(|g| g.step == node.id && g.missing.contains(&clarity));
        let name = node.name.trim();
        let text_or_missing = |value: Option<String>, clarity: Clarity| match value {
            Some(v) if !lacks(clarity) => Cell::Text(v),
            _ => missing(lang),
        };
        let level = match levels.get(name) {
            Some(l) => Cell::Level { colour: l.colour.as_str().to_owned(), text: l.words.clone() },
            None => Cell::Text(lang.t("flowchart-level-none")),
        };
        table.rows.push(vec![
            Cell::Text(if name.is_empty() { lang.t("flowchart-unnamed-step") } else { name.to_owned() }),
            text_or_missing(Some(next_steps(lang, chart, node)).filter(|s| !s.is_empty()), Clarity::Procedure),
            text_or_missing(responsible_text(step), Clarity::ResponsiblePerson),
            text_or_missing(step.limit.map(|l| limit_text(lang, l)), Clarity::TimeLimit),
            text_or_missing(step.supervisor.clone(), Clarity::Supervisor),
            Cell::Text(step.documents.join(&lang.t("flowchart-separator"))),
            level,
        ]);
    }
    table
}

/// The drawing and the steps' levels of a chart of `power`.
pub(crate) async fn drawing(
    state: &AppState,
    lang: Lang,
    power: &sunlight_store::entity::power::Model,
    chart: &Flowchart,
) -> Result<(String, BTreeMap<String, StepLevel>), AppError> {
    let model = risk::active_model(&state.store).await?;
    let ranks = flowcharts::step_levels(state.store.connection(), power, chart).await?;
    let levels = flowchart_text::step_levels(lang, &model, &ranks);
    Ok((flowchart_text::draw(lang, chart, &power.name, &levels), levels))
}

#[derive(Template)]
#[template(path = "flowchart_page.html")]
struct DetailPage {
    c: Chrome,
    actions: Vec<(String, String)>,
    facts: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
    drawing_heading: String,
    svg: Option<String>,
    gaps_heading: String,
    gaps: Vec<String>,
    clarities: Table,
    versions: Table,
    upload: Option<UploadForm>,
}

/// The form that uploads a BPMN file as a new draft.
pub struct UploadForm {
    power: String,
    /// A text field for the power's code (the upload page), or hidden (a flowchart's page).
    ask_power: bool,
    error: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailQuery {
    version: Option<i32>,
    uploaded: Option<i32>,
    published: Option<i32>,
}

pub async fn detail(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    let notice = match (q.uploaded, q.published) {
        (Some(version), _) => Some(lang.t_args("notice-flowchart-uploaded", &[("version", version.into())])),
        (_, Some(version)) => Some(lang.t_args("notice-flowchart-published", &[("version", version.into())])),
        _ => None,
    };
    detail_response(&state, lang, &caller, id, q.version, notice, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments, clippy::too_many_lines)] // one page: its facts, drawing, steps, versions and form
async fn detail_response(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    id: i64,
    version: Option<i32>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let detail = flowcharts::get(&state.store, &caller.principal, id).await?;
    let manage = authorize(&caller.principal, Action::ManageFlowcharts, Target::Unit(detail.flowchart.unit_id)).is_ok();
    let shown = match version {
        Some(_) => Some(flowcharts::version_chart(&state.store, &caller.principal, id, version).await?),
        None if detail.shown().is_some() => {
            Some(flowcharts::version_chart(&state.store, &caller.principal, id, None).await?)
        }
        None => None,
    };
    let mut facts = vec![
        (lang.t("col-flowchart-power-code"), detail.flowchart.power_code.clone()),
        (lang.t("col-flowchart-power-name"), detail.power.name.clone()),
        (lang.t("col-flowchart-unit"), detail.unit_name.clone()),
    ];
    if let Some(p) = detail.published() {
        let when = p.published_at.map(|t| local_time(&t.to_rfc3339())).unwrap_or_default();
        facts.push((
            lang.t("col-flowchart-state"),
            format!("{} · {when}", lang.t_args("flowchart-published-version", &[("version", p.version.into())])),
        ));
    } else {
        facts.push((lang.t("col-flowchart-state"), lang.t("option-flowchart-state-unpublished")));
    }
    let (svg, drawing_heading, gaps, clarities) = match &shown {
        Some((info, chart, _)) => {
            if let Some(limit) = chart.parts().promised_limit {
                facts.push((lang.t("flowchart-promised-limit"), limit_text(lang, limit)));
            }
            let (svg, levels) = drawing(state, lang, &detail.power, chart).await?;
            let heading = lang.t_args(
                "heading-flowchart-drawing",
                &[("version", info.version.into()), ("state", state_name(lang, &info.state).into())],
            );
            (Some(svg), heading, gap_lines(lang, chart), clarity_table(lang, "flowchart-steps", chart, &levels))
        }
        None => (
            None,
            lang.t("heading-flowchart-clarities"),
            Vec::new(),
            Table::new(lang, "flowchart-steps", &["col-flowchart-step"], "empty-flowchart-versions"),
        ),
    };
    let gaps_heading = match &shown {
        Some((info, ..)) => {
            lang.t_args("heading-flowchart-gaps", &[("version", info.version.into()), ("count", gaps.len().into())])
        }
        None => String::new(),
    };

    let mut versions = Table::new(
        lang,
        "flowchart-versions",
        &[
            "col-flowchart-version",
            "col-flowchart-state",
            "col-flowchart-steps",
            "col-flowchart-created-by",
            "col-flowchart-created-at",
            "col-flowchart-published-at",
            "col-flowchart-download",
            "col-flowchart-publish",
        ],
        "empty-flowchart-versions",
    );
    versions.counted(lang, detail.versions.len() as u64);
    for v in detail.versions.iter().rev() {
        let publish = if manage && v.state == flowcharts::DRAFT {
            Cell::Post {
                action: format!("/staff/flowcharts/{id}/versions/{}/publish", v.version),
                label: lang.t("action-flowchart-publish"),
                confirm: lang.t_args("confirm-flowchart-publish", &[("version", v.version.into())]),
            }
        } else {
            Cell::Text(String::new())
        };
        versions.rows.push(vec![
            Cell::Link {
                href: format!("/staff/flowcharts/{id}?version={}", v.version),
                text: lang.t_args("flowchart-version", &[("version", v.version.into())]),
            },
            state_badge(lang, &v.state),
            Cell::Text(v.step_count.to_string()),
            Cell::Text(v.created_by.clone()),
            Cell::Text(local_time(&v.created_at.to_rfc3339())),
            Cell::Text(v.published_at.map(|t| local_time(&t.to_rfc3339())).unwrap_or_default()),
            Cell::Link {
                href: format!("/api/v1/flowcharts/{id}/bpmn?version={}", v.version),
                text: lang.t("action-flowchart-download"),
            },
            publish,
        ]);
    }
    let mut actions = vec![("/staff/flowcharts".to_owned(), lang.t("action-flowchart-list"))];
    if detail.published().is_some() {
        actions.push((format!("/api/v1/flowcharts/{id}/bpmn"), lang.t("action-flowchart-download-published")));
        if detail.power.state == "published" && detail.power.public {
            actions.push((format!("/catalogue/{}", detail.power.id), lang.t("action-flowchart-public")));
        }
    }
    let mut c = Chrome::new(lang, caller, "page-flowchart", "flowcharts");
    c.title = format!("{} · {}", detail.power.name, c.title);
    let page = DetailPage {
        c,
        actions,
        facts,
        notice,
        error,
        drawing_heading,
        svg,
        gaps_heading,
        gaps,
        clarities,
        versions,
        upload: manage.then(|| UploadForm {
            power: detail.flowchart.power_code.clone(),
            ask_power: false,
            error: Vec::new(),
        }),
    };
    render_status(status, &page)
}

/// The published flowchart of a power on the portal: the drawing, when and which
/// version, and the four clarities of its steps.
pub struct PublicFlowchart {
    pub svg: String,
    pub version: String,
    pub clarities: Table,
}

pub(crate) async fn public_flowchart(
    state: &AppState,
    lang: Lang,
    power: &sunlight_store::entity::power::Model,
) -> Result<Option<PublicFlowchart>, AppError> {
    let Some((version, chart)) = flowcharts::published_version(state.store.connection(), power.id).await? else {
        return Ok(None);
    };
    let (svg, levels) = drawing(state, lang, power, &chart).await?;
    let date = version
        .published_at
        .map(|t| t.with_timezone(&crate::views::shanghai()).format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    Ok(Some(PublicFlowchart {
        svg,
        version: lang.t_args("portal-flowchart-version", &[("version", version.version.into()), ("date", date.into())]),
        clarities: clarity_table(lang, "power-flowchart-steps", &chart, &levels),
    }))
}

// ---------------------------------------------------------------- publishing

pub async fn publish(
    State(state): State<AppState>,
    lang: Lang,
    Path((id, version)): Path<(String, String)>,
    StaffForm { caller, .. }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageFlowcharts, Target::County)?;
    let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i32>()) else {
        return Err(AppError::NotFound);
    };
    match flowcharts::publish(&state.store, &caller.principal, id, version).await {
        Ok(_) => Ok(see_other(&format!("/staff/flowcharts/{id}?published={version}"))),
        Err(StoreError::Invalid(fields)) => {
            let text = if fields.iter().any(|(_, e)| e.code == "four_clarities_missing") {
                lang.t_args("error-flowchart-unpublishable", &[("version", version.into())])
            } else {
                fields.iter().map(|(_, e)| field_message(lang, e)).collect::<Vec<_>>().join(" ")
            };
            detail_response(
                &state,
                lang,
                &caller,
                id,
                Some(version),
                None,
                Some(text),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- uploading

#[derive(Template)]
#[template(path = "flowchart_upload.html")]
struct UploadPage {
    c: Chrome,
    upload: UploadForm,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UploadQuery {
    power: String,
}

pub async fn upload_page(lang: Lang, caller: Caller, Query(q): Query<UploadQuery>) -> Result<Response, AppError> {
    require(&caller, Action::ManageFlowcharts, Target::County)?;
    let upload = UploadForm { power: q.power.trim().to_owned(), ask_power: true, error: Vec::new() };
    render_status(
        StatusCode::OK,
        &UploadPage { c: Chrome::new(lang, &caller, "page-flowchart-upload", "flowcharts"), upload },
    )
}

async fn read_upload(mut multipart: Multipart) -> Result<(String, String, Vec<u8>), AppError> {
    let (mut csrf, mut power, mut file) = (String::new(), String::new(), Vec::new());
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("bad_form", e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            CSRF_FIELD => csrf = field.text().await.map_err(bad)?,
            "power" => power = field.text().await.map_err(bad)?,
            "file" => file = field.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, power, file))
}

pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageFlowcharts, Target::County)?;
    let multipart = multipart.map_err(|e| AppError::BadRequest("bad_form", e.body_text()))?;
    let (csrf, power, bytes) = read_upload(multipart).await?;
    if !same_token(&csrf, caller.csrf()) {
        return Err(AppError::Csrf);
    }
    let power = power.trim().to_owned();
    let refuse = |lines: Vec<String>| {
        let upload = UploadForm { power: power.clone(), ask_power: true, error: lines };
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &UploadPage { c: Chrome::new(lang, &caller, "page-flowchart-upload", "flowcharts"), upload },
        )
    };
    let field = |code: &'static str| {
        format!(
            "{}{}{}",
            lang.t("field-flowchart-power"),
            lang.t("colon"),
            field_message(lang, &sunlight_domain::field::FieldError::new(code))
        )
    };
    if power.is_empty() {
        return refuse(vec![field("required")]);
    }
    if bytes.is_empty() {
        return refuse(vec![lang.t("bpmn-error-empty")]);
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return refuse(vec![lang.t("bpmn-error-not-utf8")]);
    };
    match flowcharts::import_draft(&state.store, &caller.principal, PowerRef::Code(&power), &text).await {
        Ok(imported) => Ok(see_other(&format!(
            "/staff/flowcharts/{}?version={v}&uploaded={v}",
            imported.flowchart.id,
            v = imported.version.version
        ))),
        Err(ImportError::Bpmn(e)) => refuse(vec![bpmn_error(lang, &e)]),
        Err(ImportError::Store(StoreError::NotFound { .. })) => refuse(vec![field("not_found")]),
        Err(ImportError::Store(StoreError::Invalid(fields))) => refuse(
            fields
                .iter()
                .map(|(name, e)| {
                    let label = if name == "power" { lang.t("field-flowchart-power") } else { name.clone() };
                    format!("{label}{}{}", lang.t("colon"), field_message(lang, e))
                })
                .collect(),
        ),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}
