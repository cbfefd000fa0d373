//! Reading a unit's catalogue from an .xlsx file: all rows or every error, never a
//! part of the file.
//!
//! Every worksheet whose header row (within its first rows) names at least the
//! name and type columns is read; other sheets, such as the template's notes, are
//! skipped. Columns are found by header, in any order, Chinese or English (see
//! [`Column::from_header`]); columns with unknown headers are ignored.
//!
//! Whole-file codes: `file_too_large` (`limit` bytes), `not_xlsx`,
//! `uncompressed_too_large` (`limit` bytes), `too_many_rows` (`limit`),
//! `header_missing` (`columns`), `duplicate_column`, `no_rows`, `too_many_errors`
//! (`limit`). Row codes: those of [`parse_row`] and `duplicate_code`
//! (`first_sheet`, `first_row`).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use serde::Serialize;

use crate::catalogue::code::PowerCode;
use crate::catalogue::column::Column;
use crate::catalogue::draft::PowerDraft;
use crate::catalogue::row::{RowContext, parse_row};

/// Bounds that keep one upload from exhausting the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    pub max_bytes: usize,
    /// Sum of the decompressed sizes of the archive's parts: an xlsx is a zip, and a
    /// small zip can inflate to gigabytes.
    pub max_uncompressed: u64,
    pub max_rows: usize,
    /// Past this many errors the rest are summarised by one `too_many_errors`.
    pub max_issues: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self { max_bytes: 20 * 1024 * 1024, max_uncompressed: 200 * 1024 * 1024, max_rows: 50_000, max_issues: 1000 }
    }
}

/// A parsed row and where it came from, so later errors (a database conflict) can
/// still point at the row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedPower {
    pub sheet: String,
    /// The row number as Excel shows it (1-based).
    pub row: u32,
    pub draft: PowerDraft,
}

/// One reason the file was refused. `sheet`, `row` and `header` are absent when
/// the problem concerns the whole file; `header` is the text the file uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportIssue {
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub column: Option<Column>,
    pub header: Option<String>,
    pub code: &'static str,
    pub args: BTreeMap<&'static str, String>,
}

impl ImportIssue {
    fn file(code: &'static str) -> Self {
        Self { sheet: None, row: None, column: None, header: None, code, args: BTreeMap::new() }
    }

    fn arg(mut self, name: &'static str, value: &impl ToString) -> Self {
        self.args.insert(name, value.to_string());
        self
    }
}

/// Rows scanned for the header: catalogues often start with a title and a date line.
const HEADER_SCAN_ROWS: usize = 20;
/// Columns past this are ignored: no catalogue has that many.
const MAX_COLUMN: u32 = 255;
const MAX_ZIP_ENTRIES: usize = 10_000;

/// Reads every power of the file, or reports every problem found.
pub fn import_xlsx(
    bytes: &[u8],
    context: &RowContext<'_>,
    limits: &ImportLimits,
) -> Result<Vec<ImportedPower>, Vec<ImportIssue>> {
    if bytes.len() > limits.max_bytes {
        return Err(vec![ImportIssue::file("file_too_large").arg("limit", &limits.max_bytes)]);
    }
    check_archive(bytes, limits.max_uncompressed).map_err(|issue| vec![issue])?;
    let sheets = read_sheets(bytes, limits)?;
    let mut import =
        Import { context, limits, powers: Vec::new(), issues: Vec::new(), codes: HashMap::new(), data_rows: 0 };
    let mut found_header = false;
    for sheet in &sheets {
        found_header |= import.sheet(sheet)?;
    }
    if !found_header {
        let columns = [Column::Name, Column::Type].map(Column::header_zh).join("、");
        return Err(vec![ImportIssue::file("header_missing").arg("columns", &columns)]);
    }
    if import.issues.is_empty() && import.powers.is_empty() {
        return Err(vec![ImportIssue::file("no_rows")]);
    }
    if import.issues.is_empty() { Ok(import.powers) } else { Err(import.issues) }
}

/// Inflates every part once, counting, before calamine sees the file: the zip's
/// declared sizes can lie, the inflated bytes cannot.
fn check_archive(bytes: &[u8], max_uncompressed: u64) -> Result<(), ImportIssue> {
    let not_xlsx = || ImportIssue::file("not_xlsx");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(not_xlsx());
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|_| not_xlsx())?;
        let shared_strings = entry.name().is_ok_and(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        let budget = max_uncompressed - total;
        let mut limited = entry.take(budget + 1);
        let read = if shared_strings {
            let mut xml = Vec::new();
            let read = limited.read_to_end(&mut xml).map_err(|_| not_xlsx())?;
            if !declared_strings_plausible(&xml) {
                return Err(not_xlsx());
            }
            read as u64
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| not_xlsx())?
        };
        total += read;
        if total > max_uncompressed {
            return Err(ImportIssue::file("uncompressed_too_large").arg("limit", &max_uncompressed));
        }
    }
    Ok(())
}

/// calamine reserves room for the `uniqueCount` its shared-strings part declares
/// before reading a string, and a failed allocation aborts the whole process: a
/// 1 KB file declaring 10¹⁵ strings would take the server down. Each string needs
/// at least 16 bytes of XML (`<si><t></t></si>`), so a larger count is a lie.
/// The part is read the way calamine reads it, up to its `sst` element.
fn declared_strings_plausible(xml: &[u8]) -> bool {
    use quick_xml::events::Event;

    let ceiling = xml.len() / 16 + 1024;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(tag) | Event::Empty(tag)) if tag.local_name().as_ref() == "sst" => {
                return declared_counts(tag.as_bytes()).all(|count| count.is_some_and(|n| n <= ceiling));
            }
            Ok(Event::Eof) => return true,
            // calamine fails on the same error: the file is refused either way.
            Err(_) => return false,
            Ok(_) => buf.clear(),
        }
    }
}

/// Every `uniqueCount` value in a start tag, read from its raw bytes so that no
/// attribute-parsing difference with calamine can hide one; `None` for a value that
/// is not plain digits.
fn declared_counts(tag: &[u8]) -> impl Iterator<Item = Option<usize>> + '_ {
    const KEY: &[u8] = b"uniqueCount";
    (0..tag.len()).filter(|&at| tag[at..].starts_with(KEY)).filter_map(move |at| {
        let rest = tag[at + KEY.len()..].trim_ascii_start();
        let rest = rest.strip_prefix(b"=")?.trim_ascii_start();
        let (&quote, value) = rest.split_first()?;
        if quote != b'"' && quote != b'\'' {
            return Some(None);
        }
        let end = value.iter().position(|&b| b == quote).unwrap_or(value.len());
        let digits = &value[..end];
        if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
            return Some(None);
        }
        Some(std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok()))
    })
}

/// A worksheet's non-empty cells as text, by 0-based row.
struct Sheet {
    name: String,
    rows: BTreeMap<u32, Vec<(u32, String)>>,
}

fn read_sheets(bytes: &[u8], limits: &ImportLimits) -> Result<Vec<Sheet>, Vec<ImportIssue>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|_| vec![ImportIssue::file("not_xlsx")])?;
    let row_cap = limits.max_rows + HEADER_SCAN_ROWS;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        // Chart sheets and broken parts have no cells to import.
        let Ok(mut reader) = workbook.worksheet_cells_reader(&name) else {
            continue;
        };
        let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
        loop {
            let cell = match reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(_) => return Err(vec![ImportIssue::file("not_xlsx")]),
            };
            let (row, col) = cell.get_position();
            if col > MAX_COLUMN {
                continue;
            }
            let Some(text) = cell_text(cell.get_value()) else {
                continue;
            };
            if !rows.contains_key(&row) && rows.len() >= row_cap {
                return Err(vec![ImportIssue::file("too_many_rows").arg("limit", &limits.max_rows)]);
            }
            rows.entry(row).or_default().push((col, text));
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

fn cell_text(value: &DataRef<'_>) -> Option<String> {
    let text = match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => float_text(d.as_f64()),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// Whole numbers as Excel shows them (`20`, not `20.0`): a code or a flag typed as
/// a number must read like the text the user sees.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{f:.0}") } else { f.to_string() }
}

struct Import<'a, 'c> {
    context: &'a RowContext<'c>,
    limits: &'a ImportLimits,
    powers: Vec<ImportedPower>,
    issues: Vec<ImportIssue>,
    /// Each code's first (sheet, row).
    codes: HashMap<PowerCode, (String, u32)>,
    data_rows: usize,
}

impl Import<'_, '_> {
    /// Reads one sheet; `Ok(false)` when it has no catalogue header. `Err` stops the
    /// import: too many rows or too many errors.
    fn sheet(&mut self, sheet: &Sheet) -> Result<bool, Vec<ImportIssue>> {
        let Some((&header_row, header)) = sheet.rows.iter().take(HEADER_SCAN_ROWS).find(|(_, cells)| is_header(cells))
        else {
            return Ok(false);
        };
        let mut columns: BTreeMap<u32, (Column, &str)> = BTreeMap::new();
        let mut seen: BTreeMap<Column, u32> = BTreeMap::new();
        for (col, text) in header {
            let Some(column) = Column::from_header(text) else {
                continue;
            };
            if seen.insert(column, *col).is_some() {
                self.push(Self::issue(sheet, header_row, Some(column), Some(text), "duplicate_column"))?;
            }
            columns.insert(*col, (column, text.as_str()));
        }
        for column in Column::ALL.iter().filter(|c| c.is_required()) {
            if !seen.contains_key(column) {
                let issue = Self::issue(sheet, header_row, Some(*column), None, "header_missing")
                    .arg("columns", &column.header_zh());
                self.push(issue)?;
            }
        }
        if !self.issues.is_empty() {
            return Err(std::mem::take(&mut self.issues));
        }
        let headers: BTreeMap<Column, &str> = columns.values().map(|&(column, text)| (column, text)).collect();
        for (&row, cells) in sheet.rows.range(header_row + 1..) {
            let mut values: BTreeMap<Column, &str> = BTreeMap::new();
            for (col, text) in cells {
                if let Some(&(column, _)) = columns.get(col) {
                    values.insert(column, text.as_str());
                }
            }
            if values.values().all(|v| v.trim().is_empty()) {
                continue;
            }
            self.data_rows += 1;
            if self.data_rows > self.limits.max_rows {
                return Err(vec![ImportIssue::file("too_many_rows").arg("limit", &self.limits.max_rows)]);
            }
            self.row(sheet, row, &values, &headers)?;
        }
        Ok(true)
    }

    fn row(
        &mut self,
        sheet: &Sheet,
        row: u32,
        values: &BTreeMap<Column, &str>,
        headers: &BTreeMap<Column, &str>,
    ) -> Result<(), Vec<ImportIssue>> {
        match parse_row(|column| values.get(&column).copied(), self.context) {
            Ok(draft) => {
                if let Some(code) = &draft.parts().code {
                    let here = (sheet.name.clone(), excel_row(row));
                    if let Some((first_sheet, first_row)) = self.codes.get(code) {
                        let issue = Self::issue(
                            sheet,
                            row,
                            Some(Column::Code),
                            headers.get(&Column::Code).copied(),
                            "duplicate_code",
                        )
                        .arg("first_sheet", &first_sheet)
                        .arg("first_row", &first_row);
                        return self.push(issue);
                    }
                    self.codes.insert(code.clone(), here);
                }
                self.powers.push(ImportedPower { sheet: sheet.name.clone(), row: excel_row(row), draft });
                Ok(())
            }
            Err(errors) => {
                for (field, error) in errors.iter() {
                    let column = field.parse::<Column>().ok();
                    let header = column.map(|c| headers.get(&c).copied().unwrap_or(c.header_zh()));
                    let mut issue = Self::issue(sheet, row, column, header, error.code);
                    if let Some(limit) = error.limit {
                        issue = issue.arg("limit", &limit);
                    }
                    self.push(issue)?;
                }
                Ok(())
            }
        }
    }

    fn issue(sheet: &Sheet, row: u32, column: Option<Column>, header: Option<&str>, code: &'static str) -> ImportIssue {
        ImportIssue {
            sheet: Some(sheet.name.clone()),
            row: Some(excel_row(row)),
            column,
            header: header.map(str::to_owned),
            code,
            args: BTreeMap::new(),
        }
    }

    fn push(&mut self, issue: ImportIssue) -> Result<(), Vec<ImportIssue>> {
        self.issues.push(issue);
        if self.issues.len() >= self.limits.max_issues {
            let mut issues = std::mem::take(&mut self.issues);
            issues.push(ImportIssue::file("too_many_errors").arg("limit", &self.limits.max_issues));
            return Err(issues);
        }
        Ok(())
    }
}

fn is_header(cells: &[(u32, String)]) -> bool {
    let found = |wanted: Column| cells.iter().any(|(_, text)| Column::from_header(text) == Some(wanted));
    found(Column::Name) && found(Column::Type)
}

const fn excel_row(row: u32) -> u32 {
    row.saturating_add(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;
    use rust_xlsxwriter::Workbook;

    use super::*;
    use crate::catalogue::power_type::PowerTypes;
    use crate::org::UnitCode;

    /// An xlsx whose first sheet holds `rows` (the first row written at `start`).
    fn xlsx(rows: &[&[&str]], start: u32) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (r, cells) in (start..).zip(rows) {
            for (c, text) in (0u16..).zip(cells.iter()) {
                if !text.is_empty() {
                    sheet.write_string(r, c, *text).unwrap();
                }
            }
        }
        workbook.save_to_buffer().unwrap()
    }

    fn import(bytes: &[u8]) -> Result<Vec<ImportedPower>, Vec<ImportIssue>> {
        import_with(bytes, &ImportLimits::default())
    }

    fn import_with(bytes: &[u8], limits: &ImportLimits) -> Result<Vec<ImportedPower>, Vec<ImportIssue>> {
        let unit = UnitCode::parse("SCJG").unwrap();
        let known = |s: &str| s != "不存在股";
        let context = RowContext {
            unit: &unit,
            unit_name: Some("县市场监督管理局"),
            power_types: PowerTypes::default(),
            known_section: &known,
        };
        import_xlsx(bytes, &context, limits)
    }

    fn codes(issues: &[ImportIssue]) -> Vec<(Option<u32>, Option<&str>, &str)> {
        issues.iter().map(|i| (i.row, i.header.as_deref(), i.code)).collect()
    }

    const BASIS: &str = "《中华人民共和国食品安全法》第三十五条";

    #[test]
    fn finds_columns_in_any_order_and_language_after_a_title() {
        let bytes = xlsx(
            &[
                &["县市场监督管理局职权目录", "", ""],
                &["", "", ""],
                &["legal_basis", "Type", "名称无关列", "name", "promised limit", "unit_head"],
                &[BASIS, "XK", "x", "食品经营许可", "10 working days", "1"],
                &["", "", "", "", "", ""],
                &[BASIS, "行政检查", "", "食品安全监督检查", "", ""],
            ],
            0,
        );
        let powers = import(&bytes).unwrap();
        assert_eq!(powers.len(), 2);
        assert_eq!(powers[0].row, 4);
        assert_eq!(powers[1].row, 6);
        assert!(powers[0].draft.parts().unit_head);
        assert_eq!(powers[0].draft.parts().promised_limit.map(|l| l.to_string()), Some("10个工作日".to_owned()));
    }

    #[test]
    fn reports_every_row_error_and_no_powers() {
        let bytes = xlsx(
            &[
                &["事项编码", "事项名称", "权力类型", "设定依据", "法定时限", "实施主体", "责任科室"],
                &["SCJGXK001", "食品经营许可", "行政许可", BASIS, "20个工作日", "", ""],
                &["", "", "行政审批", BASIS, "二十天左右", "", ""],
                &["SCJGXK001", "食品生产许可", "许可", BASIS, "", "ZRZY", "不存在股"],
            ],
            0,
        );
        let issues = import(&bytes).unwrap_err();
        assert_eq!(
            codes(&issues),
            vec![
                (Some(3), Some("法定时限"), "unreadable_limit"),
                (Some(3), Some("事项名称"), "required"),
                (Some(3), Some("权力类型"), "unknown_power_type"),
                (Some(4), Some("责任科室"), "unknown_section"),
                (Some(4), Some("实施主体"), "unit_mismatch"),
            ]
        );
        assert!(issues.iter().all(|i| i.sheet.as_deref() == Some("Sheet1")));
    }

    #[test]
    fn duplicate_codes_point_at_the_first() {
        let bytes = xlsx(
            &[
                &["事项编码", "事项名称", "权力类型", "设定依据"],
                &["SCJGXK001", "食品经营许可", "行政许可", BASIS],
                &["scjgxk001", "食品生产许可", "行政许可", BASIS],
            ],
            0,
        );
        let issues = import(&bytes).unwrap_err();
        assert_eq!(codes(&issues), vec![(Some(3), Some("事项编码"), "duplicate_code")]);
        assert_eq!(issues[0].args.get("first_row").map(String::as_str), Some("2"));
    }

    #[test]
    fn header_problems_are_reported() {
        let no_header = xlsx(&[&["序号", "名称"], &["1", "x"]], 0);
        assert_eq!(codes(&import(&no_header).unwrap_err()), vec![(None, None, "header_missing")]);
        let no_basis = xlsx(&[&["事项名称", "权力类型"], &["食品经营许可", "XK"]], 0);
        assert_eq!(codes(&import(&no_basis).unwrap_err()), vec![(Some(1), None, "header_missing")]);
        let twice = xlsx(&[&["事项名称", "权力类型", "设定依据", "name"]], 0);
        assert_eq!(codes(&import(&twice).unwrap_err()), vec![(Some(1), Some("name"), "duplicate_column")]);
        let empty = xlsx(&[&["事项名称", "权力类型", "设定依据"]], 0);
        assert_eq!(codes(&import(&empty).unwrap_err()), vec![(None, None, "no_rows")]);
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in (0u16..).zip(["事项名称", "权力类型", "设定依据", "一把手职权"]) {
            sheet.write_string(0, c, h).unwrap();
        }
        sheet.write_string(1, 0, "食品经营许可").unwrap();
        sheet.write_string(1, 1, "XK").unwrap();
        sheet.write_string(1, 2, BASIS).unwrap();
        sheet.write_number(1, 3, 1.0).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert!(import(&bytes).unwrap()[0].draft.parts().unit_head);
    }

    #[test]
    fn limits_are_enforced() {
        let rows: Vec<[&str; 3]> = std::iter::once(["事项名称", "权力类型", "设定依据"])
            .chain(std::iter::repeat_n(["食品经营许可", "XK", BASIS], 11))
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(<[&str; 3]>::as_slice).collect();
        let bytes = xlsx(&rows, 0);
        let small = ImportLimits { max_rows: 10, ..ImportLimits::default() };
        assert_eq!(codes(&import_with(&bytes, &small).unwrap_err()), vec![(None, None, "too_many_rows")]);
        let tiny_file = ImportLimits { max_bytes: 100, ..ImportLimits::default() };
        assert_eq!(codes(&import_with(&bytes, &tiny_file).unwrap_err()), vec![(None, None, "file_too_large")]);
        let tiny_inflated = ImportLimits { max_uncompressed: 1000, ..ImportLimits::default() };
        assert_eq!(
            codes(&import_with(&bytes, &tiny_inflated).unwrap_err()),
            vec![(None, None, "uncompressed_too_large")]
        );
        let few_errors = ImportLimits { max_issues: 3, ..ImportLimits::default() };
        let bad: Vec<[&str; 3]> = std::iter::once(["事项名称", "权力类型", "设定依据"])
            .chain(std::iter::repeat_n(["", "XK", BASIS], 5))
            .collect();
        let bad: Vec<&[&str]> = bad.iter().map(<[&str; 3]>::as_slice).collect();
        let issues = import_with(&xlsx(&bad, 0), &few_errors).unwrap_err();
        assert_eq!(issues.len(), 4);
        assert_eq!(issues[3].code, "too_many_errors");
    }

    #[test]
    fn far_away_cells_do_not_allocate_the_sheet() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in (0u16..).zip(["事项名称", "权力类型", "设定依据"]) {
            sheet.write_string(0, c, h).unwrap();
        }
        sheet.write_string(1, 0, "食品经营许可").unwrap();
        sheet.write_string(1, 1, "XK").unwrap();
        sheet.write_string(1, 2, BASIS).unwrap();
        sheet.write_string(1_048_575, 16_383, "far").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(import(&bytes).unwrap().len(), 1);
    }

    #[test]
    fn garbage_is_not_xlsx() {
        assert_eq!(codes(&import(b"PK\x03\x04garbage").unwrap_err()), vec![(None, None, "not_xlsx")]);
        assert_eq!(codes(&import(b"").unwrap_err()), vec![(None, None, "not_xlsx")]);
    }

    fn valid_file() -> Vec<u8> {
        xlsx(
            &[
                &["事项编码", "事项名称", "权力类型", "设定依据", "承诺时限"],
                &["SCJGXK001", "食品经营许可", "行政许可", BASIS, "10个工作日"],
                &["", "食品生产许可", "XK", BASIS, "15日"],
            ],
            0,
        )
    }

    /// The parts of a valid file, inflated, so that mutations reach the XML parser
    /// instead of failing the zip's checksums.
    fn valid_parts() -> Vec<(String, Vec<u8>)> {
        let bytes = valid_file();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut entry = archive.by_index(i).unwrap();
                let name = entry.name().unwrap().into_owned();
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                (name, data)
            })
            .collect()
    }

    fn stored_zip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, data) in parts {
            writer.start_file(name.as_str(), options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// Fragments that real and hostile files contain.
    const SPLICES: &[&str] = &[
        r#"<c r="XFD1048576" t="s"><v>0</v></c>"#,
        r#"<c r="A1" t="s"><v>99999999</v></c>"#,
        r#"<c r="B2" t="n"><v>1e308</v></c>"#,
        r#"<row r="4294967295">"#,
        "<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]>",
        "&a;&#0;&#xFFFFFF;",
        "</sheetData>",
        r#"<dimension ref="A1:XFD1048576"/>"#,
        r#"<sst uniqueCount="999999999999999">"#,
        "\u{0}\u{ffff}",
    ];

    #[test]
    fn huge_declared_string_counts_are_refused() {
        let mut parts = valid_parts();
        let (_, data) =
            parts.iter_mut().find(|(name, _)| name.to_ascii_lowercase().ends_with("sharedstrings.xml")).unwrap();
        let xml = String::from_utf8(data.clone()).unwrap();
        let start = xml.find(r#"uniqueCount=""#).unwrap() + r#"uniqueCount=""#.len();
        let end = start + xml[start..].find('"').unwrap();
        let patched = format!("{}1000000000000000{}", &xml[..start], &xml[end..]);
        *data = patched.into_bytes();
        assert_eq!(codes(&import(&stored_zip(&parts)).unwrap_err()), vec![(None, None, "not_xlsx")]);
    }

    #[test]
    fn stored_parts_rebuild_a_valid_file() {
        assert_eq!(import(&stored_zip(&valid_parts())).unwrap().len(), 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = import(&bytes);
        }

        #[test]
        fn mutated_xlsx_never_panics(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut bytes = valid_file();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if truncate {
                let len = cut.index(bytes.len());
                bytes.truncate(len);
            }
            let _ = import(&bytes);
        }

        #[test]
        fn mutated_xml_never_panics(
            part in any::<prop::sample::Index>(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..10),
            splice in proptest::option::of((any::<prop::sample::Index>(), 0..SPLICES.len())),
        ) {
            let mut parts = valid_parts();
            let i = part.index(parts.len());
            let data = &mut parts[i].1;
            for (at, byte) in edits {
                if !data.is_empty() {
                    let j = at.index(data.len());
                    data[j] = byte;
                }
            }
            if let Some((at, which)) = splice {
                let j = at.index(data.len() + 1);
                data.splice(j..j, SPLICES[which].bytes());
            }
            let _ = import(&stored_zip(&parts));
        }
    }
}
