//! Public-resource-trading red flags (公共资源交易预警) over Open Contracting Data
//! Standard (OCDS) data.
//!
//! - [`ocds`] reads release packages, record packages, compiled releases and JSON Lines,
//!   and [`merge`] compiles the releases of one `ocid` by the OCDS 1.1 merge rules.
//! - [`run_indicators_on_jsonl`] runs the indicators over JSON Lines of compiled
//!   releases in parallel; [`run_indicators_on_releases`] over compiled releases already
//!   in memory. Both give an [`Output`] that prints exactly as the Open Contracting
//!   Partnership's cardinal 0.0.8 prints its results ([`Output::to_cardinal_json`]).
//! - [`Settings::from_ini`] reads cardinal's settings file, plus sections for Sunlight's
//!   own indicators. See `README.md` beside this file for every indicator and default.

pub mod alert_state;
mod generate;
mod indicators;
mod ini;
mod interner;
mod lenient;
pub mod merge;
pub mod ocds;
mod output;
pub mod quartiles;
mod release;
mod run;
mod settings;

pub use generate::generate_releases;
pub use ini::IniError;
pub use output::{Flagged, Group, Indicator, LineError, Output, Summary};
pub use run::run_indicators_on_jsonl;
pub use settings::{
    AmendmentSettings, DEFAULT_SETTINGS, EarlyPaymentSettings, FenceOverride, NonOpenSettings, R003Settings,
    R018Settings, R025Settings, R035Settings, R038Settings, R048Settings, Settings, SettingsError, SplittingSettings,
    SupplierShareSettings, ValueSet,
};

/// Runs the indicators over compiled releases already parsed, such as the output of
/// [`merge::compile`]. Releases are numbered from 1 in iteration order, as lines are.
pub fn run_indicators_on_releases<'a>(
    releases: impl IntoIterator<Item = &'a serde_json::Value>,
    settings: &Settings,
) -> Output {
    use serde::Deserialize;

    let mut accumulator = indicators::Accumulator::default();
    for (index, value) in releases.into_iter().enumerate() {
        accumulator.summary.lines += 1;
        // The lenient model reads any JSON value; a non-object is simply not a release.
        let release = release::Release::deserialize(value).unwrap_or_default();
        indicators::fold(settings, &mut accumulator, &release, index as u64 + 1);
    }
    indicators::finalize(settings, accumulator)
}

/// Runs the indicators over compiled releases fed one at a time as JSON text, such as
/// pages read from a database: nothing but the indicators' own accumulator is kept
/// between releases. Releases are numbered from 1 in the order they are pushed; the
/// output is the same as [`run_indicators_on_jsonl`] over the same texts as lines.
pub struct IndicatorRun<'a> {
    settings: &'a Settings,
    accumulator: indicators::Accumulator,
    next: u64,
}

impl<'a> IndicatorRun<'a> {
    #[must_use]
    pub fn new(settings: &'a Settings) -> Self {
        Self { settings, accumulator: indicators::Accumulator::default(), next: 0 }
    }

    /// Reads one compiled release; text that is not JSON is counted in the summary.
    pub fn push(&mut self, compiled_release: &str) {
        self.next += 1;
        run::process_line(self.settings, &mut self.accumulator, compiled_release.as_bytes(), self.next);
    }

    /// The indicators' results over every release pushed.
    #[must_use]
    pub fn finish(self) -> Output {
        indicators::finalize(self.settings, self.accumulator)
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod streaming_tests {
    use super::*;

    #[test]
    fn pushing_releases_one_at_a_time_gives_what_lines_give() {
        let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap();
        let lines: Vec<String> = generate_releases(3_000, 11).collect();
        let mut run = IndicatorRun::new(&settings);
        for line in &lines {
            run.push(line);
        }
        run.push("{not json");
        let streamed = run.finish();
        let whole = run_indicators_on_jsonl(format!("{}\n{{not json", lines.join("\n")).as_bytes(), &settings);
        assert_eq!(streamed.to_cardinal_json(true), whole.to_cardinal_json(true));
        assert!(!streamed.groups().is_empty());
        assert_eq!(streamed.summary, whole.summary);
    }
}
