//! S001 contract splitting (拆分采购): one buyer awards one supplier several contracts in
//! the same classification within a few days of each other, each below the threshold
//! that would require an open procedure, together at or above it.
//!
//! Defaults: threshold 2,000,000, window 90 days, classification prefix 4 characters.
//! The classification is the award's first item's, or else the tender's first item's.
//! Values in other currencies than the main one are left out.

use std::collections::HashMap;

use super::{Accumulator, Context, Results, timestamp};
use crate::trading::interner::Interner;
use crate::trading::output::{Group, Indicator};
use crate::trading::settings::SplittingSettings;

/// One award that could be part of a split purchase.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    buyer: u32,
    supplier: u32,
    classification: Box<str>,
    currency: u32,
    date: i64,
    amount: f64,
    line: u64,
    ocid: Box<str>,
}

impl Part {
    pub(super) fn remap(mut self, organization: &impl Fn(u32) -> u32, currency: &impl Fn(u32) -> u32) -> Self {
        self.buyer = organization(self.buyer);
        self.supplier = organization(self.supplier);
        self.currency = currency(self.currency);
        self
    }
}

pub(super) fn fold(settings: &SplittingSettings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    let Some(buyer) = release.buyer.id.get() else {
        return;
    };
    let tender_classification = release.tender.items.items().iter().find_map(|item| item.classification_id());
    for award in release.awards.items() {
        let (true, Some([supplier])) = (award.status.is("active"), award.suppliers.0.as_deref()) else {
            continue;
        };
        let classification =
            award.items.items().iter().find_map(|item| item.classification_id()).or(tender_classification);
        let (Some(supplier), Some(classification), Some((amount, currency)), Some(date)) =
            (supplier.id.get(), classification, award.value.amount_in(), award.date.get().and_then(timestamp))
        else {
            continue;
        };
        // A part at or above the threshold went through the proper procedure.
        if amount >= settings.threshold || amount <= 0.0 {
            continue;
        }
        let part = Part {
            buyer: accumulator.organization(buyer, context.line),
            supplier: accumulator.organization(supplier, context.line),
            classification: classification.chars().take(settings.digits).collect::<String>().into(),
            currency: accumulator.currency(currency, context.line),
            date,
            amount,
            line: context.line,
            ocid: context.ocid.into(),
        };
        accumulator.splitting.push(part);
    }
}

pub(super) fn finalize(
    settings: &SplittingSettings,
    parts: &mut [Part],
    currency: Option<u32>,
    organizations: &Interner,
    results: &mut Results,
) {
    parts.sort_by(|a, b| {
        (a.buyer, a.supplier, &a.classification, a.date, a.line).cmp(&(
            b.buyer,
            b.supplier,
            &b.classification,
            b.date,
            b.line,
        ))
    });
    let window = settings.days.saturating_mul(86_400);
    // The largest split each process belongs to, and the processes per buyer.
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    let mut start = 0;
    while start < parts.len() {
        let same = |p: &Part| {
            p.buyer == parts[start].buyer
                && p.supplier == parts[start].supplier
                && p.classification == parts[start].classification
        };
        let end = start + parts[start..].iter().take_while(|p| same(p)).count();
        let run: Vec<usize> = (start..end).filter(|&i| Some(parts[i].currency) == currency).collect();
        let mut last = 0;
        for first in 0..run.len() {
            last = last.max(first);
            while last + 1 < run.len() && parts[run[last + 1]].date - parts[run[first]].date <= window {
                last += 1;
            }
            let members = &run[first..=last];
            let total: f64 = members.iter().map(|&i| parts[i].amount).sum();
            if members.len() >= 2 && total >= settings.threshold {
                for &member in members {
                    let size = sizes.entry(member).or_default();
                    *size = (*size).max(members.len());
                }
            }
        }
        start = end;
    }
    let mut buyers: HashMap<u32, Vec<&str>> = HashMap::new();
    for (&index, &size) in &sizes {
        let part = &parts[index];
        results.set(Group::Ocid, &part.ocid, part.line, Indicator::S001, size as f64);
        let ocids = buyers.entry(part.buyer).or_default();
        if !ocids.contains(&&*part.ocid) {
            ocids.push(&part.ocid);
        }
    }
    for (buyer, ocids) in buyers {
        results.set(
            Group::Buyer,
            organizations.name(buyer),
            organizations.first_line(buyer),
            Indicator::S001,
            ocids.len() as f64,
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::trading::indicators::test_support::run;
    use crate::trading::output::{Group, Indicator};

    fn award(ocid: &str, supplier: &str, amount: f64, date: &str, class: &str) -> serde_json::Value {
        json!({"ocid": ocid, "buyer": {"id": "B"}, "awards": [{"status": "active", "date": date,
            "value": {"amount": amount, "currency": "CNY"}, "suppliers": [{"id": supplier}],
            "items": [{"classification": {"id": class}}]}]})
    }

    #[test]
    fn flags_parts_under_threshold_that_add_up_within_the_window() {
        let releases = [
            award("a", "S", 900_000.0, "2024-01-01T00:00:00Z", "A0201"),
            award("b", "S", 800_000.0, "2024-02-01T00:00:00Z", "A0202"),
            award("c", "S", 700_000.0, "2024-03-01T00:00:00Z", "A0203"),
            // Same supplier, another classification prefix.
            award("h", "S", 700_000.0, "2024-03-01T00:00:00Z", "A0301"),
            // Too late: outside 90 days of "b".
            award("d", "S", 700_000.0, "2024-09-01T00:00:00Z", "A0201"),
            // Another supplier, another classification, or too large.
            award("e", "T", 1_900_000.0, "2024-01-02T00:00:00Z", "A0201"),
            award("f", "S", 1_900_000.0, "2024-01-02T00:00:00Z", "B0101"),
            award("g", "S", 2_500_000.0, "2024-01-03T00:00:00Z", "A0201"),
        ];
        let output = run("currency = CNY\n[S001]\n", &releases);
        assert_eq!(output.ids(Group::Ocid), vec!["a", "b", "c"]);
        assert_eq!(output.value(Group::Ocid, "a", Indicator::S001), Some(3.0));
        assert_eq!(output.value(Group::Buyer, "B", Indicator::S001), Some(3.0));
    }

    #[test]
    fn parts_that_stay_under_the_threshold_together_are_not_split() {
        let releases = [
            award("a", "S", 500_000.0, "2024-01-01T00:00:00Z", "A0201"),
            award("b", "S", 500_000.0, "2024-01-05T00:00:00Z", "A0201"),
        ];
        let output = run("[S001]\n", &releases);
        assert!(output.groups().is_empty());
        let narrow = run("[S001]\nthreshold = 900000\ndays = 3\n", &releases);
        assert!(narrow.groups().is_empty());
        let wide = run("[S001]\nthreshold = 900000\ndays = 4\n", &releases);
        assert_eq!(wide.ids(Group::Ocid), vec!["a", "b"]);
    }
}
