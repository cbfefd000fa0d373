//! A flowchart drawn as SVG on the server, for the staff pages, the portal and print.
//!
//! Layered drawing (Sugiyama's method, kept small): return loops are found by a
//! depth-first search from the start events and drawn as back edges around the
//! right side; the other flows give each node its layer by the longest path from a
//! start; flows spanning several layers pass through invisible points so that they
//! take part in the ordering; nodes are ordered within their layers by barycenter
//! sweeps that keep the order with the fewest crossings; x positions are pulled
//! towards the neighbours' and kept apart. Layers run top to bottom, which suits a
//! phone's narrow screen and a printed A4 page.
//!
//! Every word comes from the caller (`SvgLabels`, the chart's own texts), escaped;
//! a step's risk level is a colour *and* its words in the box.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::calendar::{LimitUnit, TimeLimit};
use super::flowchart::{Flowchart, NodeKind, Step};
use super::rules::RuleId;
use super::trace::{CaseTrace, StepState, StepTrace};
use crate::risk::model::Colour;
use crate::text::xml_escape;

/// The level of the risk points found at a step: its colour and its words
/// (`一级（红）`), both drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLevel {
    pub colour: Colour,
    pub words: String,
}

/// The words of the drawing, in the reader's language. Limits are templates in
/// which `{n}` stands for the amount (`{n}个工作日`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgLabels {
    /// The drawing's accessible title (and tooltip).
    pub title: String,
    /// A longer description for screen readers; may be empty.
    pub description: String,
    pub start: String,
    pub end: String,
    /// Prefix of the responsible role, position or person (`责任：`).
    pub responsible: String,
    /// Prefix of the time limit (`时限：`).
    pub limit: String,
    /// Written where a step states no responsible or no limit (`未明确`).
    pub missing: String,
    pub working_days: String,
    pub natural_days: String,
    pub working_hours: String,
    /// The same for an amount of one (languages with a plural).
    pub working_day: String,
    pub natural_day: String,
    pub working_hour: String,
}

impl SvgLabels {
    /// A time limit in words.
    #[must_use]
    pub fn limit_text(&self, limit: TimeLimit) -> String {
        let one = limit.amount() == 1;
        let template = match (limit.unit(), one) {
            (LimitUnit::WorkingDays, false) => &self.working_days,
            (LimitUnit::NaturalDays, false) => &self.natural_days,
            (LimitUnit::WorkingHours, false) => &self.working_hours,
            (LimitUnit::WorkingDays, true) => &self.working_day,
            (LimitUnit::NaturalDays, true) => &self.natural_day,
            (LimitUnit::WorkingHours, true) => &self.working_hour,
        };
        template.replace("{n}", &limit.amount().to_string())
    }
}

/// Who is responsible for a step, as one line: position, role and person that are stated.
#[must_use]
pub fn responsible_text(step: &Step) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for text in [&step.position, &step.role, &step.person].into_iter().flatten() {
        let text = text.trim();
        if !text.is_empty() && !parts.contains(&text) {
            parts.push(text);
        }
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

const MARGIN: f64 = 24.0;
const TASK_W: f64 = 220.0;
const TASK_H: f64 = 70.0;
const BAND_H: f64 = 18.0;
const EVENT_R: f64 = 22.0;
const GATEWAY: f64 = 48.0;
const DUMMY_W: f64 = 14.0;
const H_GAP: f64 = 36.0;
const V_GAP: f64 = 64.0;
const LANE_GAP: f64 = 14.0;
/// How far a loop's turns may stray from the rows (its offset grows with its index).
const LOOP_ROOM: f64 = 30.0;
const FONT: f64 = 12.0;
const SIDE_LABEL_MAX: f64 = 120.0;
const EDGE_LABEL_MAX: f64 = 150.0;
/// Beyond these, a big chart is still drawn, with less polish.
const MAX_DUMMIES: usize = 20_000;
const MAX_CROSSING_EDGES: usize = 3_000;
const SWEEPS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Start,
    End,
    Intermediate,
    Exclusive,
    Parallel,
    Task,
    /// A point a long flow passes through.
    Dummy,
}

#[derive(Debug, Clone)]
struct LayoutNode {
    shape: Shape,
    /// Index into the chart's nodes; `None` for a dummy.
    node: Option<usize>,
    layer: usize,
    /// Width taken in the layer (shape plus side label) and the shape's own size.
    width: f64,
    shape_w: f64,
    shape_h: f64,
    x: f64,
    y: f64,
}

struct Edge {
    source: usize,
    target: usize,
    label: String,
    dashed: bool,
    /// The chart's flow it draws (`None`: a timer's).
    flow: Option<usize>,
}

/// One drawn edge: the layout nodes it passes through, and whether it returns.
struct Route {
    edge: usize,
    chain: Vec<usize>,
    back: bool,
}

/// Display width of text in `font` pixels: CJK and full-width characters one em,
/// the others about half.
fn text_width(text: &str, font: f64) -> f64 {
    text.chars().map(|c| if u32::from(c) >= 0x2E80 { font } else { font * 0.6 }).sum()
}

/// The text cut (with an ellipsis) to fit `max` pixels.
fn fit(text: &str, font: f64, max: f64) -> String {
    if text_width(text, font) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut width = text_width("…", font);
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), font);
        if width + w > max {
            break;
        }
        width += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Dark text on light colours, white on dark ones (WCAG relative luminance).
fn text_on(colour: &Colour) -> &'static str {
    let hex = colour.as_str().trim_start_matches('#');
    let channel = |i: usize| {
        let v = hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).map_or(0.0, |v| f64::from(v) / 255.0);
        if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    if luminance > 0.3 { "#1d2733" } else { "#ffffff" }
}

fn num(v: f64) -> String {
    if v.is_finite() { format!("{}", (v * 10.0).round() / 10.0) } else { "0".to_owned() }
}

/// Back edges by an iterative depth-first search from the start events, then from
/// every node not reached yet (in document order), so the drawing is stable.
fn find_back_edges(n: usize, edges: &[Edge], starts: &[usize]) -> (Vec<bool>, Vec<usize>) {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        out[e.source].push(i);
    }
    let mut back = vec![false; edges.len()];
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut discovery = Vec::with_capacity(n);
    let roots = starts.iter().copied().chain(0..n);
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        discovery.push(root);
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if let Some(&edge) = out[node].get(next) {
                top.1 += 1;
                let target = edges[edge].target;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        discovery.push(target);
                        stack.push((target, 0));
                    }
                    1 => back[edge] = true,
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    (back, discovery)
}

/// Longest-path layers over the forward edges (Kahn's order).
fn longest_path_layers(n: usize, edges: &[Edge], back: &[bool]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if !back[i] {
            indegree[e.target] += 1;
            out[e.source].push(e.target);
        }
    }
    let mut layer = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut head = 0;
    while let Some(&v) = queue.get(head) {
        head += 1;
        for &t in &out[v] {
            layer[t] = layer[t].max(layer[v] + 1);
            indegree[t] -= 1;
            if indegree[t] == 0 {
                queue.push(t);
            }
        }
    }
    layer
}

fn crossings(layers: &[Vec<usize>], position: &[usize], segments: &[(usize, usize)], layer_of: &[usize]) -> usize {
    let mut by_layer: Vec<Vec<(usize, usize)>> = vec![Vec::new(); layers.len()];
    for &(a, b) in segments {
        by_layer[layer_of[a]].push((position[a], position[b]));
    }
    let mut total = 0;
    for list in &by_layer {
        for (i, &(s1, t1)) in list.iter().enumerate() {
            for &(s2, t2) in &list[i + 1..] {
                if (s1 < s2 && t1 > t2) || (s1 > s2 && t1 < t2) {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Barycenter sweeps down and up; the order with the fewest crossings is kept.
fn order_layers(layers: &mut [Vec<usize>], count: usize, segments: &[(usize, usize)], layer_of: &[usize]) {
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(a, b) in segments {
        down[a].push(b);
        up[b].push(a);
    }
    let mut position = vec![0usize; count];
    let place = |layers: &[Vec<usize>], position: &mut [usize]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                position[v] = i;
            }
        }
    };
    place(layers, &mut position);
    let measure = segments.len() <= MAX_CROSSING_EDGES;
    let mut best = layers.to_vec();
    let mut best_crossings = if measure { crossings(layers, &position, segments, layer_of) } else { 0 };
    let sweeps = if measure { SWEEPS } else { 1 };
    for sweep in 0..sweeps {
        let downward = sweep % 2 == 0;
        let indices: Vec<usize> =
            if downward { (1..layers.len()).collect() } else { (0..layers.len().saturating_sub(1)).rev().collect() };
        for l in indices {
            let neighbours = if downward { &up } else { &down };
            let mut keyed: Vec<(f64, usize, usize)> = layers[l]
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let near = &neighbours[v];
                    let key = if near.is_empty() {
                        i as f64
                    } else {
                        near.iter().map(|&u| position[u] as f64).sum::<f64>() / near.len() as f64
                    };
                    (key, i, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[l] = keyed.into_iter().map(|(_, _, v)| v).collect();
            for (i, &v) in layers[l].iter().enumerate() {
                position[v] = i;
            }
        }
        if measure {
            let now = crossings(layers, &position, segments, layer_of);
            if now < best_crossings {
                best_crossings = now;
                best = layers.to_vec();
            }
        } else {
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
}

/// x centres: packed, then pulled towards the neighbours' mean in alternating
/// passes, every layer kept in order and apart (the mean of a left-packed and a
/// right-packed placement keeps both's gaps).
fn assign_x(nodes: &mut [LayoutNode], layers: &[Vec<usize>], segments: &[(usize, usize)]) {
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for &(a, b) in segments {
        down[a].push(b);
        up[b].push(a);
    }
    let widest = layers
        .iter()
        .map(|l| l.iter().map(|&v| nodes[v].width).sum::<f64>() + H_GAP * l.len().saturating_sub(1) as f64)
        .fold(0.0, f64::max);
    for layer in layers {
        let width = layer.iter().map(|&v| nodes[v].width).sum::<f64>() + H_GAP * layer.len().saturating_sub(1) as f64;
        let mut left = (widest - width) / 2.0;
        for &v in layer {
            nodes[v].x = left + nodes[v].width / 2.0;
            left += nodes[v].width + H_GAP;
        }
    }
    for pass in 0..6 {
        let downward = pass % 2 == 0;
        let order: Vec<usize> = if downward { (0..layers.len()).collect() } else { (0..layers.len()).rev().collect() };
        for l in order {
            let layer = &layers[l];
            let wanted: Vec<f64> = layer
                .iter()
                .map(|&v| {
                    let near = if downward { &up[v] } else { &down[v] };
                    if near.is_empty() {
                        nodes[v].x
                    } else {
                        near.iter().map(|&u| nodes[u].x).sum::<f64>() / near.len() as f64
                    }
                })
                .collect();
            let mut left_packed = wanted.clone();
            for i in 1..layer.len() {
                let min = left_packed[i - 1] + f64::midpoint(nodes[layer[i - 1]].width, nodes[layer[i]].width) + H_GAP;
                left_packed[i] = left_packed[i].max(min);
            }
            let mut right_packed = wanted;
            for i in (0..layer.len().saturating_sub(1)).rev() {
                let max = right_packed[i + 1] - f64::midpoint(nodes[layer[i + 1]].width, nodes[layer[i]].width) - H_GAP;
                right_packed[i] = right_packed[i].min(max);
            }
            for (i, &v) in layer.iter().enumerate() {
                nodes[v].x = f64::midpoint(left_packed[i], right_packed[i]);
            }
        }
    }
    let min_left = nodes.iter().map(|n| n.x - n.width / 2.0).fold(f64::INFINITY, f64::min);
    let shift = if min_left.is_finite() { MARGIN - min_left } else { MARGIN };
    for node in nodes.iter_mut() {
        node.x += shift;
    }
}

struct Layout {
    nodes: Vec<LayoutNode>,
    edges: Vec<Edge>,
    routes: Vec<Route>,
    /// (top, height) of each layer's row.
    rows: Vec<(f64, f64)>,
}

#[allow(clippy::too_many_lines)] // the layout's steps in order: edges, loops, layers, points, order, positions
/// `bands`: how many bands of words (risk level, case state) sit atop each step.
fn layout(chart: &Flowchart, labels: &SvgLabels, bands: usize) -> Layout {
    let chart_nodes = chart.nodes();
    let index: HashMap<&str, usize> = chart_nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut edges: Vec<Edge> = chart
        .flows()
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let label = if f.name.trim().is_empty() { f.condition.clone().unwrap_or_default() } else { f.name.clone() };
            Some(Edge {
                source: *index.get(f.source.as_str())?,
                target: *index.get(f.target.as_str())?,
                label: label.trim().to_owned(),
                dashed: false,
                flow: Some(i),
            })
        })
        .collect();
    for timer in &chart.parts().timers {
        if let (Some(&source), Some(target)) =
            (index.get(timer.attached_to.as_str()), timer.target.as_ref().and_then(|t| index.get(t.as_str())))
        {
            let label = if timer.name.trim().is_empty() { timer.duration.clone() } else { timer.name.clone() };
            edges.push(Edge {
                source,
                target: *target,
                label: format!("⏱ {}", label.trim()),
                dashed: true,
                flow: None,
            });
        }
    }
    let n = chart_nodes.len();
    let starts: Vec<usize> = (0..n).filter(|&i| chart_nodes[i].kind == NodeKind::Start).collect();
    let (back, discovery) = find_back_edges(n, &edges, &starts);
    let layer = longest_path_layers(n, &edges, &back);

    let task_h = TASK_H + (BAND_H + 2.0) * bands as f64;
    let mut nodes: Vec<LayoutNode> = chart_nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (shape, w, h) = match &node.kind {
                NodeKind::Start => (Shape::Start, EVENT_R * 2.0, EVENT_R * 2.0),
                NodeKind::End => (Shape::End, EVENT_R * 2.0, EVENT_R * 2.0),
                NodeKind::Intermediate => (Shape::Intermediate, EVENT_R * 2.0, EVENT_R * 2.0),
                NodeKind::Exclusive { .. } => (Shape::Exclusive, GATEWAY, GATEWAY),
                NodeKind::Parallel => (Shape::Parallel, GATEWAY, GATEWAY),
                NodeKind::Task(_) => (Shape::Task, TASK_W, task_h),
            };
            let side = side_label(node.name.trim(), shape, labels);
            let side_w = if side.is_empty() { 0.0 } else { text_width(&side, FONT).min(SIDE_LABEL_MAX) + 6.0 };
            // The label sits right of the shape; the same room on the left keeps the shape centred.
            LayoutNode {
                shape,
                node: Some(i),
                layer: layer[i],
                width: w + 2.0 * side_w,
                shape_w: w,
                shape_h: h,
                x: 0.0,
                y: 0.0,
            }
        })
        .collect();

    let mut routes = Vec::with_capacity(edges.len());
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut dummies = 0usize;
    for (i, e) in edges.iter().enumerate() {
        if back[i] {
            routes.push(Route { edge: i, chain: vec![e.source, e.target], back: true });
            continue;
        }
        let (from, to) = (layer[e.source], layer[e.target]);
        let mut chain = vec![e.source];
        if to > from + 1 && dummies + (to - from - 1) <= MAX_DUMMIES {
            for l in from + 1..to {
                nodes.push(LayoutNode {
                    shape: Shape::Dummy,
                    node: None,
                    layer: l,
                    width: DUMMY_W,
                    shape_w: 0.0,
                    shape_h: 0.0,
                    x: 0.0,
                    y: 0.0,
                });
                dummies += 1;
                chain.push(nodes.len() - 1);
            }
        }
        chain.push(e.target);
        for pair in chain.windows(2) {
            if nodes[pair[1]].layer == nodes[pair[0]].layer + 1 {
                segments.push((pair[0], pair[1]));
            }
        }
        routes.push(Route { edge: i, chain, back: false });
    }

    let layer_count = nodes.iter().map(|n| n.layer + 1).max().unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    // Chart nodes in depth-first order from the start, so a first order follows the flow.
    for &v in &discovery {
        layers[nodes[v].layer].push(v);
    }
    for v in n..nodes.len() {
        layers[nodes[v].layer].push(v);
    }
    let layer_of: Vec<usize> = nodes.iter().map(|n| n.layer).collect();
    let count = nodes.len();
    order_layers(&mut layers, count, &segments, &layer_of);
    assign_x(&mut nodes, &layers, &segments);

    let mut rows = Vec::with_capacity(layers.len());
    // A loop back to the first row comes in above it: room for its turn.
    let loops_to_top = routes.iter().any(|r| r.back && r.chain.last().is_some_and(|&t| nodes[t].layer == 0));
    let mut top = if loops_to_top { MARGIN + LOOP_ROOM } else { MARGIN };
    for layer in &layers {
        let height = layer.iter().map(|&v| nodes[v].shape_h).fold(0.0, f64::max).max(8.0);
        for &v in layer {
            nodes[v].y = top + height / 2.0;
        }
        rows.push((top, height));
        top += height + V_GAP;
    }
    Layout { nodes, edges, routes, rows }
}

fn side_label(name: &str, shape: Shape, labels: &SvgLabels) -> String {
    match shape {
        Shape::Task | Shape::Dummy => String::new(),
        _ if !name.is_empty() => fit(name, FONT, SIDE_LABEL_MAX),
        Shape::Start => fit(labels.start.trim(), FONT, SIDE_LABEL_MAX),
        Shape::End => fit(labels.end.trim(), FONT, SIDE_LABEL_MAX),
        _ => String::new(),
    }
}

fn top_of(node: &LayoutNode) -> (f64, f64) {
    (node.x, node.y - node.shape_h / 2.0)
}

fn bottom_of(node: &LayoutNode) -> (f64, f64) {
    (node.x, node.y + node.shape_h / 2.0)
}

/// Draws `chart` as a standalone SVG document (also fit to put inline in HTML).
/// `levels` maps a step's name to the level of its risk points; steps not in it are
/// drawn neutral.
#[must_use]
pub fn render_svg(chart: &Flowchart, levels: &BTreeMap<String, StepLevel>, labels: &SvgLabels) -> String {
    draw(chart, levels, labels, None)
}

/// [`render_svg`] with a case's run over it: each step's state in its outline, its
/// fill and its words, the order numbers of its events as badges, a `!` badge
/// where a rule found something (the rules' words in its tooltip), and a line
/// naming the events at activities the chart does not have.
#[must_use]
pub fn render_svg_with_trace(
    chart: &Flowchart,
    levels: &BTreeMap<String, StepLevel>,
    labels: &SvgLabels,
    trace: &CaseTrace,
    words: &TraceLabels,
) -> String {
    draw(chart, levels, labels, Some((trace, words)))
}

#[allow(clippy::too_many_lines)] // the document top to bottom: frame, edges, nodes
fn draw(
    chart: &Flowchart,
    levels: &BTreeMap<String, StepLevel>,
    labels: &SvgLabels,
    trace: Option<(&CaseTrace, &TraceLabels)>,
) -> String {
    let has_levels = chart.steps().any(|(node, _)| levels.contains_key(node.name.trim()));
    let bands = usize::from(has_levels) + usize::from(trace.is_some());
    let Layout { nodes, edges, routes, rows } = layout(chart, labels, bands);
    let content_right = nodes.iter().map(|n| n.x + n.width / 2.0).fold(MARGIN, f64::max);
    let loops_from_bottom =
        routes.iter().any(|r| r.back && r.chain.first().is_some_and(|&s| nodes[s].layer + 1 == rows.len()));
    let mut bottom = rows.last().map_or(MARGIN, |(top, h)| top + h) + if loops_from_bottom { LOOP_ROOM } else { 0.0 };
    let backs = routes.iter().filter(|r| r.back).count();
    let lanes_right = content_right + LANE_GAP * (backs as f64 + 1.0);
    let mut label_right = lanes_right;
    let mut body = String::new();

    let (mut lane, mut back_index) = (content_right, 0usize);
    for route in &routes {
        let edge = &edges[route.edge];
        let (Some(&first), Some(&last)) = (route.chain.first(), route.chain.last()) else { continue };
        let mut points: Vec<(f64, f64)> = Vec::new();
        // Where the label goes: beside the loop's climb, or part way down the first
        // segment, on the side it turns to (so two branches' labels never meet).
        let (anchor, side) = if route.back {
            lane += LANE_GAP;
            // Leave below the source's row and come in above the target's row, in the
            // gaps between rows, so the loop crosses no box.
            let offset = 10.0 + (back_index % 4) as f64 * 6.0;
            back_index += 1;
            let source = &nodes[first];
            let target = &nodes[last];
            let (sx, sy) = bottom_of(source);
            let (tx, ty) = top_of(target);
            let below = rows.get(source.layer).map_or(sy, |(t, h)| t + h) + offset;
            let above = rows.get(target.layer).map_or(ty, |(t, _)| *t) - offset;
            points.extend([(sx, sy), (sx, below), (lane, below), (lane, above), (tx, above), (tx, ty)]);
            ((lane, f64::midpoint(below, above)), 1)
        } else {
            points.push(bottom_of(&nodes[first]));
            for &v in &route.chain[1..route.chain.len() - 1] {
                points.push((nodes[v].x, nodes[v].y));
            }
            points.push(top_of(&nodes[last]));
            let ((x0, y0), (x1, y1)) = (points[0], points[1]);
            let at = (x0 + (x1 - x0) * 0.45, y0 + (y1 - y0) * 0.45);
            let side = if x1 < x0 - 1.0 { -1 } else { i32::from(x1 > x0 + 1.0) };
            (at, side)
        };
        let path: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect();
        let dash = if edge.dashed { r#" stroke-dasharray="5 4""# } else { "" };
        let taken = trace.is_some_and(|(t, _)| {
            edge.flow.and_then(|i| chart.flows().get(i)).is_some_and(|f| t.taken_flows.contains(f.id.as_str()))
        });
        // The path taken is thicker as well as darker, so it reads without colour.
        let (class, stroke, width, marker) = match (route.back, taken) {
            (false, false) => ("flow", "#52606d", 1.4, "fc-arrow"),
            (true, false) => ("flow back", "#52606d", 1.4, "fc-arrow"),
            (false, true) => ("flow taken", "#0d47a1", 3.2, "fc-arrow-taken"),
            (true, true) => ("flow back taken", "#0d47a1", 3.2, "fc-arrow-taken"),
        };
        let _ = write!(
            body,
            r#"<polyline class="{class}" points="{}" fill="none" stroke="{stroke}" stroke-width="{width}"{dash} marker-end="url(#{marker})"/>"#,
            path.join(" ")
        );
        if !edge.label.is_empty() {
            let text = fit(&edge.label, FONT - 1.0, EDGE_LABEL_MAX);
            let width = text_width(&text, FONT - 1.0);
            let left = match side {
                -1 => anchor.0 - width - 6.0,
                0 => anchor.0 + 5.0,
                _ => anchor.0 + 6.0,
            }
            .max(2.0);
            let label_at = (left, anchor.1 + 4.0);
            label_right = label_right.max(label_at.0 + width + 4.0);
            let _ = write!(
                body,
                r##"<rect x="{}" y="{}" width="{}" height="15" fill="#ffffff" fill-opacity="0.9"/><text x="{}" y="{}" font-size="11" fill="#1d2733">{}</text>"##,
                num(label_at.0 - 2.0),
                num(label_at.1 - 11.0),
                num(width + 4.0),
                num(label_at.0),
                num(label_at.1),
                xml_escape(&text)
            );
        }
    }

    let chart_nodes = chart.nodes();
    for node in &nodes {
        let Some(source) = node.node.and_then(|i| chart_nodes.get(i)) else { continue };
        let (x, y) = (node.x, node.y);
        let name = source.name.trim();
        let side = side_label(name, node.shape, labels);
        let mut tooltip = if name.is_empty() { side.clone() } else { name.to_owned() };
        let state = trace.and_then(|(t, _)| t.steps.get(name)).filter(|_| node.shape == Shape::Task);
        match state {
            Some(step) => {
                let _ = write!(body, r#"<g class="node task trace-{}">"#, step.state.as_str());
            }
            None => {
                let _ = write!(body, r#"<g class="node {}">"#, shape_class(node.shape));
            }
        }
        match (&source.kind, node.shape) {
            (NodeKind::Task(step), _) => {
                let level = levels.get(name);
                let (left, top) = (x - TASK_W / 2.0, y - node.shape_h / 2.0);
                let at_step = trace.and_then(|(t, w)| Some((t.steps.get(name)?, w)));
                let (stroke, stroke_w) = level.map_or(("#52606d", 1.2), |l| (l.colour.as_str(), 3.0));
                let (fill, stroke, stroke_w, dash) = match at_step {
                    Some((step, _)) => state_style(step.state),
                    None => ("#ffffff", stroke, stroke_w, ""),
                };
                let _ = write!(
                    body,
                    r#"<rect x="{}" y="{}" width="{TASK_W}" height="{}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"{dash}/>"#,
                    num(left),
                    num(top),
                    num(node.shape_h)
                );
                let mut line_y = top + 22.0;
                let mut band_top = top + 4.0;
                if let Some((step, words)) = at_step {
                    let (text, colour) = state_line(step, words, labels);
                    let _ = write!(
                        body,
                        r#"<text class="trace-state" x="{}" y="{}" text-anchor="middle" font-size="10.5" font-weight="bold" fill="{colour}">{}</text>"#,
                        num(x),
                        num(band_top + 13.0),
                        xml_escape(&fit(&text, 10.5, TASK_W - 16.0))
                    );
                    let _ = write!(tooltip, " · {text}");
                    band_top += BAND_H + 2.0;
                    line_y += BAND_H + 2.0;
                } else if trace.is_some() {
                    band_top += BAND_H + 2.0;
                    line_y += BAND_H + 2.0;
                }
                if let Some(level) = level {
                    let _ = write!(
                        body,
                        r#"<rect x="{}" y="{}" width="{}" height="{BAND_H}" rx="4" fill="{}"/><text x="{}" y="{}" text-anchor="middle" font-size="11" font-weight="bold" fill="{}">{}</text>"#,
                        num(left + 4.0),
                        num(band_top),
                        num(TASK_W - 8.0),
                        level.colour.as_str(),
                        num(x),
                        num(band_top + 13.0),
                        text_on(&level.colour),
                        xml_escape(&fit(&level.words, 11.0, TASK_W - 16.0))
                    );
                    line_y += BAND_H + 2.0;
                    let _ = write!(tooltip, " · {}", level.words);
                } else if has_levels {
                    line_y += BAND_H + 2.0;
                }
                let _ = write!(
                    body,
                    r##"<text x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="bold" fill="#1d2733">{}</text>"##,
                    num(x),
                    num(line_y),
                    xml_escape(&fit(name, 13.0, TASK_W - 16.0))
                );
                let lines = [
                    (&labels.responsible, responsible_text(step)),
                    (&labels.limit, step.limit.map(|l| labels.limit_text(l))),
                ];
                for (prefix, value) in lines {
                    line_y += 18.0;
                    let (text, fill) = match &value {
                        Some(v) => (format!("{prefix}{v}"), "#1d2733"),
                        None => (format!("{prefix}{}", labels.missing), "#b71c1c"),
                    };
                    let _ = write!(tooltip, " · {text}");
                    let _ = write!(
                        body,
                        r#"<text x="{}" y="{}" text-anchor="middle" font-size="{FONT}" fill="{fill}">{}</text>"#,
                        num(x),
                        num(line_y),
                        xml_escape(&fit(&text, FONT, TASK_W - 16.0))
                    );
                }
                if let Some((step, words)) = at_step {
                    event_badges(&mut body, &step.events, left, top);
                    if !step.findings.is_empty() {
                        let said = findings_text(step, words);
                        if step.deviates() {
                            deviation_badge(&mut body, &said, left + TASK_W, top);
                        }
                        let _ = write!(tooltip, " · {said}");
                    }
                }
            }
            (_, Shape::Start | Shape::End | Shape::Intermediate) => {
                let width = if node.shape == Shape::End { 3.5 } else { 1.5 };
                let _ = write!(
                    body,
                    r##"<circle cx="{}" cy="{}" r="{EVENT_R}" fill="#ffffff" stroke="#1d2733" stroke-width="{width}"/>"##,
                    num(x),
                    num(y)
                );
                if node.shape == Shape::Intermediate {
                    let _ = write!(
                        body,
                        r##"<circle cx="{}" cy="{}" r="{}" fill="none" stroke="#1d2733" stroke-width="1.2"/>"##,
                        num(x),
                        num(y),
                        EVENT_R - 4.0
                    );
                }
            }
            (_, shape) => {
                let h = GATEWAY / 2.0;
                let _ = write!(
                    body,
                    r##"<polygon points="{},{} {},{} {},{} {},{}" fill="#fff8e1" stroke="#1d2733" stroke-width="1.5"/>"##,
                    num(x),
                    num(y - h),
                    num(x + h),
                    num(y),
                    num(x),
                    num(y + h),
                    num(x - h),
                    num(y)
                );
                let a = 9.0;
                let (p1, p2) = if shape == Shape::Parallel {
                    (((x - a - 2.0), y, (x + a + 2.0), y), (x, (y - a - 2.0), x, (y + a + 2.0)))
                } else {
                    (((x - a), (y - a), (x + a), (y + a)), ((x - a), (y + a), (x + a), (y - a)))
                };
                for (x1, y1, x2, y2) in [p1, p2] {
                    let _ = write!(
                        body,
                        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#1d2733" stroke-width="3"/>"##,
                        num(x1),
                        num(y1),
                        num(x2),
                        num(y2)
                    );
                }
            }
        }
        if !side.is_empty() {
            let _ = write!(
                body,
                r##"<text x="{}" y="{}" font-size="{FONT}" fill="#1d2733">{}</text>"##,
                num(x + node.shape_w / 2.0 + 6.0),
                num(y + 4.0),
                xml_escape(&side)
            );
        }
        let _ = write!(body, "<title>{}</title></g>", xml_escape(tooltip.trim()));
    }

    if let Some((trace, words)) = trace
        && !trace.unknown.is_empty()
    {
        let listed: Vec<String> = trace.unknown.iter().map(|u| format!("#{} {}", u.event, u.activity)).collect();
        let text = format!("{}{}", words.unknown, listed.join(&words.separator));
        bottom += 8.0;
        for line in wrap(&text, FONT, (label_right - MARGIN).max(TASK_W)) {
            bottom += 18.0;
            let _ = write!(
                body,
                r##"<text class="trace-unknown" x="{}" y="{}" font-size="{FONT}" fill="#b71c1c">{}</text>"##,
                num(MARGIN),
                num(bottom),
                xml_escape(&line)
            );
        }
    }
    let width = (label_right + MARGIN).ceil();
    let height = (bottom + MARGIN).ceil();
    let mut svg = String::with_capacity(body.len() + 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="flowchart-svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="fc-title fc-desc" font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, Source Han Sans SC, sans-serif" font-size="{FONT}">"#,
        w = num(width),
        h = num(height)
    );
    let _ = write!(
        svg,
        r##"<title id="fc-title">{}</title><desc id="fc-desc">{}</desc><defs><marker id="fc-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker>{}</defs><rect width="100%" height="100%" fill="#ffffff"/>"##,
        xml_escape(&labels.title),
        xml_escape(&labels.description),
        // Markers scale with the stroke: the heavier path's arrow is kept the same size.
        if trace.is_some() { TAKEN_ARROW } else { "" }
    );
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

/// The words of a case's run over the drawing ([`render_svg_with_trace`]). Templates
/// use `{n}`, `{used}` and `{limit}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLabels {
    pub not_reached: String,
    pub current: String,
    pub done: String,
    pub skipped: String,
    /// Done more than once (`{n}次`).
    pub times: String,
    /// Time taken against the limit (`用时{used}/{limit}`).
    pub used_of_limit: String,
    /// Time taken by a step without a limit, in working days (`用时{used}个工作日`).
    pub used: String,
    pub overdue: String,
    /// The tooltip's name of an event (`第{n}条`).
    pub event: String,
    /// Before the list of events at activities the chart does not have.
    pub unknown: String,
    pub separator: String,
    /// The words of each rule; a rule not in it is named by its id.
    pub rules: BTreeMap<RuleId, String>,
}

/// Each state's symbol, read with its words so that colour is never the only sign.
#[must_use]
pub const fn state_symbol(state: StepState) -> &'static str {
    match state {
        StepState::NotReached => "○",
        StepState::Current => "▶",
        StepState::Done => "✓",
        StepState::Skipped => "⊘",
    }
}

/// Fill, outline, outline width and dash of a step in a state.
const fn state_style(state: StepState) -> (&'static str, &'static str, f64, &'static str) {
    match state {
        StepState::NotReached => ("#f5f7fa", "#7b8794", 1.2, r#" stroke-dasharray="4 3""#),
        StepState::Current => ("#e3f2fd", "#0d47a1", 3.0, ""),
        StepState::Done => ("#e8f5e9", "#1b5e20", 2.0, ""),
        StepState::Skipped => ("#fff3e0", "#b71c1c", 2.0, r#" stroke-dasharray="8 4""#),
    }
}

/// The state band's words (`✓ 已办理 · 2次 · 超时 · 用时1.5/1个工作日`) and colour;
/// what matters most comes first, as a long line is cut at its end.
fn state_line(step: &StepTrace, words: &TraceLabels, labels: &SvgLabels) -> (String, &'static str) {
    let state = match step.state {
        StepState::NotReached => &words.not_reached,
        StepState::Current => &words.current,
        StepState::Done => &words.done,
        StepState::Skipped => &words.skipped,
    };
    let mut text = format!("{} {state}", state_symbol(step.state));
    if step.times_done > 1 {
        let _ = write!(text, "{}{}", words.separator, words.times.replace("{n}", &step.times_done.to_string()));
    }
    let mut colour = if step.state == StepState::Skipped { "#b71c1c" } else { "#1d2733" };
    if let Some(time) = &step.time {
        if time.overdue {
            let _ = write!(text, "{}{}", words.separator, words.overdue);
            colour = "#b71c1c";
        }
        let used = format!("{:.1}", time.used_amount);
        let taken = match time.limit {
            Some(limit) => words.used_of_limit.replace("{used}", &used).replace("{limit}", &labels.limit_text(limit)),
            None => words.used.replace("{used}", &used),
        };
        let _ = write!(text, "{}{taken}", words.separator);
    }
    (text, colour)
}

const TAKEN_ARROW: &str = r##"<marker id="fc-arrow-taken" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="4" markerHeight="4" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#0d47a1"/></marker>"##;

/// Most event numbers drawn on one step; the rest are counted (`+3`).
const MAX_BADGES: usize = 6;

/// The order numbers of a step's events, as badges along its top edge.
fn event_badges(body: &mut String, events: &[u32], left: f64, top: f64) {
    let mut x = left + 8.0;
    let shown = events.len().min(MAX_BADGES);
    let texts = events
        .iter()
        .take(shown)
        .map(u32::to_string)
        .chain((events.len() > MAX_BADGES).then(|| format!("+{}", events.len() - MAX_BADGES)));
    for text in texts {
        let w = text_width(&text, 10.0) + 10.0;
        let _ = write!(
            body,
            r##"<g class="event-badge"><rect x="{}" y="{}" width="{}" height="16" rx="8" fill="#1d2733"/><text x="{}" y="{}" text-anchor="middle" font-size="10" font-weight="bold" fill="#ffffff">{}</text></g>"##,
            num(x),
            num(top - 8.0),
            num(w),
            num(x + w / 2.0),
            num(top + 4.0),
            xml_escape(&text)
        );
        x += w + 3.0;
    }
}

/// What the rules found at a step: each rule in words with its event and evidence.
fn findings_text(step: &StepTrace, words: &TraceLabels) -> String {
    let said: Vec<String> = step
        .findings
        .iter()
        .map(|f| {
            let rule = words.rules.get(&f.rule).cloned().unwrap_or_else(|| f.rule.as_str().to_owned());
            match f.event {
                Some(n) => format!("{rule}（{}）：{}", words.event.replace("{n}", &n.to_string()), f.evidence),
                None => format!("{rule}：{}", f.evidence),
            }
        })
        .collect();
    said.join(&words.separator)
}

/// The `!` badge of a step where rules found a deviation, `said` its tooltip.
fn deviation_badge(body: &mut String, said: &str, x: f64, top: f64) {
    let _ = write!(
        body,
        r##"<g class="deviation"><circle cx="{}" cy="{}" r="11" fill="#b71c1c" stroke="#ffffff" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" font-size="14" font-weight="bold" fill="#ffffff">!</text><title>{}</title></g>"##,
        num(x - 4.0),
        num(top),
        num(x - 4.0),
        num(top + 5.0),
        xml_escape(said)
    );
}

/// Text broken into lines of at most `max` pixels.
fn wrap(text: &str, font: f64, max: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut width = 0.0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), font);
        if width + w > max && width > 0.0 {
            lines.push(String::new());
            width = 0.0;
        }
        width += w;
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
    }
    lines
}

const fn shape_class(shape: Shape) -> &'static str {
    match shape {
        Shape::Start => "start",
        Shape::End => "end",
        Shape::Intermediate => "intermediate",
        Shape::Exclusive => "exclusive",
        Shape::Parallel => "parallel",
        Shape::Task => "task",
        Shape::Dummy => "dummy",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use proptest::prelude::*;
    use quick_xml::events::Event;
    use quick_xml::reader::Reader;

    use super::*;
    use crate::flow::bpmn::import_bpmn;
    use crate::flow::flowchart::{ElementId, Flow, FlowchartParts, Node};
    use crate::flow::generator::generator_flowchart;

    fn labels() -> SvgLabels {
        SvgLabels {
            title: "食品经营许可 · 流程图".into(),
            description: "申请 → 受理 → 决定".into(),
            start: "开始".into(),
            end: "结束".into(),
            responsible: "责任：".into(),
            limit: "时限：".into(),
            missing: "未明确".into(),
            working_days: "{n}个工作日".into(),
            natural_days: "{n}日".into(),
            working_hours: "{n}个工作小时".into(),
            working_day: "{n}个工作日".into(),
            natural_day: "{n}日".into(),
            working_hour: "{n}个工作小时".into(),
        }
    }

    fn red() -> StepLevel {
        StepLevel { colour: Colour::parse("#c62828").unwrap(), words: "一级（红）".into() }
    }

    /// The output is well-formed XML with the frame an accessible drawing needs.
    fn check(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(" viewBox=\"0 0 "));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"fc-title\">"));
        assert!(!svg.contains("NaN") && !svg.contains("=\"inf") && !svg.contains("=\"-"), "{svg}");
        assert!(!svg.contains(",-") && !svg.contains(" -"), "nothing drawn above or left of the frame: {svg}");
        let mut reader = Reader::from_str(svg);
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{svg}"),
            }
        }
        assert_eq!(depth, 0);
    }

    fn shared(name: &str) -> String {
        let path = format!("{}/../../../shared/data/eventlogs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn draws_the_generator_chart_with_levels_in_words_and_colour() {
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let mut levels = BTreeMap::new();
        levels.insert("Decide".to_owned(), red());
        levels.insert(
            "Site inspection".to_owned(),
            StepLevel { colour: Colour::parse("#f9a825").unwrap(), words: "三级（黄）".into() },
        );
        let svg = render_svg(&chart, &levels, &labels());
        check(&svg);
        assert!(svg.contains("一级（红）") && svg.contains("三级（黄）"));
        assert!(svg.contains("stroke=\"#c62828\""));
        // Dark words on yellow, white on red.
        assert!(svg.contains("fill=\"#1d2733\">三级（黄）"));
        assert!(svg.contains("fill=\"#ffffff\">一级（红）"));
        assert_eq!(svg.matches("<g class=\"node task\">").count(), 10);
        assert_eq!(svg.matches("<g class=\"node parallel\">").count(), 2);
        assert_eq!(svg.matches("<g class=\"node exclusive\">").count(), 4);
        // The correction loop returns: one back edge.
        assert_eq!(svg.matches("class=\"flow back\"").count(), 1);
        assert!(svg.contains("1个工作日") && svg.contains("责任：clerk"));
    }

    #[test]
    fn layers_follow_the_longest_path_and_loops_go_back() {
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let layout = layout(&chart, &labels(), 0);
        let y = |id: &str| {
            let i = chart.nodes().iter().position(|n| n.id.as_str() == id).unwrap();
            layout.nodes.iter().find(|n| n.node == Some(i)).unwrap().y
        };
        assert!(y("start") < y("t1") && y("t1") < y("t2") && y("t2") < y("t4"));
        // The two parallel reviews sit side by side; the join waits below both.
        assert!((y("t5") - y("t6")).abs() < f64::EPSILON);
        assert!(y("p_join") > y("t5"));
        assert!(y("end") > y("t9"));
        // Boxes of one layer never overlap.
        for (a, na) in layout.nodes.iter().enumerate() {
            for nb in &layout.nodes[a + 1..] {
                if na.layer == nb.layer {
                    assert!((na.x - nb.x).abs() + 0.01 >= f64::midpoint(na.width, nb.width) + H_GAP, "{na:?} {nb:?}");
                }
            }
        }
    }

    #[test]
    fn draws_the_shared_models() {
        for file in ["permit-minimal.bpmn", "running-example.bpmn", "receipt.bpmn"] {
            let chart = import_bpmn(&shared(file)).unwrap();
            let svg = render_svg(&chart, &BTreeMap::new(), &labels());
            check(&svg);
            assert_eq!(
                svg.matches("<g class=\"node task\">").count(),
                chart.nodes().iter().filter(|n| n.step().is_some()).count(),
                "{file}"
            );
        }
        // The permit's timers lead to the escalation: dashed and labelled.
        let svg = render_svg(&import_bpmn(&shared("permit-minimal.bpmn")).unwrap(), &BTreeMap::new(), &labels());
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains("no: return"), "flow labels are drawn");
    }

    #[test]
    fn text_is_escaped_and_missing_clarities_are_written() {
        let mut parts = crate::flow::flowchart::tests::linear();
        parts.nodes[1].name = "<script>alert('x')</script> & 受理".into();
        parts.name = "\"引号\"".into();
        let chart = Flowchart::new(parts).unwrap();
        let mut l = labels();
        l.title = "<b>标题</b>".into();
        let svg = render_svg(&chart, &BTreeMap::new(), &l);
        check(&svg);
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;b&gt;标题&lt;/b&gt;"));
        // "Decide" states neither responsible nor limit.
        assert!(svg.contains("责任：未明确") && svg.contains("时限：未明确"));
        assert!(svg.contains(">开始<") && svg.contains(">结束<"));
    }

    fn trace_words() -> TraceLabels {
        TraceLabels {
            not_reached: "未到达".into(),
            current: "正在办理".into(),
            done: "已办理".into(),
            skipped: "被跳过".into(),
            times: "{n}次".into(),
            used_of_limit: "用时{used}/{limit}".into(),
            used: "用时{used}个工作日".into(),
            overdue: "超时".into(),
            event: "第{n}条".into(),
            unknown: "流程图外的环节：".into(),
            separator: " · ".into(),
            rules: [(RuleId::ProcessNotAllowed, "环节顺序不符".to_owned())].into_iter().collect(),
        }
    }

    #[test]
    fn a_trace_shows_states_in_words_numbers_and_deviations() {
        use crate::flow::trace::{StepTime, TraceFinding, UnknownEvent};
        let chart = Flowchart::new(generator_flowchart()).unwrap();
        let mut trace = CaseTrace::default();
        for (node, _) in chart.steps() {
            let step = StepTrace {
                state: StepState::NotReached,
                events: Vec::new(),
                times_done: 0,
                time: None,
                findings: Vec::new(),
            };
            trace.steps.insert(node.name.clone(), step);
        }
        let at_check = trace.steps.get_mut("Check completeness").unwrap();
        at_check.state = StepState::Done;
        at_check.events = vec![2, 4, 6, 8, 10, 12, 14, 16];
        at_check.times_done = 8;
        at_check.time = Some(StepTime {
            step: "Check completeness".into(),
            used_minutes: 1_440,
            used_amount: 3.0,
            limit: TimeLimit::new(2, LimitUnit::WorkingDays).ok(),
            overdue: true,
            running: false,
        });
        trace.steps.get_mut("Site inspection").unwrap().state = StepState::Skipped;
        let decide = trace.steps.get_mut("Decide").unwrap();
        decide.state = StepState::Current;
        decide.events = vec![17];
        decide.findings.push(TraceFinding {
            rule: RuleId::ProcessNotAllowed,
            evidence: "done before required steps: Site inspection".into(),
            words: crate::flow::evidence::Evidence::new("done_before_required", [("steps", "Site inspection".into())]),
            event: Some(17),
        });
        trace.unknown.push(UnknownEvent { event: 9, activity: "<Lunch>".into() });
        let first = chart.flows().iter().find(|f| f.source.as_str() == "start").unwrap();
        trace.taken_flows.insert(first.id.as_str().to_owned());
        let svg = render_svg_with_trace(&chart, &BTreeMap::new(), &labels(), &trace, &trace_words());
        check(&svg);
        assert!(svg.contains("<g class=\"node task trace-done\">"));
        assert_eq!(svg.matches("<g class=\"node task trace-").count(), 10);
        // Each state has its symbol and words, not only its colour.
        assert!(svg.contains("✓ 已办理 · 8次 · 超时 · 用时3.0/2个工作日"), "{svg}");
        // Overdue is in the box itself, in red and in words, even where the line is cut.
        assert!(svg.contains("fill=\"#b71c1c\">✓ 已办理 · 8次 · 超时"), "{svg}");
        assert!(svg.contains("⊘ 被跳过") && svg.contains("▶ 正在办理") && svg.contains("○ 未到达"));
        // Six numbers, then the rest counted.
        assert!(svg.contains(">12</text>") && !svg.contains(">14</text>") && svg.contains(">+2</text>"));
        assert_eq!(svg.matches("<g class=\"deviation\">").count(), 1);
        assert!(svg.contains("<title>环节顺序不符（第17条）：done before required steps: Site inspection</title>"));
        assert!(svg.contains("流程图外的环节：#9 &lt;Lunch&gt;"));
        assert_eq!(svg.matches("class=\"flow taken\"").count(), 1, "the path taken is drawn heavier");
        // Without a trace the drawing is the plain one.
        let plain = render_svg(&chart, &BTreeMap::new(), &labels());
        assert!(!plain.contains("trace-") && !plain.contains("deviation"));
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        assert_eq!(fit("受理", 12.0, 100.0), "受理");
        let cut = fit(&"很长的环节名称".repeat(10), 13.0, 100.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 13.0) <= 100.0);
    }

    fn id(i: usize) -> ElementId {
        ElementId::generated(i)
    }

    prop_compose! {
        fn chart()(
            kinds in prop::collection::vec(0u8..6, 2..14),
            flows in prop::collection::vec((0usize..14, 0usize..14, any::<bool>()), 0..30),
            names in prop::collection::vec("[a-z受理审查决定<&\"' ]{0,30}", 14),
        ) -> Flowchart {
            let n = kinds.len();
            let nodes: Vec<Node> = kinds.iter().enumerate().map(|(i, k)| {
                let k = match i { 0 | 1 => u8::try_from(i).unwrap(), _ => *k };
                let kind = match k {
                    0 => NodeKind::Start,
                    1 => NodeKind::End,
                    2 => NodeKind::Exclusive { default: None },
                    3 => NodeKind::Parallel,
                    4 => NodeKind::Intermediate,
                    _ => NodeKind::Task(Step {
                        role: (i % 3 == 0).then(|| names[i].clone()),
                        limit: TimeLimit::new(u32::try_from(i).unwrap() + 1, LimitUnit::WorkingDays).ok(),
                        ..Step::default()
                    }),
                };
                Node { id: id(i), name: names[i].trim().to_owned(), kind }
            }).collect();
            let flows = flows.iter().enumerate().map(|(i, (s, t, labelled))| Flow {
                id: id(100 + i),
                source: id(s % n),
                target: id(t % n),
                name: String::new(),
                condition: labelled.then(|| names[i % 14].clone()),
            }).collect();
            Flowchart::new(FlowchartParts { name: "随机".into(), nodes, flows, ..FlowchartParts::default() }).unwrap()
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_is_always_well_formed(chart in chart(), coloured in any::<bool>()) {
            let mut levels = BTreeMap::new();
            if coloured {
                for (node, _) in chart.steps() {
                    levels.insert(node.name.trim().to_owned(), red());
                }
            }
            check(&render_svg(&chart, &levels, &labels()));
        }
    }
}
