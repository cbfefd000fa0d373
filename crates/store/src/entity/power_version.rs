use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "power_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub power_id: i64,
    pub version: i32,
    pub state: String,
    pub action: String,
    pub draft: String,
    pub actor: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
