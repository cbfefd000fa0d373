//! Display screens (电子显示屏): the commission keeps them (audited), and each
//! active screen's panels are computed from the records whenever it asks.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use serde::Serialize;
use sunlight_domain::field::FieldError;
use sunlight_domain::flow::Flowchart;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::screen::{Panel, ScreenInput, stored_panels};

use crate::catalogue::{self, PowerFilter, PowerRecord};
use crate::entity::{
    complaint, complaint_event, display_screen, flowchart, handling_case, power, supervision_alert, trading_alert, unit,
};
use crate::figures::{self, Figures};
use crate::{Store, StoreError, Write};

/// Powers a published-powers panel shows at once.
pub const POWERS_PER_PANEL: u64 = 8;
/// Replies a recent-replies panel shows.
pub const REPLIES_PER_PANEL: u64 = 5;
/// The time cards a cards panel counts, strongest first (the stored `level` keys).
pub const CARD_LEVELS: &[&str] = &["red", "yellow", "reminder"];

/// The catalogue figures a catalogue panel shows, in order.
pub const CATALOGUE_KEYS: &[&str] = &[
    "powers",
    "public_catalogue_items",
    "unit_head_powers",
    "decomposed_powers",
    "optimized_processes",
    "steps_removed",
];
/// The risk figures a risk panel shows, in order.
pub const RISK_KEYS: &[&str] = &["risk_points", "risk_points_level_1", "risk_points_level_2", "risk_points_level_3"];

/// The panels of a stored screen.
#[must_use]
pub fn panels_of(screen: &display_screen::Model) -> Vec<Panel> {
    let keys: Vec<String> = serde_json::from_str(&screen.panels).unwrap_or_default();
    stored_panels(&keys)
}

pub async fn list_screens(
    store: &Store,
    principal: &Principal,
    include_inactive: bool,
) -> Result<Vec<display_screen::Model>, StoreError> {
    authorize(principal, Action::ManageScreens, Target::County)?;
    let mut query = display_screen::Entity::find();
    if !include_inactive {
        query = query.filter(display_screen::Column::Active.eq(true));
    }
    Ok(query.order_by_asc(display_screen::Column::Id).all(store.connection()).await?)
}

pub async fn get_screen(store: &Store, principal: &Principal, id: i64) -> Result<display_screen::Model, StoreError> {
    authorize(principal, Action::ManageScreens, Target::County)?;
    display_screen::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("display_screen"))
}

/// An active screen, for the screen itself (no login): inactive ones are not found.
pub async fn public_screen(store: &Store, id: i64) -> Result<display_screen::Model, StoreError> {
    display_screen::Entity::find_by_id(id)
        .filter(display_screen::Column::Active.eq(true))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("display_screen"))
}

async fn check_unit(store: &Store, unit_id: Option<i64>) -> Result<(), StoreError> {
    if let Some(id) = unit_id
        && unit::Entity::find_by_id(id).one(store.connection()).await?.is_none()
    {
        return Err(StoreError::invalid("unit_id", FieldError::new("not_found")));
    }
    Ok(())
}

fn panels_json(input: &ScreenInput) -> Result<String, StoreError> {
    let keys: Vec<&str> = input.panels.iter().map(|p| p.key()).collect();
    serde_json::to_string(&keys).map_err(|e| StoreError::Internal(e.to_string()))
}

pub async fn create_screen(
    store: &Store,
    principal: &Principal,
    input: &ScreenInput,
) -> Result<display_screen::Model, StoreError> {
    authorize(principal, Action::ManageScreens, Target::County)?;
    check_unit(store, input.unit_id).await?;
    let mut write = Write::begin(store, principal).await?;
    let model = insert(&write, input).await?;
    write.record("display_screen.create", "display_screen", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

/// Inserts a screen inside a write (the caller records it).
pub(crate) async fn insert(write: &Write, input: &ScreenInput) -> Result<display_screen::Model, StoreError> {
    Ok(display_screen::ActiveModel {
        name: Set(input.name.to_string()),
        location: Set(input.location.to_string()),
        unit_id: Set(input.unit_id),
        panels: Set(panels_json(input)?),
        seconds: Set(input.seconds),
        active: Set(true),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await?)
}

/// Edits a screen; `active: false` deactivates it (screens are never deleted: the
/// audit chain names them).
pub async fn update_screen(
    store: &Store,
    principal: &Principal,
    id: i64,
    input: &ScreenInput,
    active: bool,
) -> Result<display_screen::Model, StoreError> {
    let before = get_screen(store, principal, id).await?;
    check_unit(store, input.unit_id).await?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: display_screen::ActiveModel = before.clone().into();
    model.name = Set(input.name.to_string());
    model.location = Set(input.location.to_string());
    model.unit_id = Set(input.unit_id);
    model.panels = Set(panels_json(input)?);
    model.seconds = Set(input.seconds);
    model.active = Set(active);
    let after = model.update(write.txn()).await?;
    write.record("display_screen.update", "display_screen", id, Some(&before), Some(&after))?;
    write.commit().await?;
    Ok(after)
}

/// One panel's data.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "panel", rename_all = "snake_case")]
pub enum PanelData {
    /// Figures by key (a subset of [`figures::keys`]).
    CatalogueFigures {
        figures: Vec<(&'static str, i64)>,
    },
    RiskLevels {
        figures: Vec<(&'static str, i64)>,
    },
    /// Open (not closed) alerts of the trading centre by indicator code, most first.
    TradingAlerts {
        open: Vec<(String, i64)>,
    },
    /// One page of the published public powers; `page` wraps around.
    PublishedPowers {
        total: u64,
        page: u64,
        powers: Vec<PowerRecord>,
    },
    /// Cases finished today (China time), and how many of them within their limits.
    CasesToday {
        finished: u64,
        in_time: u64,
    },
    /// Open time cards by level, in the order of [`CARD_LEVELS`], every level listed.
    CardsOpen {
        levels: Vec<(&'static str, u64)>,
    },
    /// The latest public replies, newest first.
    RecentReplies {
        replies: Vec<PublicReply>,
    },
    /// The published flowchart of one public power (see [`screen_flowchart`]).
    Flowchart(Box<ScreenChart>),
}

/// A published flowchart as a screen shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenChart {
    pub power: power::Model,
    pub unit_name: String,
    /// The published version's number: with the power it names the drawing.
    pub version: i32,
    pub chart: Flowchart,
}

/// A reply the commission made public, with nothing about who complained: not the
/// name, phone, text, files or receipt code.
#[derive(Debug, Clone, Serialize)]
pub struct PublicReply {
    pub at: DateTime<Utc>,
    /// The complaint's category key.
    pub category: String,
    /// The unit it concerned (or was routed to), if any.
    pub unit: Option<String>,
    pub reply: String,
}

/// What a screen shows now.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenData {
    pub panels: Vec<PanelData>,
}

fn pick(figures: &Figures, keys: &[&'static str]) -> Vec<(&'static str, i64)> {
    keys.iter().map(|k| (*k, figures.get(k).unwrap_or(0))).collect()
}

/// Computes every panel of `screen` from the records: the figures of its unit (or
/// the county's), the trading centre's open alerts, and page `powers_page` (from 1,
/// wrapping) of the published powers of its unit (or of every unit).
pub async fn screen_data(
    store: &Store,
    screen: &display_screen::Model,
    powers_page: u64,
) -> Result<ScreenData, StoreError> {
    let system = Principal::system("screen");
    let panels = panels_of(screen);
    let figures = if panels.iter().any(|p| matches!(p, Panel::CatalogueFigures | Panel::RiskLevels)) {
        figures::figures(store, &system, screen.unit_id).await?
    } else {
        Figures::default()
    };
    let mut out = Vec::with_capacity(panels.len());
    for panel in panels {
        out.push(match panel {
            Panel::CatalogueFigures => PanelData::CatalogueFigures { figures: pick(&figures, CATALOGUE_KEYS) },
            Panel::RiskLevels => PanelData::RiskLevels { figures: pick(&figures, RISK_KEYS) },
            Panel::TradingAlerts => PanelData::TradingAlerts { open: open_alerts(store).await? },
            Panel::CasesToday => cases_today(store, screen.unit_id, Utc::now()).await?,
            Panel::CardsOpen => cards_open(store, screen.unit_id).await?,
            Panel::RecentReplies => recent_replies(store, screen.unit_id).await?,
            // Shown only while there is a chart to show.
            Panel::Flowchart => match screen_flowchart(store, screen.unit_id, Utc::now()).await? {
                Some(chart) => PanelData::Flowchart(Box::new(chart)),
                None => continue,
            },
            Panel::PublishedPowers => {
                let filter = PowerFilter { unit_id: screen.unit_id, ..Default::default() };
                let first = catalogue::list_public_powers(store, &filter, 1, POWERS_PER_PANEL).await?;
                let pages = first.total.div_ceil(POWERS_PER_PANEL).max(1);
                let page = (powers_page.max(1) - 1) % pages + 1;
                let found = if page == 1 {
                    first
                } else {
                    catalogue::list_public_powers(store, &filter, page, POWERS_PER_PANEL).await?
                };
                PanelData::PublishedPowers { total: found.total, page, powers: found.powers }
            }
        });
    }
    Ok(ScreenData { panels: out })
}

/// The bounds of the China day (a fixed +08:00) holding `now`, in UTC.
#[must_use]
pub fn china_day(now: DateTime<Utc>) -> (NaiveDate, DateTime<Utc>, DateTime<Utc>) {
    let day = (now + Duration::hours(8)).date_naive();
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8);
    (day, start, start + Duration::days(1))
}

/// Cases finished on the China day of `now` (of `unit`, or the county's), and those
/// of them not overdue.
pub async fn cases_today(store: &Store, unit: Option<i64>, now: DateTime<Utc>) -> Result<PanelData, StoreError> {
    let (_, start, end) = china_day(now);
    let mut finished = handling_case::Entity::find()
        .filter(handling_case::Column::Status.eq("finished"))
        .filter(handling_case::Column::FinishedAt.gte(start))
        .filter(handling_case::Column::FinishedAt.lt(end));
    if let Some(id) = unit {
        finished = finished.filter(handling_case::Column::UnitId.eq(id));
    }
    let in_time = finished.clone().filter(handling_case::Column::Overdue.eq(false)).count(store.connection()).await?;
    Ok(PanelData::CasesToday { finished: finished.count(store.connection()).await?, in_time })
}

/// Open time cards (not closed) by level, of `unit` or the county's.
pub async fn cards_open(store: &Store, unit: Option<i64>) -> Result<PanelData, StoreError> {
    let mut query = supervision_alert::Entity::find()
        .select_only()
        .column(supervision_alert::Column::Level)
        .expr(Expr::cust("COUNT(*)"))
        .filter(supervision_alert::Column::State.ne("closed"))
        .filter(supervision_alert::Column::Level.is_in(CARD_LEVELS.iter().copied()))
        .group_by(supervision_alert::Column::Level);
    if let Some(id) = unit {
        query = query.filter(supervision_alert::Column::UnitId.eq(id));
    }
    let counts: Vec<(String, i64)> = query.into_tuple().all(store.connection()).await?;
    let levels = CARD_LEVELS
        .iter()
        .map(|level| {
            let n = counts.iter().find(|(l, _)| l == level).map_or(0, |(_, n)| *n);
            (*level, u64::try_from(n).unwrap_or(0))
        })
        .collect();
    Ok(PanelData::CardsOpen { levels })
}

/// The latest public replies (events marked public, with their text) to complaints
/// about or routed to `unit`, or to any complaint.
pub async fn recent_replies(store: &Store, unit: Option<i64>) -> Result<PanelData, StoreError> {
    let mut query = complaint_event::Entity::find()
        .filter(complaint_event::Column::Public.eq(true))
        .filter(complaint_event::Column::Comment.is_not_null())
        .filter(complaint_event::Column::Comment.ne(""));
    if let Some(id) = unit {
        query = query.filter(
            complaint_event::Column::ComplaintId.in_subquery(
                Query::select()
                    .column(complaint::Column::Id)
                    .from(complaint::Entity)
                    .cond_where(
                        Condition::any()
                            .add(complaint::Column::UnitId.eq(id))
                            .add(complaint::Column::RoutedUnitId.eq(id)),
                    )
                    .to_owned(),
            ),
        );
    }
    let events = query
        .order_by_desc(complaint_event::Column::At)
        .order_by_desc(complaint_event::Column::Id)
        .limit(REPLIES_PER_PANEL)
        .all(store.connection())
        .await?;
    let complaints = complaint::Entity::find()
        .filter(complaint::Column::Id.is_in(events.iter().map(|e| e.complaint_id)))
        .all(store.connection())
        .await?;
    let unit_ids: Vec<i64> = complaints.iter().filter_map(|c| c.routed_unit_id.or(c.unit_id)).collect();
    let units = unit::Entity::find().filter(unit::Column::Id.is_in(unit_ids)).all(store.connection()).await?;
    let replies = events
        .into_iter()
        .filter_map(|e| {
            let c = complaints.iter().find(|c| c.id == e.complaint_id)?;
            let unit = c.routed_unit_id.or(c.unit_id).and_then(|id| units.iter().find(|u| u.id == id));
            Some(PublicReply {
                at: e.at,
                category: c.category.clone(),
                unit: unit.map(|u| u.name.clone()),
                reply: e.comment.unwrap_or_default(),
            })
        })
        .collect();
    Ok(PanelData::RecentReplies { replies })
}

/// The published flowchart a screen shows during the hour of `now`: the charts of
/// published public powers (of `unit`, or of every unit) in power-code order, one an
/// hour in turn. An hour lets a hall read a whole chart, every screen of a unit
/// shows the same one, and the turn needs no state; `None` when there is none.
pub async fn screen_flowchart(
    store: &Store,
    unit: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<ScreenChart>, StoreError> {
    let db = store.connection();
    let public = public_powers().select_only().column(power::Column::Id).into_query();
    let mut query = flowchart::Entity::find()
        .filter(crate::flowcharts::with_published())
        .filter(flowchart::Column::PowerId.in_subquery(public));
    if let Some(id) = unit {
        query = query.filter(flowchart::Column::UnitId.eq(id));
    }
    let count = query.clone().count(db).await?;
    if count == 0 {
        return Ok(None);
    }
    let hour = u64::try_from(now.timestamp().div_euclid(3600)).unwrap_or(0);
    let Some(row) = query
        .order_by_asc(flowchart::Column::PowerCode)
        .order_by_asc(flowchart::Column::Id)
        .offset(hour % count)
        .limit(1)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some((version, chart)) = crate::flowcharts::published_version(db, row.power_id).await? else {
        return Ok(None);
    };
    let Some(power) = power::Entity::find_by_id(row.power_id).one(db).await? else { return Ok(None) };
    let unit_name = unit::Entity::find_by_id(power.unit_id).one(db).await?.map(|u| u.name).unwrap_or_default();
    Ok(Some(ScreenChart { power, unit_name, version: version.version, chart }))
}

async fn open_alerts(store: &Store) -> Result<Vec<(String, i64)>, StoreError> {
    let mut rows: Vec<(String, i64)> = trading_alert::Entity::find()
        .select_only()
        .column(trading_alert::Column::Indicator)
        .expr(Expr::cust("COUNT(*)"))
        .filter(trading_alert::Column::State.ne("closed"))
        .group_by(trading_alert::Column::Indicator)
        .into_tuple()
        .all(store.connection())
        .await?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}

/// Units with published public powers, and how many, by unit code: the kiosk's
/// first page.
pub async fn kiosk_units(store: &Store) -> Result<Vec<(unit::Model, i64)>, StoreError> {
    let counts: Vec<(i64, i64)> = public_powers()
        .select_only()
        .column(power::Column::UnitId)
        .expr(Expr::cust("COUNT(*)"))
        .group_by(power::Column::UnitId)
        .into_tuple()
        .all(store.connection())
        .await?;
    let units = unit::Entity::find()
        .filter(unit::Column::Id.is_in(counts.iter().map(|(id, _)| *id)))
        .order_by_asc(unit::Column::Code)
        .all(store.connection())
        .await?;
    Ok(units
        .into_iter()
        .filter_map(|u| counts.iter().find(|(id, _)| *id == u.id).map(|(_, n)| *n).map(|n| (u, n)))
        .collect())
}

/// The units a case can be looked up for on the kiosk, by unit code: those with
/// cases, and those with published public powers (whose cases may come).
pub async fn kiosk_case_units(store: &Store) -> Result<Vec<unit::Model>, StoreError> {
    let with_cases =
        Query::select().distinct().column(handling_case::Column::UnitId).from(handling_case::Entity).to_owned();
    let with_powers = public_powers().select_only().column(power::Column::UnitId).distinct().into_query();
    Ok(unit::Entity::find()
        .filter(
            Condition::any()
                .add(unit::Column::Id.in_subquery(with_cases))
                .add(unit::Column::Id.in_subquery(with_powers)),
        )
        .order_by_asc(unit::Column::Code)
        .all(store.connection())
        .await?)
}

/// The power types (stored keys) of one unit's published public powers, and how many.
pub async fn kiosk_types(store: &Store, unit_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
    let mut rows: Vec<(String, i64)> = public_powers()
        .filter(power::Column::UnitId.eq(unit_id))
        .select_only()
        .column(power::Column::PowerType)
        .expr(Expr::cust("COUNT(*)"))
        .group_by(power::Column::PowerType)
        .into_tuple()
        .all(store.connection())
        .await?;
    rows.sort();
    Ok(rows)
}

fn public_powers() -> sea_orm::Select<power::Entity> {
    power::Entity::find().filter(power::Column::State.eq("published")).filter(power::Column::Public.eq(true))
}
