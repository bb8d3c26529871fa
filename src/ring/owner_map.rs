//! A placement seen as a function of one key-hash value: which node owns each value. Shares
//! and the exact movement between two placements (`simulate`, `diff` without keys) are both
//! counted from it, over every value the key hash can take.

use rustc_hash::FxHashMap;

use super::residue::values_with_residue_in;
use super::{HashTag, NodeId, Ownership, ShareBasis};
use crate::hash::HashFunction;

/// What the owner map is a function of: the same key gives the same value in two maps with
/// equal inputs, so the maps can be compared value by value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashInput {
    pub hash: &'static str,
    /// How many bits of the hash the placement uses.
    pub bits: u32,
    pub tag: Option<HashTag>,
}

impl HashInput {
    /// Keys hashed with `hash32` (twemproxy's rings).
    pub fn narrow(hash: &HashFunction, tag: Option<HashTag>) -> HashInput {
        HashInput {
            hash: hash.name,
            bits: hash.bits.min(32),
            tag,
        }
    }

    /// Keys hashed with `hash64` (the generic algorithms).
    pub fn wide(hash: &HashFunction, tag: Option<HashTag>) -> HashInput {
        HashInput {
            hash: hash.name,
            bits: hash.bits,
            tag,
        }
    }

    pub fn range(&self) -> u128 {
        1u128 << self.bits
    }
}

#[derive(Clone, Debug)]
pub enum Layout {
    /// `(last value, owner)` of consecutive runs of values, ascending; the last run ends at
    /// `range - 1`.
    Intervals(Vec<(u128, Option<NodeId>)>),
    /// The owner of `value mod period`: `(end, owner)` runs over `0..period`, ascending.
    Periodic {
        period: u128,
        runs: Vec<(u128, Option<NodeId>)>,
    },
}

#[derive(Clone, Debug)]
pub struct OwnerMap {
    pub input: HashInput,
    /// Number of distinct hash values.
    pub range: u128,
    pub layout: Layout,
}

/// Hash values moving from one owner to another: `(before, after, values)`.
pub type Transitions = Vec<(Option<NodeId>, Option<NodeId>, u128)>;

/// Beyond this many elementary steps an exact comparison is not attempted.
const WORK_LIMIT: u128 = 50_000_000;

impl OwnerMap {
    /// Hash values owned by each node.
    pub fn counts(&self, nodes: usize) -> Vec<u128> {
        let mut counts = vec![0u128; nodes];
        match &self.layout {
            Layout::Intervals(runs) => {
                let mut start = 0;
                for &(last, owner) in runs {
                    if let Some(owner) = owner {
                        counts[owner as usize] += last + 1 - start;
                    }
                    start = last + 1;
                }
            }
            Layout::Periodic { period, runs } => {
                let mut start = 0;
                for &(end, owner) in runs {
                    if let Some(owner) = owner {
                        counts[owner as usize] +=
                            values_with_residue_in(start, end, *period, self.range);
                    }
                    start = end;
                }
            }
        }
        counts
    }

    pub fn shares(&self, nodes: usize) -> Vec<f64> {
        self.counts(nodes)
            .into_iter()
            .map(|c| c as f64 / self.range as f64)
            .collect()
    }

    /// Exact ownership: shares counted from this map, with the given point counts.
    pub fn ownership(&self, points: Vec<Option<u64>>) -> Ownership {
        Ownership {
            shares: self.shares(points.len()),
            points,
            basis: ShareBasis::Exact,
        }
    }

    /// Whether [`transitions`] counts this map against another of the same layout exactly,
    /// as it does against itself: periodic maps of long periods are sampled instead.
    pub fn compares_exactly(&self) -> bool {
        match &self.layout {
            Layout::Intervals(_) => true,
            Layout::Periodic { period, .. } => *period <= WORK_LIMIT,
        }
    }

    /// The same map with every owner passed through `rename` (`None` drops ownership).
    pub fn rename(mut self, rename: impl Fn(NodeId) -> Option<NodeId>) -> OwnerMap {
        let runs = match &mut self.layout {
            Layout::Intervals(runs) | Layout::Periodic { runs, .. } => runs,
        };
        for (_, owner) in runs.iter_mut() {
            *owner = owner.and_then(&rename);
        }
        self
    }
}

/// Counts, for every pair of owners, the hash values that `before` gives the first and
/// `after` the second. `None` when the maps take different inputs or the count would take
/// too long.
pub fn transitions(before: &OwnerMap, after: &OwnerMap) -> Option<Transitions> {
    if before.input != after.input || before.range != after.range {
        return None;
    }
    let range = before.range;
    let mut tally = Tally::default();
    let mut add = |a: Option<NodeId>, b: Option<NodeId>, values: u128| tally.add(a, b, values);
    match (&before.layout, &after.layout) {
        (Layout::Intervals(a), Layout::Intervals(b)) => {
            let (mut i, mut j, mut start) = (0, 0, 0u128);
            while i < a.len() && j < b.len() {
                let last = a[i].0.min(b[j].0);
                add(a[i].1, b[j].1, last + 1 - start);
                start = last + 1;
                if a[i].0 == last {
                    i += 1;
                }
                if b[j].0 == last {
                    j += 1;
                }
            }
        }
        (
            Layout::Periodic {
                period: pa,
                runs: a,
            },
            Layout::Periodic {
                period: pb,
                runs: b,
            },
        ) => {
            let period = lcm(*pa, *pb);
            if period > WORK_LIMIT {
                return None;
            }
            if pa == pb {
                // One period (a node failed in place, a rebalance of slots): run against
                // run, not residue by residue, which for modula's period of the total weight
                // is up to 50 million steps.
                let (mut i, mut j, mut start) = (0, 0, 0u128);
                while i < a.len() && j < b.len() {
                    let end = a[i].0.min(b[j].0);
                    add(
                        a[i].1,
                        b[j].1,
                        values_with_residue_in(start, end, period, range),
                    );
                    start = end;
                    i += usize::from(a[i].0 == end);
                    j += usize::from(b[j].0 == end);
                }
            } else {
                for residue in 0..period {
                    let values = values_with_residue_in(residue, residue + 1, period, range);
                    add(owner_at(a, residue % pa), owner_at(b, residue % pb), values);
                }
            }
        }
        (Layout::Intervals(intervals), Layout::Periodic { period, runs }) => {
            for (a, b, values) in intervals_against_periodic(intervals, *period, runs)? {
                add(a, b, values);
            }
        }
        (Layout::Periodic { period, runs }, Layout::Intervals(intervals)) => {
            for (b, a, values) in intervals_against_periodic(intervals, *period, runs)? {
                add(a, b, values);
            }
        }
    }
    Some(tally.into_transitions())
}

/// Values per pair of owners. Two rings of millions of points give millions of runs, nearly
/// all of them between a node and itself: those are summed in a vector by node, the rest
/// in a hash map.
#[derive(Default)]
struct Tally {
    kept: Vec<u128>,
    unowned: u128,
    moved: FxHashMap<(Option<NodeId>, Option<NodeId>), u128>,
}

impl Tally {
    #[inline]
    fn add(&mut self, a: Option<NodeId>, b: Option<NodeId>, values: u128) {
        if values == 0 {
            return;
        }
        match (a, b) {
            (Some(a), Some(b)) if a == b => {
                let node = a as usize;
                if node >= self.kept.len() {
                    self.kept.resize(node + 1, 0);
                }
                self.kept[node] += values;
            }
            (None, None) => self.unowned += values,
            _ => *self.moved.entry((a, b)).or_default() += values,
        }
    }

    fn into_transitions(self) -> Transitions {
        let kept = self.kept.into_iter().enumerate().filter(|&(_, v)| v > 0);
        kept.map(|(node, values)| (Some(node as NodeId), Some(node as NodeId), values))
            .chain((self.unowned > 0).then_some((None, None, self.unowned)))
            .chain(
                self.moved
                    .into_iter()
                    .map(|((a, b), values)| (a, b, values)),
            )
            .collect()
    }
}

fn intervals_against_periodic(
    intervals: &[(u128, Option<NodeId>)],
    period: u128,
    runs: &[(u128, Option<NodeId>)],
) -> Option<Transitions> {
    if (intervals.len() as u128) * (runs.len() as u128) > WORK_LIMIT {
        return None;
    }
    let mut out = Vec::new();
    let mut start = 0u128;
    for &(last, interval_owner) in intervals {
        let mut run_start = 0;
        for &(run_end, run_owner) in runs {
            // Values in start..=last whose residue falls in run_start..run_end.
            let below = |x: u128| values_with_residue_in(run_start, run_end, period, x);
            out.push((interval_owner, run_owner, below(last + 1) - below(start)));
            run_start = run_end;
        }
        start = last + 1;
    }
    Some(out)
}

fn owner_at(runs: &[(u128, Option<NodeId>)], residue: u128) -> Option<NodeId> {
    runs[runs.partition_point(|&(end, _)| end <= residue)].1
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn lcm(a: u128, b: u128) -> u128 {
    a / gcd(a, b) * b
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn input() -> HashInput {
        HashInput {
            hash: "h",
            bits: 8,
            tag: None,
        }
    }

    /// Owner of value `v` in a map, by definition.
    fn owner(map: &OwnerMap, v: u128) -> Option<NodeId> {
        match &map.layout {
            Layout::Intervals(runs) => runs[runs.partition_point(|&(last, _)| last < v)].1,
            Layout::Periodic { period, runs } => owner_at(runs, v % period),
        }
    }

    fn brute(a: &OwnerMap, b: &OwnerMap) -> HashMap<(Option<NodeId>, Option<NodeId>), u128> {
        let mut counts = HashMap::new();
        for v in 0..a.range {
            *counts.entry((owner(a, v), owner(b, v))).or_default() += 1;
        }
        counts
    }

    fn summed(t: Transitions) -> HashMap<(Option<NodeId>, Option<NodeId>), u128> {
        let mut counts = HashMap::new();
        for (a, b, v) in t {
            if v > 0 {
                *counts.entry((a, b)).or_default() += v;
            }
        }
        counts
    }

    #[test]
    fn every_pairing_agrees_with_counting() {
        let range = 256;
        let ring_a = OwnerMap {
            input: input(),
            range,
            layout: Layout::Intervals(vec![
                (9, Some(0)),
                (100, Some(1)),
                (180, None),
                (255, Some(0)),
            ]),
        };
        let ring_b = OwnerMap {
            input: input(),
            range,
            layout: Layout::Intervals(vec![(50, Some(2)), (120, Some(1)), (255, Some(0))]),
        };
        let mod_a = OwnerMap {
            input: input(),
            range,
            layout: Layout::Periodic {
                period: 5,
                runs: vec![(2, Some(0)), (3, Some(1)), (5, Some(2))],
            },
        };
        let mod_b = OwnerMap {
            input: input(),
            range,
            layout: Layout::Periodic {
                period: 7,
                runs: vec![(3, Some(1)), (7, None)],
            },
        };
        // The period of `mod_a`, other runs: compared run against run.
        let mod_c = OwnerMap {
            input: input(),
            range,
            layout: Layout::Periodic {
                period: 5,
                runs: vec![(1, Some(2)), (4, None), (5, Some(0))],
            },
        };
        let maps = [&ring_a, &ring_b, &mod_a, &mod_b, &mod_c];
        for a in maps {
            for b in maps {
                assert_eq!(summed(transitions(a, b).unwrap()), brute(a, b));
            }
        }
        assert_eq!(ring_a.counts(3), vec![10 + 75, 91, 0]);
        assert_eq!(mod_a.counts(3).iter().sum::<u128>(), 256);
    }

    #[test]
    fn different_inputs_do_not_compare() {
        let a = OwnerMap {
            input: input(),
            range: 16,
            layout: Layout::Intervals(vec![(15, Some(0))]),
        };
        let mut b = a.clone();
        b.input.tag = Some(HashTag::REDIS);
        assert!(transitions(&a, &b).is_none());
    }
}
