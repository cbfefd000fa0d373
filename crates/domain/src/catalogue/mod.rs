//! The power catalogue (职权目录): powers, their codes, limits, fees, legal bases,
//! lifecycle and version diffs, and the Excel files units keep them in.
//!
//! Error codes used here (the UI translates `field-<code>`), besides the text codes
//! of [`crate::text`] (`required`, `too_long`, `control_characters`) and
//! [`crate::org::UnitCode`] (`code_length`, `code_format`):
//! `unknown_power_type`, `power_type_disabled`, `sequence_out_of_range`,
//! `limit_unit_missing`, `unreadable_limit`, `limit_out_of_range`,
//! `promised_exceeds_legal`, `fee_standard_required`, `fee_standard_without_fee`,
//! `unreadable_flag`, `too_many_references`, `unit_mismatch`, `unknown_section`,
//! `code_unit_mismatch`, `code_type_mismatch`, `transition_not_allowed`,
//! `merge_into_itself`; and for whole files (see [`xlsx_import`]):
//! `file_too_large`, `not_xlsx`, `uncompressed_too_large`, `too_many_rows`,
//! `header_missing`, `duplicate_column`, `duplicate_code`, `no_rows`,
//! `too_many_errors`.

mod assign;
mod code;
mod column;
pub mod decomposition;
pub mod demo_names;
mod draft;
mod fee;
pub mod generator;
mod legal_basis;
mod lifecycle;
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
pub use lifecycle::{PowerAction, PowerState};
pub use power_type::{PowerType, PowerTypes};
pub use row::{RowContext, parse_row};
pub use time_limit::{DayKind, TimeLimit};
