//! A case (办件) handled online along a published flowchart.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "handling_case")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_number: String,
    pub verification_hash: String,
    pub unit_id: i64,
    pub power_id: i64,
    pub power_code: String,
    pub flowchart_version_id: i64,
    pub applicant: Option<String>,
    pub subject: Option<String>,
    pub source: String,
    pub status: String,
    pub current_step: Option<String>,
    pub received_at: DateTimeUtc,
    pub promised_deadline: Option<DateTimeUtc>,
    pub legal_deadline: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
    pub card: String,
    pub overdue: bool,
    pub process_conformant: bool,
    pub returns: i32,
    pub event_count: i32,
    pub handling_minutes: Option<i64>,
    pub next_due_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
