//! Which facts of an approved risk point the public register shows: a county decides
//! this (some publish the descriptions, some only the levels), so it is configuration.
//! The holder's name is never one of them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;

keyed_enum! {
    /// A column of the public risk register.
    PublicRiskField {
        Unit => "unit",
        /// What the point is attached to: the power, position, section or unit.
        Scope => "scope",
        Kind => "kind",
        Description => "description",
        Level => "level",
        /// The tier of the holder (一把手, 班子成员…), never the person.
        HolderTier => "holder_tier",
    }
}

/// The default: everything but the holder's tier.
pub const DEFAULT_PUBLIC_RISK_FIELDS: &str = "unit,scope,kind,description,level";

/// Parses a comma-separated list such as [`DEFAULT_PUBLIC_RISK_FIELDS`], in the order
/// given, each field once.
///
/// Codes: `unknown_value` (with the word), `required` (empty list), `duplicate`.
pub fn parse_public_risk_fields(raw: &str) -> Result<Vec<PublicRiskField>, (String, FieldError)> {
    let mut fields = Vec::new();
    for word in raw.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let field: PublicRiskField = word.parse().map_err(|_| (word.to_owned(), FieldError::new("unknown_value")))?;
        if fields.contains(&field) {
            return Err((word.to_owned(), FieldError::new("duplicate")));
        }
        fields.push(field);
    }
    if fields.is_empty() {
        return Err((String::new(), FieldError::new("required")));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lists_parse_in_order_and_refuse_unknown_or_repeated_words() {
        let default = parse_public_risk_fields(DEFAULT_PUBLIC_RISK_FIELDS).unwrap();
        assert_eq!(default.len(), 5);
        assert_eq!(
            parse_public_risk_fields(" level , kind").unwrap(),
            vec![PublicRiskField::Level, PublicRiskField::Kind]
        );
        assert_eq!(parse_public_risk_fields("level,holder").unwrap_err().0, "holder");
        assert_eq!(parse_public_risk_fields("level,level").unwrap_err().1.code, "duplicate");
        assert_eq!(parse_public_risk_fields(" , ").unwrap_err().1.code, "required");
    }
}
