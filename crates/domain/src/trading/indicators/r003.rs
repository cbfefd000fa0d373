//! R003 short submission period: the tender period is shorter than a number of whole
//! days (default 15; per-`procurementMethodDetails` thresholds override it).

use chrono::DateTime;

use super::{Accumulator, Context};
use crate::trading::output::Indicator;
use crate::trading::settings::R003Settings;

pub(super) fn fold(settings: &R003Settings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let tender = &context.release.tender;
    if !settings.procurement_methods.is_empty()
        && !tender.procurement_method.get().is_some_and(|method| settings.procurement_methods.contains(method))
    {
        return;
    }
    let period = &tender.period;
    let (Some(start), Some(end)) = (period.start_date.get(), period.end_date.get()) else {
        return;
    };
    let (Ok(start), Ok(end)) = (DateTime::parse_from_rfc3339(start), DateTime::parse_from_rfc3339(end)) else {
        return;
    };
    // Whole days, truncated: 14 days and 23 hours is 14 days.
    let days = (end - start).num_days();
    let threshold = tender
        .procurement_method_details
        .get()
        .and_then(|details| settings.procurement_method_details.get(details))
        .copied()
        .unwrap_or(settings.threshold);
    if days < threshold {
        accumulator.flag(context, Indicator::R003, 1.0);
    }
}
