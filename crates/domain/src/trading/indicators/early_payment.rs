//! S003 payment before signature or acceptance: a transaction under
//! `contracts/implementation/transactions` is dated before the contract's `dateSigned`,
//! or before the first met acceptance milestone (`milestones` of the configured type,
//! default `delivery`, by `dateMet`). Dates that do not parse are left out.

use super::{Accumulator, Context, timestamp};
use crate::trading::output::Indicator;
use crate::trading::settings::EarlyPaymentSettings;

pub(super) fn fold(settings: &EarlyPaymentSettings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let mut early = 0_usize;
    for contract in context.release.contracts.items() {
        let signed = contract.date_signed.get().and_then(timestamp);
        let accepted = if settings.acceptance_milestone_type.is_empty() {
            None
        } else {
            contract
                .implementation
                .milestones
                .items()
                .iter()
                .filter(|m| m.kind.is(&settings.acceptance_milestone_type))
                .filter_map(|m| m.date_met.get().and_then(timestamp))
                .min()
        };
        for transaction in contract.implementation.transactions.items() {
            let Some(paid) = transaction.date.get().and_then(timestamp) else {
                continue;
            };
            if signed.is_some_and(|s| paid < s) || accepted.is_some_and(|a| paid < a) {
                early += 1;
            }
        }
    }
    if early > 0 {
        accumulator.flag(context, Indicator::S003, early as f64);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::trading::indicators::test_support::run;
    use crate::trading::output::{Group, Indicator};

    fn contract(ocid: &str, signed: &str, paid: &[&str], accepted: Option<&str>) -> serde_json::Value {
        let transactions: Vec<_> =
            paid.iter().map(|d| json!({"date": d, "value": {"amount": 1, "currency": "CNY"}})).collect();
        let milestones: Vec<_> =
            accepted.iter().map(|d| json!({"type": "delivery", "status": "met", "dateMet": d})).collect();
        json!({"ocid": ocid, "contracts": [{"dateSigned": signed,
            "implementation": {"transactions": transactions, "milestones": milestones}}]})
    }

    #[test]
    fn flags_payments_before_signature_or_acceptance() {
        let releases = [
            contract("before signature", "2024-03-01T00:00:00Z", &["2024-02-28T00:00:00Z"], None),
            contract("after signature", "2024-03-01T00:00:00Z", &["2024-03-02T00:00:00Z"], None),
            contract(
                "before acceptance",
                "2024-03-01",
                &["2024-03-02T00:00:00Z", "2024-05-02T00:00:00Z"],
                Some("2024-04-01T00:00:00Z"),
            ),
            contract("unparseable", "soon", &["yesterday"], None),
        ];
        let output = run("[S003]\n", &releases);
        assert_eq!(output.ids(Group::Ocid), vec!["before signature", "before acceptance"]);
        assert_eq!(output.value(Group::Ocid, "before acceptance", Indicator::S003), Some(1.0));
        let signature_only = run("[S003]\nacceptance_milestone_type =\n", &releases);
        assert_eq!(signature_only.ids(Group::Ocid), vec!["before signature"]);
    }
}
