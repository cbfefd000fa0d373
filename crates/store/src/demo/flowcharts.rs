//! The demo flowcharts (流程图): 224 published charts of the pilot units' powers, as
//! in the report. Each follows its power's type (许可: 申请 → 受理 → 审查 → 现场核查 →
//! 审核 → 决定 → 送达; 处罚: 立案 → 调查取证 → 审查 → 告知 → 听证 → 决定 → 送达 …),
//! with a correction or re-investigation loop, an outcome branch, and for some
//! charts two steps done at once (现场核查 ∥ 征求意见). Every step states the four
//! clarities: its place in the flow, a position of the unit (or the leader who
//! decides), a limit — the steps on the way through add up to the power's promised
//! limit; time spent on a correction is the applicant's and is not counted — and a
//! supervisor (the unit's discipline inspector, or the sub-commission for decisions).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use sunlight_domain::flow::calendar::{LimitUnit, TimeLimit};
use sunlight_domain::flow::flowchart::{ElementId, Flow, FlowchartParts, Node, NodeKind, Step, StepMarker};
use sunlight_domain::flow::{Flowchart, export_bpmn};
use sunlight_domain::org::PersonTier;
use sunlight_domain::risk::{ScopeKind, mentions_step};

use crate::entity::{flowchart, flowchart_version, person, position, power, risk_point, section, sub_commission, unit};
use crate::flowcharts::{AuditedVersion, PUBLISHED, VersionInfo, audited};
use crate::{StoreError, Write};

/// Flowcharts published in the report.
const CHARTS: usize = 224;
/// Rows per multi-row `INSERT` of versions (each carries its BPMN text).
const BATCH: usize = 50;

/// Who is responsible for a step, resolved against the unit's positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The window of the power's section (its 经办岗).
    Window,
    /// The case handler of the power's section.
    Staff,
    /// The section's head.
    Head,
    /// The legal section's head (法规), or the office's.
    Legal,
    /// The finance section's accountant.
    Finance,
    /// The unit's discipline inspection office (纪检监察室), or the legal section.
    Discipline,
    /// The unit's leader in charge (分管领导), a role.
    Leader,
    /// The leadership meeting (局长办公会), a role.
    Collective,
}

#[derive(Debug, Clone, Copy)]
struct Spec {
    name: &'static str,
    who: Who,
    weight: u32,
    marker: Option<StepMarker>,
    docs: &'static [&'static str],
}

const fn task(name: &'static str, who: Who, weight: u32, docs: &'static [&'static str]) -> Spec {
    Spec { name, who, weight, marker: None, docs }
}

const fn marked(spec: Spec, marker: StepMarker) -> Spec {
    Spec { marker: Some(marker), ..spec }
}

#[derive(Debug, Clone, Copy)]
enum Stage {
    Task(Spec),
    /// A step left out when the promised limit is too short for every step.
    Optional(Spec),
    /// A check after the stage before: when it fails, `back` is done and the flow
    /// returns to that stage (补正, 补充调查).
    Loop {
        gateway: &'static str,
        pass: &'static str,
        fail: &'static str,
        back: Spec,
    },
    /// Two steps at once; a simpler chart does only the first.
    Parallel(Spec, Spec),
    /// One of two outcomes, joined again.
    Choice {
        gateway: &'static str,
        yes: (&'static str, Spec),
        no: (&'static str, Spec),
    },
}

impl Stage {
    /// Stages that take a share of the promised limit.
    const fn takes_time(&self) -> bool {
        !matches!(self, Self::Loop { .. })
    }

    const fn weight(&self) -> u32 {
        match self {
            Self::Task(s) | Self::Optional(s) => s.weight,
            Self::Loop { .. } => 0,
            Self::Parallel(a, b) => {
                if a.weight > b.weight {
                    a.weight
                } else {
                    b.weight
                }
            }
            Self::Choice { yes, no, .. } => {
                if yes.1.weight > no.1.weight {
                    yes.1.weight
                } else {
                    no.1.weight
                }
            }
        }
    }
}

const CORRECTION: Stage = Stage::Loop {
    gateway: "材料是否齐全",
    pass: "齐全",
    fail: "不齐全",
    back: marked(task("一次性告知补正", Who::Window, 0, &["补正材料通知书"]), StepMarker::Correction),
};

const LICENSING: &[Stage] = &[
    Stage::Task(task("申请", Who::Window, 1, &["申请书", "申请人身份证明", "相关资质证明材料"])),
    CORRECTION,
    Stage::Task(marked(task("受理", Who::Window, 1, &["受理通知书"]), StepMarker::Acceptance)),
    Stage::Task(task("审查", Who::Staff, 2, &["审查意见表"])),
    Stage::Parallel(
        task("现场核查", Who::Staff, 3, &["现场核查记录"]),
        task("征求意见", Who::Legal, 3, &["征求意见函"]),
    ),
    Stage::Optional(task("审核", Who::Head, 1, &["审核意见"])),
    Stage::Task(task("决定", Who::Leader, 2, &["行政许可审批表"])),
    Stage::Choice {
        gateway: "是否准予许可",
        yes: ("准予", task("制证", Who::Window, 1, &["许可证件"])),
        no: ("不予", task("出具不予许可决定书", Who::Staff, 1, &["不予行政许可决定书"])),
    },
    Stage::Task(task("送达", Who::Window, 1, &["送达回证"])),
];

const PENALTY: &[Stage] = &[
    Stage::Task(task("立案", Who::Staff, 2, &["案件来源登记表", "立案审批表"])),
    Stage::Parallel(
        task("调查取证", Who::Staff, 8, &["询问笔录", "证据材料"]),
        task("现场检查", Who::Staff, 8, &["现场检查笔录"]),
    ),
    Stage::Task(task("案件审查", Who::Legal, 4, &["案件审查意见书"])),
    Stage::Loop {
        gateway: "证据是否充分",
        pass: "充分",
        fail: "不充分",
        back: task("补充调查", Who::Staff, 0, &["补充调查报告"]),
    },
    Stage::Task(task("事先告知", Who::Staff, 3, &["行政处罚事先告知书"])),
    Stage::Choice {
        gateway: "是否申请听证",
        yes: ("申请听证", task("组织听证", Who::Legal, 5, &["听证笔录"])),
        no: ("放弃听证", task("听取陈述申辩", Who::Staff, 3, &["陈述申辩笔录"])),
    },
    Stage::Optional(task("集体讨论", Who::Collective, 2, &["集体讨论记录"])),
    Stage::Task(task("决定", Who::Leader, 3, &["行政处罚决定书"])),
    Stage::Task(task("送达", Who::Staff, 2, &["送达回证"])),
    Stage::Optional(task("执行结案", Who::Staff, 6, &["结案审批表"])),
];

const COERCION: &[Stage] = &[
    Stage::Task(task("报批", Who::Staff, 1, &["行政强制措施审批表"])),
    Stage::Task(task("实施强制措施", Who::Staff, 2, &["现场笔录", "查封（扣押）决定书"])),
    Stage::Optional(task("检测检验", Who::Staff, 4, &["检验报告"])),
    Stage::Task(task("审查", Who::Legal, 2, &["审查意见"])),
    Stage::Task(task("决定", Who::Leader, 2, &["处理决定审批表"])),
    Stage::Choice {
        gateway: "是否解除强制措施",
        yes: ("解除", task("解除强制措施", Who::Staff, 2, &["解除查封（扣押）决定书"])),
        no: ("依法处理", task("依法处理", Who::Staff, 2, &["处理决定书"])),
    },
    Stage::Task(task("送达", Who::Staff, 1, &["送达回证"])),
];

const CONFIRMATION: &[Stage] = &[
    Stage::Task(task("申请", Who::Window, 1, &["申请表", "身份证明", "权属或资格证明材料"])),
    CORRECTION,
    Stage::Task(marked(task("受理", Who::Window, 1, &["受理通知书"]), StepMarker::Acceptance)),
    Stage::Task(task("审查", Who::Staff, 3, &["审查意见表"])),
    Stage::Optional(task("实地核实", Who::Staff, 3, &["核实记录"])),
    Stage::Task(task("确认", Who::Leader, 1, &["确认审批表"])),
    Stage::Task(task("办结送达", Who::Window, 1, &["确认文书", "送达回证"])),
];

const PAYMENT: &[Stage] = &[
    Stage::Task(task("申请", Who::Window, 1, &["申请表", "身份证明", "收入或家庭情况证明"])),
    CORRECTION,
    Stage::Task(marked(task("受理", Who::Window, 1, &["受理通知书"]), StepMarker::Acceptance)),
    Stage::Parallel(task("入户调查", Who::Staff, 3, &["入户调查表"]), task("信息比对", Who::Finance, 3, &["比对结果"])),
    Stage::Task(task("审核", Who::Head, 2, &["审核意见"])),
    Stage::Optional(task("公示", Who::Staff, 5, &["公示材料"])),
    Stage::Task(task("审批", Who::Leader, 1, &["审批表"])),
    Stage::Task(task("发放", Who::Finance, 2, &["发放清单"])),
];

const ADJUDICATION: &[Stage] = &[
    Stage::Task(task("申请", Who::Window, 1, &["裁决申请书", "证据材料"])),
    CORRECTION,
    Stage::Task(marked(task("受理", Who::Window, 1, &["受理通知书"]), StepMarker::Acceptance)),
    Stage::Parallel(task("调查核实", Who::Staff, 3, &["调查笔录"]), task("通知答辩", Who::Legal, 3, &["答辩通知书"])),
    Stage::Choice {
        gateway: "调解是否达成协议",
        yes: ("达成协议", task("制作调解书", Who::Legal, 2, &["调解书"])),
        no: ("未达成协议", task("作出裁决", Who::Leader, 2, &["裁决书"])),
    },
    Stage::Task(task("送达", Who::Window, 1, &["送达回证"])),
];

const INTERNAL: &[Stage] = &[
    Stage::Task(task("提出申请", Who::Staff, 1, &["申请报告", "预算或论证材料"])),
    Stage::Task(task("科室审核", Who::Head, 2, &["科室意见"])),
    Stage::Parallel(
        task("职能部门审核", Who::Finance, 3, &["审核意见"]),
        task("纪检监察审查", Who::Discipline, 3, &["监督意见"]),
    ),
    Stage::Optional(task("集体研究", Who::Collective, 3, &["会议纪要"])),
    Stage::Task(task("审批", Who::Leader, 2, &["审批单"])),
    Stage::Task(task("组织实施", Who::Staff, 5, &["实施记录"])),
    Stage::Task(task("归档", Who::Staff, 1, &["档案目录"])),
];

const GENERAL: &[Stage] = &[
    Stage::Task(task("受理登记", Who::Window, 1, &["登记表"])),
    Stage::Task(task("调查核实", Who::Staff, 3, &["核实记录"])),
    Stage::Task(task("审核", Who::Head, 2, &["审核意见"])),
    Stage::Task(task("决定", Who::Leader, 2, &["决定书"])),
    Stage::Task(task("送达", Who::Window, 1, &["送达回证"])),
];

/// The template of a power type (by its two-letter code) and its start event's name.
fn template(power_type: &str) -> (&'static [Stage], &'static str) {
    match power_type {
        "XK" => (LICENSING, "申请人提出申请"),
        "CF" => (PENALTY, "发现违法线索"),
        "QZ" => (COERCION, "发现违法行为"),
        "QR" => (CONFIRMATION, "申请人提出申请"),
        "JF" | "ZS" => (PAYMENT, "申请人提出申请"),
        "CJ" => (ADJUDICATION, "当事人申请裁决"),
        "QT" => (INTERNAL, "业务科室提出申请"),
        _ => (GENERAL, "启动"),
    }
}

/// The stages that fit `budget` slots: optional steps go first, then outcome
/// branches and parallel steps become single steps. `None` when even that is too long.
fn fit(stages: &[Stage], budget: u32, parallel: bool) -> Option<Vec<Stage>> {
    let mut out: Vec<Stage> = stages
        .iter()
        .map(|s| match s {
            Stage::Parallel(a, _) if !parallel => Stage::Task(*a),
            other => *other,
        })
        .collect();
    let slots = |list: &[Stage]| u32::try_from(list.iter().filter(|s| s.takes_time()).count()).unwrap_or(u32::MAX);
    while slots(&out) > budget {
        if let Some(i) = out.iter().rposition(|s| matches!(s, Stage::Optional(_))) {
            out.remove(i);
        } else if let Some(i) = out.iter().rposition(|s| matches!(s, Stage::Choice { .. })) {
            out.remove(i);
        } else {
            return None;
        }
    }
    Some(out)
}

/// `total` shared over `weights`: at least one each, the rest in proportion, the
/// remainder to the heaviest first, so the amounts add up to `total` exactly.
fn share(total: u32, weights: &[u32]) -> Vec<u32> {
    let n = u32::try_from(weights.len()).unwrap_or(u32::MAX);
    let mut out = vec![1; weights.len()];
    let spare = total.saturating_sub(n);
    let sum: u32 = weights.iter().map(|w| (*w).max(1)).sum::<u32>().max(1);
    for (amount, w) in out.iter_mut().zip(weights) {
        *amount += spare * (*w).max(1) / sum;
    }
    let left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
    for &i in order.iter().cycle().take(usize::try_from(left).unwrap_or(0)) {
        out[i] += 1;
    }
    out
}

/// How the unit's people and positions fill the steps of one power.
struct Staffing {
    window: String,
    staff: String,
    head: String,
    legal: String,
    finance: String,
    discipline: String,
    leader: String,
    collective: String,
    /// The unit's discipline inspector (纪检监察员), for ordinary steps.
    inspector: String,
    /// The sub-commission watching the unit, for decisions.
    sub_commission: String,
}

impl Staffing {
    fn step(&self, spec: &Spec, limit: Option<TimeLimit>) -> Step {
        let (position, role) = match spec.who {
            Who::Window => (Some(&self.window), None),
            Who::Staff => (Some(&self.staff), None),
            Who::Head => (Some(&self.head), None),
            Who::Legal => (Some(&self.legal), None),
            Who::Finance => (Some(&self.finance), None),
            Who::Discipline => (Some(&self.discipline), None),
            Who::Leader => (None, Some(&self.leader)),
            Who::Collective => (None, Some(&self.collective)),
        };
        let supervisor = if matches!(spec.who, Who::Leader | Who::Collective | Who::Head) {
            self.sub_commission.clone()
        } else {
            self.inspector.clone()
        };
        Step {
            role: role.cloned(),
            position: position.cloned(),
            person: None,
            limit,
            supervisor: Some(supervisor),
            documents: spec.docs.iter().map(|d| (*d).to_owned()).collect(),
            marker: spec.marker,
        }
    }
}

fn eid(text: &str) -> ElementId {
    // Every id below is made of ASCII letters and digits: always valid.
    ElementId::parse(text).unwrap_or_else(|_| ElementId::generated(0))
}

/// Builds the chart as parts, from its stages.
struct Builder {
    nodes: Vec<Node>,
    flows: Vec<Flow>,
}

impl Builder {
    fn node(&mut self, prefix: &str, name: &str, kind: NodeKind) -> ElementId {
        let id = eid(&format!("{prefix}{}", self.nodes.len()));
        self.nodes.push(Node { id: id.clone(), name: name.to_owned(), kind });
        id
    }

    fn flow(&mut self, source: &ElementId, target: &ElementId, name: &str) {
        let id = eid(&format!("f{}", self.flows.len() + 1));
        self.flows.push(Flow {
            id,
            source: source.clone(),
            target: target.clone(),
            name: name.to_owned(),
            condition: None,
        });
    }

    fn connect(&mut self, tail: &[(ElementId, String)], target: &ElementId) {
        for (source, label) in tail {
            self.flow(source, target, label);
        }
    }
}

/// The chart of one power, or `None` when its promised limit is too short (or absent).
#[allow(clippy::too_many_lines)] // one pass over the stages, node by node
fn chart_for(power: &power::Model, staffing: &Staffing, parallel: bool) -> Option<FlowchartParts> {
    let unit = match power.promised_limit_unit.as_deref() {
        Some("working") => LimitUnit::WorkingDays,
        Some("natural") => LimitUnit::NaturalDays,
        _ => return None,
    };
    let budget = u32::try_from(power.promised_limit_amount?).ok()?;
    let (stages, start_name) = template(&power.power_type);
    let stages = fit(stages, budget, parallel)?;
    let weights: Vec<u32> = stages.iter().filter(|s| s.takes_time()).map(Stage::weight).collect();
    let mut amounts = share(budget, &weights).into_iter();
    let loop_limit = TimeLimit::new((budget / 10).max(1), unit).ok();

    let mut b = Builder { nodes: Vec::new(), flows: Vec::new() };
    let start = b.node("s", start_name, NodeKind::Start);
    let mut tail: Vec<(ElementId, String)> = vec![(start.clone(), String::new())];
    let mut previous = start;
    let mut review = None;
    let mut decision = None;
    for stage in &stages {
        let limit = if stage.takes_time() { amounts.next().and_then(|a| TimeLimit::new(a, unit).ok()) } else { None };
        match stage {
            Stage::Task(spec) | Stage::Optional(spec) => {
                let id = b.node("t", spec.name, NodeKind::Task(staffing.step(spec, limit)));
                b.connect(&tail, &id);
                if spec.name.ends_with("审查") && review.is_none() {
                    review = Some(id.clone());
                }
                if matches!(spec.name, "决定" | "审批" | "确认") {
                    decision = Some(id.clone());
                }
                tail = vec![(id.clone(), String::new())];
                previous = id;
            }
            Stage::Loop { gateway, pass, fail, back } => {
                let g = b.node("g", gateway, NodeKind::Exclusive { default: None });
                b.connect(&tail, &g);
                let fix = b.node("t", back.name, NodeKind::Task(staffing.step(back, loop_limit)));
                b.flow(&g, &fix, fail);
                b.flow(&fix, &previous, "");
                tail = vec![(g, (*pass).to_owned())];
            }
            Stage::Parallel(first, second) => {
                let split = b.node("p", "", NodeKind::Parallel);
                b.connect(&tail, &split);
                let join = b.node("p", "", NodeKind::Parallel);
                for spec in [first, second] {
                    let id = b.node("t", spec.name, NodeKind::Task(staffing.step(spec, limit)));
                    b.flow(&split, &id, "");
                    b.flow(&id, &join, "");
                }
                tail = vec![(join, String::new())];
                previous = split;
            }
            Stage::Choice { gateway, yes, no } => {
                let g = b.node("g", gateway, NodeKind::Exclusive { default: None });
                b.connect(&tail, &g);
                let merge = b.node("g", "", NodeKind::Exclusive { default: None });
                for (label, spec) in [yes, no] {
                    let id = b.node("t", spec.name, NodeKind::Task(staffing.step(spec, limit)));
                    b.flow(&g, &id, label);
                    b.flow(&id, &merge, "");
                }
                tail = vec![(merge, String::new())];
                previous = g;
            }
        }
    }
    let end = b.node("e", "办结", NodeKind::End);
    b.connect(&tail, &end);
    let limit_of = |amount: Option<i32>, unit: Option<&str>| {
        let unit = match unit? {
            "working" => LimitUnit::WorkingDays,
            "natural" => LimitUnit::NaturalDays,
            _ => return None,
        };
        TimeLimit::new(u32::try_from(amount?).ok()?, unit).ok()
    };
    Some(FlowchartParts {
        id: Some(eid(&format!("process_{}", power.code.to_lowercase()))),
        name: power.name.clone(),
        nodes: b.nodes,
        flows: b.flows,
        timers: Vec::new(),
        separations: review.zip(decision).into_iter().collect(),
        legal_limit: limit_of(power.legal_limit_amount, power.legal_limit_unit.as_deref()),
        promised_limit: limit_of(power.promised_limit_amount, power.promised_limit_unit.as_deref()),
    })
}

/// What the unit offers its charts: positions by section, people, the sub-commission.
struct UnitStaff {
    unit: unit::Model,
    sections: Vec<section::Model>,
    positions: Vec<position::Model>,
    inspector: String,
    sub_commission: String,
}

impl UnitStaff {
    /// Positions of the first section whose name contains `part`: (head, staff).
    fn of_section(&self, section_id: Option<i64>, part: &str) -> Option<(String, String)> {
        let section = match section_id {
            Some(id) => self.sections.iter().find(|s| s.id == id),
            None => self.sections.iter().find(|s| s.name.contains(part)),
        }?;
        let mut list = self.positions.iter().filter(|p| p.section_id == Some(section.id));
        let head = list.next()?.name.clone();
        let staff = list.next().map_or_else(|| head.clone(), |p| p.name.clone());
        Some((head, staff))
    }

    fn staffing(&self, power: &power::Model) -> Staffing {
        // The power's own section, or one of the unit's business sections (after the
        // office, finance and personnel) chosen by the power.
        let business: Vec<&section::Model> = self.sections.iter().skip(3).collect();
        let section = power
            .section_id
            .or_else(|| business.get(usize::try_from(power.id).unwrap_or(0) % business.len().max(1)).map(|s| s.id))
            .or_else(|| self.sections.first().map(|s| s.id));
        let (head, staff) = self.of_section(section, "").unwrap_or_else(|| ("负责人".into(), "经办人".into()));
        let legal = self
            .of_section(None, "法规")
            .or_else(|| self.of_section(None, "办公室"))
            .map_or_else(|| head.clone(), |(h, _)| h);
        let finance = self.of_section(None, "财务").map_or_else(|| head.clone(), |(_, s)| s);
        let discipline = self.of_section(None, "纪检").map_or_else(|| legal.clone(), |(h, _)| h);
        let hospital = self.unit.name.contains("医院");
        Staffing {
            window: staff.clone(),
            staff,
            head,
            legal,
            finance,
            discipline,
            leader: if hospital { "分管副院长" } else { "分管副局长" }.to_owned(),
            collective: if hospital { "院长办公会" } else { "局长办公会" }.to_owned(),
            inspector: self.inspector.clone(),
            sub_commission: self.sub_commission.clone(),
        }
    }
}

async fn unit_staff(write: &Write, unit: unit::Model) -> Result<UnitStaff, StoreError> {
    let db = write.txn();
    let sections = section::Entity::find()
        .filter(section::Column::UnitId.eq(unit.id))
        .order_by_asc(section::Column::Id)
        .all(db)
        .await?;
    let positions = position::Entity::find()
        .filter(position::Column::UnitId.eq(unit.id))
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    let people = person::Entity::find()
        .filter(person::Column::UnitId.eq(unit.id))
        .order_by_asc(person::Column::Id)
        .all(db)
        .await?;
    // The discipline office's head where the unit has one, else the last member of
    // the leadership team (who usually leads the unit's discipline work).
    let office = sections.iter().find(|s| s.name.contains("纪检")).map(|s| s.id);
    let inspector = people
        .iter()
        .find(|p| office.is_some() && p.section_id == office)
        .or_else(|| people.iter().rev().find(|p| p.tier == PersonTier::Leadership.key()))
        .or_else(|| people.first())
        .map_or_else(|| "本单位纪检监察员".to_owned(), |p| format!("纪检监察员{}", p.name));
    let sub_commission = match unit.sub_commission_id {
        Some(id) => sub_commission::Entity::find_by_id(id).one(db).await?.map(|s| s.name),
        None => None,
    }
    .unwrap_or_else(|| "县纪委监委".to_owned());
    Ok(UnitStaff { unit, sections, positions, inspector, sub_commission })
}

#[derive(Serialize)]
struct Created<'a> {
    flowchart: &'a flowchart::Model,
    version: AuditedVersion<'a>,
}

/// The charts to publish: every k-th pilot power whose promise fits its steps, so
/// that they spread over every unit and type.
async fn plan(write: &Write) -> Result<Vec<(power::Model, Flowchart)>, StoreError> {
    let pilots = unit::Entity::find()
        .filter(unit::Column::Pilot.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(write.txn())
        .await?;
    let mut staff = HashMap::new();
    for pilot in pilots {
        staff.insert(pilot.id, unit_staff(write, pilot).await?);
    }
    let powers = power::Entity::find()
        .filter(power::Column::UnitId.is_in(staff.keys().copied()))
        .filter(power::Column::State.eq("published"))
        .order_by_asc(power::Column::Id)
        .all(write.txn())
        .await?;
    let mut eligible: Vec<(power::Model, FlowchartParts)> = Vec::new();
    for (n, power) in powers.into_iter().enumerate() {
        let Some(unit) = staff.get(&power.unit_id) else { continue };
        // Every third chart does two steps at once.
        if let Some(parts) = chart_for(&power, &unit.staffing(&power), n % 3 == 0) {
            eligible.push((power, parts));
        }
    }
    let count = CHARTS.min(eligible.len());
    let mut charts = Vec::with_capacity(count);
    for i in (0..count).map(|i| i * eligible.len() / count) {
        let (power, parts) = &eligible[i];
        let chart = Flowchart::new(parts.clone())
            .map_err(|e| StoreError::Internal(format!("demo flowchart of {}: {e}", power.code)))?;
        if !chart.four_clarities().is_empty() {
            return Err(StoreError::Internal(format!("demo flowchart of {} lacks a clarity", power.code)));
        }
        charts.push((power.clone(), chart));
    }
    Ok(charts)
}

/// Publishes the demo flowcharts unless flowcharts exist; returns how many it created.
pub(super) async fn build(write: &mut Write) -> Result<usize, StoreError> {
    if flowchart::Entity::find().count(write.txn()).await? > 0 {
        return Ok(0);
    }
    let charts = plan(write).await?;
    if charts.is_empty() {
        return Ok(0);
    }
    let now = write.now();
    let rows: Vec<flowchart::ActiveModel> = charts
        .iter()
        .map(|(power, _)| flowchart::ActiveModel {
            power_id: sea_orm::ActiveValue::Set(power.id),
            unit_id: sea_orm::ActiveValue::Set(power.unit_id),
            power_code: sea_orm::ActiveValue::Set(power.code.clone()),
            name: sea_orm::ActiveValue::Set(power.name.chars().take(200).collect()),
            created_at: sea_orm::ActiveValue::Set(now),
            updated_at: sea_orm::ActiveValue::Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(BATCH * 4) {
        flowchart::Entity::insert_many(chunk.to_vec()).exec(write.txn()).await?;
    }
    let stored: HashMap<i64, flowchart::Model> =
        flowchart::Entity::find().all(write.txn()).await?.into_iter().map(|f| (f.power_id, f)).collect();
    let texts: Vec<(i64, String, i32)> = charts
        .iter()
        .filter_map(|(power, chart)| {
            let id = stored.get(&power.id)?.id;
            Some((id, export_bpmn(chart), i32::try_from(chart.steps().count()).unwrap_or(i32::MAX)))
        })
        .collect();
    let actor: String = write.actor().chars().take(100).collect();
    let versions: Vec<flowchart_version::ActiveModel> = texts
        .iter()
        .map(|(id, bpmn, steps)| flowchart_version::ActiveModel {
            flowchart_id: sea_orm::ActiveValue::Set(*id),
            version: sea_orm::ActiveValue::Set(1),
            state: sea_orm::ActiveValue::Set(PUBLISHED.to_owned()),
            bpmn: sea_orm::ActiveValue::Set(bpmn.clone()),
            step_count: sea_orm::ActiveValue::Set(*steps),
            created_by: sea_orm::ActiveValue::Set(actor.clone()),
            created_at: sea_orm::ActiveValue::Set(now),
            published_at: sea_orm::ActiveValue::Set(Some(now)),
            ..Default::default()
        })
        .collect();
    for chunk in versions.chunks(BATCH) {
        flowchart_version::Entity::insert_many(chunk.to_vec()).exec(write.txn()).await?;
    }
    let version_ids: HashMap<i64, i64> = flowchart_version::Entity::find()
        .select_only()
        .column(flowchart_version::Column::FlowchartId)
        .column(flowchart_version::Column::Id)
        .into_tuple::<(i64, i64)>()
        .all(write.txn())
        .await?
        .into_iter()
        .collect();
    let by_id: HashMap<i64, &flowchart::Model> = stored.values().map(|f| (f.id, f)).collect();
    for (id, bpmn, steps) in &texts {
        let (Some(model), Some(version_id)) = (by_id.get(id), version_ids.get(id)) else { continue };
        let info = VersionInfo {
            id: *version_id,
            flowchart_id: *id,
            version: 1,
            state: PUBLISHED.to_owned(),
            step_count: *steps,
            created_by: actor.clone(),
            created_at: now,
            published_at: Some(now),
        };
        let body = Created { flowchart: model, version: audited(&info, bpmn) };
        write.record("flowchart.create", "flowchart", id, None::<&()>, Some(&body))?;
    }
    link_risk_points(write, &charts).await?;
    Ok(texts.len())
}

/// Names the step each risk point of a charted power lies in, where its
/// description mentions exactly one step of the chart (受理, 审查, …), as the unit
/// would once its flowchart is published.
async fn link_risk_points(write: &mut Write, charts: &[(power::Model, Flowchart)]) -> Result<(), StoreError> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let steps: HashMap<i64, Vec<&str>> = charts
        .iter()
        .map(|(power, chart)| (power.id, chart.steps().map(|(node, _)| node.name.trim()).collect()))
        .collect();
    let points = risk_point::Entity::find()
        .filter(risk_point::Column::ScopeKind.eq(ScopeKind::Power.key()))
        .filter(risk_point::Column::FlowStep.is_null())
        .order_by_asc(risk_point::Column::Id)
        .all(write.txn())
        .await?;
    for point in points {
        let Some(names) = steps.get(&point.scope_target) else { continue };
        let mentioned: Vec<&str> = names.iter().copied().filter(|n| mentions_step(&point.description, n)).collect();
        let [step] = mentioned[..] else { continue };
        let mut model = point.clone().into_active_model();
        model.flow_step = Set(Some(step.to_owned()));
        let after = model.update(write.txn()).await?;
        write.record("risk_point.update", "risk_point", point.id, Some(&point), Some(&after))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn staffing() -> Staffing {
        Staffing {
            window: "登记注册股经办岗".into(),
            staff: "登记注册股经办岗".into(),
            head: "登记注册股负责人".into(),
            legal: "法规股负责人".into(),
            finance: "财务股会计岗".into(),
            discipline: "法规股负责人".into(),
            leader: "分管副局长".into(),
            collective: "局长办公会".into(),
            inspector: "纪检监察员王伟".into(),
            sub_commission: "县纪委第一纪工委".into(),
        }
    }

    fn power(power_type: &str, amount: i32, unit: &str) -> power::Model {
        let now = chrono::Utc::now();
        power::Model {
            id: 7,
            unit_id: 1,
            code: format!("SCJG{power_type}001"),
            name: "食品经营许可".into(),
            power_type: power_type.into(),
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            section_id: None,
            position: None,
            legal_limit_amount: Some(amount * 2),
            legal_limit_unit: Some(unit.into()),
            promised_limit_amount: Some(amount),
            promised_limit_unit: Some(unit.into()),
            fee_charged: false,
            fee_standard: None,
            unit_head: false,
            public: true,
            notes: None,
            state: "published".into(),
            merged_into: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn shares_add_up_and_give_every_step_a_day() {
        for total in 5..60 {
            let weights = [1, 1, 2, 3, 1, 2, 1, 1];
            if total < 8 {
                continue;
            }
            let amounts = share(total, &weights);
            assert_eq!(amounts.iter().sum::<u32>(), total);
            assert!(amounts.iter().all(|a| *a >= 1));
        }
    }

    /// The limits on the way through (the first branch of each split, never a
    /// loop's step) add up to the promise.
    fn main_path_days(chart: &Flowchart) -> u32 {
        let loop_step = |id: &ElementId| {
            chart.node(id.as_str()).and_then(Node::step).is_some_and(|s| s.marker == Some(StepMarker::Correction))
                || chart.node(id.as_str()).is_some_and(|n| n.name == "补充调查")
        };
        let mut at = chart.nodes().iter().find(|n| n.kind == NodeKind::Start).unwrap().id.clone();
        let mut total = 0;
        for _ in 0..100 {
            let node = chart.node(at.as_str()).unwrap();
            if node.kind == NodeKind::End {
                return total;
            }
            total += node.step().and_then(|s| s.limit).map_or(0, TimeLimit::amount);
            at = chart
                .flows()
                .iter()
                .filter(|f| f.source == node.id)
                .map(|f| f.target.clone())
                .find(|t| !loop_step(t))
                .unwrap();
        }
        panic!("no way to the end")
    }

    #[test]
    fn every_type_gives_a_complete_chart_within_the_promise() {
        for (power_type, amount, unit) in [
            ("XK", 10, "working"),
            ("XK", 7, "working"),
            ("CF", 45, "natural"),
            ("QZ", 15, "natural"),
            ("QR", 15, "working"),
            ("JF", 10, "working"),
            ("CJ", 15, "natural"),
            ("QT", 15, "working"),
            ("JL", 10, "working"),
        ] {
            for parallel in [false, true] {
                let p = power(power_type, amount, unit);
                let parts = chart_for(&p, &staffing(), parallel).unwrap_or_else(|| panic!("{power_type} {amount}"));
                let chart = Flowchart::new(parts).unwrap();
                assert!(chart.four_clarities().is_empty(), "{power_type}: {:?}", chart.four_clarities());
                assert_eq!(main_path_days(&chart), u32::try_from(amount).unwrap(), "{power_type} {amount} {parallel}");
                assert!(
                    chart.steps().all(|(_, s)| s.supervisor.is_some() && (s.position.is_some() || s.role.is_some()))
                );
                assert_eq!(sunlight_domain::flow::import_bpmn(&export_bpmn(&chart)).unwrap(), chart);
            }
        }
        // Too short a promise, or none, or in months: no chart.
        assert!(chart_for(&power("XK", 2, "working"), &staffing(), true).is_none());
        assert!(chart_for(&power("XK", 10, "months"), &staffing(), true).is_none());
    }

    #[test]
    fn licences_loop_back_to_correct_before_acceptance() {
        let chart = Flowchart::new(chart_for(&power("XK", 10, "working"), &staffing(), true).unwrap()).unwrap();
        let fix = chart.steps().find(|(n, _)| n.name == "一次性告知补正").unwrap().0;
        let apply = chart.steps().find(|(n, _)| n.name == "申请").unwrap().0;
        assert!(chart.flows().iter().any(|f| f.source == fix.id && f.target == apply.id));
        assert_eq!(chart.nodes().iter().filter(|n| n.kind == NodeKind::Parallel).count(), 2);
        assert!(chart.flows().iter().any(|f| f.name == "不予"));
        assert_eq!(chart.parts().separations.len(), 1);
    }
}
