//! The demo catalogue: 492 published powers of the seven pilot units, 65 of them
//! unit-head powers, each with its first version.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sunlight_domain::catalogue::generator::{SplitMix, generate_catalogue};
use sunlight_domain::catalogue::{
    Fee, LegalBasis, LimitUnit, PowerCode, PowerDraft, PowerDraftParts, PowerName, PowerType, TimeLimit,
};
use sunlight_domain::org::UnitCode;
use sunlight_domain::text::{Name, Note};

use crate::entity::{power, power_version, section, unit};
use crate::{StoreError, Write};

/// (unit, department table the powers are drawn from, powers, unit-head powers):
/// 492 and 65 in all, as in the report.
pub(super) const CATALOGUES: &[(&str, &str, usize, usize)] = &[
    ("SCJG", "SCJG", 120, 16),
    ("ZRZY", "ZRZY", 80, 11),
    ("ZJJ", "ZJ", 75, 10),
    ("JTYS", "JTYS", 70, 9),
    ("RSJ", "RSJ", 55, 7),
    ("WSJK", "WSJK", 57, 7),
    ("RMYY", "", 35, 5),
];

/// A county hospital holds no administrative powers; what its register lists are the
/// internal powers over money, purchases and people (其他权力).
const HOSPITAL_POWERS: &[(&str, &str)] = &[
    ("药品集中采购遴选", "《中华人民共和国药品管理法》第七十条；《医疗机构药事管理规定》第二十八条"),
    ("医用耗材采购审批", "《医疗器械监督管理条例》第五十五条；《中华人民共和国政府采购法》第二条"),
    ("大型医用设备购置论证与审批", "《大型医用设备配置与使用管理办法（试行）》第八条"),
    ("基建维修工程发包", "《中华人民共和国招标投标法》第三条；《中华人民共和国政府采购法》第二条"),
    ("专业技术人员公开招聘", "《事业单位人事管理条例》第八条；《事业单位公开招聘人员暂行规定》第四条"),
    ("中层干部选拔任用", "《事业单位领导人员管理规定》第十条"),
    ("专业技术职务评聘推荐", "《事业单位人事管理条例》第十二条"),
    ("大额资金支付审批", "《医院财务制度》第五十二条；《行政事业单位内部控制规范（试行）》第二十九条"),
    ("医疗服务价格执行与收费管理", "《中华人民共和国价格法》第十三条；《医疗机构管理条例》第三十七条"),
    ("医疗纠纷处理与赔偿", "《医疗纠纷预防和处理条例》第二十二条"),
    ("进修外派人员审批", "《事业单位人事管理条例》第二十条"),
    ("科研项目经费管理", "《行政事业单位内部控制规范（试行）》第四十一条"),
    ("绩效工资分配方案制定", "《事业单位人事管理条例》第三十三条"),
    ("对外捐赠与受赠管理", "《卫生计生单位接受公益事业捐赠管理办法（试行）》第十一条"),
    ("临床用血审批", "《医疗机构临床用血管理办法》第十八条"),
    ("抗菌药物分级使用授权", "《抗菌药物临床应用管理办法》第二十四条"),
    ("特殊级抗菌药物会诊审批", "《抗菌药物临床应用管理办法》第二十八条"),
];

fn hospital_catalogue(unit: &UnitCode, n: usize) -> Vec<PowerDraft> {
    let variants = ["", "（院内审批）", "（年度计划）"];
    (0..n)
        .filter_map(|i| {
            let (name, basis) = HOSPITAL_POWERS[i % HOSPITAL_POWERS.len()];
            let name = format!("{name}{}", variants[i / HOSPITAL_POWERS.len() % variants.len()]);
            PowerDraft::new(PowerDraftParts {
                code: PowerCode::new(unit.clone(), PowerType::Other, u32::try_from(i + 1).ok()?).ok(),
                name: PowerName::parse(&name).ok()?,
                power_type: PowerType::Other,
                legal_basis: LegalBasis::parse(basis).ok()?,
                unit: unit.clone(),
                section: None,
                position: None,
                legal_limit: None,
                promised_limit: TimeLimit::new(15, LimitUnit::Working).ok(),
                fee: Fee::Free,
                unit_head: false,
                public: true,
                notes: None,
            })
            .ok()
        })
        .collect()
}

/// The unit's catalogue drawn from `department`'s table, re-coded for the unit and
/// placed in its own business sections (not the office, finance or personnel).
fn unit_catalogue(
    unit: &UnitCode,
    department: &str,
    n: usize,
    unit_head: usize,
    sections: &[String],
) -> Vec<PowerDraft> {
    let drafts = match UnitCode::parse(department) {
        Ok(source) => generate_catalogue(&source, n, 2026),
        Err(_) => hospital_catalogue(unit, n),
    };
    let business: Vec<&String> = sections.iter().skip(3).collect();
    let mut rng = SplitMix::new(unit.as_str().bytes().map(u64::from).sum());
    // Unit-head powers are the weightiest: every k-th licence or penalty decision.
    let step = (drafts.len() / unit_head.max(1)).max(1);
    drafts
        .into_iter()
        .enumerate()
        .filter_map(|(i, draft)| {
            let mut parts = draft.into_parts();
            let sequence = parts.code.as_ref().map_or(u32::try_from(i + 1).unwrap_or(1), PowerCode::sequence);
            parts.code = PowerCode::new(unit.clone(), parts.power_type, sequence).ok();
            parts.unit = unit.clone();
            parts.unit_head = i % step == 0 && i / step < unit_head;
            parts.section = business
                .get(rng.below(business.len().max(1)))
                .copied()
                .or_else(|| sections.first())
                .and_then(|s| Name::parse(s).ok());
            if parts.notes.is_some() {
                parts.notes = Note::parse("按省级权力清单通用目录梳理").ok();
            }
            PowerDraft::new(parts).ok()
        })
        .collect()
}

/// Inserts the catalogue of every pilot unit that has none yet; returns the powers
/// created.
pub(super) async fn build(write: &mut Write) -> Result<usize, StoreError> {
    let mut created = 0;
    for (code, department, count, unit_head) in CATALOGUES {
        let Some(unit) = unit::Entity::find().filter(unit::Column::Code.eq(*code)).one(write.txn()).await? else {
            continue;
        };
        if power::Entity::find().filter(power::Column::UnitId.eq(unit.id)).one(write.txn()).await?.is_some() {
            continue;
        }
        let sections = section::Entity::find().filter(section::Column::UnitId.eq(unit.id)).all(write.txn()).await?;
        let names: Vec<String> = sections.iter().map(|s| s.name.clone()).collect();
        let unit_code = UnitCode::parse(code).map_err(|e| StoreError::Internal(e.code.into()))?;
        let drafts = unit_catalogue(&unit_code, department, *count, *unit_head, &names);
        if drafts.len() != *count {
            return Err(StoreError::Internal(format!("demo catalogue of {code}: {} powers", drafts.len())));
        }
        for draft in drafts {
            let section_id = draft
                .parts()
                .section
                .as_ref()
                .and_then(|name| sections.iter().find(|s| s.name == name.as_str()))
                .map(|s| s.id);
            let model = insert_published(write, unit.id, section_id, &draft).await?;
            write.record("power.create", "power", model.id, None::<&()>, Some(&model))?;
            created += 1;
        }
    }
    Ok(created)
}

async fn insert_published(
    write: &Write,
    unit_id: i64,
    section_id: Option<i64>,
    draft: &PowerDraft,
) -> Result<power::Model, StoreError> {
    let parts = draft.parts();
    let limit = |l: Option<TimeLimit>| {
        l.map(|l| {
            (i32::from(l.amount()), serde_json::to_value(l.unit()).ok().and_then(|v| v.as_str().map(String::from)))
        })
    };
    let (legal_amount, legal_unit) = limit(parts.legal_limit).map_or((None, None), |(a, u)| (Some(a), u));
    let (promised_amount, promised_unit) = limit(parts.promised_limit).map_or((None, None), |(a, u)| (Some(a), u));
    let now = write.now();
    let code = parts.code.as_ref().map(ToString::to_string).ok_or_else(|| StoreError::Internal("uncoded".into()))?;
    let model = power::ActiveModel {
        unit_id: Set(unit_id),
        code: Set(code),
        name: Set(parts.name.to_string()),
        power_type: Set(parts.power_type.code().to_owned()),
        legal_basis: Set(parts.legal_basis.references().iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")),
        section_id: Set(section_id),
        position: Set(parts.position.as_ref().map(ToString::to_string)),
        legal_limit_amount: Set(legal_amount),
        legal_limit_unit: Set(legal_unit),
        promised_limit_amount: Set(promised_amount),
        promised_limit_unit: Set(promised_unit),
        fee_charged: Set(parts.fee.is_charged()),
        fee_standard: Set(parts.fee.standard().map(str::to_owned)),
        unit_head: Set(parts.unit_head),
        public: Set(parts.public),
        notes: Set(parts.notes.as_ref().map(ToString::to_string)),
        state: Set("published".to_owned()),
        merged_into: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    let snapshot = serde_json::to_string(draft).map_err(|e| StoreError::Internal(e.to_string()))?;
    power_version::ActiveModel {
        power_id: Set(model.id),
        version: Set(1),
        state: Set("published".to_owned()),
        action: Set("publish".to_owned()),
        draft: Set(snapshot),
        actor: Set(write.actor().to_owned()),
        at: Set(now),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pilots_hold_the_reports_492_powers_65_of_unit_heads() {
        assert_eq!(CATALOGUES.iter().map(|c| c.2).sum::<usize>(), 492);
        assert_eq!(CATALOGUES.iter().map(|c| c.3).sum::<usize>(), 65);
        let sections: Vec<String> = ["办公室", "财务股", "人事股", "登记注册股", "法规股"].map(String::from).to_vec();
        for (code, department, count, unit_head) in CATALOGUES {
            let unit = UnitCode::parse(code).unwrap_or_else(|_| panic!("{code}"));
            let drafts = unit_catalogue(&unit, department, *count, *unit_head, &sections);
            assert_eq!(drafts.len(), *count, "{code}");
            assert_eq!(drafts.iter().filter(|d| d.parts().unit_head).count(), *unit_head, "{code}");
            let codes: std::collections::BTreeSet<_> = drafts.iter().map(|d| d.parts().code.clone()).collect();
            assert_eq!(codes.len(), *count, "{code}: codes are unique");
        }
    }
}
