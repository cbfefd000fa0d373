use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "risk_level_decision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub risk_point_id: i64,
    pub stage: String,
    pub rank: i32,
    pub model_version: i32,
    pub score: Option<i32>,
    pub actor: String,
    pub at: DateTimeUtc,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
