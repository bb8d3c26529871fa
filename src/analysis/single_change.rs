//! What one node more or less moves over the hash space — a failure, a removal, an addition —
//! for one node after another: the figures `simulate` gives, exactly, without rebuilding and
//! comparing the whole ring for each change where the change moves only the node's own keys.
//!
//! That is so when a failed node keeps its place and its keys are lost (twemproxy without
//! `auto_eject_hosts`, a Redis Cluster master, a relay's server), and when a ring is rebuilt
//! with a node fewer or more whose other points do not depend on that node
//! ([`Placement::drop_is_local`]): the node's arcs go to the next owner on the ring, or come
//! from it, and nothing else moves. Then what the change moves is the node's own hash values,
//! counted on one owner map. Elsewhere (point counts from the server count, tables filled in
//! turns, rerouting rules) each change is simulated in full.
//!
//! [`Placement::drop_is_local`]: crate::ring::Placement::drop_is_local

use std::cell::OnceCell;

use super::movement::{self, SpaceBasis, Transitions, ideal_moved_share};
use crate::config::Ring;
use crate::error::Result;
use crate::ring::{FailureRule, OwnerMap};
use crate::scenario::{Changes, Scenario};

/// The hash-space figures of one change, as `simulate` reports them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChangeShares {
    /// Of the hash space, what changes node to another node.
    pub moved: f64,
    /// What no node serves after the change.
    pub unavailable: f64,
    /// The least any placement must move.
    pub ideal: f64,
    pub basis: SpaceBasis,
    /// The keys of a cut sample ([`movement::HashSpaceMovement::sampled_keys`]).
    pub sampled_keys: Option<u64>,
}

/// Single changes of one ring.
pub struct SingleChanges<'r> {
    ring: &'r Ring,
    /// Each node's points, as the ring's ownership gives them.
    points: &'r [Option<u64>],
    /// The ring's owner map counted, once some change needs it; `None` inside when the map
    /// is missing or not compared exactly.
    counted: OnceCell<Option<Counted>>,
}

/// The ring as built, counted once for every change.
struct Counted {
    /// Hash values each node owns, and those no node owns.
    counts: Vec<u128>,
    unowned: u128,
    range: u128,
}

impl Counted {
    fn of(map: &OwnerMap, nodes: usize) -> Option<Counted> {
        if !map.compares_exactly() {
            return None;
        }
        let counts = map.counts(nodes);
        Some(Counted {
            unowned: map.range - counts.iter().sum::<u128>(),
            range: map.range,
            counts,
        })
    }

    /// Shares divided out as the movement report divides them, so the bits agree.
    fn share(&self, amount: u128) -> f64 {
        amount as f64 / self.range as f64
    }

    /// The figures of moving `moved` and losing `unavailable`, from these counts (extended
    /// by the nodes added, which had nothing) and `weights_before` to `weights_after`.
    fn shares(
        &self,
        moved: u128,
        unavailable: u128,
        weights_before: &[u32],
        weights_after: &[u32],
    ) -> ChangeShares {
        let before: Vec<f64> = self.counts.iter().map(|&c| self.share(c)).collect();
        let added = weights_after.len().saturating_sub(before.len());
        let before = [before, vec![0.0; added]].concat();
        ChangeShares {
            moved: self.share(moved),
            unavailable: self.share(unavailable),
            ideal: ideal_moved_share(&before, weights_before, weights_after),
            basis: SpaceBasis::Exact,
            sampled_keys: None,
        }
    }
}

impl<'r> SingleChanges<'r> {
    /// `points`: each node's points, as the ring's ownership gives them.
    pub fn new(ring: &'r Ring, points: &'r [Option<u64>]) -> SingleChanges<'r> {
        SingleChanges {
            ring,
            points,
            counted: OnceCell::new(),
        }
    }

    fn counted(&self) -> Option<&Counted> {
        self.counted
            .get_or_init(|| {
                let map = self.ring.placement.owner_map()?;
                Counted::of(&map, self.ring.nodes.len())
            })
            .as_ref()
    }

    /// Whether the failure of a node is counted from the ring as built, not simulated.
    pub fn counts_failures(&self) -> bool {
        let local = match self.ring.failure_rule(None) {
            FailureRule::Unavailable => true,
            FailureRule::Rebuild => self.ring.placement.drop_is_local(),
            FailureRule::Reroute => false,
        };
        local && self.counted().is_some()
    }

    /// What the failure of node `index` (alone) moves, by the system's own failure rule.
    pub fn failure(&self, index: usize) -> Result<ChangeShares> {
        let counted = self.counted_failure(index);
        counted.map_or_else(|| self.simulated(Changes::failing(self.label(index))), Ok)
    }

    /// What removing node `index` from the configuration moves.
    pub fn removal(&self, index: usize) -> Result<ChangeShares> {
        let counted = self
            .ring
            .placement
            .drop_is_local()
            .then(|| self.dropped(index))
            .flatten();
        counted.map_or_else(|| self.simulated(Changes::removing(self.label(index))), Ok)
    }

    /// What adding the node `spec` (as `--add` takes it) moves.
    pub fn addition(&self, spec: &str) -> Result<ChangeShares> {
        let changes = Changes {
            add: vec![spec.to_string()],
            ..Changes::default()
        };
        let scenario = Scenario::simulate(self.ring, &changes)?;
        match self.counted_addition(&scenario) {
            Some(shares) => Ok(shares),
            None => hash_space(&scenario),
        }
    }

    fn label(&self, index: usize) -> String {
        self.ring.nodes[index].label.clone()
    }

    fn simulated(&self, changes: Changes) -> Result<ChangeShares> {
        hash_space(&Scenario::simulate(self.ring, &changes)?)
    }

    fn counted_failure(&self, f: usize) -> Option<ChangeShares> {
        match self.ring.failure_rule(None) {
            FailureRule::Unavailable => {
                let counted = self.counted()?;
                // Every node keeps its place; the failed node's values go to none.
                let unavailable = counted.counts[f] + counted.unowned;
                Some(counted.shares(0, unavailable, &self.weights(), &self.weights_without(f)))
            }
            FailureRule::Rebuild if self.ring.placement.drop_is_local() => self.dropped(f),
            _ => None,
        }
    }

    /// Node `f` dropped and the ring rebuilt without it, from the counts; `None` when the
    /// rebuilt ring would have no point or no weight left, which only a rebuild says what
    /// to make of.
    fn dropped(&self, f: usize) -> Option<ChangeShares> {
        let counted = self.counted()?;
        let others = |value: &dyn Fn(usize) -> u64| {
            (0..self.ring.nodes.len())
                .filter(|&i| i != f)
                .any(|i| value(i) > 0)
        };
        let points_left = others(&|i| self.points[i].unwrap_or(0));
        let weight_left = others(&|i| u64::from(self.ring.nodes[i].weight));
        if !(points_left && weight_left) {
            return None;
        }
        // Its values go to the next point's owner; values no node owned stay so.
        let moved = counted.counts[f];
        Some(counted.shares(
            moved,
            counted.unowned,
            &self.weights(),
            &self.weights_without(f),
        ))
    }

    /// A node added to a ring whose points stay as they are: it takes values, nothing else
    /// moves, so the values it owns after are what moved.
    fn counted_addition(&self, scenario: &Scenario) -> Option<ChangeShares> {
        if !scenario.after.drop_is_local() {
            return None;
        }
        let counted = self.counted()?;
        let nodes = scenario.nodes.len();
        let after = Counted::of(&scenario.after.owner_map()?, nodes)?;
        if counted.unowned > 0 || after.unowned > 0 || after.range != counted.range {
            return None;
        }
        let moved = after.counts[self.ring.nodes.len()..].iter().sum();
        let weights_before: Vec<u32> = scenario.nodes.iter().map(|n| n.weight_before).collect();
        let weights_after: Vec<u32> = scenario.nodes.iter().map(|n| n.weight_after).collect();
        Some(counted.shares(moved, 0, &weights_before, &weights_after))
    }

    fn weights(&self) -> Vec<u32> {
        self.ring.nodes.iter().map(|n| n.weight).collect()
    }

    fn weights_without(&self, f: usize) -> Vec<u32> {
        let weights = self.ring.nodes.iter().map(|n| n.weight);
        let weights = weights.enumerate();
        weights.map(|(i, w)| if i == f { 0 } else { w }).collect()
    }
}

/// The change simulated in full: compared with the ring as built value by value, or on
/// sampled keys.
fn hash_space(scenario: &Scenario) -> Result<ChangeShares> {
    let space = movement::report(scenario, &Transitions::default())?.hash_space;
    Ok(ChangeShares {
        moved: space.moved_share,
        unavailable: space.unavailable_share,
        ideal: space.ideal_moved_share,
        basis: space.basis,
        sampled_keys: space.sampled_keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RingOptions, build_ring};
    use crate::hash;
    use crate::ring::Algo;

    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// `count` nodes on random addresses, some named, with weights from 1 to `spread`.
    fn pool(count: u64, spread: u64, state: &mut u64) -> Vec<String> {
        (0..count).map(|i| node(i, spread, state)).collect()
    }

    fn node(i: u64, spread: u64, state: &mut u64) -> String {
        let port = 6000 + next(state) % 4000;
        let address = format!("10.{}.{}.{i}:{port}", next(state) % 4, i / 200);
        let weight = next(state) % spread + 1;
        match next(state) % 3 {
            0 => format!("{address}:{weight} cache-{i}"),
            _ => format!("{address}:{weight}"),
        }
    }

    fn ring(specs: &[String], algo: &str, hash_name: Option<&str>) -> Option<Ring> {
        let options = RingOptions {
            inline_nodes: specs.to_vec(),
            algo: Some(algo.to_string()),
            hash: hash_name.map(|h| hash::by_name(h).unwrap()),
            ..RingOptions::default()
        };
        build_ring(&options).ok()
    }

    /// Every algorithm, with and without ejection, on random pools and a few hashes (narrow
    /// ones included): wherever a failure, a removal or an addition is counted from the ring
    /// as built, it is what simulating it in full gives, to the bit.
    #[test]
    fn counted_changes_equal_changes_simulated_in_full() {
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut counted: Vec<(&str, &str, FailureRule)> = Vec::new();
        for round in 0..4 {
            let count = 2 + next(&mut state) % 7;
            // Weight 1 everywhere now and then: Redis Cluster and carbon-c-relay take no
            // others, and libmemcached's continuum stays unweighted.
            let spread = if round % 3 == 0 { 1 } else { 4 };
            let specs = pool(count, spread, &mut state);
            let added = node(count, spread, &mut state);
            for &(name, algo) in &Algo::ALL {
                let hashes: &[Option<&str>] = if algo.takes_hash() {
                    &[None, Some("crc32")]
                } else {
                    &[None]
                };
                for &hash_name in hashes {
                    for eject in [false, true] {
                        let Some(mut ring) = ring(&specs, name, hash_name) else {
                            continue;
                        };
                        ring.settings.auto_eject_hosts = eject;
                        // Nothing is counted without an owner map (and multi-probe's
                        // sampled shares are slow in a debug build).
                        if ring.placement.owner_map().is_none() {
                            continue;
                        }
                        let rule = ring.failure_rule(None);
                        let points = ring.placement.ownership().points;
                        let single = SingleChanges::new(&ring, &points);
                        let context = format!("{name} {hash_name:?} eject {eject} on {specs:?}");
                        for index in 0..ring.nodes.len() {
                            let label = ring.nodes[index].label.clone();
                            if let Some(shares) = single.counted_failure(index) {
                                let full = single.simulated(Changes::failing(label.clone()));
                                assert_eq!(shares, full.unwrap(), "fail {index}, {context}");
                                counted.push(("fail", name, rule));
                            }
                            if !ring.placement.drop_is_local() {
                                continue;
                            }
                            if let Some(shares) = single.dropped(index) {
                                let full = single.simulated(Changes::removing(label));
                                assert_eq!(shares, full.unwrap(), "remove {index}, {context}");
                                counted.push(("remove", name, rule));
                            }
                        }
                        let Ok(scenario) =
                            Scenario::simulate(&ring, &Changes::adding(added.clone()))
                        else {
                            continue;
                        };
                        if let Some(shares) = single.counted_addition(&scenario) {
                            let full = hash_space(&scenario).unwrap();
                            assert_eq!(shares, full, "add {added}, {context}");
                            counted.push(("add", name, rule));
                        }
                    }
                }
            }
        }
        for expected in [
            ("fail", "ketama", FailureRule::Unavailable),
            ("fail", "modula", FailureRule::Unavailable),
            ("fail", "slots", FailureRule::Unavailable),
            ("fail", "jedis", FailureRule::Unavailable),
            ("fail", "carbon_ch", FailureRule::Unavailable),
            ("fail", "libmemcached-ketama", FailureRule::Unavailable),
            ("fail", "vnode", FailureRule::Rebuild),
            ("fail", "libmemcached-consistent", FailureRule::Rebuild),
            ("remove", "vnode", FailureRule::Rebuild),
            (
                "remove",
                "libmemcached-consistent",
                FailureRule::Unavailable,
            ),
            ("add", "vnode", FailureRule::Rebuild),
            ("add", "libmemcached-consistent", FailureRule::Rebuild),
        ] {
            assert!(counted.contains(&expected), "{expected:?} never counted");
        }
        assert!(counted.len() > 400, "{}", counted.len());
    }

    #[test]
    fn changes_that_move_other_keys_are_simulated() {
        let specs: Vec<String> = ["10.0.0.1:6379:1", "10.0.0.2:6379:3", "10.0.0.3:6379:2"]
            .map(String::from)
            .to_vec();
        for (algo, eject, counts) in [
            ("ketama", false, true),
            ("ketama", true, false),
            ("modula", true, false),
            ("vnode", false, true),
            ("maglev", false, false),
            ("envoy-ring", false, false),
            ("nginx-consistent", false, false),
        ] {
            let mut ring = ring(&specs, algo, None).unwrap();
            ring.settings.auto_eject_hosts = eject;
            let points = ring.placement.ownership().points;
            let single = SingleChanges::new(&ring, &points);
            assert_eq!(single.counts_failures(), counts, "{algo} eject {eject}");
            for index in 0..3 {
                let label = ring.nodes[index].label.clone();
                let fail = single.simulated(Changes::failing(label.clone())).unwrap();
                assert_eq!(single.failure(index).unwrap(), fail);
                let remove = single.simulated(Changes::removing(label)).unwrap();
                assert_eq!(single.removal(index).unwrap(), remove);
            }
            let add = Changes::adding("10.0.0.9:6379:2".into());
            let add = single.simulated(add).unwrap();
            assert_eq!(single.addition("10.0.0.9:6379:2").unwrap(), add);
        }
    }
}
