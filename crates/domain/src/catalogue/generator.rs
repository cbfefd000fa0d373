//! A realistic catalogue of any size, for demos, tests and the import benchmark.

use crate::catalogue::code::PowerCode;
use crate::catalogue::demo_names::{DEPARTMENTS, DemoDepartment, LICENCE_VARIANTS};
use crate::catalogue::draft::{PowerDraft, PowerDraftParts, PowerName};
use crate::catalogue::fee::{Fee, FeeStandard};
use crate::catalogue::legal_basis::LegalBasis;
use crate::catalogue::power_type::PowerType;
use crate::catalogue::time_limit::{LimitUnit, TimeLimit};
use crate::org::UnitCode;
use crate::text::{Name, Note};

/// A small deterministic generator: demos must come out the same every time, and
/// the domain crate has no need for a random-number crate.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// The department of the demo tables with this code, or one chosen by the code's
/// letters, so that any unit gets plausible powers.
#[must_use]
pub fn department_for(unit: &UnitCode) -> &'static DemoDepartment {
    DEPARTMENTS.iter().find(|d| d.code == unit.as_str()).unwrap_or_else(|| {
        let hash = unit.as_str().bytes().fold(0usize, |h, b| h * 31 + usize::from(b));
        &DEPARTMENTS[hash % DEPARTMENTS.len()]
    })
}

struct Item {
    power_type: PowerType,
    name: String,
    basis: &'static str,
    legal_limit: Option<TimeLimit>,
}

/// `n` powers of `unit` with codes, drawn from its department's table: its powers,
/// a penalty per violation, licences split into 新办/变更/延续…, then numbered
/// variants once the table is exhausted. Every draft is valid.
#[must_use]
pub fn generate_catalogue(unit: &UnitCode, n: usize, seed: u64) -> Vec<PowerDraft> {
    let dept = department_for(unit);
    let mut rng = SplitMix::new(seed);
    let mut items: Vec<Item> = dept
        .powers
        .iter()
        .map(|p| Item {
            power_type: p.power_type,
            name: p.name.to_owned(),
            basis: p.basis,
            legal_limit: TimeLimit::parse(p.legal_limit).ok(),
        })
        .collect();
    items.extend(dept.violations.iter().map(|v| Item {
        power_type: PowerType::Penalty,
        name: format!("对{}的行政处罚", v.act),
        basis: v.basis,
        legal_limit: TimeLimit::new(90, LimitUnit::Natural).ok(),
    }));
    let base = items.len();
    for variant in LICENCE_VARIANTS {
        for p in dept.powers.iter().filter(|p| p.power_type == PowerType::Licensing) {
            items.push(Item {
                power_type: p.power_type,
                name: format!("{}（{variant}）", p.name),
                basis: p.basis,
                legal_limit: TimeLimit::parse(p.legal_limit).ok(),
            });
        }
    }
    let mut sequences = [0u32; PowerType::ALL.len()];
    let mut powers = Vec::with_capacity(n);
    for i in 0..n {
        let round = i / items.len().max(1);
        let item = &items[i % items.len().max(1)];
        let name = if round == 0 { item.name.clone() } else { format!("{}（第{}类）", item.name, round + 1) };
        let type_index = PowerType::ALL.iter().position(|t| *t == item.power_type).unwrap_or(0);
        sequences[type_index] += 1;
        let draft = build(dept, unit, item, &name, sequences[type_index], i < base, &mut rng);
        if let Some(draft) = draft {
            powers.push(draft);
        }
    }
    powers
}

fn build(
    dept: &DemoDepartment,
    unit: &UnitCode,
    item: &Item,
    name: &str,
    sequence: u32,
    original: bool,
    rng: &mut SplitMix,
) -> Option<PowerDraft> {
    let promised_limit = item.legal_limit.and_then(|legal| {
        let shorter = (legal.amount() / 2).max(1);
        TimeLimit::new(shorter, legal.unit()).ok()
    });
    let fee = if item.power_type == PowerType::Licensing && rng.chance(15) {
        Fee::Charged(FeeStandard::parse("按省发展改革委、省财政厅核定的收费标准执行").ok()?)
    } else {
        Fee::Free
    };
    let section = dept.sections[rng.below(dept.sections.len())];
    PowerDraft::new(PowerDraftParts {
        code: PowerCode::new(unit.clone(), item.power_type, sequence).ok(),
        name: PowerName::parse(name).ok()?,
        power_type: item.power_type,
        legal_basis: LegalBasis::parse(item.basis).ok()?,
        unit: unit.clone(),
        section: Name::parse(section).ok(),
        position: None,
        legal_limit: item.legal_limit,
        promised_limit,
        fee,
        unit_head: original && rng.chance(13),
        public: true,
        notes: (!original).then(|| Note::parse("由示例数据生成").ok()).flatten(),
    })
    .ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn generates_distinct_valid_powers() {
        let unit = UnitCode::parse("SCJG").unwrap();
        let powers = generate_catalogue(&unit, 500, 1);
        assert_eq!(powers.len(), 500);
        let codes: BTreeSet<_> = powers.iter().map(|p| p.parts().code.clone()).collect();
        assert_eq!(codes.len(), 500);
        let names: BTreeSet<_> = powers.iter().map(|p| p.parts().name.clone()).collect();
        assert_eq!(names.len(), 500);
        assert_eq!(generate_catalogue(&unit, 500, 1), powers);
    }

    #[test]
    fn any_unit_gets_a_department() {
        let unit = UnitCode::parse("XYZ9").unwrap();
        let powers = generate_catalogue(&unit, 30, 2);
        assert_eq!(powers.len(), 30);
        assert!(powers.iter().all(|p| p.parts().unit == unit));
    }
}
