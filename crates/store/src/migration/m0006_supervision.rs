//! Flowcharts, the working-day calendar, online handling (cases and their events)
//! and electronic supervision (alerts, their outbox, the clock's next-due index).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, boolean, integer, string_len, string_len_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
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
enum Flowchart {
    Table,
    Id,
    /// One flowchart per power; its versions hold the drawings.
    PowerId,
    /// Copied from the power so that scoping needs no join.
    UnitId,
    PowerCode,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FlowchartVersion {
    Table,
    Id,
    FlowchartId,
    Version,
    /// `draft`, `published` or `superseded`; at most one published per flowchart.
    State,
    /// The canonical form: BPMN 2.0 as exported by Sunlight.
    Bpmn,
    StepCount,
    CreatedBy,
    CreatedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum CalendarDay {
    Table,
    Id,
    /// `YYYY-MM-DD`.
    Day,
    /// `holiday` (a weekday off) or `workday` (调休: a weekend day worked).
    Kind,
    Name,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Setting {
    Table,
    /// e.g. `office_hours`, `supervision_rules`.
    Key,
    Value,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HandlingCase {
    Table,
    Id,
    /// 办件编号, unique county-wide.
    CaseNumber,
    /// SHA-256 (hex) of the verification code the applicant follows the case with.
    VerificationHash,
    UnitId,
    PowerId,
    PowerCode,
    FlowchartVersionId,
    /// Personal data: shown to staff only, never on the portal.
    Applicant,
    Subject,
    /// `online`, `staff`, `api`, `import` or `demo`.
    Source,
    /// `open`, `paused`, `finished` or `terminated`.
    Status,
    CurrentStep,
    ReceivedAt,
    PromisedDeadline,
    LegalDeadline,
    FinishedAt,
    FeeDueCents,
    FeePaidCents,
    /// The strongest time card now shown: `none`, `reminder`, `yellow` or `red`.
    Card,
    /// Past its deadline, finished or not.
    Overdue,
    /// No finding of the process family's conformance rules.
    ProcessConformant,
    Returns,
    EventCount,
    /// Working minutes from receipt to finish, returns and pauses summed.
    HandlingMinutes,
    /// When the clock must look at this case next; none when nothing can fall due.
    NextDueAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseEvent {
    Table,
    Id,
    CaseId,
    /// Copied from the case: a unit's client event ids are unique.
    UnitId,
    /// The sender's own id; repeating it is answered `duplicate`.
    ClientEventId,
    /// Order within the case.
    Seq,
    Step,
    /// `apply`, `accept`, `approve`, `return`, `correct`, `pause`, `resume`,
    /// `terminate`, `finish`, `complete` (a step done) or `start`.
    Action,
    Actor,
    ActorGroup,
    At,
    Comment,
    /// JSON array of document names.
    Documents,
    FeeDueCents,
    FeePaidCents,
    /// `online`, `staff`, `api`, `import` or `demo`.
    Source,
    RecordedAt,
}

#[derive(DeriveIden)]
enum SupervisionAlert {
    Table,
    Id,
    /// Rule id, e.g. `time.red_card`.
    Rule,
    /// `reminder`, `yellow`, `red` for time cards; `warning` for the other families.
    Level,
    CaseId,
    UnitId,
    Step,
    Person,
    Evidence,
    /// `raised`, `acknowledged`, `explained`, `closed` or `escalated`.
    State,
    /// Who must act next: `unit` or `commission`.
    MustAct,
    /// Why it closed: `resolved`, `superseded`, `taken_down`, `explained`.
    CloseReason,
    RaisedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SupervisionAlertEvent {
    Table,
    Id,
    AlertId,
    FromState,
    ToState,
    Actor,
    Comment,
    At,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    /// e.g. `alert_raised`.
    Topic,
    /// JSON.
    Payload,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    DeliveredAt,
    LastError,
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

fn index(name: &str, table: impl IntoIden, columns: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    statement
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)] // one table after the other, read top to bottom
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Flowchart::Table)
                    .col(big_pk_auto(Flowchart::Id))
                    .col(big_integer(Flowchart::PowerId).unique_key())
                    .col(big_integer(Flowchart::UnitId))
                    .col(string_len(Flowchart::PowerCode, 32).unique_key())
                    .col(string_len(Flowchart::Name, 200))
                    .col(timestamp_with_time_zone(Flowchart::CreatedAt))
                    .col(timestamp_with_time_zone(Flowchart::UpdatedAt))
                    .foreign_key(&mut fk(Flowchart::Table, Flowchart::PowerId, Power::Table, Power::Id))
                    .foreign_key(&mut fk(Flowchart::Table, Flowchart::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("flowchart_unit", Flowchart::Table, &["unit_id"], false)).await?;
        manager
            .create_table(
                Table::create()
                    .table(FlowchartVersion::Table)
                    .col(big_pk_auto(FlowchartVersion::Id))
                    .col(big_integer(FlowchartVersion::FlowchartId))
                    .col(integer(FlowchartVersion::Version))
                    .col(string_len(FlowchartVersion::State, 16))
                    .col(text(FlowchartVersion::Bpmn))
                    .col(integer(FlowchartVersion::StepCount))
                    .col(string_len(FlowchartVersion::CreatedBy, 100))
                    .col(timestamp_with_time_zone(FlowchartVersion::CreatedAt))
                    .col(timestamp_with_time_zone_null(FlowchartVersion::PublishedAt))
                    .foreign_key(&mut fk(
                        FlowchartVersion::Table,
                        FlowchartVersion::FlowchartId,
                        Flowchart::Table,
                        Flowchart::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "flowchart_version_number",
                FlowchartVersion::Table,
                &["flowchart_id", "version"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarDay::Table)
                    .col(big_pk_auto(CalendarDay::Id))
                    .col(string_len(CalendarDay::Day, 10).unique_key())
                    .col(string_len(CalendarDay::Kind, 16))
                    .col(string_len(CalendarDay::Name, 100))
                    .col(timestamp_with_time_zone(CalendarDay::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Setting::Table)
                    .col(string_len(Setting::Key, 64).primary_key())
                    .col(text(Setting::Value))
                    .col(string_len(Setting::UpdatedBy, 100))
                    .col(timestamp_with_time_zone(Setting::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HandlingCase::Table)
                    .col(big_pk_auto(HandlingCase::Id))
                    .col(string_len(HandlingCase::CaseNumber, 64).unique_key())
                    .col(string_len(HandlingCase::VerificationHash, 64))
                    .col(big_integer(HandlingCase::UnitId))
                    .col(big_integer(HandlingCase::PowerId))
                    .col(string_len(HandlingCase::PowerCode, 32))
                    .col(big_integer(HandlingCase::FlowchartVersionId))
                    .col(string_len_null(HandlingCase::Applicant, 200))
                    .col(string_len_null(HandlingCase::Subject, 200))
                    .col(string_len(HandlingCase::Source, 16))
                    .col(string_len(HandlingCase::Status, 16))
                    .col(string_len_null(HandlingCase::CurrentStep, 200))
                    .col(timestamp_with_time_zone(HandlingCase::ReceivedAt))
                    .col(timestamp_with_time_zone_null(HandlingCase::PromisedDeadline))
                    .col(timestamp_with_time_zone_null(HandlingCase::LegalDeadline))
                    .col(timestamp_with_time_zone_null(HandlingCase::FinishedAt))
                    .col(big_integer(HandlingCase::FeeDueCents).null())
                    .col(big_integer(HandlingCase::FeePaidCents).null())
                    .col(string_len(HandlingCase::Card, 16))
                    .col(boolean(HandlingCase::Overdue))
                    .col(boolean(HandlingCase::ProcessConformant))
                    .col(integer(HandlingCase::Returns))
                    .col(integer(HandlingCase::EventCount))
                    .col(big_integer(HandlingCase::HandlingMinutes).null())
                    .col(timestamp_with_time_zone_null(HandlingCase::NextDueAt))
                    .col(timestamp_with_time_zone(HandlingCase::UpdatedAt))
                    .foreign_key(&mut fk(HandlingCase::Table, HandlingCase::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(HandlingCase::Table, HandlingCase::PowerId, Power::Table, Power::Id))
                    .foreign_key(&mut fk(
                        HandlingCase::Table,
                        HandlingCase::FlowchartVersionId,
                        FlowchartVersion::Table,
                        FlowchartVersion::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("handling_case_unit_received", &["unit_id", "received_at"][..]),
            ("handling_case_power_received", &["power_id", "received_at"][..]),
            // The clock reads only the cases falling due: no full scans.
            ("handling_case_next_due", &["next_due_at"][..]),
            ("handling_case_status", &["status"][..]),
        ] {
            manager.create_index(index(name, HandlingCase::Table, columns, false)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CaseEvent::Table)
                    .col(big_pk_auto(CaseEvent::Id))
                    .col(big_integer(CaseEvent::CaseId))
                    .col(big_integer(CaseEvent::UnitId))
                    .col(string_len_null(CaseEvent::ClientEventId, 100))
                    .col(integer(CaseEvent::Seq))
                    .col(string_len(CaseEvent::Step, 200))
                    .col(string_len(CaseEvent::Action, 16))
                    .col(string_len(CaseEvent::Actor, 100))
                    .col(string_len_null(CaseEvent::ActorGroup, 100))
                    .col(timestamp_with_time_zone(CaseEvent::At))
                    .col(text_null(CaseEvent::Comment))
                    .col(text(CaseEvent::Documents))
                    .col(big_integer(CaseEvent::FeeDueCents).null())
                    .col(big_integer(CaseEvent::FeePaidCents).null())
                    .col(string_len(CaseEvent::Source, 16))
                    .col(timestamp_with_time_zone(CaseEvent::RecordedAt))
                    .foreign_key(&mut fk(CaseEvent::Table, CaseEvent::CaseId, HandlingCase::Table, HandlingCase::Id))
                    .foreign_key(&mut fk(CaseEvent::Table, CaseEvent::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct on both backends: events without a client id never clash.
        manager
            .create_index(index("case_event_client", CaseEvent::Table, &["unit_id", "client_event_id"], true))
            .await?;
        manager.create_index(index("case_event_case_seq", CaseEvent::Table, &["case_id", "seq"], true)).await?;
        manager
            .create_table(
                Table::create()
                    .table(SupervisionAlert::Table)
                    .col(big_pk_auto(SupervisionAlert::Id))
                    .col(string_len(SupervisionAlert::Rule, 64))
                    .col(string_len(SupervisionAlert::Level, 16))
                    .col(big_integer(SupervisionAlert::CaseId))
                    .col(big_integer(SupervisionAlert::UnitId))
                    .col(string_len_null(SupervisionAlert::Step, 200))
                    .col(string_len_null(SupervisionAlert::Person, 100))
                    .col(text(SupervisionAlert::Evidence))
                    .col(string_len(SupervisionAlert::State, 16))
                    .col(string_len(SupervisionAlert::MustAct, 16))
                    .col(string_len_null(SupervisionAlert::CloseReason, 16))
                    .col(timestamp_with_time_zone(SupervisionAlert::RaisedAt))
                    .col(timestamp_with_time_zone(SupervisionAlert::UpdatedAt))
                    .col(timestamp_with_time_zone_null(SupervisionAlert::ClosedAt))
                    .foreign_key(&mut fk(
                        SupervisionAlert::Table,
                        SupervisionAlert::CaseId,
                        HandlingCase::Table,
                        HandlingCase::Id,
                    ))
                    .foreign_key(&mut fk(SupervisionAlert::Table, SupervisionAlert::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("supervision_alert_case", &["case_id"][..]),
            ("supervision_alert_state_unit", &["state", "unit_id"][..]),
            ("supervision_alert_raised", &["raised_at"][..]),
        ] {
            manager.create_index(index(name, SupervisionAlert::Table, columns, false)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SupervisionAlertEvent::Table)
                    .col(big_pk_auto(SupervisionAlertEvent::Id))
                    .col(big_integer(SupervisionAlertEvent::AlertId))
                    .col(string_len_null(SupervisionAlertEvent::FromState, 16))
                    .col(string_len(SupervisionAlertEvent::ToState, 16))
                    .col(string_len(SupervisionAlertEvent::Actor, 100))
                    .col(text_null(SupervisionAlertEvent::Comment))
                    .col(timestamp_with_time_zone(SupervisionAlertEvent::At))
                    .foreign_key(&mut fk(
                        SupervisionAlertEvent::Table,
                        SupervisionAlertEvent::AlertId,
                        SupervisionAlert::Table,
                        SupervisionAlert::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("supervision_alert_event_alert", SupervisionAlertEvent::Table, &["alert_id"], false))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Topic, 64))
                    .col(text(Outbox::Payload))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::DeliveredAt))
                    .col(text_null(Outbox::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("outbox_pending", Outbox::Table, &["delivered_at", "next_attempt_at"], false))
            .await?;
        seed_official_calendar(manager).await
    }
}

/// The shipped official holidays and 调休 days become the admin's editable list.
async fn seed_official_calendar(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let days = sunlight_domain::flow::calendar::official_days();
    for chunk in days.chunks(200) {
        let mut insert = Query::insert()
            .into_table(CalendarDay::Table)
            .columns([CalendarDay::Day, CalendarDay::Kind, CalendarDay::Name, CalendarDay::UpdatedAt])
            .to_owned();
        for day in chunk {
            insert
                .values([
                    day.date.format("%Y-%m-%d").to_string().into(),
                    day.kind.as_str().into(),
                    day.festival.clone().into(),
                    now.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}
