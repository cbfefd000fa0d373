//! The public resource trading centre (一中心): contracting processes as OCDS 1.1
//! compiled releases, the parties, bids, awards, contracts, amendments and payments
//! drawn from them for queries, and the red-flag alerts with their lifecycle.
//!
//! `trading_release.compiled` keeps each compiled release as imported, so it can be
//! rebuilt exactly (including fields Sunlight does not model); the other tables are
//! derived from it on import, in the same transaction, and serve lists and charts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, double_null, integer, string_len, string_len_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TradingParty {
    Table,
    Id,
    /// The OCDS party id when it is stable across processes (an identifier such as a
    /// unified social credit code), else the normalised name.
    PartyKey,
    Name,
    Identifier,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TradingRelease {
    Table,
    Id,
    Ocid,
    Title,
    BuyerId,
    ProcuringEntityId,
    /// works / goods / services (OCDS `mainProcurementCategory`).
    Category,
    /// planning / tender / award / contract / implementation: how far the process got.
    Stage,
    ProcurementMethod,
    ProcurementMethodDetails,
    ValueAmount,
    ValueCurrency,
    TenderStart,
    TenderEnd,
    NumberOfTenderers,
    Compiled,
    ImportedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TradingBid {
    Table,
    Id,
    ReleaseId,
    BidId,
    TendererId,
    Amount,
    Currency,
    Date,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum TradingAward {
    Table,
    Id,
    ReleaseId,
    AwardId,
    SupplierId,
    Amount,
    Currency,
    Date,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum TradingContract {
    Table,
    Id,
    ReleaseId,
    ContractId,
    AwardId,
    Amount,
    Currency,
    DateSigned,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum TradingAmendment {
    Table,
    Id,
    ReleaseId,
    ContractId,
    Date,
    Description,
    FormerAmount,
    Amount,
}

#[derive(DeriveIden, Clone, Copy)]
enum TradingPayment {
    Table,
    Id,
    ReleaseId,
    ContractId,
    PaymentId,
    Amount,
    Currency,
    Date,
}

#[derive(DeriveIden)]
enum TradingAlert {
    Table,
    Id,
    /// `R003`…`R058`, `S001`…`S005`.
    Indicator,
    /// `OCID`, `Buyer`, `ProcuringEntity` or `Tenderer`: what the flag is about.
    FlagGroup,
    /// The flagged ocid or party id as the engine reports it.
    Subject,
    ReleaseId,
    PartyId,
    /// The indicator's value.
    Value,
    /// What the flag rests on (bids, dates, shares) as JSON.
    Evidence,
    /// raised → acknowledged → explained → closed, or escalated.
    State,
    Explanation,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TradingAlertEvent {
    Table,
    Id,
    AlertId,
    FromState,
    ToState,
    Actor,
    At,
    Comment,
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

fn index(name: &str, table: impl IntoIden, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for column in columns {
        statement.col(Alias::new(*column));
    }
    statement
}

/// A child table of a release: its id, the release, and `columns`.
fn child(table: impl IntoIden + Clone, id: impl IntoIden, release: impl IntoIden + Clone) -> TableCreateStatement {
    Table::create()
        .table(table.clone())
        .col(big_pk_auto(id))
        .col(big_integer(release.clone()))
        .foreign_key(&mut fk(table, release, TradingRelease::Table, TradingRelease::Id))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)] // one table after another; splitting hides the schema
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TradingParty::Table)
                    .col(big_pk_auto(TradingParty::Id))
                    .col(string_len(TradingParty::PartyKey, 200).unique_key())
                    .col(text(TradingParty::Name))
                    .col(string_len_null(TradingParty::Identifier, 200))
                    .col(timestamp_with_time_zone(TradingParty::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TradingRelease::Table)
                    .col(big_pk_auto(TradingRelease::Id))
                    .col(string_len(TradingRelease::Ocid, 200).unique_key())
                    .col(text_null(TradingRelease::Title))
                    .col(big_integer(TradingRelease::BuyerId).null())
                    .col(big_integer(TradingRelease::ProcuringEntityId).null())
                    .col(string_len_null(TradingRelease::Category, 32))
                    .col(string_len(TradingRelease::Stage, 32))
                    .col(string_len_null(TradingRelease::ProcurementMethod, 32))
                    .col(text_null(TradingRelease::ProcurementMethodDetails))
                    .col(double_null(TradingRelease::ValueAmount))
                    .col(string_len_null(TradingRelease::ValueCurrency, 8))
                    .col(timestamp_with_time_zone_null(TradingRelease::TenderStart))
                    .col(timestamp_with_time_zone_null(TradingRelease::TenderEnd))
                    .col(integer(TradingRelease::NumberOfTenderers).null())
                    .col(text(TradingRelease::Compiled))
                    .col(timestamp_with_time_zone(TradingRelease::ImportedAt))
                    .col(timestamp_with_time_zone(TradingRelease::UpdatedAt))
                    .foreign_key(&mut fk(
                        TradingRelease::Table,
                        TradingRelease::BuyerId,
                        TradingParty::Table,
                        TradingParty::Id,
                    ))
                    .foreign_key(&mut fk(
                        TradingRelease::Table,
                        TradingRelease::ProcuringEntityId,
                        TradingParty::Table,
                        TradingParty::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_trading_release_buyer", TradingRelease::Table, &["buyer_id"])).await?;
        manager.create_index(index("idx_trading_release_stage", TradingRelease::Table, &["stage"])).await?;
        manager
            .create_table(
                child(TradingBid::Table, TradingBid::Id, TradingBid::ReleaseId)
                    .col(string_len_null(TradingBid::BidId, 200))
                    .col(big_integer(TradingBid::TendererId).null())
                    .col(double_null(TradingBid::Amount))
                    .col(string_len_null(TradingBid::Currency, 8))
                    .col(timestamp_with_time_zone_null(TradingBid::Date))
                    .col(string_len_null(TradingBid::Status, 32))
                    .foreign_key(&mut fk(
                        TradingBid::Table,
                        TradingBid::TendererId,
                        TradingParty::Table,
                        TradingParty::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child(TradingAward::Table, TradingAward::Id, TradingAward::ReleaseId)
                    .col(string_len_null(TradingAward::AwardId, 200))
                    .col(big_integer(TradingAward::SupplierId).null())
                    .col(double_null(TradingAward::Amount))
                    .col(string_len_null(TradingAward::Currency, 8))
                    .col(timestamp_with_time_zone_null(TradingAward::Date))
                    .col(string_len_null(TradingAward::Status, 32))
                    .foreign_key(&mut fk(
                        TradingAward::Table,
                        TradingAward::SupplierId,
                        TradingParty::Table,
                        TradingParty::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child(TradingContract::Table, TradingContract::Id, TradingContract::ReleaseId)
                    .col(string_len_null(TradingContract::ContractId, 200))
                    .col(string_len_null(TradingContract::AwardId, 200))
                    .col(double_null(TradingContract::Amount))
                    .col(string_len_null(TradingContract::Currency, 8))
                    .col(timestamp_with_time_zone_null(TradingContract::DateSigned))
                    .col(string_len_null(TradingContract::Status, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child(TradingAmendment::Table, TradingAmendment::Id, TradingAmendment::ReleaseId)
                    .col(string_len_null(TradingAmendment::ContractId, 200))
                    .col(timestamp_with_time_zone_null(TradingAmendment::Date))
                    .col(text_null(TradingAmendment::Description))
                    .col(double_null(TradingAmendment::FormerAmount))
                    .col(double_null(TradingAmendment::Amount))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                child(TradingPayment::Table, TradingPayment::Id, TradingPayment::ReleaseId)
                    .col(string_len_null(TradingPayment::ContractId, 200))
                    .col(string_len_null(TradingPayment::PaymentId, 200))
                    .col(double_null(TradingPayment::Amount))
                    .col(string_len_null(TradingPayment::Currency, 8))
                    .col(timestamp_with_time_zone_null(TradingPayment::Date))
                    .to_owned(),
            )
            .await?;
        for (name, table) in [
            ("idx_trading_bid_release", TradingBid::Table.into_iden()),
            ("idx_trading_award_release", TradingAward::Table.into_iden()),
            ("idx_trading_contract_release", TradingContract::Table.into_iden()),
            ("idx_trading_amendment_release", TradingAmendment::Table.into_iden()),
            ("idx_trading_payment_release", TradingPayment::Table.into_iden()),
        ] {
            manager.create_index(index(name, table, &["release_id"])).await?;
        }
        manager.create_index(index("idx_trading_award_supplier", TradingAward::Table, &["supplier_id"])).await?;
        manager.create_index(index("idx_trading_bid_tenderer", TradingBid::Table, &["tenderer_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(TradingAlert::Table)
                    .col(big_pk_auto(TradingAlert::Id))
                    .col(string_len(TradingAlert::Indicator, 8))
                    .col(string_len(TradingAlert::FlagGroup, 32))
                    .col(string_len(TradingAlert::Subject, 200))
                    .col(big_integer(TradingAlert::ReleaseId).null())
                    .col(big_integer(TradingAlert::PartyId).null())
                    .col(double_null(TradingAlert::Value))
                    .col(text(TradingAlert::Evidence))
                    .col(string_len(TradingAlert::State, 16))
                    .col(text_null(TradingAlert::Explanation))
                    .col(timestamp_with_time_zone(TradingAlert::CreatedAt))
                    .col(timestamp_with_time_zone(TradingAlert::UpdatedAt))
                    .foreign_key(&mut fk(
                        TradingAlert::Table,
                        TradingAlert::ReleaseId,
                        TradingRelease::Table,
                        TradingRelease::Id,
                    ))
                    .foreign_key(&mut fk(
                        TradingAlert::Table,
                        TradingAlert::PartyId,
                        TradingParty::Table,
                        TradingParty::Id,
                    ))
                    // One alert per flag: running the engine again updates, never duplicates.
                    .index(
                        Index::create()
                            .unique()
                            .col(TradingAlert::Indicator)
                            .col(TradingAlert::FlagGroup)
                            .col(TradingAlert::Subject),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_trading_alert_state", TradingAlert::Table, &["state"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(TradingAlertEvent::Table)
                    .col(big_pk_auto(TradingAlertEvent::Id))
                    .col(big_integer(TradingAlertEvent::AlertId))
                    .col(string_len_null(TradingAlertEvent::FromState, 16))
                    .col(string_len(TradingAlertEvent::ToState, 16))
                    .col(string_len(TradingAlertEvent::Actor, 100))
                    .col(timestamp_with_time_zone(TradingAlertEvent::At))
                    .col(text_null(TradingAlertEvent::Comment))
                    .foreign_key(&mut fk(
                        TradingAlertEvent::Table,
                        TradingAlertEvent::AlertId,
                        TradingAlert::Table,
                        TradingAlert::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_trading_alert_event_alert", TradingAlertEvent::Table, &["alert_id"])).await?;
        Ok(())
    }
}
