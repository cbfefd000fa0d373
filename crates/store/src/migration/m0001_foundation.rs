//! Organization, accounts, sessions, API tokens, login throttling and the audit chain.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, boolean, string, string_len, string_len_uniq, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum County {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum SubCommission {
    Table,
    Id,
    Name,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    Code,
    Name,
    Category,
    Pilot,
    SubCommissionId,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Section {
    Table,
    Id,
    UnitId,
    Name,
    Active,
}

#[derive(DeriveIden)]
enum Position {
    Table,
    Id,
    UnitId,
    SectionId,
    Name,
    HotPersonnel,
    HotFinance,
    HotAffairs,
    Active,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    UnitId,
    Name,
    Tier,
    SectionId,
    PositionId,
    Active,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    Login,
    PasswordHash,
    Role,
    UnitId,
    SubCommissionId,
    DisplayName,
    Active,
    CreatedAt,
    PasswordChangedAt,
}

#[derive(DeriveIden)]
enum SupervisorUnit {
    Table,
    UserId,
    UnitId,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    UnitId,
    TokenHash,
    CreatedAt,
    CreatedBy,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginFailure {
    Table,
    Id,
    Login,
    Address,
    At,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    Actor,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
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
    #[allow(clippy::too_many_lines)] // one table after another; splitting hides the schema
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(County::Table)
                    .col(big_integer(County::Id).primary_key())
                    .col(string_len(County::Name, 100))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SubCommission::Table)
                    .col(big_pk_auto(SubCommission::Id))
                    .col(string_len_uniq(SubCommission::Name, 100))
                    .col(boolean(SubCommission::Active).default(true))
                    .col(timestamp_with_time_zone(SubCommission::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Unit::Table)
                    .col(big_pk_auto(Unit::Id))
                    .col(string_len_uniq(Unit::Code, 16))
                    .col(string_len_uniq(Unit::Name, 100))
                    .col(string_len(Unit::Category, 32))
                    .col(boolean(Unit::Pilot).default(false))
                    .col(big_integer(Unit::SubCommissionId).null())
                    .col(boolean(Unit::Active).default(true))
                    .col(timestamp_with_time_zone(Unit::CreatedAt))
                    .foreign_key(&mut fk(Unit::Table, Unit::SubCommissionId, SubCommission::Table, SubCommission::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Section::Table)
                    .col(big_pk_auto(Section::Id))
                    .col(big_integer(Section::UnitId))
                    .col(string_len(Section::Name, 100))
                    .col(boolean(Section::Active).default(true))
                    .foreign_key(&mut fk(Section::Table, Section::UnitId, Unit::Table, Unit::Id))
                    .index(Index::create().unique().col(Section::UnitId).col(Section::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Position::Table)
                    .col(big_pk_auto(Position::Id))
                    .col(big_integer(Position::UnitId))
                    .col(big_integer(Position::SectionId).null())
                    .col(string_len(Position::Name, 100))
                    .col(boolean(Position::HotPersonnel).default(false))
                    .col(boolean(Position::HotFinance).default(false))
                    .col(boolean(Position::HotAffairs).default(false))
                    .col(boolean(Position::Active).default(true))
                    .foreign_key(&mut fk(Position::Table, Position::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(Position::Table, Position::SectionId, Section::Table, Section::Id))
                    .index(Index::create().unique().col(Position::UnitId).col(Position::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .col(big_pk_auto(Person::Id))
                    .col(big_integer(Person::UnitId))
                    .col(string_len(Person::Name, 100))
                    .col(string_len(Person::Tier, 32))
                    .col(big_integer(Person::SectionId).null())
                    .col(big_integer(Person::PositionId).null())
                    .col(boolean(Person::Active).default(true))
                    .foreign_key(&mut fk(Person::Table, Person::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(Person::Table, Person::SectionId, Section::Table, Section::Id))
                    .foreign_key(&mut fk(Person::Table, Person::PositionId, Position::Table, Position::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_person_unit").table(Person::Table).col(Person::UnitId).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserAccount::Table)
                    .col(big_pk_auto(UserAccount::Id))
                    .col(string_len_uniq(UserAccount::Login, 64))
                    .col(string(UserAccount::PasswordHash))
                    .col(string_len(UserAccount::Role, 32))
                    .col(big_integer(UserAccount::UnitId).null())
                    .col(big_integer(UserAccount::SubCommissionId).null())
                    .col(string_null(UserAccount::DisplayName))
                    .col(boolean(UserAccount::Active).default(true))
                    .col(timestamp_with_time_zone(UserAccount::CreatedAt))
                    .col(timestamp_with_time_zone(UserAccount::PasswordChangedAt))
                    .foreign_key(&mut fk(UserAccount::Table, UserAccount::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(
                        UserAccount::Table,
                        UserAccount::SubCommissionId,
                        SubCommission::Table,
                        SubCommission::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SupervisorUnit::Table)
                    .col(big_integer(SupervisorUnit::UserId))
                    .col(big_integer(SupervisorUnit::UnitId))
                    .primary_key(Index::create().col(SupervisorUnit::UserId).col(SupervisorUnit::UnitId))
                    .foreign_key(&mut fk(
                        SupervisorUnit::Table,
                        SupervisorUnit::UserId,
                        UserAccount::Table,
                        UserAccount::Id,
                    ))
                    .foreign_key(&mut fk(SupervisorUnit::Table, SupervisorUnit::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(string_len(Session::Id, 64).primary_key())
                    .col(big_integer(Session::UserId))
                    .col(string_len(Session::CsrfToken, 64))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .foreign_key(&mut fk(Session::Table, Session::UserId, UserAccount::Table, UserAccount::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(string_len(ApiToken::Name, 100))
                    .col(big_integer(ApiToken::UnitId))
                    .col(string_len_uniq(ApiToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(string_len(ApiToken::CreatedBy, 100))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(&mut fk(ApiToken::Table, ApiToken::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginFailure::Table)
                    .col(big_pk_auto(LoginFailure::Id))
                    .col(string_len(LoginFailure::Login, 64))
                    .col(string_len(LoginFailure::Address, 64))
                    .col(timestamp_with_time_zone(LoginFailure::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_failure_login")
                    .table(LoginFailure::Table)
                    .col(LoginFailure::Login)
                    .col(LoginFailure::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_failure_address")
                    .table(LoginFailure::Table)
                    .col(LoginFailure::Address)
                    .col(LoginFailure::At)
                    .to_owned(),
            )
            .await?;
        // Audit timestamps and bodies are kept as the exact text that was hashed, so
        // verification never depends on how a backend round-trips dates or JSON.
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_integer(AuditLog::Seq).primary_key())
                    .col(string_len(AuditLog::At, 32))
                    .col(string_len(AuditLog::Actor, 120))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::Entity, 64))
                    .col(string_len(AuditLog::EntityId, 64))
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .col(string_len(AuditLog::PrevHash, 64))
                    .col(string_len(AuditLog::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_entity")
                    .table(AuditLog::Table)
                    .col(AuditLog::Entity)
                    .col(AuditLog::EntityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(big_integer(AuditHead::Id).primary_key())
                    .col(big_integer(AuditHead::Seq))
                    .col(text(AuditHead::Hash))
                    .to_owned(),
            )
            .await?;
        let genesis = Query::insert()
            .into_table(AuditHead::Table)
            .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
            .values([1.into(), 0.into(), sunlight_domain::audit::GENESIS_HASH.into()])
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(genesis).await?;
        Ok(())
    }
}
