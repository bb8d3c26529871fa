//! Doist's `hash_ring` (Amir Salihefendic), as its Python 3 port PyPI `hashring` 1.5.1 runs
//! it (`hashring/hashring.py : HashRing._generate_circle, get_node_pos, gen_key`).
//!
//! Nodes are `str(node)` = the ringscope label, in list order, with `weights = {label: w}`.
//! Each node gets `floor((40 × N × weight) / Σweight)` names `label-j` (Python 3 true division,
//! then `math.floor`); each name's MD5 gives **three** little-endian words (120 points a node
//! at equal weights, where ketama takes four). A key's hash is the first little-endian word of
//! the MD5 of its UTF-8 (`md5` in ringscope); it goes to the first point strictly greater
//! (`bisect`), wrapping to the first; at an equal position the node written last owns the
//! point (`self.ring[key] = node`, Doist/hash_ring#15).

use super::{Md5Successor, check_points, point_name, py_floor_true_div, refuse_hash_tag};
use crate::error::Result;
use crate::hash::md5_words;
use crate::nodes::Node;
use crate::ring::{NodeId, RingConfig};

/// Names per node at equal weights.
const FACTOR: u128 = 40;
/// Words taken from each name's MD5.
const WORDS: usize = 3;

/// The `hash_ring` ring: three words of each name's MD5, searched as [`Md5Successor`] does.
pub struct HashRing;

impl HashRing {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Md5Successor> {
        refuse_hash_tag(config)?;
        let count = nodes.len() as u128;
        let total: u128 = nodes.iter().map(|n| u128::from(n.weight)).sum();
        let factors: Vec<u128> = nodes
            .iter()
            .map(|n| py_floor_true_div(FACTOR * count * u128::from(n.weight), total))
            .collect();
        check_points(config, factors.iter().sum::<u128>() * WORDS as u128)?;
        let mut points = Vec::new();
        let mut name = Vec::new();
        for (index, (node, &factor)) in nodes.iter().zip(&factors).enumerate() {
            for j in 0..factor as u64 {
                point_name(&mut name, &node.label, "-", j);
                points.extend(
                    md5_words(&name)
                        .into_iter()
                        .take(WORDS)
                        .map(|word| (word, index as NodeId)),
                );
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

    /// `HashRing(["127.0.0.1:11211", "127.0.0.1:11212", "cache-c"], {"127.0.0.1:11212": 2})`
    /// in PyPI hashring 1.5.1: `get_node` of five keys and `len(_sorted_keys)` (CPython 3.11).
    #[test]
    fn hash_ring_vectors() {
        let pool: Vec<Node> = [
            "127.0.0.1:11211",
            "127.0.0.1:11212:2",
            "10.0.0.3:11211 cache-c",
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| crate::nodes::parse_inline(s, i + 1).unwrap())
        .collect();
        let config = RingConfig::new(Algo::HashRing, hash::by_name("md5").unwrap());
        let ring = HashRing::build(&pool, &config).unwrap();
        let got: Vec<&str> = ["foo", "bar", "hello", "user:1000", "café"]
            .iter()
            .map(|k| {
                pool[ring.locate(k.as_bytes()).unwrap() as usize]
                    .label
                    .as_str()
            })
            .collect();
        assert_eq!(
            got,
            [
                "127.0.0.1:11212",
                "cache-c",
                "127.0.0.1:11211",
                "cache-c",
                "127.0.0.1:11211"
            ]
        );
        // floor(40·3·w/4) = 30, 60, 30 names, three words each.
        assert_eq!(ring.ring.len(), 360);
    }
}
