//! Flowcharts, the working-day calendar and electronic supervision (网上监察) of
//! approvals: a published flowchart is replayed against what really happened (an
//! event log) and every deviation, delay or anomaly becomes a finding of a rule.

pub mod bpmn;
pub mod calendar;
pub mod check;
pub mod eventlog;
pub mod flowchart;
#[path = "gen.rs"]
pub mod generator;
mod hash;
pub mod replay;
pub mod rules;
mod xml;
