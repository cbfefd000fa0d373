//! Per-field validation errors with stable codes that the UI translates.

use std::collections::BTreeMap;

use serde::Serialize;

/// Why one field was refused. The code is stable (`snake_case`) and is the key of
/// a fluent message `field-<code>`; `limit` carries the number the message needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl FieldError {
    #[must_use]
    pub const fn new(code: &'static str) -> Self {
        Self { code, limit: None }
    }

    #[must_use]
    pub const fn with_limit(code: &'static str, limit: usize) -> Self {
        Self { code, limit: Some(limit) }
    }
}

/// Errors of a whole form or JSON body, keyed by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(BTreeMap<String, FieldError>);

impl FieldErrors {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, error: FieldError) {
        self.0.entry(field.to_owned()).or_insert(error);
    }

    /// Records the error of `result` under `field` and gives back its value, so a
    /// form can be parsed field by field and every error reported at once.
    pub fn take<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error);
                None
            }
        }
    }

    /// Adds another set of errors; a field keeps its first error.
    pub fn merge(&mut self, other: &Self) {
        for (field, error) in other.iter() {
            self.add(field, error.clone());
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.get(field)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &FieldError)> {
        self.0.iter()
    }

    /// `Ok(())` when no field was refused.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<(&str, FieldError)> for FieldErrors {
    fn from((field, error): (&str, FieldError)) -> Self {
        let mut errors = Self::new();
        errors.add(field, error);
        errors
    }
}

/// The error codes a module's sources use, found by the calls that carry them, so
/// a test can check that every code is in the module's published list (and so in
/// the translations).
#[cfg(test)]
pub(crate) fn codes_in_sources(sources: &[&str], markers: &[&str]) -> std::collections::BTreeSet<String> {
    let is_code = |code: &str| !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    let mut codes = std::collections::BTreeSet::new();
    for source in sources {
        let code_part = source.split("#[cfg(test)]").next().unwrap_or_default();
        let compact: String = code_part.chars().filter(|c| !c.is_whitespace()).collect();
        for marker in markers {
            for (at, _) in compact.match_indices(marker) {
                let rest = &compact[at + marker.len()..];
                // The call's last literal, when the call ends on it (`fail(field, "code")`)…
                let last = rest.find("\")").and_then(|end| {
                    let call = &rest[..end];
                    let start = call.rfind('"')?;
                    (!call.contains([';', '{', '}'])).then(|| &call[start + 1..])
                });
                // …or else its first (`with_limit("too_long", 100)`).
                let first = || rest.strip_prefix('"').and_then(|r| r.split('"').next());
                if let Some(code) = last.or_else(first).filter(|c| is_code(c)) {
                    codes.insert(code.to_owned());
                }
            }
        }
    }
    codes
}
