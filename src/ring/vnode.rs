//! A generic consistent-hash ring: `vnodes × weight` points per node, point `i` of a node at
//! `hash("label-i")`, keys at `hash(key)`, 64-bit when the hash is. Not any one system's ring:
//! the baseline to compare systems and vnode counts against. The ring depends on the set of
//! nodes, not on the order they are listed in.

use super::explain::rules;
use super::{
    Algo, Continuum, DEFAULT_VNODES, Explanation, HashInput, HashTag, KeyHashing, Layout, NodeId,
    OwnerMap, Ownership, Placement, Point, RingConfig, check_size, hashed_part,
};
use crate::error::Result;
use crate::hash::HashFunction;
use crate::keys::BATCH;
use crate::nodes::Node;

pub struct Vnode {
    continuum: Continuum<u64>,
    nodes: usize,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

impl Vnode {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        Ok(Vnode {
            continuum: Continuum::from_points(points(nodes, config)?),
            nodes: nodes.len(),
            hash: config.hash,
            hash_tag: config.hash_tag,
        })
    }
}

/// The ring's points: `vnodes × weight` per node, point `j` of a node at `hash("label-j")`.
pub(super) fn points(nodes: &[Node], config: &RingConfig) -> Result<Vec<(u64, NodeId)>> {
    let vnodes = config.vnodes.unwrap_or(DEFAULT_VNODES);
    let total: u64 = nodes
        .iter()
        .map(|n| u64::from(n.weight) * u64::from(vnodes))
        .sum();
    check_size(
        Algo::Vnode,
        total.into(),
        "points (vnodes × total weight)",
        "lower --vnodes or the weights",
    )?;
    let mut points = Vec::with_capacity(total as usize);
    // Names are hashed a batch at a time: MD5, the default, runs several lanes at once.
    let mut names = NameBatch::default();
    // Points are made in label order, so that equal points (which the stable sort keeps
    // in that order) go to the same node whatever order the list gives.
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| nodes[a].label.cmp(&nodes[b].label));
    for index in order {
        let node = &nodes[index];
        for j in 0..u64::from(node.weight) * u64::from(vnodes) {
            names.push(node.label.as_bytes(), j, index as NodeId);
            if names.owners.len() == BATCH {
                names.hash_into(config.hash, &mut points);
            }
        }
    }
    names.hash_into(config.hash, &mut points);
    Ok(points)
}

/// Point names `label-j` waiting to be hashed, with their owners.
#[derive(Default)]
struct NameBatch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    owners: Vec<NodeId>,
}

impl NameBatch {
    fn push(&mut self, label: &[u8], j: u64, owner: NodeId) {
        self.bytes.extend_from_slice(label);
        self.bytes.push(b'-');
        self.bytes
            .extend_from_slice(itoa::Buffer::new().format(j).as_bytes());
        self.ends.push(self.bytes.len());
        self.owners.push(owner);
    }

    /// Hashes the names in the order they came and empties the batch.
    fn hash_into(&mut self, hash: &HashFunction, points: &mut Vec<(u64, NodeId)>) {
        let mut names: [&[u8]; BATCH] = [&[]; BATCH];
        let mut start = 0;
        for (name, &end) in names.iter_mut().zip(&self.ends) {
            *name = &self.bytes[start..end];
            start = end;
        }
        let mut hashes = [0u64; BATCH];
        let count = self.owners.len();
        hash.hash64_batch(&names[..count], &mut hashes[..count]);
        points.extend(
            hashes[..count]
                .iter()
                .copied()
                .zip(self.owners.iter().copied()),
        );
        self.bytes.clear();
        self.ends.clear();
        self.owners.clear();
    }
}

impl Vnode {
    fn map(&self) -> OwnerMap {
        let input = HashInput::wide(self.hash, self.hash_tag);
        let layout = Layout::Intervals(self.continuum.intervals(input.range()));
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for Vnode {
    /// Point `j` of a node is `hash("label-j")` for `j < vnodes × weight`, its own alone;
    /// points are made in label order, which dropping a node keeps.
    fn drop_is_local(&self) -> bool {
        true
    }

    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.continuum
            .locate(self.hash.hash64(hashed_part(self.hash_tag.as_ref(), key)))
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        let hash = self.hash.hash64(part);
        let search = self.continuum.explain(hash, around, u128::from);
        Explanation::hashed(part, self.hash.name, hash.into()).on_ring(
            hash.into(),
            rules::AT_OR_AFTER,
            search,
        )
    }

    fn key_hashing(&self) -> Option<KeyHashing> {
        Some(KeyHashing::wide(self.hash, self.hash_tag))
    }

    #[inline]
    fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<NodeId>]) {
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.continuum.locate(hash);
        }
    }

    fn ownership(&self) -> Ownership {
        self.map()
            .ownership(self.continuum.point_counts(self.nodes))
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(self.continuum.points())
    }

    fn ring_bytes(&self) -> Option<u64> {
        Some(self.continuum.heap_bytes())
    }
}
