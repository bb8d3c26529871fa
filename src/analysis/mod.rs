//! Reports computed from placements and keys. Nothing here prints: [`crate::output`] renders.

pub mod arcs;
mod count;
mod dist;
pub mod fail_each;
pub mod gate;
pub mod movement;
mod parallel;
mod progress;
mod ring;
mod stats;
pub mod sweep;
mod transitions;

pub use arcs::{Circle, RingArcs};
pub use count::{Counts, count_keys};
pub use dist::{DistReport, NodeLoad};
pub use parallel::{fold_keys, fold_keys_in_order};
pub use ring::{RingReport, RingRow};
pub use stats::Stats;

/// A report with a share and an expected share per node (what the balance gate checks).
pub trait NodeShares {
    /// `(node, share, expected_share)` per node.
    fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)>;
}

impl NodeShares for DistReport {
    fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)> {
        self.nodes
            .iter()
            .map(|n| (n.node.as_str(), n.share, n.expected_share))
    }
}

impl NodeShares for RingReport {
    fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)> {
        self.nodes
            .iter()
            .map(|n| (n.node.as_str(), n.share, n.expected_share))
    }
}
