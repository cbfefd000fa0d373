//! One flowchart per power; its drawings are versions.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "flowchart")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub power_id: i64,
    pub unit_id: i64,
    pub power_code: String,
    pub name: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
