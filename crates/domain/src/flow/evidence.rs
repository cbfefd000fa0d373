//! The evidence of a finding as a message — a stable key and its arguments — so
//! that pages say it in the reader's language (the fluent catalogues hold
//! `finding-<key>`, `_` written `-`), while the offline check and logs print its English.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::calendar::china_time;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub key: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

/// A list of names as the evidence shows it.
#[must_use]
pub fn names(list: &[impl AsRef<str>]) -> String {
    list.iter().map(AsRef::as_ref).collect::<Vec<_>>().join("、")
}

/// An instant as the evidence shows it: China time, to the minute.
#[must_use]
pub fn instant(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&china_time()).format("%Y-%m-%d %H:%M").to_string()
}

impl Evidence {
    #[must_use]
    pub fn new<const N: usize>(key: &str, args: [(&str, String); N]) -> Self {
        Self { key: key.to_owned(), args: args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() }
    }

    fn arg(&self, name: &str) -> &str {
        self.args.get(name).map_or("", String::as_str)
    }

    /// The evidence in English.
    #[must_use]
    pub fn english(&self) -> String {
        let a = |name: &str| self.arg(name);
        match self.key.as_str() {
            "done_before_required" => format!("done before required steps: {}", a("steps")),
            "not_allowed" => "not allowed at this point of the flowchart".to_owned(),
            "unknown_activity" => "activity not in the flowchart".to_owned(),
            "closed_before_end" => "closed without reaching an end of the flowchart".to_owned(),
            "closed_without" => format!("closed without: {}", a("steps")),
            "returned" => format!("returned {} time(s)", a("count")),
            "paused" => "step paused".to_owned(),
            "terminated" => "case terminated".to_owned(),
            "withdrawn" => "case withdrawn".to_owned(),
            "wrong_role" => format!("done as {}, the flowchart says {}", a("group"), a("role")),
            "correction_after_acceptance" => "correction requested after acceptance".to_owned(),
            "correction_again" => "correction requested again".to_owned(),
            "also_did" => format!("{} also did {}", a("person"), a("step")),
            "after_later_event" => format!("recorded after an event of {}", a("at")),
            "before_application" => format!("before the application of {}", a("at")),
            "missing_documents" => format!("missing: {}", a("documents")),
            "fee_differs" => format!("paid {}, due {}", a("paid"), a("due")),
            "overdue" => {
                format!("{} working days overdue: {} of {} working days used", a("days"), a("used"), a("allowed"))
            }
            "nearly_reached" => format!("limit nearly reached: {} of {} working days used", a("used"), a("allowed")),
            "promise_exceeds_legal" => {
                format!("promised {}, the law allows until {}", a("promised"), a("legal"))
            }
            other => other.to_owned(),
        }
    }
}

/// Every key [`Evidence`] is made with; the catalogues hold `finding-<key>` for each.
pub const KEYS: &[&str] = &[
    "done_before_required",
    "not_allowed",
    "unknown_activity",
    "closed_before_end",
    "closed_without",
    "returned",
    "paused",
    "terminated",
    "withdrawn",
    "wrong_role",
    "correction_after_acceptance",
    "correction_again",
    "also_did",
    "after_later_event",
    "before_application",
    "missing_documents",
    "fee_differs",
    "overdue",
    "nearly_reached",
    "promise_exceeds_legal",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_its_english() {
        for key in KEYS {
            let english = Evidence::new(key, []).english();
            assert_ne!(english, *key, "{key} has no English");
        }
    }

    #[test]
    fn arguments_go_into_the_english() {
        let e = Evidence::new("wrong_role", [("group", "科员".into()), ("role", "分管领导".into())]);
        assert_eq!(e.english(), "done as 科员, the flowchart says 分管领导");
        let json = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Evidence>(&json).ok(), Some(e));
    }
}
