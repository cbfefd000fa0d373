//! R048 heterogeneous supplier: a supplier's awarded items span an outlying number of
//! classification prefixes (at or above Q3 + 1.5 IQR, or the configured threshold).

use std::collections::HashSet;

use super::{Accumulator, Context, Results};
use crate::trading::interner::{FastMap, Interner};
use crate::trading::output::{Group, Indicator};
use crate::trading::quartiles::quartiles;
use crate::trading::settings::R048Settings;

pub(super) fn fold(settings: &R048Settings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let mut counted: Vec<u32> = Vec::new();
    for award in context.release.awards.items() {
        // With several suppliers nobody knows who supplied which item.
        let (true, Some([supplier]), Some(items)) =
            (award.status.is("active"), award.suppliers.0.as_deref(), award.items.0.as_deref())
        else {
            continue;
        };
        let Some(supplier) = supplier.id.get() else {
            continue;
        };
        for code in items.iter().filter_map(|item| item.classification_id()) {
            let id = accumulator.organization(supplier, context.line);
            let entry = accumulator.r048.entry(id).or_default();
            // A supplier counts once per contracting process.
            if !counted.contains(&id) {
                counted.push(id);
                entry.0 += 1;
            }
            entry.1.insert(code.chars().take(settings.digits).collect::<String>().into());
        }
    }
}

pub(super) fn finalize(
    settings: &R048Settings,
    classifications: &FastMap<u32, (usize, HashSet<Box<str>>)>,
    organizations: &Interner,
    results: &mut Results,
) {
    let lengths: Vec<(u32, f64)> = classifications
        .iter()
        .filter(|(_, (count, _))| *count >= settings.minimum_contracting_processes)
        .map(|(&id, (_, codes))| (id, codes.len() as f64))
        .collect();
    let upper_fence = settings.threshold.map_or_else(
        || {
            let values: Vec<f64> = lengths.iter().map(|(_, l)| *l).collect();
            let (q1, q3) = quartiles(&values);
            results.set_meta(Indicator::R048, "q1", q1);
            results.set_meta(Indicator::R048, "q3", q3);
            (q3 - q1).mul_add(1.5, q3)
        },
        |threshold| threshold as f64,
    );
    results.set_meta(Indicator::R048, "upper_fence", upper_fence);
    for (id, length) in lengths {
        if length >= upper_fence {
            results.set(Group::Tenderer, organizations.name(id), organizations.first_line(id), Indicator::R048, length);
        }
    }
}
