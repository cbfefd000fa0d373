//! Text newtypes that cannot hold bad values: trimmed, non-empty, bounded.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;

/// A trimmed, non-empty string of at most `MAX` characters without control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BoundedText<const MAX: usize>(String);

/// A name: of a unit, section, position, person, sub-commission.
pub type Name = BoundedText<100>;
/// A longer free text: a note, a description.
pub type Note = BoundedText<2000>;

impl<const MAX: usize> BoundedText<MAX> {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new("required"));
        }
        if trimmed.chars().count() > MAX {
            return Err(FieldError::with_limit("too_long", MAX));
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(FieldError::new("control_characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Parses an optional field: blank means absent.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Self::parse(text).map(Some),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for BoundedText<MAX> {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.code.to_owned())
    }
}

impl<const MAX: usize> From<BoundedText<MAX>> for String {
    fn from(value: BoundedText<MAX>) -> Self {
        value.0
    }
}

impl<const MAX: usize> fmt::Display for BoundedText<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> AsRef<str> for BoundedText<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Text made safe inside XML or HTML (SVG labels drawn by the server): the five
/// special characters escaped, control characters XML forbids dropped.
#[must_use]
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_refuses_blank() {
        assert_eq!(Name::parse("  财务股 ").map(|n| n.0), Ok("财务股".to_owned()));
        assert_eq!(Name::parse("   ").map(|n| n.0), Err(FieldError::new("required")));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let hundred_han = "权".repeat(100);
        assert!(Name::parse(&hundred_han).is_ok());
        assert_eq!(Name::parse(&format!("{hundred_han}权")).map(|n| n.0), Err(FieldError::with_limit("too_long", 100)));
    }

    proptest! {
        #[test]
        fn parsed_text_is_never_blank_or_long(raw in ".{0,300}") {
            if let Ok(name) = Name::parse(&raw) {
                prop_assert!(!name.as_str().trim().is_empty());
                prop_assert!(name.as_str().chars().count() <= 100);
            }
        }
    }
}
