//! twemproxy 0.5.0's ketama (`nc_ketama.c`), point for point.
//!
//! Servers are taken in label-sorted order (length first, then bytes: `conf_server_name_cmp`);
//! each gets `4 * floor(f32(f32(f32(w / W) * 160) / 4) * N)` points, computed in binary32 as
//! the C `float` code does, so some counts fall to 156 and a light server can get none. Point
//! names are `label-j`; each MD5 digest gives four little-endian words. A stable sort keeps
//! equal points in generation order, as glibc's merge-sort `qsort` does.

use super::explain::rules;
use super::twemproxy::{SINGLE_SERVER, explained_hash, key_hash, key_hashes, server_order};
use super::{
    Algo, Continuum, Explanation, HashInput, Layout, MAX_POINTS, OwnerMap, Ownership, Placement,
    Point, RingConfig, check_size,
};
use crate::error::{Error, Result};
use crate::hash::{HashFunction, Md5Names};
use crate::keys::BATCH;
use crate::nodes::Node;
use crate::ring::{HashTag, KeyHashing, NodeId};

const POINTS_PER_SERVER: f32 = 160.0;
const POINTS_PER_HASH: u32 = 4;
/// twemproxy formats point names into a 273-byte buffer (`KETAMA_MAX_HOSTLEN`).
const MAX_POINT_NAME: usize = 272;

pub struct Ketama {
    continuum: Continuum<u32>,
    nodes: usize,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

/// Points twemproxy gives a server of weight `weight` among `live` servers of total weight
/// `total`. Every step rounds to binary32, as the C code does with SSE.
pub fn twemproxy_points(weight: u32, total: u32, live: u32) -> u32 {
    let share = weight as f32 / total as f32;
    let per_hash = share * POINTS_PER_SERVER / POINTS_PER_HASH as f32;
    (per_hash * live as f32).floor() as u32 * POINTS_PER_HASH
}

impl Ketama {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        let total = nodes.iter().map(|n| u64::from(n.weight)).sum::<u64>();
        // twemproxy sums weights in a uint32_t; past that its point counts are meaningless.
        let total = u32::try_from(total).map_err(|_| {
            Error::usage("ketama: the total weight exceeds 2^32 - 1, twemproxy's limit")
        })?;
        let live = nodes.len() as u32;
        let counts: Vec<u32> = nodes
            .iter()
            .map(|node| twemproxy_points(node.weight, total, live))
            .collect();
        let total_points: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        check_size(
            Algo::Ketama,
            total_points.into(),
            "points (about 160 per server)",
            &format!(
                "split the pool: twemproxy makes about 160 points per server whatever the weights, so at most {} servers fit",
                MAX_POINTS / u64::from(POINTS_PER_SERVER as u32)
            ),
        )?;
        let mut points = Vec::with_capacity(total_points as usize);
        let mut names = Md5Names::new();
        let mut add = |owner: NodeId, words: [u32; 4]| {
            points.extend(words.map(|word| (word, owner)));
        };
        for index in server_order(nodes)? {
            let label = nodes[index].continuum_name();
            for j in 0..counts[index] / POINTS_PER_HASH {
                let name = |name: &mut Vec<u8>| {
                    name.extend_from_slice(label.as_bytes());
                    name.push(b'-');
                    name.extend_from_slice(itoa::Buffer::new().format(j).as_bytes());
                    name.truncate(MAX_POINT_NAME);
                };
                names.push(index as NodeId, name, &mut add);
            }
        }
        names.flush(&mut add);
        Ok(Ketama {
            continuum: Continuum::from_points(points),
            nodes: nodes.len(),
            hash: config.hash,
            hash_tag: config.hash_tag,
        })
    }
}

impl Ketama {
    fn map(&self) -> OwnerMap {
        let input = HashInput::narrow(self.hash, self.hash_tag);
        let layout = Layout::Intervals(self.continuum.intervals(input.range()));
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for Ketama {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        if self.nodes == 1 {
            return Some(0);
        }
        let hash = key_hash(self.hash, self.hash_tag.as_ref(), key);
        self.continuum.locate(hash)
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        if self.nodes == 1 {
            return Explanation::unhashed(Some(0), SINGLE_SERVER);
        }
        let (explanation, hash) = explained_hash(self.hash, self.hash_tag.as_ref(), key);
        let search = self.continuum.explain(hash, around, u128::from);
        explanation.on_ring(hash.into(), rules::AT_OR_AFTER, search)
    }

    #[inline]
    fn locate_batch(&self, keys: &[&[u8]], owners: &mut [Option<NodeId>]) {
        if self.nodes == 1 {
            owners.fill(Some(0));
            return;
        }
        let mut hashes = [0; BATCH];
        let hashes = &mut hashes[..keys.len()];
        key_hashes(self.hash, self.hash_tag.as_ref(), keys, hashes);
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.continuum.locate(hash);
        }
    }

    fn key_hashing(&self) -> Option<KeyHashing> {
        Some(KeyHashing::narrow(self.hash, self.hash_tag))
    }

    #[inline]
    fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<NodeId>]) {
        if self.nodes == 1 {
            owners.fill(Some(0));
            return;
        }
        // Narrow hashes: the widening is undone without loss.
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.continuum.locate(hash as u32);
        }
    }

    fn point_hash(&self) -> Option<&'static str> {
        Some("md5")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_past_the_point_limit_is_refused_before_any_point_is_made() {
        // 125,001 servers of any weights make about 160 points each: past 20,000,000.
        let specs: Vec<String> = (0..125_001u32)
            .map(|i| {
                format!(
                    "10.{}.{}.{}:6379:{}",
                    i >> 16,
                    (i >> 8) & 255,
                    i & 255,
                    i % 3 + 1
                )
            })
            .collect();
        let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
        let config = RingConfig::new(Algo::Ketama, crate::hash::by_name("fnv1a_64").unwrap());
        let error = match Ketama::build(&crate::nodes::inline_nodes(&specs), &config) {
            Ok(_) => panic!("a ring of 125,001 servers was built"),
            Err(error) => error,
        };
        assert!(error.is_too_large());
        let message = error.to_string();
        assert!(
            message.starts_with("ketama: ")
                && message.contains("points (about 160 per server) exceed the limit of 20000000")
                && message.ends_with("so at most 125000 servers fit"),
            "{message}"
        );
    }

    #[test]
    fn f32_point_counts_match_twemproxy() {
        // twemproxy 0.5.0, src/hashkit/nc_ketama.c, ketama_update(): equal weights give 160
        // except at float-rounding counts (docs/algorithms/twemproxy.md#points-per-server).
        for n in [1u32, 2, 3, 4, 10, 24, 26, 48] {
            assert_eq!(twemproxy_points(1, n, n), 160, "n = {n}");
        }
        for n in [
            25u32, 47, 50, 55, 61, 71, 94, 100, 107, 109, 110, 115, 122, 142, 159, 163, 188, 193,
            200,
        ] {
            assert_eq!(twemproxy_points(1, n, n), 156, "n = {n}");
        }
        assert_eq!(
            [twemproxy_points(1, 3, 2), twemproxy_points(2, 3, 2)],
            [104, 212]
        );
        assert_eq!(
            [twemproxy_points(1, 4, 3), twemproxy_points(2, 4, 3)],
            [120, 240]
        );
        assert_eq!(
            [twemproxy_points(3, 4, 2), twemproxy_points(1, 4, 2)],
            [240, 80]
        );
        assert_eq!(
            [twemproxy_points(10, 12, 3), twemproxy_points(1, 12, 3)],
            [400, 40]
        );
        assert_eq!(
            [twemproxy_points(100, 101, 2), twemproxy_points(1, 101, 2)],
            [316, 0]
        );
    }
}
