//! Compiling the releases of one contracting process by the OCDS 1.1 merge rules.
//!
//! Releases are applied oldest first (by `date`), so later values win. Objects merge key
//! by key; a `null` removes the field; arrays of objects with an `id` merge item by item
//! on that `id`; any other array is replaced whole. The compiled release gets the
//! `ocid`, the latest `date`, the id `{ocid}-{date}` and `tag: ["compiled"]`.

use serde_json::{Map, Value};

/// Compiles releases into one compiled release per `ocid`, in order of each `ocid`'s
/// first appearance. Releases without a string `ocid` are left out.
#[must_use]
pub fn compile(releases: &[Value]) -> Vec<Value> {
    let mut groups: Vec<(&str, Vec<&Value>)> = Vec::new();
    let mut positions: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for release in releases {
        let Some(ocid) = release.get("ocid").and_then(Value::as_str) else {
            continue;
        };
        let index = *positions.entry(ocid).or_insert_with(|| {
            groups.push((ocid, Vec::new()));
            groups.len() - 1
        });
        groups[index].1.push(release);
    }
    groups.into_iter().map(|(ocid, releases)| compile_one(ocid, releases)).collect()
}

fn compile_one(ocid: &str, mut releases: Vec<&Value>) -> Value {
    // A stable sort keeps publication order for releases with the same date.
    releases.sort_by(|a, b| date_of(a).cmp(&date_of(b)));
    let mut compiled = Map::new();
    for release in &releases {
        if let Value::Object(fields) = release {
            merge_object(&mut compiled, fields);
        }
    }
    let date = releases.iter().filter_map(|r| date_of(r)).max();
    compiled.insert("ocid".into(), Value::String(ocid.to_owned()));
    compiled.insert("id".into(), Value::String(format!("{ocid}-{}", date.unwrap_or_default())));
    if let Some(date) = date {
        compiled.insert("date".into(), Value::String(date.to_owned()));
    }
    compiled.insert("tag".into(), Value::Array(vec![Value::String("compiled".into())]));
    Value::Object(compiled)
}

fn date_of(release: &Value) -> Option<&str> {
    release.get("date").and_then(Value::as_str)
}

fn merge_object(target: &mut Map<String, Value>, source: &Map<String, Value>) {
    for (key, value) in source {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(fields) => {
                let slot = target.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(existing) = slot {
                    merge_object(existing, fields);
                } else {
                    let mut fresh = Map::new();
                    merge_object(&mut fresh, fields);
                    *slot = Value::Object(fresh);
                }
            }
            Value::Array(items) if is_identified(items) => {
                let slot = target.entry(key.clone()).or_insert_with(|| Value::Array(Vec::new()));
                if !matches!(slot, Value::Array(existing) if is_identified(existing) || existing.is_empty()) {
                    *slot = Value::Array(Vec::new());
                }
                if let Value::Array(existing) = slot {
                    merge_identified(existing, items);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// An array merged by `id`: it holds objects, at least one of which has an `id`.
fn is_identified(items: &[Value]) -> bool {
    items.iter().all(Value::is_object) && items.iter().any(|item| item.get("id").is_some())
}

fn merge_identified(existing: &mut Vec<Value>, items: &[Value]) {
    for item in items {
        let Value::Object(fields) = item else {
            continue;
        };
        let id = fields.get("id");
        let found = id.and_then(|id| existing.iter_mut().find(|e| e.get("id") == Some(id)));
        if let Some(Value::Object(target)) = found {
            merge_object(target, fields);
        } else {
            let mut fresh = Map::new();
            merge_object(&mut fresh, fields);
            existing.push(Value::Object(fresh));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn later_releases_win_and_arrays_merge_by_id() {
        let releases = [
            json!({"ocid": "o", "id": "2", "date": "2024-02-01T00:00:00Z", "tag": ["award"],
                "tender": {"status": "complete"},
                "awards": [{"id": "a1", "status": "active", "value": {"amount": 10}}],
                "parties": [{"id": "p", "roles": ["supplier"]}]}),
            json!({"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
                "tender": {"status": "active", "title": "Desks", "items": [{"id": "i", "quantity": 1}]},
                "awards": [{"id": "a1", "status": "pending", "date": "2024-01-02T00:00:00Z"}],
                "parties": [{"id": "p", "roles": ["tenderer"], "name": "P"}]}),
            json!({"ocid": "other", "date": "2024-01-01T00:00:00Z", "tender": {"title": null}}),
        ];
        let compiled = compile(&releases);
        assert_eq!(compiled.len(), 2);
        let first = &compiled[0];
        assert_eq!(first["tag"], json!(["compiled"]));
        assert_eq!(first["id"], json!("o-2024-02-01T00:00:00Z"));
        assert_eq!(first["date"], json!("2024-02-01T00:00:00Z"));
        assert_eq!(first["tender"]["status"], json!("complete"));
        assert_eq!(first["tender"]["title"], json!("Desks"));
        assert_eq!(
            first["awards"],
            json!([{"id": "a1", "status": "active", "date": "2024-01-02T00:00:00Z", "value": {"amount": 10}}])
        );
        // An array of strings is replaced, not merged.
        assert_eq!(first["parties"][0]["roles"], json!(["supplier"]));
        assert_eq!(first["parties"][0]["name"], json!("P"));
        assert!(compiled[1]["tender"].get("title").is_none());
    }

    #[test]
    fn null_removes_a_field() {
        let releases = [
            json!({"ocid": "o", "date": "1", "tender": {"title": "T", "status": "active"}}),
            json!({"ocid": "o", "date": "2", "tender": {"title": null}}),
        ];
        let compiled = compile(&releases);
        assert_eq!(compiled[0]["tender"], json!({"status": "active"}));
    }
}
