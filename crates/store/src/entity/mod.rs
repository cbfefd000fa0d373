//! SeaORM entities: one per table, shared by both backends.

pub mod api_token;
pub mod audit_head;
pub mod audit_log;
pub mod county;
pub mod login_failure;
pub mod person;
pub mod position;
pub mod section;
pub mod session;
pub mod sub_commission;
pub mod supervisor_unit;
pub mod unit;
pub mod user_account;
