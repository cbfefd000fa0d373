//! The county's figures (the numbers of the report): one counting query per key,
//! within the caller's scope and optionally one unit. Later parts add keys: each
//! is one line in [`queries`].

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait};
use serde::ser::{Serialize, SerializeMap, Serializer};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::{
    complaint, design_standard, display_screen, focus_item, handling_case, power, power_part, process_optimization,
    risk_point, trading_alert, trading_release, unit,
};
use crate::{Store, StoreError};

/// The figures in the order of the report; serialized as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures(pub Vec<(&'static str, i64)>);

impl Figures {
    #[must_use]
    pub fn get(&self, key: &str) -> Option<i64> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

impl Serialize for Figures {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `unit_id IN (…)` of the units counted, or no condition for the whole county.
fn within(column: impl ColumnTrait, units: Option<&[i64]>) -> Condition {
    match units {
        Some(ids) => Condition::all().add(column.is_in(ids.iter().copied())),
        None => Condition::all(),
    }
}

fn rows<E: EntityTrait>(entity: E, condition: Condition) -> SelectStatement {
    Query::select().expr(Expr::cust("COUNT(*)")).from(entity).cond_where(condition).to_owned()
}

fn distinct<E: EntityTrait>(entity: E, column: impl ColumnTrait, condition: Condition) -> SelectStatement {
    Query::select()
        .expr(Func::count_distinct(Expr::col((column.entity_name(), column))))
        .from(entity)
        .cond_where(condition)
        .to_owned()
}

fn sum<E: EntityTrait>(entity: E, column: impl ColumnTrait, condition: Condition) -> SelectStatement {
    Query::select()
        .expr(Func::coalesce([Expr::from(Func::sum(Expr::col((column.entity_name(), column)))), Expr::val(0)]))
        .from(entity)
        .cond_where(condition)
        .to_owned()
}

/// Every figure's key and counting query.
fn queries(units: Option<&[i64]>) -> Vec<(&'static str, SelectStatement)> {
    use power::Column as P;
    use risk_point::Column as R;
    let live_powers = || within(P::UnitId, units).add(P::State.is_not_in(["abolished", "merged"]));
    let risks = || within(R::UnitId, units).add(R::Active.eq(true));
    let parts = Query::select()
        .expr(Func::count_distinct(Expr::col((power_part::Entity, power_part::Column::PowerId))))
        .from(power_part::Entity)
        .inner_join(
            power::Entity,
            Expr::col((power::Entity, P::Id)).equals((power_part::Entity, power_part::Column::PowerId)),
        )
        .cond_where(within(P::UnitId, units))
        .to_owned();
    // The trading centre's data is the county's, not any unit's: a unit (or a
    // unit-scoped caller) counts none of it.
    let county_only = || if units.is_some() { Condition::all().add(Expr::cust("1 = 0")) } else { Condition::all() };
    vec![
        ("standards", rows(design_standard::Entity, Condition::all().add(design_standard::Column::Active.eq(true)))),
        ("focus_items", rows(focus_item::Entity, within(focus_item::Column::UnitId, units))),
        (
            "optimized_processes",
            rows(process_optimization::Entity, within(process_optimization::Column::UnitId, units)),
        ),
        (
            "steps_removed",
            sum(
                process_optimization::Entity,
                process_optimization::Column::StepsRemoved,
                within(process_optimization::Column::UnitId, units),
            ),
        ),
        ("decomposed_powers", parts),
        (
            "pilot_units",
            rows(
                unit::Entity,
                within(unit::Column::Id, units).add(unit::Column::Active.eq(true)).add(unit::Column::Pilot.eq(true)),
            ),
        ),
        ("powers", rows(power::Entity, live_powers())),
        ("unit_head_powers", rows(power::Entity, live_powers().add(P::UnitHead.eq(true)))),
        (
            "cadres_in_risk_search",
            distinct(risk_point::Entity, R::HolderPersonId, risks().add(R::HolderPersonId.is_not_null())),
        ),
        ("risk_points", rows(risk_point::Entity, risks())),
        ("risk_points_unit_heads", rows(risk_point::Entity, risks().add(R::HolderTier.eq("unit_head")))),
        ("risk_points_leadership", rows(risk_point::Entity, risks().add(R::HolderTier.eq("leadership")))),
        ("risk_points_level_1", rows(risk_point::Entity, risks().add(R::LevelRank.eq(1)))),
        ("risk_points_level_2", rows(risk_point::Entity, risks().add(R::LevelRank.eq(2)))),
        ("risk_points_level_3", rows(risk_point::Entity, risks().add(R::LevelRank.eq(3)))),
        ("flowcharts_published", crate::flowcharts::published_count(units)),
        ("trading_projects", rows(trading_release::Entity, county_only())),
        ("redflags_open", rows(trading_alert::Entity, county_only().add(trading_alert::Column::State.ne("closed")))),
        (
            "public_catalogue_items",
            rows(power::Entity, within(P::UnitId, units).add(P::State.eq("published")).add(P::Public.eq(true))),
        ),
        (
            "display_screens",
            rows(
                display_screen::Entity,
                within(display_screen::Column::UnitId, units).add(display_screen::Column::Active.eq(true)),
            ),
        ),
        ("complaints", rows(complaint::Entity, within(complaint::Column::UnitId, units))),
        (
            "complaints_open",
            rows(
                complaint::Entity,
                within(complaint::Column::UnitId, units)
                    .add(complaint::Column::State.is_not_in(["closed", "declined"])),
            ),
        ),
        ("cases", rows(handling_case::Entity, within(handling_case::Column::UnitId, units))),
    ]
}

/// Every key, in order (for labels and documentation).
#[must_use]
pub fn keys() -> Vec<&'static str> {
    queries(None).into_iter().map(|(key, _)| key).collect()
}

/// The figures of the caller's units, or of `unit` (which must be in scope).
/// `standards` is the county's checklist whatever the unit.
pub async fn figures(store: &Store, principal: &Principal, unit: Option<i64>) -> Result<Figures, StoreError> {
    authorize(principal, Action::ViewFigures, unit.map_or(Target::County, Target::Unit))?;
    let units: Option<Vec<i64>> = match unit {
        Some(id) => Some(vec![id]),
        None => principal.scope.unit_ids(),
    };
    let db = store.connection();
    let mut figures = Vec::new();
    for (key, statement) in queries(units.as_deref()) {
        let row = db.query_one(&statement).await?;
        let value = match row {
            Some(row) => row.try_get_by_index::<i64>(0)?,
            None => 0,
        };
        figures.push((key, value));
    }
    Ok(Figures(figures))
}
