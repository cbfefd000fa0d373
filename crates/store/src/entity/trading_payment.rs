use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "trading_payment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub release_id: i64,
    pub contract_id: Option<String>,
    pub payment_id: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub date: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
