//! R038 excessive disqualified bids: the share of disqualified bids among submitted bids
//! is a high outlier (at or above Q3 + 1.5 IQR, or the configured threshold) per buyer,
//! procuring entity or tenderer.

use super::{Accumulator, Context, Fraction, Results};
use crate::trading::interner::{FastMap, Interner};
use crate::trading::output::{Group, Indicator};
use crate::trading::quartiles::quartiles;
use crate::trading::settings::R038Settings;

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    let mut submitted = 0;
    let mut disqualified = 0;
    for bid in release.submitted_bids() {
        submitted += 1;
        let is_disqualified = usize::from(bid.status.is("disqualified"));
        disqualified += is_disqualified;
        for tenderer in bid.tenderers.items().iter().filter_map(|t| t.id.get()) {
            let id = accumulator.organization(tenderer, context.line);
            accumulator.r038[2].entry(id).or_default().add(is_disqualified, 1);
        }
    }
    if submitted == 0 {
        return;
    }
    if let Some(buyer) = release.buyer.id.get() {
        let id = accumulator.organization(buyer, context.line);
        accumulator.r038[0].entry(id).or_default().add(disqualified, submitted);
    }
    if let Some(entity) = release.tender.procuring_entity.id.get() {
        let id = accumulator.organization(entity, context.line);
        accumulator.r038[1].entry(id).or_default().add(disqualified, submitted);
    }
}

pub(super) fn finalize(
    settings: &R038Settings,
    fractions: &[FastMap<u32, Fraction>; 3],
    organizations: &Interner,
    results: &mut Results,
) {
    let groups = [
        (Group::Buyer, settings.minimum_contracting_processes, ("Buyer_q1", "Buyer_q3", "Buyer_upper_fence")),
        (
            Group::ProcuringEntity,
            settings.minimum_contracting_processes,
            ("ProcuringEntity_q1", "ProcuringEntity_q3", "ProcuringEntity_upper_fence"),
        ),
        (Group::Tenderer, settings.minimum_submitted_bids, ("Tenderer_q1", "Tenderer_q3", "Tenderer_upper_fence")),
    ];
    for ((group, minimum, (q1_name, q3_name, fence_name)), fractions) in groups.into_iter().zip(fractions) {
        let ratios: Vec<(u32, f64)> =
            fractions.iter().filter(|(_, f)| f.denominator >= minimum).map(|(&id, f)| (id, f.ratio())).collect();
        if ratios.is_empty() {
            continue;
        }
        let upper_fence = settings.threshold.unwrap_or_else(|| {
            let values: Vec<f64> = ratios.iter().map(|(_, r)| *r).collect();
            let (q1, q3) = quartiles(&values);
            results.set_meta(Indicator::R038, q1_name, q1);
            results.set_meta(Indicator::R038, q3_name, q3);
            (q3 - q1).mul_add(1.5, q3)
        });
        results.set_meta(Indicator::R038, fence_name, upper_fence);
        // When three quarters have no disqualified bids the fence is 0: flag nothing
        // rather than everyone with one disqualification.
        if upper_fence > 0.0 {
            for (id, ratio) in ratios {
                if ratio >= upper_fence {
                    results.set(group, organizations.name(id), organizations.first_line(id), Indicator::R038, ratio);
                }
            }
        }
    }
}
