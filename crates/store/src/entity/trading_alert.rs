use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "trading_alert")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub indicator: String,
    pub flag_group: String,
    pub subject: String,
    pub release_id: Option<i64>,
    pub party_id: Option<i64>,
    pub value: Option<f64>,
    pub evidence: String,
    pub state: String,
    pub explanation: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
