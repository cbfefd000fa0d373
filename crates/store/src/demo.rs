//! The demo county (演示县): one idempotent builder that later parts extend.
//!
//! Everything it creates goes through one audited write per stage; running it again
//! creates only what is missing, so `serve --demo` on an existing database is safe.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;
use sunlight_domain::org::{PersonTier, UnitCategory};
use sunlight_domain::policy::Principal;

pub use cases::{DemoCaseLookup, demo_code};

use crate::accounts::{self, NewUser};
use crate::entity::{county, person, position, section, sub_commission, unit, user_account};
use crate::{Store, StoreError, Write};

mod cases;
mod catalogue;
mod complaints;
mod design;
mod flowcharts;
mod risk;
mod screens;
mod trading;

pub const COUNTY_NAME: &str = "演示县";
/// The password of every demo account; printed at start, never for real use.
pub const DEMO_PASSWORD: &str = "Sunlight-Demo-2026";

struct DemoUnit {
    code: &'static str,
    name: &'static str,
    category: UnitCategory,
    pilot: bool,
    /// Index into [`SUB_COMMISSIONS`].
    sub_commission: usize,
    /// Cadres of a pilot unit (all tiers); the seven add up to the report's 353.
    cadres: usize,
    sections: &'static [&'static str],
}

const SUB_COMMISSIONS: [&str; 3] = ["县纪委第一纪工委", "县纪委第二纪工委", "县纪委第三纪工委"];

use UnitCategory::{EconomicSocial as ES, LawEnforcement as LE, PublicInstitution as PI};

const UNITS: &[DemoUnit] = &[
    DemoUnit {
        code: "SCJG",
        name: "演示县市场监督管理局",
        category: LE,
        pilot: true,
        sub_commission: 0,
        cadres: 62,
        sections: &[
            "办公室",
            "财务股",
            "人事股",
            "登记注册股",
            "食品安全监管股",
            "药品医疗器械监管股",
            "特种设备安全监察股",
            "价格监督检查股",
            "执法稽查大队",
            "法规股",
        ],
    },
    DemoUnit {
        code: "ZRZY",
        name: "演示县自然资源和规划局",
        category: ES,
        pilot: true,
        sub_commission: 1,
        cadres: 55,
        sections: &[
            "办公室",
            "财务股",
            "人事股",
            "国土空间规划股",
            "耕地保护股",
            "不动产登记中心",
            "土地储备中心",
            "执法监察大队",
            "矿产资源管理股",
        ],
    },
    DemoUnit {
        code: "ZJJ",
        name: "演示县住房和城乡建设局",
        category: ES,
        pilot: true,
        sub_commission: 1,
        cadres: 51,
        sections: &[
            "办公室",
            "财务股",
            "人事股",
            "建筑市场监管股",
            "房地产市场监管股",
            "质量安全监督站",
            "村镇建设股",
            "住房保障股",
            "城建档案馆",
        ],
    },
    DemoUnit {
        code: "JTYS",
        name: "演示县交通运输局",
        category: LE,
        pilot: true,
        sub_commission: 0,
        cadres: 48,
        sections: &[
            "办公室",
            "财务股",
            "人事股",
            "综合运输股",
            "公路建设管理股",
            "交通运输综合行政执法大队",
            "道路运输服务中心",
            "安全监督股",
        ],
    },
    DemoUnit {
        code: "RSJ",
        name: "演示县人力资源和社会保障局",
        category: ES,
        pilot: true,
        sub_commission: 1,
        cadres: 47,
        sections: &[
            "办公室",
            "财务股",
            "人事股",
            "就业促进股",
            "社会保险中心",
            "劳动保障监察大队",
            "职业能力建设股",
            "劳动人事争议仲裁院",
        ],
    },
    DemoUnit {
        code: "WSJK",
        name: "演示县卫生健康局",
        category: ES,
        pilot: true,
        sub_commission: 1,
        cadres: 45,
        sections: &[
            "办公室",
            "财务股",
            "人事股",
            "医政医管股",
            "疾病预防控制股",
            "卫生监督所",
            "基层卫生股",
            "老龄健康股",
        ],
    },
    DemoUnit {
        code: "RMYY",
        name: "演示县人民医院",
        category: PI,
        pilot: true,
        sub_commission: 2,
        cadres: 45,
        sections: &["院办公室", "财务科", "人事科", "医务科", "护理部", "药剂科", "设备科", "采购中心", "纪检监察室"],
    },
    DemoUnit {
        code: "GAJ",
        name: "演示县公安局",
        category: LE,
        pilot: false,
        sub_commission: 0,
        cadres: 0,
        sections: &["办公室", "警务保障室", "政治处", "治安管理大队", "交通警察大队", "出入境管理大队", "户政科"],
    },
    DemoUnit {
        code: "CGJ",
        name: "演示县城市管理综合行政执法局",
        category: LE,
        pilot: false,
        sub_commission: 0,
        cadres: 0,
        sections: &["办公室", "财务股", "市容环境卫生股", "执法一中队", "执法二中队", "园林绿化股"],
    },
    DemoUnit {
        code: "HBJ",
        name: "演示县生态环境分局",
        category: LE,
        pilot: false,
        sub_commission: 0,
        cadres: 0,
        sections: &["办公室", "环评审批股", "环境监察大队", "环境监测站", "污染防治股"],
    },
    DemoUnit {
        code: "YJJ",
        name: "演示县应急管理局",
        category: LE,
        pilot: false,
        sub_commission: 0,
        cadres: 0,
        sections: &["办公室", "危险化学品安全监管股", "工贸行业安全监管股", "应急救援指挥中心", "执法监察大队"],
    },
    DemoUnit {
        code: "NYJ",
        name: "演示县农业农村局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "财务股", "种植业管理股", "畜牧兽医股", "农村经营管理股", "农业综合执法大队"],
    },
    DemoUnit {
        code: "CZJ",
        name: "演示县财政局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "预算股", "国库支付中心", "政府采购管理股", "农业农村股", "财政监督股"],
    },
    DemoUnit {
        code: "FGJ",
        name: "演示县发展和改革局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "固定资产投资股", "价格认证中心", "经济运行股", "粮食和物资储备股"],
    },
    DemoUnit {
        code: "JYJ",
        name: "演示县教育局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "财务审计股", "人事股", "基础教育股", "学生资助管理中心", "教育督导室"],
    },
    DemoUnit {
        code: "MZJ",
        name: "演示县民政局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "社会救助股", "婚姻登记处", "社会事务股", "养老服务股"],
    },
    DemoUnit {
        code: "YBJ",
        name: "演示县医疗保障局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "待遇保障股", "医药价格和招标采购股", "基金监管股", "医疗保障服务中心"],
    },
    DemoUnit {
        code: "XZSP",
        name: "演示县行政审批局",
        category: ES,
        pilot: false,
        sub_commission: 1,
        cadres: 0,
        sections: &["办公室", "综合受理股", "市场准入审批股", "工程建设项目审批股", "社会事务审批股"],
    },
    DemoUnit {
        code: "GGZY",
        name: "演示县公共资源交易中心",
        category: PI,
        pilot: false,
        sub_commission: 2,
        cadres: 0,
        sections: &["办公室", "交易服务股", "信息技术股", "专家库管理股"],
    },
    DemoUnit {
        code: "GDGS",
        name: "演示县供电公司",
        category: PI,
        pilot: false,
        sub_commission: 2,
        cadres: 0,
        sections: &["综合办公室", "财务资产部", "营销部", "运维检修部", "物资供应中心"],
    },
    DemoUnit {
        code: "ZLS",
        name: "演示县自来水公司",
        category: PI,
        pilot: false,
        sub_commission: 2,
        cadres: 0,
        sections: &["综合办公室", "财务部", "营业所", "供水管网所", "水质检测中心"],
    },
    DemoUnit {
        code: "DYZX",
        name: "演示县第一中学",
        category: PI,
        pilot: false,
        sub_commission: 2,
        cadres: 0,
        sections: &["校长办公室", "教务处", "政教处", "总务处", "财务室"],
    },
];

// Common surnames first, so generated names have a realistic spread.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾",
    "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "崔", "田", "杜", "范", "霍", "孟", "史",
    "常", "武", "耿",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "建国", "志强", "海燕", "红梅", "晓东", "春雨", "立新", "振华", "国庆", "玉兰", "文博",
    "雪梅", "永刚", "德胜", "卫东", "亚楠", "梦琪", "子豪", "浩然", "佳怡", "思远", "红旗", "保国", "俊峰", "丽娟",
    "建军", "淑珍",
];

/// Deterministic names: the demo is the same on every machine.
fn person_name(index: usize) -> String {
    let surname = SURNAMES[(index * 7 + index / SURNAMES.len()) % SURNAMES.len()];
    let given = GIVEN[(index * 13 + index / 3) % GIVEN.len()];
    format!("{surname}{given}")
}

/// Position names by the section they belong to; the flags mark hot positions.
fn positions_for(section: &str) -> Vec<(String, bool, bool, bool)> {
    let head = format!("{section}负责人");
    let mut list = vec![(head, section.contains("人事") || section.contains("政治"), section.contains("财务"), false)];
    let affairs = [
        "审批", "登记", "执法", "监察", "监管", "稽查", "采购", "受理", "准入", "储备", "救助", "基金", "招标", "交易",
        "仲裁",
    ];
    if section.contains("财务") || section.contains("国库") {
        list.push((format!("{section}会计岗"), false, true, false));
        list.push((format!("{section}出纳岗"), false, true, false));
    } else if section.contains("人事") || section.contains("政治") {
        list.push((format!("{section}干部管理岗"), true, false, false));
    } else if affairs.iter().any(|a| section.contains(a)) {
        list.push((format!("{section}经办岗"), false, false, true));
    } else {
        list.push((format!("{section}科员岗"), false, false, false));
    }
    list
}

/// What the builder created this run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoReport {
    pub sub_commissions: usize,
    pub units: usize,
    pub sections: usize,
    pub positions: usize,
    pub persons: usize,
    pub powers: usize,
    pub risk_points: usize,
    pub standards: usize,
    pub trading_projects: usize,
    pub screens: usize,
    pub complaints: usize,
    pub flowcharts: usize,
    pub cases: usize,
    pub accounts: Vec<DemoAccount>,
    /// Demo cases to look up on the portal or a kiosk (number and code).
    pub case_lookups: Vec<cases::DemoCaseLookup>,
}

/// A demo log-in, printed at start.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub login: &'static str,
    pub role: &'static str,
    pub scope: String,
}

/// Builds (or completes) the whole demo county: its organization and accounts, the
/// pilots' catalogue, risk register and design records, reproducing the report's
/// figures.
pub async fn build(store: &Store) -> Result<DemoReport, StoreError> {
    let system = Principal::system("demo");
    let mut report = build_organization(store).await?;
    let mut write = Write::begin(store, &system).await?;
    report.powers = catalogue::build(&mut write).await?;
    report.standards = design::build(&mut write).await?;
    report.risk_points = risk::build(&mut write).await?;
    report.flowcharts = flowcharts::build(&mut write).await?;
    report.trading_projects = trading::build(&mut write, &system).await?;
    report.screens = screens::build(&mut write).await?;
    report.complaints = complaints::build(&mut write).await?;
    let created = report.powers
        + report.standards
        + report.risk_points
        + report.trading_projects
        + report.screens
        + report.complaints
        + report.flowcharts;
    if created > 0 {
        write.commit().await?;
    }
    if report.trading_projects > 0 {
        trading::handle_some_alerts(store, &system).await?;
    }
    report.cases = cases::build(store, &system).await?;
    report.case_lookups = cases::lookups(store).await?;
    Ok(report)
}

/// Builds (or completes) only the organization and the demo accounts: what most
/// tests need, in a fraction of the time.
pub async fn build_organization(store: &Store) -> Result<DemoReport, StoreError> {
    let system = Principal::system("demo");
    let mut report = DemoReport::default();
    if county::Entity::find_by_id(1).one(store.connection()).await?.is_none() {
        let name = sunlight_domain::text::Name::parse(COUNTY_NAME).map_err(|e| StoreError::Internal(e.code.into()))?;
        crate::org::set_county_name(store, &system, &name).await?;
    }
    build_org(store, &system, &mut report).await?;
    build_accounts(store, &system, &mut report).await?;
    Ok(report)
}

#[allow(clippy::too_many_lines)] // one pass over the demo tables, in the order the records depend on each other
async fn build_org(store: &Store, system: &Principal, report: &mut DemoReport) -> Result<(), StoreError> {
    let existing_units = unit::Entity::find()
        .filter(unit::Column::Code.is_in(UNITS.iter().map(|u| u.code)))
        .count(store.connection())
        .await?;
    if usize::try_from(existing_units).is_ok_and(|n| n == UNITS.len()) {
        return Ok(());
    }
    let mut write = Write::begin(store, system).await?;
    let now = write.now();
    let mut sub_commission_ids = Vec::new();
    for name in SUB_COMMISSIONS {
        let found =
            sub_commission::Entity::find().filter(sub_commission::Column::Name.eq(name)).one(write.txn()).await?;
        let model = if let Some(existing) = found {
            existing
        } else {
            let m = sub_commission::ActiveModel {
                name: Set(name.to_owned()),
                active: Set(true),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(write.txn())
            .await?;
            write.record("sub_commission.create", "sub_commission", m.id, None::<&()>, Some(&m))?;
            report.sub_commissions += 1;
            m
        };
        sub_commission_ids.push(model.id);
    }
    let mut person_index = 0;
    for demo in UNITS {
        if unit::Entity::find().filter(unit::Column::Code.eq(demo.code)).one(write.txn()).await?.is_some() {
            continue;
        }
        let unit = unit::ActiveModel {
            code: Set(demo.code.to_owned()),
            name: Set(demo.name.to_owned()),
            category: Set(demo.category.key().to_owned()),
            pilot: Set(demo.pilot),
            sub_commission_id: Set(sub_commission_ids.get(demo.sub_commission).copied()),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(write.txn())
        .await?;
        write.record("unit.create", "unit", unit.id, None::<&()>, Some(&unit))?;
        report.units += 1;

        let mut sections = Vec::new();
        let mut positions = Vec::new();
        for section_name in demo.sections {
            let section = section::ActiveModel {
                unit_id: Set(unit.id),
                name: Set((*section_name).to_owned()),
                active: Set(true),
                ..Default::default()
            }
            .insert(write.txn())
            .await?;
            write.record("section.create", "section", section.id, None::<&()>, Some(&section))?;
            report.sections += 1;
            for (name, personnel, finance, affairs) in positions_for(section_name) {
                let position = position::ActiveModel {
                    unit_id: Set(unit.id),
                    section_id: Set(Some(section.id)),
                    name: Set(name),
                    hot_personnel: Set(personnel),
                    hot_finance: Set(finance),
                    hot_affairs: Set(affairs),
                    active: Set(true),
                    ..Default::default()
                }
                .insert(write.txn())
                .await?;
                write.record("position.create", "position", position.id, None::<&()>, Some(&position))?;
                report.positions += 1;
                positions.push(position);
            }
            sections.push(section);
        }

        for (tier, section_index, role_in_section) in staffing(demo, sections.len()) {
            let section = section_index.and_then(|i| sections.get(i));
            // The head takes the section's first position, the others the next ones in turn.
            let in_section: Vec<&position::Model> =
                positions.iter().filter(|p| section.is_some_and(|s| p.section_id == Some(s.id))).collect();
            let position = role_in_section.and_then(|n| match n {
                0 => in_section.first().copied(),
                n => in_section.get(1 + (n - 1) % in_section.len().saturating_sub(1).max(1)).copied(),
            });
            let person = person::ActiveModel {
                unit_id: Set(unit.id),
                name: Set(person_name(person_index)),
                tier: Set(tier.key().to_owned()),
                section_id: Set(section.map(|s| s.id)),
                position_id: Set(position.map(|p| p.id)),
                active: Set(true),
                ..Default::default()
            }
            .insert(write.txn())
            .await?;
            write.record("person.create", "person", person.id, None::<&()>, Some(&person))?;
            person_index += 1;
            report.persons += 1;
        }
    }
    write.commit().await
}

/// The tiers of a unit's people: one head, a leadership team, a head per section,
/// and for pilot units ordinary cadres up to the unit's total. Each entry is
/// (tier, section index, place in the section: 0 for its head, 1.. for the others).
fn staffing(demo: &DemoUnit, sections: usize) -> Vec<(PersonTier, Option<usize>, Option<usize>)> {
    let leadership = if demo.pilot { 5 } else { 2 };
    let mut people = vec![(PersonTier::UnitHead, None, None)];
    people.extend((0..leadership).map(|_| (PersonTier::Leadership, None, None)));
    if !demo.pilot {
        return people;
    }
    people.extend((0..sections).map(|s| (PersonTier::SectionHead, Some(s), Some(0))));
    let ordinary = demo.cadres.saturating_sub(people.len());
    people.extend((0..ordinary).map(|i| {
        let s = i % sections.max(1);
        (PersonTier::OrdinaryCadre, Some(s), Some(1 + i / sections.max(1)))
    }));
    people
}

const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("admin", "commission_admin", "赵振华"),
    ("jgw1", "sub_commission_staff", "钱立新"),
    ("scjg-admin", "unit_admin", "孙海燕"),
    ("scjg-cadre", "cadre", "李晓东"),
    ("supervisor", "supervisor", "周玉兰"),
];

async fn build_accounts(store: &Store, system: &Principal, report: &mut DemoReport) -> Result<(), StoreError> {
    let scjg = unit::Entity::find().filter(unit::Column::Code.eq("SCJG")).one(store.connection()).await?;
    let zrzy = unit::Entity::find().filter(unit::Column::Code.eq("ZRZY")).one(store.connection()).await?;
    let first_sc = sub_commission::Entity::find()
        .filter(sub_commission::Column::Name.eq(SUB_COMMISSIONS[0]))
        .one(store.connection())
        .await?;
    let (Some(scjg), Some(zrzy), Some(first_sc)) = (scjg, zrzy, first_sc) else {
        return Err(StoreError::Internal("demo units are missing".into()));
    };
    for (login, role, display) in DEMO_ACCOUNTS {
        let scope = match *role {
            "commission_admin" => "全县".to_owned(),
            "sub_commission_staff" => SUB_COMMISSIONS[0].to_owned(),
            "supervisor" => format!("{}、{}", scjg.name, zrzy.name),
            _ => scjg.name.clone(),
        };
        report.accounts.push(DemoAccount { login, role, scope });
        let exists = user_account::Entity::find()
            .filter(user_account::Column::Login.eq(*login))
            .count(store.connection())
            .await?
            > 0;
        if exists {
            continue;
        }
        let new = NewUser {
            login: (*login).to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role: (*role).to_owned(),
            unit_id: matches!(*role, "unit_admin" | "cadre").then_some(scjg.id),
            sub_commission_id: (*role == "sub_commission_staff").then_some(first_sc.id),
            display_name: Some((*display).to_owned()),
            supervised_unit_ids: if *role == "supervisor" { vec![scjg.id, zrzy.id] } else { Vec::new() },
        };
        accounts::create_user(store, system, new).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pilot_units_hold_the_reports_353_cadres() {
        let total: usize = UNITS.iter().filter(|u| u.pilot).map(|u| staffing(u, u.sections.len()).len()).sum();
        assert_eq!(total, 353);
        assert_eq!(UNITS.iter().filter(|u| u.pilot).count(), 7);
    }

    #[test]
    fn every_tier_is_present_in_pilot_units() {
        for unit in UNITS.iter().filter(|u| u.pilot) {
            let tiers: Vec<PersonTier> = staffing(unit, unit.sections.len()).into_iter().map(|(t, _, _)| t).collect();
            for tier in PersonTier::ALL {
                assert!(tiers.contains(tier), "{} lacks {tier}", unit.code);
            }
        }
    }
}
