//! Power decomposition (权力分解): deciding, executing and supervising one power
//! must sit in different sections.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;

keyed_enum! {
    /// The three parts of a decomposed power.
    PowerRole {
        /// 决策
        Decide => "decide",
        /// 执行
        Execute => "execute",
        /// 监督
        Supervise => "supervise",
    }
}

/// The sections holding each part of one power (a part may be shared by several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerSections<P, S> {
    pub power: P,
    pub decide: Vec<S>,
    pub execute: Vec<S>,
    pub supervise: Vec<S>,
}

/// A section that holds two or three parts of the same power.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict<P, S> {
    pub power: P,
    pub section: S,
    pub roles: Vec<PowerRole>,
}

/// Every (power, section) where the section holds more than one part, in input
/// order of powers and section order within a power.
#[must_use]
pub fn separation_conflicts<P: Clone, S: Ord + Clone>(powers: &[PowerSections<P, S>]) -> Vec<Conflict<P, S>> {
    let mut conflicts = Vec::new();
    for power in powers {
        let mut roles: BTreeMap<&S, Vec<PowerRole>> = BTreeMap::new();
        for (role, sections) in [
            (PowerRole::Decide, &power.decide),
            (PowerRole::Execute, &power.execute),
            (PowerRole::Supervise, &power.supervise),
        ] {
            for section in sections {
                let held = roles.entry(section).or_default();
                if !held.contains(&role) {
                    held.push(role);
                }
            }
        }
        conflicts.extend(roles.into_iter().filter(|(_, r)| r.len() > 1).map(|(section, roles)| Conflict {
            power: power.power.clone(),
            section: section.clone(),
            roles,
        }));
    }
    conflicts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn power(
        code: &'static str,
        d: &[&'static str],
        e: &[&'static str],
        s: &[&'static str],
    ) -> PowerSections<&'static str, &'static str> {
        PowerSections { power: code, decide: d.to_vec(), execute: e.to_vec(), supervise: s.to_vec() }
    }

    #[test]
    fn finds_sections_holding_two_parts() {
        let powers = [
            power("SCJGXK001", &["局党组"], &["审批股"], &["法规股"]),
            power("SCJGCF001", &["局党组"], &["执法大队"], &["执法大队", "纪检组"]),
            power("SCJGZS001", &["财务股"], &["财务股"], &["财务股"]),
        ];
        let conflicts = separation_conflicts(&powers);
        assert_eq!(
            conflicts,
            vec![
                Conflict {
                    power: "SCJGCF001",
                    section: "执法大队",
                    roles: vec![PowerRole::Execute, PowerRole::Supervise]
                },
                Conflict {
                    power: "SCJGZS001",
                    section: "财务股",
                    roles: vec![PowerRole::Decide, PowerRole::Execute, PowerRole::Supervise],
                },
            ]
        );
    }
}
