//! Lists as Excel files: the same rows the page shows, with its filters.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::AppError;

fn workbook(sheet: &str, columns: &[String], rows: Vec<Vec<String>>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let worksheet = book.add_worksheet();
    // Excel refuses sheet names over 31 characters or with []:*?/\ in them.
    let name: String = sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    worksheet.set_name(if name.is_empty() { "Sheet1" } else { name.as_str() })?;
    for (col, title) in (0_u16..).zip(columns) {
        worksheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (row, cells) in (1_u32..).zip(rows) {
        for (col, cell) in (0_u16..).zip(cells) {
            worksheet.write_string(row, col, cell)?;
        }
    }
    worksheet.set_freeze_panes(1, 0)?;
    worksheet.autofit();
    book.save_to_buffer()
}

pub fn xlsx_response(
    sheet: &str,
    columns: &[String],
    rows: Vec<Vec<String>>,
    file_name: &str,
) -> Result<Response, AppError> {
    let bytes = workbook(sheet, columns, rows).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response())
}
