//! Which hash each configuration used, and whether it suits the algorithm.
//!
//! A row runs on the pool's hash where its algorithm takes one (a twemproxy pool's
//! `fnv1a_64` on the vnode rows too), and some hashes spread an algorithm's points badly:
//! FNV-1a of `label-0`, `label-1`, … leaves the points in clumps. Whether that happened is
//! measured, not looked up in a list: the same algorithm with the same points under its own
//! default hash is built beside it, and the two spreads of the hash space compared.

use crate::analysis::Stats;
use crate::config::Ring;
use crate::error::Result;
use crate::hash;
use crate::ring::{self, Placement, RingConfig, ShareBasis};

/// A hash is a poor fit when its spread's excess over perfect (max/mean − 1) is more than
/// [`EXCESS_RATIO`] times the default hash's and at least [`EXCESS_MARGIN`] above it: two
/// good hashes differ by less than that on the same points (they are samples of one
/// distribution, whose spread shrinks with the points alike), and the margin keeps rings
/// that are all but even (excess 0.01 against 0.004) from being flagged for noise.
pub const EXCESS_RATIO: f64 = 2.0;
pub const EXCESS_MARGIN: f64 = 0.05;

/// The hashes a placement depends on, as a row names them.
pub struct RowHashes {
    /// The keys' hash.
    pub keys: &'static str,
    /// The points' (or node names') hash, where it is another one.
    pub points: Option<&'static str>,
}

/// The hashes the placement itself reports, else its configuration's.
pub fn hashes_of(placement: &dyn Placement, config: &RingConfig) -> RowHashes {
    let keys = placement
        .key_hashing()
        .map_or(config.hash.name, |hashing| hashing.hash.name);
    RowHashes {
        keys,
        points: placement.point_hash().filter(|&points| points != keys),
    }
}

/// A warning when `ring`'s hash spreads its hash space clearly worse than the algorithm's
/// default hash would on the same points. Judged where both spreads are exact: analytic
/// shares (jump, rendezvous) are the promise whatever the hash.
pub fn poor_fit(ring: &Ring) -> Result<Option<String>> {
    poor_fit_of(ring.placement.as_ref(), &ring.nodes, &ring.config)
}

/// [`poor_fit`] of a placement built from `nodes` and `config`.
pub fn poor_fit_of(
    placement: &dyn Placement,
    nodes: &[crate::nodes::Node],
    config: &RingConfig,
) -> Result<Option<String>> {
    let algo = config.algo;
    let default = algo.default_hash();
    if !algo.takes_hash() || config.hash.name == default {
        return Ok(None);
    }
    let other = RingConfig {
        hash: hash::by_name(default)?,
        ..config.clone()
    };
    let reference = ring::build(nodes, &other)?;
    let spread = |placement: &dyn Placement| {
        let ownership = placement.ownership();
        let promised = placement.promised_shares(nodes);
        (ownership.basis == ShareBasis::Exact)
            .then(|| Stats::of(&ownership.shares, &promised).max_over_mean)
    };
    let (Some(mine), Some(theirs)) = (spread(placement), spread(reference.as_ref())) else {
        return Ok(None);
    };
    if !is_poor(mine, theirs) {
        return Ok(None);
    }
    let hashes = hashes_of(placement, config);
    let what = match hashes.points {
        Some(_) => "keys",
        None => "points",
    };
    Ok(Some(format!(
        "{} spreads {} {what} poorly here: max/mean {mine:.2} against {theirs:.2} with {default}; try --hash {default}",
        config.hash.name,
        algo.name(),
    )))
}

/// Whether a spread of `mine` (max/mean over the hash space) is clearly worse than `theirs`.
pub fn is_poor(mine: f64, theirs: f64) -> bool {
    let (excess, reference) = (mine - 1.0, (theirs - 1.0).max(0.0));
    excess > EXCESS_RATIO * reference && excess >= reference + EXCESS_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_clearly_worse_spread_is_poor() {
        // The twemproxy pool: fnv1a_64 vnode points against md5's.
        assert!(is_poor(2.89, 1.09));
        // Two good hashes on few points differ, but not by twice the excess.
        assert!(!is_poor(1.40, 1.33));
        // Twice the excess, but both all but even.
        assert!(!is_poor(1.02, 1.01));
        // Better than the default is never poor.
        assert!(!is_poor(1.05, 1.20));
    }
}
