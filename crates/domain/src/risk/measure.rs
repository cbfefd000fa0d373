//! Prevention measures (防控措施) per risk point, and what is missing or late.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;
use crate::text::{Name, Note};

keyed_enum! {
    /// When the measure acts, relative to exercising the power.
    Phase {
        /// 事前
        Before => "before",
        /// 事中
        During => "during",
        /// 事后
        After => "after",
    }
}

keyed_enum! {
    /// The mechanism the measure belongs to.
    Mechanism {
        /// 风险防范
        Prevention => "prevention",
        /// 监督制约
        Oversight => "oversight",
        /// 公开透明
        Transparency => "transparency",
        /// 绩效问责
        Accountability => "accountability",
    }
}

keyed_enum! {
    MeasureStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
    }
}

impl Phase {
    #[must_use]
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Before => "事前",
            Self::During => "事中",
            Self::After => "事后",
        }
    }
}

impl Mechanism {
    #[must_use]
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Prevention => "风险防范",
            Self::Oversight => "监督制约",
            Self::Transparency => "公开透明",
            Self::Accountability => "绩效问责",
        }
    }
}

/// One measure against one risk point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure<Id> {
    pub id: Id,
    pub risk_point: Id,
    pub phase: Phase,
    pub mechanism: Mechanism,
    pub description: Note,
    /// Who answers for it: a person's or a section's name.
    pub owner: Name,
    pub due: NaiveDate,
    pub status: MeasureStatus,
}

impl<Id> Measure<Id> {
    /// Late: not done and past its due date (the due day itself is still in time).
    #[must_use]
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status != MeasureStatus::Done && today > self.due
    }
}

/// What the register lacks on `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureGaps<Id> {
    /// Risk points no measure is attached to, in the order given.
    pub without_measure: Vec<Id>,
    /// Overdue measures' ids, earliest due first.
    pub overdue: Vec<Id>,
}

#[must_use]
pub fn measure_gaps<Id: Ord + Clone>(
    risk_points: &[Id],
    measures: &[Measure<Id>],
    today: NaiveDate,
) -> MeasureGaps<Id> {
    let covered: std::collections::BTreeSet<&Id> = measures.iter().map(|m| &m.risk_point).collect();
    let mut overdue: Vec<&Measure<Id>> = measures.iter().filter(|m| m.is_overdue(today)).collect();
    overdue.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
    MeasureGaps {
        without_measure: risk_points.iter().filter(|p| !covered.contains(p)).cloned().collect(),
        overdue: overdue.into_iter().map(|m| m.id.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn measure(id: u32, point: u32, due: (i32, u32, u32), status: MeasureStatus) -> Measure<u32> {
        Measure {
            id,
            risk_point: point,
            phase: Phase::Before,
            mechanism: Mechanism::Transparency,
            description: Note::parse("审批结果在门户网站公示").unwrap(),
            owner: Name::parse("行政审批股").unwrap(),
            due: NaiveDate::from_ymd_opt(due.0, due.1, due.2).unwrap(),
            status,
        }
    }

    #[test]
    fn lists_uncovered_points_and_late_measures() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let measures = [
            measure(10, 1, (2026, 6, 1), MeasureStatus::Planned),
            measure(11, 1, (2026, 5, 1), MeasureStatus::InProgress),
            measure(12, 2, (2026, 5, 1), MeasureStatus::Done),
            measure(13, 2, (2026, 6, 30), MeasureStatus::Planned),
        ];
        let gaps = measure_gaps(&[1, 2, 3, 4], &measures, today);
        assert_eq!(gaps.without_measure, vec![3, 4]);
        assert_eq!(gaps.overdue, vec![11, 10]);
    }
}
