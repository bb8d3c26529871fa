//! The movement over the hash space, which comes from the rings and not from the keys: a
//! share for each node on each side, shares from 0 to 1, flows between the report's nodes,
//! and no more excess than movement. A report of no keys takes its shares from here.

use std::collections::HashSet;

use super::{inconsistent, is_share};
use crate::analysis::movement::{HashSpaceMovement, UNASSIGNED};
use crate::error::Result;
use crate::scenario::ScenarioNode;

/// How far a sum of shares may pass 1: far more than the rounding of any number of nodes a
/// report can list.
const ROUNDING: f64 = 1e-9;

pub(super) fn check(name: &str, space: &HashSpaceMovement, nodes: &[ScenarioNode]) -> Result<()> {
    let refuse = |message: String| Err(inconsistent(name, &message));
    for (side, shares) in [("before", &space.before), ("after", &space.after)] {
        if shares.len() != nodes.len() {
            return refuse(format!(
                "its hash_space.{side} has {} shares for its {} nodes",
                shares.len(),
                nodes.len()
            ));
        }
    }
    // The ideal is a sum of shares, which may pass 1 by a rounding; the others are one
    // division each, of a part by the whole.
    let ideal = space.ideal_moved_share;
    if !(0.0..=1.0 + ROUNDING).contains(&ideal) {
        return refuse(format!(
            "its hash_space.ideal_moved_share holds {ideal}, not a share between 0 and 1"
        ));
    }
    let figures = [
        ("moved_share", space.moved_share),
        ("excess_moved_share", space.excess_moved_share),
        ("unavailable_share", space.unavailable_share),
    ];
    let sides = (space.before.iter().map(|&s| ("before", s)))
        .chain(space.after.iter().map(|&s| ("after", s)))
        .chain(space.flows.iter().map(|f| ("flows", f.share)));
    if let Some((field, share)) = figures
        .into_iter()
        .chain(sides)
        .find(|(_, s)| !is_share(*s))
    {
        return refuse(format!(
            "its hash_space.{field} holds {share}, not a share between 0 and 1"
        ));
    }
    if space.excess_moved_share > space.moved_share {
        return refuse(format!(
            "its hash_space.excess_moved_share {} is more than its moved_share {}",
            space.excess_moved_share, space.moved_share
        ));
    }
    let labels: HashSet<&str> = nodes.iter().map(|n| n.label.as_str()).collect();
    let node = |label: &str| labels.contains(label);
    if let Some(flow) = (space.flows.iter())
        .find(|f| !(node(&f.from) || f.from == UNASSIGNED) || !node(&f.to) || f.from == f.to)
    {
        return refuse(format!(
            "its hash_space has a flow from {} to {}, not from one of its nodes (or {UNASSIGNED}) \
             to another",
            flow.from, flow.to
        ));
    }
    Ok(())
}
