//! Redis Cluster changes as `redis-cli --cluster` carries them out: a master added with
//! `add-node` gets slots from `rebalance --cluster-use-empty-masters`, `--weight` is
//! `rebalance --cluster-weight`, and a master removed is emptied by `rebalance` with weight 0
//! before `del-node`. The ring after the change is the slots after that rebalance.

use serde::{Deserialize, Serialize};

use super::{Changes, ScenarioNode, Status};
use crate::config::Ring;
use crate::error::{Error, Result};
use crate::nodes::Node;
use crate::ring::rebalance::{self, DEFAULT_THRESHOLD, Master};
use crate::ring::slots;

/// What `redis-cli --cluster rebalance` does for the change, in the report's words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RebalancePlan {
    /// `false`: every master is within the threshold, and nothing moves.
    pub needed: bool,
    /// Percent (`--cluster-threshold`).
    pub threshold: f32,
    /// `--cluster-use-empty-masters`: given when a master is added.
    pub use_empty_masters: bool,
    /// The master redis-cli is pointed at, which it lists first.
    pub entry: String,
    /// Every master in redis-cli's order.
    pub masters: Vec<PlanMaster>,
    /// `Moving N slots from FROM to TO`, in order.
    pub moves: Vec<PlanMove>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanMaster {
    pub node: String,
    /// The master's node id, when the node list gives it.
    pub id: Option<String>,
    pub weight: f32,
    pub slots_before: usize,
    /// What its weight asks for; `None` when rebalance leaves it out (a master without
    /// slots, unless masters are added).
    pub expected_slots: Option<i64>,
    pub slots_after: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanMove {
    pub from: String,
    pub to: String,
    pub slots: usize,
    /// The slots moved, as ranges `first-last` (or one slot) separated by commas.
    pub ranges: String,
}

/// Gives `after_nodes` (one per entry of `after_ids`, which index `nodes`) the slots they own
/// after the rebalance that carries out `changes`, and says what it moved.
pub(super) fn rebalance_change(
    ring: &Ring,
    nodes: &[ScenarioNode],
    after_nodes: &mut [Node],
    after_ids: &[u32],
    changes: &Changes,
) -> Result<RebalancePlan> {
    if !changes.fail.is_empty() {
        return Err(Error::usage(
            "--fail with --add, --remove or --weight: redis-cli refuses to rebalance a cluster with a failed master; simulate the failure on its own",
        ));
    }
    let before = slots::owned_slots(&ring.nodes)?;
    // redis-cli lists the node it is pointed at first, then the others as that node's
    // CLUSTER NODES lists them; masters added since come last (their place among the others
    // follows their random ids: it changes only which receiver a tie pairs first).
    let entry = ring.settings.cluster.entry.unwrap_or(0);
    let order: Vec<usize> = std::iter::once(entry)
        .chain((0..ring.nodes.len()).filter(|&i| i != entry))
        .chain(ring.nodes.len()..nodes.len())
        .collect();
    let masters: Vec<Master> = order
        .iter()
        .map(|&i| Master {
            slots: before.get(i).cloned().unwrap_or_default(),
            weight: nodes[i].weight_after as f32,
        })
        .collect();
    let threshold = changes.rebalance_threshold.unwrap_or(DEFAULT_THRESHOLD);
    let use_empty = !changes.add.is_empty();
    let plan = rebalance::rebalance(&masters, use_empty, threshold);
    let mut after: Vec<Vec<u16>> = masters.iter().map(|m| m.slots.clone()).collect();
    for step in &plan.moves {
        after[step.from].retain(|slot| !step.slots.contains(slot));
        after[step.to].extend(&step.slots);
    }
    for slots in &mut after {
        slots.sort_unstable();
    }
    let position_of = |scenario_node: usize| order.iter().position(|&i| i == scenario_node);
    for (node, &id) in after_nodes.iter_mut().zip(after_ids) {
        let at = position_of(id as usize).expect("every node is in the order");
        node.slots = Some(slots::ranges(&after[at]));
    }
    for (at, &i) in order.iter().enumerate() {
        if nodes[i].status == Status::Removed && !after[at].is_empty() {
            return Err(Error::usage(format!(
                "--remove {}: rebalance would leave {} slots on it (within the {threshold}% threshold); move them with redis-cli --cluster reshard first",
                nodes[i].label,
                after[at].len()
            )));
        }
    }
    let label = |at: usize| nodes[order[at]].label.clone();
    Ok(RebalancePlan {
        needed: plan.needed,
        threshold,
        use_empty_masters: use_empty,
        entry: label(0),
        masters: (0..order.len())
            .map(|at| PlanMaster {
                node: label(at),
                id: ring.nodes.get(order[at]).and_then(|n| n.cluster_id.clone()),
                weight: masters[at].weight,
                slots_before: masters[at].slots.len(),
                expected_slots: plan.expected[at],
                slots_after: after[at].len(),
            })
            .collect(),
        moves: plan
            .moves
            .iter()
            .map(|step| PlanMove {
                from: label(step.from),
                to: label(step.to),
                slots: step.slots.len(),
                ranges: range_text(&step.slots),
            })
            .collect(),
    })
}

fn range_text(slots: &[u16]) -> String {
    slots::ranges(slots)
        .iter()
        .map(|&(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
