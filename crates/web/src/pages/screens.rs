//! Display screens (电子显示屏) and the touch kiosk (触摸查询机).
//!
//! The commission keeps the screens under `/staff/screens`. A screen's page
//! `/screen/{id}` shows one panel at a time, full-screen, readable from across a
//! hall; `screen.js` rotates the panels and refreshes them from `/screen/{id}/data`
//! (JSON computed from the records), replacing nodes in place so the page runs for
//! days without growing. The kiosk `/kiosk` browses the public catalogue by unit and
//! type with touch targets only, shows a power's facts, and looks up a case: the
//! unit from its tiles, then the number's date and sequence and the verification
//! code on a keypad, answered as the portal answers; after a minute idle it goes
//! back to its start.

use askama::Template;
use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sunlight_domain::catalogue::{Column, PowerType};
use sunlight_domain::field::FieldErrors;
use sunlight_domain::policy::{Action, Principal, Target};
use sunlight_domain::screen::{Panel, RawScreen, ScreenInput};
use sunlight_store::cases::{CODE_DIGITS, SEQUENCE_DIGITS, drawn_number};
use sunlight_store::catalogue::{self, PowerFilter, PowerRecord};
use sunlight_store::entity::{display_screen, unit};
use sunlight_store::org::{self, UnitFilter};
use sunlight_store::screens::{self, PanelData, PublicReply};

use super::case_lookup::{self, Lookup};
use super::catalogue::{limit_text, type_label_of};
use super::trading_alerts::indicator_words;
use super::{FormPage, TablePage, render, render_status, require, see_other, table_response};
use crate::AppState;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::import_text::column_label;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table, shanghai};

// ---------------------------------------------------------------- staff pages

fn panel_label(lang: Lang, panel: Panel) -> String {
    lang.t(&format!("screen-panel-{}", panel.key().replace('_', "-")))
}

fn panel_names(lang: Lang, screen: &display_screen::Model) -> String {
    screens::panels_of(screen).into_iter().map(|p| panel_label(lang, p)).collect::<Vec<_>>().join(" → ")
}

async fn all_units(state: &AppState, caller: &Caller) -> Result<Vec<unit::Model>, AppError> {
    Ok(org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?)
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let list = screens::list_screens(&state.store, &caller.principal, q.include_inactive == "true").await?;
    let units = all_units(&state, &caller).await?;
    let mut table = Table::new(
        lang,
        "screens",
        &["field-name", "screen-field-location", "field-unit", "screen-field-panels", "col-state", "col-actions"],
        "screen-empty",
    );
    table.counted(lang, list.len() as u64);
    for s in list {
        let unit = s.unit_id.and_then(|id| units.iter().find(|u| u.id == id)).map(|u| u.name.clone());
        let state_cell = if s.active {
            Cell::Badge { class: "on", text: lang.t("state-active") }
        } else {
            Cell::Badge { class: "off", text: lang.t("state-inactive") }
        };
        table.rows.push(vec![
            Cell::Link { href: format!("/screen/{}", s.id), text: s.name.clone() },
            Cell::Text(s.location.clone()),
            Cell::Text(unit.unwrap_or_else(|| lang.t("screen-county-hall"))),
            Cell::Text(panel_names(lang, &s)),
            state_cell,
            Cell::Link { href: format!("/staff/screens/{}/edit", s.id), text: lang.t("action-edit") },
        ]);
    }
    let filter = Form::new(
        lang,
        "/staff/screens".into(),
        vec![
            Field::new(lang, "include_inactive", "field-include-inactive", FieldKind::Checkbox)
                .value(q.include_inactive),
        ],
        "action-filter",
    );
    table_response(&TablePage {
        c: Chrome::new(lang, &caller, "page-screens", "screens"),
        actions: vec![
            ("/staff/screens/new".into(), lang.t("screen-action-new")),
            ("/kiosk".into(), lang.t("nav-kiosk")),
        ],
        filter: Some(filter),
        table,
        create: None,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    include_inactive: String,
}

/// The panel slots of the form: one select each, in showing order.
const SLOTS: [&str; 8] = ["panel_1", "panel_2", "panel_3", "panel_4", "panel_5", "panel_6", "panel_7", "panel_8"];

fn screen_form(lang: Lang, action: String, raw: &RawScreen, active: Option<bool>, units: &[unit::Model]) -> Form {
    let mut unit_options = vec![(String::new(), lang.t("screen-county-hall"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let mut panel_options = vec![(String::new(), lang.t("screen-no-panel"))];
    panel_options.extend(Panel::ALL.iter().map(|p| (p.key().to_owned(), panel_label(lang, *p))));
    let mut fields = vec![
        Field::new(lang, "name", "field-name", FieldKind::Text).required().value(&raw.name),
        Field::new(lang, "location", "screen-field-location", FieldKind::Text).required().value(&raw.location),
        Field::new(lang, "unit_id", "screen-field-hall-of", FieldKind::Select(unit_options)).value(&raw.unit_id),
    ];
    for (n, slot) in SLOTS.iter().enumerate() {
        let mut field =
            Field::new(lang, slot, &format!("screen-field-panel-{}", n + 1), FieldKind::Select(panel_options.clone()))
                .value(raw.panels.get(n).cloned().unwrap_or_default());
        if n == 0 {
            field = field.required().help(lang.t("help-screen-panels"));
        }
        fields.push(field);
    }
    fields.push(
        Field::new(lang, "seconds", "screen-field-seconds", FieldKind::Number)
            .required()
            .value(&raw.seconds)
            .help(lang.t("help-screen-seconds")),
    );
    if let Some(active) = active {
        fields.push(Field::new(lang, "active", "field-active", FieldKind::Checkbox).value(active.to_string()));
    }
    let mut form = Form::new(lang, action, fields, "action-save");
    form.cancel = Some(("/staff/screens".into(), lang.t("action-cancel")));
    form
}

fn raw_screen(form: &FormData) -> RawScreen {
    RawScreen {
        name: form.get("name").to_owned(),
        location: form.get("location").to_owned(),
        unit_id: form.get("unit_id").to_owned(),
        panels: SLOTS.iter().map(|s| form.get(s).to_owned()).collect(),
        seconds: form.get("seconds").to_owned(),
    }
}

/// The panel list's error belongs to the first panel's select.
fn slot_errors(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (name, error) in errors.iter() {
        out.add(if name == "panels" { SLOTS[0] } else { name }, error.clone());
    }
    out
}

fn page(lang: Lang, caller: &Caller, title_key: &str, form: Form) -> FormPage {
    FormPage { c: Chrome::new(lang, caller, title_key, "screens"), intro: None, form }
}

pub async fn new(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ManageScreens, Target::County)?;
    let units = all_units(&state, &caller).await?;
    let raw =
        RawScreen { seconds: "15".into(), panels: vec![Panel::PublishedPowers.key().into()], ..Default::default() };
    let form = screen_form(lang, "/staff/screens".into(), &raw, None, &units);
    Ok(render(&page(lang, &caller, "page-new-screen", form))?.into_response())
}

async fn save(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    form: &FormData,
    id: Option<i64>,
) -> Result<Response, AppError> {
    require(caller, Action::ManageScreens, Target::County)?;
    let raw = raw_screen(form);
    let active = form.flag("active");
    let result = match ScreenInput::parse(&raw) {
        Ok(input) => match id {
            Some(id) => screens::update_screen(&state.store, &caller.principal, id, &input, active).await.map(|_| ()),
            None => screens::create_screen(&state.store, &caller.principal, &input).await.map(|_| ()),
        }
        .map_err(AppError::from),
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(()) => Ok(see_other("/staff/screens")),
        Err(AppError::Invalid(errors)) => {
            let units = all_units(state, caller).await?;
            let (action, title, active) = match id {
                Some(id) => (format!("/staff/screens/{id}"), "page-edit-screen", Some(active)),
                None => ("/staff/screens".to_owned(), "page-new-screen", None),
            };
            let form = screen_form(lang, action, &raw, active, &units).with_errors(lang, &slot_errors(&errors));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(lang, caller, title, form))
        }
        Err(other) => Err(other),
    }
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    save(&state, lang, &caller, &form, None).await
}

pub async fn edit(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let s = screens::get_screen(&state.store, &caller.principal, id).await?;
    let units = all_units(&state, &caller).await?;
    let raw = RawScreen {
        panels: screens::panels_of(&s).iter().map(|p| p.key().to_owned()).collect(),
        name: s.name,
        location: s.location,
        unit_id: s.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        seconds: s.seconds.to_string(),
    };
    let form = screen_form(lang, format!("/staff/screens/{id}"), &raw, Some(s.active), &units);
    Ok(render(&page(lang, &caller, "page-edit-screen", form))?.into_response())
}

pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    save(&state, lang, &caller, &form, Some(id)).await
}

// ---------------------------------------------------------------- the screen

/// One panel as shown: a title and rows of (label, value, class); the class marks a
/// row's colour (time cards), beside the words that say the same.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PanelView {
    pub key: &'static str,
    pub title: String,
    pub rows: Vec<(String, String, &'static str)>,
    /// Words instead of rows when there is nothing to list, or a page indicator.
    pub note: String,
    /// Which drawing a flowchart panel shows (`<power id>-<version>`): the script
    /// reloads the page when it changes rather than parse markup itself.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub chart: String,
    /// The drawing (SVG drawn by the server), on the page only.
    #[serde(skip)]
    pub svg: String,
}

/// What `/screen/{id}/data` answers.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenJson {
    pub id: i64,
    pub seconds: i32,
    /// When the figures were computed, China time (`HH:MM:SS`).
    pub updated: String,
    pub panels: Vec<PanelView>,
}

fn figure_rows(lang: Lang, figures: &[(&'static str, i64)]) -> Vec<(String, String, &'static str)> {
    figures.iter().map(|(k, v)| (lang.t(&format!("figure-{}", k.replace('_', "-"))), v.to_string(), "")).collect()
}

/// Characters of a reply a screen shows; the rest is cut with an ellipsis.
const REPLY_CHARS: usize = 60;

fn shorten(text: &str, chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= chars {
        text
    } else {
        let mut cut: String = text.chars().take(chars).collect();
        cut.push('…');
        cut
    }
}

fn cases_view(lang: Lang, finished: u64, in_time: u64) -> PanelView {
    let late = finished.saturating_sub(in_time);
    // Per mille, rounded, then one decimal: exact for any count a county has.
    let rate = (in_time * 1000 + finished / 2)
        .checked_div(finished)
        .map_or_else(|| "—".to_owned(), |per_mille| format!("{}.{}%", per_mille / 10, per_mille % 10));
    PanelView {
        key: Panel::CasesToday.key(),
        title: panel_label(lang, Panel::CasesToday),
        rows: vec![
            (lang.t("screen-cases-finished"), finished.to_string(), ""),
            (lang.t("screen-cases-in-time"), in_time.to_string(), ""),
            (lang.t("screen-cases-late"), late.to_string(), if late > 0 { "late" } else { "" }),
            (lang.t("screen-cases-rate"), rate, ""),
        ],
        note: if finished == 0 { lang.t("screen-no-cases-today") } else { String::new() },
        ..PanelView::default()
    }
}

fn cards_view(lang: Lang, levels: &[(&'static str, u64)]) -> PanelView {
    let open: u64 = levels.iter().map(|(_, n)| n).sum();
    PanelView {
        key: Panel::CardsOpen.key(),
        title: panel_label(lang, Panel::CardsOpen),
        rows: levels
            .iter()
            .map(|(level, n)| {
                let class = match *level {
                    "red" => "card-red",
                    "yellow" => "card-yellow",
                    _ => "card-reminder",
                };
                (lang.t(&format!("screen-card-{level}")), n.to_string(), class)
            })
            .collect(),
        note: if open == 0 { lang.t("screen-no-open-cards") } else { lang.t("screen-cards-explain") },
        ..PanelView::default()
    }
}

fn replies_view(lang: Lang, replies: &[PublicReply]) -> PanelView {
    PanelView {
        key: Panel::RecentReplies.key(),
        title: panel_label(lang, Panel::RecentReplies),
        rows: replies
            .iter()
            .map(|r| {
                let day = r.at.with_timezone(&shanghai()).format("%Y-%m-%d").to_string();
                let category = lang.t(&format!("complaint-category-{}", r.category));
                let about = match &r.unit {
                    Some(unit) => format!("{day} · {unit} · {category}"),
                    None => format!("{day} · {category}"),
                };
                (about, shorten(&r.reply, REPLY_CHARS), "reply")
            })
            .collect(),
        note: if replies.is_empty() { lang.t("screen-no-replies") } else { String::new() },
        ..PanelView::default()
    }
}

fn power_row(lang: Lang, r: &PowerRecord) -> (String, String) {
    let limit = match limit_text(lang, &r.draft, Column::PromisedLimit) {
        promised if !promised.is_empty() => promised,
        _ => limit_text(lang, &r.draft, Column::LegalLimit),
    };
    (format!("{} · {}", r.power.name, r.unit_name), if limit.is_empty() { lang.t("screen-no-limit") } else { limit })
}

fn panel_view(lang: Lang, data: &PanelData) -> PanelView {
    match data {
        PanelData::CatalogueFigures { figures } => PanelView {
            key: Panel::CatalogueFigures.key(),
            title: panel_label(lang, Panel::CatalogueFigures),
            rows: figure_rows(lang, figures),
            ..PanelView::default()
        },
        PanelData::RiskLevels { figures } => PanelView {
            key: Panel::RiskLevels.key(),
            title: panel_label(lang, Panel::RiskLevels),
            rows: figure_rows(lang, figures),
            ..PanelView::default()
        },
        PanelData::TradingAlerts { open } => PanelView {
            key: Panel::TradingAlerts.key(),
            title: panel_label(lang, Panel::TradingAlerts),
            rows: open.iter().map(|(code, n)| (indicator_words(lang, code), n.to_string(), "")).collect(),
            note: if open.is_empty() { lang.t("screen-no-open-alerts") } else { String::new() },
            ..PanelView::default()
        },
        PanelData::PublishedPowers { total, page, powers } => PanelView {
            key: Panel::PublishedPowers.key(),
            title: panel_label(lang, Panel::PublishedPowers),
            rows: powers
                .iter()
                .map(|r| {
                    let (label, value) = power_row(lang, r);
                    (label, value, "")
                })
                .collect(),
            note: if *total == 0 {
                lang.t("screen-no-powers")
            } else {
                let pages = total.div_ceil(screens::POWERS_PER_PANEL);
                lang.t_args(
                    "screen-powers-page",
                    &[("total", (*total).into()), ("page", (*page).into()), ("pages", pages.into())],
                )
            },
            ..PanelView::default()
        },
        PanelData::CasesToday { finished, in_time } => cases_view(lang, *finished, *in_time),
        PanelData::CardsOpen { levels } => cards_view(lang, levels),
        PanelData::RecentReplies { replies } => replies_view(lang, replies),
        PanelData::Flowchart(shown) => PanelView {
            key: Panel::Flowchart.key(),
            title: panel_label(lang, Panel::Flowchart),
            rows: vec![(shown.power.name.clone(), shown.unit_name.clone(), "")],
            note: lang.t("screen-flowchart-note"),
            chart: format!("{}-{}", shown.power.id, shown.version),
            svg: String::new(),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DataQuery {
    /// Which page of the published powers (from 1; wraps).
    page: String,
}

/// The screen's panels now; `draw` draws a flowchart panel's chart (the page needs
/// it, the refreshes only its identity).
async fn screen_json(
    state: &AppState,
    lang: Lang,
    id: i64,
    page: u64,
    draw: bool,
) -> Result<(display_screen::Model, ScreenJson), AppError> {
    let screen = screens::public_screen(&state.store, id).await?;
    let data = screens::screen_data(&state.store, &screen, page).await?;
    let mut panels = Vec::with_capacity(data.panels.len());
    for p in &data.panels {
        let mut view = panel_view(lang, p);
        if let (true, PanelData::Flowchart(shown)) = (draw, p) {
            view.svg = super::flowcharts::drawing(state, lang, &shown.power, &shown.chart).await?.0;
        }
        panels.push(view);
    }
    let json = ScreenJson {
        id: screen.id,
        seconds: screen.seconds,
        updated: chrono::Utc::now().with_timezone(&shanghai()).format("%H:%M:%S").to_string(),
        panels,
    };
    Ok((screen, json))
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    lang: Lang,
    county: String,
    screen: display_screen::Model,
    panels: Vec<PanelView>,
    updated: String,
}

pub async fn screen(State(state): State<AppState>, lang: Lang, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (screen, json) = screen_json(&state, lang, id, 1, true).await?;
    let county = org::county_name(&state.store).await?.unwrap_or_default();
    Ok(render(&ScreenPage { lang, county, screen, panels: json.panels, updated: json.updated })?.into_response())
}

pub async fn data(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<DataQuery>,
) -> Result<Response, AppError> {
    let page = q.page.parse().unwrap_or(1);
    let (_, json) = screen_json(&state, lang, id, page, false).await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], Json(json)).into_response())
}

// ---------------------------------------------------------------- the kiosk

/// A big touch target.
#[derive(Debug, Clone)]
struct Tile {
    href: String,
    text: String,
    sub: String,
}

/// The keypad's form: the unit's code shown fixed before the number.
#[derive(Debug, Clone)]
struct Keypad {
    unit: String,
    /// As typed (`20261125-000012`).
    number: String,
    code: String,
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    lang: Lang,
    county: String,
    title: String,
    /// Where "back" goes; none on the start page.
    back: Option<String>,
    tiles: Vec<Tile>,
    facts: Vec<(String, String)>,
    keypad: Option<Keypad>,
    /// A found case's steps done (step, action, date); `Some` on its answer.
    steps: Option<Vec<(String, String, String)>>,
    /// Where to look up another case, on an answer.
    again: Option<String>,
    message: Option<String>,
    prev: Option<String>,
    next: Option<String>,
    /// Seconds without a touch before the kiosk goes back to its start.
    idle: u32,
    idle_note: String,
}

impl KioskPage {
    fn new(state: &AppState, lang: Lang, county: String, title: String) -> Self {
        Self {
            idle: state.config.kiosk_idle_secs,
            idle_note: lang.t_args("kiosk-idle", &[("seconds", state.config.kiosk_idle_secs.into())]),
            lang,
            county,
            title,
            back: None,
            tiles: Vec::new(),
            facts: Vec::new(),
            keypad: None,
            steps: None,
            again: None,
            message: None,
            prev: None,
            next: None,
        }
    }
}

async fn county(state: &AppState) -> Result<String, AppError> {
    Ok(org::county_name(&state.store).await?.unwrap_or_default())
}

pub async fn kiosk(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    let mut page = KioskPage::new(&state, lang, county(&state).await?, lang.t("kiosk-title"));
    page.tiles.push(Tile { href: "/kiosk/case".into(), text: lang.t("kiosk-case"), sub: lang.t("kiosk-case-sub") });
    for (unit, n) in screens::kiosk_units(&state.store).await? {
        page.tiles.push(Tile {
            href: format!("/kiosk/units/{}", unit.id),
            text: unit.name,
            sub: lang.t_args("kiosk-powers-count", &[("count", n.into())]),
        });
    }
    if page.tiles.len() == 1 {
        page.message = Some(lang.t("kiosk-no-catalogue"));
    }
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnitQuery {
    #[serde(rename = "type")]
    power_type: String,
    page: String,
}

const KIOSK_PER_PAGE: u64 = 8;

pub async fn kiosk_unit(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<i64>,
    Query(q): Query<UnitQuery>,
) -> Result<Response, AppError> {
    let unit = org::list_units(&state.store, &Principal::system("kiosk"), &UnitFilter::default())
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(AppError::NotFound)?;
    let mut page = KioskPage::new(&state, lang, county(&state).await?, unit.name.clone());
    let chosen: Option<PowerType> =
        PowerType::from_code(&q.power_type).or_else(|| q.power_type.parse().ok()).filter(|_| !q.power_type.is_empty());
    match chosen {
        None => {
            page.back = Some("/kiosk".into());
            for (stored, n) in screens::kiosk_types(&state.store, id).await? {
                let key = PowerType::from_code(&stored)
                    .or_else(|| stored.parse().ok())
                    .map_or_else(|| urlencode(&stored), |t| t.key().to_owned());
                page.tiles.push(Tile {
                    href: format!("/kiosk/units/{id}?type={key}"),
                    text: type_label_of(lang, &stored),
                    sub: lang.t_args("kiosk-powers-count", &[("count", n.into())]),
                });
            }
            if page.tiles.is_empty() {
                page.message = Some(lang.t("kiosk-no-powers"));
            }
        }
        Some(power_type) => {
            page.back = Some(format!("/kiosk/units/{id}"));
            page.title = format!("{} · {}", unit.name, type_label_of(lang, power_type.key()));
            let n = q.page.parse().unwrap_or(1).max(1);
            let filter =
                PowerFilter { unit_id: Some(id), power_type: Some(power_type.key().into()), ..Default::default() };
            let found = catalogue::list_public_powers(&state.store, &filter, n, KIOSK_PER_PAGE).await?;
            for r in &found.powers {
                page.tiles.push(Tile {
                    href: format!("/kiosk/powers/{}", r.power.id),
                    text: r.power.name.clone(),
                    sub: power_row(lang, r).1,
                });
            }
            let link = |p: u64| format!("/kiosk/units/{id}?type={}&page={p}", power_type.key());
            if n > 1 {
                page.prev = Some(link(n - 1));
            }
            if n * KIOSK_PER_PAGE < found.total {
                page.next = Some(link(n + 1));
            }
            if page.tiles.is_empty() {
                page.message = Some(lang.t("kiosk-no-powers"));
            }
        }
    }
    Ok(render(&page)?.into_response())
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub async fn kiosk_power(State(state): State<AppState>, lang: Lang, Path(id): Path<i64>) -> Result<Response, AppError> {
    let r = catalogue::get_public_power(&state.store, id).await?;
    let p = r.draft.parts();
    let mut page = KioskPage::new(&state, lang, county(&state).await?, r.power.name.clone());
    page.back = Some(format!("/kiosk/units/{}?type={}", r.power.unit_id, p.power_type.key()));
    let fee = if p.fee.is_charged() {
        p.fee.standard().map_or_else(|| lang.t("yes"), ToOwned::to_owned)
    } else {
        lang.t("kiosk-free")
    };
    page.facts = vec![
        (column_label(lang, Column::Code), r.power.code.clone()),
        (column_label(lang, Column::Type), type_label_of(lang, &r.power.power_type)),
        (column_label(lang, Column::Unit), r.unit_name.clone()),
        (column_label(lang, Column::Section), r.draft.cell(Column::Section).unwrap_or_default()),
        (column_label(lang, Column::LegalBasis), p.legal_basis.to_string()),
        (column_label(lang, Column::LegalLimit), limit_text(lang, &r.draft, Column::LegalLimit)),
        (column_label(lang, Column::PromisedLimit), limit_text(lang, &r.draft, Column::PromisedLimit)),
        (column_label(lang, Column::Fee), fee),
    ];
    page.facts.retain(|(_, v)| !v.is_empty());
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseQuery {
    /// The unit's code: the fixed start of the number.
    unit: Option<String>,
    /// The rest of the number: date and sequence, with or without the hyphen.
    number: Option<String>,
    code: Option<String>,
}

/// Digits of a drawn case number's date (`YYYYMMDD`), before its sequence.
const DATE_DIGITS: usize = 8;

/// What was typed, without spaces and hyphens, cut to what the field holds (what
/// is kept for the form is never longer than a number could be).
fn digits_of(raw: &str, max: usize) -> String {
    raw.chars().filter(|c| !c.is_whitespace() && *c != '-').take(max + 1).collect()
}

/// `20261125000012` as the keypad shows it: `20261125-000012`.
fn formatted(digits: &str) -> String {
    match digits.char_indices().nth(DATE_DIGITS) {
        Some((at, _)) => format!("{}-{}", &digits[..at], &digits[at..]),
        None => digits.to_owned(),
    }
}

/// The full case number from the unit's code and the typed digits, or the words
/// saying what is wrong with them.
fn case_number(lang: Lang, unit_code: &str, digits: &str, code: &str) -> Result<String, String> {
    if digits.is_empty() && code.is_empty() {
        return Err(lang.t("kiosk-case-empty"));
    }
    if digits.len() != DATE_DIGITS + SEQUENCE_DIGITS || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(lang.t("kiosk-case-bad-number"));
    }
    let (date, sequence) = digits.split_at(DATE_DIGITS);
    let Ok(day) = chrono::NaiveDate::parse_from_str(date, "%Y%m%d") else {
        return Err(lang.t_args("kiosk-case-bad-date", &[("date", date.to_owned().into())]));
    };
    if code.len() != CODE_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(lang.t("kiosk-case-bad-code"));
    }
    // Six ASCII digits (checked above): always a number.
    Ok(drawn_number(unit_code, day, sequence.parse().unwrap_or_default()))
}

/// The case look-up by touch: first the unit (its code starts the number), then
/// the date and sequence and the verification code on the keypad; the answer is
/// the portal's (`case_lookup`), under the same limit per address.
pub async fn kiosk_case(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, AppError> {
    let mut page = KioskPage::new(&state, lang, county(&state).await?, lang.t("kiosk-case"));
    page.back = Some("/kiosk".into());
    let units = screens::kiosk_case_units(&state.store).await?;
    let chosen = q.unit.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let Some(unit) = chosen.and_then(|code| units.iter().find(|u| u.code.eq_ignore_ascii_case(code))) else {
        let mut status = StatusCode::OK;
        page.message = Some(match chosen {
            Some(code) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                lang.t_args("kiosk-case-unknown-unit", &[("code", code.chars().take(20).collect::<String>().into())])
            }
            None if units.is_empty() => lang.t("kiosk-case-no-units"),
            None => lang.t("kiosk-case-choose-unit"),
        });
        page.tiles = units
            .iter()
            .map(|u| Tile {
                href: format!("/kiosk/case?unit={}", urlencode(&u.code)),
                text: u.name.clone(),
                sub: lang.t_args("kiosk-case-unit-sub", &[("code", u.code.clone().into())]),
            })
            .collect();
        return render_status(status, &page);
    };
    page.title = format!("{} · {}", lang.t("kiosk-case"), unit.name);
    page.back = Some("/kiosk/case".into());
    let digits = digits_of(q.number.as_deref().unwrap_or_default(), DATE_DIGITS + SEQUENCE_DIGITS);
    let code = digits_of(q.code.as_deref().unwrap_or_default(), CODE_DIGITS);
    let mut keypad = Keypad { unit: unit.code.clone(), number: formatted(&digits), code: String::new() };
    if q.number.is_none() && q.code.is_none() {
        page.keypad = Some(keypad);
        return Ok(render(&page)?.into_response());
    }
    let number = match case_number(lang, &unit.code, &digits, &code) {
        Ok(number) => number,
        Err(message) => {
            // The code is kept only while the number is being corrected.
            keypad.code = code;
            page.message = Some(message);
            page.keypad = Some(keypad);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let lookup = case_lookup::look_up(&state, address.ip(), &number, &code).await?;
    page.message = lookup.error(lang);
    match &lookup {
        Lookup::Found(case) => {
            let view = case_lookup::case_view(lang, case);
            page.facts = view.facts;
            page.steps = Some(view.steps);
            page.again = Some(format!("/kiosk/case?unit={}", urlencode(&unit.code)));
        }
        _ => page.keypad = Some(keypad),
    }
    render_status(lookup.status(), &page)
}
