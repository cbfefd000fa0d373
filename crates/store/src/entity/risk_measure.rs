use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "risk_measure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub risk_point_id: i64,
    pub unit_id: i64,
    pub phase: String,
    pub mechanism: String,
    pub description: String,
    pub owner: String,
    pub due: Date,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
