//! The audit chain: each record's hash covers the previous hash and the record.
//!
//! `hash = SHA-256(prev_hash ‖ canonical JSON of (seq, at, actor, action, entity,
//! entity_id, before, after))`, hex-encoded. Canonical JSON sorts object keys and
//! has no insignificant whitespace, so any store that keeps the values verbatim can
//! be re-verified by anyone holding a copy.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record of the chain, as stored (timestamps and JSON bodies as canonical text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    /// RFC 3339 UTC with microseconds, e.g. `2026-11-25T08:00:00.000000Z`.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of a record that the hash covers, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEntry {
    /// Chains the entry after a record with `prev_seq` and `prev_hash`.
    #[must_use]
    pub fn chain(self, prev_seq: i64, prev_hash: &str) -> AuditRecord {
        self.chain_with_text(prev_seq, prev_hash).record
    }

    /// [`AuditEntry::chain`], with the canonical text of `before` and `after` that
    /// the hash covered (what a store keeps), so that it is written once.
    #[must_use]
    pub fn chain_with_text(self, prev_seq: i64, prev_hash: &str) -> Chained {
        let seq = prev_seq + 1;
        let before = self.before.as_ref().map(canonical_json);
        let after = self.after.as_ref().map(canonical_json);
        let hash = hash_of(prev_hash, seq, &self, before.as_deref(), after.as_deref());
        let record = AuditRecord {
            seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            entity: self.entity,
            entity_id: self.entity_id,
            before: self.before,
            after: self.after,
            prev_hash: prev_hash.to_owned(),
            hash,
        };
        Chained { record, before, after }
    }
}

/// A chained record and the canonical text of its bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained {
    pub record: AuditRecord,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditRecord {
    fn entry(&self) -> AuditEntry {
        AuditEntry {
            at: self.at.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            before: self.before.clone(),
            after: self.after.clone(),
        }
    }
}

fn record_hash(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    let before = entry.before.as_ref().map(canonical_json);
    let after = entry.after.as_ref().map(canonical_json);
    hash_of(prev_hash, seq, entry, before.as_deref(), after.as_deref())
}

/// The hash over the canonical JSON of the record's fields, written key by key in
/// sorted order: the same text as sorting an object of them, without building one
/// (every write hashes its records, and the object was most of that).
fn hash_of(prev_hash: &str, seq: i64, entry: &AuditEntry, before: Option<&str>, after: Option<&str>) -> String {
    /// A field's value: a string to quote, or JSON text as it is.
    enum Part<'a> {
        Text(&'a str),
        Json(&'a str),
    }
    let seq = seq.to_string();
    let fields = [
        ("action", Part::Text(&entry.action)),
        ("actor", Part::Text(&entry.actor)),
        ("after", Part::Json(after.unwrap_or("null"))),
        ("at", Part::Text(&entry.at)),
        ("before", Part::Json(before.unwrap_or("null"))),
        ("entity", Part::Text(&entry.entity)),
        ("entity_id", Part::Text(&entry.entity_id)),
        ("seq", Part::Json(&seq)),
    ];
    let mut body = Vec::with_capacity(256);
    for (i, (key, part)) in fields.into_iter().enumerate() {
        body.push(if i == 0 { b'{' } else { b',' });
        write_json_string(key, &mut body);
        body.push(b':');
        match part {
            Part::Text(text) => write_json_string(text, &mut body),
            Part::Json(json) => body.extend_from_slice(json.as_bytes()),
        }
    }
    body.push(b'}');
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(&body);
    hex::encode(hasher.finalize())
}

/// A JSON string as `serde_json` writes it.
fn write_json_string(value: &str, out: &mut Vec<u8>) {
    // Writing a `str` into a `Vec` cannot fail.
    serde_json::to_writer(out, value).ok();
}

/// JSON with object keys sorted at every depth and no whitespace.
#[must_use]
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(128);
    write_canonical(value, &mut out);
    // Only valid JSON text was written.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, inner)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_string(key, out);
                out.push(b':');
                write_canonical(inner, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        // A scalar written into a `Vec` cannot fail.
        scalar => {
            serde_json::to_writer(out, scalar).ok();
        }
    }
}

/// Where a chain stops being what it claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's `seq` is not one more than the previous one.
    Sequence { seq: i64, expected: i64 },
    /// The record's `prev_hash` is not the previous record's hash.
    Link { seq: i64 },
    /// The record's hash does not match its content.
    Content { seq: i64 },
}

impl ChainBreak {
    #[must_use]
    pub const fn seq(&self) -> i64 {
        match self {
            Self::Sequence { seq, .. } | Self::Link { seq } | Self::Content { seq } => *seq,
        }
    }
}

/// Incremental verifier: feed records in `seq` order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
    count: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { last_seq: 0, last_hash: GENESIS_HASH.to_owned(), count: 0 }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if record.seq != expected {
            return Err(ChainBreak::Sequence { seq: record.seq, expected });
        }
        if record.prev_hash != self.last_hash {
            return Err(ChainBreak::Link { seq: record.seq });
        }
        if record_hash(&record.prev_hash, record.seq, &record.entry()) != record.hash {
            return Err(ChainBreak::Content { seq: record.seq });
        }
        self.last_seq = record.seq;
        self.last_hash.clone_from(&record.hash);
        self.count += 1;
        Ok(())
    }

    #[must_use]
    pub const fn count(&self) -> u64 {
        self.count
    }

    #[must_use]
    pub fn head(&self) -> &str {
        &self.last_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: "2026-11-25T08:00:00.000000Z".into(),
            actor: "user:admin".into(),
            action: action.into(),
            entity: "unit".into(),
            entity_id: "1".into(),
            before: None,
            after: Some(json!({"name": "县市场监督管理局", "code": "SCJG"})),
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = json!({"b": 1, "a": {"d": [3, {"z": 1, "y": 2}], "c": "中"}});
        assert_eq!(canonical_json(&value), r#"{"a":{"c":"中","d":[3,{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn a_chain_verifies_and_a_changed_record_breaks_it() {
        let first = entry("unit.create").chain(0, GENESIS_HASH);
        let second = entry("unit.update").chain(first.seq, &first.hash);
        let mut verifier = ChainVerifier::default();
        assert_eq!(verifier.push(&first), Ok(()));
        assert_eq!(verifier.push(&second), Ok(()));
        assert_eq!(verifier.count(), 2);
        assert_eq!(verifier.head(), second.hash);

        let mut tampered = second.clone();
        tampered.actor = "user:someone-else".into();
        let mut verifier = ChainVerifier::default();
        verifier.push(&first).ok();
        assert_eq!(verifier.push(&tampered), Err(ChainBreak::Content { seq: 2 }));
    }

    /// The hash as first defined: the canonical text of one object of all fields.
    fn hash_by_object(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
        let body = json!({
            "seq": seq, "at": entry.at, "actor": entry.actor, "action": entry.action, "entity": entry.entity,
            "entity_id": entry.entity_id, "before": entry.before, "after": entry.after,
        });
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(canonical_json(&body).as_bytes());
        hex::encode(hasher.finalize())
    }

    #[test]
    fn the_hash_is_the_one_of_the_whole_record_as_one_object() {
        let mut odd = entry("case_event.create");
        odd.actor = "token:窗口\"系统\"\\#7\u{1}".into();
        odd.entity_id = "SCJG-20261127-000001#3".into();
        odd.before = Some(json!({"n": 1.5, "list": [null, true, "é\n"], "z": {"b": -3, "a": "x"}}));
        for e in [entry("unit.create"), odd] {
            let chained = e.clone().chain_with_text(41, GENESIS_HASH);
            assert_eq!(chained.record.hash, hash_by_object(GENESIS_HASH, 42, &e));
            assert_eq!(chained.after, e.after.as_ref().map(canonical_json));
            assert_eq!(chained.before, e.before.as_ref().map(canonical_json));
        }
    }

    #[test]
    fn a_removed_record_breaks_the_sequence() {
        let first = entry("a").chain(0, GENESIS_HASH);
        let second = entry("b").chain(first.seq, &first.hash);
        let third = entry("c").chain(second.seq, &second.hash);
        let mut verifier = ChainVerifier::default();
        verifier.push(&first).ok();
        assert_eq!(verifier.push(&third), Err(ChainBreak::Sequence { seq: 3, expected: 2 }));
    }
}
