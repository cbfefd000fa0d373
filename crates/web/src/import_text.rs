//! Catalogue import problems in words: where (sheet, row, column) and what, in the
//! reader's language. The staff import preview and the command line share this.

use fluent_templates::fluent_bundle::FluentValue;
use sunlight_domain::catalogue::Column;
use sunlight_domain::catalogue::xlsx_import::ImportIssue;

use crate::i18n::Lang;

/// A column's name as the reader's catalogue writes it.
#[must_use]
pub fn column_label(lang: Lang, column: Column) -> String {
    lang.t(&format!("col-power-{}", column.key().replace('_', "-")))
}

/// What went wrong, in words.
#[must_use]
pub fn issue_message(lang: Lang, issue: &ImportIssue) -> String {
    let key = if issue.code == "duplicate_code" && issue.args.contains_key("first_row") {
        "import-duplicate-code-in-file".to_owned()
    } else {
        format!("field-{}", issue.code.replace('_', "-"))
    };
    let args: Vec<(&'static str, FluentValue<'static>)> = issue
        .args
        .iter()
        .map(|(name, value)| {
            let value = value.parse::<i64>().map_or_else(|_| FluentValue::from(value.clone()), FluentValue::from);
            (*name, value)
        })
        .collect();
    if args.is_empty() { lang.t(&key) } else { lang.t_args(&key, &args) }
}

/// The sheet, row and column of an issue (empty where it concerns the whole file),
/// with the column named as the file names it when it does.
#[must_use]
pub fn issue_place(lang: Lang, issue: &ImportIssue) -> (String, String, String) {
    let column = match (&issue.header, issue.column) {
        (Some(header), _) => header.clone(),
        (None, Some(column)) => column_label(lang, column),
        (None, None) => String::new(),
    };
    (issue.sheet.clone().unwrap_or_default(), issue.row.map(|r| r.to_string()).unwrap_or_default(), column)
}

/// One line: `sheet!row column: message`, or `file: message` for the whole file.
#[must_use]
pub fn issue_line(lang: Lang, issue: &ImportIssue) -> String {
    let (sheet, row, column) = issue_place(lang, issue);
    let message = issue_message(lang, issue);
    let place = match (sheet.is_empty(), row.is_empty()) {
        (false, false) => format!("{sheet}!{row}"),
        (false, true) => sheet,
        _ => lang.t("import-whole-file"),
    };
    let place = if column.is_empty() { place } else { format!("{place} {column}") };
    format!("{place}{}{message}", lang.t("colon"))
}
