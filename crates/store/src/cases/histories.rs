//! The events of open cases as the desk last committed them, kept so that the next
//! request on such a case re-evaluates it without reading its history again (in
//! the online hall every request is on a case acted on moments before).
//!
//! A kept history is used only while the case's row is as the desk wrote it: the
//! same event count and the same `updated_at`. Whatever else changes a case — the
//! clock, an import, another server on the same PostgreSQL database — rewrites its
//! row with another time, and the history is read from the database again.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use sunlight_domain::flow::case_event::CaseStatus;

use super::refresh::HistoryEvent;
use crate::entity::handling_case;

/// Cases kept at most: past it the oldest half is let go. Each is a few events, a
/// few kilobytes; the hall has far fewer cases in hand at once.
const KEPT_CASES: usize = 20_000;

#[derive(Debug)]
struct Kept {
    event_count: i32,
    updated_at: DateTime<Utc>,
    /// When it was kept, in keeping order (for letting the oldest go).
    order: u64,
    events: Vec<HistoryEvent>,
}

#[derive(Debug, Default)]
pub(super) struct Histories {
    kept: Mutex<(u64, HashMap<i64, Kept>)>,
}

impl Histories {
    /// The kept histories of `rows` that are still as kept, taken out (a write that
    /// fails keeps nothing); the ids of the other cases.
    pub(super) fn take<'a>(
        &self,
        rows: impl Iterator<Item = &'a handling_case::Model>,
    ) -> (HashMap<i64, Vec<HistoryEvent>>, Vec<i64>) {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        let mut guard = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        for row in rows {
            match guard.1.remove(&row.id) {
                Some(k) if k.event_count == row.event_count && k.updated_at == row.updated_at => {
                    found.insert(row.id, k.events);
                }
                _ => missing.push(row.id),
            }
        }
        (found, missing)
    }

    /// Keeps the histories of the open cases among `cases` (rows as committed).
    pub(super) fn keep(&self, cases: &HashMap<i64, handling_case::Model>, histories: HashMap<i64, Vec<HistoryEvent>>) {
        let mut guard = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let (next, kept) = &mut *guard;
        for (id, events) in histories {
            let Some(row) = cases.get(&id) else { continue };
            if CaseStatus::parse(&row.status).is_none_or(CaseStatus::is_closed) {
                continue;
            }
            *next += 1;
            kept.insert(id, Kept { event_count: row.event_count, updated_at: row.updated_at, order: *next, events });
        }
        if kept.len() > KEPT_CASES {
            let mut orders: Vec<u64> = kept.values().map(|k| k.order).collect();
            let (_, median, _) = orders.select_nth_unstable(kept.len() / 2);
            let median = *median;
            kept.retain(|_, k| k.order >= median);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sunlight_domain::flow::case_event::CaseAction;

    fn row(id: i64, status: &str, event_count: i32, updated_at: DateTime<Utc>) -> handling_case::Model {
        handling_case::Model {
            id,
            case_number: format!("C-{id}"),
            verification_hash: String::new(),
            unit_id: 1,
            power_id: 1,
            power_code: "P".into(),
            flowchart_version_id: 1,
            applicant: None,
            subject: None,
            source: "api".into(),
            status: status.into(),
            current_step: None,
            received_at: updated_at,
            promised_deadline: None,
            legal_deadline: None,
            finished_at: None,
            fee_due_cents: None,
            fee_paid_cents: None,
            card: "none".into(),
            overdue: false,
            process_conformant: true,
            returns: 0,
            event_count,
            handling_minutes: None,
            next_due_at: None,
            updated_at,
        }
    }

    fn event(seq: i32) -> HistoryEvent {
        HistoryEvent {
            seq,
            step: String::new(),
            action: Some(CaseAction::Apply),
            actor: "a".into(),
            group: None,
            at: DateTime::UNIX_EPOCH,
            documents: Vec::new(),
            fee_due_cents: None,
            fee_paid_cents: None,
        }
    }

    #[test]
    fn a_history_is_used_only_while_its_row_is_as_kept() {
        let histories = Histories::default();
        let t = DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(100);
        let open = row(1, "open", 1, t);
        let finished = row(2, "finished", 1, t);
        let cases = HashMap::from([(1, open.clone()), (2, finished.clone())]);
        histories.keep(&cases, HashMap::from([(1, vec![event(1)]), (2, vec![event(1)])]));
        // A closed case is not kept.
        let (found, missing) = histories.take([finished].iter());
        assert!(found.is_empty());
        assert_eq!(missing, [2]);
        // Rewritten since (another time): read again.
        let (found, missing) = histories.take([row(1, "open", 1, t + chrono::TimeDelta::seconds(1))].iter());
        assert!(found.is_empty());
        assert_eq!(missing, [1]);
        // Taken once: a second take finds nothing until kept again.
        histories.keep(&cases, HashMap::from([(1, vec![event(1)])]));
        let (found, missing) = histories.take([open.clone()].iter());
        assert_eq!(found.get(&1).map(Vec::len), Some(1));
        assert!(missing.is_empty());
        let (found, _) = histories.take([open].iter());
        assert!(found.is_empty());
    }

    #[test]
    fn the_oldest_half_goes_past_the_bound() {
        let histories = Histories::default();
        let t = DateTime::UNIX_EPOCH;
        for id in 0..=i64::try_from(KEPT_CASES).unwrap_or(i64::MAX) {
            histories.keep(&HashMap::from([(id, row(id, "open", 1, t))]), HashMap::from([(id, vec![event(1)])]));
        }
        let kept = histories.kept.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(kept.1.len() <= KEPT_CASES / 2 + 1);
        assert!(kept.1.contains_key(&i64::try_from(KEPT_CASES).unwrap_or(i64::MAX)));
        assert!(!kept.1.contains_key(&0));
    }
}
