//! What a new risk model would change. Approved levels are never changed here: the
//! list goes to people, who run the level workflow again where they agree.

use serde::Serialize;

use crate::risk::model::{FactorValues, RiskModel, Score};

/// One risk point (or position) to re-assess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescoreItem<Id> {
    pub id: Id,
    pub values: FactorValues,
    /// The level in force, if one was approved.
    pub approved_rank: Option<u8>,
}

/// What the new model would do to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change<Id> {
    pub id: Id,
    pub outcome: Outcome,
    pub approved_rank: Option<u8>,
    /// Whether the new model's level differs from the approved level (or there is
    /// none, or it cannot be computed): someone must look at it.
    pub needs_review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Rescored {
        old_score: Option<Score>,
        new_score: Score,
        old_rank: Option<u8>,
        new_rank: u8,
    },
    /// The values do not fit the new model (a grade above its scale): the code says why.
    Unscorable {
        code: &'static str,
    },
}

/// Every item whose score or level would change under `new`, or that `new`
/// cannot score. Items the new model leaves as they are do not appear.
#[must_use]
pub fn rescore<Id: Clone>(old: &RiskModel, new: &RiskModel, items: &[RescoreItem<Id>]) -> Vec<Change<Id>> {
    items
        .iter()
        .filter_map(|item| {
            let before = old.assess(&item.values).ok().map(|(s, l)| (s, l.rank));
            let outcome = match new.assess(&item.values) {
                Err(error) => Outcome::Unscorable { code: error.code },
                Ok((new_score, level)) => {
                    if before == Some((new_score, level.rank)) {
                        return None;
                    }
                    Outcome::Rescored {
                        old_score: before.map(|(s, _)| s),
                        new_score,
                        old_rank: before.map(|(_, r)| r),
                        new_rank: level.rank,
                    }
                }
            };
            let needs_review = match &outcome {
                Outcome::Rescored { new_rank, .. } => item.approved_rank != Some(*new_rank),
                Outcome::Unscorable { .. } => true,
            };
            Some(Change { id: item.id.clone(), outcome, approved_rank: item.approved_rank, needs_review })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::risk::model::tests::values;
    use crate::risk::model::{RiskModelConfig, Scale};

    fn stricter() -> RiskModel {
        let mut config: RiskModelConfig = RiskModel::default().config().clone();
        config.version = 2;
        config.levels[0].min_score = 55;
        config.factors[1].scale = Scale::Grade { max: 4 };
        RiskModel::try_from(config).unwrap()
    }

    #[test]
    fn lists_changes_without_touching_approved_levels() {
        let old = RiskModel::default();
        let new = stricter();
        let items = vec![
            RescoreItem { id: "a", values: values(3, 3), approved_rank: Some(2) },
            RescoreItem { id: "b", values: values(10, 4), approved_rank: Some(1) },
            RescoreItem { id: "c", values: values(3, 5), approved_rank: Some(1) },
        ];
        let changes = rescore(&old, &new, &items);
        let by_id = |id| changes.iter().find(|c| c.id == id).unwrap();
        // "a": importance 3 now counts as 3 of 4: 57.0 → 60.8, which the new threshold makes level 1.
        match &by_id("a").outcome {
            Outcome::Rescored { old_rank, new_rank, .. } => assert_eq!((*old_rank, *new_rank), (Some(2), 1)),
            other @ Outcome::Unscorable { .. } => panic!("{other:?}"),
        }
        assert!(by_id("a").needs_review);
        assert_eq!(by_id("a").approved_rank, Some(2));
        // "c": importance 5 is off the new 1–4 scale.
        assert_eq!(by_id("c").outcome, Outcome::Unscorable { code: "grade_out_of_range" });
        assert!(by_id("c").needs_review);
        assert!(!by_id("b").needs_review, "score changes but level 1 stays level 1");
        assert_eq!(items[0].approved_rank, Some(2));
    }

    #[test]
    fn same_model_changes_nothing() {
        let model = RiskModel::default();
        let items = vec![RescoreItem { id: 1, values: values(5, 2), approved_rank: None }];
        assert!(rescore(&model, &model, &items).is_empty());
    }
}
