//! twemproxy's modula (`nc_modula.c`): every server, in label-sorted order, fills `weight`
//! consecutive slots; a key goes to slot `hash mod total_weight`.

use super::explain::{Entry, Searched, bucket_run};
use super::twemproxy::{SINGLE_SERVER, explained_hash, key_hash, server_order};
use super::{
    Explanation, HashInput, HashTag, Layout, NodeId, OwnerMap, Ownership, Placement, RingConfig,
};
use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::nodes::Node;

const RULE: &str = "bucket = hash mod total weight; each server holds as many consecutive buckets as its weight, servers in name order";

pub struct Modula {
    /// End (exclusive) of each server's run of slots, in slot order.
    ends: Vec<u64>,
    owners: Vec<NodeId>,
    nodes: usize,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

impl Modula {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        let order = server_order(nodes)?;
        let mut ends = Vec::with_capacity(nodes.len());
        let mut end = 0u64;
        for &index in &order {
            end += u64::from(nodes[index].weight);
            ends.push(end);
        }
        if end > u64::from(u32::MAX) {
            return Err(Error::usage(
                "modula: the total weight exceeds 2^32 - 1, twemproxy's limit",
            ));
        }
        Ok(Modula {
            ends,
            owners: order.into_iter().map(|i| i as NodeId).collect(),
            nodes: nodes.len(),
            hash: config.hash,
            hash_tag: config.hash_tag,
        })
    }

    fn total(&self) -> u64 {
        *self.ends.last().expect("at least one node")
    }

    /// The key's bucket, `hash mod total weight`, and the run of buckets that holds it.
    #[inline]
    fn bucket(&self, hash: u32) -> (u64, usize) {
        let bucket = u64::from(hash) % self.total();
        (bucket, self.ends.partition_point(|&end| end <= bucket))
    }
}

impl Modula {
    /// Residue `r` of `hash mod total weight` belongs to the run of slots that holds it.
    fn map(&self) -> OwnerMap {
        let input = HashInput::narrow(self.hash, self.hash_tag);
        let runs = self
            .ends
            .iter()
            .zip(&self.owners)
            .map(|(&end, &owner)| (u128::from(end), Some(owner)));
        let layout = Layout::Periodic {
            period: u128::from(self.total()),
            runs: runs.collect(),
        };
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for Modula {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        if self.nodes == 1 {
            return Some(0);
        }
        let (_, run) = self.bucket(key_hash(self.hash, self.hash_tag.as_ref(), key));
        Some(self.owners[run])
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        if self.nodes == 1 {
            return Explanation::unhashed(Some(0), SINGLE_SERVER);
        }
        let (explanation, hash) = explained_hash(self.hash, self.hash_tag.as_ref(), key);
        let (bucket, run) = self.bucket(hash);
        let chosen = Entry {
            position: bucket.into(),
            node: self.owners[run],
            index: bucket,
        };
        explanation
            .in_table(Searched::Bucket, bucket.into(), RULE, Some(chosen))
            .with_range(bucket_run(&self.ends, run))
    }

    fn ownership(&self) -> Ownership {
        let mut points = vec![Some(0u64); self.nodes];
        let mut start = 0;
        for (&end, &owner) in self.ends.iter().zip(&self.owners) {
            points[owner as usize] = Some(end - start);
            start = end;
        }
        self.map().ownership(points)
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }

    fn ring_bytes(&self) -> Option<u64> {
        Some(
            (std::mem::size_of_val(self.ends.as_slice())
                + std::mem::size_of_val(self.owners.as_slice())) as u64,
        )
    }
}
