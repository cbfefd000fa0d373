//! The demo screens (电子显示屏): the halls of the government service centre, the
//! public resource trading centre and the pilot units, each with its own panels; some
//! pilot units' halls and county screens show a published flowchart (only the pilots'
//! powers have demo charts, and a screen whose unit has none leaves the panel out).

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sunlight_domain::screen::{Panel, ScreenInput};
use sunlight_domain::text::Name;

use crate::entity::{display_screen, unit};
use crate::{StoreError, Write};

use Panel::{
    CardsOpen as K, CasesToday as D, CatalogueFigures as C, Flowchart as F, PublishedPowers as P, RecentReplies as Q,
    RiskLevels as R, TradingAlerts as T,
};

/// (name, location, unit code or none for the county's halls, panels, seconds).
type DemoScreen = (&'static str, &'static str, Option<&'static str>, &'static [Panel], i32);

const SCREENS: &[DemoScreen] = &[
    ("政务中心一楼东侧屏", "县政务服务中心大厅一楼东侧", Some("XZSP"), &[P, D, K, C, R], 15),
    ("政务中心一楼西侧屏", "县政务服务中心大厅一楼西侧", Some("XZSP"), &[C, P], 15),
    ("政务中心二楼等候区屏", "县政务服务中心二楼等候区", Some("XZSP"), &[P], 20),
    ("交易中心开标大厅屏", "县公共资源交易中心开标大厅", Some("GGZY"), &[T, C], 20),
    ("交易中心入口屏", "县公共资源交易中心一楼入口", Some("GGZY"), &[T, P], 15),
    ("市场监管局办事大厅屏", "县市场监督管理局办事大厅", Some("SCJG"), &[P, F, D, K, R, C], 15),
    ("不动产登记大厅屏", "县自然资源和规划局不动产登记中心大厅", Some("ZRZY"), &[P, F, C], 20),
    ("住建局窗口屏", "县住房和城乡建设局一楼服务窗口", Some("ZJJ"), &[P, F, R], 15),
    ("交通运输局大厅屏", "县交通运输局综合服务大厅", Some("JTYS"), &[C, P, R], 15),
    ("社保大厅屏", "县人力资源和社会保障局社会保险服务大厅", Some("RSJ"), &[P, F, C], 20),
    ("卫健局门厅屏", "县卫生健康局一楼门厅", Some("WSJK"), &[R, P], 15),
    ("人民医院门诊大厅屏", "县人民医院门诊大厅", Some("RMYY"), &[P, C], 20),
    ("纪委监委接访大厅屏", "县纪委监委信访接待大厅", None, &[C, R, K, Q, T], 20),
    ("县委大院宣传屏", "县委大院东门宣传栏", None, &[C, R, D, K, Q, T, P, F], 30),
    ("便民服务广场户外屏", "县城人民广场便民服务站", None, &[P, C], 30),
    ("乡镇便民服务中心屏", "城关镇便民服务中心大厅", None, &[P, F], 20),
];

/// Creates the demo screens unless screens exist; returns how many it created.
pub(super) async fn build(write: &mut Write) -> Result<usize, StoreError> {
    if display_screen::Entity::find().count(write.txn()).await? > 0 {
        return Ok(0);
    }
    let codes: Vec<&str> = SCREENS.iter().filter_map(|s| s.2).collect();
    let units = unit::Entity::find().filter(unit::Column::Code.is_in(codes)).all(write.txn()).await?;
    let name = |text: &str| Name::parse(text).map_err(|e| StoreError::Internal(format!("demo screen: {}", e.code)));
    for (screen_name, location, code, panels, seconds) in SCREENS {
        let unit_id = match code {
            Some(code) => Some(
                units
                    .iter()
                    .find(|u| u.code == *code)
                    .map(|u| u.id)
                    .ok_or_else(|| StoreError::Internal(format!("demo screen: no unit {code}")))?,
            ),
            None => None,
        };
        let input = ScreenInput {
            name: name(screen_name)?,
            location: name(location)?,
            unit_id,
            panels: panels.to_vec(),
            seconds: *seconds,
        };
        let model = crate::screens::insert(write, &input).await?;
        write.record("display_screen.create", "display_screen", model.id, None::<&()>, Some(&model))?;
    }
    Ok(SCREENS.len())
}
