//! Reports computed from placements and keys. Nothing here prints: [`crate::output`] renders.

pub mod arcs;
mod count;
mod dist;
pub mod fail_each;
pub mod gate;
pub mod load;
pub mod movement;
mod parallel;
mod progress;
mod ring;
pub mod single_change;
mod stats;
pub mod sweep;
pub mod top;
mod transitions;
mod weighted_movement;

pub use arcs::{Circle, RingArcs};
pub use count::{Counts, WeightedCounts, count_keys, count_weighted_keys};
pub use dist::{DistReport, NodeLoad};
pub use parallel::{Batch, fold_keys, fold_keys_in_order, fold_records};
pub use ring::{RingReport, RingRow};
pub use stats::Stats;

/// A report with a share and an expected share per node (what the balance gate checks).
pub trait NodeShares {
    /// `(node, share, expected_share)` per node.
    fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)>;

    /// Whether the shares are of the load (`--key-weight`) rather than of keys or hash space.
    fn of_load(&self) -> bool {
        false
    }

    /// Why the shares say nothing, when they were counted on keys and there were none (or
    /// none weighed anything); `None` when there is something to judge.
    fn nothing_counted(&self) -> Option<&'static str> {
        None
    }
}

/// With `--key-weight`, balance is judged on the load: that is what the run was asked about.
impl NodeShares for DistReport {
    fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)> {
        self.nodes.iter().map(|n| {
            let share = n.load_share.unwrap_or(n.share);
            (n.node.as_str(), share, n.expected_share)
        })
    }

    fn of_load(&self) -> bool {
        self.load.is_some()
    }

    fn nothing_counted(&self) -> Option<&'static str> {
        if self.keys == 0 {
            Some("no keys were read")
        } else if self.load == Some(0) {
            Some("the keys' weights add up to 0")
        } else {
            None
        }
    }
}

impl NodeShares for RingReport {
    fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)> {
        self.nodes
            .iter()
            .map(|n| (n.node.as_str(), n.share, n.expected_share))
    }
}
