//! The gap between the winning bid and the lowest other valid bid, read by R024 (price
//! close to the winning bid: a low outlier) and R058 (heavily discounted winning bid: a
//! high outlier).
//!
//! Only simple cases are measured, as in cardinal: price is the criterion, all awards are
//! final, exactly one is active, it has one supplier, and bids have one tenderer each.

use super::{Accumulator, Context, Results};
use crate::trading::interner::Interner;
use crate::trading::output::{Group, Indicator};
use crate::trading::quartiles::quartiles;
use crate::trading::settings::FenceOverride;

/// `(lowest other bid − winning bid) / winning bid` for one contracting process.
#[derive(Debug, Clone)]
pub(crate) struct BidRatio {
    line: u64,
    ocid: Box<str>,
    currency: u32,
    ratio: f64,
    winner: u32,
    runner_up: u32,
}

impl BidRatio {
    pub(super) fn remap(mut self, organization: &impl Fn(u32) -> u32, currency: &impl Fn(u32) -> u32) -> Self {
        self.winner = organization(self.winner);
        self.runner_up = organization(self.runner_up);
        self.currency = currency(self.currency);
        self
    }
}

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    if !context.settings.compares_price(release.procurement_method_details()) {
        return;
    }
    let Some((winner, bids)) = release.sole_winner() else {
        return;
    };
    let priced: Vec<(&str, f64, &str)> = bids
        .iter()
        .filter(|bid| bid.status.is("valid"))
        .filter_map(|bid| {
            let (amount, currency) = bid.value.amount_in()?;
            Some((bid.sole_tenderer()?, amount, currency))
        })
        .collect();
    // Bids in different currencies are never compared; each currency is measured apart
    // and only the main currency's ratios count in the end.
    let mut currencies: Vec<&str> = Vec::new();
    for (_, _, currency) in &priced {
        if !currencies.contains(currency) {
            currencies.push(currency);
        }
    }
    for currency in currencies {
        let mut winning: Option<f64> = None;
        let mut runner_up: Option<(&str, f64)> = None;
        for &(tenderer, amount, _) in priced.iter().filter(|(_, _, c)| *c == currency) {
            if tenderer == winner {
                // A winner with several bids is judged on its lowest.
                if winning.is_none_or(|low| amount < low) {
                    winning = Some(amount);
                }
            } else if runner_up.is_none_or(|(_, low)| amount < low) {
                runner_up = Some((tenderer, amount));
            }
        }
        // If a lower bid lost, price was not the only criterion: nothing to measure.
        if let (Some(winning), Some((other, other_amount))) = (winning, runner_up)
            && other_amount >= winning
        {
            let ratio = (other_amount - winning) / winning;
            let record = BidRatio {
                line: context.line,
                ocid: context.ocid.into(),
                currency: accumulator.currency(currency, context.line),
                ratio,
                winner: accumulator.organization(winner, context.line),
                runner_up: accumulator.organization(other, context.line),
            };
            accumulator.bid_ratios.push(record);
        }
    }
}

fn in_currency(ratios: &[BidRatio], currency: Option<u32>) -> impl Iterator<Item = &BidRatio> {
    ratios.iter().filter(move |r| Some(r.currency) == currency)
}

pub(super) fn finalize_r024(
    settings: &FenceOverride,
    ratios: &[BidRatio],
    currency: Option<u32>,
    organizations: &Interner,
    results: &mut Results,
) {
    let (lower_fence, q1) = if let Some(threshold) = settings.threshold {
        (threshold, 1.0)
    } else {
        let values: Vec<f64> = in_currency(ratios, currency).map(|r| r.ratio).collect();
        let (q1, q3) = quartiles(&values);
        results.set_meta(Indicator::R024, "q1", q1);
        results.set_meta(Indicator::R024, "q3", q3);
        ((q3 - q1).mul_add(-1.5, q1), q1)
    };
    results.set_meta(Indicator::R024, "lower_fence", lower_fence);
    // When a quarter of the gaps are 0 the fence is not above 0: skip rather than flag
    // three quarters of all processes.
    if !(q1 > 0.0 && lower_fence > 0.0) {
        return;
    }
    for record in in_currency(ratios, currency) {
        if record.ratio <= lower_fence {
            results.set(Group::Ocid, &record.ocid, record.line, Indicator::R024, record.ratio);
            for id in [record.winner, record.runner_up] {
                results.set(
                    Group::Tenderer,
                    organizations.name(id),
                    organizations.first_line(id),
                    Indicator::R024,
                    0.0,
                );
            }
        }
    }
}

pub(super) fn finalize_r058(
    settings: &FenceOverride,
    ratios: &[BidRatio],
    currency: Option<u32>,
    organizations: &Interner,
    results: &mut Results,
) {
    let upper_fence = settings.threshold.unwrap_or_else(|| {
        let values: Vec<f64> = in_currency(ratios, currency).map(|r| r.ratio).collect();
        let (q1, q3) = quartiles(&values);
        results.set_meta(Indicator::R058, "q1", q1);
        results.set_meta(Indicator::R058, "q3", q3);
        (q3 - q1).mul_add(1.5, q3)
    });
    results.set_meta(Indicator::R058, "upper_fence", upper_fence);
    if upper_fence <= 0.0 || upper_fence.is_nan() {
        return;
    }
    for record in in_currency(ratios, currency) {
        if record.ratio >= upper_fence {
            results.set(Group::Ocid, &record.ocid, record.line, Indicator::R058, record.ratio);
            let winner = record.winner;
            results.set(
                Group::Tenderer,
                organizations.name(winner),
                organizations.first_line(winner),
                Indicator::R058,
                0.0,
            );
        }
    }
}
