//! The demo complaints (群众举报/投诉): what people in a county write about its
//! offices — windows that drag their feet, rough enforcement, papers asked for again
//! and again — in every state of their handling, some anonymous, some named, some
//! left unanswered past the five working days for acceptance.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sunlight_domain::complaint::{Category, Complainant, State, Submission, TransitionRequest};
use sunlight_domain::policy::Principal;
use sunlight_domain::text::BoundedText;

use crate::complaints::{submit_into, transition_into};
use crate::entity::{complaint, unit};
use crate::{StoreError, Write};

/// (unit code, category, complainant (name, phone) or anonymous, case number, text,
/// days ago, how far it got, unit routed to, the reply or the reason to decline).
type Demo = (
    &'static str,
    Category,
    Option<(&'static str, &'static str)>,
    Option<&'static str>,
    &'static str,
    i64,
    State,
    Option<&'static str>,
    Option<&'static str>,
);

use Category::{Delay, Inaction, Misconduct, Other};
use State::{Accepted, Closed, Declined, Received, Replied, Routed};

const COMPLAINTS: &[Demo] = &[
    (
        "SCJG",
        Delay,
        None,
        Some("SCJG-2026-0412"),
        "办理营业执照变更，窗口让我回去补材料，第二次去又说还缺一份，前后跑了三趟，每次只告知一项。",
        40,
        Closed,
        Some("SCJG"),
        Some("经核实，窗口人员未执行一次性告知制度，已批评教育并责令整改，今后一次性书面告知所需材料。"),
    ),
    (
        "SCJG",
        Misconduct,
        Some(("王建国", "13908761234")),
        None,
        "市场检查时执法人员态度粗暴，未出示执法证件就要求关门停业。",
        35,
        Replied,
        Some("SCJG"),
        Some("已调取执法记录仪视频，涉事人员未亮证执法属实，已暂停其执法资格并组织培训。"),
    ),
    (
        "SCJG",
        Delay,
        None,
        None,
        "食品经营许可证申请已超过承诺时限十天，电话询问一直说在审核。",
        12,
        Routed,
        Some("SCJG"),
        None,
    ),
    ("SCJG", Inaction, None, None, "反映农贸市场缺斤少两问题多次，没有任何人来查。", 3, Received, None, None),
    (
        "ZRZY",
        Delay,
        Some(("李秀英", "13577012345")),
        Some("ZRZY-BDC-2026-1187"),
        "不动产登记说好十五个工作日，现在一个多月了还没拿到证。",
        30,
        Closed,
        Some("ZRZY"),
        Some("因原始档案缺页需调档核对，已于本周办结发证，并向您致歉。"),
    ),
    ("ZRZY", Inaction, None, None, "村里有人在基本农田上建房，举报后半年没人管。", 20, Routed, Some("ZRZY"), None),
    ("ZRZY", Misconduct, None, None, "土地征收补偿标准没有公示，村干部说了算。", 16, Accepted, None, None),
    (
        "ZRZY",
        Other,
        None,
        None,
        "希望把宅基地审批流程在网上公开。",
        25,
        Declined,
        None,
        Some("不属于举报投诉受理范围，已转为意见建议交由业务科室研究。"),
    ),
    (
        "ZJJ",
        Delay,
        Some(("张伟", "13888123456")),
        Some("ZJJ-SG-2026-0088"),
        "施工许可材料齐全，窗口一直说要等领导签字，拖了两周。",
        28,
        Replied,
        Some("ZJJ"),
        Some("经查，审批环节存在不必要的签批，已取消该环节，许可证已发放。"),
    ),
    ("ZJJ", Misconduct, None, None, "老旧小区改造工程验收走过场，楼道墙皮已经脱落。", 18, Routed, Some("ZJJ"), None),
    ("ZJJ", Inaction, None, None, "小区物业乱收费，向住建局反映后没有回音。", 14, Received, None, None),
    (
        "JTYS",
        Delay,
        None,
        None,
        "道路运输证年审排队一上午，只开了一个窗口。",
        22,
        Closed,
        Some("JTYS"),
        Some("已增设两个年审窗口并推行网上预约，高峰期等待时间已缩短。"),
    ),
    (
        "JTYS",
        Misconduct,
        Some(("陈国强", "15912345678")),
        None,
        "治超检查站工作人员暗示交钱可以不卸货。",
        9,
        Accepted,
        None,
        None,
    ),
    ("JTYS", Inaction, None, None, "县乡道路塌方一个月没修，学生上学绕远路。", 2, Received, None, None),
    (
        "RSJ",
        Delay,
        None,
        Some("RSJ-SB-2026-3021"),
        "社保转移接续申请两个月没有结果，多次电话无人接。",
        26,
        Replied,
        Some("RSJ"),
        Some("因跨省系统对接故障导致延误，现已办结，已安排专人回访。"),
    ),
    ("RSJ", Inaction, None, None, "讨薪投诉后劳动监察大队迟迟不立案。", 15, Received, None, None),
    (
        "RSJ",
        Other,
        Some(("刘芳", "13698765432")),
        None,
        "职称评审结果公示时间太短。",
        19,
        Declined,
        None,
        Some("职称评审公示期符合省级规定，不属于违规行为，已电话向您解释。"),
    ),
    ("WSJK", Misconduct, None, None, "卫生院医生开大处方，让病人自费买指定药店的药。", 24, Routed, Some("WSJK"), None),
    ("WSJK", Delay, None, None, "医师执业注册变更提交十天没有动静。", 11, Received, None, None),
    (
        "RMYY",
        Misconduct,
        Some(("杨丽", "18787654321")),
        None,
        "住院部收费清单有未使用的耗材。",
        33,
        Closed,
        Some("RMYY"),
        Some("经核查确有重复计费，已全额退还并对相关科室通报批评。"),
    ),
    ("RMYY", Inaction, None, None, "医院停车场被占用做商业经营，反映后没人管。", 8, Accepted, None, None),
    (
        "GAJ",
        Delay,
        None,
        Some("GAJ-HZ-2026-0719"),
        "户口迁移办理要求提供已不存在单位的证明，材料重复提交。",
        27,
        Replied,
        Some("GAJ"),
        Some("已通过部门间数据共享核验，无需您再提交该证明，迁移手续已办理。"),
    ),
    ("GAJ", Misconduct, None, None, "交警处理事故时偏向本地车主。", 13, Routed, Some("GAJ"), None),
    (
        "CGJ",
        Misconduct,
        None,
        None,
        "城管执法队员没收小商贩的三轮车，不开任何单据。",
        21,
        Replied,
        Some("CGJ"),
        Some("暂扣物品未出具清单属实，已当面退还并对执法队员进行诫勉谈话。"),
    ),
    (
        "CGJ",
        Misconduct,
        Some(("赵大海", "13312344321")),
        None,
        "执法人员推搡摆摊老人，态度粗暴。",
        6,
        Accepted,
        None,
        None,
    ),
    ("CGJ", Inaction, None, None, "夜间渣土车噪音扰民，多次投诉无果。", 17, Received, None, None),
    ("HBJ", Inaction, None, None, "工业园区企业夜间偷排废气，气味刺鼻。", 10, Routed, Some("HBJ"), None),
    (
        "NYJ",
        Delay,
        None,
        None,
        "耕地地力保护补贴今年还没发。",
        23,
        Closed,
        Some("NYJ"),
        Some("补贴因银行账户信息错误未能发放，已更正并补发到位。"),
    ),
    ("NYJ", Misconduct, None, None, "农机购置补贴申报有人优亲厚友。", 7, Received, None, None),
    (
        "JYJ",
        Misconduct,
        Some(("周敏", "13987651234")),
        None,
        "学校强制学生购买指定教辅资料。",
        29,
        Replied,
        Some("JYJ"),
        Some("已责令学校停止统一征订并退还费用，对校长进行约谈。"),
    ),
    ("JYJ", Delay, None, None, "教师资格认定材料交了一个月没有消息。", 4, Received, None, None),
    ("MZJ", Inaction, None, None, "低保户去世多年仍在领取低保金。", 19, Accepted, None, None),
    (
        "XZSP",
        Delay,
        None,
        None,
        "政务服务大厅取号后等了三个小时，叫号系统经常故障。",
        31,
        Closed,
        Some("XZSP"),
        Some("叫号系统已更换，并增加了午间延时服务。"),
    ),
    ("XZSP", Other, None, None, "建议在大厅增加老年人帮办窗口。", 5, Received, None, None),
    ("GGZY", Misconduct, None, None, "某工程招标文件量身定制资质条件，排斥外地企业。", 18, Routed, Some("GGZY"), None),
    ("YJJ", Inaction, None, None, "砖厂安全隐患举报后一直没有检查。", 12, Received, None, None),
];

fn text<const N: usize>(raw: &str) -> Result<BoundedText<N>, StoreError> {
    BoundedText::parse(raw).map_err(|e| StoreError::Internal(format!("demo complaint: {}", e.code)))
}

/// Builds the demo complaints inside the demo's write; returns how many it created
/// (none when complaints exist).
pub async fn build(write: &mut Write) -> Result<usize, StoreError> {
    if complaint::Entity::find().count(write.txn()).await? > 0 {
        return Ok(0);
    }
    let demo = Principal::system("demo");
    let now = write.now();
    for (code, category, who, case, body, days_ago, last, routed, reply) in COMPLAINTS {
        let unit_id = unit_id(write, code).await?;
        let routed_id = match routed {
            Some(r) => Some(unit_id_required(write, r).await?),
            None => None,
        };
        let complainant = match who {
            Some((name, phone)) => Complainant::Named { name: text(name)?, phone: text(phone)? },
            None => Complainant::Anonymous,
        };
        let submission = Submission {
            complainant,
            category: *category,
            unit_id,
            power_code: None,
            case_number: case.map(text).transpose()?,
            text: text(body)?,
            attachments: Vec::new(),
        };
        let received: DateTime<Utc> = now - Duration::days(*days_ago) - Duration::hours(3);
        let received_day = (received + Duration::hours(8)).date_naive();
        let receipt = submit_into(write, &submission, received_day, Some(received)).await?;
        // The steps up to `last`, a day or two apart.
        let path: &[State] = match last {
            Received => &[],
            Accepted => &[Accepted],
            Declined => &[Declined],
            Routed => &[Accepted, Routed],
            Replied => &[Accepted, Routed, Replied],
            Closed => &[Accepted, Routed, Replied, Closed],
        };
        for (i, to) in path.iter().enumerate() {
            let comment = match to {
                Declined | Replied => reply.unwrap_or_default(),
                Routed => "请于十个工作日内核实办理并答复。",
                _ => "",
            };
            let unit = if *to == Routed { routed_id.map(|u| u.to_string()).unwrap_or_default() } else { String::new() };
            let request = TransitionRequest::parse(to.key(), comment, *to == Declined, &unit)
                .map_err(|_| StoreError::Internal(format!("demo complaint step {to}")))?;
            let step = i64::try_from(i).unwrap_or(0) + 1;
            let at = (received + Duration::days(step * 2)).min(now);
            transition_into(write, &demo, receipt.id, &request, Some(at)).await?;
        }
    }
    Ok(COMPLAINTS.len())
}

async fn unit_id(write: &Write, code: &str) -> Result<Option<i64>, StoreError> {
    Ok(unit::Entity::find().filter(unit::Column::Code.eq(code)).one(write.txn()).await?.map(|u| u.id))
}

async fn unit_id_required(write: &Write, code: &str) -> Result<i64, StoreError> {
    unit_id(write, code).await?.ok_or_else(|| StoreError::Internal(format!("demo complaint: no unit {code}")))
}
