//! A `dist` report: its nodes' keys and the unassigned keys add up to its keys, their loads
//! to its load, and its shares and statistics are those of its counts.

use super::super::DistPart;
use super::super::dist::{counts_of, loads_of};
use super::{
    adds_up, derived, inconsistent, is_share, no_keys_no_load, nodes_once, top, top_n, total,
};
use crate::analysis::DistReport;
use crate::analysis::top::HotKey;
use crate::error::Result;

pub(super) fn check(name: &str, part: &DistPart) -> Result<()> {
    nodes_once(name, part.nodes.iter().map(|n| n.node.as_str()))?;
    if let Some(node) = part.nodes.iter().find(|n| !is_share(n.expected_share)) {
        return Err(inconsistent(
            name,
            &format!(
                "node {} has an expected share of {}, not a share between 0 and 1",
                node.node, node.expected_share
            ),
        ));
    }
    let keys = total(part.nodes.iter().map(|n| n.keys)) + u128::from(part.unassigned);
    adds_up(
        name,
        "the nodes' keys and the unassigned keys",
        "its keys",
        keys,
        part.keys,
    )?;
    let counts = counts_of(part);
    let nodes = part.nodes.iter().map(|n| (n.node.clone(), n.weight));
    let expected: Vec<f64> = part.nodes.iter().map(|n| n.expected_share).collect();
    let report = DistReport::new(part.ring.clone(), nodes, &counts, &expected);
    let Some(load) = part.load else {
        return derived::compare(name, part, &report);
    };
    let Some(loads) = loads_of(part) else {
        return Err(inconsistent(
            name,
            "it has a load, but not every node has one, or it has no unassigned_load",
        ));
    };
    let sum = total(loads.per_node.iter().copied()) + u128::from(loads.unassigned);
    adds_up(
        name,
        "the nodes' loads and the unassigned load",
        "its load",
        sum,
        load,
    )?;
    let weighed = part
        .nodes
        .iter()
        .map(|n| (format!("node {}", n.node), n.keys, n.load.unwrap_or(0)))
        .chain([
            ("the report".to_string(), part.keys, load),
            (
                "the unassigned keys".to_string(),
                part.unassigned,
                loads.unassigned,
            ),
        ]);
    no_keys_no_load(name, weighed)?;
    let lists = match part.top_n {
        Some(n) => Some((n, top_lists(name, part, n)?)),
        None => None,
    };
    derived::compare(name, part, &report.with_loads(&loads, lists))
}

/// Each node's `--top n` list, checked against its keys and load.
fn top_lists(name: &str, part: &DistPart, n: usize) -> Result<Vec<Vec<HotKey>>> {
    top_n(name, n)?;
    let lists = part
        .nodes
        .iter()
        .map(|node| {
            let whose = format!("node {}", node.node);
            let Some(list) = &node.top else {
                return Err(inconsistent(
                    name,
                    &format!("{whose} has no top list although the report has a top_n"),
                ));
            };
            let load = node.load.unwrap_or(0);
            top::list(name, &whose, list, n, node.keys, load)?;
            Ok(list.clone())
        })
        .collect::<Result<Vec<_>>>()?;
    let places = (part.nodes.iter().zip(&lists))
        .flat_map(|(node, list)| list.iter().map(|hot| (node.node.as_str(), &hot.key[..])));
    top::one_node_per_key(name, places, "")?;
    Ok(lists)
}
