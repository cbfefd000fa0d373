//! Display screens (电子显示屏): the commission keeps them (audited), and each
//! active screen's panels are computed from the records whenever it asks.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use sunlight_domain::field::FieldError;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::screen::{Panel, ScreenInput, stored_panels};

use crate::catalogue::{self, PowerFilter, PowerRecord};
use crate::entity::{display_screen, power, trading_alert, unit};
use crate::figures::{self, Figures};
use crate::{Store, StoreError, Write};

/// Powers a published-powers panel shows at once.
pub const POWERS_PER_PANEL: u64 = 8;

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
