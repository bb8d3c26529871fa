//! haproxy 2.6 `hash-type consistent` (`lb_chash.c`) and `hash-type map-based` (`lb_map.c`),
//! as Debian's haproxy 2.6.12 places keys (haproxy 2.6: `src/backend.c : gen_hash` for the
//! key hash, `src/cfgparse.c : check_config_validity` for automatic server ids; every rule
//! below was checked against that binary).
//!
//! Both hash the key bytes (what the `balance` rule extracted) with sdbm over unsigned bytes.
//!
//! * consistent: the key's position is `full_hash(sdbm(key))` ("sdbm + avalanche", the
//!   default when `hash-type consistent` names no function). Each server of weight `w` has
//!   `16 × w` nodes; node `n` of the server with numeric id `s` sits at
//!   `full_hash(s × 4096 + n)`. A key goes to the node **closest** to its position in
//!   either direction, the previous one when `h − prev ≤ next − h` (unsigned 32-bit). Nodes
//!   at equal positions (ids 2^20 apart) keep declaration order: the first of them is the
//!   "next" node, the last one the "previous" node.
//! * map-based: a table of `Σ w / gcd(w)` entries filled by haproxy's smooth weighted
//!   pattern (each round every server adds its weight to a score; the highest
//!   `(score + total) / total` wins, the first declared on ties, and pays `total`); the key
//!   goes to entry `sdbm(key) mod table size`.
//!
//! Servers of weight 0 take part in neither structure: haproxy keeps them up but gives them
//! no keys. The server ids come from [`Node::id`]; a node without one (a plain list, a node
//! added by `simulate --add`) takes the id haproxy would give an id-less `server` line in its
//! position ([`server_ids`]). A `--hash-tag` applies before sdbm, as for every ring.

use super::explain::{Entry, RingSearch, Searched};
use super::{
    Algo, Explanation, HashInput, HashTag, Layout, NodeId, OwnerMap, Ownership, Placement, Point,
    RingConfig, hashed_part,
};
use crate::error::{Error, Result};
use crate::hash::{self, HashFunction};
use crate::nodes::Node;

/// haproxy's `BE_WEIGHT_SCALE`: consistent-hash nodes per unit of weight.
const NODES_PER_WEIGHT: u32 = 16;
/// The largest weight haproxy accepts.
pub const MAX_WEIGHT: u32 = 256;
/// What the consistent ring's owner map is a function of.
const AVALANCHE_INPUT: &str = "sdbm + full_hash (haproxy avalanche)";

pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    if config.hash.name != "sdbm" {
        return Err(Error::usage(format!(
            "{} hashes keys with sdbm; --hash {} does not apply",
            config.algo.name(),
            config.hash.name
        )));
    }
    if let Some(node) = nodes.iter().find(|n| n.weight > MAX_WEIGHT) {
        return Err(Error::input(
            node.origin.clone(),
            format!(
                "weight {} of '{}': haproxy weights range from 0 to {MAX_WEIGHT}",
                node.weight, node.label
            ),
        ));
    }
    let weights: u64 = nodes.iter().map(|n| u64::from(n.weight)).sum();
    let (work, what) = match config.algo {
        Algo::HaproxyConsistent => (weights * u64::from(NODES_PER_WEIGHT), "ring nodes"),
        // The smooth map visits every server for every entry.
        _ => (
            weights.saturating_mul(nodes.len() as u64) / 100,
            "map steps (x100)",
        ),
    };
    super::check_size(
        config.algo,
        work.into(),
        what,
        "lower the weights or the server count",
    )?;
    let key_hash = KeyHash {
        hash: config.hash,
        tag: config.hash_tag,
    };
    Ok(match config.algo {
        Algo::HaproxyConsistent => Box::new(Consistent::build(nodes, key_hash)),
        Algo::HaproxyMapBased => Box::new(MapBased::build(nodes, key_hash)),
        other => {
            return Err(Error::usage(format!(
                "internal: {} is not a haproxy algorithm",
                other.name()
            )));
        }
    })
}

/// haproxy's `full_hash`: Bob Jenkins' 32-bit integer mix, then × 3221225473.
#[inline]
pub fn full_hash(a: u32) -> u32 {
    let a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    let a = (a ^ 0xc761_c23c) ^ (a >> 19);
    let a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    let a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    let a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    let a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

/// The numeric id of every node: [`Node::id`] when set, else haproxy's automatic numbering
/// (`cfgparse.c`, checked on 2.6.12): a counter starts at 1 and advances past every server
/// line; a server without an id takes the first id at or above the counter that no server
/// uses (explicit ids count wherever they are declared), and the counter moves past it.
/// `a id 2`, `b`, `c` give b = 3, c = 4; `a`, `b id 1`, `c` give a = 2, c = 4.
pub fn server_ids(nodes: &[Node]) -> Vec<u32> {
    assign_ids(nodes.iter().map(|n| n.id))
}

/// haproxy's id rule: explicit ids stay; each server without one takes the first unused id
/// at or above a counter that moves past every server line.
pub fn assign_ids(explicit: impl Iterator<Item = Option<u32>> + Clone) -> Vec<u32> {
    let mut used: std::collections::HashSet<u32> = explicit.clone().flatten().collect();
    let mut counter = 1u32;
    explicit
        .map(|id| match id {
            Some(id) => {
                counter = counter.wrapping_add(1);
                id
            }
            None => {
                let mut id = counter;
                while used.contains(&id) {
                    id = id.wrapping_add(1);
                }
                used.insert(id);
                counter = id.wrapping_add(1);
                id
            }
        })
        .collect()
}

/// The key's hash before either method uses it.
#[derive(Clone, Copy)]
struct KeyHash {
    hash: &'static HashFunction,
    tag: Option<HashTag>,
}

impl KeyHash {
    #[inline]
    fn raw(&self, key: &[u8]) -> u32 {
        self.hash.hash32(hashed_part(self.tag.as_ref(), key))
    }

    /// [`KeyHash::raw`] as an explanation shows it, with the value.
    fn explained(&self, key: &[u8]) -> (Explanation, u32) {
        let value = self.raw(key);
        let part = hashed_part(self.tag.as_ref(), key);
        (
            Explanation::hashed(part, self.hash.name, value.into()),
            value,
        )
    }
}

// ---------------------------------------------------------------------------------------
// hash-type consistent
// ---------------------------------------------------------------------------------------

/// What [`Consistent::closest`] compares.
struct Closest {
    /// The node that takes the key, and whether it is the previous one.
    index: usize,
    previous: bool,
    /// The distances back to the previous node and on to the next one.
    before: u32,
    after: u32,
}

pub struct Consistent {
    /// Sorted; equal positions keep the order the nodes were made in.
    positions: Vec<u32>,
    owners: Vec<NodeId>,
    /// Nodes per server (16 × weight).
    counts: Vec<u64>,
    key_hash: KeyHash,
}

impl Consistent {
    fn build(nodes: &[Node], key_hash: KeyHash) -> Self {
        let ids = server_ids(nodes);
        let total: usize = nodes
            .iter()
            .map(|n| (n.weight * NODES_PER_WEIGHT) as usize)
            .sum();
        let mut points: Vec<(u32, NodeId)> = Vec::with_capacity(total);
        let mut counts = Vec::with_capacity(nodes.len());
        for (index, (node, &id)) in nodes.iter().zip(&ids).enumerate() {
            let count = node.weight * NODES_PER_WEIGHT;
            let base = id.wrapping_mul(4096);
            points.extend((0..count).map(|n| (full_hash(base.wrapping_add(n)), index as NodeId)));
            counts.push(u64::from(count));
        }
        // Stable: haproxy's tree keeps equal keys in insertion (declaration) order.
        points.sort_by_key(|&(position, _)| position);
        let (positions, owners) = points.into_iter().unzip();
        Consistent {
            positions,
            owners,
            counts,
            key_hash,
        }
    }

    /// The owner of the node closest to `h` (`chash_get_server_hash`).
    #[inline]
    fn owner_of(&self, h: u32) -> Option<NodeId> {
        self.closest(h).map(|c| self.owners[c.index])
    }

    /// The nodes either side of `h` and the one that takes it: the previous one when
    /// `h − prev ≤ next − h`.
    #[inline]
    fn closest(&self, h: u32) -> Option<Closest> {
        let len = self.positions.len();
        if len == 0 {
            return None;
        }
        let found = self.positions.partition_point(|&p| p < h);
        let next = if found == len { 0 } else { found };
        let prev = if next == 0 { len - 1 } else { next - 1 };
        let before = h.wrapping_sub(self.positions[prev]);
        let after = self.positions[next].wrapping_sub(h);
        let previous = before <= after;
        Some(Closest {
            index: if previous { prev } else { next },
            previous,
            before,
            after,
        })
    }

    /// Who owns every 32-bit position: between two neighbouring nodes, the values up to the
    /// midpoint (rounded down) go to the lower one, the rest to the upper one.
    fn intervals(&self) -> Vec<(u128, Option<NodeId>)> {
        const TOP: u64 = u32::MAX as u64;
        let len = self.positions.len();
        if len == 0 {
            return vec![(u128::from(TOP), None)];
        }
        let position = |i: usize| u64::from(self.positions[i]);
        let (first, last) = (Some(self.owners[0]), Some(self.owners[len - 1]));
        let mut runs: Vec<(u128, Option<NodeId>)> = Vec::with_capacity(len + 2);
        let mut push = |from: u64, to: u64, owner: Option<NodeId>| {
            if from > to {
                return;
            }
            match runs.last_mut() {
                Some(run) if run.1 == owner => run.0 = u128::from(to),
                _ => runs.push((u128::from(to), owner)),
            }
        };
        // Between the last node and the first one, across 2^32.
        let wrap_mid = (position(len - 1) + position(0) + (TOP + 1)) / 2;
        if wrap_mid > TOP {
            push(0, wrap_mid - (TOP + 1), last);
            push(wrap_mid - TOP, position(0), first);
        } else {
            push(0, position(0), first);
        }
        for i in 0..len - 1 {
            let (low, high) = (position(i), position(i + 1));
            if low == high {
                continue;
            }
            let mid = (low + high) / 2;
            push(low + 1, mid, Some(self.owners[i]));
            push(mid + 1, high, Some(self.owners[i + 1]));
        }
        let tail = wrap_mid.min(TOP);
        push(position(len - 1) + 1, tail, last);
        push(tail + 1, TOP, first);
        runs
    }

    fn map(&self) -> OwnerMap {
        let input = HashInput {
            hash: AVALANCHE_INPUT,
            bits: 32,
            tag: self.key_hash.tag,
        };
        OwnerMap {
            range: input.range(),
            input,
            layout: Layout::Intervals(self.intervals()),
        }
    }
}

impl Placement for Consistent {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.owner_of(full_hash(self.key_hash.raw(key)))
    }

    /// The node taken, with its neighbours; the note gives both distances.
    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let (explanation, raw) = self.key_hash.explained(key);
        let position = full_hash(raw);
        let rule = "the node closest to the position either way, the previous one when they are equally far (position = full_hash(sdbm), haproxy's avalanche)";
        let Some(closest) = self.closest(position) else {
            return explanation
                .found(position.into(), rule, None)
                .with_note("no server has a weight above 0: haproxy gives no server the key");
        };
        let entry = |i: usize| Entry {
            position: self.positions[i].into(),
            node: self.owners[i],
            index: i as u64,
        };
        let mut search = RingSearch::at(self.positions.len(), closest.index, around, entry);
        if let Some(search) = &mut search {
            // Wrapped when the node taken lies across 0 from the position.
            let taken = self.positions[closest.index];
            search.wrapped = if closest.previous {
                taken > position
            } else {
                taken < position
            };
        }
        explanation
            .on_ring(position.into(), rule, search)
            .with_note(format!(
                "the previous node is {} below the position, the next one {} above",
                closest.before, closest.after
            ))
    }

    fn ownership(&self) -> Ownership {
        self.map()
            .ownership(self.counts.iter().copied().map(Some).collect())
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

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

// ---------------------------------------------------------------------------------------
// hash-type map-based
// ---------------------------------------------------------------------------------------

pub struct MapBased {
    /// The server of each table entry.
    table: Vec<NodeId>,
    nodes: usize,
    key_hash: KeyHash,
}

impl MapBased {
    fn build(nodes: &[Node], key_hash: KeyHash) -> Self {
        let weights: Vec<u32> = nodes.iter().map(|n| n.weight).collect();
        MapBased {
            table: smooth_map(&weights),
            nodes: nodes.len(),
            key_hash,
        }
    }

    /// The table entry of a key hash, `hash mod table size`; none for an empty table.
    #[inline]
    fn entry(&self, raw: u32) -> Option<usize> {
        (!self.table.is_empty()).then(|| raw as usize % self.table.len())
    }

    fn map(&self) -> OwnerMap {
        let input = HashInput::narrow(
            hash::by_name("sdbm").expect("sdbm is registered"),
            self.key_hash.tag,
        );
        let layout = if self.table.is_empty() {
            Layout::Intervals(vec![(input.range() - 1, None)])
        } else {
            let mut runs: Vec<(u128, Option<NodeId>)> = Vec::new();
            for (entry, &owner) in self.table.iter().enumerate() {
                match runs.last_mut() {
                    Some(run) if run.1 == Some(owner) => run.0 = entry as u128 + 1,
                    _ => runs.push((entry as u128 + 1, Some(owner))),
                }
            }
            Layout::Periodic {
                period: self.table.len() as u128,
                runs,
            }
        };
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

/// haproxy's `recalc_server_map` over the servers' weights divided by their greatest common
/// divisor (`init_server_map`; any common factor gives the same table repeated, so the
/// result does not depend on it). Weight-0 servers get no entry.
pub fn smooth_map(weights: &[u32]) -> Vec<NodeId> {
    let divisor = weights.iter().fold(0u32, |g, &w| gcd(g, w)).max(1);
    let weights: Vec<i64> = weights.iter().map(|&w| i64::from(w / divisor)).collect();
    let total: i64 = weights.iter().sum();
    let mut scores = vec![0i64; weights.len()];
    let mut table = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let mut best: Option<(usize, i64)> = None;
        for (index, &weight) in weights.iter().enumerate() {
            if weight == 0 {
                continue;
            }
            scores[index] += weight;
            // C integer division (truncation), as haproxy computes it.
            let v = (scores[index] + total) / total;
            if best.is_none_or(|(_, max)| v > max) {
                best = Some((index, v));
            }
        }
        let (index, _) = best.expect("a server with weight > 0");
        scores[index] -= total;
        table.push(index as NodeId);
    }
    table
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Placement for MapBased {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        let entry = self.entry(self.key_hash.raw(key))?;
        Some(self.table[entry])
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let (explanation, raw) = self.key_hash.explained(key);
        let Some(entry) = self.entry(raw) else {
            return explanation
                .with_note("no server has a weight above 0: haproxy gives no server the key");
        };
        let chosen = Entry {
            position: entry as u128,
            node: self.table[entry],
            index: entry as u64,
        };
        explanation.in_table(
            Searched::TableIndex,
            entry as u128,
            "table index = hash mod table size (the smooth weighted map of the weights over their greatest common divisor)",
            Some(chosen),
        )
    }

    fn ownership(&self) -> Ownership {
        let mut entries = vec![0u64; self.nodes];
        for &owner in &self.table {
            entries[owner as usize] += 1;
        }
        self.map()
            .ownership(entries.into_iter().map(Some).collect())
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

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::nodes::Address;

    fn server(name: &str, weight: u32, id: Option<u32>) -> Node {
        let mut node = Node::new(
            Address::Bare {
                name: name.to_string(),
            },
            weight,
            Some(name.to_string()),
            Location::new("test", None),
        );
        node.id = id;
        node
    }

    fn placement(algo: Algo, nodes: &[Node]) -> Box<dyn Placement> {
        let config = RingConfig::new(algo, hash::by_name("sdbm").unwrap());
        build(nodes, &config).unwrap()
    }

    /// Labels of `key0`, `key1`, … as the placement puts them.
    fn labels(placement: &dyn Placement, nodes: &[Node], keys: usize) -> Vec<String> {
        (0..keys)
            .map(|i| {
                let node = placement.locate(format!("key{i}").as_bytes()).unwrap();
                nodes[node as usize].label.clone()
            })
            .collect()
    }

    #[test]
    fn full_hash_vectors() {
        assert_eq!(full_hash(0), 0xab4e_d927);
        assert_eq!(full_hash(1), 0x3486_81b6);
        assert_eq!(full_hash(4096), 0x49c2_008b);
        assert_eq!(full_hash(u32::MAX), 0x7e64_c182);
        assert_eq!(full_hash(hash::sdbm(b"foo")), 0xa307_0f88);
    }

    #[test]
    fn automatic_ids_follow_haproxy() {
        let ids = |spec: &[Option<u32>]| {
            let nodes: Vec<Node> = spec
                .iter()
                .enumerate()
                .map(|(i, &id)| server(&format!("s{i}"), 1, id))
                .collect();
            server_ids(&nodes)
        };
        // All observed with `show servers state` on haproxy 2.6.12.
        assert_eq!(ids(&[Some(2), None, None]), [2, 3, 4]);
        assert_eq!(ids(&[None, Some(1), None]), [2, 1, 4]);
        assert_eq!(
            ids(&[Some(5), None, None, None, None, None]),
            [5, 2, 3, 4, 6, 7]
        );
        assert_eq!(ids(&[Some(3), Some(1), None, None]), [3, 1, 4, 5]);
        assert_eq!(ids(&[Some(100), None, Some(2), None]), [100, 3, 2, 5]);
        assert_eq!(ids(&[None, None, None]), [1, 2, 3]);
    }

    #[test]
    fn consistent_matches_real_haproxy() {
        // Keys key0..key11 through haproxy 2.6.12, `balance url_param k`, `hash-type
        // consistent`.
        let nodes = [
            server("a", 1, Some(2)),
            server("b", 1, None),
            server("c", 1, None),
        ];
        let p = placement(Algo::HaproxyConsistent, &nodes);
        assert_eq!(labels(&*p, &nodes, 12).concat(), "abbbccccabac");
        let nodes = [
            server("x", 1, Some(100)),
            server("y", 1, None),
            server("z", 1, Some(2)),
            server("w", 1, None),
        ];
        let p = placement(Algo::HaproxyConsistent, &nodes);
        assert_eq!(labels(&*p, &nodes, 12).concat(), "zwyxwzyzxyzy");
    }

    #[test]
    fn map_based_matches_real_haproxy() {
        let nodes = [
            server("s0", 7, None),
            server("s1", 5, None),
            server("s2", 3, None),
        ];
        let p = placement(Algo::HaproxyMapBased, &nodes);
        assert_eq!(
            labels(&*p, &nodes, 12).join(" "),
            "s0 s1 s0 s2 s0 s1 s0 s1 s2 s0 s0 s1"
        );
        let nodes = [
            server("s0", 10, None),
            server("s1", 4, None),
            server("s2", 6, None),
            server("s3", 8, None),
        ];
        let p = placement(Algo::HaproxyMapBased, &nodes);
        assert_eq!(
            labels(&*p, &nodes, 12).join(" "),
            "s0 s2 s3 s0 s1 s0 s3 s2 s0 s3 s3 s0"
        );
    }

    #[test]
    fn smooth_map_spreads_servers() {
        assert_eq!(smooth_map(&[1, 2, 3]), [0, 2, 1, 2, 1, 2]);
        assert_eq!(smooth_map(&[2, 4, 6]), smooth_map(&[1, 2, 3]));
        assert_eq!(smooth_map(&[1, 1, 1, 1, 5]), [0, 4, 1, 4, 2, 4, 3, 4, 4]);
        assert_eq!(smooth_map(&[0, 2, 0, 1]), [1, 1, 3]);
        assert_eq!(smooth_map(&[3, 3, 3]), [0, 1, 2]);
        assert!(smooth_map(&[0, 0]).is_empty());
    }

    fn ring(points: &[(u32, NodeId)]) -> Consistent {
        let mut points = points.to_vec();
        points.sort_by_key(|&(p, _)| p);
        let (positions, owners) = points.into_iter().unzip();
        Consistent {
            positions,
            owners,
            counts: vec![0; 4],
            key_hash: KeyHash {
                hash: hash::by_name("sdbm").unwrap(),
                tag: None,
            },
        }
    }

    /// The owner of `h` read from the intervals.
    fn interval_owner(runs: &[(u128, Option<NodeId>)], h: u32) -> Option<NodeId> {
        runs[runs.partition_point(|&(last, _)| last < u128::from(h))].1
    }

    #[test]
    fn nearest_node_in_either_direction() {
        let r = ring(&[(100, 0), (200, 1), (300, 2)]);
        assert_eq!(r.owner_of(150), Some(0), "a tie goes to the previous node");
        assert_eq!(r.owner_of(151), Some(1));
        assert_eq!(r.owner_of(200), Some(1));
        assert_eq!(r.owner_of(99), Some(0));
        assert_eq!(r.owner_of(301), Some(2));
        // Across 2^32: 300 and 100 + 2^32 are 2^32 - 200 apart.
        assert_eq!(r.owner_of(2_147_483_848), Some(2));
        assert_eq!(r.owner_of(2_147_483_849), Some(0));
        assert_eq!(r.owner_of(0), Some(0));
        assert_eq!(r.owner_of(u32::MAX), Some(0));
    }

    #[test]
    fn equal_positions_split_by_direction() {
        // Two nodes at 500: the first made is "next" from below, the last "previous" from
        // above (haproxy 2.6.12 with ids 1 and 1048577, whose nodes coincide).
        let r = ring(&[(100, 0), (500, 1), (500, 2), (900, 3)]);
        assert_eq!(r.owner_of(499), Some(1));
        assert_eq!(r.owner_of(500), Some(1));
        assert_eq!(r.owner_of(501), Some(2));
    }

    #[test]
    fn intervals_agree_with_the_search() {
        let rings = [
            ring(&[(100, 0), (200, 1), (300, 2)]),
            ring(&[(100, 0), (500, 1), (500, 2), (900, 3)]),
            ring(&[(0, 0), (u32::MAX, 1)]),
            ring(&[(u32::MAX - 1, 2), (u32::MAX, 1), (1, 0)]),
            ring(&[(7, 3)]),
            ring(&[
                (5, 0),
                (6, 1),
                (3_000_000_000, 2),
                (3_000_000_001, 2),
                (4_000_000_000, 3),
            ]),
        ];
        for r in &rings {
            let runs = r.intervals();
            assert_eq!(runs.last().unwrap().0, u128::from(u32::MAX));
            let mut probes: Vec<u32> = vec![0, 1, 2, u32::MAX, u32::MAX - 1, 1 << 31];
            for &p in &r.positions {
                for d in 0..3u32 {
                    probes.extend([p.wrapping_add(d), p.wrapping_sub(d)]);
                }
            }
            for w in r.positions.windows(2) {
                let mid = ((u64::from(w[0]) + u64::from(w[1])) / 2) as u32;
                probes.extend([mid.wrapping_sub(1), mid, mid.wrapping_add(1)]);
            }
            let (first, last) = (r.positions[0], *r.positions.last().unwrap());
            let wrap = ((u64::from(first) + u64::from(last) + (1 << 32)) / 2) as u32;
            probes.extend([wrap.wrapping_sub(1), wrap, wrap.wrapping_add(1)]);
            for h in probes {
                assert_eq!(interval_owner(&runs, h), r.owner_of(h), "h = {h}");
            }
        }
    }

    #[test]
    fn shares_are_counted_over_every_position() {
        let nodes = [
            server("a", 1, None),
            server("b", 3, None),
            server("c", 0, None),
        ];
        let p = placement(Algo::HaproxyConsistent, &nodes);
        let ownership = p.ownership();
        assert_eq!(ownership.points, [Some(16), Some(48), Some(0)]);
        assert_eq!(ownership.shares[2], 0.0);
        assert!((ownership.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Sampled keys agree with the counted shares.
        let keys = 200_000;
        let on_b = (0..keys)
            .filter(|i| p.locate(format!("k{i}").as_bytes()) == Some(1))
            .count();
        assert!((on_b as f64 / keys as f64 - ownership.shares[1]).abs() < 0.01);

        let p = placement(Algo::HaproxyMapBased, &nodes);
        let ownership = p.ownership();
        assert_eq!(ownership.points, [Some(1), Some(3), Some(0)]);
        assert_eq!(ownership.shares, [0.25, 0.75, 0.0]);
    }

    #[test]
    fn weight_zero_everywhere_places_nothing() {
        let nodes = [server("a", 0, None)];
        for algo in [Algo::HaproxyConsistent, Algo::HaproxyMapBased] {
            let p = placement(algo, &nodes);
            assert_eq!(p.locate(b"key"), None);
            assert_eq!(p.ownership().shares, [0.0]);
        }
    }

    #[test]
    fn weights_above_256_are_refused() {
        let nodes = [server("a", 257, None)];
        let config = RingConfig::new(Algo::HaproxyConsistent, hash::by_name("sdbm").unwrap());
        let err = build(&nodes, &config).err().unwrap().to_string();
        assert!(err.contains("from 0 to 256"), "{err}");
    }
}
