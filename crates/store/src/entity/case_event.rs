//! One action on a case: who, when, which step, with comment and documents.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "case_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub unit_id: i64,
    pub client_event_id: Option<String>,
    pub seq: i32,
    pub step: String,
    pub action: String,
    pub actor: String,
    pub actor_group: Option<String>,
    pub at: DateTimeUtc,
    pub comment: Option<String>,
    /// JSON array of document names.
    pub documents: String,
    pub fee_due_cents: Option<i64>,
    pub fee_paid_cents: Option<i64>,
    pub source: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
