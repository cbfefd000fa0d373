//! A small INI reader for cardinal-style settings files.
//!
//! Supported: `key = value` lines, `[section]` and `[section.sub]` headers, full-line
//! comments starting with `;` or `#`, blank lines, values optionally wrapped in double
//! quotes. Everything else is a syntax error with its line number, so a typo never
//! silently disables an indicator.

/// One `key = value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A section and its entries; the top level (before any header) has the name `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub line: usize,
    pub entries: Vec<Entry>,
}

/// Why an INI text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IniError {
    #[error("line {line}: expected `key = value`, `[section]` or a comment")]
    Syntax { line: usize },
    #[error("line {line}: empty section name")]
    EmptySection { line: usize },
    #[error("line {line}: empty key")]
    EmptyKey { line: usize },
    #[error("line {line}: `{key}` is set twice in [{section}]")]
    DuplicateKey { line: usize, section: String, key: String },
}

impl IniError {
    /// A stable code for the UI.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "ini_syntax",
            Self::EmptySection { .. } => "ini_empty_section",
            Self::EmptyKey { .. } => "ini_empty_key",
            Self::DuplicateKey { .. } => "ini_duplicate_key",
        }
    }
}

/// Reads INI text into sections, in file order; a section header repeated later adds to
/// the earlier section.
pub fn parse(text: &str) -> Result<Vec<Section>, IniError> {
    let mut sections = vec![Section { name: String::new(), line: 0, entries: Vec::new() }];
    let mut current = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if let Some(inner) = trimmed.strip_prefix('[') {
            let name = inner.strip_suffix(']').ok_or(IniError::Syntax { line })?.trim();
            if name.is_empty() {
                return Err(IniError::EmptySection { line });
            }
            current = if let Some(found) = sections.iter().position(|s| s.name == name) {
                found
            } else {
                sections.push(Section { name: name.to_owned(), line, entries: Vec::new() });
                sections.len() - 1
            };
            continue;
        }
        let (key, value) = trimmed.split_once('=').ok_or(IniError::Syntax { line })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(IniError::EmptyKey { line });
        }
        let value = unquote(value.trim());
        let section = &mut sections[current];
        if section.entries.iter().any(|e| e.key == key) {
            return Err(IniError::DuplicateKey { line, section: section.name.clone(), key: key.to_owned() });
        }
        section.entries.push(Entry { key: key.to_owned(), value: value.to_owned(), line });
    }
    Ok(sections)
}

fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_keys_and_comments() {
        let text = "currency = USD\n; comment\n# other\n\n[R003]\nthreshold = 10\n[R003.procurement_method_details]\nx = \"5\"\n";
        let sections = parse(text).unwrap_or_default();
        assert_eq!(sections.len(), 3);
        assert_eq!(sections[0].entries[0].key, "currency");
        assert_eq!(sections[0].entries[0].value, "USD");
        assert_eq!(sections[1].name, "R003");
        assert_eq!(sections[1].entries[0].line, 6);
        assert_eq!(sections[2].name, "R003.procurement_method_details");
        assert_eq!(sections[2].entries[0].value, "5");
    }

    #[test]
    fn rejects_bad_lines_with_their_number() {
        assert_eq!(parse("[R003]\nthreshold 10"), Err(IniError::Syntax { line: 2 }));
        assert_eq!(parse("[R003"), Err(IniError::Syntax { line: 1 }));
        assert_eq!(parse("[ ]"), Err(IniError::EmptySection { line: 1 }));
        assert_eq!(parse(" = 1"), Err(IniError::EmptyKey { line: 1 }));
        let duplicate = parse("[R024]\nthreshold = 1\nthreshold = 2");
        assert_eq!(duplicate.as_ref().map_err(IniError::code), Err("ini_duplicate_key"));
    }
}
