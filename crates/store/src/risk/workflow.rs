//! The five-step finding and the level decisions of a risk point.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sunlight_domain::policy::{Action, Principal, Target, authorize};
use sunlight_domain::risk::{Finding, FindingStep, LevelDecision, LevelHistory, LevelStage, Score, StepRecord};
use sunlight_domain::text::Note;

use crate::entity::{risk_level_decision, risk_point, risk_step};
use crate::{Store, StoreError, Write};

use super::{active_model, assess, get_risk};

// ---------------------------------------------------------------- five steps

pub(super) fn finding_of(rows: &[risk_step::Model]) -> Result<Finding, StoreError> {
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        records.push(StepRecord {
            step: row.step.parse().map_err(|_| StoreError::Internal(format!("risk step {}: bad step", row.id)))?,
            actor: row.actor.clone(),
            at: row.at,
            comment: Note::parse_optional(row.comment.as_deref()).ok().flatten(),
        });
    }
    Finding::try_from(records).map_err(|code| StoreError::Internal(format!("stored finding steps: {code}")))
}

/// The organization's review (step 5) needs the right to approve; the others, to manage.
#[must_use]
pub const fn step_action(step: FindingStep) -> Action {
    match step {
        FindingStep::OrganizationReviewed => Action::ApproveRisks,
        _ => Action::ManageRisks,
    }
}

/// Records the next step of the five-step method.
pub async fn record_step(
    store: &Store,
    principal: &Principal,
    id: i64,
    step: FindingStep,
    comment: Option<Note>,
) -> Result<risk_step::Model, StoreError> {
    let before = get_risk(store, principal, id).await?;
    authorize(principal, step_action(step), Target::Unit(before.unit_id))?;
    let mut write = Write::begin(store, principal).await?;
    let rows = risk_step::Entity::find()
        .filter(risk_step::Column::RiskPointId.eq(id))
        .order_by_asc(risk_step::Column::At)
        .order_by_asc(risk_step::Column::Id)
        .all(write.txn())
        .await?;
    let mut finding = finding_of(&rows)?;
    finding
        .record(StepRecord { step, actor: principal.actor.clone(), at: write.now(), comment: comment.clone() })
        .map_err(|e| StoreError::invalid("step", e))?;
    let row = risk_step::ActiveModel {
        risk_point_id: Set(id),
        step: Set(step.key().to_owned()),
        actor: Set(principal.actor.clone()),
        at: Set(write.now()),
        comment: Set(comment.map(|c| c.to_string())),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("step"))?;
    let mut model: risk_point::ActiveModel = before.clone().into();
    model.finding_step = Set(Some(step.key().to_owned()));
    model.updated_at = Set(write.now());
    let after = model.update(write.txn()).await?;
    write.record("risk_point.record_step", "risk_point", id, Some(&before), Some(&after))?;
    write.record("risk_step.create", "risk_step", row.id, None::<&()>, Some(&row))?;
    write.commit().await?;
    Ok(row)
}

// ---------------------------------------------------------------- levels

pub(super) fn history_of(rows: &[risk_level_decision::Model]) -> Result<LevelHistory, StoreError> {
    let mut decisions = Vec::with_capacity(rows.len());
    for row in rows {
        let bad = || StoreError::Internal(format!("level decision {} is invalid", row.id));
        decisions.push(LevelDecision {
            stage: row.stage.parse().map_err(|_| bad())?,
            rank: u8::try_from(row.rank).map_err(|_| bad())?,
            model_version: u32::try_from(row.model_version).map_err(|_| bad())?,
            score: row.score.and_then(|s| u16::try_from(s).ok()).and_then(|s| Score::try_from(s).ok()),
            actor: row.actor.clone(),
            at: row.at,
            comment: Note::parse_optional(row.comment.as_deref()).ok().flatten(),
        });
    }
    LevelHistory::try_from(decisions).map_err(|code| StoreError::Internal(format!("stored level decisions: {code}")))
}

/// Approval needs the right to approve; proposal and evaluation, to manage.
#[must_use]
pub const fn stage_action(stage: LevelStage) -> Action {
    match stage {
        LevelStage::Approved => Action::ApproveRisks,
        _ => Action::ManageRisks,
    }
}

/// Records the next level decision under the active model.
pub async fn decide_level(
    store: &Store,
    principal: &Principal,
    id: i64,
    stage: LevelStage,
    rank: u8,
    comment: Option<Note>,
) -> Result<risk_level_decision::Model, StoreError> {
    let before = get_risk(store, principal, id).await?;
    authorize(principal, stage_action(stage), Target::Unit(before.unit_id))?;
    let model = active_model(store).await?;
    let assessment = assess(store, &model, &before).await?;
    let mut write = Write::begin(store, principal).await?;
    let rows = risk_level_decision::Entity::find()
        .filter(risk_level_decision::Column::RiskPointId.eq(id))
        .order_by_asc(risk_level_decision::Column::At)
        .order_by_asc(risk_level_decision::Column::Id)
        .all(write.txn())
        .await?;
    let mut history = history_of(&rows)?;
    let decision = LevelDecision {
        stage,
        rank,
        model_version: model.version(),
        score: assessment.map(|a| a.score),
        actor: principal.actor.clone(),
        at: write.now(),
        comment: comment.clone(),
    };
    history.decide(decision, &model).map_err(|e| {
        let field = if matches!(e.code, "unknown_level" | "model_version_mismatch") { "rank" } else { "stage" };
        StoreError::invalid(field, e)
    })?;
    let row = risk_level_decision::ActiveModel {
        risk_point_id: Set(id),
        stage: Set(stage.key().to_owned()),
        rank: Set(i32::from(rank)),
        model_version: Set(i32::try_from(model.version()).unwrap_or(i32::MAX)),
        score: Set(assessment.map(|a| i32::from(a.score.tenths()))),
        actor: Set(principal.actor.clone()),
        at: Set(write.now()),
        comment: Set(comment.map(|c| c.to_string())),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    let mut point: risk_point::ActiveModel = before.clone().into();
    point.level_stage = Set(Some(stage.key().to_owned()));
    if stage == LevelStage::Approved {
        point.level_rank = Set(Some(i32::from(rank)));
    }
    point.updated_at = Set(write.now());
    let after = point.update(write.txn()).await?;
    write.record("risk_point.decide_level", "risk_point", id, Some(&before), Some(&after))?;
    write.record("risk_level_decision.create", "risk_level_decision", row.id, None::<&()>, Some(&row))?;
    write.commit().await?;
    Ok(row)
}
