//! An alert of a supervision rule on a case.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "supervision_alert")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rule: String,
    pub level: String,
    pub case_id: i64,
    pub unit_id: i64,
    pub step: Option<String>,
    pub person: Option<String>,
    pub evidence: String,
    /// The evidence as a message (`sunlight_domain::flow::evidence::Evidence`, JSON).
    pub evidence_words: String,
    pub state: String,
    pub must_act: String,
    pub close_reason: Option<String>,
    pub raised_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
