//! Writing a catalogue, or an empty template, as .xlsx with Chinese headers that
//! [`crate::catalogue::xlsx_import`] reads back.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::catalogue::column::Column;
use crate::catalogue::draft::PowerDraft;
use crate::org::UnitCode;

/// The sheet that holds the powers.
pub const CATALOGUE_SHEET: &str = "职权目录";
/// The template's sheet that explains the columns; import skips it.
pub const NOTES_SHEET: &str = "填写说明";

#[derive(Debug, thiserror::Error)]
#[error("xlsx writer: {0}")]
pub struct ExportError(#[from] XlsxError);

/// The catalogue, one power per row, every column.
pub fn export_xlsx(powers: &[PowerDraft]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_header(sheet)?;
    for (index, power) in powers.iter().enumerate() {
        let row = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, column) in (0u16..).zip(Column::ALL) {
            if let Some(text) = power.cell(*column) {
                sheet.write_string(row, col, text)?;
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// An empty catalogue for `unit`: the headers, one example row to overwrite, and a
/// sheet explaining each column.
pub fn template_xlsx(unit: &UnitCode) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_header(sheet)?;
    let example = Format::new().set_font_color(Color::Gray);
    for (col, column) in (0u16..).zip(Column::ALL) {
        let text = match column {
            Column::Unit => unit.as_str(),
            other => example_cell(*other),
        };
        if !text.is_empty() {
            sheet.write_string_with_format(1, col, text, &example)?;
        }
    }
    let notes = workbook.add_worksheet();
    notes.set_name(NOTES_SHEET)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (col, title) in (0u16..).zip(["列名", "英文列名", "必填", "填写说明"]) {
        notes.write_string_with_format(0, col, title, &bold)?;
    }
    for (row, column) in (1u32..).zip(Column::ALL) {
        notes.write_string(row, 0, column.header_zh())?;
        notes.write_string(row, 1, column.key())?;
        notes.write_string(row, 2, if column.is_required() { "是" } else { "否" })?;
        notes.write_string_with_format(row, 3, explanation(*column), &wrap)?;
    }
    notes.set_column_width(0, 14)?;
    notes.set_column_width(1, 16)?;
    notes.set_column_width(3, 80)?;
    Ok(workbook.save_to_buffer()?)
}

fn write_header(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_name(CATALOGUE_SHEET)?;
    let header = Format::new().set_bold().set_background_color(Color::RGB(0x00DD_EBF7)).set_border(FormatBorder::Thin);
    for (col, column) in (0u16..).zip(Column::ALL) {
        sheet.write_string_with_format(0, col, column.header_zh(), &header)?;
        let width = match column {
            Column::Name | Column::LegalBasis | Column::FeeStandard | Column::Notes => 40.0,
            _ => 14.0,
        };
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn example_cell(column: Column) -> &'static str {
    match column {
        Column::Code | Column::Unit | Column::Position | Column::Notes | Column::FeeStandard => "",
        Column::Name => "食品经营许可",
        Column::Type => "行政许可",
        Column::LegalBasis => "《中华人民共和国食品安全法》第三十五条；《中华人民共和国行政许可法》第四十二条",
        Column::LegalLimit => "20个工作日",
        Column::PromisedLimit => "10个工作日",
        Column::Fee | Column::UnitHead => "否",
        Column::Section => "食品经营监管股",
        Column::Public => "是",
    }
}

fn explanation(column: Column) -> &'static str {
    match column {
        Column::Code => {
            "可留空，由系统按“单位编码+类型代码+三位序号”分配（如 SCJGXK001）；已有编码请照填，文件内不得重复。"
        }
        Column::Name => {
            "权力事项的规范名称，处罚类事项写明违法行为，如“对未取得食品经营许可从事食品经营活动的行政处罚”。"
        }
        Column::Type => {
            "行政许可、行政处罚、行政强制、行政征收、行政给付、行政检查、行政确认、行政奖励、行政裁决、其他行政权力（省里启用时还可填公共服务）；也可填两字母代码如 XK。"
        }
        Column::Unit => "本单位编码或全称；留空即为导入时选定的单位。",
        Column::LegalBasis => "法律、法规、规章的名称和条款，多条用分号或换行分隔。",
        Column::LegalLimit => "如“20个工作日”“15日”；没有法定时限的留空。",
        Column::PromisedLimit => "对外承诺的办结时限，不得长于法定时限。",
        Column::Fee => "是/否；留空视为否。",
        Column::FeeStandard => "收费的须填写收费依据和标准；不收费的留空。",
        Column::Section => "承办该事项的科室（股室），须是本单位已登记的科室。",
        Column::Position => "承办岗位，可留空。",
        Column::UnitHead => "是否由单位一把手直接行使的职权：是/否，留空视为否。",
        Column::Public => "是否在门户网站公开：是/否，留空视为是。",
        Column::Notes => "其他需要说明的情况。",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::catalogue::generator::generate_catalogue;
    use crate::catalogue::power_type::PowerTypes;
    use crate::catalogue::row::RowContext;
    use crate::catalogue::xlsx_import::{ImportLimits, import_xlsx};

    #[test]
    fn export_then_import_round_trips() {
        let unit = UnitCode::parse("SCJG").unwrap();
        let powers = generate_catalogue(&unit, 300, 7);
        let bytes = export_xlsx(&powers).unwrap();
        let known = |_: &str| true;
        let context =
            RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
        let imported = import_xlsx(&bytes, &context, &ImportLimits::default()).unwrap();
        assert_eq!(imported.len(), powers.len());
        for (row, (imported, original)) in imported.iter().zip(&powers).enumerate() {
            assert_eq!(&imported.draft, original);
            assert_eq!(imported.sheet, CATALOGUE_SHEET);
            assert_eq!(imported.row as usize, row + 2);
        }
    }

    #[test]
    fn template_example_imports_and_notes_are_skipped() {
        let unit = UnitCode::parse("SCJG").unwrap();
        let bytes = template_xlsx(&unit).unwrap();
        let known = |s: &str| s == "食品经营监管股";
        let context =
            RowContext { unit: &unit, unit_name: None, power_types: PowerTypes::default(), known_section: &known };
        let imported = import_xlsx(&bytes, &context, &ImportLimits::default()).unwrap();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].draft.parts().name.as_str(), "食品经营许可");
    }
}
