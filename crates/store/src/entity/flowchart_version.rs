//! A version of a flowchart: draft, published or superseded.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "flowchart_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub flowchart_id: i64,
    pub version: i32,
    pub state: String,
    /// BPMN 2.0 as exported by Sunlight.
    pub bpmn: String,
    pub step_count: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
