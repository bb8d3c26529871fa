//! The hot loop: read a key, locate it, count it in a plain array indexed by node id, on as
//! many threads as asked ([`super::parallel`]). With `--key-weight` the key's weight is
//! summed beside it ([`super::load`]), and with `--top` offered to its node's heap
//! ([`super::top`]).

use super::load::Loads;
use super::parallel::{Batch, fold_keys, fold_records};
use super::top::{HotKey, TopKeys};
use crate::error::Result;
use crate::keys::{BATCH, KeyFormat, KeySource};
use crate::ring::Placement;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    pub per_node: Vec<u64>,
    /// Keys no node serves (unassigned Redis Cluster slots).
    pub unassigned: u64,
}

impl Counts {
    fn new(nodes: usize) -> Counts {
        Counts {
            per_node: vec![0; nodes],
            unassigned: 0,
        }
    }

    pub fn total(&self) -> u64 {
        self.per_node.iter().sum::<u64>() + self.unassigned
    }

    #[inline]
    fn add(&mut self, placement: &dyn Placement, keys: &[&[u8]]) {
        let mut owners = [None; BATCH];
        let owners = &mut owners[..keys.len()];
        placement.locate_batch(keys, owners);
        for owner in owners {
            match owner {
                Some(node) => self.per_node[*node as usize] += 1,
                None => self.unassigned += 1,
            }
        }
    }

    fn merge(&mut self, other: &Counts) {
        for (mine, theirs) in self.per_node.iter_mut().zip(&other.per_node) {
            *mine += theirs;
        }
        self.unassigned += other.unassigned;
    }
}

/// Counts the keys of `source` per node, on `threads` threads (1: on this one).
pub fn count_keys(
    placement: &dyn Placement,
    nodes: usize,
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
) -> Result<Counts> {
    fold_keys(
        source,
        format,
        threads,
        || Counts::new(nodes),
        |counts, keys| {
            counts.add(placement, keys);
            Ok(())
        },
        |total, counts| total.merge(&counts),
    )
}

/// What `dist --key-weight` counts: keys and loads per node, and with `--top N` each node's
/// heaviest keys (heaviest first).
#[derive(Clone, Debug)]
pub struct WeightedCounts {
    pub counts: Counts,
    pub loads: Loads,
    pub top: Option<Vec<Vec<HotKey>>>,
}

/// One worker's share of [`WeightedCounts`] while keys are counted.
struct Weighed {
    counts: Counts,
    loads: Vec<u128>,
    unassigned: u128,
    /// Per node; empty without `--top`.
    top: Vec<TopKeys>,
}

impl Weighed {
    fn new(nodes: usize, top: Option<usize>) -> Weighed {
        Weighed {
            counts: Counts::new(nodes),
            loads: vec![0; nodes],
            unassigned: 0,
            top: top.map_or_else(Vec::new, |n| (0..nodes).map(|_| TopKeys::new(n)).collect()),
        }
    }

    #[inline]
    fn add(&mut self, placement: &dyn Placement, batch: Batch) {
        let mut owners = [None; BATCH];
        let owners = &mut owners[..batch.keys.len()];
        placement.locate_batch(batch.keys, owners);
        for ((key, &weight), owner) in batch.keys.iter().zip(batch.weights).zip(&*owners) {
            match owner {
                Some(node) => {
                    let node = *node as usize;
                    self.counts.per_node[node] += 1;
                    self.loads[node] += u128::from(weight);
                    if let Some(top) = self.top.get_mut(node) {
                        top.offer(weight, key, ());
                    }
                }
                None => {
                    self.counts.unassigned += 1;
                    self.unassigned += u128::from(weight);
                }
            }
        }
    }

    fn merge(&mut self, other: Weighed) {
        self.counts.merge(&other.counts);
        for (mine, theirs) in self.loads.iter_mut().zip(&other.loads) {
            *mine += theirs;
        }
        self.unassigned += other.unassigned;
        for (mine, theirs) in self.top.iter_mut().zip(other.top) {
            mine.merge(theirs);
        }
    }
}

/// [`count_keys`] for records with weights (`KeyFormat::weighted`, whatever `format` says):
/// keys and loads per node, and with `top` each node's `top` heaviest keys.
pub fn count_weighted_keys(
    placement: &dyn Placement,
    nodes: usize,
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    top: Option<usize>,
) -> Result<WeightedCounts> {
    let no_flush = None::<fn(&mut Weighed) -> Result<()>>;
    let total = fold_records(
        source,
        KeyFormat {
            weighted: true,
            ..format
        },
        threads,
        || Weighed::new(nodes, top),
        |acc, batch| {
            acc.add(placement, batch);
            Ok(())
        },
        no_flush,
        Weighed::merge,
    )?;
    Ok(WeightedCounts {
        loads: Loads::checked(&total.loads, total.unassigned)?,
        counts: total.counts,
        top: top.map(|_| total.top.into_iter().map(TopKeys::into_hot_keys).collect()),
    })
}
