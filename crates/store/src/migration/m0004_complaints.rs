//! Complaints and reports from the public (群众举报/投诉): the complaint, its files
//! (kept in the database, so a backup holds everything) and its events.
//!
//! An anonymous complaint has no name and no phone: nothing identifying is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, blob, boolean, date, string_len, string_len_null, text, text_null,
    timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Power {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Complaint {
    Table,
    Id,
    /// Random, unguessable: what the citizen keeps to follow his complaint.
    ReceiptCode,
    Anonymous,
    Name,
    Phone,
    /// inaction / misconduct / delay / other.
    Category,
    /// The unit complained about, if the citizen named one.
    UnitId,
    PowerId,
    /// The power code as the citizen typed it (also when it matches no power).
    PowerCode,
    CaseNumber,
    Text,
    /// received → accepted | declined → routed → replied → closed.
    State,
    /// The unit the complaint was routed to for handling and reply.
    RoutedUnitId,
    /// Accept or decline by this day (5 working days after receipt).
    AcceptDue,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ComplaintAttachment {
    Table,
    Id,
    ComplaintId,
    FileName,
    ContentType,
    Size,
    Bytes,
}

#[derive(DeriveIden)]
enum ComplaintEvent {
    Table,
    Id,
    ComplaintId,
    FromState,
    ToState,
    Actor,
    At,
    Comment,
    /// Shown to the citizen by receipt code (a reply always is).
    Public,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Complaint::Table)
                    .col(big_pk_auto(Complaint::Id))
                    .col(string_len(Complaint::ReceiptCode, 16).unique_key())
                    .col(boolean(Complaint::Anonymous))
                    .col(string_len_null(Complaint::Name, 50))
                    .col(string_len_null(Complaint::Phone, 20))
                    .col(string_len(Complaint::Category, 16))
                    .col(big_integer(Complaint::UnitId).null())
                    .col(big_integer(Complaint::PowerId).null())
                    .col(string_len_null(Complaint::PowerCode, 50))
                    .col(string_len_null(Complaint::CaseNumber, 50))
                    .col(text(Complaint::Text))
                    .col(string_len(Complaint::State, 16))
                    .col(big_integer(Complaint::RoutedUnitId).null())
                    .col(date(Complaint::AcceptDue))
                    .col(timestamp_with_time_zone(Complaint::CreatedAt))
                    .col(timestamp_with_time_zone(Complaint::UpdatedAt))
                    .foreign_key(&mut fk(Complaint::Table, Complaint::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(Complaint::Table, Complaint::RoutedUnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(Complaint::Table, Complaint::PowerId, Power::Table, Power::Id))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_complaint_state", Complaint::State),
            ("idx_complaint_unit", Complaint::UnitId),
            ("idx_complaint_routed_unit", Complaint::RoutedUnitId),
        ] {
            manager.create_index(Index::create().name(name).table(Complaint::Table).col(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ComplaintAttachment::Table)
                    .col(big_pk_auto(ComplaintAttachment::Id))
                    .col(big_integer(ComplaintAttachment::ComplaintId))
                    .col(string_len(ComplaintAttachment::FileName, 200))
                    .col(string_len(ComplaintAttachment::ContentType, 64))
                    .col(big_integer(ComplaintAttachment::Size))
                    .col(blob(ComplaintAttachment::Bytes))
                    .foreign_key(&mut fk(
                        ComplaintAttachment::Table,
                        ComplaintAttachment::ComplaintId,
                        Complaint::Table,
                        Complaint::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_complaint_attachment_complaint")
                    .table(ComplaintAttachment::Table)
                    .col(ComplaintAttachment::ComplaintId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ComplaintEvent::Table)
                    .col(big_pk_auto(ComplaintEvent::Id))
                    .col(big_integer(ComplaintEvent::ComplaintId))
                    .col(string_len_null(ComplaintEvent::FromState, 16))
                    .col(string_len(ComplaintEvent::ToState, 16))
                    .col(string_len(ComplaintEvent::Actor, 200))
                    .col(timestamp_with_time_zone(ComplaintEvent::At))
                    .col(text_null(ComplaintEvent::Comment))
                    .col(boolean(ComplaintEvent::Public))
                    .foreign_key(&mut fk(
                        ComplaintEvent::Table,
                        ComplaintEvent::ComplaintId,
                        Complaint::Table,
                        Complaint::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_complaint_event_complaint")
                    .table(ComplaintEvent::Table)
                    .col(ComplaintEvent::ComplaintId)
                    .to_owned(),
            )
            .await
    }
}
