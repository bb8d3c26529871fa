//! Counting keys per (before, after) owner pair in the hot loop: most keys stay where they
//! are, so those are counted in a plain array, and only moved keys go through a map. The
//! same table sums the keys' weights with `--key-weight` (`Transitions<u128>`).

use std::ops::AddAssign;

use rustc_hash::FxHashMap;

/// A key's (or hash value's) node before and after the change; `None` is no node.
pub type OwnerPair = (Option<u32>, Option<u32>);

/// Counts of keys (or sums of their weights) per (before, after) owner pair.
#[derive(Clone, Debug, Default)]
pub struct Transitions<A = u64> {
    /// Keys whose owner did not change, indexed by owner + 1 (0: no node either side).
    stayed: Vec<A>,
    moved: FxHashMap<OwnerPair, A>,
}

impl<A: Copy + Default + PartialEq + AddAssign> Transitions<A> {
    #[inline]
    pub fn add(&mut self, before: Option<u32>, after: Option<u32>, amount: A) {
        if before == after {
            let index = before.map_or(0, |n| n as usize + 1);
            if index >= self.stayed.len() {
                self.stayed.resize(index + 1, A::default());
            }
            self.stayed[index] += amount;
        } else {
            *self.moved.entry((before, after)).or_default() += amount;
        }
    }

    pub fn merge(&mut self, other: Transitions<A>) {
        if self.stayed.len() < other.stayed.len() {
            self.stayed.resize(other.stayed.len(), A::default());
        }
        for (mine, theirs) in self.stayed.iter_mut().zip(other.stayed) {
            *mine += theirs;
        }
        for ((before, after), amount) in other.moved {
            self.add(before, after, amount);
        }
    }

    pub fn total(&self) -> A {
        let mut total = A::default();
        for &amount in self.stayed.iter().chain(self.moved.values()) {
            total += amount;
        }
        total
    }

    /// Every pair with its amount, in a fixed order (sums over them are then reproducible).
    pub fn pairs(&self) -> Vec<(OwnerPair, A)> {
        let stayed = (self.stayed.iter().enumerate()).filter(|&(_, &c)| c != A::default());
        let mut pairs: Vec<(OwnerPair, A)> = stayed
            .map(|(index, &count)| {
                let owner = index.checked_sub(1).map(|n| n as u32);
                ((owner, owner), count)
            })
            .chain(self.moved.iter().map(|(&pair, &count)| (pair, count)))
            .collect();
        pairs.sort_unstable_by_key(|&(pair, _)| pair);
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
