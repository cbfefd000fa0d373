//! Indicator settings, read from a cardinal-compatible INI file.
//!
//! A section enables its indicator (`[R024]` alone runs R024 with its defaults); a key
//! overrides a default. Unknown sections and keys are errors, as in cardinal, so that a
//! misspelt `treshold` is not silently ignored. The `prepare` sections of cardinal's
//! file (`[defaults]`, `[redactions]`, `[corrections]`, `[modifications]`,
//! `[codelists.*]`) are accepted so one file serves both tools, but this engine does not
//! rewrite data and ignores them.

use std::collections::{BTreeSet, HashMap};

use super::ini::{self, Entry, IniError, Section};

/// A `|`-separated list of values, as cardinal writes them (`open|selective`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueSet(BTreeSet<String>);

impl ValueSet {
    /// Splits on `|`; a trailing `|` adds nothing and an empty text is the empty set.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        Self(text.split_terminator('|').map(str::to_owned).collect())
    }

    #[must_use]
    pub fn contains(&self, value: &str) -> bool {
        self.0.contains(value)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// R003 short submission period: flag when the tender period is shorter than `threshold`
/// whole days (default 15, the minimum of China's bidding law for open tenders too), or
/// than the per-`procurementMethodDetails` threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R003Settings {
    pub threshold: i64,
    /// Only these `procurementMethod`s; empty (the default) means all.
    pub procurement_methods: ValueSet,
    pub procurement_method_details: HashMap<String, i64>,
}

/// R018 single bid received: `numberOfTenderers` is 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R018Settings {
    /// Default `open|selective`: a single bid is unremarkable in a direct award.
    pub procurement_methods: ValueSet,
}

/// A ratio threshold that replaces the fence computed from quartiles when set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FenceOverride {
    pub threshold: Option<f64>,
}

/// R025 excessive unsuccessful bids.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct R025Settings {
    /// Only tenderers whose number of bids is at or above this percentile (default 75).
    pub percentile: u8,
    pub threshold: Option<f64>,
}

/// R035 all except the winning bid disqualified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct R035Settings {
    /// Minimum number of other tenderers disqualified (default 1; 0 reads as 1).
    pub threshold: usize,
}

/// R038 excessive disqualified bids.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct R038Settings {
    pub threshold: Option<f64>,
    /// A tenderer needs at least this many submitted bids (default 2).
    pub minimum_submitted_bids: usize,
    /// A buyer or procuring entity needs at least this many submitted bids (default 2;
    /// cardinal names it after contracting processes but counts bids).
    pub minimum_contracting_processes: usize,
}

/// R048 heterogeneous supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct R048Settings {
    /// Length of the classification prefix compared (default 2).
    pub digits: usize,
    pub threshold: Option<usize>,
    /// Suppliers need at least this many contracting processes (default 20).
    pub minimum_contracting_processes: usize,
}

/// S001 contract splitting: one buyer buys from one supplier, within `days`, several
/// awards in the same classification (first `digits` characters), each below
/// `threshold` and together at or above it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplittingSettings {
    /// Default 2,000,000: the open-tender threshold for goods and services in China's
    /// government procurement (政府采购货物和服务公开招标数额标准).
    pub threshold: f64,
    /// Default 90 days.
    pub days: i64,
    /// Default 4 characters of the item classification.
    pub digits: usize,
}

/// S002 supplier share: a supplier holds more than `threshold` of a buyer's awarded value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SupplierShareSettings {
    /// Default 0.5.
    pub threshold: f64,
    /// The buyer needs at least this many active awards (default 5), so that a buyer
    /// with one purchase is not flagged for it.
    pub minimum_awards: usize,
}

/// S003 payment before signature or acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyPaymentSettings {
    /// The `contracts/implementation/milestones/type` that marks acceptance
    /// (验收), default `delivery`; empty disables the acceptance check.
    pub acceptance_milestone_type: String,
}

/// S004 amendment increase: an amended contract's value exceeds its original value by
/// more than `threshold` (default 0.1: China's government procurement law caps additional
/// purchases at 10% of the original contract).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmendmentSettings {
    pub threshold: f64,
}

/// S005 non-open procedure above a value threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct NonOpenSettings {
    /// Default 2,000,000 (see [`SplittingSettings::threshold`]).
    pub threshold: f64,
    /// Procedures counted as non-open, default `selective|limited|direct`.
    pub procurement_methods: ValueSet,
}

/// A settings file enabling every indicator, each default shown commented out; what a
/// command like cardinal's `init` writes for a user to edit.
pub const DEFAULT_SETTINGS: &str = "\
; currency = CNY
; no_price_comparison_procurement_methods = Random Selection
; price_comparison_procurement_methods = Reverse Auction

[exclusions]
; procurement_method_details = Random Selection

[R003]
; threshold = 15
; procurement_methods = open|selective|limited

[R003.procurement_method_details]
; emergency = 10

[R018]
; procurement_methods = open|selective

[R024]
; threshold = 0.05

[R025]
; percentile = 75
; threshold = 0.05

[R028]

[R030]

[R035]
; threshold = 1

[R036]

[R038]
; threshold = 0.5
; minimum_submitted_bids = 2
; minimum_contracting_processes = 2

[R048]
; digits = 2
; threshold = 10
; minimum_contracting_processes = 20

[R058]
; threshold = 0.5

[S001]
; threshold = 2000000
; days = 90
; digits = 4

[S002]
; threshold = 0.5
; minimum_awards = 5

[S003]
; acceptance_milestone_type = delivery

[S004]
; threshold = 0.1

[S005]
; threshold = 2000000
; procurement_methods = selective|limited|direct
";

/// Everything the indicators command reads from a settings file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// The main currency; when unset, the first currency observed in the data.
    pub currency: Option<String>,
    pub no_price_comparison_procurement_methods: ValueSet,
    pub price_comparison_procurement_methods: ValueSet,
    /// `[exclusions] procurement_method_details`: such processes are skipped entirely.
    pub excluded_procurement_method_details: ValueSet,
    pub r003: Option<R003Settings>,
    pub r018: Option<R018Settings>,
    pub r024: Option<FenceOverride>,
    pub r025: Option<R025Settings>,
    pub r028: bool,
    pub r030: bool,
    pub r035: Option<R035Settings>,
    pub r036: bool,
    pub r038: Option<R038Settings>,
    pub r048: Option<R048Settings>,
    pub r058: Option<FenceOverride>,
    pub s001: Option<SplittingSettings>,
    pub s002: Option<SupplierShareSettings>,
    pub s003: Option<EarlyPaymentSettings>,
    pub s004: Option<AmendmentSettings>,
    pub s005: Option<NonOpenSettings>,
}

/// Why a settings file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Ini(#[from] IniError),
    #[error("line {line}: unknown section [{section}]")]
    UnknownSection { line: usize, section: String },
    #[error("line {line}: unknown key `{key}` in [{section}]")]
    UnknownKey { line: usize, section: String, key: String },
    #[error("line {line}: `{key}` in [{section}] must be {expected}, not `{value}`")]
    InvalidValue { line: usize, section: String, key: String, value: String, expected: &'static str },
}

impl SettingsError {
    /// A stable code for the UI.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Ini(e) => e.code(),
            Self::UnknownSection { .. } => "settings_unknown_section",
            Self::UnknownKey { .. } => "settings_unknown_key",
            Self::InvalidValue { .. } => "settings_invalid_value",
        }
    }
}

/// Reads the entries of one section, refusing keys it was not asked about.
struct SectionReader<'a> {
    section: &'a Section,
}

impl<'a> SectionReader<'a> {
    fn check_keys(&self, known: &[&str]) -> Result<(), SettingsError> {
        match self.section.entries.iter().find(|e| !known.contains(&e.key.as_str())) {
            Some(entry) => Err(SettingsError::UnknownKey {
                line: entry.line,
                section: display_name(&self.section.name),
                key: entry.key.clone(),
            }),
            None => Ok(()),
        }
    }

    fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.section.entries.iter().find(|e| e.key == key)
    }

    fn text(&self, key: &str) -> Option<&'a str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    fn parsed<T: std::str::FromStr>(&self, key: &str, expected: &'static str) -> Result<Option<T>, SettingsError> {
        let Some(entry) = self.entry(key) else {
            return Ok(None);
        };
        entry.value.parse().map(Some).map_err(|_| self.invalid(entry, expected))
    }

    fn ratio(&self, key: &str) -> Result<Option<f64>, SettingsError> {
        let value: Option<f64> = self.parsed(key, "a number")?;
        match (value, self.entry(key)) {
            (Some(v), Some(entry)) if !v.is_finite() => Err(self.invalid(entry, "a finite number")),
            _ => Ok(value),
        }
    }

    fn invalid(&self, entry: &Entry, expected: &'static str) -> SettingsError {
        SettingsError::InvalidValue {
            line: entry.line,
            section: display_name(&self.section.name),
            key: entry.key.clone(),
            value: entry.value.clone(),
            expected,
        }
    }
}

fn unknown_section(section: &Section, name: &str) -> SettingsError {
    SettingsError::UnknownSection { line: section.line, section: name.to_owned() }
}

fn display_name(name: &str) -> String {
    if name.is_empty() { "top level".to_owned() } else { name.to_owned() }
}

impl Settings {
    /// Parses a settings file.
    pub fn from_ini(text: &str) -> Result<Self, SettingsError> {
        let sections = ini::parse(text)?;
        let mut settings = Self::default();
        for section in &sections {
            let reader = SectionReader { section };
            match section.name.as_str() {
                "" => settings.read_top_level(&reader)?,
                "exclusions" => {
                    reader.check_keys(&["procurement_method_details"])?;
                    settings.excluded_procurement_method_details =
                        ValueSet::parse(reader.text("procurement_method_details").unwrap_or(""));
                }
                "defaults" => reader.check_keys(&[
                    "currency",
                    "item_classification_scheme",
                    "bid_status",
                    "award_status",
                    "party_roles",
                ])?,
                "redactions" => reader.check_keys(&["amount", "organization_id"])?,
                "corrections" => reader.check_keys(&["award_status_by_contract_status"])?,
                "modifications" => reader.check_keys(&[
                    "move_auctions",
                    "prefix_buyer_or_procuring_entity_id",
                    "prefix_tenderer_or_supplier_id",
                    "split_procurement_method_details",
                ])?,
                // Codelist mappings take any source code as key. The R003 subsection is
                // read with [R003]; alone it has no effect, as in cardinal.
                "codelists.bid_status" | "codelists.award_status" | "R003.procurement_method_details" => {}
                name if name.starts_with('S') => settings.read_sunlight_section(&reader)?,
                _ => settings.read_cardinal_section(&reader, &sections)?,
            }
        }
        Ok(settings)
    }

    fn read_cardinal_section(&mut self, reader: &SectionReader<'_>, sections: &[Section]) -> Result<(), SettingsError> {
        let section = reader.section;
        match section.name.as_str() {
            "R003" => {
                let details = sections.iter().find(|s| s.name == "R003.procurement_method_details");
                self.r003 = Some(read_r003(reader, details)?);
            }
            "R018" => {
                reader.check_keys(&["procurement_methods"])?;
                self.r018 = Some(R018Settings {
                    procurement_methods: ValueSet::parse(
                        reader.text("procurement_methods").unwrap_or("open|selective"),
                    ),
                });
            }
            "R024" | "R058" => {
                reader.check_keys(&["threshold"])?;
                let fence = FenceOverride { threshold: reader.ratio("threshold")? };
                if section.name == "R024" {
                    self.r024 = Some(fence);
                } else {
                    self.r058 = Some(fence);
                }
            }
            "R025" => {
                reader.check_keys(&["percentile", "threshold"])?;
                let percentile: u8 = reader.parsed("percentile", "a whole number from 0 to 100")?.unwrap_or(75);
                if percentile > 100
                    && let Some(entry) = reader.entry("percentile")
                {
                    return Err(reader.invalid(entry, "a whole number from 0 to 100"));
                }
                self.r025 = Some(R025Settings { percentile, threshold: reader.ratio("threshold")? });
            }
            "R028" | "R030" | "R036" => {
                reader.check_keys(&[])?;
                match section.name.as_str() {
                    "R028" => self.r028 = true,
                    "R030" => self.r030 = true,
                    _ => self.r036 = true,
                }
            }
            "R035" => {
                reader.check_keys(&["threshold"])?;
                let threshold: usize = reader.parsed("threshold", "a whole number")?.unwrap_or(1);
                self.r035 = Some(R035Settings { threshold: threshold.max(1) });
            }
            "R038" => {
                reader.check_keys(&["threshold", "minimum_submitted_bids", "minimum_contracting_processes"])?;
                self.r038 = Some(R038Settings {
                    threshold: reader.ratio("threshold")?,
                    minimum_submitted_bids: reader.parsed("minimum_submitted_bids", "a whole number")?.unwrap_or(2),
                    minimum_contracting_processes: reader
                        .parsed("minimum_contracting_processes", "a whole number")?
                        .unwrap_or(2),
                });
            }
            "R048" => {
                reader.check_keys(&["digits", "threshold", "minimum_contracting_processes"])?;
                self.r048 = Some(R048Settings {
                    digits: reader.parsed("digits", "a whole number")?.unwrap_or(2),
                    threshold: reader.parsed("threshold", "a whole number")?,
                    minimum_contracting_processes: reader
                        .parsed("minimum_contracting_processes", "a whole number")?
                        .unwrap_or(20),
                });
            }
            other => return Err(unknown_section(section, other)),
        }
        Ok(())
    }

    fn read_sunlight_section(&mut self, reader: &SectionReader<'_>) -> Result<(), SettingsError> {
        let section = reader.section;
        match section.name.as_str() {
            "S001" => {
                reader.check_keys(&["threshold", "days", "digits"])?;
                self.s001 = Some(SplittingSettings {
                    threshold: reader.ratio("threshold")?.unwrap_or(2_000_000.0),
                    days: reader.parsed("days", "a whole number")?.unwrap_or(90),
                    digits: reader.parsed("digits", "a whole number")?.unwrap_or(4),
                });
            }
            "S002" => {
                reader.check_keys(&["threshold", "minimum_awards"])?;
                self.s002 = Some(SupplierShareSettings {
                    threshold: reader.ratio("threshold")?.unwrap_or(0.5),
                    minimum_awards: reader.parsed("minimum_awards", "a whole number")?.unwrap_or(5),
                });
            }
            "S003" => {
                reader.check_keys(&["acceptance_milestone_type"])?;
                self.s003 = Some(EarlyPaymentSettings {
                    acceptance_milestone_type: reader
                        .text("acceptance_milestone_type")
                        .unwrap_or("delivery")
                        .to_owned(),
                });
            }
            "S004" => {
                reader.check_keys(&["threshold"])?;
                self.s004 = Some(AmendmentSettings { threshold: reader.ratio("threshold")?.unwrap_or(0.1) });
            }
            "S005" => {
                reader.check_keys(&["threshold", "procurement_methods"])?;
                self.s005 = Some(NonOpenSettings {
                    threshold: reader.ratio("threshold")?.unwrap_or(2_000_000.0),
                    procurement_methods: ValueSet::parse(
                        reader.text("procurement_methods").unwrap_or("selective|limited|direct"),
                    ),
                });
            }
            other => return Err(unknown_section(section, other)),
        }
        Ok(())
    }

    fn read_top_level(&mut self, reader: &SectionReader<'_>) -> Result<(), SettingsError> {
        reader.check_keys(&[
            "currency",
            "no_price_comparison_procurement_methods",
            "price_comparison_procurement_methods",
        ])?;
        self.currency = reader.text("currency").filter(|c| !c.is_empty()).map(str::to_owned);
        self.no_price_comparison_procurement_methods =
            ValueSet::parse(reader.text("no_price_comparison_procurement_methods").unwrap_or(""));
        self.price_comparison_procurement_methods =
            ValueSet::parse(reader.text("price_comparison_procurement_methods").unwrap_or(""));
        Ok(())
    }

    /// Whether a process with these `procurementMethodDetails` compares bids on price:
    /// an allow list wins over a deny list when both are set, as in cardinal.
    pub(crate) fn compares_price(&self, details: Option<&str>) -> bool {
        matches_details(
            details,
            &self.price_comparison_procurement_methods,
            &self.no_price_comparison_procurement_methods,
        )
    }
}

/// An allow list (when non-empty) or else a deny list over `procurementMethodDetails`;
/// a process without the field passes only a deny list.
pub(crate) fn matches_details(details: Option<&str>, include: &ValueSet, exclude: &ValueSet) -> bool {
    match details {
        Some(details) if include.is_empty() => !exclude.contains(details),
        Some(details) => include.contains(details),
        None => include.is_empty(),
    }
}

fn read_r003(reader: &SectionReader<'_>, details: Option<&Section>) -> Result<R003Settings, SettingsError> {
    reader.check_keys(&["threshold", "procurement_methods"])?;
    let mut thresholds = HashMap::new();
    if let Some(section) = details {
        let sub = SectionReader { section };
        for entry in &section.entries {
            let days: i64 = entry.value.parse().map_err(|_| sub.invalid(entry, "a whole number of days"))?;
            thresholds.insert(entry.key.clone(), days);
        }
    }
    Ok(R003Settings {
        threshold: reader.parsed("threshold", "a whole number of days")?.unwrap_or(15),
        procurement_methods: ValueSet::parse(reader.text("procurement_methods").unwrap_or("")),
        procurement_method_details: thresholds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_enable_indicators_with_defaults() {
        let settings = Settings::from_ini("[R018]\n[R035]\nthreshold = 0\n[R048]\n").unwrap_or_default();
        assert_eq!(settings.r018.map(|s| s.procurement_methods), Some(ValueSet::parse("open|selective")));
        assert_eq!(settings.r035, Some(R035Settings { threshold: 1 }));
        assert_eq!(settings.r048.map(|s| s.minimum_contracting_processes), Some(20));
        assert!(settings.r003.is_none());
    }

    #[test]
    fn subsection_thresholds_belong_to_r003() {
        let settings = Settings::from_ini("[R003.procurement_method_details]\nx = 5\n[R003]\nthreshold = 10\n")
            .unwrap_or_default();
        let r003 = settings.r003.unwrap_or_else(|| R003Settings {
            threshold: 0,
            procurement_methods: ValueSet::default(),
            procurement_method_details: HashMap::new(),
        });
        assert_eq!(r003.threshold, 10);
        assert_eq!(r003.procurement_method_details.get("x"), Some(&5));
    }

    #[test]
    fn default_settings_enable_everything() {
        let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap_or_default();
        assert!(settings.r003.is_some() && settings.r018.is_some() && settings.r024.is_some());
        assert!(settings.r025.is_some() && settings.r028 && settings.r030 && settings.r035.is_some());
        assert!(settings.r036 && settings.r038.is_some() && settings.r048.is_some() && settings.r058.is_some());
        assert!(settings.s001.is_some() && settings.s002.is_some() && settings.s003.is_some());
        assert!(settings.s004.is_some() && settings.s005.is_some());
        assert_eq!(settings.currency, None);
    }

    #[test]
    fn unknown_keys_and_sections_are_refused() {
        let key = Settings::from_ini("[R024]\ntreshold = 1");
        assert_eq!(key.as_ref().map_err(SettingsError::code), Err("settings_unknown_key"));
        assert!(key.is_err_and(|e| e.to_string() == "line 2: unknown key `treshold` in [R024]"));
        let section = Settings::from_ini("[R999]");
        assert_eq!(section.map_err(|e| e.code()), Err("settings_unknown_section"));
        let top = Settings::from_ini("curency = USD");
        assert_eq!(top.map_err(|e| e.code()), Err("settings_unknown_key"));
        let value = Settings::from_ini("[R038]\nthreshold = high");
        assert_eq!(value.map_err(|e| e.code()), Err("settings_invalid_value"));
    }

    #[test]
    fn details_filter() {
        let none = ValueSet::default();
        let y = ValueSet::parse("Y");
        assert!(matches_details(Some("X"), &none, &none));
        assert!(!matches_details(Some("X"), &y, &none));
        assert!(matches_details(Some("Y"), &y, &none));
        assert!(!matches_details(Some("Y"), &none, &y));
        assert!(matches_details(None, &none, &y));
        assert!(!matches_details(None, &y, &none));
    }
}
