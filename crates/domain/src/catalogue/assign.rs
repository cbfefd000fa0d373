//! Giving codes to new powers, after an import or a batch of drafts.

use crate::catalogue::code::{PowerCode, next_code};
use crate::catalogue::draft::PowerDraft;
use crate::field::FieldError;

/// Gives every draft without a code the next free code of its unit and type, in
/// order, counting `existing` codes (the catalogue's, including abolished and merged
/// powers) and the codes the drafts already carry.
///
/// Codes: `sequence_out_of_range` when a unit runs out of sequences.
pub fn assign_missing_codes(drafts: Vec<PowerDraft>, existing: &[PowerCode]) -> Result<Vec<PowerDraft>, FieldError> {
    let mut taken: Vec<PowerCode> = existing.to_vec();
    taken.extend(drafts.iter().filter_map(|d| d.parts().code.clone()));
    drafts
        .into_iter()
        .map(|draft| {
            if draft.parts().code.is_some() {
                return Ok(draft);
            }
            let parts = draft.parts();
            let code = next_code(&parts.unit, parts.power_type, &taken)?;
            taken.push(code.clone());
            // The code is built from the draft's own unit and type, so it always fits.
            draft.with_code(code).map_err(|_| FieldError::new("code_unit_mismatch"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::catalogue::draft::tests::sample;

    #[test]
    fn fills_gaps_after_existing_and_carried_codes() {
        let carried = sample();
        let mut parts = sample().into_parts();
        parts.code = None;
        let fresh = PowerDraft::new(parts).unwrap();
        let existing = [PowerCode::parse("SCJGXK007").unwrap()];
        let mut with_later = sample().into_parts();
        with_later.code = Some(PowerCode::parse("SCJGXK009").unwrap());
        let later = PowerDraft::new(with_later).unwrap();
        let out = assign_missing_codes(vec![carried, fresh.clone(), later, fresh], &existing).unwrap();
        let codes: Vec<String> = out.iter().map(|d| d.parts().code.as_ref().unwrap().to_string()).collect();
        assert_eq!(codes, ["SCJGXK001", "SCJGXK010", "SCJGXK009", "SCJGXK011"]);
    }
}
