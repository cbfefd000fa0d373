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

#[cfg(test)]
mod proptests;
