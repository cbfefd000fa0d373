//! Small helpers shared by the BPMN and XES readers.

use quick_xml::events::{BytesRef, BytesStart};

/// 1-based line of a byte offset, for error messages.
pub(crate) fn line_of(input: &str, offset: u64) -> usize {
    let end = usize::try_from(offset).unwrap_or(usize::MAX).min(input.len());
    let mut line = 1;
    for &byte in &input.as_bytes()[..end] {
        if byte == b'\n' {
            line += 1;
        }
    }
    line
}

/// Appends the text of `&name;`. Only the five predefined entities and character
/// references exist here: a document's own entities are never expanded, so no
/// external entity can be fetched and no entity bomb can grow.
pub(crate) fn push_ref(out: &mut String, reference: &BytesRef<'_>) -> Result<(), String> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => {
                out.push(c);
                Ok(())
            }
            _ => Err("bad character reference".to_owned()),
        };
    }
    let name: &str = reference;
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        other => {
            return Err(format!("unknown entity &{};", other.chars().take(40).collect::<String>()));
        }
    };
    out.push(c);
    Ok(())
}

/// The attributes of a tag by local name (prefixes dropped, `xmlns` skipped).
pub(crate) fn attributes(tag: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for attr in tag.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
        out.push((attr.key.local_name().as_ref().to_owned(), value.into_owned()));
    }
    Ok(out)
}

pub(crate) fn get<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}
