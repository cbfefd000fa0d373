//! R030 late bid won: a winning supplier's valid bid is dated after the tender period's
//! end.

use std::collections::BTreeSet;

use super::{Accumulator, Context};
use crate::trading::output::{Group, Indicator};

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    let (Some(end_date), Some(awards), Some(bids)) =
        (release.tender.period.end_date.get(), release.awards.0.as_deref(), release.bid_details())
    else {
        return;
    };
    let suppliers: BTreeSet<&str> = awards
        .iter()
        .filter(|award| award.status.is("active"))
        .flat_map(|award| award.suppliers.items().iter().filter_map(|s| s.id.get()))
        .collect();
    let mut late_winners = BTreeSet::new();
    for bid in bids {
        // cardinal compares the texts, which orders RFC 3339 dates in one time zone.
        if bid.status.is("valid")
            && bid.date.get().is_some_and(|date| date > end_date)
            && let Some(tenderers) = bid.tenderers.0.as_deref()
        {
            for id in tenderers.iter().filter_map(|t| t.id.get()) {
                if suppliers.contains(id) {
                    late_winners.insert(id);
                }
            }
        }
    }
    if !late_winners.is_empty() {
        accumulator.flag(context, Indicator::R030, 1.0);
        for id in late_winners {
            accumulator.flag_organization(Group::Tenderer, id, context.line, Indicator::R030, 1.0);
        }
    }
}
