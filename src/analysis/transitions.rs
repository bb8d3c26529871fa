//! Counting keys per (before, after) owner pair in the hot loop: most keys stay where they
//! are, so those are counted in a plain array, and only moved keys go through a map.

use rustc_hash::FxHashMap;

/// A key's (or hash value's) node before and after the change; `None` is no node.
pub type OwnerPair = (Option<u32>, Option<u32>);

/// Counts of keys per (before, after) owner pair.
#[derive(Clone, Debug, Default)]
pub struct Transitions {
    /// Keys whose owner did not change, indexed by owner + 1 (0: no node either side).
    stayed: Vec<u64>,
    moved: FxHashMap<OwnerPair, u64>,
}

impl Transitions {
    #[inline]
    pub fn add(&mut self, before: Option<u32>, after: Option<u32>, count: u64) {
        if before == after {
            let index = before.map_or(0, |n| n as usize + 1);
            if index >= self.stayed.len() {
                self.stayed.resize(index + 1, 0);
            }
            self.stayed[index] += count;
        } else {
            *self.moved.entry((before, after)).or_default() += count;
        }
    }

    pub fn merge(&mut self, other: Transitions) {
        if self.stayed.len() < other.stayed.len() {
            self.stayed.resize(other.stayed.len(), 0);
        }
        for (mine, theirs) in self.stayed.iter_mut().zip(other.stayed) {
            *mine += theirs;
        }
        for ((before, after), count) in other.moved {
            self.add(before, after, count);
        }
    }

    pub fn total(&self) -> u64 {
        self.stayed.iter().sum::<u64>() + self.moved.values().sum::<u64>()
    }

    /// Every pair with its count, in a fixed order (sums over them are then reproducible).
    pub fn pairs(&self) -> Vec<(OwnerPair, u64)> {
        let stayed = self.stayed.iter().enumerate().filter(|&(_, &c)| c > 0);
        let mut pairs: Vec<(OwnerPair, u64)> = stayed
            .map(|(index, &count)| {
                let owner = index.checked_sub(1).map(|n| n as u32);
                ((owner, owner), count)
            })
            .chain(self.moved.iter().map(|(&pair, &count)| (pair, count)))
            .collect();
        pairs.sort_unstable();
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stayed_and_moved_pairs_add_up_in_any_order() {
        let mut a = Transitions::default();
        a.add(Some(2), Some(2), 3);
        a.add(None, None, 1);
        a.add(Some(0), Some(1), 2);
        a.add(Some(1), None, 5);
        let mut b = Transitions::default();
        b.add(Some(1), None, 5);
        b.add(Some(0), Some(1), 1);
        b.add(Some(0), Some(1), 1);
        b.add(None, None, 1);
        b.add(Some(2), Some(2), 3);
        assert_eq!(a.pairs(), b.pairs());
        assert_eq!(a.total(), 11);
        a.merge(b);
        assert_eq!(
            a.pairs(),
            [
                ((None, None), 2),
                ((Some(0), Some(1)), 4),
                ((Some(1), None), 10),
                ((Some(2), Some(2)), 6)
            ]
        );
    }
}
