//! Client-side sharding libraries, each reproduced key for key (the sources each submodule
//! cites): one submodule a library, behind [`build`] and [`build_with_failures`].
//!
//! What each library hashes for a node, and how a ringscope node becomes that string:
//!
//! | algorithm | library | node string hashed | points | search |
//! |---|---|---|---|---|
//! | `uhashring` | uhashring 2.5 `HashRing(nodes)` | the node name = the node's **label** | `label-w`, w < vnodes·weight, 128-bit MD5 | first point **>** key, last writer wins |
//! | `uhashring-ketama` | uhashring 2.5 `hash_fn='ketama'` | the **label** | `label-w`, w < vnodes·N·weight // Σweight, 4 LE32 words | first point **>** key, last writer wins |
//! | `hash_ring` | Doist hash_ring / PyPI `hashring` 1.5.1 | `str(node)` = the **label** | `label-j`, j < floor(40·N·weight / Σweight), 3 LE32 words | first point **>** key, last writer wins |
//! | `node-hashring` | npm `hashring` 3.2.0 | the server string = the node's **address** as written (`host` alone with `--default-port`) | `server-i`, i < floor(weight/Σweight·vnodes·N), 4 LE32 words | first point **≥** key, first generated wins |
//! | `jedis`, `jedis-2.9` | Jedis `Sharded` (3.x; ≤ 2.9.x) | the shard **name** (a node's name), else its list position | `name*n` (`name*WEIGHTn` in 2.9), else `SHARD-i-NODE-n`; n < 160·weight; MurmurHash64A | first point **≥** key in signed order, later shard wins |
//! | `python-memcached` | python-memcached 1.62 | nothing: list order and weights only | `weight` buckets per server | bucket `crc15(key) mod Σweight`; a dead server's keys are rehashed |
//!
//! Keys are hashed as the bytes ringscope reads:
//! - uhashring and hash_ring hash `str(key).encode("utf-8")`: for a Python `str` key that is
//!   its UTF-8, which is what ringscope hashes. A `bytes` key is not hashed as its bytes in
//!   Python 3: `str(b"k")` is `"b'k'"`, so an application that passes bytes keys places them
//!   by their repr; give ringscope that repr as the key to reproduce it.
//! - node-hashring hashes `key + ''`: a string's UTF-8, or for a `Buffer` its UTF-8 decoding
//!   with invalid sequences replaced by U+FFFD. ringscope hashes a key that is not valid UTF-8
//!   the same way, so both string and Buffer keys are reproduced.
//! - Jedis hashes a `String` key's UTF-8 and a `byte[]` key's bytes: the key's bytes either
//!   way. With `--hash-tag` (Jedis' `keyTagPattern`, `{}` = `DEFAULT_KEY_TAG_PATTERN`) a text
//!   key is hashed by its first regex match `\{(.+?)\}` (see [`jedis`]); keys that are not
//!   valid UTF-8 can only be `byte[]` keys, which Jedis never tags.
//! - python-memcached hashes a `bytes` key as is and a `str` key as its UTF-8.
//!
//! None of these libraries but Jedis knows hash tags; `--hash-tag` is refused for them.
//!
//! `tests/real_clients.rs` checks every key against the real libraries (the Python ones and
//! npm `hashring`), and Jedis' `Sharded` logic written out on the real JDK.

mod hash_ring;
mod jedis;
mod node_hashring;
mod python_memcached;
mod uhashring;

use super::explain::{Entry, RingSearch, rules};
use super::{
    Algo, Explanation, HashInput, Layout, NodeId, OwnerMap, Ownership, Placement, Point, RingConfig,
};
use crate::error::{Error, Result};
use crate::hash;
use crate::keys::BATCH;
use crate::nodes::Node;

/// Keys hashed as ketama does (first little-endian word of the MD5 of the key's bytes): the
/// registry's `md5`, so the map compares with twemproxy's and libmemcached's md5 rings.
pub(super) fn md5_input() -> HashInput {
    HashInput::narrow(hash::by_name("md5").expect("md5 is in the registry"), None)
}

/// A 32-bit ring of MD5 words searched for the first point strictly greater than the key's
/// first MD5 word, the node written last owning equal points (uhashring's ketama mode and
/// hash_ring differ only in how they make the points).
pub(super) struct Md5Successor {
    ring: Successor<u32>,
    nodes: usize,
}

impl Md5Successor {
    fn new(points: Vec<(u32, NodeId)>, nodes: usize) -> Md5Successor {
        Md5Successor {
            ring: Successor::from_points(points),
            nodes,
        }
    }

    fn map(&self) -> OwnerMap {
        let input = md5_input();
        let range = input.range();
        OwnerMap {
            layout: Layout::Intervals(self.ring.intervals(range)),
            range,
            input,
        }
    }
}

impl Placement for Md5Successor {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.ring.locate(crate::hash::md5_le32(key))
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let hash = crate::hash::md5_le32(key);
        let search = self.ring.explain(hash, around, u128::from);
        Explanation::hashed(key, "md5", hash.into()).on_ring(
            hash.into(),
            rules::STRICTLY_AFTER,
            search,
        )
    }

    fn locate_batch(&self, keys: &[&[u8]], owners: &mut [Option<NodeId>]) {
        let mut hashes = [0; BATCH];
        let hashes = &mut hashes[..keys.len()];
        crate::hash::md5_le32_batch(keys, hashes);
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.ring.locate(hash);
        }
    }

    fn ownership(&self) -> Ownership {
        self.map().ownership(self.ring.point_counts(self.nodes))
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(self.ring.points(u64::from))
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    Ok(match config.algo {
        Algo::Uhashring => Box::new(uhashring::MetaRing::build(nodes, config)?),
        Algo::UhashringKetama => Box::new(uhashring::KetamaRing::build(nodes, config)?),
        Algo::HashRing => Box::new(hash_ring::HashRing::build(nodes, config)?),
        Algo::NodeHashring => Box::new(node_hashring::NodeHashring::build(nodes, config)?),
        Algo::Jedis | Algo::JedisLegacy => Box::new(jedis::Jedis::build(nodes, config)?),
        Algo::PythonMemcached => Box::new(python_memcached::PythonMemcached::build(
            nodes, config, None,
        )?),
        other => {
            return Err(Error::usage(format!(
                "{} is not a client library",
                other.name()
            )));
        }
    })
}

/// python-memcached's own failure path: a key whose server is down is rehashed
/// (`_get_server`, up to 10 tries). `failed[i]` marks node `i` as down.
pub fn build_with_failures(
    nodes: &[Node],
    config: &RingConfig,
    failed: &[bool],
) -> Result<Box<dyn Placement>> {
    match config.algo {
        Algo::PythonMemcached => Ok(Box::new(python_memcached::PythonMemcached::build(
            nodes,
            config,
            Some(failed),
        )?)),
        other => Err(Error::usage(format!(
            "{} has no rerouting failure rule",
            other.name()
        ))),
    }
}

/// Refuses a ring of more points than ringscope builds ([`super::MAX_POINTS`]).
fn check_points(config: &RingConfig, total: u128) -> Result<()> {
    let fix = if config.algo.takes_vnodes() {
        "lower the weights or --vnodes"
    } else {
        "lower the weights"
    };
    super::check_size(config.algo, total, "points", fix)
}

/// Refuses `--hash-tag` (or a node file's `hash_tag`) for a library that hashes whole keys.
fn refuse_hash_tag(config: &RingConfig) -> Result<()> {
    match config.hash_tag {
        Some(tag) => Err(Error::usage(format!(
            "{} hashes whole keys and has no hash tags; drop --hash-tag {tag} (or the node file's hash_tag)",
            config.algo.name()
        ))),
        None => Ok(()),
    }
}

/// The library's `vnodes` option: `--vnodes` when given, else the library's own default.
fn library_vnodes(config: &RingConfig, library_default: u32) -> u32 {
    config.vnodes.unwrap_or(library_default)
}

/// `label-j` (the point name every ketama-style library uses) into `buf`.
fn point_name(buf: &mut Vec<u8>, label: &str, separator: &str, j: u64) {
    buf.clear();
    buf.extend_from_slice(label.as_bytes());
    buf.extend_from_slice(separator.as_bytes());
    buf.extend_from_slice(itoa::Buffer::new().format(j).as_bytes());
}

/// A ring searched the Python `bisect.bisect` (= `bisect_right`) way: a key goes to the first
/// point **strictly greater** than its hash, wrapping to the first point. Points come from a
/// dict `ring[point] = node`, so at an equal position the **last** point written wins.
/// uhashring (both modes) and hash_ring.
#[derive(Clone, Debug)]
struct Successor<P> {
    /// Distinct positions, ascending.
    positions: Vec<P>,
    owners: Vec<NodeId>,
}

impl<P: Copy + Ord + Into<u128>> Successor<P> {
    /// `points` in the order the library writes them into its dict.
    fn from_points(mut points: Vec<(P, NodeId)>) -> Self {
        // Stable: equal positions stay in writing order, so the last of each run is the
        // dict's value.
        points.sort_by_key(|&(position, _)| position);
        let mut positions: Vec<P> = Vec::with_capacity(points.len());
        let mut owners: Vec<NodeId> = Vec::with_capacity(points.len());
        for (position, owner) in points {
            if positions.last() == Some(&position) {
                *owners.last_mut().expect("owners follow positions") = owner;
            } else {
                positions.push(position);
                owners.push(owner);
            }
        }
        Successor { positions, owners }
    }

    #[inline]
    fn locate(&self, hash: P) -> Option<NodeId> {
        let index = self.landing(hash);
        let index = if index == self.positions.len() {
            0
        } else {
            index
        };
        self.owners.get(index).copied()
    }

    /// The index of the first point strictly greater than `hash` (`bisect_right`): the
    /// number of points when there is none, and the key wraps to the first.
    #[inline]
    fn landing(&self, hash: P) -> usize {
        self.positions.partition_point(|&p| p <= hash)
    }

    /// The search [`Successor::locate`] makes, with up to `around` points either side of the
    /// one it finds, positions shown through `show`.
    fn explain(&self, hash: P, around: usize, show: impl Fn(P) -> u128) -> Option<RingSearch> {
        RingSearch::at(self.len(), self.landing(hash), around, |i| Entry {
            position: show(self.positions[i]),
            node: self.owners[i],
            index: i as u64,
        })
    }

    /// Owners of the hash values `0..range` as `(last value, owner)` runs: the values from a
    /// point up to one below the next point go to that next point's owner; the values below
    /// the first point and from the last point up go to the first point's owner.
    fn intervals(&self, range: u128) -> Vec<(u128, Option<NodeId>)> {
        let top = range - 1;
        let Some(&first) = self.owners.first() else {
            return vec![(top, None)];
        };
        let mut runs: Vec<(u128, Option<NodeId>)> = Vec::with_capacity(self.len() + 1);
        let mut extend = |last: u128, owner: NodeId| match runs.last_mut() {
            Some(run) if run.1 == Some(owner) => run.0 = last,
            _ => runs.push((last, Some(owner))),
        };
        for (&position, &owner) in self.positions.iter().zip(&self.owners) {
            let position: u128 = position.into();
            if position > 0 {
                extend(position - 1, owner);
            }
        }
        extend(top, first);
        runs
    }

    fn len(&self) -> usize {
        self.positions.len()
    }

    /// Points each node holds once equal positions are merged.
    fn point_counts(&self, nodes: usize) -> Vec<Option<u64>> {
        let mut counts = vec![0u64; nodes];
        for &owner in &self.owners {
            counts[owner as usize] += 1;
        }
        counts.into_iter().map(Some).collect()
    }

    /// The points in search order, each position shown through `show`.
    fn points(&self, show: impl Fn(P) -> u64) -> Vec<Point> {
        self.positions
            .iter()
            .zip(&self.owners)
            .map(|(&position, &node)| Point {
                position: show(position),
                node,
            })
            .collect()
    }
}

/// `floor(a / b)` where `a / b` is Python 3's true division of two ints: the quotient
/// correctly rounded to a double, then floored (hash_ring's `math.floor((40*N*w) / total)`).
/// Equals the integer quotient unless the rounding reaches the next integer, which happens
/// only when `a` is beyond 2^53.
fn py_floor_true_div(a: u128, b: u128) -> u128 {
    let (q, r) = (a / b, a % b);
    if r == 0 {
        return q;
    }
    // x = q + r/b lies in (q, q+1). The doubles below q+1 are ulp = 2^(e-52) apart, 2^e being
    // x's binade (2^-53 below 1); x rounds to q+1 when q+1 - x <= ulp/2, a tie going to q+1,
    // whose significand is even for q < 2^52 (here q <= 40·N always).
    debug_assert!(q < 1 << 52);
    let shift = if q == 0 {
        54
    } else {
        53 - (127 - q.leading_zeros())
    };
    let gap = b - r;
    if gap.leading_zeros() >= shift && gap << shift <= b {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;

    #[test]
    fn successor_is_bisect_right_with_last_writer() {
        // Written in this order; 200 is written by node 1 then node 2: node 2 keeps it.
        let ring = Successor::from_points(vec![(100u32, 0), (200, 1), (300, 0), (200, 2)]);
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.locate(0), Some(0));
        assert_eq!(ring.locate(99), Some(0));
        // Equal to a point: the next one (strictly greater).
        assert_eq!(ring.locate(100), Some(2));
        assert_eq!(ring.locate(199), Some(2));
        assert_eq!(ring.locate(200), Some(0));
        assert_eq!(ring.locate(299), Some(0));
        assert_eq!(ring.locate(300), Some(0));
        assert_eq!(ring.locate(u32::MAX), Some(0));
        let ring = Successor::from_points(vec![(100u32, 0), (200, 1)]);
        assert_eq!(ring.locate(150), Some(1));
        assert_eq!(ring.locate(200), Some(0));
        assert!(
            Successor::<u32>::from_points(Vec::new())
                .locate(5)
                .is_none()
        );
    }

    #[test]
    fn successor_intervals_agree_with_locate() {
        for points in [
            vec![(7u32, 1), (7, 0), (20, 2), (63, 0), (64, 1)],
            vec![(0u32, 2), (5, 1), (79, 0)],
            vec![(0u32, 1)],
            vec![(40u32, 1), (41, 0)],
        ] {
            let ring = Successor::from_points(points.clone());
            let range = 80u32;
            let runs = ring.intervals(u128::from(range));
            assert_eq!(runs.last().unwrap().0, u128::from(range) - 1);
            for h in 0..range {
                let run = runs[runs.partition_point(|&(last, _)| last < u128::from(h))];
                assert_eq!(run.1, ring.locate(h), "{points:?} at {h}");
            }
        }
    }

    #[test]
    fn python_true_division_floor() {
        assert_eq!(py_floor_true_div(120, 3), 40);
        assert_eq!(py_floor_true_div(119, 3), 39);
        assert_eq!(py_floor_true_div(1, 3), 0);
        // Small operands: the plain integer quotient.
        for a in 0..2000u128 {
            for b in 1..40u128 {
                assert_eq!(py_floor_true_div(a, b), a / b);
            }
        }
        // Beyond 2^53 the double quotient can round up to the next integer (checked with
        // CPython 3.11): (2^60 - 1) / 2^60 == 1.0; 2^60 / (2^60 + 1) == 1.0.
        assert_eq!(py_floor_true_div((1 << 60) - 1, 1 << 60), 1);
        assert_eq!(py_floor_true_div(1 << 60, (1 << 60) + 1), 1);
        // 2^53 - 1 over 2^53: exactly representable, below 1.
        assert_eq!(py_floor_true_div((1 << 53) - 1, 1 << 53), 0);
        // (40·t − 1) / t: 40.0 for t = 3·2^50, 39.999999999999694 for t = 3·2^40.
        let total = 3u128 << 50;
        assert_eq!(py_floor_true_div(40 * total - 1, total), 40);
        assert_eq!(py_floor_true_div(40 * (total << 14) - 1, total << 14), 40);
        let total = 3u128 << 40;
        assert_eq!(py_floor_true_div(40 * total - 1, total), 39);
    }

    #[test]
    fn key_shares_follow_the_computed_shares() {
        let pool: Vec<Node> = [
            "10.0.0.1:11211 1",
            "10.0.0.2:11211 3",
            "10.0.0.3:6379 1 c",
            "10.0.0.4:6379 2 d",
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| crate::nodes::parse_inline(s, i + 1).unwrap())
        .collect();
        let keys = 100_000u32;
        for algo in [
            Algo::Uhashring,
            Algo::UhashringKetama,
            Algo::HashRing,
            Algo::NodeHashring,
            Algo::Jedis,
            Algo::JedisLegacy,
            Algo::PythonMemcached,
        ] {
            let config = RingConfig::new(algo, hash::by_name(algo.default_hash()).unwrap());
            let placement = build(&pool, &config).unwrap();
            let ownership = placement.ownership();
            let total: f64 = ownership.shares.iter().sum();
            assert!(
                (total - 1.0).abs() < 1e-9,
                "{algo:?}: shares sum to {total}"
            );
            let mut counts = vec![0u32; pool.len()];
            for i in 0..keys {
                let node = placement.locate(format!("key:{i}").as_bytes()).unwrap();
                counts[node as usize] += 1;
            }
            for (node, (&count, &share)) in counts.iter().zip(&ownership.shares).enumerate() {
                let expected = share * f64::from(keys);
                let sigma = (expected * (1.0 - share)).sqrt().max(1.0);
                assert!(
                    (f64::from(count) - expected).abs() < 5.0 * sigma,
                    "{algo:?} node {node}: {count} keys, share {share} promises {expected}"
                );
            }
        }
    }
}
