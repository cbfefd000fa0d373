//! Organization ids and currencies as small integers.
//!
//! The same few thousand tenderer and buyer ids recur across a million releases; keeping
//! each once, and a `u32` wherever it is referred to, is what keeps the engine within its
//! memory budget.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hash (as in Firefox and rustc): several times faster than `SipHash`
/// on short ids. Flooding the maps with colliding ids would only slow one import down.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The product's low bits depend only on the input's low bits ("T1", "T2", … would
        // share a bucket); fold the well-mixed high bits down, as MurmurHash3 finishes.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 29)
    }
}

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: FastMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The first input line on which each name was seen, to order output by appearance.
    first_lines: Vec<u64>,
}

impl Interner {
    pub(crate) fn intern(&mut self, name: &str, line: u64) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            let first = &mut self.first_lines[id as usize];
            *first = (*first).min(line);
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.into(), id);
        self.names.push(name.into());
        self.first_lines.push(line);
        id
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    pub(crate) fn first_line(&self, id: u32) -> u64 {
        self.first_lines.get(id as usize).copied().unwrap_or(u64::MAX)
    }

    /// Takes in another interner's names; the returned table maps its ids to ours.
    pub(crate) fn absorb(&mut self, other: &Self) -> Vec<u32> {
        other.names.iter().zip(&other.first_lines).map(|(name, &line)| self.intern(name, line)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn similar_ids_spread_over_low_bits() {
        let hasher = BuildHasherDefault::<FastHasher>::default();
        let buckets: std::collections::HashSet<u64> =
            (0..256).map(|i| hasher.hash_one(format!("T{i}")) & 0xff).collect();
        assert!(buckets.len() > 128, "{} distinct low bytes", buckets.len());
    }

    #[test]
    fn absorb_remaps_and_keeps_earliest_line() {
        let mut a = Interner::default();
        let x = a.intern("x", 5);
        let mut b = Interner::default();
        let y = b.intern("y", 1);
        let x_in_b = b.intern("x", 2);
        let remap = a.absorb(&b);
        assert_eq!(remap[x_in_b as usize], x);
        assert_eq!(a.name(remap[y as usize]), "y");
        assert_eq!(a.first_line(x), 2);
        assert_eq!(a.lookup("z"), None);
    }
}
