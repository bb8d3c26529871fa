//! uhashring 2.5 (`ultrabug/uhashring : uhashring/ring.py, ring_meta.py, ring_ketama.py`).
//!
//! Nodes are named by their ringscope label and added in list order (a dict `{label:
//! {"weight": w}}`, or a list when all weights are 1).
//!
//! - `uhashring` (the default `MetaRing`): each node gets `vnodes × weight` points (vnodes
//!   default 160), point `w` at `int(md5("label-w").hexdigest(), 16)`, the whole digest as a
//!   128-bit big-endian number; a key goes to the first point strictly greater than
//!   `int(md5(key).hexdigest(), 16)`, wrapping to the first.
//! - `uhashring-ketama` (`hash_fn='ketama'`, `KetamaRing`): each node gets `ks = vnodes × N ×
//!   weight // Σweight` names `label-w` (vnodes default 40, exact integer division), four
//!   little-endian words of each name's MD5; a key's hash is the first word of its MD5
//!   (`md5` in ringscope). Search as above: strictly greater.
//!
//! Points are written into a dict, so at an equal position the node written last owns it.

use super::{Md5Successor, Successor, check_points, library_vnodes, point_name, refuse_hash_tag};
use crate::error::Result;
use crate::hash::{md5_digest, md5_words};
use crate::nodes::Node;
use crate::ring::explain::rules;
use crate::ring::{Explanation, NodeId, Ownership, Placement, Point, RingConfig, ShareBasis};

/// `HashRing(nodes)`'s default vnodes (`ring.py`).
const META_VNODES: u32 = 160;
/// `HashRing(nodes, hash_fn='ketama')`'s default vnodes.
const KETAMA_VNODES: u32 = 40;
/// `KetamaRing(replicas=4)`: points per MD5 digest.
const KETAMA_REPLICAS: usize = 4;

/// `int(md5(text).hexdigest(), 16)`.
#[inline]
fn meta_hash(text: &[u8]) -> u128 {
    u128::from_be_bytes(md5_digest(text))
}

pub struct MetaRing {
    ring: Successor<u128>,
    nodes: usize,
}

impl MetaRing {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        refuse_hash_tag(config)?;
        let vnodes = u64::from(library_vnodes(config, META_VNODES));
        let total: u128 = nodes
            .iter()
            .map(|n| u128::from(vnodes) * u128::from(n.weight))
            .sum();
        check_points(config, total)?;
        let mut points = Vec::with_capacity(total as usize);
        let mut name = Vec::new();
        for (index, node) in nodes.iter().enumerate() {
            for w in 0..vnodes * u64::from(node.weight) {
                point_name(&mut name, &node.label, "-", w);
                points.push((meta_hash(&name), index as NodeId));
            }
        }
        Ok(MetaRing {
            ring: Successor::from_points(points),
            nodes: nodes.len(),
        })
    }
}

impl Placement for MetaRing {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.ring.locate(meta_hash(key))
    }

    /// Positions in full, 128 bits (`ring --points` shows their top 64).
    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let hash = meta_hash(key);
        let search = self.ring.explain(hash, around, |p| p);
        Explanation::hashed(key, "md5 (the whole digest, big-endian)", hash).on_ring(
            hash,
            rules::STRICTLY_AFTER,
            search,
        )
    }

    /// Arc lengths over the 2^128 values of the hash, counted exactly in `u128`; only the
    /// division by 2^128 rounds.
    fn ownership(&self) -> Ownership {
        let mut counts = vec![0u128; self.nodes];
        let positions = &self.ring.positions;
        let owners = &self.ring.owners;
        let single_owner = owners.windows(2).all(|pair| pair[0] == pair[1]);
        let mut shares = vec![0.0; self.nodes];
        if let (true, Some(&owner)) = (single_owner, owners.first()) {
            // One node owns all 2^128 values, a count `u128` cannot hold.
            shares[owner as usize] = 1.0;
        } else {
            // Values in [p(k-1), p(k)) go to point k; [p(last), 2^128) and [0, p(0)) to point 0.
            for k in 1..positions.len() {
                counts[owners[k] as usize] += positions[k] - positions[k - 1];
            }
            // Two or more distinct owners: the wrapping arc is below 2^128.
            counts[owners[0] as usize] +=
                positions[0].wrapping_sub(*positions.last().expect("two or more points"));
            let space = 2f64.powi(128);
            for (share, count) in shares.iter_mut().zip(counts) {
                *share = count as f64 / space;
            }
        }
        Ownership {
            points: self.ring.point_counts(self.nodes),
            shares,
            basis: ShareBasis::Exact,
        }
    }

    /// Positions are 128-bit; shown here by their top 64 bits (the first 16 hex digits of the
    /// MD5), which keeps their order.
    fn points(&self) -> Option<Vec<Point>> {
        Some(self.ring.points(|p| (p >> 64) as u64))
    }

    // No owner map: the key hash has 2^128 values, more than an owner map can count.
}

/// uhashring's `hash_fn='ketama'` ring: four words of each name's MD5, searched as
/// [`Md5Successor`] does.
pub struct KetamaRing;

impl KetamaRing {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Md5Successor> {
        refuse_hash_tag(config)?;
        let vnodes = u128::from(library_vnodes(config, KETAMA_VNODES));
        let count = nodes.len() as u128;
        let weight_sum: u128 = nodes.iter().map(|n| u128::from(n.weight)).sum();
        let ks: Vec<u128> = nodes
            .iter()
            .map(|n| vnodes * count * u128::from(n.weight) / weight_sum)
            .collect();
        check_points(config, ks.iter().sum::<u128>() * KETAMA_REPLICAS as u128)?;
        let mut points = Vec::new();
        let mut name = Vec::new();
        for (index, (node, &ks)) in nodes.iter().zip(&ks).enumerate() {
            for w in 0..ks as u64 {
                point_name(&mut name, &node.label, "-", w);
                points.extend(md5_words(&name).map(|word| (word, index as NodeId)));
            }
        }
        Ok(Md5Successor::new(points, nodes.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;
    use crate::ring::{Algo, Placement};

    use crate::nodes::inline_nodes as nodes;

    fn config(algo: Algo) -> RingConfig {
        RingConfig::new(algo, hash::by_name("md5").unwrap())
    }

    /// `HashRing({"127.0.0.1:11211": 1, "127.0.0.1:11212": 2, "cache-c": 1})` in uhashring
    /// 2.5, default and `hash_fn="ketama"`: `get_node` of five keys (CPython 3.11).
    #[test]
    fn uhashring_vectors() {
        let pool = nodes(&[
            "127.0.0.1:11211",
            "127.0.0.1:11212:2",
            "10.0.0.3:11211 cache-c",
        ]);
        let keys = ["foo", "bar", "hello", "user:1000", "café"];
        let labels = |placement: &dyn Placement| -> Vec<&str> {
            keys.iter()
                .map(|k| {
                    pool[placement.locate(k.as_bytes()).unwrap() as usize]
                        .label
                        .as_str()
                })
                .collect()
        };
        let meta = MetaRing::build(&pool, &config(Algo::Uhashring)).unwrap();
        assert_eq!(
            labels(&meta),
            [
                "127.0.0.1:11212",
                "127.0.0.1:11212",
                "127.0.0.1:11212",
                "cache-c",
                "cache-c"
            ]
        );
        let ketama = KetamaRing::build(&pool, &config(Algo::UhashringKetama)).unwrap();
        assert_eq!(
            labels(&ketama),
            [
                "cache-c",
                "cache-c",
                "127.0.0.1:11211",
                "cache-c",
                "127.0.0.1:11211"
            ]
        );
        // r.size: 30 + 60 + 30 names, four points each, no collisions.
        assert_eq!(ketama.ring.len(), 480);
    }

    #[test]
    fn meta_points_are_whole_md5_digests() {
        // int(md5(b"127.0.0.1:11211-0").hexdigest(), 16) in CPython.
        assert_eq!(
            meta_hash(b"127.0.0.1:11211-0"),
            301705357774778159372570072926307010649
        );
        let pool = nodes(&["127.0.0.1:11211", "127.0.0.1:11212:2"]);
        let ring = MetaRing::build(&pool, &config(Algo::Uhashring)).unwrap();
        let ownership = ring.ownership();
        assert_eq!(ownership.points, vec![Some(160), Some(320)]);
        assert!((ownership.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // A key exactly on a point goes to the next point.
        let first = meta_hash(b"127.0.0.1:11211-0");
        let k = ring
            .ring
            .positions
            .iter()
            .position(|&p| p == first)
            .unwrap();
        let next = ring.ring.owners[(k + 1) % ring.ring.len()];
        assert_eq!(ring.ring.locate(first), Some(next));
        let one = MetaRing::build(&pool[..1], &config(Algo::Uhashring)).unwrap();
        assert_eq!(one.ownership().shares, vec![1.0]);
    }

    #[test]
    fn ketama_counts_are_exact_integer_division() {
        // ks = 40 · 3 · w // 4: 30, 60, 30 names, four points each.
        let pool = nodes(&["a:7001", "b:7001:2", "c:7001"]);
        let ring = KetamaRing::build(&pool, &config(Algo::UhashringKetama)).unwrap();
        let counts: u64 = ring.ownership().points.iter().map(|p| p.unwrap()).sum();
        assert_eq!(counts, (30 + 60 + 30) * 4);
        // --vnodes 7 with weights 1, 1, 1, 2: 7·4·1 // 5 = 5, 7·4·2 // 5 = 11.
        let pool = nodes(&["a:7001", "b:7001", "c:7001", "d:7001:2"]);
        let mut cfg = config(Algo::UhashringKetama);
        cfg.vnodes = Some(7);
        let ring = KetamaRing::build(&pool, &cfg).unwrap();
        let counts: u64 = ring.ownership().points.iter().map(|p| p.unwrap()).sum();
        assert_eq!(counts, (5 + 5 + 5 + 11) * 4);
    }

    #[test]
    fn hash_tags_are_refused() {
        let mut cfg = config(Algo::Uhashring);
        cfg.hash_tag = Some(crate::ring::HashTag::REDIS);
        let err = MetaRing::build(&nodes(&["a:7001"]), &cfg).err().unwrap();
        assert!(err.to_string().contains("no hash tags"), "{err}");
    }
}
