//! The demo county's online handling (网上办理): several thousand cases (办件) received
//! over the past six months on the pilot units' published flowcharts, each a run of
//! its chart ([`walk`]) timed against the working-day calendar and the steps' limits.
//! Most are handled in time and in order; a realistic share is not — a step left
//! past its limit, a case stuck at a desk, a step skipped or done out of turn, a
//! decision taken by the person who reviewed it, missing papers, a pause, a
//! withdrawal, a fee differing from the one due — so that the cards, alerts and
//! rates the console shows come from the rules, as in a real county.
//!
//! The cases are stored through [`crate::cases`]' engine like any unit's events.
//! Their verification codes are derived from the case number ([`demo_code`]) so
//! that the demo's citizen lookups can be shown; real cases get random codes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveTime, TimeDelta, TimeZone};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use sunlight_domain::flow::calendar::china_time;
use sunlight_domain::flow::case_event::{CaseAction, RawCaseEvent};
use sunlight_domain::flow::flowchart::{NodeKind, Step, StepMarker};
use sunlight_domain::flow::generator::Rng;
use sunlight_domain::flow::walk::{Chooser, walk};
use sunlight_domain::flow::{Calendar, Flowchart, LimitUnit, import_bpmn};
use sunlight_domain::org::PersonTier;
use sunlight_domain::policy::Principal;
use sunlight_domain::supervision::lifecycle::AlertState;
use sunlight_domain::text::Note;

use crate::cases::{SeedCase, Source, seed};
use crate::entity::{flowchart, flowchart_version, handling_case, person, position, power, supervision_alert, unit};
use crate::{Store, StoreError, Write};

/// Cases received over the six months.
const CASES: usize = 3_000;
/// How far back the first application goes.
const DAYS: u64 = 182;
const SEED: u64 = 0x5EED_2026_1125;

/// A published chart and the power it belongs to.
struct Chart {
    power: power::Model,
    chart: Flowchart,
}

/// Who works in a unit: names by position, and its leaders.
#[derive(Default)]
struct People {
    by_position: HashMap<String, Vec<String>>,
    leaders: Vec<String>,
    all: Vec<String>,
}

/// A demo case number and its verification code, printed at start.
#[derive(Debug, Clone, Serialize)]
pub struct DemoCaseLookup {
    pub number: String,
    pub code: String,
    pub status: String,
    pub card: String,
}

/// The verification code of a demo case: six digits of a hash of its number.
#[must_use]
pub fn demo_code(number: &str) -> String {
    let digest = crate::accounts::sha256_hex(&format!("sunlight-demo:{number}"));
    let value = u64::from_str_radix(&digest[..12], 16).unwrap_or_default();
    format!("{:06}", value % 1_000_000)
}

/// The audit record of the demo's cases.
#[derive(Serialize)]
struct Summary {
    cases: usize,
    events: usize,
    alerts_raised: usize,
    verification_codes: &'static str,
}

/// Stores the demo cases unless demo cases exist; returns how many it created.
pub(super) async fn build(store: &Store, system: &Principal) -> Result<usize, StoreError> {
    let existing = handling_case::Entity::find()
        .filter(handling_case::Column::Source.eq(Source::Demo.as_str()))
        .count(store.connection())
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let mut write = Write::begin(store, system).await?;
    let charts = load_charts(write.txn()).await?;
    if charts.is_empty() {
        return Ok(0);
    }
    let people = load_people(write.txn()).await?;
    let calendar = crate::calendar::load(write.txn()).await?;
    let now = write.now().with_timezone(&china_time());
    let mut numbers = Numbers::load(write.txn()).await?;
    let cases = plan(&charts, &people, &calendar, now, &mut numbers);
    let seeded = seed(&mut write, store, system, Source::Demo, &cases).await?;
    let summary = Summary {
        cases: seeded.cases,
        events: seeded.events,
        alerts_raised: seeded.alerts_raised,
        verification_codes: "derived from the case number (demo only)",
    };
    write.record("case.demo", "handling_case", "demo", None::<&()>, Some(&summary))?;
    write.commit().await?;
    handle_old_alerts(store, system, now).await?;
    Ok(seeded.cases)
}

/// Case numbers as the hall draws them (`UNIT-YYYYMMDD-nnnnnn`, a sequence per unit
/// and day), clear of the numbers already stored.
struct Numbers {
    units: HashMap<i64, String>,
    taken: HashSet<String>,
    last: HashMap<String, u32>,
}

impl Numbers {
    async fn load(conn: &impl ConnectionTrait) -> Result<Self, StoreError> {
        let units = unit::Entity::find().all(conn).await?.into_iter().map(|u| (u.id, u.code)).collect();
        let taken = handling_case::Entity::find()
            .select_only()
            .column(handling_case::Column::CaseNumber)
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        Ok(Self { units, taken, last: HashMap::new() })
    }

    fn next(&mut self, unit_id: i64, received: DateTime<FixedOffset>) -> Option<String> {
        let prefix = format!("{}-{}-", self.units.get(&unit_id)?, received.format("%Y%m%d"));
        loop {
            let n = self.last.entry(prefix.clone()).or_insert(0);
            *n += 1;
            let number = format!("{prefix}{n:06}");
            if *n > 999_999 {
                return None;
            }
            if self.taken.insert(number.clone()) {
                return Some(number);
            }
        }
    }
}

async fn load_charts(conn: &impl ConnectionTrait) -> Result<Vec<Chart>, StoreError> {
    let charts = flowchart::Entity::find().order_by_asc(flowchart::Column::Id).all(conn).await?;
    let versions: HashMap<i64, String> = flowchart_version::Entity::find()
        .filter(flowchart_version::Column::State.eq(crate::flowcharts::PUBLISHED))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.flowchart_id, v.bpmn))
        .collect();
    let powers: HashMap<i64, power::Model> = power::Entity::find()
        .filter(power::Column::Id.is_in(charts.iter().map(|c| c.power_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(charts
        .iter()
        .filter_map(|c| {
            let chart = import_bpmn(versions.get(&c.id)?).ok()?;
            Some(Chart { power: powers.get(&c.power_id)?.clone(), chart })
        })
        .collect())
}

async fn load_people(conn: &impl ConnectionTrait) -> Result<HashMap<i64, People>, StoreError> {
    let positions: HashMap<i64, String> =
        position::Entity::find().all(conn).await?.into_iter().map(|p| (p.id, p.name)).collect();
    let mut people: HashMap<i64, People> = HashMap::new();
    for p in person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Id)
        .all(conn)
        .await?
    {
        let unit = people.entry(p.unit_id).or_default();
        if p.tier == PersonTier::Leadership.key() {
            unit.leaders.push(p.name.clone());
        }
        if let Some(name) = p.position_id.and_then(|id| positions.get(&id)) {
            unit.by_position.entry(name.clone()).or_default().push(p.name.clone());
        }
        unit.all.push(p.name);
    }
    Ok(people)
}

/// What goes wrong in a case, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Twist {
    None,
    /// One step done past its limit (a yellow or red card that stays).
    Late,
    /// Left at a desk: still open weeks after it was received.
    Stuck,
    Skipped,
    OutOfTurn,
    /// A leader's step done as someone without the role.
    WrongRole,
    /// The reviewer also decides (separation of duties).
    SameHands,
    MissingPapers,
    Paused,
    Withdrawn,
    BackwardsTime,
    FeeDiffers,
}

fn twist(rng: &mut Rng) -> Twist {
    match rng.below(1000) {
        0..60 => Twist::Late,
        60..100 => Twist::Stuck,
        100..120 => Twist::Skipped,
        120..130 => Twist::OutOfTurn,
        130..140 => Twist::WrongRole,
        140..150 => Twist::SameHands,
        150..165 => Twist::MissingPapers,
        165..185 => Twist::Paused,
        185..195 => Twist::Withdrawn,
        195..200 => Twist::BackwardsTime,
        200..210 => Twist::FeeDiffers,
        _ => Twist::None,
    }
}

/// Chooses branches as cases really go: mostly forward, now and then back for a
/// correction or more investigation, the favourable outcome more often.
struct Branches<'a>(&'a mut Rng);

impl Chooser for Branches<'_> {
    fn choose(&mut self, branches: &[bool]) -> usize {
        let back: Vec<usize> = (0..branches.len()).filter(|&i| branches[i]).collect();
        let forward: Vec<usize> = (0..branches.len()).filter(|&i| !branches[i]).collect();
        if !back.is_empty() && (forward.is_empty() || self.0.chance(5)) {
            return back[usize::try_from(self.0.below(back.len() as u64)).unwrap_or(0)];
        }
        match forward.as_slice() {
            [] => 0,
            [only] => *only,
            [first, rest @ ..] => {
                if self.0.chance(85) {
                    *first
                } else {
                    rest[usize::try_from(self.0.below(rest.len() as u64)).unwrap_or(0)]
                }
            }
        }
    }
}

fn pick<'a>(rng: &mut Rng, names: &'a [String]) -> Option<&'a str> {
    let i = usize::try_from(rng.below(names.len() as u64)).ok()?;
    names.get(i).map(String::as_str)
}

const PEOPLE_APPLYING: &[&str] = &[
    "王建国",
    "李秀兰",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵敏",
    "黄志强",
    "周丽华",
    "吴海涛",
    "徐春梅",
    "孙德胜",
    "胡晓燕",
    "朱文博",
    "高玉珍",
    "林国庆",
    "何俊峰",
    "郭淑芬",
    "马立新",
    "罗红霞",
];
const FIRMS: &[&str] = &[
    "演示县鑫源商贸有限公司",
    "演示县恒通建筑工程有限公司",
    "演示县绿野农业开发有限公司",
    "演示县康泰大药房有限公司",
    "演示县华兴物流有限公司",
    "演示县金穗粮油加工厂",
    "演示县顺达汽车运输有限公司",
    "演示县同心餐饮管理有限公司",
    "演示县明德职业培训学校",
    "演示县宏远房地产开发有限公司",
    "演示县清泉饮用水有限公司",
    "演示县安康医疗器械有限公司",
];

/// The step's limit as office time (natural days count five of every seven).
fn limit_span(step: &Step, calendar: &Calendar) -> TimeDelta {
    let day = calendar.office_hours().day_length();
    match step.limit {
        None => day,
        Some(limit) => match limit.unit() {
            LimitUnit::WorkingDays => day * i32::try_from(limit.amount()).unwrap_or(1),
            LimitUnit::WorkingHours => TimeDelta::hours(i64::from(limit.amount())),
            LimitUnit::NaturalDays => day * i32::try_from(limit.amount() * 5 / 7).unwrap_or(1).max(1),
        },
    }
}

fn action_of(name: &str, step: &Step) -> CaseAction {
    match step.marker {
        Some(StepMarker::Acceptance) => CaseAction::Accept,
        Some(StepMarker::Correction) => CaseAction::Correct,
        _ if matches!(name, "决定" | "审批" | "确认") => CaseAction::Approve,
        _ => CaseAction::Complete,
    }
}

fn comment_of(action: CaseAction, rng: &mut Rng) -> Option<String> {
    let text = match action {
        CaseAction::Accept => "申请材料齐全，符合法定形式，予以受理",
        CaseAction::Correct => "申请材料不齐全，已一次性告知需补正的全部内容",
        CaseAction::Approve if rng.chance(85) => "同意",
        CaseAction::Approve => "经研究，依法作出决定",
        _ => return None,
    };
    Some(text.to_owned())
}

/// Every case of the demo, in the order received.
fn plan(
    charts: &[Chart],
    people: &HashMap<i64, People>,
    calendar: &Calendar,
    now: DateTime<FixedOffset>,
    numbers: &mut Numbers,
) -> Vec<SeedCase> {
    let mut rng = Rng::new(SEED);
    let empty = People::default();
    let mut cases: Vec<(DateTime<FixedOffset>, SeedCase)> = (0..CASES)
        .filter_map(|_| {
            // Some powers are asked for far more than others: the square skews the pick.
            let r = rng.below(10_000);
            let index = usize::try_from(r * r * charts.len() as u64 / 100_000_000).ok()?;
            let chart = charts.get(index)?;
            let staff = people.get(&chart.power.unit_id).unwrap_or(&empty);
            one_case(chart, staff, calendar, now, &mut rng)
        })
        .collect();
    cases.sort_by_key(|(at, _)| *at);
    cases
        .into_iter()
        .filter_map(|(at, mut case)| {
            let unit = charts.iter().find(|c| c.power.code == case.power_code)?.power.unit_id;
            case.number = numbers.next(unit, at)?;
            case.code = demo_code(&case.number);
            Some(case)
        })
        .collect()
}

/// The start of office time on the first working day on or after `days` ago, plus
/// `into` of office time.
fn received(
    calendar: &Calendar,
    now: DateTime<FixedOffset>,
    days: u64,
    into: TimeDelta,
) -> Option<DateTime<FixedOffset>> {
    let date = now.date_naive().checked_sub_days(chrono::Days::new(days))?;
    let midnight = china_time().from_local_datetime(&date.and_time(NaiveTime::MIN)).single()?;
    calendar.add_working_time(midnight, into).ok()
}

struct Done {
    name: String,
    step: Step,
}

#[allow(clippy::too_many_lines)] // one case from application to its end, twist by twist
fn one_case(
    chart: &Chart,
    staff: &People,
    calendar: &Calendar,
    now: DateTime<FixedOffset>,
    rng: &mut Rng,
) -> Option<(DateTime<FixedOffset>, SeedCase)> {
    let twist = twist(rng);
    let day = calendar.office_hours().day_length();
    let days_ago = if twist == Twist::Stuck { 3 + rng.below(40) } else { 1 + rng.below(DAYS) };
    let into = TimeDelta::seconds(i64::try_from(rng.below(u64::try_from(day.num_seconds()).ok()?)).ok()?);
    let start = received(calendar, now, days_ago, into)?;
    if start >= now {
        return None;
    }
    let nodes = chart.chart.nodes();
    let run: Vec<(String, Step)> = walk(&chart.chart, &mut Branches(rng))
        .into_iter()
        .filter_map(|i| match &nodes.get(i)?.kind {
            NodeKind::Task(step) => Some((nodes[i].name.clone(), step.clone())),
            _ => None,
        })
        .collect();
    if run.len() < 2 {
        return None;
    }
    let mut run = run;
    let middle = |rng: &mut Rng, len: usize| 1 + usize::try_from(rng.below((len - 2).max(1) as u64)).unwrap_or(0);
    match twist {
        Twist::Skipped if run.len() >= 3 => {
            let at = middle(rng, run.len());
            run.remove(at);
        }
        Twist::OutOfTurn if run.len() >= 3 => {
            let at = middle(rng, run.len()).min(run.len() - 2);
            run.swap(at, at + 1);
        }
        _ => {}
    }
    let late_at = middle(rng, run.len());
    let stuck_after = middle(rng, run.len());
    let person_of = |rng: &mut Rng, step: &Step| -> String {
        let pool = step
            .position
            .as_ref()
            .and_then(|p| staff.by_position.get(p))
            .filter(|v| !v.is_empty())
            .or(step.role.as_ref().map(|_| &staff.leaders).filter(|v| !v.is_empty()))
            .unwrap_or(&staff.all);
        pick(rng, pool).unwrap_or("经办人").to_owned()
    };
    let applicant = if rng.chance(55) {
        pick(rng, &PEOPLE_APPLYING.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())?.to_owned()
    } else {
        FIRMS[usize::try_from(rng.below(FIRMS.len() as u64)).ok()?].to_owned()
    };
    let power_name: String = chart.power.name.chars().take(150).collect();
    let mut case = SeedCase {
        number: String::new(),
        power_code: chart.power.code.clone(),
        subject: Some(format!("{applicant} · {power_name}")),
        applicant: Some(applicant),
        code: String::new(),
        events: Vec::new(),
    };
    let window = run.first().map(|(_, s)| s.clone()).unwrap_or_default();
    let mut events = vec![RawCaseEvent {
        action: CaseAction::Apply.as_str().to_owned(),
        actor: person_of(rng, &window),
        at: start.to_rfc3339(),
        ..RawCaseEvent::default()
    }];
    let mut done: Vec<Done> = Vec::new();
    let mut t = start;
    let mut reviewer: Option<String> = None;
    let wrong_role_step = run.iter().position(|(_, s)| s.role.is_some());
    let separated: Vec<String> = chart
        .chart
        .parts()
        .separations
        .iter()
        .filter_map(|(a, b)| {
            Some((chart.chart.node(a.as_str())?.name.clone(), chart.chart.node(b.as_str())?.name.clone()))
        })
        .flat_map(|(a, b)| [a, b])
        .collect();
    for (k, (name, step)) in run.iter().enumerate() {
        if twist == Twist::Stuck && k == stuck_after {
            break;
        }
        if twist == Twist::Withdrawn && k == stuck_after {
            let at = calendar.add_working_time(t, TimeDelta::minutes(30 + i64::try_from(rng.below(300)).ok()?)).ok()?;
            if at < now {
                events.push(RawCaseEvent {
                    action: CaseAction::Terminate.as_str().to_owned(),
                    actor: person_of(rng, step),
                    at: at.to_rfc3339(),
                    comment: Some("申请人书面申请撤回，终止办理".to_owned()),
                    ..RawCaseEvent::default()
                });
            }
            case.events = events;
            return Some((start, case));
        }
        let limit = limit_span(step, calendar);
        let share = 10 + i32::try_from(rng.below(36)).ok()?;
        let mut span = limit * share / 100;
        if twist == Twist::Late && k == late_at {
            span = limit + day * (12 + i32::try_from(rng.below(28)).ok()?) / 10;
        }
        let mut at = calendar.add_working_time(t, span.max(TimeDelta::minutes(5))).ok()?;
        if twist == Twist::Paused && k == late_at {
            let paused = calendar.add_working_time(t, span / 2).ok()?;
            let resumed = calendar.add_working_time(paused, day * (2 + i32::try_from(rng.below(6)).ok()?)).ok()?;
            if resumed >= now {
                break;
            }
            let who = person_of(rng, step);
            for (action, when, why) in [
                (CaseAction::Pause, paused, "申请人申请延期提交补充材料，依法中止计时"),
                (CaseAction::Resume, resumed, "补充材料已提交，恢复计时"),
            ] {
                events.push(RawCaseEvent {
                    step: name.clone(),
                    action: action.as_str().to_owned(),
                    actor: who.clone(),
                    group: step.role.clone().or_else(|| step.position.clone()),
                    at: when.to_rfc3339(),
                    comment: Some(why.to_owned()),
                    ..RawCaseEvent::default()
                });
            }
            at = calendar.add_working_time(resumed, span / 2).ok()?;
        }
        if twist == Twist::BackwardsTime && k == late_at {
            at = t - TimeDelta::hours(3);
        }
        if at >= now {
            break;
        }
        let action = action_of(name, step);
        let mut actor = person_of(rng, step);
        let mut group = step.role.clone().or_else(|| step.position.clone());
        if separated.contains(name) {
            match &reviewer {
                Some(first) if twist == Twist::SameHands => actor.clone_from(first),
                Some(first) if *first == actor => {
                    pick(rng, &staff.leaders).unwrap_or("分管领导").clone_into(&mut actor);
                }
                Some(_) => {}
                None => reviewer = Some(actor.clone()),
            }
        }
        if twist == Twist::WrongRole && Some(k) == wrong_role_step {
            pick(rng, &staff.all).unwrap_or("经办人").clone_into(&mut actor);
            group = Some("办公室负责人".to_owned());
        }
        let documents = if twist == Twist::MissingPapers && k == late_at { Vec::new() } else { step.documents.clone() };
        let (fee_due, fee_paid) = if twist == Twist::FeeDiffers && action == CaseAction::Approve {
            let due = [200.0, 500.0, 1_000.0][usize::try_from(rng.below(3)).ok()?];
            (Some(due), Some(due * if rng.chance(50) { 0.7 } else { 1.25 }))
        } else {
            (None, None)
        };
        events.push(RawCaseEvent {
            step: name.clone(),
            action: action.as_str().to_owned(),
            comment: comment_of(action, rng),
            actor,
            group,
            at: at.to_rfc3339(),
            documents,
            fee_due,
            fee_paid,
            ..RawCaseEvent::default()
        });
        done.push(Done { name: name.clone(), step: step.clone() });
        t = t.max(at);
    }
    if done.len() == run.len()
        && let Some(last) = done.last()
    {
        let at = calendar.add_working_time(t, TimeDelta::minutes(10 + i64::try_from(rng.below(120)).ok()?)).ok()?;
        if at < now {
            events.push(RawCaseEvent {
                action: CaseAction::Finish.as_str().to_owned(),
                actor: person_of(rng, &last.step),
                group: last.step.position.clone(),
                at: at.to_rfc3339(),
                comment: Some(format!("已办结（{}）", last.name)),
                ..RawCaseEvent::default()
            });
        }
    }
    case.events = events;
    Some((start, case))
}

/// The older alerts have been dealt with, as they would be after months of work:
/// most explained by the unit and closed by the commission, some escalated; the
/// last month's stay open for the console.
async fn handle_old_alerts(store: &Store, system: &Principal, now: DateTime<FixedOffset>) -> Result<(), StoreError> {
    let month_ago = (now - TimeDelta::days(30)).with_timezone(&chrono::Utc);
    let old_cases = handling_case::Entity::find()
        .select_only()
        .column(handling_case::Column::Id)
        .filter(handling_case::Column::Source.eq(Source::Demo.as_str()))
        .filter(handling_case::Column::ReceivedAt.lt(month_ago))
        .into_query();
    let alerts = supervision_alert::Entity::find()
        .filter(supervision_alert::Column::CaseId.in_subquery(old_cases))
        .filter(supervision_alert::Column::State.eq(AlertState::Raised.key()))
        .order_by_asc(supervision_alert::Column::Id)
        .all(store.connection())
        .await?;
    let note = |text: &str| Note::parse(text).ok();
    for (n, alert) in alerts.iter().enumerate() {
        let steps: &[(AlertState, &str)] = match n % 10 {
            0..=5 => &[
                (AlertState::Acknowledged, "已收悉，正在核实"),
                (AlertState::Explained, "经核实，系经办人员业务量集中所致，已督促整改并对相关人员进行提醒谈话"),
                (AlertState::Closed, "说明理由充分，整改到位，予以销号"),
            ],
            6 | 7 => &[
                (AlertState::Acknowledged, "已收悉"),
                (AlertState::Explained, "因申请人补充材料延迟，已补录相关情况说明"),
            ],
            8 => &[(AlertState::Acknowledged, "已转交业务股室核实")],
            _ => &[(AlertState::Escalated, "同类问题反复出现，移交派驻纪检监察组核查")],
        };
        for (to, comment) in steps {
            crate::supervision::alerts::transition_alert(store, system, alert.id, *to, note(comment)).await?;
        }
    }
    Ok(())
}

/// A few demo cases to try the public lookup with: an open case with a red card, a
/// case handled in time, one finished with a step past its limit.
pub(super) async fn lookups(store: &Store) -> Result<Vec<DemoCaseLookup>, StoreError> {
    let demo = || handling_case::Entity::find().filter(handling_case::Column::Source.eq(Source::Demo.as_str()));
    let picks = [
        demo().filter(handling_case::Column::Status.eq("open")).filter(handling_case::Column::Card.eq("red")),
        demo().filter(handling_case::Column::Status.eq("finished")).filter(handling_case::Column::Card.eq("none")),
        demo().filter(handling_case::Column::Status.eq("finished")).filter(handling_case::Column::Card.eq("red")),
    ];
    let mut out = Vec::new();
    for query in picks {
        if let Some(c) = query.order_by_desc(handling_case::Column::ReceivedAt).one(store.connection()).await? {
            out.push(DemoCaseLookup {
                code: demo_code(&c.case_number),
                number: c.case_number,
                status: c.status,
                card: c.card,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_codes_are_six_digits_and_differ() {
        let a = demo_code("SCJG-20261120-000001");
        let b = demo_code("SCJG-20261120-000002");
        assert_eq!(a.len(), 6);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
        assert_eq!(a, demo_code("SCJG-20261120-000001"));
    }
}
