//! The flowchart step (环节) a risk point lies in, so that the drawing colours that
//! step by the point's level exactly; points without one are matched as before.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RiskPoint {
    Table,
    /// The name of a step of the power's flowchart; only for points of a power.
    FlowStep,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RiskPoint::Table)
                    .add_column(ColumnDef::new(RiskPoint::FlowStep).string_len(200).null())
                    .to_owned(),
            )
            .await
    }
}
