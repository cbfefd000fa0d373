//! The indicators' results, written as cardinal writes them.
//!
//! cardinal prints `{"OCID": {...}, "Buyer": {...}, "ProcuringEntity": {...},
//! "Tenderer": {...}, "Meta": {...}}`, keeping only groups with results, each id mapping
//! indicator codes to decimals (`1.0`, never `1`), and `Meta` holding the quartiles and
//! fences rounded to 4 decimals (`null` when there was no data). Ids are listed in order
//! of first appearance in the input, so output does not depend on thread scheduling.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Who a result is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// A contracting process, by `ocid`.
    Ocid,
    /// By `buyer/id`.
    Buyer,
    /// By `tender/procuringEntity/id`.
    ProcuringEntity,
    /// By `bids/details/tenderers/id` (or `awards/suppliers/id`).
    Tenderer,
}

impl Group {
    pub const ALL: [Self; 4] = [Self::Ocid, Self::Buyer, Self::ProcuringEntity, Self::Tenderer];

    /// The key cardinal uses.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Ocid => "OCID",
            Self::Buyer => "Buyer",
            Self::ProcuringEntity => "ProcuringEntity",
            Self::Tenderer => "Tenderer",
        }
    }
}

/// An indicator: cardinal's `R` codes, and Sunlight's own `S` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    R003,
    R018,
    R024,
    R025,
    R028,
    R030,
    R035,
    R036,
    R038,
    R048,
    R058,
    /// Contract splitting.
    S001,
    /// Supplier share of a buyer's awarded value.
    S002,
    /// Payment before signature or acceptance.
    S003,
    /// Amendment increase.
    S004,
    /// Non-open procedure above a value threshold.
    S005,
}

impl Indicator {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::R003 => "R003",
            Self::R018 => "R018",
            Self::R024 => "R024",
            Self::R025 => "R025",
            Self::R028 => "R028",
            Self::R030 => "R030",
            Self::R035 => "R035",
            Self::R036 => "R036",
            Self::R038 => "R038",
            Self::R048 => "R048",
            Self::R058 => "R058",
            Self::S001 => "S001",
            Self::S002 => "S002",
            Self::S003 => "S003",
            Self::S004 => "S004",
            Self::S005 => "S005",
        }
    }
}

/// One result: an id in a group and the indicators' values for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    pub id: String,
    pub values: Vec<(Indicator, f64)>,
}

/// A line that could not be read as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// What happened to the input, beyond the indicators' results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Non-blank lines read.
    pub lines: u64,
    /// Lines that were JSON objects with a string `ocid`.
    pub releases: u64,
    /// Releases left out: cancelled tender, or excluded `procurementMethodDetails`.
    pub excluded_releases: u64,
    /// Lines that were JSON but not a release (not an object, or no string `ocid`).
    pub not_releases: u64,
    /// Lines that were not JSON; they are skipped.
    pub invalid_lines: u64,
    /// The first few of those, with their line numbers.
    pub invalid_line_samples: Vec<LineError>,
    /// The main currency: the configured one, or else the first observed.
    pub currency: Option<String>,
    /// Monetary values in another currency: left out of every comparison, never mixed.
    pub amounts_in_other_currencies: u64,
    /// Set when reading stopped early on an I/O error; results cover the lines before.
    pub read_error: Option<String>,
}

/// How many invalid lines are kept with their messages.
pub(crate) const INVALID_LINE_SAMPLES: usize = 20;

/// The indicators' results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub(crate) groups: Vec<(Group, Vec<Flagged>)>,
    pub(crate) meta: Vec<(Indicator, Vec<(&'static str, f64)>)>,
    pub summary: Summary,
}

impl Output {
    /// The non-empty groups, in cardinal's order.
    #[must_use]
    pub fn groups(&self) -> &[(Group, Vec<Flagged>)] {
        &self.groups
    }

    /// The value of one indicator for one id, if flagged.
    #[must_use]
    pub fn value(&self, group: Group, id: &str, indicator: Indicator) -> Option<f64> {
        self.groups
            .iter()
            .find(|(g, _)| *g == group)?
            .1
            .iter()
            .find(|f| f.id == id)?
            .values
            .iter()
            .find(|(i, _)| *i == indicator)
            .map(|(_, v)| *v)
    }

    /// The ids flagged in a group, in output order.
    #[must_use]
    pub fn ids(&self, group: Group) -> Vec<&str> {
        self.groups
            .iter()
            .filter(|(g, _)| *g == group)
            .flat_map(|(_, flagged)| flagged.iter().map(|f| f.id.as_str()))
            .collect()
    }

    /// Quartiles and fences per indicator, unrounded.
    #[must_use]
    pub fn meta(&self) -> &[(Indicator, Vec<(&'static str, f64)>)] {
        &self.meta
    }

    /// The JSON text cardinal's `indicators` command prints (with `--no-meta` when
    /// `include_meta` is false).
    #[must_use]
    pub fn to_cardinal_json(&self, include_meta: bool) -> String {
        let view = CardinalView { output: self, include_meta };
        // Serializing strings and finite or null numbers into a Vec cannot fail.
        serde_json::to_string(&view).unwrap_or_default()
    }
}

struct CardinalView<'a> {
    output: &'a Output,
    include_meta: bool,
}

struct Values<'a>(&'a [(Indicator, f64)]);
struct Ids<'a>(&'a [Flagged]);
struct Meta<'a>(&'a [(Indicator, Vec<(&'static str, f64)>)]);
struct Fences<'a>(&'a [(&'static str, f64)]);

impl Serialize for CardinalView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (group, flagged) in &self.output.groups {
            map.serialize_entry(group.key(), &Ids(flagged))?;
        }
        if self.include_meta {
            map.serialize_entry("Meta", &Meta(&self.output.meta))?;
        }
        map.end()
    }
}

impl Serialize for Ids<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for flagged in self.0 {
            map.serialize_entry(&flagged.id, &Values(&flagged.values))?;
        }
        map.end()
    }
}

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (indicator, value) in self.0 {
            map.serialize_entry(indicator.code(), &finite(*value))?;
        }
        map.end()
    }
}

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (indicator, fences) in self.0 {
            map.serialize_entry(indicator.code(), &Fences(fences))?;
        }
        map.end()
    }
}

impl Serialize for Fences<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, &finite((value * 10_000.0).round() / 10_000.0))?;
        }
        map.end()
    }
}

/// JSON has no NaN: cardinal's NaN fences print as `null`.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_cardinal() {
        let output = Output {
            groups: vec![
                (
                    Group::Ocid,
                    vec![Flagged { id: "b".into(), values: vec![(Indicator::R003, 1.0), (Indicator::R024, 0.25)] }],
                ),
                (Group::Tenderer, vec![Flagged { id: "a".into(), values: vec![(Indicator::R024, 0.0)] }]),
            ],
            meta: vec![(Indicator::R024, vec![("q1", 2.0 / 3.0), ("q3", f64::NAN)])],
            summary: Summary::default(),
        };
        assert_eq!(
            output.to_cardinal_json(false),
            r#"{"OCID":{"b":{"R003":1.0,"R024":0.25}},"Tenderer":{"a":{"R024":0.0}}}"#
        );
        assert_eq!(
            output.to_cardinal_json(true),
            r#"{"OCID":{"b":{"R003":1.0,"R024":0.25}},"Tenderer":{"a":{"R024":0.0}},"Meta":{"R024":{"q1":0.6667,"q3":null}}}"#
        );
        assert_eq!(output.value(Group::Ocid, "b", Indicator::R024), Some(0.25));
        assert_eq!(output.ids(Group::Tenderer), vec!["a"]);
    }
}
