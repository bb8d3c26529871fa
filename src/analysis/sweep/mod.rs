//! `sweep`: one node list and one set of keys under several algorithms and parameters, side by
//! side — balance, what one more and one fewer node move against the ideal, lookup time and
//! ring memory — and the cheapest configuration that balances well enough.
//!
//! With keys, balance and movement are counted on the keys, every configuration in one pass
//! ([`pass`]); without, they come from the rings themselves (exact where a placement is a
//! function of the key hash, else as each placement's own report says). Bounded loads place
//! keys one after another, so without keys they run on the same seeded sample the other
//! sampled figures use. Each row names the hashes it used and says when one spreads its
//! algorithm's points clearly worse than the algorithm's own default ([`fit`]).

mod fit;
mod pass;
mod recommend;
mod rows;
#[cfg(test)]
mod tests;
mod timing;

use serde::Serialize;

use self::pass::{BoundedRings, Counts, PlacementRings};
use self::recommend::recommend;
use self::rows::BoundedSetup;
use super::movement::SAMPLED_KEYS;
use crate::config::{Ring, RingOptions, configure, read_pool};
use crate::error::{Error, Result};
use crate::keys::{KeyFormat, KeySource, RandomKeys};
use crate::nodes::{self, Node, Pool};
use crate::ring::bounded_load::BoundedLoads;
use crate::ring::{self, Algo, DEFAULT_VNODES, RingConfig};
use crate::scenario::{Changes, Scenario};
pub use fit::{EXCESS_MARGIN, EXCESS_RATIO};

/// The algorithms a sweep compares unless `--algos` says otherwise.
pub const DEFAULT_ALGOS: [&str; 7] = [
    "ketama",
    "vnode",
    "jump",
    "rendezvous",
    "maglev",
    "multi-probe",
    BOUNDED_LOAD,
];
const BOUNDED_LOAD: &str = "bounded-load";
/// The points per weight the `vnode` rows try unless `--vnodes` says otherwise.
pub const DEFAULT_VNODES_LIST: [u32; 5] = [40, 100, 160, 500, 1000];
/// The balance a configuration must reach to be recommended, unless `--target-imbalance`.
pub const DEFAULT_TARGET_IMBALANCE: f64 = 1.05;
/// A recommended configuration moves at most this many times the ideal on ±1 node:
/// consistent hashing's promise, with room for the unevenness of one node's share.
pub const MOVEMENT_TOLERANCE: f64 = 1.25;
/// Where the node a sweep adds lives unless `--add` says otherwise: TEST-NET-1, an address
/// range no real pool uses.
const ADDED_HOST: &str = "192.0.2";

/// One configuration to compare.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Candidate {
    /// An algorithm ringscope places keys with, with its points per weight where it takes them.
    Placement { algo: Algo, vnodes: Option<u32> },
    /// Bounded loads on a vnode ring, with haproxy's balance factor (percent).
    BoundedLoad { vnodes: u32, factor: u32 },
}

impl Candidate {
    /// The rows for `algos` (names as `--algo` takes them, plus `bounded-load`): one per
    /// entry of `vnodes` for the algorithms that take points per weight, else one. Without a
    /// `vnodes` list, `vnode` tries [`DEFAULT_VNODES_LIST`] and the others their default.
    pub fn expand(algos: &[String], vnodes: Option<&[u32]>, factor: u32) -> Result<Vec<Candidate>> {
        let mut rows = Vec::new();
        // The names `--algo` takes, and bounded loads, which only a sweep places.
        let table: Vec<(&str, Option<Algo>)> = Algo::ALL
            .iter()
            .map(|&(name, algo)| (name, Some(algo)))
            .chain([(BOUNDED_LOAD, None)])
            .collect();
        for name in algos {
            let algo = crate::names::resolve("algorithm", name, &table)
                .map_err(|e| Error::usage(format!("--algos {name}: {e}")))?;
            let Some(algo) = algo else {
                let list = vnodes.map_or(vec![DEFAULT_VNODES], <[u32]>::to_vec);
                rows.extend(
                    list.into_iter()
                        .map(|vnodes| Candidate::BoundedLoad { vnodes, factor }),
                );
                continue;
            };
            if algo.takes_vnodes() {
                let list = vnodes.unwrap_or(&DEFAULT_VNODES_LIST);
                rows.extend(list.iter().map(|&v| Candidate::Placement {
                    algo,
                    vnodes: Some(v),
                }));
            } else {
                rows.push(Candidate::Placement { algo, vnodes: None });
            }
        }
        rows.dedup();
        Ok(rows)
    }

    fn name(&self) -> &'static str {
        match self {
            Candidate::Placement { algo, .. } => algo.name(),
            Candidate::BoundedLoad { .. } => BOUNDED_LOAD,
        }
    }

    fn vnodes(&self) -> Option<u32> {
        match *self {
            Candidate::Placement { vnodes, .. } => vnodes,
            Candidate::BoundedLoad { vnodes, .. } => Some(vnodes),
        }
    }
}

/// Keys to count on, read once for every configuration.
pub struct SweepKeys<'a> {
    pub source: &'a KeySource,
    pub format: KeyFormat,
    pub threads: usize,
}

/// What a sweep is asked.
pub struct SweepRequest<'a> {
    /// The node list and the settings every row shares (hash, hash tag, table size, probes).
    pub ring: &'a RingOptions,
    pub candidates: &'a [Candidate],
    pub keys: Option<SweepKeys<'a>>,
    /// The node added for the "+1" figures; `None` picks one ([`ADDED_HOST`]).
    pub add: Option<String>,
    /// The node removed for the "−1" figures; `None` picks the middle one of the list.
    pub remove: Option<String>,
    pub target_imbalance: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    pub algo: &'static str,
    pub vnodes: Option<u32>,
    /// The hash the placement hashed keys with (the pool's own where the algorithm takes one).
    pub hash: &'static str,
    /// The hash of its points or node names, where that is another one (ketama's md5).
    pub point_hash: Option<&'static str>,
    /// Where the balance figures come from: `keys`, or the ring's `exact`, `analytic` or
    /// `sampled` shares.
    pub basis: &'static str,
    /// Of the load per node (keys, or shares of the hash space) against what weights promise.
    pub stddev: f64,
    pub cv: f64,
    pub max_over_mean: f64,
    pub min_over_mean: f64,
    pub moved_share_add: f64,
    pub ideal_add: f64,
    /// `None` for a one-node list.
    pub moved_share_remove: Option<f64>,
    pub ideal_remove: Option<f64>,
    /// `keys`, `exact` or `sampled`.
    pub movement_basis: &'static str,
    /// Measured on synthetic keys already in memory: hashing and search only.
    pub ns_per_key: f64,
    pub ring_bytes: Option<u64>,
    /// Keys the movement was sampled on, when fewer than the usual sample: lookups that
    /// examine every node make a full sample cost the square of the pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampled_keys: Option<u64>,
    /// Why the row's hash is a poor fit for its algorithm, with the figures and what to try;
    /// `None` when it fits (or is the algorithm's own).
    pub warning: Option<String>,
}

impl SweepRow {
    /// The configuration, as the recommendation names it.
    pub fn name(&self) -> String {
        configuration(self.algo, self.vnodes)
    }
}

fn configuration(algo: &str, vnodes: Option<u32>) -> String {
    match vnodes {
        Some(v) => format!("{algo} with {v} vnodes"),
        None => algo.to_string(),
    }
}

/// A configuration left out because the pool is too large for it.
#[derive(Clone, Debug, Serialize)]
pub struct SkippedRow {
    pub algo: &'static str,
    pub vnodes: Option<u32>,
    /// The refusal, as `ring` would print it.
    pub reason: String,
}

impl SkippedRow {
    pub fn name(&self) -> String {
        configuration(self.algo, self.vnodes)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    pub algo: &'static str,
    pub vnodes: Option<u32>,
    /// The whole closing line, as the table prints it.
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SweepReport {
    pub keys: u64,
    pub nodes: usize,
    pub added: String,
    pub removed: Option<String>,
    pub target_imbalance: f64,
    pub rows: Vec<SweepRow>,
    /// Configurations too large for the pool (past the point limit, or more nodes than the
    /// system holds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedRow>,
    pub recommendation: Option<Recommendation>,
}

pub fn sweep(request: &SweepRequest) -> Result<SweepReport> {
    // Read once: every row configures the same node list.
    let pool = read_pool(request.ring)?;
    let first = request
        .candidates
        .first()
        .ok_or_else(|| Error::usage("sweep: no configuration to compare"))?;
    // The node list as the first row reads it, to name the nodes added and removed.
    let nodes = configure(&options_for(request.ring, first), pool.clone())?.nodes;
    let add = match &request.add {
        Some(spec) => spec.clone(),
        None => default_addition(&nodes),
    };
    let added = nodes::parse_inline(&add, 1)?;
    if nodes.iter().any(|n| n.label == added.label) {
        return Err(Error::usage(format!(
            "--add {add}: the pool already has a node labelled {}; give a new one",
            added.label
        )));
    }
    let removed = match &request.remove {
        Some(label) => {
            if !nodes.iter().any(|n| &n.label == label) {
                let labels: Vec<&str> = nodes.iter().map(|n| n.label.as_str()).collect();
                return Err(Error::usage(format!(
                    "--remove {label}: {}",
                    crate::names::unknown("node", label, &labels)
                )));
            }
            Some(label.clone())
        }
        None => (nodes.len() > 1).then(|| nodes[nodes.len() / 2].label.clone()),
    };
    let change = Change {
        add: &add,
        added: &added,
        removed: removed.as_deref(),
    };
    // Every configuration's rings first, so that the keys are read once for all of them.
    let mut built = Built::default();
    let mut skipped = Vec::new();
    let mut refusal = None;
    for candidate in request.candidates {
        if let Err(error) = built.push(request, &pool, &nodes, candidate, &change) {
            if !error.is_too_large() {
                return Err(error);
            }
            skipped.push(SkippedRow {
                algo: candidate.name(),
                vnodes: candidate.vnodes(),
                reason: error.to_string(),
            });
            refusal.get_or_insert(error);
        }
    }
    // Not one configuration fits: the refusal of the first says why.
    if let (true, Some(refusal)) = (built.order.is_empty(), refusal) {
        return Err(refusal);
    }
    let timed = timing::timed_keys()?;
    let timed: Vec<&[u8]> = timed.iter().map(Vec::as_slice).collect();
    let counted = match &request.keys {
        Some(keys) => {
            let rings: Vec<&PlacementRings> =
                built.placements.iter().flat_map(|p| &p.rings).collect();
            let bounded: Vec<&BoundedRings> = built.bounded.iter().map(|b| &b.rings).collect();
            let counts = pass::count(&rings, &bounded, keys.source, keys.format, keys.threads)?;
            let total = counts.keys();
            // No keys at all (an empty stdin) is the same as none given: the rings' own
            // figures.
            (total > 0).then_some((counts, total))
        }
        None => None,
    };
    let rows = match &counted {
        Some((counts, _)) => built.counted_rows(counts, &timed)?,
        None => built.hash_space_rows(&change, &timed)?,
    };
    Ok(SweepReport {
        keys: counted.map_or(0, |(_, total)| total),
        nodes: nodes.len(),
        added: added.label,
        removed,
        target_imbalance: request.target_imbalance,
        recommendation: recommend(&rows, request.target_imbalance),
        rows,
        skipped,
    })
}

/// The node a sweep adds and the one it removes.
struct Change<'a> {
    /// As `--add` takes it.
    add: &'a str,
    added: &'a Node,
    removed: Option<&'a str>,
}

/// A placement row's ring, with its changes when there are keys to count them on.
struct BuiltPlacement {
    candidate: Candidate,
    ring: Ring,
    rings: Option<PlacementRings>,
}

/// Every configuration that fits the pool, in the order asked.
#[derive(Default)]
struct Built {
    placements: Vec<BuiltPlacement>,
    bounded: Vec<BoundedSetup>,
    order: Vec<Slot>,
}

/// Which list a row comes from: placements and bounded loads are counted apart.
enum Slot {
    Placement,
    Bounded,
}

impl Built {
    fn push(
        &mut self,
        request: &SweepRequest,
        pool: &Pool,
        nodes: &[Node],
        candidate: &Candidate,
        change: &Change,
    ) -> Result<()> {
        match *candidate {
            Candidate::Placement { .. } => {
                let ring =
                    configure(&options_for(request.ring, candidate), pool.clone())?.build()?;
                let rings = match request.keys {
                    Some(_) => Some(placement_rings(&ring, change)?),
                    None => None,
                };
                self.order.push(Slot::Placement);
                self.placements.push(BuiltPlacement {
                    candidate: *candidate,
                    ring,
                    rings,
                });
            }
            Candidate::BoundedLoad { vnodes, factor } => {
                let config = RingConfig {
                    vnodes: Some(vnodes),
                    ..vnode_config(request.ring, pool)?
                };
                let setup = bounded_setup(*candidate, nodes, &config, factor, change)?;
                self.order.push(Slot::Bounded);
                self.bounded.push(setup);
            }
        }
        Ok(())
    }

    fn counted_rows(&self, counts: &Counts, timed: &[&[u8]]) -> Result<Vec<SweepRow>> {
        let mut placement_counts = counts.placements.iter();
        let placements: Vec<SweepRow> = self
            .placements
            .iter()
            .map(|p| {
                let rings = p.rings.as_ref().expect("rings built with keys");
                let counts = placement_counts.next().expect("one count per ring");
                rows::counted_placement(&p.ring, &p.candidate, rings, counts, timed)
            })
            .collect::<Result<_>>()?;
        let bounded: Vec<SweepRow> = (self.bounded.iter().zip(&counts.bounded))
            .map(|(setup, counts)| rows::bounded_row(setup, counts, "keys", timed))
            .collect();
        Ok(self.in_order(placements, bounded))
    }

    /// Without keys: the rings' own figures, and bounded loads on the seeded sample.
    fn hash_space_rows(&self, change: &Change, timed: &[&[u8]]) -> Result<Vec<SweepRow>> {
        let placements: Vec<SweepRow> = self
            .placements
            .iter()
            .map(|p| {
                rows::hash_space_placement(&p.ring, &p.candidate, change.add, change.removed, timed)
            })
            .collect::<Result<_>>()?;
        let sample = KeySource::Random(RandomKeys {
            count: SAMPLED_KEYS,
            seed: 0,
            pattern: "{}".into(),
        });
        let rings: Vec<&BoundedRings> = self.bounded.iter().map(|b| &b.rings).collect();
        let counts = pass::count(&[], &rings, &sample, KeyFormat::default(), 1)?;
        let bounded: Vec<SweepRow> = (self.bounded.iter().zip(&counts.bounded))
            .map(|(setup, counts)| rows::bounded_row(setup, counts, "sampled", timed))
            .collect();
        Ok(self.in_order(placements, bounded))
    }

    fn in_order(&self, placements: Vec<SweepRow>, bounded: Vec<SweepRow>) -> Vec<SweepRow> {
        let (mut placements, mut bounded) = (placements.into_iter(), bounded.into_iter());
        self.order
            .iter()
            .filter_map(|slot| match slot {
                Slot::Placement => placements.next(),
                Slot::Bounded => bounded.next(),
            })
            .collect()
    }
}

/// The ring as built with one node more and with one fewer.
fn placement_rings(ring: &Ring, change: &Change) -> Result<PlacementRings> {
    let added = Scenario::simulate(ring, &Changes::adding(change.add.to_string()))?;
    let removed = match change.removed {
        Some(label) => Some(Scenario::simulate(
            ring,
            &Changes::removing(label.to_string()),
        )?),
        None => None,
    };
    Ok(PlacementRings { added, removed })
}

/// Bounded loads on the vnode ring of `config`, with one node more and with one fewer.
fn bounded_setup(
    candidate: Candidate,
    nodes: &[Node],
    config: &RingConfig,
    factor: u32,
    change: &Change,
) -> Result<BoundedSetup> {
    let base = BoundedLoads::build(nodes, config, factor)?;
    let grown: Vec<Node> = nodes
        .iter()
        .cloned()
        .chain([change.added.clone()])
        .collect();
    let added = BoundedLoads::build(&grown, config, factor)?;
    let removed_at = change
        .removed
        .and_then(|label| nodes.iter().position(|n| n.label == label));
    let removed = match removed_at {
        Some(r) => {
            let shrunk: Vec<Node> = (nodes.iter().enumerate())
                .filter(|&(i, _)| i != r)
                .map(|(_, n)| n.clone())
                .collect();
            Some((BoundedLoads::build(&shrunk, config, factor)?, r))
        }
        None => None,
    };
    // The same points without the bound: what the hash does to them.
    let plain = ring::build(nodes, config)?;
    Ok(BoundedSetup {
        candidate,
        rings: BoundedRings {
            base,
            added,
            removed,
        },
        nodes: nodes.to_vec(),
        added_weight: change.added.weight,
        hashes: fit::hashes_of(plain.as_ref(), config),
        warning: fit::poor_fit_of(plain.as_ref(), nodes, config)?,
    })
}

/// The shared options with this row's algorithm; settings the algorithm does not take (a
/// hash for an algorithm that fixes its own, probes for another algorithm) are left out.
fn options_for(shared: &RingOptions, candidate: &Candidate) -> RingOptions {
    let algo = match candidate {
        Candidate::Placement { algo, .. } => *algo,
        Candidate::BoundedLoad { .. } => Algo::Vnode,
    };
    RingOptions {
        algo: Some(algo.name().to_string()),
        vnodes: candidate.vnodes().filter(|_| algo.takes_vnodes()),
        hash: shared.hash.filter(|_| algo.takes_hash()),
        table_size: shared.table_size.filter(|_| algo == Algo::Maglev),
        probes: shared.probes.filter(|_| algo == Algo::MultiProbe),
        ..shared.clone()
    }
}

fn vnode_config(shared: &RingOptions, pool: &Pool) -> Result<RingConfig> {
    let options = options_for(
        shared,
        &Candidate::BoundedLoad {
            vnodes: DEFAULT_VNODES,
            factor: 100,
        },
    );
    Ok(configure(&options, pool.clone())?.config)
}

/// A node like the others (their median weight) at an address no pool uses.
fn default_addition(nodes: &[Node]) -> String {
    let mut weights: Vec<u32> = nodes.iter().map(|n| n.weight).collect();
    weights.sort_unstable();
    let weight = weights.get(weights.len() / 2).copied().unwrap_or(1).max(1);
    let taken = |label: &str| nodes.iter().any(|n| n.label == label);
    let host = (1..=254)
        .rev()
        .map(|i| format!("{ADDED_HOST}.{i}:6379"))
        .find(|address| !taken(address))
        .unwrap_or_else(|| format!("{ADDED_HOST}.0:6379"));
    format!("{host}:{weight}")
}
