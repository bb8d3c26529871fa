//! `dist`: how real keys spread over the nodes.

use serde::Serialize;

use super::{Counts, Stats};
use crate::nodes::Node;

#[derive(Clone, Debug, Serialize)]
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
}

impl DistReport {
    /// `expected` is each node's promised share (`Placement::promised_shares`).
    pub fn new(nodes: &[Node], counts: &Counts, expected: &[f64]) -> DistReport {
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
                .iter()
                .zip(&counts.per_node)
                .zip(expected)
                .map(|((node, &keys), &expected_share)| NodeLoad {
                    node: node.label.clone(),
                    weight: node.weight,
                    keys,
                    share: share(keys),
                    expected_share,
                })
                .collect(),
            unassigned: counts.unassigned,
            stats: Stats::of(&loads, expected),
        }
    }
}
