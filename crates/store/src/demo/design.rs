//! The demo design records: the county's 43 creation standards and the pilots'
//! compliance, 29 monitoring focus items, 317 optimized processes removing 439 steps,
//! and 19 decomposed powers.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use sunlight_domain::catalogue::optimization::removed_steps;

use crate::entity::{
    design_standard, focus_item, power, power_part, process_optimization, section, standard_compliance, unit,
};
use crate::{StoreError, Write};

/// The county's creation standards (创建标准), by the report's three layers and the
/// seven parts of the work.
const STANDARDS: [&str; 43] = [
    "成立由主要负责人任组长的阳光权力运行工作领导小组",
    "制定本单位阳光权力运行实施方案并报县纪委备案",
    "明确专门科室和联络员负责日常工作",
    "将阳光权力运行工作纳入年度工作要点和党风廉政建设责任制",
    "每半年召开一次专题会议研究推进工作",
    "按照“职权法定”原则全面清理本单位行政职权",
    "职权目录逐项列明名称、类型、设定依据、实施主体和责任科室",
    "职权目录经法制部门审核后向社会公布",
    "一把手职权单独列明并报县纪委备案",
    "职权取消、合并、调整后及时更新目录",
    "按五步法查找廉政风险点，全员参与",
    "风险点覆盖权力运行、内部管理和业务流程三类",
    "风险点按一级、二级、三级评定等级，程序完整",
    "风险点和等级经县纪委审核认定",
    "每一风险点均制定对应防控措施，明确责任人和完成时限",
    "每项职权绘制权力运行流程图，做到四个明确",
    "优化审批流程，减少审批环节，压缩办理时限",
    "实行受理、审查、决定分岗设置，关键环节相互制约",
    "重要职权实行决策、执行、监督分解，由不同科室行使",
    "流程图在门户网站、办事大厅和触摸屏同步公开",
    "建立“三重一大”集体决策制度并严格执行",
    "建立行政自由裁量权基准制度",
    "建立首问负责、限时办结和责任追究制度",
    "建立重大事项报告和廉政谈话制度",
    "建立内部审计和财务公开制度",
    "行政审批事项全部进入网上审批和电子监察系统",
    "电子监察黄牌、红牌事项逐件说明原因并整改",
    "对超时办理、违规办理实行预警纠错",
    "行政处罚案件网上录入、网上审核、网上公开",
    "公共资源交易项目全部进入交易中心公开交易",
    "政务公开栏、电子显示屏和触摸屏内容定期更新",
    "职权目录、流程图和风险等级向社会公开",
    "办理结果依法公示，公开举报电话和投诉渠道",
    "聘请内外部监督员并定期开展监督活动",
    "开展服务对象满意度测评，测评结果公开",
    "建立风险预警处置台账，分级预警、及时处置",
    "对群众投诉和监督员反映的问题限期办结反馈",
    "将阳光权力运行工作纳入单位和个人绩效考核",
    "对发现的问题实行责任追究并通报",
    "每季度开展一次风险防控措施落实情况检查",
    "开展理论调研，形成调研成果",
    "组织学习交流活动，推广经验做法",
    "建立健全工作档案，资料齐全规范",
];

/// Focus items per pilot unit (29 in all), in the order of the catalogues.
const FOCUS_ITEMS: &[(&str, &[&str])] = &[
    (
        "SCJG",
        &[
            "食品经营许可审批时限",
            "行政处罚自由裁量权行使",
            "特种设备安全检验结论认定",
            "价格违法案件查处",
            "市场主体登记材料审查",
        ],
    ),
    ("ZRZY", &["建设用地审批报件", "不动产登记办理时效", "国有建设用地使用权出让", "土地执法案件查处"]),
    ("ZJJ", &["建筑工程施工许可", "商品房预售许可", "保障性住房分配", "工程质量安全监督"]),
    ("JTYS", &["道路运输经营许可", "交通建设项目招投标", "超限超载治理处罚", "出租汽车经营权管理"]),
    ("RSJ", &["社会保险待遇核定", "就业补助资金发放", "劳动保障监察案件查处", "事业单位公开招聘"]),
    ("WSJK", &["医疗机构执业许可", "公共场所卫生许可", "卫生监督执法处罚", "基本公共卫生服务资金"]),
    ("RMYY", &["药品耗材集中采购", "大型设备购置", "基建维修工程发包", "绩效工资分配"]),
];

/// Optimized processes (317 in all) and how many of them removed two steps rather
/// than one (122 × 2 + 195 × 1 = 439).
const OPTIMIZED: usize = 317;
const REMOVED_TWO: usize = 122;
/// Decomposed powers (19), of which the first `CONFLICTS` still leave one section
/// two parts, so the check has something to find.
const DECOMPOSED: usize = 19;
const CONFLICTS: usize = 2;

const STEPS_BEFORE: &[&str] =
    &["申请", "窗口受理", "科室初审", "现场核查", "分管领导审核", "集体研究", "主要领导审批", "制证", "送达"];
/// The steps optimizations remove first (in this order).
const REMOVABLE: &[&str] = &["分管领导审核", "现场核查", "集体研究"];

/// The steps before and after one optimization removing `removed` steps.
fn optimization(removed: usize, offset: usize) -> (Vec<String>, Vec<String>) {
    let before: Vec<String> = STEPS_BEFORE.iter().map(|s| (*s).to_owned()).collect();
    let dropped: Vec<&str> = (0..removed).map(|i| REMOVABLE[(offset + i) % REMOVABLE.len()]).collect();
    let after = before.iter().filter(|s| !dropped.contains(&s.as_str())).cloned().collect();
    (before, after)
}

#[allow(clippy::too_many_lines)] // one pass over the design tables in dependency order
pub(super) async fn build(write: &mut Write) -> Result<usize, StoreError> {
    if design_standard::Entity::find().count(write.txn()).await? > 0 {
        return Ok(0);
    }
    let now = write.now();
    let mut created = 0;
    let mut standards = Vec::new();
    for (seq, title) in (1..).zip(STANDARDS) {
        let model = design_standard::ActiveModel {
            seq: Set(seq),
            title: Set(title.to_owned()),
            description: Set(None),
            active: Set(true),
            ..Default::default()
        }
        .insert(write.txn())
        .await?;
        write.record("design_standard.create", "design_standard", model.id, None::<&()>, Some(&model))?;
        standards.push(model);
        created += 1;
    }
    let codes: Vec<&str> = super::catalogue::CATALOGUES.iter().map(|c| c.0).collect();
    let pilots = unit::Entity::find().filter(unit::Column::Code.is_in(codes.clone())).all(write.txn()).await?;
    for (u, pilot) in pilots.iter().enumerate() {
        // Each pilot still falls short on a standard or two: the matrix shows where.
        let rows: Vec<standard_compliance::ActiveModel> = standards
            .iter()
            .enumerate()
            .map(|(s, standard)| {
                let compliant = (s + u * 5) % 19 != 4;
                standard_compliance::ActiveModel {
                    standard_id: Set(standard.id),
                    unit_id: Set(pilot.id),
                    compliant: Set(compliant),
                    evidence: Set(Some(if compliant {
                        format!("见{}阳光权力运行工作档案第{}卷", pilot.name, s / 10 + 1)
                    } else {
                        "正在整改，预计年底前完成".to_owned()
                    })),
                    actor: Set(write.actor().to_owned()),
                    checked_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        let audited: Vec<(i64, bool)> = standards
            .iter()
            .zip(&rows)
            .map(|(standard, row)| (standard.id, matches!(row.compliant, Set(true))))
            .collect();
        standard_compliance::Entity::insert_many(rows).exec(write.txn()).await?;
        write.record("standard_compliance.record", "unit", pilot.id, None::<&()>, Some(&audited))?;
    }
    let mut optimized = 0;
    let mut decomposed = 0;
    for (code, items) in FOCUS_ITEMS {
        let Some(unit) = pilots.iter().find(|p| p.code == *code) else { continue };
        for title in *items {
            let model = focus_item::ActiveModel {
                unit_id: Set(unit.id),
                title: Set((*title).to_owned()),
                description: Set(Some(format!("{title}重点监控：办理时限、自由裁量和结果公开"))),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(write.txn())
            .await?;
            write.record("focus_item.create", "focus_item", model.id, None::<&()>, Some(&model))?;
        }
    }
    // Optimizations and decompositions follow the catalogue, unit by unit.
    let powers = power::Entity::find()
        .filter(power::Column::UnitId.is_in(pilots.iter().map(|p| p.id)))
        .order_by_asc(power::Column::Id)
        .all(write.txn())
        .await?;
    let stride = (powers.len() / OPTIMIZED.max(1)).max(1);
    for (n, power) in powers.iter().step_by(stride).take(OPTIMIZED).enumerate() {
        let removed = if n < REMOVED_TWO { 2 } else { 1 };
        let (before, after) = optimization(removed, n);
        let steps_removed = removed_steps(&before, &after).len();
        let model = process_optimization::ActiveModel {
            unit_id: Set(power.unit_id),
            power_id: Set(Some(power.id)),
            title: Set(format!("{}流程优化", power.name)),
            steps_before: Set(serde_json::to_string(&before).map_err(|e| StoreError::Internal(e.to_string()))?),
            steps_after: Set(serde_json::to_string(&after).map_err(|e| StoreError::Internal(e.to_string()))?),
            steps_removed: Set(i32::try_from(steps_removed).unwrap_or(0)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(write.txn())
        .await?;
        write.record("process_optimization.create", "process_optimization", model.id, None::<&()>, Some(&model))?;
        optimized += 1;
    }
    for power in powers.iter().filter(|p| p.unit_head).take(DECOMPOSED) {
        let sections = section::Entity::find()
            .filter(section::Column::UnitId.eq(power.unit_id))
            .order_by_asc(section::Column::Id)
            .all(write.txn())
            .await?;
        // The office decides (collectively), the power's own section executes, the
        // legal or discipline section supervises.
        let (Some(office), Some(supervisor)) = (sections.first(), sections.last()) else { continue };
        let executor = power.section_id.unwrap_or(office.id);
        let supervising = if decomposed < CONFLICTS { executor } else { supervisor.id };
        let parts = [("decide", office.id), ("execute", executor), ("supervise", supervising)];
        let rows: Vec<power_part::ActiveModel> = parts
            .iter()
            .map(|(role, section_id)| power_part::ActiveModel {
                power_id: Set(power.id),
                role: Set((*role).to_owned()),
                section_id: Set(*section_id),
                ..Default::default()
            })
            .collect();
        power_part::Entity::insert_many(rows).exec(write.txn()).await?;
        write.record("power_part.set", "power", power.id, None::<&()>, Some(&parts))?;
        decomposed += 1;
    }
    if optimized != OPTIMIZED || decomposed != DECOMPOSED {
        return Err(StoreError::Internal(format!("demo design: {optimized} optimized, {decomposed} decomposed")));
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_records_add_up_to_the_report() {
        assert_eq!(FOCUS_ITEMS.iter().map(|(_, items)| items.len()).sum::<usize>(), 29);
        let removed: usize = (0..OPTIMIZED)
            .map(|n| {
                let (before, after) = optimization(if n < REMOVED_TWO { 2 } else { 1 }, n);
                removed_steps(&before, &after).len()
            })
            .sum();
        assert_eq!(removed, 439);
        const { assert!(CONFLICTS < DECOMPOSED) };
    }
}
