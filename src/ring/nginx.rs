//! nginx's upstream `hash $key` and `hash $key consistent` (`ngx_http_upstream_hash_module.c`,
//! nginx 1.22.1; the stream module is the same), peer for peer.
//!
//! Peers are the primary `server` lines in config order (backup servers never take part in
//! hash selection). `down` peers and failed peers (`--fail`: nginx has marked them failed
//! after `max_fails`) stay in the structure, in `total_weight` and in the point set; a key
//! that lands on one is rerouted, as nginx does:
//!
//! * plain `hash`: the 15-bit value `(CRC32(r ‖ key) >> 16) & 0x7fff` is added to a running
//!   sum for rehash counters r = 0, 1, 2, … (r written in decimal, omitted for 0); the peer
//!   is `sum mod total_weight`, counted over the peers' weights in order;
//! * `consistent`: every peer has `weight × 160` points, `CRC32(host ‖ \0 ‖ port ‖
//!   LE32(previous point))`, sorted with equal values removed (the first one stays); a key
//!   goes to the first point at or after `CRC32(key)` and on to the next point while its
//!   peer cannot take it.
//!
//! After 21 unusable points (or rehash counters r = 0..=20) nginx falls back to round robin,
//! as it does for an empty key and for a pool with a single peer. Round robin depends on
//! what nginx served before, not on the key: such keys are reported as unassigned (`None`),
//! except that a single peer that is up does take every key.
//!
//! What is exact. `consistent`: where a key goes, down and failed peers included, is a
//! function of `CRC32(key)`, so the owner map and the shares are exact. Plain `hash` with
//! every peer usable: the first 15-bit value decides, so the owner map (over twemproxy's
//! 15-bit `crc32`) and the shares are exact. Plain `hash` with a down or failed peer: CRC-32
//! is affine, so every rehash value is the first one XOR a constant of `r` and the key
//! length; keys of one length are counted exactly, but no single hash value decides, so
//! there is no owner map and the shares shown are the mean over key lengths 1 to 64
//! ([`ShareBasis::Analytic`]). `locate` is exact in every case. The one key no map
//! describes is the empty key, which nginx sends round robin.
//!
//! A hostname that resolves to several addresses becomes several nginx peers with the same
//! `server` text; ringscope models one peer per `server` line.

use std::borrow::Cow;

use crc::{CRC_32_ISO_HDLC, Crc, Digest};

use super::explain::{Entry, RingSearch, Searched, Step, bucket_run};
use super::repeats::first_repeat;
use super::{
    Algo, Explanation, HashInput, HashTag, Layout, NodeId, OwnerMap, Ownership, Placement, Point,
    RingConfig, ShareBasis, hashed_part,
};
use crate::error::{Error, Result};
use crate::hash;
use crate::nodes::{Address, Node};

const IEEE: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// Points per unit of weight (`ngx_http_upstream_init_chash`).
const POINTS_PER_WEIGHT: u64 = 160;
/// nginx gives up after `tries > 20`: 21 points or rehash counters are examined.
const TRIES: usize = 21;
/// The plain hash adds 15-bit values.
const HASH15: u32 = 1 << 15;
/// The key lengths the plain hash's shares with down peers are averaged over.
const SHARE_LENGTHS: std::ops::RangeInclusive<usize> = 1..=64;

/// Builds either mode; `failed[i]` marks peers that nginx currently treats as failed.
pub fn build(
    nodes: &[Node],
    config: &RingConfig,
    failed: Option<&[bool]>,
) -> Result<Box<dyn Placement>> {
    if let Some(failed) = failed
        && failed.len() != nodes.len()
    {
        return Err(Error::usage(format!(
            "internal: {} failure flags for {} nginx peers",
            failed.len(),
            nodes.len()
        )));
    }
    let usable: Vec<bool> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| !node.down && !failed.is_some_and(|f| f[i]))
        .collect();
    Ok(match config.algo {
        Algo::NginxHash => Box::new(PlainHash::build(nodes, config, usable)?),
        Algo::NginxConsistent => Box::new(Chash::build(nodes, config, usable)?),
        other => {
            return Err(Error::usage(format!(
                "internal: {} is not an nginx algorithm",
                other.name()
            )));
        }
    })
}

/// The `server` text nginx keeps for a peer (`peer->server`): the address as written, with
/// `unix:` before a socket path.
fn server_text(node: &Node) -> Cow<'_, str> {
    match &node.address {
        Address::Tcp { text, .. } => text.as_str().into(),
        Address::Unix { path } => format!("unix:{path}").into(),
        Address::Bare { name } => name.as_str().into(),
    }
}

/// `host` and `port` as `ngx_http_upstream_init_chash` splits a `server` text: after a
/// `unix:` prefix (any case) everything is the host; else the port is the run of digits
/// after the last ':' when only digits follow it; else there is no port.
fn host_and_port(server: &[u8]) -> (&[u8], &[u8]) {
    if server.len() >= 5 && server[..5].eq_ignore_ascii_case(b"unix:") {
        return (&server[5..], b"");
    }
    for (j, &c) in server.iter().rev().enumerate() {
        let at = server.len() - j - 1;
        if c == b':' {
            return (&server[..at], &server[at + 1..]);
        }
        if !c.is_ascii_digit() {
            break;
        }
    }
    (server, b"")
}

/// The points of one peer: `CRC32(host ‖ \0 ‖ port ‖ LE32(prev))`, prev starting at 0.
fn peer_points(server: &str, count: u64, mut emit: impl FnMut(u32)) {
    let (host, port) = host_and_port(server.as_bytes());
    let mut base: Digest<'static, u32> = IEEE.digest();
    base.update(host);
    base.update(&[0]);
    base.update(port);
    let mut prev = 0u32;
    for _ in 0..count {
        let mut digest = base.clone();
        digest.update(&prev.to_le_bytes());
        prev = digest.finalize();
        emit(prev);
    }
}

/// The 15-bit value the plain hash adds for rehash counter `r`.
#[inline]
fn hash15(r: usize, key: &[u8]) -> u32 {
    let crc = if r == 0 {
        IEEE.checksum(key)
    } else {
        let mut digest = IEEE.digest();
        digest.update(itoa::Buffer::new().format(r).as_bytes());
        digest.update(key);
        digest.finalize()
    };
    (crc >> 16) & 0x7fff
}

/// What every key gets when nginx never hashes: a single peer takes everything when it is
/// usable (round robin over one peer), and nothing otherwise.
fn single_owner(usable: &[bool]) -> Option<NodeId> {
    usable[0].then_some(0)
}

/// What nginx does without hashing, in an explanation's words.
const ONE_PEER: &str = "a single peer: nginx sends every key to it by round robin, without hashing (none when it is down or failed)";
const EMPTY_KEY: &str = "an empty key: nginx sends it round robin, which no key decides (unless one peer alone is usable)";
const GAVE_UP: &str = "21 tries found no usable peer: nginx falls back to round robin, which no key decides (unless one peer alone is usable)";

/// An explanation of a key nginx never hashes: a single peer, or an empty key.
fn unhashed(part: &[u8], peers: usize, usable: &[bool], fallback: Option<NodeId>) -> Explanation {
    if peers == 1 {
        Explanation::unhashed(single_owner(usable), ONE_PEER)
    } else {
        Explanation {
            hashed: Some(part.to_vec()),
            ..Explanation::unhashed(fallback, EMPTY_KEY)
        }
    }
}

/// Where round robin sends a key once hashing gives up (an empty key, 20 tries spent): no key
/// decides that among several usable peers, but with exactly one it can only be that one.
fn round_robin_fallback(usable: &[bool]) -> Option<NodeId> {
    let mut usable_peers = usable.iter().enumerate().filter(|&(_, &u)| u);
    match (usable_peers.next(), usable_peers.next()) {
        (Some((only, _)), None) => Some(only as NodeId),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// hash $key
// ---------------------------------------------------------------------------------------

/// One try of the plain hash.
#[derive(Clone, Copy)]
struct Try {
    value: u32,
    residue: u64,
    peer: usize,
}

pub struct PlainHash {
    /// End (exclusive) of each peer's run of residues mod total_weight, in config order.
    ends: Vec<u64>,
    usable: Vec<bool>,
    fallback: Option<NodeId>,
    all_usable: bool,
    hash_tag: Option<HashTag>,
}

impl PlainHash {
    fn build(nodes: &[Node], config: &RingConfig, usable: Vec<bool>) -> Result<Self> {
        let mut end = 0u64;
        let ends = nodes
            .iter()
            .map(|node| {
                end += u64::from(node.weight);
                end
            })
            .collect();
        Ok(PlainHash {
            ends,
            all_usable: usable.iter().all(|&u| u),
            fallback: round_robin_fallback(&usable),
            usable,
            hash_tag: config.hash_tag,
        })
    }

    fn total(&self) -> u64 {
        *self.ends.last().expect("at least one peer")
    }

    /// The peer that residue `w` (< total_weight) falls to.
    #[inline]
    fn peer(&self, w: u64) -> usize {
        self.ends.partition_point(|&end| end <= w)
    }

    fn input(&self) -> HashInput {
        HashInput::narrow(
            hash::by_name("crc32").expect("crc32 is registered"),
            self.hash_tag,
        )
    }

    /// nginx's tries for a non-empty key, rehash counters r = 0, 1, …, 20: each adds its
    /// 15-bit value to the running sum, whose residue mod total_weight picks the peer.
    #[inline]
    fn tries<'k>(&'k self, key: &'k [u8]) -> impl Iterator<Item = Try> + 'k {
        let total = self.total();
        let mut sum = 0u32;
        (0..TRIES).map(move |r| {
            let value = hash15(r, key);
            sum = sum.wrapping_add(value);
            let residue = u64::from(sum) % total;
            Try {
                value,
                residue,
                peer: self.peer(residue),
            }
        })
    }

    /// The first try whose peer is usable, each try shown to `seen` on the way.
    #[inline]
    fn first_usable(&self, key: &[u8], mut seen: impl FnMut(&Try)) -> Option<Try> {
        self.tries(key)
            .inspect(|t| seen(t))
            .find(|t| self.usable[t.peer])
    }

    /// Exact while every peer is usable: the first 15-bit value decides.
    fn map(&self) -> OwnerMap {
        let input = self.input();
        let layout = if self.ends.len() == 1 {
            Layout::Intervals(vec![(input.range() - 1, single_owner(&self.usable))])
        } else {
            Layout::Periodic {
                period: u128::from(self.total()),
                runs: self
                    .ends
                    .iter()
                    .enumerate()
                    .map(|(i, &end)| (u128::from(end), Some(i as NodeId)))
                    .collect(),
            }
        };
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }

    /// The rehash values of a key of `len` bytes, relative to its first one. CRC-32 is
    /// affine, so `CRC32(r ‖ key) = CRC32(key) ⊕ CRC32(r ‖ 0^len) ⊕ CRC32(0^len)`: each
    /// rehash value is the first 15-bit value XOR a constant of `r` and the key length.
    fn rehash_masks(len: usize) -> [u32; TRIES] {
        let zeros = vec![0u8; len];
        let base = IEEE.checksum(&zeros);
        let mut masks = [0u32; TRIES];
        for (r, mask) in masks.iter_mut().enumerate().skip(1) {
            let mut digest = IEEE.digest();
            digest.update(itoa::Buffer::new().format(r).as_bytes());
            digest.update(&zeros);
            *mask = ((digest.finalize() ^ base) >> 16) & 0x7fff;
        }
        masks
    }

    /// Where keys of `len` bytes go, counted over every first 15-bit value: exact for that
    /// length, down peers included. The last entry counts the values left to round robin.
    fn length_counts(&self, len: usize) -> Vec<u64> {
        let masks = Self::rehash_masks(len);
        let total = self.total();
        let mut counts = vec![0u64; self.ends.len() + 1];
        for first in 0..HASH15 {
            let mut sum = 0u32;
            let taker = masks.iter().find_map(|&mask| {
                sum += first ^ mask;
                let peer = self.peer(u64::from(sum) % total);
                self.usable[peer].then_some(peer)
            });
            let taker = taker.or(self.fallback.map(|f| f as usize));
            counts[taker.unwrap_or(self.ends.len())] += 1;
        }
        counts
    }

    /// Shares when some peers are down. They depend on the key length (see
    /// [`PlainHash::rehash_masks`]); each length is counted exactly and the shares are the
    /// mean over key lengths 1 to 64.
    fn rehash_shares(&self) -> Vec<f64> {
        let mut shares = vec![0.0; self.ends.len()];
        for len in SHARE_LENGTHS {
            let counts = self.length_counts(len);
            for (share, &count) in shares.iter_mut().zip(&counts) {
                *share += count as f64;
            }
        }
        let values = f64::from(HASH15) * SHARE_LENGTHS.count() as f64;
        shares.iter().map(|s| s / values).collect()
    }
}

/// Each peer's share of the weights of the peers that are up.
fn promised_without_down(nodes: &[Node]) -> Vec<f64> {
    let weight = |n: &Node| if n.down { 0.0 } else { f64::from(n.weight) };
    let total: f64 = nodes.iter().map(weight).sum();
    nodes
        .iter()
        .map(|n| if total > 0.0 { weight(n) / total } else { 0.0 })
        .collect()
}

impl Placement for PlainHash {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        if self.ends.len() == 1 {
            return single_owner(&self.usable);
        }
        let key = hashed_part(self.hash_tag.as_ref(), key);
        if key.is_empty() {
            return self.fallback;
        }
        self.first_usable(key, |_| {})
            .map(|t| t.peer as NodeId)
            .or(self.fallback)
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        if self.ends.len() == 1 || part.is_empty() {
            return unhashed(part, self.ends.len(), &self.usable, self.fallback);
        }
        let mut path = Vec::new();
        let taker = self.first_usable(part, |t| {
            path.push(Step {
                hash_value: Some(t.value.into()),
                position_value: Some(t.residue.into()),
                index: None,
                node: t.peer as NodeId,
                usable: self.usable[t.peer],
            });
        });
        let Some(first) = self.tries(part).next() else {
            return unhashed(part, self.ends.len(), &self.usable, self.fallback);
        };
        let chosen = Entry {
            position: first.residue.into(),
            node: first.peer as NodeId,
            index: first.residue,
        };
        let explanation = Explanation::hashed(part, "crc32", first.value.into())
            .in_table(
                Searched::Bucket,
                first.residue.into(),
                "bucket = running sum of the 15-bit hashes mod total weight, peers holding as many consecutive buckets as their weight in config order; while the peer is down or failed, the key is rehashed with the try number before it (\"1key\", \"2key\", …), 21 tries at most",
                Some(chosen),
            )
            .with_range(bucket_run(&self.ends, first.peer))
            .served_by(taker.map(|t| t.peer as NodeId).or(self.fallback));
        explanation.walked(path, taker.is_some(), GAVE_UP)
    }

    /// A `down` peer keeps its weight in nginx's sums but is never chosen: it is promised
    /// nothing.
    fn promised_shares(&self, nodes: &[Node]) -> Vec<f64> {
        promised_without_down(nodes)
    }

    fn ownership(&self) -> Ownership {
        let mut start = 0;
        let points = self
            .ends
            .iter()
            .map(|&end| {
                let slots = end - start;
                start = end;
                Some(slots)
            })
            .collect();
        if self.all_usable || self.ends.len() == 1 {
            return self.map().ownership(points);
        }
        Ownership {
            shares: self.rehash_shares(),
            points,
            basis: ShareBasis::Analytic,
        }
    }

    /// Only while every peer is usable (or there is one peer): where a key on a down peer
    /// is rehashed to depends on its length too, not on one hash value alone.
    fn owner_map(&self) -> Option<OwnerMap> {
        (self.all_usable || self.ends.len() == 1).then(|| self.map())
    }
}

// ---------------------------------------------------------------------------------------
// hash $key consistent
// ---------------------------------------------------------------------------------------

/// The owner of the first usable point of the walk from point `i` (that one and the next,
/// 21 points at most), each point shown to `seen` on the way.
fn first_usable_point(
    owners: &[NodeId],
    usable: &[bool],
    i: usize,
    mut seen: impl FnMut(usize, NodeId),
) -> Option<NodeId> {
    let len = owners.len();
    (0..TRIES.min(len))
        .map(|step| (i + step) % len)
        .inspect(|&at| seen(at, owners[at]))
        .map(|at| owners[at])
        .find(|&owner| usable[owner as usize])
}

pub struct Chash {
    /// Sorted, without repeated values.
    positions: Vec<u32>,
    /// The peer each point was made for.
    owners: Vec<NodeId>,
    /// The peer a key landing on each point ends with (walking on past unusable peers), or
    /// `None` after 21 unusable points.
    takers: Vec<Option<NodeId>>,
    fallback: Option<NodeId>,
    nodes: usize,
    usable: Vec<bool>,
    hash_tag: Option<HashTag>,
}

impl Chash {
    fn build(nodes: &[Node], config: &RingConfig, usable: Vec<bool>) -> Result<Self> {
        let total: u64 = nodes.iter().map(|n| u64::from(n.weight)).sum();
        let count = total * POINTS_PER_WEIGHT;
        // nginx allocates `total_weight × 160` points.
        super::check_size(
            Algo::NginxConsistent,
            count.into(),
            "points (160 × total weight)",
            "lower the weights",
        )?;
        let servers: Vec<Cow<str>> = nodes.iter().map(server_text).collect();
        if let Some((first, i)) = first_repeat(&servers) {
            return Err(Error::input(
                nodes[i].origin.clone(),
                format!(
                    "nodes '{}' and '{}' (at {}) have the same nginx server '{}': nginx gives them identical points and picks between them by round robin, which no key decides; list each server once",
                    nodes[i].label, nodes[first].label, nodes[first].origin, servers[i]
                ),
            ));
        }
        let mut points: Vec<(u32, NodeId)> = Vec::with_capacity(count as usize);
        for (i, (node, server)) in nodes.iter().zip(&servers).enumerate() {
            let n = u64::from(node.weight) * POINTS_PER_WEIGHT;
            peer_points(server, n, |p| points.push((p, i as NodeId)));
        }
        // glibc's qsort is a merge sort here: stable, so among equal values the one generated
        // first comes first and is the one kept.
        points.sort_by_key(|&(position, _)| position);
        points.dedup_by_key(|&mut (position, _)| position);
        let (positions, owners): (Vec<u32>, Vec<NodeId>) = points.into_iter().unzip();
        let len = owners.len();
        let fallback = round_robin_fallback(&usable);
        let takers = (0..len)
            .map(|i| first_usable_point(&owners, &usable, i, |_, _| {}).or(fallback))
            .collect();
        Ok(Chash {
            positions,
            owners,
            takers,
            fallback,
            nodes: nodes.len(),
            usable,
            hash_tag: config.hash_tag,
        })
    }

    /// The index of the first point at or after `hash` (the number of points when there is
    /// none: the key wraps to the first).
    #[inline]
    fn landing(&self, hash: u32) -> usize {
        self.positions.partition_point(|&p| p < hash)
    }

    fn map(&self) -> OwnerMap {
        let input = HashInput::narrow(
            hash::by_name("crc32a").expect("crc32a is registered"),
            self.hash_tag,
        );
        let top = input.range() - 1;
        let layout = if self.nodes == 1 {
            Layout::Intervals(vec![(top, single_owner(&self.usable))])
        } else {
            let mut runs: Vec<(u128, Option<NodeId>)> = Vec::with_capacity(self.positions.len());
            let mut extend = |last: u128, owner: Option<NodeId>| match runs.last_mut() {
                Some(run) if run.1 == owner => run.0 = last,
                _ => runs.push((last, owner)),
            };
            for (&position, &taker) in self.positions.iter().zip(&self.takers) {
                extend(u128::from(position), taker);
            }
            if u128::from(*self.positions.last().expect("points")) < top {
                extend(top, self.takers[0]);
            }
            Layout::Intervals(runs)
        };
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for Chash {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        if self.nodes == 1 {
            return single_owner(&self.usable);
        }
        let key = hashed_part(self.hash_tag.as_ref(), key);
        if key.is_empty() {
            return self.fallback;
        }
        let hash = IEEE.checksum(key);
        self.takers[self.landing(hash) % self.positions.len()]
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        if self.nodes == 1 || part.is_empty() {
            return unhashed(part, self.nodes, &self.usable, self.fallback);
        }
        let hash = IEEE.checksum(part);
        let found = self.landing(hash);
        let len = self.positions.len();
        let entry = |i: usize| Entry {
            position: self.positions[i].into(),
            node: self.owners[i],
            index: i as u64,
        };
        let search = RingSearch::at(len, found, around, entry);
        let mut path = Vec::new();
        let taker = first_usable_point(&self.owners, &self.usable, found % len, |at, owner| {
            path.push(Step {
                hash_value: None,
                position_value: Some(self.positions[at].into()),
                index: Some(at as u64),
                node: owner,
                usable: self.usable[owner as usize],
            });
        });
        // The taker `locate` reads, which the walk above also finds.
        let node = self.takers[found % len];
        let explanation = Explanation::hashed(part, "crc32a", hash.into())
            .found(
                hash.into(),
                "the first point at or after the position, wrapping to the first point; on to the next point while its peer is down or failed, 21 points at most",
                search,
            )
            .served_by(node);
        explanation.walked(path, taker.is_some(), GAVE_UP)
    }

    /// A `down` peer keeps its weight in nginx's sums but is never chosen: it is promised
    /// nothing.
    fn promised_shares(&self, nodes: &[Node]) -> Vec<f64> {
        promised_without_down(nodes)
    }

    fn ownership(&self) -> Ownership {
        let mut counts = vec![0u64; self.nodes];
        for &owner in &self.owners {
            counts[owner as usize] += 1;
        }
        self.map().ownership(counts.into_iter().map(Some).collect())
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(
            self.positions
                .iter()
                .zip(&self.owners)
                .map(|(&position, &node)| Point {
                    position: u64::from(position),
                    node,
                })
                .collect(),
        )
    }

    /// Exact in both cases: where a key goes, down peers included, depends only on
    /// `CRC32(key)`.
    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::nodes::inline_nodes as nodes;

    fn config(algo: Algo) -> RingConfig {
        RingConfig::new(algo, hash::by_name("crc32a").unwrap())
    }

    /// The nginx 1.22.1 pool of docs/algorithms/test-vectors.md: `server 127.0.0.1:23001;
    /// …:23002 weight=2; …:23003; …:23004 weight=3;`
    fn vector_pool() -> Vec<Node> {
        nodes(&[
            "127.0.0.1:23001",
            "127.0.0.1:23002:2",
            "127.0.0.1:23003",
            "127.0.0.1:23004:3",
        ])
    }

    fn port(pool: &[Node], node: Option<NodeId>) -> u16 {
        match &pool[node.expect("placed") as usize].address {
            Address::Tcp { port, .. } => *port,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn vectors_10_3() {
        let pool = vector_pool();
        let consistent = build(&pool, &config(Algo::NginxConsistent), None).unwrap();
        let plain = build(&pool, &config(Algo::NginxHash), None).unwrap();
        assert_eq!(consistent.points().unwrap().len(), 1120);
        let mut first = None;
        peer_points("127.0.0.1:23001", 1, |p| first = Some(p));
        assert_eq!(first, Some(0x8ed8a307));
        for (key, crc, chash, h15, hash) in [
            ("foo", 0x8c736521, 23004, 3187, 23002),
            ("bar", 0x76ff8caa, 23003, 30463, 23004),
            ("hello", 0x3610a686, 23004, 13840, 23002),
            ("user1000", 0x125adb66, 23003, 4698, 23002),
        ] {
            assert_eq!(IEEE.checksum(key.as_bytes()), crc, "{key}");
            assert_eq!(hash15(0, key.as_bytes()), h15, "{key}");
            assert_eq!(
                port(&pool, consistent.locate(key.as_bytes())),
                chash,
                "{key}"
            );
            assert_eq!(port(&pool, plain.locate(key.as_bytes())), hash, "{key}");
        }
        // python-memcached's cmemcache_hash is the same 15-bit value.
        assert_eq!(hash15(0, b"123456789"), 19444);
        assert_eq!(hash15(0, b"ob"), 0);
    }

    #[test]
    fn host_and_port_split_like_nginx() {
        let split = |s: &str| {
            let (h, p) = host_and_port(s.as_bytes());
            (
                String::from_utf8(h.to_vec()).unwrap(),
                String::from_utf8(p.to_vec()).unwrap(),
            )
        };
        let pair = |h: &str, p: &str| (h.to_string(), p.to_string());
        assert_eq!(split("127.0.0.1:23001"), pair("127.0.0.1", "23001"));
        assert_eq!(split("[::1]:80"), pair("[::1]", "80"));
        assert_eq!(split("[::1]"), pair("[::1]", ""));
        assert_eq!(split("example.com"), pair("example.com", ""));
        assert_eq!(split("10.0.0.1"), pair("10.0.0.1", ""));
        assert_eq!(split("unix:/tmp/a:80"), pair("/tmp/a:80", ""));
        assert_eq!(split("UNIX:/tmp/a"), pair("/tmp/a", ""));
        assert_eq!(split("host:"), pair("host", ""));
    }

    #[test]
    fn plain_rehash_walks_the_counter() {
        let mut pool = vector_pool();
        // "foo" goes to 23002 first (3187 mod 7 = 2); with 23002 down it is rehashed.
        pool[1].down = true;
        let plain = build(&pool, &config(Algo::NginxHash), None).unwrap();
        let mut sum = 0u32;
        let expected = (0..TRIES).find_map(|r| {
            sum += hash15(r, b"foo");
            let w = sum % 7;
            let peer = [0, 1, 1, 2, 3, 3, 3][w as usize];
            (peer != 1).then_some(peer as NodeId)
        });
        assert_eq!(plain.locate(b"foo"), expected);
        assert_ne!(plain.locate(b"foo"), Some(1));
        // Failing a peer is the same as marking it down.
        let failed = build(
            &vector_pool(),
            &config(Algo::NginxHash),
            Some(&[false, true, false, false]),
        )
        .unwrap();
        for i in 0..2000 {
            let key = format!("key:{i}");
            assert_eq!(plain.locate(key.as_bytes()), failed.locate(key.as_bytes()));
            assert_ne!(plain.locate(key.as_bytes()), Some(1));
        }
    }

    #[test]
    fn consistent_walks_to_the_next_usable_point() {
        let pool = vector_pool();
        let up = build(&pool, &config(Algo::NginxConsistent), None).unwrap();
        let down = build(
            &pool,
            &config(Algo::NginxConsistent),
            Some(&[false, false, false, true]),
        )
        .unwrap();
        let points = up.points().unwrap();
        for i in 0..5000 {
            let key = format!("k{i}");
            let before = up.locate(key.as_bytes()).unwrap();
            let after = down.locate(key.as_bytes()).unwrap();
            if before != 3 {
                assert_eq!(before, after, "{key}");
            } else {
                let h = u64::from(IEEE.checksum(key.as_bytes()));
                let start = points.partition_point(|p| p.position < h);
                let next = (start..)
                    .map(|i| points[i % points.len()].node)
                    .find(|&n| n != 3)
                    .unwrap();
                assert_eq!(after, next, "{key}");
            }
        }
        // The owner map says the same as locate, value by value.
        let map = down.owner_map().unwrap();
        let Layout::Intervals(runs) = &map.layout else {
            panic!("intervals")
        };
        for i in 0..5000 {
            let key = format!("k{i}");
            let h = u128::from(IEEE.checksum(key.as_bytes()));
            let owner = runs[runs.partition_point(|&(last, _)| last < h)].1;
            assert_eq!(owner, down.locate(key.as_bytes()), "{key}");
        }
    }

    #[test]
    fn twenty_one_unusable_points_fall_back_to_round_robin() {
        // Two light usable peers beside a heavy down one: a key whose next 21 points all
        // belong to the down peer goes round robin, which no key decides: unassigned.
        let mut pool = nodes(&["10.0.0.1:80:1", "10.0.0.2:80:30", "10.0.0.3:80:1"]);
        pool[1].down = true;
        let usable = vec![true, false, true];
        let chash = Chash::build(&pool, &config(Algo::NginxConsistent), usable.clone()).unwrap();
        let len = chash.owners.len();
        let mut saw_none = false;
        for i in 0..len {
            let run = (0..TRIES)
                .take_while(|s| chash.owners[(i + s) % len] == 1)
                .count();
            let expected = if run == TRIES {
                saw_none = true;
                None
            } else {
                Some(chash.owners[(i + run) % len])
            };
            assert_eq!(chash.takers[i], expected);
        }
        assert!(saw_none);
        // The plain hash stops after rehash counter 20 (residues: 0 → peer 0, 31 → peer 2).
        let plain = PlainHash::build(&pool, &config(Algo::NginxHash), usable).unwrap();
        let mut unassigned = 0u32;
        for i in 0..20_000 {
            let key = format!("key:{i}");
            let expected = {
                let mut sum = 0u32;
                (0..TRIES).find_map(|r| {
                    sum += hash15(r, key.as_bytes());
                    match sum % 32 {
                        0 => Some(0),
                        31 => Some(2),
                        _ => None,
                    }
                })
            };
            let got = plain.locate(key.as_bytes());
            assert_eq!(got, expected, "{key}");
            unassigned += u32::from(got.is_none());
        }
        assert!(unassigned > 0);
        let shares = plain.ownership().shares;
        assert!(shares[0] > 0.15 && shares[0] < 0.45, "{shares:?}");
        assert_eq!(shares[1], 0.0);
    }

    #[test]
    fn round_robin_over_one_usable_peer_is_that_peer() {
        // With one usable peer left, whatever hashing gives up on goes to it.
        let mut pool = nodes(&["10.0.0.1:80:1", "10.0.0.2:80:30"]);
        pool[1].down = true;
        let usable = vec![true, false];
        let chash = Chash::build(&pool, &config(Algo::NginxConsistent), usable.clone()).unwrap();
        assert!(chash.takers.iter().all(|&t| t == Some(0)));
        let plain = PlainHash::build(&pool, &config(Algo::NginxHash), usable).unwrap();
        for i in 0..5_000 {
            assert_eq!(plain.locate(format!("key:{i}").as_bytes()), Some(0));
        }
        assert_eq!(plain.locate(b""), Some(0));
        let shares = plain.ownership().shares;
        assert!((shares[0] - 1.0).abs() < 1e-12, "{shares:?}");
    }

    #[test]
    fn duplicate_points_keep_the_first() {
        // A socket path written with and without `unix:` hashes alike.
        let mut with_prefix = Vec::new();
        peer_points("unix:/s", 160, |p| with_prefix.push(p));
        let mut bare = Vec::new();
        peer_points("/s", 160, |p| bare.push(p));
        assert_eq!(with_prefix, bare);
        // Two weights of one server give the same chain: the heavier one's points extend it.
        let mut chain = Vec::new();
        peer_points("/s", 320, |p| chain.push(p));
        assert_eq!(chain[..160], bare[..]);
        // "10.0.0.1" and "10.0.0.1:" split to the same host and port: identical points, so
        // the first peer keeps all of them.
        let pool = nodes(&["10.0.0.1 one", "10.0.0.2 two"]);
        let mut same = pool.clone();
        same[1].address = Address::Bare {
            name: "10.0.0.1:".into(),
        };
        let chash = Chash::build(&same, &config(Algo::NginxConsistent), vec![true, true]).unwrap();
        assert_eq!(chash.positions.len(), 160);
        assert!(chash.owners.iter().all(|&o| o == 0));
        assert!(chash.takers.iter().all(|&o| o == Some(0)));
        let chash = Chash::build(&pool, &config(Algo::NginxConsistent), vec![true, true]).unwrap();
        assert_eq!(chash.positions.len(), 320);
        // Two nodes with one server text are refused.
        same[1].address = same[0].address.clone();
        let err = Chash::build(&same, &config(Algo::NginxConsistent), vec![true, true])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("same nginx server '10.0.0.1'"), "{err}");
    }

    #[test]
    fn shares_are_exact_and_add_up() {
        let pool = vector_pool();
        let plain = build(&pool, &config(Algo::NginxHash), None).unwrap();
        let ownership = plain.ownership();
        assert_eq!(ownership.basis, ShareBasis::Exact);
        // 32768 = 4681 × 7 + 1: residue 0 (23001) gets one extra value.
        let expected = [4682.0, 2.0 * 4681.0, 4681.0, 3.0 * 4681.0].map(|c| c / 32768.0);
        assert_eq!(ownership.shares, expected);
        assert_eq!(ownership.points, vec![Some(1), Some(2), Some(1), Some(3)]);

        let chash = build(&pool, &config(Algo::NginxConsistent), None).unwrap();
        let shares = chash.ownership().shares;
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let mut counts = [0u32; 4];
        for i in 0..100_000 {
            counts[chash.locate(format!("key:{i}").as_bytes()).unwrap() as usize] += 1;
        }
        for (count, share) in counts.iter().zip(&shares) {
            assert!((f64::from(*count) / 100_000.0 - share).abs() < 0.01);
        }

        // Down peers: plain shares are the mean over key lengths, of exact counts.
        let mut down = pool.clone();
        down[3].down = true;
        let plain = build(&down, &config(Algo::NginxHash), None).unwrap();
        let ownership = plain.ownership();
        assert_eq!(ownership.basis, ShareBasis::Analytic);
        assert!(plain.owner_map().is_none());
        assert_eq!(ownership.shares[3], 0.0);
        assert!((ownership.shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let chash = build(&down, &config(Algo::NginxConsistent), None).unwrap();
        let ownership = chash.ownership();
        assert_eq!(ownership.basis, ShareBasis::Exact);
        assert_eq!(ownership.shares[3], 0.0);
        assert!((ownership.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rehashes_depend_on_the_first_value_and_the_length() {
        // CRC32(r ‖ key) = CRC32(key) ⊕ a constant of r and the key length.
        let mut rng = 0x1234_5678_9abc_def0u64;
        let mut byte = || {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 56) as u8
        };
        for len in [1usize, 2, 5, 9, 17, 64, 300] {
            let masks = PlainHash::rehash_masks(len);
            for _ in 0..50 {
                let key: Vec<u8> = (0..len).map(|_| byte()).collect();
                let first = hash15(0, &key);
                for (r, &mask) in masks.iter().enumerate() {
                    assert_eq!(hash15(r, &key), first ^ mask, "len {len} r {r}");
                }
            }
        }
        // So the counts per length are exact: keys of one length follow them.
        let mut pool = vector_pool();
        pool[1].down = true;
        let plain = PlainHash::build(
            &pool,
            &config(Algo::NginxHash),
            vec![true, false, true, true],
        )
        .unwrap();
        for len in [3usize, 8] {
            let counts = plain.length_counts(len);
            assert_eq!(counts.iter().sum::<u64>(), u64::from(HASH15));
            let masks = PlainHash::rehash_masks(len);
            for _ in 0..2000 {
                let key: Vec<u8> = (0..len).map(|_| byte()).collect();
                let first = hash15(0, &key);
                let mut sum = 0u32;
                let predicted = masks.iter().find_map(|&mask| {
                    sum += first ^ mask;
                    let peer = [0, 1, 1, 2, 3, 3, 3][(sum % 7) as usize];
                    (peer != 1).then_some(peer as NodeId)
                });
                assert_eq!(plain.locate(&key), predicted);
            }
        }
        // A total weight above 21 × 32767: the sum never wraps, later peers are unreachable.
        let mut pool = nodes(&["10.0.0.1:80:700000", "10.0.0.2:80:1", "10.0.0.3:80:1"]);
        pool[1].down = true;
        let plain =
            PlainHash::build(&pool, &config(Algo::NginxHash), vec![true, false, true]).unwrap();
        assert_eq!(plain.rehash_shares(), vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn single_peer_and_empty_key_use_round_robin() {
        let one = nodes(&["10.0.0.1:80"]);
        for algo in [Algo::NginxHash, Algo::NginxConsistent] {
            let placement = build(&one, &config(algo), None).unwrap();
            assert_eq!(placement.locate(b""), Some(0));
            assert_eq!(placement.locate(b"k"), Some(0));
            assert_eq!(placement.ownership().shares, vec![1.0]);
            let failed = build(&one, &config(algo), Some(&[true])).unwrap();
            assert_eq!(failed.locate(b"k"), None);
            assert_eq!(failed.ownership().shares, vec![0.0]);
            let two = build(&vector_pool(), &config(algo), None).unwrap();
            assert_eq!(two.locate(b""), None);
        }
    }
}
