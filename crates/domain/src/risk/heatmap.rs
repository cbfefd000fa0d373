//! Heat maps of risk as SVG: levels × units, or harm × probability. Every cell
//! carries its count and its level in words, so the map reads without colour.

use std::fmt::Write as _;

use crate::risk::model::{FactorValues, Level, RiskModel};
use crate::text::xml_escape;

/// A grid to draw: row and column labels, and one cell per (row, column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatMap {
    pub title: String,
    /// Caption of the row labels' axis and of the columns' axis.
    pub row_axis: String,
    pub column_axis: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `cells[row][column]`; missing cells are drawn empty.
    pub cells: Vec<Vec<HeatCell>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatCell {
    pub count: u32,
    /// The level whose colour and words the cell shows; `None` draws it grey.
    pub level: Option<Level>,
}

/// Counts of risk points by unit (rows) and level (columns, rank 1 first).
/// `counts[u][r]` is unit `u`'s number of points of rank `r + 1`.
#[must_use]
pub fn levels_by_unit(model: &RiskModel, units: &[(String, Vec<u32>)]) -> HeatMap {
    let levels = model.levels();
    HeatMap {
        title: "风险等级分布".into(),
        row_axis: "单位".into(),
        column_axis: "风险等级".into(),
        rows: units.iter().map(|(name, _)| name.clone()).collect(),
        columns: levels.iter().map(|l| format!("{}（{}）", l.name_zh, l.colour_zh)).collect(),
        cells: units
            .iter()
            .map(|(_, counts)| {
                levels
                    .iter()
                    .enumerate()
                    .map(|(i, level)| {
                        let count = counts.get(i).copied().unwrap_or(0);
                        HeatCell { count, level: (count > 0).then(|| level.clone()) }
                    })
                    .collect()
            })
            .collect(),
    }
}

/// A 5 × 5 grid of harm (rows, 5 at the top) against probability of violation
/// (columns), counting the given (harm, probability) grades. Each cell takes the
/// level the model gives a point graded that way with middling other factors.
#[must_use]
pub fn harm_by_probability(model: &RiskModel, points: &[(u8, u8)]) -> HeatMap {
    let grades: Vec<u8> = (1..=5).collect();
    let cells = grades
        .iter()
        .rev()
        .map(|&harm| {
            grades
                .iter()
                .map(|&probability| {
                    let count = points.iter().filter(|p| **p == (harm, probability)).count();
                    let values = FactorValues { risk_points: 3, importance: 3, frequency: 3, probability, harm };
                    HeatCell {
                        count: u32::try_from(count).unwrap_or(u32::MAX),
                        level: model.assess(&values).ok().map(|(_, l)| l.clone()),
                    }
                })
                .collect()
        })
        .collect();
    HeatMap {
        title: "风险矩阵".into(),
        row_axis: "危害程度".into(),
        column_axis: "违规可能性".into(),
        rows: grades.iter().rev().map(u8::to_string).collect(),
        columns: grades.iter().map(u8::to_string).collect(),
        cells,
    }
}

const CELL_W: usize = 96;
const CELL_H: usize = 44;
const LABEL_W: usize = 160;
const TOP: usize = 64;

/// The map as a standalone SVG document; all text is escaped.
#[must_use]
pub fn render_svg(map: &HeatMap) -> String {
    let width = LABEL_W + CELL_W * map.columns.len() + 16;
    let height = TOP + CELL_H * map.rows.len() + 16;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="heatmap-title" font-family="sans-serif" font-size="13">"#
    );
    let _ = write!(
        svg,
        r#"<title id="heatmap-title">{}</title><text x="8" y="20" font-size="16" font-weight="bold">{}</text>"#,
        xml_escape(&map.title),
        xml_escape(&map.title)
    );
    let _ = write!(
        svg,
        r#"<text x="8" y="{}">{} \ {}</text>"#,
        TOP - 10,
        xml_escape(&map.row_axis),
        xml_escape(&map.column_axis)
    );
    for (c, label) in map.columns.iter().enumerate() {
        let x = LABEL_W + c * CELL_W + CELL_W / 2;
        let _ = write!(svg, r#"<text x="{x}" y="{}" text-anchor="middle">{}</text>"#, TOP - 10, xml_escape(label));
    }
    for (r, label) in map.rows.iter().enumerate() {
        let y = TOP + r * CELL_H;
        let _ = write!(svg, r#"<text x="8" y="{}">{}</text>"#, y + CELL_H / 2 + 5, xml_escape(label));
        for c in 0..map.columns.len() {
            let cell = map.cells.get(r).and_then(|row| row.get(c));
            let x = LABEL_W + c * CELL_W;
            let (fill, words) = match cell.and_then(|cell| cell.level.as_ref()) {
                Some(level) => (level.colour.as_str(), level.name_zh.as_str()),
                None => ("#eeeeee", ""),
            };
            let count = cell.map_or(0, |cell| cell.count);
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" stroke="#ffffff"/>"##
            );
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="middle">{count}{}{}</text>"#,
                x + CELL_W / 2,
                y + CELL_H / 2 + 5,
                if words.is_empty() { "" } else { " · " },
                xml_escape(words)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_map_has_words_and_escapes_names() {
        let model = RiskModel::default();
        let map =
            levels_by_unit(&model, &[("县市场监督管理局".into(), vec![3, 5, 9]), ("<script>&\"'".into(), vec![0, 1])]);
        let svg = render_svg(&map);
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("3 · 一级"));
        assert!(svg.contains("一级（红）"));
        assert!(svg.contains("#d7191c"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&#39;"));
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<rect").count(), 6);
    }

    #[test]
    fn matrix_counts_points_by_grade() {
        let model = RiskModel::default();
        let map = harm_by_probability(&model, &[(5, 5), (5, 5), (1, 1)]);
        assert_eq!(map.cells.len(), 5);
        assert_eq!(map.cells[0][4].count, 2);
        assert_eq!(map.cells[4][0].count, 1);
        assert!(map.cells.iter().flatten().all(|c| c.level.is_some()));
        let top = map.cells[0][4].level.as_ref().map(|l| l.rank);
        let bottom = map.cells[4][0].level.as_ref().map(|l| l.rank);
        assert!(top < bottom, "{top:?} {bottom:?}");
        assert!(render_svg(&map).contains("2 · "));
    }
}
