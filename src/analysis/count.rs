//! The hot loop: read a key, locate it, count it in a plain array indexed by node id.

use crate::error::Result;
use crate::keys::{KeyFormat, KeySource};
use crate::ring::Placement;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    pub per_node: Vec<u64>,
    /// Keys no node serves (unassigned Redis Cluster slots).
    pub unassigned: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.per_node.iter().sum::<u64>() + self.unassigned
    }
}

pub fn count_keys(
    placement: &dyn Placement,
    nodes: usize,
    source: &KeySource,
    format: KeyFormat,
) -> Result<Counts> {
    let mut counts = Counts {
        per_node: vec![0; nodes],
        unassigned: 0,
    };
    source.for_each(format, |key| {
        match placement.locate(key) {
            Some(node) => counts.per_node[node as usize] += 1,
            None => counts.unassigned += 1,
        }
        Ok(())
    })?;
    Ok(counts)
}
