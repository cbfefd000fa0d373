//! Display screens (电子显示屏) in the halls of the county and its units: which
//! panels a screen shows, in which order, and for how long each.
//!
//! Only panels whose data exists are offered: the catalogue's figures, the risk
//! points by level, the trading centre's open red-flag alerts by indicator, a
//! rotating list of published powers with their time limits, the cases finished
//! today and how many in time, the open time cards by level, the latest public
//! replies to complaints, and one published flowchart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::{FieldError, FieldErrors};
use crate::org::keyed_enum;
use crate::text::Name;

/// The error codes of screen input (each has a `field-<code>` message).
pub const ERROR_CODES: &[&str] =
    &["required", "too_long", "control_characters", "unknown_value", "no_panels", "repeated_panel", "bad_seconds"];

/// The shortest and longest time a panel stays on screen, in seconds.
pub const MIN_SECONDS: i32 = 5;
pub const MAX_SECONDS: i32 = 300;
/// The most panels one screen rotates through (each kind once).
pub const MAX_PANELS: usize = 8;

keyed_enum! {
    /// One panel of a screen.
    Panel {
        /// 职权目录数字: powers, unit heads' powers, decomposed powers, optimized processes.
        CatalogueFigures => "catalogue_figures",
        /// 廉政风险点等级: active risk points by level.
        RiskLevels => "risk_levels",
        /// 公共资源交易预警: open red-flag alerts of the trading centre by indicator.
        TradingAlerts => "trading_alerts",
        /// 职权公开: published public powers with their limits, a page at a time.
        PublishedPowers => "published_powers",
        /// 今日办件: cases finished today (China time) and how many of them in time.
        CasesToday => "cases_today",
        /// 在办预警: open time cards (提醒/黄牌/红牌) by level.
        CardsOpen => "cards_open",
        /// 群众举报答复: the latest public replies to complaints, nothing personal.
        RecentReplies => "recent_replies",
        /// 办事流程图: one published flowchart of a public power, drawn large, with the
        /// power's name and unit; shown only while a published chart exists.
        Flowchart => "flowchart",
    }
}

/// A screen as typed in the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawScreen {
    pub name: String,
    pub location: String,
    /// Empty for the county's own hall.
    pub unit_id: String,
    /// Panel keys in order.
    pub panels: Vec<String>,
    pub seconds: String,
}

/// A checked screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScreenInput {
    pub name: Name,
    pub location: Name,
    pub unit_id: Option<i64>,
    pub panels: Vec<Panel>,
    pub seconds: i32,
}

/// The panel list: at least one, each kind once, in the given order.
pub fn parse_panels(raw: &[String]) -> Result<Vec<Panel>, FieldError> {
    let mut panels = Vec::new();
    for key in raw.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        let panel: Panel = key.parse()?;
        if panels.contains(&panel) {
            return Err(FieldError::new("repeated_panel"));
        }
        panels.push(panel);
    }
    if panels.is_empty() {
        return Err(FieldError::new("no_panels"));
    }
    if panels.len() > MAX_PANELS {
        return Err(FieldError::with_limit("too_long", MAX_PANELS));
    }
    Ok(panels)
}

/// Seconds a panel stays on: a whole number from [`MIN_SECONDS`] to [`MAX_SECONDS`].
pub fn parse_seconds(raw: &str) -> Result<i32, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new("required"));
    }
    match raw.parse::<i32>() {
        Ok(n) if (MIN_SECONDS..=MAX_SECONDS).contains(&n) => Ok(n),
        _ => Err(FieldError::with_limit("bad_seconds", usize::try_from(MAX_SECONDS).unwrap_or_default())),
    }
}

fn parse_unit(raw: &str) -> Result<Option<i64>, FieldError> {
    match raw.trim() {
        "" => Ok(None),
        id => id.parse().map(Some).map_err(|_| FieldError::new("unknown_value")),
    }
}

impl ScreenInput {
    pub fn parse(raw: &RawScreen) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take("name", Name::parse(&raw.name));
        let location = errors.take("location", Name::parse(&raw.location));
        let unit_id = errors.take("unit_id", parse_unit(&raw.unit_id));
        let panels = errors.take("panels", parse_panels(&raw.panels));
        let seconds = errors.take("seconds", parse_seconds(&raw.seconds));
        match (name, location, unit_id, panels, seconds) {
            (Some(name), Some(location), Some(unit_id), Some(panels), Some(seconds)) if errors.is_empty() => {
                Ok(Self { name, location, unit_id, panels, seconds })
            }
            _ => Err(errors),
        }
    }
}

/// The stored panel list (a JSON array of keys) back as panels; unknown keys are
/// skipped so a screen keeps working if a panel kind is ever retired.
#[must_use]
pub fn stored_panels(keys: &[String]) -> Vec<Panel> {
    keys.iter().filter_map(|k| k.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::field::codes_in_sources;

    fn raw(panels: &[&str], seconds: &str) -> RawScreen {
        RawScreen {
            name: "大厅东侧屏".into(),
            location: "县政务服务中心大厅一楼东侧".into(),
            unit_id: String::new(),
            panels: panels.iter().map(|p| (*p).to_owned()).collect(),
            seconds: seconds.into(),
        }
    }

    #[test]
    fn a_screen_keeps_its_panels_in_order() {
        let input = ScreenInput::parse(&raw(&["published_powers", "risk_levels"], "20")).unwrap();
        assert_eq!(input.panels, vec![Panel::PublishedPowers, Panel::RiskLevels]);
        assert_eq!((input.seconds, input.unit_id), (20, None));
    }

    #[test]
    fn bad_screens_name_every_field() {
        let mut bad = raw(&["risk_levels", "risk_levels"], "2");
        bad.name = " ".into();
        bad.unit_id = "x".into();
        let errors = ScreenInput::parse(&bad).unwrap_err();
        assert_eq!(errors.get("name").unwrap().code, "required");
        assert_eq!(errors.get("panels").unwrap().code, "repeated_panel");
        assert_eq!(errors.get("seconds").unwrap().code, "bad_seconds");
        assert_eq!(errors.get("unit_id").unwrap().code, "unknown_value");
        assert_eq!(ScreenInput::parse(&raw(&[], "10")).unwrap_err().get("panels").unwrap().code, "no_panels");
        assert_eq!(ScreenInput::parse(&raw(&["news"], "10")).unwrap_err().get("panels").unwrap().code, "unknown_value");
    }

    #[test]
    fn every_error_code_is_listed() {
        for code in codes_in_sources(
            &[include_str!("screen.rs"), include_str!("text.rs")],
            &["FieldError::new(", "FieldError::with_limit("],
        ) {
            assert!(ERROR_CODES.contains(&code.as_str()), "{code}");
        }
    }
}
