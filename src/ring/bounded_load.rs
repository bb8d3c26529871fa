//! Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam 2016, arXiv
//! 1608.01350) on the generic vnode ring, with haproxy's weighted capacities
//! (`hash-balance-factor`, `lb_chash.c : chash_server_is_eligible`): before a key is placed,
//! the keys placed so far plus this one, times the factor, make the slots; they are shared
//! by weight (the remainder by cumulative weight, at least one each), and the key goes to the
//! first node clockwise from its hash that holds fewer keys than its slots.
//!
//! A key's node depends on the keys placed before it, so this is not a [`super::Placement`]:
//! [`BoundedLoads::assign`] places keys one after another, in input order, and counts them.

use super::{Continuum, HashTag, KeyHashing, NodeId, RingConfig, hashed_part, hashed_parts, vnode};
use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::keys::BATCH;
use crate::nodes::Node;

/// haproxy's `hash-balance-factor` that ringscope uses unless told otherwise: a node takes at
/// most 25% more than its share.
pub const DEFAULT_BALANCE_FACTOR: u32 = 125;

pub struct BoundedLoads {
    continuum: Continuum<u64>,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
    weights: Vec<u64>,
    /// The weight of the nodes listed before each node (haproxy's `cumulative_weight`).
    cumulative: Vec<u64>,
    total_weight: u64,
    /// Percent: 125 lets a node hold 1.25 times its share.
    factor: u64,
}

/// The slots of one placement: whole slots per unit of weight and what is left over, worked
/// out once per key rather than once per node tried.
#[derive(Clone, Copy, Debug)]
struct Slots {
    per_weight: u64,
    remainder: u64,
}

impl Slots {
    fn new(slots: u64, total_weight: u64) -> Slots {
        Slots {
            per_weight: slots / total_weight,
            remainder: slots % total_weight,
        }
    }
}

/// Keys placed so far, per node and in all.
#[derive(Clone, Debug, Default)]
pub struct Loads {
    pub per_node: Vec<u64>,
    pub total: u64,
}

impl BoundedLoads {
    pub fn build(nodes: &[Node], config: &RingConfig, factor: u32) -> Result<Self> {
        if factor < 100 {
            return Err(Error::usage(format!(
                "--balance-factor {factor}: a node's capacity is at least its share (100 or more, e.g. 125)"
            )));
        }
        let weights: Vec<u64> = nodes.iter().map(|n| u64::from(n.weight)).collect();
        let total_weight: u64 = weights.iter().sum();
        if total_weight == 0 {
            return Err(Error::usage(
                "bounded-load: every node has weight 0, so no key has a place",
            ));
        }
        let cumulative = weights
            .iter()
            .scan(0, |sum, &w| {
                let before = *sum;
                *sum += w;
                Some(before)
            })
            .collect();
        Ok(BoundedLoads {
            continuum: Continuum::from_points(vnode::points(nodes, config)?),
            hash: config.hash,
            hash_tag: config.hash_tag,
            weights,
            cumulative,
            total_weight,
            factor: u64::from(factor),
        })
    }

    pub fn loads(&self) -> Loads {
        Loads {
            per_node: vec![0; self.weights.len()],
            total: 0,
        }
    }

    /// Places `key` after the keys `loads` counts, and counts it.
    pub fn assign(&self, loads: &mut Loads, key: &[u8]) -> NodeId {
        self.assign_hash(
            loads,
            self.hash.hash64(hashed_part(self.hash_tag.as_ref(), key)),
        )
    }

    /// [`BoundedLoads::assign`] for a batch of keys (at most [`BATCH`]), hashed side by side
    /// and placed in order: `owners[i]` for `keys[i]`.
    pub fn assign_batch(&self, loads: &mut Loads, keys: &[&[u8]], owners: &mut [NodeId]) {
        let parts = hashed_parts(self.hash_tag.as_ref(), keys);
        let mut hashes = [0; BATCH];
        let hashes = &mut hashes[..keys.len()];
        self.hash.hash64_batch(&parts[..keys.len()], hashes);
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.assign_hash(loads, hash);
        }
    }

    /// How keys are hashed before they are placed: the vnode ring's own key hash, which a
    /// pass over keys for several rings computes once.
    pub fn key_hashing(&self) -> KeyHashing {
        KeyHashing::wide(self.hash, self.hash_tag)
    }

    /// [`BoundedLoads::assign_batch`] of keys already hashed by [`BoundedLoads::key_hashing`].
    pub fn assign_hashes(&self, loads: &mut Loads, hashes: &[u64], owners: &mut [NodeId]) {
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.assign_hash(loads, hash);
        }
    }

    fn assign_hash(&self, loads: &mut Loads, hash: u64) -> NodeId {
        let slots = Slots::new(
            ((loads.total + 1) * self.factor).div_ceil(100),
            self.total_weight,
        );
        // The slots hold one more key than are placed, so some node always has room.
        let node = self
            .continuum
            .owners_from(hash)
            .find(|&node| loads.per_node[node as usize] < self.capacity(node, slots))
            .expect("a node with room: the slots exceed the keys placed");
        loads.per_node[node as usize] += 1;
        loads.total += 1;
        node
    }

    /// `node`'s share of `slots`, as haproxy shares them.
    fn capacity(&self, node: NodeId, slots: Slots) -> u64 {
        let (weight, before) = (self.weights[node as usize], self.cumulative[node as usize]);
        let total = self.total_weight;
        let share = weight * slots.per_weight + (before + weight) * slots.remainder / total
            - before * slots.remainder / total;
        share.max(1)
    }

    pub fn ring_bytes(&self) -> u64 {
        self.continuum.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;
    use crate::nodes::inline_nodes;
    use crate::ring::{Algo, build};

    fn config() -> RingConfig {
        RingConfig::new(Algo::Vnode, hash::by_name("md5").unwrap())
    }

    #[test]
    fn no_node_passes_its_capacity() {
        let nodes = inline_nodes(&[
            "10.0.0.1:6379:1",
            "10.0.0.2:6379:1",
            "10.0.0.3:6379:2",
            "10.0.0.4:6379:1",
            "10.0.0.5:6379:3",
        ]);
        let ring = BoundedLoads::build(&nodes, &config(), 110).unwrap();
        let mut loads = ring.loads();
        let total_weight = 8.0;
        for i in 0..50_000u32 {
            ring.assign(&mut loads, format!("key:{i}").as_bytes());
            // After every key, each node holds at most 1.10 × its weight's share, plus the
            // rounding of one slot.
            let limit = |w: f64| (f64::from(i + 1) * 1.10 * w / total_weight).ceil() + 1.0;
            for (node, &held) in nodes.iter().zip(&loads.per_node) {
                assert!(
                    held as f64 <= limit(f64::from(node.weight)),
                    "{i}: {loads:?}"
                );
            }
        }
        assert_eq!(loads.per_node.iter().sum::<u64>(), 50_000);
    }

    #[test]
    fn with_room_everywhere_it_is_the_vnode_ring() {
        // A factor so large that no node fills: every key goes where the plain ring says.
        let nodes = inline_nodes(&["10.0.0.1:6379:1", "10.0.0.2:6379:2", "10.0.0.3:6379:1"]);
        let bounded = BoundedLoads::build(&nodes, &config(), 100_000).unwrap();
        let plain = build(&nodes, &config()).unwrap();
        let mut loads = bounded.loads();
        for i in 0..2_000u32 {
            let key = format!("user:{i}");
            assert_eq!(
                Some(bounded.assign(&mut loads, key.as_bytes())),
                plain.locate(key.as_bytes())
            );
        }
    }

    #[test]
    fn capacities_share_the_slots_by_weight() {
        // haproxy's sharing: weights 1, 2, 3 of 6; 11 slots give 1+1 (remainder 5: 0, 2, 3).
        let nodes = inline_nodes(&["10.0.0.1:6379:1", "10.0.0.2:6379:2", "10.0.0.3:6379:3"]);
        let ring = BoundedLoads::build(&nodes, &config(), 125).unwrap();
        let caps: Vec<u64> = (0..3)
            .map(|n| ring.capacity(n, Slots::new(11, 6)))
            .collect();
        assert_eq!(caps, [1, 4, 6]);
        assert_eq!(caps.iter().sum::<u64>(), 11);
        // A node whose share rounds to nothing still gets one slot.
        assert_eq!(ring.capacity(0, Slots::new(1, 6)), 1);
    }
}
