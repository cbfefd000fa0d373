//! The demo risk register: every cadre of the seven pilot units found risks by the
//! five-step method — 1557 points, 135 held by unit heads and 347 by leadership
//! teams, approved at 358 level-1, 472 level-2 and 727 level-3 — each with the
//! model's grades, its level decisions and (nearly always) a prevention measure.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use sunlight_domain::catalogue::generator::SplitMix;
use sunlight_domain::org::PersonTier;
use sunlight_domain::risk::demo_text::{MEASURES, RISK_DESCRIPTIONS};
use sunlight_domain::risk::{
    FactorValues, FindingStep, LevelStage, Mechanism, Phase, RiskKind, RiskModel, ScopeKind, Score,
};

use crate::entity::{
    person, power, risk_level_decision, risk_measure, risk_model, risk_point, risk_step, section, unit,
};
use crate::{StoreError, Write};

/// Points held by each unit head (135 in all) and by the leadership teams of each
/// pilot unit (347), in the order of [`super::catalogue::CATALOGUES`].
const UNIT_HEAD_POINTS: [usize; 7] = [20, 20, 19, 19, 19, 19, 19];
const LEADERSHIP_POINTS: [usize; 7] = [50, 50, 50, 50, 49, 49, 49];
/// Section heads and ordinary cadres: 1557 − 135 − 347.
const OTHER_POINTS: usize = 1075;
const LEVELS: [(i32, usize); 3] = [(1, 358), (2, 472), (3, 727)];

const METHODS: &[&str] = &["个人自查", "科室互查", "领导点查", "群众评议", "查阅案卷", "廉政谈话"];

#[derive(Clone)]
struct Planned {
    unit_id: i64,
    scope_kind: ScopeKind,
    scope_target: i64,
    kind: RiskKind,
    description: String,
    tier: PersonTier,
    holder: i64,
    method: &'static str,
    rank: i32,
    owner: String,
    power_name: String,
}

/// Stores the default model as version 1 when no model is stored.
pub(super) async fn ensure_model(write: &mut Write) -> Result<RiskModel, StoreError> {
    if let Some(stored) =
        risk_model::Entity::find().filter(risk_model::Column::Active.eq(true)).one(write.txn()).await?
    {
        return serde_json::from_str(&stored.config).map_err(|e| StoreError::Internal(format!("risk model: {e}")));
    }
    let model = RiskModel::default();
    let config = serde_json::to_string(&model).map_err(|e| StoreError::Internal(e.to_string()))?;
    let stored = risk_model::ActiveModel {
        version: Set(i32::try_from(model.version()).unwrap_or(1)),
        config: Set(config),
        active: Set(true),
        actor: Set(write.actor().to_owned()),
        created_at: Set(write.now()),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    write.record("risk_model.publish", "risk_model", stored.id, None::<&()>, Some(&stored))?;
    Ok(model)
}

/// Builds the register when no risk point exists yet; returns the points created.
#[allow(clippy::too_many_lines)] // one pass: plan the points, grade them, store them with their history
pub(super) async fn build(write: &mut Write) -> Result<usize, StoreError> {
    if risk_point::Entity::find().count(write.txn()).await? > 0 {
        return Ok(0);
    }
    let model = ensure_model(write).await?;
    let mut rng = SplitMix::new(1557);
    let mut planned = Vec::new();
    for (index, (code, ..)) in super::catalogue::CATALOGUES.iter().enumerate() {
        let Some(unit) = unit::Entity::find().filter(unit::Column::Code.eq(*code)).one(write.txn()).await? else {
            continue;
        };
        let people = person::Entity::find()
            .filter(person::Column::UnitId.eq(unit.id))
            .order_by_asc(person::Column::Id)
            .all(write.txn())
            .await?;
        let powers = power::Entity::find()
            .filter(power::Column::UnitId.eq(unit.id))
            .order_by_asc(power::Column::Id)
            .all(write.txn())
            .await?;
        let sections = section::Entity::find().filter(section::Column::UnitId.eq(unit.id)).all(write.txn()).await?;
        let tier_of = |p: &person::Model| p.tier.parse::<PersonTier>().unwrap_or(PersonTier::OrdinaryCadre);
        let heads: Vec<&person::Model> = people.iter().filter(|p| tier_of(p) == PersonTier::UnitHead).collect();
        let leaders: Vec<&person::Model> = people.iter().filter(|p| tier_of(p) == PersonTier::Leadership).collect();
        let others: Vec<&person::Model> = people
            .iter()
            .filter(|p| matches!(tier_of(p), PersonTier::SectionHead | PersonTier::OrdinaryCadre))
            .collect();
        let mut holders: Vec<&person::Model> = Vec::new();
        for (group, count) in [(&heads, UNIT_HEAD_POINTS[index]), (&leaders, LEADERSHIP_POINTS[index])] {
            holders.extend((0..count).filter_map(|i| group.get(i % group.len().max(1)).copied()));
        }
        // Every section head and cadre finds at least one risk; the rest of the
        // county's 1075 go to the first ones of each unit in turn.
        holders.extend(others.iter().copied());
        planned.extend(
            holders.into_iter().map(|holder| plan(&mut rng, &unit, holder, tier_of(holder), &powers, &sections)),
        );
    }
    // The county's remaining section-level points, spread over the pilots' cadres.
    let cadres: Vec<usize> = planned
        .iter()
        .enumerate()
        .filter(|(_, p)| !matches!(p.tier, PersonTier::UnitHead | PersonTier::Leadership))
        .map(|(i, _)| i)
        .collect();
    let base = cadres.len();
    if base > OTHER_POINTS || base == 0 {
        return Err(StoreError::Internal(format!("demo risk register: {base} cadres")));
    }
    let mut extra = Vec::new();
    for n in 0..OTHER_POINTS - base {
        let mut copy = planned[cadres[(n * 7) % base]].clone();
        let power_name = copy.power_name.clone();
        let (kind, description) = describe(&mut rng, copy.scope_kind, &power_name);
        copy.kind = kind;
        copy.description = description;
        copy.method = METHODS[rng.below(METHODS.len())];
        extra.push(copy);
    }
    planned.extend(extra);
    assign_levels(&mut rng, &mut planned);

    let mut per_target: HashMap<(ScopeKind, i64), u32> = HashMap::new();
    for p in &planned {
        *per_target.entry((p.scope_kind, p.scope_target)).or_default() += 1;
    }
    let mut grades = Grades::new(&model);
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).single().unwrap_or_else(Utc::now);
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let mut created = 0;
    for (n, p) in planned.iter().enumerate() {
        let count = per_target.get(&(p.scope_kind, p.scope_target)).copied().unwrap_or(1);
        let (values, score) = grades.pick(&mut rng, count, p.rank);
        let found_at = start + Duration::hours(i64::try_from(n % 400).unwrap_or(0) * 5);
        let point = risk_point::ActiveModel {
            unit_id: Set(p.unit_id),
            scope_kind: Set(p.scope_kind.key().to_owned()),
            scope_target: Set(p.scope_target),
            kind: Set(p.kind.key().to_owned()),
            description: Set(p.description.clone()),
            holder_tier: Set(p.tier.key().to_owned()),
            holder_person_id: Set(Some(p.holder)),
            method: Set(p.method.to_owned()),
            importance: Set(Some(i32::from(values.importance))),
            frequency: Set(Some(i32::from(values.frequency))),
            probability: Set(Some(i32::from(values.probability))),
            harm: Set(Some(i32::from(values.harm))),
            finding_step: Set(Some(FindingStep::OrganizationReviewed.key().to_owned())),
            level_stage: Set(Some(LevelStage::Approved.key().to_owned())),
            level_rank: Set(Some(p.rank)),
            active: Set(true),
            created_at: Set(found_at),
            updated_at: Set(found_at + Duration::days(35)),
            ..Default::default()
        }
        .insert(write.txn())
        .await?;
        let steps: Vec<risk_step::ActiveModel> = FindingStep::ALL
            .iter()
            .zip([0, 4, 9, 16, 23])
            .map(|(step, days)| risk_step::ActiveModel {
                risk_point_id: Set(point.id),
                step: Set(step.key().to_owned()),
                actor: Set(write.actor().to_owned()),
                at: Set(found_at + Duration::days(days)),
                comment: Set(Some(step_comment(*step).to_owned())),
                ..Default::default()
            })
            .collect();
        risk_step::Entity::insert_many(steps).exec(write.txn()).await?;
        // The holder proposes one level lower about one time in six; the leader
        // corrects it, the organization approves.
        let proposed = if n % 6 == 0 { (p.rank + 1).min(3) } else { p.rank };
        let decisions: Vec<risk_level_decision::ActiveModel> = [
            (LevelStage::Proposed, proposed, 24, None),
            (LevelStage::LeaderEvaluated, p.rank, 28, Some("经班子集体评议确定")),
            (LevelStage::Approved, p.rank, 35, Some("经县纪委审核同意")),
        ]
        .into_iter()
        .map(|(stage, rank, days, comment)| risk_level_decision::ActiveModel {
            risk_point_id: Set(point.id),
            stage: Set(stage.key().to_owned()),
            rank: Set(rank),
            model_version: Set(i32::try_from(model.version()).unwrap_or(1)),
            score: Set(score.map(|s| i32::from(u16::from(s)))),
            actor: Set(write.actor().to_owned()),
            at: Set(found_at + Duration::days(days)),
            comment: Set(comment.map(str::to_owned)),
            ..Default::default()
        })
        .collect();
        risk_level_decision::Entity::insert_many(decisions).exec(write.txn()).await?;
        // A few points still lack a measure and a few measures are late, so the
        // gap lists have something to show.
        if n % 97 != 13 {
            let (mechanism, phase, text) = measure_for(&mut rng, p.kind);
            let overdue = n % 53 == 7;
            let due = if overdue {
                today - Duration::days(40)
            } else {
                today - Duration::days(90) + Duration::days(i64::try_from(n % 200).unwrap_or(0))
            };
            let status = if overdue {
                "planned"
            } else if due > today {
                "in_progress"
            } else {
                "done"
            };
            risk_measure::ActiveModel {
                risk_point_id: Set(point.id),
                unit_id: Set(p.unit_id),
                phase: Set(phase.key().to_owned()),
                mechanism: Set(mechanism.key().to_owned()),
                description: Set(text.to_owned()),
                owner: Set(p.owner.clone()),
                due: Set(due),
                status: Set(status.to_owned()),
                created_at: Set(found_at + Duration::days(36)),
                updated_at: Set(found_at + Duration::days(36)),
                ..Default::default()
            }
            .insert(write.txn())
            .await?;
        }
        write.record("risk_point.create", "risk_point", point.id, None::<&()>, Some(&point))?;
        created += 1;
    }
    Ok(created)
}

fn plan(
    rng: &mut SplitMix,
    unit: &unit::Model,
    holder: &person::Model,
    tier: PersonTier,
    powers: &[power::Model],
    sections: &[section::Model],
) -> Planned {
    let power = powers.get(rng.below(powers.len().max(1)));
    let section = holder.section_id.or_else(|| sections.get(rng.below(sections.len().max(1))).map(|s| s.id));
    let (scope_kind, scope_target) = match (tier, rng.below(3)) {
        (PersonTier::UnitHead, 0) => (ScopeKind::Unit, unit.id),
        (PersonTier::Leadership, 0) => section.map_or((ScopeKind::Unit, unit.id), |s| (ScopeKind::Section, s)),
        (PersonTier::SectionHead | PersonTier::OrdinaryCadre, 0) => match (holder.position_id, section) {
            (Some(position), _) => (ScopeKind::Position, position),
            (None, Some(s)) => (ScopeKind::Section, s),
            (None, None) => (ScopeKind::Unit, unit.id),
        },
        _ => power.map_or((ScopeKind::Unit, unit.id), |p| (ScopeKind::Power, p.id)),
    };
    let power_name = power.map_or_else(|| "行政审批".to_owned(), |p| p.name.clone());
    let (kind, description) = describe(rng, scope_kind, &power_name);
    Planned {
        unit_id: unit.id,
        scope_kind,
        scope_target,
        kind,
        description,
        tier,
        holder: holder.id,
        method: METHODS[rng.below(METHODS.len())],
        rank: 3,
        owner: String::new(),
        power_name,
    }
    .with_owner(holder, sections)
}

impl Planned {
    fn with_owner(mut self, holder: &person::Model, sections: &[section::Model]) -> Self {
        self.owner = holder
            .section_id
            .and_then(|id| sections.iter().find(|s| s.id == id))
            .map_or_else(|| holder.name.clone(), |s| format!("{}（{}）", s.name, holder.name));
        self
    }
}

/// A description fitting the scope: power-scoped points name the power.
fn describe(rng: &mut SplitMix, scope: ScopeKind, power_name: &str) -> (RiskKind, String) {
    let wanted = match scope {
        ScopeKind::Power => [RiskKind::Power, RiskKind::Process][rng.below(2)],
        ScopeKind::Unit => RiskKind::Management,
        ScopeKind::Section | ScopeKind::Position => RiskKind::ALL[rng.below(RiskKind::ALL.len())],
    };
    let texts: Vec<&str> = RISK_DESCRIPTIONS.iter().filter(|(k, _)| *k == wanted).map(|(_, t)| *t).collect();
    let text = texts.get(rng.below(texts.len().max(1))).copied().unwrap_or("廉政风险");
    let subject = if scope == ScopeKind::Power { power_name } else { "本岗位职责事项" };
    (wanted, text.replace("{power}", subject))
}

/// The approved levels: the report's 358/472/727, the weightiest holders most
/// likely at level 1.
fn assign_levels(rng: &mut SplitMix, planned: &mut [Planned]) {
    let weight = |p: &Planned, rng: &mut SplitMix| {
        let tier = match p.tier {
            PersonTier::UnitHead => 60,
            PersonTier::Leadership => 45,
            PersonTier::SectionHead => 30,
            PersonTier::OrdinaryCadre => 15,
        };
        tier + rng.below(60)
    };
    let mut order: Vec<(usize, usize)> = (0..planned.len()).map(|i| (weight(&planned[i], rng), i)).collect();
    order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut ranks = LEVELS.iter().flat_map(|(rank, count)| std::iter::repeat_n(*rank, *count));
    for (_, index) in order {
        planned[index].rank = ranks.next().unwrap_or(3);
    }
}

/// Grades that make the model give each point its approved level.
struct Grades<'m> {
    model: &'m RiskModel,
    cache: HashMap<(u32, i32), Vec<(FactorValues, Score)>>,
}

impl<'m> Grades<'m> {
    fn new(model: &'m RiskModel) -> Self {
        Self { model, cache: HashMap::new() }
    }

    fn pick(&mut self, rng: &mut SplitMix, risk_points: u32, rank: i32) -> (FactorValues, Option<Score>) {
        let model = self.model;
        let candidates = self.cache.entry((risk_points.min(12), rank)).or_insert_with(|| {
            let mut found = Vec::new();
            for importance in 1..=5 {
                for frequency in 1..=5 {
                    for probability in 1..=5 {
                        for harm in 1..=5 {
                            let values = FactorValues { risk_points, importance, frequency, probability, harm };
                            if let Ok((score, level)) = model.assess(&values)
                                && i32::from(level.rank) == rank
                            {
                                found.push((values, score));
                            }
                        }
                    }
                }
            }
            found
        });
        if let Some((values, score)) = candidates.get(rng.below(candidates.len().max(1))) {
            (FactorValues { risk_points, ..*values }, Some(*score))
        } else {
            let values = FactorValues { risk_points, importance: 3, frequency: 3, probability: 3, harm: 3 };
            (values, model.score(&values).ok())
        }
    }
}

fn step_comment(step: FindingStep) -> &'static str {
    match step {
        FindingStep::SelfFound => "对照岗位职责逐项自查",
        FindingStep::LeaderProposed => "分管领导补充查找",
        FindingStep::PublicHelped => "经服务对象座谈和问卷征求意见",
        FindingStep::CollectivelyEvaluated => "班子会议集中评议",
        FindingStep::OrganizationReviewed => "县纪委审核认定",
    }
}

fn measure_for(rng: &mut SplitMix, kind: RiskKind) -> (Mechanism, Phase, &'static str) {
    let preferred = match kind {
        RiskKind::Power => [Mechanism::Prevention, Mechanism::Oversight],
        RiskKind::Management => [Mechanism::Oversight, Mechanism::Accountability],
        RiskKind::Process => [Mechanism::Transparency, Mechanism::Oversight],
    };
    let mechanism = preferred[rng.below(2)];
    let options: Vec<_> = MEASURES.iter().filter(|(m, _, _)| *m == mechanism).collect();
    let (m, phase, text) = options.get(rng.below(options.len().max(1))).copied().copied().unwrap_or(MEASURES[0]);
    (m, phase, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_adds_up_to_the_report() {
        assert_eq!(UNIT_HEAD_POINTS.iter().sum::<usize>(), 135);
        assert_eq!(LEADERSHIP_POINTS.iter().sum::<usize>(), 347);
        assert_eq!(135 + 347 + OTHER_POINTS, 1557);
        assert_eq!(LEVELS.iter().map(|l| l.1).sum::<usize>(), 1557);
    }

    #[test]
    fn grades_give_every_level() {
        let model = RiskModel::default();
        let mut grades = Grades::new(&model);
        let mut rng = SplitMix::new(1);
        for rank in 1..=3 {
            for count in [1, 3, 8] {
                let (values, _) = grades.pick(&mut rng, count, rank);
                let (_, level) = model.assess(&values).unwrap_or_else(|_| panic!("{values:?}"));
                assert_eq!(i32::from(level.rank), rank, "{count} points");
            }
        }
    }
}
