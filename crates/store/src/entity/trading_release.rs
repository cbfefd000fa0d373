use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "trading_release")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ocid: String,
    pub title: Option<String>,
    pub buyer_id: Option<i64>,
    pub procuring_entity_id: Option<i64>,
    pub category: Option<String>,
    pub stage: String,
    pub procurement_method: Option<String>,
    pub procurement_method_details: Option<String>,
    pub value_amount: Option<f64>,
    pub value_currency: Option<String>,
    pub tender_start: Option<DateTimeUtc>,
    pub tender_end: Option<DateTimeUtc>,
    pub number_of_tenderers: Option<i32>,
    pub compiled: String,
    pub imported_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
