//! `simulate` and `diff` with `--key-weight`: beside the keys per (before, after) owner pair,
//! the sum of their weights, from which every key figure of the report gets its load twin;
//! with `--top N` each node's heaviest keys before the change and the heaviest moved keys.

use super::load::checked_total;
use super::movement::{
    self, Figures, KeyFigures, MovedKeys, MovementReport, OwnerPair, Transitions, UNASSIGNED,
    UNAVAILABLE, fold_moves, label,
};
use super::parallel::Batch;
use super::top::{HotKey, MovedHotKey, TopKeys};
use crate::error::Result;
use crate::keys::{BATCH, KeyFormat, KeySource};
use crate::scenario::{Scenario, ScenarioNode};

/// What `simulate` and `diff` count with `--key-weight`.
#[derive(Clone, Debug, Default)]
pub struct WeightedTransitions {
    pub keys: Transitions,
    /// Weights are summed in `u128`, which no run can overflow; the report checks the total.
    pub loads: Transitions<u128>,
    top: Option<TopOfChange>,
}

/// `--top N` while counting: the heaviest keys per node before the change, and of the moved.
#[derive(Clone, Debug)]
struct TopOfChange {
    n: usize,
    before: Vec<TopKeys>,
    moved: TopKeys<OwnerPair>,
}

impl WeightedTransitions {
    /// Nothing counted yet over `nodes` nodes, keeping the `top` heaviest keys when asked.
    pub fn new(nodes: usize, top: Option<usize>) -> Self {
        WeightedTransitions {
            top: top.map(|n| TopOfChange {
                n,
                before: (0..nodes).map(|_| TopKeys::new(n)).collect(),
                moved: TopKeys::new(n),
            }),
            ..WeightedTransitions::default()
        }
    }

    fn merge(&mut self, other: WeightedTransitions) {
        self.keys.merge(other.keys);
        self.loads.merge(other.loads);
        if let (Some(mine), Some(theirs)) = (&mut self.top, other.top) {
            for (mine, theirs) in mine.before.iter_mut().zip(theirs.before) {
                mine.merge(theirs);
            }
            mine.moved.merge(theirs.moved);
        }
    }
}

/// The load figures of a report, summed up as key figures are, and the `--top` lists.
#[derive(Clone, Debug, Default)]
pub struct LoadFigures {
    pub figures: Figures<u64>,
    pub top: Option<TopLists>,
}

/// `--top N`: each node's heaviest keys before the change, and the heaviest moved keys.
#[derive(Clone, Debug)]
pub struct TopLists {
    pub n: usize,
    pub before: Vec<Vec<HotKey>>,
    pub moved: Vec<MovedHotKey>,
}

/// [`movement::count_keys`] for records with weights (`KeyFormat::weighted`, whatever
/// `format` says): keys and loads per owner pair, the `top` lists when asked, and `on_move`
/// with each moved key's weight, in input order.
pub fn count_weighted_keys<M>(
    scenario: &Scenario,
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
    top: Option<usize>,
    on_move: Option<M>,
) -> Result<WeightedTransitions>
where
    M: FnMut(&[u8], Option<u32>, Option<u32>, u64) -> Result<()> + Send,
{
    let track_moves = on_move.is_some();
    let each = |counts: &mut WeightedTransitions, moved: &mut MovedKeys, batch: Batch| {
        let keys = batch.keys;
        let mut before = [None; BATCH];
        let mut after = [None; BATCH];
        let (before, after) = (&mut before[..keys.len()], &mut after[..keys.len()]);
        scenario.locate_batch(keys, before, after);
        let placed = keys
            .iter()
            .zip(batch.weights)
            .zip(before.iter().zip(&*after));
        for ((key, &weight), (&before, &after)) in placed {
            counts.keys.add(before, after, 1);
            counts.loads.add(before, after, u128::from(weight));
            let moves = before != after && after.is_some();
            if let Some(top) = &mut counts.top {
                if let Some(node) = before {
                    top.before[node as usize].offer(weight, key, ());
                }
                if moves {
                    top.moved.offer(weight, key, (before, after));
                }
            }
            if track_moves && moves {
                moved.push(key, before, after, weight);
            }
        }
    };
    let start = || WeightedTransitions::new(scenario.nodes.len(), top);
    let format = KeyFormat {
        weighted: true,
        ..format
    };
    fold_moves(
        source,
        format,
        threads,
        start,
        each,
        WeightedTransitions::merge,
        on_move,
    )
}

/// The report of a weighted count: [`movement::report`] with the load figures and lists.
pub fn report_weighted(
    scenario: &Scenario,
    counted: WeightedTransitions,
) -> Result<MovementReport> {
    let nodes = &scenario.nodes;
    let keys = KeyFigures::of(nodes, counted.keys.pairs().into_iter());
    let loads = LoadFigures {
        figures: narrowed(Figures::of(nodes, counted.loads.pairs().into_iter()))?,
        top: counted.top.map(|top| lists(nodes, top)),
    };
    let report = movement::build(
        nodes,
        &keys,
        Some(&loads),
        movement::hash_space(scenario)?,
        movement::ring_id(scenario),
    );
    Ok(movement::with_rebalance(report, scenario))
}

/// Load figures summed in `u128`, as a report carries them: every figure is part of the
/// total, so the total fitting `u64` is all there is to check.
fn narrowed(sums: Figures<u128>) -> Result<Figures<u64>> {
    let total = checked_total(sums.total)?;
    let narrow = |amounts: Vec<u128>| amounts.into_iter().map(|a| a as u64).collect();
    Ok(Figures {
        before: narrow(sums.before),
        after: narrow(sums.after),
        moved: sums.moved as u64,
        excess: sums.excess as u64,
        unavailable: sums.unavailable as u64,
        flows: (sums.flows.into_iter())
            .map(|(pair, a)| (pair, a as u64))
            .collect(),
        total,
    })
}

fn lists(nodes: &[ScenarioNode], top: TopOfChange) -> TopLists {
    TopLists {
        n: top.n,
        before: top.before.into_iter().map(TopKeys::into_hot_keys).collect(),
        moved: (top.moved.into_sorted().into_iter())
            .map(|(weight, key, (from, to))| MovedHotKey {
                key: HotKey { key, weight },
                from: label(nodes, from, UNASSIGNED),
                to: label(nodes, to, UNAVAILABLE),
            })
            .collect(),
    }
}
