//! Published flowcharts as online handling needs them: the version in force per
//! power, and each version parsed and prepared once ([`OnlineChart`]), kept per
//! store. A version's drawing never changes once published, so the cache needs no
//! invalidation; a new version is a new key.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sunlight_domain::flow::{OnlineChart, import_bpmn};

use crate::entity::{flowchart, flowchart_version};
use crate::{Store, StoreError};

/// Values in one `IN (…)` list.
pub(super) const IN_CHUNK: usize = 900;

/// The published version of each of `power_ids` that has one.
pub(super) async fn published(conn: &impl ConnectionTrait, power_ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
    let mut found = HashMap::new();
    for chunk in power_ids.chunks(IN_CHUNK) {
        let statement = Query::select()
            .column((flowchart::Entity, flowchart::Column::PowerId))
            .column((flowchart_version::Entity, flowchart_version::Column::Id))
            .from(flowchart::Entity)
            .inner_join(
                flowchart_version::Entity,
                Expr::col((flowchart_version::Entity, flowchart_version::Column::FlowchartId))
                    .equals((flowchart::Entity, flowchart::Column::Id)),
            )
            .and_where(Expr::col((flowchart_version::Entity, flowchart_version::Column::State)).eq("published"))
            .and_where(Expr::col((flowchart::Entity, flowchart::Column::PowerId)).is_in(chunk.iter().copied()))
            .to_owned();
        for row in conn.query_all(&statement).await? {
            let power: i64 = row.try_get_by_index(0)?;
            let version: i64 = row.try_get_by_index(1)?;
            // At most one version is published per flowchart; the newest wins if not.
            let slot = found.entry(power).or_insert(version);
            *slot = std::cmp::max(*slot, version);
        }
    }
    Ok(found)
}

/// The prepared charts of `version_ids`, parsing only those not yet cached.
pub(super) async fn prepared(
    store: &Store,
    conn: &impl ConnectionTrait,
    version_ids: &[i64],
) -> Result<HashMap<i64, Arc<OnlineChart>>, StoreError> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    {
        let cache = store.cases.charts.lock().unwrap_or_else(PoisonError::into_inner);
        for id in version_ids {
            match cache.get(id) {
                Some(chart) => {
                    out.insert(*id, Arc::clone(chart));
                }
                None => missing.push(*id),
            }
        }
    }
    missing.sort_unstable();
    missing.dedup();
    for chunk in missing.chunks(IN_CHUNK) {
        let rows = flowchart_version::Entity::find()
            .select_only()
            .column(flowchart_version::Column::Id)
            .column(flowchart_version::Column::Bpmn)
            .filter(flowchart_version::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(i64, String)>()
            .all(conn)
            .await?;
        for (id, bpmn) in rows {
            let chart = import_bpmn(&bpmn)
                .map_err(|e| StoreError::Internal(format!("flowchart version {id} does not parse: {e}")))?;
            let chart = Arc::new(OnlineChart::new(chart));
            store.cases.charts.lock().unwrap_or_else(PoisonError::into_inner).insert(id, Arc::clone(&chart));
            out.insert(id, chart);
        }
    }
    if let Some(id) = version_ids.iter().find(|id| !out.contains_key(id)) {
        return Err(StoreError::Internal(format!("flowchart version {id} is missing")));
    }
    Ok(out)
}
