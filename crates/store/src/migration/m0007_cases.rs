//! Online handling's alerts: which finding an alert was raised for, so that the same
//! finding is never raised twice however often its case is evaluated again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_len_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupervisionAlert {
    Table,
    /// `e<seq>` for a finding about one event of the case (its `case_event.seq`);
    /// empty for a finding about a step or the whole case (time cards, returns).
    FindingKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SupervisionAlert::Table)
                    .add_column(string_len_null(SupervisionAlert::FindingKey, 32))
                    .to_owned(),
            )
            .await
    }
}
