//! Organization ids and currencies as small integers.
//!
//! The same few thousand tenderer and buyer ids recur across a million releases; keeping
//! each once, and a `u32` wherever it is referred to, is what keeps the engine within its
//! memory budget.

pub(crate) use crate::fast_hash::FastMap;

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
    use super::*;

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
