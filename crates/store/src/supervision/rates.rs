//! The county's monthly rates of online handling (电子监察统计), per unit or per
//! power, feeding performance assessment. A case counts in the month it was received,
//! in China time. For each group and month:
//!
//! - **cases**: cases received;
//! - **overdue rate** (超期率): share of those past their deadline (`overdue`);
//! - **warning rate** (预警率): share with at least one yellow or red card, in any
//!   state (a card later taken down was still raised);
//! - **process conformity rate** (流程合规率): share with no finding of the process
//!   family's conformance rules (`process_conformant`);
//! - **average handling time** (平均办理时长): mean working minutes of the finished cases,
//!   in working days of the office hours in force.
//!
//! One SQL statement computes every group and month at once (the month is a `CASE`
//! over bound instants, so both backends read it the same way).

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::sea_query::{Alias, CaseStatement, Condition, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use sunlight_domain::field::FieldErrors;
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::supervision::{AlertLevel, Month};

use crate::entity::{handling_case, power, supervision_alert};
use crate::{Store, StoreError, calendar};

/// What the rates are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatesBy {
    Unit,
    Power,
}

impl RatesBy {
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Power => "power",
        }
    }
}

/// Which rates: the grouping, the months (both included) and optional filters.
#[derive(Debug, Clone)]
pub struct RatesQuery {
    pub by: RatesBy,
    pub from: Month,
    pub to: Month,
    pub unit_id: Option<i64>,
    pub power_id: Option<i64>,
    /// A power by its code (as cases carry it).
    pub power_code: Option<String>,
}

/// The counts behind the rates of one group, in one month or over the range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub cases: u64,
    pub overdue: u64,
    /// Cases with a yellow or red card.
    pub warned: u64,
    pub conformant: u64,
    /// Finished cases whose handling time is known, and their working minutes.
    pub finished: u64,
    pub handling_minutes: u64,
}

impl Counts {
    fn add(&mut self, other: &Self) {
        self.cases += other.cases;
        self.overdue += other.overdue;
        self.warned += other.warned;
        self.conformant += other.conformant;
        self.finished += other.finished;
        self.handling_minutes += other.handling_minutes;
    }

    fn share(part: u64, whole: u64) -> Option<f64> {
        (whole > 0).then(|| part as f64 / whole as f64)
    }

    #[must_use]
    pub fn overdue_rate(&self) -> Option<f64> {
        Self::share(self.overdue, self.cases)
    }

    #[must_use]
    pub fn warning_rate(&self) -> Option<f64> {
        Self::share(self.warned, self.cases)
    }

    #[must_use]
    pub fn conformity_rate(&self) -> Option<f64> {
        Self::share(self.conformant, self.cases)
    }

    /// Mean handling time in working days of `day_minutes` each.
    #[must_use]
    pub fn average_working_days(&self, day_minutes: u64) -> Option<f64> {
        (self.finished > 0 && day_minutes > 0)
            .then(|| self.handling_minutes as f64 / self.finished as f64 / day_minutes as f64)
    }
}

/// One group's counts and rates in one month (`month` is `None` for the whole range).
#[derive(Debug, Clone, Serialize)]
pub struct RateRow {
    pub unit_id: i64,
    pub unit_name: String,
    /// Set when grouped by power.
    pub power_id: Option<i64>,
    pub power_code: Option<String>,
    pub power_name: Option<String>,
    pub month: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
    pub overdue_rate: Option<f64>,
    pub warning_rate: Option<f64>,
    pub conformity_rate: Option<f64>,
    pub average_working_days: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rates {
    pub by: RatesBy,
    pub from: String,
    pub to: String,
    /// Working minutes of one office day the averages are divided by.
    pub day_minutes: u64,
    /// Per group and month with cases, groups in order, months ascending.
    pub rows: Vec<RateRow>,
    /// Per group over the whole range.
    pub totals: Vec<RateRow>,
}

/// `(unit, power or 0)`: the group a row belongs to.
type Group = (i64, i64);

const MONTH: &str = "rate_month";

fn counter(condition: Condition) -> Expr {
    Func::sum(Expr::case(condition, 1).finally(0)).into()
}

fn statement(query: &RatesQuery, months: &[Month], units: Option<Vec<i64>>) -> SelectStatement {
    use handling_case::Column as C;
    let col = |c: C| Expr::col((handling_case::Entity, c));
    let tz = china_time();
    let mut month = CaseStatement::new();
    for m in months {
        month = month.case(
            Condition::all().add(col(C::ReceivedAt).gte(m.start(tz))).add(col(C::ReceivedAt).lt(m.next().start(tz))),
            m.to_string(),
        );
    }
    let first = months.first().copied().unwrap_or(query.from);
    let last = months.last().copied().unwrap_or(query.to);
    let cards: Vec<&str> = AlertLevel::ALL.iter().filter(|l| l.is_card()).map(|l| l.key()).collect();
    let carded = Query::select()
        .expr(Expr::val(1))
        .from(supervision_alert::Entity)
        .and_where(
            Expr::col((supervision_alert::Entity, supervision_alert::Column::CaseId))
                .equals((handling_case::Entity, C::Id)),
        )
        .and_where(Expr::col((supervision_alert::Entity, supervision_alert::Column::Level)).is_in(cards))
        .to_owned();
    let finished = || Condition::all().add(col(C::Status).eq("finished")).add(col(C::HandlingMinutes).is_not_null());
    let mut select = Query::select();
    select
        .expr_as(col(C::UnitId), Alias::new("unit_id"))
        .expr_as(if query.by == RatesBy::Power { col(C::PowerId) } else { Expr::val(0_i64) }, Alias::new("power_id"))
        .expr_as(month, Alias::new(MONTH))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("cases"))
        .expr_as(counter(Condition::all().add(col(C::Overdue).eq(true))), Alias::new("overdue"))
        .expr_as(counter(Condition::all().add(Expr::exists(carded))), Alias::new("warned"))
        .expr_as(counter(Condition::all().add(col(C::ProcessConformant).eq(true))), Alias::new("conformant"))
        .expr_as(counter(finished()), Alias::new("finished"))
        // PostgreSQL sums BIGINTs as NUMERIC: cast back so both backends give an integer.
        .expr_as(
            Func::cast_as(Func::sum(Expr::case(finished(), col(C::HandlingMinutes)).finally(0)), Alias::new("BIGINT")),
            Alias::new("minutes"),
        )
        .from(handling_case::Entity)
        .and_where(col(C::ReceivedAt).gte(first.start(tz)))
        .and_where(col(C::ReceivedAt).lt(last.next().start(tz)));
    if let Some(ids) = units {
        select.and_where(col(C::UnitId).is_in(ids));
    }
    if let Some(unit) = query.unit_id {
        select.and_where(col(C::UnitId).eq(unit));
    }
    if let Some(power) = query.power_id {
        select.and_where(col(C::PowerId).eq(power));
    }
    if let Some(code) = query.power_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        select.and_where(col(C::PowerCode).eq(code.to_ascii_uppercase()));
    }
    select.group_by_col((handling_case::Entity, C::UnitId));
    if query.by == RatesBy::Power {
        select.group_by_col((handling_case::Entity, C::PowerId));
    }
    select.group_by_col(Alias::new(MONTH));
    select
}

fn count(row: &sea_orm::QueryResult, column: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<Option<i64>>("", column)?.unwrap_or(0)).unwrap_or(0))
}

/// The rates of the caller's units (needs `ViewSupervision`; a unit filter must be
/// in scope). Errors: `to` before `from` or more than 36 months.
pub async fn rates(store: &Store, principal: &Principal, query: &RatesQuery) -> Result<Rates, StoreError> {
    authorize(principal, Action::ViewSupervision, query.unit_id.map_or(Target::County, Target::Unit))?;
    let months = Month::range(query.from, query.to).map_err(|e| FieldErrors::from(("to", e)))?;
    let db = store.connection();
    let day_minutes = u64::try_from(calendar::load(db).await?.office_hours().day_length().num_minutes()).unwrap_or(0);
    let found = db.query_all(&statement(query, &months, principal.scope.unit_ids())).await?;
    let mut by_group: BTreeMap<Group, Vec<(String, Counts)>> = BTreeMap::new();
    for row in &found {
        let Some(month) = row.try_get::<Option<String>>("", MONTH)? else { continue };
        let group = (row.try_get::<i64>("", "unit_id")?, row.try_get::<i64>("", "power_id")?);
        let counts = Counts {
            cases: count(row, "cases")?,
            overdue: count(row, "overdue")?,
            warned: count(row, "warned")?,
            conformant: count(row, "conformant")?,
            finished: count(row, "finished")?,
            handling_minutes: count(row, "minutes")?,
        };
        by_group.entry(group).or_default().push((month, counts));
    }
    let unit_ids: Vec<i64> = by_group.keys().map(|(u, _)| *u).collect();
    let units = super::alerts::unit_names(db, unit_ids).await?;
    let powers: HashMap<i64, (String, String)> = if query.by == RatesBy::Power {
        power::Entity::find()
            .select_only()
            .column(power::Column::Id)
            .column(power::Column::Code)
            .column(power::Column::Name)
            .filter(power::Column::Id.is_in(by_group.keys().map(|(_, p)| *p)))
            .into_tuple::<(i64, String, String)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(id, code, name)| (id, (code, name)))
            .collect()
    } else {
        HashMap::new()
    };
    let row_of = |(unit_id, power_id): Group, month: Option<String>, counts: Counts| {
        let power = (query.by == RatesBy::Power).then(|| powers.get(&power_id).cloned()).flatten();
        RateRow {
            unit_id,
            unit_name: units.get(&unit_id).cloned().unwrap_or_default(),
            power_id: (query.by == RatesBy::Power).then_some(power_id),
            power_code: power.as_ref().map(|p| p.0.clone()),
            power_name: power.map(|p| p.1),
            month,
            overdue_rate: counts.overdue_rate(),
            warning_rate: counts.warning_rate(),
            conformity_rate: counts.conformity_rate(),
            average_working_days: counts.average_working_days(day_minutes),
            counts,
        }
    };
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for (group, mut per_month) in by_group {
        per_month.sort_by(|a, b| a.0.cmp(&b.0));
        let mut total = Counts::default();
        for (month, counts) in per_month {
            total.add(&counts);
            rows.push(row_of(group, Some(month), counts));
        }
        totals.push(row_of(group, None, total));
    }
    // Groups by name (units), or by unit and code (powers), as tables list them.
    let order = |r: &RateRow| (r.unit_name.clone(), r.power_code.clone().unwrap_or_default(), r.month.clone());
    rows.sort_by_key(order);
    totals.sort_by_key(order);
    Ok(Rates { by: query.by, from: query.from.to_string(), to: query.to.to_string(), day_minutes, rows, totals })
}

/// The current month in China time and the `n - 1` months before it: the default range.
#[must_use]
pub fn recent_months(n: u32) -> (Month, Month) {
    let now = Month::of(Utc::now(), china_time());
    (now.minus(n.saturating_sub(1)), now)
}
