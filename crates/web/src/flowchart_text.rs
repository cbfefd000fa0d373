//! Flowcharts in words, in the reader's language: the drawing's labels, a BPMN
//! file's problems with their line and element, the four clarities, the steps that
//! follow a step. The staff pages, the portal, the API and the command line share it.

use std::collections::BTreeMap;

use fluent_templates::fluent_bundle::FluentValue;
use sunlight_domain::flow::bpmn::BpmnError;
use sunlight_domain::flow::flowchart::{Clarity, FlowchartError, Node, NodeKind};
use sunlight_domain::flow::svg::{StepLevel, SvgLabels, TraceLabels, render_svg, render_svg_with_trace};
use sunlight_domain::flow::trace::{CaseTrace, StepState};
use sunlight_domain::flow::{Flowchart, RuleId, TimeLimit};
use sunlight_domain::risk::RiskModel;

use crate::i18n::Lang;

/// The drawing's words.
#[must_use]
pub fn svg_labels(lang: Lang, title: &str) -> SvgLabels {
    SvgLabels {
        title: lang.t_args("flowchart-svg-title", &[("name", title.to_owned().into())]),
        description: lang.t("flowchart-svg-description"),
        start: lang.t("flowchart-start"),
        end: lang.t("flowchart-end"),
        responsible: lang.t("flowchart-svg-responsible"),
        limit: lang.t("flowchart-svg-limit"),
        missing: lang.t("flowchart-missing"),
        working_days: lang.t("flowchart-limit-working-days"),
        natural_days: lang.t("flowchart-limit-natural-days"),
        working_hours: lang.t("flowchart-limit-working-hours"),
        working_day: lang.t("flowchart-limit-working-day"),
        natural_day: lang.t("flowchart-limit-natural-day"),
        working_hour: lang.t("flowchart-limit-working-hour"),
    }
}

/// A step's limit in words (`5个工作日`).
#[must_use]
pub fn limit_text(lang: Lang, limit: TimeLimit) -> String {
    svg_labels(lang, "").limit_text(limit)
}

/// The risk levels of steps (by rank) as the drawing shows them: the model's colour
/// and the level's words.
#[must_use]
pub fn step_levels(lang: Lang, model: &RiskModel, ranks: &BTreeMap<String, i32>) -> BTreeMap<String, StepLevel> {
    ranks
        .iter()
        .filter_map(|(step, rank)| {
            let level = model.level(u8::try_from(*rank).ok()?)?;
            let words = match lang {
                Lang::Zh => format!("{}（{}）", level.name_zh, level.colour_zh),
                Lang::En => format!("{} ({})", level.name_en, level.colour_en),
            };
            Some((step.clone(), StepLevel { colour: level.colour.clone(), words }))
        })
        .collect()
}

/// The chart drawn with the reader's words and its steps' risk levels.
#[must_use]
pub fn draw(lang: Lang, chart: &Flowchart, title: &str, levels: &BTreeMap<String, StepLevel>) -> String {
    render_svg(chart, levels, &svg_labels(lang, title))
}

/// The words of a case's run over its drawing.
#[must_use]
pub fn trace_labels(lang: Lang) -> TraceLabels {
    TraceLabels {
        not_reached: state_word(lang, StepState::NotReached),
        current: state_word(lang, StepState::Current),
        done: state_word(lang, StepState::Done),
        skipped: state_word(lang, StepState::Skipped),
        times: lang.t("trace-times"),
        used_of_limit: lang.t("trace-used-of-limit"),
        used: lang.t("trace-used"),
        overdue: lang.t("trace-overdue"),
        event: lang.t("trace-event"),
        unknown: lang.t("trace-unknown"),
        separator: lang.t("trace-separator"),
        rules: RuleId::ALL.iter().map(|r| (*r, crate::pages::supervision::rule_name(lang, r.as_str()))).collect(),
    }
}

/// A step's state in words (`已办理`).
#[must_use]
pub fn state_word(lang: Lang, state: StepState) -> String {
    lang.t(&format!("trace-state-{}", state.as_str().replace('_', "-")))
}

/// The chart of a case with its run over it.
#[must_use]
pub fn draw_trace(lang: Lang, chart: &Flowchart, title: &str, trace: &CaseTrace) -> String {
    let mut labels = svg_labels(lang, title);
    labels.description = lang.t("trace-svg-description");
    // The tooltips say the evidence in the reader's language.
    let mut trace = trace.clone();
    let findings = trace.steps.values_mut().flat_map(|s| s.findings.iter_mut()).chain(trace.other_findings.iter_mut());
    for f in findings {
        f.evidence = lang.said(&f.words, &f.evidence);
    }
    render_svg_with_trace(chart, &BTreeMap::new(), &labels, &trace, &trace_labels(lang))
}

/// A clarity's name (`时限`).
#[must_use]
pub fn clarity_name(lang: Lang, clarity: Clarity) -> String {
    lang.t(match clarity {
        Clarity::Procedure => "flowchart-clarity-procedure",
        Clarity::ResponsiblePerson => "flowchart-clarity-responsible",
        Clarity::TimeLimit => "flowchart-clarity-limit",
        Clarity::Supervisor => "flowchart-clarity-supervisor",
    })
}

/// One line per step that lacks a clarity: `环节“受理”（t3）缺少：时限、监督人`.
#[must_use]
pub fn gap_lines(lang: Lang, chart: &Flowchart) -> Vec<String> {
    chart
        .four_clarities()
        .into_iter()
        .map(|gap| {
            let missing: Vec<String> = gap.missing.iter().map(|c| clarity_name(lang, *c)).collect();
            lang.t_args(
                "flowchart-gap",
                &[
                    ("step", gap.name.into()),
                    ("id", gap.step.to_string().into()),
                    ("missing", missing.join(&lang.t("flowchart-separator")).into()),
                ],
            )
        })
        .collect()
}

/// A version's state in words.
#[must_use]
pub fn state_name(lang: Lang, state: &str) -> String {
    match state {
        "draft" | "published" | "superseded" => lang.t(&format!("flowchart-state-{state}")),
        other => other.to_owned(),
    }
}

fn model_error(lang: Lang, error: &FlowchartError) -> String {
    match error {
        FlowchartError::InvalidId(id) => lang.t_args("flowchart-error-invalid-id", &[("id", id.clone().into())]),
        FlowchartError::InvalidText(id) => lang.t_args("flowchart-error-invalid-text", &[("id", id.clone().into())]),
        FlowchartError::DuplicateId(id) => lang.t_args("flowchart-error-duplicate-id", &[("id", id.clone().into())]),
        FlowchartError::DanglingReference(from, to) => lang
            .t_args("flowchart-error-dangling-reference", &[("from", from.clone().into()), ("to", to.clone().into())]),
        FlowchartError::NoStart => lang.t("flowchart-error-no-start"),
        FlowchartError::NoEnd => lang.t("flowchart-error-no-end"),
    }
}

/// What is wrong with a BPMN file, naming its line and element.
#[must_use]
pub fn bpmn_error(lang: Lang, error: &BpmnError) -> String {
    let line = |n: usize| -> FluentValue<'static> { n.into() };
    match error {
        BpmnError::TooLarge(limit) => lang.t_args("bpmn-error-too-large", &[("limit", (*limit).into())]),
        BpmnError::Xml { line: n, message } => {
            lang.t_args("bpmn-error-xml", &[("line", line(*n)), ("message", message.clone().into())])
        }
        BpmnError::MissingAttribute { line: n, element, attribute } => lang.t_args(
            "bpmn-error-missing-attribute",
            &[("line", line(*n)), ("element", element.clone().into()), ("attribute", (*attribute).into())],
        ),
        BpmnError::Invalid { line: n, element, reason } => lang.t_args(
            "bpmn-error-invalid",
            &[("line", line(*n)), ("element", element.clone().into()), ("reason", reason.clone().into())],
        ),
        BpmnError::Unsupported { line: n, element } => {
            lang.t_args("bpmn-error-unsupported", &[("line", line(*n)), ("element", element.clone().into())])
        }
        BpmnError::NoProcess => lang.t("bpmn-error-no-process"),
        BpmnError::Model { line: 0, source } => model_error(lang, source),
        BpmnError::Model { line: n, source } => {
            lang.t_args("bpmn-error-model", &[("line", line(*n)), ("message", model_error(lang, source).into())])
        }
    }
}

/// The line and element a BPMN error names, when it names them.
#[must_use]
pub fn bpmn_error_place(error: &BpmnError) -> (Option<usize>, Option<String>) {
    match error {
        BpmnError::Xml { line, .. } => (Some(*line), None),
        BpmnError::MissingAttribute { line, element, .. }
        | BpmnError::Invalid { line, element, .. }
        | BpmnError::Unsupported { line, element } => (Some(*line), Some(element.clone())),
        BpmnError::Model { line, .. } if *line > 0 => (Some(*line), None),
        _ => (None, None),
    }
}

fn node_words(lang: Lang, node: &Node) -> String {
    match (&node.kind, node.name.trim()) {
        (NodeKind::End, "") => lang.t("flowchart-end"),
        (_, name) => name.to_owned(),
    }
}

/// The steps (or end) that may follow `node`, through gateways, each with the label
/// of the branch that leads there: `受理（齐全）；一次性告知补正（不齐全）`.
#[must_use]
pub fn next_steps(lang: Lang, chart: &Flowchart, node: &Node) -> String {
    let mut found: Vec<String> = Vec::new();
    let mut queue: Vec<(&str, String, usize)> = vec![(node.id.as_str(), String::new(), 0)];
    let mut seen: Vec<&str> = Vec::new();
    while let Some((at, label, depth)) = queue.pop() {
        for flow in chart.flows().iter().filter(|f| f.source.as_str() == at) {
            let Some(target) = chart.node(flow.target.as_str()) else { continue };
            let here = if flow.name.trim().is_empty() {
                flow.condition.clone().unwrap_or_default()
            } else {
                flow.name.clone()
            };
            let label = if here.trim().is_empty() { label.clone() } else { here.trim().to_owned() };
            let passes =
                matches!(target.kind, NodeKind::Exclusive { .. } | NodeKind::Parallel | NodeKind::Intermediate)
                    || matches!(target.kind, NodeKind::Task(_) if target.name.trim().is_empty());
            if passes && depth < 8 && !seen.contains(&target.id.as_str()) {
                seen.push(target.id.as_str());
                queue.push((target.id.as_str(), label, depth + 1));
            } else if !passes {
                let words = node_words(lang, target);
                let entry = if label.is_empty() {
                    words
                } else {
                    lang.t_args("flowchart-next-when", &[("step", words.into()), ("when", label.into())])
                };
                if !found.contains(&entry) {
                    found.push(entry);
                }
            }
        }
    }
    found.join(&lang.t("flowchart-separator-strong"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use sunlight_domain::flow::import_bpmn;

    use super::*;

    #[test]
    fn errors_name_the_line_and_element_in_both_languages() {
        let err =
            import_bpmn("<definitions>\n<process id=\"p\">\n<task name=\"x\"/>\n</process></definitions>").unwrap_err();
        let zh = bpmn_error(Lang::Zh, &err);
        assert!(zh.contains('3') && zh.contains("<task>") && zh.contains("id"), "{zh}");
        let en = bpmn_error(Lang::En, &err);
        assert!(en.contains("line 3") && en.contains("<task>"), "{en}");
        assert_eq!(bpmn_error_place(&err), (Some(3), Some("task".to_owned())));
    }
}
