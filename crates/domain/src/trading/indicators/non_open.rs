//! S005 non-open procedure above a value threshold: a selective, limited or direct
//! procedure (configurable) whose value is at or above the open-tender threshold
//! (default 2,000,000).
//!
//! The value is `tender/value`, or else the sum of the active awards' values in one
//! currency. The result is that value.

use super::{Accumulator, Context};
use crate::trading::output::Indicator;
use crate::trading::settings::NonOpenSettings;

pub(super) fn fold(settings: &NonOpenSettings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    let tender = &release.tender;
    if !tender.procurement_method.get().is_some_and(|method| settings.procurement_methods.contains(method)) {
        return;
    }
    let value = tender.value.amount_in().or_else(|| {
        let mut awarded =
            release.awards.items().iter().filter(|a| a.status.is("active")).filter_map(|a| a.value.amount_in());
        let (first, currency) = awarded.next()?;
        let rest: f64 = awarded.filter(|(_, c)| *c == currency).map(|(a, _)| a).sum();
        Some((first + rest, currency))
    });
    if let Some((amount, currency)) = value
        && amount >= settings.threshold
    {
        let id = accumulator.currency(currency, context.line);
        accumulator.flag_in_currency(context, Indicator::S005, amount, id);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::trading::indicators::test_support::run;
    use crate::trading::output::{Group, Indicator};

    #[test]
    fn flags_large_non_open_procedures() {
        let releases = [
            json!({"ocid": "direct", "tender": {"procurementMethod": "direct", "value": {"amount": 3_000_000, "currency": "CNY"}}}),
            json!({"ocid": "open", "tender": {"procurementMethod": "open", "value": {"amount": 3_000_000, "currency": "CNY"}}}),
            json!({"ocid": "small", "tender": {"procurementMethod": "limited", "value": {"amount": 10_000, "currency": "CNY"}}}),
            json!({"ocid": "awards", "tender": {"procurementMethod": "limited"}, "awards": [
                {"status": "active", "value": {"amount": 1_500_000, "currency": "CNY"}},
                {"status": "active", "value": {"amount": 1_500_000, "currency": "CNY"}},
                {"status": "cancelled", "value": {"amount": 9_000_000, "currency": "CNY"}}]}),
        ];
        let output = run("[S005]\n", &releases);
        assert_eq!(output.ids(Group::Ocid), vec!["direct", "awards"]);
        assert_eq!(output.value(Group::Ocid, "awards", Indicator::S005), Some(3_000_000.0));
        let only_direct = run("[S005]\nprocurement_methods = direct\n", &releases);
        assert_eq!(only_direct.ids(Group::Ocid), vec!["direct"]);
    }
}
