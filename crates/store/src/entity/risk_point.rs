use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "risk_point")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub scope_kind: String,
    pub scope_target: i64,
    pub kind: String,
    pub description: String,
    pub holder_tier: String,
    pub holder_person_id: Option<i64>,
    pub method: String,
    pub importance: Option<i32>,
    pub frequency: Option<i32>,
    pub probability: Option<i32>,
    pub harm: Option<i32>,
    pub finding_step: Option<String>,
    pub level_stage: Option<String>,
    pub level_rank: Option<i32>,
    pub active: bool,
    /// The step of the power's flowchart the point lies in (环节), by name.
    pub flow_step: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
