//! The risk-level model: factors with weights and scales give a score, thresholds
//! turn the score into a level (一级 red, 二级 orange, 三级 yellow by default).
//!
//! The model is configuration. The binary reads it from TOML into
//! [`RiskModelConfig`] and [`RiskModel::try_from`] checks it; the default model,
//! written as TOML, is:
//!
//! ```toml
//! version = 1
//!
//! [[factors]]
//! factor = "risk_points"   # number of risk points of the power or position
//! weight = 15
//! scale = { kind = "count", breaks = [2, 4, 6, 9] }   # 0–1 → 1/5, 2–3 → 2/5 … ≥ 9 → 5/5
//!
//! [[factors]]
//! factor = "importance"    # importance of the power, graded 1–5
//! weight = 25
//! scale = { kind = "grade", max = 5 }
//!
//! [[factors]]
//! factor = "frequency"     # how often it is exercised, 1–5
//! weight = 15
//! scale = { kind = "grade", max = 5 }
//!
//! [[factors]]
//! factor = "probability"   # probability of violation, 1–5
//! weight = 25
//! scale = { kind = "grade", max = 5 }
//!
//! [[factors]]
//! factor = "harm"          # harm if it happens, 1–5
//! weight = 20
//! scale = { kind = "grade", max = 5 }
//!
//! [[levels]]
//! rank = 1
//! name_zh = "一级"
//! name_en = "Level 1"
//! colour = "#d7191c"
//! colour_zh = "红"
//! colour_en = "red"
//! min_score = 70
//!
//! [[levels]]
//! rank = 2
//! name_zh = "二级"
//! name_en = "Level 2"
//! colour = "#f07c22"
//! colour_zh = "橙"
//! colour_en = "orange"
//! min_score = 45
//!
//! [[levels]]
//! rank = 3
//! name_zh = "三级"
//! name_en = "Level 3"
//! colour = "#f5c400"
//! colour_zh = "黄"
//! colour_en = "yellow"
//! min_score = 0
//! ```
//!
//! The score is `100 × Σ weightᵢ × pointsᵢ / Σ weightᵢ`, where a factor's points are
//! its place on its scale as a fraction (grade 3 of 5 → 0.6), kept in tenths.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;

keyed_enum! {
    /// What the model weighs.
    Factor {
        /// Number of risk points of the power or position.
        RiskPoints => "risk_points",
        /// Importance of the power.
        Importance => "importance",
        /// Frequency of exercise.
        Frequency => "frequency",
        /// Probability of violation.
        Probability => "probability",
        /// Harm if the risk happens.
        Harm => "harm",
    }
}

/// How a factor's raw value becomes points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scale {
    /// Assessed by people as a grade `1..=max`.
    Grade { max: u8 },
    /// A count placed in bands: `breaks = [2, 4]` makes 0–1, 2–3 and ≥ 4.
    Count { breaks: Vec<u32> },
}

impl Scale {
    /// Points in thousandths of the scale's top.
    fn points(&self, raw: u32) -> Result<u32, FieldError> {
        match self {
            Self::Grade { max } => {
                let max = u32::from(*max);
                if raw == 0 || raw > max {
                    return Err(FieldError::with_limit("grade_out_of_range", max as usize));
                }
                Ok(raw * 1000 / max)
            }
            Self::Count { breaks } => {
                // At most ten breaks (checked when the model is loaded).
                let band = breaks.iter().filter(|b| raw >= **b).count() + 1;
                let bands = breaks.len() + 1;
                Ok(u32::try_from(band * 1000 / bands).unwrap_or(1000))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorConfig {
    pub factor: Factor,
    /// Relative weight; only ratios between weights matter.
    pub weight: u32,
    pub scale: Scale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelConfig {
    /// 1 is the highest risk.
    pub rank: u8,
    pub name_zh: String,
    pub name_en: String,
    /// `#rrggbb`.
    pub colour: String,
    pub colour_zh: String,
    pub colour_en: String,
    /// The lowest score (0–100) of this level.
    pub min_score: u8,
}

/// The model as configured, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskModelConfig {
    /// Levels record the version they were computed with.
    pub version: u32,
    pub factors: Vec<FactorConfig>,
    pub levels: Vec<LevelConfig>,
}

/// A level: always words (`一级`, `红`) as well as a colour, so that nothing is
/// told by colour alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    pub rank: u8,
    pub name_zh: String,
    pub name_en: String,
    pub colour: Colour,
    pub colour_zh: String,
    pub colour_en: String,
    #[serde(skip)]
    min_tenths: u16,
}

/// A colour as `#rrggbb`, lower case: safe to put in SVG and CSS as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Colour(String);

impl Colour {
    /// Codes: `colour_format`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim().to_ascii_lowercase();
        let hex = text.strip_prefix('#').unwrap_or_default();
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(text))
        } else {
            Err(FieldError::new("colour_format"))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Colour> for String {
    fn from(value: Colour) -> Self {
        value.0
    }
}

/// A score from 0 to 100 in tenths, so that it orders and compares exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Score(u16);

impl TryFrom<u16> for Score {
    type Error = &'static str;
    fn try_from(tenths: u16) -> Result<Self, Self::Error> {
        if tenths <= 1000 { Ok(Self(tenths)) } else { Err("score_out_of_range") }
    }
}

impl From<Score> for u16 {
    fn from(value: Score) -> Self {
        value.0
    }
}

impl Score {
    #[must_use]
    pub const fn tenths(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// The raw values of one risk point or position for every factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorValues {
    pub risk_points: u32,
    pub importance: u8,
    pub frequency: u8,
    pub probability: u8,
    pub harm: u8,
}

impl FactorValues {
    const fn get(self, factor: Factor) -> u32 {
        match factor {
            Factor::RiskPoints => self.risk_points,
            Factor::Importance => self.importance as u32,
            Factor::Frequency => self.frequency as u32,
            Factor::Probability => self.probability as u32,
            Factor::Harm => self.harm as u32,
        }
    }
}

/// A checked model: at least one factor, each once, positive weights, scales that
/// make sense, levels ranked 1, 2, 3… with falling thresholds, the last at 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RiskModelConfig", into = "RiskModelConfig")]
pub struct RiskModel {
    config: RiskModelConfig,
    levels: Vec<Level>,
}

/// Why a configured model was refused; the field is a path into the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("risk model: {field}: {code}")]
pub struct ModelError {
    pub field: String,
    pub code: &'static str,
}

impl TryFrom<RiskModelConfig> for RiskModel {
    type Error = ModelError;

    fn try_from(config: RiskModelConfig) -> Result<Self, Self::Error> {
        let fail = |field: String, code: &'static str| Err(ModelError { field, code });
        if config.version == 0 {
            return fail("version".into(), "version_zero");
        }
        if config.factors.is_empty() {
            return fail("factors".into(), "no_factors");
        }
        let mut seen = BTreeSet::new();
        for (i, factor) in config.factors.iter().enumerate() {
            let field = format!("factors[{i}]");
            if !seen.insert(factor.factor) {
                return fail(field, "duplicate_factor");
            }
            if factor.weight == 0 || factor.weight > 1000 {
                return fail(field, "weight_out_of_range");
            }
            let scale_ok = match &factor.scale {
                Scale::Grade { max } => (2..=10).contains(max),
                Scale::Count { breaks } => {
                    !breaks.is_empty() && breaks.len() < 10 && breaks.windows(2).all(|w| w[0] < w[1])
                }
            };
            if !scale_ok {
                return fail(field, "bad_scale");
            }
        }
        if config.levels.is_empty() || config.levels.len() > 9 {
            return fail("levels".into(), "level_count");
        }
        let mut levels = Vec::with_capacity(config.levels.len());
        for (i, level) in config.levels.iter().enumerate() {
            let field = format!("levels[{i}]");
            if usize::from(level.rank) != i + 1 {
                return fail(field, "rank_order");
            }
            let is_last = i + 1 == config.levels.len();
            let falls = config.levels.get(i + 1).is_none_or(|next| next.min_score < level.min_score);
            if level.min_score > 100 || !falls || (is_last && level.min_score != 0) {
                return fail(field, "threshold_order");
            }
            let texts = [&level.name_zh, &level.name_en, &level.colour_zh, &level.colour_en];
            if texts.iter().any(|t| t.trim().is_empty() || t.chars().count() > 20) {
                return fail(field, "level_words");
            }
            let Ok(colour) = Colour::parse(&level.colour) else {
                return fail(field, "colour_format");
            };
            levels.push(Level {
                rank: level.rank,
                name_zh: level.name_zh.trim().to_owned(),
                name_en: level.name_en.trim().to_owned(),
                colour,
                colour_zh: level.colour_zh.trim().to_owned(),
                colour_en: level.colour_en.trim().to_owned(),
                min_tenths: u16::from(level.min_score) * 10,
            });
        }
        Ok(Self { config, levels })
    }
}

impl From<RiskModel> for RiskModelConfig {
    fn from(value: RiskModel) -> Self {
        value.config
    }
}

impl Default for RiskModel {
    fn default() -> Self {
        let grade = |factor, weight| FactorConfig { factor, weight, scale: Scale::Grade { max: 5 } };
        let level = |rank, name_zh: &str, name_en: &str, colour: &str, zh: &str, en: &str, min| LevelConfig {
            rank,
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            colour: colour.into(),
            colour_zh: zh.into(),
            colour_en: en.into(),
            min_score: min,
        };
        let config = RiskModelConfig {
            version: 1,
            factors: vec![
                FactorConfig {
                    factor: Factor::RiskPoints,
                    weight: 15,
                    scale: Scale::Count { breaks: vec![2, 4, 6, 9] },
                },
                grade(Factor::Importance, 25),
                grade(Factor::Frequency, 15),
                grade(Factor::Probability, 25),
                grade(Factor::Harm, 20),
            ],
            levels: vec![
                level(1, "一级", "Level 1", "#d7191c", "红", "red", 70),
                level(2, "二级", "Level 2", "#f07c22", "橙", "orange", 45),
                level(3, "三级", "Level 3", "#f5c400", "黄", "yellow", 0),
            ],
        };
        let levels = config
            .levels
            .iter()
            .map(|l| Level {
                rank: l.rank,
                name_zh: l.name_zh.clone(),
                name_en: l.name_en.clone(),
                colour: Colour(l.colour.clone()),
                colour_zh: l.colour_zh.clone(),
                colour_en: l.colour_en.clone(),
                min_tenths: u16::from(l.min_score) * 10,
            })
            .collect();
        Self { config, levels }
    }
}

impl RiskModel {
    #[must_use]
    pub const fn version(&self) -> u32 {
        self.config.version
    }

    #[must_use]
    pub const fn config(&self) -> &RiskModelConfig {
        &self.config
    }

    /// Levels from the highest risk (rank 1) down.
    #[must_use]
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    #[must_use]
    pub fn level(&self, rank: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.rank == rank)
    }

    /// Codes: `grade_out_of_range` (with the scale's top as limit).
    pub fn score(&self, values: &FactorValues) -> Result<Score, FieldError> {
        let mut weighted: u64 = 0;
        let mut total: u64 = 0;
        for factor in &self.config.factors {
            let points = factor.scale.points(values.get(factor.factor))?;
            weighted += u64::from(factor.weight) * u64::from(points);
            total += u64::from(factor.weight);
        }
        // Thousandths of the top → tenths of a 0–100 score, rounded half up.
        let tenths = (weighted + total / 2) / total.max(1);
        Ok(Score(u16::try_from(tenths.min(1000)).unwrap_or(1000)))
    }

    /// The level a score falls in.
    #[must_use]
    pub fn level_for(&self, score: Score) -> &Level {
        self.levels.iter().find(|l| score.0 >= l.min_tenths).unwrap_or_else(|| &self.levels[self.levels.len() - 1])
    }

    /// The level a score would reach, computed straight from values.
    pub fn assess(&self, values: &FactorValues) -> Result<(Score, &Level), FieldError> {
        let score = self.score(values)?;
        Ok((score, self.level_for(score)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;

    pub(crate) fn values(points: u32, grade: u8) -> FactorValues {
        FactorValues { risk_points: points, importance: grade, frequency: grade, probability: grade, harm: grade }
    }

    #[test]
    fn default_model_scores_and_levels() {
        let model = RiskModel::default();
        let (top, level) = model.assess(&values(10, 5)).unwrap();
        assert_eq!(top.to_string(), "100.0");
        assert_eq!(serde_json::to_value(top).unwrap(), serde_json::json!(1000));
        assert!(serde_json::from_value::<Score>(serde_json::json!(1001)).is_err());
        assert_eq!((level.name_zh.as_str(), level.colour_en.as_str()), ("一级", "red"));
        let (low, level) = model.assess(&values(0, 1)).unwrap();
        assert_eq!(low.to_string(), "20.0");
        assert_eq!(level.rank, 3);
        let (mid, level) = model.assess(&values(3, 3)).unwrap();
        assert_eq!(mid.to_string(), "57.0");
        assert_eq!(level.name_zh, "二级");
        assert_eq!(model.score(&values(1, 6)), Err(FieldError::with_limit("grade_out_of_range", 5)));
    }

    #[test]
    fn config_round_trips_and_is_checked() {
        let model = RiskModel::default();
        let json = serde_json::to_value(&model).unwrap();
        assert_eq!(serde_json::from_value::<RiskModel>(json.clone()).unwrap(), model);
        let mut unsorted = json.clone();
        unsorted["levels"][1]["min_score"] = 80.into();
        let err = RiskModel::try_from(serde_json::from_value::<RiskModelConfig>(unsorted).unwrap());
        assert_eq!(err.unwrap_err().code, "threshold_order");
        let mut bad_colour = json.clone();
        bad_colour["levels"][0]["colour"] = "red\"/><script>".into();
        assert!(serde_json::from_value::<RiskModel>(bad_colour).is_err());
        let mut twice = json;
        twice["factors"][1]["factor"] = "risk_points".into();
        assert!(serde_json::from_value::<RiskModel>(twice).is_err());
    }

    /// The default model as the module documentation writes it in TOML, in JSON
    /// form (the binary's TOML parser produces the same serde input).
    #[test]
    fn documented_config_is_the_default() {
        let grade = serde_json::json!({ "kind": "grade", "max": 5 });
        let level = |rank: u8, zh: &str, en: &str, colour: &str, czh: &str, cen: &str, min: u8| {
            serde_json::json!({
                "rank": rank, "name_zh": zh, "name_en": en, "colour": colour,
                "colour_zh": czh, "colour_en": cen, "min_score": min
            })
        };
        let documented = serde_json::json!({
            "version": 1,
            "factors": [
                { "factor": "risk_points", "weight": 15, "scale": { "kind": "count", "breaks": [2, 4, 6, 9] } },
                { "factor": "importance", "weight": 25, "scale": grade },
                { "factor": "frequency", "weight": 15, "scale": grade },
                { "factor": "probability", "weight": 25, "scale": grade },
                { "factor": "harm", "weight": 20, "scale": grade },
            ],
            "levels": [
                level(1, "一级", "Level 1", "#d7191c", "红", "red", 70),
                level(2, "二级", "Level 2", "#f07c22", "橙", "orange", 45),
                level(3, "三级", "Level 3", "#f5c400", "黄", "yellow", 0),
            ],
        });
        assert_eq!(serde_json::from_value::<RiskModel>(documented).unwrap(), RiskModel::default());
    }

    #[test]
    fn names_and_colours_are_configurable() {
        let mut config = RiskModel::default().config().clone();
        config.levels[0].name_zh = "高风险".into();
        config.levels[0].colour = "#AA0000".into();
        let model = RiskModel::try_from(config).unwrap();
        let level = model.level(1).unwrap();
        assert_eq!(level.name_zh, "高风险");
        assert_eq!(level.colour.as_str(), "#aa0000");
    }

    proptest! {
        #[test]
        fn scores_stay_in_range(points in 0..100u32, i in 1..=5u8, f in 1..=5u8, p in 1..=5u8, h in 1..=5u8) {
            let model = RiskModel::default();
            let values = FactorValues { risk_points: points, importance: i, frequency: f, probability: p, harm: h };
            let (score, level) = model.assess(&values).unwrap();
            prop_assert!(score.tenths() <= 1000);
            prop_assert!(model.level(level.rank).is_some());
        }
    }
}
