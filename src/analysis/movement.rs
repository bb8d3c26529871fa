//! `simulate` and `diff`: which keys change node between two placements, how that compares
//! with the least any placement must move, and the same figures over the whole hash space.
//! With `--key-weight` the same figures for the load ([`super::weighted_movement`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::load::share;
use super::parallel::{Batch, fold_records};
use super::top::{HotKey, MovedHotKey};
pub use super::transitions::{OwnerPair, Transitions};
pub use super::weighted_movement::{
    LoadFigures, TopLists, WeightedTransitions, count_weighted_keys, report_weighted,
};
use crate::error::Result;
use crate::fingerprint::RingId;
use crate::keys::{BATCH, KeyFormat, KeySource, RandomKeys};
use crate::ring::owner_map::transitions;
use crate::scenario::{RebalancePlan, Scenario, ScenarioNode, Status};

/// What [`count_keys`] calls with a moved key, its old node and its new node.
pub type OnMove = fn(&[u8], Option<u32>, Option<u32>) -> Result<()>;

/// `on_move` for [`count_keys`] when nobody needs the moved keys.
pub const NO_MOVES: Option<OnMove> = None;

/// Keys sampled when the two placements cannot be compared value by value.
pub const SAMPLED_KEYS: u64 = 1_000_000;
/// Nodes the sampled comparison may examine, both sides together: a full sample where a
/// lookup examines a few nodes, fewer keys where it examines them all (rendezvous past 268
/// nodes), never fewer than [`MIN_SAMPLED_KEYS`].
const SAMPLE_BUDGET: u64 = 1 << 29;
const MIN_SAMPLED_KEYS: u64 = 1_000;

/// Keys to sample for a comparison whose lookups examine `cost` nodes per key, both sides.
pub fn sample_size(cost: u64) -> u64 {
    (SAMPLE_BUDGET / cost.max(1)).clamp(MIN_SAMPLED_KEYS, SAMPLED_KEYS)
}

pub const UNAVAILABLE: &str = "(unavailable)";
pub const UNASSIGNED: &str = "(unassigned)";

/// Per node and side.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SideLoad {
    pub node: String,
    pub status: Status,
    pub weight: u32,
    pub keys: u64,
    pub share: f64,
    /// `--key-weight`: the sum of the node's keys' weights, and its share of all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_share: Option<f64>,
    pub expected_share: f64,
    /// `--top N`, before the change: the node's heaviest keys, heaviest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<Vec<HotKey>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
    pub keys: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareFlow {
    pub from: String,
    pub to: String,
    pub share: f64,
}

/// The movement over every value of the key hash: exact when both placements are
/// functions of the same hash value, else measured on sampled keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HashSpaceMovement {
    pub basis: SpaceBasis,
    pub moved_share: f64,
    pub ideal_moved_share: f64,
    pub excess_moved_share: f64,
    pub unavailable_share: f64,
    pub before: Vec<f64>,
    pub after: Vec<f64>,
    pub flows: Vec<ShareFlow>,
    /// Keys sampled when fewer than [`SAMPLED_KEYS`]: lookups that examine every node make a
    /// full sample take work that grows with the square of the pool. The ideal is then judged
    /// on the before side's own shares, not on the few keys each node got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_keys: Option<u64>,
}

impl HashSpaceMovement {
    /// One standard error of the moved share when it was measured on a cut sample.
    pub fn moved_share_error(&self) -> Option<f64> {
        Some(sampling_error(self.moved_share, self.sampled_keys?))
    }
}

/// One standard error of a share measured on `keys` independent keys.
pub fn sampling_error(share: f64, keys: u64) -> f64 {
    (share * (1.0 - share) / keys.max(1) as f64).sqrt()
}

/// The report. The `Option` fields are those of `--key-weight` (loads) and `--top` (lists).
#[derive(Clone, Debug, Serialize)]
pub struct MovementReport {
    pub keys: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
    pub moved: u64,
    /// From the keys when there are any, else from the hash space (see `basis`).
    pub moved_share: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_load: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_load_share: Option<f64>,
    pub ideal_moved_share: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideal_moved_load_share: Option<f64>,
    pub excess_moved: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excess_moved_load: Option<u64>,
    /// Keys whose node failed and that nothing serves after the change.
    pub unavailable: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable_load: Option<u64>,
    /// `keys` or `hash-space`: where the top-level shares come from.
    pub basis: &'static str,
    pub before: Vec<SideLoad>,
    pub after: Vec<SideLoad>,
    /// Heaviest first with `--key-weight`, else most keys first.
    pub flows: Vec<Flow>,
    /// `--top N`: the heaviest keys that move, heaviest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_moved: Option<Vec<MovedHotKey>>,
    /// `--top N`: the N, which `merge` needs to cut merged lists where a run would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_n: Option<usize>,
    pub hash_space: HashSpaceMovement,
    /// The two sides and the change; its description heads the table form.
    pub ring: RingId,
    /// Redis Cluster: the `redis-cli --cluster rebalance` that carries the change out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebalance: Option<RebalancePlan>,
}

/// How the hash-space figures were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpaceBasis {
    /// Counted over every value of the key hash.
    Exact,
    /// Measured on `SAMPLED_KEYS` seeded random keys.
    Sampled,
}

impl SpaceBasis {
    pub fn name(self) -> &'static str {
        match self {
            SpaceBasis::Exact => "exact",
            SpaceBasis::Sampled => "sampled",
        }
    }
}

/// Streams the keys through both sides on `threads` threads. `on_move`, when given, sees
/// every key that changes node (for `--moves`), with its old and new node, in input order.
pub fn count_keys<M>(
    scenario: &Scenario,
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    on_move: Option<M>,
) -> Result<Transitions>
where
    M: FnMut(&[u8], Option<u32>, Option<u32>) -> Result<()> + Send,
{
    let track_moves = on_move.is_some();
    let each = |counts: &mut Transitions, moved: &mut MovedKeys, batch: Batch| {
        let keys = batch.keys;
        let mut before = [None; BATCH];
        let mut after = [None; BATCH];
        let (before, after) = (&mut before[..keys.len()], &mut after[..keys.len()]);
        scenario.locate_batch(keys, before, after);
        for ((key, &before), &after) in keys.iter().zip(&*before).zip(&*after) {
            counts.add(before, after, 1);
            if track_moves && before != after && after.is_some() {
                moved.push(key, before, after, 1);
            }
        }
    };
    let on_move =
        on_move.map(|mut on_move| move |key: &[u8], before, after, _| on_move(key, before, after));
    let merge = |total: &mut Transitions, counts: Transitions| total.merge(counts);
    fold_moves(
        source,
        format,
        threads,
        Transitions::default,
        each,
        merge,
        on_move,
    )
}

/// Folds the keys of `source` into accumulators made by `start`; `each` also gets the
/// worker's moved keys to fill, which `on_move` sees in input order, when given.
pub(super) fn fold_moves<T: Send, M>(
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    start: impl Fn() -> T + Sync,
    each: impl Fn(&mut T, &mut MovedKeys, Batch) + Sync,
    merge: impl Fn(&mut T, T),
    on_move: Option<M>,
) -> Result<T>
where
    M: FnMut(&[u8], Option<u32>, Option<u32>, u64) -> Result<()> + Send,
{
    let flush =
        on_move.map(|mut on_move| move |(_, moved): &mut (T, MovedKeys)| moved.drain(&mut on_move));
    let (total, _) = fold_records(
        source,
        format,
        threads,
        || (start(), MovedKeys::default()),
        |(acc, moved), batch| {
            each(acc, moved, batch);
            Ok(())
        },
        flush,
        |total, (acc, _)| merge(&mut total.0, acc),
    )?;
    Ok(total)
}

/// Moved keys' bytes a worker keeps room for between blocks.
const KEPT_BYTES: usize = 1 << 20;

/// The moved keys of a block (with their weights), held until it is the block's turn to be
/// written.
#[derive(Default)]
pub(super) struct MovedKeys {
    bytes: Vec<u8>,
    keys: Vec<(usize, Option<u32>, Option<u32>, u64)>,
}

impl MovedKeys {
    pub(super) fn push(
        &mut self,
        key: &[u8],
        before: Option<u32>,
        after: Option<u32>,
        weight: u64,
    ) {
        self.bytes.extend_from_slice(key);
        self.keys.push((self.bytes.len(), before, after, weight));
    }

    fn drain(
        &mut self,
        on_move: &mut impl FnMut(&[u8], Option<u32>, Option<u32>, u64) -> Result<()>,
    ) -> Result<()> {
        let mut start = 0;
        for &(end, before, after, weight) in &self.keys {
            on_move(&self.bytes[start..end], before, after, weight)?;
            start = end;
        }
        self.bytes.clear();
        self.keys.clear();
        // Give back what long keys took.
        self.bytes.shrink_to(KEPT_BYTES);
        Ok(())
    }
}

/// Builds the report from key counts (empty when no keys were given).
pub fn report(scenario: &Scenario, keys: &Transitions) -> Result<MovementReport> {
    let figures = KeyFigures::of(&scenario.nodes, keys.pairs().into_iter());
    let report = build(
        &scenario.nodes,
        &figures,
        None,
        hash_space(scenario)?,
        ring_id(scenario),
    );
    Ok(with_rebalance(report, scenario))
}

/// The scenario's Redis Cluster rebalance, on the report that counted its keys.
pub(super) fn with_rebalance(report: MovementReport, scenario: &Scenario) -> MovementReport {
    MovementReport {
        rebalance: scenario.rebalance.clone(),
        ..report
    }
}

/// The `ring` field: the two sides and the change.
pub(super) fn ring_id(scenario: &Scenario) -> RingId {
    RingId {
        description: scenario.summary.clone(),
        fingerprint: scenario.fingerprint.clone(),
    }
}

/// The report from key figures (and with `--key-weight` load figures) and the movement over
/// the hash space: every share, the ideal and the sorted flows are derived here, for one run
/// and for `merge` of many alike, so that a merged report is computed exactly as one over
/// all the keys.
pub fn build(
    nodes: &[ScenarioNode],
    figures: &KeyFigures,
    loads: Option<&LoadFigures>,
    hash_space: HashSpaceMovement,
    ring: RingId,
) -> MovementReport {
    let total = figures.total;
    let with_keys = total > 0;
    let expected = |weights: &dyn Fn(&ScenarioNode) -> u32| {
        let sum: f64 = nodes.iter().map(|n| f64::from(weights(n))).sum();
        nodes
            .iter()
            .map(|n| share_of(f64::from(weights(n)), sum))
            .collect::<Vec<_>>()
    };
    let (expected_before, expected_after) = (
        expected(&|n| n.weight_before),
        expected(&|n| n.weight_after),
    );
    let side =
        |loads: &[u64], shares: &[f64], expected: &[f64], weight: &dyn Fn(&ScenarioNode) -> u32| {
            nodes
                .iter()
                .enumerate()
                .map(|(i, n)| SideLoad {
                    node: n.label.clone(),
                    status: n.status,
                    weight: weight(n),
                    keys: loads[i],
                    share: shares[i],
                    load: None,
                    load_share: None,
                    expected_share: expected[i],
                    top: None,
                })
                .collect::<Vec<_>>()
        };
    let (before_shares, after_shares) = if with_keys {
        (
            figures.shares(&figures.before),
            figures.shares(&figures.after),
        )
    } else {
        (hash_space.before.clone(), hash_space.after.clone())
    };
    let mut flows: Vec<Flow> = figures
        .flows
        .iter()
        .map(|(pair, &keys)| Flow {
            from: label(nodes, pair.0, UNASSIGNED),
            to: label(nodes, pair.1, UNAVAILABLE),
            keys,
            load: loads.map(|l| l.figures.flows.get(pair).copied().unwrap_or(0)),
        })
        .collect();
    flows.sort_by(|a, b| {
        (b.load.cmp(&a.load))
            .then_with(|| b.keys.cmp(&a.keys))
            .then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
    });
    let report = MovementReport {
        keys: total,
        load: None,
        moved: figures.moved,
        moved_share: if with_keys {
            figures.moved as f64 / total as f64
        } else {
            hash_space.moved_share
        },
        moved_load: None,
        moved_load_share: None,
        ideal_moved_share: if with_keys {
            ideal(nodes, &before_shares)
        } else {
            hash_space.ideal_moved_share
        },
        ideal_moved_load_share: None,
        excess_moved: figures.excess,
        excess_moved_load: None,
        unavailable: figures.unavailable,
        unavailable_load: None,
        basis: if with_keys { "keys" } else { "hash-space" },
        before: side(&figures.before, &before_shares, &expected_before, &|n| {
            n.weight_before
        }),
        after: side(&figures.after, &after_shares, &expected_after, &|n| {
            n.weight_after
        }),
        flows,
        top_moved: None,
        top_n: None,
        hash_space,
        ring,
        rebalance: None,
    };
    match loads {
        Some(loads) => with_loads(report, nodes, loads),
        None => report,
    }
}

/// `--key-weight`: the load beside every key figure, and with `--top` the lists.
fn with_loads(
    mut report: MovementReport,
    nodes: &[ScenarioNode],
    loads: &LoadFigures,
) -> MovementReport {
    let figures = &loads.figures;
    let total = figures.total;
    let shares = |side: &[u64]| side.iter().map(|&l| share(l, total)).collect::<Vec<_>>();
    let (before, after) = (shares(&figures.before), shares(&figures.after));
    for (side, (amounts, shares)) in [
        (&mut report.before, (&figures.before, &before)),
        (&mut report.after, (&figures.after, &after)),
    ] {
        for ((node, &load), &share) in side.iter_mut().zip(amounts).zip(shares) {
            node.load = Some(load);
            node.load_share = Some(share);
        }
    }
    report.load = Some(total);
    report.moved_load = Some(figures.moved);
    report.moved_load_share = Some(share(figures.moved, total));
    report.ideal_moved_load_share = Some(ideal(nodes, &before));
    report.excess_moved_load = Some(figures.excess);
    report.unavailable_load = Some(figures.unavailable);
    if let Some(top) = &loads.top {
        for (node, list) in report.before.iter_mut().zip(&top.before) {
            node.top = Some(list.clone());
        }
        report.top_moved = Some(top.moved.clone());
        report.top_n = Some(top.n);
    }
    report
}

/// What movement is counted in: keys (`u64`) or hash values (`u128`). Integers, so that every
/// sum is exact and the same in any order — over a map's pairs, or over the reports `merge`
/// adds up — and shares are divided out only at the end.
pub trait Amount: Copy + Default + std::ops::AddAssign {
    fn as_f64(self) -> f64;
}

impl Amount for u64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Amount for u128 {
    fn as_f64(self) -> f64 {
        self as f64
    }
}

/// Movement figures from `(before, after) → amount` pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures<T> {
    pub before: Vec<T>,
    pub after: Vec<T>,
    pub moved: T,
    pub excess: T,
    pub unavailable: T,
    /// Every pair whose amount moved to a node, with that amount.
    pub flows: BTreeMap<OwnerPair, T>,
    /// All keys (or the whole hash space), including those no node serves.
    pub total: T,
}

/// The key figures of one run: they add up across runs over parts of the keys.
pub type KeyFigures = Figures<u64>;

impl<T: Amount> Figures<T> {
    pub fn of(nodes: &[ScenarioNode], pairs: impl Iterator<Item = (OwnerPair, T)>) -> Figures<T> {
        let mut figures = Figures {
            before: vec![T::default(); nodes.len()],
            after: vec![T::default(); nodes.len()],
            ..Figures::default()
        };
        let unchanged =
            |n: Option<u32>| n.is_some_and(|n| nodes[n as usize].status == Status::Unchanged);
        for ((before, after), amount) in pairs {
            figures.total += amount;
            if let Some(b) = before {
                figures.before[b as usize] += amount;
            }
            match after {
                Some(a) => figures.after[a as usize] += amount,
                None => figures.unavailable += amount,
            }
            if before != after && after.is_some() {
                figures.moved += amount;
                if unchanged(before) && unchanged(after) {
                    figures.excess += amount;
                }
                *figures.flows.entry((before, after)).or_default() += amount;
            }
        }
        figures
    }

    /// Loads as fractions of all keys (or of the whole hash space).
    fn shares(&self, loads: &[T]) -> Vec<f64> {
        let total = self.total.as_f64().max(f64::MIN_POSITIVE);
        loads.iter().map(|l| l.as_f64() / total).collect()
    }
}

/// [`ideal_moved_share`] of a scenario's nodes.
fn ideal(nodes: &[ScenarioNode], before_shares: &[f64]) -> f64 {
    let weights_before: Vec<u32> = nodes.iter().map(|n| n.weight_before).collect();
    let weights_after: Vec<u32> = nodes.iter().map(|n| n.weight_after).collect();
    ideal_moved_share(before_shares, &weights_before, &weights_after)
}

/// The least any placement must move for the change: `Σ max(0, share_before(n) −
/// target(n))`, where a node the change touches (added, removed, failed, re-weighted: its
/// weight differs) gets what its new weight promises, and the nodes it leaves alone share
/// the rest as they shared it before. Nothing changed, nothing needs to move (0), whatever
/// the imbalance; a node failed or removed, its own keys; a node added, what its weight
/// promises, taken from the others in proportion.
pub fn ideal_moved_share(
    before_shares: &[f64],
    weights_before: &[u32],
    weights_after: &[u32],
) -> f64 {
    let changed = |i: usize| weights_before.get(i) != weights_after.get(i);
    let mass: f64 = before_shares.iter().sum();
    let total_after: f64 = weights_after.iter().map(|&w| f64::from(w)).sum();
    let promised = |i: usize| mass * share_of(f64::from(weights_after[i]), total_after);
    let taken: f64 = (0..weights_after.len())
        .filter(|&i| changed(i))
        .map(promised)
        .sum();
    let kept: f64 = (0..before_shares.len())
        .filter(|&i| !changed(i))
        .map(|i| before_shares[i])
        .sum();
    let target = |i: usize| match changed(i) {
        true => promised(i),
        false => share_of(before_shares[i] * (mass - taken), kept),
    };
    (0..before_shares.len().min(weights_after.len()))
        .map(|i| (before_shares[i] - target(i)).max(0.0))
        .sum()
}

/// `part / total`, and 0 when nothing is left to share (every node failed or removed).
fn share_of(part: f64, total: f64) -> f64 {
    if total > 0.0 { part / total } else { 0.0 }
}

pub(super) fn label(nodes: &[ScenarioNode], node: Option<u32>, none: &str) -> String {
    node.map_or_else(|| none.to_string(), |n| nodes[n as usize].label.clone())
}

/// The movement over the hash space: exact from the owner maps when both sides have
/// comparable ones, else measured on seeded random keys.
pub(super) fn hash_space(scenario: &Scenario) -> Result<HashSpaceMovement> {
    let nodes = &scenario.nodes;
    let exact = match (scenario.before.owner_map(), scenario.after.owner_map()) {
        (Some(before), Some(after)) => transitions(&before, &after).map(|t| (t, before.range)),
        _ => None,
    };
    // Hash values are summed as integers and divided once, so the figures do not depend on
    // the order pairs come in: every run, on every host, gives the same bits (`merge`
    // requires them equal).
    let (figures, values, basis) = match exact {
        Some((transitions, range)) => {
            let pairs = transitions
                .into_iter()
                .map(|(b, a, values)| ((b, a), values));
            (Figures::of(nodes, pairs), range, SpaceBasis::Exact)
        }
        None => {
            let count = sample_size(scenario.before.lookup_cost() + scenario.after.lookup_cost());
            let sample = KeySource::Random(RandomKeys {
                count,
                seed: 0,
                pattern: "{}".into(),
            });
            let counts = count_keys(scenario, &sample, KeyFormat::default(), 1, NO_MOVES)?;
            let pairs = counts
                .pairs()
                .into_iter()
                .map(|(pair, count)| (pair, u128::from(count)));
            (
                Figures::of(nodes, pairs),
                u128::from(count),
                SpaceBasis::Sampled,
            )
        }
    };
    let share = |amount: u128| amount as f64 / values as f64;
    let cut = basis == SpaceBasis::Sampled && values < u128::from(SAMPLED_KEYS);
    // A cut sample leaves a large pool's nodes a handful of keys each, whose counts say
    // nothing of where keys are: the least that must move is then judged on the shares the
    // placement itself gives.
    let before_shares = if cut {
        scenario.before.shares(nodes.len())
    } else {
        figures.shares(&figures.before)
    };
    let before: Vec<f64> = figures.before.iter().map(|&v| share(v)).collect();
    let mut flows: Vec<ShareFlow> = figures
        .flows
        .iter()
        .map(|(&(from, to), &amount)| ShareFlow {
            from: label(nodes, from, UNASSIGNED),
            to: label(nodes, to, UNAVAILABLE),
            share: share(amount),
        })
        .collect();
    flows.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
    });
    Ok(HashSpaceMovement {
        basis,
        moved_share: share(figures.moved),
        ideal_moved_share: ideal(nodes, &before_shares),
        excess_moved_share: share(figures.excess),
        unavailable_share: share(figures.unavailable),
        after: figures.after.iter().map(|&v| share(v)).collect(),
        before,
        flows,
        sampled_keys: cut.then_some(values as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_cut_only_where_lookups_examine_every_node() {
        // One node per key and side: the full sample, as ever.
        assert_eq!(sample_size(2), SAMPLED_KEYS);
        // Rendezvous scores every node on both sides: 268 nodes still get the full sample,
        // 100,000 get 2,684 keys, and no pool fewer than 1,000.
        assert_eq!(sample_size(2 * 268), SAMPLED_KEYS);
        assert_eq!(sample_size(2 * 100_000), 2_684);
        assert_eq!(sample_size(u64::MAX), MIN_SAMPLED_KEYS);
        // A share of 1% on 2,684 keys: ±0.19%.
        assert!((sampling_error(0.01, 2_684) - 0.00192).abs() < 1e-5);
    }
}
