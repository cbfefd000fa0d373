//! The power catalogue (职权目录): powers, their codes, limits, fees, legal bases,
//! lifecycle and version diffs, and the Excel files units keep them in.
//!
//! Error codes: see [`ERROR_CODES`].

mod assign;
mod code;
mod column;
pub mod decomposition;
pub mod demo_names;
pub mod design;
mod draft;
mod fee;
pub mod generator;
mod legal_basis;
mod lifecycle;
pub mod optimization;
mod power_type;
mod row;
mod time_limit;
pub mod xlsx_export;
pub mod xlsx_import;

pub use assign::assign_missing_codes;
pub use code::{PowerCode, next_code};
pub use column::Column;
pub use draft::{FieldChange, PowerDraft, PowerDraftParts, PowerName, diff};
pub use fee::{Fee, FeeStandard, parse_flag};
pub use legal_basis::{LegalBasis, LegalReference};
pub use lifecycle::{PowerAction, PowerActionKind, PowerState};
pub use power_type::{PowerType, PowerTypes};
pub use row::{RowContext, parse_row};
pub use time_limit::{LimitUnit, TimeLimit};

/// Every error code this module reports (the UI translates `field-<code>`): per
/// field, from [`crate::text`] and [`crate::org::UnitCode`] as well as its own, and
/// for whole files (see [`xlsx_import`]).
pub const ERROR_CODES: &[&str] = &[
    // text and unit codes
    "required",
    "too_long",
    "control_characters",
    "code_length",
    "code_format",
    "unknown_value",
    // fields
    "unknown_power_type",
    "power_type_disabled",
    "sequence_out_of_range",
    "limit_unit_missing",
    "unreadable_limit",
    "limit_out_of_range",
    "promised_exceeds_legal",
    "fee_standard_required",
    "fee_standard_without_fee",
    "unreadable_flag",
    "too_many_references",
    "unit_mismatch",
    "unknown_section",
    "code_unit_mismatch",
    "code_type_mismatch",
    "transition_not_allowed",
    "merge_into_itself",
    // files
    "file_too_large",
    "not_xlsx",
    "uncompressed_too_large",
    "too_many_rows",
    "header_missing",
    "duplicate_column",
    "duplicate_code",
    "no_rows",
    "too_many_errors",
    // design records
    "bad_sequence",
    "too_many_steps",
    "evidence_required",
];

#[cfg(test)]
mod tests {
    use super::ERROR_CODES;
    use crate::field::codes_in_sources;

    #[test]
    fn every_code_used_is_published() {
        let sources = [
            include_str!("assign.rs"),
            include_str!("code.rs"),
            include_str!("column.rs"),
            include_str!("draft.rs"),
            include_str!("fee.rs"),
            include_str!("legal_basis.rs"),
            include_str!("lifecycle.rs"),
            include_str!("power_type.rs"),
            include_str!("row.rs"),
            include_str!("time_limit.rs"),
            include_str!("xlsx_import.rs"),
            include_str!("design.rs"),
            include_str!("optimization.rs"),
            include_str!("../text.rs"),
            include_str!("../org.rs"),
        ];
        let markers = ["FieldError::new(", "FieldError::with_limit(", "ImportIssue::file(", "Self::issue("];
        let used = codes_in_sources(&sources, &markers);
        assert!(used.len() > 20, "{used:?}");
        for code in &used {
            assert!(ERROR_CODES.contains(&code.as_str()), "{code} is used but not in ERROR_CODES");
        }
    }
}
