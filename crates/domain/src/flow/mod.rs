//! Flowcharts, the working-day calendar and electronic supervision (网上监察) of
//! approvals: a published flowchart is replayed against what really happened (an
//! event log) and every deviation, delay or anomaly becomes a finding of a rule.
//!
//! The usual path: [`import_bpmn`] a flowchart (or build one from
//! [`flowchart::FlowchartParts`]), check its [`Flowchart::four_clarities`] before
//! publishing, read a log with [`read_xes`] or [`read_csv`], and [`check_log`] it
//! with [`CheckOptions`] (calendar, rules, `now`). The report serialises to JSON.
//!
//! - `calendar`: working days, holidays and 调休, office hours, limits.
//! - `flowchart`: steps, gateways, the four clarities.
//! - `bpmn`: BPMN 2.0 import and export.
//! - `eventlog`: XES and CSV logs.
//! - `replay`: conformance by token replay.
//! - `rules`: the supervision rules and their settings.
//! - `check`: the offline check and its report.
//! - `evidence`: what a finding found, as a message in the reader's language.
//! - `svg`: the drawing, for the pages and the portal.
//! - `trace`: a case's run laid over its flowchart, for the drawing.
//! - `walk`: one possible run of a flowchart (the demo's cases).
//! - `case_event`: actions on a case (办件) and the checks of incoming events.
//! - `online`: the rules run live on one case, and when it next falls due.
//! - `generator` (file `gen.rs`; `gen` is a reserved word): synthetic logs.

pub mod bpmn;
pub mod calendar;
pub mod case_event;
pub mod check;
pub mod eventlog;
pub mod evidence;
pub mod flowchart;
#[path = "gen.rs"]
pub mod generator;
pub mod online;
pub mod replay;
pub mod rules;
pub mod svg;
pub mod trace;
pub mod walk;
mod xml;

pub use bpmn::{export_bpmn, import_bpmn};
pub use calendar::{Calendar, LimitUnit, TimeLimit};
pub use check::{CheckOptions, CheckReport, check_log};
pub use eventlog::{EventLog, read_csv, read_xes, write_xes};
pub use flowchart::Flowchart;
pub use online::{Card, Evaluation, Evaluator, OnlineChart};
pub use rules::{RuleConfig, RuleId, RuleSettings};
