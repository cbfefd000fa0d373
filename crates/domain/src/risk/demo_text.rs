//! Realistic risk descriptions and prevention measures for demos, by kind and
//! mechanism, in the words county risk registers use.

use crate::risk::measure::{Mechanism, Phase};
use crate::risk::point::RiskKind;

/// Risk descriptions by kind. `{power}` is replaced by the power's name where the
/// description is about one power.
pub const RISK_DESCRIPTIONS: &[(RiskKind, &str)] = &[
    (RiskKind::Power, "办理{power}时对不符合条件的申请予以受理或审批，或对符合条件的申请故意刁难、拖延不办"),
    (RiskKind::Power, "{power}中自由裁量权过大，对同类情形作出畸轻畸重的处理决定"),
    (RiskKind::Power, "在{power}过程中接受管理服务对象宴请、礼品礼金，以权谋私"),
    (RiskKind::Power, "利用{power}为亲友或特定关系人经营活动提供便利"),
    (RiskKind::Power, "对{power}的申请材料审查不严，降低标准审批或为不合格对象出具证明"),
    (RiskKind::Power, "在{power}中应当回避而不回避，与当事人存在利害关系仍参与办理"),
    (RiskKind::Power, "对检查中发现的违法线索隐瞒不报、以罚代刑或有案不移"),
    (RiskKind::Power, "违规减免、缓缴应收款项，或擅自改变收费、罚没标准"),
    (RiskKind::Power, "在{power}中泄露举报人信息或当事人商业秘密"),
    (RiskKind::Power, "一把手直接插手{power}的具体办理，个人说了算"),
    (RiskKind::Management, "“三重一大”事项未经集体研究，由个人或少数人决定"),
    (RiskKind::Management, "干部选拔任用中不按规定程序推荐、考察，搞“带病提拔”"),
    (RiskKind::Management, "财务报销审核不严，存在虚列支出、套取资金的可能"),
    (RiskKind::Management, "政府采购化整为零、规避公开招标，或指定供应商"),
    (RiskKind::Management, "专项资金未按规定用途使用，存在截留、挪用、滞留"),
    (RiskKind::Management, "公务用车、办公用房管理不规范，公车私用"),
    (RiskKind::Management, "固定资产登记不全、处置不经评估，造成国有资产流失"),
    (RiskKind::Management, "执法装备和暂扣物品保管不善，存在私自处置的可能"),
    (RiskKind::Management, "档案和证照空白凭证管理混乱，存在被冒用的可能"),
    (RiskKind::Management, "临时聘用人员参与执法或审批，超越权限办理事项"),
    (RiskKind::Process, "{power}的受理、审查、决定由同一人完成，缺少相互制约"),
    (RiskKind::Process, "未按公布的流程办理{power}，擅自增加或减少环节"),
    (RiskKind::Process, "{power}超过承诺时限办结，或以补正材料为名变相延长时限"),
    (RiskKind::Process, "现场检查不足两人或未出示执法证件，检查记录补签后填"),
    (RiskKind::Process, "处罚决定作出前未履行告知程序，或未依法举行听证"),
    (RiskKind::Process, "案件办结后未及时归档，执法文书时间顺序倒置"),
    (RiskKind::Process, "网上审批系统与线下办理“两张皮”，体外循环"),
    (RiskKind::Process, "对补正材料一次性告知不到位，多次要求申请人补正"),
    (RiskKind::Process, "办理结果未按规定公开，群众无从监督"),
    (RiskKind::Process, "资金拨付未经验收即支付，或验收流于形式"),
];

/// Prevention measures by mechanism and phase.
pub const MEASURES: &[(Mechanism, Phase, &str)] = &[
    (Mechanism::Prevention, Phase::Before, "开展岗位廉政风险教育，签订廉政承诺书"),
    (Mechanism::Prevention, Phase::Before, "细化自由裁量基准，统一同类案件处理标准"),
    (Mechanism::Prevention, Phase::Before, "制定办事指南和一次性告知清单，明确申请条件和材料"),
    (Mechanism::Prevention, Phase::Before, "建立利害关系人回避制度，办理前填写回避声明"),
    (Mechanism::Prevention, Phase::During, "实行受理、审查、决定分岗办理，关键环节双人签字"),
    (Mechanism::Oversight, Phase::During, "纳入网上审批和电子监察系统，全程留痕、超时预警"),
    (Mechanism::Oversight, Phase::During, "重大事项实行集体研究，会议记录备查"),
    (Mechanism::Oversight, Phase::During, "执法全过程音像记录，现场检查不少于两人"),
    (Mechanism::Oversight, Phase::After, "纪检组定期抽查案卷，对疑点案件逐件核查"),
    (Mechanism::Oversight, Phase::After, "聘请内外部监督员开展明察暗访"),
    (Mechanism::Transparency, Phase::Before, "在门户网站和办事大厅公开办理依据、流程、时限和收费标准"),
    (Mechanism::Transparency, Phase::During, "在电子显示屏和触摸屏实时公开办理进度"),
    (Mechanism::Transparency, Phase::After, "办理结果和处罚决定依法公示，接受社会监督"),
    (Mechanism::Transparency, Phase::After, "公布举报电话和投诉渠道，对投诉限时回复"),
    (Mechanism::Accountability, Phase::After, "将办理时效和群众满意度纳入季度绩效考核"),
    (Mechanism::Accountability, Phase::After, "对超时办理、违规操作实行责任追究，与评优评先挂钩"),
    (Mechanism::Accountability, Phase::After, "开展群众满意度回访，对不满意事项督促整改"),
    (Mechanism::Accountability, Phase::During, "对电子监察发出的黄牌、红牌逐件说明原因并整改"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::point::RiskDescription;
    use crate::text::Note;

    #[test]
    fn every_kind_and_mechanism_has_text() {
        for kind in RiskKind::ALL {
            assert!(RISK_DESCRIPTIONS.iter().filter(|(k, _)| k == kind).count() >= 8);
        }
        for mechanism in Mechanism::ALL {
            assert!(MEASURES.iter().any(|(m, _, _)| m == mechanism));
        }
        for (_, text) in RISK_DESCRIPTIONS {
            assert!(RiskDescription::parse(&text.replace("{power}", "食品经营许可")).is_ok());
        }
        for (_, _, text) in MEASURES {
            assert!(Note::parse(text).is_ok());
        }
    }
}
