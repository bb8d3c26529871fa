//! `ring`: each node's share of the hash space, from the placement's own structure.

use serde::Serialize;

use super::Stats;
use crate::nodes::{Node, Replica};
use crate::ring::{Ownership, ShareBasis};

#[derive(Clone, Debug, Serialize)]
pub struct RingRow {
    pub node: String,
    pub weight: u32,
    pub points: Option<u64>,
    pub share: f64,
    pub expected_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RingReport {
    pub nodes: Vec<RingRow>,
    /// Share of the hash space no node owns (unassigned Redis Cluster slots).
    pub unowned_share: f64,
    /// `exact` (counted over every hash value) or `analytic` (the algorithm's promise).
    pub basis: ShareBasis,
    pub stats: Stats,
    /// Redis Cluster replicas, which own nothing, each with its master.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<Replica>,
}

impl RingReport {
    /// `expected` is each node's promised share (`Placement::promised_shares`).
    pub fn new(nodes: &[Node], ownership: &Ownership, expected: &[f64]) -> RingReport {
        let owned: f64 = ownership.shares.iter().sum();
        RingReport {
            nodes: nodes
                .iter()
                .enumerate()
                .map(|(i, node)| RingRow {
                    node: node.label.clone(),
                    weight: node.weight,
                    points: ownership.points[i],
                    share: ownership.shares[i],
                    expected_share: expected[i],
                })
                .collect(),
            // Below float noise the whole space is owned.
            unowned_share: if owned > 1.0 - 1e-12 {
                0.0
            } else {
                1.0 - owned
            },
            basis: ownership.basis,
            stats: Stats::of(&ownership.shares, expected),
            replicas: Vec::new(),
        }
    }
}
