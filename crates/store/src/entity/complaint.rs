use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "complaint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub receipt_code: String,
    pub anonymous: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub category: String,
    pub unit_id: Option<i64>,
    pub power_id: Option<i64>,
    pub power_code: Option<String>,
    pub case_number: Option<String>,
    pub text: String,
    pub state: String,
    pub routed_unit_id: Option<i64>,
    pub accept_due: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
