//! `dist`: how real keys spread over the nodes.

use serde::{Deserialize, Serialize};

use super::{Counts, Stats};
use crate::fingerprint::RingId;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeLoad {
    pub node: String,
    pub weight: u32,
    pub keys: u64,
    pub share: f64,
    pub expected_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DistReport {
    pub keys: u64,
    pub nodes: Vec<NodeLoad>,
    /// Keys that no node serves.
    pub unassigned: u64,
    pub stats: Stats,
    /// The ring the keys were placed on.
    pub ring: RingId,
}

impl DistReport {
    /// The report from key counts: `nodes` gives each node's label and weight, `expected` its
    /// promised share (`Placement::promised_shares`). `dist` and `merge` both build it here,
    /// so a merged report is computed exactly as one over all the keys.
    pub fn new(
        ring: RingId,
        nodes: impl IntoIterator<Item = (String, u32)>,
        counts: &Counts,
        expected: &[f64],
    ) -> DistReport {
        let total = counts.total();
        let share = |keys: u64| {
            if total == 0 {
                0.0
            } else {
                keys as f64 / total as f64
            }
        };
        let loads: Vec<f64> = counts.per_node.iter().map(|&k| k as f64).collect();
        DistReport {
            keys: total,
            nodes: nodes
                .into_iter()
                .zip(&counts.per_node)
                .zip(expected)
                .map(|(((node, weight), &keys), &expected_share)| NodeLoad {
                    node,
                    weight,
                    keys,
                    share: share(keys),
                    expected_share,
                })
                .collect(),
            unassigned: counts.unassigned,
            stats: Stats::of(&loads, expected),
            ring,
        }
    }
}
