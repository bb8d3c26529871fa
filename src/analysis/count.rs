//! The hot loop: read a key, locate it, count it in a plain array indexed by node id, on as
//! many threads as asked ([`super::parallel`]).

use super::parallel::fold_keys;
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
