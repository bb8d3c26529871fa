//! `dist`: how real keys spread over the nodes, and with `--key-weight` how their load does.

use serde::{Deserialize, Serialize};

use super::load::{Loads, share};
use super::top::HotKey;
use super::{Counts, Stats};
use crate::fingerprint::RingId;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeLoad {
    pub node: String,
    pub weight: u32,
    pub keys: u64,
    pub share: f64,
    /// `--key-weight`: the sum of the node's keys' weights, and its share of all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_share: Option<f64>,
    pub expected_share: f64,
    /// `--top N`: the node's heaviest keys, heaviest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<Vec<HotKey>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DistReport {
    pub keys: u64,
    /// `--key-weight`: the sum of all weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<u64>,
    pub nodes: Vec<NodeLoad>,
    /// Keys that no node serves.
    pub unassigned: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unassigned_load: Option<u64>,
    /// Balance of the keys.
    pub stats: Stats,
    /// `--key-weight`: balance of the loads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_stats: Option<Stats>,
    /// `--top N`: the N, which `merge` needs to cut merged lists where a run would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_n: Option<usize>,
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
        let loads: Vec<f64> = counts.per_node.iter().map(|&k| k as f64).collect();
        DistReport {
            keys: total,
            load: None,
            nodes: nodes
                .into_iter()
                .zip(&counts.per_node)
                .zip(expected)
                .map(|(((node, weight), &keys), &expected_share)| NodeLoad {
                    node,
                    weight,
                    keys,
                    share: share(keys, total),
                    load: None,
                    load_share: None,
                    expected_share,
                    top: None,
                })
                .collect(),
            unassigned: counts.unassigned,
            unassigned_load: None,
            stats: Stats::of(&loads, expected),
            load_stats: None,
            top_n: None,
            ring,
        }
    }

    /// The report with `--key-weight`: each node's load and load share, the loads' statistics,
    /// and with `--top N` each node's heaviest keys. Built here for `dist` and `merge` alike.
    pub fn with_loads(mut self, loads: &Loads, top: Option<(usize, Vec<Vec<HotKey>>)>) -> Self {
        let total = loads.total();
        let expected: Vec<f64> = self.nodes.iter().map(|n| n.expected_share).collect();
        let amounts: Vec<f64> = loads.per_node.iter().map(|&l| l as f64).collect();
        for (node, &load) in self.nodes.iter_mut().zip(&loads.per_node) {
            node.load = Some(load);
            node.load_share = Some(share(load, total));
        }
        if let Some((n, lists)) = top {
            for (node, list) in self.nodes.iter_mut().zip(lists) {
                node.top = Some(list);
            }
            self.top_n = Some(n);
        }
        self.load = Some(total);
        self.unassigned_load = Some(loads.unassigned);
        self.load_stats = Some(Stats::of(&amounts, &expected));
        self
    }
}
