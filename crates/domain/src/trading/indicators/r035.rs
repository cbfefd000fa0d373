//! R035 all except the winning bid disqualified: one tenderer's valid bids won every
//! active award, and at least `threshold` other tenderers were disqualified.

use std::collections::BTreeSet;

use super::{Accumulator, Context};
use crate::trading::output::{Group, Indicator};
use crate::trading::settings::R035Settings;

pub(super) fn fold(settings: R035Settings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let Some((awards, bids)) = context.release.final_awards_and_bids() else {
        return;
    };
    let suppliers: BTreeSet<&str> =
        awards.iter().flat_map(|award| award.suppliers.items().iter().filter_map(|s| s.id.get())).collect();
    let mut valid = BTreeSet::new();
    let mut disqualified = BTreeSet::new();
    for bid in bids {
        let set = match bid.status.get() {
            Some("valid") => &mut valid,
            Some("disqualified") => &mut disqualified,
            _ => continue,
        };
        set.extend(bid.tenderers.items().iter().filter_map(|t| t.id.get()));
    }
    // Several winners can share one award legitimately (a buyer may split the work).
    if valid.len() != 1 || valid != suppliers {
        return;
    }
    let others = disqualified.difference(&valid).count();
    if others >= settings.threshold
        && let Some(winner) = valid.first()
    {
        accumulator.flag(context, Indicator::R035, others as f64);
        accumulator.flag_organization(Group::Tenderer, winner, context.line, Indicator::R035, 0.0);
    }
}
