//! The powers cases are created and pushed for, as the desk reads them: the power,
//! the flowchart version in force for it and its unit's code, kept between groups.
//! Nearly every group of the online hall creates a case, and reading these three
//! was three of its round trips to the database. A commit that records a change to
//! a power, a flowchart or a unit drops what is kept ([`PowersCache::changed`]);
//! another server sharing a PostgreSQL database is seen after at most [`TTL`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::charts::{self, IN_CHUNK};
use crate::StoreError;
use crate::entity::{power, unit};

/// How long what was read is used at most (as the rules: see `refresh::RULES_TTL`).
const TTL: Duration = Duration::from_secs(10);

/// A power as online handling needs it.
#[derive(Debug)]
pub(super) struct PowerInForce {
    pub power: power::Model,
    /// The flowchart version in force, if one is published.
    pub published: Option<i64>,
    /// The code of the power's unit (the start of the case numbers drawn for it).
    pub unit_code: Option<String>,
}

#[derive(Debug, Default)]
struct Kept {
    generation: u64,
    read_at: Option<Instant>,
    powers: HashMap<String, Arc<PowerInForce>>,
}

/// Powers by code as last read, and a generation bumped by every committed change
/// to powers, flowcharts or units.
#[derive(Debug, Default)]
pub(super) struct PowersCache {
    generation: AtomicU64,
    kept: Mutex<Kept>,
}

impl PowersCache {
    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The powers of `codes` that exist, by code: those kept, the others read here.
    pub(super) async fn of(
        &self,
        conn: &impl ConnectionTrait,
        codes: &[&str],
    ) -> Result<HashMap<String, Arc<PowerInForce>>, StoreError> {
        // Read before reading the database: a change committed meanwhile bumps it,
        // and what this call read is then not kept.
        let generation = self.generation.load(Ordering::Acquire);
        let mut found = HashMap::with_capacity(codes.len());
        let mut missing = Vec::new();
        {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if kept.generation != generation || kept.read_at.is_none_or(|at| at.elapsed() >= TTL) {
                *kept = Kept { generation, read_at: Some(Instant::now()), powers: HashMap::new() };
            }
            for code in codes {
                match kept.powers.get(*code) {
                    Some(p) => {
                        found.insert((*code).to_owned(), Arc::clone(p));
                    }
                    None => missing.push(*code),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let read = read(conn, &missing).await?;
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = kept.generation == generation && self.generation.load(Ordering::Acquire) == generation;
        for (code, p) in read {
            if keep {
                kept.powers.insert(code.clone(), Arc::clone(&p));
            }
            found.insert(code, p);
        }
        Ok(found)
    }
}

/// The powers of `codes` from the database, with their version in force and unit code.
async fn read(conn: &impl ConnectionTrait, codes: &[&str]) -> Result<HashMap<String, Arc<PowerInForce>>, StoreError> {
    let mut powers = Vec::new();
    for chunk in codes.chunks(IN_CHUNK) {
        powers.extend(power::Entity::find().filter(power::Column::Code.is_in(chunk.iter().copied())).all(conn).await?);
    }
    let ids: Vec<i64> = powers.iter().map(|p| p.id).collect();
    let published = charts::published(conn, &ids).await?;
    let mut unit_ids: Vec<i64> = powers.iter().map(|p| p.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let mut units = HashMap::new();
    for chunk in unit_ids.chunks(IN_CHUNK) {
        for u in unit::Entity::find().filter(unit::Column::Id.is_in(chunk.iter().copied())).all(conn).await? {
            units.insert(u.id, u.code);
        }
    }
    Ok(powers
        .into_iter()
        .map(|power| {
            let in_force = PowerInForce {
                published: published.get(&power.id).copied(),
                unit_code: units.get(&power.unit_id).cloned(),
                power,
            };
            (in_force.power.code.clone(), Arc::new(in_force))
        })
        .collect())
}
