//! S004 amendment increase: an amended contract's value exceeds its original value by
//! more than a share (default 0.1, the 10% cap on additional purchases in China's
//! government procurement law).
//!
//! The original value is the `former_value` of the first amendment change to `value`
//! (OCDS 1.0 style), or else the value of the award the contract implements.

use super::{Accumulator, Context};
use crate::trading::output::Indicator;
use crate::trading::settings::AmendmentSettings;

pub(super) fn fold(settings: AmendmentSettings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    let mut largest: Option<(f64, &str)> = None;
    for contract in release.contracts.items() {
        let amendments = contract.amendments.items();
        let Some((current, currency)) = contract.value.amount_in().filter(|_| !amendments.is_empty()) else {
            continue;
        };
        let former = amendments
            .iter()
            .flat_map(|a| a.changes.items())
            .find(|change| change.property.is("value"))
            .and_then(|change| change.former_value.0);
        let award_value = || {
            let award_id = contract.award_id.get()?;
            let award = release.awards.items().iter().find(|a| a.id.get() == Some(award_id))?;
            let (amount, award_currency) = award.value.amount_in()?;
            (award_currency == currency).then_some(amount)
        };
        let Some(original) = former.or_else(award_value).filter(|o| *o > 0.0) else {
            continue;
        };
        let increase = (current - original) / original;
        if increase > settings.threshold && largest.is_none_or(|(l, _)| increase > l) {
            largest = Some((increase, currency));
        }
    }
    if let Some((increase, currency)) = largest {
        let id = accumulator.currency(currency, context.line);
        accumulator.flag_in_currency(context, Indicator::S004, increase, id);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::trading::indicators::test_support::run;
    use crate::trading::output::{Group, Indicator};

    #[test]
    fn flags_increases_over_the_threshold() {
        let releases = [
            json!({"ocid": "former", "contracts": [{"value": {"amount": 130, "currency": "CNY"},
                "amendments": [{"changes": [{"property": "value", "former_value": {"amount": 100}}]}]}]}),
            json!({"ocid": "award", "awards": [{"id": 1, "value": {"amount": 100, "currency": "CNY"}}],
                "contracts": [{"awardID": "1", "value": {"amount": 125, "currency": "CNY"}, "amendments": [{"date": "2024-01-01"}]}]}),
            json!({"ocid": "small", "awards": [{"id": "1", "value": {"amount": 100, "currency": "CNY"}}],
                "contracts": [{"awardID": "1", "value": {"amount": 110, "currency": "CNY"}, "amendments": [{}]}]}),
            json!({"ocid": "not amended", "awards": [{"id": "1", "value": {"amount": 100, "currency": "CNY"}}],
                "contracts": [{"awardID": "1", "value": {"amount": 200, "currency": "CNY"}}]}),
        ];
        let output = run("[S004]\n", &releases);
        assert_eq!(output.ids(Group::Ocid), vec!["former", "award"]);
        assert_eq!(output.value(Group::Ocid, "award", Indicator::S004), Some(0.25));
        let loose = run("[S004]\nthreshold = 0.05\n", &releases);
        assert_eq!(loose.ids(Group::Ocid), vec!["former", "award", "small"]);
    }
}
