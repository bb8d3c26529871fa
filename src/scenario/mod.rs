//! A change to a pool as a before and an after placement over one list of nodes: the nodes
//! of both sides, each with its weight before and after and what happened to it.
//!
//! `simulate` derives the after side from changes (`--fail`, `--remove`, `--add`,
//! `--weight`), rebuilding the ring the way the system itself would; `diff` takes two
//! configurations as they are.

mod cluster;
mod explain;
mod fingerprint;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use cluster::{PlanMaster, PlanMove, RebalancePlan};

use crate::config::Ring;
use crate::error::{Error, Result};
use crate::keys::BATCH;
use crate::nodes::{self, Node};
use crate::ring::{self, Algo, FailureRule, OwnerMap, Placement, WithFailures};

/// What happened to a node between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Unchanged,
    Added,
    Removed,
    Failed,
    Reweighted,
}

impl Status {
    /// As JSON and CSV name it.
    pub fn json_name(self) -> &'static str {
        match self {
            Status::Unchanged => "unchanged",
            other => other.name(),
        }
    }

    /// As a table for people shows it: nothing for a node the change leaves alone.
    pub fn name(self) -> &'static str {
        match self {
            Status::Unchanged => "",
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Failed => "failed",
            Status::Reweighted => "reweighted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioNode {
    pub label: String,
    /// 0 when the node is not on that side.
    pub weight_before: u32,
    /// The weight the node counts for after the change: 0 when it was removed or failed.
    pub weight_after: u32,
    pub status: Status,
}

/// One side's placement, answering with indexes into the scenario's node list.
pub struct Side {
    placement: Arc<dyn Placement>,
    to_scenario: Vec<u32>,
}

impl Side {
    fn new(placement: Arc<dyn Placement>, to_scenario: Vec<u32>) -> Side {
        Side {
            placement,
            to_scenario,
        }
    }

    #[inline]
    pub fn locate(&self, key: &[u8]) -> Option<u32> {
        self.placement
            .locate(key)
            .map(|n| self.to_scenario[n as usize])
    }

    /// [`Side::locate`] for several keys at once.
    #[inline]
    pub fn locate_batch(&self, keys: &[&[u8]], owners: &mut [Option<u32>]) {
        self.placement.locate_batch(keys, owners);
        self.rename(owners);
    }

    /// How this side hashes keys, when another placement may share the hash
    /// ([`Placement::key_hashing`]).
    pub fn key_hashing(&self) -> Option<ring::KeyHashing> {
        self.placement.key_hashing()
    }

    /// [`Side::locate_batch`] of keys already hashed by [`Side::key_hashing`] (see
    /// [`Scenario::locate_batch`]).
    #[inline]
    pub fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<u32>]) {
        self.placement.locate_hashes(hashes, owners);
        self.rename(owners);
    }

    #[inline]
    fn rename(&self, owners: &mut [Option<u32>]) {
        for owner in owners {
            *owner = owner.map(|n| self.to_scenario[n as usize]);
        }
    }

    /// Each scenario node's share of the hash space on this side.
    pub fn shares(&self, nodes: usize) -> Vec<f64> {
        let mut shares = vec![0.0; nodes];
        for (node, share) in self.placement.ownership().shares.into_iter().enumerate() {
            shares[self.to_scenario[node] as usize] = share;
        }
        shares
    }

    /// Whether dropping a node from this side moves only that node's keys
    /// ([`Placement::drop_is_local`]).
    pub fn drop_is_local(&self) -> bool {
        self.placement.drop_is_local()
    }

    /// About how many nodes one lookup examines ([`Placement::lookup_cost`]).
    pub fn lookup_cost(&self) -> u64 {
        self.placement.lookup_cost()
    }

    /// The owner map with scenario node indexes, when the placement has one.
    pub fn owner_map(&self) -> Option<OwnerMap> {
        let map = &self.to_scenario;
        Some(
            self.placement
                .owner_map()?
                .rename(|n| Some(map[n as usize])),
        )
    }
}

pub struct Scenario {
    pub nodes: Vec<ScenarioNode>,
    pub before: Side,
    pub after: Side,
    /// What was changed, in words, for the report's caption.
    pub summary: String,
    /// Identifies both sides and the change ([`crate::fingerprint`]), so that `merge` sums
    /// only reports of the same change.
    pub fingerprint: String,
    /// Redis Cluster: the rebalance that carries the change out.
    pub rebalance: Option<RebalancePlan>,
}

/// The changes `simulate` applies: labels for `fail`, `remove` and `weight`, node specs
/// for `add`.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub fail: Vec<String>,
    pub remove: Vec<String>,
    pub add: Vec<String>,
    /// `LABEL=WEIGHT`
    pub weight: Vec<String>,
    /// Overrides the pool's `auto_eject_hosts` for `--fail`.
    pub auto_eject: Option<bool>,
    /// Redis Cluster: `--cluster-threshold` of the rebalance, percent (default 2).
    pub rebalance_threshold: Option<f32>,
}

impl Changes {
    /// The node labelled `label` fails.
    pub fn failing(label: String) -> Changes {
        Changes {
            fail: vec![label],
            ..Changes::default()
        }
    }

    /// The node `spec` (as `--add` takes it) joins.
    pub fn adding(spec: String) -> Changes {
        Changes {
            add: vec![spec],
            ..Changes::default()
        }
    }

    /// The node labelled `label` leaves the configuration.
    pub fn removing(label: String) -> Changes {
        Changes {
            remove: vec![label],
            ..Changes::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fail.is_empty()
            && self.remove.is_empty()
            && self.add.is_empty()
            && self.weight.is_empty()
    }
}

impl Scenario {
    /// Each key's node before and after the change. When both sides hash keys the same way
    /// (the usual case: one system, other nodes), each key is hashed once.
    #[inline]
    pub fn locate_batch(
        &self,
        keys: &[&[u8]],
        before: &mut [Option<u32>],
        after: &mut [Option<u32>],
    ) {
        let hashing = self.before.placement.key_hashing();
        match hashing.filter(|&h| self.after.placement.key_hashing() == Some(h)) {
            Some(hashing) => {
                let mut hashes = [0u64; BATCH];
                let hashes = &mut hashes[..keys.len()];
                hashing.hash_batch(keys, hashes);
                self.before.locate_hashes(hashes, before);
                self.after.locate_hashes(hashes, after);
            }
            None => {
                self.before.locate_batch(keys, before);
                self.after.locate_batch(keys, after);
            }
        }
    }

    /// A key's Redis Cluster slot, when the nodes are a Redis Cluster's masters (the slot
    /// is the same on both sides).
    pub fn slot(&self, key: &[u8]) -> Option<u16> {
        self.before.placement.slot(key)
    }

    /// Whether keys have slots here ([`Scenario::slot`]).
    pub fn has_slots(&self) -> bool {
        self.slot(b"").is_some()
    }

    /// Applies `changes` to `ring` the way its system would.
    pub fn simulate(ring: &Ring, changes: &Changes) -> Result<Scenario> {
        if changes.is_empty() {
            return Err(Error::usage(
                "nothing to simulate: give --fail LABEL, --remove LABEL, --add SPEC or --weight LABEL=W",
            ));
        }
        let mut nodes: Vec<ScenarioNode> = ring
            .nodes
            .iter()
            .map(|n| ScenarioNode {
                label: n.label.clone(),
                weight_before: n.weight,
                weight_after: n.weight,
                status: Status::Unchanged,
            })
            .collect();
        for label in &changes.remove {
            mark(ring, &mut nodes, label, "--remove", Status::Removed)?.weight_after = 0;
        }
        if changes.auto_eject.is_some()
            && !matches!(
                ring.config.algo,
                Algo::Ketama | Algo::Modula | Algo::Libmemcached(_)
            )
        {
            return Err(Error::usage(format!(
                "--auto-eject is twemproxy's auto_eject_hosts (ketama, modula); {} has its own failure rule",
                ring.config.algo.name()
            )));
        }
        let rule = ring.failure_rule(changes.auto_eject);
        for label in &changes.fail {
            // A failed node serves nothing after the change, whatever the rule: its target is
            // 0, so the ideal says what should move, beside what the system moves or loses.
            mark(ring, &mut nodes, label, "--fail", Status::Failed)?.weight_after = 0;
        }
        for spec in &changes.weight {
            let (label, weight) = spec.rsplit_once('=').ok_or_else(|| {
                Error::usage(format!(
                    "--weight {spec}: write LABEL=WEIGHT, e.g. --weight cache-a=2"
                ))
            })?;
            let at = crate::error::Location::new(format!("--weight {spec}"), None);
            let weight = nodes::parse_weight(weight, &at)?;
            let node = mark(ring, &mut nodes, label, "--weight", Status::Reweighted)?;
            node.weight_after = weight;
            if weight == node.weight_before {
                // Its own weight again: no change, as `diff` would see it.
                node.status = Status::Unchanged;
            }
        }

        // The after configuration: survivors in their order with their new weights, then the
        // added nodes.
        let mut after_nodes: Vec<Node> = Vec::new();
        let mut after_ids: Vec<u32> = Vec::new();
        let mut failed_in_place: Vec<bool> = Vec::new();
        for (index, node) in ring.nodes.iter().enumerate() {
            let status = nodes[index].status;
            let ejected = status == Status::Failed && rule == FailureRule::Rebuild;
            if status == Status::Removed || ejected {
                continue;
            }
            // A node failed in place keeps its configured weight: the system still counts it.
            let weight = if status == Status::Failed {
                node.weight
            } else {
                nodes[index].weight_after
            };
            after_nodes.push(Node {
                weight,
                ..node.clone()
            });
            after_ids.push(index as u32);
            failed_in_place.push(status == Status::Failed);
        }
        for (position, spec) in changes.add.iter().enumerate() {
            if std::path::Path::new(spec).is_file() {
                return Err(Error::usage(format!(
                    "--add {spec}: is a file, and --add takes one node (ADDR[:WEIGHT] [NAME]); give --add once per node"
                )));
            }
            let mut node = nodes::parse_inline(spec, position + 1)?;
            node.origin = crate::error::Location::new(format!("--add {spec}"), None);
            if nodes.iter().any(|n| n.label == node.label) {
                return Err(Error::usage(format!(
                    "--add {spec}: a node labelled {} is already in the pool; to change its weight use --weight {}=W",
                    node.label, node.label
                )));
            }
            nodes.push(ScenarioNode {
                label: node.label.clone(),
                weight_before: 0,
                weight_after: node.weight,
                status: Status::Added,
            });
            after_ids.push(nodes.len() as u32 - 1);
            after_nodes.push(node);
            failed_in_place.push(false);
        }
        if after_nodes.is_empty() {
            return Err(Error::usage(
                "the change leaves no nodes; keep at least one",
            ));
        }
        let moves_slots =
            !(changes.add.is_empty() && changes.remove.is_empty() && changes.weight.is_empty());
        let rebalance = if ring.config.algo == Algo::Slots && moves_slots {
            Some(cluster::rebalance_change(
                ring,
                &nodes,
                &mut after_nodes,
                &after_ids,
                changes,
            )?)
        } else {
            None
        };
        // The rule matters only when something failed; leaving it out otherwise keeps, say,
        // `--remove` the same change whatever the pool's auto_eject_hosts.
        let fingerprint = fingerprint::of_simulation(
            ring,
            &nodes,
            (!changes.fail.is_empty()).then_some(rule),
            &after_nodes,
            &failed_in_place,
        );
        // Nodes failed in place leave the list as it was: the ring as built serves again.
        let rebuilt = |nodes: &[Node]| -> Result<Arc<dyn Placement>> {
            if nodes == ring.nodes.as_slice() {
                Ok(Arc::clone(&ring.placement))
            } else {
                Ok(ring.rebuild(nodes)?.into())
            }
        };
        let placement: Arc<dyn Placement> = match rule {
            _ if !failed_in_place.contains(&true) => rebuilt(&after_nodes)?,
            FailureRule::Reroute => {
                ring::build_with_failures(&after_nodes, &ring.config, &failed_in_place)?.into()
            }
            _ => Arc::new(WithFailures {
                inner: rebuilt(&after_nodes)?,
                failed: failed_in_place,
            }),
        };
        // The ring as built: the same nodes and configuration would build it again.
        let before = Side::new(
            Arc::clone(&ring.placement),
            (0..ring.nodes.len() as u32).collect(),
        );
        let mut summary = describe_changes(changes);
        if !changes.fail.is_empty() {
            summary += &format!(" ({})", rule.explain());
        }
        Ok(Scenario {
            nodes,
            before,
            after: Side::new(placement, after_ids),
            summary,
            fingerprint,
            rebalance,
        })
    }

    /// Two configurations as they are: nodes matched by label.
    pub fn diff(from: Ring, to: Ring) -> Scenario {
        let mut nodes: Vec<ScenarioNode> = from
            .nodes
            .iter()
            .map(|n| ScenarioNode {
                label: n.label.clone(),
                weight_before: n.weight,
                weight_after: 0,
                status: Status::Removed,
            })
            .collect();
        let mut to_ids = Vec::with_capacity(to.nodes.len());
        for node in &to.nodes {
            match nodes.iter().position(|n| n.label == node.label) {
                Some(index) => {
                    let entry = &mut nodes[index];
                    entry.weight_after = node.weight;
                    entry.status = if entry.weight_before == node.weight {
                        Status::Unchanged
                    } else {
                        Status::Reweighted
                    };
                    to_ids.push(index as u32);
                }
                None => {
                    nodes.push(ScenarioNode {
                        label: node.label.clone(),
                        weight_before: 0,
                        weight_after: node.weight,
                        status: Status::Added,
                    });
                    to_ids.push(nodes.len() as u32 - 1);
                }
            }
        }
        let summary = format!("{} → {}", from.describe(), to.describe());
        let fingerprint = fingerprint::of_diff(&from, &to);
        let from_ids = (0..from.nodes.len() as u32).collect();
        Scenario {
            nodes,
            before: Side::new(from.placement, from_ids),
            after: Side::new(to.placement, to_ids),
            summary,
            fingerprint,
            rebalance: None,
        }
    }
}

/// Records one change of a node, refusing a second change of the same node.
fn mark<'a>(
    ring: &Ring,
    nodes: &'a mut [ScenarioNode],
    label: &str,
    option: &str,
    status: Status,
) -> Result<&'a mut ScenarioNode> {
    let node = &mut nodes[find(ring, label, option)?];
    if node.status != Status::Unchanged {
        return Err(Error::usage(format!(
            "{option} {label}: node {label} is already {}; give each node one change",
            node.status.name()
        )));
    }
    node.status = status;
    Ok(node)
}

fn find(ring: &Ring, label: &str, option: &str) -> Result<usize> {
    ring.nodes
        .iter()
        .position(|n| n.label == label)
        .ok_or_else(|| {
            let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
            Error::usage(format!(
                "{option} {label}: {}",
                crate::names::unknown("node", label, &labels)
            ))
        })
}

fn describe_changes(changes: &Changes) -> String {
    let mut parts = Vec::new();
    for (verb, items) in [
        ("fail", &changes.fail),
        ("remove", &changes.remove),
        ("add", &changes.add),
        ("weight", &changes.weight),
    ] {
        if !items.is_empty() {
            parts.push(format!("{verb} {}", items.join(", ")));
        }
    }
    parts.join("; ")
}
