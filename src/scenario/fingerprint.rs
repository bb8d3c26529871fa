//! The fingerprints of changes: a `simulate` or `diff` report is merged only with reports of
//! the same change to the same ring (see [`crate::fingerprint`]).

use super::{ScenarioNode, Status};
use crate::config::Ring;
use crate::fingerprint::Material;
use crate::nodes::Node;
use crate::ring::FailureRule;

/// The fingerprint of a `simulate` change: the ring before, what happened to each node, the
/// failure rule when a node failed, and the nodes the ring after is built from.
pub fn of_simulation(
    ring: &Ring,
    nodes: &[ScenarioNode],
    rule: Option<FailureRule>,
    after_nodes: &[Node],
    failed_in_place: &[bool],
) -> String {
    let mut material = Material::new("simulate");
    material.ring(ring);
    scenario_nodes(&mut material, nodes);
    material.option(rule, |m, rule| {
        m.text(match rule {
            FailureRule::Rebuild => "rebuild",
            FailureRule::Unavailable => "unavailable",
            FailureRule::Reroute => "reroute",
        })
    });
    material.nodes(after_nodes);
    material.number(failed_in_place.len() as u64);
    for &failed in failed_in_place {
        material.flag(failed);
    }
    material.finish()
}

/// The fingerprint of a `diff`: both rings, in order.
pub fn of_diff(from: &Ring, to: &Ring) -> String {
    let mut material = Material::new("diff");
    material.ring(from);
    material.ring(to);
    material.finish()
}

fn scenario_nodes(material: &mut Material, nodes: &[ScenarioNode]) {
    material.number(nodes.len() as u64);
    for node in nodes {
        let ScenarioNode {
            label,
            weight_before,
            weight_after,
            status,
        } = node;
        material.text(label);
        material.number(u64::from(*weight_before));
        material.number(u64::from(*weight_after));
        material.text(match status {
            Status::Unchanged => "unchanged",
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Failed => "failed",
            Status::Reweighted => "reweighted",
        });
    }
}
