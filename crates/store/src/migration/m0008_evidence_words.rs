//! An alert's evidence as a message (key and arguments, JSON) besides its English,
//! so that pages say it in the reader's language.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupervisionAlert {
    Table,
    /// `{"key": …, "args": {…}}`; empty for alerts raised before it existed.
    EvidenceWords,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SupervisionAlert::Table)
                    .add_column(ColumnDef::new(SupervisionAlert::EvidenceWords).text().not_null().default(""))
                    .to_owned(),
            )
            .await
    }
}
