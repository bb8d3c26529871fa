//! Summing `dist` reports: keys (and loads) per node and unassigned keys (and their load);
//! the expected shares come from the ring and are the same in every part.

use super::{DistPart, Sum, inconsistent, merged_top_n};
use crate::analysis::load::Loads;
use crate::analysis::top::{HotKey, merge_lists};
use crate::analysis::{Counts, DistReport};
use crate::error::Result;

pub fn merge(parts: &[(&str, &DistPart)]) -> Result<DistReport> {
    let (_, first) = parts[0];
    let mut keys = 0;
    let mut counts = Counts {
        per_node: vec![0; first.nodes.len()],
        unassigned: 0,
    };
    for &(name, part) in parts {
        check(name, part, first)?;
        let sum = Sum::keys(name);
        // The total first: every other count is part of it, and its message is the one to give.
        sum.add(&mut keys, part.keys, "")?;
        for (total, node) in counts.per_node.iter_mut().zip(&part.nodes) {
            sum.add(total, node.keys, &format!(" of node {}", node.node))?;
        }
        sum.add(&mut counts.unassigned, part.unassigned, " no node serves")?;
    }
    let nodes = first.nodes.iter().map(|n| (n.node.clone(), n.weight));
    let expected: Vec<f64> = first.nodes.iter().map(|n| n.expected_share).collect();
    let report = DistReport::new(first.ring.clone(), nodes, &counts, &expected);
    if first.load.is_none() {
        return Ok(report);
    }
    let mut loads = Loads {
        per_node: vec![0; first.nodes.len()],
        unassigned: 0,
    };
    let mut total = 0;
    for &(name, part) in parts {
        let part_loads = loads_of(name, part)?;
        let sum = Sum::loads(name);
        sum.add(&mut total, part_loads.total(), "")?;
        let node_loads = loads.per_node.iter_mut().zip(&part_loads.per_node);
        for ((load, &amount), node) in node_loads.zip(&part.nodes) {
            sum.add(load, amount, &format!(" of node {}", node.node))?;
        }
        sum.add(
            &mut loads.unassigned,
            part_loads.unassigned,
            " no node serves",
        )?;
    }
    let top = merged_top_n(parts.iter().map(|(_, part)| part.top_n)).map(|n| {
        let node = |i: usize| {
            let lists = parts
                .iter()
                .map(|(_, p)| p.nodes[i].top.as_deref().unwrap_or_default());
            merge_lists(lists, n, |hot: &HotKey| hot)
        };
        (n, (0..first.nodes.len()).map(node).collect())
    });
    Ok(report.with_loads(&loads, top))
}

/// The loads of a `--key-weight` part, checked to add up to its load as a run's do.
fn loads_of(name: &str, part: &DistPart) -> Result<Loads> {
    let per_node: Option<Vec<u64>> = part.nodes.iter().map(|n| n.load).collect();
    let loads = per_node
        .zip(part.unassigned_load)
        .map(|(per_node, unassigned)| Loads {
            per_node,
            unassigned,
        });
    let sum = loads.as_ref().and_then(|l| {
        (l.per_node.iter()).try_fold(l.unassigned, |sum, &load| sum.checked_add(load))
    });
    match loads {
        Some(loads) if sum.is_some() && sum == part.load => Ok(loads),
        _ => Err(inconsistent(
            name,
            "its nodes' loads and the unassigned load do not add up to its load",
        )),
    }
}

/// What equal fingerprints promise, checked: the same nodes and expected shares, and keys
/// that add up within the part.
fn check(name: &str, part: &DistPart, first: &DistPart) -> Result<()> {
    let sum = (part.nodes.iter()).try_fold(part.unassigned, |sum, n| sum.checked_add(n.keys));
    if sum != Some(part.keys) {
        return Err(inconsistent(
            name,
            &format!(
                "its nodes' keys and the unassigned keys do not add up to its {} keys",
                part.keys
            ),
        ));
    }
    let same = part.nodes.len() == first.nodes.len()
        && part.nodes.iter().zip(&first.nodes).all(|(n, f)| {
            n.node == f.node
                && n.weight == f.weight
                && n.expected_share.to_bits() == f.expected_share.to_bits()
        });
    if !same {
        return Err(inconsistent(
            name,
            "its nodes or expected shares differ from the first report's although the ring fingerprints match",
        ));
    }
    Ok(())
}
