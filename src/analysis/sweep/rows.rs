//! One row per configuration, from what the pass counted (or, without keys, from the rings
//! themselves): balance, what one node more and one fewer move against the ideal, lookup
//! time, ring memory, the hashes used and whether they suit the algorithm.

use std::hint::black_box;

use super::fit::{self, RowHashes};
use super::pass::{BoundedCounts, BoundedRings, PlacementCounts, PlacementRings};
use super::timing::{time_per_key, timed_count};
use super::{Candidate, SweepRow};
use crate::analysis::Stats;
use crate::analysis::movement::{KeyFigures, ideal_moved_share};
use crate::analysis::single_change::{ChangeShares, SingleChanges};
use crate::analysis::transitions::Transitions;
use crate::config::Ring;
use crate::error::Result;
use crate::keys::BATCH;
use crate::nodes::{self, Node};
use crate::scenario::Scenario;

/// What one change moves.
pub struct Moved {
    pub share: f64,
    pub ideal: f64,
    pub basis: &'static str,
    /// Keys per scenario node before the change, when counted on keys.
    pub before_keys: Option<Vec<u64>>,
    /// The keys of a cut sample ([`crate::analysis::movement::HashSpaceMovement::sampled_keys`]).
    pub sampled_keys: Option<u64>,
}

impl Moved {
    /// Over the hash space.
    fn of(shares: ChangeShares) -> Moved {
        Moved {
            share: shares.moved,
            ideal: shares.ideal,
            basis: shares.basis.name(),
            before_keys: None,
            sampled_keys: shares.sampled_keys,
        }
    }

    /// Counted on the keys, as `simulate` counts them.
    fn counted(scenario: &Scenario, counts: &Transitions) -> Moved {
        let figures = KeyFigures::of(&scenario.nodes, counts.pairs().into_iter());
        let total = figures.total.max(1) as f64;
        let before: Vec<f64> = figures.before.iter().map(|&k| k as f64 / total).collect();
        let weights_before: Vec<u32> = scenario.nodes.iter().map(|n| n.weight_before).collect();
        let weights_after: Vec<u32> = scenario.nodes.iter().map(|n| n.weight_after).collect();
        Moved {
            share: figures.moved as f64 / total,
            ideal: ideal_moved_share(&before, &weights_before, &weights_after),
            basis: "keys",
            before_keys: Some(figures.before),
            sampled_keys: None,
        }
    }
}

/// A placement's row from its counted keys.
pub fn counted_placement(
    ring: &Ring,
    candidate: &Candidate,
    rings: &PlacementRings,
    counts: &PlacementCounts,
    timed: &[&[u8]],
) -> Result<SweepRow> {
    let added = Moved::counted(&rings.added, &counts.added);
    let before = added.before_keys.as_deref().unwrap_or_default();
    let loads: Vec<f64> = before
        .iter()
        .take(ring.nodes.len())
        .map(|&k| k as f64)
        .collect();
    let removed = match (&rings.removed, &counts.removed) {
        (Some(scenario), Some(counts)) => Some(Moved::counted(scenario, counts)),
        _ => None,
    };
    placement_row(
        ring,
        candidate,
        "keys",
        &loads,
        &added,
        removed.as_ref(),
        timed,
    )
}

/// A placement's row from the ring alone: one node more or less counted from the ring as
/// built where that node's own keys are all that move.
pub fn hash_space_placement(
    ring: &Ring,
    candidate: &Candidate,
    add: &str,
    remove: Option<&str>,
    timed: &[&[u8]],
) -> Result<SweepRow> {
    let ownership = ring.placement.ownership();
    let single = SingleChanges::new(ring, &ownership.points);
    let added = Moved::of(single.addition(add)?);
    let removed = match remove.and_then(|l| ring.nodes.iter().position(|n| n.label == l)) {
        Some(index) => Some(Moved::of(single.removal(index)?)),
        None => None,
    };
    let basis = ownership.basis.name();
    placement_row(
        ring,
        candidate,
        basis,
        &ownership.shares,
        &added,
        removed.as_ref(),
        timed,
    )
}

fn placement_row(
    ring: &Ring,
    candidate: &Candidate,
    basis: &'static str,
    loads: &[f64],
    added: &Moved,
    removed: Option<&Moved>,
    timed: &[&[u8]],
) -> Result<SweepRow> {
    let placement = ring.placement.as_ref();
    let promised = placement.promised_shares(&ring.nodes);
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
        &Stats::of(loads, &promised),
        added,
        removed,
        ns_per_key,
        placement.ring_bytes(),
    );
    Ok(SweepRow {
        warning: fit::poor_fit(ring)?,
        ..with_hashes(row, fit::hashes_of(placement, &ring.config))
    })
}

/// The bounded-load rings, and what a row needs of the configuration besides its counts.
pub struct BoundedSetup {
    pub candidate: Candidate,
    pub rings: BoundedRings,
    pub nodes: Vec<Node>,
    pub added_weight: u32,
    pub hashes: RowHashes,
    pub warning: Option<String>,
}

/// Bounded loads' row from the keys (or the seeded sample, `basis` "sampled") placed one after
/// another on the three rings.
pub fn bounded_row(
    setup: &BoundedSetup,
    counts: &BoundedCounts,
    basis: &'static str,
    timed: &[&[u8]],
) -> SweepRow {
    let nodes = &setup.nodes;
    let loads = &counts.base;
    let total = loads.total.max(1) as f64;
    let before: Vec<f64> = loads.per_node.iter().map(|&k| k as f64 / total).collect();
    // Loads in the unit of the other rows: keys, or shares where the keys are only a sample.
    let per_node: Vec<f64> = match basis {
        "keys" => loads.per_node.iter().map(|&k| k as f64).collect(),
        _ => before.clone(),
    };
    let stats = Stats::of(&per_node, &nodes::weight_shares(nodes));
    let weights: Vec<u32> = nodes.iter().map(|n| n.weight).collect();
    let grown: Vec<u32> = weights
        .iter()
        .copied()
        .chain([setup.added_weight])
        .collect();
    let added = Moved {
        share: counts.moved_add as f64 / total,
        ideal: ideal_moved_share(
            &before.iter().copied().chain([0.0]).collect::<Vec<_>>(),
            &weights.iter().copied().chain([0]).collect::<Vec<_>>(),
            &grown,
        ),
        basis,
        before_keys: None,
        sampled_keys: None,
    };
    let removed = setup.rings.removed.as_ref().map(|&(_, r)| Moved {
        share: counts.moved_remove as f64 / total,
        ideal: ideal_moved_share(
            &before,
            &weights,
            &weights
                .iter()
                .enumerate()
                .map(|(i, &w)| if i == r { 0 } else { w })
                .collect::<Vec<_>>(),
        ),
        basis,
        before_keys: None,
        sampled_keys: None,
    });
    let base = &setup.rings.base;
    let ns_per_key = time_per_key(timed, |keys| {
        let mut loads = base.loads();
        let mut owners = [0; BATCH];
        for batch in keys.chunks(BATCH) {
            base.assign_batch(&mut loads, batch, &mut owners[..batch.len()]);
            black_box(&owners);
        }
    });
    let row = row(
        &setup.candidate,
        basis,
        &stats,
        &added,
        removed.as_ref(),
        ns_per_key,
        Some(base.ring_bytes()),
    );
    let hashes = RowHashes {
        keys: setup.hashes.keys,
        points: setup.hashes.points,
    };
    SweepRow {
        warning: setup.warning.clone(),
        ..with_hashes(row, hashes)
    }
}

fn with_hashes(row: SweepRow, hashes: RowHashes) -> SweepRow {
    SweepRow {
        hash: hashes.keys,
        point_hash: hashes.points,
        ..row
    }
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
        hash: "",
        point_hash: None,
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
        warning: None,
    }
}
