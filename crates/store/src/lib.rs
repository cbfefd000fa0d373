//! Sunlight's storage: one schema on SQLite or PostgreSQL, repositories that apply
//! the caller's unit scope to every query, and the audit chain that every mutation
//! appends to in its own transaction.

mod connect;
#[allow(clippy::struct_excessive_bools)] // tables mirror the schema: flags are columns
pub mod entity;
mod error;
mod migration;
mod write;

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod complaints;
pub mod demo;
pub mod design;
pub mod figures;
pub mod flowcharts;
pub mod org;
mod password;
pub mod risk;
mod rows;
pub mod screens;
pub mod settings;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trading;
pub mod trading_alerts;

pub use connect::{Backend, Store};
pub use error::StoreError;
pub use write::Write;

/// Re-exported so callers can build the one `DbErr` a health check needs.
pub use sea_orm::DbErr;
