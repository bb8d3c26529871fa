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
        same_nodes(name, part, first)?;
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
        let Some(part_loads) = loads_of(part) else {
            return Err(inconsistent(name, "it lacks some of its loads"));
        };
        let sum = Sum::loads(name);
        sum.add(&mut total, part_loads.total(), "")?;
        for ((load, &amount), node) in loads
            .per_node
            .iter_mut()
            .zip(&part_loads.per_node)
            .zip(&part.nodes)
        {
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

/// A part's key counts, as the analysis holds them.
pub(super) fn counts_of(part: &DistPart) -> Counts {
    Counts {
        per_node: part.nodes.iter().map(|n| n.keys).collect(),
        unassigned: part.unassigned,
    }
}

/// A `--key-weight` part's loads, when it has every one of them.
pub(super) fn loads_of(part: &DistPart) -> Option<Loads> {
    let per_node: Option<Vec<u64>> = part.nodes.iter().map(|n| n.load).collect();
    Some(Loads {
        per_node: per_node?,
        unassigned: part.unassigned_load?,
    })
}

/// What equal fingerprints promise, checked: the same nodes and expected shares.
fn same_nodes(name: &str, part: &DistPart, first: &DistPart) -> Result<()> {
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
