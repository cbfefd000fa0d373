//! Import problems in words (the catalogue's and OCDS files'): where (sheet, row, column) and what, in the
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

/// An OCDS import problem in words: `第 3 行 /releases/0/date：…` (the line only for
/// JSON Lines).
#[must_use]
pub fn ocds_issue_line(lang: Lang, issue: &sunlight_store::trading::SummaryIssue) -> String {
    let key = format!("ocds-issue-{}", issue.code.replace('_', "-"));
    let mut message = lang.t(&key);
    if message == key {
        message.clone_from(&issue.message);
    }
    let path = if issue.path.is_empty() { "/".to_owned() } else { issue.path.clone() };
    match issue.line {
        Some(line) => lang
            .t_args("ocds-issue-at-line", &[("line", line.into()), ("path", path.into()), ("message", message.into())]),
        None => lang.t_args("ocds-issue-at", &[("path", path.into()), ("message", message.into())]),
    }
}

/// What an OCDS import did, line by line: counts, skipped lines, awarded amounts by
/// currency (never added across currencies).
#[must_use]
pub fn ocds_summary_lines(lang: Lang, summary: &sunlight_store::trading::ImportSummary) -> Vec<String> {
    let mut lines = vec![lang.t_args(
        "notice-ocds-import-done",
        &[
            ("read", summary.releases_read.into()),
            ("created", summary.ocids_created.into()),
            ("updated", summary.ocids_updated.into()),
        ],
    )];
    if summary.invalid_lines > 0 {
        lines.push(lang.t_args("notice-ocds-invalid-lines", &[("count", summary.invalid_lines.into())]));
    }
    for (currency, total) in &summary.awarded {
        lines.push(lang.t_args(
            "ocds-awarded",
            &[
                ("currency", currency.clone().into()),
                ("awards", total.awards.into()),
                ("amount", format!("{:.2}", total.amount).into()),
            ],
        ));
    }
    lines
}
