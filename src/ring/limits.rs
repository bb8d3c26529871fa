//! The one bound on what a placement may hold: past it a configuration is a typo, or a pool
//! that needs fewer points per node, and building it would take gigabytes and minutes.

use super::Algo;
use crate::error::{Error, Result};

/// The most points (or table entries, ring nodes, map steps) ringscope builds in one
/// placement: about 240 MB of points.
pub const MAX_POINTS: u64 = 20_000_000;

/// Refuses a placement of `count` `what` (e.g. "points (vnodes × total weight)") past
/// [`MAX_POINTS`], saying in `fix` what to do.
pub fn check_size(algo: Algo, count: u128, what: &str, fix: &str) -> Result<()> {
    if count > u128::from(MAX_POINTS) {
        return Err(Error::too_large(format!(
            "{}: {count} {what} exceed the limit of {MAX_POINTS}; {fix}",
            algo.name()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_itself_passes_and_one_more_is_refused() {
        assert!(check_size(Algo::Vnode, u128::from(MAX_POINTS), "points", "lower").is_ok());
        let error = check_size(
            Algo::Vnode,
            u128::from(MAX_POINTS) + 1,
            "points",
            "lower it",
        )
        .unwrap_err();
        assert!(error.is_too_large());
        assert_eq!(
            error.to_string(),
            "vnode: 20000001 points exceed the limit of 20000000; lower it"
        );
    }
}
