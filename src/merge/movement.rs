//! Summing `simulate` / `diff` reports: keys per node before and after, moved, excess and
//! unavailable keys and the from→to flows; the nodes, their changes and the hash-space
//! movement come from the rings and are the same in every part.

use std::collections::HashMap;

use super::{MovementPart, add, inconsistent};
use crate::analysis::movement::{self, KeyFigures, MovementReport, OwnerPair, UNASSIGNED};
use crate::error::Result;
use crate::scenario::ScenarioNode;

pub fn merge(parts: &[(&str, &MovementPart)]) -> Result<MovementReport> {
    let (first_name, first) = parts[0];
    let nodes = scenario_nodes(first_name, first)?;
    let mut total = KeyFigures {
        before: vec![0; nodes.len()],
        after: vec![0; nodes.len()],
        ..KeyFigures::default()
    };
    for &(name, part) in parts {
        if scenario_nodes(name, part)? != nodes || part.hash_space != first.hash_space {
            return Err(inconsistent(
                name,
                "its nodes, their changes or its hash-space figures differ from the first report's although the ring fingerprints match",
            ));
        }
        let figures = figures(name, part, &nodes)?;
        for (sum, amount) in total.before.iter_mut().zip(&figures.before) {
            add(sum, *amount, name)?;
        }
        for (sum, amount) in total.after.iter_mut().zip(&figures.after) {
            add(sum, *amount, name)?;
        }
        add(&mut total.moved, figures.moved, name)?;
        add(&mut total.excess, figures.excess, name)?;
        add(&mut total.unavailable, figures.unavailable, name)?;
        add(&mut total.total, figures.total, name)?;
        for (pair, amount) in figures.flows {
            add(total.flows.entry(pair).or_default(), amount, name)?;
        }
    }
    Ok(movement::build(
        &nodes,
        &total,
        None,
        first.hash_space.clone(),
        first.ring.clone(),
    ))
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

/// The key figures of one part, checked to add up as a run's own figures do.
fn figures(name: &str, part: &MovementPart, nodes: &[ScenarioNode]) -> Result<KeyFigures> {
    let index: HashMap<&str, u32> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.label.as_str(), i as u32))
        .collect();
    let mut flows = std::collections::BTreeMap::new();
    for flow in &part.flows {
        let node = |label: &str| index.get(label).copied();
        let from = match node(&flow.from) {
            Some(n) => Some(n),
            None if flow.from == UNASSIGNED => None,
            None => return Err(unknown(name, &flow.from)),
        };
        let to = node(&flow.to).ok_or_else(|| unknown(name, &flow.to))?;
        let pair: OwnerPair = (from, Some(to));
        if flows.insert(pair, flow.keys).is_some() {
            return Err(inconsistent(
                name,
                &format!("it lists the flow {} → {} twice", flow.from, flow.to),
            ));
        }
    }
    let figures = KeyFigures {
        before: part.before.iter().map(|n| n.keys).collect(),
        after: part.after.iter().map(|n| n.keys).collect(),
        moved: part.moved,
        excess: part.excess_moved,
        unavailable: part.unavailable,
        flows,
        total: part.keys,
    };
    // Every key ends on a node or unavailable, and every moved key is in one flow.
    let landed = checked_sum(figures.after.iter().copied(), figures.unavailable);
    let flowed = checked_sum(figures.flows.values().copied(), 0);
    if landed != Some(figures.total) || flowed != Some(figures.moved) {
        return Err(inconsistent(
            name,
            "its keys after the change, unavailable keys, moved keys and flows do not add up",
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
