//! Reading OCDS files: release packages, record packages, single (compiled) releases,
//! arrays of releases, and JSON Lines of any of these.
//!
//! Problems are reported with the JSON path inside the document (`/releases/3/tender/
//! tenderPeriod/endDate`) and, for JSON Lines, the line number; a line that is not JSON
//! is skipped and counted. A problem in one field never drops the release: indicators
//! simply leave out what they cannot read.

use serde_json::Value;

/// A problem found while reading, located by line (JSON Lines only) and JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub line: Option<u64>,
    pub path: String,
    /// A stable code for the UI.
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// What an OCDS file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// Individual releases, to be compiled with [`super::merge::compile`].
    pub releases: Vec<Value>,
    /// Releases that were already compiled (`tag` has `compiled`, or a record's
    /// `compiledRelease`, or `compiledRecord` in older data).
    pub compiled_releases: Vec<Value>,
    pub issues: Vec<Issue>,
    /// Lines of a JSON Lines file that were not JSON.
    pub invalid_lines: u64,
}

impl Imported {
    /// All contracting processes as compiled releases: the compiled ones as given, then
    /// the individual releases compiled per `ocid`.
    #[must_use]
    pub fn into_compiled(self) -> Vec<Value> {
        let mut compiled = self.compiled_releases;
        compiled.extend(super::merge::compile(&self.releases));
        compiled
    }
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcdsError {
    #[error("line {line}, column {column}: not JSON: {message}")]
    NotJson { line: usize, column: usize, message: String },
}

impl OcdsError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson { .. } => "ocds_not_json",
        }
    }
}

/// Reads an OCDS file: one JSON document, or JSON Lines.
pub fn read_ocds(text: &str) -> Result<Imported, OcdsError> {
    let mut imported = Imported::default();
    match serde_json::from_str::<Value>(text) {
        Ok(document) => {
            classify(&mut imported, document, "", None);
            Ok(imported)
        }
        Err(error) => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if lines.len() <= 1 {
                return Err(OcdsError::NotJson {
                    line: error.line(),
                    column: error.column(),
                    message: error.to_string(),
                });
            }
            for (index, line) in text.lines().enumerate() {
                let number = index as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(value) => classify(&mut imported, value, "", Some(number)),
                    Err(error) => {
                        imported.invalid_lines += 1;
                        imported.issues.push(Issue {
                            line: Some(number),
                            path: String::new(),
                            code: "invalid_json_line",
                            message: format!("not JSON, skipped: {error}"),
                        });
                    }
                }
            }
            Ok(imported)
        }
    }
}

fn classify(imported: &mut Imported, value: Value, path: &str, line: Option<u64>) {
    match value {
        Value::Array(items) => {
            for (index, item) in items.into_iter().enumerate() {
                classify(imported, item, &format!("{path}/{index}"), line);
            }
        }
        Value::Object(mut fields) => {
            // A record has an ocid and releases or a compiled release; a release has neither.
            let is_record = fields.contains_key("ocid")
                && (fields.contains_key("compiledRelease")
                    || fields.contains_key("compiledRecord")
                    || fields.contains_key("releases"));
            if is_record {
                add_record(imported, Value::Object(fields), path, line);
            } else if let Some(Value::Array(releases)) = fields.remove("releases") {
                for (index, release) in releases.into_iter().enumerate() {
                    add_release(imported, release, &format!("{path}/releases/{index}"), line);
                }
            } else if let Some(Value::Array(records)) = fields.remove("records") {
                for (index, record) in records.into_iter().enumerate() {
                    add_record(imported, record, &format!("{path}/records/{index}"), line);
                }
            } else {
                add_release(imported, Value::Object(fields), path, line);
            }
        }
        _ => imported.issues.push(Issue {
            line,
            path: root(path),
            code: "not_ocds",
            message: "neither a package nor a release".into(),
        }),
    }
}

fn root(path: &str) -> String {
    if path.is_empty() { "/".into() } else { path.to_owned() }
}

fn add_record(imported: &mut Imported, record: Value, path: &str, line: Option<u64>) {
    let Value::Object(mut fields) = record else {
        imported.issues.push(Issue {
            line,
            path: path.to_owned(),
            code: "not_ocds",
            message: "a record must be an object".into(),
        });
        return;
    };
    // `compiledRelease` is the OCDS 1.1 name; `compiledRecord` is kept for older data.
    for name in ["compiledRelease", "compiledRecord"] {
        if let Some(compiled) = fields.remove(name) {
            add_release(imported, compiled, &format!("{path}/{name}"), line);
            return;
        }
    }
    if let Some(Value::Array(releases)) = fields.remove("releases") {
        for (index, release) in releases.into_iter().enumerate() {
            let here = format!("{path}/releases/{index}");
            // A linked release (only `url` and `date`) cannot be compiled offline.
            if release.get("ocid").is_none() && release.get("url").is_some() {
                imported.issues.push(Issue {
                    line,
                    path: here,
                    code: "linked_release",
                    message: "a linked release, not embedded: skipped".into(),
                });
                continue;
            }
            add_release(imported, release, &here, line);
        }
    }
}

fn add_release(imported: &mut Imported, release: Value, path: &str, line: Option<u64>) {
    if release.get("ocid").and_then(Value::as_str).is_none() {
        imported.issues.push(Issue {
            line,
            path: format!("{path}/ocid"),
            code: "missing_ocid",
            message: "a release needs a string ocid: skipped".into(),
        });
        return;
    }
    check_fields(imported, &release, path, line);
    let compiled =
        release.get("tag").and_then(Value::as_array).is_some_and(|tags| tags.iter().any(|t| t == "compiled"));
    if compiled {
        imported.compiled_releases.push(release);
    } else {
        imported.releases.push(release);
    }
}

/// Dates and amounts the indicators rely on, checked so a publisher can fix them.
fn check_fields(imported: &mut Imported, release: &Value, path: &str, line: Option<u64>) {
    let mut check = |pointer: String, value: &Value, kind: FieldKind| {
        let ok = match kind {
            FieldKind::Date => value.as_str().is_some_and(|text| super::indicators::timestamp(text).is_some()),
            FieldKind::Amount => value.is_number(),
        };
        if !ok && !value.is_null() {
            imported.issues.push(Issue {
                line,
                path: format!("{path}{pointer}"),
                code: kind.code(),
                message: format!("{} expected, found {value}", kind.expected()),
            });
        }
    };
    let single = [
        ("/date", FieldKind::Date),
        ("/tender/tenderPeriod/startDate", FieldKind::Date),
        ("/tender/tenderPeriod/endDate", FieldKind::Date),
        ("/tender/value/amount", FieldKind::Amount),
    ];
    for (pointer, kind) in single {
        if let Some(value) = release.pointer(pointer) {
            check(pointer.to_owned(), value, kind);
        }
    }
    let per_item = [
        ("/bids/details", "/value/amount", FieldKind::Amount),
        ("/bids/details", "/date", FieldKind::Date),
        ("/awards", "/value/amount", FieldKind::Amount),
        ("/awards", "/date", FieldKind::Date),
        ("/contracts", "/value/amount", FieldKind::Amount),
        ("/contracts", "/dateSigned", FieldKind::Date),
    ];
    for (array, field, kind) in per_item {
        if let Some(Value::Array(items)) = release.pointer(array) {
            for (index, item) in items.iter().enumerate() {
                if let Some(value) = item.pointer(field) {
                    check(format!("{array}/{index}{field}"), value, kind);
                }
            }
        }
    }
    if let Some(Value::Array(contracts)) = release.get("contracts") {
        for (c, contract) in contracts.iter().enumerate() {
            if let Some(Value::Array(transactions)) = contract.pointer("/implementation/transactions") {
                for (t, transaction) in transactions.iter().enumerate() {
                    if let Some(value) = transaction.get("date") {
                        check(format!("/contracts/{c}/implementation/transactions/{t}/date"), value, FieldKind::Date);
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum FieldKind {
    Date,
    Amount,
}

impl FieldKind {
    fn code(self) -> &'static str {
        match self {
            Self::Date => "invalid_date",
            Self::Amount => "invalid_amount",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Date => "an RFC 3339 date",
            Self::Amount => "a number",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_packages_and_names_bad_fields_by_path() {
        let package = json!({"uri": "x", "releases": [
            {"ocid": "a", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
             "tender": {"tenderPeriod": {"endDate": "next week"}}},
            {"ocid": "a", "date": "2024-02-01T00:00:00Z", "tag": ["compiled"]},
            {"id": "no ocid"}
        ]});
        let imported = read_ocds(&package.to_string()).unwrap();
        assert_eq!(imported.releases.len(), 1);
        assert_eq!(imported.compiled_releases.len(), 1);
        let paths: Vec<_> = imported.issues.iter().map(|i| (i.path.as_str(), i.code)).collect();
        assert_eq!(
            paths,
            vec![("/releases/0/tender/tenderPeriod/endDate", "invalid_date"), ("/releases/2/ocid", "missing_ocid")]
        );
    }

    #[test]
    fn json_lines_report_line_numbers_and_skip_bad_lines() {
        let text = "{\"ocid\": \"a\", \"date\": \"2024-01-01T00:00:00Z\"}\n\n{oops\n{\"ocid\": \"b\", \"awards\": [{\"value\": {\"amount\": \"12\"}}]}\n";
        let imported = read_ocds(text).unwrap();
        assert_eq!(imported.invalid_lines, 1);
        assert_eq!(imported.releases.len(), 2);
        assert_eq!(imported.issues[0].line, Some(3));
        assert_eq!(imported.issues[1].to_string(), "line 4: /awards/0/value/amount: a number expected, found \"12\"");
        assert_eq!(imported.into_compiled().len(), 2);
    }

    #[test]
    fn json_lines_of_records() {
        let lines = [
            json!({"ocid": "a", "releases": [{"url": "http://example.com/1.json", "date": "2024-01-01T00:00:00Z"}],
                "compiledRecord": {"ocid": "a", "tag": ["compiled"]}}),
            json!({"ocid": "b", "releases": [{"ocid": "b", "date": "2024-01-01T00:00:00Z", "tender": {"title": "T"}},
                {"ocid": "b", "date": "2024-02-01T00:00:00Z", "tender": {"status": "active"}}]}),
        ];
        let text = lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
        let imported = read_ocds(&text).unwrap();
        assert_eq!(imported.compiled_releases.len(), 1);
        assert_eq!(imported.releases.len(), 2);
        assert!(imported.issues.is_empty(), "{:?}", imported.issues);
        let compiled = imported.into_compiled();
        assert_eq!(compiled[1]["tender"], json!({"title": "T", "status": "active"}));
    }

    #[test]
    fn a_record_package_gives_its_compiled_release() {
        let package = json!({"records": [{"ocid": "a",
            "releases": [{"url": "http://example.com/1.json", "date": "2024-01-01T00:00:00Z"}],
            "compiledRelease": {"ocid": "a", "tag": ["compiled"], "tender": {"title": "T"}}}]});
        let imported = read_ocds(&package.to_string()).unwrap();
        assert_eq!(imported.compiled_releases.len(), 1);
        assert_eq!(imported.compiled_releases[0]["tender"]["title"], "T");
        assert!(imported.releases.is_empty());
    }

    #[test]
    fn a_single_broken_document_is_an_error() {
        let error = read_ocds("{\"releases\": [").unwrap_err();
        assert_eq!(error.code(), "ocds_not_json");
    }
}
