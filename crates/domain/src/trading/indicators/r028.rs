//! R028 identical bid prices: bids from different tenderers with the same amount and
//! currency.

use std::collections::BTreeSet;

use super::{Accumulator, Context};
use crate::trading::output::{Group, Indicator};

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    if !context.settings.compares_price(release.procurement_method_details()) {
        return;
    }
    let mut prices: Vec<((f64, &str), BTreeSet<&str>)> = Vec::new();
    let mut flagged: BTreeSet<&str> = BTreeSet::new();
    for bid in release.submitted_bids() {
        let (Some(tenderers), Some((amount, currency))) = (bid.tenderers.0.as_deref(), bid.value.amount_in()) else {
            continue;
        };
        let ids: BTreeSet<&str> = tenderers.iter().filter_map(|t| t.id.get()).collect();
        if ids.is_empty() {
            continue;
        }
        // Identical means identical: 1 and 1.0 match, 1.0 and 1.0000001 do not.
        #[allow(clippy::float_cmp)]
        let position = prices.iter().position(|((a, c), _)| *a == amount && *c == currency);
        match position {
            Some(index) => {
                // The same tenderers may bid the same price twice; that is no collusion.
                if prices[index].1 != ids {
                    flagged.extend(prices[index].1.iter().copied());
                    flagged.extend(ids.iter().copied());
                }
                prices[index].1 = ids;
            }
            None => prices.push(((amount, currency), ids)),
        }
    }
    if !flagged.is_empty() {
        accumulator.flag(context, Indicator::R028, 1.0);
        for id in flagged {
            accumulator.flag_organization(Group::Tenderer, id, context.line, Indicator::R028, 1.0);
        }
    }
}
