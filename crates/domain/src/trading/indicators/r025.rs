//! R025 excessive unsuccessful bids: among tenderers that bid often (at or above a
//! percentile of bid counts), those whose ratio of winning to submitted bids is a low
//! outlier (at or below Q1 − 1.5 IQR, or the configured threshold).

use super::{Accumulator, Context, Fraction, Results};
use crate::trading::interner::{FastMap, Interner};
use crate::trading::output::{Group, Indicator};
use crate::trading::quartiles::{quantile, quartiles};
use crate::trading::settings::R025Settings;

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let Some((winner, bids)) = context.release.sole_winner() else {
        return;
    };
    // Each tenderer counts once per process, however many bids it submitted.
    let mut tenderers: Vec<&str> =
        bids.iter().filter(|bid| bid.status.is("valid")).filter_map(|bid| bid.sole_tenderer()).collect();
    tenderers.sort_unstable();
    tenderers.dedup();
    for tenderer in tenderers {
        let id = accumulator.organization(tenderer, context.line);
        accumulator.r025.entry(id).or_default().add(usize::from(tenderer == winner), 1);
    }
}

pub(super) fn finalize(
    settings: &R025Settings,
    fractions: &FastMap<u32, Fraction>,
    organizations: &Interner,
    results: &mut Results,
) {
    let counts: Vec<f64> = fractions.values().map(|f| f.denominator as f64).collect();
    let upper_fence = quantile(&counts, f64::from(settings.percentile) / 100.0);
    let (lower_fence, q1) = if let Some(threshold) = settings.threshold {
        // No quartiles: the guard below only needs a positive stand-in.
        (threshold, 1.0)
    } else {
        let ratios: Vec<f64> = fractions.values().map(|f| f.ratio()).collect();
        let (q1, q3) = quartiles(&ratios);
        results.set_meta(Indicator::R025, "q1", q1);
        results.set_meta(Indicator::R025, "q3", q3);
        ((q3 - q1).mul_add(-1.5, q1), q1)
    };
    results.set_meta(Indicator::R025, "upper_fence", upper_fence);
    results.set_meta(Indicator::R025, "lower_fence", lower_fence);
    // When a quarter of tenderers never win, Q1 is 0 and most frequent bidders would be
    // flagged: skip instead.
    if q1 > 0.0 && lower_fence > 0.0 {
        for (&id, fraction) in fractions {
            let ratio = fraction.ratio();
            if fraction.denominator as f64 >= upper_fence && ratio <= lower_fence {
                results.set(
                    Group::Tenderer,
                    organizations.name(id),
                    organizations.first_line(id),
                    Indicator::R025,
                    ratio,
                );
            }
        }
    }
}
