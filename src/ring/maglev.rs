//! Maglev hashing (Eisenbud et al., NSDI 2016 §3.4) with Envoy's weighted fill: nodes sorted
//! by label each walk their own permutation of a prime-sized table, `offset = xxh64(label, 0)
//! mod M`, `skip = xxh64(label, 1) mod (M - 1) + 1`, taking turns in proportion to weight until
//! every entry is owned. A key goes to entry `hash mod M`.

use super::explain::{Entry, Searched};
use super::maglev_fill::{IntegerTurns, Permutation, fill};
use super::{
    Algo, Explanation, HashInput, HashTag, KeyHashing, Layout, NodeId, OwnerMap, Ownership,
    Placement, Point, RingConfig, check_size, hashed_part,
};
use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::nodes::Node;
use xxhash_rust::xxh64::xxh64 as xxh64_seeded;

const MAX_TABLE: u64 = 1 << 27;

pub(super) struct Maglev {
    table: Vec<NodeId>,
    nodes: usize,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

pub(super) fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|&d| d <= n / d)
            .all(|d| !n.is_multiple_of(d))
}

impl Maglev {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        let size = config.table_size;
        if size > MAX_TABLE || !is_prime(size) {
            return Err(Error::usage(format!(
                "maglev: table size {size} must be a prime up to {MAX_TABLE} (e.g. 65537)"
            )));
        }
        check_size(
            Algo::Maglev,
            size.into(),
            "table entries",
            "give a smaller prime --table-size (e.g. 65537)",
        )?;
        if (nodes.len() as u64) > size {
            return Err(Error::too_large(format!(
                "maglev: {} nodes do not fit a table of {size}; give a larger prime --table-size",
                nodes.len()
            )));
        }
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| nodes[a].label.cmp(&nodes[b].label));
        let permutations: Vec<Permutation> = order
            .iter()
            .map(|&i| {
                let label = nodes[i].label.as_bytes();
                Permutation {
                    owner: i as NodeId,
                    offset: xxh64_seeded(label, 0) % size,
                    skip: xxh64_seeded(label, 1) % (size - 1) + 1,
                }
            })
            .collect();
        let weights: Vec<u64> = order.iter().map(|&i| u64::from(nodes[i].weight)).collect();
        let mut turns = IntegerTurns {
            max_weight: weights.iter().copied().max().unwrap_or(0),
            targets: vec![0; weights.len()],
            weights,
        };
        let table = fill(size, &permutations, &mut turns);
        Ok(Maglev::from_table(
            table,
            nodes.len(),
            config.hash,
            config.hash_tag,
        ))
    }

    /// A filled table as a placement: entry `hash mod M` owns the key.
    pub(super) fn from_table(
        table: Vec<NodeId>,
        nodes: usize,
        hash: &'static HashFunction,
        hash_tag: Option<HashTag>,
    ) -> Maglev {
        Maglev {
            table,
            nodes,
            hash,
            hash_tag,
        }
    }
}

impl Maglev {
    /// The table entry of a key hash: `hash mod M`.
    #[inline]
    fn entry(&self, hash: u64) -> usize {
        (hash % self.table.len() as u64) as usize
    }

    /// Entry `hash mod M` decides: runs of consecutive entries with one owner.
    fn map(&self) -> OwnerMap {
        let input = HashInput::wide(self.hash, self.hash_tag);
        let mut runs: Vec<(u128, Option<NodeId>)> = Vec::new();
        for (entry, &owner) in self.table.iter().enumerate() {
            match runs.last_mut() {
                Some(run) if run.1 == Some(owner) => run.0 = entry as u128 + 1,
                _ => runs.push((entry as u128 + 1, Some(owner))),
            }
        }
        let layout = Layout::Periodic {
            period: self.table.len() as u128,
            runs,
        };
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for Maglev {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        let hash = self.hash.hash64(hashed_part(self.hash_tag.as_ref(), key));
        Some(self.table[self.entry(hash)])
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        let hash = self.hash.hash64(part);
        let entry = self.entry(hash);
        let chosen = Entry {
            position: entry as u128,
            node: self.table[entry],
            index: entry as u64,
        };
        Explanation::hashed(part, self.hash.name, hash.into()).in_table(
            Searched::TableIndex,
            entry as u128,
            "table index = hash mod table size",
            Some(chosen),
        )
    }

    fn key_hashing(&self) -> Option<KeyHashing> {
        Some(KeyHashing::wide(self.hash, self.hash_tag))
    }

    #[inline]
    fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<NodeId>]) {
        let size = self.table.len() as u64;
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = Some(self.table[(hash % size) as usize]);
        }
    }

    /// Each node's permutation of the table comes from seeded xxh64 of its name.
    fn point_hash(&self) -> Option<&'static str> {
        Some("xxh64")
    }

    fn ownership(&self) -> Ownership {
        let mut entries = vec![0u64; self.nodes];
        for &owner in &self.table {
            entries[owner as usize] += 1;
        }
        self.map()
            .ownership(entries.into_iter().map(Some).collect())
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(
            self.table
                .iter()
                .enumerate()
                .map(|(entry, &node)| Point {
                    position: entry as u64,
                    node,
                })
                .collect(),
        )
    }

    fn ring_bytes(&self) -> Option<u64> {
        Some(std::mem::size_of_val(self.table.as_slice()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envoy_offset_and_skip() {
        // Envoy's maglev_lb.cc, MaglevTable::constructMaglevTableInternal(), computed with
        // libxxhash 0.8.1: host "10.0.0.1:80" in a table of 65537
        // (docs/algorithms/test-vectors.md).
        assert_eq!(xxh64_seeded(b"10.0.0.1:80", 0) % 65537, 56687);
        assert_eq!(xxh64_seeded(b"10.0.0.1:80", 1) % 65536 + 1, 43667);
    }

    #[test]
    fn skewed_weights_fill_without_visiting_every_node_every_iteration() {
        // 30,000 light nodes take an entry each; the heavy one then takes the other 35,537,
        // one per iteration, each of which visited all 30,001 nodes.
        let specs: Vec<String> = (0..30_001u32)
            .map(|i| {
                let weight = if i == 0 { 1_000_000 } else { 1 };
                format!("10.0.{}.{}:80:{weight}", i >> 8, i & 255)
            })
            .collect();
        let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
        let config = RingConfig::new(
            super::super::Algo::Maglev,
            crate::hash::by_name("xxh3").unwrap(),
        );
        let maglev = Maglev::build(&crate::nodes::inline_nodes(&specs), &config).unwrap();
        let entries = maglev.ownership().points;
        assert_eq!(entries[0], Some(65537 - 30_000));
        assert!(entries[1..].iter().all(|&e| e == Some(1)));
    }

    #[test]
    fn primes() {
        assert!(is_prime(65537) && is_prime(2) && is_prime(251));
        assert!(!is_prime(65536) && !is_prime(1) && !is_prime(0) && !is_prime(91));
    }
}
