//! The demo trading centre: a year of the county's public resource trading as OCDS
//! compiled releases — road, school, hospital and water works let by open tender with
//! their bids, contracts and payments, and the small goods purchases of the units —
//! including processes that every red-flag indicator catches.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sunlight_domain::catalogue::generator::SplitMix;
use sunlight_domain::policy::Principal;
use sunlight_domain::trading::{DEFAULT_SETTINGS, Settings};

use crate::entity::trading_release;
use crate::{StoreError, Write};

const PREFIX: &str = "ocds-ysl2026";

/// (id, name, unified social credit code).
type Org = (&'static str, &'static str, &'static str);

const BUYERS: &[Org] = &[
    ("JTYS", "演示县交通运输局", "11532601MB0000101A"),
    ("JYJ", "演示县教育局", "11532601MB0000102B"),
    ("WSJK", "演示县卫生健康局", "11532601MB0000103C"),
    ("RMYY", "演示县人民医院", "12532601MB0000104D"),
    ("ZJJ", "演示县住房和城乡建设局", "11532601MB0000105E"),
    ("NYJ", "演示县农业农村局", "11532601MB0000106F"),
    ("CGJ", "演示县城市管理综合行政执法局", "11532601MB0000107G"),
];

const AGENCIES: &[Org] = &[
    ("AG1", "云岭工程招标代理有限公司", "91530100MA6K10001X"),
    ("AG2", "中咨华信项目管理有限公司", "91530100MA6K10002Y"),
];

/// Works contractors, bidding on the tenders in turn.
const CONTRACTORS: &[Org] = &[
    ("C01", "滇中路桥建设有限公司", "91530100MA6K20001A"),
    ("C02", "宏达建设集团有限公司", "91530100MA6K20002B"),
    ("C03", "恒信建筑工程有限公司", "91530100MA6K20003C"),
    ("C04", "鑫源市政工程有限公司", "91530100MA6K20004D"),
    ("C05", "盛世交通建设有限公司", "91530100MA6K20005E"),
    ("C06", "华建水利水电工程有限公司", "91530100MA6K20006F"),
    ("C07", "锦程建筑安装工程有限公司", "91530100MA6K20007G"),
    ("C08", "永固建设工程有限公司", "91530100MA6K20008H"),
];

/// Bids on almost every tender and never wins: the accompanying bidder (陪标) R025 finds.
const ACCOMPANIER: Org = ("C09", "利民建筑劳务有限公司", "91530100MA6K20009J");

/// Goods suppliers and the CPV divisions they sell in; the last sells in every one.
const SUPPLIERS: &[(Org, &[&str])] = &[
    (("G01", "康华医疗器械有限公司", "91530100MA6K30001K"), &["33141000", "33190000"]),
    (("G02", "博文教育科技有限公司", "91530100MA6K30002L"), &["30213000", "32320000"]),
    (("G03", "金桥办公设备有限公司", "91530100MA6K30003M"), &["30192000", "30232000"]),
    (("G04", "美居家具制造有限公司", "91530100MA6K30004N"), &["39130000"]),
    (("G05", "通达汽车销售服务有限公司", "91530100MA6K30005P"), &["34110000", "50110000"]),
    (
        ("G06", "万通综合贸易有限公司", "91530100MA6K30006Q"),
        &["33141000", "30192000", "39130000", "34110000", "44110000", "15800000", "18100000", "90910000"],
    ),
];

const WORKS: &[(&str, &str, &str)] = &[
    ("JTYS", "S307线城关至马街段公路改造工程", "45233120"),
    ("JTYS", "县乡道安全生命防护工程", "45233290"),
    ("JTYS", "农村公路危桥改造工程", "45221111"),
    ("JTYS", "城区至工业园区连接线道路工程", "45233120"),
    ("JYJ", "第二中学教学楼建设工程", "45214200"),
    ("JYJ", "城关第一小学学生宿舍建设工程", "45214200"),
    ("JYJ", "乡镇中心幼儿园改扩建工程", "45214100"),
    ("JYJ", "职业高级中学实训楼建设工程", "45214200"),
    ("RMYY", "县人民医院门诊综合楼建设工程", "45215140"),
    ("RMYY", "县人民医院感染性疾病科改造工程", "45215140"),
    ("WSJK", "乡镇卫生院标准化建设工程", "45215100"),
    ("ZJJ", "老旧小区改造工程（一期）", "45211000"),
    ("ZJJ", "城区污水管网改造工程", "45232410"),
    ("ZJJ", "保障性租赁住房配套基础设施工程", "45211000"),
    ("NYJ", "高标准农田建设项目（东片区）", "45112000"),
    ("NYJ", "农村饮水安全巩固提升工程", "45232150"),
    ("CGJ", "城区道路照明提升工程", "45316110"),
    ("CGJ", "城市公园绿化提升工程", "45112700"),
];

const GOODS: &[(&str, &str)] = &[
    ("33141000", "医用耗材"),
    ("33190000", "医疗设备"),
    ("30213000", "多媒体教学设备"),
    ("32320000", "录播教室设备"),
    ("30192000", "办公用品"),
    ("30232000", "打印复印设备"),
    ("39130000", "办公家具"),
    ("34110000", "公务用车"),
    ("50110000", "车辆维修服务"),
    ("44110000", "建筑材料"),
    ("15800000", "食堂食材"),
    ("18100000", "执法服装"),
    ("90910000", "物业保洁服务"),
];

fn org(o: Org) -> Value {
    json!({"id": o.0, "name": o.1})
}

fn party(o: Org, roles: &[&str]) -> Value {
    json!({"id": o.0, "name": o.1, "identifier": {"scheme": "CN-USCC", "id": o.2}, "roles": roles})
}

fn day(offset: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap_or_default();
    (start + chrono::Duration::days(offset)).format("%Y-%m-%dT09:00:00+08:00").to_string()
}

fn money(amount: f64) -> Value {
    json!({"amount": amount, "currency": "CNY"})
}

/// What goes wrong in one tender, if anything.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Twist {
    None,
    /// R003: twelve days to bid.
    ShortPeriod,
    /// R018: one tenderer.
    SingleBidder,
    /// R024: the runner-up within 0.3% of the winner, as if the prices were agreed.
    CloseRunnerUp,
    /// R058: the winner undercut everyone by a third.
    DeepDiscount,
    /// R028: two tenderers with the same price to the yuan.
    IdenticalBids,
    /// R030: the winning bid arrived after the deadline.
    LateBid,
    /// R035: every other bid disqualified.
    OthersDisqualified,
    /// R036: the lowest bid disqualified.
    LowestDisqualified,
    /// S003: paid before the contract was signed.
    EarlyPayment,
    /// S004: the contract grew by a quarter.
    Amended,
}

const TWISTS: [Twist; 14] = [
    Twist::ShortPeriod,
    Twist::SingleBidder,
    Twist::CloseRunnerUp,
    Twist::DeepDiscount,
    Twist::IdenticalBids,
    Twist::LateBid,
    Twist::OthersDisqualified,
    Twist::LowestDisqualified,
    Twist::EarlyPayment,
    Twist::Amended,
    Twist::None,
    Twist::None,
    Twist::None,
    Twist::None,
];

#[allow(clippy::too_many_lines)] // one tender from notice to payment, read best whole
fn works_tender(n: usize, rng: &mut SplitMix, twist: Twist) -> Value {
    let (buyer_id, title, cpv) = WORKS[n % WORKS.len()];
    let buyer = BUYERS.iter().find(|b| b.0 == buyer_id).copied().unwrap_or(BUYERS[0]);
    let agency = AGENCIES[n % AGENCIES.len()];
    let title = if n < WORKS.len() { format!("演示县{title}") } else { format!("演示县{title}（二期）") };
    let start = i64::try_from(n * 8).unwrap_or(0);
    let period = if twist == Twist::ShortPeriod { 12 } else { 21 + i64::try_from(rng.below(10)).unwrap_or(0) };
    let budget = 1_000_000.0 * (3.0 + f64::from(u32::try_from(rng.below(40)).unwrap_or(0)));
    let bidders = if twist == Twist::SingleBidder { 1 } else { 4 + rng.below(3) };
    let mut tenderers: Vec<Org> = (0..bidders).map(|i| CONTRACTORS[(n + i * 3) % CONTRACTORS.len()]).collect();
    if bidders > 1 && twist == Twist::None {
        tenderers.push(ACCOMPANIER);
    } else if bidders > 1 {
        tenderers[bidders - 1] = ACCOMPANIER;
    }
    // Bids: the winner (first) a few per cent under the others, in the usual spread.
    let winning = budget * (0.90 + f64::from(u32::try_from(rng.below(5)).unwrap_or(0)) / 100.0);
    let mut prices: Vec<f64> = (0..tenderers.len())
        .map(|i| {
            if i == 0 {
                winning
            } else {
                let gap = 0.05 + f64::from(u32::try_from(rng.below(30)).unwrap_or(0)) / 1000.0;
                (winning * (1.0 + gap + f64::from(u32::try_from(i - 1).unwrap_or(0)) / 100.0)).round()
            }
        })
        .collect();
    let mut statuses = vec!["valid"; tenderers.len()];
    match twist {
        Twist::CloseRunnerUp if prices.len() > 1 => prices[1] = (winning * 1.003).round(),
        Twist::DeepDiscount => prices[0] = (prices[0] * 0.62).round(),
        Twist::IdenticalBids if prices.len() > 2 => prices[2] = prices[1],
        Twist::OthersDisqualified => statuses.iter_mut().skip(1).for_each(|s| *s = "disqualified"),
        Twist::LowestDisqualified if prices.len() > 1 => {
            prices[1] = (winning * 0.93).round();
            statuses[1] = "disqualified";
        }
        _ => {}
    }
    let winning = prices[0];
    let end = start + period;
    let bids: Vec<Value> = tenderers
        .iter()
        .zip(&prices)
        .zip(&statuses)
        .enumerate()
        .map(|(i, ((t, price), status))| {
            let date = if i == 0 && twist == Twist::LateBid { day(end + 1) } else { day(end - 1) };
            json!({"id": format!("{n}-bid-{i}"), "date": date, "status": status, "tenderers": [org(*t)],
                   "value": money(*price)})
        })
        .collect();
    let winner = tenderers[0];
    let signed = end + 20;
    let contract_value = if twist == Twist::Amended { (winning * 1.25).round() } else { winning };
    let first_payment = if twist == Twist::EarlyPayment { end + 10 } else { signed + 15 };
    let mut contract = json!({
        "id": format!("{n}-contract"), "awardID": format!("{n}-award"), "title": format!("{title}施工合同"),
        "status": "active", "dateSigned": day(signed), "value": money(contract_value),
        "implementation": {
            "transactions": [
                {"id": format!("{n}-pay-1"), "date": day(first_payment), "value": money((winning * 0.3).round()),
                 "payer": org(buyer), "payee": org(winner)},
                {"id": format!("{n}-pay-2"), "date": day(signed + 120), "value": money((winning * 0.4).round()),
                 "payer": org(buyer), "payee": org(winner)}
            ]
        }
    });
    if twist == Twist::Amended {
        contract["amendments"] = json!([{"date": day(signed + 90), "rationale": "设计变更增加工程量",
            "changes": [{"property": "value", "former_value": money(winning)}]}]);
    }
    let mut parties = vec![party(buyer, &["buyer"]), party(agency, &["procuringEntity"])];
    parties.extend(
        tenderers.iter().map(|t| party(*t, if t.0 == winner.0 { &["tenderer", "supplier"] } else { &["tenderer"] })),
    );
    json!({
        "ocid": format!("{PREFIX}-GC{n:04}"),
        "id": format!("{PREFIX}-GC{n:04}-compiled"),
        "date": day(signed),
        "tag": ["compiled"],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": org(buyer),
        "tender": {
            "id": format!("YSLGC-2026-{n:03}"), "title": title, "status": "complete",
            "procurementMethod": "open", "procurementMethodDetails": "公开招标",
            "mainProcurementCategory": "works", "value": money(budget),
            "tenderPeriod": {"startDate": day(start), "endDate": day(end)},
            "numberOfTenderers": tenderers.len(),
            "procuringEntity": org(agency),
            "items": [{"id": "1", "description": title, "classification": {"scheme": "CPV", "id": cpv}}]
        },
        "bids": {"details": bids},
        "awards": [{"id": format!("{n}-award"), "status": "active", "date": day(end + 7), "value": money(winning),
                    "suppliers": [org(winner)],
                    "items": [{"id": "1", "classification": {"scheme": "CPV", "id": cpv}}]}],
        "contracts": [contract]
    })
}

/// A small purchase (询价 or 竞争性谈判) of goods or services, awarded without bids on file.
fn small_purchase(n: usize, buyer: Org, supplier: Org, cpv: &str, amount: f64, date: i64, method: &str) -> Value {
    let what = GOODS.iter().find(|g| g.0 == cpv).map_or("物资", |g| g.1);
    let title = format!("{}{what}采购", buyer.1);
    let details = if method == "limited" { "竞争性谈判" } else { "询价" };
    json!({
        "ocid": format!("{PREFIX}-CG{n:04}"),
        "id": format!("{PREFIX}-CG{n:04}-compiled"),
        "date": day(date),
        "tag": ["compiled"],
        "initiationType": "tender",
        "language": "zh",
        "parties": [party(buyer, &["buyer"]), party(supplier, &["supplier"])],
        "buyer": org(buyer),
        "tender": {"id": format!("YSLCG-2026-{n:03}"), "title": title, "status": "complete",
                   "procurementMethod": method, "procurementMethodDetails": details,
                   "mainProcurementCategory": "goods", "value": money(amount),
                   "items": [{"id": "1", "description": what, "classification": {"scheme": "CPV", "id": cpv}}]},
        "awards": [{"id": format!("{n}-award"), "status": "active", "date": day(date), "value": money(amount),
                    "suppliers": [org(supplier)],
                    "items": [{"id": "1", "classification": {"scheme": "CPV", "id": cpv}}]}],
        "contracts": [{"id": format!("{n}-contract"), "awardID": format!("{n}-award"), "status": "terminated",
                       "dateSigned": day(date + 3), "value": money(amount),
                       "implementation": {
                           "milestones": [{"id": "1", "type": "delivery", "status": "met", "dateMet": day(date + 20)}],
                           "transactions": [{"id": format!("{n}-pay"), "date": day(date + 30), "value": money(amount),
                                             "payer": org(buyer), "payee": org(supplier)}]}}]
    })
}

/// The demo releases, the same every time.
pub(super) fn demo_releases() -> Vec<Value> {
    let mut rng = SplitMix::new(2026);
    let mut releases = Vec::new();
    // Thirty-six works tenders, every tenth-odd one with something wrong.
    for n in 0..36 {
        let mut release = works_tender(n, &mut rng, TWISTS[n % TWISTS.len()]);
        // The last four are still under way: two awarded, two still open for bids.
        if n >= 32 {
            if let Some(object) = release.as_object_mut() {
                object.remove("contracts");
                if n >= 34 {
                    object.remove("awards");
                }
            }
            if n >= 34 {
                release["tender"]["status"] = json!("active");
            }
        }
        releases.push(release);
    }
    // Small purchases: each supplier wins at least twenty-two processes (R048 only
    // compares suppliers with twenty or more), spread over the units and the year.
    let mut n = 0;
    for (s, (supplier, divisions)) in SUPPLIERS.iter().enumerate() {
        for k in 0..22 {
            let buyer = BUYERS[(s + k) % BUYERS.len()];
            let cpv = divisions[k % divisions.len()];
            let amount = 20_000.0 + f64::from(u32::try_from(rng.below(130)).unwrap_or(0)) * 1000.0;
            let date = i64::try_from((k * 16 + s * 3) % 360).unwrap_or(0);
            let mut release = small_purchase(n, buyer, *supplier, cpv, amount, date, "selective");
            // The year's last purchases are signed but not yet delivered or paid.
            if k >= 20 {
                release["contracts"][0]["status"] = json!("active");
                if let Some(contract) = release["contracts"][0].as_object_mut() {
                    contract.remove("implementation");
                }
            }
            releases.push(release);
            n += 1;
        }
    }
    let hospital = BUYERS[3];
    let medical = SUPPLIERS[0].0;
    // S001: three furniture purchases of 900,000 within two months, one supplier.
    for (k, date) in [40, 62, 85].into_iter().enumerate() {
        let amount = 900_000.0 + f64::from(u32::try_from(k).unwrap_or(0)) * 10_000.0;
        releases.push(small_purchase(n, BUYERS[1], SUPPLIERS[3].0, "39130000", amount, date, "selective"));
        n += 1;
    }
    // S002 and S005: the hospital buys its equipment from one supplier, twice by
    // negotiation above the open-tender threshold.
    for (amount, method) in [(2_600_000.0, "limited"), (3_100_000.0, "limited"), (1_200_000.0, "selective")] {
        releases.push(small_purchase(
            n,
            hospital,
            medical,
            "33190000",
            amount,
            100 + i64::try_from(n % 50).unwrap_or(0),
            method,
        ));
        n += 1;
    }
    // An imported CT scanner priced in dollars: counted apart, never added to yuan.
    let mut ct = small_purchase(n, hospital, medical, "33190000", 480_000.0, 150, "selective");
    ct["tender"]["value"]["currency"] = json!("USD");
    ct["awards"][0]["value"]["currency"] = json!("USD");
    ct["contracts"][0]["value"]["currency"] = json!("USD");
    ct["contracts"][0]["implementation"]["transactions"][0]["value"]["currency"] = json!("USD");
    ct["tender"]["title"] = json!("县人民医院进口CT设备采购");
    releases.push(ct);
    releases
}

/// Imports the demo releases and runs the red-flag engine over them, when the
/// trading centre holds nothing yet; returns the processes imported.
pub(super) async fn build(write: &mut Write, system: &Principal) -> Result<usize, StoreError> {
    if trading_release::Entity::find().count(write.txn()).await? > 0 {
        return Ok(0);
    }
    let lines: Vec<String> = demo_releases().iter().map(Value::to_string).collect();
    let summary = crate::trading::import_into(write, system, &lines.join("\n")).await?;
    let settings = Settings::from_ini(DEFAULT_SETTINGS).map_err(|e| StoreError::Internal(e.to_string()))?;
    crate::trading_alerts::run_into(write, &settings).await?;
    usize::try_from(summary.ocids_created).map_err(|e| StoreError::Internal(e.to_string()))
}

/// The commission has already dealt with some alerts: a few acknowledged, explained,
/// closed or escalated, so the lifecycle shows on every page.
pub(super) async fn handle_some_alerts(store: &crate::Store, system: &Principal) -> Result<(), StoreError> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    use sunlight_domain::text::Note;
    use sunlight_domain::trading::alert_state::AlertState as S;

    use crate::entity::trading_alert;

    let alerts = trading_alert::Entity::find()
        .filter(trading_alert::Column::State.eq(S::Raised.key()))
        .order_by_asc(trading_alert::Column::Id)
        .all(store.connection())
        .await?;
    let note = |text: &str| Note::parse(text).ok();
    for (n, alert) in alerts.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
        let steps: &[(S, &str)] = match n % 4 {
            0 => &[(S::Acknowledged, "已转交业务科室核实")],
            1 => &[(S::Acknowledged, "已约谈采购人"), (S::Explained, "经核实，系设计变更所致，已履行审批程序")],
            2 => &[
                (S::Acknowledged, "已调取投标文件"),
                (S::Explained, "投标文件由不同单位编制，报价相同系巧合"),
                (S::Closed, "经县纪委审核，予以销号"),
            ],
            _ => &[(S::Escalated, "疑似串通投标，移交县纪委监委调查")],
        };
        for (to, comment) in steps {
            crate::trading_alerts::transition_alert(store, system, alert.id, *to, note(comment)).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use sunlight_domain::trading::{DEFAULT_SETTINGS, Settings, run_indicators_on_releases};

    use super::*;

    #[test]
    fn every_indicator_finds_something_in_the_demo() {
        let releases = demo_releases();
        let settings = Settings::from_ini(DEFAULT_SETTINGS).unwrap_or_default();
        let output = run_indicators_on_releases(&releases, &settings);
        let json: Value = serde_json::from_str(&output.to_cardinal_json(false)).unwrap_or_default();
        let mut found = BTreeSet::new();
        for group in ["OCID", "Buyer", "ProcuringEntity", "Tenderer"] {
            if let Some(ids) = json[group].as_object() {
                for indicators in ids.values() {
                    found.extend(indicators.as_object().into_iter().flat_map(|m| m.keys().cloned()));
                }
            }
        }
        let all = [
            "R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058", "S001", "S002",
            "S003", "S004", "S005",
        ];
        let missing: Vec<&str> = all.iter().copied().filter(|c| !found.contains(*c)).collect();
        assert!(missing.is_empty(), "no demo flag for {missing:?}; found {found:?}");
        let unique: BTreeSet<&str> = releases.iter().filter_map(|r| r["ocid"].as_str()).collect();
        assert_eq!(unique.len(), releases.len());
    }
}
