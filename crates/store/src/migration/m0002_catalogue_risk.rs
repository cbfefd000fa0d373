//! The power catalogue and its versions, the risk register (five-step findings,
//! level decisions, model versions, prevention measures) and the design records
//! (creation standards, focus items, process optimizations, power decomposition).
//!
//! Catalogue search needs a Chinese substring index, which neither backend builds
//! from the schema builder: SQLite gets an FTS5 table with the trigram tokenizer
//! (FTS5 has no Chinese word tokenizer; trigrams need no words) kept in step by
//! triggers, PostgreSQL gets `pg_trgm` GIN indexes that serve `LIKE '%…%'`.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, boolean, date, integer, string_len, string_len_null, text, text_null,
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
enum Section {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // `PowerType` is the column's name
enum Power {
    Table,
    Id,
    UnitId,
    Code,
    Name,
    PowerType,
    LegalBasis,
    SectionId,
    Position,
    LegalLimitAmount,
    LegalLimitUnit,
    PromisedLimitAmount,
    PromisedLimitUnit,
    FeeCharged,
    FeeStandard,
    UnitHead,
    Public,
    Notes,
    State,
    MergedInto,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PowerVersion {
    Table,
    Id,
    PowerId,
    Version,
    State,
    Action,
    Draft,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum RiskModel {
    Table,
    Id,
    Version,
    Config,
    Active,
    Actor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RiskPoint {
    Table,
    Id,
    UnitId,
    ScopeKind,
    ScopeTarget,
    Kind,
    Description,
    HolderTier,
    HolderPersonId,
    Method,
    Importance,
    Frequency,
    Probability,
    Harm,
    FindingStep,
    LevelStage,
    LevelRank,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RiskStep {
    Table,
    Id,
    RiskPointId,
    Step,
    Actor,
    At,
    Comment,
}

#[derive(DeriveIden)]
enum RiskLevelDecision {
    Table,
    Id,
    RiskPointId,
    Stage,
    Rank,
    ModelVersion,
    Score,
    Actor,
    At,
    Comment,
}

#[derive(DeriveIden)]
enum RiskMeasure {
    Table,
    Id,
    RiskPointId,
    UnitId,
    Phase,
    Mechanism,
    Description,
    Owner,
    Due,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DesignStandard {
    Table,
    Id,
    Seq,
    Title,
    Description,
    Active,
}

#[derive(DeriveIden)]
enum StandardCompliance {
    Table,
    Id,
    StandardId,
    UnitId,
    Compliant,
    Evidence,
    Actor,
    CheckedAt,
}

#[derive(DeriveIden)]
enum FocusItem {
    Table,
    Id,
    UnitId,
    Title,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProcessOptimization {
    Table,
    Id,
    UnitId,
    PowerId,
    Title,
    StepsBefore,
    StepsAfter,
    StepsRemoved,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PowerPart {
    Table,
    Id,
    PowerId,
    Role,
    SectionId,
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

const SQLITE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE power_search USING fts5(name, legal_basis, content='power', content_rowid='id', \
     tokenize='trigram')",
    "CREATE TRIGGER power_search_insert AFTER INSERT ON power BEGIN \
     INSERT INTO power_search(rowid, name, legal_basis) VALUES (new.id, new.name, new.legal_basis); END",
    "CREATE TRIGGER power_search_delete AFTER DELETE ON power BEGIN \
     INSERT INTO power_search(power_search, rowid, name, legal_basis) \
     VALUES ('delete', old.id, old.name, old.legal_basis); END",
    "CREATE TRIGGER power_search_update AFTER UPDATE OF name, legal_basis ON power BEGIN \
     INSERT INTO power_search(power_search, rowid, name, legal_basis) \
     VALUES ('delete', old.id, old.name, old.legal_basis); \
     INSERT INTO power_search(rowid, name, legal_basis) VALUES (new.id, new.name, new.legal_basis); END",
];

const POSTGRES_SEARCH: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX idx_power_name_trgm ON power USING gin (name gin_trgm_ops)",
    "CREATE INDEX idx_power_legal_basis_trgm ON power USING gin (legal_basis gin_trgm_ops)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)] // one table after another; splitting hides the schema
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Power::Table)
                    .col(big_pk_auto(Power::Id))
                    .col(big_integer(Power::UnitId))
                    .col(string_len(Power::Code, 32).unique_key())
                    .col(text(Power::Name))
                    .col(string_len(Power::PowerType, 8))
                    // One reference per line.
                    .col(text(Power::LegalBasis))
                    .col(big_integer(Power::SectionId).null())
                    .col(string_len_null(Power::Position, 100))
                    .col(integer(Power::LegalLimitAmount).null())
                    .col(string_len_null(Power::LegalLimitUnit, 16))
                    .col(integer(Power::PromisedLimitAmount).null())
                    .col(string_len_null(Power::PromisedLimitUnit, 16))
                    .col(boolean(Power::FeeCharged).default(false))
                    .col(text_null(Power::FeeStandard))
                    .col(boolean(Power::UnitHead).default(false))
                    .col(boolean(Power::Public).default(true))
                    .col(text_null(Power::Notes))
                    .col(string_len(Power::State, 16))
                    .col(string_len_null(Power::MergedInto, 32))
                    .col(integer(Power::Version))
                    .col(timestamp_with_time_zone(Power::CreatedAt))
                    .col(timestamp_with_time_zone(Power::UpdatedAt))
                    .foreign_key(&mut fk(Power::Table, Power::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(Power::Table, Power::SectionId, Section::Table, Section::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_power_unit", Power::Table, &["unit_id", "state"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(PowerVersion::Table)
                    .col(big_pk_auto(PowerVersion::Id))
                    .col(big_integer(PowerVersion::PowerId))
                    .col(integer(PowerVersion::Version))
                    .col(string_len(PowerVersion::State, 16))
                    .col(string_len(PowerVersion::Action, 16))
                    // The whole `PowerDraft` as JSON, so any two versions can be compared.
                    .col(text(PowerVersion::Draft))
                    .col(string_len(PowerVersion::Actor, 100))
                    .col(timestamp_with_time_zone(PowerVersion::At))
                    .foreign_key(&mut fk(PowerVersion::Table, PowerVersion::PowerId, Power::Table, Power::Id))
                    .index(Index::create().unique().col(PowerVersion::PowerId).col(PowerVersion::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskModel::Table)
                    .col(big_pk_auto(RiskModel::Id))
                    .col(integer(RiskModel::Version).unique_key())
                    // The `RiskModelConfig` as JSON.
                    .col(text(RiskModel::Config))
                    .col(boolean(RiskModel::Active).default(false))
                    .col(string_len(RiskModel::Actor, 100))
                    .col(timestamp_with_time_zone(RiskModel::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskPoint::Table)
                    .col(big_pk_auto(RiskPoint::Id))
                    .col(big_integer(RiskPoint::UnitId))
                    .col(string_len(RiskPoint::ScopeKind, 16))
                    // The id of the power, position, section or unit named by `scope_kind`.
                    .col(big_integer(RiskPoint::ScopeTarget))
                    .col(string_len(RiskPoint::Kind, 16))
                    .col(text(RiskPoint::Description))
                    .col(string_len(RiskPoint::HolderTier, 32))
                    .col(big_integer(RiskPoint::HolderPersonId).null())
                    .col(string_len(RiskPoint::Method, 100))
                    // Grades of the model's assessed factors; absent until assessed.
                    .col(integer(RiskPoint::Importance).null())
                    .col(integer(RiskPoint::Frequency).null())
                    .col(integer(RiskPoint::Probability).null())
                    .col(integer(RiskPoint::Harm).null())
                    // The last finding step and level stage reached, and the approved
                    // level: kept with the point so lists and figures need no join.
                    .col(string_len_null(RiskPoint::FindingStep, 32))
                    .col(string_len_null(RiskPoint::LevelStage, 32))
                    .col(integer(RiskPoint::LevelRank).null())
                    .col(boolean(RiskPoint::Active).default(true))
                    .col(timestamp_with_time_zone(RiskPoint::CreatedAt))
                    .col(timestamp_with_time_zone(RiskPoint::UpdatedAt))
                    .foreign_key(&mut fk(RiskPoint::Table, RiskPoint::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(RiskPoint::Table, RiskPoint::HolderPersonId, Person::Table, Person::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_risk_point_unit", RiskPoint::Table, &["unit_id"])).await?;
        manager.create_index(index("idx_risk_point_scope", RiskPoint::Table, &["scope_kind", "scope_target"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskStep::Table)
                    .col(big_pk_auto(RiskStep::Id))
                    .col(big_integer(RiskStep::RiskPointId))
                    .col(string_len(RiskStep::Step, 32))
                    .col(string_len(RiskStep::Actor, 100))
                    .col(timestamp_with_time_zone(RiskStep::At))
                    .col(text_null(RiskStep::Comment))
                    .foreign_key(&mut fk(RiskStep::Table, RiskStep::RiskPointId, RiskPoint::Table, RiskPoint::Id))
                    .index(Index::create().unique().col(RiskStep::RiskPointId).col(RiskStep::Step))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskLevelDecision::Table)
                    .col(big_pk_auto(RiskLevelDecision::Id))
                    .col(big_integer(RiskLevelDecision::RiskPointId))
                    .col(string_len(RiskLevelDecision::Stage, 32))
                    .col(integer(RiskLevelDecision::Rank))
                    .col(integer(RiskLevelDecision::ModelVersion))
                    // Tenths of a point.
                    .col(integer(RiskLevelDecision::Score).null())
                    .col(string_len(RiskLevelDecision::Actor, 100))
                    .col(timestamp_with_time_zone(RiskLevelDecision::At))
                    .col(text_null(RiskLevelDecision::Comment))
                    .foreign_key(&mut fk(
                        RiskLevelDecision::Table,
                        RiskLevelDecision::RiskPointId,
                        RiskPoint::Table,
                        RiskPoint::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_risk_level_decision_point", RiskLevelDecision::Table, &["risk_point_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskMeasure::Table)
                    .col(big_pk_auto(RiskMeasure::Id))
                    .col(big_integer(RiskMeasure::RiskPointId))
                    .col(big_integer(RiskMeasure::UnitId))
                    .col(string_len(RiskMeasure::Phase, 16))
                    .col(string_len(RiskMeasure::Mechanism, 32))
                    .col(text(RiskMeasure::Description))
                    .col(string_len(RiskMeasure::Owner, 100))
                    .col(date(RiskMeasure::Due))
                    .col(string_len(RiskMeasure::Status, 16))
                    .col(timestamp_with_time_zone(RiskMeasure::CreatedAt))
                    .col(timestamp_with_time_zone(RiskMeasure::UpdatedAt))
                    .foreign_key(&mut fk(RiskMeasure::Table, RiskMeasure::RiskPointId, RiskPoint::Table, RiskPoint::Id))
                    .foreign_key(&mut fk(RiskMeasure::Table, RiskMeasure::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_risk_measure_point", RiskMeasure::Table, &["risk_point_id"])).await?;
        manager.create_index(index("idx_risk_measure_unit", RiskMeasure::Table, &["unit_id", "status"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(DesignStandard::Table)
                    .col(big_pk_auto(DesignStandard::Id))
                    .col(integer(DesignStandard::Seq).unique_key())
                    .col(string_len(DesignStandard::Title, 200))
                    .col(text_null(DesignStandard::Description))
                    .col(boolean(DesignStandard::Active).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StandardCompliance::Table)
                    .col(big_pk_auto(StandardCompliance::Id))
                    .col(big_integer(StandardCompliance::StandardId))
                    .col(big_integer(StandardCompliance::UnitId))
                    .col(boolean(StandardCompliance::Compliant))
                    .col(text_null(StandardCompliance::Evidence))
                    .col(string_len(StandardCompliance::Actor, 100))
                    .col(timestamp_with_time_zone(StandardCompliance::CheckedAt))
                    .foreign_key(&mut fk(
                        StandardCompliance::Table,
                        StandardCompliance::StandardId,
                        DesignStandard::Table,
                        DesignStandard::Id,
                    ))
                    .foreign_key(&mut fk(StandardCompliance::Table, StandardCompliance::UnitId, Unit::Table, Unit::Id))
                    .index(Index::create().unique().col(StandardCompliance::StandardId).col(StandardCompliance::UnitId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FocusItem::Table)
                    .col(big_pk_auto(FocusItem::Id))
                    .col(big_integer(FocusItem::UnitId))
                    .col(string_len(FocusItem::Title, 200))
                    .col(text_null(FocusItem::Description))
                    .col(timestamp_with_time_zone(FocusItem::CreatedAt))
                    .foreign_key(&mut fk(FocusItem::Table, FocusItem::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProcessOptimization::Table)
                    .col(big_pk_auto(ProcessOptimization::Id))
                    .col(big_integer(ProcessOptimization::UnitId))
                    .col(big_integer(ProcessOptimization::PowerId).null())
                    .col(string_len(ProcessOptimization::Title, 200))
                    // JSON arrays of step names.
                    .col(text(ProcessOptimization::StepsBefore))
                    .col(text(ProcessOptimization::StepsAfter))
                    // Computed from the two lists when written.
                    .col(integer(ProcessOptimization::StepsRemoved))
                    .col(timestamp_with_time_zone(ProcessOptimization::CreatedAt))
                    .foreign_key(&mut fk(
                        ProcessOptimization::Table,
                        ProcessOptimization::UnitId,
                        Unit::Table,
                        Unit::Id,
                    ))
                    .foreign_key(&mut fk(
                        ProcessOptimization::Table,
                        ProcessOptimization::PowerId,
                        Power::Table,
                        Power::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PowerPart::Table)
                    .col(big_pk_auto(PowerPart::Id))
                    .col(big_integer(PowerPart::PowerId))
                    // decide / execute / supervise
                    .col(string_len(PowerPart::Role, 16))
                    .col(big_integer(PowerPart::SectionId))
                    .foreign_key(&mut fk(PowerPart::Table, PowerPart::PowerId, Power::Table, Power::Id))
                    .foreign_key(&mut fk(PowerPart::Table, PowerPart::SectionId, Section::Table, Section::Id))
                    .index(
                        Index::create().unique().col(PowerPart::PowerId).col(PowerPart::Role).col(PowerPart::SectionId),
                    )
                    .to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        let statements = match connection.get_database_backend() {
            DbBackend::Sqlite => SQLITE_SEARCH,
            _ => POSTGRES_SEARCH,
        };
        for statement in statements {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
