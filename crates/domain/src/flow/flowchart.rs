//! The flowchart (流程图) of a power: steps with the "four clarities" (四个明确),
//! gateways, return loops, start and end, as published and as replayed.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, TimeLimit};

const MAX_ID_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowchartError {
    #[error("invalid id {0:?}")]
    InvalidId(String),
    #[error("text too long or containing control characters in {0}")]
    InvalidText(String),
    #[error("id {0} is used twice")]
    DuplicateId(String),
    #[error("{0} refers to {1}, which does not exist")]
    DanglingReference(String, String),
    #[error("the flowchart has no start event")]
    NoStart,
    #[error("the flowchart has no end event")]
    NoEnd,
}

impl FlowchartError {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidId(_) => "invalid_id",
            Self::InvalidText(_) => "invalid_text",
            Self::DuplicateId(_) => "duplicate_id",
            Self::DanglingReference(..) => "dangling_reference",
            Self::NoStart => "no_start",
            Self::NoEnd => "no_end",
        }
    }
}

/// An element id: non-empty, at most 200 characters, no whitespace or control
/// characters (BPMN ids are XML names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ElementId(String);

impl ElementId {
    pub fn parse(raw: &str) -> Result<Self, FlowchartError> {
        if raw.is_empty()
            || raw.chars().count() > MAX_ID_CHARS
            || raw.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(FlowchartError::InvalidId(raw.chars().take(40).collect()));
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id made by the program (`n0`, `n1`, …), valid by construction.
    #[must_use]
    pub fn generated(index: usize) -> Self {
        Self(format!("n{index}"))
    }
}

impl TryFrom<String> for ElementId {
    type Error = FlowchartError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ElementId> for String {
    fn from(value: ElementId) -> Self {
        value.0
    }
}

impl fmt::Display for ElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a step is for, when a rule needs to know (补正 and 受理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepMarker {
    /// The application is formally accepted (受理).
    Acceptance,
    /// The applicant is asked to complete the file (补正).
    Correction,
}

impl StepMarker {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::Correction => "correction",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "acceptance" => Some(Self::Acceptance),
            "correction" => Some(Self::Correction),
            _ => None,
        }
    }
}

/// The published facts of one step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub role: Option<String>,
    pub position: Option<String>,
    pub person: Option<String>,
    pub limit: Option<TimeLimit>,
    pub supervisor: Option<String>,
    pub documents: Vec<String>,
    pub marker: Option<StepMarker>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    Start,
    End,
    /// A step; a nameless task is silent (a routing helper some tools emit).
    Task(Step),
    /// Exactly one outgoing branch is taken; `default` names a flow id.
    Exclusive {
        default: Option<ElementId>,
    },
    /// All outgoing branches run; a join waits for every incoming branch.
    Parallel,
    /// An intermediate event: passes its token on.
    Intermediate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: ElementId,
    pub name: String,
    pub kind: NodeKind,
}

impl Node {
    #[must_use]
    pub fn step(&self) -> Option<&Step> {
        match &self.kind {
            NodeKind::Task(step) => Some(step),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub id: ElementId,
    pub source: ElementId,
    pub target: ElementId,
    pub name: String,
    pub condition: Option<String>,
}

/// A timer on a step (warning or overdue), as drawn; `duration` is ISO 8601 text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub id: ElementId,
    pub name: String,
    pub attached_to: ElementId,
    pub duration: String,
    pub interrupting: bool,
    /// Where the timer's branch leads, if anywhere.
    pub target: Option<ElementId>,
}

/// Everything a flowchart is made of, before its references are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowchartParts {
    pub id: Option<ElementId>,
    pub name: String,
    pub nodes: Vec<Node>,
    pub flows: Vec<Flow>,
    pub timers: Vec<Timer>,
    /// Pairs of steps that must be done by different persons.
    pub separations: Vec<(ElementId, ElementId)>,
    pub legal_limit: Option<TimeLimit>,
    pub promised_limit: Option<TimeLimit>,
}

/// A flowchart whose ids are unique and whose references all resolve. It is
/// stored as JSON of its parts and checked again when read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FlowchartParts")]
pub struct Flowchart(FlowchartParts);

impl TryFrom<FlowchartParts> for Flowchart {
    type Error = FlowchartError;
    fn try_from(parts: FlowchartParts) -> Result<Self, Self::Error> {
        Self::new(parts)
    }
}

/// One of the four clarities a published step must state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clarity {
    Procedure,
    ResponsiblePerson,
    TimeLimit,
    Supervisor,
}

/// The clarities a step lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepGaps {
    pub step: ElementId,
    pub name: String,
    pub missing: Vec<Clarity>,
}

fn check_text(what: &str, text: &str) -> Result<(), FlowchartError> {
    if text.chars().count() > MAX_TEXT_CHARS || text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FlowchartError::InvalidText(what.to_owned()));
    }
    Ok(())
}

impl Flowchart {
    pub fn new(parts: FlowchartParts) -> Result<Self, FlowchartError> {
        check_text("name", &parts.name)?;
        let mut ids = HashSet::new();
        let all_ids = parts
            .nodes
            .iter()
            .map(|n| &n.id)
            .chain(parts.flows.iter().map(|f| &f.id))
            .chain(parts.timers.iter().map(|t| &t.id));
        for id in all_ids {
            if !ids.insert(id.as_str()) {
                return Err(FlowchartError::DuplicateId(id.0.clone()));
            }
        }
        let nodes: HashMap<&str, &Node> = parts.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let dangling =
            |from: &ElementId, to: &ElementId| FlowchartError::DanglingReference(from.0.clone(), to.0.clone());
        for node in &parts.nodes {
            check_text(node.id.as_str(), &node.name)?;
            if let NodeKind::Exclusive { default: Some(flow) } = &node.kind
                && !parts.flows.iter().any(|f| &f.id == flow && f.source == node.id)
            {
                return Err(dangling(&node.id, flow));
            }
            if let NodeKind::Task(step) = &node.kind {
                let texts = [&step.role, &step.position, &step.person, &step.supervisor];
                for text in texts.into_iter().flatten() {
                    check_text(node.id.as_str(), text)?;
                }
                for doc in &step.documents {
                    check_text(node.id.as_str(), doc)?;
                }
            }
        }
        for flow in &parts.flows {
            check_text(flow.id.as_str(), &flow.name)?;
            if let Some(condition) = &flow.condition {
                check_text(flow.id.as_str(), condition)?;
            }
            for end in [&flow.source, &flow.target] {
                if !nodes.contains_key(end.as_str()) {
                    return Err(dangling(&flow.id, end));
                }
            }
        }
        for timer in &parts.timers {
            check_text(timer.id.as_str(), &timer.name)?;
            check_text(timer.id.as_str(), &timer.duration)?;
            let targets = std::iter::once(&timer.attached_to).chain(timer.target.as_ref());
            for to in targets {
                if !nodes.contains_key(to.as_str()) {
                    return Err(dangling(&timer.id, to));
                }
            }
        }
        for (a, b) in &parts.separations {
            for s in [a, b] {
                if nodes.get(s.as_str()).and_then(|n| n.step()).is_none() {
                    return Err(dangling(a, s));
                }
            }
        }
        if !parts.nodes.iter().any(|n| n.kind == NodeKind::Start) {
            return Err(FlowchartError::NoStart);
        }
        if !parts.nodes.iter().any(|n| n.kind == NodeKind::End) {
            return Err(FlowchartError::NoEnd);
        }
        Ok(Self(parts))
    }

    #[must_use]
    pub fn parts(&self) -> &FlowchartParts {
        &self.0
    }

    #[must_use]
    pub fn into_parts(self) -> FlowchartParts {
        self.0
    }

    #[must_use]
    pub fn nodes(&self) -> &[Node] {
        &self.0.nodes
    }

    #[must_use]
    pub fn flows(&self) -> &[Flow] {
        &self.0.flows
    }

    #[must_use]
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.0.nodes.iter().find(|n| n.id.as_str() == id)
    }

    /// Named steps, in document order.
    pub fn steps(&self) -> impl Iterator<Item = (&Node, &Step)> {
        self.0.nodes.iter().filter_map(|n| n.step().map(|s| (n, s))).filter(|(n, _)| !n.name.trim().is_empty())
    }

    /// The publication check: every step must state its procedure (a name and a
    /// place in the flow), a responsible role, position or person, a time limit and
    /// a supervisor. Only steps with gaps are listed.
    #[must_use]
    pub fn four_clarities(&self) -> Vec<StepGaps> {
        let mut gaps = Vec::new();
        for node in &self.0.nodes {
            let NodeKind::Task(step) = &node.kind else {
                continue;
            };
            let mut missing = Vec::new();
            let connected =
                self.0.flows.iter().any(|f| f.target == node.id) && self.0.flows.iter().any(|f| f.source == node.id);
            if node.name.trim().is_empty() || !connected {
                missing.push(Clarity::Procedure);
            }
            if step.role.is_none() && step.position.is_none() && step.person.is_none() {
                missing.push(Clarity::ResponsiblePerson);
            }
            if step.limit.is_none() {
                missing.push(Clarity::TimeLimit);
            }
            if step.supervisor.is_none() {
                missing.push(Clarity::Supervisor);
            }
            if !missing.is_empty() {
                gaps.push(StepGaps { step: node.id.clone(), name: node.name.clone(), missing });
            }
        }
        gaps
    }

    /// Whether the promised limit runs out after the legal one for a case started
    /// at `start` (a promise must be shorter than or equal to the law's limit).
    #[must_use]
    pub fn promise_exceeds_legal(&self, calendar: &Calendar, start: DateTime<FixedOffset>) -> bool {
        match (self.0.promised_limit, self.0.legal_limit) {
            (Some(promised), Some(legal)) => {
                match (calendar.deadline(start, promised), calendar.deadline(start, legal)) {
                    (Ok(p), Ok(l)) => p > l,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::flow::calendar::LimitUnit;

    pub(crate) fn id(s: &str) -> ElementId {
        ElementId::parse(s).unwrap()
    }

    fn node(i: &str, name: &str, kind: NodeKind) -> Node {
        Node { id: id(i), name: name.into(), kind }
    }

    fn flow(i: &str, s: &str, t: &str) -> Flow {
        Flow { id: id(i), source: id(s), target: id(t), name: String::new(), condition: None }
    }

    pub(crate) fn linear() -> FlowchartParts {
        let full = Step {
            role: Some("clerk".into()),
            limit: Some(TimeLimit::new(2, LimitUnit::WorkingDays).unwrap()),
            supervisor: Some("Wang".into()),
            ..Step::default()
        };
        FlowchartParts {
            id: Some(id("p")),
            name: "Permit".into(),
            nodes: vec![
                node("s", "", NodeKind::Start),
                node("a", "Accept", NodeKind::Task(full)),
                node("b", "Decide", NodeKind::Task(Step::default())),
                node("e", "", NodeKind::End),
            ],
            flows: vec![flow("f1", "s", "a"), flow("f2", "a", "b"), flow("f3", "b", "e")],
            ..FlowchartParts::default()
        }
    }

    #[test]
    fn four_clarities_lists_what_is_missing() {
        let chart = Flowchart::new(linear()).unwrap();
        let gaps = chart.four_clarities();
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].step, id("b"));
        assert_eq!(gaps[0].missing, vec![Clarity::ResponsiblePerson, Clarity::TimeLimit, Clarity::Supervisor]);
    }

    #[test]
    fn references_are_checked() {
        let mut parts = linear();
        parts.flows.push(flow("f9", "b", "nowhere"));
        assert_eq!(Flowchart::new(parts).unwrap_err().code(), "dangling_reference");
        let mut parts = linear();
        parts.flows.push(flow("a", "b", "e"));
        assert_eq!(Flowchart::new(parts).unwrap_err().code(), "duplicate_id");
        let mut parts = linear();
        parts.nodes.retain(|n| n.kind != NodeKind::End);
        parts.flows.pop();
        assert_eq!(Flowchart::new(parts).unwrap_err(), FlowchartError::NoEnd);
        assert!(ElementId::parse("a b").is_err());
        assert!(ElementId::parse("").is_err());
    }

    #[test]
    fn json_round_trip_checks_references_again() {
        let chart = Flowchart::new(linear()).unwrap();
        let json = serde_json::to_string(&chart).unwrap();
        assert_eq!(serde_json::from_str::<Flowchart>(&json).unwrap(), chart);
        let broken = json.replace("\"target\":\"e\"", "\"target\":\"nowhere\"");
        assert!(serde_json::from_str::<Flowchart>(&broken).is_err());
    }

    #[test]
    fn promise_longer_than_law_is_detected() {
        let mut parts = linear();
        parts.legal_limit = Some(TimeLimit::new(20, LimitUnit::WorkingDays).unwrap());
        parts.promised_limit = Some(TimeLimit::new(25, LimitUnit::NaturalDays).unwrap());
        let chart = Flowchart::new(parts).unwrap();
        let start = DateTime::parse_from_rfc3339("2025-03-10T09:00:00+08:00").unwrap();
        assert!(!chart.promise_exceeds_legal(&Calendar::china(), start));
        let mut parts = chart.into_parts();
        parts.promised_limit = Some(TimeLimit::new(40, LimitUnit::NaturalDays).unwrap());
        let chart = Flowchart::new(parts).unwrap();
        assert!(chart.promise_exceeds_legal(&Calendar::china(), start));
    }
}
