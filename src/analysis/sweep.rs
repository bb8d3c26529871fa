//! `sweep`: one node list and one set of keys under several algorithms and parameters, side by
//! side — balance, what one more and one fewer node move against the ideal, lookup time and
//! ring memory — and the cheapest configuration that balances well enough.
//!
//! With keys, balance and movement are counted on the keys; without, they come from the rings
//! themselves (exact where a placement is a function of the key hash, else as each
//! placement's own report says). Bounded loads place keys one after another, so without keys
//! they run on the same seeded sample the other sampled figures use.

use std::hint::black_box;
use std::time::Instant;

use serde::Serialize;

use super::movement::{self, KeyFigures, NO_MOVES, SAMPLED_KEYS, ideal_moved_share};
use super::single_change::{ChangeShares, SingleChanges};
use super::{Stats, fold_keys};
use crate::config::{Ring, RingOptions, configure, read_pool};
use crate::error::{Error, Result};
use crate::keys::{BATCH, KeyFormat, KeySource, RandomKeys, generate_batches};
use crate::nodes::{self, Node, Pool};
use crate::ring::bounded_load::{BoundedLoads, Loads};
use crate::ring::{Algo, DEFAULT_VNODES, RingConfig};
use crate::scenario::{Changes, Scenario};

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
/// Keys each lookup time is measured on (synthetic, the same for every row).
const TIMED_KEYS: u64 = 50_000;
const TIMED_RUNS: usize = 3;
/// Nodes the timed lookups may examine: all [`TIMED_KEYS`] where a lookup examines a few, a
/// slice of them where it examines every node of a large pool (rendezvous).
const TIMED_BUDGET: u64 = TIMED_KEYS * 1_000;
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

/// Keys to count on: a source that can be read more than once (stdin already spooled).
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
    let timed = timed_keys()?;
    let timed: Vec<&[u8]> = timed.iter().map(Vec::as_slice).collect();
    let row_of = |candidate: &Candidate, keys: Option<&SweepKeys>| match *candidate {
        Candidate::Placement { .. } => {
            let ring = configure(&options_for(request.ring, candidate), pool.clone())?.build()?;
            placement_row(&ring, candidate, keys, &add, removed.as_deref(), &timed)
        }
        Candidate::BoundedLoad { vnodes, factor } => {
            let config = RingConfig {
                vnodes: Some(vnodes),
                ..vnode_config(request.ring, &pool)?
            };
            bounded_row(
                &nodes,
                &config,
                factor,
                &added,
                removed.as_deref(),
                keys,
                &timed,
            )
        }
    };
    let mut keys = request.keys.as_ref();
    let mut keys_counted = None;
    let mut rows = Vec::with_capacity(request.candidates.len());
    let mut skipped = Vec::new();
    let mut refusal = None;
    for candidate in request.candidates {
        let (row, counted) = match row_of(candidate, keys) {
            Err(error) if error.is_too_large() => {
                skipped.push(SkippedRow {
                    algo: candidate.name(),
                    vnodes: candidate.vnodes(),
                    reason: error.to_string(),
                });
                refusal.get_or_insert(error);
                continue;
            }
            row => row?,
        };
        // Every row reads the same keys: the first one built says how many there are.
        let row = match keys_counted {
            Some(_) => row,
            None => {
                keys_counted = Some(counted);
                if keys.is_some() && counted == 0 {
                    // No keys at all (an empty stdin) is the same as none given: the rings'
                    // own figures.
                    keys = None;
                    row_of(candidate, None)?.0
                } else {
                    row
                }
            }
        };
        rows.push(row);
    }
    // Not one configuration fits: the refusal of the first says why.
    if let (true, Some(refusal)) = (rows.is_empty(), refusal) {
        return Err(refusal);
    }
    Ok(SweepReport {
        keys: keys_counted.unwrap_or(0),
        nodes: nodes.len(),
        added: added.label,
        removed,
        target_imbalance: request.target_imbalance,
        recommendation: recommend(&rows, request.target_imbalance),
        rows,
        skipped,
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

fn placement_row(
    ring: &Ring,
    candidate: &Candidate,
    keys: Option<&SweepKeys>,
    add: &str,
    remove: Option<&str>,
    timed: &[&[u8]],
) -> Result<(SweepRow, u64)> {
    let promised = ring.placement.promised_shares(&ring.nodes);
    let (basis, loads, added, removal) = match keys {
        Some(keys) => {
            let addition = Scenario::simulate(ring, &Changes::adding(add.to_string()))?;
            let added = movement_of(&addition, keys)?;
            let before = added.before_keys.as_deref().unwrap_or_default();
            let loads = before.iter().take(ring.nodes.len()).map(|&k| k as f64);
            let removal = match remove {
                Some(label) => {
                    let changes = Changes::removing(label.to_string());
                    Some(movement_of(&Scenario::simulate(ring, &changes)?, keys)?)
                }
                None => None,
            };
            ("keys", loads.collect(), added, removal)
        }
        None => {
            // Over the hash space: one node more or less counted from the ring as built
            // where that node's own keys are all that move.
            let ownership = ring.placement.ownership();
            let single = SingleChanges::new(ring, &ownership.points);
            let added = Moved::of(single.addition(add)?);
            let removal = match remove.and_then(|l| ring.nodes.iter().position(|n| n.label == l)) {
                Some(index) => Some(Moved::of(single.removal(index)?)),
                None => None,
            };
            (ownership.basis.name(), ownership.shares, added, removal)
        }
    };
    let placement = ring.placement.as_ref();
    let timed = &timed[..timed_count(placement.lookup_cost()).min(timed.len())];
    let ns_per_key = time_per_key(timed, |keys| {
        let mut owners = [None; BATCH];
        for batch in keys.chunks(BATCH) {
            placement.locate_batch(batch, &mut owners[..batch.len()]);
            black_box(&owners);
        }
    });
    let row = row(
        candidate,
        basis,
        &Stats::of(&loads, &promised),
        &added,
        removal.as_ref(),
        ns_per_key,
        placement.ring_bytes(),
    );
    Ok((row, added.keys))
}

/// Bounded loads on the three rings as keys go by.
struct BoundedState {
    base: Loads,
    added: Loads,
    removed: Option<Loads>,
    moved_add: u64,
    moved_remove: u64,
}

/// What one change moves, and where keys were before it.
struct Moved {
    share: f64,
    ideal: f64,
    basis: &'static str,
    /// Keys counted (0 without keys).
    keys: u64,
    /// Keys per scenario node before the change, when counted on keys.
    before_keys: Option<Vec<u64>>,
    /// The keys of a cut sample ([`movement::HashSpaceMovement::sampled_keys`]).
    sampled_keys: Option<u64>,
}

impl Moved {
    /// Over the hash space.
    fn of(shares: ChangeShares) -> Moved {
        Moved {
            share: shares.moved,
            ideal: shares.ideal,
            basis: shares.basis.name(),
            keys: 0,
            before_keys: None,
            sampled_keys: shares.sampled_keys,
        }
    }
}

/// Counted on the keys.
fn movement_of(scenario: &Scenario, keys: &SweepKeys) -> Result<Moved> {
    let counts = movement::count_keys(scenario, keys.source, keys.format, keys.threads, NO_MOVES)?;
    let figures = KeyFigures::of(&scenario.nodes, counts.pairs().into_iter());
    let total = figures.total.max(1) as f64;
    let before: Vec<f64> = figures.before.iter().map(|&k| k as f64 / total).collect();
    let weights_before: Vec<u32> = scenario.nodes.iter().map(|n| n.weight_before).collect();
    let weights_after: Vec<u32> = scenario.nodes.iter().map(|n| n.weight_after).collect();
    Ok(Moved {
        share: figures.moved as f64 / total,
        ideal: ideal_moved_share(&before, &weights_before, &weights_after),
        basis: "keys",
        keys: figures.total,
        before_keys: Some(figures.before),
        sampled_keys: None,
    })
}

/// Bounded loads: the keys (or the seeded sample) placed one after another on the ring as
/// it is, with one more node and with one fewer, side by side.
fn bounded_row(
    nodes: &[Node],
    config: &RingConfig,
    factor: u32,
    added: &Node,
    remove: Option<&str>,
    keys: Option<&SweepKeys>,
    timed: &[&[u8]],
) -> Result<(SweepRow, u64)> {
    let candidate = Candidate::BoundedLoad {
        vnodes: config.vnodes.unwrap_or(DEFAULT_VNODES),
        factor,
    };
    let base = BoundedLoads::build(nodes, config, factor)?;
    let grown: Vec<Node> = nodes.iter().cloned().chain([added.clone()]).collect();
    let with_added = BoundedLoads::build(&grown, config, factor)?;
    let removed_at = remove.and_then(|label| nodes.iter().position(|n| n.label == label));
    let shrunk: Option<Vec<Node>> = removed_at.map(|r| {
        nodes
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != r)
            .map(|(_, n)| n.clone())
            .collect()
    });
    let without = match &shrunk {
        Some(shrunk) => Some(BoundedLoads::build(shrunk, config, factor)?),
        None => None,
    };
    // One thread, so that keys are placed in input order; each batch is hashed side by side.
    let place = |state: &mut BoundedState, keys: &[&[u8]]| {
        let mut before = [0; BATCH];
        let mut after = [0; BATCH];
        let (before, after) = (&mut before[..keys.len()], &mut after[..keys.len()]);
        base.assign_batch(&mut state.base, keys, before);
        with_added.assign_batch(&mut state.added, keys, after);
        state.moved_add += before.iter().zip(&*after).filter(|(b, a)| b != a).count() as u64;
        if let (Some(without), Some(removed), Some(r)) = (&without, &mut state.removed, removed_at)
        {
            without.assign_batch(removed, keys, after);
            // Node ids after the removed node are one lower on the shrunk ring.
            let moved = before.iter().zip(&*after).filter(|&(&b, &a)| {
                let a = if a as usize >= r { a + 1 } else { a };
                a != b
            });
            state.moved_remove += moved.count() as u64;
        }
        Ok(())
    };
    let start = || BoundedState {
        base: base.loads(),
        added: with_added.loads(),
        removed: without.as_ref().map(BoundedLoads::loads),
        moved_add: 0,
        moved_remove: 0,
    };
    let sample = KeySource::Random(sample_keys(SAMPLED_KEYS));
    let (source, format, basis) = match keys {
        Some(keys) => (keys.source, keys.format, "keys"),
        None => (&sample, KeyFormat::default(), "sampled"),
    };
    let movement_basis = basis;
    // One thread gives one state: it is the total.
    let state = fold_keys(source, format, 1, start, place, |total, one| *total = one)?;
    let counts = &state.base;
    let counted = keys.map_or(0, |_| counts.total);
    let total = counts.total.max(1) as f64;
    let before: Vec<f64> = counts.per_node.iter().map(|&k| k as f64 / total).collect();
    // Loads in the unit of the other rows: keys, or shares where the keys are only a sample.
    let per_node: Vec<f64> = match basis {
        "keys" => counts.per_node.iter().map(|&k| k as f64).collect(),
        _ => before.clone(),
    };
    let stats = Stats::of(&per_node, &nodes::weight_shares(nodes));
    let weights: Vec<u32> = nodes.iter().map(|n| n.weight).collect();
    let added_moved = Moved {
        share: state.moved_add as f64 / total,
        ideal: ideal_moved_share(
            &before.iter().copied().chain([0.0]).collect::<Vec<_>>(),
            &weights.iter().copied().chain([0]).collect::<Vec<_>>(),
            &weights
                .iter()
                .copied()
                .chain([added.weight])
                .collect::<Vec<_>>(),
        ),
        basis: movement_basis,
        keys: counted,
        before_keys: None,
        sampled_keys: None,
    };
    let removed_moved = removed_at.map(|r| Moved {
        share: state.moved_remove as f64 / total,
        ideal: ideal_moved_share(
            &before,
            &weights,
            &weights
                .iter()
                .enumerate()
                .map(|(i, &w)| if i == r { 0 } else { w })
                .collect::<Vec<_>>(),
        ),
        basis: movement_basis,
        keys: counted,
        before_keys: None,
        sampled_keys: None,
    });
    let ns_per_key = time_per_key(timed, |keys| {
        let mut loads = base.loads();
        let mut owners = [0; BATCH];
        for batch in keys.chunks(BATCH) {
            base.assign_batch(&mut loads, batch, &mut owners[..batch.len()]);
            black_box(&owners);
        }
    });
    let row = row(
        &candidate,
        basis,
        &stats,
        &added_moved,
        removed_moved.as_ref(),
        ns_per_key,
        Some(base.ring_bytes()),
    );
    Ok((row, added_moved.keys))
}

fn row(
    candidate: &Candidate,
    basis: &'static str,
    stats: &Stats,
    added: &Moved,
    removed: Option<&Moved>,
    ns_per_key: f64,
    ring_bytes: Option<u64>,
) -> SweepRow {
    SweepRow {
        algo: candidate.name(),
        vnodes: candidate.vnodes(),
        basis,
        stddev: stats.stddev,
        cv: stats.cv,
        max_over_mean: stats.max_over_mean,
        min_over_mean: stats.min_over_mean,
        moved_share_add: added.share,
        ideal_add: added.ideal,
        moved_share_remove: removed.map(|m| m.share),
        ideal_remove: removed.map(|m| m.ideal),
        movement_basis: added.basis,
        ns_per_key,
        ring_bytes,
        sampled_keys: added.sampled_keys,
    }
}

fn sample_keys(count: u64) -> RandomKeys {
    RandomKeys {
        count,
        seed: 0,
        pattern: "{}".into(),
    }
}

/// The keys every row's lookups are timed on, in memory so that reading is not timed.
fn timed_keys() -> Result<Vec<Vec<u8>>> {
    let mut keys = Vec::with_capacity(TIMED_KEYS as usize);
    let random = RandomKeys {
        count: TIMED_KEYS,
        seed: 0,
        pattern: "user:{}".into(),
    };
    generate_batches(&random, &mut |batch| {
        keys.extend(batch.iter().map(|k| k.to_vec()));
        Ok(())
    })?;
    Ok(keys)
}

/// How many of the timed keys a lookup examining `cost` nodes is timed on.
fn timed_count(cost: u64) -> usize {
    (TIMED_BUDGET / cost.max(1)).clamp(1, TIMED_KEYS) as usize
}

/// The best of a few runs of `lookups` over `keys`, per key.
fn time_per_key(keys: &[&[u8]], mut lookups: impl FnMut(&[&[u8]])) -> f64 {
    let best = (0..TIMED_RUNS)
        .map(|_| {
            let start = Instant::now();
            lookups(keys);
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    best.as_nanos() as f64 / keys.len().max(1) as f64
}

/// The fastest lookup among the rows that meet the target balance and move within
/// [`MOVEMENT_TOLERANCE`] of the ideal on ±1 node; else the best-balanced row, named as the
/// closest.
fn recommend(rows: &[SweepRow], target: f64) -> Option<Recommendation> {
    let within = |moved: f64, ideal: f64| moved <= ideal * MOVEMENT_TOLERANCE + 1e-12;
    let moves_little = |r: &SweepRow| {
        within(r.moved_share_add, r.ideal_add)
            && r.moved_share_remove
                .zip(r.ideal_remove)
                .is_none_or(|(moved, ideal)| within(moved, ideal))
    };
    let name = SweepRow::name;
    let best = rows
        .iter()
        .filter(|r| r.max_over_mean <= target && moves_little(r))
        .min_by(|a, b| a.ns_per_key.total_cmp(&b.ns_per_key));
    let (row, reason) = match best {
        Some(row) => (
            row,
            format!(
                "recommended: {} — the fastest lookup ({:.1} ns/key) among the configurations with max/mean ≤ {target} that move at most {MOVEMENT_TOLERANCE}× the ideal on one node more or less",
                name(row),
                row.ns_per_key
            ),
        ),
        None => {
            let closest = rows
                .iter()
                .filter(|r| moves_little(r))
                .min_by(|a, b| a.max_over_mean.total_cmp(&b.max_over_mean))?;
            (
                closest,
                format!(
                    "none of these reaches max/mean ≤ {target} while moving at most {MOVEMENT_TOLERANCE}× the ideal; closest: {} (max/mean {:.4})",
                    name(closest),
                    closest.max_over_mean
                ),
            )
        }
    };
    Some(Recommendation {
        algo: row.algo,
        vnodes: row.vnodes,
        reason,
    })
}
