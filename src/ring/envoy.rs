//! Envoy's `ring_hash` and `maglev` load balancers (`source/extensions/load_balancing_policies/
//! {ring_hash/ring_hash_lb.cc, maglev/maglev_lb.cc, common/thread_aware_lb_impl.cc}`, recent
//! main). **No Envoy binary was run**: this follows the source, and the unit tests check it
//! against values computed from the same source with libxxhash 0.8.1
//! (`docs/algorithms/test-vectors.md`), not against a running Envoy.
//!
//! - **Host key** (`hashKey`): the node's name when it has one (standing for the `envoy.lb`
//!   `hash_key` metadata, or the hostname with `use_hostname_for_hashing`), else the address
//!   as Envoy prints it: `10.0.0.1:80`, `[::1]:80` (IP literals normalised, the port in
//!   decimal), a unix socket's path; a host name that Envoy would resolve is used as written.
//!   Two nodes with the same key are refused (Envoy's order between them is unspecified).
//! - **Weights**: `wᵢ / Σw` as doubles (`normalizeHostWeights`, one locality, all hosts
//!   healthy); Σw must fit 32 bits.
//! - **ring_hash**: `scale = min(ceil(min_w · 1024) / min_w, 8388608)`; walking the hosts in
//!   list order with running doubles `target += scale · wᵢ`, each host emits
//!   `xxHash64("<key>_<i>", 0)` for i = 0, 1, … while `current < target` (`current += 1`).
//!   Points sort by hash; a request goes to the first point at or after its hash, wrapping
//!   (`chooseHost`, ported from libketama; also for hash 0). Three equal hosts get 342 points
//!   each, weights 1:2:3 get 171/342/513.
//!   *Ties*: Envoy sorts with `std::sort`, which leaves points with equal hashes in an
//!   unspecified order, and the search takes the first of them. Here equal hashes keep the
//!   order they were generated in (host list order, then `i`). A tie needs two different
//!   point strings with the same 64-bit xxHash (probability about n²/2⁶⁵ for n points, ~3e-14
//!   for a default ring); none is known, so this cannot change a placement in practice.
//! - **maglev**: table size M (default 65537, prime, at most 5000011); hosts sorted by key
//!   bytes; `offset = xxHash64(key, 0) mod M`, `skip = xxHash64(key, 1) mod (M − 1) + 1`,
//!   permutation `(offset + skip · next) mod M`. Envoy's weighted fill in doubles: for
//!   iteration = 1, 2, … and each host in order, skip it while `iteration · wᵢ < targetᵢ`,
//!   else `targetᵢ += max_w` and it takes the next free entry of its permutation, until all
//!   M entries are taken. A request goes to entry `hash mod M`. The compact table Envoy may
//!   use instead stores the same assignment.
//!
//! The request hash is xxHash64 (seed 0) of the key, as Envoy's header hash policy computes
//! it; `--hash-tag` hashes only the tagged part. Not modelled: retries (`attempt > 0`),
//! `hash_balance_factor` (bounded load), MurmurHash2 rings, priorities and locality weights.
//!
//! ringscope's generic maglev (`maglev.rs`) runs the same fill with integer weights and
//! labels as keys; Envoy's double arithmetic decides some ties `iteration · wᵢ = targetᵢ`
//! differently when weights differ (weights 2:3 give 4 of 65537 entries to the other host),
//! so the fill is written out here in doubles.

use std::net::{Ipv4Addr, Ipv6Addr};

use xxhash_rust::xxh64::xxh64 as xxh64_seeded;

use super::maglev::{Maglev, is_prime};
use super::maglev_fill::{DoubleTurns, Permutation, fill};
use super::repeats::first_repeat;

use super::explain::rules;
use super::{
    Algo, Continuum, Explanation, HashInput, HashTag, Layout, NodeId, OwnerMap, Ownership,
    Placement, Point, RingConfig, hashed_part,
};
use crate::error::{Error, Result};
use crate::hash::{self, HashFunction};
use crate::nodes::{Address, Node};

/// `ring_hash_lb.h`: default `minimum_ring_size`.
const MIN_RING_SIZE: u64 = 1024;
/// `ring_hash_lb.h`: default `maximum_ring_size`.
const MAX_RING_SIZE: u64 = 8_388_608;
/// `maglev.proto`: `table_size` must be at most this prime.
const MAX_TABLE_SIZE: u64 = 5_000_011;

pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    let keys = host_keys(nodes)?;
    let weights = normalized_weights(nodes)?;
    let hash = hash::by_name("xxh64")?;
    Ok(match config.algo {
        Algo::EnvoyRing => Box::new(RingHash::build(&keys, &weights, hash, config.hash_tag)),
        Algo::EnvoyMaglev => {
            let table = maglev_table(&keys, &weights, config.table_size)?;
            Box::new(Maglev::from_table(table, keys.len(), hash, config.hash_tag))
        }
        other => {
            return Err(Error::usage(format!(
                "{} is not an Envoy load balancer",
                other.name()
            )));
        }
    })
}

/// `hashKey` for every node, refusing two nodes with one key.
fn host_keys(nodes: &[Node]) -> Result<Vec<String>> {
    let keys: Vec<String> = nodes.iter().map(host_key).collect();
    if let Some((j, i)) = first_repeat(&keys) {
        return Err(Error::input(
            nodes[i].origin.clone(),
            format!(
                "nodes '{}' and '{}' have the same Envoy host key '{}'; Envoy would order their points arbitrarily",
                nodes[j].label, nodes[i].label, keys[i]
            ),
        ));
    }
    Ok(keys)
}

fn host_key(node: &Node) -> String {
    if let Some(name) = node.name.as_deref().filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    match &node.address {
        Address::Tcp { host, port, .. } => {
            if let Ok(ip) = host.parse::<Ipv4Addr>() {
                format!("{ip}:{port}")
            } else if let Some(ip) = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<Ipv6Addr>().ok())
            {
                format!("[{ip}]:{port}")
            } else {
                format!("{host}:{port}")
            }
        }
        Address::Unix { path } => path.clone(),
        Address::Bare { name } => name.clone(),
    }
}

/// `normalizeHostWeights` with one locality: `w / Σw` in doubles.
fn normalized_weights(nodes: &[Node]) -> Result<Vec<f64>> {
    let sum: u64 = nodes.iter().map(|n| u64::from(n.weight)).sum();
    if sum > u64::from(u32::MAX) {
        return Err(Error::usage(format!(
            "the weights add up to {sum}; Envoy requires the total weight to fit 32 bits ({})",
            u32::MAX
        )));
    }
    Ok(nodes
        .iter()
        .map(|n| f64::from(n.weight) * 1.0 / sum as f64)
        .collect())
}

// ---------------------------------------------------------------------------------------
// ring_hash
// ---------------------------------------------------------------------------------------

struct RingHash {
    ring: Continuum<u64>,
    nodes: usize,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

impl RingHash {
    fn build(
        keys: &[String],
        weights: &[f64],
        hash: &'static HashFunction,
        hash_tag: Option<HashTag>,
    ) -> RingHash {
        // Over the hosts that get points: a weight-0 host (haproxy's) would make the scale
        // 0 / 0 and the ring its largest, 8M points for a 2-node ring.
        let min_weight = weights
            .iter()
            .copied()
            .filter(|&w| w > 0.0)
            .fold(1.0f64, f64::min);
        let scale =
            ((min_weight * MIN_RING_SIZE as f64).ceil() / min_weight).min(MAX_RING_SIZE as f64);
        let mut points: Vec<(u64, NodeId)> = Vec::with_capacity(scale.ceil() as usize);
        let mut name = Vec::new();
        let (mut current, mut target) = (0.0f64, 0.0f64);
        for (index, (key, &weight)) in keys.iter().zip(weights).enumerate() {
            name.clear();
            name.extend_from_slice(key.as_bytes());
            name.push(b'_');
            let stem = name.len();
            target += scale * weight;
            let mut i = 0u64;
            while current < target {
                name.truncate(stem);
                name.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
                points.push((xxh64_seeded(&name, 0), index as NodeId));
                i += 1;
                current += 1.0;
            }
        }
        RingHash {
            ring: Continuum::from_points(points),
            nodes: keys.len(),
            hash,
            hash_tag,
        }
    }

    fn map(&self) -> OwnerMap {
        let input = HashInput::wide(self.hash, self.hash_tag);
        OwnerMap {
            range: input.range(),
            layout: Layout::Intervals(self.ring.intervals(input.range())),
            input,
        }
    }
}

impl Placement for RingHash {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.ring
            .locate(self.hash.hash64(hashed_part(self.hash_tag.as_ref(), key)))
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        let hash = self.hash.hash64(part);
        let search = self.ring.explain(hash, around, u128::from);
        Explanation::hashed(part, self.hash.name, hash.into()).on_ring(
            hash.into(),
            rules::AT_OR_AFTER,
            search,
        )
    }

    fn ownership(&self) -> Ownership {
        self.map().ownership(self.ring.point_counts(self.nodes))
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(self.ring.points())
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

// ---------------------------------------------------------------------------------------
// maglev
// ---------------------------------------------------------------------------------------

/// A host's `offset` and `skip` in a table of `size` entries.
fn offset_skip(key: &str, size: u64) -> (u64, u64) {
    (
        xxh64_seeded(key.as_bytes(), 0) % size,
        xxh64_seeded(key.as_bytes(), 1) % (size - 1) + 1,
    )
}

/// Envoy's weighted fill (`MaglevTable::constructMaglevTableInternal`): hosts sorted by key
/// take entries in turn, each as often as its normalised weight allows, compared in doubles.
fn maglev_table(keys: &[String], weights: &[f64], size: u64) -> Result<Vec<NodeId>> {
    if size > MAX_TABLE_SIZE || !is_prime(size) {
        return Err(Error::usage(format!(
            "envoy-maglev: table size {size} must be a prime of at most {MAX_TABLE_SIZE} (Envoy's limit; default 65537)"
        )));
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].as_bytes().cmp(keys[b].as_bytes()));
    let permutations: Vec<Permutation> = order
        .iter()
        .map(|&i| {
            let (offset, skip) = offset_skip(&keys[i], size);
            Permutation {
                owner: i as NodeId,
                offset,
                skip,
            }
        })
        .collect();
    let mut turns = DoubleTurns {
        max_weight: weights.iter().copied().fold(0.0f64, f64::max),
        targets: vec![0.0; order.len()],
        weights: order.iter().map(|&i| weights[i]).collect(),
    };
    Ok(fill(size, &permutations, &mut turns))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::nodes::inline_nodes as nodes;

    fn placement(algo: Algo, specs: &[&str]) -> Box<dyn Placement> {
        build(
            &nodes(specs),
            &RingConfig::new(algo, hash::by_name("xxh64").unwrap()),
        )
        .unwrap()
    }

    fn counts(p: &dyn Placement) -> Vec<u64> {
        p.ownership()
            .points
            .into_iter()
            .map(Option::unwrap)
            .collect()
    }

    #[test]
    fn xxhash_vectors() {
        // XXH64() of libxxhash 0.8.1 (docs/algorithms/test-vectors.md).
        assert_eq!(xxh64_seeded(b"10.0.0.1:80", 0), 0x011facba8043b217);
        assert_eq!(xxh64_seeded(b"10.0.0.1:80", 1), 0xa456919bcbffaa92);
        assert_eq!(xxh64_seeded(b"10.0.0.1:80_0", 0), 0x75041381e7371a08);
        assert_eq!(xxh64_seeded(b"foo", 0), 0x33bf00a859c4ba3f);
    }

    #[test]
    fn maglev_offset_and_skip() {
        // maglev_lb.cc, MaglevTable::constructMaglevTableInternal(), with libxxhash 0.8.1: host
        // "10.0.0.1:80", M = 65537.
        assert_eq!(offset_skip("10.0.0.1:80", 65537), (56687, 43667));
        let p = placement(Algo::EnvoyMaglev, &["10.0.0.1:80", "10.0.0.2:80"]);
        let points = p.points().unwrap();
        // The host sorted first takes its permutation's first entry, its offset.
        assert_eq!(points[56687].node, 0);
    }

    #[test]
    fn ring_point_counts() {
        // ring_hash_lb.cc, Ring::Ring(): three equal hosts get 342 points each; weights 1:2:3
        // get 171/342/513.
        let equal = placement(
            Algo::EnvoyRing,
            &["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"],
        );
        assert_eq!(counts(&*equal), [342, 342, 342]);
        let weighted = placement(
            Algo::EnvoyRing,
            &["10.0.0.1:80:1", "10.0.0.2:80:2", "10.0.0.3:80:3"],
        );
        assert_eq!(counts(&*weighted), [171, 342, 513]);
        // One host: ceil(1 * 1024) / 1 = 1024 points.
        assert_eq!(
            counts(&*placement(Algo::EnvoyRing, &["10.0.0.1:80"])),
            [1024]
        );
        // Point 0 of "10.0.0.1:80" is xxh64("10.0.0.1:80_0").
        let points = equal.points().unwrap();
        assert!(
            points
                .iter()
                .any(|p| p.position == 0x75041381e7371a08 && p.node == 0)
        );
        assert!(points.windows(2).all(|w| w[0].position <= w[1].position));
    }

    #[test]
    fn ring_lookup_is_the_next_point_clockwise() {
        let p = placement(
            Algo::EnvoyRing,
            &["10.0.0.1:80", "10.0.0.2:80:2", "c.local:80"],
        );
        let points = p.points().unwrap();
        for i in 0..5000 {
            let key = format!("user:{i}");
            let h = xxh64_seeded(key.as_bytes(), 0);
            let expected = points
                .iter()
                .find(|pt| pt.position >= h)
                .unwrap_or(&points[0])
                .node;
            assert_eq!(p.locate(key.as_bytes()), Some(expected), "{key}");
        }
        let shares = p.ownership().shares;
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn maglev_fills_every_entry_in_proportion() {
        let equal = placement(
            Algo::EnvoyMaglev,
            &["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"],
        );
        let c = counts(&*equal);
        assert_eq!(c.iter().sum::<u64>(), 65537);
        assert!(c.iter().all(|&n| n == 21845 || n == 21846), "{c:?}");
        let weighted = placement(
            Algo::EnvoyMaglev,
            &["10.0.0.1:80:1", "10.0.0.2:80:2", "10.0.0.3:80:3"],
        );
        let c = counts(&*weighted);
        assert_eq!(c.iter().sum::<u64>(), 65537);
        for (n, w) in c.iter().zip([1.0, 2.0, 3.0]) {
            let expected = 65537.0 * w / 6.0;
            assert!((*n as f64 - expected).abs() < 3.0, "{c:?}");
        }
    }

    #[test]
    fn maglev_table_depends_on_keys_not_list_order() {
        let a = placement(
            Algo::EnvoyMaglev,
            &["10.0.0.3:80", "10.0.0.1:80:2", "10.0.0.2:80"],
        );
        let b = placement(
            Algo::EnvoyMaglev,
            &["10.0.0.1:80:2", "10.0.0.2:80", "10.0.0.3:80"],
        );
        let (pa, pb) = (a.points().unwrap(), b.points().unwrap());
        let remap = [2, 0, 1];
        assert!(
            pa.iter()
                .zip(&pb)
                .all(|(x, y)| remap[x.node as usize] == y.node)
        );
    }

    #[test]
    fn maglev_equal_weights_match_the_generic_maglev() {
        let specs = ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"];
        let envoy = placement(Algo::EnvoyMaglev, &specs);
        let generic = super::super::maglev::Maglev::build(
            &nodes(&specs),
            &RingConfig::new(Algo::Maglev, hash::by_name("xxh64").unwrap()),
        )
        .unwrap();
        assert_eq!(envoy.points(), generic.points());
    }

    #[test]
    fn double_weights_can_differ_from_the_integer_fill() {
        // Envoy compares `iteration * w / sum` with sums of `max_w / sum` in doubles; the
        // generic maglev compares integers. Rounding decides some ties differently.
        let specs = ["10.0.0.1:80:2", "10.0.0.2:80:3"];
        let envoy = placement(Algo::EnvoyMaglev, &specs).points().unwrap();
        let generic = super::super::maglev::Maglev::build(
            &nodes(&specs),
            &RingConfig::new(Algo::Maglev, hash::by_name("xxh64").unwrap()),
        )
        .unwrap()
        .points()
        .unwrap();
        let differ = envoy
            .iter()
            .zip(&generic)
            .filter(|(a, b)| a.node != b.node)
            .count();
        assert_eq!(differ, 4);
    }

    #[test]
    fn host_keys_are_envoy_addresses() {
        let n = nodes(&[
            "10.0.0.1:080",
            "[0:0::1]:80",
            "cache.local:6379",
            "10.0.0.9:80 web-1",
            "/run/x.sock",
        ]);
        let keys: Vec<String> = n.iter().map(host_key).collect();
        assert_eq!(
            keys,
            [
                "10.0.0.1:80",
                "[::1]:80",
                "cache.local:6379",
                "web-1",
                "/run/x.sock"
            ]
        );
        let err = host_keys(&nodes(&["10.0.0.1:80", "10.0.0.1:080"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("same Envoy host key '10.0.0.1:80'"), "{err}");
    }

    /// `10.a.b.c:80` addresses, distinct for up to 2^24 hosts, with their weights.
    fn many_hosts(count: u32, weight: impl Fn(u32) -> u32) -> Vec<String> {
        (0..count)
            .map(|i| {
                format!(
                    "10.{}.{}.{}:80:{}",
                    i >> 16,
                    (i >> 8) & 255,
                    i & 255,
                    weight(i)
                )
            })
            .collect()
    }

    #[test]
    fn a_hundred_thousand_hosts_build_in_one_pass() {
        // Each host key was compared with every key before it (5 × 10^9 comparisons here),
        // and every fill iteration visited every host.
        let specs = many_hosts(100_000, |_| 1);
        let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
        let ring = placement(Algo::EnvoyRing, &specs);
        assert!(counts(&*ring).iter().all(|&c| c == 1));
        let table = placement(Algo::EnvoyMaglev, &specs);
        assert_eq!(counts(&*table).iter().sum::<u64>(), 65537);
        // One heavy host: after the first iteration it alone takes entries, one per
        // iteration, for 45,536 iterations, while the 20,000 others wait for a millionth.
        let skewed = many_hosts(20_001, |i| if i == 0 { 1_000_000 } else { 1 });
        let skewed: Vec<&str> = skewed.iter().map(String::as_str).collect();
        let table = counts(&*placement(Algo::EnvoyMaglev, &skewed));
        assert_eq!(table[0], 65537 - 20_000);
        assert!(table[1..].iter().all(|&c| c == 1));
    }

    #[test]
    fn two_hosts_with_one_key_are_refused_among_many() {
        let mut specs = many_hosts(50_000, |_| 1);
        specs.push("10.0.0.7:080".into());
        let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
        let err = host_keys(&nodes(&specs)).unwrap_err().to_string();
        assert!(
            err.contains(
                "nodes '10.0.0.7:80' and '10.0.0.7:080' have the same Envoy host key '10.0.0.7:80'"
            ),
            "{err}"
        );
    }

    #[test]
    fn table_size_must_be_an_envoy_prime() {
        let n = nodes(&["10.0.0.1:80"]);
        let mut config = RingConfig::new(Algo::EnvoyMaglev, hash::by_name("xxh64").unwrap());
        config.table_size = 65536;
        assert!(build(&n, &config).is_err());
        config.table_size = 5_000_011;
        assert!(is_prime(5_000_011));
        config.table_size = 251;
        assert_eq!(
            counts(&*build(&n, &config).unwrap()),
            [251],
            "one host takes the whole table"
        );
    }
}
