//! The county's figures (the numbers of the report): one counting query per key,
//! within the caller's scope and optionally one unit. Later parts add keys: each
//! is one line in [`queries`]. A few keys are breakdowns (an object of counts, e.g.
//! open alerts by level): each is one line in [`breakdowns`], after the numbers.

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait};
use serde::ser::{Serialize, SerializeMap, Serializer};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::{
    complaint, design_standard, display_screen, focus_item, handling_case, power, power_part, process_optimization,
    risk_point, supervision_alert, trading_alert, trading_release, unit,
};
use crate::{Store, StoreError};

/// The figures in the order of the report, then the breakdowns; serialized as one
/// JSON object (`{"standards": 43, …, "alerts_by_level": {"reminder": 2, …}}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures(pub Vec<(&'static str, i64)>, pub Vec<(&'static str, Breakdown)>);

/// A figure broken down by a key (e.g. a level), in a fixed order of keys.
pub type Breakdown = Vec<(&'static str, i64)>;

impl Figures {
    #[must_use]
    pub fn get(&self, key: &str) -> Option<i64> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    #[must_use]
    pub fn breakdown(&self, key: &str) -> Option<&Breakdown> {
        self.1.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

struct Object<'a>(&'a Breakdown);

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Serialize for Figures {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len() + self.1.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        for (key, value) in &self.1 {
            map.serialize_entry(key, &Object(value))?;
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
        ("alerts_open", rows(supervision_alert::Entity, open_alerts(units))),
        ("cases", rows(handling_case::Entity, within(handling_case::Column::UnitId, units))),
    ]
}

/// Supervision alerts not closed, of the units counted.
fn open_alerts(units: Option<&[i64]>) -> Condition {
    within(supervision_alert::Column::UnitId, units).add(supervision_alert::Column::State.ne("closed"))
}

/// Every breakdown's key, its parts' keys in order, and its grouping query (rows of
/// part key and count).
fn breakdowns(units: Option<&[i64]>) -> Vec<(&'static str, Vec<&'static str>, SelectStatement)> {
    use sunlight_domain::supervision::AlertLevel;
    let by_level = Query::select()
        .column(supervision_alert::Column::Level)
        .expr(Expr::cust("COUNT(*)"))
        .from(supervision_alert::Entity)
        .cond_where(open_alerts(units))
        .group_by_col(supervision_alert::Column::Level)
        .to_owned();
    vec![("alerts_by_level", AlertLevel::ALL.iter().map(|l| l.key()).collect(), by_level)]
}

/// Every key of a number, in order (for labels and documentation).
#[must_use]
pub fn keys() -> Vec<&'static str> {
    queries(None).into_iter().map(|(key, _)| key).collect()
}

/// Every key of a breakdown, with its parts' keys.
#[must_use]
pub fn breakdown_keys() -> Vec<(&'static str, Vec<&'static str>)> {
    breakdowns(None).into_iter().map(|(key, parts, _)| (key, parts)).collect()
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
    let mut objects = Vec::new();
    for (key, parts, statement) in breakdowns(units.as_deref()) {
        let mut counts: Breakdown = parts.iter().map(|p| (*p, 0)).collect();
        for row in db.query_all(&statement).await? {
            let part: String = row.try_get_by_index(0)?;
            let n: i64 = row.try_get_by_index(1)?;
            // Parts outside the fixed list (none are written) are not shown.
            if let Some(slot) = counts.iter_mut().find(|(p, _)| *p == part) {
                slot.1 += n;
            }
        }
        objects.push((key, counts));
    }
    Ok(Figures(figures, objects))
}
