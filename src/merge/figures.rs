//! A `simulate` / `diff` report's figures as the analysis counts them ([`KeyFigures`]), read
//! back from its lists: its nodes and their changes, and its keys or, with `--key-weight`,
//! their loads. Checking them and summing them both start here.

use std::collections::{BTreeMap, HashMap};

use super::{MovementPart, inconsistent};
use crate::analysis::movement::{Flow, KeyFigures, OwnerPair, SideLoad, UNASSIGNED};
use crate::error::{Error, Result};
use crate::scenario::ScenarioNode;

/// Which of a report's figures to read: its keys, or (`--key-weight`) their loads.
pub struct Amounts {
    /// How messages call them.
    pub what: &'static str,
    total: fn(&MovementPart) -> Option<u64>,
    moved: fn(&MovementPart) -> Option<u64>,
    excess: fn(&MovementPart) -> Option<u64>,
    unavailable: fn(&MovementPart) -> Option<u64>,
    node: fn(&SideLoad) -> Option<u64>,
    flow: fn(&Flow) -> Option<u64>,
}

impl Amounts {
    pub const KEYS: Amounts = Amounts {
        what: "keys",
        total: |p| Some(p.keys),
        moved: |p| Some(p.moved),
        excess: |p| Some(p.excess_moved),
        unavailable: |p| Some(p.unavailable),
        node: |n| Some(n.keys),
        flow: |f| Some(f.keys),
    };
    pub const LOADS: Amounts = Amounts {
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
pub fn scenario_nodes(name: &str, part: &MovementPart) -> Result<Vec<ScenarioNode>> {
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

/// The key (or load) figures of one part, as they stand: whether they add up is
/// [`super::check`]'s to say.
pub fn figures(
    name: &str,
    part: &MovementPart,
    nodes: &[ScenarioNode],
    amounts: &Amounts,
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
        if from == Some(to) {
            return Err(inconsistent(
                name,
                &format!("it lists a flow from {} to itself", flow.to),
            ));
        }
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
    Ok(KeyFigures {
        before: side(&part.before).ok_or_else(missing)?,
        after: side(&part.after).ok_or_else(missing)?,
        moved: (amounts.moved)(part).ok_or_else(missing)?,
        excess: (amounts.excess)(part).ok_or_else(missing)?,
        unavailable: (amounts.unavailable)(part).ok_or_else(missing)?,
        flows,
        total: (amounts.total)(part).ok_or_else(missing)?,
    })
}

fn unknown(name: &str, label: &str) -> Error {
    inconsistent(
        name,
        &format!("a flow names {label}, which is none of its nodes"),
    )
}
