use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "power")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub power_type: String,
    pub legal_basis: String,
    pub section_id: Option<i64>,
    pub position: Option<String>,
    pub legal_limit_amount: Option<i32>,
    pub legal_limit_unit: Option<String>,
    pub promised_limit_amount: Option<i32>,
    pub promised_limit_unit: Option<String>,
    pub fee_charged: bool,
    pub fee_standard: Option<String>,
    pub unit_head: bool,
    pub public: bool,
    pub notes: Option<String>,
    pub state: String,
    pub merged_into: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
