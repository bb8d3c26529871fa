//! Summing `simulate` / `diff` reports: keys per node before and after, moved, excess and
//! unavailable keys and the from→to flows (and the same for the load, with `--key-weight`);
//! the nodes, their changes and the hash-space movement come from the rings and are the same
//! in every part.

use super::figures::{Amounts, figures, scenario_nodes};
use super::{MovementPart, Sum, inconsistent, merged_top_n};
use crate::analysis::movement::{
    self, KeyFigures, LoadFigures, MovementReport, TopLists, UNASSIGNED, UNAVAILABLE,
};
use crate::analysis::top::{HotKey, MovedHotKey, merge_lists};
use crate::error::Result;
use crate::scenario::ScenarioNode;

pub fn merge(parts: &[(&str, &MovementPart)]) -> Result<MovementReport> {
    let (first_name, first) = parts[0];
    let nodes = scenario_nodes(first_name, first)?;
    let empty = || KeyFigures {
        before: vec![0; nodes.len()],
        after: vec![0; nodes.len()],
        ..KeyFigures::default()
    };
    let weighted = first.load.is_some();
    let (mut total, mut loads) = (empty(), empty());
    for &(name, part) in parts {
        if scenario_nodes(name, part)? != nodes || part.hash_space != first.hash_space {
            return Err(inconsistent(
                name,
                "its nodes, their changes or its hash-space figures differ from the first report's although the ring fingerprints match",
            ));
        }
        if part.rebalance != first.rebalance {
            return Err(inconsistent(
                name,
                "its rebalance differs from the first report's although the ring fingerprints match",
            ));
        }
        let keys = figures(name, part, &nodes, &Amounts::KEYS)?;
        sum_into(&mut total, keys, &nodes, Sum::keys(name))?;
        if weighted {
            let part_loads = figures(name, part, &nodes, &Amounts::LOADS)?;
            sum_into(&mut loads, part_loads, &nodes, Sum::loads(name))?;
        }
    }
    let loads = weighted.then(|| LoadFigures {
        figures: loads,
        top: top_lists(parts),
    });
    let report = movement::build(
        &nodes,
        &total,
        loads.as_ref(),
        first.hash_space.clone(),
        first.ring.clone(),
    );
    Ok(MovementReport {
        rebalance: first.rebalance.clone(),
        ..report
    })
}

/// Adds a part's figures to `total`, each sum checked.
fn sum_into(
    total: &mut KeyFigures,
    figures: KeyFigures,
    nodes: &[ScenarioNode],
    sum: Sum,
) -> Result<()> {
    // The total first: every other figure is part of it, and its message is the one to give.
    sum.add(&mut total.total, figures.total, "")?;
    let sides = [
        (&mut total.before, &figures.before, "before"),
        (&mut total.after, &figures.after, "after"),
    ];
    for (sums, amounts, side) in sides {
        for ((sum_of_node, &amount), node) in sums.iter_mut().zip(amounts).zip(nodes) {
            let field = format!(" of node {} {side} the change", node.label);
            sum.add(sum_of_node, amount, &field)?;
        }
    }
    sum.add(&mut total.moved, figures.moved, " moved")?;
    sum.add(&mut total.excess, figures.excess, " moved in excess")?;
    sum.add(&mut total.unavailable, figures.unavailable, " unavailable")?;
    for ((from, to), amount) in figures.flows {
        let label = |node: Option<u32>, none: &str| {
            node.map_or(none, |n| nodes[n as usize].label.as_str())
                .to_string()
        };
        let field = format!(
            " moved from {} to {}",
            label(from, UNASSIGNED),
            label(to, UNAVAILABLE)
        );
        sum.add(total.flows.entry((from, to)).or_default(), amount, &field)?;
    }
    Ok(())
}

/// The `--top` lists of the parts, merged and cut to the smallest N.
fn top_lists(parts: &[(&str, &MovementPart)]) -> Option<TopLists> {
    let n = merged_top_n(parts.iter().map(|(_, part)| part.top_n))?;
    let node = |i: usize| {
        let lists = parts
            .iter()
            .map(|(_, p)| p.before[i].top.as_deref().unwrap_or_default());
        merge_lists(lists, n, |hot: &HotKey| hot)
    };
    let moved = parts
        .iter()
        .map(|(_, p)| p.top_moved.as_deref().unwrap_or_default());
    Some(TopLists {
        n,
        before: (0..parts[0].1.before.len()).map(node).collect(),
        moved: merge_lists(moved, n, |moved: &MovedHotKey| &moved.key),
    })
}
