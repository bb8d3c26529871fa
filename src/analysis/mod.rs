//! Reports computed from placements and keys. Nothing here prints: [`crate::output`] renders.

mod count;
mod dist;
pub mod gate;
mod ring;
mod stats;

pub use count::{Counts, count_keys};
pub use dist::{DistReport, NodeLoad};
pub use ring::{RingReport, RingRow};
pub use stats::Stats;

use crate::nodes::Node;

/// Each node's share of the total weight: what a perfect placement would give it.
pub fn expected_shares(nodes: &[Node]) -> Vec<f64> {
    let total: f64 = nodes.iter().map(|n| f64::from(n.weight)).sum();
    nodes.iter().map(|n| f64::from(n.weight) / total).collect()
}
