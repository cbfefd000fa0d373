//! BPMN 2.0 import and export of flowcharts.
//!
//! Read: start/end/intermediate events, tasks of every kind, exclusive and parallel
//! gateways, sequence flows with conditions, lanes (as roles), potential owners,
//! timer boundary events, and this project's extension elements
//! (`xmlns:sunlight="urn:sunlight:bpmn"`): `sunlight:step` (position, person,
//! supervisor, marker), `sunlight:limit` (amount, unit), `sunlight:document` on a
//! task; `sunlight:caseLimit` (kind legal|promised) and `sunlight:separation` on the
//! process. Diagram layout is ignored. Elements whose semantics the replay cannot
//! honour (inclusive gateways, sub-processes, non-timer boundary events) are refused
//! rather than silently misread. Entities other than the XML built-ins are refused,
//! so nothing external is ever resolved.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::calendar::{LimitUnit, TimeLimit};
use super::flowchart::{
    ElementId, Flow, Flowchart, FlowchartError, FlowchartParts, Node, NodeKind, Step, StepMarker, Timer,
};
use super::xml::{attributes, get, line_of, push_ref};

/// The namespace of Sunlight's extension elements.
pub const SUNLIGHT_NS: &str = "urn:sunlight:bpmn";
const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
/// A flowchart file is small; this bounds memory and time on hostile input.
pub const MAX_BPMN_BYTES: usize = 8 * 1024 * 1024;
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BpmnError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(usize),
    #[error("line {line}: malformed XML: {message}")]
    Xml { line: usize, message: String },
    #[error("line {line}: <{element}> lacks the attribute {attribute}")]
    MissingAttribute { line: usize, element: String, attribute: &'static str },
    #[error("line {line}: <{element}>: {reason}")]
    Invalid { line: usize, element: String, reason: String },
    #[error("line {line}: <{element}> is not supported in a flowchart")]
    Unsupported { line: usize, element: String },
    #[error("no <process> element")]
    NoProcess,
    #[error("line {line}: {source}")]
    Model {
        line: usize,
        #[source]
        source: FlowchartError,
    },
}

impl BpmnError {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "too_large",
            Self::Xml { .. } => "malformed_xml",
            Self::MissingAttribute { .. } => "missing_attribute",
            Self::Invalid { .. } => "invalid_element",
            Self::Unsupported { .. } => "unsupported_element",
            Self::NoProcess => "no_process",
            Self::Model { .. } => "invalid_model",
        }
    }
}

const TASKS: &[&str] = &[
    "task",
    "userTask",
    "manualTask",
    "serviceTask",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
];
const UNSUPPORTED: &[&str] =
    &["inclusiveGateway", "complexGateway", "eventBasedGateway", "subProcess", "adHocSubProcess", "transaction"];

struct Boundary {
    id: ElementId,
    name: String,
    attached_to: ElementId,
    interrupting: bool,
    duration: Option<String>,
    line: usize,
}

#[derive(Default)]
struct State {
    parts: FlowchartParts,
    lines: HashMap<String, usize>,
    lanes: Vec<(String, Vec<String>)>,
    boundaries: Vec<Boundary>,
    node: Option<usize>,
    boundary: Option<usize>,
    flow: Option<usize>,
    lane: Option<usize>,
    process_depth: Option<usize>,
    process_done: bool,
}

/// Reads a flowchart from BPMN 2.0 XML (the first process of the file).
pub fn import_bpmn(input: &str) -> Result<Flowchart, BpmnError> {
    if input.len() > MAX_BPMN_BYTES {
        return Err(BpmnError::TooLarge(MAX_BPMN_BYTES));
    }
    let mut reader = NsReader::from_str(input);
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut state = State::default();
    loop {
        let position = reader.buffer_position();
        let line = || line_of(input, position);
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (namespace_kind(&ns), event),
            Err(e) => {
                return Err(BpmnError::Xml { line: line_of(input, reader.error_position()), message: e.to_string() });
            }
        };
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let empty = matches!(event, Event::Empty(_));
                let name = qualified(ns, tag.local_name().as_ref());
                let attrs = attributes(tag).map_err(|m| BpmnError::Xml { line: line(), message: m })?;
                text.clear();
                on_start(&mut state, &stack, &name, &attrs, line())?;
                if empty {
                    on_end(&mut state, &stack, &name, "");
                } else {
                    if stack.len() >= MAX_DEPTH {
                        return Err(BpmnError::Invalid {
                            line: line(),
                            element: name,
                            reason: "nested too deeply".into(),
                        });
                    }
                    stack.push(name);
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                on_end(&mut state, &stack, &name, &text);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => push_ref(&mut text, &r).map_err(|m| BpmnError::Xml { line: line(), message: m })?,
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(BpmnError::Xml {
            line: line_of(input, reader.buffer_position()),
            message: format!("unclosed element <{open}>"),
        });
    }
    finish(state)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    Bpmn,
    Sunlight,
    Other,
}

fn namespace_kind(ns: &ResolveResult<'_>) -> Ns {
    match ns {
        ResolveResult::Bound(n) if n.0 == SUNLIGHT_NS => Ns::Sunlight,
        ResolveResult::Bound(n) if n.0 == BPMN_NS => Ns::Bpmn,
        ResolveResult::Unbound => Ns::Bpmn,
        _ => Ns::Other,
    }
}

fn qualified(ns: Ns, local: &str) -> String {
    match ns {
        Ns::Bpmn => local.to_owned(),
        Ns::Sunlight => format!("sunlight:{local}"),
        Ns::Other => format!("other:{local}"),
    }
}

fn require<'a>(
    attrs: &'a [(String, String)],
    key: &'static str,
    element: &str,
    line: usize,
) -> Result<&'a str, BpmnError> {
    get(attrs, key).ok_or_else(|| BpmnError::MissingAttribute { line, element: element.to_owned(), attribute: key })
}

fn element_id(raw: &str, element: &str, line: usize) -> Result<ElementId, BpmnError> {
    ElementId::parse(raw).map_err(|e| BpmnError::Invalid { line, element: element.to_owned(), reason: e.to_string() })
}

fn parse_limit(attrs: &[(String, String)], element: &str, line: usize) -> Result<TimeLimit, BpmnError> {
    let invalid = |reason: String| BpmnError::Invalid { line, element: element.to_owned(), reason };
    let amount: u32 = require(attrs, "amount", element, line)?
        .trim()
        .parse()
        .map_err(|_| invalid("amount is not a whole number".into()))?;
    let unit = LimitUnit::parse(require(attrs, "unit", element, line)?).map_err(|e| invalid(e.to_string()))?;
    TimeLimit::new(amount, unit).map_err(|e| invalid(e.to_string()))
}

#[allow(clippy::too_many_lines)] // one arm per BPMN element: splitting would scatter them
fn on_start(
    state: &mut State,
    stack: &[String],
    name: &str,
    attrs: &[(String, String)],
    line: usize,
) -> Result<(), BpmnError> {
    if name == "process" && state.process_depth.is_none() && !state.process_done {
        state.process_depth = Some(stack.len());
        if let Some(id) = get(attrs, "id") {
            state.parts.id = Some(element_id(id, name, line)?);
        }
        get(attrs, "name").unwrap_or("").clone_into(&mut state.parts.name);
        return Ok(());
    }
    let Some(depth) = state.process_depth else {
        return Ok(());
    };
    let direct = stack.len() == depth + 1;
    if direct && UNSUPPORTED.contains(&name) {
        return Err(BpmnError::Unsupported { line, element: name.to_owned() });
    }
    let kind = match name {
        _ if !direct => None,
        "startEvent" => Some(NodeKind::Start),
        "endEvent" => Some(NodeKind::End),
        "intermediateCatchEvent" | "intermediateThrowEvent" => Some(NodeKind::Intermediate),
        "exclusiveGateway" => {
            Some(NodeKind::Exclusive { default: get(attrs, "default").map(|d| element_id(d, name, line)).transpose()? })
        }
        "parallelGateway" => Some(NodeKind::Parallel),
        n if TASKS.contains(&n) => Some(NodeKind::Task(Step::default())),
        _ => None,
    };
    if let Some(kind) = kind {
        let id = element_id(require(attrs, "id", name, line)?, name, line)?;
        state.lines.insert(id.as_str().to_owned(), line);
        state.parts.nodes.push(Node { id, name: get(attrs, "name").unwrap_or("").trim().to_owned(), kind });
        state.node = Some(state.parts.nodes.len() - 1);
        return Ok(());
    }
    match name {
        "boundaryEvent" if direct => {
            let id = element_id(require(attrs, "id", name, line)?, name, line)?;
            let attached = element_id(require(attrs, "attachedToRef", name, line)?, name, line)?;
            state.lines.insert(id.as_str().to_owned(), line);
            state.boundaries.push(Boundary {
                id,
                name: get(attrs, "name").unwrap_or("").trim().to_owned(),
                attached_to: attached,
                interrupting: get(attrs, "cancelActivity").is_none_or(|v| v.trim() != "false"),
                duration: None,
                line,
            });
            state.boundary = Some(state.boundaries.len() - 1);
        }
        "timerEventDefinition" => {
            if let Some(b) = state.boundary {
                state.boundaries[b].duration.get_or_insert_with(String::new);
            }
        }
        "sequenceFlow" if direct => {
            let id = element_id(require(attrs, "id", name, line)?, name, line)?;
            let source = element_id(require(attrs, "sourceRef", name, line)?, name, line)?;
            let target = element_id(require(attrs, "targetRef", name, line)?, name, line)?;
            state.lines.insert(id.as_str().to_owned(), line);
            state.parts.flows.push(Flow {
                id,
                source,
                target,
                name: get(attrs, "name").unwrap_or("").trim().to_owned(),
                condition: None,
            });
            state.flow = Some(state.parts.flows.len() - 1);
        }
        "lane" => {
            state.lanes.push((get(attrs, "name").unwrap_or("").trim().to_owned(), Vec::new()));
            state.lane = Some(state.lanes.len() - 1);
        }
        "sunlight:caseLimit" if state.node.is_none() => {
            let limit = parse_limit(attrs, name, line)?;
            match get(attrs, "kind").map(str::trim) {
                Some("legal") => state.parts.legal_limit = Some(limit),
                Some("promised") => state.parts.promised_limit = Some(limit),
                _ => {
                    return Err(BpmnError::Invalid {
                        line,
                        element: name.to_owned(),
                        reason: "kind must be legal or promised".into(),
                    });
                }
            }
        }
        "sunlight:separation" if state.node.is_none() => {
            let first = element_id(require(attrs, "first", name, line)?, name, line)?;
            let second = element_id(require(attrs, "second", name, line)?, name, line)?;
            state.parts.separations.push((first, second));
        }
        "sunlight:step" | "sunlight:limit" | "sunlight:document" => {
            let Some(step) = state.node.and_then(|i| match &mut state.parts.nodes[i].kind {
                NodeKind::Task(step) => Some(step),
                _ => None,
            }) else {
                return Err(BpmnError::Invalid {
                    line,
                    element: name.to_owned(),
                    reason: "only allowed inside a task".into(),
                });
            };
            match name {
                "sunlight:limit" => step.limit = Some(parse_limit(attrs, name, line)?),
                "sunlight:document" => {
                    step.documents.push(require(attrs, "name", name, line)?.trim().to_owned());
                }
                _ => {
                    let text = |k| get(attrs, k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
                    step.position = text("position");
                    step.person = text("person").or(step.person.take());
                    step.supervisor = text("supervisor");
                    if let Some(marker) = get(attrs, "marker") {
                        step.marker = Some(StepMarker::parse(marker).ok_or_else(|| BpmnError::Invalid {
                            line,
                            element: name.to_owned(),
                            reason: "marker must be acceptance or correction".into(),
                        })?);
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn on_end(state: &mut State, stack: &[String], name: &str, text: &str) {
    let Some(depth) = state.process_depth else {
        return;
    };
    let direct = stack.len() == depth + 1;
    match name {
        "process" if stack.len() == depth => {
            state.process_depth = None;
            state.process_done = true;
        }
        "formalExpression" => {
            let owner = stack.iter().any(|s| s == "potentialOwner" || s == "humanPerformer");
            let task = state.node.and_then(|i| match &mut state.parts.nodes[i].kind {
                NodeKind::Task(step) => Some(step),
                _ => None,
            });
            if let (true, Some(step)) = (owner, task) {
                let value = text.trim();
                if let Some(person) = value.strip_prefix("user:").or_else(|| value.strip_prefix("person:")) {
                    step.person = Some(person.trim().to_owned());
                } else if !value.is_empty() {
                    step.role = Some(value.strip_prefix("role:").unwrap_or(value).trim().to_owned());
                }
            }
        }
        "conditionExpression" => {
            if let Some(f) = state.flow {
                let value = text.trim();
                state.parts.flows[f].condition = (!value.is_empty()).then(|| value.to_owned());
            }
        }
        "flowNodeRef" => {
            if let Some(l) = state.lane {
                state.lanes[l].1.push(text.trim().to_owned());
            }
        }
        "timeDuration" | "timeDate" | "timeCycle" => {
            if let Some(b) = state.boundary {
                state.boundaries[b].duration = Some(text.trim().to_owned());
            }
        }
        "lane" => state.lane = None,
        "sequenceFlow" if direct => state.flow = None,
        "boundaryEvent" if direct => state.boundary = None,
        _ if direct => state.node = None,
        _ => {}
    }
}

fn finish(mut state: State) -> Result<Flowchart, BpmnError> {
    if state.parts.id.is_none() && state.parts.nodes.is_empty() && !state.process_done {
        return Err(BpmnError::NoProcess);
    }
    for boundary in std::mem::take(&mut state.boundaries) {
        let Some(duration) = boundary.duration else {
            return Err(BpmnError::Unsupported { line: boundary.line, element: "boundaryEvent (not a timer)".into() });
        };
        let target = state.parts.flows.iter().find(|f| f.source == boundary.id).map(|f| f.target.clone());
        state.parts.flows.retain(|f| f.source != boundary.id);
        state.parts.timers.push(Timer {
            id: boundary.id,
            name: boundary.name,
            attached_to: boundary.attached_to,
            duration,
            interrupting: boundary.interrupting,
            target,
        });
    }
    for (lane, refs) in &state.lanes {
        if lane.is_empty() {
            continue;
        }
        for node in &mut state.parts.nodes {
            if let NodeKind::Task(step) = &mut node.kind
                && step.role.is_none()
                && refs.iter().any(|r| r == node.id.as_str())
            {
                step.role = Some(lane.clone());
            }
        }
    }
    let lines = std::mem::take(&mut state.lines);
    Flowchart::new(state.parts).map_err(|source| {
        let line = match &source {
            FlowchartError::DanglingReference(id, _)
            | FlowchartError::DuplicateId(id)
            | FlowchartError::InvalidText(id) => lines.get(id).copied().unwrap_or(0),
            _ => 0,
        };
        BpmnError::Model { line, source }
    })
}

fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

fn open(out: &mut String, indent: usize, tag: &str, attrs: &[(&str, &str)], empty: bool) {
    out.push_str(&"  ".repeat(indent));
    out.push('<');
    out.push_str(tag);
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(&esc(v));
        out.push('"');
    }
    out.push_str(if empty { "/>\n" } else { ">\n" });
}

fn close(out: &mut String, indent: usize, tag: &str) {
    out.push_str(&"  ".repeat(indent));
    out.push_str("</");
    out.push_str(tag);
    out.push_str(">\n");
}

fn leaf(out: &mut String, indent: usize, tag: &str, attrs: &[(&str, &str)], text: &str) {
    out.push_str(&"  ".repeat(indent));
    out.push('<');
    out.push_str(tag);
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(&esc(v));
        out.push('"');
    }
    out.push('>');
    out.push_str(&esc(text));
    out.push_str("</");
    out.push_str(tag);
    out.push_str(">\n");
}

/// Writes a flowchart as BPMN 2.0 (no diagram layout): roles become lanes and
/// potential owners, limits and the other clarities go to `sunlight:` extensions.
#[must_use]
#[allow(clippy::too_many_lines)] // writes the document top to bottom, in order
pub fn export_bpmn(chart: &Flowchart) -> String {
    let parts = chart.parts();
    let pid = parts.id.as_ref().map_or("process", ElementId::as_str);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let defs_id = format!("defs_{pid}");
    open(
        &mut out,
        0,
        "bpmn:definitions",
        &[
            ("xmlns:bpmn", BPMN_NS),
            ("xmlns:sunlight", SUNLIGHT_NS),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("id", &defs_id),
            ("targetNamespace", "urn:sunlight:flowchart"),
        ],
        false,
    );
    open(&mut out, 1, "bpmn:process", &[("id", pid), ("name", &parts.name), ("isExecutable", "false")], false);
    let has_process_ext =
        parts.legal_limit.is_some() || parts.promised_limit.is_some() || !parts.separations.is_empty();
    if has_process_ext {
        open(&mut out, 2, "bpmn:extensionElements", &[], false);
        for (kind, limit) in [("legal", parts.legal_limit), ("promised", parts.promised_limit)] {
            if let Some(limit) = limit {
                let amount = limit.amount().to_string();
                open(
                    &mut out,
                    3,
                    "sunlight:caseLimit",
                    &[("kind", kind), ("amount", &amount), ("unit", limit.unit().as_str())],
                    true,
                );
            }
        }
        for (a, b) in &parts.separations {
            open(&mut out, 3, "sunlight:separation", &[("first", a.as_str()), ("second", b.as_str())], true);
        }
        close(&mut out, 2, "bpmn:extensionElements");
    }
    let mut roles: Vec<(&str, Vec<&str>)> = Vec::new();
    for node in &parts.nodes {
        if let Some(role) = node.step().and_then(|s| s.role.as_deref()) {
            match roles.iter_mut().find(|(r, _)| *r == role) {
                Some((_, ids)) => ids.push(node.id.as_str()),
                None => roles.push((role, vec![node.id.as_str()])),
            }
        }
    }
    if !roles.is_empty() {
        let set_id = format!("{pid}_lanes");
        open(&mut out, 2, "bpmn:laneSet", &[("id", &set_id)], false);
        for (i, (role, ids)) in roles.iter().enumerate() {
            let lane_id = format!("{pid}_lane_{i}");
            open(&mut out, 3, "bpmn:lane", &[("id", &lane_id), ("name", role)], false);
            for id in ids {
                leaf(&mut out, 4, "bpmn:flowNodeRef", &[], id);
            }
            close(&mut out, 3, "bpmn:lane");
        }
        close(&mut out, 2, "bpmn:laneSet");
    }
    for node in &parts.nodes {
        write_node(&mut out, node);
    }
    for timer in &parts.timers {
        let tag = "bpmn:boundaryEvent";
        let cancel = if timer.interrupting { "true" } else { "false" };
        open(
            &mut out,
            2,
            tag,
            &[
                ("id", timer.id.as_str()),
                ("name", &timer.name),
                ("attachedToRef", timer.attached_to.as_str()),
                ("cancelActivity", cancel),
            ],
            false,
        );
        open(&mut out, 3, "bpmn:timerEventDefinition", &[], false);
        leaf(&mut out, 4, "bpmn:timeDuration", &[("xsi:type", "bpmn:tFormalExpression")], &timer.duration);
        close(&mut out, 3, "bpmn:timerEventDefinition");
        close(&mut out, 2, tag);
    }
    for flow in &parts.flows {
        write_flow(&mut out, flow);
    }
    for timer in &parts.timers {
        if let Some(target) = &timer.target {
            let id = format!("{}_flow", timer.id);
            open(
                &mut out,
                2,
                "bpmn:sequenceFlow",
                &[("id", &id), ("sourceRef", timer.id.as_str()), ("targetRef", target.as_str())],
                true,
            );
        }
    }
    close(&mut out, 1, "bpmn:process");
    close(&mut out, 0, "bpmn:definitions");
    out
}

fn write_flow(out: &mut String, flow: &Flow) {
    let attrs = [
        ("id", flow.id.as_str()),
        ("name", flow.name.as_str()),
        ("sourceRef", flow.source.as_str()),
        ("targetRef", flow.target.as_str()),
    ];
    match &flow.condition {
        None => open(out, 2, "bpmn:sequenceFlow", &attrs, true),
        Some(condition) => {
            open(out, 2, "bpmn:sequenceFlow", &attrs, false);
            leaf(out, 3, "bpmn:conditionExpression", &[("xsi:type", "bpmn:tFormalExpression")], condition);
            close(out, 2, "bpmn:sequenceFlow");
        }
    }
}

fn write_node(out: &mut String, node: &Node) {
    let id = node.id.as_str();
    let name = node.name.as_str();
    let simple = |out: &mut String, tag: &str| open(out, 2, tag, &[("id", id), ("name", name)], true);
    match &node.kind {
        NodeKind::Start => simple(out, "bpmn:startEvent"),
        NodeKind::End => simple(out, "bpmn:endEvent"),
        NodeKind::Intermediate => simple(out, "bpmn:intermediateThrowEvent"),
        NodeKind::Parallel => simple(out, "bpmn:parallelGateway"),
        NodeKind::Exclusive { default } => {
            let mut attrs = vec![("id", id), ("name", name)];
            if let Some(d) = default {
                attrs.push(("default", d.as_str()));
            }
            open(out, 2, "bpmn:exclusiveGateway", &attrs, true);
        }
        NodeKind::Task(step) => {
            let tag = "bpmn:userTask";
            open(out, 2, tag, &[("id", id), ("name", name)], false);
            open(out, 3, "bpmn:extensionElements", &[], false);
            let mut attrs = Vec::new();
            for (key, value) in
                [("position", &step.position), ("person", &step.person), ("supervisor", &step.supervisor)]
            {
                if let Some(v) = value {
                    attrs.push((key, v.as_str()));
                }
            }
            if let Some(marker) = step.marker {
                attrs.push(("marker", marker.as_str()));
            }
            open(out, 4, "sunlight:step", &attrs, true);
            if let Some(limit) = step.limit {
                let amount = limit.amount().to_string();
                open(out, 4, "sunlight:limit", &[("amount", &amount), ("unit", limit.unit().as_str())], true);
            }
            for doc in &step.documents {
                open(out, 4, "sunlight:document", &[("name", doc)], true);
            }
            close(out, 3, "bpmn:extensionElements");
            if let Some(role) = &step.role {
                open(out, 3, "bpmn:potentialOwner", &[], false);
                open(out, 4, "bpmn:resourceAssignmentExpression", &[], false);
                leaf(out, 5, "bpmn:formalExpression", &[], &format!("role:{role}"));
                close(out, 4, "bpmn:resourceAssignmentExpression");
                close(out, 3, "bpmn:potentialOwner");
            }
            close(out, 2, tag);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn shared(name: &str) -> String {
        let path = format!("{}/../../../shared/data/eventlogs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn imports_the_permit_flowchart() {
        let chart = import_bpmn(&shared("permit-minimal.bpmn")).unwrap();
        let steps: Vec<_> = chart.steps().map(|(n, s)| (n.name.as_str(), s.role.as_deref())).collect();
        assert_eq!(
            steps,
            vec![
                ("Check completeness", Some("intake_clerk")),
                ("Review application", Some("reviewer")),
                ("Supervisor notified (overdue)", Some("Supervisor")),
                ("Sign decision", Some("supervisor")),
            ]
        );
        assert_eq!(chart.parts().timers.len(), 2);
        let overdue = &chart.parts().timers[1];
        assert_eq!(overdue.duration, "P10D");
        assert!(!overdue.interrupting);
        assert_eq!(overdue.target.as_ref().unwrap().as_str(), "escalate");
        let ret = chart.flows().iter().find(|f| f.id.as_str() == "f_ret").unwrap();
        assert_eq!(ret.condition.as_deref(), Some("complete = false"));
        assert_eq!(
            chart.node("gw").unwrap().kind,
            NodeKind::Exclusive { default: Some(ElementId::parse("f_ok").unwrap()) }
        );
    }

    #[test]
    fn imports_pm4py_models() {
        let running = import_bpmn(&shared("running-example.bpmn")).unwrap();
        assert_eq!(running.steps().count(), 8);
        assert_eq!(running.nodes().iter().filter(|n| n.kind == NodeKind::Parallel).count(), 2);
        assert_eq!(running.flows().len(), 21);
        let receipt = import_bpmn(&shared("receipt.bpmn")).unwrap();
        assert_eq!(receipt.steps().count(), 27);
        assert_eq!(receipt.flows().len(), 90);
    }

    #[test]
    fn export_then_import_round_trips() {
        for file in ["permit-minimal.bpmn", "running-example.bpmn", "receipt.bpmn"] {
            let chart = import_bpmn(&shared(file)).unwrap();
            let again = import_bpmn(&export_bpmn(&chart)).unwrap();
            assert_eq!(chart, again, "{file}");
        }
        let mut parts = crate::flow::flowchart::tests::linear();
        parts.legal_limit = Some(TimeLimit::new(20, LimitUnit::WorkingDays).unwrap());
        parts.promised_limit = Some(TimeLimit::new(10, LimitUnit::WorkingDays).unwrap());
        parts.separations.push((ElementId::parse("a").unwrap(), ElementId::parse("b").unwrap()));
        if let NodeKind::Task(step) = &mut parts.nodes[1].kind {
            step.documents = vec!["申请表 & <附件>".into()];
            step.marker = Some(StepMarker::Acceptance);
            step.person = Some("张三".into());
            step.position = Some("窗口".into());
        }
        let chart = Flowchart::new(parts).unwrap();
        assert_eq!(import_bpmn(&export_bpmn(&chart)).unwrap(), chart);
    }

    #[test]
    fn errors_name_the_element_and_line() {
        let err =
            import_bpmn("<definitions>\n<process id=\"p\">\n<task name=\"x\"/>\n</process></definitions>").unwrap_err();
        assert_eq!(err.code(), "missing_attribute");
        assert!(err.to_string().contains("line 3"), "{err}");
        assert!(err.to_string().contains("task"), "{err}");
        let err =
            import_bpmn("<definitions>\n<process id=\"p\">\n<inclusiveGateway id=\"g\"/>\n</process></definitions>")
                .unwrap_err();
        assert_eq!(err.code(), "unsupported_element");
        let err = import_bpmn("<definitions>\n<process id=\"p\">\n<task id=\"t\">\n</process>").unwrap_err();
        assert_eq!(err.code(), "malformed_xml");
        let err = import_bpmn("<definitions><process id=\"p\"><startEvent id=\"s\"/><endEvent id=\"e\"/><sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"x\"/></process></definitions>").unwrap_err();
        assert_eq!(err.code(), "invalid_model");
        assert_eq!(import_bpmn("<definitions/>").unwrap_err(), BpmnError::NoProcess);
    }

    #[test]
    fn entities_are_not_expanded() {
        let doc = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><definitions><process id=\"p\" name=\"&x;\"><startEvent id=\"s\"/></process></definitions>";
        assert!(import_bpmn(doc).is_err());
        let doc = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><definitions><process id=\"p\"><sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"s\"><conditionExpression>&x;</conditionExpression></sequenceFlow></process></definitions>";
        assert_eq!(import_bpmn(doc).unwrap_err().code(), "malformed_xml");
    }

    #[test]
    fn size_is_bounded() {
        let big = " ".repeat(MAX_BPMN_BYTES + 1);
        assert_eq!(import_bpmn(&big).unwrap_err().code(), "too_large");
    }

    proptest! {
        #[test]
        fn names_with_markup_and_unicode_round_trip(
            name in "[a-zA-Z0-9 <>&\"'受理补正审批，。]{1,40}",
            role in "[a-zA-Z0-9 <>&\"'窗口科室]{1,20}",
            condition in "[a-z0-9 <>=&!]{1,20}",
        ) {
            let mut parts = crate::flow::flowchart::tests::linear();
            parts.nodes[1].name = name.trim().to_owned();
            if let NodeKind::Task(step) = &mut parts.nodes[1].kind {
                step.role = Some(role.trim().to_owned()).filter(|r| !r.is_empty());
                step.supervisor = Some(format!("{}!", name.trim()));
            }
            parts.flows[1].condition = Some(condition.trim().to_owned()).filter(|c| !c.is_empty());
            parts.flows[1].name = name.trim().to_owned();
            let chart = Flowchart::new(parts).unwrap();
            prop_assert_eq!(import_bpmn(&export_bpmn(&chart)).unwrap(), chart);
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in ".{0,300}") {
            let _ = import_bpmn(&s);
        }

        #[test]
        fn never_panics_on_xml_like_text(s in "(<|>|/|=|\"|process|task|id|sequenceFlow|sourceRef|targetRef|startEvent|endEvent| |x|&amp;|&#0;|\n){0,80}") {
            let _ = import_bpmn(&s);
        }
    }
}
