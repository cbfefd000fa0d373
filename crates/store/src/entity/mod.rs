//! SeaORM entities: one per table, shared by both backends.

pub mod api_token;
pub mod audit_head;
pub mod audit_log;
pub mod county;
pub mod design_standard;
pub mod focus_item;
pub mod login_failure;
pub mod person;
pub mod position;
pub mod power;
pub mod power_part;
pub mod power_version;
pub mod process_optimization;
pub mod risk_level_decision;
pub mod risk_measure;
pub mod risk_model;
pub mod risk_point;
pub mod risk_step;
pub mod section;
pub mod session;
pub mod standard_compliance;
pub mod sub_commission;
pub mod supervisor_unit;
pub mod unit;
pub mod user_account;
