//! Summing `dist` reports: keys per node and unassigned keys; the expected shares come from
//! the ring and are the same in every part.

use super::{DistPart, add, inconsistent};
use crate::analysis::{Counts, DistReport};
use crate::error::Result;

pub fn merge(parts: &[(&str, &DistPart)]) -> Result<DistReport> {
    let (_, first) = parts[0];
    let mut counts = Counts {
        per_node: vec![0; first.nodes.len()],
        unassigned: 0,
    };
    for &(name, part) in parts {
        check(name, part, first)?;
        for (total, node) in counts.per_node.iter_mut().zip(&part.nodes) {
            add(total, node.keys, name)?;
        }
        add(&mut counts.unassigned, part.unassigned, name)?;
    }
    let nodes = first.nodes.iter().map(|n| (n.node.clone(), n.weight));
    let expected: Vec<f64> = first.nodes.iter().map(|n| n.expected_share).collect();
    Ok(DistReport::new(
        first.ring.clone(),
        nodes,
        &counts,
        &expected,
    ))
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
