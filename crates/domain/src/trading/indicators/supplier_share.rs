//! S002 supplier share: one supplier holds more than a share (default 0.5) of a buyer's
//! awarded value, counted over the buyer's active awards in the main currency, for
//! buyers with at least `minimum_awards` (default 5) such awards.
//!
//! An award with several suppliers counts towards the buyer's total but towards no
//! supplier's share, since its split between them is not published.

use std::collections::HashMap;

use super::{Accumulator, Context, Results};
use crate::trading::interner::Interner;
use crate::trading::output::{Group, Indicator};
use crate::trading::settings::SupplierShareSettings;

#[derive(Debug, Default)]
pub(crate) struct Shares {
    /// Awarded value by buyer, supplier and currency.
    by_supplier: HashMap<(u32, u32, u32), f64>,
    /// Awarded value and number of awards by buyer and currency.
    by_buyer: HashMap<(u32, u32), (f64, usize)>,
}

impl Shares {
    pub(super) fn merge(&mut self, other: Self, organization: &impl Fn(u32) -> u32, currency: &impl Fn(u32) -> u32) {
        for ((buyer, supplier, code), amount) in other.by_supplier {
            *self.by_supplier.entry((organization(buyer), organization(supplier), currency(code))).or_default() +=
                amount;
        }
        for ((buyer, code), (amount, awards)) in other.by_buyer {
            let entry = self.by_buyer.entry((organization(buyer), currency(code))).or_default();
            entry.0 += amount;
            entry.1 += awards;
        }
    }
}

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    let Some(buyer) = release.buyer.id.get() else {
        return;
    };
    for award in release.awards.items() {
        let Some((amount, currency)) = award.value.amount_in().filter(|_| award.status.is("active")) else {
            continue;
        };
        let buyer_id = accumulator.organization(buyer, context.line);
        let currency = accumulator.currency(currency, context.line);
        let total = accumulator.shares.by_buyer.entry((buyer_id, currency)).or_default();
        total.0 += amount;
        total.1 += 1;
        if let Some([supplier]) = award.suppliers.0.as_deref()
            && let Some(supplier) = supplier.id.get()
        {
            let supplier = accumulator.organization(supplier, context.line);
            *accumulator.shares.by_supplier.entry((buyer_id, supplier, currency)).or_default() += amount;
        }
    }
}

pub(super) fn finalize(
    settings: &SupplierShareSettings,
    shares: &Shares,
    currency: Option<u32>,
    organizations: &Interner,
    results: &mut Results,
) {
    let mut highest: HashMap<(Group, u32), f64> = HashMap::new();
    for (&(buyer, supplier, code), &amount) in &shares.by_supplier {
        if Some(code) != currency {
            continue;
        }
        let Some(&(total, awards)) = shares.by_buyer.get(&(buyer, code)) else {
            continue;
        };
        if awards < settings.minimum_awards || total <= 0.0 {
            continue;
        }
        let share = amount / total;
        if share > settings.threshold {
            for key in [(Group::Buyer, buyer), (Group::Tenderer, supplier)] {
                let best = highest.entry(key).or_insert(share);
                *best = best.max(share);
            }
        }
    }
    for ((group, id), share) in highest {
        results.set(group, organizations.name(id), organizations.first_line(id), Indicator::S002, share);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::trading::indicators::test_support::run;
    use crate::trading::output::{Group, Indicator};

    fn award(ocid: &str, buyer: &str, supplier: &str, amount: f64) -> serde_json::Value {
        json!({"ocid": ocid, "buyer": {"id": buyer}, "awards": [{"status": "active",
            "value": {"amount": amount, "currency": "CNY"}, "suppliers": [{"id": supplier}]}]})
    }

    #[test]
    fn flags_a_supplier_holding_most_of_a_buyers_value() {
        let releases = [
            award("1", "B", "S", 700.0),
            award("2", "B", "S", 100.0),
            award("3", "B", "T", 100.0),
            award("4", "B", "U", 50.0),
            award("5", "B", "V", 50.0),
            // Another buyer with too few awards to judge.
            award("6", "C", "S", 1000.0),
        ];
        let output = run("[S002]\n", &releases);
        assert_eq!(output.value(Group::Buyer, "B", Indicator::S002), Some(0.8));
        assert_eq!(output.value(Group::Tenderer, "S", Indicator::S002), Some(0.8));
        assert_eq!(output.value(Group::Buyer, "C", Indicator::S002), None);
        let strict = run("[S002]\nthreshold = 0.8\n", &releases);
        assert!(strict.groups().is_empty());
    }

    #[test]
    fn other_currencies_are_counted_not_mixed() {
        let mut releases = vec![
            award("1", "B", "S", 100.0),
            award("2", "B", "T", 100.0),
            award("3", "B", "U", 100.0),
            award("4", "B", "V", 100.0),
            award("5", "B", "W", 100.0),
        ];
        releases.push(json!({"ocid": "6", "buyer": {"id": "B"}, "awards": [{"status": "active",
            "value": {"amount": 1.0e9, "currency": "USD"}, "suppliers": [{"id": "S"}]}]}));
        let output = run("currency = CNY\n[S002]\n", &releases);
        assert!(output.groups().is_empty());
        assert_eq!(output.summary.amounts_in_other_currencies, 1);
        assert_eq!(output.summary.currency.as_deref(), Some("CNY"));
    }
}
