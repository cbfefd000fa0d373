//! A fast, non-cryptographic hasher for the hot maps of the importers and engines
//! (interned ids and activity names, trace variants). Keys come from one file being
//! read; flooding the maps with colliding keys would only slow that one import down.

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

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::FastHasher;

    #[test]
    fn similar_ids_spread_over_low_bits() {
        let hasher = BuildHasherDefault::<FastHasher>::default();
        let buckets: std::collections::HashSet<u64> =
            (0..256).map(|i| hasher.hash_one(format!("T{i}")) & 0xff).collect();
        assert!(buckets.len() > 128, "{} distinct low bytes", buckets.len());
    }
}
