//! Which configuration a sweep recommends.

use super::{MOVEMENT_TOLERANCE, Recommendation, SweepRow};

/// The fastest lookup among the rows that meet the target balance and move within
/// [`MOVEMENT_TOLERANCE`] of the ideal on ±1 node; else the best-balanced row, named as the
/// closest. A row whose hash is a poor fit for its algorithm ([`SweepRow::warning`]) is only
/// chosen when every row is one: its balance is luck of these keys, or a hash to change.
pub fn recommend(rows: &[SweepRow], target: f64) -> Option<Recommendation> {
    let fitting: Vec<SweepRow> = rows
        .iter()
        .filter(|r| r.warning.is_none())
        .cloned()
        .collect();
    let rows = if fitting.is_empty() { rows } else { &fitting };
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
