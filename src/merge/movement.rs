//! Summing `simulate` / `diff` reports: keys per node before and after, moved, excess and
//! unavailable keys and the from→to flows (and the same for the load, with `--key-weight`);
//! the nodes, their changes and the hash-space movement come from the rings and are the same
//! in every part.

use std::collections::{BTreeMap, HashMap};

use super::{MovementPart, Sum, inconsistent, merged_top_n};
use crate::analysis::movement::{
    self, Flow, KeyFigures, LoadFigures, MovementReport, OwnerPair, SideLoad, TopLists, UNASSIGNED,
    UNAVAILABLE,
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
        let keys = figures(name, part, &nodes, Amounts::KEYS)?;
        sum_into(&mut total, keys, &nodes, Sum::keys(name))?;
        if weighted {
            let part_loads = figures(name, part, &nodes, Amounts::LOADS)?;
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

/// Which of a report's figures to read: its keys, or (`--key-weight`) their loads.
struct Amounts {
    what: &'static str,
    total: fn(&MovementPart) -> Option<u64>,
    moved: fn(&MovementPart) -> Option<u64>,
    excess: fn(&MovementPart) -> Option<u64>,
    unavailable: fn(&MovementPart) -> Option<u64>,
    node: fn(&SideLoad) -> Option<u64>,
    flow: fn(&Flow) -> Option<u64>,
}

impl Amounts {
    const KEYS: Amounts = Amounts {
        what: "keys",
        total: |p| Some(p.keys),
        moved: |p| Some(p.moved),
        excess: |p| Some(p.excess_moved),
        unavailable: |p| Some(p.unavailable),
        node: |n| Some(n.keys),
        flow: |f| Some(f.keys),
    };
    const LOADS: Amounts = Amounts {
        what: "loads",
        total: |p| p.load,
        moved: |p| p.moved_load,
        excess: |p| p.excess_moved_load,
        unavailable: |p| p.unavailable_load,
        node: |n| n.load,
        flow: |f| f.load,
    };
}

/// The nodes with their weights before and after and what happened to them, as the report
/// lists them (the same nodes, in the same order, on both sides).
fn scenario_nodes(name: &str, part: &MovementPart) -> Result<Vec<ScenarioNode>> {
    let paired = part.before.len() == part.after.len()
        && part
            .before
            .iter()
            .zip(&part.after)
            .all(|(b, a)| b.node == a.node && b.status == a.status);
    if !paired {
        return Err(inconsistent(
            name,
            "its before and after lists do not name the same nodes",
        ));
    }
    Ok(part
        .before
        .iter()
        .zip(&part.after)
        .map(|(b, a)| ScenarioNode {
            label: b.node.clone(),
            weight_before: b.weight,
            weight_after: a.weight,
            status: b.status,
        })
        .collect())
}

/// The key (or load) figures of one part, checked to add up as a run's own figures do.
fn figures(
    name: &str,
    part: &MovementPart,
    nodes: &[ScenarioNode],
    amounts: Amounts,
) -> Result<KeyFigures> {
    let missing = || {
        inconsistent(
            name,
            &format!(
                "it lacks some of its {} although it has a load",
                amounts.what
            ),
        )
    };
    let index: HashMap<&str, u32> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.label.as_str(), i as u32))
        .collect();
    let mut flows = BTreeMap::new();
    for flow in &part.flows {
        let node = |label: &str| index.get(label).copied();
        let from = match node(&flow.from) {
            Some(n) => Some(n),
            None if flow.from == UNASSIGNED => None,
            None => return Err(unknown(name, &flow.from)),
        };
        let to = node(&flow.to).ok_or_else(|| unknown(name, &flow.to))?;
        let pair: OwnerPair = (from, Some(to));
        let amount = (amounts.flow)(flow).ok_or_else(missing)?;
        if flows.insert(pair, amount).is_some() {
            return Err(inconsistent(
                name,
                &format!("it lists the flow {} → {} twice", flow.from, flow.to),
            ));
        }
    }
    let side = |side: &[SideLoad]| side.iter().map(amounts.node).collect::<Option<Vec<u64>>>();
    let figures = KeyFigures {
        before: side(&part.before).ok_or_else(missing)?,
        after: side(&part.after).ok_or_else(missing)?,
        moved: (amounts.moved)(part).ok_or_else(missing)?,
        excess: (amounts.excess)(part).ok_or_else(missing)?,
        unavailable: (amounts.unavailable)(part).ok_or_else(missing)?,
        flows,
        total: (amounts.total)(part).ok_or_else(missing)?,
    };
    // Every key ends on a node or unavailable, and every moved key is in one flow.
    let landed = checked_sum(figures.after.iter().copied(), figures.unavailable);
    let flowed = checked_sum(figures.flows.values().copied(), 0);
    if landed != Some(figures.total) || flowed != Some(figures.moved) {
        let what = amounts.what;
        return Err(inconsistent(
            name,
            &format!(
                "its {what} after the change, unavailable {what}, moved {what} and flows do not add up"
            ),
        ));
    }
    Ok(figures)
}

fn checked_sum(amounts: impl IntoIterator<Item = u64>, start: u64) -> Option<u64> {
    amounts.into_iter().try_fold(start, u64::checked_add)
}

fn unknown(name: &str, label: &str) -> crate::Error {
    inconsistent(
        name,
        &format!("a flow names {label}, which is none of its nodes"),
    )
}
