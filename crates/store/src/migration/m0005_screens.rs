//! Display screens (电子显示屏) of the service halls: which panels each shows, in
//! which order and for how long.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, big_pk_auto, boolean, integer, string_len, text, timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DisplayScreen {
    Table,
    Id,
    Name,
    Location,
    /// The unit whose hall the screen hangs in; none for the county's own halls.
    UnitId,
    /// A JSON array of panel keys, in the order they are shown.
    Panels,
    Seconds,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DisplayScreen::Table)
                    .col(big_pk_auto(DisplayScreen::Id))
                    .col(string_len(DisplayScreen::Name, 100))
                    .col(string_len(DisplayScreen::Location, 100))
                    .col(big_integer_null(DisplayScreen::UnitId))
                    .col(text(DisplayScreen::Panels))
                    .col(integer(DisplayScreen::Seconds))
                    .col(boolean(DisplayScreen::Active))
                    .col(timestamp_with_time_zone(DisplayScreen::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DisplayScreen::Table, DisplayScreen::UnitId)
                            .to(Unit::Table, Unit::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }
}
