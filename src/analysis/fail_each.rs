//! `simulate --fail-each`: the failure of every node in turn, one row each, so a CI job can
//! find the worst single failure.

use serde::Serialize;

use super::movement::{self, MovementReport, SpaceBasis, Transitions};
use super::parallel::fold_keys;
use crate::error::Result;
use crate::keys::{BATCH, KeyFormat, KeySource};
use crate::scenario::Scenario;

#[derive(Clone, Debug, Serialize)]
pub struct FailEachRow {
    pub fail: String,
    pub keys: u64,
    pub moved: u64,
    pub moved_share: f64,
    pub ideal_moved_share: f64,
    pub excess_moved: u64,
    pub unavailable: u64,
    /// Share of the hash space that changes node (`hash_space_basis` says how it was found).
    pub hash_space_moved_share: f64,
    pub hash_space_unavailable_share: f64,
    pub hash_space_basis: SpaceBasis,
}

#[derive(Clone, Debug, Serialize)]
pub struct FailEachReport {
    pub rows: Vec<FailEachRow>,
    #[serde(skip)]
    pub caption: String,
}

impl FailEachReport {
    /// The row whose failure moves or loses the most.
    pub fn worst(&self) -> Option<&FailEachRow> {
        self.rows.iter().max_by(|a, b| {
            let cost =
                |r: &FailEachRow| r.moved_share + r.unavailable as f64 / (r.keys.max(1)) as f64;
            cost(a).total_cmp(&cost(b))
        })
    }
}

/// Counts every scenario in one pass over the keys (stdin can be read only once), on
/// `threads` threads. All the scenarios share their before side.
pub fn count(
    scenarios: &[Scenario],
    source: Option<&KeySource>,
    format: KeyFormat,
    threads: usize,
) -> Result<Vec<Transitions>> {
    let start =
        || -> Vec<Transitions> { scenarios.iter().map(|_| Transitions::default()).collect() };
    let (Some(source), Some(first)) = (source, scenarios.first()) else {
        return Ok(start());
    };
    fold_keys(
        source,
        format,
        threads,
        start,
        |counts, keys| {
            let mut before = [None; BATCH];
            let mut after = [None; BATCH];
            let (before, after) = (&mut before[..keys.len()], &mut after[..keys.len()]);
            first.before.locate_batch(keys, before);
            for (scenario, count) in scenarios.iter().zip(counts.iter_mut()) {
                scenario.after.locate_batch(keys, after);
                for (&before, &after) in before.iter().zip(&*after) {
                    count.add(before, after, 1);
                }
            }
            Ok(())
        },
        |total, counts| {
            for (total, counts) in total.iter_mut().zip(counts) {
                total.merge(counts);
            }
        },
    )
}

pub fn report(
    labels: &[String],
    scenarios: &[Scenario],
    counts: &[Transitions],
    caption: String,
) -> Result<FailEachReport> {
    let mut rows = Vec::with_capacity(scenarios.len());
    for ((label, scenario), count) in labels.iter().zip(scenarios).zip(counts) {
        let r: MovementReport = movement::report(scenario, count)?;
        rows.push(FailEachRow {
            fail: label.clone(),
            keys: r.keys,
            moved: r.moved,
            moved_share: r.moved_share,
            ideal_moved_share: r.ideal_moved_share,
            excess_moved: r.excess_moved,
            unavailable: r.unavailable,
            hash_space_moved_share: r.hash_space.moved_share,
            hash_space_unavailable_share: r.hash_space.unavailable_share,
            hash_space_basis: r.hash_space.basis,
        });
    }
    Ok(FailEachReport { rows, caption })
}
