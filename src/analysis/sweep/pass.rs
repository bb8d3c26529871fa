//! Every configuration of a sweep counted in one pass over the keys. Each configuration has
//! three rings — as built, with one node more, with one fewer — and each batch of keys is
//! hashed once per distinct key hash ([`KeyHashing`]), then looked up on every ring that
//! shares that hash. Reading and hashing, not the lookups, are what a pass over real keys
//! mostly costs, so this is what keeps a sweep of a dozen configurations near the cost of
//! one `dist`.
//!
//! Bounded loads place keys one after another in input order, so they cannot be split over
//! threads: workers hash each block's keys for them and keep the hashes, and the block's
//! flush, which the fold calls in input order one block at a time, places them. The same
//! pass, the same progress bar, the same order as one thread.

use crate::analysis::parallel::{Batch, fold_records};
use crate::analysis::transitions::Transitions;
use crate::error::Result;
use crate::keys::{BATCH, KeyFormat, KeySource};
use crate::ring::KeyHashing;
use crate::ring::bounded_load::{BoundedLoads, Loads};
use crate::scenario::{Scenario, Side};

/// A placement's changes: both share the ring as built as their before side.
pub struct PlacementRings {
    pub added: Scenario,
    pub removed: Option<Scenario>,
}

/// Keys per (before, after) owner pair of each change, in the scenarios' node numbering.
#[derive(Clone, Debug, Default)]
pub struct PlacementCounts {
    pub added: Transitions,
    pub removed: Option<Transitions>,
}

/// Bounded loads as built, with one node more and with one fewer (and which node that was).
pub struct BoundedRings {
    pub base: BoundedLoads,
    pub added: BoundedLoads,
    pub removed: Option<(BoundedLoads, usize)>,
}

/// The three rings' loads after the keys so far, and the keys each change moved.
#[derive(Clone, Debug)]
pub struct BoundedCounts {
    pub base: Loads,
    pub added: Loads,
    pub removed: Option<Loads>,
    pub moved_add: u64,
    pub moved_remove: u64,
}

impl BoundedCounts {
    fn new(rings: &BoundedRings) -> BoundedCounts {
        BoundedCounts {
            base: rings.base.loads(),
            added: rings.added.loads(),
            removed: rings.removed.as_ref().map(|(ring, _)| ring.loads()),
            moved_add: 0,
            moved_remove: 0,
        }
    }

    /// Places a batch of hashed keys (at most [`BATCH`]) on the three rings, in order.
    fn place(&mut self, rings: &BoundedRings, hashes: &[u64]) {
        let mut before = [0; BATCH];
        let mut after = [0; BATCH];
        let (before, after) = (&mut before[..hashes.len()], &mut after[..hashes.len()]);
        rings.base.assign_hashes(&mut self.base, hashes, before);
        rings.added.assign_hashes(&mut self.added, hashes, after);
        self.moved_add += before.iter().zip(&*after).filter(|(b, a)| b != a).count() as u64;
        if let (Some((ring, removed_at)), Some(loads)) = (&rings.removed, &mut self.removed) {
            ring.assign_hashes(loads, hashes, after);
            // Node ids after the removed node are one lower on the shrunk ring.
            let moved = before.iter().zip(&*after).filter(|&(&b, &a)| {
                let a = if a as usize >= *removed_at { a + 1 } else { a };
                a != b
            });
            self.moved_remove += moved.count() as u64;
        }
    }
}

/// Which shared hash each ring searches with: an index into the pass's hashes, or `None`
/// for a ring that hashes keys its own way (it is then handed the keys).
struct Plan {
    hashings: Vec<KeyHashing>,
    placements: Vec<PlacementPlan>,
    /// Per bounded configuration.
    bounded: Vec<usize>,
}

struct PlacementPlan {
    base: Option<usize>,
    added: Option<usize>,
    removed: Option<usize>,
}

impl Plan {
    fn new(placements: &[&PlacementRings], bounded: &[&BoundedRings]) -> Plan {
        let mut hashings = Vec::new();
        let mut index_of = |hashing: Option<KeyHashing>| {
            let hashing = hashing?;
            Some(match hashings.iter().position(|&h| h == hashing) {
                Some(index) => index,
                None => {
                    hashings.push(hashing);
                    hashings.len() - 1
                }
            })
        };
        let placements = placements
            .iter()
            .map(|rings| PlacementPlan {
                base: index_of(rings.added.before.key_hashing()),
                added: index_of(rings.added.after.key_hashing()),
                removed: rings
                    .removed
                    .as_ref()
                    .and_then(|s| index_of(s.after.key_hashing())),
            })
            .collect();
        let bounded = bounded
            .iter()
            .map(|rings| index_of(Some(rings.base.key_hashing())).expect("a hashing"))
            .collect();
        Plan {
            hashings,
            placements,
            bounded,
        }
    }
}

/// One worker's counts, and its room for hashes.
struct Worker {
    placements: Vec<PlacementCounts>,
    /// The batch's hashes, per shared hash.
    hashes: Vec<[u64; BATCH]>,
    /// The block's hashes so far, per shared hash, for the bounded configurations (empty for
    /// the others): placed when the block's turn comes.
    pending: Vec<Vec<u64>>,
}

/// What one pass counted, per configuration in the order given.
pub struct Counts {
    pub placements: Vec<PlacementCounts>,
    pub bounded: Vec<BoundedCounts>,
}

impl Counts {
    /// The keys read: every configuration counted each of them.
    pub fn keys(&self) -> u64 {
        let placements = self.placements.iter().map(|c| c.added.total());
        let bounded = self.bounded.iter().map(|c| c.base.total);
        let mut totals = placements.chain(bounded);
        let first = totals.next().unwrap_or(0);
        debug_assert!(
            totals.all(|t| t == first),
            "one pass counts every key once per row"
        );
        first
    }
}

/// Counts every configuration in one pass over `source`.
pub fn count(
    placements: &[&PlacementRings],
    bounded: &[&BoundedRings],
    source: &KeySource,
    format: KeyFormat,
    threads: usize,
) -> Result<Counts> {
    let plan = Plan::new(placements, bounded);
    let kept: Vec<bool> = (0..plan.hashings.len())
        .map(|h| plan.bounded.contains(&h))
        .collect();
    let start = || Worker {
        placements: placements
            .iter()
            .map(|rings| PlacementCounts {
                added: Transitions::default(),
                removed: rings.removed.as_ref().map(|_| Transitions::default()),
            })
            .collect(),
        hashes: vec![[0; BATCH]; plan.hashings.len()],
        pending: vec![Vec::new(); plan.hashings.len()],
    };
    let each = |worker: &mut Worker, batch: Batch| {
        let keys = batch.keys;
        let shared = plan.hashings.iter().zip(&mut worker.hashes);
        for (((hashing, hashes), pending), &kept) in shared.zip(&mut worker.pending).zip(&kept) {
            hashing.hash_batch(keys, &mut hashes[..keys.len()]);
            if kept {
                pending.extend_from_slice(&hashes[..keys.len()]);
            }
        }
        let hashes = &worker.hashes;
        let mut base = [None; BATCH];
        let mut after = [None; BATCH];
        let (base, after) = (&mut base[..keys.len()], &mut after[..keys.len()]);
        for ((rings, plan), counts) in placements
            .iter()
            .zip(&plan.placements)
            .zip(&mut worker.placements)
        {
            locate(&rings.added.before, plan.base, hashes, keys, base);
            locate(&rings.added.after, plan.added, hashes, keys, after);
            for (&b, &a) in base.iter().zip(&*after) {
                counts.added.add(b, a, 1);
            }
            if let (Some(scenario), Some(removed)) = (&rings.removed, &mut counts.removed) {
                locate(&scenario.after, plan.removed, hashes, keys, after);
                for (&b, &a) in base.iter().zip(&*after) {
                    removed.add(b, a, 1);
                }
            }
        }
        Ok(())
    };
    let mut bounded_counts: Vec<BoundedCounts> = bounded
        .iter()
        .map(|rings| BoundedCounts::new(rings))
        .collect();
    let flush = |worker: &mut Worker| {
        for ((rings, counts), &h) in bounded.iter().zip(&mut bounded_counts).zip(&plan.bounded) {
            for hashes in worker.pending[h].chunks(BATCH) {
                counts.place(rings, hashes);
            }
        }
        for pending in &mut worker.pending {
            pending.clear();
        }
        Ok(())
    };
    let merge = |total: &mut Worker, worker: Worker| {
        for (total, counts) in total.placements.iter_mut().zip(worker.placements) {
            total.added.merge(counts.added);
            if let (Some(total), Some(counts)) = (&mut total.removed, counts.removed) {
                total.merge(counts);
            }
        }
    };
    // Without bounded loads no block waits for its turn.
    let flush = (!bounded.is_empty()).then_some(flush);
    let total = fold_records(source, format, threads, start, each, flush, merge)?;
    Ok(Counts {
        placements: total.placements,
        bounded: bounded_counts,
    })
}

/// The owners of a batch on one side: from the shared hashes when it has them.
#[inline]
fn locate(
    side: &Side,
    hashing: Option<usize>,
    hashes: &[[u64; BATCH]],
    keys: &[&[u8]],
    owners: &mut [Option<u32>],
) {
    match hashing {
        Some(h) => side.locate_hashes(&hashes[h][..keys.len()], owners),
        None => side.locate_batch(keys, owners),
    }
}
