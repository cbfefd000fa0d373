//! The legal basis of a power (设定依据): one or more references to laws and rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::text::BoundedText;

/// One reference: `《中华人民共和国食品安全法》第三十五条`.
pub type LegalReference = BoundedText<500>;

/// At least one reference: a power without a legal basis is not a power (职权法定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<LegalReference>", into = "Vec<LegalReference>")]
pub struct LegalBasis(Vec<LegalReference>);

impl LegalBasis {
    pub const MAX_REFERENCES: usize = 30;

    /// Splits a cell on line breaks and semicolons (full- or half-width).
    ///
    /// Codes: `required`, `too_many_references`, and the reference's text codes.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let references = raw
            .split(['\n', '\r', '；', ';'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(LegalReference::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::try_from(references).map_err(|code| match code {
            "too_many_references" => FieldError::with_limit("too_many_references", Self::MAX_REFERENCES),
            other => FieldError::new(other),
        })
    }

    #[must_use]
    pub fn references(&self) -> &[LegalReference] {
        &self.0
    }
}

impl TryFrom<Vec<LegalReference>> for LegalBasis {
    type Error = &'static str;
    fn try_from(references: Vec<LegalReference>) -> Result<Self, Self::Error> {
        if references.is_empty() {
            Err("required")
        } else if references.len() > Self::MAX_REFERENCES {
            Err("too_many_references")
        } else {
            Ok(Self(references))
        }
    }
}

impl From<LegalBasis> for Vec<LegalReference> {
    fn from(value: LegalBasis) -> Self {
        value.0
    }
}

/// References joined by `；`, the way catalogues print them; parses back.
impl fmt::Display for LegalBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, reference) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("；")?;
            }
            f.write_str(reference.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_references() {
        let basis =
            LegalBasis::parse("《中华人民共和国食品安全法》第三十五条；\n《食品经营许可和备案管理办法》第二条;")
                .unwrap();
        assert_eq!(basis.references().len(), 2);
        assert_eq!(LegalBasis::parse(&basis.to_string()), Ok(basis));
    }

    #[test]
    fn needs_one_reference() {
        assert_eq!(LegalBasis::parse(" ；\n"), Err(FieldError::new("required")));
        let many = "《法》第一条；".repeat(31);
        assert_eq!(LegalBasis::parse(&many), Err(FieldError::with_limit("too_many_references", 30)));
    }
}
