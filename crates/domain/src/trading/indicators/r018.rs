//! R018 single bid received: `tender/numberOfTenderers` is 1 in a competitive procedure.

use super::{Accumulator, Context};
use crate::trading::output::Indicator;
use crate::trading::settings::R018Settings;

pub(super) fn fold(settings: &R018Settings, accumulator: &mut Accumulator, context: &Context<'_>) {
    let tender = &context.release.tender;
    let method_matches = settings.procurement_methods.is_empty()
        || tender.procurement_method.get().is_some_and(|method| settings.procurement_methods.contains(method));
    if method_matches && tender.number_of_tenderers.0 == Some(1) {
        accumulator.flag(context, Indicator::R018, 1.0);
    }
}
