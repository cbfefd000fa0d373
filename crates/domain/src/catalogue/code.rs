//! Power codes (事项编码): unit code + type code + sequence, e.g. `SCJGXK001`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalogue::power_type::PowerType;
use crate::field::FieldError;
use crate::org::UnitCode;

/// A power's human-facing code: the unit code, the two-letter type code and a
/// sequence number.
///
/// The sequence is zero-padded to three digits (`001`–`999`) because county units
/// hold at most a few hundred powers of one type and three digits keep codes sorting
/// as text; from 1000 on it is written with as many digits as it needs. A padded
/// form with more than three digits (`0001`) is refused so that every code has
/// exactly one spelling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PowerCode {
    unit: UnitCode,
    power_type: PowerType,
    sequence: u32,
}

impl PowerCode {
    /// The largest sequence: five digits are far beyond any unit's catalogue.
    pub const MAX_SEQUENCE: u32 = 99_999;
    const PADDING: usize = 3;

    /// Codes: `sequence_out_of_range`.
    pub fn new(unit: UnitCode, power_type: PowerType, sequence: u32) -> Result<Self, FieldError> {
        if sequence == 0 || sequence > Self::MAX_SEQUENCE {
            return Err(FieldError::with_limit("sequence_out_of_range", Self::MAX_SEQUENCE as usize));
        }
        Ok(Self { unit, power_type, sequence })
    }

    /// Codes: `required`, `code_format`, `unknown_power_type`, `sequence_out_of_range`,
    /// and the unit code's own (`code_length`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(FieldError::new("required"));
        }
        if !code.is_ascii() {
            return Err(FieldError::new("code_format"));
        }
        let digits_at = code.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, digits) = code.split_at(digits_at);
        let canonical = digits.len() == Self::PADDING || (digits.len() > Self::PADDING && !digits.starts_with('0'));
        if !canonical || head.len() < 4 {
            return Err(FieldError::new("code_format"));
        }
        let (unit, type_code) = head.split_at(head.len() - 2);
        let power_type = PowerType::from_code(type_code).ok_or(FieldError::new("unknown_power_type"))?;
        let unit = UnitCode::parse(unit)?;
        let sequence = digits
            .parse::<u32>()
            .map_err(|_| FieldError::with_limit("sequence_out_of_range", Self::MAX_SEQUENCE as usize))?;
        Self::new(unit, power_type, sequence)
    }

    #[must_use]
    pub fn unit(&self) -> &UnitCode {
        &self.unit
    }

    #[must_use]
    pub const fn power_type(&self) -> PowerType {
        self.power_type
    }

    #[must_use]
    pub const fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for PowerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:0width$}", self.unit, self.power_type.code(), self.sequence, width = Self::PADDING)
    }
}

impl TryFrom<String> for PowerCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| e.code.to_owned())
    }
}

impl From<PowerCode> for String {
    fn from(value: PowerCode) -> Self {
        value.to_string()
    }
}

/// The next code for a new power of `power_type` in `unit`: one past the highest
/// sequence in use. Gaps are not filled, because an abolished or merged power keeps
/// its code in the history and in printed catalogues; reusing it would make an old
/// decision point at a different power.
///
/// Codes: `sequence_out_of_range` when the unit has used up the sequences.
pub fn next_code<'a>(
    unit: &UnitCode,
    power_type: PowerType,
    existing: impl IntoIterator<Item = &'a PowerCode>,
) -> Result<PowerCode, FieldError> {
    let highest = existing
        .into_iter()
        .filter(|c| &c.unit == unit && c.power_type == power_type)
        .map(|c| c.sequence)
        .max()
        .unwrap_or(0);
    PowerCode::new(unit.clone(), power_type, highest.saturating_add(1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn unit(code: &str) -> UnitCode {
        UnitCode::parse(code).unwrap()
    }

    #[test]
    fn parses_and_formats() {
        let code = PowerCode::parse("scjgxk001").unwrap();
        assert_eq!(code.unit().as_str(), "SCJG");
        assert_eq!(code.power_type(), PowerType::Licensing);
        assert_eq!(code.sequence(), 1);
        assert_eq!(code.to_string(), "SCJGXK001");
        let long = PowerCode::new(unit("ZRZY"), PowerType::Penalty, 1234).unwrap();
        assert_eq!(long.to_string(), "ZRZYCF1234");
        assert_eq!(PowerCode::parse("ZRZYCF1234").unwrap(), long);
    }

    #[test]
    fn unit_codes_with_digits_are_split_at_the_type() {
        let code = PowerCode::parse("A1XK012").unwrap();
        assert_eq!(code.unit().as_str(), "A1");
        assert_eq!(code.sequence(), 12);
    }

    #[test]
    fn refuses_bad_codes() {
        let err = |raw: &str| PowerCode::parse(raw).unwrap_err().code;
        assert_eq!(err(""), "required");
        assert_eq!(err("SCJGXK01"), "code_format");
        assert_eq!(err("SCJGXK0001"), "code_format");
        assert_eq!(err("SCJGXX001"), "unknown_power_type");
        assert_eq!(err("SCJGXK000"), "sequence_out_of_range");
        assert_eq!(err("XK001"), "code_format");
        assert_eq!(err("市场XK001"), "code_format");
        assert_eq!(err("SCJGXK999999"), "sequence_out_of_range");
    }

    #[test]
    fn next_code_skips_gaps_and_other_types() {
        let existing: Vec<_> =
            ["SCJGXK001", "SCJGXK004", "SCJGCF009", "ZRZYXK020"].iter().map(|c| PowerCode::parse(c).unwrap()).collect();
        let next = next_code(&unit("SCJG"), PowerType::Licensing, &existing).unwrap();
        assert_eq!(next.to_string(), "SCJGXK005");
        let first = next_code(&unit("SCJG"), PowerType::Levy, &existing).unwrap();
        assert_eq!(first.to_string(), "SCJGZS001");
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(unit in "[A-Z][A-Z0-9]{1,15}", t in 0..11usize, seq in 1..=99_999u32) {
            let code = PowerCode::new(UnitCode::parse(&unit).unwrap(), PowerType::ALL[t], seq).unwrap();
            prop_assert_eq!(PowerCode::parse(&code.to_string()).unwrap(), code);
        }

        #[test]
        fn parse_never_panics(raw in ".{0,30}") {
            let _ = PowerCode::parse(&raw);
        }
    }
}
