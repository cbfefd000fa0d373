//! R036 lowest bid disqualified: with price as the only criterion and an active award,
//! the lowest submitted bid was disqualified while a valid bid had an amount.

use super::{Accumulator, Context};
use crate::trading::output::Indicator;

pub(super) fn fold(accumulator: &mut Accumulator, context: &Context<'_>) {
    let release = context.release;
    if !context.settings.compares_price(release.procurement_method_details())
        || !release.awards.items().iter().any(|a| a.status.is("active"))
    {
        return;
    }
    // Amounts are compared within one currency; the main one is known only at the end,
    // so each currency present is judged on its own.
    let mut currencies: Vec<&str> = Vec::new();
    for bid in release.submitted_bids() {
        if let Some((_, currency)) = bid.value.amount_in()
            && !currencies.contains(&currency)
        {
            currencies.push(currency);
        }
    }
    for currency in currencies {
        let mut lowest: Option<(f64, bool)> = None;
        let mut valid_with_amount = false;
        for bid in release.submitted_bids() {
            let Some((amount, bid_currency)) = bid.value.amount_in() else {
                continue;
            };
            if bid_currency != currency {
                continue;
            }
            let disqualified = bid.status.is("disqualified");
            // Ties keep the earlier bid, as in cardinal.
            if lowest.is_none_or(|(low, _)| amount < low) {
                lowest = Some((amount, disqualified));
            }
            valid_with_amount |= bid.status.is("valid");
        }
        if valid_with_amount && lowest.is_some_and(|(_, disqualified)| disqualified) {
            let id = accumulator.currency(currency, context.line);
            accumulator.flag_in_currency(context, Indicator::R036, 1.0, id);
        }
    }
}
